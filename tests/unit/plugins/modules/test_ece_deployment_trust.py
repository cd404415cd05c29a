# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_deployment_trust module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_deployment_trust as module

API = "/api/v1"
CONN = {"ece_url": "https://ece.example.com:12443", "ece_api_key": "s3cret-api-key-value"}
DEP_ID = "91cacd4d98b7752fc5462e9d154a16b6"
DEP_PATH = API + "/deployments/" + DEP_ID
ACCOUNT = "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b"
PLAN = {"cluster_topology": [{"id": "hot_content", "size": {"value": 4096, "resource": "memory"}}],
        "elasticsearch": {"version": "8.19.4"}, "deployment_template": {"id": "default"}}


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


CA1, FP1 = make_ca("ca-one")
CA2, FP2 = make_ca("ca-two")
CA3, FP3 = make_ca("ca-three")

FOREIGN_DIRECT = {"uid": "uid-foreign", "name": "foreign", "type": "generic", "trust_all": False,
                  "additional_node_names": ["node-1.onprem.example.com"],
                  "certificates": [{"pem": CA1, "metadata": {"fingerprint": FP1, "valid_from": "x", "valid_to": "y"}}]}
DEFAULT_TRUST = {"accounts": [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}],
                 "external": [], "direct": [FOREIGN_DIRECT]}


def plan_info(current="attempt-1", pending=None, healthy=True, error=None):
    info = {"healthy": healthy, "current": {"plan_attempt_id": current, "healthy": healthy, "plan": copy.deepcopy(PLAN),
                                            "attempt_start_time": "2026-01-01T00:00:0%dZ" % (1 if current == "attempt-1" else 2),
                                            "plan_attempt_log": [{"step_id": "plan-completed",
                                                                  "status": "error" if error else "success",
                                                                  "info_log": [{"message": error}] if error else []}]}}
    if pending:
        info["pending"] = {"plan_attempt_id": pending, "plan": copy.deepcopy(PLAN),
                           "plan_attempt_log": [{"step_id": "apply-plan", "status": "pending", "info_log": []}]}
    return info


