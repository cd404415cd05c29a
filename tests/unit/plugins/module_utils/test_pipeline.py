# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pipeline logic (trust plans, ownership records, names)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import hashlib
import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _pipeline as logic


def pem(tag):
    body = base64.b64encode(("cert-" + tag).encode() * 8).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % lines


CA_A, CA_B, CA_ECH, CA_SM = pem("a"), pem("b"), pem("ech"), pem("sm")


def ece(label, cluster, account="acct-a", url="https://a:12443"):
    return {"type": "ece", "label": label, "cluster_id": cluster, "account_id": account, "environment_id": account,
            "same_environment_key": "ece|%s|%s" % (url, account), "transport_ca_pems": [CA_A if account == "acct-a" else CA_B],
            "api_key_ca_pems": [pem("proxy-" + account)], "api_key_ca_public": False}


def ech(label, cluster, org="803289842"):
    return {"type": "ech", "label": label, "cluster_id": cluster, "environment_id": org, "organization_id": org,
            "same_environment_key": "ech|https://api:443|" + org, "transport_ca_pems": [CA_ECH], "api_key_ca_pems": [],
            "api_key_ca_public": True}


LOCAL = ece("local", "c-local")
REMOTE_SAME = ece("remote", "c-remote")
REMOTE_OTHER = ece("remote", "c-other", account="acct-b", url="https://b:12443")
REMOTE_ECH = ech("remote", "c-ech")


def test_names():
    assert logic.entry_name("logs", REMOTE_ECH) == "eceops logs remote c-ech"
    assert logic.entry_name("logs", REMOTE_ECH, proxy=True) == "eceops logs remote c-ech proxy"
    assert logic.tag_key("logs") == "eceops-rc-logs"
    assert logic.key_name("logs", LOCAL) == "logs-c-local"
    assert logic.key_name("logs", LOCAL, "mine") == "mine"
    with pytest.raises(logic.PipelineError):
        logic.key_name("logs", {})
    assert logic.key_metadata("logs") == {"managed_by": "eceops.remote_clusters", "alias": "logs"}


def test_pem_bodies_ignore_formatting_and_fingerprints():
    messy = CA_A.replace("\n", "\r\n  ")
    assert logic.pem_bodies([messy]) == logic.pem_bodies(CA_A)
    assert logic.pem_bodies([{"pem": CA_A + CA_B}]) == logic.pem_bodies([CA_A, CA_B])
    body = logic.pem_bodies(CA_A)[0]
    assert logic.pem_fingerprints(CA_A) == [hashlib.sha256(base64.b64decode(body)).hexdigest()]


@pytest.mark.parametrize("target, peer, kind", [
    (LOCAL, REMOTE_SAME, ("accounts", None)),
    (LOCAL, REMOTE_OTHER, ("external", None)),
    (LOCAL, REMOTE_ECH, ("direct", "ESS")),
    (REMOTE_ECH, LOCAL, ("direct", "ECE")),
    (LOCAL, {"type": "self_managed"}, ("direct", "generic")),
    (LOCAL, {"type": "eck"}, ("direct", "generic")),
])
def test_trust_kind(target, peer, kind):
    assert logic.trust_kind(target, peer) == kind


def test_trust_kind_needs_cloud_target():
    with pytest.raises(logic.PipelineError):
        logic.trust_kind({"type": "self_managed"}, LOCAL)


def test_accounts_trust_all_admits():
    current = {"accounts": [{"account_id": "acct-a", "trust_all": True}]}
    plan = logic.trust_plan(LOCAL, REMOTE_SAME, current, "x")
    assert plan["admitted"] and plan["args"] == {} and plan["record"] == {}


def test_accounts_allowlist_extended_and_recorded():
    current = {"accounts": [{"account_id": "acct-a", "trust_all": False, "trust_allowlist": ["other"]}]}
    plan = logic.trust_plan(LOCAL, REMOTE_SAME, current, "x")
    assert not plan["admitted"]
    assert plan["args"] == {"accounts": [{"account_id": "acct-a", "trust_allowlist": ["c-remote"]}], "allowlist_mode": "add"}
    assert plan["record"] == {"accounts": {"acct-a": {"added": ["c-remote"], "created": False}}}


