# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of eceops_lab.tlsnet over real sockets and real TLS.

Only 127.0.0.200-127.0.0.219 and ports 19400-19499 are used (other suites run in parallel on other addresses).
No timing assertions: the timeouts below only bound how long the filtered/hang cases take.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import importlib.util
import itertools
import os
import queue
import socket
import ssl
import threading
import time

import pytest

from eceops_lab import pki, tlsnet

SERVER_IP = "127.0.0.200"
CLIENT_IP = "127.0.0.205"
UNUSED_IP = "127.0.0.219"
_PORTS = itertools.count(19400)
WAIT = 10.0          # upper bound for things that happen at once (a handler call), never reached when all is well
SHORT = 1.5          # connect/handshake timeout for the filtered and hang cases
HAS_CHAIN_API = hasattr(ssl.SSLSocket, "get_unverified_chain")   # Python 3.13+


def next_port():
    port = next(_PORTS)
    assert port <= 19499, "this suite may only use ports 19400-19499"
    return port


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture(scope="module")
def certs():
    root = pki.make_ca("tlsnet test root", not_before=utcnow() - datetime.timedelta(days=365))
    inter = pki.make_ca("tlsnet test intermediate", parent=root)
    client_ca = pki.make_ca("tlsnet client CA")
    return {
        "root": root,
        "inter": inter,
        "client_ca": client_ca,
        "alpha": pki.issue(inter, common_name="alpha.lab", dns_names=["alpha.lab"]),
        "beta": pki.issue(root, common_name="beta", dns_names=["*.beta.lab"], key_type="rsa"),
        "ip": pki.issue(root, common_name="by-ip", ip_addresses=[SERVER_IP]),
        "expired": pki.issue(root, common_name="expired.lab", dns_names=["expired.lab"],
                             not_before=utcnow() - datetime.timedelta(days=30), not_after=utcnow() - datetime.timedelta(days=1)),
        "future": pki.issue(root, common_name="future.lab", dns_names=["future.lab"],
                            not_before=utcnow() + datetime.timedelta(days=1)),
        "client": pki.issue(client_ca, common_name="client-node", client=True, server=False,
                            other_names=["client-node.node.c1.cluster.s1.account"]),
        "stranger_client": pki.issue(pki.make_ca("stranger CA"), common_name="stranger", client=True, server=False),
    }


class Recorder:
    """A handler that records each call and answers one framed message with an echo."""

    def __init__(self, echo=True):
        self.calls = queue.Queue()
        self.echo = echo

    def __call__(self, conn, server_name, peer_addr, peer_cert_der):
        self.calls.put({"server_name": server_name, "peer": peer_addr, "cert": peer_cert_der,
                        "chain": tlsnet.peer_certificates(conn)})
        try:
            if self.echo:
                message = tlsnet.recv_msg(conn, WAIT)
                tlsnet.send_msg(conn, {"echo": message, "server_name": server_name})
        except tlsnet.ProtocolError:
            pass
        finally:
            conn.close()

    def next_call(self):
        return self.calls.get(timeout=WAIT)


@pytest.fixture
def listeners():
    started = []

    def make(select_context, handler=None, ip=SERVER_IP, port=None, **kwargs):
        listener = tlsnet.TlsListener(ip, port or next_port(), select_context=select_context,
                                      handler=handler or Recorder(), **kwargs)
        started.append(listener)
        return listener.start()

    yield make
    for listener in started:
        listener.stop()


def contexts(*issued_by_name):
    table = {name: tlsnet.server_context(issued) for name, issued in issued_by_name}
    return table.get


def roundtrip(sock, payload=None):
    payload = payload or {"ping": 1}
    try:
        tlsnet.send_msg(sock, payload)
        return tlsnet.recv_msg(sock, WAIT)
    finally:
        sock.close()


def connect_failure(*args, **kwargs):
    with pytest.raises(tlsnet.ConnectFailure) as info:
        sock = tlsnet.tls_connect(*args, **kwargs)
        sock.close()
    return info.value


