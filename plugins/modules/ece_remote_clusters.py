#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_remote_clusters
short_description: Manage the certificate-based remote clusters of an ECE deployment, alias by alias
version_added: 0.1.0
description:
  - Manages the remote clusters that the ECE API configures for an Elasticsearch resource
    (C(GET|PUT /deployments/{id}/elasticsearch/{ref_id}/remote-clusters)) - the TLS certificate security model
    (port 9400), between deployments of the B(same) ECE environment only. Elastic documents this API as deprecated;
    for the API key model, or for remotes outside the environment, use M(eceops.remote_clusters.es_remote_cluster).
  - The API replaces the whole list on every update. The module reads it, applies the aliases you name
    (O(remote_clusters[].state)), keeps the aliases you do not name unless O(purge=true), and writes only when the
    list differs.
  - Both deployments must trust each other (see M(eceops.remote_clusters.ece_deployment_trust)); with
    O(wait_for_connection=true) the module waits until every alias it manages is connected and, if one is not, says
    which of ECE's flags (C(trusted), C(trusted_back), C(compatible), C(healthy)) is false and what to do.
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
    description: The ID of the local deployment (the one that searches or follows).
    type: str
    required: true
  ref_id:
    description: The C(ref_id) of its Elasticsearch resource. V(_main) selects the only one.
    type: str
    default: _main
  remote_clusters:
    description: The remote clusters to add, change or remove, by alias.
    type: list
    elements: dict
    default: []
    suboptions:
      alias:
        description:
          - The remote cluster alias (C(<alias>:<index>) in searches). Letters, digits, C(-) and C(_) only.
        type: str
        required: true
      deployment_id:
        description:
          - The ID of the remote deployment, in the same ECE environment. Required unless O(remote_clusters[].state=absent).
        type: str
      ref_id:
        description:
          - The C(ref_id) of the remote's Elasticsearch resource. Left out or V(_main), the module reads the remote
            deployment and uses the real C(ref_id) of its only Elasticsearch resource.
        type: str
      skip_unavailable:
        description:
          - Whether searches skip this remote when it is unavailable.
          - Left out, an existing alias keeps its value and a new one gets V(false) (the API's default).
        type: bool
      state:
        description: V(absent) removes the alias.
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - Remove every alias of the deployment that O(remote_clusters) does not name. With O(remote_clusters=[]) this
        removes all of them.
    type: bool
    default: false
  wait_for_connection:
    description:
      - Wait until every alias with O(remote_clusters[].state=present) reports C(connected), after the update or when
        nothing had to change. Not done in check mode when something would change.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the connections.
    type: int
    default: 120
  poll_interval:
    description: Seconds between two reads of the remote clusters.
    type: float
    default: 2
notes:
  - The ECE API only sees remote clusters it configured itself; remotes added with C(PUT _cluster/settings) are neither
    shown nor touched.
  - ECE system deployments (admin-console-elasticsearch, logging-and-metrics, security) can neither be remote clusters
    nor have them; the module refuses them before writing.
seealso:
  - module: eceops.remote_clusters.ece_deployment_trust
  - module: eceops.remote_clusters.ece_deployment_info
  - module: eceops.remote_clusters.es_remote_cluster
'''

EXAMPLES = r'''
- name: Let search-a search logs-a (same ECE environment, TLS certificate model)
  eceops.remote_clusters.ece_remote_clusters:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    deployment_id: "{{ search_deployment_id }}"
    remote_clusters:
      - alias: logs
        deployment_id: "{{ logs_deployment_id }}"
        skip_unavailable: true
    wait_for_connection: true

- name: Remove one alias, keep the others
  eceops.remote_clusters.ece_remote_clusters:
    deployment_id: "{{ search_deployment_id }}"
    remote_clusters:
      - alias: old-logs
        state: absent
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ vault_ece_api_key }}"

- name: Exactly these remote clusters, nothing else
  eceops.remote_clusters.ece_remote_clusters:
    deployment_id: "{{ search_deployment_id }}"
    remote_clusters:
      - alias: logs
        deployment_id: "{{ logs_deployment_id }}"
      - alias: metrics
        deployment_id: "{{ metrics_deployment_id }}"
    purge: true
'''

RETURN = r'''
remote_clusters:
  description:
    - The remote clusters of the deployment after the task, as ECE reports them (in check mode, what they would be;
      C(info) is then null for new or changed aliases).
  returned: success
  type: list
  elements: dict
  contains:
    alias:
      description: The alias.
      type: str
      sample: logs
    deployment_id:
      description: The remote deployment ID.
      type: str
    elasticsearch_ref_id:
      description: The C(ref_id) of the remote's Elasticsearch resource.
      type: str
      sample: main-elasticsearch
    skip_unavailable:
      description: Whether searches skip the remote when it is unavailable.
      type: bool
    info:
      description: ECE's flags - C(connected), C(trusted) (this deployment trusts the remote), C(trusted_back) (the
        remote trusts this deployment), C(compatible) (versions), C(healthy).
      type: dict
      sample: {"connected": true, "trusted": true, "trusted_back": true, "compatible": true, "healthy": true}
