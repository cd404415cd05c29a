#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_ccr_follower
short_description: Manage a cross-cluster replication follower index (follow, pause, resume, unfollow)
version_added: 0.1.0
description:
  - Makes an index of the B(local) cluster (the follower) replicate a leader index of a remote cluster, pauses and
    resumes replication, changes the replication tuning parameters, or turns the follower back into a regular
    index.
  - Reads the follower with C(GET /{index}/_ccr/info) and writes only what differs
    (C(PUT /{index}/_ccr/follow), C(POST /{index}/_ccr/pause_follow), C(POST /{index}/_ccr/resume_follow),
    C(POST /{index}/_ccr/unfollow)).
  - Before a write that contacts the leader (follow, resume, a change of tuning parameters), checks that the alias
    O(remote_cluster) is configured and connected and applies the CCR version rule - the follower (local) cluster
    must run the same or a newer version than the leader, patch level included, and the leader must be at least
    the follower's minimum wire compatibility version. The local version comes from C(GET /), the leader's from
    C(GET /_resolve/cluster/<alias>:<leader_index>) (Elasticsearch 8.13 or later; the module falls back to
    C(<alias>:*) when the connection may not resolve the leader index itself, as with a replication-only
    cross-cluster API key). An incompatible pair, an unknown alias or a broken connection fails before any write,
    saying what C(GET /_remote/info) (M(eceops.remote_clusters.es_remote_info)) reports for the alias.
  - Tuning parameters of an active follower can only be changed by pausing and resuming it with the new values
    (Elasticsearch has no other way); the module does that and sends the follower's other current values along,
    so that only the parameters you give change.
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
  index:
    description:
      - The follower index on the local cluster (one index name, no wildcards).
    type: str
    required: true
    aliases: [follower_index]
  remote_cluster:
    description:
      - The alias of the remote (leader) cluster, as configured on the local cluster
        (M(eceops.remote_clusters.es_remote_cluster)).
      - Required to create the follower. When the follower exists it must match, as a follower cannot be moved to
        another alias or leader.
    type: str
  leader_index:
    description:
      - The leader index on the remote cluster.
      - Required to create the follower; must match an existing follower's leader.
    type: str
  state:
    description:
      - V(present) - the index follows the leader and replication is active (created or resumed when needed).
      - V(paused) - the index is a follower and replication is paused (created and then paused when it does not exist).
      - V(absent) - the index is not a follower - an active follower is paused, then converted into a regular index
        (C(unfollow)); the index and its data stay. This cannot be undone.
    type: str
    choices: [present, paused, absent]
    default: present
  settings:
    description:
      - Index settings for the follower that override the leader's, for example C(index.number_of_replicas).
      - Used only when the follower is created; existing followers are not compared or changed.
    type: dict
  wait_for_active_shards:
    description:
      - How many shard copies must be active before the follow request returns (V(0), a number, or V(all)).
        Used only when the follower is created. Elasticsearch's default is V(0).
    type: str
