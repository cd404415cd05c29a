# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_environment_info module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _certs
from ansible_collections.eceops.remote_clusters.plugins.modules import ece_environment_info as module

API = "/api/v1"
CONN = {"ece_url": "https://ece.example.com:12443", "ece_api_key": "s3cret-api-key-value"}
ACCOUNT = "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b"
INSTALLATION = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def issue(cn, issuer=None, ca=True):
    """``(pem, fingerprint, (cert, key))``: a CA (self-signed without issuer) or a leaf signed by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    signer_cert, signer_key = issuer if issuer else (None, key)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(signer_cert.subject if signer_cert else name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), cert.fingerprint(hashes.SHA256()).hex(), (cert, key)


ENV_CA, ENV_FP, ENV_PAIR = issue("env-ca")
OTHER_CA, OTHER_FP, OTHER_PAIR = issue("other-env-ca")
PROXY_ROOT, ROOT_FP, ROOT_PAIR = issue("proxy-root")
PROXY_LEAF, LEAF_FP, LEAF_PAIR = issue("*.ece.example.com", issuer=ROOT_PAIR, ca=False)

RELATIONSHIPS = {"trust_relationships": [
    {"id": "local-id", "name": "Local", "trust_by_default": True, "account_ids": [ACCOUNT], "local": True,
     "installation_id": INSTALLATION, "last_modified": "2026-01-01T00:00:00Z", "public_ca_cert": ENV_CA},
    {"id": "rel-b", "name": "ece-b", "trust_by_default": False, "account_ids": ["b-account"], "local": False,
     "last_modified": "2026-01-01T00:00:00Z", "public_ca_cert": OTHER_CA}]}


def routes(fake_http, domain=(200, {"value": "ece.example.com"}), account_id=ACCOUNT):
    fake_http.add("GET", API + "/platform", (200, {"version": "3.8.0", "services": [], "regions": []}))
    fake_http.add("GET", API + "/account", (200, {"id": account_id, "trust": {"trust_all": True}}))
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, RELATIONSHIPS))
    fake_http.add("GET", API + "/platform/configuration/security/tls/proxy",
                  (200, {"user_supplied": False, "chain": [PROXY_LEAF, PROXY_ROOT]}))
    fake_http.add("GET", API + "/platform/configuration/networking/deployment_domain_name", domain)


def test_everything_by_default(fake_http, run):
    routes(fake_http)
    env = run(module, dict(CONN))["environment"]
    assert env["ece_version"] == "3.8.0"
    assert env["account_id"] == ACCOUNT
    assert env["environment_id"] == ACCOUNT and env["environment_id_source"] == "account_id"
    assert env["installation_id"] == INSTALLATION
    assert env["ca_certificate"] == ENV_CA and env["ca_fingerprint"] == ENV_FP
    assert env["local_trust_relationship"]["id"] == "local-id" and "public_ca_cert" not in env["local_trust_relationship"]
    assert env["trust_relationships"] == [{"id": "rel-b", "name": "ece-b", "trust_by_default": False, "account_ids": ["b-account"],
                                           "local": False, "last_modified": "2026-01-01T00:00:00Z", "ca_fingerprint": OTHER_FP}]
    assert env["proxy_chain"] == [PROXY_LEAF, PROXY_ROOT]
    assert env["proxy_root_ca"] == PROXY_ROOT and env["proxy_root_ca_fingerprint"] == ROOT_FP
    assert env["proxy_chain_user_supplied"] is False
    assert env["deployment_domain_name"] == "ece.example.com"
    assert fake_http.writes == []
    trust_request = [r for r in fake_http.requests if r["path"].endswith("/trust-relationships")][0]
    assert trust_request["url"].endswith("?include_certificate=true")


def test_installation_id_source(fake_http, run):
    routes(fake_http)
    env = run(module, dict(CONN, environment_id_source="installation_id"))["environment"]
    assert env["environment_id"] == INSTALLATION and env["environment_id_source"] == "installation_id"


def test_account_id_falls_back_to_the_local_relationship(fake_http, run):
    routes(fake_http)
    env = run(module, dict(CONN, gather_subset=["trust_relationships"]))["environment"]
    assert env["account_id"] == ACCOUNT and env["environment_id"] == ACCOUNT
    assert "ece_version" not in env and "proxy_chain" not in env
    assert [r["path"] for r in fake_http.requests] == [API + "/platform/configuration/trust-relationships"]


def test_subset_reads_only_its_parts(fake_http, run):
    routes(fake_http)
    env = run(module, dict(CONN, gather_subset=["platform", "domain"]))["environment"]
    assert set(env) == {"environment_id_source", "ece_version", "deployment_domain_name", "environment_id"}
    assert env["environment_id"] is None
    assert len(fake_http.requests) == 2


def test_missing_domain_is_null(fake_http, run):
    routes(fake_http, domain=(404, {"errors": [{"code": "networking.cname.not_found", "message": "not set"}]}))
    env = run(module, dict(CONN, gather_subset=["domain"]))["environment"]
    assert env["deployment_domain_name"] is None


def test_root_is_the_self_signed_certificate_even_if_not_last(fake_http, run):
    routes(fake_http)
    fake_http.add("GET", API + "/platform/configuration/security/tls/proxy",
                  (200, {"user_supplied": True, "chain": [PROXY_LEAF, PROXY_ROOT + OTHER_CA]}))
    env = run(module, dict(CONN, gather_subset=["proxy_certificate"]))["environment"]
    assert env["proxy_root_ca"] == OTHER_CA and env["proxy_root_ca_fingerprint"] == OTHER_FP
    assert env["proxy_chain_user_supplied"] is True


def test_empty_proxy_chain(fake_http, run):
    routes(fake_http)
    fake_http.add("GET", API + "/platform/configuration/security/tls/proxy", (200, {"user_supplied": False, "chain": []}))
    env = run(module, dict(CONN, gather_subset=["proxy_certificate"]))["environment"]
    assert env["proxy_chain"] == [] and env["proxy_root_ca"] is None and env["proxy_root_ca_fingerprint"] is None


def test_fingerprints_without_the_cryptography_library(fake_http, run, monkeypatch):
    monkeypatch.setattr(_certs, "HAS_CRYPTOGRAPHY", False)
    routes(fake_http)
    env = run(module, dict(CONN))["environment"]
    assert env["ca_fingerprint"] == ENV_FP
    assert env["trust_relationships"][0]["ca_fingerprint"] == OTHER_FP
    assert env["proxy_root_ca"] == PROXY_ROOT and env["proxy_root_ca_fingerprint"] == ROOT_FP


def test_unreadable_certificate_gives_a_null_fingerprint(fake_http, run):
    routes(fake_http)
    broken = json.loads(json.dumps(RELATIONSHIPS))
    broken["trust_relationships"][1]["public_ca_cert"] = "garbage"
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, broken))
    env = run(module, dict(CONN, gather_subset=["trust_relationships"]))["environment"]
    assert env["trust_relationships"][0]["ca_fingerprint"] is None


def test_check_mode_reads_the_same(fake_http, run):
    routes(fake_http)
    result = run(module, dict(CONN), check=True)
    assert result["changed"] is False and result["environment"]["environment_id"] == ACCOUNT
    assert fake_http.writes == []


@pytest.mark.parametrize("status,code,text", [(401, "root.unauthenticated", "The supplied authentication is invalid"),
                                              (403, "root.unauthorized.rbac", "The current user does not have the required role")])
def test_api_errors_fail_with_the_api_text_and_no_secret(fake_http, run, status, code, text):
    fake_http.add("GET", API + "/platform", (status, {"errors": [{"code": code, "message": text}]}))
    result = run(module, dict(CONN))
    assert result["failed"] is True and text in result["msg"] and str(status) in result["msg"]
    assert result["api_error"]["code"] == code
    assert CONN["ece_api_key"] not in json.dumps(result)


def test_missing_credentials_fail_before_any_request(fake_http, run, monkeypatch):
    monkeypatch.delenv("ECE_API_KEY", raising=False)
    monkeypatch.delenv("ECE_USERNAME", raising=False)
    result = run(module, dict(ece_url=CONN["ece_url"]))
    assert result["failed"] is True and result["parameter"] == "ece_api_key"
    assert fake_http.requests == []


def test_invalid_subset_is_rejected(fake_http, run):
    result = run(module, dict(CONN, gather_subset=["nope"]))
    assert result["failed"] is True and "gather_subset" in result["msg"]
    assert fake_http.requests == []
