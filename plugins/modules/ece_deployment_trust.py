#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_deployment_trust
short_description: Manage the trust settings of an ECE deployment, entry by entry
version_added: 0.1.0
description:
  - Manages the C(trust) settings of one Elasticsearch resource of an ECE deployment - which clusters its nodes
    accept on the TLS certificate security model (port 9400) and, for C(direct) entries of type C(proxy), which CA it
    trusts on the API key model (port 9443).
  - Three kinds of entries - O(accounts) (deployments of this environment, by account ID), O(external) (clusters of
    another ECE environment or Elastic Cloud organization registered as a platform trust relationship) and O(direct)
    (a CA certificate bundled in the entry, for self-managed clusters, ECK, or environments without a trust
    relationship).
  - Entries are keyed - accounts by C(account_id), external entries by C(trust_relationship_id), direct entries by
    C(uid) when given, else by C(name). Entries and fields you do not name are kept exactly as they are (names,
    uids, certificates); O(purge=true) removes the entries of a kind you list but do not name.
  - ECE replaces whole trust arrays and blanks fields that are left out of an update, so the module always reads the
    complete current trust, merges your entries into it and sends all of it back, with the current plan, with the
    C(version) guard against concurrent changes. It writes only when something differs (certificates compare by
    SHA-256 fingerprint, allowlists and node names as sets), then waits for the plan ECE starts.
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
    details:
      - Certificates are shown as fingerprint and subject, not as PEM text.
