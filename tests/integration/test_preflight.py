"""Preflight against the lab: one case per misconfiguration, each asserting its diagnosis in the findings; the
all-good case passing; ``_enable-ccr`` only with permission; the read-only audit playbook printing its table.

Each case runs the ``preflight`` role through ``ansible-playbook`` (a playbook written per run) with the sides built
from the lab's description, and reads the findings the role set (the playbook writes them to a JSON file)."""

import datetime
import http.client
import json
import os
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from harness import COLLECTION, run_playbook, scratch_dir  # pylint: disable=import-error

AUDIT_PLAYBOOK = os.path.join(COLLECTION, "playbooks", "preflight.yml")

CASE_PLAYBOOK = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: Preflight
      block:
        - name: Run the preflight role
          ansible.builtin.include_role:
            name: eceops.remote_clusters.preflight
      always:
        - name: Keep the findings for the test
          ansible.builtin.copy:
            content: "{{ preflight_findings | default([]) | to_json }}"
            dest: "%s"
            mode: "0600"
          changed_when: false
          check_mode: false
          delegate_to: localhost
"""


# ------------------------------------------------------------------------------------------------------------ sides
def ece_side(lab, env, deployment, **extra):
    """An ECE (or ECH) side for a lab deployment, reaching Elasticsearch through the ECE API (ECH: directly)."""
    desc = lab.describe["environments"][env]
    dep = desc["deployments"][deployment]
    side = {"type": "ece" if desc["kind"] == "ece" else "ech", "deployment_id": dep["id"],
            "ece": {"url": desc["api_url"], "api_key": desc["api_key"], "ca_path": desc["api_ca"]}}
    if desc["kind"] == "ech":
        side["organization_id"] = desc["organization_id"]
        side["es"] = {"url": dep["es_url"], "username": "elastic", "password": dep["elastic_password"],
                      "ca_path": lab.describe["public_ca"]}
    side.update(extra)
    return side


def sm_side(lab, **extra):
    """The self-managed cluster as a side."""
    desc = lab.describe["clusters"]["sm"]
    side = {"type": "self_managed", "ca_path": desc["ca"], "remote_cluster_address": desc["remote_cluster_address"],
            "transport_address": desc["transport_address"],
            "es": {"url": desc["es_url"], "username": "elastic", "password": desc["elastic_password"], "ca_path": desc["http_ca"]}}
    side.update(extra)
    return side


def run_preflight(lab, local, remote, check=False, inventory=None, **options):
    """Run the preflight role; returns (PlaybookResult, findings by check, list of findings)."""
    workdir = scratch_dir("eceops-preflight-")
    out = os.path.join(workdir, "findings.json")
    playbook = os.path.join(workdir, "preflight_case.yml")
    with open(playbook, "w") as handle:
        handle.write(CASE_PLAYBOOK % out)
    extra = {"preflight_local": local, "preflight_remote": remote, "preflight_alias": "rc", "preflight_port_timeout": 2}
    extra.update(("preflight_" + key, value) for key, value in options.items())
    result = run_playbook(lab, playbook, extra_vars=extra, check=check, inventory=inventory)
    findings = []
    if os.path.exists(out):
        with open(out) as handle:
            findings = json.load(handle)
    by_check = {}
    for item in findings:
        by_check.setdefault(item["check"], item)
    return result, by_check, findings


def failed_checks(findings):
    """Names of the failed checks."""
    return sorted(f["check"] for f in findings if f["status"] == "fail")


def assert_no_writes(lab, mark):
    """Nothing was written to any API of the lab since ``mark``."""
    writes = lab.writes_since(mark)
    assert writes == [], writes


def set_port(lab, target, port, mode):
    """Set a listener of the lab to a fault mode."""
    lab.control("POST", "/ports", {"target": target, "port": port, "mode": mode})


# ------------------------------------------------------------------------------------------------------------ good case
def test_all_good_passes_and_prints_the_table(lab):
    mark = lab.mark()
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), ece_side(lab, "ece-b", "search-b"))
    assert result.rc == 0, result.output[-4000:]
    assert failed_checks(findings) == []
    for check in ("versions_ccs", "versions_model", "local_system_owned", "remote_system_owned", "local_license",
                  "remote_license", "remote_address", "remote_port", "traffic_filters", "remote_key_creator"):
        assert found[check]["status"] == "pass", found[check]
    assert "CHECK" in result.output and "STATUS" in result.output and "DETAIL" in result.output
    assert "checks: " in result.output and " 0 fail" in result.output
    assert_no_writes(lab, mark)


# ------------------------------------------------------------------------------------------------------------ ports
@pytest.mark.parametrize("mode, code", [("closed", "refused"), ("filtered", "timeout"), ("http", "speaks_http")])
def test_remote_port_misconfigured(lab, mode, code):
    set_port(lab, "ece-b", 9443, mode)
    mark = lab.mark()
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), ece_side(lab, "ece-b", "search-b"))
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_port"]
    assert code in found["remote_port"]["detail"] and found["remote_port"]["fix"]
    assert "Preflight failed (1 check): remote_port" in result.output
    assert_no_writes(lab, mark)


def test_wrong_server_name(lab):
    other = lab.describe["environments"]["ece-a"]["deployments"]["search-a"]["server_name"]
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "logs-a"), ece_side(lab, "ece-b", "search-b", server_name=other))
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_port"]
    assert "sni_refused" in found["remote_port"]["detail"]
    assert "server_name" in found["remote_port"]["fix"]


def test_ca_not_trusted(lab):
    other_ca = lab.describe["environments"]["ece-a"]["proxy_ca"]
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), ece_side(lab, "ece-b", "search-b"),
                                            expected_ca=other_ca)
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_port"]
    assert "untrusted" in found["remote_port"]["detail"] and "ece-b proxy CA" in found["remote_port"]["detail"]


def _expired_proxy_chain():
    """(PEM chain for the ECE proxy upload with an expired leaf, the PEM of its CA)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "preflight test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=400))
          .not_valid_after(now + datetime.timedelta(days=400))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.ece-b.lab")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=300)).not_valid_after(now - datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.ece-b.lab"), x509.DNSName("*.es.ece-b.lab")]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem + leaf.public_bytes(serialization.Encoding.PEM).decode() + ca_pem, ca_pem


