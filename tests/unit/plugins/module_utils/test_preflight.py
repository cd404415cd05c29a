# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_preflight.py (sides, preflight checks, table, building-block plans)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _preflight as pf

ENV_A = "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b"
ENV_B = "b1d6f7a2c3e45f6a9b0c1d2e3f4a5b6c"
CA = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
CA2 = "-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n"
PORT_OK = {"name": "remote api-key", "address": "c2.ece-b.lab:9443", "server_name": "c2.ece-b.lab", "connect_time_ms": 1,
           "tls_version": "TLSv1.3", "certificate": {"days_left": 300}, "chain_trusted": True, "findings": [], "status": "ok"}


def ece_side(deployment_id="dep-a", url="https://coordinator.ece-a.lab:12443", es=None, **extra):
    side = {"type": "ece", "ece": {"url": url, "api_key": "secret-key"}, "deployment_id": deployment_id}
    if es:
        side["es"] = es
    side.update(extra)
    return side


def ece_facts(name="local", cluster_id="c1", version="9.1.3", env=ENV_A, url="https://coordinator.ece-a.lab:12443", **extra):
    dep = {"cluster_id": cluster_id, "version": version, "endpoint": "%s.ece-a.lab" % cluster_id, "ref_id": "main-elasticsearch",
           "system_owned": False, "ccr_enabled": True, "traffic_filter_rulesets": [], "has_remote_cluster_client": True,
           "subscription_level": "enterprise", "region": "ece-region", "name": "dep-" + cluster_id, "deployment_id": "d-" + cluster_id}
    dep.update(extra.pop("deployment", {}))
    cluster = {"version": version, "license_type": "enterprise", "license_status": "active", "cluster_name": cluster_id,
               "authenticated_with_api_key": False, "username": "elastic"}
    cluster.update(extra.pop("cluster", {}))
    facts = pf.normalize_side(ece_side("d-" + cluster_id, url=url), name, deployment=dep,
                              environment={"environment_id": env, "account_id": env, "proxy_root_ca": CA, "ece_version": "3.8.0"},
                              cluster=cluster, certificate_authority={"public_certificates": [{"pem": CA2}]},
                              rulesets=extra.pop("rulesets", None))
    facts.update(extra)
    return facts


def sm_facts(name="local", version="9.1.3", **extra):
    side = {"type": "self_managed", "es": {"url": "https://es.sm.lab:9200", "username": "elastic", "password": "p"},
            "remote_cluster_address": "sm.lab:9443", "transport_address": "sm.lab:9300", "egress_ips": ["127.0.10.14"]}
    cluster = {"version": version, "license_type": "enterprise", "license_status": "active", "cluster_uuid": "uuid-sm",
               "authenticated_with_api_key": False}
    cluster.update(extra.pop("cluster", {}))
    facts = pf.normalize_side(side, name, cluster=cluster, ca_pems=CA)
    facts.update(extra)
    return facts


def by_check(findings):
    out = {}
    for f in findings:
        out.setdefault(f["check"], []).append(f)
    return dict((k, v[0] if len(v) == 1 else v) for k, v in out.items())


def run(local, remote, **kwargs):
    kwargs.setdefault("alias", "remote-b")
    kwargs.setdefault("port_checks", [PORT_OK])
    return by_check(pf.preflight_findings(local, remote, **kwargs))


# ------------------------------------------------------------------------------------------ sides

def test_side_problems_valid_sides():
    assert pf.side_problems(ece_side()) == []
    assert pf.side_problems({"type": "ech", "ece": {"url": "https://api", "api_key": "k"}, "deployment_id": "d",
                             "es": {"url": "https://es", "username": "u", "password": "p"}}) == []
    assert pf.side_problems({"type": "self_managed", "es": {"url": "https://es", "api_key": "k"}, "hosts": ["n1"],
                             "egress_ips": ["10.0.0.0/24", "2001:db8::1"]}) == []


@pytest.mark.parametrize("side, expected", [
    ("nope", "must be a dict"),
    ({"type": "cloud"}, "type must be one of ece, ech, self_managed, eck"),
    ({"type": "ece", "deployment_id": "d"}, "ece.url is required"),
    ({"type": "ece", "ece": {"url": "u"}, "deployment_id": "d"}, "needs credentials"),
    ({"type": "ece", "ece": {"url": "u", "api_key": "k"}}, "deployment_id is required"),
    ({"type": "ece", "ece": {"url": "u", "api_key": "k", "token": 1}, "deployment_id": "d"}, "unknown keys token"),
    ({"type": "ech", "ece": {"url": "u", "api_key": "k"}, "deployment_id": "d"}, "es is required for a side of type ech"),
    ({"type": "ech", "ece": {"url": "u", "username": "a", "password": "b"}, "deployment_id": "d",
      "es": {"url": "e", "api_key": "k"}}, "takes API keys only"),
    ({"type": "self_managed"}, "es is required"),
    ({"type": "self_managed", "es": {"url": "e"}}, "es needs credentials"),
    ({"type": "self_managed", "es": {"username": "u", "password": "p"}}, "es.url is required"),
    ({"type": "self_managed", "es": {"url": "e", "api_key": "k"}, "egress_ips": ["host.example.com"]}, "is not an IP address or CIDR"),
    ({"type": "self_managed", "es": {"url": "e", "api_key": "k"}, "egress_ips": "10.0.0.1"}, "must be a list"),
    ({"type": "eck", "es": {"url": "e", "api_key": "k"}, "apply": "helm"}, "apply must be kubectl, k8s or none"),
    ({"type": "eck", "es": {"url": "e", "api_key": "k"}, "deployment_id": "x"}, "does not take: deployment_id"),
])
def test_side_problems_report(side, expected):
    problems = pf.side_problems(side, "remote")
    assert any(expected in p for p in problems), problems