options:
  deployment_id:
    description: The ID of the deployment whose trust is managed.
    type: str
    required: true
  ref_id:
    description:
      - The C(ref_id) of the Elasticsearch resource. V(_main) selects the only one.
    type: str
    default: _main
  accounts:
    description:
      - Trust with the deployments of an account. On ECE the account ID is the environment's own account (see
        M(eceops.remote_clusters.ece_environment_info)); deployments created on ECE 2.9.0 or later trust all
        deployments of the account by default (the entry named C(Default trust)).
      - Leave the option out to keep every account entry as it is.
    type: list
    elements: dict
    suboptions:
      account_id:
        description: The account ID (the key of the entry).
        type: str
        required: true
      name:
        description: A human readable name. Kept when not given (ECE would blank it otherwise).
        type: str
      trust_all:
        description:
          - Trust every cluster of the account (V(true)) or only those in O(accounts[].trust_allowlist) (V(false)).
          - Required for a new entry.
        type: bool
      trust_allowlist:
        description: Elasticsearch cluster IDs to trust when O(accounts[].trust_all=false); see O(allowlist_mode).
        type: list
        elements: str
      state:
        description: V(absent) removes the entry.
        type: str
        choices: [present, absent]
        default: present
  external:
    description:
      - Trust with an environment registered as a platform trust relationship (another ECE environment or an Elastic
        Cloud organization), see M(eceops.remote_clusters.ece_trust_relationship).
      - Leave the option out to keep every external entry as it is.
    type: list
    elements: dict
    suboptions:
      trust_relationship_id:
        description: The ID of the trust relationship (the key of the entry).
        type: str
      trust_relationship_name:
        description:
          - The name of the trust relationship, resolved to its ID through
            C(GET /platform/configuration/trust-relationships) (needs a platform administrator). An unknown name fails
            before anything is written.
          - Give either this or O(external[].trust_relationship_id).
        type: str
      trust_all:
        description:
          - Trust every cluster of that environment (V(true)) or only those in O(external[].trust_allowlist).
          - Required for a new entry.
        type: bool
      trust_allowlist:
        description: Elasticsearch cluster IDs to trust when O(external[].trust_all=false); see O(allowlist_mode).
        type: list
        elements: str
      state:
        description: V(absent) removes the entry.
        type: str
        choices: [present, absent]
        default: present
  direct:
    description:
      - Trust entries with their CA certificate bundled, for clusters outside this environment that have no
        platform trust relationship - self-managed clusters, ECK, other ECE environments, Elastic Cloud.
      - Leave the option out to keep every direct entry as it is.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - A human readable name, unique among the direct entries (the key of the entry when O(direct[].uid) is not
            given).
          - Required for a new entry.
        type: str
      uid:
        description:
          - The ECE generated identifier of an existing entry (shown in RV(trust)). Use it to rename an entry or to
            address one of several entries with the same name.
        type: str
      type:
        description:
          - V(generic) (the default of ECE), V(ECE), V(ESS), or V(proxy) - the CA of a private proxy or load balancer
            in front of a remote on the API key model (port 9443), which takes no O(direct[].scope_id),
            O(direct[].trust_allowlist) nor O(direct[].additional_node_names) and O(direct[].trust_all=false).
        type: str
        choices: [ECE, ESS, generic, proxy]
      scope_id:
        description:
          - The scope of the trusted clusters' node names, C(*.node.<cluster_id>.cluster.<scope_id>.account) - the ECE
            environment ID or the Elastic Cloud organization ID. A lowercase alphanumeric string of at most 32 characters.
          - Required when O(direct[].trust_all=true) or O(direct[].trust_allowlist) is not empty.
        type: str
      trust_all:
        description:
          - Trust every cluster of the scope (V(true), needs O(direct[].scope_id)) or only the allowlisted clusters
            and node names (V(false)).
          - Required for a new entry.
        type: bool
      trust_allowlist:
        description: Elasticsearch cluster IDs of the scope to trust when O(direct[].trust_all=false); see O(allowlist_mode).
        type: list
        elements: str
      additional_node_names:
        description:
          - Node names trusted in addition (no wildcards), for nodes whose certificates have no scoped name, for
            example self-managed or ECK nodes. Required when there is no O(direct[].scope_id).
        type: list
        elements: str
      certificates:
        description:
          - The CA certificate(s) to trust, in PEM format. A string holding several certificates (a bundle) is split
            into one entry per certificate. Compared by fingerprint, so formatting does not matter.
          - Required for a new entry. A malformed PEM fails before anything is written.
        type: list
        elements: str
      state:
        description: V(absent) removes the entry.
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - Remove the entries of the kinds you list (O(accounts), O(external), O(direct)) that you do not name. Kinds you
        leave out are never purged; an empty list (for example O(direct=[])) with O(purge=true) removes every entry of
        that kind.
    type: bool
    default: false
  allowlist_mode:
    description:
      - How the C(trust_allowlist) of a named entry is applied - V(replace) it, V(add) the given cluster IDs to it, or
        V(remove) them from it.
    type: str
    choices: [replace, add, remove]
    default: replace
  wait:
    description: Wait for the plan that the update starts to finish (and fail with the plan's own message if it fails).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the plan.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two reads of the plan state.
    type: float
    default: 2
notes:
  - The module refuses ECE system deployments (admin-console-elasticsearch, logging-and-metrics, security) before
    sending anything.
  - Needs an API key or user that may change the deployment.
  - Deployments created before ECE 2.9.0 trust only themselves; add an O(accounts) entry to let them trust the other
    deployments of the environment.
seealso:
  - module: eceops.remote_clusters.ece_deployment_info
  - module: eceops.remote_clusters.ece_trust_relationship
  - module: eceops.remote_clusters.ece_environment_info
  - module: eceops.remote_clusters.ece_remote_clusters
'''

EXAMPLES = r'''
- name: Trust all deployments of the environment (keeps every other entry)
  eceops.remote_clusters.ece_deployment_trust:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    deployment_id: "{{ deployment_id }}"
    accounts:
      - account_id: "{{ env.environment.account_id }}"
        trust_all: true

- name: Trust a self-managed cluster by its CA and node names
  eceops.remote_clusters.ece_deployment_trust:
    deployment_id: "{{ deployment_id }}"
    direct:
      - name: onprem-cluster
        type: generic
        trust_all: false
        additional_node_names: [node-1.onprem.example.com, node-2.onprem.example.com]
        certificates:
          - "{{ lookup('ansible.builtin.file', 'onprem-ca.pem') }}"
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ vault_ece_api_key }}"

- name: Trust two clusters of another ECE environment through its trust relationship
  eceops.remote_clusters.ece_deployment_trust:
    deployment_id: "{{ deployment_id }}"
    external:
      - trust_relationship_name: ece-dc2
        trust_all: false
        trust_allowlist: [c2273ab31c21f13d73aa537da8a28274, fd2d532def1224a39896814ede24f3ac]
    allowlist_mode: add

- name: Keep only the named direct entry, remove every other direct entry
  eceops.remote_clusters.ece_deployment_trust:
    deployment_id: "{{ deployment_id }}"
    direct:
      - name: onprem-cluster
    purge: true
