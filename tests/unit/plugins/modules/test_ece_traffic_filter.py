# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_traffic_filter module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.modules import ece_traffic_filter

URL = "https://ece.example.com:12443"
RULESETS = "/api/v1/deployments/traffic-filter/rulesets"
RS_ID = "rs0001"
RULESET = RULESETS + "/" + RS_ID
ASSOC = RULESET + "/associations"
DEP_A = "aaaa0000"
DEP_B = "bbbb0000"
ENV_ID = "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b"


@pytest.fixture
def warned(monkeypatch):
    """Messages passed to module.warn (result["warnings"] is not filled when controller code is loaded in the process)."""
    seen = []
    monkeypatch.setattr(RemoteClustersModule, "warn", lambda self, message: seen.append(message))
    return seen


def deployment(dep_id, region="ece-region"):
    return {"id": dep_id, "name": dep_id, "metadata": {"system_owned": False},
            "resources": {"elasticsearch": [{"ref_id": "main-elasticsearch", "id": "c-" + dep_id, "region": region, "info": {}}]}}


def ruleset(rules, associations=(), kind="remote_cluster", description="d", include_by_default=False, name="rc-allow", rs_id=RS_ID):
    return {"id": rs_id, "name": name, "type": kind, "region": "ece-region", "description": description,
            "include_by_default": include_by_default, "rules": rules,
            "associations": [{"entity_type": "deployment", "id": d} for d in associations], "total_associations": len(associations)}


RC_RULES = [{"remote_cluster_org_id": ENV_ID, "description": "whole environment"}, {"remote_cluster_id": "c1c1"}]
SERVER_RULES = [{"id": "r2", "remote_cluster_id": "c1c1"}, {"id": "r1", "remote_cluster_org_id": ENV_ID, "description": "whole environment"}]


def args(**extra):
    out = {"ece_url": URL, "ece_api_key": "test-api-key-0001", "name": "rc-allow", "type": "remote_cluster", "description": "d",
           "rules": RC_RULES}
    out.update(extra)
    return out


def body(record):
    return json.loads(record["body"])


def writes(fake_http):
    return [(r["method"], r["path"]) for r in fake_http.writes]


def test_creates_and_associates(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    fake_http.add("POST", RULESETS, (201, {"id": RS_ID}))
    fake_http.add("GET", "/api/v1/deployments/" + DEP_A, (200, deployment(DEP_A)))
    fake_http.add("POST", ASSOC, (201, {}))
    fake_http.add("GET", RULESET, (200, ruleset(SERVER_RULES, [DEP_A])))
    result = run(ece_traffic_filter, args(associations=[DEP_A]), diff=True)
    assert result["changed"] is True and result["created"] is True
    assert writes(fake_http) == [("POST", RULESETS), ("POST", ASSOC)]
    assert body(fake_http.writes[0]) == {"name": "rc-allow", "type": "remote_cluster", "region": "ece-region", "include_by_default": False,
                                         "description": "d", "rules": RC_RULES}
    assert body(fake_http.writes[1]) == {"entity_type": "deployment", "id": DEP_A}
    assert result["id"] == RS_ID
    assert result["ruleset"]["associations"] == [DEP_A]
    assert result["associations_added"] == [DEP_A]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["associations"] == [DEP_A]


def test_equal_ruleset_in_another_order_sends_nothing(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A])]}))
    result = run(ece_traffic_filter, args(associations=[DEP_A]))
    assert result["changed"] is False
    assert fake_http.writes == []
    assert [r["path"] for r in fake_http.requests] == [RULESETS]
    assert result["ruleset"]["rules"] == SERVER_RULES


def test_update_puts_full_ruleset(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A])]}))
    fake_http.add("PUT", RULESET, (200, {"id": RS_ID}))
    new_rules = [{"remote_cluster_org_id": ENV_ID, "description": "whole environment"}]
    fake_http.add("GET", RULESET, (200, ruleset([dict(new_rules[0], id="r3")], [DEP_A])))
    result = run(ece_traffic_filter, args(rules=new_rules), diff=True)
    assert result["changed"] is True and result["rules_changed"] is True and result["created"] is False
    assert writes(fake_http) == [("PUT", RULESET)]
    assert body(fake_http.writes[0]) == {"name": "rc-allow", "type": "remote_cluster", "region": "ece-region", "include_by_default": False,
                                         "description": "d", "rules": new_rules}
    assert result["diff"]["before"]["rules"] != result["diff"]["after"]["rules"]
    assert "id" not in result["diff"]["after"]["rules"][0]


