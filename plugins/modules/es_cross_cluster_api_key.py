#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_cross_cluster_api_key
short_description: Create, update, rotate and invalidate cross-cluster API keys (API key security model)
version_added: 0.1.0
description:
  - Manages the cross-cluster API key that a local cluster presents to a remote cluster in the API key security model.
    Run it against the B(remote) cluster - the one that is searched or followed.
  - The key is found again by its O(name) and a metadata tag the module sets (C(managed_by=eceops.remote_clusters)),
    among the active cross-cluster keys (C(GET _security/api_key?name=<name>&active_only=true)). Keys without the tag are
    never touched.
  - V(present) creates the key when there is none, and otherwise updates it in place, only when its access or metadata
    differ (C(PUT _security/cross_cluster/api_key/<id>)); a second run sends no write.
  - V(rotated) creates a new key and returns it with the IDs of the keys it supersedes, which stay valid - store the new
    key in the local keystore, reload, verify the connection (M(eceops.remote_clusters.es_remote_info)), and only then
    invalidate the old keys with O(state=absent) and O(key_ids). There is never a moment without a valid key.
  - V(absent) invalidates every active tagged key with the name, or exactly the keys of O(key_ids).
  - The key's C(encoded) value (what goes into C(cluster.remote.<alias>.credentials)) is returned only when a key is
    created (V(present) without a key, or V(rotated)); Elasticsearch never returns it again. It is kept out of the diff,
    the messages and errors. Tasks that register or pass it on must set C(no_log) to V(true).
  - Checks before any write - the cluster runs 8.14 or later (the API key security model is GA from 8.14), the
    connection authenticates as a user (Elasticsearch refuses to create or update cross-cluster keys with an API key),
    and the access follows Elasticsearch's rules (at least one of search and replication; no document or field level
    security on replication, nor on search when replication is granted).
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
    details:
      - In check mode no key is created, so no RV(encoded) value is returned.
  diff_mode:
    support: full
    details:
      - The diff shows the access, metadata and expiration of the key (never its secret).
options:
  name:
    description: The key's name. With the module's metadata tag, it identifies the key.
    type: str
    required: true
  access:
    description:
      - What the local cluster may do on this cluster with the key. Required with O(state=present) and O(state=rotated).
      - At least one of O(access.search) and O(access.replication) must be non-empty. The access replaces the key's whole
        previous access when it is updated.
      - Elasticsearch derives the privileges - search gives C(read), C(read_cross_cluster) and C(view_index_metadata),
        replication gives C(cross_cluster_replication) and C(cross_cluster_replication_internal).
    type: dict
    suboptions:
      search:
        description: Indices the local cluster may search (cross-cluster search).
        type: list
        elements: dict
        suboptions:
          names:
            description: Index names or patterns.
            type: list
            elements: str
            required: true
          query:
            description:
              - Document level security - a Query DSL object (or its JSON text) limiting the documents.
              - Not allowed when O(access.replication) is given.
            type: raw
          field_security:
            description:
              - Field level security. Not allowed when O(access.replication) is given.
            type: dict
            suboptions:
              grant:
                description: Fields that may be read.
                type: list
                elements: str
              except:
                description: Fields excluded from O(access.search[].field_security.grant).
                type: list
                elements: str
          allow_restricted_indices:
            description: Whether the patterns may match restricted (system) indices.
            type: bool
            default: false
      replication:
        description: Leader indices the local cluster may replicate (cross-cluster replication).
        type: list
        elements: dict
        suboptions:
          names:
            description: Index names or patterns.
            type: list
            elements: str
            required: true
          allow_restricted_indices:
            description: Whether the patterns may match restricted (system) indices.
            type: bool
            default: false
          query:
            description:
              - Not supported by Elasticsearch on replication access; setting it fails before any request with
                V(replication does not support document or field level security).
            type: raw
          field_security:
            description:
              - Not supported by Elasticsearch on replication access; setting it fails before any request.
            type: dict
  expiration:
    description:
      - Lifetime of a new key, a duration such as V(90d) or V(12h). Without it keys never expire.
      - Applied when a key is created (or rotated). An existing key keeps its expiry unless O(update_expiration=true).
    type: str
  update_expiration:
    description:
      - Push O(expiration) to an existing key too - its expiry becomes now plus O(expiration). This renews the key on
        every run, so the task then reports a change each time; use it in a renewal task, not in every run.
    type: bool
    default: false
  metadata:
    description:
      - Metadata of the key. The module adds C(managed_by=eceops.remote_clusters), by which it finds the key again.
      - Keys starting with V(_) are reserved by Elasticsearch. V(managed_by) is reserved by the module.
      - When not given, the metadata of an existing key is left as it is.
    type: dict
  key_ids:
    description:
      - With O(state=absent) - invalidate exactly these keys (for example the RV(superseded_key_ids) of a rotation, after
        the new key is verified). Each must be a cross-cluster key named O(name); keys already invalid or gone are skipped.
    type: list
    elements: str
  state:
    description:
      - V(present) - the key exists with this access (created or updated).
      - V(rotated) - a new key is created on every run; the previous keys stay valid and are returned in
        RV(superseded_key_ids).
      - V(absent) - the keys are invalidated (invalidated keys stay visible in Elasticsearch for its retention period).
    type: str
    choices: [present, absent, rotated]
    default: present