def _upload_proxy_chain(lab, env, chain):
    """POST /api/v1/platform/configuration/security/tls/proxy on the environment's coordinator (by IP; the coordinator
    certificate has the IP in its SAN)."""
    desc = lab.describe["environments"][env]
    context = ssl.create_default_context(cafile=desc["api_ca"])
    connection = http.client.HTTPSConnection(desc["address"], 12443, context=context, timeout=30)
    connection.request("POST", "/api/v1/platform/configuration/security/tls/proxy", body=chain.encode(),
                       headers={"Authorization": "ApiKey %s" % desc["api_key"], "Content-Type": "text/plain"})
    response = connection.getresponse()
    body = response.read()
    assert response.status in (200, 202), body


def test_expired_certificate(lab):
    chain, ca_pem = _expired_proxy_chain()
    _upload_proxy_chain(lab, "ece-b", chain)
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), ece_side(lab, "ece-b", "search-b"),
                                            expected_ca=ca_pem)
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_port"]
    assert "expired" in found["remote_port"]["detail"]
    assert "renew" in found["remote_port"]["fix"]


def test_port_of_the_other_model(lab):
    remote_dep = lab.describe["environments"]["ece-b"]["deployments"]["search-b"]
    remote = ece_side(lab, "ece-b", "search-b", remote_cluster_address=remote_dep["proxy_address_certificate"])
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), remote)
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_address", "remote_port"]
    assert "9400 is the port of the TLS certificate model" in found["remote_address"]["detail"]
    assert "wrong_port_for_model" in found["remote_port"]["detail"]


