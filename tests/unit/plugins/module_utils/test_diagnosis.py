# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_diagnosis.py (verdict and diagnosis of a remote cluster)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._diagnosis import (
    CODES, CONNECTED, NOT_CONFIGURED, NOT_CONNECTED, address_port, classify_error, configured_address, diagnosis,
    is_connected, model_of, report, resolve_request, summarize)

EP = "a542184a7a7d45b88b83f95392f450ab.ece-b.lab"
PREFIX = "failed to open any proxy connections to cluster [logs]: "


def proxy_info(port=9443, connected=False, credentials=True, server_name=EP, sockets=0):
    info = {"mode": "proxy", "connected": connected, "proxy_address": "%s:%d" % (EP, port), "server_name": server_name,
            "num_proxy_sockets_connected": sockets, "max_proxy_socket_connections": 18, "initial_connect_timeout": "30s",
            "skip_unavailable": True}
    if credentials:
        info["cluster_credentials"] = "::es_redacted::"
    return info


def failed(error):
    return {"connected": False, "skip_unavailable": True, "error": error}


# Error texts of the troubleshooting guide (scenarios.md section 5, es-api.md section 3) and of the lab that mirrors them.
F_TEXTS = [
    ("F1 refused", PREFIX + "org.elasticsearch.transport.ConnectTransportException: [][127.0.0.12:9443] connect_exception; "
     "nested: java.net.ConnectException: Connection refused", "unreachable"),
    ("F1 timeout", PREFIX + "org.elasticsearch.transport.ConnectTransportException: [][127.0.0.12:9443] connect_timeout[30s]",
     "connect_timeout"),
    ("F2 closed", PREFIX + "transport connection to [127.0.0.12:9443] closed by remote", "connection_closed"),
    ("F2 handshake", PREFIX + "io.netty.handler.ssl.SslHandshakeTimeoutException: handshake timed out after 10000ms",
     "handshake_timeout"),
    ("F3 PKIX", PREFIX + "failed to establish trust with server at [%s]; the server provided a certificate with subject name "
     "[CN=*.ece-b.lab]: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find "
     "valid certification path to requested target" % EP, "certificate_not_trusted"),
    ("F3 remote log", "client did not trust this server's certificate, closing connection", "certificate_not_trusted"),
    ("F3 hostname", PREFIX + "failed to establish trust with server at [%s]; the certificate does not match the host name "
     "[other.lab]: java.security.cert.CertificateException: No subject alternative DNS name matching other.lab found." % EP,
     "hostname_mismatch"),
    ("F3 expired", PREFIX + "failed to establish trust with server at [x]; the certificate is valid between [a] and [b] "
     "(current time is [c], the certificate has expired)", "certificate_expired"),
    ("F4 profile", "requires channel profile to be [_remote_cluster], but got [default]", "wrong_port_api_key"),
    ("F4 missing", "missing authentication credentials for action [cluster:internal/remote_cluster/handshake]",
     "wrong_port_api_key"),
    ("F4 anonymous", "action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with "
     "effective roles []", "wrong_port_api_key"),
    ("F5", PREFIX + "Cross cluster requests through the dedicated remote cluster server port require transport header "
     "[_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials",
     "credentials_missing"),
    ("F6", "authentication expected API key type of [cross_cluster], but API key [abc] has type [rest]", "rest_api_key"),
    ("F7 local", PREFIX + "unable to authenticate user [VuaCfGcBCdbkQm-e5aOx] for action "
     "[cluster:internal/remote_cluster/handshake]; remote: Authentication using apikey failed - api key "
     "[VuaCfGcBCdbkQm-e5aOx] has been invalidated", "invalid_api_key"),
    ("F7 remote", "Authentication using apikey failed - invalid credentials for API key [abc]", "invalid_api_key"),
    ("F7 expired", "unable to authenticate user [k] for action [cluster:internal/remote_cluster/handshake]; remote: "
     "Authentication using apikey failed - api key is expired", "expired_api_key"),
    ("F8", "action [indices:data/read/search] towards remote cluster is unauthorized for user [foo] with assigned roles "
     "[r] authenticated by API key id [k] of user [elastic] on indices [x], this action is granted by the index privileges "
     "[read,all]", "unauthorized"),
    ("F9", "action [indices:admin/resolve/cluster] towards remote cluster [logs] is unauthorized for user [foo] with "
     "effective roles [r] because no remote indices privileges apply for the target cluster", "no_remote_indices"),
    ("F14 filter", PREFIX + "handshake failed with [127.0.0.12:9443]: 403 Forbidden", "filtered"),
    ("F15", PREFIX + "java.net.UnknownHostException: nowhere.lab: Name or service not known", "unknown_host"),
    ("F18", "unable to authenticate user for action [cluster:internal/remote_cluster/handshake] on nodes [n2]: the secure "
     "setting [cluster.remote.logs.credentials] differs between the keystores of the nodes of [sm]", "keystore_inconsistent"),
    ("R1 version", PREFIX + "Received message from unsupported version: [7.17.28] minimal compatible version is: [8.18.0]",
     "incompatible_version"),
    ("R2", "the API key based security model for remote clusters requires version [8.14.0] or later on both clusters, but "
     "the remote cluster runs [8.13.4]", "api_key_model_version"),
    ("R3 L7", PREFIX + "java.io.StreamCorruptedException: received HTTP response on transport port, ensure that transport "
     "port (not HTTP port) of a remote node is specified in the configuration", "wrong_protocol"),
    ("R3 plain", "io.netty.handler.ssl.NotSslRecordException: not an SSL/TLS record", "wrong_protocol"),
    ("R12 SNI", PREFIX + "javax.net.ssl.SSLHandshakeException: Received fatal alert: unrecognized_name", "sni_not_routable"),
    ("R10 licence", "current license is non-compliant for [advanced-remote-cluster-security]", "license"),
    ("TLS off", "transport connection to [x] closed by remote; remote: received plaintext traffic on an encrypted channel, "
     "closing connection", "tls_client_disabled"),
    ("not configured", "no such remote cluster: [logs]", "not_configured"),
]


