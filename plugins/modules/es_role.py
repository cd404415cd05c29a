#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_role
short_description: Manage an Elasticsearch security role, including remote_indices and remote_cluster privileges
version_added: 0.1.0
description:
  - Creates, updates or deletes a role of the Elasticsearch native realm (C(PUT /_security/role/{name}),
    C(DELETE /_security/role/{name})), the roles step of every remote-cluster scenario.
  - For the API key security model the roles live on the B(local) cluster only and name the remote with
    O(remote_indices[].clusters) and O(remote_cluster[].clusters). For the (deprecated) certificate model the same
    role B(name) must exist on both clusters, with O(indices) privileges on the remote.
  - Idempotent. The role is read first (C(GET /_security/role/{name})) and compared after normalisation
    (Elasticsearch fills in C(allow_restricted_indices), C(transient_metadata) and empty lists, turns a single index
    name into a list and stores queries as strings; names, privileges, clusters and the order of entries do not
    matter). A C(PUT) is sent only when something differs.
  - Options left out keep the role's current value (a new role gets none); give an empty list (or an empty
    dictionary for O(metadata)) to remove a part.
  - Built-in (reserved) roles such as C(superuser) cannot be managed.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.elasticsearch
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_es
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  name:
    description:
      - The role name (1 to 507 printable ASCII characters, no leading or trailing spaces).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the role, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  cluster:
    description:
      - Cluster privileges, for example V(manage_ccr) or V(monitor).
    type: list
    elements: str
  indices:
    description:
      - Privileges on indices of this cluster.
    type: list
    elements: dict
    suboptions:
      names:
        description: Index names or patterns.
        type: list
        elements: str
        required: true
      privileges:
        description: Index privileges, for example V(read) or V(manage_follow_index).
        type: list
        elements: str
        required: true
      field_security:
        description: Field level security.
        type: dict
        suboptions:
          grant:
            description: Fields the role may see (required when O(indices[].field_security.except) is given).
            type: list
            elements: str
          except:
            description: Fields excluded from O(indices[].field_security.grant).
            type: list
            elements: str
      query:
        description:
          - Document level security, a query as a dictionary or as a JSON string (templates included).
        type: raw
      allow_restricted_indices:
        description: Whether O(indices[].names) patterns also match restricted indices such as C(.security).
        type: bool
        default: false
  remote_indices:
    description:
      - Privileges on indices of remote clusters, for the API key security model (the cross-cluster API key must
        grant them too).
      - Available from Elasticsearch 8.10 (beta before 8.14). On older versions the module fails before any write.
    type: list
    elements: dict
    suboptions:
      clusters:
        description: Remote cluster aliases (wildcards allowed).
        type: list
        elements: str
        required: true
      names:
        description: Index names or patterns on the remote.
        type: list
        elements: str
        required: true
      privileges:
        description:
          - Index privileges, for example V(read), V(read_cross_cluster), V(view_index_metadata) (search) or
            V(cross_cluster_replication) (replication).
        type: list
        elements: str
        required: true
      field_security:
        description: Field level security.
        type: dict
        suboptions:
          grant:
            description: Fields the role may see.
            type: list
            elements: str
          except:
            description: Fields excluded from O(remote_indices[].field_security.grant).
            type: list
            elements: str
      query:
        description: Document level security, a query as a dictionary or as a JSON string.
        type: raw
      allow_restricted_indices:
        description: Whether the patterns also match restricted indices.
        type: bool
        default: false
  remote_cluster:
    description:
      - Cluster privileges on remote clusters (API key security model), Elasticsearch 8.15 or later.
      - V(monitor_enrich) (8.15+) and V(monitor_stats) (8.17+) are the only privileges Elasticsearch allows here.
    type: list
    elements: dict
    suboptions:
      clusters:
        description: Remote cluster aliases (wildcards allowed).
        type: list
        elements: str
        required: true
      privileges:
        description: V(monitor_enrich) and/or V(monitor_stats).
        type: list
        elements: str
        required: true
  applications:
    description:
      - Application privileges (Kibana spaces and features, for example).
    type: list
    elements: dict
    suboptions:
      application:
        description: The application name.
        type: str
        required: true
      privileges:
        description: Application privileges.
        type: list
        elements: str
        required: true
      resources:
        description: Resources the privileges apply to.
        type: list
        elements: str
        required: true
  run_as:
    description:
      - Users this role may impersonate.
    type: list
    elements: str
  metadata:
    description:
      - Free metadata. Keys starting with C(_) are reserved by Elasticsearch.
      - Compared as a whole; the given dictionary replaces the current one.
    type: dict
  description:
    description:
      - A description of the role (Elasticsearch 8.15 or later).
    type: str