# -- addresses -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("example.lab:9443", ("example.lab", 9443)),
    ("127.0.0.1:9400", ("127.0.0.1", 9400)),
    ("[2001:db8::1]:9443", ("2001:db8::1", 9443)),
    ("[::1]:1", ("::1", 1)),
    ("a.b.c:65535", ("a.b.c", 65535)),
])
def test_parse_address(text, expected):
    assert tlsnet.parse_address(text) == expected


@pytest.mark.parametrize("text, message", [
    ("foo", "remote hosts need to be configured as [host:port], found [foo] instead"),
    (":9300", "remote hosts need to be configured as [host:port], found [:9300] instead"),
    ("[::1]", "remote hosts need to be configured as [host:port], found [[::1]] instead"),
    ("2001:db8::1:9443", "IPv6 addresses need to be configured in brackets"),
    ("[example.lab]:9443", "is not an IPv6 address"),
    ("[127.0.0.1]:9443", "is not an IPv6 address"),
    ("host:abc", "failed to parse port"),
    ("host:", "failed to parse port"),
    ("host:0", "port number must be > 0 but was: [0]"),
    ("host:70000", "port out of range:70000"),
])
def test_parse_address_errors(text, message):
    with pytest.raises(ValueError) as info:
        tlsnet.parse_address(text)
    assert message in str(info.value)


def test_format_address():
    assert tlsnet.format_address("2001:db8::1", 9443) == "[2001:db8::1]:9443"
    assert tlsnet.format_address("[::1]", 9300) == "[::1]:9300"
    assert tlsnet.format_address("a.lab", 9400) == "a.lab:9400"
    assert tlsnet.parse_address(tlsnet.format_address("2001:db8::7", 9200)) == ("2001:db8::7", 9200)


# -- resolver ------------------------------------------------------------------------------------------------

def test_resolver_exact_wildcard_and_literals():
    resolver = tlsnet.Resolver({"coordinator.ece-a.lab": "127.0.0.11", "*.ece-a.lab": "127.0.0.12",
                                "*.es.ece-a.lab": "127.0.0.13", "v6.lab": "[::1]"})
    assert resolver.resolve("coordinator.ece-a.lab") == "127.0.0.11"      # exact wins
    assert resolver.resolve("COORDINATOR.ece-a.lab.") == "127.0.0.11"
    assert resolver.resolve("abc123.ece-a.lab") == "127.0.0.12"
    assert resolver.resolve("x.y.ece-a.lab") == "127.0.0.12"               # one or more labels
    assert resolver.resolve("alias.es.ece-a.lab") == "127.0.0.13"          # longest suffix wins
    assert resolver.resolve("v6.lab") == "::1"
    assert resolver.resolve("127.0.0.99") == "127.0.0.99"                  # literals pass through
    assert resolver.resolve("[2001:db8::1]") == "2001:db8::1"
    assert resolver.resolve("2001:0db8::0001") == "2001:db8::1"
    with pytest.raises(tlsnet.ResolveError) as info:
        resolver.resolve("ece-a.lab")                                      # the wildcard needs a label in front
    assert "unknown host" in str(info.value) and info.value.host == "ece-a.lab"
    with pytest.raises(tlsnet.ResolveError):
        resolver.resolve("elsewhere.lab")
    assert "abc.ece-a.lab" in resolver and "nowhere.lab" not in resolver
    assert resolver.remove("*.es.ece-a.lab")
    assert resolver.resolve("alias.es.ece-a.lab") == "127.0.0.12"
    assert not resolver.remove("never.lab")


def test_resolver_rejects_bad_entries():
    resolver = tlsnet.Resolver()
    with pytest.raises(ValueError):
        resolver.add("name.lab", "not-an-ip")
    with pytest.raises(ValueError):
        resolver.add("a*.lab", "127.0.0.1")
    with pytest.raises(ValueError):
        resolver.add("*.*.lab", "127.0.0.1")
    with pytest.raises(ValueError):
        resolver.add("", "127.0.0.1")


