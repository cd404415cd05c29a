#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: remote_port_check
short_description: Check that remote-cluster ports answer with the right TLS, certificate and server name
version_added: 0.1.0
description:
  - For one or many targets (an address and port, a TLS server name, the CA certificates the local cluster will trust),
    checks what a remote-cluster connection needs before anything is changed; most failed remote-cluster setups fail
    silently later.
  - Checks TCP reachability (and how long it took), the TLS handshake with SNI, the chain against the expected CA
    certificates (or the system trust store), the server name against the certificate's subject alternative names
    (wildcards, IP addresses), the validity dates (days left) and the negotiated TLS version.
  - Names the usual misconfigurations, each with what to fix - a closed port (refused) versus a filtered one (timeout),
    TLS terminated by a load balancer (a certificate from another CA, issued for the balancer), a port that speaks HTTP
    where the transport protocol is expected (a layer-7 balancer on 9443), a server name the proxy cannot route,
    an expired or not yet valid certificate, and the port of the other security model (9400 versus 9443).
  - Never changes anything. Reachability matters from the Elasticsearch nodes (the ECE allocators), not only from the
    control node - delegate the task to an allocator host to check from there.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.info_module
  - eceops.remote_clusters.attributes.actiongroup_none
options:
  targets:
    description: The endpoints to check.
    type: list
    elements: dict
    required: true
    suboptions:
      address:
        description: C(host:port) to connect to, IPv6 in brackets (V([2001:db8::1]:9443)).
        type: str
        required: true
      name:
        description: A label for the results (defaults to the address).
        type: str
      server_name:
        description:
          - The TLS server name (SNI) to send and to check against the certificate. Defaults to the host of O(targets[].address)
            when it is a name. ECE and ECH proxies route by it.
        type: str
      connect_address:
        description:
          - Connect to this host or IP instead of the host of O(targets[].address), keeping the server name (check one
            proxy behind a DNS name, or before DNS exists).
        type: str
      security_model:
        description: The model the port is meant for; a port of the other model is reported.
        type: str
        choices: [api_key, certificate]
      ca_certificates:
        description: PEM CA certificates the chain must verify against (overrides O(ca_certificates)).
        type: list
        elements: str
      ca_path:
        description: A PEM file of CA certificates the chain must verify against (overrides O(ca_path)).
        type: path
      use_system_store:
        description: Verify against this host's system trust store (a publicly trusted certificate, as on ECH).
        type: bool
      client_certificate:
        description: A client certificate (PEM file) to present, for ports that require one.
        type: path
      client_key:
        description: The key of O(targets[].client_certificate).
        type: path
  ca_certificates:
    description: Default PEM CA certificates for every target.
    type: list
    elements: str
  ca_path:
    description: Default PEM file of CA certificates for every target.
    type: path
  use_system_store:
    description: Default for O(targets[].use_system_store). Without any CA option the chain is not verified, only reported.
    type: bool
    default: false
  timeout:
    description: Seconds for the TCP connection and the TLS handshake each.
    type: float
    default: 5
  protocol_probe:
    description:
      - After the handshake, send an HTTP request line to tell an HTTP balancer (which answers) from a transport port
        (which stays silent or closes). A real transport port logs a warning about the unexpected bytes.
    type: bool
    default: true
  warn_days:
    description: A certificate that expires within this many days is reported as a warning.
    type: int
    default: 30
  fail_on:
    description:
      - Finding codes that fail the task. The default is every finding of severity error.
      - Use V([]) to report only (the audit playbook does), or a subset to tolerate some findings.
    type: list
    elements: str
notes:
  - Uses the C(cryptography) Python library to analyse certificates; without it only reachability and the handshake are checked.
  - Host names can be mapped to addresses with a hosts-style file named by the E(ECEOPS_HOSTS_FILE) environment variable.
seealso:
  - module: eceops.remote_clusters.es_remote_info
'''

EXAMPLES = r'''
- name: Check the API-key port of a remote ECE deployment from an allocator
  eceops.remote_clusters.remote_port_check:
    targets:
      - address: a542184a7a7d45b88b83f95392f450ab.ece.example.com:9443
        security_model: api_key
    ca_path: /etc/pki/ece-proxy-root-ca.pem
  delegate_to: allocator-1.example.com

- name: Check both models' ports and report without failing
  eceops.remote_clusters.remote_port_check:
    targets:
      - {name: api-key, address: "{{ endpoint }}:9443", security_model: api_key}
      - {name: certificates, address: "{{ endpoint }}:9400", security_model: certificate}
    use_system_store: true
    fail_on: []
  register: ports

- name: Show the diagnosis
  ansible.builtin.debug:
    msg: "{{ ports.results | map(attribute='diagnosis') | list }}"
