# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Port, TLS and SNI checks of a remote-cluster endpoint (9400, 9443, 9300, load balancers), for the
``remote_port_check`` module. ``probe()`` does the I/O (TCP connect, TLS handshake with SNI, an optional
protocol probe); ``classify_*`` and ``analyse()`` are pure functions that turn what was observed into
findings, each with a code, a severity, the detail and what to fix.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import re
import socket
import ssl
import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._resolve import resolve_override

#: Every finding code, its default severity, and the advice that goes with it.
FINDINGS = {
    "bad_address": ("error", "Write the address as host:port, IPv6 in brackets: [2001:db8::1]:9443."),
    "unknown_host": ("error", "The name does not resolve from here: check DNS (or the proxy address), "
                              "or that this host can resolve the deployment domain."),
    "refused": ("error", "Nothing accepts connections on this port: check the port, that the proxy or remote cluster "
                         "server listens on it, and that no firewall rejects it."),
    "timeout": ("error", "The TCP connection timed out: a firewall, security group or load balancer drops the traffic "
                         "(filtered port). Open the port from this host and check the load balancer listener."),
    "network_error": ("error", "The connection failed: check routing between this host and the target."),
    "tls_silent": ("error", "TCP connects but nothing answers the TLS handshake: the balancer has no healthy backend, "
                            "or expects a different protocol (proxy protocol must not be enabled on 9400/9443)."),
    "not_tls": ("error", "The port answers without TLS: this is not a remote-cluster port (9400/9443 always speak TLS)."),
    "speaks_http": ("error", "The port speaks HTTP after TLS: a layer-7 (HTTP) load balancer terminates it. "
                             "Remote clusters speak Elasticsearch's transport protocol: configure the balancer to pass "
                             "the port through as TCP (layer 4)."),
    "sni_refused": ("error", "The server refused the TLS server name: the proxy cannot route it. Use the remote's "
                             "endpoint (<cluster_id>.<deployment domain>) as server_name."),
    "tls_failed": ("error", "The TLS handshake failed."),
    "untrusted": ("error", "The presented certificate chain does not verify against the expected CA: give the CA that "
                           "signs this endpoint's certificate (the ECE proxy root CA, the remote cluster server CA) "
                           "to the local cluster, or fix the endpoint's certificate."),
    "lb_terminates_tls": ("error", "The certificate does not come from the expected CA and is issued for other names: "
                                   "a load balancer probably terminates TLS. Pass the port through as TCP so the "
                                   "proxy's own certificate reaches the client."),
    "hostname_mismatch": ("error", "The certificate does not cover the server name: set server_name to a name in the "
                                   "certificate, or use the endpoint the certificate was issued for (after a "
                                   "deployment-domain change, upload a proxy certificate for the new domain)."),
    "expired": ("error", "The certificate has expired: renew it (ECE: Platform > Settings > TLS certificates)."),
    "not_yet_valid": ("error", "The certificate is not valid yet: check the clocks, or wait for its start date."),
    "expires_soon": ("warning", "The certificate expires soon: plan its renewal."),
    "wrong_port_for_model": ("error", "This is the port of the other security model: the API-key model uses the "
                                      "remote cluster server port 9443, the TLS-certificate model the transport port "
                                      "(9400 on ECE/ECH proxies, 9300 on self-managed/ECK)."),
    "old_tls_version": ("warning", "The endpoint negotiated a TLS version older than 1.2."),
    "no_certificate": ("error", "The server presented no certificate."),
    "analysis_unavailable": ("warning", "The Python library cryptography is missing on this host, so the certificate "
                                        "could not be analysed (install python3-cryptography)."),
}

ERROR_CODES = frozenset(code for code, (severity, _fix) in FINDINGS.items() if severity == "error")

NODE_CERT_RE = re.compile(r"\.node\.[^.]+\.")


def finding(code, detail):
    """A finding dict for ``code`` with its severity and fix."""
    severity, fix = FINDINGS[code]
    return {"code": code, "severity": severity, "detail": detail, "fix": fix}


def parse_target_address(address):
    """``(host, port)`` from ``host:port`` / ``[v6]:port``; raises ValueError with what to write."""
    text = (address or "").strip()
    if "://" in text:
        raise ValueError("%r has a scheme: give host:port only" % address)
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1:].startswith(":"):
            raise ValueError("%r: write IPv6 addresses as [address]:port" % address)
        host, port = text[1:end], text[end + 2:]
    else:
        if text.count(":") > 1:
            raise ValueError("%r looks like an IPv6 address without brackets: write [address]:port" % address)
        host, sep, port = text.rpartition(":")
        if not sep:
            raise ValueError("%r has no port: write host:port" % address)
    if not host:
        raise ValueError("%r has no host" % address)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("%r: the port must be a number from 1 to 65535" % address)
    return host, int(port)