def test_port_checked_from_another_host(lab):
    inventory = os.path.join(scratch_dir("eceops-inv-"), "hosts.ini")
    with open(inventory, "w") as handle:
        handle.write("localhost ansible_connection=local\nallocator-1 ansible_connection=local\n")
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), ece_side(lab, "ece-b", "search-b"),
                                            inventory=inventory, check_from=["allocator-1"])
    assert result.rc == 0, result.output[-3000:]
    assert failed_checks(findings) == []
    assert found["remote_port"]["status"] == "pass" and "from allocator-1" in found["remote_port"]["detail"]


# ------------------------------------------------------------------------------------------------------------ versions
def test_incompatible_versions(lab):
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "old-a"), ece_side(lab, "ece-a", "search-a"),
                                            security_model="certificate")
    assert result.rc != 0
    assert failed_checks(findings) == ["versions_ccs"]
    assert "local 7.17 cannot search remote 9.1" in found["versions_ccs"]["detail"]


def test_api_key_model_needs_8_14(lab):
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "legacy-a"), ece_side(lab, "ece-a", "logs-a"))
    assert result.rc != 0
    assert failed_checks(findings) == ["versions_model"]
    assert "the local cluster runs 8.13.4" in found["versions_model"]["detail"]
    assert "security_model: certificate" in found["versions_model"]["fix"]


def test_ccr_version_rule_when_replication_is_requested(lab):
    access = {"replication": [{"names": ["leader-lab"]}]}
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "logs-a"), ece_side(lab, "ece-a", "search-a"), access=access)
    assert result.rc != 0
    assert failed_checks(findings) == ["versions_ccr"]
    assert "follower 8.19.4 cannot replicate from leader 9.1.3" in found["versions_ccr"]["detail"]


# ------------------------------------------------------------------------------------------------------------ guards
def test_system_owned_local_and_remote(lab):
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "admin-console-elasticsearch"),
                                            ece_side(lab, "ece-b", "security"))
    assert result.rc != 0
    assert "local_system_owned" in failed_checks(findings) and "remote_system_owned" in failed_checks(findings)
    assert "system deployment" in found["local_system_owned"]["detail"]


def test_created_before_ece_2_9_stops_without_permission(lab):
    mark = lab.mark()
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "archive-a"), ece_side(lab, "ece-a", "logs-a"))
    assert result.rc != 0
    assert failed_checks(findings) == ["local_ccr_enabled"]
    assert "created before ECE 2.9.0" in found["local_ccr_enabled"]["detail"]
    assert "enable_ccr: true" in found["local_ccr_enabled"]["fix"]
    assert_no_writes(lab, mark)


def test_created_before_ece_2_9_enabled_with_permission(lab):
    archive = lab.describe["environments"]["ece-a"]["deployments"]["archive-a"]
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "archive-a"), ece_side(lab, "ece-a", "logs-a"),
                                            enable_ccr=True)
    assert result.rc == 0, result.output[-4000:]
    assert found["local_ccr_enabled"]["status"] == "pass"
    assert "_enable-ccr ran" in found["local_ccr_enabled"]["detail"]
    enables = [r for r in lab.world.log.query(since=0, writes=True) if r["path"].endswith("/_enable-ccr")]
    assert enables and all(archive["id"] in r["path"] for r in enables)
    assert lab.describe["environments"]["ece-a"]["deployments"]["archive-a"]["ccr_enabled"] is True
    again, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "archive-a"), ece_side(lab, "ece-a", "logs-a"),
                                           enable_ccr=True)
    assert again.rc == 0 and again.changed == 0
    assert found["local_ccr_enabled"]["status"] == "pass" and "2.9.0 or later, or CCR was enabled" in found["local_ccr_enabled"]["detail"]


def test_enable_ccr_not_run_when_another_check_fails(lab):
    set_port(lab, "ece-a", 9443, "closed")
    mark = lab.mark()
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "archive-a"), ece_side(lab, "ece-a", "logs-a"),
                                            enable_ccr=True)
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_port"]
    assert found["local_ccr_enabled"]["status"] == "warn" and "not run because other checks failed" in found["local_ccr_enabled"]["detail"]
    assert_no_writes(lab, mark)


