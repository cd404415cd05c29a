# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_role module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_role

PASSWORD = "s3cret-elastic-password"
CONN = {"es_url": "https://es.example.com:9243", "es_username": "elastic", "es_password": PASSWORD, "es_retries": 0}
PATH = "/_security/role/remote-replication"


def args(**kwargs):
    out = dict(CONN)
    out["name"] = "remote-replication"
    out.update(kwargs)
    return out


def info(version):
    return (200, {"version": {"number": version, "minimum_wire_compatibility_version": "8.19.0"}})


def stored(**fields):
    """A role as Elasticsearch returns it (what it fills in included)."""
    role = {"cluster": [], "indices": [], "applications": [], "run_as": [], "metadata": {}, "transient_metadata": {"enabled": True}}
    role.update(fields)
    return role


REMOTE = [{"clusters": ["logs"], "names": ["leader-index"], "privileges": ["cross_cluster_replication"]}]
STORED_REMOTE = [{"clusters": ["logs"], "names": ["leader-index"], "privileges": ["cross_cluster_replication"],
                  "allow_restricted_indices": False}]


def bodies(fake_http, method):
    return [json.loads(r["body"]) for r in fake_http.requests if r["method"] == method]


def test_create(fake_http, run):
    fake_http.add("GET", PATH, (404, {}), (200, {"remote-replication": stored(cluster=["manage_ccr"], remote_indices=STORED_REMOTE)}))
    fake_http.add("GET", "/", info("9.1.3"))
    fake_http.add("PUT", PATH, (200, {"role": {"created": True}}))
    result = run(es_role, args(cluster=["manage_ccr"], remote_indices=REMOTE))
    assert result["changed"] is True, result
    assert bodies(fake_http, "PUT") == [{"cluster": ["manage_ccr"], "remote_indices": REMOTE}]
    assert result["role"]["remote_indices"] == STORED_REMOTE
    assert PASSWORD not in json.dumps(result)


def test_create_minimal_role_without_version_read(fake_http, run):
    fake_http.add("GET", PATH, (404, {}), (200, {"remote-replication": stored(cluster=["monitor"])}))
    fake_http.add("PUT", PATH, (200, {"role": {"created": True}}))
    result = run(es_role, args(cluster=["monitor"]))
    assert result["changed"] is True
    assert [r["path"] for r in fake_http.requests] == [PATH, PATH, PATH]
    assert bodies(fake_http, "PUT") == [{"cluster": ["monitor"]}]


def test_no_write_when_equal_after_normalisation(fake_http, run):
    current = stored(cluster=["monitor", "manage_ccr"],
                     indices=[{"names": ["b", "a"], "privileges": ["read", "monitor"], "allow_restricted_indices": False,
                               "query": "{\"term\": {\"team\": \"blue\"}}", "field_security": {"grant": ["*"], "except": []}},
                              {"names": ["logs-*"], "privileges": ["read"], "allow_restricted_indices": False}],
                     remote_indices=STORED_REMOTE)
    fake_http.add("GET", PATH, (200, {"remote-replication": current}))
    fake_http.add("GET", "/", info("9.1.3"))
    result = run(es_role, args(
        cluster=["manage_ccr", "monitor", "manage_ccr"],
        indices=[{"names": "logs-*", "privileges": ["read"]},
                 {"names": ["a", "b"], "privileges": ["monitor", "read"], "query": {"term": {"team": "blue"}},
                  "field_security": {"grant": ["*"]}}],
        remote_indices=REMOTE), diff=True)
    assert result["changed"] is False, result
    assert fake_http.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_left_out_options_keep_current_values(fake_http, run):
    current = stored(cluster=["manage_ccr"], remote_indices=STORED_REMOTE, metadata={"team": "blue"}, run_as=["bob"])
    fake_http.add("GET", PATH, (200, {"remote-replication": current}))
    fake_http.add("PUT", PATH, (200, {"role": {"created": False}}))
    result = run(es_role, args(cluster=["manage_ccr", "monitor"]))
    assert result["changed"] is True
    assert bodies(fake_http, "PUT") == [{"cluster": ["manage_ccr", "monitor"], "indices": [], "applications": [], "run_as": ["bob"],
                                         "metadata": {"team": "blue"}, "remote_indices": STORED_REMOTE}]


def test_update_body_exact_and_diff(fake_http, run):
    current = stored(cluster=["manage_ccr"], remote_indices=STORED_REMOTE)
    fake_http.add("GET", PATH, (200, {"remote-replication": current}),
                  (200, {"remote-replication": stored(cluster=["manage_ccr"], remote_indices=[dict(STORED_REMOTE[0], names=["a", "b"])])}))
    fake_http.add("GET", "/", info("9.1.3"))
    fake_http.add("PUT", PATH, (200, {"role": {"created": False}}))
    new = [{"clusters": ["logs"], "names": ["a", "b"], "privileges": ["cross_cluster_replication"]}]
    result = run(es_role, args(remote_indices=new, description="CCR"), diff=True)
    assert result["changed"] is True
    assert bodies(fake_http, "PUT") == [{"cluster": ["manage_ccr"], "indices": [], "applications": [], "run_as": [], "metadata": {},
                                         "remote_indices": new, "description": "CCR"}]
    assert result["diff"]["before"]["remote_indices"][0]["names"] == ["leader-index"]
    assert result["diff"]["after"]["remote_indices"][0]["names"] == ["a", "b"]
    assert result["diff"]["after"]["description"] == "CCR"