def test_connections_direct_and_through_ece():
    side = ece_side(es={"url": "https://es:9243", "username": "elastic", "password": "pw", "validate_certs": False})
    # every option is explicit (empty when unset) so ECE_*/ES_* environment fallbacks of another side never apply
    assert pf.es_connection(side) == {"es_url": "https://es:9243", "es_username": "elastic", "es_password": "pw",
                                      "es_api_key": "", "es_ca_path": "", "es_validate_certs": False}
    through = pf.es_connection(ece_side(ref_id="main-elasticsearch"))
    assert through == {"es_deployment_id": "dep-a", "es_ref_id": "main-elasticsearch",
                       "ece_url": "https://coordinator.ece-a.lab:12443", "ece_api_key": "secret-key", "ece_username": "",
                       "ece_password": "", "ece_ca_path": "", "ece_validate_certs": True}
    assert pf.es_connection({"type": "ech", "deployment_id": "x"}) is None
    assert pf.ece_connection({"type": "self_managed"}) is None


def test_normalize_ece_side():
    facts = ece_facts(cluster_id="c1")
    assert facts["type"] == "ece" and facts["label"] == "local"
    assert facts["cluster_id"] == "c1"
    assert facts["proxy_address_api_key"] == "c1.ece-a.lab:9443"
    assert facts["proxy_address_certificate"] == "c1.ece-a.lab:9400"
    assert facts["server_name"] == "c1.ece-a.lab"
    assert facts["environment_id"] == ENV_A
    assert facts["api_key_ca_pems"] == [CA] and facts["api_key_ca_public"] is False
    assert facts["transport_ca_pems"] == [CA2]
    assert facts["node_name_pattern"] == "*.node.c1.cluster.%s.account" % ENV_A
    assert facts["recommended_trust_restriction"] == facts["node_name_pattern"]
    assert facts["same_environment_key"] == "ece|https://coordinator.ece-a.lab:12443|%s" % ENV_A
    assert facts["es_connection"]["es_deployment_id"] == "d-c1"
    assert facts["ece_connection"] == {"ece_url": "https://coordinator.ece-a.lab:12443", "ece_api_key": "secret-key",
                                       "ece_username": "", "ece_password": "", "ece_ca_path": "", "ece_validate_certs": True}
    assert facts["has_remote_cluster_client"] is True and facts["ccr_enabled"] is True


def test_normalize_same_environment_key_ignores_api_suffix_and_case():
    one = ece_facts(url="https://Coordinator.ece-a.lab:12443/api/v1/")
    two = ece_facts(cluster_id="c2")
    assert one["same_environment_key"] == two["same_environment_key"]


def test_normalize_ech_side_is_public_and_scoped_by_organization():
    side = {"type": "ech", "ece": {"url": "https://api.ech.lab", "api_key": "k"}, "deployment_id": "d",
            "organization_id": "803289842", "es": {"url": "https://es", "username": "u", "password": "p"}}
    facts = pf.normalize_side(side, "remote", deployment={"cluster_id": "e1", "endpoint": "e1.lab-region.ech.lab", "version": "9.1.3"})
    assert facts["api_key_ca_public"] is True and facts["api_key_ca_pems"] == []
    assert facts["environment_id"] == "803289842"
    assert facts["node_name_pattern"] == "*.node.e1.cluster.803289842.account"
    assert facts["same_environment_key"] == "ech|https://api.ech.lab|803289842"


def test_normalize_self_managed_and_overrides():
    facts = sm_facts()
    assert facts["proxy_address_api_key"] == "sm.lab:9443" and facts["proxy_address_certificate"] == "sm.lab:9300"
    assert facts["api_key_ca_pems"] == [CA] and facts["transport_ca_pems"] == [CA]
    assert facts["cluster_id"] == "uuid-sm" and facts["server_name"] is None
    assert facts["egress_ips"] == ["127.0.10.14"]
    public = pf.normalize_side({"type": "self_managed", "es": {"url": "e", "api_key": "k"}, "scope_id": "lab1",
                                "server_name": "rcs.sm.lab"}, "remote")
    assert public["api_key_ca_public"] is True
    assert public["node_name_pattern"] == "*.node.*.cluster.lab1.account"
    assert public["server_name"] == "rcs.sm.lab"