@pytest.mark.parametrize("label, text, code", F_TEXTS, ids=[t[0] for t in F_TEXTS])
def test_classify_error_recognises_the_documented_texts(label, text, code):
    assert classify_error(text) == code, label


def test_classify_error_unknown_and_empty():
    assert classify_error("something odd happened") == "unknown"
    assert classify_error(None) is None
    assert classify_error("") is None


@pytest.mark.parametrize("model, port, code", [
    ("api_key", 9400, "wrong_port_api_key"),        # F4: API key model against the TLS-model port
    ("api_key", 9300, "wrong_port_api_key"),
    ("certificate", 9443, "credentials_missing"),    # F5: no credentials against the remote cluster server port
    ("api_key", 9443, "certificate_not_trusted"),    # F3 proper
    ("certificate", 9400, "certificate_not_trusted"),
])
def test_trust_failures_are_refined_by_model_and_port(model, port, code):
    text = "failed to establish trust with server at [x]; PKIX path building failed"
    assert classify_error(text, model=model, port=port) == code


def test_client_certificate_alerts():
    assert classify_error("Received fatal alert: bad_certificate", model="certificate", port=9400) == "not_trusted_by_remote"
    assert classify_error("Received fatal alert: bad_certificate", model="api_key", port=9400) == "wrong_port_api_key"


def test_every_code_has_a_summary_and_a_fix():
    for code in CODES:
        result = diagnosis(code, "logs", address="%s:9443" % EP, server_name=EP, model="api_key", error="boom")
        assert result["code"] == code
        assert result["summary"]
        if code != "connected":
            assert result["fix"], code
        assert result["reference"] == CODES[code][0]


def test_diagnosis_rejects_unknown_codes():
    with pytest.raises(ValueError):
        diagnosis("nope", "logs")


def test_helpers():
    assert address_port("h:9443") == 9443
    assert address_port("[2001:db8::1]:9400") == 9400
    assert address_port("[2001:db8::1]") is None
    assert address_port("nohost") is None
    assert address_port(None) is None
    assert configured_address({"seeds": ["a:9300", "b:9300"]}) == "a:9300"
    assert configured_address({}) is None
    assert model_of(None) is None
    assert model_of({"cluster_credentials": "::es_redacted::"}) == "api_key"
    assert model_of({"connected": True}) == "certificate"


