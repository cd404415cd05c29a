# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_ccr_follower module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_ccr_follower

PASSWORD = "s3cret-elastic-password"
CONN = {"es_url": "https://es.example.com:9243", "es_username": "elastic", "es_password": PASSWORD, "es_retries": 0}
INFO = "/copy/_ccr/info"
DEFAULTS = {"max_read_request_operation_count": 5120, "max_write_request_operation_count": 5120, "max_outstanding_read_requests": 12,
            "max_outstanding_write_requests": 9, "max_read_request_size": "32mb", "max_write_request_size": "9223372036854775807b",
            "max_write_buffer_count": 2147483647, "max_write_buffer_size": "512mb", "max_retry_delay": "500ms",
            "read_poll_timeout": "1m"}
RESOLVE = "/_resolve/cluster/logs:leader"
RESOLVE_ANY = "/_resolve/cluster/logs:*"
UNAUTHORIZED = ("action [indices:admin/resolve/cluster] towards remote cluster is unauthorized for user [elastic] with assigned roles "
                "[superuser] authenticated by API key id [k] of user [elastic] on indices [leader], this action is granted by the "
                "index privileges [view_index_metadata,manage,read_cross_cluster,all]")


def args(**kwargs):
    out = dict(CONN, index="copy", remote_cluster="logs", leader_index="leader")
    out.update(kwargs)
    return out


def entry(status="active", parameters=None):
    out = {"follower_index": "copy", "remote_cluster": "logs", "leader_index": "leader", "status": status}
    if status == "active":
        out["parameters"] = dict(DEFAULTS, **(parameters or {}))
    return out


def follow_info(*entries):
    return (200, {"follower_indices": list(entries)})


def resolved(version="8.19.4", connected=True):
    body = {"connected": connected, "skip_unavailable": True}
    if version:
        body["version"] = {"number": version, "minimum_wire_compatibility_version": "7.17.0"}
    return (200, {"logs": body})


def local(fake_http, version="9.1.3", minwire="8.19.0"):
    fake_http.add("GET", "/", (200, {"version": {"number": version, "minimum_wire_compatibility_version": minwire}}))


def calls(fake_http):
    return [(r["method"], r["path"]) for r in fake_http.writes]


def body_of(fake_http, path):
    return [json.loads(r["body"]) if r["body"] else None for r in fake_http.writes if r["path"] == path]


INDEX_MISSING = (404, {"error": {"root_cause": [{"type": "index_not_found_exception", "reason": "no such index [copy]"}],
                                 "type": "index_not_found_exception", "reason": "no such index [copy]"}, "status": 404})


def test_create_follower(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING, follow_info(entry()))
    fake_http.add("GET", RESOLVE, resolved())
    acked = {"follow_index_created": True, "follow_index_shards_acked": True, "index_following_started": True}
    fake_http.add("PUT", "/copy/_ccr/follow", (200, acked))
    result = run(es_ccr_follower, args(wait_for_active_shards="1", settings={"index.number_of_replicas": 0},
                                       max_read_request_size="16mb"))
    assert result["changed"] is True, result
    assert calls(fake_http) == [("PUT", "/copy/_ccr/follow")]
    expected = {"remote_cluster": "logs", "leader_index": "leader", "settings": {"index.number_of_replicas": 0},
                "max_read_request_size": "16mb"}
    assert body_of(fake_http, "/copy/_ccr/follow") == [expected]
    assert "wait_for_active_shards=1" in fake_http.writes[0]["url"]
    assert result["follower"]["status"] == "active"
    assert result["versions"] == {"follower": "9.1.3", "leader": "8.19.4", "compatible": True, "reason": result["versions"]["reason"]}
    assert result["actions"] == ["follow"]
    assert PASSWORD not in json.dumps(result)


def test_unchanged_when_following_with_same_parameters(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry(parameters={"max_read_request_size": "16mb"})))
    result = run(es_ccr_follower, args(max_read_request_size="16384kb", read_poll_timeout="60s"), diff=True)
    assert result["changed"] is False, result
    assert fake_http.writes == []
    assert [r["path"] for r in fake_http.requests] == [INFO]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_change_of_tuning_pauses_and_resumes_with_current_values(fake_http, run):
    local(fake_http)
    current = entry(parameters={"read_poll_timeout": "30s"})
    changed = entry(parameters={"read_poll_timeout": "30s", "max_read_request_size": "64mb"})
    fake_http.add("GET", INFO, follow_info(current), follow_info(changed))
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("POST", "/copy/_ccr/pause_follow", (200, {"acknowledged": True}))
    fake_http.add("POST", "/copy/_ccr/resume_follow", (200, {"acknowledged": True}))
    result = run(es_ccr_follower, args(max_read_request_size="64mb"), diff=True)
    assert result["changed"] is True
    assert calls(fake_http) == [("POST", "/copy/_ccr/pause_follow"), ("POST", "/copy/_ccr/resume_follow")]
    assert body_of(fake_http, "/copy/_ccr/resume_follow") == [dict(DEFAULTS, read_poll_timeout="30s", max_read_request_size="64mb")]
    assert result["diff"]["before"]["parameters"]["max_read_request_size"] == "32mb"
    assert result["diff"]["after"]["parameters"]["max_read_request_size"] == "64mb"


