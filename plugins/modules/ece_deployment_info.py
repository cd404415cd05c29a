#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_deployment_info
short_description: Read ECE deployments and what remote clusters need from their Elasticsearch resources
version_added: 0.1.0
description:
  - Reads one or many deployments of an ECE environment, by O(deployment_id), by O(name), by the ID of one of their
    Elasticsearch clusters (O(cluster_id)) or with a raw deployment search (O(query)). Without any of them it reads
    every deployment the credentials can see.
  - For each Elasticsearch resource it returns what a remote-cluster connection needs - the C(ref_id), the cluster
    ID, the version, the endpoint and aliased endpoint, the ready-made proxy addresses for the TLS certificate model
    (port 9400, C(transport_passthrough)) and the API key model (port 9443), the server name - and what decides
    whether it can connect - the C(system_owned) flag, the trust settings, the traffic filter rulesets, the node
    roles, whether CCR is enabled (deployments created before ECE 2.9.0) and the state of the last plan.
  - With O(include) it also reads the certificate-based remote clusters with their C(info) flags, the deployment's
    CA certificates (for peers outside the environment) and the names of the keystore settings.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.info_module
  - eceops.remote_clusters.attributes.actiongroup_ece
options:
  deployment_id:
    description:
      - The ID of the deployment to read.
      - Mutually exclusive with O(name), O(cluster_id) and O(query).
    type: str
  name:
    description:
      - The exact name of the deployment(s) to read. Names are not unique in ECE; every deployment with this name
        is returned.
      - Mutually exclusive with O(deployment_id), O(cluster_id) and O(query).
    type: str
  cluster_id:
    description:
      - The ID of an Elasticsearch cluster (C(resources.elasticsearch[].id)); returns the deployment that holds it.
      - Sent as a nested term query on C(resources.elasticsearch.id) to C(POST /deployments/_search), as Elastic's
        cloud-sdk-go does.
      - Mutually exclusive with O(deployment_id), O(name) and O(query).
    type: str
  query:
    description:
      - A raw ECE C(SearchRequest) with C(query), C(size), C(sort) (see the examples), sent as is to
        C(POST /deployments/_search). It only reads, so it also runs in check mode.
      - Mutually exclusive with O(deployment_id), O(name) and O(cluster_id).
    type: dict
  include:
    description:
      - Extra parts to read for every Elasticsearch resource. Each costs one more API call per resource.
      - V(remote_clusters) reads the certificate-based remote clusters (C(GET .../remote-clusters)) with their
        C(info) flags (C(connected), C(trusted), C(trusted_back), C(compatible), C(healthy)).
      - V(ca_certificates) reads the deployment's CA certificates (C(GET /deployments/{id}/certificate-authority))
        and the recommended trust restriction, which peers outside the environment need.
      - V(keystore) reads the names of the keystore settings (values cannot be read).
      - V(traffic_filters) reads the traffic filter rulesets that apply to the resource, with their rules
        (one C(GET /deployments/traffic-filter/rulesets/{id}) per ruleset), so a caller can tell whether they
        admit a given cluster or address.
    type: list
    elements: str
    choices: [remote_clusters, ca_certificates, keystore, traffic_filters]
    default: []
  fail_on_missing:
    description:
      - Fail when O(deployment_id), O(name) or O(cluster_id) matches no deployment.
      - With V(false) the module returns an empty RV(deployments) list instead.
    type: bool
    default: true
notes:
  - Sends only GET requests, and POST requests to the read-only search endpoint.
  - C(created_before_ece_2_9) comes from the field C(info.metadata.ccr), which ECE returns but its API
    specification does not document; when ECE does not return it, the value is null.
seealso:
  - module: eceops.remote_clusters.ece_environment_info
  - module: eceops.remote_clusters.ece_deployment_trust
  - module: eceops.remote_clusters.ece_remote_clusters
