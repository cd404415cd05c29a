#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_cluster_info
short_description: Read an Elasticsearch cluster's version, licence and the identity of the connection
version_added: 0.1.0
description:
  - Reads what the preflight checks need from one Elasticsearch cluster - the version and minimum wire compatibility
    version (C(GET /)), the licence (C(GET /_license)) and who the connection authenticates as
    (C(GET /_security/_authenticate)), including whether it is an API key (cross-cluster API keys cannot be created
    with one).
  - Through the ECE pass-through (O(es_deployment_id)) the version comes from the ECE API's view of the deployment.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.elasticsearch
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.info_module
  - eceops.remote_clusters.attributes.actiongroup_es
options:
  gather_subset:
    description: Which parts to read.
    type: list
    elements: str
    choices: [info, license, authenticate]
    default: [info, license, authenticate]
'''

EXAMPLES = r'''
- name: Version and licence of the remote cluster
  eceops.remote_clusters.es_cluster_info:
    es_url: https://es.example.com:9200
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
  register: remote

- name: The same for an ECE deployment, through the ECE API
  eceops.remote_clusters.es_cluster_info:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    es_deployment_id: "{{ deployment_id }}"
  register: local
'''

RETURN = r'''
cluster:
  description: What the cluster tells. Parts not gathered (or not readable with these credentials) are null.
  returned: success
  type: dict
  contains:
    version: {description: The version number., type: str, sample: 9.1.3}
    minimum_wire_compatibility_version: {description: The oldest version it can connect to (null through the ECE API)., type: str}
    cluster_name: {description: The cluster name (ECE/ECH - the cluster ID)., type: str}
    cluster_uuid: {description: The cluster UUID., type: str}
    build_flavor: {description: "C(default), or C(serverless).", type: str}
    license_type: {description: "The licence type (basic, gold, platinum, enterprise, trial).", type: str}
    license_status: {description: "The licence status (active, expired).", type: str}
    username: {description: The authenticated user or API key owner., type: str}
    authentication_type: {description: "C(realm), C(api_key), C(token).", type: str}
    authenticated_with_api_key: {description: Whether the connection uses an API key., type: bool}
    roles: {description: The roles of the authenticated user., type: list, elements: str}
    unreadable:
      description: Parts that could not be read, with the API's reason (for example a missing privilege).
      type: dict
'''

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError

PARTS = ["info", "license", "authenticate"]


def gather(module):
    """Read the requested parts; a part the credentials may not read is reported, not fatal."""
    es = module.es
    subset = module.params["gather_subset"]
    out = dict((key, None) for key in ("version", "minimum_wire_compatibility_version", "cluster_name", "cluster_uuid",
                                       "build_flavor", "license_type", "license_status", "username",
                                       "authentication_type", "authenticated_with_api_key", "roles"))
    out["unreadable"] = {}
    if "info" in subset:
        info = es.info()
        version = info.get("version") or {}
        out.update(version=version.get("number"), minimum_wire_compatibility_version=version.get("minimum_wire_compatibility_version"),
                   cluster_name=info.get("cluster_name"), cluster_uuid=info.get("cluster_uuid"),
                   build_flavor=version.get("build_flavor"))
    if "license" in subset:
        try:
            lic = (es.get("/_license").body or {}).get("license") or {}
            out.update(license_type=lic.get("type"), license_status=lic.get("status"))
        except EsApiError as exc:
            if exc.status not in (403, 404):
                raise
            out["unreadable"]["license"] = exc.reason
    if "authenticate" in subset:
        who = es.authenticate()
        out.update(username=who.get("username"), authentication_type=who.get("authentication_type"),
                   authenticated_with_api_key=who.get("authentication_type") == "api_key", roles=who.get("roles") or [])
    module.result["cluster"] = out


def main():
    module = RemoteClustersModule(
        argument_spec=dict(gather_subset=dict(type="list", elements="str", choices=PARTS, default=list(PARTS))),
        connections=("es", "ece"),
        supports_check_mode=True,
    )
    module.run(gather)


if __name__ == "__main__":
    main()