def test_accounts_entry_created_when_missing():
    plan = logic.trust_plan(LOCAL, REMOTE_SAME, {"accounts": []}, "x")
    assert plan["args"]["accounts"] == [{"account_id": "acct-a", "trust_allowlist": ["c-remote"], "trust_all": False}]
    assert plan["record"]["accounts"]["acct-a"]["created"] is True


def test_external_needs_relationship():
    with pytest.raises(logic.PipelineError):
        logic.trust_plan(LOCAL, REMOTE_OTHER, {}, "x")
    plan = logic.trust_plan(LOCAL, REMOTE_OTHER, {"external": [{"trust_relationship_id": "rel", "trust_all": True}]}, "x",
                            relationship_id="rel")
    assert plan["admitted"]
    plan = logic.trust_plan(LOCAL, REMOTE_OTHER, {}, "x", relationship_id="rel")
    assert plan["args"] == {"external": [{"trust_relationship_id": "rel", "trust_allowlist": ["c-other"], "trust_all": False}],
                            "allowlist_mode": "add"}


def test_direct_ess_entry_and_admission():
    plan = logic.trust_plan(LOCAL, REMOTE_ECH, {"direct": []}, "x")
    entry = plan["args"]["direct"][0]
    assert entry == {"name": "eceops x remote c-ech", "type": "ESS", "trust_all": False, "certificates": [CA_ECH],
                     "scope_id": "803289842", "trust_allowlist": ["c-ech"]}
    # a foreign entry trusting the whole organization with the same CA admits it
    foreign = {"name": "My org", "type": "ESS", "scope_id": "803289842", "trust_all": True, "certificates": [{"pem": CA_ECH}]}
    assert logic.trust_plan(LOCAL, REMOTE_ECH, {"direct": [foreign]}, "x")["admitted"]
    # another CA does not
    other = dict(foreign, certificates=[{"pem": CA_B}])
    assert not logic.trust_plan(LOCAL, REMOTE_ECH, {"direct": [other]}, "x")["admitted"]
    # a proxy entry never admits on the certificate model
    proxy = dict(foreign, type="proxy")
    assert not logic.trust_plan(LOCAL, REMOTE_ECH, {"direct": [proxy]}, "x")["admitted"]


def test_direct_for_stack_peers():
    eck = {"type": "eck", "label": "remote", "cluster_id": "uuid", "cluster_name": "quickstart",
           "environment_id": "default.es.local", "transport_ca_pems": [CA_SM]}
    entry = logic.trust_plan(LOCAL, eck, {}, "k")["args"]["direct"][0]
    assert entry["scope_id"] == "default.es.local" and entry["trust_allowlist"] == ["quickstart"] and entry["type"] == "generic"
    sm_names = {"type": "self_managed", "label": "remote", "cluster_id": "u", "node_names": ["n1.sm", "n2.sm"],
                "transport_ca_pems": [CA_SM]}
    entry = logic.trust_plan(LOCAL, sm_names, {}, "k")["args"]["direct"][0]
    assert entry["additional_node_names"] == ["n1.sm", "n2.sm"] and "scope_id" not in entry
    with pytest.raises(logic.PipelineError):
        logic.trust_plan(LOCAL, {"type": "self_managed", "cluster_id": "u", "transport_ca_pems": [CA_SM]}, {}, "k")


def test_proxy_trust_plan():
    pems = REMOTE_OTHER["api_key_ca_pems"]
    plan = logic.proxy_trust_plan(LOCAL, REMOTE_OTHER, {}, "x", pems)
    assert plan["args"]["direct"][0] == {"name": "eceops x remote c-other proxy", "type": "proxy", "trust_all": False,
                                         "certificates": pems}
    have = {"direct": [{"name": "someone's", "type": "proxy", "certificates": [{"pem": pems[0]}]}]}
    assert logic.proxy_trust_plan(LOCAL, REMOTE_OTHER, have, "x", pems)["admitted"]
    assert logic.proxy_trust_plan(LOCAL, REMOTE_ECH, {}, "x", [])["admitted"]