def test_resolver_file_round_trip(tmp_path):
    resolver = tlsnet.Resolver()
    resolver.add("coordinator.ece-a.lab", "127.0.0.11").add("*.ece-a.lab", "127.0.0.11")
    resolver.add("*.lab-region.ech.lab", "127.0.0.13").add("api.ech.lab", "127.0.0.13").add("six.lab", "2001:db8::9")
    path = str(tmp_path / "hosts")
    resolver.save(path, header="written by the lab\nsecond line")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("# written by the lab\n# second line\n")
    assert "127.0.0.11 coordinator.ece-a.lab *.ece-a.lab\n" in text
    loaded = tlsnet.Resolver.load(path)
    assert loaded.entries() == resolver.entries()
    assert loaded.resolve("deadbeef.lab-region.ech.lab") == "127.0.0.13"
    assert loaded.resolve("six.lab") == "2001:db8::9"
    assert tlsnet.Resolver.from_env({tlsnet.HOSTS_FILE_ENV: path}).entries() == resolver.entries()
    assert len(tlsnet.Resolver.from_env({})) == 0


def test_resolver_parses_hand_written_files():
    text = ("# the lab\n"
            "\n"
            "127.0.0.11   coordinator.ece-a.lab    *.ece-a.lab   # proxy\n"
            "  [::1]\tv6.lab\n"
            "127.0.0.12 coordinator.ece-a.lab\n")   # listed twice: the last line wins
    resolver = tlsnet.Resolver.from_text(text)
    assert resolver.resolve("coordinator.ece-a.lab") == "127.0.0.12"
    assert resolver.resolve("x.ece-a.lab") == "127.0.0.11"
    assert resolver.resolve("v6.lab") == "::1"
    with pytest.raises(ValueError, match="line 2"):
        tlsnet.Resolver.from_text("127.0.0.1 ok.lab\n127.0.0.2\n")


def _collection_resolve_module():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "plugins", "module_utils", "_resolve.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("eceops_collection_resolve_for_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hosts_file_reads_the_same_in_the_collection(tmp_path):
    """The collection's modules read the lab's hosts file (ECEOPS_HOSTS_FILE): both must resolve alike."""
    module = _collection_resolve_module()
    if module is None:
        pytest.skip("plugins/module_utils/_resolve.py not found")
    resolver = tlsnet.Resolver({"coordinator.ece-a.lab": "127.0.0.11", "*.ece-a.lab": "127.0.0.21",
                                "*.es.ece-a.lab": "127.0.0.31", "six.lab": "2001:db8::9"})
    path = str(tmp_path / "hosts")
    resolver.save(path, header="lab")
    with open(path, encoding="utf-8") as handle:
        table = module.parse_hosts(handle.read())
    for name in ("coordinator.ece-a.lab", "abc.ece-a.lab", "a.b.ece-a.lab", "x.es.ece-a.lab", "six.lab", "ece-a.lab", "other.lab"):
        assert module.lookup(table, name) == resolver.lookup(name), name


# -- listener: SNI, client certificates, handler --------------------------------------------------------------

def test_sni_selects_certificate_and_refuses_unknown_names(listeners, certs):
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"]), ("x.beta.lab", certs["beta"])), recorder)
    ca = [certs["root"].cert_pem]

    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=ca)
    chain = tlsnet.peer_certificates(sock)
    if HAS_CHAIN_API:
        assert [pki.subject_cn(der) for der in chain] == ["alpha.lab", "tlsnet test intermediate"]
        verified = tlsnet.peer_certificates(sock, verified=True)
        assert [pki.subject_cn(der) for der in verified] == ["alpha.lab", "tlsnet test intermediate", "tlsnet test root"]
    else:  # Python < 3.13: only the leaf is available
        assert [pki.subject_cn(der) for der in chain] == ["alpha.lab"]
    assert roundtrip(sock) == {"echo": {"ping": 1}, "server_name": "alpha.lab"}
    assert recorder.next_call()["server_name"] == "alpha.lab"

    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="x.beta.lab", ca_pems=ca)
    assert pki.fingerprint(tlsnet.peer_certificates(sock)[0]) == certs["beta"].fingerprint
    assert roundtrip(sock)["server_name"] == "x.beta.lab"
    assert recorder.next_call()["server_name"] == "x.beta.lab"

    failure = connect_failure(SERVER_IP, listener.port, server_name="gamma.lab", ca_pems=ca)
    assert failure.kind == "unrecognized_name"
    assert failure.address == (SERVER_IP, listener.port)
    assert recorder.calls.empty()
    # the listener records the failure in its own thread, after the client has seen the alert
    deadline = time.monotonic() + 5
    while not any(item["server_name"] == "gamma.lab" for item in listener.failures) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(item["server_name"] == "gamma.lab" for item in listener.failures)