# ------------------------------------------------------------------------------------------ resolve_request

@pytest.mark.parametrize("version, expected", [
    ("8.12.2", None),
    ("8.13.4", ("/_resolve/cluster/logs:*,metrics:*", {})),
    ("8.17.0", ("/_resolve/cluster/logs:*,metrics:*", {})),
    ("8.18.0", ("/_resolve/cluster", {"timeout": "10s"})),
    ("9.1.3", ("/_resolve/cluster", {"timeout": "10s"})),
])
def test_resolve_request_by_version(version, expected):
    assert resolve_request(version, ["logs", "metrics"], "10s") == expected


def test_resolve_request_without_aliases_or_version():
    assert resolve_request("9.1.3", []) is None
    assert resolve_request(None, ["a"]) is None
    assert resolve_request("garbage", ["a"]) is None
    assert resolve_request("9.1.3", ["a"]) == ("/_resolve/cluster", {})


# ------------------------------------------------------------------------------------------ report

def test_report_connected_api_key_model():
    info = proxy_info(connected=True, sockets=18)
    resolve = {"connected": True, "skip_unavailable": True, "version": {"number": "9.1.3"}}
    out = report("logs", info, resolve, local_version="9.1.3")
    assert out["verdict"] == CONNECTED
    assert out["connected"] is True
    assert out["model"] == "api_key"
    assert out["remote_version"] == "9.1.3"
    assert out["sockets_connected"] == 18 and out["sockets_max"] == 18
    assert out["diagnosis"]["code"] == "connected"
    assert "API key model" in out["diagnosis"]["summary"]
    assert out["diagnosis"]["fix"] is None
    assert out["notes"] == []


def test_report_connected_certificate_model_on_9x_notes_the_deprecation():
    info = proxy_info(port=9400, connected=True, credentials=False, sockets=18)
    out = report("logs", info, None, local_version="9.1.3")
    assert out["verdict"] == CONNECTED and out["model"] == "certificate"
    assert any("deprecated" in note for note in out["notes"])


def test_report_connected_but_unsupported_ccs_pair_is_noted():
    info = proxy_info(connected=True)
    out = report("logs", info, {"connected": True, "version": {"number": "8.19.4"}}, local_version="9.1.3")
    assert out["verdict"] == CONNECTED
    assert any("not a supported cross-cluster search configuration" in note for note in out["notes"])


def test_report_not_configured():
    out = report("nope", None, None)
    assert out["verdict"] == NOT_CONFIGURED
    assert out["configured"] is False
    assert out["diagnosis"]["code"] == "not_configured"
    assert "es_remote_cluster" in out["diagnosis"]["fix"]


def test_report_credentials_missing_from_the_error():
    error = PREFIX + "Cross cluster requests through the dedicated remote cluster server port require transport header " \
        "[_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials"
    out = report("logs", proxy_info(credentials=False), failed(error), local_version="9.1.3")
    assert out["verdict"] == NOT_CONNECTED
    assert out["model"] == "certificate"
    diag = out["diagnosis"]
    assert diag["code"] == "credentials_missing" and diag["reference"] == "F5"
    assert "cluster.remote.logs.credentials" in diag["fix"]
    assert diag["error"] == error


def test_report_credentials_missing_from_port_alone():
    """No resolve (or before 8.13): the certificate model against 9443 cannot work."""
    out = report("logs", proxy_info(credentials=False), None, local_version="8.12.0", resolve_supported=False)
    assert out["diagnosis"]["code"] == "credentials_missing"


def test_report_wrong_port_from_port_alone():
    out = report("logs", proxy_info(port=9400, credentials=True), None, local_version="9.1.3")
    assert out["diagnosis"]["code"] == "wrong_port_api_key"
    assert "%s:9443" % EP in out["diagnosis"]["fix"]


def test_report_credentials_stored_but_not_loaded():
    out = report("logs", proxy_info(credentials=False), failed("... [_cross_cluster_access_credentials] but none found."),
                 keystore_names=["cluster.remote.logs.credentials"])
    assert out["diagnosis"]["code"] == "credentials_not_loaded"


