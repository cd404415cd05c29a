# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O): connection data derived from an ECE ``DeploymentGetResponse``
(``GET /api/v1/deployments/{id}``, ideally with ``show_settings=true``).

Where things live (ece-api.md section 1.1): endpoints and ports in
``resources.elasticsearch[].info.metadata``; the Elasticsearch version in the plan
(``info.plan_info.current.plan.elasticsearch.version``) or in the running instances
(``info.topology.instances[].service_version``); trust in ``info.settings.trust``.

Proxy addresses (open-questions.md section 9, scenarios.md section 4.1): the certificate model uses
``<endpoint>:<ports.transport_passthrough>`` (9400 by default), the API key model ``<endpoint>:9443``.
No API field carries 9443; every client hard-codes it. ``server_name`` is the endpoint.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress

from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import parse_version

DEFAULT_TRANSPORT_PASSTHROUGH_PORT = 9400
REMOTE_CLUSTER_SERVER_PORT = 9443
DEFAULT_DOMAIN_SUFFIX = "ip.es.io"
MAIN_REF_ID = "_main"
SYSTEM_DEPLOYMENT_NAMES = ("admin-console-elasticsearch", "logging-and-metrics", "security")
REMOTE_CLUSTER_CLIENT_ROLE = "remote_cluster_client"


class EndpointError(ValueError):
    """The deployment does not hold the data asked for (missing endpoint, unknown or ambiguous ref_id, ...)."""


