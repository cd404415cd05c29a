# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ECE and Elasticsearch clients: auth, retries, errors, TLS, pass-through, secrets."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import email.utils
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _http
from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import (
    CheckModeWriteError, backoff_delay, parse_retry_after)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, EceClient
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError, EsClient

API_KEY = "ZWNlLWtleS1pZDpzdXBlci1zZWNyZXQtZWNlLWtleQ=="
PASSWORD = "correct-horse-battery-staple"
ENCODED = "Y3Jvc3MtY2x1c3Rlci1rZXktaWQ6c2VjcmV0LWNyb3NzLWNsdXN0ZXI="


def ece(sleeps=None, **kwargs):
    kwargs.setdefault("api_key", API_KEY)
    return EceClient("https://coordinator.example:12443", sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
                     rand=lambda: 0.0, **kwargs)


# -- authentication and URLs ----------------------------------------------------------------------------------
def test_ece_api_key_header_and_prefix(fake_http):
    fake_http.add("GET", "/api/v1/platform", (200, {"version": "3.8.0"}))
    client = ece()
    assert client.get("/platform").body == {"version": "3.8.0"}
    sent = fake_http.requests[0]
    assert sent["headers"]["Authorization"] == "ApiKey " + API_KEY
    assert sent["url"] == "https://coordinator.example:12443/api/v1/platform"


def test_ece_url_with_prefix_is_not_doubled(fake_http):
    fake_http.add("GET", "/api/v1/platform", (200, {}))
    EceClient("https://c:12443/api/v1/", api_key=API_KEY).get("/platform")
    assert fake_http.requests[0]["path"] == "/api/v1/platform"


def test_ece_basic_auth(fake_http):
    fake_http.add("GET", "/api/v1/account", (200, {"id": "a"}))
    ece(api_key=None, username="admin", password=PASSWORD).get("/account")
    expected = "Basic " + base64.b64encode(("admin:" + PASSWORD).encode()).decode()
    assert fake_http.requests[0]["headers"]["Authorization"] == expected


def test_resource_version_header_exposed(fake_http):
    fake_http.add("GET", "/api/v1/deployments/d1", (200, {"id": "d1"}, {"x-cloud-resource-version": "17"}))
    response = ece().get("/deployments/d1")
    assert EceClient.resource_version(response) == "17"


# -- retries ----------------------------------------------------------------------------------------------------
def test_get_retried_on_503_with_exponential_backoff(fake_http):
    fake_http.add("GET", "/api/v1/platform", (503, "busy"), (502, "bad gateway"), (200, {"version": "3.8.0"}))
    sleeps = []
    client = ece(sleeps=sleeps, backoff=1.0)
    assert client.get("/platform").status == 200
    assert len(fake_http.requests) == 3
    # rand() == 0 -> jitter factor 0.5: 1.0 * 2**0 * 0.5, 1.0 * 2**1 * 0.5
    assert sleeps == [0.5, 1.0]


def test_jitter_stays_within_bounds():
    for value in (0.0, 0.3, 0.999):
        delay = backoff_delay(3, 1.0, 30.0, rand=lambda v=value: v)
        assert 2.0 <= delay < 4.0


def test_retry_after_seconds_is_honoured(fake_http):
    fake_http.add("GET", "/api/v1/platform", (429, "slow down", {"Retry-After": "7"}), (200, {}))
    sleeps = []
    ece(sleeps=sleeps, backoff=0.1).get("/platform")
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured(fake_http):
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    fake_http.add("GET", "/api/v1/platform", (503, "", {"Retry-After": when}), (200, {}))
    sleeps = []
    ece(sleeps=sleeps, backoff=0.1).get("/platform")
    assert 3.0 <= sleeps[0] <= 5.5


def test_retry_after_capped_by_backoff_max(fake_http):
    fake_http.add("GET", "/api/v1/platform", (503, "", {"Retry-After": "3600"}), (200, {}))
    sleeps = []
    ece(sleeps=sleeps, backoff_max=12.0).get("/platform")
    assert sleeps == [12.0]


def test_parse_retry_after_variants():
    assert parse_retry_after(None) is None
    assert parse_retry_after("  ") is None
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("nonsense") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412475.0) == pytest.approx(5.0)


def test_post_not_retried_on_503(fake_http):
    fake_http.add("POST", "/api/v1/deployments/traffic-filter/rulesets", (503, "unavailable"), (201, {"id": "x"}))
    with pytest.raises(EceApiError) as err:
        ece().post("/deployments/traffic-filter/rulesets", json_body={"name": "n"})
    assert err.value.status == 503
    assert len(fake_http.requests) == 1