def test_no_sni_and_ip_san(listeners, certs):
    names = queue.Queue()

    def select(server_name):
        names.put(server_name)
        return tlsnet.server_context(certs["ip"])

    listener = listeners(select)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, ca_pems=[certs["root"].cert_pem])  # an IP: no SNI is sent
    assert roundtrip(sock)["server_name"] is None
    assert names.get(timeout=WAIT) is None


def test_resolver_host_name_and_sni(listeners, certs):
    resolver = tlsnet.Resolver({"*.beta.lab": SERVER_IP})
    listener = listeners(contexts(("node1.beta.lab", certs["beta"])))
    sock = tlsnet.tls_connect("node1.beta.lab", listener.port, ca_pems=[certs["root"].cert_pem], resolver=resolver)
    assert roundtrip(sock)["server_name"] == "node1.beta.lab"


def test_client_certificate_passed_to_handler(listeners, certs):
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder, request_client_cert=True,
                         client_ca_pems=[certs["client_ca"].cert_pem])
    ca = [certs["root"].cert_pem]

    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=ca, client_cert_pem=certs["client"])
    assert roundtrip(sock)["echo"] == {"ping": 1}
    call = recorder.next_call()
    assert call["cert"] is not None
    assert pki.fingerprint(call["cert"]) == certs["client"].fingerprint
    assert pki.other_names(call["cert"]) == ["client-node.node.c1.cluster.s1.account"]
    assert pki.fingerprint(call["chain"][0]) == certs["client"].fingerprint

    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=ca,
                              client_cert_pem=certs["client"].cert_pem, client_key_pem=certs["client"].key_pem)
    roundtrip(sock)
    assert recorder.next_call()["cert"] is not None

    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=ca)
    assert roundtrip(sock)["echo"] == {"ping": 1}
    call = recorder.next_call()
    assert call["cert"] is None
    assert not call["chain"]


def test_client_certificate_not_requested(listeners, certs):
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              client_cert_pem=certs["client"])
    roundtrip(sock)
    assert recorder.next_call()["cert"] is None


def test_client_ca_from_the_selected_context(listeners, certs):
    """Per-server-name client CAs: the context select_context returns carries them."""
    recorder = Recorder()
    context = tlsnet.server_context(certs["alpha"], client_ca_pems=[certs["client_ca"]])
    listener = listeners({"alpha.lab": context}.get, recorder, request_client_cert=True)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              client_cert_pem=certs["client"])
    roundtrip(sock)
    assert pki.fingerprint(recorder.next_call()["cert"]) == certs["client"].fingerprint


def test_client_chain_through_an_intermediate(listeners, certs):
    client_inter = pki.make_ca("tlsnet client intermediate", parent=certs["client_ca"])
    client = pki.issue(client_inter, common_name="chained-client", client=True, server=False)
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder, request_client_cert=True,
                         client_ca_pems=[certs["client_ca"].cert_pem])
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              client_cert_pem=client)
    roundtrip(sock)
    call = recorder.next_call()
    assert pki.fingerprint(call["cert"]) == client.fingerprint
    expected = ["chained-client", "tlsnet client intermediate"] if HAS_CHAIN_API else ["chained-client"]
    assert [pki.subject_cn(der) for der in call["chain"]] == expected


