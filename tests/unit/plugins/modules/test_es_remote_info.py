# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_remote_info module (fake HTTP transport)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_remote_info as module

ES = "https://es.example.com:9200"
PASSWORD = "s3cret-Passw0rd"
EP = "abc123.ece-b.lab"
CONN = {"es_url": ES, "es_username": "elastic", "es_password": PASSWORD}
F5 = ("failed to open any proxy connections to cluster [nokey]: Cross cluster requests through the dedicated remote cluster "
      "server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have "
      "configured remote cluster credentials")
F7 = ("failed to open any proxy connections to cluster [logs]: unable to authenticate user [KEYID] for action "
      "[cluster:internal/remote_cluster/handshake]; remote: Authentication using apikey failed - api key [KEYID] has been "
      "invalidated")


def entry(connected, credentials=True, port=9443):
    out = {"mode": "proxy", "connected": connected, "proxy_address": "%s:%d" % (EP, port), "server_name": EP,
           "num_proxy_sockets_connected": 18 if connected else 0, "max_proxy_socket_connections": 18,
           "initial_connect_timeout": "30s", "skip_unavailable": True}
    if credentials:
        out["cluster_credentials"] = "::es_redacted::"
    return out


INFO = {"logs": entry(True), "nokey": entry(False, credentials=False), "revoked": entry(False)}
RESOLVE = {
    "logs": {"connected": True, "skip_unavailable": True, "version": {"number": "9.1.3"}},
    "nokey": {"connected": False, "skip_unavailable": True, "error": F5},
    "revoked": {"connected": False, "skip_unavailable": True, "error": F7.replace("[logs]", "[revoked]")},
}


def setup(fake_http, version="9.1.3", info=None, resolve=None):
    fake_http.add("GET", "/", (200, {"version": {"number": version}}))
    fake_http.add("GET", "/_remote/info", (200, INFO if info is None else info))
    if resolve is not None:
        fake_http.add("GET", "/_resolve/cluster", (200, resolve))


def args(**kwargs):
    out = dict(CONN)
    out.update(kwargs)
    return out