def classify_connect_error(exc):
    """Map a TCP connect exception to a finding code."""
    if isinstance(exc, socket.gaierror):
        return "unknown_host"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return "refused"
    if getattr(exc, "errno", None) in (errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "timeout" if exc.errno == errno.ETIMEDOUT else "network_error"
    return "network_error"


def classify_tls_error(exc, first_bytes=None):
    """Map a TLS handshake exception (and bytes the peer sent, if any) to a finding code."""
    if first_bytes and first_bytes[:5] in (b"HTTP/", b"<html", b"<HTML"):
        return "not_tls"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "tls_silent"
    text = str(exc).upper()
    if "UNRECOGNIZED_NAME" in text or "UNRECOGNIZED NAME" in text:
        return "sni_refused"
    if "WRONG_VERSION_NUMBER" in text or "HTTP_REQUEST" in text or "UNKNOWN_PROTOCOL" in text or "RECORD_LAYER_FAILURE" in text:
        return "not_tls"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or "EOF" in text:
        return "tls_failed"
    return "tls_failed"


def expected_port_model(port):
    """The security model a well-known port belongs to, or None."""
    if port == 9443:
        return "api_key"
    if port in (9400, 9300):
        return "certificate"
    return None


def analyse(observed, expect_model=None, expected_cas=None, warn_days=30, certs=None):
    """Findings from what ``probe()`` observed.

    ``expected_cas``: list of PEM CA certificates the chain must verify against, or None to skip; ``certs`` is
    the ``_certs`` module (injected so this stays importable where cryptography is missing).
    """
    findings = []
    if observed.get("address_error"):
        return [finding("bad_address", observed["address_error"])]
    if observed.get("connect_error_code"):
        code = observed["connect_error_code"]
        return [finding(code, observed.get("connect_error") or code)]
    if observed.get("tls_error_code"):
        code = observed["tls_error_code"]
        findings.append(finding(code, observed.get("tls_error") or code))
        return findings
    port = observed.get("port")
    if expect_model and expected_port_model(port) and expected_port_model(port) != expect_model:
        findings.append(finding("wrong_port_for_model", "port %s is the %s-model port, the %s model was asked for"
                                % (port, expected_port_model(port).replace("_", "-"), expect_model.replace("_", "-"))))
    chain = observed.get("chain_pem") or []
    if observed.get("tls_version") in ("TLSv1", "TLSv1.1", "SSLv3"):
        findings.append(finding("old_tls_version", "negotiated %s" % observed["tls_version"]))
    if observed.get("http_answer"):
        findings.append(finding("speaks_http", "after the TLS handshake the port answered %r" % observed["http_answer"][:60]))
    if not chain:
        findings.append(finding("no_certificate", "no certificate in the handshake"))
        return findings
    if certs is None or not getattr(certs, "HAS_CRYPTOGRAPHY", False):
        findings.append(finding("analysis_unavailable", "certificate not analysed"))
        return findings
    info = observed.get("certificate") or certs.certificate_info(chain[0])
    server_name = observed.get("server_name")
    names = list(info.get("dns_names") or []) + list(info.get("ip_addresses") or [])
    looks_like_node = bool(NODE_CERT_RE.search(info.get("common_name") or "")) or any(
        NODE_CERT_RE.search(n.get("value") or "" if isinstance(n, dict) else n) for n in info.get("other_names") or [])
    if expect_model == "api_key" and looks_like_node and not any(f["code"] == "wrong_port_for_model" for f in findings):
        findings.append(finding("wrong_port_for_model", "the port presents a node transport certificate (%s): that is the "
                                                        "TLS-certificate model's passthrough port" % info.get("common_name")))
    if info.get("expired"):
        findings.append(finding("expired", "the certificate expired on %s" % info.get("not_after")))
    elif info.get("not_yet_valid"):
        findings.append(finding("not_yet_valid", "the certificate is valid from %s" % info.get("not_before")))
    elif info.get("days_left") is not None and info["days_left"] < warn_days:
        findings.append(finding("expires_soon", "the certificate expires in %d days (%s)" % (info["days_left"], info.get("not_after"))))
    trusted = None
    if expected_cas is not None:
        ok, reason = certs.verify_chain(chain, expected_cas)
        trusted = ok or reason in ("expired", "not_yet_valid")
        if not trusted:
            hostname_ok = certs.hostname_matches(chain[0], server_name) if server_name else True
            detail = "chain issued by %r does not verify against the %d expected CA(s) (%s)" % (
                info.get("issuer"), len(expected_cas), reason)
            if server_name and not hostname_ok:
                findings.append(finding("lb_terminates_tls", "%s; it is issued for %s, not %s" % (
                    detail, ", ".join(names) or info.get("common_name"), server_name)))
            else:
                findings.append(finding("untrusted", detail))
    if server_name and not any(f["code"] == "lb_terminates_tls" for f in findings) and not looks_like_node:
        if not certs.hostname_matches(chain[0], server_name):
            findings.append(finding("hostname_mismatch", "the certificate covers %s, not %s" % (
                ", ".join(names) or info.get("common_name"), server_name)))
    observed["chain_trusted"] = trusted
    return findings


def status_of(findings, fail_on):
    """``failed`` if a finding's code is in ``fail_on``, ``warning`` if any finding remains, else ``ok``."""
    if any(f["code"] in fail_on for f in findings):
        return "failed"
    if findings:
        return "warning"
    return "ok"


def diagnosis_line(target, findings, status):
    """One line: what was found and what to fix."""
    if not findings:
        return "%s: reachable, TLS OK, certificate trusted and valid for the server name" % target
    first = [f for f in findings if f["severity"] == "error"] or findings
    head = first[0]
    return "%s: %s (%s). Fix: %s" % (target, head["code"].replace("_", " "), head["detail"], head["fix"])


def _resolve(host):
    return resolve_override(host) or host


def probe(address, server_name=None, connect_address=None, timeout=5.0, client_cert=None, client_key=None,
          protocol_probe=True, source_address=None):
    """Connect, handshake and (optionally) probe the protocol. Returns a dict of observations; never raises."""
    observed = {"address": address, "server_name": server_name}
    try:
        host, port = parse_target_address(address)
    except ValueError as exc:
        observed["address_error"] = str(exc)
        return observed
    observed.update({"host": host, "port": port})
    if server_name is None and not _is_ip(host):
        server_name = host
        observed["server_name"] = host
    target = connect_address or host
    started = time.time()
    try:
        infos = socket.getaddrinfo(_resolve(target), port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        observed.update({"connect_error_code": "unknown_host", "connect_error": "%s does not resolve (%s)" % (target, exc)})
        return observed
    family, socktype, proto, _canon, sockaddr = infos[0]
    observed["ip"] = sockaddr[0]
    sock = socket.socket(family, socktype, proto)
    sock.settimeout(timeout)
    try:
        if source_address:
            sock.bind((source_address, 0))
        sock.connect(sockaddr)
    except (OSError, socket.timeout) as exc:
        sock.close()
        code = classify_connect_error(exc)
        observed.update({"connect_error_code": code, "connect_time_ms": int((time.time() - started) * 1000),
                         "connect_error": "%s %s:%s after %d ms: %s" % (
                             "timed out connecting to" if code == "timeout" else "could not connect to", sockaddr[0], port,
                             int((time.time() - started) * 1000), exc)})
        return observed
    observed["connect_time_ms"] = int((time.time() - started) * 1000)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(client_cert, client_key)
    tls_started = time.time()
    try:
        tls = context.wrap_socket(sock, server_hostname=server_name or None)
    except (ssl.SSLError, OSError, socket.timeout) as exc:
        first = _peek(sock)
        sock.close()
        observed.update({"tls_error_code": classify_tls_error(exc, first), "tls_error": _tls_text(exc, first)})
        return observed
    observed["tls_time_ms"] = int((time.time() - tls_started) * 1000)
    observed["tls_version"] = tls.version()
    cipher = tls.cipher()
    observed["cipher"] = cipher[0] if cipher else None
    observed["chain_pem"] = _peer_chain(tls)
    if protocol_probe:
        observed["http_answer"] = _http_probe(tls, server_name or host, timeout)
    try:
        tls.close()
    except OSError:
        pass
    return observed


def _is_ip(host):
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except (OSError, ValueError):
        return False


def _peek(sock):
    try:
        sock.settimeout(0.5)
        return sock.recv(64, socket.MSG_PEEK)
    except (OSError, socket.timeout):
        return None


def _tls_text(exc, first):
    if first and first[:5] == b"HTTP/":
        return "the port answered in plain HTTP: %r" % first[:40]
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "no answer to the TLS handshake before the timeout"
    return "TLS handshake failed: %s" % exc


def _peer_chain(tls):
    ders = []
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is not None:
        try:
            ders = [c if isinstance(c, bytes) else c.public_bytes(getattr(ssl, "ENCODING_DER", 2)) for c in (getter() or [])]
        except (AttributeError, ValueError, ssl.SSLError):
            ders = []
    if not ders:
        leaf = tls.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    return [ssl.DER_cert_to_PEM_cert(der) for der in ders]


def _http_probe(tls, host, timeout):
    """Send an HTTP request line: a transport port stays silent or closes, an HTTP balancer answers ``HTTP/``."""
    try:
        tls.settimeout(min(timeout, 2.0))
        tls.sendall(("HEAD / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode("ascii"))
        data = tls.recv(64)
    except (OSError, ssl.SSLError, socket.timeout):
        return None
    if data[:5] == b"HTTP/":
        return data.split(b"\r\n", 1)[0].decode("latin-1")
    return None
