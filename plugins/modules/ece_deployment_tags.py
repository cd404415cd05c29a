#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_deployment_tags
short_description: Read, set and remove the metadata tags of an ECE or ECH deployment
version_added: 0.1.0
description:
  - Reads the metadata tags of a deployment (C(metadata.tags), a list of key/value pairs) and sets or removes
    individual keys, keeping every key it was not told about (unless O(purge=true)).
  - Writes with C(PUT /deployments/{deployment_id}) whose body holds only C(prune_orphans=false) and C(metadata.tags),
    with the C(version) guard read from the deployment, so it never touches the deployment's resources or plans and
    never overwrites a concurrent change (on a version conflict it reads again and retries).
  - The collection's scenario roles use a tag C(eceops-rc-<alias>) to record what they added to C(accounts) and
    C(external) trust allowlists, so that C(state=absent) removes exactly those items.
  - Works with the ECE API and with the Elastic Cloud (ECH) user API, which has the same endpoint.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_ece
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  deployment_id:
    description:
      - The ID of the deployment (not the Elasticsearch cluster ID).
    type: str
    required: true
  tags:
    description:
      - Keys to set, with their values. Keys not named here are kept (see O(purge)).
      - A value that is a dictionary or a list is stored as compact JSON (keys sorted) and compared with the stored
        value as JSON, so a record written by this module reads back equal. Booleans are stored as V(true)/V(false),
        numbers as their text.
      - Setting a key that the deployment holds several times (the API allows duplicate keys) leaves exactly one item.
    type: dict
    default: {}
  remove:
    description:
      - Keys to remove. Removing a key that is not there changes nothing.
      - A key cannot be both in O(tags) and in O(remove).
    type: list
    elements: str
    default: []
  purge:
    description:
      - Remove every key that is not in O(tags).
    type: bool
    default: false
notes:
  - Without O(tags), O(remove) and O(purge), the module only reads (it never reports C(changed)).
  - Tag keys and values are plain strings visible to everyone who can read the deployment; never store a secret in a tag.
seealso:
  - module: eceops.remote_clusters.ece_deployment_trust
  - module: eceops.remote_clusters.ece_environment_info
'''

EXAMPLES = r'''
- name: Read the tags of a deployment
  eceops.remote_clusters.ece_deployment_tags:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ ece_api_key }}"
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
  register: tags

- name: Record what was added to a trust allowlist (stored as compact JSON)
  eceops.remote_clusters.ece_deployment_tags:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    tags:
      eceops-rc-logs:
        accounts:
          ec38dd0aa45f4a69909ca5c81c27138a: [cf659f7fe6164d9691b284ae36811be1]

- name: Remove the record again
  eceops.remote_clusters.ece_deployment_tags:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    remove: [eceops-rc-logs]

- name: Set the connection once for several tasks
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ ece_api_key }}"
  block:
    - name: Mark the deployment as managed
      eceops.remote_clusters.ece_deployment_tags:
        deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
        tags:
          team: search
          managed: true
'''

RETURN = r'''
deployment_id:
  description: The deployment's ID.
  returned: always
  type: str
  sample: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
tags:
  description:
    - The deployment's tags after the change (in check mode, what they would be), as a dictionary of key to value.
    - When the deployment holds a key several times, the first value is shown.
  returned: success
  type: dict
  sample: {"team": "search", "eceops-rc-logs": "{\"accounts\":{\"ec38dd0aa45f4a69909ca5c81c27138a\":[\"cf659f7fe6164d9691b284ae36811be1\"]}}"}
tags_list:
  description: The tags after the change as the API holds them (a list of C(key)/C(value) items, order kept).
  returned: success
  type: list
  elements: dict
  sample: [{"key": "team", "value": "search"}]
added:
  description: Keys that were (or in check mode would be) added.
  returned: success
  type: list
  elements: str
  sample: [eceops-rc-logs]
updated:
  description: Keys whose value was (or would be) changed.
  returned: success
  type: list
  elements: str
  sample: []
removed:
  description: Keys that were (or would be) removed.
  returned: success
  type: list
  elements: str
  sample: []