def test_rules_not_given_are_kept(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A])]}))
    fake_http.add("PUT", RULESET, (200, {"id": RS_ID}))
    fake_http.add("GET", RULESET, (200, ruleset(SERVER_RULES, [DEP_A], include_by_default=True)))
    params = args(include_by_default=True)
    del params["rules"]
    del params["description"]
    result = run(ece_traffic_filter, params)
    assert result["changed"] is True
    sent = body(fake_http.writes[0])
    assert sent["include_by_default"] is True and sent["description"] == "d"
    assert sorted(sent["rules"], key=json.dumps) == sorted([{"remote_cluster_id": "c1c1"},
                                                            {"remote_cluster_org_id": ENV_ID, "description": "whole environment"}],
                                                           key=json.dumps)


def test_associations_only_missing_ones_and_unlisted_stay(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A])]}))
    fake_http.add("GET", "/api/v1/deployments/" + DEP_B, (200, deployment(DEP_B)))
    fake_http.add("POST", ASSOC, (201, {}))
    fake_http.add("GET", RULESET, (200, ruleset(SERVER_RULES, [DEP_A, DEP_B])))
    result = run(ece_traffic_filter, args(associations=[DEP_B]))
    assert writes(fake_http) == [("POST", ASSOC)]
    assert result["associations_added"] == [DEP_B] and result["associations_removed"] == []
    assert result["ruleset"]["associations"] == [DEP_A, DEP_B]


def test_purge_associations_removes_unlisted(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A, DEP_B])]}))
    fake_http.add("DELETE", ASSOC + "/deployment/" + DEP_A, (200, {}))
    fake_http.add("GET", RULESET, (200, ruleset(SERVER_RULES, [DEP_B])))
    result = run(ece_traffic_filter, args(associations=[DEP_B], purge_associations=True), diff=True)
    assert writes(fake_http) == [("DELETE", ASSOC + "/deployment/" + DEP_A)]
    assert result["associations_removed"] == [DEP_A]
    assert result["diff"]["before"]["associations"] == [DEP_A, DEP_B]
    assert result["diff"]["after"]["associations"] == [DEP_B]


def test_absent_removes_associations_then_ruleset(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset(SERVER_RULES, [DEP_A])]}))
    fake_http.add("DELETE", ASSOC + "/deployment/" + DEP_A, (200, {}))
    fake_http.add("DELETE", RULESET, (200, {}))
    result = run(ece_traffic_filter, {"ece_url": URL, "ece_api_key": "k-0001", "name": "rc-allow", "state": "absent"}, diff=True)
    assert result["changed"] is True
    assert writes(fake_http) == [("DELETE", ASSOC + "/deployment/" + DEP_A), ("DELETE", RULESET)]
    assert result["diff"]["after"] == {}
    assert result["associations_removed"] == ["deployment/" + DEP_A]