def test_report_credentials_under_another_alias():
    out = report("logs", proxy_info(credentials=False), failed("... [_cross_cluster_access_credentials] but none found."),
                 keystore_names=["cluster.remote.Logs.credentials", "other.setting"])
    diag = out["diagnosis"]
    assert diag["code"] == "credentials_alias_mismatch"
    assert "[Logs]" in diag["summary"]


def test_report_credentials_of_another_configured_alias_are_not_a_mismatch():
    out = report("logs", proxy_info(credentials=False), failed("... [_cross_cluster_access_credentials] but none found."),
                 keystore_names=["cluster.remote.other.credentials"], configured_aliases=["logs", "other"])
    assert out["diagnosis"]["code"] == "credentials_missing"
    out = report("logs", proxy_info(credentials=False), failed("... [_cross_cluster_access_credentials] but none found."),
                 keystore_names=["cluster.remote.other.credentials", "cluster.remote.orphan.credentials"],
                 configured_aliases=["logs", "other"])
    assert out["diagnosis"]["code"] == "credentials_alias_mismatch"
    assert "[orphan]" in out["diagnosis"]["summary"] and "other" not in out["diagnosis"]["summary"]


def test_report_credentials_missing_with_empty_keystore():
    out = report("logs", proxy_info(credentials=False), failed("... [_cross_cluster_access_credentials] but none found."),
                 keystore_names=[])
    assert out["diagnosis"]["code"] == "credentials_missing"


def test_report_invalid_key_names_the_key():
    error = PREFIX + "unable to authenticate user [VuaCfGcBCdbkQm-e5aOx] for action [cluster:internal/remote_cluster/handshake]"
    out = report("logs", proxy_info(), failed(error))
    assert out["diagnosis"]["code"] == "invalid_api_key"
    assert "[VuaCfGcBCdbkQm-e5aOx]" in out["diagnosis"]["summary"]
    assert "rotated" in out["diagnosis"]["fix"]


def test_report_unknown_error_passes_through_verbatim():
    out = report("logs", proxy_info(), failed("the flux capacitor is empty"))
    assert out["diagnosis"]["code"] == "unknown"
    assert out["diagnosis"]["summary"] == "the flux capacitor is empty"
    assert out["diagnosis"]["error"] == "the flux capacitor is empty"


def test_report_not_connected_without_any_error():
    out = report("logs", proxy_info(port=9443, credentials=True), None, local_version="9.1.3")
    assert out["diagnosis"]["code"] == "not_connected"
    assert "resolve" in out["diagnosis"]["fix"]
    old = report("logs", proxy_info(port=9443, credentials=True), None, local_version="8.12.0", resolve_supported=False)
    assert "before 8.13" in old["diagnosis"]["summary"]


def test_report_sniff_unreachable_suggests_proxy_mode():
    info = {"mode": "sniff", "connected": False, "seeds": ["10.0.0.1:9300"], "num_nodes_connected": 0,
            "max_connections_per_cluster": 3, "skip_unavailable": False}
    out = report("dc2", info, failed("connect_exception; nested: java.net.ConnectException: Connection refused"))
    assert out["diagnosis"]["code"] == "unreachable"
    assert "mode proxy" in out["diagnosis"]["fix"]
    assert out["seeds"] == ["10.0.0.1:9300"]
    assert out["sockets_max"] == 3


def test_report_privilege_error_with_open_connection_is_connected():
    error = "action [indices:admin/resolve/cluster] towards remote cluster [logs] is unauthorized for user [u] because no " \
            "remote indices privileges apply for the target cluster"
    out = report("logs", proxy_info(connected=True), failed(error))
    assert out["verdict"] == CONNECTED
    assert out["diagnosis"]["code"] == "no_remote_indices"
    assert is_connected(proxy_info(connected=False), failed(error)) is False


def test_report_resolve_says_connected_although_remote_info_lags():
    assert is_connected(proxy_info(connected=False), {"connected": True}) is True
    assert is_connected(proxy_info(connected=True), None) is True
    assert is_connected(None, None) is False


def test_summarize_lists_only_the_problems():
    good = report("a", proxy_info(connected=True), {"connected": True})
    bad = report("b", proxy_info(credentials=False), failed("[_cross_cluster_access_credentials] but none found"))
    text = summarize([good, bad])
    assert text.startswith("b: ")
    assert "Fix: " in text
    assert "a: " not in text
