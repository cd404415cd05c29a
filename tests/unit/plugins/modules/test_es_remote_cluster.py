# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_remote_cluster module (fake HTTP transport)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_remote_cluster as module

ES = "https://es.example.com:9200"
PASSWORD = "s3cret-Passw0rd"
EP = "abc123.ece-b.lab"
CONN = {"es_url": ES, "es_username": "elastic", "es_password": PASSWORD}
F5 = ("failed to open any proxy connections to cluster [logs]: Cross cluster requests through the dedicated remote cluster "
      "server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have "
      "configured remote cluster credentials")


def warnings_of(result):
    """Warning texts (ansible-core 2.19+ returns structured warnings from modules)."""
    out = []
    for item in result.get("warnings", []):
        out.append(item if isinstance(item, str) else (item.get("event") or {}).get("msg", ""))
    return out


def args(**kwargs):
    out = dict(CONN)
    out.update(kwargs)
    return out


def proxy_settings(alias="logs", **extra):
    flat = {"cluster.remote.%s.mode" % alias: "proxy", "cluster.remote.%s.proxy_address" % alias: "%s:9443" % EP,
            "cluster.remote.%s.server_name" % alias: EP}
    flat.update(extra)
    return flat


def setup(fake_http, persistent=None, transient=None, after=None, version="9.1.3", defaults=None):
    """GET / and GET _cluster/settings (first answer: before, then after), PUT acknowledged."""
    fake_http.add("GET", "/", (200, {"version": {"number": version, "minimum_wire_compatibility_version": "8.19.0"}}))
    before = {"persistent": persistent or {}, "transient": transient or {}}
    if defaults is not None:
        before["defaults"] = defaults
    answers = [(200, before)]
    if after is not None:
        answers.append((200, after))
    fake_http.add("GET", "/_cluster/settings", *answers)
    fake_http.add("PUT", "/_cluster/settings", (200, {"acknowledged": True, "persistent": {}, "transient": {}}))


def sent(fake_http):
    writes = fake_http.writes
    assert len(writes) == 1, writes
    return json.loads(writes[0]["body"])


def test_create_proxy_alias(fake_http, run):
    after = {"persistent": proxy_settings(), "transient": {}}
    setup(fake_http, after=after)
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP))
    assert result["changed"] is True, result
    assert sent(fake_http) == {"persistent": {"cluster.remote.logs.mode": "proxy",
                                              "cluster.remote.logs.proxy_address": "%s:9443" % EP,
                                              "cluster.remote.logs.server_name": EP}}
    remote = result["remote_cluster"]
    assert remote["present"] is True and remote["mode"] == "proxy" and remote["proxy_address"] == "%s:9443" % EP
    assert remote["skip_unavailable"] is True and remote["skip_unavailable_is_default"] is True
    assert result["remote_clusters"] == [remote]
    assert result["request"] == sent(fake_http)
    get_settings = [r for r in fake_http.requests if r["path"] == "/_cluster/settings" and r["method"] == "GET"][0]
    assert "flat_settings=true" in get_settings["url"]
    assert PASSWORD not in json.dumps(result)


def test_skip_unavailable_default_before_8_15(fake_http, run):
    setup(fake_http, persistent=proxy_settings(), version="8.14.3")
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP))
    assert result["changed"] is False
    assert result["remote_cluster"]["skip_unavailable"] is False


def test_unchanged_when_equal_after_normalisation(fake_http, run):
    persistent = proxy_settings(**{"cluster.remote.logs.proxy_socket_connections": "18",
                                   "cluster.remote.logs.skip_unavailable": "false",
                                   "cluster.remote.logs.transport.compress": "INDEXING_DATA",
                                   "cluster.remote.logs.transport.ping_schedule": "30s"})
    setup(fake_http, persistent=persistent)
    result = run(module, args(alias="logs", mode="proxy", proxy_address="%s:9443" % EP, server_name=EP,
                              proxy_socket_connections=18, skip_unavailable=False, transport_compress="indexing_data",
                              transport_ping_schedule="30s"))
    assert result["changed"] is False, result
    assert fake_http.writes == []
    assert result["remote_cluster"]["skip_unavailable"] is False
    assert result["remote_cluster"]["skip_unavailable_is_default"] is False
    assert result["remote_cluster"]["proxy_socket_connections"] == 18
    assert "request" not in result