def test_pause_active_follower(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry()), follow_info(entry("paused")))
    fake_http.add("POST", "/copy/_ccr/pause_follow", (200, {"acknowledged": True}))
    result = run(es_ccr_follower, dict(CONN, index="copy", state="paused"))
    assert result["changed"] is True
    assert calls(fake_http) == [("POST", "/copy/_ccr/pause_follow")]
    assert result["follower"]["status"] == "paused"
    assert "versions" not in result


def test_paused_follower_stays_paused(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry("paused")))
    result = run(es_ccr_follower, args(state="paused"))
    assert result["changed"] is False and fake_http.writes == []


def test_resume_paused_follower_sends_given_parameters(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, follow_info(entry("paused")), follow_info(entry()))
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("POST", "/copy/_ccr/resume_follow", (200, {"acknowledged": True}))
    result = run(es_ccr_follower, args(max_retry_delay="1s"))
    assert result["changed"] is True
    assert body_of(fake_http, "/copy/_ccr/resume_follow") == [{"max_retry_delay": "1s"}]


def test_create_paused_follows_then_pauses(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING, follow_info(entry("paused")))
    fake_http.add("GET", RESOLVE, resolved())
    fake_http.add("PUT", "/copy/_ccr/follow", (200, {}))
    fake_http.add("POST", "/copy/_ccr/pause_follow", (200, {"acknowledged": True}))
    result = run(es_ccr_follower, args(state="paused"))
    assert calls(fake_http) == [("PUT", "/copy/_ccr/follow"), ("POST", "/copy/_ccr/pause_follow")]
    assert result["follower"]["status"] == "paused"


def test_absent_pauses_and_unfollows(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry()), follow_info())
    fake_http.add("POST", "/copy/_ccr/pause_follow", (200, {"acknowledged": True}))
    fake_http.add("POST", "/copy/_ccr/unfollow", (200, {"acknowledged": True}))
    result = run(es_ccr_follower, dict(CONN, index="copy", state="absent"), diff=True)
    assert result["changed"] is True
    assert calls(fake_http) == [("POST", "/copy/_ccr/pause_follow"), ("POST", "/copy/_ccr/unfollow")]
    assert result["follower"]["status"] == "not_following"
    assert result["diff"]["after"] == {"follower_index": "copy", "status": "not_following"}


def test_absent_paused_only_unfollows(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry("paused")), follow_info())
    fake_http.add("POST", "/copy/_ccr/unfollow", (200, {"acknowledged": True}))
    run(es_ccr_follower, dict(CONN, index="copy", state="absent"))
    assert calls(fake_http) == [("POST", "/copy/_ccr/unfollow")]


@pytest.mark.parametrize("answer", [follow_info(), INDEX_MISSING])
def test_absent_when_not_following_is_unchanged(fake_http, run, answer):
    fake_http.add("GET", INFO, answer)
    result = run(es_ccr_follower, dict(CONN, index="copy", state="absent"))
    assert result["changed"] is False and fake_http.writes == []


def test_unfollow_of_open_index_explains_closing(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry()))
    fake_http.add("POST", "/copy/_ccr/pause_follow", (200, {"acknowledged": True}))
    reason = "cannot convert the follower index [copy] to a non-follower, because it has not been closed"
    fake_http.add("POST", "/copy/_ccr/unfollow", (400, {"error": {"type": "illegal_argument_exception", "reason": reason,
                                                                  "root_cause": [{"type": "illegal_argument_exception", "reason": reason}]},
                                                        "status": 400}))
    result = run(es_ccr_follower, dict(CONN, index="copy", state="absent"))
    assert result["failed"] is True and result["changed"] is True
    assert "POST /copy/_close" in result["msg"] and reason in result["msg"]
    assert "paused now" in result["msg"]