notes:
  - B(Unfollow on a real cluster.) Elasticsearch converts a follower into a regular index only when it is paused
    B(and closed). This collection does not call the close index API, so with O(state=absent) against a real
    cluster, close the index first (C(POST /<index>/_close), for example with M(ansible.builtin.uri)), run the task,
    then open the index again (C(POST /<index>/_open)). If the index is still open the module pauses the follower
    and then fails with Elasticsearch's message (C(... because it has not been closed)); the follower stays paused,
    and running the task again after closing the index completes the unfollow.
  - Resuming a paused follower applies the tuning parameters given in the task and Elasticsearch's defaults for the
    others (a paused follower does not report its parameters).
  - Needs C(manage_ccr) on the local cluster (C(monitor) to read), C(manage_follow_index) on the follower index to
    unfollow, and on the leader side the replication privileges of the security model in use (for the API key model,
    the C(cross_cluster_replication) privilege in O(eceops.remote_clusters.es_role#module:remote_indices) and a
    cross-cluster API key with C(replication) access).
  - Cross-cluster replication needs a Platinum or Enterprise licence on both clusters.
seealso:
  - module: eceops.remote_clusters.es_ccr_auto_follow
  - module: eceops.remote_clusters.es_remote_cluster
  - module: eceops.remote_clusters.es_remote_info
  - module: eceops.remote_clusters.es_role
  - name: Elasticsearch create follower API
    description: The follow API and its tuning parameters.
    link: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-ccr-follow
'''

EXAMPLES = r'''
- name: Follow leader-index of the remote cluster "logs"
  eceops.remote_clusters.es_ccr_follower:
    es_url: https://follower.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    index: leader-index-copy
    remote_cluster: logs
    leader_index: leader-index
    wait_for_active_shards: "1"
    settings:
      index.number_of_replicas: 0
  register: follower

- name: Followers of the local deployment, through the ECE API
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ vault_ece_api_key }}"
      es_deployment_id: "{{ local_deployment_id }}"
  block:
    - name: Pause replication during maintenance of the leader
      eceops.remote_clusters.es_ccr_follower:
        index: leader-index-copy
        state: paused

    - name: Resume it with a larger read size (only the given parameters change)
      eceops.remote_clusters.es_ccr_follower:
        index: leader-index-copy
        remote_cluster: logs
        leader_index: leader-index
        max_read_request_size: 64mb

- name: Close the follower, turn it into a regular index, and open it again (a real cluster needs the close)
  block:
    - name: Close the follower index
      ansible.builtin.uri:
        url: https://follower.example.com:9243/leader-index-copy/_close
        method: POST
        url_username: elastic
        url_password: "{{ vault_elastic_password }}"
        force_basic_auth: true

    - name: Unfollow
      eceops.remote_clusters.es_ccr_follower:
        es_url: https://follower.example.com:9243
        es_username: elastic
        es_password: "{{ vault_elastic_password }}"
        index: leader-index-copy
        state: absent

    - name: Open the index again
      ansible.builtin.uri:
        url: https://follower.example.com:9243/leader-index-copy/_open
        method: POST
        url_username: elastic
        url_password: "{{ vault_elastic_password }}"
        force_basic_auth: true
'''

RETURN = r'''
follower:
  description:
    - The follower after the task, as C(GET /{index}/_ccr/info) reports it (in check mode, the predicted state).
  returned: success
  type: dict
  contains:
    follower_index:
      description: The follower index.
      type: str
      sample: leader-index-copy
    remote_cluster:
      description: The alias of the leader's cluster (null when the index is not a follower).
      type: str
      sample: logs
    leader_index:
      description: The leader index (null when the index is not a follower).
      type: str
      sample: leader-index
    status:
      description:
        - V(active) or V(paused) for a follower, V(not_following) for an existing index that is not a follower,
          V(missing) when the index does not exist.
      type: str
      sample: active
    parameters:
      description: The effective tuning parameters of an active follower (Elasticsearch reports none while paused).
      type: dict
      sample:
        max_read_request_operation_count: 5120
        max_outstanding_read_requests: 12
        max_read_request_size: 32mb
        max_write_request_operation_count: 5120
        max_write_request_size: 9223372036854775807b
        max_outstanding_write_requests: 9
        max_write_buffer_count: 2147483647
        max_write_buffer_size: 512mb
        max_retry_delay: 500ms
        read_poll_timeout: 1m
versions:
  description: The CCR version check made before writing (absent when no write needed the leader).
  returned: when the module followed or resumed, or would have in check mode
  type: dict
  contains:
    follower:
      description: The local (follower) cluster's version.
      type: str
      sample: 9.1.3
    leader:
      description: The leader cluster's version (null when it cannot be read, for example before 8.13).
      type: str
      sample: 8.19.4
    compatible:
      description: Whether the pair passes the CCR version rule (null when it could not be checked).
      type: bool
    reason:
      description: The rule's explanation.
      type: str
actions:
  description: The CCR API calls the task made (or would make in check mode), in order.
  returned: success
  type: list
  elements: str
  sample: [pause_follow, resume_follow]