def test_unmanaged_settings_are_left_alone(fake_http, run):
    persistent = proxy_settings(**{"cluster.remote.logs.transport.compress": "true"})
    setup(fake_http, persistent=persistent)
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_update_sends_only_what_differs(fake_http, run):
    setup(fake_http, persistent=proxy_settings(), after={"persistent": proxy_settings(**{
        "cluster.remote.logs.skip_unavailable": "false"}), "transient": {}})
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, skip_unavailable=False), diff=True)
    assert result["changed"] is True
    assert sent(fake_http) == {"persistent": {"cluster.remote.logs.skip_unavailable": "false"}}
    assert result["diff"]["before"]["persistent"] == proxy_settings()
    assert result["diff"]["after"]["persistent"]["cluster.remote.logs.skip_unavailable"] == "false"


def test_switch_proxy_to_sniff_nulls_the_proxy_keys_in_the_same_request(fake_http, run):
    persistent = proxy_settings(**{"cluster.remote.logs.proxy_socket_connections": "6"})
    setup(fake_http, persistent=persistent)
    result = run(module, args(alias="logs", mode="sniff", seeds=["10.0.0.1:9300", "10.0.0.2:9300"], node_connections=2))
    assert result["changed"] is True
    assert sent(fake_http) == {"persistent": {
        "cluster.remote.logs.mode": "sniff",
        "cluster.remote.logs.seeds": ["10.0.0.1:9300", "10.0.0.2:9300"],
        "cluster.remote.logs.node_connections": "2",
        "cluster.remote.logs.proxy_address": None,
        "cluster.remote.logs.server_name": None,
        "cluster.remote.logs.proxy_socket_connections": None,
    }}


def test_switch_sniff_to_proxy_nulls_the_sniff_keys(fake_http, run):
    persistent = {"cluster.remote.logs.mode": "sniff", "cluster.remote.logs.seeds": ["10.0.0.1:9300"],
                  "cluster.remote.logs.node_connections": "2"}
    setup(fake_http, persistent=persistent)
    run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP))
    assert sent(fake_http) == {"persistent": {
        "cluster.remote.logs.mode": "proxy",
        "cluster.remote.logs.proxy_address": "%s:9443" % EP,
        "cluster.remote.logs.server_name": EP,
        "cluster.remote.logs.seeds": None,
        "cluster.remote.logs.node_connections": None,
    }}


def test_seeds_unordered(fake_http, run):
    persistent = {"cluster.remote.dc2.mode": "sniff", "cluster.remote.dc2.seeds": ["b:9300", "a:9300"]}
    setup(fake_http, persistent=persistent)
    result = run(module, args(alias="dc2", mode="sniff", seeds=["a:9300", "b:9300"]))
    assert result["changed"] is False
    assert result["remote_cluster"]["seeds"] == ["b:9300", "a:9300"]


def test_empty_server_name_removes_it(fake_http, run):
    setup(fake_http, persistent=proxy_settings())
    run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=""))
    assert sent(fake_http) == {"persistent": {"cluster.remote.logs.server_name": None}}


def test_absent_nulls_every_key_in_both_scopes_and_leaves_other_aliases(fake_http, run):
    persistent = proxy_settings()
    persistent.update(proxy_settings(alias="foreign"))
    transient = {"cluster.remote.logs.skip_unavailable": "true"}
    setup(fake_http, persistent=persistent, transient=transient, defaults={"cluster.remote.logs.proxy_address": ""},
          after={"persistent": proxy_settings(alias="foreign"), "transient": {}})
    result = run(module, args(alias="logs", state="absent"), diff=True)
    assert result["changed"] is True
    assert sent(fake_http) == {
        "persistent": {"cluster.remote.logs.mode": None, "cluster.remote.logs.proxy_address": None,
                       "cluster.remote.logs.server_name": None},
        "transient": {"cluster.remote.logs.skip_unavailable": None},
    }
    assert result["remote_cluster"]["present"] is False
    assert result["diff"]["after"] == {"persistent": {}, "transient": {}}
    get_settings = [r for r in fake_http.requests if r["path"] == "/_cluster/settings" and r["method"] == "GET"][0]
    assert "include_defaults=true" in get_settings["url"]