def test_normalize_eck_side():
    facts = pf.normalize_side({"type": "eck", "es": {"url": "e", "api_key": "k"}, "name": "quickstart",
                               "remote_cluster_address": "lb:9443"}, "remote", cluster={"cluster_uuid": "u1", "version": "9.1.3"},
                              ca_pems=[CA])
    assert facts["server_name"] == "quickstart-es-remote-cluster.default.svc"
    assert facts["environment_id"] == "default.es.local"
    assert facts["node_name_pattern"] == "*.node.quickstart.default.es.local"
    assert facts["api_key_ca_pems"] == [CA]


def test_normalize_ece_overrides_address_and_server_name():
    side = ece_side(remote_cluster_address="lb.example.com:9443", server_name="lb.example.com")
    facts = pf.normalize_side(side, "remote", deployment={"cluster_id": "c9", "endpoint": "c9.ece-a.lab"})
    assert facts["proxy_address_api_key"] == "lb.example.com:9443"
    assert facts["proxy_address_certificate"] == "c9.ece-a.lab:9400"
    assert facts["server_name"] == "lb.example.com"


def test_pems_split_text_and_dicts():
    assert pf._pems(CA + CA2) == [CA, CA2]  # pylint: disable=protected-access
    assert pf._pems([{"pem": CA}, None, ""]) == [CA]  # pylint: disable=protected-access


# ------------------------------------------------------------------------------------------ port target

def test_port_target_by_model():
    remote = ece_facts("remote", cluster_id="c2")
    target = pf.port_check_target(remote, "api_key")
    assert target["address"] == "c2.ece-a.lab:9443" and target["ca_certificates"] == [CA]
    assert target["server_name"] == "c2.ece-a.lab" and target["security_model"] == "api_key"
    cert = pf.port_check_target(remote, "certificate")
    assert cert["address"] == "c2.ece-a.lab:9400" and cert["ca_certificates"] == [CA2]
    override = pf.port_check_target(remote, "api_key", expected_ca=CA2)
    assert override["ca_certificates"] == [CA2]
    ech = dict(remote, api_key_ca_pems=[], api_key_ca_public=True)
    assert pf.port_check_target(ech, "api_key")["use_system_store"] is True
    assert pf.port_check_target(dict(remote, proxy_address_api_key=None), "api_key") is None


# ------------------------------------------------------------------------------------------ findings

def test_all_good_passes():
    found = run(ece_facts("local", "c1"), ece_facts("remote", "c2"))
    assert not pf.failed(pf.preflight_findings(ece_facts("local", "c1"), ece_facts("remote", "c2"), alias="x", port_checks=[PORT_OK]))
    assert found["versions_ccs"]["status"] == "pass"
    assert found["versions_model"]["status"] == "pass"
    assert found["versions_ccr"]["status"] == "skip"
    assert found["remote_port"]["status"] == "pass"
    assert found["traffic_filters"]["status"] == "pass"
    assert found["remote_key_creator"]["status"] == "pass"
    for f in pf.preflight_findings(ece_facts("local", "c1"), ece_facts("remote", "c2")):
        assert set(f) == {"check", "status", "detail", "fix"}
        assert f["status"] in pf.STATUSES


def test_incompatible_versions_fail_ccs():
    found = run(ece_facts("local", "old", version="7.17.28"), ece_facts("remote", "new", version="9.1.3"), security_model="certificate")
    assert found["versions_ccs"]["status"] == "fail"
    assert "cannot search remote 9.1" in found["versions_ccs"]["detail"]
    assert found["versions_ccs"]["fix"]


def test_ccr_rule_only_with_replication():
    local, remote = ece_facts("local", "a", version="8.19.4"), ece_facts("remote", "b", version="9.1.3")
    found = run(local, remote, access={"replication": [{"names": ["leader"]}]})
    assert found["versions_ccs"]["status"] == "pass"
    assert found["versions_ccr"]["status"] == "fail"
    assert "follower must run the same or a newer version" in found["versions_ccr"]["detail"]
    assert run(local, remote, access={"search": [{"names": ["*"]}]})["versions_ccr"]["status"] == "skip"


def test_api_key_model_needs_814_on_both():
    found = run(ece_facts("local", "a", version="9.1.3"), ece_facts("remote", "legacy", version="8.13.4"))
    assert found["versions_model"]["status"] == "fail"
    assert "8.14 or later on both clusters" in found["versions_model"]["detail"]
    assert "remote cluster runs 8.13.4" in found["versions_model"]["detail"]


def test_certificate_model_deprecated_warns_on_9():
    found = run(ece_facts("local", "a", version="9.1.3"), ece_facts("remote", "b", version="8.19.4"), security_model="certificate")
    assert found["versions_model"]["status"] == "warn"
    ok = run(ece_facts("local", "a", version="8.19.4"), ece_facts("remote", "b", version="8.19.4"), security_model="certificate")
    assert ok["versions_model"]["status"] == "pass"