def test_empty_list_removes_a_part(fake_http, run):
    fake_http.add("GET", PATH, (200, {"remote-replication": stored(cluster=["manage_ccr"], remote_indices=STORED_REMOTE)}))
    fake_http.add("PUT", PATH, (200, {"role": {"created": False}}))
    result = run(es_role, args(remote_indices=[]))
    assert result["changed"] is True
    assert bodies(fake_http, "PUT")[0]["remote_indices"] == []


def test_delete(fake_http, run):
    fake_http.add("GET", PATH, (200, {"remote-replication": stored(cluster=["manage_ccr"])}))
    fake_http.add("DELETE", PATH, (200, {"found": True}))
    result = run(es_role, args(state="absent"), diff=True)
    assert result["changed"] is True
    assert [r["method"] for r in fake_http.writes] == ["DELETE"]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["cluster"] == ["manage_ccr"]
    assert result["role"] == {}


def test_delete_missing_is_unchanged(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    result = run(es_role, args(state="absent"))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_delete_race_404_found_false_is_fine(fake_http, run):
    fake_http.add("GET", PATH, (200, {"remote-replication": stored()}))
    fake_http.add("DELETE", PATH, (404, {"found": False}))
    result = run(es_role, args(state="absent"))
    assert result.get("failed") is not True and result["changed"] is True


@pytest.mark.parametrize("case", ["create", "update", "delete"])
def test_check_mode_never_writes(fake_http, run, case):
    if case == "create":
        fake_http.add("GET", PATH, (404, {}))
        params = args(cluster=["manage_ccr"])
    elif case == "update":
        fake_http.add("GET", PATH, (200, {"remote-replication": stored(cluster=["monitor"])}))
        params = args(cluster=["manage_ccr"])
    else:
        fake_http.add("GET", PATH, (200, {"remote-replication": stored(cluster=["monitor"])}))
        params = args(state="absent")
    result = run(es_role, params, check=True, diff=True)
    assert result["changed"] is True, result
    assert fake_http.writes == []
    assert "diff" in result


def test_check_mode_create_predicts_role(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    result = run(es_role, args(cluster=["manage_ccr"]), check=True)
    assert result["role"]["cluster"] == ["manage_ccr"]


@pytest.mark.parametrize("state", ["present", "absent"])
def test_reserved_role_is_refused(fake_http, run, state):
    fake_http.add("GET", "/_security/role/superuser",
                  (200, {"superuser": stored(cluster=["all"], metadata={"_reserved": True}, transient_metadata={})}))
    result = run(es_role, dict(CONN, name="superuser", state=state, cluster=["monitor"]))
    assert result["failed"] is True
    assert "built-in (reserved) role" in result["msg"] and "superuser" in result["msg"]
    assert fake_http.writes == []


def test_remote_cluster_below_815_fails_before_write(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    fake_http.add("GET", "/", info("8.13.4"))
    result = run(es_role, args(remote_cluster=[{"clusters": ["logs"], "privileges": ["monitor_enrich"]}]))
    assert result["failed"] is True
    assert result["msg"].startswith("remote_cluster: the cluster runs Elasticsearch 8.13.4; remote_cluster privileges need "
                                    "Elasticsearch 8.15 or later"), result["msg"]
    assert fake_http.writes == []


def test_remote_indices_below_810_fails_and_beta_warns(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    fake_http.add("GET", "/", info("8.9.2"))
    result = run(es_role, args(remote_indices=REMOTE))
    assert result["failed"] is True and "remote_indices needs Elasticsearch 8.10 or later" in result["msg"]
    assert fake_http.writes == []


def test_remote_indices_beta_warning(fake_http, run, monkeypatch):
    warnings = []
    # module.warn, recorded directly: where Ansible routes warnings depends on what else the test session imported
    monkeypatch.setattr(es_role.RemoteClustersModule, "warn", lambda self, text: warnings.append(text))
    fake_http.add("GET", PATH, (404, {}), (200, {"remote-replication": stored(remote_indices=STORED_REMOTE)}))
    fake_http.add("GET", "/", info("8.13.4"))
    fake_http.add("PUT", PATH, (200, {"role": {"created": True}}))
    result = run(es_role, args(remote_indices=REMOTE))
    assert result["changed"] is True
    assert any("beta" in w for w in warnings)


def test_monitor_stats_needs_817(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    fake_http.add("GET", "/", info("8.15.5"))
    result = run(es_role, args(remote_cluster=[{"clusters": ["logs"], "privileges": ["monitor_stats"]}]))
    assert result["failed"] is True and "monitor_stats needs Elasticsearch 8.17" in result["msg"]
    assert result["msg"].startswith("remote_cluster[0].privileges:")


def test_empty_remote_cluster_on_old_cluster_is_not_sent(fake_http, run):
    fake_http.add("GET", PATH, (404, {}), (200, {"remote-replication": stored(cluster=["monitor"])}))
    fake_http.add("PUT", PATH, (200, {"role": {"created": True}}))
    result = run(es_role, args(cluster=["monitor"], remote_cluster=[], description=""))
    assert result["changed"] is True
    assert bodies(fake_http, "PUT") == [{"cluster": ["monitor"]}]


@pytest.mark.parametrize("params, parameter, text", [
    ({"name": ""}, "name", "must not be empty"),
    ({"name": " padded"}, "name", "leading or trailing whitespace"),
    ({"name": "r\u00e9le"}, "name", "characters Elasticsearch does not allow"),
    ({"name": "x" * 508}, "name", "at most 507"),
    ({"indices": [{"names": [], "privileges": ["read"]}]}, "indices[0].names", "must not be empty"),
    ({"indices": [{"names": ["a"], "privileges": ["read"], "field_security": {"except": ["x"]}}]},
     "indices[0].field_security", "'except' needs 'grant'"),
    ({"indices": [{"names": ["a"], "privileges": ["read"], "query": "{not json"}]}, "indices[0].query", "is not valid JSON"),
    ({"indices": [{"names": ["a"], "privileges": ["read"], "query": "[1]"}]}, "indices[0].query", "must be a query object"),
    ({"remote_indices": [{"clusters": [], "names": ["a"], "privileges": ["read"]}]}, "remote_indices[0].clusters", "must not be empty"),
    ({"remote_cluster": [{"clusters": ["x"], "privileges": ["read"]}]}, "remote_cluster[0].privileges", "cannot be granted"),
    ({"metadata": {"_private": 1}}, "metadata", "reserved"),
    ({"applications": [{"application": "kibana", "privileges": [], "resources": ["*"]}]}, "applications[0].privileges",
     "must not be empty"),
])
def test_bad_input_fails_before_any_request(fake_http, run, params, parameter, text):
    result = run(es_role, args(**params))
    assert result["failed"] is True
    assert result["parameter"] == parameter, result
    assert text in result["msg"]
    assert fake_http.requests == []


def test_api_error_reported_without_secret(fake_http, run):
    fake_http.add("GET", PATH, (404, {}))
    error = {"error": {"root_cause": [{"type": "action_request_validation_exception", "reason": "Validation Failed: 1: unknown "
                                       "cluster privilege [manage_nothing]"}],
                       "type": "action_request_validation_exception",
                       "reason": "Validation Failed: 1: unknown cluster privilege [manage_nothing]"}, "status": 400}
    fake_http.add("PUT", PATH, (400, error))
    result = run(es_role, args(cluster=["manage_nothing"]))
    assert result["failed"] is True
    assert "unknown cluster privilege [manage_nothing]" in result["msg"]
    assert result["api_error"]["status"] == 400
    assert PASSWORD not in json.dumps(result)


def test_normalize_role_fills_defaults():
    a = es_role.normalize_role({"indices": [{"names": "x", "privileges": ["read"]}], "transient_metadata": {"enabled": True}})
    b = es_role.normalize_role(stored(indices=[{"names": ["x"], "privileges": ["read"], "allow_restricted_indices": False}]))
    assert a == b
    assert es_role.normalize_role(None) == {}


def test_normalize_role_query_string_and_dict_equal():
    a = es_role.normalize_role({"indices": [{"names": ["x"], "privileges": ["read"], "query": {"b": 1, "a": {"c": 2}}}]})
    b = es_role.normalize_role({"indices": [{"names": ["x"], "privileges": ["read"], "query": "{\"a\":{\"c\":2},\"b\":1}"}]})
    assert a == b


def test_normalize_role_entry_order_does_not_matter():
    first = {"names": ["a"], "privileges": ["read"]}
    second = {"names": ["b"], "privileges": ["write"]}
    assert es_role.normalize_role({"indices": [first, second]}) == es_role.normalize_role({"indices": [second, first]})
    assert es_role.normalize_role({"indices": [first]}) != es_role.normalize_role({"indices": [first, second]})


def test_normalize_role_restricted_and_fls_matter():
    base = {"names": ["a"], "privileges": ["read"]}
    assert es_role.normalize_role({"indices": [base]}) != es_role.normalize_role({"indices": [dict(base, allow_restricted_indices=True)]})
    assert es_role.normalize_role({"indices": [base]}) != es_role.normalize_role({"indices": [dict(base, field_security={"grant": ["a"]})]})