'''

EXAMPLES = r'''
- name: Read one deployment
  eceops.remote_clusters.ece_deployment_info:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    deployment_id: 4b2c7c1ee5e04fc7a7c28a3e4f2a1d0b
  register: info

- name: Show the address a TLS-model remote cluster connects to
  ansible.builtin.debug:
    msg: "{{ info.deployment.elasticsearch[0].proxy_address_certificate }}"

- name: Find the deployment that holds an Elasticsearch cluster, with its remote clusters and CA certificates
  eceops.remote_clusters.ece_deployment_info:
    cluster_id: 32c942669d07ee3c72ef3da0f8ec741b
    include: [remote_clusters, ca_certificates]
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ vault_ece_api_key }}"

- name: Every deployment whose name contains "logs"
  eceops.remote_clusters.ece_deployment_info:
    query:
      query:
        match:
          name:
            query: logs
      size: 100
  register: logs

- name: Names of deployments created before ECE 2.9.0 (they trust only themselves)
  ansible.builtin.debug:
    msg: "{{ logs.deployments | selectattr('elasticsearch.0.created_before_ece_2_9') | map(attribute='name') | list }}"
'''

RETURN = r'''
deployments:
  description: The deployments found, each as read with C(show_settings=true). Empty when nothing matched and
    O(fail_on_missing=false).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The deployment ID.
      type: str
      sample: 91cacd4d98b7752fc5462e9d154a16b6
    name:
      description: The deployment name.
      type: str
      sample: search-a
    alias:
      description: The deployment alias (used in aliased endpoints), or null.
      type: str
      sample: search-a
    healthy:
      description: Whether ECE reports the deployment healthy.
      type: bool
    system_owned:
      description: Whether this is an ECE system deployment (C(metadata.system_owned), the cluster-level flag, or one of
        the names admin-console-elasticsearch, logging-and-metrics, security). System deployments cannot be remote
        clusters nor have remote clusters.
      type: bool
    system_reason:
      description: Why the deployment counts as a system deployment, or null.
      type: str
    resource_version:
      description: The C(x-cloud-resource-version) of the deployment when it was read.
      type: str
    elasticsearch:
      description: One entry per Elasticsearch resource.
      type: list
      elements: dict
      contains:
        ref_id:
          description: The resource's C(ref_id).
          type: str
          sample: main-elasticsearch
        cluster_id:
          description: The Elasticsearch cluster ID.
          type: str
          sample: 32c942669d07ee3c72ef3da0f8ec741b
        cluster_name:
          description: The cluster name.
          type: str
        region:
          description: The region (C(ece-region) on ECE).
          type: str
        version:
          description: The Elasticsearch version of the current plan (else of the pending plan, else the highest running
            version).
          type: str
          sample: 9.1.3
        healthy:
          description: Whether the cluster is healthy.
          type: bool
        status:
          description: The cluster status (C(started), C(reconfiguring), ...).
          type: str
        endpoint:
          description: The cluster endpoint (C(info.metadata.endpoint)), C(<cluster_id>.<deployment domain>).
          type: str
          sample: 32c942669d07ee3c72ef3da0f8ec741b.ece.example.com
        aliased_endpoint:
          description: The endpoint derived from the deployment alias, or null.
          type: str
          sample: search-a.es.ece.example.com
        ports:
          description: The ports of C(info.metadata.ports) (C(http), C(https), C(transport_passthrough)).
          type: dict
        service_url:
          description: The HTTPS URL of the cluster.
          type: str
        cloud_id:
          description: The Cloud ID.
          type: str
        proxy_address_certificate:
          description: The C(proxy_address) for the TLS certificate security model,
            C(<endpoint>:<transport_passthrough port, 9400 by default>); null when the endpoint is unknown.
          type: str
          sample: 32c942669d07ee3c72ef3da0f8ec741b.ece.example.com:9400
        proxy_address_api_key:
          description: The C(proxy_address) for the API key security model, C(<endpoint>:9443); null when the endpoint
            is unknown.
          type: str
          sample: 32c942669d07ee3c72ef3da0f8ec741b.ece.example.com:9443
        server_name:
          description: The C(server_name) to use with either proxy address (the endpoint).
          type: str
        system_owned:
          description: Whether the deployment or the cluster has the C(system_owned) flag.
          type: bool
        trust:
          description: The trust settings (C(accounts), C(external), C(direct)) as ECE returns them, certificates
            included; null when ECE did not return them.
          type: dict
        traffic_filter_rulesets:
          description: IDs of the traffic filter rulesets that apply (deployment and cluster level), or null.
          type: list
          elements: str
        node_roles:
          description: The node roles of all instances.
          type: list
          elements: str
        has_remote_cluster_client:
          description: Whether some node has the C(remote_cluster_client) role (needed to connect to remote clusters);
            null when ECE does not report roles.
          type: bool
        ccr_enabled:
          description: The value of C(info.metadata.ccr) (not in the API specification), or null when absent.
          type: bool
        created_before_ece_2_9:
          description: True when the resource was created before ECE 2.9.0 and CCR has not been enabled
            (C(info.metadata.ccr) is false); such deployments trust only themselves. False when C(ccr) is true, null
            when ECE does not tell.
          type: bool
        plan:
          description: The state of the last plan (C(state) one of C(pending), C(success), C(failed), C(none);
            C(attempt_id), C(message), C(failure_type), C(step_id)).
          type: dict
        remote_clusters:
          description: The certificate-based remote clusters with their C(info) flags; only with
            O(include=remote_clusters), else null.
          type: list
          elements: dict
          sample: [{"alias": "logs", "deployment_id": "d8d8ba38d22261ca132d88ecff313c61",
                    "elasticsearch_ref_id": "main-elasticsearch", "skip_unavailable": false,
                    "info": {"connected": true, "trusted": true, "trusted_back": true, "compatible": true, "healthy": true}}]
        ca_certificates:
          description: The deployment's CA certificates (C(pem), C(fingerprint) (SHA-256, lowercase hex), C(active),
            C(not_after)); only with O(include=ca_certificates), else null.
          type: list
          elements: dict
        recommended_trust_restriction:
          description: The trust restriction that matches this deployment's nodes, for a peer's trust restrictions;
            only with O(include=ca_certificates), else null.
          type: str
          sample: "*.node.32c942669d07ee3c72ef3da0f8ec741b.cluster.a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b.account"
        keystore:
          description: The names of the keystore settings; only with O(include=keystore), else null.
          type: list
          elements: str
        traffic_filters:
          description:
            - The traffic filter rulesets that apply (C(id), C(name), C(type), C(region), C(include_by_default),
              C(rules) with C(source), C(remote_cluster_id), C(remote_cluster_org_id), C(description)); only with
              O(include=traffic_filters), else null.
          type: list
          elements: dict
