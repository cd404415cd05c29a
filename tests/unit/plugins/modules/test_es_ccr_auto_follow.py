# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_ccr_auto_follow module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_ccr_auto_follow

PASSWORD = "s3cret-elastic-password"
CONN = {"es_url": "https://es.example.com:9243", "es_username": "elastic", "es_password": PASSWORD, "es_retries": 0}
PATH = "/_ccr/auto_follow/logs"
RESOLVE = "/_resolve/cluster/logs:*"
MISSING = (404, {"error": {"root_cause": [{"type": "resource_not_found_exception", "reason": "auto-follow pattern [logs] is missing"}],
                           "type": "resource_not_found_exception", "reason": "auto-follow pattern [logs] is missing"}, "status": 404})


def args(**kwargs):
    out = dict(CONN, name="logs")
    out.update(kwargs)
    return out


def pattern(**fields):
    body = {"active": True, "remote_cluster": "logs", "leader_index_patterns": ["logs-*"], "leader_index_exclusion_patterns": []}
    body.update(fields)
    return (200, {"patterns": [{"name": "logs", "pattern": body}]})


def local(fake_http, version="9.1.3"):
    fake_http.add("GET", "/", (200, {"version": {"number": version, "minimum_wire_compatibility_version": "8.19.0"}}))


def resolved(version="8.19.4"):
    return (200, {"logs": {"connected": True, "skip_unavailable": True, "matching_indices": False,
                           "version": {"number": version, "minimum_wire_compatibility_version": "7.17.0"}}})


def puts(fake_http):
    return [json.loads(r["body"]) for r in fake_http.writes if r["method"] == "PUT"]


def test_create(fake_http, run):
    local(fake_http)
    fake_http.add("GET", PATH, MISSING, pattern(follow_index_pattern="{{leader_index}}-copy", max_read_request_size="16mb"))
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("PUT", PATH, (200, {"acknowledged": True}))
    result = run(es_ccr_auto_follow, args(remote_cluster="logs", leader_index_patterns=["logs-*"],
                                          follow_index_pattern="{{leader_index}}-copy", max_read_request_size="16mb"), diff=True)
    assert result["changed"] is True, result
    assert puts(fake_http) == [{"remote_cluster": "logs", "leader_index_patterns": ["logs-*"],
                                "follow_index_pattern": "{{leader_index}}-copy", "max_read_request_size": "16mb"}]
    assert result["pattern"]["name"] == "logs" and result["pattern"]["active"] is True
    assert result["versions"]["leader"] == "8.19.4"
    assert result["diff"]["before"] == {}
    assert PASSWORD not in json.dumps(result)


def test_unchanged_compares_only_given_keys(fake_http, run):
    fake_http.add("GET", PATH, pattern(leader_index_patterns=["b-*", "a-*"], settings={"index": {"number_of_replicas": "0"}},
                                       max_read_request_size="16mb", max_retry_delay="1s"))
    result = run(es_ccr_auto_follow, args(remote_cluster="logs", leader_index_patterns=["a-*", "b-*", "a-*"],
                                          leader_index_exclusion_patterns=[], settings={"index.number_of_replicas": 0},
                                          max_read_request_size="16384kb"), diff=True)
    assert result["changed"] is False, result
    assert fake_http.writes == []
    assert [r["path"] for r in fake_http.requests] == [PATH]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_update_sends_current_values_for_left_out_options(fake_http, run):
    local(fake_http)
    fake_http.add("GET", PATH, pattern(follow_index_pattern="{{leader_index}}-copy", max_retry_delay="1s", settings={"a": "1"}),
                  pattern(leader_index_patterns=["logs-*", "metrics-*"], follow_index_pattern="{{leader_index}}-copy",
                          max_retry_delay="1s", settings={"a": "1"}))
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("PUT", PATH, (200, {"acknowledged": True}))
    result = run(es_ccr_auto_follow, args(leader_index_patterns=["logs-*", "metrics-*"]), diff=True)
    assert result["changed"] is True
    assert puts(fake_http) == [{"remote_cluster": "logs", "leader_index_patterns": ["logs-*", "metrics-*"],
                                "leader_index_exclusion_patterns": [], "follow_index_pattern": "{{leader_index}}-copy",
                                "settings": {"a": "1"}, "max_retry_delay": "1s"}]
    assert result["diff"]["before"]["leader_index_patterns"] == ["logs-*"]
    assert result["diff"]["after"]["leader_index_patterns"] == ["logs-*", "metrics-*"]


def test_tuning_parameter_not_set_before_differs(fake_http, run):
    local(fake_http)
    fake_http.add("GET", PATH, pattern())
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("PUT", PATH, (200, {"acknowledged": True}))
    result = run(es_ccr_auto_follow, args(max_outstanding_read_requests=12))
    assert result["changed"] is True
    assert puts(fake_http)[0]["max_outstanding_read_requests"] == 12