def test_rejected_client_certificate_is_a_handshake_failure(listeners, certs):
    errors = queue.Queue()
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder, request_client_cert=True,
                         client_ca_pems=[certs["client_ca"].cert_pem],
                         on_handshake_error=lambda name, peer, exc: errors.put((name, exc)))
    failure = connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              client_cert_pem=certs["stranger_client"])
    assert failure.kind == "handshake_failure"
    assert "client certificate" in failure.message
    name, exc = errors.get(timeout=WAIT)
    assert name == "alpha.lab" and isinstance(exc, ssl.SSLError)
    assert recorder.calls.empty()


def test_source_ip_seen_by_the_server(listeners, certs):
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              source_ip=CLIENT_IP)
    roundtrip(sock)
    assert recorder.next_call()["peer"][0] == CLIENT_IP


def test_node_certificates_with_long_names_over_mutual_tls(listeners):
    env_ca = pki.make_ca("ECE environment CA")
    server = pki.node_certificate(env_ca, "instance-0000000001", "a542184a7a7d45b88b83f95392f450ab",
                                  "b1d6f7a2c3e45f6a9b0c1d2e3f4a5b6c", dns_names=["a542184a7a7d45b88b83f95392f450ab.ece-b.lab"])
    client = pki.node_certificate(env_ca, "instance-0000000002", "0123456789abcdef0123456789abcdef",
                                  "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b")
    recorder = Recorder()
    listener = listeners(contexts(("a542184a7a7d45b88b83f95392f450ab.ece-b.lab", server)), recorder,
                         request_client_cert=True, client_ca_pems=[env_ca.cert_pem])
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="a542184a7a7d45b88b83f95392f450ab.ece-b.lab",
                              ca_pems=[env_ca.cert_pem], client_cert_pem=client)
    roundtrip(sock)
    call = recorder.next_call()
    assert pki.match_subject_pattern(pki.other_names(call["cert"])[0], "*.node.*.cluster.a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b.account")


def test_handler_exception_closes_the_connection(listeners, certs):
    def broken(conn, server_name, peer_addr, peer_cert_der):
        raise RuntimeError("handler bug")

    listener = listeners(contexts(("alpha.lab", certs["alpha"])), broken)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem])
    with pytest.raises(tlsnet.ProtocolError) as info:
        tlsnet.recv_msg(sock, WAIT)
    sock.close()
    assert info.value.kind == "closed"


# -- client failures -----------------------------------------------------------------------------------------

def test_refused_on_an_unused_address():
    failure = connect_failure(UNUSED_IP, next_port(), timeout=WAIT)
    assert failure.kind == "refused"


def test_closed_mode_refuses(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), mode="closed")
    assert connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", timeout=WAIT).kind == "refused"


def test_filtered_mode_times_out(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), mode="filtered")
    failure = connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem],
                              timeout=SHORT, source_ip=CLIENT_IP)
    assert failure.kind == "timeout"


def test_hang_mode_is_a_tls_timeout(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), mode="hang")
    failure = connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem], timeout=SHORT)
    assert failure.kind == "tls_timeout"


def test_plain_http_is_not_tls(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), mode="plain_http")
    failure = connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem], timeout=WAIT)
    assert failure.kind == "not_tls"
    # a plain transport client sees the HTTP answer
    with socket.create_connection((SERVER_IP, listener.port), timeout=WAIT) as sock:
        tlsnet.send_msg(sock, {"hello": "transport"})
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(sock, WAIT)
    assert info.value.kind == "http"
    assert "HTTP/1.1 400 Bad Request" in str(info.value)


def test_http_over_tls_is_detected_by_recv_msg(listeners, certs):
    recorder = Recorder()
    listener = listeners(contexts(("alpha.lab", certs["alpha"])), recorder, mode="http")
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem])
    try:
        tlsnet.send_msg(sock, {"action": "internal:tcp/handshake"})
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(sock, WAIT)
    finally:
        sock.close()
    assert info.value.kind == "http"
    assert "HTTP/1.1 400 Bad Request" in info.value.message
    assert "speaks HTTP" in info.value.message
    assert recorder.calls.empty()