def test_post_retried_on_429(fake_http):
    fake_http.add("POST", "/api/v1/deployments/traffic-filter/rulesets", (429, "", {"Retry-After": "1"}), (201, {"id": "x"}))
    sleeps = []
    assert ece(sleeps=sleeps).post("/deployments/traffic-filter/rulesets", json_body={}).body == {"id": "x"}
    assert len(fake_http.requests) == 2 and sleeps == [1.0]


def test_post_retried_when_connection_never_established(fake_http):
    refused = requests.exceptions.ConnectionError("HTTPSConnectionPool: NewConnectionError: Connection refused")
    fake_http.add("POST", "/api/v1/deployments/traffic-filter/rulesets", refused, (201, {"id": "x"}))
    assert ece().post("/deployments/traffic-filter/rulesets", json_body={}).status == 201
    assert len(fake_http.requests) == 2


def test_post_not_retried_after_read_timeout(fake_http):
    fake_http.add("POST", "/api/v1/deployments/traffic-filter/rulesets", requests.exceptions.ReadTimeout("read timed out"),
                  (201, {"id": "x"}))
    with pytest.raises(EceApiError) as err:
        ece().post("/deployments/traffic-filter/rulesets", json_body={})
    assert len(fake_http.requests) == 1
    assert err.value.status is None and "no answer before the timeout" in str(err.value)


def test_patch_not_retried_on_502(fake_http):
    fake_http.add("PATCH", "/api/v1/deployments/d/elasticsearch/main/keystore", (502, "bad gateway"), (200, {}))
    with pytest.raises(EceApiError):
        ece().patch("/deployments/d/elasticsearch/main/keystore", json_body={"secrets": {}})
    assert len(fake_http.requests) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_methods_retried_after_read_timeout(fake_http, method):
    fake_http.add(method, "/api/v1/x", requests.exceptions.ReadTimeout("timed out"), (200, {}))
    assert ece().request(method, "/x").status == 200
    assert len(fake_http.requests) == 2


def test_retries_exhausted_raise_with_status(fake_http):
    fake_http.add("GET", "/api/v1/platform", (503, {"errors": [{"code": "root.unavailable", "message": "try later"}]}))
    with pytest.raises(EceApiError) as err:
        ece(retries=2).get("/platform")
    assert len(fake_http.requests) == 3
    assert err.value.status == 503 and err.value.retryable


def test_zero_retries(fake_http):
    fake_http.add("GET", "/api/v1/platform", (504, ""))
    with pytest.raises(EceApiError):
        ece(retries=0).get("/platform")
    assert len(fake_http.requests) == 1


# -- error parsing ----------------------------------------------------------------------------------------------
def test_ece_basic_failed_reply_parsed(fake_http):
    body = {"errors": [{"code": "deployments.deployment_not_found", "message": "No Deployment with id [abc] could be found",
                        "fields": ["deployment_id"]}]}
    fake_http.add("GET", "/api/v1/deployments/abc", (404, body, {"x-cloud-error-codes": "deployments.deployment_not_found"}))
    with pytest.raises(EceApiError) as err:
        ece().get("/deployments/abc")
    exc = err.value
    assert exc.status == 404 and exc.code == "deployments.deployment_not_found"
    assert exc.method == "GET" and exc.path == "/deployments/abc"
    assert "No Deployment with id [abc] could be found" in str(exc)
    assert "ECE API GET /deployments/abc answered HTTP 404 [deployments.deployment_not_found]" in str(exc)
    assert exc.fields == ["deployment_id"] and exc.codes == ["deployments.deployment_not_found"]
    assert exc.to_result()["code"] == "deployments.deployment_not_found"


def test_ece_multiple_errors_joined(fake_http):
    body = {"errors": [{"code": "a.one", "message": "first"}, {"code": "a.two", "message": "second"}]}
    fake_http.add("PUT", "/api/v1/x", (400, body))
    with pytest.raises(EceApiError) as err:
        ece().put("/x", json_body={})
    assert "first; second" in str(err.value) and err.value.code == "a.one"


def test_ece_non_json_error(fake_http):
    fake_http.add("GET", "/api/v1/x", (502, "<html>Bad Gateway</html>"))
    with pytest.raises(EceApiError) as err:
        ece(retries=0).get("/x")
    assert "Bad Gateway" in str(err.value)