def test_absent_when_already_gone(fake_http, run):
    setup(fake_http, persistent=proxy_settings(alias="foreign"), defaults={})
    result = run(module, args(alias="logs", state="absent"))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_absent_refuses_an_alias_from_elasticsearch_yml(fake_http, run):
    setup(fake_http, defaults={"cluster.remote.yml_remote.mode": "SNIFF", "cluster.remote.yml_remote.seeds": ["10.0.0.9:9300"]})
    result = run(module, args(alias="yml_remote", state="absent"))
    assert result["failed"] is True
    assert "elasticsearch.yml" in result["msg"] and "cannot remove" in result["msg"]
    assert fake_http.writes == []


def test_list_form_one_request(fake_http, run):
    persistent = proxy_settings(alias="old")
    setup(fake_http, persistent=persistent, defaults={})
    result = run(module, args(remote_clusters=[
        {"alias": "new", "proxy_address": "%s:9443" % EP, "server_name": EP},
        {"alias": "old", "state": "absent"},
    ]))
    assert result["changed"] is True
    assert sent(fake_http) == {"persistent": {
        "cluster.remote.new.mode": "proxy", "cluster.remote.new.proxy_address": "%s:9443" % EP,
        "cluster.remote.new.server_name": EP, "cluster.remote.old.mode": None, "cluster.remote.old.proxy_address": None,
        "cluster.remote.old.server_name": None}}
    assert "remote_cluster" not in result
    assert [r["alias"] for r in result["remote_clusters"]] == ["new", "old"]


def test_transient_scope_warns(fake_http, run):
    setup(fake_http)
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, scope="transient"))
    assert sent(fake_http) == {"transient": {"cluster.remote.logs.mode": "proxy", "cluster.remote.logs.proxy_address": "%s:9443" % EP}}
    assert any("deprecated" in w for w in warnings_of(result))


def test_transient_shadow_warns(fake_http, run):
    setup(fake_http, persistent=proxy_settings(), transient={"cluster.remote.logs.skip_unavailable": "false"})
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP))
    assert result["changed"] is False
    assert any("transient settings" in w for w in warnings_of(result))


@pytest.mark.parametrize("case", ["create", "update", "delete", "switch"])
def test_check_mode_never_writes(fake_http, run, case):
    if case == "create":
        setup(fake_http)
        call = args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP)
    elif case == "update":
        setup(fake_http, persistent=proxy_settings())
        call = args(alias="logs", proxy_address="%s:9400" % EP, server_name=EP)
    elif case == "switch":
        setup(fake_http, persistent=proxy_settings())
        call = args(alias="logs", mode="sniff", seeds=["10.0.0.1:9300"], wait_for_connection=True)
    else:
        setup(fake_http, persistent=proxy_settings(), defaults={})
        call = args(alias="logs", state="absent")
    result = run(module, call, check=True, diff=True)
    assert result["changed"] is True, result
    assert fake_http.writes == []
    assert "failed" not in result
    assert result["diff"]["before"] != result["diff"]["after"]
    if case == "create":
        assert result["remote_cluster"]["proxy_address"] == "%s:9443" % EP
    if case == "delete":
        assert result["remote_cluster"]["present"] is False
    if case == "switch":
        assert "connected" not in result


