#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_ccr_auto_follow
short_description: Manage a cross-cluster replication auto-follow pattern
version_added: 0.1.0
description:
  - Creates, updates or deletes an auto-follow pattern on the B(local) (follower) cluster
    (C(PUT /_ccr/auto_follow/{name}), C(DELETE /_ccr/auto_follow/{name})). Leader indices created on the remote
    cluster B(after) the pattern exists and matching it are followed automatically; followers created earlier are
    not changed by an update, and stay when the pattern is deleted.
  - Reads the pattern first (C(GET /_ccr/auto_follow/{name})) and compares only the options given in the task
    (Elasticsearch returns only the tuning parameters that were set explicitly). Index patterns compare as sets,
    sizes and durations by value (V(32mb) equals V(33554432b)), settings after flattening. A C(PUT) is sent only when
    something differs; it carries the pattern's current values for the options left out, so they do not change.
  - Before a C(PUT), checks that the alias O(remote_cluster) is configured and connected and applies the CCR version
    rule (the follower - local - cluster must run the same or a newer version than the leader, patch level
    included), reading the leader's version with C(GET /_resolve/cluster/<alias>:*) (Elasticsearch 8.13+). An
    incompatible pair, an unknown alias or a broken connection fails before any write.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ccr
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
      - The name of the auto-follow pattern - lowercase, not starting with C(_), without C(,), C(#) or spaces
        (Elasticsearch's rules), at most 255 bytes.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the pattern, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  remote_cluster:
    description:
      - The alias of the remote (leader) cluster, as configured on the local cluster.
      - Required to create the pattern.
    type: str
  leader_index_patterns:
    description:
      - Index patterns on the remote cluster whose new indices are followed, for example V(logs-*).
      - Required to create the pattern.
    type: list
    elements: str
  leader_index_exclusion_patterns:
    description:
      - Index patterns on the remote cluster that are never followed (Elasticsearch 7.14+).
    type: list
    elements: str
  follow_index_pattern:
    description:
      - The name of the follower index, with C({{leader_index}}) standing for the leader index name, for example
        C({{leader_index}}-follower). Without it the follower has the leader's name.
      - In a playbook, protect the braces from Jinja - C(!unsafe '{{leader_index}}-follower').
    type: str
  settings:
    description:
      - Index settings of the follower indices that override the leader's, for example C(index.number_of_replicas).
      - Compared after flattening, with values as strings (nested C(index) then C(number_of_replicas) set to V(0) equals
        C(index.number_of_replicas) set to V("0")).
    type: dict
notes:
  - Needs C(manage_ccr) on the local cluster and, on the leader side, the replication privileges of the security
    model in use. Cross-cluster replication needs a Platinum or Enterprise licence on both clusters.
  - The pattern's C(active) flag (paused or resumed with C(POST /_ccr/auto_follow/{name}/pause|resume)) is reported
    but not managed.
seealso:
  - module: eceops.remote_clusters.es_ccr_follower
  - module: eceops.remote_clusters.es_remote_cluster
  - name: Elasticsearch create auto-follow pattern API
    description: The API this module calls.
    link: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-ccr-put-auto-follow-pattern
'''

EXAMPLES = r'''
- name: Follow every new logs index of the remote cluster "logs"
  eceops.remote_clusters.es_ccr_auto_follow:
    es_url: https://follower.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    name: logs
    remote_cluster: logs
    leader_index_patterns: ["logs-*"]
    leader_index_exclusion_patterns: ["logs-debug-*"]
    follow_index_pattern: !unsafe "{{leader_index}}-copy"
    settings:
      index.number_of_replicas: 0
    max_read_request_size: 16mb

- name: Patterns of a deployment, through the ECE API
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ vault_ece_api_key }}"
      es_deployment_id: "{{ local_deployment_id }}"
  block:
    - name: Add a second leader pattern (the other options keep their values)
      eceops.remote_clusters.es_ccr_auto_follow:
        name: logs
        leader_index_patterns: ["logs-*", "metrics-*"]

    - name: Remove the pattern (its followers stay)
      eceops.remote_clusters.es_ccr_auto_follow:
        name: logs
        state: absent