@pytest.mark.parametrize("mode, remote, expected", [
    ("auto", REMOTE_SAME, False), ("always", REMOTE_SAME, True), ("never", REMOTE_OTHER, False),
    ("auto", REMOTE_OTHER, True), ("always", REMOTE_ECH, False), ("auto", REMOTE_ECH, False),
])
def test_trust_ca_needed(mode, remote, expected):
    assert logic.trust_ca_needed(LOCAL, remote, mode) is expected


def test_trust_ca_needed_bad_mode():
    with pytest.raises(logic.PipelineError):
        logic.trust_ca_needed(LOCAL, REMOTE_OTHER, "sometimes")


def test_record_merge_and_text():
    first = {"accounts": {"acct-a": {"added": ["c1"], "created": True}}}
    second = {"accounts": {"acct-a": {"added": ["c2"], "created": False}}, "relationships": ["r"]}
    merged = logic.record_merge(json.dumps(first), second)
    assert merged == {"accounts": {"acct-a": {"added": ["c1", "c2"], "created": True}}, "relationships": ["r"]}
    assert logic.record_merge(merged, {}) == merged
    assert logic.record_text(merged) == json.dumps(merged, sort_keys=True, separators=(",", ":"))
    assert logic.record_text({}) == ""
    with pytest.raises(logic.PipelineError):
        logic.parse_record("not json")


def test_removal_of_recorded_allowlist_item_keeps_foreign():
    current = {"accounts": [{"account_id": "acct-a", "trust_all": False, "trust_allowlist": ["foreign", "c-remote"]}]}
    record = {"accounts": {"acct-a": {"added": ["c-remote"], "created": False}}}
    out = logic.trust_removal(LOCAL, REMOTE_SAME, current, record, "x")
    assert out["args"] == {"accounts": [{"account_id": "acct-a", "trust_allowlist": ["c-remote"]}], "allowlist_mode": "remove"}
    assert out["record"] == {}


def test_removal_of_created_entry_and_relationship_candidate():
    current = {"external": [{"trust_relationship_id": "rel", "trust_all": False, "trust_allowlist": ["c-other"]}]}
    record = {"external": {"rel": {"added": ["c-other"], "created": True}}, "relationships": ["rel"]}
    out = logic.trust_removal(LOCAL, REMOTE_OTHER, current, record, "x")
    assert out["args"] == {"external": [{"trust_relationship_id": "rel", "state": "absent"}], "allowlist_mode": "remove"}
    assert out["relationships"] == ["rel"]
    assert out["record"] == {}


def test_removal_leaves_other_peers_of_the_same_alias():
    current = {"accounts": [{"account_id": "acct-a", "trust_all": False, "trust_allowlist": ["c-remote", "c-3"]}]}
    record = {"accounts": {"acct-a": {"added": ["c-remote", "c-3"], "created": True}}}
    out = logic.trust_removal(LOCAL, REMOTE_SAME, current, record, "x")
    assert out["args"]["accounts"] == [{"account_id": "acct-a", "trust_allowlist": ["c-remote"]}]
    assert out["record"] == {"accounts": {"acct-a": {"added": ["c-3"], "created": True}}}


def test_removal_of_named_direct_entry_only():
    current = {"direct": [{"name": "eceops x remote c-ech", "type": "ESS"}, {"name": "eceops x remote c-ech proxy", "type": "proxy"},
                          {"name": "foreign", "type": "ESS"}]}
    out = logic.trust_removal(LOCAL, REMOTE_ECH, current, "", "x")
    assert out["args"] == {"direct": [{"name": "eceops x remote c-ech", "state": "absent"}]}


def test_removal_nothing_to_do():
    out = logic.trust_removal(LOCAL, REMOTE_SAME, {"accounts": [{"account_id": "acct-a", "trust_all": True}]}, None, "x")
    assert out["args"] == {} and out["record"] == {} and out["relationships"] == []


def test_relationships_in_use_and_find():
    deps = [{"elasticsearch": [{"trust": {"external": [{"trust_relationship_id": "r1"}]}}]}, {"elasticsearch": [{"trust": None}]}]
    assert logic.relationships_in_use(deps, ["r1", "r2"]) == ["r1"]
    rels = [{"id": "loc", "local": True, "account_ids": ["b"]}, {"id": "r", "account_ids": ["b"]}]
    assert logic.find_relationship(rels, "b")["id"] == "r"
    assert logic.find_relationship(rels, "c") is None