@pytest.mark.parametrize("call, parameter, needle", [
    ({"alias": "a.b", "proxy_address": "h:9443"}, "alias", "'.'"),
    ({"alias": "a:b", "proxy_address": "h:9443"}, "alias", "alias:index"),
    ({"alias": "logs", "proxy_address": "h"}, "proxy_address", "has no port"),
    ({"alias": "logs", "proxy_address": "2001:db8::1:9443"}, "proxy_address", "brackets"),
    ({"alias": "logs", "proxy_address": "https://h:9443"}, "proxy_address", "scheme"),
    ({"alias": "logs", "proxy_address": "h:9443", "seeds": ["h:9300"]}, "seeds", "can only be used with mode 'sniff'"),
    ({"alias": "logs", "proxy_address": "h:9443", "node_connections": 3}, "node_connections", "mode 'sniff'"),
    ({"alias": "logs", "mode": "sniff", "seeds": ["h:9300"], "server_name": "h"}, "server_name", "mode 'proxy'"),
    ({"alias": "logs", "mode": "sniff"}, "seeds", "requires seeds"),
    ({"alias": "logs"}, "proxy_address", "requires proxy_address"),
    ({"alias": "logs", "proxy_address": "h:0"}, "proxy_address", "out of range"),
    ({"alias": "logs", "proxy_address": "h:9443", "transport_compress": "maybe"}, "transport_compress", "indexing_data"),
    ({"alias": "logs", "proxy_address": "h:9443", "transport_ping_schedule": "often"}, "transport_ping_schedule", "time value"),
    ({"alias": "logs", "proxy_address": "h:9443", "server_name": "h:9443"}, "server_name", "without a port"),
    ({"alias": "a.b", "state": "absent"}, "alias", "'.'"),
    ({"remote_clusters": [{"alias": "x", "proxy_address": "h:1"}, {"alias": "x", "proxy_address": "h:2"}]},
     "remote_clusters[1].alias", "more than once"),
    ({"remote_clusters": [{"alias": "x", "proxy_address": "h:1"}, {"alias": "y", "proxy_address": "h"}]},
     "remote_clusters[1].proxy_address", "has no port"),
    ({"remote_clusters": []}, "remote_clusters", "empty"),
])
def test_bad_input_fails_before_any_request(fake_http, run, call, parameter, needle):
    setup(fake_http)
    result = run(module, args(**call))
    assert result["failed"] is True, result
    assert result["parameter"] == parameter, result
    assert needle in result["msg"], result["msg"]
    assert fake_http.requests == []


def test_options_mixed_with_list_rejected(fake_http, run):
    result = run(module, args(remote_clusters=[{"alias": "x", "proxy_address": "h:1"}], proxy_address="h:2"))
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    assert fake_http.requests == []


def test_api_error_reported_without_secret(fake_http, run):
    setup(fake_http)
    error = {"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": "persistent setting [cluster.remote.logs.x], "
                                       "not recognized"}], "type": "illegal_argument_exception",
                       "reason": "persistent setting [cluster.remote.logs.x], not recognized"}, "status": 400}
    fake_http.add("PUT", "/_cluster/settings", (400, error))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP))
    assert result["failed"] is True
    assert "not recognized" in result["msg"]
    assert result["api_error"]["type"] == "illegal_argument_exception"
    assert PASSWORD not in json.dumps(result)


def test_forbidden_read_fails_cleanly(fake_http, run):
    fake_http.add("GET", "/", (200, {"version": {"number": "9.1.3"}}))
    error = {"error": {"type": "security_exception", "reason": "action [cluster:monitor/settings] is unauthorized for user [u]"},
             "status": 403}
    fake_http.add("GET", "/_cluster/settings", (403, error))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP))
    assert result["failed"] is True and "unauthorized" in result["msg"]
    assert fake_http.writes == []


# ------------------------------------------------------------------------------------------ waiting

def remote_info(connected, credentials=True):
    entry = {"mode": "proxy", "connected": connected, "proxy_address": "%s:9443" % EP, "server_name": EP,
             "num_proxy_sockets_connected": 18 if connected else 0, "max_proxy_socket_connections": 18,
             "initial_connect_timeout": "30s", "skip_unavailable": True}
    if credentials:
        entry["cluster_credentials"] = "::es_redacted::"
    return {"logs": entry}


