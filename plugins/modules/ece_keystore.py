#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_keystore
short_description: Manage keystore settings (secure settings) of an ECE deployment's Elasticsearch resource
version_added: 0.1.0
description:
  - Adds, replaces and removes individual secure settings in the Elasticsearch keystore of an ECE (or ECH) deployment,
    for example C(cluster.remote.<alias>.credentials), the encoded cross-cluster API key of the API key security model.
  - Settings you do not name are never touched. There is deliberately no C(purge) option, because removing secure
    settings nobody listed (repository credentials, other remotes' keys) is too dangerous for a keystore.
  - The ECE API never returns keystore values, only the setting names and C(as_file). So by default
    (O(update=on_create)) a setting that already exists counts as done and is not rewritten. O(update=always) rewrites
    the given values on every run and therefore always reports C(changed).
  - 'Writes with C(PATCH /deployments/{deployment_id}/elasticsearch/{ref_id}/keystore), sending only the settings that
    need a change (C({"secrets": {"<name>": {"value": ..., "as_file": ...}}}); a removal is C({"secrets": {"<name>": {}}})).'
  - Knows from the Elasticsearch version whether the change loads by itself (8.14 and later, RV(reload=automatic)) or
    needs a restart (RV(reload=restart_required)), reports it, and can restart the Elasticsearch resource (O(restart)).
  - Refuses system-owned deployments (admin-console-elasticsearch, logging-and-metrics, security).
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_ece
attributes:
  check_mode:
    support: full
    details:
      - Reads the deployment and the keystore names; sends no PATCH and no restart.
  diff_mode:
    support: full
    details:
      - The diff shows setting names only (before and after), plus the names whose values O(update=always) rewrites.
        Values never appear.
options:
  deployment_id:
    description:
      - The ID of the deployment (not the Elasticsearch cluster ID).
    type: str
    required: true
  ref_id:
    description:
      - The C(ref_id) of the Elasticsearch resource. V(_main) means the deployment's only Elasticsearch resource.
    type: str
    default: _main
  settings:
    description:
      - The secure settings to manage. Each name may appear once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The Elasticsearch secure setting name, for example V(cluster.remote.logs.credentials) or
            V(s3.client.default.access_key).
          - Lowercase letters, digits, C(.), C(-) and C(_), dot-separated parts that are not empty.
          - For C(cluster.remote.<alias>.credentials) the alias must be a valid remote-cluster alias in lowercase (ECE's
            Cloud UI requires lowercase remote cluster names, and the alias must match the one the remote cluster
            settings use).
        type: str
        required: true
      value:
        description:
          - The value, a string or a dictionary (a dictionary is stored as a JSON string, as a file unless O(settings[].as_file=false)).
          - Required with O(settings[].state=present), ignored with O(settings[].state=absent).
          - Never logged, never returned, never shown in a diff.
        type: raw
      as_file:
        description:
          - Store the value as a file. When not set the API decides (a string is stored as a string, a dictionary as
            a file) and the module does not compare it.
          - The API returns C(as_file), so a difference counts as a change even with O(update=on_create).
        type: bool
      state:
        description:
          - V(present) adds the setting (see O(update)); V(absent) removes it when it exists.
        type: str
        choices: [present, absent]
        default: present
  update:
    description:
      - V(on_create) writes a setting only when it is missing (or its C(as_file) differs). The value of an existing
        setting cannot be read back, so it is never compared.
      - V(always) writes every present setting on every run and therefore always reports C(changed). Use it to
        rotate a value.
    type: str
    choices: [on_create, always]
    default: on_create
  restart:
    description:
      - V(never) does not restart; RV(restart_required) tells whether a restart is needed for the change to load.
      - V(when_required) restarts the Elasticsearch resource when this run changed the keystore and the version
        needs a restart to load it (before 8.14).
      - V(always_on_change) restarts whenever this run changed the keystore.
      - The restart is C(POST /deployments/{deployment_id}/elasticsearch/{ref_id}/_restart) with
        C(group_attribute) set to O(restart_group_attribute); it starts a plan, see O(wait).
    type: str
    choices: [never, when_required, always_on_change]
    default: never
  restart_group_attribute:
    description:
      - How ECE groups the instances it restarts (the C(group_attribute) query parameter). The API's default,
        V(__zone__), restarts one availability zone at a time; V(__all__) restarts everything at once (downtime);
        V(__name__) one instance at a time.
    type: str
    default: __zone__
  wait:
    description:
      - After a restart, wait until its plan has finished, and fail with the plan's own message when it fails.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the restart plan.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between two reads of the plan while waiting.
    type: float
    default: 2.0
notes:
  - Elastic documents that ECE deployments on 8.14 or later reload the keystore by themselves after remote cluster
    credentials change, and that earlier versions need a restart. Other secure settings follow Elasticsearch's own
    rules (reloadable settings load with C(_nodes/reload_secure_settings), the others need a restart); use
    O(restart=always_on_change) when in doubt. See C(docs/open-questions.md) in the collection.
  - A later run cannot know whether an earlier change was loaded; RV(restart_required) is about this run's change.
seealso:
  - module: eceops.remote_clusters.ece_deployment_info
  - module: eceops.remote_clusters.ece_remote_clusters
'''

EXAMPLES = r'''
- name: Store the cross-cluster API key of remote "logs" (API key security model)
  eceops.remote_clusters.ece_keystore:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ ece_api_key }}"
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    settings:
      - name: cluster.remote.logs.credentials
        value: "{{ cross_cluster_api_key.encoded }}"
  register: keystore