'''

RETURN = r'''
trust:
  description:
    - The trust settings after the task (as read back from ECE; in check mode, what they would be), with the lists
      C(accounts), C(external) and C(direct). Direct entries carry their C(uid) and their certificates (C(pem),
      and C(metadata) as ECE computes it).
  returned: success
  type: dict
  sample:
    accounts: [{"account_id": "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b", "name": "Default trust", "trust_all": true}]
    external: []
    direct: [{"uid": "0e5c1a4e-6f53-4c53-a1f1-3f1cd3b9c2b1", "name": "onprem-cluster", "type": "generic", "trust_all": false,
              "additional_node_names": ["node-1.onprem.example.com"], "certificates": [{"pem": "-----BEGIN CERTIFICATE-----..."}]}]
deployment_id:
  description: The deployment ID.
  returned: success
  type: str
ref_id:
  description: The real C(ref_id) of the Elasticsearch resource.
  returned: success
  type: str
  sample: main-elasticsearch
plan:
  description:
    - The outcome of the plan that the update started - C(state) (C(success), C(failed), C(pending) when not waited,
      C(none) when ECE started no plan), C(attempt_id), C(message), C(plan_observed), C(polls), C(elapsed).
    - Null when nothing was sent.
  returned: success
  type: dict
  sample: {"state": "success", "attempt_id": "5c3b2a1d-...", "message": "plan finished successfully for 'main-elasticsearch'",
           "plan_observed": true, "polls": 2, "elapsed": 2.1}
diff:
  description: Before and after of the trust settings, certificates as fingerprint and subject.
  returned: when running with C(--diff)
  type: dict
