# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_trust_relationship module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_trust_relationship as module

API = "/api/v1"
BASE = API + "/platform/configuration/trust-relationships"
CONN = {"ece_url": "https://ece.example.com:12443", "ece_api_key": "s3cret-api-key-value"}


def make_ca(cn):
    """A self-signed CA certificate in PEM and its SHA-256 fingerprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), cert.fingerprint(hashes.SHA256()).hex()


CA_LOCAL, FP_LOCAL = make_ca("local-env")
CA_B, FP_B = make_ca("env-b")
CA_C, FP_C = make_ca("env-c")

LOCAL = {"id": "local-id", "name": "Local environment", "trust_by_default": True, "account_ids": ["acc-a"], "local": True,
         "installation_id": "inst-a", "last_modified": "2026-01-01T00:00:00Z", "public_ca_cert": CA_LOCAL}
REL_B = {"id": "rel-b", "name": "ece-b", "trust_by_default": False, "account_ids": ["acc-b"], "local": False,
         "last_modified": "2026-01-01T00:00:00Z", "public_ca_cert": CA_B}


def listing(fake_http, *relationships):
    fake_http.add("GET", BASE, (200, {"trust_relationships": list(relationships)}))


def test_create_posts_only_given_fields_and_returns_no_pem(fake_http, run):
    listing(fake_http, LOCAL)
    fake_http.add("POST", BASE, (201, {"id": "rel-b", "name": "ece-b", "trust_by_default": False, "account_ids": ["acc-b"],
                                       "local": False}))
    fake_http.add("GET", BASE + "/rel-b", (200, REL_B, {"x-cloud-resource-version": "1"}))
    result = run(module, dict(CONN, name="ece-b", public_ca_cert=CA_B, account_ids=["acc-b"]))
    assert result["changed"] is True
    post = fake_http.writes[0]
    assert json.loads(post["body"]) == {"name": "ece-b", "public_ca_cert": CA_B, "account_ids": ["acc-b"]}
    rel = result["trust_relationship"]
    assert rel["id"] == "rel-b" and rel["ca_fingerprint"] == FP_B and rel["ca_fingerprints"] == [FP_B]
    assert "public_ca_cert" not in rel and "BEGIN CERTIFICATE" not in json.dumps(result)
    assert "include_certificate=true" in fake_http.requests[0]["url"]


def test_equal_sends_no_write_even_with_reformatted_pem(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    reformatted = "\r\n".join("  " + line for line in CA_B.strip().splitlines()) + "\r\n"
    result = run(module, dict(CONN, name="ece-b", public_ca_cert=reformatted, account_ids=["acc-b"], trust_by_default=False))
    assert result["changed"] is False
    assert fake_http.writes == []
    assert result["trust_relationship"]["id"] == "rel-b"


def test_update_sends_only_the_fields_that_differ(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    fake_http.add("PUT", BASE + "/rel-b", (200, {"id": "rel-b", "name": "ece-b", "trust_by_default": True, "local": False}))
    fake_http.add("GET", BASE + "/rel-b", (200, dict(REL_B, trust_by_default=True, public_ca_cert=CA_C)))
    result = run(module, dict(CONN, name="ece-b", public_ca_cert=CA_C, account_ids=["acc-b"], trust_by_default=True), diff=True)
    assert result["changed"] is True
    assert json.loads(fake_http.writes[0]["body"]) == {"trust_by_default": True, "public_ca_cert": CA_C}
    assert result["diff"]["before"]["ca_fingerprints"] == [FP_B]
    assert result["diff"]["after"]["ca_fingerprints"] == [FP_C]
    assert "BEGIN CERTIFICATE" not in json.dumps(result["diff"])
    assert result["trust_relationship"]["trust_by_default"] is True


def test_account_ids_compare_as_sets(fake_http, run):
    listing(fake_http, dict(REL_B, account_ids=["x", "y"]))
    result = run(module, dict(CONN, name="ece-b", account_ids=["y", "x", "x"]))
    assert result["changed"] is False and fake_http.writes == []


def test_rename_by_id(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    fake_http.add("PUT", BASE + "/rel-b", (200, {"id": "rel-b", "name": "ece-dc2", "trust_by_default": False, "local": False}))
    fake_http.add("GET", BASE + "/rel-b", (200, dict(REL_B, name="ece-dc2")))
    result = run(module, dict(CONN, id="rel-b", name="ece-dc2"))
    assert json.loads(fake_http.writes[0]["body"]) == {"name": "ece-dc2"}
    assert result["trust_relationship"]["name"] == "ece-dc2"


def test_delete_sends_the_integer_version(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    fake_http.add("GET", BASE + "/rel-b", (200, REL_B, {"x-cloud-resource-version": "3"}))
    fake_http.add("DELETE", BASE + "/rel-b", (200, {}))
    result = run(module, dict(CONN, name="ece-b", state="absent"), diff=True)
    assert result["changed"] is True
    assert fake_http.writes[0]["method"] == "DELETE" and fake_http.writes[0]["url"].endswith("?version=3")
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == "ece-b"
    assert result["trust_relationship"] == {}


def test_absent_when_missing_is_unchanged(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, name="ece-b", state="absent"))
    assert result["changed"] is False and fake_http.writes == []


@pytest.mark.parametrize("args,relationships", [
    (dict(name="ece-b", public_ca_cert=CA_B), (LOCAL,)),                       # create
    (dict(name="ece-b", trust_by_default=True), (LOCAL, REL_B)),               # update
    (dict(name="ece-b", state="absent"), (LOCAL, REL_B)),                      # delete
])
def test_check_mode_never_writes(fake_http, run, args, relationships):
    listing(fake_http, *relationships)
    fake_http.add("GET", BASE + "/rel-b", (200, REL_B, {"x-cloud-resource-version": "1"}))
    result = run(module, dict(CONN, **args), check=True, diff=True)
    assert result["changed"] is True
    assert fake_http.writes == []


def test_check_mode_create_predicts_the_result(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, name="ece-b", public_ca_cert=CA_B), check=True)
    rel = result["trust_relationship"]
    assert rel["id"] is None and rel["name"] == "ece-b" and rel["ca_fingerprint"] == FP_B and rel["local"] is False


def test_local_cannot_be_deleted(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    result = run(module, dict(CONN, name="Local environment", state="absent"))
    assert result["failed"] is True and "cannot be deleted" in result["msg"]
    assert fake_http.writes == []


def test_local_cannot_be_renamed(fake_http, run):
    listing(fake_http, LOCAL, REL_B)
    result = run(module, dict(CONN, id="local-id", name="mine"))
    assert result["failed"] is True and result["parameter"] == "name" and "cannot be renamed" in result["msg"]
    assert fake_http.writes == []


def test_local_certificate_cannot_change_but_trust_by_default_can(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, id="local-id", public_ca_cert=CA_B))
    assert result["failed"] is True and result["parameter"] == "public_ca_cert"
    fake_http.add("PUT", BASE + "/local-id", (200, {"id": "local-id", "name": "Local environment", "trust_by_default": False,
                                                    "local": True}))
    fake_http.add("GET", BASE + "/local-id", (200, dict(LOCAL, trust_by_default=False)))
    result = run(module, dict(CONN, id="local-id", trust_by_default=False, public_ca_cert=CA_LOCAL))
    assert result["changed"] is True
    assert json.loads(fake_http.writes[-1]["body"]) == {"trust_by_default": False}


def test_local_is_readable(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, name="Local environment"))
    assert result["changed"] is False and result["trust_relationship"]["local"] is True
    assert result["trust_relationship"]["ca_fingerprint"] == FP_LOCAL


def test_malformed_pem_fails_before_any_request(fake_http, run):
    result = run(module, dict(CONN, name="ece-b", public_ca_cert="-----BEGIN CERTIFICATE-----\nAAAA\n"))
    assert result["failed"] is True and result["parameter"] == "public_ca_cert"
    assert "not a valid PEM certificate" in result["msg"]
    assert fake_http.requests == []


def test_create_needs_the_certificate(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, name="ece-b", account_ids=["x"]))
    assert result["failed"] is True and result["parameter"] == "public_ca_cert"
    assert fake_http.writes == []


def test_unknown_id_fails(fake_http, run):
    listing(fake_http, LOCAL)
    result = run(module, dict(CONN, id="nope", trust_by_default=True))
    assert result["failed"] is True and result["parameter"] == "id" and fake_http.writes == []


def test_ambiguous_name_fails(fake_http, run):
    listing(fake_http, REL_B, dict(REL_B, id="rel-b2"))
    result = run(module, dict(CONN, name="ece-b", trust_by_default=True))
    assert result["failed"] is True and "rel-b, rel-b2" in result["msg"] and fake_http.writes == []


def test_name_or_id_is_required(fake_http, run):
    result = run(module, dict(CONN, trust_by_default=True))
    assert result["failed"] is True and "one of the following is required" in result["msg"]
    assert fake_http.requests == []


def test_forbidden_write_names_the_needed_role(fake_http, run):
    listing(fake_http, LOCAL)
    fake_http.add("POST", BASE, (403, {"errors": [{"code": "root.unauthorized.rbac", "message": "The current user does not have the required role"}]}))
    result = run(module, dict(CONN, name="ece-b", public_ca_cert=CA_B))
    assert result["failed"] is True and "platform administrator" in result["msg"]
    assert "required role" in result["msg"] and CONN["ece_api_key"] not in json.dumps(result)


def test_delete_conflict_says_to_re_run(fake_http, run):
    listing(fake_http, REL_B)
    fake_http.add("GET", BASE + "/rel-b", (200, REL_B, {"x-cloud-resource-version": "3"}))
    fake_http.add("DELETE", BASE + "/rel-b", (409, {"errors": [{"code": "trust_relationships.version_conflict", "message": "v"}]}))
    result = run(module, dict(CONN, name="ece-b", state="absent"))
    assert result["failed"] is True and "re-run" in result["msg"]


def test_api_error_has_the_api_text(fake_http, run):
    fake_http.add("GET", BASE, (401, {"errors": [{"code": "root.unauthenticated", "message": "The supplied authentication is invalid"}]}))
    result = run(module, dict(CONN, name="ece-b"))
    assert result["failed"] is True and "The supplied authentication is invalid" in result["msg"]
    assert CONN["ece_api_key"] not in json.dumps(result)