'''

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ccr import (
    TUNING_DEFAULTS, TUNING_NAMES, check_leader_version, given_tuning, tuning_argument_spec, tuning_differences, validate_index_name,
    validate_remote_alias, validate_tuning)

MISSING = "missing"
NOT_FOLLOWING = "not_following"


def argument_spec():
    """The module's own options."""
    spec = dict(
        index=dict(type="str", required=True, aliases=["follower_index"]),
        remote_cluster=dict(type="str"),
        leader_index=dict(type="str"),
        state=dict(type="str", choices=["present", "paused", "absent"], default="present"),
        settings=dict(type="dict"),
        wait_for_active_shards=dict(type="str"),
    )
    spec.update(tuning_argument_spec())
    return spec


def validate_params(params):
    """Check the input before any request."""
    validate_index_name(params["index"], "index")
    if params.get("remote_cluster") is not None:
        validate_remote_alias(params["remote_cluster"])
    if params.get("leader_index") is not None:
        validate_index_name(params["leader_index"], "leader_index")
    validate_tuning(params)
    wait = params.get("wait_for_active_shards")
    if wait is not None and wait != "all" and not (wait.isdigit() and int(wait) >= 0):
        raise ModuleParameterError("wait_for_active_shards", "must be a number of shard copies or 'all', got %r" % wait)


def read_follower(es, index):
    """``{follower_index, remote_cluster, leader_index, status, parameters}`` of the index (status missing/not_following)."""
    response = es.get(api_path("/{index}/_ccr/info", index=index), missing_ok=True)
    if response.status == 404:
        return {"follower_index": index, "remote_cluster": None, "leader_index": None, "status": MISSING, "parameters": None}
    for entry in (response.body or {}).get("follower_indices") or []:
        if entry.get("follower_index") == index:
            return {"follower_index": index, "remote_cluster": entry.get("remote_cluster"), "leader_index": entry.get("leader_index"),
                    "status": entry.get("status"), "parameters": entry.get("parameters")}
    return {"follower_index": index, "remote_cluster": None, "leader_index": None, "status": NOT_FOLLOWING, "parameters": None}


def _is_follower(current):
    return current["status"] not in (MISSING, NOT_FOLLOWING)


def check_identity(params, current):
    """An existing follower cannot be moved to another alias or leader."""
    if not _is_follower(current):
        return
    for key in ("remote_cluster", "leader_index"):
        wanted = params.get(key)
        if wanted is not None and wanted != current[key]:
            raise ModuleParameterError(key, "index '%s' already follows %s:%s, not %s" % (
                current["follower_index"], current["remote_cluster"], current["leader_index"],
                "%s:%s" % (params.get("remote_cluster") or current["remote_cluster"], params.get("leader_index") or current["leader_index"])),
                "A follower cannot be moved to another remote cluster or leader index: unfollow it first (state=absent) or "
                "choose another index name. Nothing was changed")


def _require_identity(params, current):
    missing = [key for key in ("remote_cluster", "leader_index") if not params.get(key)]
    if missing:
        what = "does not exist" if current["status"] == MISSING else "is not a follower"
        raise ModuleParameterError(missing[0], "is required to create the follower: index '%s' %s" % (params["index"], what),
                                   "Give remote_cluster (the alias of the leader's cluster) and leader_index")
    if current["status"] == NOT_FOLLOWING:
        raise ModuleParameterError("index", "index '%s' exists and is not a follower index" % params["index"],
                                   "The follow API creates the follower index itself and cannot convert an existing index: "
                                   "choose another name, or delete the existing index first. Nothing was changed")


def plan_actions(params, current):
    """The CCR calls to make, in order: follow, pause_follow, resume_follow, unfollow."""
    state = params["state"]
    status = current["status"]
    if state == "absent":
        if status == "active":
            return ["pause_follow", "unfollow"]
        if status == "paused":
            return ["unfollow"]
        return []
    if not _is_follower(current):
        _require_identity(params, current)
        return ["follow"] if state == "present" else ["follow", "pause_follow"]
    if state == "paused":
        return ["pause_follow"] if status == "active" else []
    if status == "paused":
        return ["resume_follow"]
    if tuning_differences(given_tuning(params), current.get("parameters")):
        return ["pause_follow", "resume_follow"]
    return []


def follow_body(params):
    """The body of PUT /{index}/_ccr/follow."""
    body = {"remote_cluster": params["remote_cluster"], "leader_index": params["leader_index"]}
    if params.get("settings"):
        body["settings"] = params["settings"]
    body.update(given_tuning(params))
    return body


def resume_body(params, current):
    """The body of resume_follow: the follower's current parameters (when known) with the given ones replacing theirs."""
    body = {}
    if current["status"] == "active":
        body.update(dict((k, v) for k, v in (current.get("parameters") or {}).items() if k in TUNING_NAMES))
    body.update(given_tuning(params))
    return body


def predict(params, current, actions):
    """The follower as it will be after ``actions`` (check mode); parameters as Elasticsearch would report them."""
    after = dict(current)
    if "follow" in actions:
        after.update(remote_cluster=params["remote_cluster"], leader_index=params["leader_index"], status="active",
                     parameters=dict(TUNING_DEFAULTS, **given_tuning(params)))
    if "resume_follow" in actions:
        after.update(status="active", parameters=dict(TUNING_DEFAULTS, **resume_body(params, current)))
    if actions and actions[-1] == "pause_follow":
        after.update(status="paused", parameters=None)
    if "unfollow" in actions:
        after.update(status=NOT_FOLLOWING, remote_cluster=None, leader_index=None, parameters=None)
    return after


def comparable(follower):
    """The diff view of a follower."""
    return dict((k, v) for k, v in follower.items() if v is not None)


def apply(module, params, current, actions):
    """Send the planned calls."""
    es = module.es
    index = params["index"]
    for action in actions:
        if action == "follow":
            query = {"wait_for_active_shards": params["wait_for_active_shards"]} if params.get("wait_for_active_shards") else None
            es.put(api_path("/{index}/_ccr/follow", index=index), params=query, json_body=follow_body(params))
        elif action == "pause_follow":
            es.post(api_path("/{index}/_ccr/pause_follow", index=index))
        elif action == "resume_follow":
            es.post(api_path("/{index}/_ccr/resume_follow", index=index), json_body=resume_body(params, current))
        elif action == "unfollow":
            try:
                es.post(api_path("/{index}/_ccr/unfollow", index=index))
            except EsApiError as exc:
                if "has not been closed" not in (exc.reason or ""):
                    raise
                module.fail_api(exc, msg="Could not unfollow '%s': the follower is paused now, and Elasticsearch converts a follower "
                                         "into a regular index only when it is closed. Close the index (POST /%s/_close), run this "
                                         "task again, then open it (POST /%s/_open)" % (index, index, index))


def manage(module):
    """Read, plan, check versions, write, read back."""
    params = module.params
    validate_params(params)
    es = module.es
    current = read_follower(es, params["index"])
    check_identity(params, current)
    actions = plan_actions(params, current)
    if params["state"] == "paused" and given_tuning(params) and "follow" not in actions:
        module.warn("Tuning parameters are not applied to a paused follower; they take effect when it resumes (state=present)")
    if _is_follower(current) and params.get("settings"):
        module.warn("settings are applied only when the follower is created; the existing follower was not compared or changed")
    if any(action in ("follow", "resume_follow") for action in actions):
        alias = params.get("remote_cluster") or current["remote_cluster"]
        leader = params.get("leader_index") or current["leader_index"]
        module.result["versions"] = check_leader_version(module, alias, leader)
    module.result["actions"] = actions
    if not actions:
        module.result["follower"] = current
        module.set_diff(comparable(current), comparable(current))
        return
    module.set_changed()
    if module.check_mode:
        after = predict(params, current, actions)
    else:
        apply(module, params, current, actions)
        after = read_follower(es, params["index"])
    module.result["follower"] = after
    module.set_diff(comparable(current), comparable(after))


def main():
    module = RemoteClustersModule(argument_spec=argument_spec(), connections=("es", "ece"), supports_check_mode=True)
    module.run(manage)


if __name__ == "__main__":
    main()