def test_traffic_filter_without_admitting_rule(lab):
    remote = ece_side(lab, "ece-b", "search-b")
    setup = os.path.join(scratch_dir("eceops-filter-"), "filter.yml")
    with open(setup, "w") as handle:
        handle.write("""- hosts: localhost
  gather_facts: false
  tasks:
    - name: A ruleset on search-b that admits another network only
      eceops.remote_clusters.ece_traffic_filter:
        ece_url: "{{ lab.environments['ece-b'].api_url }}"
        ece_api_key: "{{ lab.environments['ece-b'].api_key }}"
        ece_ca_path: "{{ lab.environments['ece-b'].api_ca }}"
        name: office-only
        type: ip
        rules: [{source: 10.99.0.0/16}]
        associations: ["{{ lab.environments['ece-b'].deployments['search-b'].id }}"]
""")
    assert run_playbook(lab, setup).rc == 0
    local = ece_side(lab, "ece-a", "search-a", egress_ips=[lab.describe["environments"]["ece-a"]["address"]])
    result, found, findings = run_preflight(lab, local, remote)
    assert result.rc != 0, result.output[-5000:]
    assert failed_checks(findings) == ["traffic_filters"]
    assert "no rule admits the local" in found["traffic_filters"]["detail"]
    assert "ip ruleset" in found["traffic_filters"]["fix"]


def test_licence_basic_on_the_remote(lab):
    lab.control("POST", "/clusters/sm/_license", {"type": "basic"})
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "search-a"), sm_side(lab), port_checks=False)
    assert result.rc != 0
    assert failed_checks(findings) == ["remote_license"]
    assert "licence basic" in found["remote_license"]["detail"] and "Enterprise" in found["remote_license"]["fix"]
    assert found["local_license"]["status"] == "pass"


def test_check_mode_writes_nothing_even_with_enable_ccr(lab):
    mark = lab.mark()
    result, found, findings = run_preflight(lab, ece_side(lab, "ece-a", "archive-a"), ece_side(lab, "ece-a", "logs-a"),
                                            enable_ccr=True, check=True)
    assert result.rc == 0, result.output[-3000:]
    assert found["local_ccr_enabled"]["status"] == "warn" and "check mode" in found["local_ccr_enabled"]["detail"]
    assert_no_writes(lab, mark)
    assert lab.describe["environments"]["ece-a"]["deployments"]["archive-a"]["ccr_enabled"] is False


# ------------------------------------------------------------------------------------------------------------ audit
def test_audit_playbook_prints_the_table_and_writes_nothing(lab):
    mark = lab.mark()
    extra = {"preflight_local": ece_side(lab, "ece-a", "search-a"), "preflight_remote": ece_side(lab, "ece-b", "search-b"),
             "preflight_alias": "audit"}
    result = run_playbook(lab, AUDIT_PLAYBOOK, extra_vars=extra)
    assert result.rc == 0, result.output[-4000:]
    assert result.changed == 0
    header = [line for line in result.output.splitlines() if "CHECK" in line and "STATUS" in line and "DETAIL" in line]
    assert header, result.output[-3000:]
    for check in ("versions_ccs", "remote_port", "traffic_filters", "remote_system_owned"):
        assert check in result.output
    assert "checks: " in result.output
    assert_no_writes(lab, mark)


def test_audit_playbook_refuses_enable_ccr(lab):
    extra = {"preflight_local": ece_side(lab, "ece-a", "archive-a"), "preflight_remote": ece_side(lab, "ece-a", "logs-a"),
             "preflight_enable_ccr": True}
    mark = lab.mark()
    result = run_playbook(lab, AUDIT_PLAYBOOK, extra_vars=extra)
    assert result.rc != 0
    assert "read-only audit" in result.output
    assert_no_writes(lab, mark)


def test_audit_playbook_reports_failures(lab):
    set_port(lab, "ece-b", 9443, "closed")
    extra = {"preflight_local": ece_side(lab, "ece-a", "search-a"), "preflight_remote": ece_side(lab, "ece-b", "search-b")}
    result = run_playbook(lab, AUDIT_PLAYBOOK, extra_vars=extra)
    assert result.rc != 0
    assert "FAIL" in result.output and "refused" in result.output
    assert "Preflight failed (1 check): remote_port" in result.output
