#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_ccr_enable
short_description: Enable cross-cluster replication on an ECE deployment created before ECE 2.9.0, only when needed
version_added: 0.1.0
description:
  - Deployments created before ECE 2.9.0 trust only themselves and lack the remote clusters page until CCR is
    enabled (the UI's B(Security > Trust management > Enable CCR)). This module runs the API call behind that button,
    C(POST /deployments/{deployment_id}/elasticsearch/{ref_id}/_enable-ccr), which migrates the Elasticsearch
    resource and its Kibana with a plan, and only when the deployment needs it.
  - "How need is detected: the ECE API specification has no field for it. Real ECE and Elastic Cloud responses carry
    C(resources.elasticsearch[].info.metadata.ccr) (not in the spec): V(true) means enabled (nothing to do), V(false)
    means the migration is needed. When the field is absent the module cannot tell: it asks the API with
    C(validate_only=true), returns the warnings, reports RV(ccr_enabled=null) and does not enable unless O(force=true)."
  - Before the real call it always runs the same request with C(validate_only=true) (the API then changes nothing and
    answers with the warnings about what may lose availability) and returns those warnings as RV(api_warnings).
  - After the call it waits for the plans on Elasticsearch and Kibana (O(wait)), fails with the plan's own message when
    one fails, and reads the deployment again to confirm that C(ccr) is V(true).
  - Refuses system-owned deployments.
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
      - Sends the C(validate_only=true) request (a POST that changes nothing) and reports whether the module would enable
        CCR; never sends the real call.
  diff_mode:
    support: full
    details:
      - Shows C(ccr_enabled) before and after.
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
  force:
    description:
      - Run C(_enable-ccr) even when the API does not say whether CCR is enabled (no C(info.metadata.ccr)).
      - Has no effect when the API says CCR is enabled.
    type: bool
    default: false
  wait:
    description:
      - Wait until the plans that C(_enable-ccr) starts (Elasticsearch and Kibana) have finished, then confirm.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the plans.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between two reads of the deployment while waiting.
    type: float
    default: 2.0
notes:
  - The migration restarts Elasticsearch and Kibana resources of the deployment; RV(api_warnings) says what may lose
    availability. Run it in a maintenance window.
  - See C(docs/open-questions.md) in the collection for why C(info.metadata.ccr) is used and how to override it.
seealso:
  - module: eceops.remote_clusters.ece_deployment_info
  - module: eceops.remote_clusters.ece_deployment_trust
'''

EXAMPLES = r'''
- name: Enable CCR on an old deployment when it needs it
  eceops.remote_clusters.ece_ccr_enable:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ ece_api_key }}"
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
  register: ccr

- name: Show what the API warned about
  ansible.builtin.debug:
    var: ccr.api_warnings

- name: See whether the migration is needed, without running it
  eceops.remote_clusters.ece_ccr_enable:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
  check_mode: true
  register: ccr_check

- name: Run it even though the API does not say whether it is needed
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ ece_api_key }}"
  eceops.remote_clusters.ece_ccr_enable:
    deployment_id: 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4
    force: true
    wait_timeout: 1800
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
ccr_enabled:
  description:
    - Whether CCR is enabled after the run, from C(info.metadata.ccr). In check mode, what it would be.
    - Null when the API does not say (no C(info.metadata.ccr) and O(force=false)), or when the module did not wait.
  returned: success
  type: bool
  sample: true
ccr_enabled_before:
  description: C(info.metadata.ccr) before the run (null when absent).
  returned: success
  type: bool
  sample: false
needed:
  description: Whether the module decided that C(_enable-ccr) is needed (null when it cannot tell).
  returned: success
  type: bool
  sample: true
detected_by:
  description:
    - How the need was decided. V(metadata.ccr) (the field was present) or V(validate_only) (the field was
      absent; the validation was asked, and the module only enabled with O(force=true)).
  returned: success
  type: str
  sample: metadata.ccr