def test_unknown_versions_skip_and_unreadable_fails():
    local = ece_facts("local", "a")
    remote = dict(ece_facts("remote", "b"), version=None, unreadable={"es": "connection refused"})
    found = run(local, remote)
    assert found["versions_ccs"]["status"] == "skip"
    assert found["remote_reachable"]["status"] == "fail" and "connection refused" in found["remote_reachable"]["detail"]
    assert found["local_reachable"]["status"] == "pass"
    partly = dict(ece_facts("remote", "b"), unreadable={"environment": "403 forbidden"})
    assert run(local, partly)["remote_reachable"]["status"] == "warn"


@pytest.mark.parametrize("which", ["local", "remote"])
def test_system_owned_either_side(which):
    sides = {"local": ece_facts("local", "a"), "remote": ece_facts("remote", "b")}
    sides[which]["system_owned"] = True
    found = run(sides["local"], sides["remote"])
    assert found["%s_system_owned" % which]["status"] == "fail"
    assert "system deployments cannot be used as remote clusters or have remote clusters" in found["%s_system_owned" % which]["detail"]
    other = "remote" if which == "local" else "local"
    assert found["%s_system_owned" % other]["status"] == "pass"


def test_system_owned_skipped_for_self_managed():
    assert run(sm_facts(), ece_facts("remote", "b"))["local_system_owned"]["status"] == "skip"


def test_pre_29_stops_without_permission():
    remote = ece_facts("remote", "archive", version="8.18.6", deployment={"ccr_enabled": False})
    found = run(ece_facts("local", "a", version="8.19.4"), remote)
    assert found["remote_ccr_enabled"]["status"] == "fail"
    assert "created before ECE 2.9.0" in found["remote_ccr_enabled"]["detail"]
    assert "enable_ccr: true" in found["remote_ccr_enabled"]["fix"]


def test_pre_29_with_permission_states():
    local = ece_facts("local", "archive", version="8.18.6", deployment={"ccr_enabled": False})
    remote = ece_facts("remote", "b", version="8.19.4")
    pending = run(local, remote, enable_ccr=True)
    assert pending["local_ccr_enabled"]["status"] == "warn" and "will run" in pending["local_ccr_enabled"]["detail"]
    done = run(local, remote, enable_ccr=True, ccr_enabled_sides=["local"])
    assert done["local_ccr_enabled"]["status"] == "pass" and "_enable-ccr ran" in done["local_ccr_enabled"]["detail"]
    check = run(local, remote, enable_ccr=True, ccr_enabled_sides=["local"], check_mode=True)
    assert check["local_ccr_enabled"]["status"] == "warn" and "check mode" in check["local_ccr_enabled"]["detail"]
    closed = dict(PORT_OK, findings=[{"code": "refused", "severity": "error", "detail": "x", "fix": "y"}])
    blocked = run(local, remote, enable_ccr=True, port_checks=[closed])
    assert blocked["local_ccr_enabled"]["status"] == "warn" and "other checks failed" in blocked["local_ccr_enabled"]["detail"]
    stop = run(local, remote, enable_ccr=False, port_checks=[closed])
    assert stop["local_ccr_enabled"]["status"] == "fail"


def test_ccr_enable_candidates():
    local = ece_facts("local", "archive", version="8.18.6", deployment={"ccr_enabled": False})
    remote = ece_facts("remote", "b", version="8.19.4")
    findings = pf.preflight_findings(local, remote, enable_ccr=True, port_checks=[PORT_OK])
    assert pf.ccr_enable_candidates(local, remote, findings, True) == ["local"]
    assert pf.ccr_enable_candidates(local, remote, findings, False) == []
    bad = findings + [pf.finding("remote_port", "fail", "closed")]
    assert pf.ccr_enable_candidates(local, remote, bad, True) == []
    assert pf.ccr_enable_candidates(sm_facts(), remote, findings, True) == []


@pytest.mark.parametrize("lic, status", [
    ({"license_type": "basic"}, "fail"), ({"license_type": "platinum"}, "fail"), ({"license_type": "trial"}, "pass"),
    ({"license_type": "enterprise"}, "pass"), ({"license_type": "enterprise", "license_status": "expired"}, "fail"),
    ({"license_type": None, "subscription_level": "gold"}, "fail"),
    ({"license_type": None, "subscription_level": "enterprise"}, "pass"),
    ({"license_type": None, "subscription_level": None}, "warn"),
])
def test_license_api_key_model(lic, status):
    remote = dict(sm_facts("remote"), **lic)
    found = run(ece_facts("local", "a"), remote)
    assert found["remote_license"]["status"] == status, found["remote_license"]
    if status == "fail":
        assert "Enterprise" in found["remote_license"]["fix"]