'''

import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, EceClient, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import CertificateError, split_pem
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, is_system_deployment, select_resource)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import (
    PlanWaiter, plan_infos_from_deployment, plan_status)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._trust import (
    KINDS, TrustError, merge_trust, redact_trust_for_diff, trust_changed, trust_for_update, validate_trust)

STATES = ["present", "absent"]
TRUST_RELATIONSHIPS_PATH = "/platform/configuration/trust-relationships"
READ_PARAMS = {"show_settings": "true", "clear_transient": "true"}
POLL_PARAMS = {"show_settings": "true", "show_plans": "true", "show_plan_logs": "true"}

# Seams for the unit tests (no real sleeping there).
_sleep = time.sleep
_now = time.monotonic


def _entry_spec(**fields):
    spec = dict(fields)
    spec["state"] = dict(type="str", choices=STATES, default="present")
    return spec


ARGUMENT_SPEC = dict(
    deployment_id=dict(type="str", required=True),
    ref_id=dict(type="str", default="_main"),
    accounts=dict(type="list", elements="dict", options=_entry_spec(
        account_id=dict(type="str", required=True),
        name=dict(type="str"),
        trust_all=dict(type="bool"),
        trust_allowlist=dict(type="list", elements="str"),
    )),
    external=dict(type="list", elements="dict", options=_entry_spec(
        trust_relationship_id=dict(type="str"),
        trust_relationship_name=dict(type="str"),
        trust_all=dict(type="bool"),
        trust_allowlist=dict(type="list", elements="str"),
    ), mutually_exclusive=[("trust_relationship_id", "trust_relationship_name")],
        required_one_of=[("trust_relationship_id", "trust_relationship_name")]),
    direct=dict(type="list", elements="dict", options=_entry_spec(
        name=dict(type="str"),
        uid=dict(type="str"),
        type=dict(type="str", choices=["ECE", "ESS", "generic", "proxy"]),
        scope_id=dict(type="str"),
        trust_all=dict(type="bool"),
        trust_allowlist=dict(type="list", elements="str"),
        additional_node_names=dict(type="list", elements="str"),
        certificates=dict(type="list", elements="str"),
    ), required_one_of=[("name", "uid")]),
    purge=dict(type="bool", default=False),
    allowlist_mode=dict(type="str", choices=["replace", "add", "remove"], default="replace"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=2.0),
)


# ---------------------------------------------------------------------------------------------
# Input (pure)
# ---------------------------------------------------------------------------------------------

def _compact(entry):
    return dict((key, value) for key, value in entry.items() if value is not None)


def parse_certificates(index, entry):
    """``[{"pem": ...}]`` from the PEM strings of a direct entry (bundles split). ModuleParameterError when malformed."""
    if entry.get("certificates") is None:
        return None
    label = "direct[%d]" % index
    if entry.get("name"):
        label += " (%r)" % entry["name"]
    result = []
    for number, text in enumerate(entry["certificates"]):
        try:
            pems = split_pem(text)
        except CertificateError as exc:
            raise ModuleParameterError("direct[%d].certificates[%d]" % (index, number),
                                       "%s: certificates[%d] is not a valid PEM certificate: %s" % (label, number, exc),
                                       "Give the CA certificate in PEM format (-----BEGIN CERTIFICATE----- ... "
                                       "-----END CERTIFICATE-----), for example with lookup('file', 'ca.pem')")
        result.extend({"pem": pem} for pem in pems)
    if not result and entry.get("state") != "absent":
        raise ModuleParameterError("direct[%d].certificates" % index, "%s: certificates is empty" % label,
                                   "Give at least one CA certificate in PEM format, or leave the option out to keep "
                                   "the current certificates")
    return result


def desired_trust(params, relationship_ids=None):
    """The desired trust object for ``merge_trust`` from the module options (kinds left out stay None).

    ``relationship_ids`` maps trust relationship names to IDs (for ``external[].trust_relationship_name``).
    """
    desired = {}
    for entry_kind in KINDS:
        entries = params.get(entry_kind)
        if entries is None:
            desired[entry_kind] = None
            continue
        result = []
        for index, entry in enumerate(entries):
            entry = _compact(entry)
            if entry_kind == "external" and entry.get("trust_relationship_name") is not None:
                name = entry.pop("trust_relationship_name")
                entry["trust_relationship_id"] = (relationship_ids or {}).get(name)
                if entry["trust_relationship_id"] is None:
                    continue  # an absent entry for a relationship that does not exist
            if entry_kind == "direct" and "certificates" in entry:
                entry["certificates"] = parse_certificates(index, entry)
            result.append(entry)
        desired[entry_kind] = result
    return desired


def check_options(params):
    """Checks that need no API call (before any request)."""
    if params["wait_timeout"] < 0:
        raise ModuleParameterError("wait_timeout", "must be 0 or more seconds, got %d" % params["wait_timeout"])
    if params["poll_interval"] <= 0:
        raise ModuleParameterError("poll_interval", "must be more than 0 seconds, got %s" % params["poll_interval"])
    if not params["deployment_id"].strip():
        raise ModuleParameterError("deployment_id", "must not be empty", "Give the ID of the deployment")
    for index, entry in enumerate(params.get("direct") or []):
        parse_certificates(index, _compact(entry))


def _kind_of(errors):
    for text in errors:
        for entry_kind in KINDS:
            if "(%s[" % entry_kind in text:
                return entry_kind
    return "trust"


# ---------------------------------------------------------------------------------------------
# API steps
# ---------------------------------------------------------------------------------------------

def read_deployment(ece, deployment_id, params=None):
    """``(deployment, resource version)``; ModuleParameterError when the deployment does not exist."""
    response = ece.get(api_path("/deployments/{id}", id=deployment_id), params=params or READ_PARAMS, missing_ok=True)
    if response.status == 404:
        raise ModuleParameterError("deployment_id", "no deployment with ID %r in this ECE environment (%s)" % (deployment_id, ece.root_url),
                                   "Check the ID (eceops.remote_clusters.ece_deployment_info lists the deployments)")
    return response.body or {}, EceClient.resource_version(response)


def resolve_relationships(module, entries):
    """``{name: id}`` for the trust relationship names of ``external``; checks given IDs exist when the list is readable."""
    wanted_names = [e["trust_relationship_name"] for e in entries if e.get("trust_relationship_name")]
    wanted_ids = [(i, e["trust_relationship_id"]) for i, e in enumerate(entries)
                  if e.get("trust_relationship_id") and e.get("state") != "absent"]
    if not wanted_names and not wanted_ids:
        return {}
    try:
        listing = module.ece.get(TRUST_RELATIONSHIPS_PATH).body or {}
    except EceApiError as exc:
        if wanted_names or exc.status not in (401, 403):
            if exc.status == 403:
                module.fail_api(exc, msg="external: reading the trust relationships to resolve trust_relationship_name "
                                         "needs a platform administrator; give trust_relationship_id instead")
            raise
        return {}
    relationships = [r for r in listing.get("trust_relationships") or [] if isinstance(r, dict)]
    known = ", ".join(sorted("%s (%s)" % (r.get("name"), r.get("id")) for r in relationships)) or "none"
    ids = set(r.get("id") for r in relationships)
    result = {}
    for index, entry in enumerate(entries):
        name = entry.get("trust_relationship_name")
        if not name:
            continue
        matches = [r for r in relationships if r.get("name") == name]
        if not matches and entry.get("state") == "absent":
            result[name] = None  # nothing can reference a relationship that does not exist: nothing to remove
            continue
        if not matches:
            raise ModuleParameterError("external[%d].trust_relationship_name" % index,
                                       "no trust relationship named %r in this ECE environment (known: %s)" % (name, known),
                                       "Create it first with eceops.remote_clusters.ece_trust_relationship, or fix the name")
        if len(matches) > 1:
            raise ModuleParameterError("external[%d].trust_relationship_name" % index,
                                       "%d trust relationships are named %r" % (len(matches), name),
                                       "Give trust_relationship_id instead")
        result[name] = matches[0]["id"]
    for index, rel_id in wanted_ids:
        if rel_id not in ids:
            raise ModuleParameterError("external[%d].trust_relationship_id" % index,
                                       "no trust relationship with ID %r in this ECE environment (known: %s)" % (rel_id, known),
                                       "Create it first with eceops.remote_clusters.ece_trust_relationship, or fix the ID")
    return result


def update_body(resource, new_trust):
    """The smallest ``DeploymentUpdateRequest`` the spec accepts for a trust change."""
    plan = ((((resource.get("info") or {}).get("plan_info") or {}).get("current") or {}).get("plan"))
    if not isinstance(plan, dict) or not plan:
        raise ModuleParameterError("ref_id", "Elasticsearch resource %r has no current plan to send back with the trust "
                                   "update (ECE requires the plan)" % resource.get("ref_id"),
                                   "Wait until the deployment has a successful plan, then re-run")
    return {
        "prune_orphans": False,
        "resources": {"elasticsearch": [{
            "ref_id": resource["ref_id"],
            "region": resource.get("region") or (resource.get("info") or {}).get("region"),
            "plan": plan,
            "settings": {"trust": trust_for_update(new_trust)},
        }]},
    }


def _plan_info(deployment, ref_id):
    return plan_infos_from_deployment(deployment).get(ref_id)


def _trust_of(deployment, ref_id):
    for resource in (deployment.get("resources") or {}).get("elasticsearch") or []:
        if isinstance(resource, dict) and resource.get("ref_id") == ref_id:
            settings = (resource.get("info") or {}).get("settings") or {}
            return settings.get("trust")
    return None


def wait_for_plan(module, deployment_id, ref_id, previous_attempt_id):
    """Poll until the plan the update started ends. Returns ``(state dict, last deployment read)``."""
    ece = module.ece
    params = module.params
    path = api_path("/deployments/{id}", id=deployment_id)
    waiter = PlanWaiter(timeout=params["wait_timeout"], poll_interval=params["poll_interval"],
                        previous_attempt_ids={ref_id: previous_attempt_id})
    started = _now()
    while True:
        deployment = ece.get(path, params=POLL_PARAMS).body or {}
        answer, detail = waiter.observe({ref_id: _plan_info(deployment, ref_id)}, _now() - started)
        if answer == "wait":
            _sleep(detail)
            continue
        if answer == "done" and not detail["plan_observed"]:
            # cloud-sdk-go's last look: a plan that failed before any poll saw it is only in the history.
            history = ece.get(path, params=dict(POLL_PARAMS, show_plan_history="true")).body or {}
            status = plan_status(_plan_info(history, ref_id), previous_attempt_id=previous_attempt_id)
            if status["state"] == "failed":
                return dict(status, plan_observed=True, polls=detail["polls"] + 1, elapsed=_now() - started), history
            deployment = history
        if answer == "done":
            plans = detail.get("plans") or {}
            status = dict(plans.get(ref_id) or {"state": "none", "attempt_id": None, "failure_type": None, "step_id": None})
            status.update(message=detail["message"], plan_observed=detail["plan_observed"], polls=detail["polls"],
                          elapsed=detail["elapsed"])
            return status, deployment
        state = "failed" if answer == "failed" else "timeout"
        return {"state": state, "message": detail, "plan_observed": bool(waiter.seen), "polls": waiter.polls,
                "elapsed": _now() - started}, deployment


def _wait_for_pending(module, deployment_id, ref_id, plan_info):
    """A plan is already running on the resource: wait for it (when ``wait``) before updating, or fail."""
    status = plan_status(plan_info)
    if status["state"] != "pending" or module.check_mode:
        return False
    if not module.params["wait"]:
        raise ModuleParameterError("wait", "a plan is still running on Elasticsearch resource %r (attempt %s); ECE refuses "
                                   "another change meanwhile" % (ref_id, status["attempt_id"]),
                                   "Re-run when it has finished, or set wait=true to wait for it first")
    outcome = wait_for_plan(module, deployment_id, ref_id, None)[0]
    if outcome["state"] == "timeout":
        raise ModuleParameterError("wait_timeout", "the plan that was already running on Elasticsearch resource %r did not "
                                   "finish in time: %s" % (ref_id, outcome["message"]), "Raise wait_timeout or re-run later")
    return True


def send_update(module, deployment_id, version, body):
    """PUT the update with the version guard; a conflict fails with a clear message."""
    try:
        module.ece.put(api_path("/deployments/{id}", id=deployment_id), params={"version": version} if version else None,
                       json_body=body)
    except EceApiError as exc:
        if exc.status == 409:
            module.fail_api(exc, msg="deployment %s was changed by someone else after this task read it (version %s); "
                                     "nothing was written: re-run the task" % (deployment_id, version))
        if exc.status == 403:
            module.fail_api(exc, msg="the ECE credentials may not change deployment %s (nothing was written): use an API key "
                                     "or user with a role that may update deployments" % deployment_id)
        raise


# ---------------------------------------------------------------------------------------------
# Main flow
# ---------------------------------------------------------------------------------------------

def manage(module):
    """Read, merge, validate, compare, write, wait."""
    params = module.params
    check_options(params)
    deployment_id = params["deployment_id"]
    ece = module.ece
    deployment, version = read_deployment(ece, deployment_id)
    system, reason = is_system_deployment(deployment)
    if system:
        raise ModuleParameterError("deployment_id", "deployment %s is an ECE system deployment (%s); ECE does not allow "
                                   "changing its trust, and system deployments cannot take part in remote clusters"
                                   % (deployment_id, reason), "Choose a deployment that is not system-owned")
    try:
        resource = select_resource(deployment, params["ref_id"], raw=True)
    except EndpointError as exc:
        raise ModuleParameterError("ref_id", str(exc), "Set ref_id to one of the Elasticsearch resources of the deployment")
    ref_id = resource["ref_id"]
    module.result.update(deployment_id=deployment_id, ref_id=ref_id, plan=None)
    if _wait_for_pending(module, deployment_id, ref_id, (resource.get("info") or {}).get("plan_info")):
        deployment, version = read_deployment(ece, deployment_id)
        resource = select_resource(deployment, ref_id, raw=True)

    current = ((resource.get("info") or {}).get("settings") or {}).get("trust") or {}
    relationship_ids = resolve_relationships(module, params.get("external") or [])
    try:
        new = merge_trust(current, desired_trust(params, relationship_ids), purge=params["purge"],
                          allowlist_mode=params["allowlist_mode"])
    except TrustError as exc:
        raise ModuleParameterError(_kind_of([str(exc)]), str(exc))
    errors = validate_trust(new)
    if errors:
        raise ModuleParameterError(_kind_of(errors), "; ".join(errors),
                                   "Fix these entries (entries you did not name are checked too, as ECE checks the whole "
                                   "trust); nothing was written")
    changed = trust_changed(current, new)
    module.set_diff(redact_trust_for_diff(current), redact_trust_for_diff(new))
    module.result["trust"] = new
    if not changed:
        module.result["trust"] = current
        return
    module.set_changed()
    if module.check_mode:
        return
    previous = ((((resource.get("info") or {}).get("plan_info") or {}).get("current")) or {}).get("plan_attempt_id")
    send_update(module, deployment_id, version, update_body(resource, new))
    if params["wait"]:
        outcome, after = wait_for_plan(module, deployment_id, ref_id, previous)
    else:
        after = ece.get(api_path("/deployments/{id}", id=deployment_id), params=POLL_PARAMS).body or {}
        status = plan_status(_plan_info(after, ref_id), previous_attempt_id=previous)
        outcome = dict(status, plan_observed=status["state"] != "none", polls=1, elapsed=0.0)
    module.result["plan"] = outcome
    read_back = _trust_of(after, ref_id)
    if read_back is not None:
        module.result["trust"] = read_back
    if outcome["state"] == "failed":
        module.fail_json(msg="the trust update of deployment %s was sent, but its plan failed: %s" % (deployment_id, outcome["message"]),
                         **module.result)
    if outcome["state"] == "timeout":
        module.fail_json(msg="the trust update of deployment %s was sent, but the wait for its plan ended: %s; the plan may "
                             "still finish: check the deployment in ECE, then re-run (or raise wait_timeout)"
                             % (deployment_id, outcome["message"]), **module.result)


def main():
    module = RemoteClustersModule(argument_spec=ARGUMENT_SPEC, connections=("ece",), supports_check_mode=True)
    module.run(manage)


if __name__ == "__main__":
    main()