deployment:
  description: The single deployment found (same shape as an element of RV(deployments)); absent when the search
    found none or several.
  returned: when exactly one deployment was found
  type: dict
'''

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceClient, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import CertificateError, fingerprint
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, es_resources, is_system_deployment, proxy_addresses)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import plan_status

INCLUDES = ["remote_clusters", "ca_certificates", "keystore", "traffic_filters"]
GET_PARAMS = {"show_settings": "true"}
MAX_SEARCH_PAGES = 100


def cluster_id_query(cluster_id):
    """The SearchRequest that finds the deployment holding an Elasticsearch cluster (cloud-sdk-go's lookup query)."""
    return {"query": {"nested": {"path": "resources.elasticsearch",
                                 "query": {"term": {"resources.elasticsearch.id": {"value": cluster_id}}}}}}


def created_before_ece_2_9(ccr_enabled):
    """True when ``info.metadata.ccr`` is false, False when true, None when ECE does not tell."""
    if ccr_enabled is None:
        return None
    return not bool(ccr_enabled)


def _fingerprint(pem, fallback=None):
    try:
        return fingerprint(pem)
    except (CertificateError, TypeError):
        return fallback


def ca_certificates(body):
    """``(certificates, recommended_trust_restriction)`` from a ``CertificateAuthority`` body."""
    body = body or {}
    certificates = []
    for item in body.get("public_certificates") or []:
        if not isinstance(item, dict):
            continue
        metadata = item.get("metadata") or {}
        certificates.append({
            "pem": item.get("pem"),
            "fingerprint": _fingerprint(item.get("pem"), metadata.get("fingerprint")),
            "active": item.get("active"),
            "not_after": metadata.get("valid_to"),
            "not_before": metadata.get("valid_from"),
        })
    return certificates, body.get("recommended_trust_restriction")


def resource_view(resource_summary, raw_resource):
    """The returned dict of one Elasticsearch resource."""
    view = dict(resource_summary)
    view.pop("settings_loaded", None)
    try:
        addresses = proxy_addresses(resource_summary)
    except EndpointError:
        addresses = {"certificate": None, "api_key": None, "server_name": None}
    view["proxy_address_certificate"] = addresses["certificate"]
    view["proxy_address_api_key"] = addresses["api_key"]
    view["server_name"] = addresses["server_name"]
    view["created_before_ece_2_9"] = created_before_ece_2_9(resource_summary.get("ccr_enabled"))
    view["plan"] = plan_status(((raw_resource or {}).get("info") or {}).get("plan_info"))
    view["remote_clusters"] = None
    view["ca_certificates"] = None
    view["recommended_trust_restriction"] = None
    view["keystore"] = None
    view["traffic_filters"] = None
    return view


def deployment_view(deployment, resource_version=None):
    """The returned dict of one deployment (without the ``include`` parts)."""
    system, reason = is_system_deployment(deployment)
    raw = [r for r in ((deployment.get("resources") or {}).get("elasticsearch") or []) if isinstance(r, dict)]
    return {
        "id": deployment.get("id"),
        "name": deployment.get("name"),
        "alias": deployment.get("alias"),
        "healthy": deployment.get("healthy"),
        "system_owned": system,
        "system_reason": reason,
        "resource_version": resource_version,
        "elasticsearch": [resource_view(summary, resource) for summary, resource in zip(es_resources(deployment), raw)],
    }


def read_deployment(ece, deployment_id):
    """``(DeploymentGetResponse, resource version)`` or ``(None, None)`` when the deployment does not exist."""
    response = ece.get(api_path("/deployments/{id}", id=deployment_id), params=GET_PARAMS, missing_ok=True)
    if response.status == 404:
        return None, None
    return response.body or {}, EceClient.resource_version(response)


def search_ids(ece, request):
    """Deployment IDs matched by a SearchRequest, following ``cursor`` pages."""
    ids = []
    body = dict(request or {})
    for page in range(MAX_SEARCH_PAGES):
        result = ece.post("/deployments/_search", json_body=body, read=True).body or {}
        found = [d.get("id") for d in result.get("deployments") or [] if isinstance(d, dict) and d.get("id")]
        ids.extend(i for i in found if i not in ids)
        cursor = result.get("cursor")
        total = result.get("match_count")
        if not found or not cursor or total is None or len(ids) >= total or page + 1 >= MAX_SEARCH_PAGES:
            break
        body = {"cursor": cursor}
    return ids


def list_ids(ece, name=None):
    """IDs of every deployment (``GET /deployments``), or of those with exactly this name."""
    listing = ece.get("/deployments").body or {}
    return [d.get("id") for d in listing.get("deployments") or []
            if isinstance(d, dict) and d.get("id") and (name is None or d.get("name") == name)]


def add_includes(ece, view, include):
    """Read the ``include`` parts of one deployment into its view."""
    ca_body = None
    if "ca_certificates" in include and view["elasticsearch"]:
        response = ece.get(api_path("/deployments/{id}/certificate-authority", id=view["id"]), missing_ok=True)
        ca_body = response.body if response.status == 200 else None
    for resource in view["elasticsearch"]:
        ref_path = dict(id=view["id"], ref=resource["ref_id"])
        if "remote_clusters" in include:
            body = ece.get(api_path("/deployments/{id}/elasticsearch/{ref}/remote-clusters", **ref_path)).body or {}
            resource["remote_clusters"] = [item for item in body.get("resources") or [] if isinstance(item, dict)]
        if "ca_certificates" in include and ca_body is not None:
            resource["ca_certificates"], resource["recommended_trust_restriction"] = ca_certificates(ca_body)
        if "keystore" in include:
            body = ece.get(api_path("/deployments/{id}/elasticsearch/{ref}/keystore", **ref_path)).body or {}
            resource["keystore"] = sorted((body.get("secrets") or {}).keys())
        if "traffic_filters" in include:
            resource["traffic_filters"] = traffic_filters(ece, resource.get("traffic_filter_rulesets") or [])


def traffic_filters(ece, ruleset_ids):
    """The rulesets with these IDs, rules included (a ruleset deleted meanwhile is skipped)."""
    out = []
    for ruleset_id in ruleset_ids:
        response = ece.get(api_path("/deployments/traffic-filter/rulesets/{id}", id=ruleset_id), missing_ok=True)
        if response.status != 200 or not isinstance(response.body, dict):
            continue
        body = response.body
        rules = [dict((key, rule.get(key)) for key in ("id", "source", "remote_cluster_id", "remote_cluster_org_id", "description")
                      if rule.get(key) is not None) for rule in body.get("rules") or [] if isinstance(rule, dict)]
        out.append({"id": body.get("id", ruleset_id), "name": body.get("name"), "type": body.get("type"),
                    "region": body.get("region"), "include_by_default": body.get("include_by_default"), "rules": rules})
    return out


def _selector(params):
    for option in ("deployment_id", "name", "cluster_id"):
        if params.get(option) is not None:
            return option, params[option]
    return None, None


def gather(module):
    """Find the deployments, read each, add the ``include`` parts."""
    ece = module.ece
    params = module.params
    option, value = _selector(params)
    for key in ("deployment_id", "name", "cluster_id"):
        if params.get(key) is not None and not str(params[key]).strip():
            raise ModuleParameterError(key, "must not be empty", "Give the %s of the deployment, or leave the option out" % key)
    if option == "deployment_id":
        ids = [value]
    elif option == "name":
        ids = list_ids(ece, value)
    elif option == "cluster_id":
        ids = search_ids(ece, cluster_id_query(value))
    elif params.get("query") is not None:
        ids = search_ids(ece, params["query"])
    else:
        ids = list_ids(ece)
    deployments = []
    for deployment_id in ids:
        deployment, version = read_deployment(ece, deployment_id)
        if deployment is None:
            continue  # deleted between the listing and the read, or an unknown ID (handled below)
        view = deployment_view(deployment, version)
        add_includes(ece, view, params["include"])
        deployments.append(view)
    if not deployments and option and params["fail_on_missing"]:
        what = {"deployment_id": "with ID", "name": "named", "cluster_id": "holding the Elasticsearch cluster"}[option]
        raise ModuleParameterError(option, "no deployment %s %r in this ECE environment (%s)" % (what, value, ece.root_url),
                                   "Check the value (ece_deployment_info without options lists every deployment), or set "
                                   "fail_on_missing=false to get an empty list")
    module.result["deployments"] = deployments
    if len(deployments) == 1:
        module.result["deployment"] = deployments[0]


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            deployment_id=dict(type="str"),
            name=dict(type="str"),
            cluster_id=dict(type="str"),
            query=dict(type="dict"),
            include=dict(type="list", elements="str", choices=INCLUDES, default=[]),
            fail_on_missing=dict(type="bool", default=True),
        ),
        connections=("ece",),
        mutually_exclusive=[("deployment_id", "name", "cluster_id", "query")],
        supports_check_mode=True,
    )
    module.run(gather)


if __name__ == "__main__":
    main()
