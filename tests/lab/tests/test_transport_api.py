# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of eceops_lab.transport's interface: GET _remote/info bodies, send(), ece_flags(), port modes, proxy
certificate reloads and the threading design (lab instance 5)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import threading

import pytest

from eceops_lab import pki, tlsnet, transport
from test_transport_rules import assert_down, assert_up, lab_factory


@pytest.fixture
def make_lab(tmp_path):
    """Factory: ``make_lab(**switches)`` builds a world (instance 5) and starts only the Connector."""
    yield from lab_factory(tmp_path)


@pytest.fixture
def lab(make_lab):  # pylint: disable=redefined-outer-name
    """A lab with the default switches (connect_delay 0)."""
    return make_lab()


class StubEsApi(object):
    """Records transport requests and answers them."""

    def __init__(self, reply=None):
        self.calls = []
        self.reply = reply if reply is not None else {"ok": True, "hits": {"total": {"value": 3}}}
        self.thread_names = []

    def transport_request(self, message, ctx):
        """The remote side of CCS/CCR."""
        self.calls.append((message, ctx))
        self.thread_names.append(threading.current_thread().name)
        return self.reply


# ----------------------------------------------------------------------------------------------------------------
# GET _remote/info

def test_remote_info_proxy_mode_with_credentials(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    body = lab.connector.remote_info(search_a)
    assert list(body) == ["logs"]
    assert body["logs"] == {
        "connected": True, "mode": "proxy", "proxy_address": "%s:9443" % logs_a.endpoint, "server_name": logs_a.endpoint,
        "num_proxy_sockets_connected": 18, "max_proxy_socket_connections": 18, "initial_connect_timeout": "30s",
        "skip_unavailable": True, "cluster_credentials": "::es_redacted::"}
    assert list(body["logs"]) == ["connected", "mode", "proxy_address", "server_name", "num_proxy_sockets_connected",
                                  "max_proxy_socket_connections", "initial_connect_timeout", "skip_unavailable", "cluster_credentials"]
    assert body["logs"]["connected"] is True and isinstance(body["logs"]["num_proxy_sockets_connected"], int)


def test_remote_info_proxy_mode_certificate_model_and_failure(lab):
    search_a, logs_a, archive_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a"), lab.cluster("ece-a/archive-a")
    lab.remote(search_a, "logs", "%s:9400" % logs_a.endpoint, logs_a.endpoint, skip_unavailable="false", proxy_socket_connections="6")
    lab.ece_remote(search_a, "archive", archive_a, 9400)
    body = lab.connector.remote_info(search_a)
    assert sorted(body) == ["archive", "logs"]
    assert "cluster_credentials" not in body["logs"] and "cluster_credentials" not in body["archive"]
    assert body["logs"]["connected"] is True
    assert body["logs"]["num_proxy_sockets_connected"] == 6 and body["logs"]["max_proxy_socket_connections"] == 6
    assert body["logs"]["skip_unavailable"] is False
    assert body["archive"]["connected"] is False and body["archive"]["num_proxy_sockets_connected"] == 0
    assert search_a.remotes["archive"].failure_kind == "not_trusted"


def test_remote_info_sniff_mode_with_and_without_credentials(lab):
    search_a = lab.cluster("ece-a/search-a")
    env_ca = lab.sm_file("ece-a-env-ca.crt", lab.env("ece-a").certs["env_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=["certs/ca.crt", env_ca], remote_cluster_server__enabled=True)
    lab.connector.refresh_listeners(sm)
    lab.direct(search_a, "generic", [sm.transport_ca.cert_pem], scope_id=sm.scope_id, trust_all=True)
    lab.direct(search_a, "proxy", [sm.transport_ca.cert_pem])
    lab.remote(search_a, "tls", ["sm.lab:9300"], mode="sniff")
    lab.remote(search_a, "keys", ["sm.lab:9443", "sm.lab:9444"], mode="sniff", node_connections=1)
    lab.load(search_a, "keys", lab.key(sm)[1])
    body = lab.connector.remote_info(search_a)
    assert body["tls"] == {"connected": True, "mode": "sniff", "seeds": ["sm.lab:9300"], "num_nodes_connected": 2,
                           "max_connections_per_cluster": 3, "initial_connect_timeout": "30s", "skip_unavailable": True}
    assert body["keys"]["cluster_credentials"] == "::es_redacted::"
    assert body["keys"]["connected"] is True and body["keys"]["num_nodes_connected"] == 1
    assert body["keys"]["seeds"] == ["sm.lab:9443", "sm.lab:9444"]


def test_remote_info_precedence_yml_defaults_and_version_default_of_skip_unavailable(lab):
    search_a = lab.cluster("ece-a/search-a")
    sm = lab.sm_loaded(**{"cluster__remote__yml__mode": "proxy", "cluster__remote__yml__proxy_address": "%s:9443" % search_a.endpoint,
                          "cluster__remote__yml__server_name": search_a.endpoint})
    sm.settings["transient"]["cluster.remote.yml.proxy_address"] = "127.0.5.16:9443"
    body = lab.connector.remote_info(sm)
    assert body["yml"]["proxy_address"] == "127.0.5.16:9443"          # transient > persistent > yml
    assert body["yml"]["server_name"] == search_a.endpoint
    assert sm.remotes["yml"].failure_kind == "connect_refused"
    legacy_a = lab.cluster("ece-a/legacy-a")
    lab.remote(legacy_a, "x", "%s:9400" % search_a.endpoint, search_a.endpoint)
    assert lab.connector.remote_info(legacy_a)["x"]["skip_unavailable"] is False   # default false before 8.15
    lab.remote(legacy_a, "half", "")                                                # mode proxy without an address
    assert "half" not in lab.connector.remote_info(legacy_a)


def test_remote_info_waits_for_connect_delay(make_lab):
    lab = make_lab(connect_delay=30.0)
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    body = lab.connector.remote_info(search_a)
    assert body["logs"]["connected"] is False and body["logs"]["num_proxy_sockets_connected"] == 0
    assert search_a.remotes["logs"].attempted_at is None
    lab.world.clock.advance(31)
    assert lab.connector.remote_info(search_a)["logs"]["connected"] is True


def test_port_mode_change_marks_connected_remotes_dirty(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert lab.connector.remote_info(search_a)["logs"]["connected"] is True
    lab.connector.set_port_mode("ece-a", 9443, "closed")
    assert lab.connector.remote_info(search_a)["logs"]["connected"] is False
    assert search_a.remotes["logs"].failure_kind == "connect_refused"
    lab.connector.set_port_mode("ece-a", 9443, "tls")
    assert lab.connector.remote_info(search_a)["logs"]["connected"] is True


# ----------------------------------------------------------------------------------------------------------------
# send()

def test_send_reaches_the_remote_transport_handler_with_the_api_key_context(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    stub = StubEsApi()
    lab.world.es_apis["ece-a/logs-a"] = stub
    api_key = lab.api_key_remote(search_a, "logs", logs_a)
    message = {"action": "search", "index": "logs-*", "body": {"query": {"match_all": {}}},
               "user": {"username": "alice", "roles": ["remote-search"], "remote_indices": []}}
    reply = lab.connector.send(search_a, "logs", message)
    assert reply == {"ok": True, "hits": {"total": {"value": 3}}}
    assert len(stub.calls) == 1
    received, ctx = stub.calls[0]
    assert received == message
    assert ctx == {"model": "api_key", "api_key": api_key, "local_key": "ece-a/search-a", "alias": "logs"}
    assert ctx["api_key"] is api_key


def test_send_with_the_certificate_model_and_a_non_json_reply(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    stub = StubEsApi(reply={"ok": True, "indices": {"leader-lab", "logs-lab"}})
    lab.world.es_apis["ece-a/logs-a"] = stub
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    reply = lab.connector.send(search_a, "logs", {"action": "resolve", "index": "*"})
    assert reply == {"ok": True, "indices": ["leader-lab", "logs-lab"]}
    assert stub.calls[0][1] == {"model": "certificate", "api_key": None, "local_key": "ece-a/search-a", "alias": "logs"}
    failing = StubEsApi(reply={"ok": False, "status": 403, "type": "security_exception", "reason": "denied"})
    lab.world.es_apis["ece-a/logs-a"] = failing
    assert lab.connector.send(search_a, "logs", {"action": "search", "index": "x"})["status"] == 403


def test_send_raises_transport_errors(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    stub = StubEsApi()
    lab.world.es_apis["ece-a/logs-a"] = stub
    with pytest.raises(transport.TransportError) as info:
        lab.connector.send(search_a, "nothing", {"action": "search", "index": "x"})
    assert info.value.kind == "not_configured" and info.value.reason == "no such remote cluster: [nothing]"
    api_key = lab.api_key_remote(search_a, "logs", logs_a)
    assert lab.connector.attempt(search_a, "logs").connected
    api_key.invalidated = True                         # connected, but the next connection fails to authenticate
    with pytest.raises(transport.TransportError) as info:
        lab.connector.send(search_a, "logs", {"action": "search", "index": "x"})
    assert info.value.kind == "invalid_api_key"
    assert "unable to authenticate user [%s]" % api_key.id in info.value.reason
    assert search_a.remotes["logs"].failure_kind == "invalid_api_key" and not search_a.remotes["logs"].connected
    assert stub.calls == []
    del lab.world.es_apis["ece-a/logs-a"]
    lab.ece_remote(search_a, "tls", logs_a, 9400)
    with pytest.raises(transport.TransportError) as info:
        lab.connector.send(search_a, "tls", {"action": "search", "index": "x"})
    assert info.value.kind == "remote_unavailable"


def test_send_reconnects_a_remote_that_is_not_connected(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.world.es_apis["ece-a/logs-a"] = StubEsApi()
    lab.api_key_remote(search_a, "logs", logs_a)
    lab.connector.set_port_mode("ece-a", 9443, "closed")
    assert not lab.connector.attempt(search_a, "logs").connected
    lab.world.environments["ece-a"].port_modes[9443] = "tls"
    lab.connector.listener_of("ece-a", 9443).set_mode("tls")       # back, without marking anything dirty
    assert not lab.connector.attempt(search_a, "logs").connected   # the cached failure stays
    assert lab.connector.send(search_a, "logs", {"action": "search", "index": "x"})["ok"] is True
    assert search_a.remotes["logs"].connected


# ----------------------------------------------------------------------------------------------------------------
# ece_flags()

def _entry(cluster, alias):
    return {"deployment_id": cluster.deployment.id, "elasticsearch_ref_id": "main-elasticsearch", "alias": alias,
            "skip_unavailable": True}


def test_ece_flags(lab):
    search_a, logs_a, archive_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a"), lab.cluster("ece-a/archive-a")
    search_b = lab.cluster("ece-b/search-b")
    assert lab.connector.ece_flags(search_a.resource, _entry(logs_a, "logs")) == {
        "connected": True, "trusted": True, "trusted_back": True, "compatible": False, "healthy": True}   # 9.1 -> 8.19: not in the CCS table
    assert lab.connector.ece_flags(logs_a.resource, _entry(search_a, "search")) == {
        "connected": True, "trusted": True, "trusted_back": True, "compatible": True, "healthy": True}
    assert lab.connector.ece_flags(logs_a.resource, _entry(archive_a, "archive")) == {
        "connected": False, "trusted": True, "trusted_back": False, "compatible": True, "healthy": False}
    assert lab.connector.ece_flags(search_a.resource, _entry(search_b, "b")) == {
        "connected": False, "trusted": False, "trusted_back": False, "compatible": True, "healthy": False}
    logs_a.deployment.healthy = False
    assert lab.connector.ece_flags(search_a.resource, _entry(logs_a, "logs"))["healthy"] is False
    lab.ece_remote(logs_a, "search", search_a, 9400)
    lab.connector.set_port_mode("ece-a", 9400, "closed")
    assert lab.connector.ece_flags(logs_a.resource, _entry(search_a, "search"))["connected"] is False
    assert logs_a.remotes["search"].failure_kind == "connect_refused"


def test_ece_flags_not_connected_right_after_the_change(make_lab):
    lab = make_lab(connect_delay=30.0)
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    search_a.resource.remote_resources_changed_at = lab.world.clock.now()
    assert lab.connector.ece_flags(search_a.resource, _entry(logs_a, "logs"))["connected"] is False
    lab.world.clock.advance(31)
    assert lab.connector.ece_flags(search_a.resource, _entry(logs_a, "logs"))["connected"] is True


def test_ccs_table():
    supported = transport.trust.ccs_supported
    assert supported("7.17.28", "8.19.4") and not supported("7.17.28", "9.1.3")
    assert supported("8.19.4", "9.3.0") and supported("9.0.0", "8.18.6") and not supported("9.0.0", "8.19.4")
    assert supported("8.18.6", "9.0.1") and not supported("8.18.6", "9.1.0")
    assert supported("8.5.0", "8.4.1") and not supported("8.5.0", "8.3.0") and supported("8.0.0", "7.17.1")
    assert not supported("8.1.0", "7.17.1") and not supported("9.2.0", "9.0.0")


# ----------------------------------------------------------------------------------------------------------------
# port modes, proxy certificate reload

def test_set_port_mode_validation_and_targets(lab):
    connector = lab.connector
    assert connector.set_port_mode("sm", 9300, "filtered") == {"target": "sm", "port": 9300, "mode": "filtered"}
    assert connector.listener_of("sm", 9300).mode == "filtered"
    assert connector.set_port_mode("sm", 9443, "http")["mode"] == "http"    # remembered while the server is disabled
    sm = lab.sm_loaded(remote_cluster_server__enabled=True)
    connector.refresh_listeners(sm)
    assert connector.listener_of("sm", 9443).mode == "http"
    assert connector.set_port_mode("eck/quickstart", 9300, "closed")["target"] == "eck/quickstart"
    assert connector.set_port_mode("ech", 9400, "hang")["mode"] == "hang"
    assert lab.env("ech").port_modes[9400] == "hang"
    with pytest.raises(ValueError):
        connector.set_port_mode("ece-a", 9443, "broken")
    with pytest.raises(ValueError):
        connector.set_port_mode("ece-a", 9243, "closed")
    with pytest.raises(ValueError):
        connector.set_port_mode("ece-a/search-a", 9443, "closed")
    with pytest.raises(ValueError):
        connector.set_port_mode("nowhere", 9443, "closed")


def test_reload_environment_presents_the_uploaded_proxy_chain(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    env_a = lab.env("ece-a")
    old_ca = env_a.certs["proxy_ca"].cert_pem
    proxy_ca = lab.sm_file("ece-a-proxy-ca.crt", old_ca)
    sm = lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[proxy_ca])
    lab.api_key_remote(sm, "logs", logs_a)
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(sm, "logs"))
    new_ca = pki.make_ca("Uploaded proxy CA", key_type="rsa")
    new_cert = pki.issue(new_ca, common_name="*.ece-a.lab", dns_names=["*.ece-a.lab", "*.es.ece-a.lab"], key_type="rsa")
    env_a.proxy_chain = [new_cert.cert_pem, new_ca.cert_pem]
    env_a.proxy_key_pem = new_cert.key_pem_traditional
    assert_up(lab.attempt(sm, "logs"))                 # still the old certificate until the proxies reload
    lab.connector.reload_environment(env_a)
    assert_down(lab.attempt(sm, "logs"), "untrusted_certificate", "Uploaded proxy CA")
    assert_up(lab.attempt(search_a, "logs"))           # same environment: trusts its own environment's proxy CA
    sock = tlsnet.tls_connect("%s" % logs_a.endpoint, 9443, ca_pems=[new_ca.cert_pem], resolver=lab.world.resolver)
    try:
        assert tlsnet.peer_certificates(sock)[0] == new_cert.der
    finally:
        sock.close()


def test_9400_presents_the_node_certificate_of_the_cluster_named_by_sni(lab):
    logs_a, search_a = lab.cluster("ece-a/logs-a"), lab.cluster("ece-a/search-a")
    for cluster in (logs_a, search_a):
        sock = tlsnet.tls_connect(cluster.endpoint, 9400, ca_pems=[lab.env("ece-a").certs["env_ca"].cert_pem], check_hostname=False,
                                  resolver=lab.world.resolver)
        try:
            assert tlsnet.peer_certificates(sock)[0] == cluster.node_cert.der
        finally:
            sock.close()
    with pytest.raises(tlsnet.ConnectFailure) as info:
        tlsnet.tls_connect("nobody.ece-a.lab", 9400, verify=False, resolver=lab.world.resolver)
    assert info.value.kind == "unrecognized_name"


# ----------------------------------------------------------------------------------------------------------------
# threading

def test_remote_side_runs_in_the_dialing_thread_that_holds_the_lock(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    stub = StubEsApi()
    lab.world.es_apis["ece-a/logs-a"] = stub
    lab.api_key_remote(search_a, "logs", logs_a)
    results = {}

    def request_thread():
        with lab.world.lock:                            # as an HTTP handler does
            results["reply"] = lab.connector.send(search_a, "logs", {"action": "search", "index": "x"})

    worker = threading.Thread(target=request_thread, name="lab-request-thread")
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert results["reply"]["ok"] is True
    assert stub.thread_names == ["lab-request-thread"]


def test_a_client_outside_the_connector_is_served_under_the_lock(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    api_key, encoded = lab.key(logs_a)
    assert api_key.type == "cross_cluster"
    with lab.world.lock:
        lab.connector._publish()  # pylint: disable=protected-access
    sock = tlsnet.tls_connect(logs_a.endpoint, 9443, ca_pems=[lab.env("ece-a").certs["proxy_ca"].cert_pem],
                              client_cert_pem=search_a.node_cert, source_ip=search_a.ip, resolver=lab.world.resolver)
    try:
        tlsnet.send_msg(sock, {"t": "handshake", "version": "9.1.3", "credentials": encoded, "local_key": search_a.key,
                               "alias": "logs", "license": {"type": "enterprise", "status": "active"}})
        reply = tlsnet.recv_msg(sock, timeout=10)
    finally:
        sock.close()
    assert reply["ok"] is True and reply["remote_key"] == "ece-a/logs-a"
    sock = tlsnet.tls_connect(logs_a.endpoint, 9443, ca_pems=[lab.env("ece-a").certs["proxy_ca"].cert_pem], resolver=lab.world.resolver)
    try:
        tlsnet.send_msg(sock, {"t": "handshake", "version": "9.1.3", "credentials": base64.b64encode(b"x:y").decode()})
        reply = tlsnet.recv_msg(sock, timeout=10)
    finally:
        sock.close()
    assert reply["ok"] is False and reply["kind"] == "invalid_api_key"


def test_concurrent_attempts_from_several_threads(lab):
    search_a, logs_a, search_ech = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a"), lab.cluster("ech/search-ech")
    lab.api_key_remote(search_a, "logs", logs_a)
    lab.api_key_remote(search_a, "ech", search_ech)
    lab.ece_remote(logs_a, "search", search_a, 9400)
    outcomes = []

    def worker(local, alias):
        for _round in range(3):
            outcomes.append(lab.connector.attempt(local, alias, force=True).connected)

    threads = [threading.Thread(target=worker, args=args) for args in
               ((search_a, "logs"), (search_a, "ech"), (logs_a, "search"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == [True] * 9
    assert_up(search_a.remotes["ech"])
    assert_down(lab.attempt(search_a, "nothing"), "not_configured")