def test_unknown_ca(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])))
    failure = connect_failure(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["client_ca"].cert_pem])
    assert failure.kind == "unknown_ca"
    assert connect_failure(SERVER_IP, listener.port, server_name="alpha.lab").kind == "unknown_ca"  # no CA at all


def test_intermediate_as_trust_anchor(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])))
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=certs["inter"].cert_pem)
    roundtrip(sock)


def test_expired_and_not_yet_valid(listeners, certs):
    listener = listeners(contexts(("expired.lab", certs["expired"]), ("future.lab", certs["future"])))
    ca = [certs["root"].cert_pem]
    assert connect_failure(SERVER_IP, listener.port, server_name="expired.lab", ca_pems=ca).kind == "expired"
    assert connect_failure(SERVER_IP, listener.port, server_name="future.lab", ca_pems=ca).kind == "not_yet_valid"
    # verify=False leaves the judgement to the caller (a lab clock), e.g. with pki.verify_chain(at=...)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="expired.lab", verify=False)
    chain = tlsnet.peer_certificates(sock)
    roundtrip(sock)
    assert pki.verify_chain(chain[0], chain[1:], ca) == (False, "expired")
    assert pki.verify_chain(chain[0], chain[1:], ca, at=utcnow() - datetime.timedelta(days=10)) == (True, "ok")


def test_hostname_mismatch(listeners, certs):
    listener = listeners(lambda name: tlsnet.server_context(certs["beta"]))
    ca = [certs["root"].cert_pem]
    roundtrip(tlsnet.tls_connect(SERVER_IP, listener.port, server_name="a.beta.lab", ca_pems=ca))
    failure = connect_failure(SERVER_IP, listener.port, server_name="beta.lab", ca_pems=ca)
    assert failure.kind == "hostname_mismatch" and "beta.lab" in failure.message
    assert connect_failure(SERVER_IP, listener.port, server_name="a.b.beta.lab", ca_pems=ca).kind == "hostname_mismatch"
    assert connect_failure(SERVER_IP, listener.port, ca_pems=ca).kind == "hostname_mismatch"  # the IP is no SAN of it
    roundtrip(tlsnet.tls_connect(SERVER_IP, listener.port, server_name="beta.lab", ca_pems=ca, check_hostname=False))


def test_unknown_host_via_resolver():
    resolver = tlsnet.Resolver({"*.ece-a.lab": SERVER_IP})
    failure = connect_failure("abc.ece-b.lab", next_port(), resolver=resolver)
    assert failure.kind == "unknown_host"
    assert "unknown host [abc.ece-b.lab]" in failure.message


def test_closed_during_handshake():
    port = next_port()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((SERVER_IP, port))
    server.listen(1)

    def accept_and_close():
        conn = server.accept()[0]
        conn.recv(1)
        conn.close()

    thread = threading.Thread(target=accept_and_close, daemon=True)
    thread.start()
    try:
        failure = connect_failure(SERVER_IP, port, server_name="alpha.lab", timeout=WAIT)
    finally:
        thread.join(WAIT)
        server.close()
    assert failure.kind == "closed"


def test_connect_failure_kinds_are_validated():
    with pytest.raises(ValueError):
        raise tlsnet.ConnectFailure("weird", "message")
    failure = tlsnet.ConnectFailure("refused", "connection refused", detail="errno 111")
    assert (failure.kind, failure.message, failure.detail) == ("refused", "connection refused", "errno 111")
    assert set(tlsnet.FAILURE_KINDS) == {"unknown_host", "refused", "timeout", "tls_timeout", "not_tls", "unrecognized_name",
                                         "unknown_ca", "expired", "not_yet_valid", "hostname_mismatch", "handshake_failure", "closed"}