def test_delete(fake_http, run):
    fake_http.add("GET", PATH, pattern())
    fake_http.add("DELETE", PATH, (200, {"acknowledged": True}))
    result = run(es_ccr_auto_follow, args(state="absent"), diff=True)
    assert result["changed"] is True
    assert [(r["method"], r["path"]) for r in fake_http.writes] == [("DELETE", PATH)]
    assert result["diff"]["after"] == {} and result["pattern"] == {}


def test_delete_missing_is_unchanged(fake_http, run):
    fake_http.add("GET", PATH, MISSING)
    result = run(es_ccr_auto_follow, args(state="absent"))
    assert result["changed"] is False and fake_http.writes == []


@pytest.mark.parametrize("case", ["create", "update", "delete"])
def test_check_mode_never_writes(fake_http, run, case):
    local(fake_http)
    fake_http.add("GET", RESOLVE, resolved())
    if case == "create":
        fake_http.add("GET", PATH, MISSING)
        params = args(remote_cluster="logs", leader_index_patterns=["logs-*"])
    elif case == "update":
        fake_http.add("GET", PATH, pattern())
        params = args(leader_index_patterns=["other-*"])
    else:
        fake_http.add("GET", PATH, pattern())
        params = args(state="absent")
    result = run(es_ccr_auto_follow, params, check=True, diff=True)
    assert result["changed"] is True, result
    assert fake_http.writes == []
    if case != "delete":
        assert result["pattern"]["leader_index_patterns"] == params["leader_index_patterns"]


def test_incompatible_versions_fail_before_any_write(fake_http, run):
    local(fake_http, "8.19.4")
    fake_http.add("GET", PATH, MISSING)
    fake_http.add("GET", RESOLVE, resolved("9.1.3"))
    result = run(es_ccr_auto_follow, args(remote_cluster="logs", leader_index_patterns=["logs-*"]))
    assert result["failed"] is True and result["parameter"] == "remote_cluster"
    assert "follower 8.19.4 cannot replicate from leader 9.1.3" in result["msg"]
    assert fake_http.writes == []


def test_unknown_alias_fails_before_write(fake_http, run):
    local(fake_http)
    fake_http.add("GET", PATH, MISSING)
    fake_http.add("GET", "/_resolve/cluster/nope:*", (404, {"error": {"type": "no_such_remote_cluster_exception",
                                                                      "reason": "no such remote cluster: [nope]"}, "status": 404}))
    fake_http.add("GET", "/_remote/info", (200, {}))
    result = run(es_ccr_auto_follow, args(remote_cluster="nope", leader_index_patterns=["logs-*"]))
    assert result["failed"] is True and "no remote cluster is configured" in result["msg"]
    assert fake_http.writes == []


def test_create_needs_remote_and_patterns(fake_http, run):
    fake_http.add("GET", PATH, MISSING)
    result = run(es_ccr_auto_follow, args(leader_index_patterns=["logs-*"]))
    assert result["failed"] is True and result["parameter"] == "remote_cluster"
    assert fake_http.writes == []


@pytest.mark.parametrize("params, parameter, text", [
    ({"name": "_x"}, "name", "starts with '_'"),
    ({"name": "a,b"}, "name", "contains ','"),
    ({"name": "a#b"}, "name", "contains '#'"),
    ({"name": "a b"}, "name", "contains a space"),
    ({"name": "Logs"}, "name", "uppercase"),
    ({"name": "x" * 256}, "name", "longer than 255 bytes"),
    ({"remote_cluster": "a:b"}, "remote_cluster", "contains ':'"),
    ({"leader_index_patterns": []}, "leader_index_patterns", "must not be empty"),
    ({"leader_index_patterns": ["a", ""]}, "leader_index_patterns", "empty patterns"),
    ({"max_write_buffer_size": "lots"}, "max_write_buffer_size", "is not a byte size"),
    ({"max_outstanding_write_requests": -1}, "max_outstanding_write_requests", "larger than 0"),
])
def test_bad_input_fails_before_any_request(fake_http, run, params, parameter, text):
    result = run(es_ccr_auto_follow, args(**params))
    assert result["failed"] is True
    assert result["parameter"] == parameter, result
    assert text in result["msg"]
    assert fake_http.requests == []


def test_api_error_reported(fake_http, run):
    local(fake_http)
    fake_http.add("GET", PATH, MISSING)
    fake_http.add("GET", RESOLVE, resolved())
    reason = "can not fetch remote cluster state as the remote cluster [logs] is not licensed for [ccr]"
    fake_http.add("PUT", PATH, (400, {"error": {"type": "status_exception", "reason": reason}, "status": 400}))
    result = run(es_ccr_auto_follow, args(remote_cluster="logs", leader_index_patterns=["logs-*"]))
    assert result["failed"] is True and reason in result["msg"] and result["api_error"]["status"] == 400
    assert PASSWORD not in json.dumps(result)


def test_flatten_settings():
    assert es_ccr_auto_follow.flatten_settings({"index": {"number_of_replicas": 0, "routing": {"x": True}}, "a.b": ["1", 2]}) == {
        "index.number_of_replicas": "0", "index.routing.x": "true", "a.b": ["1", "2"]}