'''

RETURN = r'''
results:
  description: One result per target, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The target's label., type: str}
    address: {description: The address checked., type: str}
    ip: {description: The address connected to., type: str}
    server_name: {description: The TLS server name sent., type: str}
    connect_time_ms: {description: Time to establish the TCP connection., type: int}
    tls_time_ms: {description: Time of the TLS handshake., type: int}
    tls_version: {description: The negotiated TLS version., type: str, sample: TLSv1.3}
    certificate:
      description: The presented leaf certificate (subject, issuer, names, validity, days left, fingerprint).
      type: dict
    chain_subjects: {description: "Subjects of the presented chain, leaf first.", type: list, elements: str}
    chain_trusted: {description: Whether the chain verifies against the expected CAs (null when none were given)., type: bool}
    findings:
      description: What is wrong or worth knowing, each with C(code), C(severity), C(detail) and C(fix).
      type: list
      elements: dict
    status: {description: "C(ok), C(warning) or C(failed) (a finding listed in O(fail_on)).", type: str}
    diagnosis: {description: One line with the main finding and what to fix., type: str}
failed_targets:
  description: Labels of the targets whose status is C(failed).
  returned: always
  type: list
  elements: str
'''

import ssl

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _certs as certs
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _portcheck as portcheck


def _read(path):
    with open(path) as handle:
        return handle.read()


def _expected_cas(module, target):
    """PEM list to verify against, or None when no expectation was given."""
    p = module.params
    pems = target.get("ca_certificates")
    path = target.get("ca_path")
    system = target.get("use_system_store")
    if pems is None and path is None and system is None:
        pems, path, system = p["ca_certificates"], p["ca_path"], p["use_system_store"]
    cas = []
    try:
        for pem in pems or []:
            cas.extend(certs.split_pem(pem))
        if path:
            cas.extend(certs.split_pem(_read(path)))
    except (certs.CertificateError, OSError) as exc:
        module.fail_json(msg="%s: the expected CA certificates are unreadable: %s" % (target.get("name") or target["address"], exc))
    if system:
        context = ssl.create_default_context()
        cas.extend(ssl.DER_cert_to_PEM_cert(der) for der in context.get_ca_certs(binary_form=True))
    if not cas and not (pems or path or system):
        return None
    return cas


def check_target(module, target, fail_on):
    """Probe one target and analyse it."""
    label = target.get("name") or target["address"]
    observed = portcheck.probe(target["address"], server_name=target.get("server_name"),
                               connect_address=target.get("connect_address"), timeout=module.params["timeout"],
                               client_cert=target.get("client_certificate"), client_key=target.get("client_key"),
                               protocol_probe=module.params["protocol_probe"])
    expected = _expected_cas(module, target)
    result = {"name": label, "address": target["address"], "ip": observed.get("ip"), "server_name": observed.get("server_name"),
              "connect_time_ms": observed.get("connect_time_ms"), "tls_time_ms": observed.get("tls_time_ms"),
              "tls_version": observed.get("tls_version"), "certificate": None, "chain_subjects": [], "chain_trusted": None}
    chain = observed.get("chain_pem") or []
    if chain and certs.HAS_CRYPTOGRAPHY:
        try:
            observed["certificate"] = certs.certificate_info(chain[0])
            result["certificate"] = observed["certificate"]
            result["chain_subjects"] = [certs.certificate_info(pem)["subject"] for pem in chain]
        except certs.CertificateError as exc:
            module.warn("%s: could not parse the presented certificate: %s" % (label, exc))
            observed["chain_pem"] = []
    findings = portcheck.analyse(observed, expect_model=target.get("security_model"), expected_cas=expected,
                                 warn_days=module.params["warn_days"], certs=certs)
    result["chain_trusted"] = observed.get("chain_trusted")
    result["findings"] = findings
    result["status"] = portcheck.status_of(findings, fail_on)
    result["diagnosis"] = portcheck.diagnosis_line(label, findings, result["status"])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            targets=dict(type="list", elements="dict", required=True, options=dict(
                address=dict(type="str", required=True),
                name=dict(type="str"),
                server_name=dict(type="str"),
                connect_address=dict(type="str"),
                security_model=dict(type="str", choices=["api_key", "certificate"]),
                ca_certificates=dict(type="list", elements="str"),
                ca_path=dict(type="path"),
                use_system_store=dict(type="bool"),
                client_certificate=dict(type="path"),
                client_key=dict(type="path", no_log=False),
            )),
            ca_certificates=dict(type="list", elements="str"),
            ca_path=dict(type="path"),
            use_system_store=dict(type="bool", default=False),
            timeout=dict(type="float", default=5.0),
            protocol_probe=dict(type="bool", default=True),
            warn_days=dict(type="int", default=30),
            fail_on=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    fail_on = module.params["fail_on"]
    if fail_on is None:
        fail_on = sorted(portcheck.ERROR_CODES)
    unknown = sorted(set(fail_on) - set(portcheck.FINDINGS))
    if unknown:
        module.fail_json(msg="fail_on: unknown finding code(s) %s; valid codes are %s" % (
            ", ".join(unknown), ", ".join(sorted(portcheck.FINDINGS))))
    if not certs.HAS_CRYPTOGRAPHY:
        module.warn("the Python library cryptography is missing: certificates are not analysed")
    results = [check_target(module, target, set(fail_on)) for target in module.params["targets"]]
    failed = [r["name"] for r in results if r["status"] == "failed"]
    if failed:
        module.fail_json(msg="; ".join(r["diagnosis"] for r in results if r["status"] == "failed"), results=results,
                         failed_targets=failed, changed=False)
    module.exit_json(changed=False, results=results, failed_targets=[])


if __name__ == "__main__":
    main()
