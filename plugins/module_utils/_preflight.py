# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) of the roles ``side_facts``, ``preflight``, ``privileges``, ``network_security`` and ``verify``:

* sides: the generic descriptor of one end of a connection (``type`` ``ece``, ``ech``, ``self_managed`` or
  ``eck``), its problems (``side_problems``), the module options that reach it (``es_connection``,
  ``ece_connection``) and the normalised facts the other roles rely on (``normalize_side``);
* the preflight checks (``preflight_findings``): versions (CCS, CCR, the API-key model), system deployments,
  deployments created before ECE 2.9.0, licences, the ``remote_cluster_client`` role, who may create the
  cross-cluster key, the remote address, the port checks and the traffic filters of the remote; each finding is
  ``{check, status, detail, fix}`` with ``status`` one of ``pass``, ``fail``, ``warn``, ``skip``;
* rendering (``findings_table``, ``failure_message``);
* the plans of the building blocks ``network_security`` (``network_security_plan``), ``privileges``
  (``privileges_roles``) and ``verify`` (``search_outcome``).

Sources: scenarios.md R1/R1b/R2 (versions), R5 (ECE 2.9.0), R6 (system deployments), R10 (licences, node role),
R11 (traffic filters), §2.1 (who creates the key), §2.2 (roles of the certificate model); es-api.md §3 (licences).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import textwrap

from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import (
    API_KEY_MODEL_SINCE, api_key_model_supported, ccr_compatible, ccs_compatible, format_version, parse_version, supports)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import validate_alias

SIDE_TYPES = ("ece", "ech", "self_managed", "eck")
MODELS = ("api_key", "certificate")
STATUSES = ("pass", "fail", "warn", "skip")
MANAGED_BY = "eceops.remote_clusters"

ES_OPTION_KEYS = ("url", "username", "password", "api_key", "ca_path", "validate_certs")
ECE_OPTION_KEYS = ("url", "api_key", "username", "password", "ca_path", "validate_certs")

#: Keys a side may hold, per type (common keys first). Anything else is reported as unknown.
COMMON_SIDE_KEYS = ("type", "es", "egress_ips", "label", "remote_cluster_address", "transport_address", "server_name")
SIDE_KEYS = {
    "ece": COMMON_SIDE_KEYS + ("ece", "deployment_id", "ref_id", "environment_id_source"),
    "ech": COMMON_SIDE_KEYS + ("ece", "deployment_id", "ref_id", "organization_id"),
    "self_managed": COMMON_SIDE_KEYS + ("hosts", "config_dir", "keystore_command", "restart_command", "service_name",
                                        "ca_path", "scope_id", "node_names", "cluster_id",
                                        # used by the self-managed task files of trust/credentials (roles-design.md)
                                        "become", "remote_cluster_server_settings", "trust_restrictions"),
    "eck": COMMON_SIDE_KEYS + ("name", "namespace", "manifests_dir", "apply", "kubectl", "ca_path",
                               # used by the ECK task files of trust/credentials (roles-design.md)
                               "kubectl_args", "manifest", "expose", "trust_restrictions"),
}

#: Licence levels, lowest first. ``trial`` has every feature.
LICENSE_RANK = {"basic": 0, "standard": 1, "gold": 2, "platinum": 3, "enterprise": 4, "trial": 5}

#: Traffic filter ruleset types that decide who may connect to a deployment (the others are egress or private links).
INGRESS_RULESET_TYPES = ("ip", "remote_cluster")

#: Privileges of the roles the ``privileges`` building block creates (scenarios.md §2.1 step 5 and §2.2).
API_KEY_SEARCH_PRIVILEGES = ["read", "read_cross_cluster", "view_index_metadata"]
API_KEY_REPLICATION_PRIVILEGES = ["cross_cluster_replication"]
CERT_REMOTE_SEARCH_PRIVILEGES = ["read", "read_cross_cluster"]
CERT_REMOTE_REPLICATION_PRIVILEGES = ["monitor", "read"]
CERT_LOCAL_FOLLOWER_PRIVILEGES = ["monitor", "read", "write", "manage_follow_index"]


class PreflightError(ValueError):
    """Input the logic cannot work with (a side or an option that is not what it must be)."""