- name: Show whether the key loads by itself
  ansible.builtin.debug:
    msg: "reload: {{ keystore.reload }}, restart still needed: {{ keystore.restart_required }}"

- name: Rotate the key and restart only if the version needs it
  eceops.remote_clusters.ece_keystore:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    settings:
      - name: cluster.remote.logs.credentials
        value: "{{ new_key.encoded }}"
    update: always
    restart: when_required
    wait_timeout: 1200

- name: Remove the key of a remote that is gone (other settings stay)
  eceops.remote_clusters.ece_keystore:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    settings:
      - name: cluster.remote.logs.credentials
        state: absent

- name: Several settings with the connection set once
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ ece_api_key }}"
  eceops.remote_clusters.ece_keystore:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    settings:
      - name: s3.client.default.access_key
        value: "{{ s3_access_key }}"
      - name: s3.client.default.secret_key
        value: "{{ s3_secret_key }}"
      - name: gcs.client.default.credentials_file
        value: "{{ lookup('ansible.builtin.file', 'gcs.json') | from_json }}"
        as_file: true
'''

RETURN = r'''
deployment_id:
  description: The deployment's ID.
  returned: always
  type: str
  sample: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
ref_id:
  description: The C(ref_id) of the Elasticsearch resource (resolved when V(_main) was given).
  returned: success
  type: str
  sample: main-elasticsearch
version:
  description: The Elasticsearch version of the resource (from its plan), or null when the API does not say.
  returned: success
  type: str
  sample: 8.19.4
reload:
  description:
    - How keystore changes take effect on this version. V(automatic) (8.14 and later, ECE reloads the keystore by
      itself), V(restart_required) (earlier versions) or V(unknown) (no version found).
  returned: success
  type: str
  sample: automatic
restart_required:
  description:
    - True when this run changed the keystore, the version needs a restart to load it, and the module did not
      restart (so you still have to). Null when the version is unknown and something changed.
  returned: success
  type: bool
  sample: false
restarted:
  description: Whether the module restarted (in check mode, would restart) the Elasticsearch resource.
  returned: success
  type: bool
  sample: false
settings:
  description: The keystore after the change (in check mode, as it would be), names and C(as_file) only, sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The setting name.
      type: str
    as_file:
      description: Whether the value is stored as a file.
      type: bool
  sample: [{"name": "cluster.remote.logs.credentials", "as_file": false}]
added:
  description: Names that were (or in check mode would be) added.
  returned: success
  type: list
  elements: str
  sample: [cluster.remote.logs.credentials]