@pytest.mark.parametrize("case", ["create", "resume", "tuning", "pause", "absent"])
def test_check_mode_never_writes(fake_http, run, case):
    local(fake_http)
    fake_http.add("GET", RESOLVE, resolved())
    params = args()
    if case == "create":
        fake_http.add("GET", INFO, INDEX_MISSING)
    elif case == "resume":
        fake_http.add("GET", INFO, follow_info(entry("paused")))
    elif case == "tuning":
        fake_http.add("GET", INFO, follow_info(entry()))
        params = args(max_outstanding_read_requests=24)
    elif case == "pause":
        fake_http.add("GET", INFO, follow_info(entry()))
        params = args(state="paused")
    else:
        fake_http.add("GET", INFO, follow_info(entry()))
        params = args(state="absent")
    result = run(es_ccr_follower, params, check=True, diff=True)
    assert result["changed"] is True, result
    assert fake_http.writes == []
    expected = {"create": "active", "resume": "active", "tuning": "active", "pause": "paused", "absent": "not_following"}[case]
    assert result["follower"]["status"] == expected
    if case == "tuning":
        assert result["follower"]["parameters"]["max_outstanding_read_requests"] == 24


def test_incompatible_versions_fail_before_any_write(fake_http, run):
    local(fake_http, "8.19.4", "7.17.0")
    fake_http.add("GET", INFO, INDEX_MISSING)
    fake_http.add("GET", RESOLVE, resolved("9.1.3"))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True
    assert result["parameter"] == "remote_cluster"
    assert "follower 8.19.4 cannot replicate from leader 9.1.3" in result["msg"]
    assert "Nothing was changed" in result["msg"]
    assert fake_http.writes == []


def test_patch_level_counts(fake_http, run):
    local(fake_http, "9.1.2")
    fake_http.add("GET", INFO, INDEX_MISSING)
    fake_http.add("GET", RESOLVE, resolved("9.1.3"))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True and "upgrade the follower to 9.1.3" in result["msg"]
    assert fake_http.writes == []


def test_falls_back_to_wildcard_when_leader_index_not_resolvable(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING, follow_info(entry()))
    fake_http.add("GET", RESOLVE, (200, {"logs": {"connected": False, "skip_unavailable": True, "error": UNAUTHORIZED}}))
    fake_http.add("GET", RESOLVE_ANY, resolved())
    fake_http.add("PUT", "/copy/_ccr/follow", (200, {}))
    result = run(es_ccr_follower, args())
    assert result["changed"] is True, result
    assert result["versions"]["leader"] == "8.19.4"


def test_unknown_alias_fails_with_configured_aliases(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING)
    fake_http.add("GET", RESOLVE, (404, {"error": {"type": "no_such_remote_cluster_exception", "reason": "no such remote cluster: [logs]",
                                                   "root_cause": []}, "status": 404}))
    fake_http.add("GET", "/_remote/info", (200, {"other": {"connected": True, "mode": "proxy"}}))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True and result["parameter"] == "remote_cluster"
    assert "'logs' is not a remote cluster" in result["msg"] and "the configured aliases are: other" in result["msg"]
    assert "es_remote_cluster" in result["msg"]
    assert fake_http.writes == []


def test_disconnected_alias_reports_remote_info(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING)
    reason = "unable to connect to remote cluster [logs]"
    fake_http.add("GET", RESOLVE, (200, {"logs": {"connected": False, "skip_unavailable": True, "error": reason}}))
    fake_http.add("GET", RESOLVE_ANY, (200, {"logs": {"connected": False, "skip_unavailable": True, "error": reason}}))
    remote = {"connected": False, "mode": "proxy", "proxy_address": "h.example:9443", "server_name": "h.example",
              "num_proxy_sockets_connected": 0, "max_proxy_socket_connections": 18}
    fake_http.add("GET", "/_remote/info", (200, {"logs": remote}))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True
    assert "configured but not reachable" in result["msg"] and reason in result["msg"]
    assert "connected=false, mode proxy, proxy_address h.example:9443" in result["msg"]
    assert "certificate model" in result["msg"] and "es_remote_info" in result["msg"]
    assert fake_http.writes == []


def test_remote_without_version_is_older(fake_http, run):
    local(fake_http, "8.15.0", "7.17.0")
    fake_http.add("GET", INFO, INDEX_MISSING, follow_info(entry()))
    fake_http.add("GET", RESOLVE, (200, {"logs": {"connected": True, "skip_unavailable": True, "matching_indices": True}}))
    fake_http.add("PUT", "/copy/_ccr/follow", (200, {}))
    result = run(es_ccr_follower, args())
    assert result["changed"] is True
    assert result["versions"]["compatible"] is True and result["versions"]["leader"] is None


def test_old_local_cluster_warns_and_follows(fake_http, run, monkeypatch):
    warnings = []
    # module.warn, recorded directly: where Ansible routes warnings depends on what else the test session imported
    monkeypatch.setattr(es_ccr_follower.RemoteClustersModule, "warn", lambda self, text: warnings.append(text))
    local(fake_http, "8.12.2", "7.17.0")
    fake_http.add("GET", INFO, INDEX_MISSING, follow_info(entry()))
    fake_http.add("PUT", "/copy/_ccr/follow", (200, {}))
    result = run(es_ccr_follower, args())
    assert result["changed"] is True
    assert any("8.13" in w for w in warnings)