notes:
  - Needs the C(manage_security) cluster privilege on the remote cluster, and a user (not an API key) for V(present) and
    V(rotated). Only the user who created a key can update it.
  - Needs an enterprise (or trial) licence on the remote cluster.
  - Store RV(encoded) at once (for example with Ansible Vault) - it cannot be read back.
seealso:
  - module: eceops.remote_clusters.es_remote_cluster
  - module: eceops.remote_clusters.es_secure_settings_reload
  - module: eceops.remote_clusters.es_remote_info
'''

EXAMPLES = r'''
- name: A key that lets the local cluster search logs-* and replicate orders (run against the REMOTE cluster)
  eceops.remote_clusters.es_cross_cluster_api_key:
    es_url: https://logs.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    name: search-to-logs
    access:
      search:
        - names: ["logs-*"]
      replication:
        - names: ["orders"]
    expiration: 90d
    metadata:
      purpose: ccs from search
  register: key
  no_log: true

- name: Rotate without a window with no valid key
  module_defaults:
    group/eceops.remote_clusters.elasticsearch:
      es_url: https://logs.example.com:9243
      es_username: elastic
      es_password: "{{ vault_elastic_password }}"
  block:
    - name: Create the new key (the old ones stay valid)
      eceops.remote_clusters.es_cross_cluster_api_key:
        name: search-to-logs
        access:
          search:
            - names: ["logs-*"]
        expiration: 90d
        state: rotated
      register: rotated
      no_log: true

    # ... store rotated.encoded in the local keystore, reload, verify with es_remote_info ...

    - name: Invalidate the superseded keys once the new one is verified
      eceops.remote_clusters.es_cross_cluster_api_key:
        name: search-to-logs
        state: absent
        key_ids: "{{ rotated.superseded_key_ids }}"

- name: Through the ECE API pass-through of the remote deployment
  eceops.remote_clusters.es_cross_cluster_api_key:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    es_deployment_id: "{{ logs_deployment_id }}"
    name: search-to-logs
    state: absent
'''

RETURN = r'''
key:
  description: The managed key after the task (the newest one when several are active), without its secret.
  returned: when a key exists after the task (not with O(state=absent))
  type: dict
  contains:
    id: {description: "The key's ID.", type: str, sample: VuaCfGcBCdbkQm-e5aOx}
    name: {description: "The key's name.", type: str, sample: search-to-logs}
    creation: {description: "When it was created (ISO 8601, UTC).", type: str, sample: "2026-06-01T12:00:00Z"}
    expiration: {description: "When it expires (ISO 8601, UTC), null when it never expires.", type: str, sample: "2026-08-30T12:00:00Z"}
    days_until_expiry: {description: "Whole days until it expires, null when it never expires.", type: int, sample: 89}
    invalidated: {description: "Whether it is invalidated.", type: bool}
    username: {description: "The owner (only the owner can update it).", type: str}
    realm: {description: "The owner's realm.", type: str}
    access: {description: "The key's access as Elasticsearch reports it.", type: dict}
    metadata: {description: "The key's metadata (with the module's tag).", type: dict}
id:
  description: The ID of RV(key).
  returned: when a key exists after the task (not with O(state=absent))
  type: str