'''

import json

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, EceClient, api_path

VERSION_CONFLICT = "deployments.deployment_version_conflict"
MAX_ATTEMPTS = 3


def encode_value(key, value):
    """The string stored for a wanted tag value (dict/list -> compact sorted JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise ModuleParameterError("tags", "the value of key %r is empty" % key,
                                   "Give a string, or list the key under remove to delete it")
    raise ModuleParameterError("tags", "the value of key %r has an unsupported type (%s)" % (key, type(value).__name__),
                               "Give a string, number, boolean, list or dictionary")


def values_equal(current, wanted_raw, wanted):
    """Whether the stored ``current`` string already holds the wanted value."""
    if current == wanted:
        return True
    if isinstance(wanted_raw, (dict, list)):
        try:
            return json.loads(current) == wanted_raw
        except (TypeError, ValueError):
            return False
    return False


def validate(params):
    """Check the input before any request; returns ``{key: (raw, encoded)}``."""
    wanted = {}
    for key, value in (params["tags"] or {}).items():
        if not isinstance(key, str) or not key.strip():
            raise ModuleParameterError("tags", "a key is empty", "Give every tag a non-empty key")
        wanted[key] = (value, encode_value(key, value))
    remove = params["remove"] or []
    for key in remove:
        if not key or not key.strip():
            raise ModuleParameterError("remove", "an item is empty", "List the keys to remove")
    both = sorted(set(wanted) & set(remove))
    if both:
        raise ModuleParameterError("remove", "keys %s are also in tags" % ", ".join(both),
                                   "Either set a key (tags) or remove it (remove), not both")
    return wanted


def as_dict(items):
    """``{key: first value}`` of a tag list."""
    out = {}
    for item in items:
        if item.get("key") not in out:
            out[item.get("key")] = item.get("value")
    return out


def plan_tags(current, wanted, remove, purge):
    """The new tag list and what changes: ``(items, added, updated, removed)``.

    Keeps the order of ``current``; new keys are appended in sorted order.
    """
    items = []
    seen = set()
    added, updated, removed = [], [], []
    for item in current:
        key = item.get("key")
        if key in remove or (purge and key not in wanted):
            if key not in removed:
                removed.append(key)
            continue
        if key in seen:
            # a duplicate of a key we manage: keep one item only
            if key in wanted and key not in updated:
                updated.append(key)
            elif key not in wanted:
                items.append(dict(item))
            continue
        seen.add(key)
        if key in wanted:
            raw, encoded = wanted[key]
            if not values_equal(item.get("value"), raw, encoded):
                updated.append(key)
                items.append({"key": key, "value": encoded})
            else:
                items.append({"key": key, "value": item.get("value")})
        else:
            items.append(dict(item))
    for key in sorted(set(wanted) - seen):
        added.append(key)
        items.append({"key": key, "value": wanted[key][1]})
    return items, added, updated, removed


def read(module, deployment_id):
    """``(tags list, resource version)`` of the deployment."""
    response = module.ece.get(api_path("/deployments/{deployment_id}", deployment_id=deployment_id))
    body = response.body or {}
    tags = [dict(key=item.get("key"), value=item.get("value"))
            for item in ((body.get("metadata") or {}).get("tags") or []) if isinstance(item, dict)]
    return tags, EceClient.resource_version(response)


def apply(module):
    """Read, compare, write only what differs, read back."""
    params = module.params
    deployment_id = params["deployment_id"]
    if not deployment_id or not deployment_id.strip():
        raise ModuleParameterError("deployment_id", "is empty", "Give the deployment ID (not the Elasticsearch cluster ID)")
    wanted = validate(params)
    remove = set(params["remove"] or [])
    module.result["deployment_id"] = deployment_id
    for attempt in range(MAX_ATTEMPTS):
        current, version = read(module, deployment_id)
        items, added, updated, removed = plan_tags(current, wanted, remove, params["purge"])
        changed = bool(added or updated or removed)
        if changed and not module.check_mode:
            query = {"version": version} if version is not None else None
            try:
                module.ece.put(api_path("/deployments/{deployment_id}", deployment_id=deployment_id), params=query,
                               json_body={"prune_orphans": False, "metadata": {"tags": items}})
            except EceApiError as exc:
                if VERSION_CONFLICT in exc.codes and attempt + 1 < MAX_ATTEMPTS:
                    continue
                raise
            items, version = read(module, deployment_id)
        break
    module.set_changed(changed)
    module.set_diff({"tags": as_dict(current)}, {"tags": as_dict(items)})
    module.result.update(tags=as_dict(items), tags_list=items, added=added, updated=updated, removed=removed)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            deployment_id=dict(type="str", required=True),
            tags=dict(type="dict", default={}),
            remove=dict(type="list", elements="str", default=[]),
            purge=dict(type="bool", default=False),
        ),
        connections=("ece",),
        supports_check_mode=True,
    )
    module.run(apply)


if __name__ == "__main__":
    main()