api_warnings:
  description: The C(warnings) of the C(validate_only=true) answer (C(code) and C(message)), what may lose availability.
  returned: when the validation ran
  type: list
  elements: dict
  sample: [{"code": "deployments.ccr_enablement_restarts_resources", "message": "Enabling CCR restarts Kibana and Elasticsearch"}]
plan:
  description: The outcome of the plans the module waited for (C(plans), C(plan_observed), C(polls), C(elapsed), C(message)).
  returned: when CCR was enabled with O(wait=true)
  type: dict
  sample: {"plans": {"main-elasticsearch": {"state": "success"}}, "plan_observed": true, "polls": 3}
message:
  description: What the module found and did, in one sentence.
  returned: success
  type: str
  sample: CCR is already enabled (info.metadata.ccr is true); nothing to do
'''

import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, is_system_deployment, select_resource)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import (
    PlanWaiter, current_attempt_ids, plan_infos_from_deployment, run_waiter)

DEPLOYMENT_PATH = "/deployments/{deployment_id}"
ENABLE_PATH = "/deployments/{deployment_id}/elasticsearch/{ref_id}/_enable-ccr"
PLAN_KINDS = ("elasticsearch", "kibana")


def ccr_flag(resource):
    """``info.metadata.ccr`` of a raw ``ElasticsearchResourceInfo``: True, False or None (absent or not a boolean)."""
    value = (((resource or {}).get("info") or {}).get("metadata") or {}).get("ccr")
    return value if isinstance(value, bool) else None


def decide(flag, force):
    """``(needed, detected_by)`` from the ``ccr`` flag: needed is True, False or None (cannot tell)."""
    if flag is True:
        return False, "metadata.ccr"
    if flag is False:
        return True, "metadata.ccr"
    return (True if force else None), "validate_only"


def warnings_of(body):
    """The ``warnings`` of a ``DeploymentResourceCommandResponse``, as ``[{code, message}]``."""
    out = []
    for warning in (body or {}).get("warnings") or []:
        if isinstance(warning, dict):
            out.append({"code": warning.get("code"), "message": warning.get("message")})
    return out


def read_deployment(module, deployment_id, **params):
    """The deployment (404 -> a parameter error naming deployment_id)."""
    query = dict(params)
    try:
        return module.ece.get(api_path(DEPLOYMENT_PATH, deployment_id=deployment_id), params=query or None).body or {}
    except EceApiError as exc:
        if exc.status == 404:
            raise ModuleParameterError("deployment_id", "no deployment with ID '%s' was found (%s)" % (deployment_id, exc.api_message),
                                       "Check the deployment ID (not the Elasticsearch cluster ID), for example with "
                                       "eceops.remote_clusters.ece_deployment_info") from None
        raise


def validate_only(module, path):
    """POST ``_enable-ccr?validate_only=true`` (changes nothing, allowed in check mode); returns the warnings."""
    response = module.ece.post(path, params={"validate_only": "true"}, read=True)
    return warnings_of(response.body)


def wait_for_plans(module, deployment_id, previous):
    """Wait for the plans on Elasticsearch and Kibana; fail with the plan's message."""
    params = module.params

    def fetch():
        deployment = read_deployment(module, deployment_id, show_plan_logs="true")
        return plan_infos_from_deployment(deployment, kinds=PLAN_KINDS)

    waiter = PlanWaiter(timeout=float(params["wait_timeout"]), poll_interval=float(params["poll_interval"]),
                        previous_attempt_ids=previous)
    state, payload = run_waiter(waiter, fetch, time.monotonic, time.sleep)
    if state == "done":
        module.result["plan"] = payload
        return
    module.result["ccr_enabled"] = None
    if state == "failed":
        module.fail_json(msg="_enable-ccr started, but its plan failed: %s" % payload, **module.result)
    module.fail_json(msg="_enable-ccr started, but %s; raise wait_timeout or check the deployment's activity in the ECE UI"
                     % payload, **module.result)


def apply(module):
    """Read, decide, validate, enable, wait, confirm."""
    params = module.params
    deployment_id = (params["deployment_id"] or "").strip()
    if not deployment_id:
        raise ModuleParameterError("deployment_id", "is empty", "Give the deployment ID (not the Elasticsearch cluster ID)")
    if params["wait_timeout"] < 0:
        raise ModuleParameterError("wait_timeout", "must be 0 or more seconds", "Give the number of seconds to wait for the plans")
    if params["poll_interval"] <= 0:
        raise ModuleParameterError("poll_interval", "must be more than 0 seconds", "Give the seconds between two reads, for example 2")
    module.result["deployment_id"] = deployment_id

    deployment = read_deployment(module, deployment_id, show_settings="true")
    try:
        resource = select_resource(deployment, params["ref_id"], raw=True)
    except EndpointError as exc:
        raise ModuleParameterError("ref_id", str(exc), "Set ref_id to the Elasticsearch resource's ref_id") from None
    system, reason = is_system_deployment(deployment)
    if system:
        raise ModuleParameterError("deployment_id", "refusing to run _enable-ccr on a system-owned deployment (%s)" % reason,
                                   "Enable CCR on your own deployments only")
    ref_id = resource.get("ref_id") or params["ref_id"]
    flag = ccr_flag(resource)
    needed, detected_by = decide(flag, params["force"])
    module.result.update(ref_id=ref_id, ccr_enabled_before=flag, needed=needed, detected_by=detected_by)
    path = api_path(ENABLE_PATH, deployment_id=deployment_id, ref_id=params["ref_id"])

    if needed is False:
        module.result.update(ccr_enabled=True, message="CCR is already enabled (info.metadata.ccr is true); nothing to do")
        module.set_diff({"ccr_enabled": True}, {"ccr_enabled": True})
        return

    warnings = validate_only(module, path)
    module.result["api_warnings"] = warnings
    if needed is None:
        message = ("The API does not say whether CCR is enabled on '%s' (no info.metadata.ccr); the validate_only request "
                   "answered with %d warning(s). Nothing was changed: set force=true to run _enable-ccr anyway"
                   % (ref_id, len(warnings)))
        module.warn(message)
        module.result.update(ccr_enabled=None, message=message)
        return

    module.set_changed(True)
    module.set_diff({"ccr_enabled": flag}, {"ccr_enabled": True})
    if module.check_mode:
        module.result.update(ccr_enabled=True, message="_enable-ccr would run on '%s' (check mode)" % ref_id)
        return

    previous = current_attempt_ids(plan_infos_from_deployment(deployment, kinds=PLAN_KINDS))
    module.ece.post(path)
    if not params["wait"]:
        module.result.update(ccr_enabled=None, message="_enable-ccr started on '%s'; not waiting for its plan" % ref_id)
        return
    wait_for_plans(module, deployment_id, previous)
    after = ccr_flag(select_resource(read_deployment(module, deployment_id), ref_id, raw=True))
    module.result["ccr_enabled"] = after
    if after is False:
        module.fail_json(msg="_enable-ccr finished on '%s', but info.metadata.ccr is still false; check the deployment's "
                         "activity in the ECE UI" % ref_id, **module.result)
    if after is None:
        module.warn("_enable-ccr finished on '%s'; the API does not report info.metadata.ccr, so the result cannot be confirmed" % ref_id)
        module.result["message"] = "_enable-ccr ran on '%s'; its plan finished (not confirmed: no info.metadata.ccr)" % ref_id
    else:
        module.result["message"] = "_enable-ccr ran on '%s'; its plan finished and info.metadata.ccr is true" % ref_id


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            deployment_id=dict(type="str", required=True),
            ref_id=dict(type="str", default="_main"),
            force=dict(type="bool", default=False),
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