notes:
  - Needs the C(manage_security) cluster privilege.
  - The role is compared with what Elasticsearch returns, so privileges Elasticsearch rejects (unknown names) fail
    with its own message, and no change is made.
seealso:
  - name: Elasticsearch create or update roles API
    description: The API this module calls.
    link: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-security-put-role
  - module: eceops.remote_clusters.es_ccr_follower
'''

EXAMPLES = r'''
- name: Role for cross-cluster search through the API key model (local cluster only)
  eceops.remote_clusters.es_role:
    es_url: https://search.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    name: remote-search
    remote_indices:
      - clusters: [logs]
        names: ["logs-*"]
        privileges: [read, read_cross_cluster, view_index_metadata]

- name: Roles on the follower cluster, with the connection set once
  module_defaults:
    group/eceops.remote_clusters.elasticsearch:
      es_url: https://follower.example.com:9243
      es_api_key: "{{ vault_es_api_key }}"
  block:
    - name: Role for cross-cluster replication (API key model)
      eceops.remote_clusters.es_role:
        name: remote-replication
        cluster: [manage_ccr]
        remote_indices:
          - clusters: [logs]
            names: [leader-index]
            privileges: [cross_cluster_replication]
        remote_cluster:
          - clusters: [logs]
            privileges: [monitor_enrich]
        description: Replicates leader-index from the logs cluster

    - name: Certificate model - the local half of the CCR role (the same name must exist on the remote)
      eceops.remote_clusters.es_role:
        name: ccr-user
        cluster: [manage_ccr]
        indices:
          - names: [follower-index]
            privileges: [monitor, read, write, manage_follow_index]

- name: Through the ECE API, with document and field level security
  eceops.remote_clusters.es_role:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    es_deployment_id: "{{ deployment_id }}"
    name: logs-reader
    indices:
      - names: ["logs-*"]
        privileges: [read]
        query: {term: {team: blue}}
        field_security:
          grant: ["*"]
          except: [user.email]

- name: Remove a role
  eceops.remote_clusters.es_role:
    name: remote-search
    state: absent
'''

RETURN = r'''
role:
  description:
    - The role as Elasticsearch holds it after the task (as C(GET /_security/role/{name}) returns it); in check mode,
      the role that would be written. Empty when the role does not exist.
  returned: success
  type: dict
  sample:
    cluster: [manage_ccr]
    indices: []
    remote_indices:
      - clusters: [logs]
        names: [leader-index]
        privileges: [cross_cluster_replication]
        allow_restricted_indices: false
    applications: []
    run_as: []
    metadata: {}
    transient_metadata: {enabled: true}
diff:
  description: The normalised role before and after (sorted names and privileges), in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The role before the task (empty when it did not exist).
      type: dict
    after:
      description: The role after the task (empty when it was deleted).
      type: dict