updated:
  description: Names whose value or C(as_file) was (or would be) rewritten.
  returned: success
  type: list
  elements: str
  sample: []
removed:
  description: Names that were (or would be) removed.
  returned: success
  type: list
  elements: str
  sample: []
plan:
  description: The restart plan's outcome when the module restarted and waited (C(plans), C(plan_observed), C(polls), C(elapsed), C(message)).
  returned: when the module restarted with O(wait=true)
  type: dict
  sample: {"plans": {"main-elasticsearch": {"state": "success"}}, "plan_observed": true, "polls": 3, "message": "plan finished"}
'''

import json
import re
import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, is_system_deployment, select_resource)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import PlanWaiter, run_waiter
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import validate_alias
from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import supports

NAME_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
CREDENTIALS_RE = re.compile(r"^cluster\.remote\.(.*)\.credentials$")
RESERVED_NAMES = ("keystore.seed",)
DEPLOYMENT_PATH = "/deployments/{deployment_id}"
KEYSTORE_PATH = "/deployments/{deployment_id}/elasticsearch/{ref_id}/keystore"
RESOURCE_PATH = "/deployments/{deployment_id}/elasticsearch/{ref_id}"
RESTART_PATH = "/deployments/{deployment_id}/elasticsearch/{ref_id}/_restart"


# ---------------------------------------------------------------------------------------------- validation
def name_problems(name):
    """Problems with a secure setting name (empty list when valid)."""
    if not isinstance(name, str) or not name:
        return ["the name is empty"]
    match = CREDENTIALS_RE.match(name)
    if match:
        alias = match.group(1)
        problems = validate_alias(alias, strict=True)
        if problems:
            return ["'%s' is a remote cluster credentials setting, but its %s" % (name, "; ".join(problems))]
    if name in RESERVED_NAMES:
        return ["'%s' is managed by Elasticsearch itself and cannot be set" % name]
    if not NAME_RE.match(name):
        bad = sorted(set(ch for ch in name if not re.match(r"[a-z0-9_.-]", ch)))
        if bad:
            return ["'%s' contains characters that are not allowed (%s); secure setting names use lowercase letters, digits, "
                    "'.', '-' and '_'" % (name, " ".join(repr(ch) for ch in bad))]
        return ["'%s' has an empty part (a leading, trailing or doubled '.')" % name]
    return []


def validate_settings(settings):
    """Check every item before any request; returns the normalised list."""
    if not settings:
        raise ModuleParameterError("settings", "is empty", "List at least one setting with its name")
    seen = set()
    wanted = []
    for index, item in enumerate(settings):
        where = "settings[%d]" % index
        name = item.get("name")
        problems = name_problems(name)
        if problems:
            raise ModuleParameterError(where + ".name", "; ".join(problems),
                                       "Use the Elasticsearch secure setting name, for example cluster.remote.my_remote.credentials")
        if name in seen:
            raise ModuleParameterError(where + ".name", "'%s' is listed more than once" % name, "List every setting once")
        seen.add(name)
        state = item.get("state") or "present"
        value = item.get("value")
        if state == "present":
            if value is None or (isinstance(value, str) and value == ""):
                raise ModuleParameterError(where + ".value", "is required for '%s' with state=present" % name,
                                           "Give the value, or set state=absent to remove the setting")
            if isinstance(value, bool) or not isinstance(value, (str, dict)):
                raise ModuleParameterError(where + ".value", "of '%s' must be a string or a dictionary, got %s" % (name, type(value).__name__),
                                           "Quote numbers and booleans so that they are strings")
        wanted.append({"name": name, "state": state, "value": value if state == "present" else None,
                       "as_file": item.get("as_file")})
    return wanted


def secret_strings(value):
    """Every string that could reveal a value (the value, its JSON form, the strings inside a dictionary)."""
    out = []
    if isinstance(value, dict):
        out.append(json.dumps(value))
        out.append(json.dumps(value, separators=(",", ":")))
        out.append(json.dumps(value, sort_keys=True))
        for item in value.values():
            out.extend(secret_strings(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(secret_strings(item))
    elif isinstance(value, str):
        out.append(value)
    return out


# ---------------------------------------------------------------------------------------------- pure logic
def current_settings(keystore_body):
    """``{name: as_file}`` from a ``KeystoreContents`` body (values are never returned)."""
    secrets = (keystore_body or {}).get("secrets") or {}
    return dict((name, bool((secret or {}).get("as_file"))) for name, secret in secrets.items())


def plan_changes(current, wanted, update):
    """What to send: ``(body secrets, added, updated, removed, after)``.

    ``current`` is ``{name: as_file}``; ``after`` is the predicted ``{name: as_file}`` (as_file None when the API decides).
    """
    secrets, added, updated, removed = {}, [], [], []
    after = dict(current)
    for item in wanted:
        name = item["name"]
        if item["state"] == "absent":
            if name in current:
                secrets[name] = {}
                removed.append(name)
                after.pop(name, None)
            continue
        as_file = item["as_file"]
        exists = name in current
        as_file_differs = exists and as_file is not None and bool(as_file) != current[name]
        if exists and not as_file_differs and update != "always":
            continue
        secret = {"value": item["value"]}
        if as_file is not None:
            secret["as_file"] = bool(as_file)
        secrets[name] = secret
        (updated if exists else added).append(name)
        after[name] = bool(as_file) if as_file is not None else (not isinstance(item["value"], str))
    return secrets, added, updated, removed, after


def reload_mode(version):
    """``automatic`` (ES 8.14+), ``restart_required`` (earlier) or ``unknown``."""
    if not version:
        return "unknown"
    try:
        return "automatic" if supports("ece_keystore_auto_reload", version) else "restart_required"
    except ValueError:
        return "unknown"


def settings_list(names):
    """``[{name, as_file}]`` sorted by name."""
    return [{"name": name, "as_file": bool(as_file)} for name, as_file in sorted(names.items())]


# ---------------------------------------------------------------------------------------------- I/O
def read_deployment(module, deployment_id):
    """The deployment (404 -> a parameter error naming deployment_id)."""
    try:
        return module.ece.get(api_path(DEPLOYMENT_PATH, deployment_id=deployment_id), params={"show_settings": "true"}).body or {}
    except EceApiError as exc:
        if exc.status == 404:
            raise ModuleParameterError("deployment_id", "no deployment with ID '%s' was found (%s)" % (deployment_id, exc.api_message),
                                       "Check the deployment ID (not the Elasticsearch cluster ID), for example with "
                                       "eceops.remote_clusters.ece_deployment_info") from None
        raise


def wait_for_restart(module, deployment_id, ref_id, previous_attempt_id):
    """Poll the resource until the restart plan ends; fail with the plan's own message."""
    params = module.params
    path = api_path(RESOURCE_PATH, deployment_id=deployment_id, ref_id=ref_id)

    def fetch():
        body = module.ece.get(path, params={"show_plan_logs": "true"}).body or {}
        return {ref_id: (body.get("info") or {}).get("plan_info")}

    waiter = PlanWaiter(timeout=float(params["wait_timeout"]), poll_interval=float(params["poll_interval"]),
                        previous_attempt_ids={ref_id: previous_attempt_id})
    state, payload = run_waiter(waiter, fetch, time.monotonic, time.sleep)
    if state == "done":
        module.result["plan"] = payload
        return
    if state == "failed":
        module.fail_json(msg="The keystore was updated, but the restart of '%s' failed: %s" % (ref_id, payload), **module.result)
    module.fail_json(msg="The keystore was updated and a restart of '%s' was requested, but %s; raise wait_timeout or "
                     "check the deployment's activity in the ECE UI" % (ref_id, payload), **module.result)


def apply(module):
    """Validate, read, compare, PATCH only what differs, restart when told to."""
    params = module.params
    deployment_id = (params["deployment_id"] or "").strip()
    if not deployment_id:
        raise ModuleParameterError("deployment_id", "is empty", "Give the deployment ID (not the Elasticsearch cluster ID)")
    wanted = validate_settings(params["settings"])
    if params["wait_timeout"] < 0:
        raise ModuleParameterError("wait_timeout", "must be 0 or more seconds", "Give the number of seconds to wait for the restart")
    if params["poll_interval"] <= 0:
        raise ModuleParameterError("poll_interval", "must be more than 0 seconds", "Give the seconds between two reads, for example 2")
    ece = module.ece
    for item in wanted:
        ece.add_secret(*secret_strings(item["value"]))
    module.result["deployment_id"] = deployment_id

    deployment = read_deployment(module, deployment_id)
    try:
        resource = select_resource(deployment, params["ref_id"])
        raw = select_resource(deployment, params["ref_id"], raw=True)
    except EndpointError as exc:
        raise ModuleParameterError("ref_id", str(exc), "Set ref_id to the Elasticsearch resource's ref_id") from None
    system, reason = is_system_deployment(deployment)
    if system:
        raise ModuleParameterError("deployment_id", "refusing to change the keystore of a system-owned deployment (%s)" % reason,
                                   "Keystore settings for remote clusters belong to your own deployments")
    ref_id = resource["ref_id"] or params["ref_id"]
    version = resource.get("version")
    reload = reload_mode(version)
    module.result.update(ref_id=ref_id, version=version, reload=reload)

    keystore_path = api_path(KEYSTORE_PATH, deployment_id=deployment_id, ref_id=params["ref_id"])
    current = current_settings(ece.get(keystore_path).body)
    secrets, added, updated, removed, after = plan_changes(current, wanted, params["update"])
    changed = bool(secrets)
    if changed and not module.check_mode:
        response = ece.patch(keystore_path, json_body={"secrets": secrets})
        if isinstance(response.body, dict) and isinstance(response.body.get("secrets"), dict):
            after = current_settings(response.body)
    module.set_changed(changed)
    before_view = {"settings": sorted(current)}
    after_view = {"settings": sorted(after)}
    if updated:
        after_view["values_updated"] = sorted(updated)
    module.set_diff(before_view, after_view)
    module.result.update(settings=settings_list(after), added=sorted(added), updated=sorted(updated), removed=sorted(removed))

    mode = params["restart"]
    do_restart = changed and (mode == "always_on_change" or (mode == "when_required" and reload == "restart_required"))
    if changed and mode == "when_required" and reload == "unknown":
        module.warn("The Elasticsearch version of '%s' is unknown, so the module cannot tell whether the keystore change needs a "
                    "restart; it did not restart (use restart=always_on_change to restart anyway)" % ref_id)
    module.result["restarted"] = do_restart
    if not changed or do_restart or reload == "automatic":
        module.result["restart_required"] = False
    elif reload == "restart_required":
        module.result["restart_required"] = True
    else:
        module.result["restart_required"] = None
    if not do_restart or module.check_mode:
        return
    previous = (((raw.get("info") or {}).get("plan_info") or {}).get("current") or {}).get("plan_attempt_id")
    try:
        ece.post(api_path(RESTART_PATH, deployment_id=deployment_id, ref_id=params["ref_id"]),
                 params={"group_attribute": params["restart_group_attribute"]})
    except EceApiError as exc:
        module.fail_json(msg="The keystore was updated, but the restart request failed: %s" % exc, api_error=exc.to_result(),
                         **module.result)
    if params["wait"]:
        wait_for_restart(module, deployment_id, ref_id, previous)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            deployment_id=dict(type="str", required=True),
            ref_id=dict(type="str", default="_main"),
            settings=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                value=dict(type="raw", no_log=True),
                as_file=dict(type="bool"),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            update=dict(type="str", choices=["on_create", "always"], default="on_create"),
            restart=dict(type="str", choices=["never", "when_required", "always_on_change"], default="never"),
            restart_group_attribute=dict(type="str", default="__zone__"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            poll_interval=dict(type="float", default=2.0),
        ),
        connections=("ece",),
        supports_check_mode=True,
    )
    module.run(apply)


if __name__ == "__main__":
    main()