def test_existing_follower_of_other_leader_fails(fake_http, run):
    fake_http.add("GET", INFO, follow_info(entry()))
    result = run(es_ccr_follower, args(leader_index="other"))
    assert result["failed"] is True and result["parameter"] == "leader_index"
    assert "already follows logs:leader" in result["msg"]
    assert fake_http.writes == []


def test_existing_regular_index_fails(fake_http, run):
    fake_http.add("GET", INFO, follow_info())
    result = run(es_ccr_follower, args())
    assert result["failed"] is True and result["parameter"] == "index"
    assert "exists and is not a follower index" in result["msg"]
    assert fake_http.writes == []


def test_create_without_leader_fails(fake_http, run):
    fake_http.add("GET", INFO, INDEX_MISSING)
    result = run(es_ccr_follower, dict(CONN, index="copy"))
    assert result["failed"] is True and result["parameter"] == "remote_cluster"
    assert "is required to create the follower" in result["msg"]


@pytest.mark.parametrize("params, parameter, text", [
    ({"index": "Copy"}, "index", "uppercase"),
    ({"index": "copy*"}, "index", "no wildcards"),
    ({"index": "_copy"}, "index", "starts with '_'"),
    ({"leader_index": "a,b"}, "leader_index", "','"),
    ({"remote_cluster": "my.remote"}, "remote_cluster", "contains '.'"),
    ({"max_read_request_operation_count": 0}, "max_read_request_operation_count", "larger than 0"),
    ({"max_read_request_size": "32"}, "max_read_request_size", "is not a byte size"),
    ({"read_poll_timeout": "1 minute"}, "read_poll_timeout", "is not a time value"),
    ({"max_retry_delay": "10m"}, "max_retry_delay", "at most 5m"),
    ({"wait_for_active_shards": "some"}, "wait_for_active_shards", "number of shard copies or 'all'"),
])
def test_bad_input_fails_before_any_request(fake_http, run, params, parameter, text):
    result = run(es_ccr_follower, args(**params))
    assert result["failed"] is True
    assert result["parameter"] == parameter, result
    assert text in result["msg"]
    assert fake_http.requests == []


def test_api_error_reported_without_secret(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING)
    fake_http.add("GET", RESOLVE, resolved())
    reason = "insufficient privileges to follow index [leader]"
    fake_http.add("PUT", "/copy/_ccr/follow", (403, {"error": {"type": "security_exception", "reason": reason,
                                                               "root_cause": [{"type": "security_exception", "reason": reason}]},
                                                     "status": 403}))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True and reason in result["msg"]
    assert result["api_error"]["status"] == 403
    assert PASSWORD not in json.dumps(result)


def test_unauthorized_everywhere_is_a_privilege_problem(fake_http, run):
    local(fake_http)
    fake_http.add("GET", INFO, INDEX_MISSING)
    fake_http.add("GET", RESOLVE, (200, {"logs": {"connected": False, "skip_unavailable": True, "error": UNAUTHORIZED}}))
    fake_http.add("GET", RESOLVE_ANY, (200, {"logs": {"connected": False, "skip_unavailable": True, "error": UNAUTHORIZED}}))
    result = run(es_ccr_follower, args())
    assert result["failed"] is True and result["parameter"] == "remote_cluster"
    assert "could not read the version of the remote cluster 'logs'" in result["msg"]
    assert "remote_indices privileges" in result["msg"] and "is unauthorized" in result["msg"]
    assert fake_http.writes == []


def test_through_the_ece_proxy_version_from_the_ece_api(fake_http, run):
    proxy = "/api/v1/deployments/d1/elasticsearch/_main/proxy"
    fake_http.add("GET", "/api/v1/deployments/d1/elasticsearch/_main",
                  (200, {"info": {"cluster_id": "c1", "plan_info": {"current": {"plan": {"elasticsearch": {"version": "8.19.4"}}}}}}))
    fake_http.add("GET", proxy + INFO, INDEX_MISSING)
    fake_http.add("GET", proxy + RESOLVE, resolved("9.1.3"))
    params = {"ece_url": "https://coordinator.example.com:12443", "ece_api_key": "ece-secret-key", "es_deployment_id": "d1",
              "index": "copy", "remote_cluster": "logs", "leader_index": "leader", "ece_retries": 0}
    result = run(es_ccr_follower, params)
    assert result["failed"] is True and "follower 8.19.4 cannot replicate from leader 9.1.3" in result["msg"]
    assert fake_http.writes == []
    assert all(r["headers"].get("X-Management-Request") == "true" for r in fake_http.requests if "/proxy/" in r["path"])
    assert "ece-secret-key" not in json.dumps(result)