def test_missing_ok_returns_404(fake_http):
    fake_http.add("GET", "/api/v1/platform/configuration/networking/deployment_domain_name",
                  (404, {"errors": [{"code": "networking.cname.not_found", "message": "not set"}]}))
    assert ece().get("/platform/configuration/networking/deployment_domain_name", missing_ok=True).status == 404


def es_direct(**kwargs):
    kwargs.setdefault("username", "elastic")
    kwargs.setdefault("password", PASSWORD)
    return EsClient(url="https://es.example:9243", sleep=lambda s: None, **kwargs)


def test_es_error_object_parsed(fake_http):
    body = {"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": "persistent setting [cluster.remote.a.foo], not recognized"}],
                      "type": "illegal_argument_exception", "reason": "persistent setting [cluster.remote.a.foo], not recognized"},
            "status": 400}
    fake_http.add("PUT", "/_cluster/settings", (400, body))
    with pytest.raises(EsApiError) as err:
        es_direct().put("/_cluster/settings", json_body={"persistent": {"cluster.remote.a.foo": 1}})
    exc = err.value
    assert exc.error_type == "illegal_argument_exception" and exc.code == "illegal_argument_exception"
    assert exc.reason == "persistent setting [cluster.remote.a.foo], not recognized"
    assert exc.root_cause[0]["type"] == "illegal_argument_exception"
    assert "Elasticsearch PUT /_cluster/settings answered HTTP 400" in str(exc)


def test_es_caused_by_included(fake_http):
    body = {"error": {"type": "status_exception", "reason": "error while executing search",
                      "caused_by": {"type": "connect_transport_exception", "reason": "[remote] connect_exception"}}, "status": 500}
    fake_http.add("GET", "/r:logs/_search", (500, body))
    with pytest.raises(EsApiError) as err:
        es_direct(retries=0).get("/r:logs/_search")
    assert "connect_transport_exception" in str(err.value)


def test_es_plain_string_error(fake_http):
    body = {"error": "no handler found for uri [/_nope] and method [GET]", "status": 400}
    fake_http.add("GET", "/_nope", (400, body))
    with pytest.raises(EsApiError) as err:
        es_direct().get("/_nope")
    assert "no handler found for uri [/_nope]" in str(err.value) and err.value.error_type is None


def test_es_basic_auth_and_version(fake_http):
    fake_http.add("GET", "/", (200, {"version": {"number": "8.15.1"}}))
    client = es_direct()
    assert client.version == "8.15.1"
    assert client.version == "8.15.1"
    assert len(fake_http.requests) == 1  # cached
    assert fake_http.requests[0]["headers"]["Authorization"].startswith("Basic ")


# -- ECE pass-through -------------------------------------------------------------------------------------------
def es_via(**kwargs):
    return EsClient(via_ece={"url": "https://coordinator:12443", "deployment_id": "d1", "ref_id": "main-elasticsearch"},
                    api_key=API_KEY, sleep=lambda s: None, **kwargs)


def test_pass_through_path_and_header(fake_http):
    path = "/api/v1/deployments/d1/elasticsearch/main-elasticsearch/proxy/_cluster/settings"
    fake_http.add("GET", path, (200, {"persistent": {}, "transient": {}}))
    assert es_via().get("/_cluster/settings").body == {"persistent": {}, "transient": {}}
    sent = fake_http.requests[0]
    assert sent["headers"]["X-Management-Request"] == "true"
    assert sent["headers"]["Authorization"] == "ApiKey " + API_KEY


def test_pass_through_unwraps_generic_response(fake_http):
    path = "/api/v1/deployments/d1/elasticsearch/main-elasticsearch/proxy/_remote/info"
    fake_http.add("GET", path, (200, {"value": json.dumps({"a": {"connected": True}})}))
    assert es_via().get("/_remote/info").body == {"a": {"connected": True}}


def test_pass_through_ece_error_shape(fake_http):
    path = "/api/v1/deployments/d1/elasticsearch/main-elasticsearch/proxy/_remote/info"
    fake_http.add("GET", path, (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "No Deployment with id [d1] could be found"}]}))
    with pytest.raises(EsApiError) as err:
        es_via().get("/_remote/info")
    assert err.value.code == "deployments.deployment_not_found"
    assert "No Deployment with id [d1]" in str(err.value)


def test_pass_through_ref_id_defaults_to_main(fake_http):
    fake_http.add("GET", "/api/v1/deployments/d%2F1/elasticsearch/_main/proxy/", (200, {}))
    EsClient(via_ece={"url": "https://c:12443/api/v1", "deployment_id": "d/1"}, api_key=API_KEY).get("/")
    assert fake_http.requests[0]["path"] == "/api/v1/deployments/d%2F1/elasticsearch/_main/proxy/"


