#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_environment_info
short_description: Read what an ECE environment tells about itself for remote clusters
version_added: 0.1.0
description:
  - Reads the ECE version, the local environment ID and CA certificate (the local trust relationship),
    the proxy certificate chain and its root CA, the deployment domain name, and the trust relationships
    with other ECE environments and Elastic Cloud organizations.
  - These are the values the other side of a remote-cluster connection needs (scope ID, CA, proxy root CA).
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.info_module
  - eceops.remote_clusters.attributes.actiongroup_ece
options:
  gather_subset:
    description:
      - Which parts to read. Each part needs its own ECE API calls; the platform parts need a platform
        administrator. Leave out parts the API key may not read.
    type: list
    elements: str
    choices: [platform, account, trust_relationships, proxy_certificate, domain]
    default: [platform, account, trust_relationships, proxy_certificate, domain]
  environment_id_source:
    description:
      - Which API field holds the environment ID shown in the ECE UI under B(Platform > Trust Management > Trust parameters),
        the ID that other environments and ECH use as scope ID and in remote cluster filters.
      - Elastic's documentation does not name the field. V(account_id) (the default) reads the account ID
        (C(GET /account) and C(account_ids[0]) of the local trust relationship), which is what the
        documentation's examples suggest; V(installation_id) reads the local trust relationship's C(installation_id).
      - See C(docs/open-questions.md) in the collection.
    type: str
    choices: [account_id, installation_id]
    default: account_id
notes:
  - Runs on the controller; it sends only GET requests.
seealso:
  - module: eceops.remote_clusters.ece_trust_relationship
  - module: eceops.remote_clusters.ece_deployment_info
'''

EXAMPLES = r'''
- name: Read the local environment's ID and CA
  eceops.remote_clusters.ece_environment_info:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ ece_api_key }}"
  register: env

- name: Show the values the other environment needs
  ansible.builtin.debug:
    msg: "environment {{ env.environment.environment_id }}, CA fingerprint {{ env.environment.ca_fingerprint }}"

- name: Only the proxy certificate chain (the root CA that API-key clients must trust)
  eceops.remote_clusters.ece_environment_info:
    gather_subset: [proxy_certificate]
  register: proxy
'''

RETURN = r'''
environment:
  description: What the ECE environment tells about itself. Keys of parts that were not gathered are absent.
  returned: success
  type: dict
  contains:
    ece_version:
      description: The ECE version (C(GET /platform)).
      type: str
      sample: 3.8.0
    environment_id:
      description: The environment ID, read from the field chosen by O(environment_id_source).
      type: str
      sample: ec38dd0aa45f4a69909ca5c81c27138a
    environment_id_source:
      description: The field the environment ID was read from.
      type: str
      sample: account_id
    account_id:
      description: The ID of the ECE account (C(GET /account)); the C(account_id) of same-environment trust entries.
      type: str
    installation_id:
      description: The C(installation_id) of the local trust relationship.
      type: str
    ca_certificate:
      description: The environment's CA certificate (PEM), from the local trust relationship.
      type: str
    ca_fingerprint:
      description: SHA-256 fingerprint of RV(environment.ca_certificate), lowercase hex.
      type: str
    local_trust_relationship:
      description: The trust relationship with C(local=true), without its certificate.
      type: dict
    trust_relationships:
      description: The trust relationships with other environments and organizations, each with C(ca_fingerprint) when known.
      type: list
      elements: dict
    proxy_chain:
      description: The proxy certificate chain (PEM list) presented on 9243, 9400 and 9443.
      type: list
      elements: str
    proxy_root_ca:
      description: The last certificate of the proxy chain, the root CA that API-key clients must trust when it is private.
      type: str
    proxy_root_ca_fingerprint:
      description: SHA-256 fingerprint of the proxy root CA.
      type: str
    proxy_chain_user_supplied:
      description: Whether the proxy certificate was uploaded by a user (else ECE generated it).
      type: bool
    deployment_domain_name:
      description: The deployment domain name; endpoints are C(<cluster_id>.<domain>).
      type: str
'''

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import (
    CertificateError, fingerprint, root_of_chain)

PARTS = ["platform", "account", "trust_relationships", "proxy_certificate", "domain"]


def _fingerprint(pem):
    """SHA-256 fingerprint of one certificate (works without the cryptography library), None when unreadable."""
    if not pem:
        return None
    try:
        return fingerprint(pem)
    except CertificateError:
        return None


def _root(chain):
    """The root CA of the proxy chain (the last self-signed certificate, else the last one)."""
    if not chain:
        return None
    try:
        return root_of_chain(chain)
    except CertificateError:
        return chain[-1]


def gather(module):
    """Read the requested parts of the environment."""
    ece = module.ece
    subset = module.params["gather_subset"]
    env = {"environment_id_source": module.params["environment_id_source"]}
    if "platform" in subset:
        env["ece_version"] = (ece.get("/platform").body or {}).get("version")
    if "account" in subset:
        env["account_id"] = (ece.get("/account").body or {}).get("id")
    if "trust_relationships" in subset:
        body = ece.get("/platform/configuration/trust-relationships", params={"include_certificate": "true"}).body or {}
        others = []
        for rel in body.get("trust_relationships", []):
            info = dict((key, rel.get(key)) for key in ("id", "name", "trust_by_default", "account_ids", "installation_id",
                                                        "local", "last_modified") if key in rel)
            info["ca_fingerprint"] = _fingerprint(rel.get("public_ca_cert"))
            if rel.get("local"):
                env["local_trust_relationship"] = info
                env["ca_certificate"] = rel.get("public_ca_cert")
                env["ca_fingerprint"] = info["ca_fingerprint"]
                env["installation_id"] = rel.get("installation_id")
                if not env.get("account_id") and rel.get("account_ids"):
                    env["account_id"] = rel["account_ids"][0]
            else:
                others.append(info)
        env["trust_relationships"] = others
    if "proxy_certificate" in subset:
        body = ece.get("/platform/configuration/security/tls/proxy").body or {}
        chain = body.get("chain") or []
        env["proxy_chain"] = chain
        env["proxy_root_ca"] = _root(chain)
        env["proxy_root_ca_fingerprint"] = _fingerprint(env["proxy_root_ca"])
        env["proxy_chain_user_supplied"] = body.get("user_supplied")
    if "domain" in subset:
        response = ece.get("/platform/configuration/networking/deployment_domain_name", missing_ok=True)
        env["deployment_domain_name"] = (response.body or {}).get("value") if response.status == 200 else None
    source = module.params["environment_id_source"]
    env["environment_id"] = env.get("installation_id") if source == "installation_id" else env.get("account_id")
    module.result["environment"] = env


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            gather_subset=dict(type="list", elements="str", choices=PARTS, default=list(PARTS)),
            environment_id_source=dict(type="str", choices=["account_id", "installation_id"], default="account_id"),
        ),
        connections=("ece",),
        supports_check_mode=True,
    )
    module.run(gather)


if __name__ == "__main__":
    main()