'''

RETURN = r'''
pattern:
  description:
    - The auto-follow pattern after the task, as C(GET /_ccr/auto_follow/{name}) returns it (in check mode, the
      predicted pattern). Empty when it does not exist.
  returned: success
  type: dict
  contains:
    name:
      description: The pattern name.
      type: str
      sample: logs
    active:
      description: Whether the pattern is active (not paused).
      type: bool
      sample: true
    remote_cluster:
      description: The alias of the leader's cluster.
      type: str
      sample: logs
    leader_index_patterns:
      description: The leader index patterns.
      type: list
      elements: str
      sample: ["logs-*"]
    leader_index_exclusion_patterns:
      description: The excluded leader index patterns.
      type: list
      elements: str
      sample: []
    follow_index_pattern:
      description: The follower index name pattern (absent when not set).
      type: str
      sample: "{{leader_index}}-copy"
    settings:
      description: The follower index settings (absent when none).
      type: dict
  sample:
    name: logs
    active: true
    remote_cluster: logs
    leader_index_patterns: ["logs-*"]
    leader_index_exclusion_patterns: []
    follow_index_pattern: "{{leader_index}}-copy"
    max_read_request_size: 16mb
versions:
  description: The CCR version check made before writing.
  returned: when the pattern was (or would be) created or updated
  type: dict
  contains:
    follower:
      description: The local (follower) cluster's version.
      type: str
      sample: 9.1.3
    leader:
      description: The leader cluster's version (null when it cannot be read).
      type: str
      sample: 8.19.4
    compatible:
      description: Whether the pair passes the CCR version rule (null when it could not be checked).
      type: bool
    reason:
      description: The rule's explanation.
      type: str