# -- secrets ----------------------------------------------------------------------------------------------------
def test_secrets_never_in_exception_text(fake_http):
    echo = {"errors": [{"code": "root.unauthenticated", "message": "key %s and password %s rejected" % (API_KEY, PASSWORD)}]}
    fake_http.add("GET", "/api/v1/platform", (401, echo))
    with pytest.raises(EceApiError) as err:
        ece().get("/platform")
    text = str(err.value) + json.dumps(err.value.to_result())
    assert API_KEY not in text and "********" in text
    with pytest.raises(EceApiError) as err:
        ece(api_key=None, username="admin", password=PASSWORD).get("/platform")
    assert PASSWORD not in str(err.value) + json.dumps(err.value.to_result())


def test_registered_secret_scrubbed_from_es_error(fake_http):
    body = {"error": {"type": "illegal_argument_exception", "reason": "bad value [%s]" % ENCODED}, "status": 400}
    fake_http.add("PATCH", "/api/v1/deployments/d1/elasticsearch/main-elasticsearch/proxy/x", (400, body))
    client = es_via()
    client.add_secret(ENCODED)
    with pytest.raises(EsApiError) as err:
        client.patch("/x", json_body={"v": ENCODED})
    assert ENCODED not in str(err.value) + json.dumps(err.value.to_result())


def test_request_log_has_no_body_or_headers(fake_http):
    fake_http.add("PATCH", "/api/v1/deployments/d/elasticsearch/m/keystore", (200, {"secrets": {}}))
    client = ece()
    client.patch("/deployments/d/elasticsearch/m/keystore", json_body={"secrets": {"k": {"value": ENCODED}}})
    assert ENCODED not in json.dumps(client.calls) and API_KEY not in json.dumps(client.calls)


# -- check mode -------------------------------------------------------------------------------------------------
def test_read_only_client_refuses_writes(fake_http):
    fake_http.add("GET", "/api/v1/platform", (200, {}))
    fake_http.add("POST", "/api/v1/deployments/_search", (200, {"deployments": []}))
    client = ece(read_only=True)
    client.get("/platform")
    client.post("/deployments/_search", json_body={}, read=True)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(CheckModeWriteError):
            client.request(method, "/deployments/x")
    assert [r["method"] for r in fake_http.requests] == ["GET", "POST"]


# -- TLS against a real local HTTPS server ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress  # pylint: disable=import-outside-toplevel
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    ca_path = tmp / "ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path = tmp / "cert.pem"
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name
            body = json.dumps({"version": "3.8.0"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d" % server.server_address[1], str(ca_path)
    server.shutdown()


def test_tls_verification_on_by_default(https_server, monkeypatch):
    url = https_server[0]
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = EceClient(url, api_key=API_KEY, retries=0)
    with pytest.raises(EceApiError) as err:
        client.get("/platform")
    assert "TLS verification failed" in str(err.value) and "not trusted" in str(err.value)


def test_tls_ca_path_accepted(https_server):
    url, ca_path = https_server
    assert EceClient(url, api_key=API_KEY, ca_path=ca_path).get("/platform").body == {"version": "3.8.0"}


def test_tls_validate_certs_false(https_server):
    url = https_server[0]
    assert EceClient(url, api_key=API_KEY, validate_certs=False).get("/platform").status == 200


def test_connection_refused_is_clear():
    client = EceClient("https://127.0.0.1:1", api_key=API_KEY, retries=1, sleep=lambda s: None)
    with pytest.raises(EceApiError) as err:
        client.get("/platform")
    assert "connection refused" in str(err.value) and err.value.status is None
    assert API_KEY not in str(err.value)


def test_http_module_exports_retry_statuses():
    assert _http.RETRY_STATUSES == frozenset((429, 502, 503, 504))


def test_pass_through_info_comes_from_ece_resource(fake_http):
    resource = {"ref_id": "main-elasticsearch", "info": {"cluster_id": "c0ffee", "plan_info": {"current": {"plan": {
        "elasticsearch": {"version": "9.1.3"}}}}}}
    fake_http.add("GET", "/api/v1/deployments/d1/elasticsearch/main-elasticsearch", (200, resource))
    client = es_via()
    assert client.version == "9.1.3"
    assert client.info()["cluster_name"] == "c0ffee"
    assert [r["path"] for r in fake_http.requests] == ["/api/v1/deployments/d1/elasticsearch/main-elasticsearch"]
    assert fake_http.requests[0]["headers"]["Authorization"] == "ApiKey " + API_KEY