def test_license_certificate_model():
    remote = dict(sm_facts("remote"), license_type="basic")
    assert run(ece_facts("local", "a"), remote, security_model="certificate")["remote_license"]["status"] == "pass"
    ccr = run(ece_facts("local", "a"), remote, security_model="certificate", access={"replication": [{"names": ["x"]}]})
    assert ccr["remote_license"]["status"] == "fail" and "platinum" in ccr["remote_license"]["detail"]


def test_remote_cluster_client_role():
    local = ece_facts("local", "a")
    local["has_remote_cluster_client"] = False
    found = run(local, ece_facts("remote", "b"))
    assert found["local_remote_cluster_client"]["status"] == "fail"
    assert run(sm_facts(), ece_facts("remote", "b"))["local_remote_cluster_client"]["status"] == "skip"


def test_key_creator_must_be_a_user():
    remote = ece_facts("remote", "b", cluster={"authenticated_with_api_key": True})
    found = run(ece_facts("local", "a"), remote)
    assert found["remote_key_creator"]["status"] == "fail"
    assert "cannot be created with an API key" in found["remote_key_creator"]["detail"]
    assert run(ece_facts("local", "a"), remote, security_model="certificate")["remote_key_creator"]["status"] == "skip"


@pytest.mark.parametrize("model, address, status", [
    ("api_key", "x.lab:9443", "pass"), ("api_key", "x.lab:9400", "fail"), ("api_key", "x.lab:9300", "fail"),
    ("certificate", "x.lab:9443", "fail"), ("certificate", "x.lab:9400", "pass"), ("api_key", None, "fail"),
])
def test_remote_address_model(model, address, status):
    remote = ece_facts("remote", "b")
    remote["proxy_address_api_key" if model == "api_key" else "proxy_address_certificate"] = address
    assert run(ece_facts("local", "a"), remote, security_model=model)["remote_address"]["status"] == status


def test_port_check_findings():
    refused = {"code": "refused", "severity": "error", "detail": "could not connect", "fix": "Nothing accepts connections"}
    closed = dict(PORT_OK, status="warning", findings=[refused])
    found = run(ece_facts("local", "a"), ece_facts("remote", "b"), port_checks=[closed])
    assert found["remote_port"]["status"] == "fail"
    assert "refused" in found["remote_port"]["detail"] and found["remote_port"]["fix"] == "Nothing accepts connections"
    soon = dict(PORT_OK, findings=[{"code": "expires_soon", "severity": "warning", "detail": "in 3 days", "fix": "renew"}])
    assert run(ece_facts("local", "a"), ece_facts("remote", "b"), port_checks=[soon])["remote_port"]["status"] == "warn"
    assert run(ece_facts("local", "a"), ece_facts("remote", "b"), port_checks=[])["remote_port"]["status"] == "skip"
    assert run(ece_facts("local", "a"), ece_facts("remote", "b"), port_checks_enabled=False)["remote_port"]["status"] == "skip"


def test_port_checks_from_registered_loop():
    registered = {"results": [{"item": "alloc-1", "results": [PORT_OK], "changed": False},
                              {"item": "alloc-2", "results": [], "msg": "python missing", "failed": True}]}
    entries = pf.normalize_port_checks(registered)
    assert [e["from"] for e in entries] == ["alloc-1", "alloc-2"]
    found = run(ece_facts("local", "a"), ece_facts("remote", "b"), port_checks=registered)["remote_port"]
    assert [f["status"] for f in found] == ["pass", "fail"]
    assert "from alloc-1" in found[0]["detail"] and "python missing" in found[1]["detail"]


def test_alias_and_distinct():
    found = run(ece_facts("local", "a"), ece_facts("remote", "a"), alias="bad.alias")
    assert found["alias"]["status"] == "fail" and found["sides_distinct"]["status"] == "fail"
    assert run(ece_facts("local", "a"), ece_facts("remote", "b"), alias="Upper")["alias"]["status"] == "warn"
    assert run(ece_facts("local", "a"), ece_facts("remote", "b"), alias=None)["alias"]["status"] == "skip"


def test_bad_model_raises():
    with pytest.raises(pf.PreflightError):
        pf.preflight_findings({}, {}, security_model="tls")


# ------------------------------------------------------------------------------------------ traffic filters

def _filtered(remote, *rulesets):
    remote = copy.deepcopy(remote)
    remote["traffic_filter_rulesets"] = [r["id"] for r in rulesets]
    remote["traffic_filters"] = list(rulesets)
    return remote


def test_traffic_filters_same_environment_remote_cluster_rule():
    local, remote = ece_facts("local", "a"), ece_facts("remote", "b")
    admitting = _filtered(remote, {"id": "r1", "name": "ok", "type": "remote_cluster", "rules": [{"remote_cluster_id": "a"}]})
    assert pf.traffic_filter_verdict(local, admitting, "api_key")[0] == "pass"
    by_env = _filtered(remote, {"id": "r1", "type": "remote_cluster", "rules": [{"remote_cluster_org_id": ENV_A}]})
    assert pf.traffic_filter_verdict(local, by_env, "api_key")[0] == "pass"
    other = _filtered(remote, {"id": "r1", "name": "others", "type": "remote_cluster", "rules": [{"remote_cluster_id": "zzz"}]})
    status, detail, fix = pf.traffic_filter_verdict(local, other, "api_key")
    assert status == "fail" and "no rule admits the local" in detail and "remote_cluster_id a" in fix