deployment_id:
  description: The local deployment ID.
  returned: success
  type: str
ref_id:
  description: The real C(ref_id) of the local Elasticsearch resource.
  returned: success
  type: str
connection_problems:
  description: For each managed alias that did not connect in time, what is wrong (only when the wait failed).
  returned: failure of O(wait_for_connection)
  type: dict
  sample: {"archive": ["trusted_back is false: the remote deployment does not trust this deployment ..."]}
'''

import re
import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, MAIN_REF_ID, is_system_deployment, select_resource)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import suggest_alias

ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ECE_ALIAS_MESSAGE = "A cluster alias must contain only letters, numbers, dashes (-), or underscores (_)."
FLAGS = ("trusted", "trusted_back", "compatible", "healthy")
REMOTES_PATH = "/deployments/{id}/elasticsearch/{ref}/remote-clusters"

# Seams for the unit tests (no real sleeping there).
_sleep = time.sleep
_now = time.monotonic


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------

def check_entries(entries):
    """Checks of ``remote_clusters`` that need no API call."""
    seen = {}
    for index, entry in enumerate(entries):
        alias = entry.get("alias")
        where = "remote_clusters[%d].alias" % index
        if not isinstance(alias, str) or not ALIAS_RE.fullmatch(alias):
            raise ModuleParameterError(where, "%r is not a valid alias: %s" % (alias, ECE_ALIAS_MESSAGE),
                                       "Use for example %r" % suggest_alias(alias if isinstance(alias, str) else "", strict=False))
        if alias in seen:
            raise ModuleParameterError(where, "alias %r is also given in remote_clusters[%d]" % (alias, seen[alias]),
                                       "Name each alias once")
        seen[alias] = index
        if entry.get("state") != "absent" and not (entry.get("deployment_id") or "").strip():
            raise ModuleParameterError("remote_clusters[%d].deployment_id" % index,
                                       "is required for alias %r (state present)" % alias,
                                       "Give the ID of the remote deployment, or set state=absent to remove the alias")


def _item(entry):
    item = {"deployment_id": entry.get("deployment_id"), "elasticsearch_ref_id": entry.get("elasticsearch_ref_id"),
            "alias": entry.get("alias")}
    if entry.get("skip_unavailable") is not None:
        item["skip_unavailable"] = bool(entry["skip_unavailable"])
    return item


def merge_remotes(current, desired, purge=False):
    """The new ``RemoteResourceRef`` list (without ``info``).

    ``desired`` entries are ``{alias, deployment_id, elasticsearch_ref_id (resolved), skip_unavailable, state}``.
    Aliases not named are kept in place unless ``purge``; named ones are replaced in place; new ones are appended in
    the order given. ``skip_unavailable`` left out keeps the current value, or ``False`` for a new alias.
    """
    by_alias = dict((entry.get("alias"), entry) for entry in current)
    named = set()
    updates = {}
    for entry in desired:
        alias = entry["alias"]
        named.add(alias)
        if entry.get("state") == "absent":
            continue
        old = by_alias.get(alias)
        skip = entry.get("skip_unavailable")
        if skip is None:
            skip = bool(old.get("skip_unavailable")) if old is not None else False
        updates[alias] = {"deployment_id": entry["deployment_id"], "elasticsearch_ref_id": entry["elasticsearch_ref_id"],
                          "alias": alias, "skip_unavailable": bool(skip)}
    result = []
    for entry in current:
        alias = entry.get("alias")
        if alias in updates:
            result.append(updates.pop(alias))
        elif alias in named or purge:
            continue
        else:
            result.append(_item(entry))
    result.extend(updates.values())
    return result


def normalize(entries):
    """Comparable form: sorted by alias, ``info`` dropped, ``skip_unavailable`` as bool."""
    return sorted(((e.get("alias"), e.get("deployment_id"), e.get("elasticsearch_ref_id"), bool(e.get("skip_unavailable")))
                   for e in entries), key=lambda t: str(t[0]))


def diff_view(entries):
    """``{alias: {deployment_id, elasticsearch_ref_id, skip_unavailable}}`` for ``--diff``."""
    return dict((e.get("alias"), {"deployment_id": e.get("deployment_id"), "elasticsearch_ref_id": e.get("elasticsearch_ref_id"),
                                  "skip_unavailable": bool(e.get("skip_unavailable"))}) for e in entries)


def flag_problems(info, remote_id=None, versions=None):
    """What each false flag of a remote's ``info`` means, as a list of sentences (empty when connected)."""
    info = info or {}
    if info.get("connected"):
        return []
    remote = "deployment %s" % remote_id if remote_id else "the remote deployment"
    problems = []
    if info.get("trusted") is False:
        problems.append("trusted is false: this deployment does not trust the remote: add an accounts/external/direct trust "
                        "entry for it (ece_deployment_trust)")
    if info.get("trusted_back") is False:
        problems.append("trusted_back is false: the remote does not trust this deployment: add a trust entry for this "
                        "deployment to %s (ece_deployment_trust with its deployment_id); deployments created before ECE "
                        "2.9.0 trust only themselves" % remote)
    if info.get("compatible") is False:
        local, other = (versions or (None, None))
        detail = " (local %s, remote %s)" % (local, other) if local and other else ""
        problems.append("compatible is false: the Elasticsearch versions%s cannot be connected for cross-cluster search or "
                        "replication: upgrade one of the deployments" % detail)
    if info.get("healthy") is False:
        problems.append("healthy is false: the remote cluster is not healthy: check %s in ECE" % remote)
    if not problems:
        problems.append("connected is false although trusted, trusted_back, compatible and healthy are true: ECE connects "
                        "asynchronously, or the allocators cannot reach the proxies on the transport port (9400)")
    return problems


# ---------------------------------------------------------------------------------------------
# API steps
# ---------------------------------------------------------------------------------------------

def read_local(ece, deployment_id, ref_id):
    """``(deployment, raw ES resource)`` of the local deployment, checked."""
    response = ece.get(api_path("/deployments/{id}", id=deployment_id), missing_ok=True)
    if response.status == 404:
        raise ModuleParameterError("deployment_id", "no deployment with ID %r in this ECE environment (%s)" % (deployment_id, ece.root_url),
                                   "Check the ID (eceops.remote_clusters.ece_deployment_info lists the deployments)")
    deployment = response.body or {}
    system, reason = is_system_deployment(deployment)
    if system:
        raise ModuleParameterError("deployment_id", "deployment %s is an ECE system deployment (%s); system deployments "
                                   "cannot have remote clusters" % (deployment_id, reason), "Choose another deployment")
    try:
        return deployment, select_resource(deployment, ref_id, raw=True)
    except EndpointError as exc:
        raise ModuleParameterError("ref_id", str(exc), "Set ref_id to one of the Elasticsearch resources of the deployment")


def resolve_remotes(ece, entries):
    """Check every remote deployment and resolve its ref_id; returns ``(desired entries, {deployment_id: version})``."""
    cache = {}
    desired = []
    versions = {}
    for index, entry in enumerate(entries):
        item = {"alias": entry["alias"], "state": entry.get("state") or "present",
                "skip_unavailable": entry.get("skip_unavailable")}
        if item["state"] == "absent":
            desired.append(item)
            continue
        remote_id = entry["deployment_id"].strip()
        where = "remote_clusters[%d]" % index
        if remote_id not in cache:
            response = ece.get(api_path("/deployments/{id}", id=remote_id), missing_ok=True)
            cache[remote_id] = response.body if response.status != 404 else None
        remote = cache[remote_id]
        if remote is None:
            raise ModuleParameterError(where + ".deployment_id", "no deployment with ID %r in this ECE environment (%s); the ECE "
                                       "remote-clusters API only connects deployments of the same environment"
                                       % (remote_id, ece.root_url),
                                       "Check the ID; for a deployment of another ECE environment, Elastic Cloud or a "
                                       "self-managed cluster use eceops.remote_clusters.es_remote_cluster instead")
        system, reason = is_system_deployment(remote)
        if system:
            raise ModuleParameterError(where + ".deployment_id", "deployment %s is an ECE system deployment (%s); system "
                                       "deployments cannot be remote clusters" % (remote_id, reason), "Choose another deployment")
        try:
            summary = select_resource(remote, None if entry.get("ref_id") in (None, "", MAIN_REF_ID) else entry["ref_id"])
        except EndpointError as exc:
            raise ModuleParameterError(where + ".ref_id", str(exc), "Set ref_id to the remote's Elasticsearch resource")
        item.update(deployment_id=remote_id, elasticsearch_ref_id=summary["ref_id"])
        versions[remote_id] = summary.get("version")
        desired.append(item)
    return desired, versions


def read_remotes(ece, deployment_id, ref_id):
    """The current remote clusters (with ``info``)."""
    body = ece.get(api_path(REMOTES_PATH, id=deployment_id, ref=ref_id)).body or {}
    return [entry for entry in body.get("resources") or [] if isinstance(entry, dict)]


def wait_for_connection(module, deployment_id, ref_id, aliases, local_version, versions):
    """Poll until every alias of ``aliases`` is connected; returns the last list read, or fails naming the flags."""
    params = module.params
    started = _now()
    while True:
        entries = read_remotes(module.ece, deployment_id, ref_id)
        by_alias = dict((e.get("alias"), e) for e in entries)
        waiting = [a for a in aliases if not (by_alias.get(a, {}).get("info") or {}).get("connected")]
        if not waiting:
            for alias in aliases:
                entry = by_alias[alias]
                if (entry.get("info") or {}).get("compatible") is False:
                    remote_id = entry.get("deployment_id")
                    module.warn("remote cluster %r is connected, but ECE reports compatible=false: the versions (local %s, remote "
                                "%s) are not a supported cross-cluster search configuration" % (alias, local_version, versions.get(remote_id)))
            return entries
        elapsed = _now() - started
        if elapsed >= params["wait_timeout"]:
            problems = {}
            for alias in waiting:
                entry = by_alias.get(alias)
                if entry is None:
                    problems[alias] = ["the alias is not in the deployment's remote clusters"]
                    continue
                remote_id = entry.get("deployment_id")
                problems[alias] = flag_problems(entry.get("info"), remote_id, (local_version, versions.get(remote_id)))
            text = "; ".join("remote cluster %r: %s" % (alias, "; ".join(problems[alias])) for alias in waiting)
            module.result["remote_clusters"] = entries
            module.fail_json(msg="not connected after %ds: %s" % (int(elapsed), text), connection_problems=problems,
                             **module.result)
        _sleep(min(params["poll_interval"], max(0.0, params["wait_timeout"] - elapsed)))


def predicted(new, current):
    """The check-mode result: the new list with the current ``info`` where the alias is unchanged."""
    by_alias = dict((e.get("alias"), e) for e in current)
    result = []
    for entry in new:
        item = dict(entry)
        old = by_alias.get(entry["alias"])
        same = old is not None and normalize([old]) == normalize([entry])
        item["info"] = old.get("info") if same else None
        result.append(item)
    return result


def manage(module):
    """Read, check, merge, compare, write, wait."""
    params = module.params
    if params["wait_timeout"] < 0:
        raise ModuleParameterError("wait_timeout", "must be 0 or more seconds, got %d" % params["wait_timeout"])
    if params["poll_interval"] <= 0:
        raise ModuleParameterError("poll_interval", "must be more than 0 seconds, got %s" % params["poll_interval"])
    deployment_id = params["deployment_id"].strip()
    if not deployment_id:
        raise ModuleParameterError("deployment_id", "must not be empty", "Give the ID of the local deployment")
    entries = params["remote_clusters"] or []
    check_entries(entries)
    ece = module.ece
    deployment, resource = read_local(ece, deployment_id, params["ref_id"])
    ref_id = resource["ref_id"]
    local_version = select_resource(deployment, ref_id).get("version")
    module.result.update(deployment_id=deployment_id, ref_id=ref_id)
    desired, versions = resolve_remotes(ece, entries)
    current = read_remotes(ece, deployment_id, ref_id)
    new = merge_remotes(current, desired, purge=params["purge"])
    module.set_diff(diff_view(current), diff_view(new))
    changed = normalize(current) != normalize(new)
    module.result["remote_clusters"] = current
    if changed:
        module.set_changed()
        if module.check_mode:
            module.result["remote_clusters"] = predicted(new, current)
            return
        try:
            ece.put(api_path(REMOTES_PATH, id=deployment_id, ref=ref_id), json_body={"resources": new}, ok=(200, 202))
        except EceApiError as exc:
            if exc.status == 403:
                module.fail_api(exc, msg="the ECE credentials may not change the remote clusters of deployment %s (nothing "
                                         "was written): use an API key or user with a role that may update deployments"
                                % deployment_id)
            raise
    managed = [entry["alias"] for entry in desired if entry["state"] != "absent"]
    if params["wait_for_connection"] and managed:
        module.result["remote_clusters"] = wait_for_connection(module, deployment_id, ref_id, managed, local_version, versions)
    elif changed:
        module.result["remote_clusters"] = read_remotes(ece, deployment_id, ref_id)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            deployment_id=dict(type="str", required=True),
            ref_id=dict(type="str", default="_main"),
            remote_clusters=dict(type="list", elements="dict", default=[], options=dict(
                alias=dict(type="str", required=True),
                deployment_id=dict(type="str"),
                ref_id=dict(type="str"),
                skip_unavailable=dict(type="bool"),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            purge=dict(type="bool", default=False),
            wait_for_connection=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=120),
            poll_interval=dict(type="float", default=2.0),
        ),
        connections=("ece",),
        supports_check_mode=True,
    )
    module.run(manage)


if __name__ == "__main__":
    main()