def test_all_aliases_with_verdicts_and_diagnoses(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    result = run(module, args())
    assert result["changed"] is False
    remotes = result["remote_clusters"]
    assert sorted(remotes) == ["logs", "nokey", "revoked"]
    assert remotes["logs"]["verdict"] == "connected" and remotes["logs"]["model"] == "api_key"
    assert remotes["logs"]["remote_version"] == "9.1.3"
    assert remotes["nokey"]["verdict"] == "not_connected"
    assert remotes["nokey"]["model"] == "certificate"
    assert remotes["nokey"]["diagnosis"]["code"] == "credentials_missing"
    assert remotes["revoked"]["diagnosis"]["code"] == "invalid_api_key"
    assert "[KEYID]" in remotes["revoked"]["diagnosis"]["summary"]
    assert result["all_connected"] is False
    assert result["not_connected"] == ["nokey", "revoked"]
    assert result["resolve_used"] is True
    assert result["local_version"] == "9.1.3"
    assert fake_http.writes == []
    assert PASSWORD not in json.dumps(result)


def test_one_alias_and_an_unconfigured_one(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    result = run(module, args(alias=["logs", "missing"]))
    assert sorted(result["remote_clusters"]) == ["logs", "missing"]
    assert result["remote_clusters"]["missing"]["verdict"] == "not_configured"
    assert result["not_connected"] == ["missing"]


def test_alias_as_a_single_string(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    result = run(module, args(alias="logs"))
    assert list(result["remote_clusters"]) == ["logs"]
    assert result["all_connected"] is True


def test_resolve_per_alias_before_8_18(fake_http, run):
    setup(fake_http, version="8.15.5")
    fake_http.add("GET", "/_resolve/cluster/logs:*", (200, {"logs": RESOLVE["logs"]}))
    result = run(module, args(alias="logs"))
    assert result["remote_clusters"]["logs"]["verdict"] == "connected"
    paths = [r["path"] for r in fake_http.requests]
    assert "/_resolve/cluster/logs:*" in paths and "/_resolve/cluster" not in paths


def test_no_resolve_before_8_13(fake_http, run):
    setup(fake_http, version="8.12.2", info={"logs": entry(False)})
    result = run(module, args())
    assert result["resolve_used"] is False
    assert not [r for r in fake_http.requests if r["path"].startswith("/_resolve")]
    assert "before 8.13" in result["remote_clusters"]["logs"]["diagnosis"]["summary"]


def test_resolve_false(fake_http, run):
    setup(fake_http, info={"logs": entry(False)})
    result = run(module, args(resolve=False))
    assert result["resolve_used"] is False
    assert result["remote_clusters"]["logs"]["diagnosis"]["code"] == "not_connected"
    assert not [r for r in fake_http.requests if r["path"].startswith("/_resolve")]


def test_resolve_refused_falls_back(fake_http, run):
    setup(fake_http, info={"logs": entry(True)})
    fake_http.add("GET", "/_resolve/cluster", (403, {"error": {"type": "security_exception", "reason": "nope"}, "status": 403}))
    result = run(module, args())
    assert result["resolve_used"] is False
    assert "nope" in result["resolve_error"]
    assert result["remote_clusters"]["logs"]["verdict"] == "connected"


def test_fail_on_disconnected(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    result = run(module, args(fail_on_disconnected=True))
    assert result["failed"] is True
    assert "nokey:" in result["msg"] and "revoked:" in result["msg"] and "Fix:" in result["msg"]
    assert "logs:" not in result["msg"]
    assert result["remote_clusters"]["logs"]["verdict"] == "connected"


def test_wait_until_connected(fake_http, run):
    fake_http.add("GET", "/", (200, {"version": {"number": "9.1.3"}}))
    fake_http.add("GET", "/_remote/info", (200, {"logs": entry(False)}), (200, {"logs": entry(False)}),
                  (200, {"logs": entry(True)}))
    fake_http.add("GET", "/_resolve/cluster", (200, {"logs": {"connected": False, "error": "transport connection to [x] closed by remote"}}),
                  (200, {"logs": RESOLVE["logs"]}))
    result = run(module, args(wait=True, poll_interval=0.1, wait_timeout=10))
    assert result["all_connected"] is True


def test_wait_times_out_without_failing(fake_http, run):
    setup(fake_http, info={"nokey": entry(False, credentials=False)}, resolve={"nokey": RESOLVE["nokey"]})
    result = run(module, args(wait=True, poll_interval=0.1, wait_timeout=0))
    assert "failed" not in result
    assert result["all_connected"] is False


def test_no_remote_clusters(fake_http, run):
    setup(fake_http, info={})
    result = run(module, args())
    assert result["remote_clusters"] == {}
    assert result["all_connected"] is False
    assert not [r for r in fake_http.requests if r["path"].startswith("/_resolve")]


@pytest.mark.parametrize("call, parameter", [
    ({"alias": ["a.b"]}, "alias"),
    ({"alias": ["ok", "bad:alias"]}, "alias"),
    ({"wait_timeout": -1}, "wait_timeout"),
])
def test_bad_input_fails_before_any_request(fake_http, run, call, parameter):
    result = run(module, args(**call))
    assert result["failed"] is True
    assert result["parameter"] == parameter
    assert fake_http.requests == []


def test_keystore_names_through_ece(fake_http, run):
    base = "/api/v1/deployments/d1/elasticsearch/_main"
    fake_http.add("GET", base, (200, {"info": {"plan_info": {"current": {"plan": {"elasticsearch": {"version": "9.1.3"}}}}}}))
    secrets = {"cluster.remote.nokey.credentials": {"as_file": False}, "s3.client.default.access_key": {"as_file": False}}
    fake_http.add("GET", base + "/keystore", (200, {"secrets": secrets}))
    fake_http.add("GET", base + "/proxy/_remote/info", (200, {"nokey": entry(False, credentials=False)}))
    fake_http.add("GET", base + "/proxy/_resolve/cluster", (200, {"nokey": RESOLVE["nokey"]}))
    result = run(module, {"ece_url": "https://coordinator:12443", "ece_api_key": "k3y-value", "es_deployment_id": "d1"})
    assert result["keystore_names"] == ["cluster.remote.nokey.credentials"]
    assert result["remote_clusters"]["nokey"]["diagnosis"]["code"] == "credentials_not_loaded"
    assert fake_http.writes == []


def test_keystore_unreadable_is_not_fatal(fake_http, run):
    base = "/api/v1/deployments/d1/elasticsearch/_main"
    fake_http.add("GET", base, (200, {"info": {"plan_info": {"current": {"plan": {"elasticsearch": {"version": "9.1.3"}}}}}}))
    fake_http.add("GET", base + "/keystore", (403, {"errors": [{"code": "root.unauthorized.rbac", "message": "no"}]}))
    fake_http.add("GET", base + "/proxy/_remote/info", (200, {"nokey": entry(False, credentials=False)}))
    fake_http.add("GET", base + "/proxy/_resolve/cluster", (200, {"nokey": RESOLVE["nokey"]}))
    result = run(module, {"ece_url": "https://coordinator:12443", "ece_api_key": "k3y-value", "es_deployment_id": "d1"})
    assert "keystore_names" not in result
    assert result["remote_clusters"]["nokey"]["diagnosis"]["code"] == "credentials_missing"


def test_check_mode_reads_only(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    result = run(module, args(), check=True)
    assert result["changed"] is False
    assert fake_http.writes == []


SEARCH_OK = {"took": 7, "hits": {"total": {"value": 3, "relation": "eq"}, "hits": [{"_index": "logs:logs-lab"}]},
             "_clusters": {"total": 1, "successful": 1, "skipped": 0, "details": {"logs": {"status": "successful"}}}}


def test_search_index_runs_a_real_search_per_connected_alias(fake_http, run):
    setup(fake_http, resolve=RESOLVE)
    fake_http.add("GET", "/logs:logs-lab/_search", (200, SEARCH_OK))
    result = run(module, args(search_index="logs-lab"))
    assert result["searches"] == {"logs": {"index": "logs:logs-lab", "ok": True, "hits": 3, "status": "successful",
                                           "took_ms": 7, "error": None}}
    searched = [r for r in fake_http.requests if r["path"].endswith("/_search")]
    assert [r["path"] for r in searched] == ["/logs:logs-lab/_search"] and "size=1" in searched[0]["url"]
    assert fake_http.writes == []


def test_search_without_hits_fails_with_fail_on_disconnected(fake_http, run):
    setup(fake_http, info={"logs": entry(True)}, resolve={"logs": RESOLVE["logs"]})
    empty = dict(SEARCH_OK, hits={"total": {"value": 0, "relation": "eq"}, "hits": []})
    fake_http.add("GET", "/logs:logs-lab/_search", (200, empty))
    result = run(module, args(search_index="logs-lab", fail_on_disconnected=True))
    assert result["failed"] and "verification search failed" in result["msg"] and "no hits in logs:logs-lab" in result["msg"]


def test_search_error_is_reported(fake_http, run):
    setup(fake_http, info={"logs": entry(True)}, resolve={"logs": RESOLVE["logs"]})
    denied = {"error": {"type": "security_exception", "reason": "action [indices:data/read/search] towards remote cluster is "
                        "unauthorized for user [elastic]"}, "status": 403}
    fake_http.add("GET", "/logs:logs-lab/_search", (403, denied))
    result = run(module, args(search_index="logs-lab"))
    assert result["searches"]["logs"]["ok"] is False and "towards remote cluster is unauthorized" in result["searches"]["logs"]["error"]


@pytest.mark.parametrize("index", ["logs:x", "a,b", " "])
def test_bad_search_index_fails_before_requests(fake_http, run, index):
    result = run(module, args(search_index=index))
    assert result["failed"] and result["parameter"] == "search_index" and fake_http.requests == []