def test_traffic_filters_other_environment_needs_ip():
    local = ece_facts("local", "a", env=ENV_A)
    remote = ece_facts("remote", "b", env=ENV_B, url="https://coordinator.ece-b.lab:12443")
    rc = _filtered(remote, {"id": "r1", "type": "remote_cluster", "rules": [{"remote_cluster_id": "a"}]})
    assert pf.traffic_filter_verdict(local, rc, "api_key")[0] == "warn"
    ip = _filtered(remote, {"id": "r2", "type": "ip", "rules": [{"source": "10.1.0.0/16"}]})
    assert pf.traffic_filter_verdict(local, ip, "api_key")[0] == "warn"  # egress unknown
    local["egress_ips"] = ["10.1.2.3"]
    assert pf.traffic_filter_verdict(local, ip, "api_key")[0] == "pass"
    local["egress_ips"] = ["10.2.2.3"]
    status, detail, fix = pf.traffic_filter_verdict(local, ip, "api_key")
    assert status == "fail" and "10.2.2.3" in detail and "ip ruleset" in fix
    local["egress_ips"] = ["10.1.2.3", "10.2.2.3"]
    assert pf.traffic_filter_verdict(local, ip, "api_key")[0] == "warn"


def test_traffic_filters_skips_and_open():
    local, remote = ece_facts("local", "a"), ece_facts("remote", "b")
    assert pf.traffic_filter_verdict(local, remote, "api_key")[0] == "pass"
    closed = _filtered(remote, {"id": "r1", "type": "ip", "rules": []})
    assert pf.traffic_filter_verdict(local, closed, "certificate")[0] == "skip"
    assert pf.traffic_filter_verdict(local, sm_facts("remote"), "api_key")[0] == "skip"
    egress_only = _filtered(remote, {"id": "e1", "type": "egress_firewall", "rules": []})
    assert pf.traffic_filter_verdict(local, egress_only, "api_key")[0] == "pass"
    unreadable = dict(remote, traffic_filter_rulesets=["r9"], traffic_filters=[])
    assert pf.traffic_filter_verdict(local, unreadable, "api_key")[0] == "warn"


def test_traffic_filters_self_managed_local_on_ece_remote():
    remote = _filtered(ece_facts("remote", "b"), {"id": "r2", "type": "ip", "rules": [{"source": "127.0.10.14"}]})
    assert pf.traffic_filter_verdict(sm_facts(), remote, "api_key")[0] == "pass"


# ------------------------------------------------------------------------------------------ table and messages

def test_findings_table_aligned_and_wrapped():
    findings = [pf.finding("versions_ccs", "pass", "local 9.1 can search remote 9.1"),
                pf.finding("remote_port", "fail", "refused " * 20, "open the port " * 10)]
    table = pf.findings_table(findings, detail_width=40, fix_width=30)
    lines = table.split("\n")
    assert lines[0].startswith("CHECK") and "STATUS" in lines[0] and "DETAIL" in lines[0] and lines[0].endswith("FIX")
    status_col = lines[0].index("STATUS")
    detail_col = lines[0].index("DETAIL")
    assert lines[2][status_col:status_col + 4] == "PASS" and lines[3][status_col:status_col + 4] == "FAIL"
    assert all(len(line) <= detail_col + 40 + 2 + 30 for line in lines[:-1])
    continuation = list(lines[4:-1])
    assert continuation and all(line[:detail_col].strip() == "" for line in continuation)
    assert lines[-1] == "2 checks: 1 pass, 1 fail, 0 warn, 0 skip"


def test_failure_message():
    findings = [pf.finding("a", "pass", "fine"), pf.finding("remote_port", "fail", "closed", "open it"),
                pf.finding("versions_ccs", "fail", "too old", "upgrade")]
    message = pf.failure_message(findings)
    assert message.startswith("Preflight failed (2 checks)")
    assert "remote_port: closed. Fix: open it" in message and "versions_ccs: too old. Fix: upgrade" in message
    assert pf.failure_message(findings[:1]) == ""


def test_finding_status_validated():
    with pytest.raises(pf.PreflightError):
        pf.finding("x", "ok", "d")


# ------------------------------------------------------------------------------------------ network_security plan

def test_network_plan_same_environment_remote_cluster_rule():
    local = ece_facts("local", "a")
    remote = _filtered(ece_facts("remote", "b"), {"id": "r1", "name": "office", "type": "ip", "rules": [{"source": "1.2.3.4"}]})
    plan = pf.network_security_plan(local, remote, "rb")
    assert plan["action"] == "manage" and plan["type"] == "remote_cluster"
    assert plan["name"] == "eceops-rb-a" and plan["rules"] == [{"remote_cluster_id": "a"}]
    assert plan["region"] == "ece-region"