def test_wait_for_connection_8_18_uses_index_less_resolve(fake_http, run):
    setup(fake_http, persistent=proxy_settings())
    fake_http.add("GET", "/_resolve/cluster", (200, {"logs": {"connected": True, "skip_unavailable": True,
                                                              "version": {"number": "9.1.3"}}}))
    fake_http.add("GET", "/_remote/info", (200, remote_info(True)))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, wait_for_connection=True))
    assert result["changed"] is False
    assert result["connected"] is True
    assert result["remote_cluster"]["verdict"] == "connected"
    resolve = [r for r in fake_http.requests if r["path"].startswith("/_resolve")][0]
    assert "timeout=" in resolve["url"]


def test_wait_for_connection_8_15_uses_alias_expression(fake_http, run):
    setup(fake_http, persistent=proxy_settings(), version="8.15.5")
    fake_http.add("GET", "/_resolve/cluster/logs:*", (200, {"logs": {"connected": True, "skip_unavailable": True}}))
    fake_http.add("GET", "/_remote/info", (200, remote_info(True)))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, wait_for_connection=True))
    assert result["connected"] is True
    assert [r["path"] for r in fake_http.requests if r["path"].startswith("/_resolve")] == ["/_resolve/cluster/logs:*"]


def test_wait_for_connection_before_8_13_polls_remote_info(fake_http, run):
    setup(fake_http, persistent=proxy_settings(), version="8.12.2")
    fake_http.add("GET", "/_remote/info", (200, remote_info(False)), (200, remote_info(True)))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, wait_for_connection=True,
                              poll_interval=0.1, wait_timeout=5))
    assert result["connected"] is True
    assert not [r for r in fake_http.requests if r["path"].startswith("/_resolve")]


def test_wait_for_connection_fails_with_the_reason(fake_http, run):
    setup(fake_http, after={"persistent": proxy_settings(), "transient": {}})
    fake_http.add("GET", "/_resolve/cluster", (200, {"logs": {"connected": False, "skip_unavailable": True, "error": F5}}))
    fake_http.add("GET", "/_remote/info", (200, remote_info(False, credentials=False)))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, wait_for_connection=True,
                              wait_timeout=0, poll_interval=0.1))
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["connected"] is False
    assert "logs:" in result["msg"] and "cluster.remote.logs.credentials" in result["msg"]
    diag = result["remote_cluster"]["diagnosis"]
    assert diag["code"] == "credentials_missing" and diag["error"] == F5
    assert len(fake_http.writes) == 1


def test_wait_falls_back_when_resolve_is_refused(fake_http, run):
    setup(fake_http, persistent=proxy_settings())
    fake_http.add("GET", "/_resolve/cluster", (403, {"error": {"type": "security_exception", "reason": "no"}, "status": 403}))
    fake_http.add("GET", "/_remote/info", (200, remote_info(True)))
    result = run(module, args(alias="logs", proxy_address="%s:9443" % EP, server_name=EP, wait_for_connection=True))
    assert result["connected"] is True


# ------------------------------------------------------------------------------------------ ECE pass-through

def test_through_the_ece_pass_through(fake_http, run):
    base = "/api/v1/deployments/d1/elasticsearch/_main"
    fake_http.add("GET", base, (200, {"info": {"cluster_id": "c1", "plan_info": {"current": {"plan": {
        "elasticsearch": {"version": "9.1.3"}}}}}}))
    fake_http.add("GET", base + "/proxy/_cluster/settings", (200, {"persistent": {}, "transient": {}}),
                  (200, {"persistent": proxy_settings(), "transient": {}}))
    fake_http.add("PUT", base + "/proxy/_cluster/settings", (200, {"acknowledged": True}))
    result = run(module, {"ece_url": "https://coordinator:12443", "ece_api_key": "k3y-value", "es_deployment_id": "d1",
                          "alias": "logs", "proxy_address": "%s:9443" % EP, "server_name": EP})
    assert result["changed"] is True, result
    put = fake_http.writes[0]
    assert put["path"] == base + "/proxy/_cluster/settings"
    assert put["headers"]["X-Management-Request"] == "true"
    assert result["remote_cluster"]["proxy_address"] == "%s:9443" % EP