def test_absent_when_missing_is_unchanged(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    result = run(ece_traffic_filter, {"ece_url": URL, "ece_api_key": "k-0001", "name": "rc-allow", "state": "absent"})
    assert result["changed"] is False and fake_http.writes == []


@pytest.mark.parametrize("case", ["create", "update", "associate", "purge", "delete"])
def test_check_mode_never_writes(fake_http, run, case):
    existing = [] if case == "create" else [ruleset(SERVER_RULES, [DEP_A])]
    fake_http.add("GET", RULESETS, (200, {"rulesets": existing}))
    fake_http.add("GET", "/api/v1/deployments/" + DEP_B, (200, deployment(DEP_B)))
    params = {"create": args(), "update": args(rules=[{"remote_cluster_id": "c9"}]), "associate": args(associations=[DEP_B]),
              "purge": args(associations=[], purge_associations=True),
              "delete": {"ece_url": URL, "ece_api_key": "k-0001", "name": "rc-allow", "state": "absent"}}[case]
    result = run(ece_traffic_filter, params, check=True, diff=True)
    assert result["changed"] is True
    assert fake_http.writes == []


@pytest.mark.parametrize("params,parameter,text", [
    ({"type": "ip", "rules": [{"source": "allocators.example.com"}]}, "rules[0].source", ece_traffic_filter.DNS_REASON),
    ({"type": "ip", "rules": [{"source": "10.0.0.300"}]}, "rules[0].source", "not an IPv4 or IPv6 address"),
    ({"type": "ip", "rules": [{"description": "no source"}]}, "rules[0].source", "is required"),
    ({"type": "ip", "rules": [{"source": "10.0.0.1", "remote_cluster_id": "c1"}]}, "rules[0].remote_cluster_id", "only valid"),
    ({"type": "remote_cluster", "rules": [{"description": "nothing"}]}, "rules[0]", "needs remote_cluster_id"),
    ({"type": "remote_cluster", "rules": [{"source": "10.0.0.1", "remote_cluster_id": "c1"}]}, "rules[0].source", "not valid"),
    ({"type": None}, "type", "is required"),
    ({"name": " "}, "name", "is empty"),
    ({"purge_associations": True}, "purge_associations", "needs associations"),
    ({"associations": [""]}, "associations[0]", "is empty"),
], ids=["dns", "bad-ip", "no-source", "ip-with-id", "rc-no-ids", "rc-with-source", "no-type", "no-name", "purge-alone", "empty-assoc"])
def test_bad_input_fails_before_any_request(fake_http, run, params, parameter, text):
    result = run(ece_traffic_filter, args(**params))
    assert result["failed"] is True
    assert result["parameter"] == parameter
    assert text in result["msg"]
    assert fake_http.requests == []


def test_unknown_deployment_fails_before_any_write(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    not_found = {"errors": [{"code": "deployments.deployment_not_found", "message": "Deployment [%s] not found" % DEP_B}]}
    fake_http.add("GET", "/api/v1/deployments/" + DEP_B, (404, not_found))
    fake_http.add("GET", "/api/v1/deployments/" + DEP_A, (200, deployment(DEP_A)))
    result = run(ece_traffic_filter, args(associations=[DEP_A, DEP_B]))
    assert result["failed"] is True
    assert result["parameter"] == "associations[1]"
    assert "no deployment with ID" in result["msg"]
    assert fake_http.writes == []


def test_deployment_in_other_region_fails_before_any_write(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    fake_http.add("GET", "/api/v1/deployments/" + DEP_A, (200, deployment(DEP_A, region="other-region")))
    result = run(ece_traffic_filter, args(associations=[DEP_A]))
    assert result["failed"] is True and "other-region" in result["msg"]
    assert fake_http.writes == []


def test_ambiguous_name_fails(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": [ruleset([], rs_id="x1"), ruleset([], rs_id="x2")]}))
    result = run(ece_traffic_filter, args())
    assert result["failed"] is True and result["parameter"] == "name"
    assert "x1, x2" in result["msg"]
    assert fake_http.writes == []


def test_ipv4_ipv6_and_cidr_accepted(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    fake_http.add("POST", RULESETS, (201, {"id": RS_ID}))
    rules = [{"source": "192.168.131.0"}, {"source": "10.0.0.0/16", "description": "net"}, {"source": "2001:db8::/48"}]
    fake_http.add("GET", RULESET, (200, ruleset(rules, kind="ip")))
    result = run(ece_traffic_filter, args(type="ip", rules=rules))
    assert result["changed"] is True
    assert body(fake_http.writes[0])["rules"] == rules


def test_unvalidated_type_warns_and_passes_rules(fake_http, run, warned):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    fake_http.add("POST", RULESETS, (201, {"id": RS_ID}))
    fake_http.add("GET", RULESET, (200, ruleset([{"id": "r", "source": "vpce-123"}], kind="vpce")))
    result = run(ece_traffic_filter, args(type="vpce", rules=[{"source": "vpce-123"}]))
    assert result["changed"] is True
    assert len(warned) == 1 and "without validating" in warned[0]


def test_api_error_fails_with_api_text(fake_http, run):
    fake_http.add("GET", RULESETS, (200, {"rulesets": []}))
    fake_http.add("POST", RULESETS, (400, {"errors": [{"code": "traffic_filter.invalid_region", "message": "The region [x] is not valid",
                                                       "fields": ["region"]}]}))
    result = run(ece_traffic_filter, args(region="x"))
    assert result["failed"] is True
    assert "The region [x] is not valid" in result["msg"]
    assert "test-api-key-0001" not in json.dumps(result)


def test_pure_helpers():
    assert ece_traffic_filter.same_rules(SERVER_RULES, RC_RULES)
    assert not ece_traffic_filter.same_rules(SERVER_RULES, RC_RULES[:1])
    assert not ece_traffic_filter.same_rules([{"source": "1.1.1.1"}], [{"source": "1.1.1.1"}, {"source": "1.1.1.1"}])
    assert ece_traffic_filter.clean_rule({"id": "x", "source": " 1.1.1.1 ", "description": ""}) == {"source": "1.1.1.1"}
    assert ece_traffic_filter.ip_problem("2001:db8::1") is None
    assert ece_traffic_filter.ip_problem("host") is not None