def _get(obj, *path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _version_key(version):
    try:
        return parse_version(version)
    except ValueError:
        return None


def _resource_version(info):
    for attempt in ("current", "pending"):
        version = _get(info, "plan_info", attempt, "plan", "elasticsearch", "version")
        if version:
            return version
    best, best_key = None, None
    for instance in _get(info, "topology", "instances") or []:
        version = _get(instance, "service_version")
        key = _version_key(version) if version else None
        if key is not None and (best_key is None or key > best_key):
            best, best_key = version, key
    return best


def _node_roles(info):
    """(sorted union of node_roles, whether any instance reported node_roles)."""
    roles, known = set(), False
    for instance in _get(info, "topology", "instances") or []:
        instance_roles = _get(instance, "node_roles")
        if isinstance(instance_roles, list) and instance_roles:
            known = True
            roles.update(str(role) for role in instance_roles)
    return sorted(roles), known


def _rulesets(deployment, info):
    found = False
    rulesets = set()
    for value in (_get(deployment, "settings", "traffic_filter_settings", "rulesets"),
                  _get(info, "settings", "traffic_filter", "rulesets")):
        if isinstance(value, list):
            found = True
            rulesets.update(value)
    return sorted(rulesets) if found else None


def resource_summary(resource, deployment=None):
    """Summary dict of one ``ElasticsearchResourceInfo`` (see ``es_resources`` for the keys)."""
    resource = resource or {}
    info = resource.get("info") or {}
    metadata = info.get("metadata") or {}
    settings = info.get("settings")
    roles, roles_known = _node_roles(info)
    ports = metadata.get("ports")
    return {
        "ref_id": resource.get("ref_id"),
        "cluster_id": resource.get("id") or info.get("cluster_id"),
        "cluster_name": info.get("cluster_name"),
        "region": resource.get("region") or info.get("region"),
        "version": _resource_version(info),
        "endpoint": metadata.get("endpoint"),
        "aliased_endpoint": metadata.get("aliased_endpoint"),
        "ports": dict(ports) if isinstance(ports, dict) else None,
        "service_url": metadata.get("service_url"),
        "cloud_id": metadata.get("cloud_id"),
        "healthy": info.get("healthy"),
        "status": info.get("status"),
        "system_owned": bool(_get(deployment, "metadata", "system_owned")) or bool(_get(settings, "metadata", "system_owned")),
        "settings_loaded": isinstance(settings, dict),
        "trust": settings.get("trust") if isinstance(settings, dict) else None,
        "traffic_filter_rulesets": _rulesets(deployment, info),
        "node_roles": roles,
        "has_remote_cluster_client": (REMOTE_CLUSTER_CLIENT_ROLE in roles) if roles_known else None,
        "ccr_enabled": metadata.get("ccr"),
    }


def _raw_resources(deployment):
    resources = _get(deployment, "resources", "elasticsearch") or []
    return [r for r in resources if isinstance(r, dict)]


def es_resources(deployment):
    """One summary dict per ``resources.elasticsearch[]`` of a ``DeploymentGetResponse``.

    Keys: ``ref_id``, ``cluster_id``, ``cluster_name``, ``region``, ``version`` (current plan, else pending plan,
    else the highest running ``service_version``; None if unknown), ``endpoint``, ``aliased_endpoint``, ``ports``
    (dict or None), ``service_url``, ``cloud_id``, ``healthy``, ``status``, ``system_owned`` (deployment or
    cluster flag), ``settings_loaded`` (False when the GET lacked ``show_settings=true``), ``trust`` (None when
    settings are absent), ``traffic_filter_rulesets`` (sorted union of deployment and cluster level; None when
    neither is present), ``node_roles`` (sorted union over instances), ``has_remote_cluster_client`` (None when no
    instance reports roles), ``ccr_enabled`` (``info.metadata.ccr``; None when absent).
    """
    return [resource_summary(resource, deployment) for resource in _raw_resources(deployment)]


def is_ip_address(host):
    """True for an IPv4 or IPv6 literal (brackets allowed)."""
    try:
        ipaddress.ip_address(str(host).strip("[]"))
    except ValueError:
        return False
    return True


def format_host(host):
    """Bracket an IPv6 literal (``2001:db8::1`` -> ``[2001:db8::1]``); anything else unchanged."""
    bare = str(host).strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return host
    return "[%s]" % bare if address.version == 6 else bare


def join_host_port(host, port):
    """``host:port`` with IPv6 literals bracketed."""
    return "%s:%s" % (format_host(host), int(port))


def _transport_port(ports):
    value = (ports or {}).get("transport_passthrough")
    try:
        port = int(value)
    except (TypeError, ValueError):
        return DEFAULT_TRANSPORT_PASSTHROUGH_PORT
    return port if 0 < port <= 65535 else DEFAULT_TRANSPORT_PASSTHROUGH_PORT


def proxy_addresses(resource, use_alias=False):
    """Remote-cluster connection values for one Elasticsearch resource.

    ``resource`` is a summary from ``es_resources``/``select_resource`` or a raw ``ElasticsearchResourceInfo``.
    Returns ``{"certificate": "<host>:<transport_passthrough or 9400>", "api_key": "<host>:9443",
    "server_name": "<host>"}`` where host is ``endpoint`` (``aliased_endpoint`` with ``use_alias``). IPv6 literals
    are bracketed in the addresses; ``server_name`` is None for an IP literal (TLS SNI carries host names only).
    Raises EndpointError when the endpoint (or the aliased endpoint) is absent.
    """
    summary = resource if "endpoint" in (resource or {}) else resource_summary(resource)
    key = "aliased_endpoint" if use_alias else "endpoint"
    host = summary.get(key)
    if not host:
        where = "info.metadata.%s" % key
        if use_alias:
            raise EndpointError("Elasticsearch resource '%s' has no aliased endpoint (%s); the deployment has no alias or the ECE "
                                "version does not provide one; use the plain endpoint instead" % (summary.get("ref_id"), where))
        raise EndpointError("Elasticsearch resource '%s' has no endpoint (%s); the deployment may still be initializing or its "
                            "domain is not configured" % (summary.get("ref_id"), where))
    host = str(host).strip()
    return {
        "certificate": join_host_port(host, _transport_port(summary.get("ports"))),
        "api_key": join_host_port(host, REMOTE_CLUSTER_SERVER_PORT),
        "server_name": None if is_ip_address(host) else host,
    }


def endpoint_from_domain(cluster_id, domain):
    """``<cluster_id>.<domain>``, the ECE endpoint format. Raises EndpointError on empty input."""
    cluster_id = (cluster_id or "").strip()
    domain = (domain or "").strip().strip(".")
    if not cluster_id:
        raise EndpointError("cluster_id must not be empty")
    if not domain:
        raise EndpointError("domain must not be empty")
    return "%s.%s" % (cluster_id, domain)


def default_domain(ip):
    """ECE's default deployment domain for a host IP: ``<ip>.ip.es.io``. IPv4 only (raises EndpointError otherwise)."""
    text = str(ip or "").strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise EndpointError("'%s' is not an IP address; the default ECE domain is '<IPv4 address>.%s'" % (text, DEFAULT_DOMAIN_SUFFIX)) from None
    if address.version != 4:
        raise EndpointError("the default ECE domain '<ip>.%s' only works with IPv4 addresses, got '%s'; "
                            "configure a deployment domain name instead" % (DEFAULT_DOMAIN_SUFFIX, text))
    return "%s.%s" % (address, DEFAULT_DOMAIN_SUFFIX)


def select_resource(deployment, ref_id=None, raw=False):
    """The single Elasticsearch resource selected by ``ref_id``.

    ``ref_id`` None or ``"_main"`` means "the only one". Returns the summary dict (see ``es_resources``), or the
    raw ``ElasticsearchResourceInfo`` with ``raw=True``. Raises EndpointError listing the available ref_ids when
    the deployment has none, several (and no ref_id was given), or none with that ref_id.
    """
    resources = _raw_resources(deployment)
    deployment_id = _get(deployment, "id") or "(unknown id)"
    available = ", ".join(sorted(str(r.get("ref_id")) for r in resources)) or "none"
    if ref_id in (None, "", MAIN_REF_ID):
        if not resources:
            raise EndpointError("deployment %s has no Elasticsearch resource" % deployment_id)
        if len(resources) > 1:
            raise EndpointError("deployment %s has %d Elasticsearch resources; set ref_id to one of: %s"
                                % (deployment_id, len(resources), available))
        chosen = resources[0]
    else:
        matches = [r for r in resources if r.get("ref_id") == ref_id]
        if not matches:
            raise EndpointError("deployment %s has no Elasticsearch resource with ref_id '%s'; available: %s"
                                % (deployment_id, ref_id, available))
        chosen = matches[0]
    return chosen if raw else resource_summary(chosen, deployment)


def is_system_deployment(deployment):
    """``(True, reason)`` for an ECE system deployment, else ``(False, None)``.

    System deployments cannot be remote clusters nor have remote clusters (scenarios.md R6). The flags
    ``metadata.system_owned`` and ``info.settings.metadata.system_owned`` decide; the well-known names
    (admin-console-elasticsearch, logging-and-metrics, security) are a secondary hint.
    """
    if _get(deployment, "metadata", "system_owned") is True:
        return True, "deployment %s has metadata.system_owned: true" % (_get(deployment, "id") or "")
    for resource in _raw_resources(deployment):
        if _get(resource, "info", "settings", "metadata", "system_owned") is True:
            return True, ("Elasticsearch resource '%s' has info.settings.metadata.system_owned: true"
                          % resource.get("ref_id"))
    name = _get(deployment, "name")
    if isinstance(name, str) and name.strip().lower() in SYSTEM_DEPLOYMENT_NAMES:
        return True, ("deployment name '%s' is one of the ECE system deployments (%s)"
                      % (name, ", ".join(SYSTEM_DEPLOYMENT_NAMES)))
    for resource in _raw_resources(deployment):
        cluster_name = _get(resource, "info", "cluster_name")
        if isinstance(cluster_name, str) and cluster_name.strip().lower() in SYSTEM_DEPLOYMENT_NAMES:
            return True, ("Elasticsearch cluster name '%s' is one of the ECE system deployments (%s)"
                          % (cluster_name, ", ".join(SYSTEM_DEPLOYMENT_NAMES)))
    return False, None