# ---------------------------------------------------------------------------------------------------------- helpers
def _get(obj, *path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _version(value):
    """A parsed version tuple, or None for a missing or unparsable value."""
    if value in (None, ""):
        return None
    try:
        return parse_version(value)
    except ValueError:
        return None


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _label(facts, default):
    return (facts or {}).get("label") or default


def finding(check, status, detail, fix=""):
    """One finding ``{check, status, detail, fix}``; ``status`` must be one of STATUSES."""
    if status not in STATUSES:
        raise PreflightError("status %r is not one of %s" % (status, ", ".join(STATUSES)))
    return {"check": check, "status": status, "detail": detail, "fix": fix or ""}


# ---------------------------------------------------------------------------------------------------------- sides
def side_problems(side, name="side"):
    """What is wrong with a side descriptor, as a list of sentences (empty when it is usable)."""
    if not isinstance(side, dict):
        return ["%s must be a dict describing one cluster (type: ece, ech, self_managed or eck), got %s"
                % (name, type(side).__name__)]
    problems = []
    kind = side.get("type")
    if kind not in SIDE_TYPES:
        return ["%s.type must be one of %s, got %r" % (name, ", ".join(SIDE_TYPES), kind)]
    unknown = sorted(set(side) - set(SIDE_KEYS[kind]))
    if unknown:
        problems.append("%s has keys a side of type %s does not take: %s (allowed: %s)" % (
            name, kind, ", ".join(unknown), ", ".join(sorted(SIDE_KEYS[kind]))))
    es = side.get("es")
    if es is not None:
        if not isinstance(es, dict):
            problems.append("%s.es must be a dict (url, username/password or api_key, ca_path, validate_certs)" % name)
        else:
            bad = sorted(set(es) - set(ES_OPTION_KEYS))
            if bad:
                problems.append("%s.es has unknown keys %s (allowed: %s)" % (name, ", ".join(bad), ", ".join(ES_OPTION_KEYS)))
            if not es.get("url"):
                problems.append("%s.es.url is required when %s.es is given (the Elasticsearch HTTPS URL)" % (name, name))
            if not (es.get("api_key") or (es.get("username") and es.get("password"))):
                problems.append("%s.es needs credentials: username and password, or api_key" % name)
    ece = side.get("ece")
    if kind in ("ece", "ech"):
        if not isinstance(ece, dict) or not ece.get("url"):
            problems.append("%s.ece.url is required for a side of type %s (the %s API URL)" % (
                name, kind, "ECE" if kind == "ece" else "Elastic Cloud"))
        else:
            bad = sorted(set(ece) - set(ECE_OPTION_KEYS))
            if bad:
                problems.append("%s.ece has unknown keys %s (allowed: %s)" % (name, ", ".join(bad), ", ".join(ECE_OPTION_KEYS)))
            if not (ece.get("api_key") or (ece.get("username") and ece.get("password"))):
                problems.append("%s.ece needs credentials: api_key, or username and password (ECE only)" % name)
            if kind == "ech" and not ece.get("api_key"):
                problems.append("%s.ece.api_key is required: the Elastic Cloud API takes API keys only" % name)
        if not side.get("deployment_id"):
            problems.append("%s.deployment_id is required for a side of type %s" % (name, kind))
        if kind == "ech" and not es:
            problems.append("%s.es is required for a side of type ech: Elastic Cloud Hosted has no Elasticsearch "
                            "pass-through in its API" % name)
        if side.get("environment_id_source") not in (None, "account_id", "installation_id"):
            problems.append("%s.environment_id_source must be account_id or installation_id" % name)
    else:
        if not es:
            problems.append("%s.es is required for a side of type %s (how to reach its Elasticsearch)" % (name, kind))
        if kind == "eck" and side.get("apply") not in (None, "kubectl", "k8s", "none"):
            problems.append("%s.apply must be kubectl, k8s or none" % name)
        if kind == "self_managed" and side.get("hosts") is not None and not isinstance(side.get("hosts"), list):
            problems.append("%s.hosts must be a list of inventory host names" % name)
    for key in ("egress_ips",):
        value = side.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            problems.append("%s.%s must be a list of IP addresses or CIDRs" % (name, key))
            continue
        for item in value:
            try:
                ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                problems.append("%s.%s: %r is not an IP address or CIDR (DNS names are not allowed in IP filters)"
                                % (name, key, item))
    return problems


def _explicit(prefix, conn, keys):
    """Every connection option set explicitly, so the modules' environment fallbacks (ECE_*/ES_*, which may
    describe another side, e.g. in an AWX job) never fill in a key this side left out."""
    out = {}
    for key in keys:
        value = conn.get(key)
        if key == "validate_certs":
            value = True if value is None else value
        elif value is None:
            value = ""
        out[prefix + key] = value
    return out


def ece_connection(side):
    """The ``ece_*`` module options of a side (None when it has no ECE API)."""
    ece = (side or {}).get("ece")
    if not isinstance(ece, dict) or not ece.get("url"):
        return None
    return _explicit("ece_", ece, ECE_OPTION_KEYS)


def es_connection(side):
    """The ``es_*`` module options that reach the side's Elasticsearch: its ``es`` connection, else (ECE) the
    ECE API pass-through (``es_deployment_id``, ``es_ref_id`` and the ``ece_*`` options). None when neither exists."""
    side = side or {}
    es = side.get("es")
    if isinstance(es, dict) and es.get("url"):
        return _explicit("es_", es, ES_OPTION_KEYS)
    if side.get("type") == "ece" and side.get("deployment_id"):
        out = {"es_deployment_id": side["deployment_id"], "es_ref_id": side.get("ref_id") or "_main"}
        out.update(ece_connection(side) or {})
        return out
    return None


def _api_base(url):
    text = (url or "").strip().rstrip("/").lower()
    if text.endswith("/api/v1"):
        text = text[:-len("/api/v1")]
    return text


def _pems(value):
    """A list of PEM texts from a list, a string holding one or more blocks, or None."""
    out = []
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("pem")
        if not item:
            continue
        text = str(item)
        blocks = text.split("-----END CERTIFICATE-----")
        for block in blocks:
            if "-----BEGIN CERTIFICATE-----" in block:
                out.append(block[block.index("-----BEGIN CERTIFICATE-----"):].strip() + "\n-----END CERTIFICATE-----\n")
    return out


def _host_port(address):
    if not address:
        return None, None
    text = str(address)
    if text.startswith("["):
        host, _sep, port = text[1:].partition("]:")
        return host, port
    host, _sep, port = text.rpartition(":")
    return host, port


def select_es_resource(deployment, ref_id=None):
    """The Elasticsearch resource of a deployment as ``ece_deployment_info`` returns it (``{id, name, system_owned,
    elasticsearch: [...]}``), merged with the deployment-level keys (``deployment_id``, ``name``, ``system_owned``,
    ``subscription_level``, ``organization_id``); a resource summary (no ``elasticsearch`` key) is returned as is.
    ``ref_id`` None or ``_main`` means the only resource. Raises PreflightError when it is ambiguous or missing."""
    dep = deployment or {}
    if "elasticsearch" not in dep:
        return dict(dep)
    resources = [r for r in dep.get("elasticsearch") or [] if isinstance(r, dict)]
    if ref_id in (None, "", "_main"):
        if len(resources) != 1:
            raise PreflightError("deployment %s has %d Elasticsearch resources (%s): set ref_id in the side" % (
                dep.get("id"), len(resources), ", ".join(str(r.get("ref_id")) for r in resources) or "none"))
        chosen = resources[0]
    else:
        matches = [r for r in resources if r.get("ref_id") == ref_id]
        if not matches:
            raise PreflightError("deployment %s has no Elasticsearch resource with ref_id %s (available: %s)" % (
                dep.get("id"), ref_id, ", ".join(str(r.get("ref_id")) for r in resources) or "none"))
        chosen = matches[0]
    out = dict(chosen)
    out["deployment_id"] = dep.get("id")
    out["name"] = dep.get("name")
    out["system_owned"] = bool(dep.get("system_owned")) or bool(chosen.get("system_owned"))
    for key in ("subscription_level", "organization_id"):
        if dep.get(key) is not None and out.get(key) is None:
            out[key] = dep[key]
    return out


def normalize_side(side, name, deployment=None, environment=None, cluster=None, certificate_authority=None,
                   ca_pems=None, rulesets=None, unreadable=None):
    """The normalised facts of one side (the ``side_facts_result`` contract of roles-design.md).

    ``deployment``: an ECE/ECH deployment as ``ece_deployment_info`` returns it (the resource of ``side.ref_id`` is
    used, its ``ca_certificates`` and ``recommended_trust_restriction`` when ``certificate_authority`` is not given),
    or one resource summary (``cluster_id``, ``version``, ``endpoint``, ``system_owned``, ``ccr_enabled``, ...) with the
    deployment-level keys ``deployment_id``, ``name``, ``subscription_level``, ``organization_id``;
    ``environment``: ``ece_environment_info``'s ``environment``; ``cluster``: ``es_cluster_info``'s ``cluster``;
    ``certificate_authority``: the body of ``GET /deployments/{id}/certificate-authority``; ``ca_pems``: the PEM
    text(s) of ``side.ca_path`` (self-managed/ECK) or the ECK transport CA Secret; ``rulesets``: the traffic filter
    rulesets associated with the deployment (``{id, name, type, rules, include_by_default}``); ``unreadable``: what
    could not be read, ``{part: reason}``.
    """
    side = side or {}
    kind = side.get("type")
    dep = select_es_resource(deployment, side.get("ref_id"))
    if not certificate_authority and dep.get("ca_certificates") is not None:
        certificate_authority = {"public_certificates": dep.get("ca_certificates"),
                                 "recommended_trust_restriction": dep.get("recommended_trust_restriction")}
    env = environment or {}
    es = cluster or {}
    ca_body = certificate_authority or {}
    facts = {
        "type": kind, "label": side.get("label") or name, "name": name,
        "cluster_id": None, "cluster_name": es.get("cluster_name"), "cluster_uuid": es.get("cluster_uuid"),
        "version": es.get("version"), "minimum_wire_compatibility_version": es.get("minimum_wire_compatibility_version"),
        "license_type": es.get("license_type"), "license_status": es.get("license_status"),
        "system_owned": False, "ccr_enabled": None,
        "deployment_id": side.get("deployment_id"), "deployment_name": None, "ref_id": side.get("ref_id"),
        "region": None, "endpoint": None,
        "proxy_address_api_key": None, "proxy_address_certificate": None, "server_name": None,
        "environment_id": None, "account_id": None, "organization_id": None, "ece_version": None,
        "same_environment_key": None,
        "transport_ca_pems": [], "api_key_ca_pems": [], "api_key_ca_public": False,
        "node_name_pattern": None, "node_names": list(side.get("node_names") or []),
        "recommended_trust_restriction": None,
        "traffic_filter_rulesets": [], "traffic_filters": list(rulesets or []),
        "has_remote_cluster_client": None, "subscription_level": None,
        "egress_ips": list(side.get("egress_ips") or []),
        "username": es.get("username"), "authenticated_with_api_key": es.get("authenticated_with_api_key"),
        "roles": list(es.get("roles") or []),
        "es_connection": es_connection(side), "ece_connection": ece_connection(side),
        "unreadable": dict(unreadable or {}),
    }
    if kind in ("ece", "ech"):
        facts.update({
            "cluster_id": dep.get("cluster_id"),
            "deployment_id": dep.get("deployment_id") or side.get("deployment_id"),
            "deployment_name": dep.get("name") or dep.get("deployment_name"),
            "ref_id": dep.get("ref_id") or side.get("ref_id"),
            "region": dep.get("region"),
            "endpoint": dep.get("endpoint"),
            "system_owned": bool(dep.get("system_owned")),
            "ccr_enabled": dep.get("ccr_enabled"),
            "traffic_filter_rulesets": sorted(dep.get("traffic_filter_rulesets") or []),
            "has_remote_cluster_client": dep.get("has_remote_cluster_client"),
            "subscription_level": dep.get("subscription_level"),
            "organization_id": dep.get("organization_id"),
        })
        if not facts["version"]:
            facts["version"] = dep.get("version")
        if not facts["cluster_name"]:
            facts["cluster_name"] = dep.get("cluster_name")
        endpoint = dep.get("endpoint")
        if endpoint:
            ports = dep.get("ports") or {}
            transport = ports.get("transport_passthrough") or 9400
            facts["proxy_address_api_key"] = dep.get("proxy_address_api_key") or "%s:9443" % endpoint
            facts["proxy_address_certificate"] = dep.get("proxy_address_certificate") or "%s:%s" % (endpoint, transport)
            facts["server_name"] = dep.get("server_name") or endpoint
        facts["transport_ca_pems"] = _pems(ca_body.get("public_certificates"))
        facts["recommended_trust_restriction"] = ca_body.get("recommended_trust_restriction")
        if kind == "ece":
            facts["environment_id"] = env.get("environment_id") or side.get("environment_id")
            facts["account_id"] = env.get("account_id")
            facts["ece_version"] = env.get("ece_version")
            facts["api_key_ca_pems"] = _pems(env.get("proxy_root_ca"))
            facts["api_key_ca_public"] = False
            if facts["account_id"] or facts["environment_id"]:
                facts["same_environment_key"] = "ece|%s|%s" % (_api_base(_get(side, "ece", "url")),
                                                               facts["account_id"] or facts["environment_id"])
        else:
            facts["organization_id"] = side.get("organization_id") or facts["organization_id"]
            facts["environment_id"] = facts["organization_id"]
            facts["api_key_ca_pems"] = []
            facts["api_key_ca_public"] = True
            if facts["organization_id"]:
                facts["same_environment_key"] = "ech|%s|%s" % (_api_base(_get(side, "ece", "url")), facts["organization_id"])
        scope = facts["environment_id"]
        if facts["cluster_id"] and scope:
            facts["node_name_pattern"] = "*.node.%s.cluster.%s.account" % (facts["cluster_id"], scope)
        if not facts["recommended_trust_restriction"]:
            facts["recommended_trust_restriction"] = facts["node_name_pattern"]
    elif kind == "self_managed":
        pems = _pems(ca_pems)
        facts["cluster_id"] = side.get("cluster_id") or es.get("cluster_uuid")
        facts["environment_id"] = side.get("scope_id")
        facts["proxy_address_api_key"] = side.get("remote_cluster_address")
        facts["proxy_address_certificate"] = side.get("transport_address")
        facts["transport_ca_pems"] = pems
        facts["api_key_ca_pems"] = pems
        facts["api_key_ca_public"] = not pems
        if side.get("scope_id"):
            facts["node_name_pattern"] = "*.node.*.cluster.%s.account" % side["scope_id"]
        elif facts["node_names"]:
            facts["node_name_pattern"] = facts["node_names"][0] if len(facts["node_names"]) == 1 else None
        facts["recommended_trust_restriction"] = facts["node_name_pattern"]
    elif kind == "eck":
        pems = _pems(ca_pems)
        es_name = side.get("name") or "quickstart"
        namespace = side.get("namespace") or "default"
        facts["cluster_id"] = es.get("cluster_uuid")
        facts["cluster_name"] = facts["cluster_name"] or es_name
        facts["environment_id"] = "%s.es.local" % namespace
        facts["proxy_address_api_key"] = side.get("remote_cluster_address")
        facts["proxy_address_certificate"] = side.get("transport_address")
        facts["server_name"] = "%s-es-remote-cluster.%s.svc" % (es_name, namespace)
        facts["transport_ca_pems"] = pems
        facts["api_key_ca_pems"] = pems
        facts["api_key_ca_public"] = False
        facts["node_name_pattern"] = "*.node.%s.%s.es.local" % (es_name, namespace)
        facts["recommended_trust_restriction"] = facts["node_name_pattern"]
    # explicit overrides (a load balancer in front of the proxies, a custom certificate name)
    if side.get("remote_cluster_address"):
        facts["proxy_address_api_key"] = side["remote_cluster_address"]
    if side.get("transport_address"):
        facts["proxy_address_certificate"] = side["transport_address"]
    if side.get("server_name"):
        facts["server_name"] = side["server_name"]
    if kind == "self_managed" and not side.get("server_name"):
        facts["server_name"] = None
    return facts


def port_check_target(remote, security_model, expected_ca=None, name=None):
    """The ``remote_port_check`` target for the remote's address of ``security_model``, verified against the CA the
    local will trust: ``expected_ca`` (PEM text or list) when given, else the remote's CA for that model
    (``api_key_ca_pems``, or the system store when ``api_key_ca_public``; ``transport_ca_pems`` for the certificate
    model). Returns None when no address is known."""
    remote = remote or {}
    address = proxy_address_for(remote, security_model)
    if not address:
        return None
    target = {"address": address, "name": name or "%s %s" % (remote.get("label") or "remote", security_model.replace("_", "-")),
              "security_model": security_model}
    if remote.get("server_name"):
        target["server_name"] = remote["server_name"]
    expected = _pems(expected_ca)
    if expected:
        target["ca_certificates"] = expected
    elif security_model == "api_key":
        if remote.get("api_key_ca_pems"):
            target["ca_certificates"] = list(remote["api_key_ca_pems"])
        else:
            target["use_system_store"] = True
    elif remote.get("transport_ca_pems"):
        target["ca_certificates"] = list(remote["transport_ca_pems"])
    return target


def proxy_address_for(facts, model):
    """The address the local dials for ``model`` (``api_key``: the remote cluster server, else the transport port)."""
    return (facts or {}).get("proxy_address_api_key" if model == "api_key" else "proxy_address_certificate")


# ---------------------------------------------------------------------------------------------------------- checks
def _replication_intended(access):
    return bool(isinstance(access, dict) and access.get("replication"))


def _check_alias(alias):
    if alias is None:
        return finding("alias", "skip", "no alias given (audit only)")
    errors = validate_alias(alias, strict=False)
    if errors:
        return finding("alias", "fail", "; ".join(errors), "Use only lowercase letters, digits, '_' and '-' in the alias.")
    strict = validate_alias(alias, strict=True)
    if strict:
        return finding("alias", "warn", "; ".join(strict), "Prefer a lowercase alias: ECE's keystore UI only accepts lowercase names.")
    return finding("alias", "pass", "alias '%s' is valid" % alias)


def _check_readable(local, remote):
    out = []
    for facts, default in ((local, "local"), (remote, "remote")):
        label = _label(facts, default)
        missing = facts.get("unreadable") or {}
        if not facts.get("version"):
            why = "; ".join("%s: %s" % (k, v) for k, v in sorted(missing.items())) or "the version could not be read"
            out.append(finding("%s_reachable" % default, "fail", "%s (%s) could not be read: %s" % (label, facts.get("type"), why),
                               "Check the side's connection (es.url and credentials, or the ECE API URL, key and "
                               "deployment_id) and that this host can reach it."))
        elif missing:
            out.append(finding("%s_reachable" % default, "warn", "%s %s, but some parts could not be read: %s" % (
                label, facts.get("version"), "; ".join("%s: %s" % (k, v) for k, v in sorted(missing.items()))),
                "Give the side credentials that may read these parts (checks that need them are skipped)."))
        else:
            out.append(finding("%s_reachable" % default, "pass", "%s (%s %s) answers" % (label, facts.get("type"), facts.get("version"))))
    return out


def _check_distinct(local, remote):
    same = False
    for key in ("cluster_id", "deployment_id", "cluster_uuid"):
        if local.get(key) and local.get(key) == remote.get(key) and local.get("type") == remote.get("type"):
            same = True
    if same:
        return finding("sides_distinct", "fail", "the local and the remote are the same cluster (%s)" % (
            local.get("cluster_id") or local.get("deployment_id")), "Give two different clusters as local and remote.")
    return finding("sides_distinct", "pass", "the local and the remote are different clusters")


def _check_versions(local, remote, model, access):
    out = []
    lv, rv = _version(local.get("version")), _version(remote.get("version"))
    if lv is None or rv is None:
        for check in ("versions_ccs", "versions_ccr", "versions_model"):
            out.append(finding(check, "skip", "a version is unknown (local %s, remote %s)" % (local.get("version"), remote.get("version"))))
        return out
    ok, reason = ccs_compatible(lv, rv)
    out.append(finding("versions_ccs", "pass" if ok else "fail", reason,
                       "" if ok else "Upgrade so that the pair is a supported cross-cluster search configuration "
                                     "(see the compatibility table in docs/preflight.md)."))
    if _replication_intended(access):
        ok, reason = ccr_compatible(lv, rv, follower_minwire=local.get("minimum_wire_compatibility_version") or None)
        out.append(finding("versions_ccr", "pass" if ok else "fail", reason,
                           "" if ok else "Upgrade the local (follower) cluster to the leader's version or later."))
    else:
        out.append(finding("versions_ccr", "skip", "no replication access requested"))
    if model == "api_key":
        ok, reason = api_key_model_supported(lv, rv)
        out.append(finding("versions_model", "pass" if ok else "fail", reason,
                           "" if ok else "Upgrade both clusters to %s or later, or use security_model: certificate (deprecated)."
                           % format_version(API_KEY_MODEL_SINCE, 2)))
    else:
        newer = [label for label, version in (("local", lv), ("remote", rv)) if supports("certificate_model_deprecated", version)]
        if newer:
            out.append(finding("versions_model", "warn", "the TLS certificate model is deprecated from 9.0 and the %s cluster%s "
                               "run%s 9.x" % (" and ".join(newer), "s" if len(newer) > 1 else "", "" if len(newer) > 1 else "s"),
                               "Prefer security_model: api_key (both clusters 8.14 or later)."))
        else:
            out.append(finding("versions_model", "pass", "the TLS certificate model works with every version pair of the CCS table"))
    return out


def _check_system_owned(facts, which):
    check = "%s_system_owned" % which
    if facts.get("type") not in ("ece", "ech"):
        return finding(check, "skip", "not an ECE/ECH deployment")
    if facts.get("system_owned"):
        return finding(check, "fail", "%s %s (%s) is a system deployment: system deployments cannot be used as remote "
                       "clusters or have remote clusters" % (which, facts.get("deployment_name") or "", facts.get("deployment_id")),
                       "Use a deployment you created, not admin-console-elasticsearch, logging-and-metrics or security.")
    return finding(check, "pass", "%s is not a system deployment" % which)


def _check_ccr_enabled(facts, which, enable_ccr, done, blocked):
    check = "%s_ccr_enabled" % which
    if facts.get("type") != "ece":
        return finding(check, "skip", "not an ECE deployment")
    state = facts.get("ccr_enabled")
    if state is None:
        return finding(check, "skip", "the ECE API does not tell whether CCR is enabled (info.metadata.ccr absent)")
    if state:
        return finding(check, "pass", "%s was created with ECE 2.9.0 or later, or CCR was enabled" % which)
    head = "%s %s was created before ECE 2.9.0: CCR (and its Remote clusters page) is not enabled" % (
        which, facts.get("deployment_id"))
    if done == "enabled":
        return finding(check, "pass", "%s; _enable-ccr ran and its plan finished" % head)
    if done == "would_enable":
        return finding(check, "warn", "%s; check mode: _enable-ccr would run" % head, "Run without --check to enable CCR.")
    if enable_ccr:
        if blocked:
            return finding(check, "warn", "%s; _enable-ccr was not run because other checks failed" % head,
                           "Fix the failed checks; _enable-ccr then runs (it restarts the deployment's resources).")
        return finding(check, "warn", "%s; _enable-ccr will run" % head, "")
    return finding(check, "fail", head, "Allow it with enable_ccr: true (runs POST .../_enable-ccr; it restarts the "
                   "Elasticsearch and Kibana resources), or click Security > Trust management > Enable CCR in the ECE UI.")


def _license_level(facts):
    """(rank or None, source text)."""
    lic = (facts.get("license_type") or "").lower()
    if lic:
        if facts.get("license_status") and facts["license_status"] != "active":
            return -1, "licence %s is %s" % (lic, facts["license_status"])
        return LICENSE_RANK.get(lic), "licence %s" % lic
    sub = (facts.get("subscription_level") or "").lower()
    if sub:
        return LICENSE_RANK.get(sub), "subscription level %s" % sub
    return None, "licence unknown"


def _check_license(facts, which, model, access):
    check = "%s_license" % which
    if model == "api_key":
        need, why = "enterprise", "the API key model (advanced remote cluster security)"
    elif _replication_intended(access):
        need, why = "platinum", "cross-cluster replication"
    else:
        need, why = "basic", "cross-cluster search"
    rank, source = _license_level(facts)
    if rank is None:
        return finding(check, "warn" if need != "basic" else "pass", "%s: %s; %s needs %s" % (which, source, why, need),
                       "Check the licence (GET _license) of the %s cluster." % which if need != "basic" else "")
    if rank < LICENSE_RANK[need]:
        return finding(check, "fail", "%s: %s; %s needs %s (or trial)" % (which, source, why, need),
                       "Install an %s licence (or start a trial) on the %s cluster, or %s." % (
                           need.capitalize(), which,
                           "use security_model: certificate" if model == "api_key" else "use cross-cluster search only"))
    return finding(check, "pass", "%s: %s is enough for %s" % (which, source, why))


def _check_node_role(local):
    if local.get("has_remote_cluster_client") is None:
        return finding("local_remote_cluster_client", "skip", "the node roles of the local cluster are not known from its API",
                       "")
    if not local["has_remote_cluster_client"]:
        return finding("local_remote_cluster_client", "fail", "no node of the local deployment has the remote_cluster_client role",
                       "Add remote_cluster_client to node_roles of the local deployment's topology (ECE: Edit deployment).")
    return finding("local_remote_cluster_client", "pass", "the local nodes have the remote_cluster_client role")


def _check_key_creator(remote, model):
    if model != "api_key":
        return finding("remote_key_creator", "skip", "the certificate model uses no cross-cluster API key")
    if remote.get("authenticated_with_api_key"):
        return finding("remote_key_creator", "fail", "the remote's Elasticsearch connection authenticates with an API key: "
                       "cross-cluster API keys cannot be created with an API key",
                       "Give the remote side's es a user with manage_security (username/password), or leave es out on an "
                       "ECE remote to go through the ECE API.")
    if remote.get("authenticated_with_api_key") is None:
        return finding("remote_key_creator", "skip", "who the remote connection authenticates as is unknown")
    return finding("remote_key_creator", "pass", "the remote connection authenticates as a user (%s), who can create "
                   "cross-cluster API keys with manage_security" % (remote.get("username") or "?"))


def _check_address(remote, model):
    address = proxy_address_for(remote, model)
    if not address:
        key = "remote_cluster_address" if model == "api_key" else "transport_address"
        return finding("remote_address", "fail", "no %s address is known for the remote (%s)" % (
            "remote cluster server (9443)" if model == "api_key" else "transport", remote.get("type")),
            "Set %s in the remote side (host:port)." % key)
    host, port = _host_port(address)
    if model == "api_key" and port in ("9400", "9300"):
        return finding("remote_address", "fail", "%s is the port of the TLS certificate model, the API key model dials the "
                       "remote cluster server (9443)" % address, "Use port 9443 (remote_cluster_address) for security_model: api_key.")
    if model == "certificate" and port == "9443":
        return finding("remote_address", "fail", "%s is the API key model's port, the certificate model dials the transport "
                       "port (9400 on ECE/ECH proxies, 9300 on self-managed/ECK)" % address,
                       "Use the transport port (transport_address) for security_model: certificate.")
    return finding("remote_address", "pass", "%s, server name %s" % (address, remote.get("server_name") or host))


def normalize_port_checks(port_checks):
    """A list of ``{from, results, msg}`` from what a role registered: a list of ``remote_port_check`` module results
    (``{results: [...], msg}``, optionally with ``from``), of single target results (``{address, findings, ...}``,
    checked from the control node), one module result, or a registered loop result
    (``{results: [{item: <host>, results, msg}, ...]}``)."""
    if port_checks is None:
        return []
    if isinstance(port_checks, dict):
        if port_checks.get("results") and all(isinstance(r, dict) and "item" in r for r in port_checks["results"]):
            port_checks = port_checks["results"]
        else:
            port_checks = [port_checks]
    out = []
    for entry in port_checks:
        if not isinstance(entry, dict):
            continue
        source = entry.get("from") or entry.get("item") or entry.get("_ansible_delegated_vars", {}).get("ansible_host") or "control node"
        if isinstance(source, dict):
            source = source.get("host") or source.get("name") or "control node"
        if entry.get("skipped"):
            continue
        if "findings" in entry and "results" not in entry:  # one target's result, checked from the control node
            out.append({"from": str(entry.get("from") or "control node"), "results": [entry], "msg": None})
            continue
        out.append({"from": str(source), "results": list(entry.get("results") or []), "msg": entry.get("msg")})
    return out


def _server_pending(finding_, head):
    """A refused 9443 on a self-managed/ECK remote whose remote cluster server the pipeline is about to enable."""
    status, detail, fix = finding_
    if head.get("code") != "refused":
        return finding_
    return ("warn", detail + " (expected: the remote cluster server of this self-managed/ECK remote is not enabled yet; "
            "the credentials phase enables it)", fix)


def _check_ports(port_checks, enabled, server_enabled_later=False):
    if not enabled:
        return [finding("remote_port", "skip", "port checks were turned off")]
    checks = normalize_port_checks(port_checks)
    if not checks:
        return [finding("remote_port", "skip", "no port check ran")]
    out = []
    for entry in checks:
        where = "from %s" % entry["from"]
        if not entry["results"]:
            out.append(finding("remote_port", "fail", "%s: the port check did not run: %s" % (where, entry.get("msg") or "no result"),
                               "Check that the host can run the module (Python, the collection)."))
            continue
        for result in entry["results"]:
            findings = result.get("findings") or []
            errors = [f for f in findings if f.get("severity") == "error"]
            warnings = [f for f in findings if f.get("severity") != "error"]
            address = result.get("address")
            if errors:
                head = errors[0]
                detail = "%s %s: %s: %s" % (where, address, head.get("code"), head.get("detail"))
                extra = [f.get("code") for f in errors[1:]]
                if extra:
                    detail += " (also: %s)" % ", ".join(extra)
                status, fix = "fail", head.get("fix")
                if server_enabled_later:
                    status, detail, fix = _server_pending((status, detail, fix), head)
                out.append(finding("remote_port", status, detail, fix))
            elif warnings:
                head = warnings[0]
                out.append(finding("remote_port", "warn", "%s %s: %s: %s" % (where, address, head.get("code"), head.get("detail")),
                                   head.get("fix")))
            else:
                cert = result.get("certificate") or {}
                out.append(finding("remote_port", "pass", "%s %s: TCP %s ms, %s, certificate %s trusted, valid %s days, name %s" % (
                    where, address, result.get("connect_time_ms"), result.get("tls_version"),
                    "is" if result.get("chain_trusted") else "not verified but", cert.get("days_left"),
                    result.get("server_name"))))
    return out


def _ip_in_rules(ip, rules):
    try:
        address = ipaddress.ip_network(str(ip), strict=False)
    except ValueError:
        return False
    for rule in rules or []:
        source = (rule or {}).get("source")
        if not source:
            continue
        try:
            network = ipaddress.ip_network(str(source), strict=False)
        except ValueError:
            continue
        if address.version == network.version and address.subnet_of(network):
            return True
    return False


def same_environment(local, remote):
    """Whether both sides are deployments of the same ECE environment (or the same ECH organization)."""
    key = local.get("same_environment_key")
    return bool(key) and key == remote.get("same_environment_key") and local.get("type") == remote.get("type")


def remote_cluster_filter_supported(local, remote):
    """R11: remote cluster filters admit an ECE local only within its ECE environment, an ECH local on an ECH remote;
    never a self-managed or ECK local, nor an ECE local on an ECH remote."""
    if local.get("type") == "ece" and remote.get("type") == "ece":
        return same_environment(local, remote)
    if local.get("type") == "ech" and remote.get("type") == "ech":
        return True
    return False


def traffic_filter_verdict(local, remote, model):
    """``(status, detail, fix)`` of the remote's traffic filters for the local (the ``traffic_filters`` check)."""
    if model != "api_key":
        return ("skip", "traffic filters have no effect on the TLS certificate model (mTLS connections are always accepted)", "")
    if remote.get("type") not in ("ece", "ech"):
        return ("skip", "the remote is %s: the collection does not manage its network filters" % remote.get("type"),
                "Allow the local's egress IPs %s to reach %s (firewall, xpack.security.remote_cluster.filter.allow, or a "
                "Kubernetes NetworkPolicy)." % (", ".join(local.get("egress_ips") or []) or "(unknown)",
                                                proxy_address_for(remote, model) or "the remote cluster server"))
    ids = remote.get("traffic_filter_rulesets") or []
    if not ids:
        return ("pass", "no traffic filter ruleset is associated with the remote deployment: every source may connect", "")
    details = dict((r.get("id"), r) for r in remote.get("traffic_filters") or [] if isinstance(r, dict))
    unknown = [i for i in ids if i not in details]
    ingress = [details[i] for i in ids if i in details and details[i].get("type") in INGRESS_RULESET_TYPES]
    if unknown and not ingress:
        return ("warn", "the remote deployment has traffic filter rulesets %s whose rules could not be read" % ", ".join(unknown),
                "Give the remote side an ECE API key that may read traffic filters, or check the rulesets by hand.")
    if not ingress:
        return ("pass", "the rulesets associated with the remote (%s) do not filter incoming connections" % ", ".join(ids), "")
    rc_supported = remote_cluster_filter_supported(local, remote)
    egress = local.get("egress_ips") or []
    admitting, partial = [], []
    for ruleset in ingress:
        rules = ruleset.get("rules") or []
        name = ruleset.get("name") or ruleset.get("id")
        if ruleset.get("type") == "remote_cluster":
            for rule in rules:
                cid = rule.get("remote_cluster_id")
                org = rule.get("remote_cluster_org_id")
                # "Provide one or both values; traffic is allowed if it matches either ID."
                if (cid and cid == local.get("cluster_id")) or (org and org == local.get("environment_id")):
                    if rc_supported:
                        admitting.append("%s (remote_cluster rule for %s)" % (name, cid if cid == local.get("cluster_id") else org))
                    else:
                        partial.append("%s has a remote_cluster rule naming the local, but a remote cluster filter only "
                                       "identifies a %s local when its environment's CA is appended to the remote's proxy "
                                       "certificate chain (R11)" % (name, local.get("type")))
    ip_rules = [rule for ruleset in ingress if ruleset.get("type") == "ip" for rule in ruleset.get("rules") or []]
    covered = [ip for ip in egress if _ip_in_rules(ip, ip_rules)]
    if egress and len(covered) == len(egress):
        admitting.append("ip rules cover the egress IPs %s" % ", ".join(str(ip) for ip in egress))
    elif covered:
        uncovered = [str(ip) for ip in egress if ip not in covered]
        partial.append("ip rules cover %s but not %s" % (", ".join(str(ip) for ip in covered), ", ".join(uncovered)))
    if admitting:
        return ("pass", "the remote's traffic filters admit the local: %s" % "; ".join(admitting), "")
    names = ", ".join(r.get("name") or r.get("id") for r in ingress)
    if rc_supported:
        fix = ("Add a remote_cluster ruleset with remote_cluster_id %s to the remote deployment "
               "(network_security: auto does it)." % local.get("cluster_id"))
    else:
        fix = ("Add an ip ruleset with the local's egress IPs to the remote deployment (network_security: auto does it); "
               "remote cluster filters do not work for this pair.")
    if partial:
        return ("warn", "the remote deployment filters traffic (%s): %s" % (names, "; ".join(partial)),
                "Make sure every address the local connects from is admitted (a remote_cluster rule for another "
                "environment needs its CA appended to the remote ECE proxy chain: Platform > Settings > TLS certificates); "
                + fix[0].lower() + fix[1:])
    if not egress and not rc_supported:
        return ("warn", "the remote deployment filters traffic (%s) and the local's egress IPs are unknown, so whether a rule "
                "admits it cannot be told" % names,
                "Set egress_ips of the local side (the IPs its nodes connect from: the ECE allocators, ECH egress IPs, "
                "the self-managed hosts). " + fix)
    return ("fail", "the remote deployment filters traffic (%s) and no rule admits the local (%s)" % (
        names, ("cluster %s, environment %s" % (local.get("cluster_id"), local.get("environment_id"))) if rc_supported
        else ("egress IPs %s" % (", ".join(egress) or "unknown"))), fix)


def preflight_findings(local, remote, security_model="api_key", alias=None, access=None, enable_ccr=False,
                       ccr_enabled_sides=None, check_mode=False, port_checks=None, port_checks_enabled=True,
                       server_enabled_later=False):
    """Every preflight finding for a connection from ``local`` to ``remote`` (both ``normalize_side`` facts).

    ``access``: the cross-cluster access wanted (``{search: [...], replication: [...]}``; replication makes the CCR
    rules apply); ``enable_ccr``: whether ``_enable-ccr`` may run on deployments created before ECE 2.9.0;
    ``ccr_enabled_sides``: the sides (``local``/``remote``) on which the role ran ``_enable-ccr`` (in check mode:
    would have run it); ``port_checks``: ``remote_port_check`` results (see ``normalize_port_checks``);
    ``server_enabled_later``: the caller enables a self-managed/ECK remote's remote cluster server after preflight (API-key
    model), so a refused 9443 is a warning, not a failure.
    """
    if security_model not in MODELS:
        raise PreflightError("security_model must be api_key or certificate, got %r" % (security_model,))
    local = local or {}
    remote = remote or {}
    ran = set(ccr_enabled_sides or [])
    out = [_check_alias(alias), _check_distinct(local, remote)]
    out.extend(_check_readable(local, remote))
    out.extend(_check_versions(local, remote, security_model, access))
    out.append(_check_system_owned(local, "local"))
    out.append(_check_system_owned(remote, "remote"))
    rest = [_check_license(local, "local", security_model, access), _check_license(remote, "remote", security_model, access),
            _check_node_role(local), _check_key_creator(remote, security_model), _check_address(remote, security_model)]
    later = bool(server_enabled_later) and security_model == "api_key" and remote.get("type") in ("self_managed", "eck")
    rest.extend(_check_ports(port_checks, port_checks_enabled, later))
    status, detail, fix = traffic_filter_verdict(local, remote, security_model)
    rest.append(finding("traffic_filters", status, detail, fix))
    blocked = any(f["status"] == "fail" for f in out + rest)
    for facts, which in ((local, "local"), (remote, "remote")):
        done = ("would_enable" if check_mode else "enabled") if which in ran else None
        out.append(_check_ccr_enabled(facts, which, enable_ccr, done, blocked))
    return out + rest


def ccr_enable_candidates(local, remote, findings, enable_ccr):
    """The sides (``local``/``remote``) on which ``_enable-ccr`` should run now: ECE deployments created before ECE 2.9.0,
    only when allowed and when no other check failed."""
    if not enable_ccr:
        return []
    blocking = [f for f in findings or [] if f.get("status") == "fail" and not str(f.get("check")).endswith("_ccr_enabled")]
    if blocking:
        return []
    return [which for facts, which in ((local, "local"), (remote, "remote"))
            if (facts or {}).get("type") == "ece" and (facts or {}).get("ccr_enabled") is False]


def failed(findings):
    """The findings whose status is ``fail``."""
    return [f for f in findings or [] if f.get("status") == "fail"]


def failure_message(findings):
    """One message listing every failed check and its fix (empty string when none failed)."""
    bad = failed(findings)
    if not bad:
        return ""
    parts = ["%s: %s. Fix: %s" % (f["check"], f["detail"], f.get("fix") or "-") for f in bad]
    return "Preflight failed (%d check%s): %s" % (len(bad), "" if len(bad) == 1 else "s", " | ".join(parts))


# ---------------------------------------------------------------------------------------------------------- table
def findings_table(findings, detail_width=70, fix_width=60):
    """One aligned text table (columns CHECK, STATUS, DETAIL, FIX); long cells wrap onto continuation lines.

    Ends with a summary line counting each status.
    """
    rows = []
    for f in findings or []:
        detail = textwrap.wrap(str(f.get("detail") or ""), detail_width) or [""]
        fix = textwrap.wrap(str(f.get("fix") or ""), fix_width) or [""]
        rows.append((str(f.get("check") or ""), str(f.get("status") or "").upper(), detail, fix))
    check_w = max([len("CHECK")] + [len(r[0]) for r in rows])
    status_w = max([len("STATUS")] + [len(r[1]) for r in rows])
    detail_w = max([len("DETAIL")] + [len(line) for r in rows for line in r[2]])
    fix_w = max([len("FIX")] + [len(line) for r in rows for line in r[3]])

    def line(check, status, detail, fix):
        return ("%-*s  %-*s  %-*s  %s" % (check_w, check, status_w, status, detail_w, detail, fix)).rstrip()

    out = [line("CHECK", "STATUS", "DETAIL", "FIX"), line("-" * check_w, "-" * status_w, "-" * detail_w, "-" * fix_w)]
    for check, status, detail, fix in rows:
        for i in range(max(len(detail), len(fix))):
            out.append(line(check if i == 0 else "", status if i == 0 else "",
                            detail[i] if i < len(detail) else "", fix[i] if i < len(fix) else ""))
    counts = dict((s, sum(1 for r in rows if r[1] == s.upper())) for s in STATUSES)
    out.append("%d checks: %s" % (len(rows), ", ".join("%d %s" % (counts[s], s) for s in STATUSES)))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------- network_security
def ruleset_name(alias, local_cluster_id):
    """The name of the ruleset the collection creates: ``eceops-<alias>-<local cluster id>``."""
    return "eceops-%s-%s" % (alias, local_cluster_id)


def network_security_plan(local, remote, alias, mode="auto", security_model="api_key", existing=None):
    """What the ``network_security`` role does for a connection from ``local`` to ``remote``.

    ``existing``: the collection's ruleset as ``ece_traffic_filter`` reads it (``{id, name, ...}``), or None when it
    does not exist. Returns ``{action, reason, name, type, rules, region, description}`` where ``action`` is ``manage``
    (create or update the ruleset ``name`` and associate it with the remote deployment), ``skip`` (nothing to do,
    ``reason`` says why), ``advice`` (a self-managed or ECK remote: ``reason`` says what to open) or ``fail``
    (``reason`` says what is missing). ``type`` is ``remote_cluster`` (same ECE environment, or ECH to ECH; only the
    local's cluster ID, since a rule matching either ID would admit the whole environment with the organization ID)
    or ``ip`` (the local's egress IPs).
    """
    if mode not in ("auto", "always", "never"):
        raise PreflightError("network_security mode must be auto, always or never, got %r" % (mode,))
    local = local or {}
    remote = remote or {}
    name = ruleset_name(alias, local.get("cluster_id")) if local.get("cluster_id") else None
    plan = {"action": "skip", "reason": "", "name": name, "type": None, "rules": [], "region": remote.get("region"),
            "description": None}
    if mode == "never":
        plan["reason"] = "network_security is never: traffic filters are left as they are"
        return plan
    if security_model != "api_key":
        plan["reason"] = ("the TLS certificate model is not subject to traffic filters (mTLS connections are always "
                          "accepted, R11): nothing to do")
        return plan
    if remote.get("type") not in ("ece", "ech"):
        plan["action"] = "advice"
        plan["reason"] = ("the remote is %s: allow the local's egress IPs (%s) to reach %s with the firewall, "
                          "xpack.security.remote_cluster.filter.allow or a Kubernetes NetworkPolicy" % (
                              remote.get("type"), ", ".join(local.get("egress_ips") or []) or "unknown",
                              proxy_address_for(remote, security_model) or "port 9443"))
        return plan
    if not name:
        plan["action"] = "fail"
        plan["reason"] = "the local cluster ID is unknown, so the ruleset cannot be named (read the local side first)"
        return plan
    ours_ids = set(r.get("id") for r in remote.get("traffic_filters") or [] if r.get("name") == name)
    if existing and existing.get("id"):
        ours_ids.add(existing["id"])
    others = [i for i in remote.get("traffic_filter_rulesets") or [] if i not in ours_ids]
    if mode == "auto" and not others and not ours_ids:
        plan["reason"] = ("the remote deployment has no traffic filter ruleset: every source may connect, so no filter is "
                          "added (network_security: always adds one anyway)")
        return plan
    plan["description"] = "eceops.remote_clusters: admits %s (%s) as remote cluster client for alias %s" % (
        local.get("label") or "local", local.get("cluster_id"), alias)
    if remote_cluster_filter_supported(local, remote):
        # only the cluster ID: a rule is matched by either ID, so an organization/environment ID would admit every
        # deployment of the local's environment
        rule = {"remote_cluster_id": local.get("cluster_id")}
        plan.update(action="manage", type="remote_cluster", rules=[rule],
                    reason="same %s: a remote_cluster rule for cluster %s" % (
                        "ECE environment" if local.get("type") == "ece" else "Elastic Cloud organization", local.get("cluster_id")))
        return plan
    egress = local.get("egress_ips") or []
    if not egress:
        plan["action"] = "fail"
        plan["reason"] = ("the remote deployment filters traffic and the local (%s, %s) is not in the same %s, so only an IP "
                          "rule can admit it, but the local side has no egress_ips: set egress_ips of the local side (the "
                          "IPs its nodes connect from: the ECE allocators, the ECH egress IPs, the self-managed hosts)" % (
                              local.get("type"), local.get("cluster_id"),
                              "ECE environment" if remote.get("type") == "ece" else "Elastic Cloud organization"))
        return plan
    plan.update(action="manage", type="ip", rules=[{"source": str(ip)} for ip in egress],
                reason="an ip rule for the local's egress IPs %s" % ", ".join(str(ip) for ip in egress))
    return plan


# ---------------------------------------------------------------------------------------------------------- privileges
def _names(role):
    names = role.get("names")
    if names is None:
        return ["*"]
    return _as_list(names)


def privileges_roles(role, alias, security_model="api_key", local_version=None, remote_version=None):
    """The role definitions the ``privileges`` role writes: ``{local: {...} or None, remote: {...} or None}``.

    ``role``: ``{name, names, privileges, replication, remote_cluster, follower_names}``. API key model: one role on
    the local with ``remote_indices`` (and ``remote_cluster`` from 8.15); certificate model: the same role name on
    both sides (scenarios.md §2.2). Each definition is the ``es_role`` options: ``cluster``, ``indices``,
    ``remote_indices``, ``remote_cluster``, ``metadata``. Raises PreflightError on an impossible request.
    """
    if not isinstance(role, dict) or not role.get("name"):
        raise PreflightError("the role needs a name: {name: ..., names: [...], privileges: [...]}")
    if security_model not in MODELS:
        raise PreflightError("security_model must be api_key or certificate, got %r" % (security_model,))
    names = _names(role)
    replication = bool(role.get("replication"))
    explicit = _as_list(role.get("privileges")) or None
    metadata = {"managed_by": MANAGED_BY, "alias": alias}
    if security_model == "api_key":
        remote_indices = []
        if explicit:
            remote_indices.append({"clusters": [alias], "names": names, "privileges": list(explicit)})
        elif role.get("search", True) is not False:
            remote_indices.append({"clusters": [alias], "names": names, "privileges": list(API_KEY_SEARCH_PRIVILEGES)})
        if replication and "cross_cluster_replication" not in (explicit or []):
            remote_indices.append({"clusters": [alias], "names": _as_list(role.get("leader_names")) or names,
                                   "privileges": list(API_KEY_REPLICATION_PRIVILEGES)})
        if not remote_indices:
            raise PreflightError("the role grants nothing: give privileges, or leave search on, or set replication")
        privileges = explicit or []
        wants_ccr = replication or "cross_cluster_replication" in privileges
        local = {"cluster": ["manage_ccr"] if wants_ccr else [], "indices": [], "remote_indices": remote_indices,
                 "metadata": metadata}
        remote_cluster = _as_list(role.get("remote_cluster"))
        if remote_cluster:
            lv = _version(local_version)
            if lv is not None and not supports("remote_cluster_privileges", lv):
                raise PreflightError("remote_cluster privileges need 8.15 or later on the local cluster, which runs %s; "
                                     "leave remote_cluster out" % format_version(lv))
            local["remote_cluster"] = [{"clusters": [alias], "privileges": remote_cluster}]
        if wants_ccr:
            follower = _as_list(role.get("follower_names"))
            if follower:
                local["indices"] = [{"names": follower, "privileges": list(CERT_LOCAL_FOLLOWER_PRIVILEGES)}]
        return {"local": local, "remote": None}
    remote_indices_privs = explicit or CERT_REMOTE_SEARCH_PRIVILEGES
    remote = {"cluster": [], "indices": [{"names": names, "privileges": list(remote_indices_privs)}], "metadata": metadata}
    local = {"cluster": [], "indices": [], "metadata": metadata}
    if replication:
        remote["cluster"] = ["read_ccr"]
        leader = _as_list(role.get("leader_names")) or names
        remote["indices"].append({"names": leader, "privileges": list(CERT_REMOTE_REPLICATION_PRIVILEGES)})
        local["cluster"] = ["manage_ccr"]
        local["indices"] = [{"names": _as_list(role.get("follower_names")) or names,
                             "privileges": list(CERT_LOCAL_FOLLOWER_PRIVILEGES)}]
    return {"local": local, "remote": remote}


def managed_by_us(role_definition, alias=None):
    """Whether a role read back from Elasticsearch was created by the ``privileges`` role (metadata ``managed_by``)."""
    meta = (role_definition or {}).get("metadata") or {}
    if meta.get("managed_by") != MANAGED_BY:
        return False
    return alias is None or meta.get("alias") in (None, alias)


# ---------------------------------------------------------------------------------------------------------- verify
def _quote(text):
    safe = "-_.~*,:"
    out = []
    for char in str(text):
        if char.isalnum() and ord(char) < 128 or char in safe:
            out.append(char)
        else:
            out.extend("%%%02X" % byte for byte in char.encode("utf-8"))
    return "".join(out)