# -- modes and lifecycle -------------------------------------------------------------------------------------

def test_modes_switch_at_runtime(listeners, certs):
    listener = listeners(contexts(("alpha.lab", certs["alpha"])))
    ca = [certs["root"].cert_pem]

    def attempt():
        try:
            sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=ca, timeout=SHORT)
        except tlsnet.ConnectFailure as exc:
            return exc.kind
        try:
            return roundtrip(sock)["server_name"]
        except tlsnet.ProtocolError as exc:
            return "protocol:" + exc.kind

    assert attempt() == "alpha.lab"
    for mode, expected in (("closed", "refused"), ("plain_http", "not_tls"), ("http", "protocol:http"),
                           ("hang", "tls_timeout"), ("filtered", "timeout"), ("tls", "alpha.lab")):
        listener.set_mode(mode)
        assert listener.mode == mode
        assert attempt() == expected, mode
    with pytest.raises(ValueError):
        listener.set_mode("broken")


def test_stop_frees_the_port(certs):
    port = next_port()
    select = contexts(("alpha.lab", certs["alpha"]))
    for mode in ("tls", "filtered", "hang", "tls"):
        listener = tlsnet.TlsListener(SERVER_IP, port, select_context=select, handler=Recorder(), mode=mode).start()
        assert listener.running
        listener.stop()
        assert not listener.running
    with tlsnet.TlsListener(SERVER_IP, port, select_context=select, handler=Recorder()) as listener:
        roundtrip(tlsnet.tls_connect(SERVER_IP, port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem]))
    assert connect_failure(SERVER_IP, port, server_name="alpha.lab", timeout=WAIT).kind == "refused"
    listener.start()  # a stopped listener can start again
    try:
        roundtrip(tlsnet.tls_connect(SERVER_IP, port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem]))
    finally:
        listener.stop()


def test_stop_shuts_down_open_connections(listeners, certs):
    ready = queue.Queue()

    def hold(conn, server_name, peer_addr, peer_cert_der):
        ready.put(True)
        try:
            conn.recv(1)
        except OSError:
            pass
        finally:
            conn.close()

    listener = listeners(contexts(("alpha.lab", certs["alpha"])), hold)
    sock = tlsnet.tls_connect(SERVER_IP, listener.port, server_name="alpha.lab", ca_pems=[certs["root"].cert_pem], timeout=WAIT)
    assert ready.get(timeout=WAIT)
    listener.stop()
    with pytest.raises(tlsnet.ProtocolError) as info:
        tlsnet.recv_msg(sock, WAIT)
    sock.close()
    assert info.value.kind == "closed"


def test_listener_validates_mode():
    with pytest.raises(ValueError):
        tlsnet.TlsListener(SERVER_IP, 19499, select_context=lambda name: None, handler=Recorder(), mode="nope")


# -- framing -------------------------------------------------------------------------------------------------

def test_framing_round_trip_and_errors():
    left, right = socket.socketpair()
    with left, right:
        message = {"action": "cluster:internal/remote_cluster/handshake", "n": [1, 2.5, None, True], "text": "ünï"}
        tlsnet.send_msg(left, message)
        tlsnet.send_msg(left, {})
        assert tlsnet.recv_msg(right, WAIT) == message
        assert tlsnet.recv_msg(right, WAIT) == {}

        left.sendall(b"\x00\x00\x00\x03abc")
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "bad_json"

        left.sendall(b"\xff\xff\xff\xff")
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "garbage"

        left.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "http" and "GET / HTTP/1.1" in info.value.message


def test_framing_tls_record_on_plain_socket_and_eof():
    left, right = socket.socketpair()
    with right:
        left.sendall(b"\x16\x03\x01\x02")
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "tls"
        left.sendall(b"\x00\x00\x00\x10{\"cut")
        left.close()
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "closed" and "middle of a frame" in info.value.message
        with pytest.raises(tlsnet.ProtocolError) as info:
            tlsnet.recv_msg(right, WAIT)
        assert info.value.kind == "closed"