def test_network_plan_auto_without_filters_skips_but_keeps_ours():
    local, remote = ece_facts("local", "a"), ece_facts("remote", "b")
    assert pf.network_security_plan(local, remote, "rb")["action"] == "skip"
    assert pf.network_security_plan(local, remote, "rb", mode="always")["action"] == "manage"
    ours = _filtered(remote, {"id": "x", "name": "eceops-rb-a", "type": "remote_cluster", "rules": []})
    assert pf.network_security_plan(local, ours, "rb")["action"] == "manage"
    assert pf.network_security_plan(local, ours, "rb", mode="never")["action"] == "skip"
    only_ids = dict(remote, traffic_filter_rulesets=["x"], traffic_filters=[])
    assert pf.network_security_plan(local, only_ids, "rb", existing={"id": "x", "name": "eceops-rb-a"})["action"] == "manage"
    assert pf.network_security_plan(local, dict(remote, traffic_filter_rulesets=[]), "rb",
                                    existing={"id": "x", "name": "eceops-rb-a"})["action"] == "manage"
    assert pf.network_security_plan(dict(local, cluster_id=None), only_ids, "rb")["action"] == "fail"


def test_network_plan_ip_rule_and_missing_egress():
    local = ece_facts("local", "a", env=ENV_A)
    remote = _filtered(ece_facts("remote", "b", env=ENV_B, url="https://coordinator.ece-b.lab:12443"),
                       {"id": "r1", "name": "office", "type": "ip", "rules": []})
    plan = pf.network_security_plan(local, remote, "rb")
    assert plan["action"] == "fail" and "egress_ips" in plan["reason"]
    local["egress_ips"] = ["10.0.0.0/24", "10.0.1.5"]
    plan = pf.network_security_plan(local, remote, "rb")
    assert plan["action"] == "manage" and plan["type"] == "ip"
    assert plan["rules"] == [{"source": "10.0.0.0/24"}, {"source": "10.0.1.5"}]


def test_network_plan_certificate_and_self_managed():
    local = ece_facts("local", "a")
    remote = _filtered(ece_facts("remote", "b"), {"id": "r1", "type": "ip", "rules": []})
    assert pf.network_security_plan(local, remote, "rb", security_model="certificate")["action"] == "skip"
    assert pf.network_security_plan(local, sm_facts("remote"), "rb")["action"] == "advice"
    with pytest.raises(pf.PreflightError):
        pf.network_security_plan(local, remote, "rb", mode="sometimes")


def test_network_plan_ech_local_on_ece_remote_uses_ip():
    ech = pf.normalize_side({"type": "ech", "ece": {"url": "https://api.ech.lab", "api_key": "k"}, "deployment_id": "d",
                             "organization_id": "803289842", "egress_ips": ["127.0.10.13"],
                             "es": {"url": "https://es", "username": "u", "password": "p"}}, "local",
                            deployment={"cluster_id": "e1", "endpoint": "e1.ech.lab"})
    remote = _filtered(ece_facts("remote", "b"), {"id": "r1", "type": "ip", "rules": []})
    plan = pf.network_security_plan(ech, remote, "rb")
    assert plan["type"] == "ip" and plan["rules"] == [{"source": "127.0.10.13"}]


# ------------------------------------------------------------------------------------------ privileges

def test_privileges_api_key_search():
    roles = pf.privileges_roles({"name": "remote-search", "names": ["logs-*"]}, "rb")
    assert roles["remote"] is None
    assert roles["local"] == {"cluster": [], "indices": [], "metadata": {"managed_by": pf.MANAGED_BY, "alias": "rb"},
                              "remote_indices": [{"clusters": ["rb"], "names": ["logs-*"],
                                                  "privileges": ["read", "read_cross_cluster", "view_index_metadata"]}]}


def test_privileges_api_key_replication_and_remote_cluster():
    roles = pf.privileges_roles({"name": "r", "names": ["leader-*"], "replication": True, "remote_cluster": ["monitor_enrich"]},
                                "rb", local_version="8.15.5")
    local = roles["local"]
    assert local["cluster"] == ["manage_ccr"]
    assert {"clusters": ["rb"], "names": ["leader-*"], "privileges": ["cross_cluster_replication"]} in local["remote_indices"]
    assert local["remote_cluster"] == [{"clusters": ["rb"], "privileges": ["monitor_enrich"]}]
    with pytest.raises(pf.PreflightError, match="8.15"):
        pf.privileges_roles({"name": "r", "remote_cluster": ["monitor_enrich"]}, "rb", local_version="8.14.3")
    only = pf.privileges_roles({"name": "r", "names": ["leader-*"], "search": False, "replication": True}, "rb")["local"]
    assert only["remote_indices"] == [{"clusters": ["rb"], "names": ["leader-*"], "privileges": ["cross_cluster_replication"]}]
    assert only["cluster"] == ["manage_ccr"]
    with pytest.raises(pf.PreflightError, match="grants nothing"):
        pf.privileges_roles({"name": "r", "search": False}, "rb")
    explicit = pf.privileges_roles({"name": "r", "privileges": ["cross_cluster_replication"]}, "rb")["local"]
    assert explicit["cluster"] == ["manage_ccr"] and len(explicit["remote_indices"]) == 1