'''

import copy
import json

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import parse_version

ROLE_PATH = "/_security/role/{name}"
LIST_FIELDS = ("cluster", "indices", "remote_indices", "remote_cluster", "applications", "run_as")
MANAGED_FIELDS = LIST_FIELDS + ("metadata", "description")
#: field -> (first version that accepts it, what the documentation says)
FIELD_SINCE = {
    "remote_indices": ((8, 10, 0), "remote_indices needs Elasticsearch 8.10 or later (GA in 8.14)"),
    "remote_cluster": ((8, 15, 0), "remote_cluster privileges need Elasticsearch 8.15 or later"),
    "description": ((8, 15, 0), "role descriptions need Elasticsearch 8.15 or later"),
}
REMOTE_CLUSTER_PRIVILEGES = {"monitor_enrich": (8, 15, 0), "monitor_stats": (8, 17, 0)}
API_KEY_MODEL_GA = (8, 14, 0)


def _field_security_spec():
    return dict(type="dict", options=dict(grant=dict(type="list", elements="str"), **{"except": dict(type="list", elements="str")}))


def _index_entry_spec(remote=False):
    spec = dict(
        names=dict(type="list", elements="str", required=True),
        privileges=dict(type="list", elements="str", required=True),
        field_security=_field_security_spec(),
        query=dict(type="raw"),
        allow_restricted_indices=dict(type="bool", default=False),
    )
    if remote:
        spec["clusters"] = dict(type="list", elements="str", required=True)
    return spec


def argument_spec():
    """The module's own options."""
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cluster=dict(type="list", elements="str"),
        indices=dict(type="list", elements="dict", options=_index_entry_spec()),
        remote_indices=dict(type="list", elements="dict", options=_index_entry_spec(remote=True)),
        remote_cluster=dict(type="list", elements="dict", options=dict(
            clusters=dict(type="list", elements="str", required=True),
            privileges=dict(type="list", elements="str", required=True))),
        applications=dict(type="list", elements="dict", options=dict(
            application=dict(type="str", required=True),
            privileges=dict(type="list", elements="str", required=True),
            resources=dict(type="list", elements="str", required=True))),
        run_as=dict(type="list", elements="str"),
        metadata=dict(type="dict"),
        description=dict(type="str"),
    )


# -- validation (pure) -------------------------------------------------------------------------------------------
def validate_name(name):
    """Elasticsearch's role name rule: 1 to 507 printable ASCII characters, no leading or trailing whitespace."""
    if not name:
        raise ModuleParameterError("name", "must not be empty")
    if len(name) > 507:
        raise ModuleParameterError("name", "is %d characters long; Elasticsearch allows at most 507" % len(name))
    bad = sorted(set(ch for ch in name if not 32 <= ord(ch) <= 126))
    if bad:
        raise ModuleParameterError("name", "contains characters Elasticsearch does not allow in role names (%s)"
                                   % " ".join(repr(ch) for ch in bad),
                                   "Use letters, digits, spaces, punctuation and symbols of printable ASCII")
    if name != name.strip():
        raise ModuleParameterError("name", "has leading or trailing whitespace", "Use '%s'" % name.strip())


def _parse_query(query, where):
    """A query given as a dict or a JSON string -> dict; raises ModuleParameterError."""
    if isinstance(query, dict):
        return query
    if isinstance(query, str):
        try:
            parsed = json.loads(query)
        except ValueError as exc:
            raise ModuleParameterError(where, "is not valid JSON (%s)" % exc, "Give the query as a dictionary or a JSON object text")
        if isinstance(parsed, dict):
            return parsed
    raise ModuleParameterError(where, "must be a query object (a dictionary, or a JSON string holding one), got %s"
                               % type(query).__name__)


def _check_list(values, where):
    if not values:
        raise ModuleParameterError(where, "must not be empty")
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ModuleParameterError(where, "must hold non-empty strings, got %r" % (value,))


def validate_params(params):
    """Check every input before any request; raise ModuleParameterError naming the parameter."""
    validate_name(params["name"])
    for field in ("indices", "remote_indices"):
        for number, entry in enumerate(params.get(field) or []):
            where = "%s[%d]" % (field, number)
            _check_list(entry.get("names"), where + ".names")
            _check_list(entry.get("privileges"), where + ".privileges")
            if field == "remote_indices":
                _check_list(entry.get("clusters"), where + ".clusters")
            security = entry.get("field_security")
            if security and security.get("except") is not None and security.get("grant") is None:
                raise ModuleParameterError(where + ".field_security", "'except' needs 'grant'",
                                           "Add grant (for example ['*']) to say which fields the except list is taken from")
            if entry.get("query") is not None:
                _parse_query(entry["query"], where + ".query")
    for number, entry in enumerate(params.get("remote_cluster") or []):
        where = "remote_cluster[%d]" % number
        _check_list(entry.get("clusters"), where + ".clusters")
        _check_list(entry.get("privileges"), where + ".privileges")
        unknown = [p for p in entry["privileges"] if p not in REMOTE_CLUSTER_PRIVILEGES]
        if unknown:
            raise ModuleParameterError(where + ".privileges", "%s cannot be granted on remote clusters" % ", ".join(unknown),
                                       "Elasticsearch allows only monitor_enrich (8.15+) and monitor_stats (8.17+) there; "
                                       "index privileges on remotes go into remote_indices")
    reserved = sorted(key for key in (params.get("metadata") or {}) if str(key).startswith("_"))
    if reserved:
        raise ModuleParameterError("metadata", "keys starting with '_' are reserved by Elasticsearch (%s)" % ", ".join(reserved),
                                   "Rename them without the leading underscore")
    for number, entry in enumerate(params.get("applications") or []):
        where = "applications[%d]" % number
        if not entry.get("application"):
            raise ModuleParameterError(where + ".application", "must not be empty")
        _check_list(entry.get("privileges"), where + ".privileges")
        _check_list(entry.get("resources"), where + ".resources")


def _version_needed(params):
    """Whether the input uses a field that depends on the Elasticsearch version."""
    return any(params.get(field) for field in FIELD_SINCE)


def check_version(params, version):
    """Fail before any write when the cluster's version does not accept a given field. Returns warnings."""
    parsed = parse_version(version)
    text = ".".join(str(p) for p in parsed)
    warnings = []
    for field, (since, what) in FIELD_SINCE.items():
        if params.get(field) and parsed < since:
            raise ModuleParameterError(field, "the cluster runs Elasticsearch %s; %s" % (text, what),
                                       "Upgrade the cluster or leave %s out. Nothing was changed" % field)
    for number, entry in enumerate(params.get("remote_cluster") or []):
        for privilege in entry.get("privileges") or []:
            since = REMOTE_CLUSTER_PRIVILEGES.get(privilege)
            if since and parsed < since:
                raise ModuleParameterError("remote_cluster[%d].privileges" % number,
                                           "%s needs Elasticsearch %d.%d or later; the cluster runs %s" % (privilege, since[0], since[1], text),
                                           "Use monitor_enrich, or upgrade. Nothing was changed")
    if params.get("remote_indices") and parsed < API_KEY_MODEL_GA:
        warnings.append("remote_indices is a beta feature on Elasticsearch %s (GA from 8.14, the version the API key "
                        "security model documentation requires on both clusters)" % text)
    return warnings


# -- normalisation (pure) ----------------------------------------------------------------------------------------
def _sorted_set(values):
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return sorted(set(str(v) for v in values))


def _canonical_query(query):
    if query is None:
        return None
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError:
            return query
    return json.dumps(query, sort_keys=True, separators=(",", ":"))


def _normalize_index_entry(entry, remote=False):
    out = {}
    if remote:
        out["clusters"] = _sorted_set(entry.get("clusters"))
    out["names"] = _sorted_set(entry.get("names"))
    out["privileges"] = _sorted_set(entry.get("privileges"))
    security = entry.get("field_security") or {}
    if security:
        normal = {}
        if security.get("grant") is not None:
            normal["grant"] = _sorted_set(security.get("grant"))
        if security.get("except"):
            normal["except"] = _sorted_set(security.get("except"))
        if normal:
            out["field_security"] = normal
    query = _canonical_query(entry.get("query"))
    if query is not None:
        out["query"] = query
    out["allow_restricted_indices"] = bool(entry.get("allow_restricted_indices", False))
    return out


def _sort_entries(entries):
    return sorted(entries, key=lambda e: json.dumps(e, sort_keys=True))


def normalize_role(role):
    """A comparable view of a role descriptor: what Elasticsearch fills in is filled in, order does not matter.

    ``None`` (no role) -> ``{}``. ``transient_metadata`` and unmanaged fields (``global``) are left out.
    """
    if not role:
        return {}
    out = {
        "cluster": _sorted_set(role.get("cluster")),
        "indices": _sort_entries(_normalize_index_entry(e) for e in role.get("indices") or []),
        "remote_indices": _sort_entries(_normalize_index_entry(e, remote=True) for e in role.get("remote_indices") or []),
        "remote_cluster": _sort_entries({"clusters": _sorted_set(e.get("clusters")), "privileges": _sorted_set(e.get("privileges"))}
                                        for e in role.get("remote_cluster") or []),
        "applications": _sort_entries({"application": e.get("application"), "privileges": _sorted_set(e.get("privileges")),
                                       "resources": _sorted_set(e.get("resources"))} for e in role.get("applications") or []),
        "run_as": _sorted_set(role.get("run_as")),
        "metadata": dict(role.get("metadata") or {}),
        "description": role.get("description") or None,
    }
    for entry in out["indices"] + out["remote_indices"]:
        if "query" in entry:
            try:
                entry["query"] = json.loads(entry["query"])
            except ValueError:
                pass
    return out


# -- building the request ----------------------------------------------------------------------------------------
def _index_entry_body(entry, remote=False):
    body = {}
    if remote:
        body["clusters"] = list(entry["clusters"])
    body["names"] = list(entry["names"])
    body["privileges"] = list(entry["privileges"])
    security = entry.get("field_security")
    if security and (security.get("grant") is not None or security.get("except") is not None):
        body["field_security"] = dict((k, list(v)) for k, v in security.items() if v is not None)
    if entry.get("query") is not None:
        body["query"] = _parse_query(entry["query"], "query")
    if entry.get("allow_restricted_indices"):
        body["allow_restricted_indices"] = True
    return body


def given_fields(params):
    """The role fields the user set, in request form (None = left out)."""
    out = {}
    if params.get("cluster") is not None:
        out["cluster"] = list(params["cluster"])
    if params.get("indices") is not None:
        out["indices"] = [_index_entry_body(e) for e in params["indices"]]
    if params.get("remote_indices") is not None:
        out["remote_indices"] = [_index_entry_body(e, remote=True) for e in params["remote_indices"]]
    if params.get("remote_cluster") is not None:
        out["remote_cluster"] = [{"clusters": list(e["clusters"]), "privileges": list(e["privileges"])} for e in params["remote_cluster"]]
    if params.get("applications") is not None:
        out["applications"] = [{"application": e["application"], "privileges": list(e["privileges"]), "resources": list(e["resources"])}
                               for e in params["applications"]]
    if params.get("run_as") is not None:
        out["run_as"] = list(params["run_as"])
    if params.get("metadata") is not None:
        out["metadata"] = dict(params["metadata"])
    if params.get("description") is not None:
        out["description"] = params["description"]
    return out


def desired_body(current, given):
    """The full PUT body: the current role (without what Elasticsearch adds) with the given fields replacing theirs.

    Version-dependent fields the user left empty are dropped when the current role does not have them, so an empty
    ``remote_cluster: []`` never breaks a PUT on a cluster that does not know the field.
    """
    body = {}
    for key, value in (current or {}).items():
        if key in ("transient_metadata",):
            continue
        body[key] = copy.deepcopy(value)
    for key, value in given.items():
        if key in FIELD_SINCE and not value and key not in body:
            continue
        body[key] = copy.deepcopy(value)
    return body


# -- the module --------------------------------------------------------------------------------------------------
def read_role(es, name):
    """The role descriptor, or None when it does not exist (GET answers 404 with ``{}``)."""
    response = es.get(api_path(ROLE_PATH, name=name), missing_ok=True)
    if response.status == 404:
        return None
    body = response.body or {}
    return body.get(name) if isinstance(body, dict) else None


def is_reserved(role):
    """Whether Elasticsearch marks the role as built-in."""
    return bool(role and (role.get("metadata") or {}).get("_reserved"))


def manage(module):
    """Read, compare, write only what differs, read back."""
    params = module.params
    validate_params(params)
    name = params["name"]
    es = module.es
    current = read_role(es, name)
    if is_reserved(current):
        raise ModuleParameterError("name", "'%s' is a built-in (reserved) role of Elasticsearch and cannot be %s" % (
            name, "deleted" if params["state"] == "absent" else "changed"),
            "Create a role with another name and give it the privileges you need. Nothing was changed")
    before = normalize_role(current)

    if params["state"] == "absent":
        module.result["role"] = {}
        if current is not None:
            module.set_changed()
            if not module.check_mode:
                es.delete(api_path(ROLE_PATH, name=name), missing_ok=True)
        module.set_diff(before, {})
        return

    if _version_needed(params):
        for warning in check_version(params, es.version):
            module.warn(warning)
    body = desired_body(current, given_fields(params))
    after = normalize_role(body)
    if current is not None and before == after:
        module.result["role"] = current
        module.set_diff(before, before)
        return
    module.set_changed()
    if module.check_mode:
        predicted = dict(body)
        predicted.setdefault("transient_metadata", {"enabled": True})
        module.result["role"] = predicted
    else:
        es.put(api_path(ROLE_PATH, name=name), json_body=body)
        module.result["role"] = read_role(es, name) or body
    module.set_diff(before, after)


def main():
    module = RemoteClustersModule(argument_spec=argument_spec(), connections=("es", "ece"), supports_check_mode=True)
    module.run(manage)


if __name__ == "__main__":
    main()