encoded:
  description:
    - The value for C(cluster.remote.<alias>.credentials) on the local cluster (base64 of C(id:api_key)).
    - Returned only when a key was created (not in check mode). Elasticsearch never returns it again. Use C(no_log) on tasks
      that register or pass it on.
  returned: when a key was created
  type: str
expiration:
  description: The expiry of RV(key) (ISO 8601, UTC), null when it never expires.
  returned: when a key exists after the task (not with O(state=absent))
  type: str
days_until_expiry:
  description: Whole days until RV(key) expires, null when it never expires.
  returned: when a key exists after the task (not with O(state=absent))
  type: int
superseded_key_ids:
  description: With O(state=rotated) - the keys that were active before the new one, still valid. Invalidate them after the swap.
  returned: when O(state=rotated)
  type: list
  elements: str
invalidated_key_ids:
  description: With O(state=absent) - the keys invalidated (or that would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
other_key_ids:
  description: With O(state=present) - further active tagged keys with the name (older ones left by a rotation).
  returned: when O(state=present) and there are several
  type: list
  elements: str
'''

import datetime
import json
import math
import re
import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import (
    ModuleParameterError, RemoteClustersModule)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import format_version, parse_version, supports

TAG_KEY = "managed_by"
TAG_VALUE = "eceops.remote_clusters"
DURATION_RE = re.compile(r"^[0-9]+(nanos|micros|ms|s|m|h|d)$")
DLS_FLS = ("query", "field_security")

FIELD_SECURITY = dict(grant=dict(type="list", elements="str"), **{"except": dict(type="list", elements="str")})
SEARCH_OPTIONS = dict(
    names=dict(type="list", elements="str", required=True),
    query=dict(type="raw"),
    field_security=dict(type="dict", options=FIELD_SECURITY),
    allow_restricted_indices=dict(type="bool", default=False),
)
REPLICATION_OPTIONS = dict(
    names=dict(type="list", elements="str", required=True),
    allow_restricted_indices=dict(type="bool", default=False),
    query=dict(type="raw"),
    field_security=dict(type="dict"),
)


# ------------------------------------------------------------------------------------------------- pure helpers

def _parse_query(query):
    """A query as an object for comparison (JSON text is parsed; other text stays text)."""
    if isinstance(query, str):
        try:
            return json.loads(query)
        except ValueError:
            return query
    return query


def _field_security(value):
    if not value:
        return None
    out = {}
    for key in ("grant", "except"):
        if value.get(key):
            out[key] = sorted(value[key])
    return out or None


def normalize_access(access):
    """Access in a comparable form: names sorted, defaults filled, queries parsed, empty parts dropped."""
    out = {}
    for section in ("search", "replication"):
        entries = []
        for entry in (access or {}).get(section) or []:
            names = entry.get("names")
            names = [names] if isinstance(names, str) else list(names or [])
            item = {"names": sorted(names), "allow_restricted_indices": bool(entry.get("allow_restricted_indices"))}
            if entry.get("query") not in (None, "", {}):
                item["query"] = _parse_query(entry["query"])
            security = _field_security(entry.get("field_security"))
            if security:
                item["field_security"] = security
            entries.append(item)
        if entries:
            out[section] = entries
    return out


def access_body(access):
    """The ``access`` object to send: the given entries without unset (None) fields."""
    out = {}
    for section in ("search", "replication"):
        entries = []
        for entry in (access or {}).get(section) or []:
            item = {"names": list(entry["names"]), "allow_restricted_indices": bool(entry.get("allow_restricted_indices"))}
            if entry.get("query") is not None:
                item["query"] = entry["query"]
            if entry.get("field_security"):
                security = dict((k, list(v)) for k, v in entry["field_security"].items() if v is not None)
                if security:
                    item["field_security"] = security
            entries.append(item)
        if entries:
            out[section] = entries
    return out


def validate_access(access):
    """Elasticsearch's rules for cross-cluster key access, as ``(parameter, message)`` problems (empty when valid)."""
    access = access or {}
    search = access.get("search") or []
    replication = access.get("replication") or []
    problems = []
    if not search and not replication:
        return [("access", "must specify non-empty access for either [search] or [replication]")]
    for section, entries in (("search", search), ("replication", replication)):
        for index, entry in enumerate(entries):
            names = entry.get("names")
            if not names or any(not isinstance(n, str) or not n.strip() for n in names):
                problems.append(("access.%s[%d].names" % (section, index), "must list at least one index name or pattern, "
                                 "none of them empty"))
            query = entry.get("query")
            if isinstance(query, str) and query.strip():
                try:
                    parsed = json.loads(query)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    problems.append(("access.%s[%d].query" % (section, index), "must be a Query DSL object (or its JSON "
                                     "text), got %r" % (query[:80],)))
            elif query is not None and not isinstance(query, (dict, str)):
                problems.append(("access.%s[%d].query" % (section, index), "must be a Query DSL object, got %s" % type(query).__name__))
    if any(entry.get(field) not in (None, "", {}) for entry in replication for field in DLS_FLS):
        problems.append(("access.replication", "replication does not support document or field level security"))
    elif replication and any(entry.get(field) not in (None, "", {}) for entry in search for field in DLS_FLS):
        problems.append(("access.search", "search does not support document or field level security if replication is assigned"))
    return problems


def validate_metadata(metadata):
    """Problems of the user's metadata (reserved keys)."""
    problems = []
    for key in sorted(metadata or {}):
        if str(key).startswith("_"):
            problems.append(("metadata", "API key metadata keys may not start with [_] (key [%s])" % key))
        elif key == TAG_KEY and metadata[key] != TAG_VALUE:
            problems.append(("metadata", "the key [%s] is reserved: the module sets it to [%s] to find its keys again"
                             % (TAG_KEY, TAG_VALUE)))
    return problems


def validate_expiration(expiration):
    """Problems of an expiration duration."""
    if expiration is None:
        return []
    if not DURATION_RE.match(str(expiration).strip()):
        return [("expiration", "failed to parse setting [expiration] with value [%s] as a time value: unit is missing or "
                 "unrecognized; use a duration such as 90d, 12h or 30m" % expiration)]
    return []


def desired_metadata(metadata):
    """The metadata to store: the user's plus the module's tag."""
    out = dict(metadata or {})
    out[TAG_KEY] = TAG_VALUE
    return out


def is_managed(key, name):
    """Whether an API key (GET _security/api_key entry) is this module's cross-cluster key ``name``."""
    return (key.get("name") == name and key.get("type") == "cross_cluster"
            and (key.get("metadata") or {}).get(TAG_KEY) == TAG_VALUE)


def _iso(millis):
    if millis is None:
        return None
    moment = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def days_until(millis, now=None):
    """Whole days from ``now`` (seconds) until ``millis`` (epoch ms); None when there is no expiry."""
    if millis is None:
        return None
    now = time.time() if now is None else now
    return int(math.floor((millis / 1000.0 - now) / 86400.0))


def key_view(key, now=None):
    """The RV(key) dict of an API key (never its secret)."""
    return {
        "id": key.get("id"),
        "name": key.get("name"),
        "type": key.get("type"),
        "creation": _iso(key.get("creation")),
        "expiration": _iso(key.get("expiration")),
        "days_until_expiry": days_until(key.get("expiration"), now),
        "invalidated": bool(key.get("invalidated")),
        "username": key.get("username"),
        "realm": key.get("realm"),
        "access": key.get("access"),
        "metadata": key.get("metadata") or {},
    }


def plan_update(key, access, metadata, expiration, update_expiration):
    """The ``PUT _security/cross_cluster/api_key/<id>`` body that brings ``key`` to the desired state ({} when equal)."""
    body = {}
    if normalize_access(key.get("access")) != normalize_access(access):
        body["access"] = access_body(access)
    if metadata is not None and (key.get("metadata") or {}) != desired_metadata(metadata):
        body["metadata"] = desired_metadata(metadata)
    if update_expiration and expiration:
        body["expiration"] = expiration
        if "access" not in body and "metadata" not in body:
            body["access"] = access_body(access)
    return body


def diff_state(key, metadata_managed=True):
    """The part of a key shown in diffs."""
    if not key:
        return {}
    out = {"id": key.get("id"), "name": key.get("name"), "access": normalize_access(key.get("access")),
           "expiration": _iso(key.get("expiration")) if isinstance(key.get("expiration"), (int, float)) else key.get("expiration")}
    if metadata_managed:
        out["metadata"] = key.get("metadata") or {}
    return out


# ------------------------------------------------------------------------------------------------- I/O

def find_keys(es, name):
    """Active API keys named ``name`` (every type; filtered by the caller)."""
    body = es.get("/_security/api_key", params={"name": name, "active_only": "true"}).body or {}
    return sorted(body.get("api_keys") or [], key=lambda k: (k.get("creation") or 0, k.get("id") or ""))


def get_key(es, key_id):
    """One API key by ID (None when it does not exist)."""
    response = es.get("/_security/api_key", params={"id": key_id}, missing_ok=True)
    keys = (response.body or {}).get("api_keys") or [] if response.status == 200 else []
    return keys[0] if keys else None


def check_preconditions(es, needs_user):
    """8.14 or later, and (to create or update) a user rather than an API key; before any write."""
    version = es.version
    if version is not None:
        try:
            too_old = not supports("cross_cluster_api_key", version)
        except ValueError:
            too_old = False
        if too_old:
            raise ModuleParameterError(None, "the API-key security model is GA from 8.14; this cluster runs %s"
                                       % format_version(parse_version(version)),
                                       "Upgrade the remote cluster (and the local one) to 8.14 or later, or use the "
                                       "(deprecated) certificate model")
    who = es.authenticate() if needs_user else None
    if who and who.get("authentication_type") == "api_key":
        raise ModuleParameterError("es_api_key", "cross-cluster API keys must be created by a user, not with an API key; "
                                   "set es_username/es_password")
    return who


def _owner_problem(key, who):
    if not who:
        return None
    realm = (who.get("authentication_realm") or {}).get("name")
    if key.get("username") != who.get("username") or (realm and key.get("realm") and key.get("realm") != realm):
        return ("key [%s] named [%s] is owned by user [%s] (realm [%s]), and only its owner can update it; this connection "
                "authenticates as [%s]" % (key.get("id"), key.get("name"), key.get("username"), key.get("realm"), who.get("username")))
    return None


def create(module, es, params):
    """POST _security/cross_cluster/api_key; returns the key as GET shows it (with ``encoded`` apart)."""
    body = {"name": params["name"], "access": access_body(params["access"]), "metadata": desired_metadata(params["metadata"])}
    if params["expiration"]:
        body["expiration"] = params["expiration"]
    module.set_changed()
    if module.check_mode:
        return dict(body, id=None), None
    created = es.post("/_security/cross_cluster/api_key", json_body=body).body or {}
    encoded = created.get("encoded")
    es.add_secret(encoded, created.get("api_key"))
    key = get_key(es, created.get("id")) or dict(body, id=created.get("id"), expiration=created.get("expiration"))
    return key, encoded


def set_key_result(module, key):
    """key, id, expiration and days_until_expiry in the result."""
    if not key or not key.get("id"):
        return
    view = key_view(key)
    module.result.update(key=view, id=view["id"], expiration=view["expiration"], days_until_expiry=view["days_until_expiry"])


def ensure_present(module, es, params, who):
    """Create the key, or update it in place when access or metadata differ."""
    managed = [k for k in find_keys(es, params["name"]) if is_managed(k, params["name"])]
    if not managed:
        key, encoded = create(module, es, params)
        module.set_diff({}, diff_state(dict(key, expiration=params["expiration"] if module.check_mode else key.get("expiration"))))
        if encoded:
            module.result["encoded"] = encoded
        set_key_result(module, key)
        return
    key = managed[-1]
    if len(managed) > 1:
        module.result["other_key_ids"] = [k["id"] for k in managed[:-1]]
        module.warn("%d older active keys named [%s] remain (%s); invalidate them with state=absent and key_ids once the "
                    "newest key is in use" % (len(managed) - 1, params["name"], ", ".join(module.result["other_key_ids"])))
    body = plan_update(key, params["access"], params["metadata"], params["expiration"], params["update_expiration"])
    after = dict(key)
    if body:
        problem = _owner_problem(key, who)
        if problem:
            raise ModuleParameterError("name", problem, "Run the task as that user, or invalidate the key (state=absent) "
                                       "and create a new one")
        after.update(access=body.get("access", key.get("access")), metadata=body.get("metadata", key.get("metadata")))
        if module.check_mode:
            module.set_changed()
        else:
            answer = es.put("/_security/cross_cluster/api_key/%s" % key["id"], json_body=body).body or {}
            module.set_changed(bool(answer.get("updated")))
            after = get_key(es, key["id"]) or after
    metadata_managed = params["metadata"] is not None
    module.set_diff(diff_state(key, metadata_managed), diff_state(after, metadata_managed))
    set_key_result(module, after)


def ensure_rotated(module, es, params):
    """Create a new key; the active ones are superseded (not invalidated)."""
    managed = [k for k in find_keys(es, params["name"]) if is_managed(k, params["name"])]
    superseded = [k["id"] for k in managed]
    key, encoded = create(module, es, params)
    module.result["superseded_key_ids"] = superseded
    module.set_diff({"active_key_ids": superseded}, {"active_key_ids": superseded + [key.get("id") or "(new key)"]})
    if encoded:
        module.result["encoded"] = encoded
    set_key_result(module, key)


def ensure_absent(module, es, params):
    """Invalidate the tagged keys with the name, or exactly ``key_ids``."""
    now_ms = time.time() * 1000
    if params["key_ids"]:
        targets = []
        for key_id in params["key_ids"]:
            key = get_key(es, key_id)
            if key is None:
                continue
            if key.get("type") != "cross_cluster" or key.get("name") != params["name"]:
                raise ModuleParameterError("key_ids", "key [%s] is a %s key named [%s], not the cross-cluster key [%s]"
                                           % (key_id, key.get("type") or "REST", key.get("name"), params["name"]),
                                           "Give only IDs of this key (for example superseded_key_ids of a rotation)")
            expired = key.get("expiration") is not None and key["expiration"] <= now_ms
            if not key.get("invalidated") and not expired:
                targets.append(key_id)
    else:
        targets = [k["id"] for k in find_keys(es, params["name"]) if is_managed(k, params["name"])]
    module.result["invalidated_key_ids"] = targets
    module.set_diff({"active_key_ids": targets}, {"active_key_ids": []})
    if not targets:
        return
    module.set_changed()
    if module.check_mode:
        return
    answer = es.delete("/_security/api_key", json_body={"ids": targets}).body or {}
    module.result["invalidated_key_ids"] = answer.get("invalidated_api_keys", targets)
    if answer.get("error_count"):
        reasons = "; ".join("%s: %s" % (d.get("type"), d.get("reason")) for d in answer.get("error_details") or [])
        module.fail_json(msg="Elasticsearch could not invalidate %d of the keys: %s" % (answer["error_count"], reasons),
                         **module.result)


def validate(params):
    """Every input check, before any request."""
    problems = []
    if not (params.get("name") or "").strip():
        problems.append(("name", "must not be empty"))
    state = params["state"]
    if state in ("present", "rotated"):
        if params.get("access") is None:
            problems.append(("access", "is required with state=%s; give search and/or replication" % state))
        else:
            problems.extend(validate_access(params["access"]))
    if params.get("key_ids") is not None and state != "absent":
        problems.append(("key_ids", "is only used with state=absent"))
    if params.get("update_expiration") and not params.get("expiration"):
        problems.append(("update_expiration", "needs expiration"))
    problems.extend(validate_metadata(params.get("metadata")))
    problems.extend(validate_expiration(params.get("expiration")))
    if problems:
        parameter, message = problems[0]
        raise ModuleParameterError(parameter, "; ".join(m if p == parameter else "%s: %s" % (p, m) for p, m in problems))


def run(module):
    """Validate, check the cluster and the caller, then converge."""
    params = module.params
    validate(params)
    es = module.es
    who = check_preconditions(es, needs_user=params["state"] in ("present", "rotated"))
    if params["state"] == "present":
        ensure_present(module, es, params, who)
    elif params["state"] == "rotated":
        ensure_rotated(module, es, params)
    else:
        ensure_absent(module, es, params)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            access=dict(type="dict", options=dict(
                search=dict(type="list", elements="dict", options=SEARCH_OPTIONS),
                replication=dict(type="list", elements="dict", options=REPLICATION_OPTIONS),
            )),
            expiration=dict(type="str"),
            update_expiration=dict(type="bool", default=False),
            metadata=dict(type="dict"),
            key_ids=dict(type="list", elements="str", no_log=False),
            state=dict(type="str", choices=["present", "absent", "rotated"], default="present"),
        ),
        connections=("es", "ece"),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