def deployment(trust=None, info=None, system_owned=False, name="search"):
    """A DeploymentGetResponse with show_settings=true."""
    return {"id": DEP_ID, "name": name, "healthy": True,
            "metadata": {"system_owned": system_owned},
            "resources": {"elasticsearch": [{
                "ref_id": "main-elasticsearch", "id": "cluster1", "region": "ece-region",
                "info": {"cluster_id": "cluster1", "cluster_name": name, "healthy": True, "status": "started",
                         "plan_info": info or plan_info(),
                         "metadata": {"endpoint": "cluster1.ece.example.com"},
                         "settings": {"metadata": {"system_owned": system_owned},
                                      "trust": copy.deepcopy(DEFAULT_TRUST if trust is None else trust)}}}]}}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Record sleeps instead of sleeping; a fake clock that advances with them."""
    clock = {"now": 0.0, "sleeps": []}

    def sleep(seconds):
        clock["sleeps"].append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(module, "_sleep", sleep)
    monkeypatch.setattr(module, "_now", lambda: clock["now"])
    return clock


def route(fake_http, *deployments, **kwargs):
    """GET answers in order (the first is the read before the update), PUT answers 200."""
    version = kwargs.get("version", "5")
    fake_http.add("GET", DEP_PATH, *[(200, d, {"x-cloud-resource-version": version}) for d in deployments])
    fake_http.add("PUT", DEP_PATH, kwargs.get("put", (200, {"id": DEP_ID, "name": "search", "resources": []})))


def after(trust):
    """The deployment once the plan of the update has finished."""
    return deployment(trust=trust, info=plan_info(current="attempt-2"))


def sent(fake_http):
    puts = [r for r in fake_http.requests if r["method"] == "PUT"]
    assert len(puts) == 1
    return puts[0], json.loads(puts[0]["body"])


def test_add_an_account_entry_sends_the_whole_trust_with_plan_and_version(fake_http, run):
    new_trust = copy.deepcopy(DEFAULT_TRUST)
    new_trust["accounts"].append({"account_id": "other-account", "trust_all": False, "trust_allowlist": ["c1"]})
    route(fake_http, deployment(), deployment(trust=new_trust, info=plan_info(pending="attempt-2")), after(new_trust))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[
        {"account_id": "other-account", "trust_all": False, "trust_allowlist": ["c1"]}]))
    assert result["changed"] is True, result
    request, body = sent(fake_http)
    assert "version=5" in request["url"]
    assert body == {"prune_orphans": False, "resources": {"elasticsearch": [{
        "ref_id": "main-elasticsearch", "region": "ece-region", "plan": PLAN,
        "settings": {"trust": {
            "accounts": [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True},
                         {"account_id": "other-account", "trust_all": False, "trust_allowlist": ["c1"]}],
            "external": [],
            "direct": [{"uid": "uid-foreign", "name": "foreign", "type": "generic", "trust_all": False,
                        "additional_node_names": ["node-1.onprem.example.com"], "certificates": [{"pem": CA1}]}]}}}]}}
    assert result["plan"]["state"] == "success" and result["plan"]["plan_observed"] is True
    assert result["trust"]["accounts"][1]["account_id"] == "other-account"
    assert result["ref_id"] == "main-elasticsearch"


def test_first_read_asks_for_settings_and_clear_transient(fake_http, run):
    route(fake_http, deployment())
    run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": ACCOUNT, "trust_all": True}]))
    first = fake_http.requests[0]["url"]
    assert "show_settings=true" in first and "clear_transient=true" in first


def test_equal_trust_sends_no_write(fake_http, run):
    reformatted = "\r\n".join("   " + line for line in CA1.strip().splitlines())
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID,
                              accounts=[{"account_id": ACCOUNT, "trust_all": True}],
                              direct=[{"name": "foreign", "trust_all": False, "certificates": [reformatted],
                                       "additional_node_names": ["node-1.onprem.example.com"]}]))
    assert result["changed"] is False
    assert fake_http.writes == []
    assert result["plan"] is None
    assert result["trust"]["direct"][0]["certificates"][0]["metadata"]["fingerprint"] == FP1


@pytest.mark.parametrize("args", [
    dict(accounts=[{"account_id": "new-account", "trust_all": True}]),                          # create
    dict(direct=[{"name": "foreign", "certificates": [CA2]}]),                                     # update
    dict(direct=[{"name": "foreign", "state": "absent"}]),                                         # delete
    dict(direct=[], purge=True),                                                                   # purge
])
def test_check_mode_never_writes(fake_http, run, args):
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, **args), check=True, diff=True)
    assert result["changed"] is True
    assert fake_http.writes == []
    assert "diff" in result


def test_diff_shows_fingerprints_not_pem(fake_http, run):
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, direct=[
        {"name": "new-ca", "trust_all": False, "additional_node_names": ["n1"], "certificates": [CA2]}]), check=True, diff=True)
    text = json.dumps(result["diff"])
    assert "BEGIN CERTIFICATE" not in text
    after_direct = result["diff"]["after"]["direct"]
    assert after_direct[1]["certificates"][0]["fingerprint"] == FP2
    assert "ca-two" in after_direct[1]["certificates"][0]["subject"]
    assert len(result["diff"]["before"]["direct"]) == 1


def test_foreign_entries_survive_an_update_of_other_entries(fake_http, run):
    trust = copy.deepcopy(DEFAULT_TRUST)
    trust["accounts"].append({"account_id": "acc-2", "name": "Second", "trust_all": False, "trust_allowlist": ["x"]})
    route(fake_http, deployment(trust=trust), after(trust))
    run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "acc-2", "trust_allowlist": ["y"]}]))
    body = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]
    assert body["accounts"][0] == {"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}
    assert body["accounts"][1] == {"account_id": "acc-2", "name": "Second", "trust_all": False, "trust_allowlist": ["y"]}
    assert body["direct"][0]["uid"] == "uid-foreign" and body["direct"][0]["name"] == "foreign"


def test_purge_removes_unnamed_entries_of_listed_kinds_only(fake_http, run):
    route(fake_http, deployment(), after({"accounts": DEFAULT_TRUST["accounts"], "external": [], "direct": []}))
    result = run(module, dict(CONN, deployment_id=DEP_ID, direct=[], purge=True))
    body = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]
    assert body["direct"] == []
    assert body["accounts"] == DEFAULT_TRUST["accounts"]
    assert result["changed"] is True


@pytest.mark.parametrize("mode,expected", [("replace", ["c"]), ("add", ["a", "b", "c"]), ("remove", ["b"])])
def test_allowlist_modes(fake_http, run, mode, expected):
    trust = {"accounts": [{"account_id": ACCOUNT, "name": "n", "trust_all": False, "trust_allowlist": ["a", "b"]}],
             "external": [], "direct": []}
    route(fake_http, deployment(trust=trust), after(trust))
    wanted = ["c"] if mode != "remove" else ["a"]
    run(module, dict(CONN, deployment_id=DEP_ID, allowlist_mode=mode, accounts=[{"account_id": ACCOUNT, "trust_allowlist": wanted}]))
    body = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]
    assert body["accounts"][0]["trust_allowlist"] == expected


def test_bundle_is_split_into_certificates(fake_http, run):
    route(fake_http, deployment(trust={"accounts": [], "external": [], "direct": []}), after(DEFAULT_TRUST))
    run(module, dict(CONN, deployment_id=DEP_ID, direct=[
        {"name": "bundle", "trust_all": False, "additional_node_names": ["n1"], "certificates": [CA2 + "\n" + CA3]}]))
    direct = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]["direct"]
    assert [c["pem"] for c in direct[0]["certificates"]] == [CA2, CA3]
    assert "uid" not in direct[0]


def test_trust_relationship_name_is_resolved(fake_http, run):
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, {"trust_relationships": [
        {"id": "rel-1", "name": "ece-b", "local": False, "trust_by_default": False},
        {"id": "local", "name": "local env", "local": True, "trust_by_default": True}]}))
    route(fake_http, deployment(), after(DEFAULT_TRUST))
    run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_relationship_name": "ece-b", "trust_all": True}]))
    external = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]["external"]
    assert external == [{"trust_relationship_id": "rel-1", "trust_all": True}]


def test_unknown_trust_relationship_fails_before_any_write(fake_http, run):
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, {"trust_relationships": [
        {"id": "rel-1", "name": "ece-b", "local": False}]}))
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_relationship_name": "nope", "trust_all": True}]))
    assert result["failed"] is True
    assert result["parameter"] == "external[0].trust_relationship_name"
    assert "no trust relationship named 'nope'" in result["msg"] and "ece-b (rel-1)" in result["msg"]
    assert fake_http.writes == []


def test_unknown_trust_relationship_id_fails_before_any_write(fake_http, run):
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, {"trust_relationships": []}))
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_relationship_id": "nope", "trust_all": True}]))
    assert result["failed"] is True and result["parameter"] == "external[0].trust_relationship_id"
    assert fake_http.writes == []


def test_trust_relationship_id_check_is_skipped_without_platform_rights(fake_http, run):
    fake_http.add("GET", API + "/platform/configuration/trust-relationships",
                  (403, {"errors": [{"code": "root.unauthorized.rbac", "message": "no"}]}))
    route(fake_http, deployment(), after(DEFAULT_TRUST))
    result = run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_relationship_id": "rel-9", "trust_all": True}]))
    assert result["changed"] is True
    assert len(fake_http.writes) == 1


def test_malformed_pem_fails_before_any_request(fake_http, run):
    bad = "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n"
    result = run(module, dict(CONN, deployment_id=DEP_ID, direct=[
        {"name": "corp", "trust_all": False, "additional_node_names": ["n"], "certificates": [CA1, bad]}]))
    assert result["failed"] is True
    assert result["parameter"] == "direct[0].certificates[1]"
    assert "direct[0] ('corp')" in result["msg"] and "not a valid PEM certificate" in result["msg"]
    assert fake_http.requests == []


def test_system_owned_deployment_is_refused_before_any_write(fake_http, run):
    route(fake_http, deployment(system_owned=True, name="admin-console-elasticsearch"))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": ACCOUNT, "trust_all": False}]))
    assert result["failed"] is True and result["parameter"] == "deployment_id"
    assert "system deployment" in result["msg"]
    assert fake_http.writes == []


def test_unknown_deployment_fails(fake_http, run):
    fake_http.add("GET", DEP_PATH, (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "not found"}]}))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": ACCOUNT, "trust_all": True}]))
    assert result["failed"] is True and result["parameter"] == "deployment_id"
    assert "no deployment with ID" in result["msg"]


def test_unknown_ref_id_fails(fake_http, run):
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, ref_id="nope", accounts=[{"account_id": ACCOUNT, "trust_all": True}]))
    assert result["failed"] is True and result["parameter"] == "ref_id" and "main-elasticsearch" in result["msg"]
    assert fake_http.writes == []


def test_invalid_new_entry_fails_before_any_write(fake_http, run):
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, direct=[{"name": "ece-b", "trust_all": True, "certificates": [CA2]}]))
    assert result["failed"] is True and result["parameter"] == "direct"
    assert "scope_id is required when trust_all is true" in result["msg"]
    assert fake_http.writes == []


def test_new_account_without_trust_all_fails(fake_http, run):
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "new"}]))
    assert result["failed"] is True and result["parameter"] == "accounts" and "trust_all is required" in result["msg"]
    assert fake_http.writes == []


def test_external_needs_id_or_name(fake_http, run):
    result = run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_all": True}]))
    assert result["failed"] is True and "trust_relationship_id" in result["msg"]
    assert fake_http.requests == []


def test_plan_failure_fails_with_the_plan_message(fake_http, run):
    new = copy.deepcopy(DEFAULT_TRUST)
    failed = deployment(info=plan_info(current="attempt-2", healthy=False, error="Plan failed: the allocator is full"))
    route(fake_http, deployment(), deployment(trust=new, info=plan_info(pending="attempt-2")), failed)
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and result["changed"] is True
    assert "Plan failed: the allocator is full" in result["msg"]
    assert result["plan"]["state"] == "failed"


def test_plan_that_failed_between_polls_is_found_in_history(fake_http, run, no_sleep):
    failed = deployment(info=plan_info(current="attempt-2", healthy=False, error="boom"))
    route(fake_http, deployment(), failed)
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and "boom" in result["msg"]
    assert no_sleep["sleeps"] == []


def test_update_without_a_plan_settles(fake_http, run, no_sleep):
    route(fake_http, deployment(), deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["changed"] is True and result.get("failed") is not True
    assert result["plan"]["state"] == "none" and result["plan"]["plan_observed"] is False
    assert "show_plan_history=true" in fake_http.requests[-1]["url"]
    assert no_sleep["sleeps"] == [2.0, 2.0, 2.0]


def test_timeout_fails_with_a_clear_message(fake_http, run, no_sleep):
    route(fake_http, deployment(), deployment(info=plan_info(pending="attempt-2")))
    result = run(module, dict(CONN, deployment_id=DEP_ID, wait_timeout=5, poll_interval=2,
                              accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and result["changed"] is True
    assert "timed out" in result["msg"] and "attempt-2" in result["msg"]
    assert sum(no_sleep["sleeps"]) == pytest.approx(5.0)


def test_no_wait_reads_once(fake_http, run, no_sleep):
    route(fake_http, deployment(), deployment(info=plan_info(pending="attempt-2")))
    result = run(module, dict(CONN, deployment_id=DEP_ID, wait=False, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["changed"] is True and result["plan"]["state"] == "pending"
    assert no_sleep["sleeps"] == []
    assert [r["method"] for r in fake_http.requests] == ["GET", "PUT", "GET"]


def test_pending_plan_before_the_update_is_waited_for(fake_http, run):
    route(fake_http, deployment(info=plan_info(pending="attempt-0")), deployment(), deployment(), after(DEFAULT_TRUST))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["changed"] is True and result.get("failed") is not True
    assert [r["method"] for r in fake_http.requests][:3] == ["GET", "GET", "GET"]


def test_pending_plan_without_wait_fails_before_any_write(fake_http, run):
    route(fake_http, deployment(info=plan_info(pending="attempt-0")))
    result = run(module, dict(CONN, deployment_id=DEP_ID, wait=False, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and "a plan is still running" in result["msg"]
    assert fake_http.writes == []


def test_version_conflict_says_to_re_run(fake_http, run):
    route(fake_http, deployment(), put=(409, {"errors": [{"code": "deployments.deployment_version_conflict",
                                                          "message": "The deployment was modified"}]}))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True
    assert "changed by someone else" in result["msg"] and "re-run" in result["msg"]
    assert "The deployment was modified" in result["msg"]


def test_forbidden_write_says_what_is_missing(fake_http, run):
    route(fake_http, deployment(), put=(403, {"errors": [{"code": "root.unauthorized.rbac",
                                                          "message": "The current user does not have the required role"}]}))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and result["api_error"]["status"] == 403
    assert "may not change deployment" in result["msg"] and "nothing was written" in result["msg"]
    assert CONN["ece_api_key"] not in json.dumps(result)


def test_api_error_on_read_has_the_api_text_and_no_secret(fake_http, run):
    fake_http.add("GET", DEP_PATH, (401, {"errors": [{"code": "root.unauthenticated", "message": "The supplied authentication is invalid"}]}))
    result = run(module, dict(CONN, deployment_id=DEP_ID, accounts=[{"account_id": "x", "trust_all": True}]))
    assert result["failed"] is True and "The supplied authentication is invalid" in result["msg"]
    assert CONN["ece_api_key"] not in json.dumps(result)


def test_direct_entry_renamed_by_uid(fake_http, run):
    route(fake_http, deployment(), after(DEFAULT_TRUST))
    run(module, dict(CONN, deployment_id=DEP_ID, direct=[{"uid": "uid-foreign", "name": "renamed"}]))
    direct = sent(fake_http)[1]["resources"]["elasticsearch"][0]["settings"]["trust"]["direct"]
    assert direct[0]["uid"] == "uid-foreign" and direct[0]["name"] == "renamed"
    assert direct[0]["certificates"] == [{"pem": CA1}]


def test_bad_wait_options_fail_before_any_request(fake_http, run):
    result = run(module, dict(CONN, deployment_id=DEP_ID, poll_interval=0))
    assert result["failed"] is True and result["parameter"] == "poll_interval"
    assert fake_http.requests == []


def test_desired_trust_leaves_unlisted_kinds_out():
    desired = module.desired_trust({"accounts": None, "external": [{"trust_relationship_name": "b", "trust_relationship_id": None,
                                                                    "trust_all": True, "trust_allowlist": None, "state": "present"}],
                                    "direct": None}, {"b": "rel-b"})
    assert desired == {"accounts": None, "external": [{"trust_relationship_id": "rel-b", "trust_all": True, "state": "present"}],
                       "direct": None}


def test_absent_entry_for_an_unknown_relationship_name_is_a_no_op(fake_http, run):
    fake_http.add("GET", API + "/platform/configuration/trust-relationships", (200, {"trust_relationships": []}))
    route(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID, external=[{"trust_relationship_name": "gone", "state": "absent"}]))
    assert result.get("failed") is not True and result["changed"] is False
    assert fake_http.writes == []