'''

import copy

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ccr import (
    TUNING_NAMES, check_leader_version, given_tuning, normalize_tuning, tuning_argument_spec, validate_remote_alias,
    validate_tuning)

PATTERN_PATH = "/_ccr/auto_follow/{name}"
PATTERN_FIELDS = ("remote_cluster", "leader_index_patterns", "leader_index_exclusion_patterns", "follow_index_pattern", "settings")


def argument_spec():
    """The module's own options."""
    spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        remote_cluster=dict(type="str"),
        leader_index_patterns=dict(type="list", elements="str"),
        leader_index_exclusion_patterns=dict(type="list", elements="str"),
        follow_index_pattern=dict(type="str"),
        settings=dict(type="dict"),
    )
    spec.update(tuning_argument_spec())
    return spec


def validate_params(params):
    """Check the input before any request (Elasticsearch's PutAutoFollowPatternAction rules and ours)."""
    name = params["name"]
    if not name:
        raise ModuleParameterError("name", "must not be empty")
    if name.startswith("_"):
        raise ModuleParameterError("name", "'%s' starts with '_', which Elasticsearch does not allow" % name,
                                   "Use '%s'" % name.lstrip("_"))
    for char, what in ((",", "','"), ("#", "'#'"), (" ", "a space")):
        if char in name:
            raise ModuleParameterError("name", "'%s' contains %s, which Elasticsearch does not allow" % (name, what))
    if name.lower() != name:
        raise ModuleParameterError("name", "'%s' contains uppercase letters; Elasticsearch wants auto-follow pattern names "
                                   "lower cased" % name, "Use '%s'" % name.lower())
    if len(name.encode("utf-8")) > 255:
        raise ModuleParameterError("name", "is longer than 255 bytes")
    if params.get("remote_cluster") is not None:
        validate_remote_alias(params["remote_cluster"])
    patterns = params.get("leader_index_patterns")
    if patterns is not None:
        if not patterns:
            raise ModuleParameterError("leader_index_patterns", "must not be empty", "Give at least one index pattern, for example 'logs-*'")
        if any(not p or not p.strip() for p in patterns):
            raise ModuleParameterError("leader_index_patterns", "must not contain empty patterns")
    if any(not p or not p.strip() for p in params.get("leader_index_exclusion_patterns") or []):
        raise ModuleParameterError("leader_index_exclusion_patterns", "must not contain empty patterns")
    validate_tuning(params)


def flatten_settings(settings, prefix=""):
    """``{"index": {"number_of_replicas": 0}}`` -> ``{"index.number_of_replicas": "0"}`` (values as Elasticsearch's strings)."""
    out = {}
    for key, value in (settings or {}).items():
        full = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict):
            out.update(flatten_settings(value, full))
        elif isinstance(value, list):
            out[full] = [_setting_text(v) for v in value]
        else:
            out[full] = _setting_text(value)
    return out


def _setting_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    return str(value)


def normalize_field(key, value):
    """A comparable form of one pattern field."""
    if key in ("leader_index_patterns", "leader_index_exclusion_patterns"):
        return sorted(set(value or []))
    if key == "settings":
        return flatten_settings(value)
    if key == "follow_index_pattern":
        return value or None
    if key in TUNING_NAMES:
        return normalize_tuning(key, value)
    return value


def given_fields(params):
    """The pattern fields the user set."""
    out = dict((key, copy.deepcopy(params[key])) for key in PATTERN_FIELDS if params.get(key) is not None)
    out.update(given_tuning(params))
    return out


def differences(given, current):
    """Names of the given fields that differ from the current pattern."""
    current = current or {}
    return [key for key, value in given.items() if normalize_field(key, value) != normalize_field(key, current.get(key))]


def read_pattern(es, name):
    """The pattern (``{active, remote_cluster, ...}``), or None when it does not exist (404)."""
    response = es.get(api_path(PATTERN_PATH, name=name), missing_ok=True)
    if response.status == 404:
        return None
    for entry in (response.body or {}).get("patterns") or []:
        if entry.get("name") == name:
            return entry.get("pattern") or {}
    return None


def desired_body(current, given):
    """The PUT body: the current pattern's fields (``active`` left out) with the given ones replacing theirs."""
    body = dict((key, copy.deepcopy(value)) for key, value in (current or {}).items() if key in PATTERN_FIELDS + TUNING_NAMES)
    body.update(copy.deepcopy(given))
    if body.get("follow_index_pattern") == "":
        body.pop("follow_index_pattern")
    if "settings" in body and not body["settings"]:
        body.pop("settings")
    return body


def view(name, pattern):
    """The returned pattern: its name and fields."""
    if pattern is None:
        return {}
    out = {"name": name}
    out.update(pattern)
    return out


def diff_view(pattern):
    """The diff view: the pattern with settings flattened."""
    if pattern is None:
        return {}
    out = dict((k, v) for k, v in pattern.items() if k != "settings")
    if pattern.get("settings"):
        out["settings"] = flatten_settings(pattern["settings"])
    return out


def manage(module):
    """Read, compare, check versions, write only what differs, read back."""
    params = module.params
    validate_params(params)
    name = params["name"]
    es = module.es
    current = read_pattern(es, name)

    if params["state"] == "absent":
        module.result["pattern"] = {}
        if current is not None:
            module.set_changed()
            if not module.check_mode:
                es.delete(api_path(PATTERN_PATH, name=name), missing_ok=True)
        module.set_diff(diff_view(current), {})
        return

    given = given_fields(params)
    if current is None:
        for key in ("remote_cluster", "leader_index_patterns"):
            if not given.get(key):
                raise ModuleParameterError(key, "is required to create the auto-follow pattern '%s'" % name,
                                           "Give remote_cluster (the alias of the leader's cluster) and leader_index_patterns")
    elif not differences(given, current):
        module.result["pattern"] = view(name, current)
        module.set_diff(diff_view(current), diff_view(current))
        return
    body = desired_body(current, given)
    module.result["versions"] = check_leader_version(module, body["remote_cluster"])
    module.set_changed()
    if module.check_mode:
        predicted = dict(body)
        predicted["active"] = (current or {}).get("active", True)
        predicted.setdefault("leader_index_exclusion_patterns", [])
        after = predicted
    else:
        es.put(api_path(PATTERN_PATH, name=name), json_body=body)
        after = read_pattern(es, name) or body
    module.result["pattern"] = view(name, after)
    module.set_diff(diff_view(current), diff_view(after))


def main():
    module = RemoteClustersModule(argument_spec=argument_spec(), connections=("es", "ece"), supports_check_mode=True)
    module.run(manage)


if __name__ == "__main__":
    main()
