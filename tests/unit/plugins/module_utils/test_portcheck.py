# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the port/TLS/SNI checks: classification of socket and TLS errors, analysis, real probes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import errno
import ipaddress
import os
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _certs as certs
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _portcheck as pc

NOW = datetime.datetime.now(datetime.timezone.utc)


def _ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
            .not_valid_after(NOW + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca, names, cn=None, days=(-1, 90), ips=()):
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW + datetime.timedelta(days=days[0])).not_valid_after(NOW + datetime.timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def pki():
    ca = _ca("Proxy CA")
    other = _ca("Balancer CA")
    return {
        "ca": ca, "other": other,
        "good": _leaf(ca, ["*.ece.example"]),
        "lb": _leaf(other, ["lb.example.net"]),
        "expired": _leaf(ca, ["*.ece.example"], days=(-30, -1)),
        "node": _leaf(ca, ["node.example"], cn="instance-0.node.abc123.cluster.env1"),
        "soon": _leaf(ca, ["*.ece.example"], days=(-1, 5)),
    }


def observed_with(leaf, ca, server_name="abc.ece.example", port=9443, **extra):
    obs = {"address": "abc.ece.example:%d" % port, "host": "abc.ece.example", "port": port, "server_name": server_name,
           "chain_pem": [_pem(leaf[0]), _pem(ca[0])], "tls_version": "TLSv1.3"}
    obs.update(extra)
    return obs


# -- addresses and error classification --------------------------------------------------------------------
@pytest.mark.parametrize("address,expected", [
    ("a.example:9443", ("a.example", 9443)), ("[2001:db8::1]:9400", ("2001:db8::1", 9400)), ("10.0.0.1:9300", ("10.0.0.1", 9300))])
def test_parse_target_address_ok(address, expected):
    assert pc.parse_target_address(address) == expected


@pytest.mark.parametrize("address,words", [
    ("a.example", "no port"), ("2001:db8::1:9443", "brackets"), ("https://a:9443", "scheme"), ("a:0", "1 to 65535"),
    ("a:http", "1 to 65535"), (":9443", "no host")])
def test_parse_target_address_errors(address, words):
    with pytest.raises(ValueError) as err:
        pc.parse_target_address(address)
    assert words in str(err.value)


def test_classify_connect_errors():
    assert pc.classify_connect_error(ConnectionRefusedError(errno.ECONNREFUSED, "refused")) == "refused"
    assert pc.classify_connect_error(socket.timeout("timed out")) == "timeout"
    assert pc.classify_connect_error(socket.gaierror(-2, "Name or service not known")) == "unknown_host"
    assert pc.classify_connect_error(OSError(errno.ETIMEDOUT, "timed out")) == "timeout"
    assert pc.classify_connect_error(OSError(errno.EHOSTUNREACH, "no route")) == "network_error"


def test_classify_tls_errors():
    assert pc.classify_tls_error(ssl.SSLError(1, "[SSL: TLSV1_UNRECOGNIZED_NAME] tlsv1 unrecognized name")) == "sni_refused"
    assert pc.classify_tls_error(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")) == "not_tls"
    assert pc.classify_tls_error(socket.timeout("handshake")) == "tls_silent"
    assert pc.classify_tls_error(ssl.SSLError(1, "whatever"), first_bytes=b"HTTP/1.1 400 Bad") == "not_tls"
    assert pc.classify_tls_error(ConnectionResetError(104, "reset")) == "tls_failed"


# -- analysis ----------------------------------------------------------------------------------------------
def codes(findings):
    return [f["code"] for f in findings]


def test_all_good(pki):
    obs = observed_with(pki["good"], pki["ca"])
    findings = pc.analyse(obs, expect_model="api_key", expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert findings == [] and obs["chain_trusted"] is True
    assert pc.status_of(findings, pc.ERROR_CODES) == "ok"
    assert "certificate trusted" in pc.diagnosis_line("t", findings, "ok")


def test_load_balancer_terminates_tls(pki):
    obs = observed_with(pki["lb"], pki["other"])
    findings = pc.analyse(obs, expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert codes(findings) == ["lb_terminates_tls"]
    assert "lb.example.net" in findings[0]["detail"] and "layer 4" not in findings[0]["detail"]
    assert pc.status_of(findings, pc.ERROR_CODES) == "failed"


def test_untrusted_but_right_name(pki):
    other_ca_leaf = _leaf(pki["other"], ["*.ece.example"])
    findings = pc.analyse(observed_with(other_ca_leaf, pki["other"]), expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert codes(findings) == ["untrusted"]


def test_hostname_mismatch(pki):
    findings = pc.analyse(observed_with(pki["good"], pki["ca"], server_name="abc.other.example"),
                          expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert codes(findings) == ["hostname_mismatch"]
    assert "abc.other.example" in findings[0]["detail"]


def test_expired_and_expiring(pki):
    assert "expired" in codes(pc.analyse(observed_with(pki["expired"], pki["ca"]), expected_cas=[_pem(pki["ca"][0])], certs=certs))
    soon = pc.analyse(observed_with(pki["soon"], pki["ca"]), expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert codes(soon) == ["expires_soon"]
    assert pc.status_of(soon, pc.ERROR_CODES) == "warning"


def test_wrong_port_for_model_by_port_and_by_certificate(pki):
    by_port = pc.analyse(observed_with(pki["good"], pki["ca"], port=9400), expect_model="api_key", certs=certs)
    assert "wrong_port_for_model" in codes(by_port)
    by_cert = pc.analyse(observed_with(pki["node"], pki["ca"], port=443), expect_model="api_key", certs=certs)
    assert codes(by_cert) == ["wrong_port_for_model"] and "node transport certificate" in by_cert[0]["detail"]


def test_speaks_http_and_old_tls(pki):
    findings = pc.analyse(observed_with(pki["good"], pki["ca"], http_answer="HTTP/1.1 400 Bad Request", tls_version="TLSv1.1"),
                          certs=certs)
    assert codes(findings) == ["old_tls_version", "speaks_http"]


def test_connect_and_tls_errors_short_circuit():
    assert codes(pc.analyse({"connect_error_code": "refused", "connect_error": "x"})) == ["refused"]
    assert codes(pc.analyse({"tls_error_code": "sni_refused", "tls_error": "x", "port": 9443})) == ["sni_refused"]
    assert codes(pc.analyse({"address_error": "bad"})) == ["bad_address"]


def test_fail_on_subset(pki):
    findings = pc.analyse(observed_with(pki["lb"], pki["other"]), expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert pc.status_of(findings, set()) == "warning"
    assert pc.status_of(findings, {"lb_terminates_tls"}) == "failed"


# -- real probes against local listeners -------------------------------------------------------------------
def _listen(ip="127.0.0.1", backlog=16):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ip, 0))
    sock.listen(backlog)
    return sock


def _serve_tls(pki, leaf_name, http=False, sni_names=None):
    listener = _listen()
    leaf, key = pki[leaf_name]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    import tempfile  # pylint: disable=import-outside-toplevel
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as handle:
        handle.write(_pem(leaf) + _pem(pki["ca"][0]))
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode())
    try:
        context.load_cert_chain(handle.name)
    finally:
        os.unlink(handle.name)
    if sni_names is not None:
        def callback(sslobj, name, ctx):  # pylint: disable=unused-argument
            if name not in sni_names:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            return None
        context.sni_callback = callback

    def run():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            try:
                tls = context.wrap_socket(conn, server_side=True)
                data = tls.recv(200)
                if http and data:
                    tls.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                tls.close()
            except (ssl.SSLError, OSError):
                conn.close()
    threading.Thread(target=run, daemon=True).start()
    return listener


def test_probe_refused():
    sock = _listen()
    port = sock.getsockname()[1]
    sock.close()
    obs = pc.probe("127.0.0.1:%d" % port, timeout=2)
    assert obs["connect_error_code"] == "refused"


def test_probe_timeout_on_filtered_port():
    listener = _listen(backlog=0)
    port = listener.getsockname()[1]
    parked = []
    for _attempt in range(4):  # fill the accept queue: further connects hang like a filtered port
        s = socket.socket()
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            pass
        parked.append(s)
    obs = pc.probe("127.0.0.1:%d" % port, timeout=0.8)
    assert obs["connect_error_code"] == "timeout"
    for s in parked:
        s.close()
    listener.close()


def test_probe_unknown_host():
    assert pc.probe("no-such-host.invalid:9443", timeout=2)["connect_error_code"] == "unknown_host"


def test_probe_plain_http_port():
    listener = _listen()

    def run():
        conn, _addr = listener.accept()
        conn.recv(100)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        conn.close()
    threading.Thread(target=run, daemon=True).start()
    obs = pc.probe("127.0.0.1:%d" % listener.getsockname()[1], server_name="abc.ece.example", timeout=2)
    assert obs["tls_error_code"] == "not_tls"
    listener.close()


def test_probe_tls_then_http_balancer(pki):
    listener = _serve_tls(pki, "good", http=True)
    obs = pc.probe("127.0.0.1:%d" % listener.getsockname()[1], server_name="abc.ece.example", timeout=2)
    assert obs["http_answer"].startswith("HTTP/1.1 400")
    findings = pc.analyse(obs, expected_cas=[_pem(pki["ca"][0])], certs=certs)
    assert codes(findings) == ["speaks_http"]
    listener.close()


def test_probe_transport_like_port_is_clean(pki):
    listener = _serve_tls(pki, "good", http=False)
    obs = pc.probe("127.0.0.1:%d" % listener.getsockname()[1], server_name="abc.ece.example", timeout=2)
    assert obs["http_answer"] is None and obs["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert certs.fingerprint(obs["chain_pem"][0]) == certs.fingerprint(_pem(pki["good"][0]))
    assert pc.analyse(obs, expect_model="api_key", expected_cas=[_pem(pki["ca"][0])], certs=certs) == []
    listener.close()


def test_probe_sni_refused(pki):
    listener = _serve_tls(pki, "good", sni_names={"abc.ece.example"})
    obs = pc.probe("127.0.0.1:%d" % listener.getsockname()[1], server_name="wrong.ece.example", timeout=2)
    assert obs["tls_error_code"] == "sni_refused"
    listener.close()