def test_privileges_certificate_model_both_sides():
    roles = pf.privileges_roles({"name": "ccs", "names": ["logs-*"]}, "rb", security_model="certificate")
    assert roles["remote"]["indices"] == [{"names": ["logs-*"], "privileges": ["read", "read_cross_cluster"]}]
    assert roles["local"]["cluster"] == [] and roles["local"]["indices"] == []
    ccr = pf.privileges_roles({"name": "ccr", "names": ["leader-*"], "replication": True, "follower_names": ["follower-*"]},
                              "rb", security_model="certificate")
    assert ccr["remote"]["cluster"] == ["read_ccr"]
    assert {"names": ["leader-*"], "privileges": ["monitor", "read"]} in ccr["remote"]["indices"]
    assert ccr["local"]["cluster"] == ["manage_ccr"]
    assert ccr["local"]["indices"] == [{"names": ["follower-*"], "privileges": ["monitor", "read", "write", "manage_follow_index"]}]


def test_privileges_bad_role():
    with pytest.raises(pf.PreflightError, match="needs a name"):
        pf.privileges_roles({"names": ["x"]}, "rb")


def test_managed_by_us():
    assert pf.managed_by_us({"metadata": {"managed_by": pf.MANAGED_BY, "alias": "rb"}}, "rb")
    assert not pf.managed_by_us({"metadata": {"managed_by": pf.MANAGED_BY, "alias": "other"}}, "rb")
    assert not pf.managed_by_us({"metadata": {}}, "rb")


# ------------------------------------------------------------------------------------------ verify

def _info_deployment(*refs):
    return {"id": "d1", "name": "search-a", "system_owned": False,
            "elasticsearch": [{"ref_id": ref, "cluster_id": "c-" + ref, "version": "9.1.3", "endpoint": "c-%s.ece-a.lab" % ref,
                               "proxy_address_api_key": "c-%s.ece-a.lab:9443" % ref, "proxy_address_certificate": "c-%s.ece-a.lab:9400" % ref,
                               "server_name": "c-%s.ece-a.lab" % ref, "system_owned": False, "ccr_enabled": False,
                               "ca_certificates": [{"pem": CA2, "fingerprint": "f"}],
                               "recommended_trust_restriction": "*.node.c-%s.cluster.x.account" % ref} for ref in refs]}


def test_normalize_from_deployment_info():
    facts = pf.normalize_side(ece_side("d1"), "remote", deployment=_info_deployment("main-elasticsearch"),
                              environment={"environment_id": ENV_A, "account_id": ENV_A, "proxy_root_ca": CA})
    assert facts["cluster_id"] == "c-main-elasticsearch" and facts["deployment_name"] == "search-a"
    assert facts["ccr_enabled"] is False and facts["deployment_id"] == "d1"
    assert facts["transport_ca_pems"] == [CA2]
    assert facts["recommended_trust_restriction"] == "*.node.c-main-elasticsearch.cluster.x.account"
    assert facts["proxy_address_certificate"] == "c-main-elasticsearch.ece-a.lab:9400"


def test_select_resource_by_ref_id():
    two = _info_deployment("a", "b")
    assert pf.select_es_resource(two, "b")["cluster_id"] == "c-b"
    with pytest.raises(pf.PreflightError, match="set ref_id"):
        pf.select_es_resource(two, None)
    with pytest.raises(pf.PreflightError, match="available: a, b"):
        pf.select_es_resource(two, "zzz")
    assert pf.select_es_resource({"cluster_id": "x"}) == {"cluster_id": "x"}


def test_refused_9443_on_a_server_the_pipeline_enables_is_a_warning():
    checks = [{"from": "localhost", "results": [{"address": "sm.lab:9443", "findings": [
        {"code": "refused", "severity": "error", "detail": "could not connect", "fix": "open it"}]}]}]
    remote = {"type": "self_managed", "label": "remote"}
    normal = [f for f in pf.preflight_findings({}, remote, port_checks=checks) if f["check"] == "remote_port"][0]
    later = [f for f in pf.preflight_findings({}, remote, port_checks=checks, server_enabled_later=True)
             if f["check"] == "remote_port"][0]
    assert normal["status"] == "fail"
    assert later["status"] == "warn" and "not enabled yet" in later["detail"]
    ece = [f for f in pf.preflight_findings({}, {"type": "ece", "label": "remote"}, port_checks=checks, server_enabled_later=True)
           if f["check"] == "remote_port"][0]
    assert ece["status"] == "fail"
    cert = [f for f in pf.preflight_findings({}, remote, security_model="certificate", port_checks=checks, server_enabled_later=True)
            if f["check"] == "remote_port"][0]
    assert cert["status"] == "fail"
