#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_traffic_filter
short_description: Manage ECE traffic filter rule sets (IP and remote cluster) and their deployment associations
version_added: 0.1.0
description:
  - Creates, updates and deletes a traffic filter rule set, keyed by its O(name), and associates it with deployments.
  - V(ip) rule sets allow source addresses and CIDR ranges. V(remote_cluster) rule sets allow remote clusters of the
    API key security model by Elasticsearch cluster ID (C(remote_cluster_id)) and/or environment or organization ID
    (C(remote_cluster_org_id); on ECE the environment ID). Both apply to traffic reaching the deployment; remote
    cluster rule sets apply to the remote cluster server endpoint (port 9443).
  - Rules compare as a set, in any order, ignoring the IDs the server gives them. The API replaces the whole C(rules)
    array, so the module sends the complete rule set (C(PUT /deployments/traffic-filter/rulesets/{ruleset_id})) and
    only when something differs.
  - 'Associations are added (C(POST .../rulesets/{ruleset_id}/associations) with
    C({"entity_type": "deployment", "id": "<deployment id>"})) only when missing; associations you do not list stay
    unless O(purge_associations=true).'
  - Every rule and every new association is checked before the first write (deployments must exist and be in the
    rule set's region), so bad input never leaves a half-applied change.
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
      - Shows the rule set (without server-side rule IDs) and its associated deployment IDs before and after.
options:
  name:
    description:
      - The rule set's name, the key the module finds it by. Two rule sets with this name make the module fail (rename
        or delete one of them).
    type: str
    required: true
  type:
    description:
      - The rule set type. V(ip) and V(remote_cluster) are validated by the module.
      - Other types the API knows (V(vpce), V(azure_private_endpoint), V(gcp_private_service_connect_endpoint),
        V(egress_firewall)) are passed through as given, with a warning, and their rules are not validated.
      - Required with O(state=present).
    type: str
  region:
    description:
      - The region the rule set belongs to; it can only be associated with deployments of that region. ECE has one
        region, V(ece-region).
    type: str
    default: ece-region
  description:
    description:
      - The rule set's description. When not set, an existing description is kept (a new rule set has none).
    type: str
  include_by_default:
    description:
      - Include the rule set in new deployments of the region automatically.
    type: bool
    default: false
  rules:
    description:
      - The complete list of rules (the API replaces the whole list). When not set, an existing rule set keeps its rules
        and a new one has none.
      - "V(ip) rules need O(rules[].source) and nothing else: an IPv4 or IPv6 address or a CIDR range (DNS names are not
        accepted). V(remote_cluster) rules need O(rules[].remote_cluster_id), O(rules[].remote_cluster_org_id) or both, and
        no O(rules[].source); traffic matching either ID is allowed."
    type: list
    elements: dict
    suboptions:
      source:
        description: The allowed source address or CIDR range (V(ip) rule sets).
        type: str
      description:
        description: The rule's description.
        type: str
      remote_cluster_id:
        description: The Elasticsearch cluster ID of an allowed remote cluster (V(remote_cluster) rule sets).
        type: str
      remote_cluster_org_id:
        description:
          - The organization ID (ECH) or environment ID (ECE) whose clusters are allowed (V(remote_cluster) rule sets).
        type: str
  associations:
    description:
      - IDs of deployments (not Elasticsearch cluster IDs) to associate the rule set with. Missing associations are added.
      - When not set, associations are not managed.
    type: list
    elements: str
  purge_associations:
    description:
      - Remove deployment associations that are not in O(associations). Requires O(associations).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the rule set; V(absent) removes its associations, then deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The C(remote_cluster) type is not enumerated in Elastic's API specification; it is the value Elastic's Terraform
    provider and the ECE UI's B(Remote cluster rule set) use. See C(docs/open-questions.md) in the collection.
  - A rule set filters only once it is associated with a deployment; without any associated rule set, a deployment
    accepts all traffic.
seealso:
  - module: eceops.remote_clusters.ece_environment_info
  - module: eceops.remote_clusters.ece_deployment_info
'''

EXAMPLES = r'''
- name: Allow the local ECE environment's clusters to reach "logs" on 9443
  eceops.remote_clusters.ece_traffic_filter:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ ece_api_key }}"
    name: rc-allow-search
    type: remote_cluster
    description: Remote clusters allowed to use logs
    rules:
      - remote_cluster_org_id: "{{ env.environment.environment_id }}"
        description: every deployment of this environment
      - remote_cluster_id: 3ac3b5a0c1f84c9b8f2e6d1a7b4c9e02
    associations:
      - 5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4

- name: IP rule set for the allocators of another environment, and nothing else associated
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.example.com:12443
      ece_api_key: "{{ ece_api_key }}"
  eceops.remote_clusters.ece_traffic_filter:
    name: other-env-allocators
    type: ip
    rules:
      - source: 192.168.44.0/24
        description: allocators of ECE B
      - source: 2001:db8::/48
    associations: [5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4]
    purge_associations: true

- name: Remove the rule set (its associations first)
  eceops.remote_clusters.ece_traffic_filter:
    name: other-env-allocators
    state: absent
'''

RETURN = r'''
id:
  description: The rule set's ID (null when it does not exist, or in check mode before its creation).
  returned: always
  type: str
  sample: 8d5b3c1e9a6f4b2d8e7c6a5b4d3c2e1f
created:
  description: Whether the rule set was (or in check mode would be) created.
  returned: success
  type: bool
  sample: false
ruleset:
  description: The rule set after the run (in check mode, as it would be); empty after O(state=absent).
  returned: success
  type: dict
  contains:
    id:
      description: The rule set's ID.
      type: str
    name:
      description: The name.
      type: str
    type:
      description: The type.
      type: str
    region:
      description: The region.
      type: str
    description:
      description: The description.
      type: str
    include_by_default:
      description: Whether new deployments get the rule set.
      type: bool
    rules:
      description: The rules, as the API returns them (with their server-side C(id)).
      type: list
      elements: dict
    associations:
      description: IDs of the associated deployments, sorted.
      type: list
      elements: str
  sample: {"id": "8d5b3c1e9a6f4b2d8e7c6a5b4d3c2e1f", "name": "rc-allow-search", "type": "remote_cluster", "region": "ece-region",
           "include_by_default": false, "rules": [{"id": "1c2d", "remote_cluster_org_id": "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b"}],
           "associations": ["5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4"]}
rules_changed:
  description: Whether the rule set itself (rules, description, type, region or C(include_by_default)) was (or would be) written.
  returned: success
  type: bool
  sample: true
associations_added:
  description: Deployment IDs that were (or would be) associated.
  returned: success
  type: list
  elements: str
  sample: [5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4]
associations_removed:
  description: Deployment IDs (or, with O(state=absent), C(<entity_type>/<id>)) whose association was (or would be) removed.
  returned: success
  type: list
  elements: str
  sample: []
'''

import ipaddress
import json
import re
from collections import Counter

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import is_system_deployment

RULESETS_PATH = "/deployments/traffic-filter/rulesets"
RULESET_PATH = "/deployments/traffic-filter/rulesets/{ruleset_id}"
ASSOCIATIONS_PATH = "/deployments/traffic-filter/rulesets/{ruleset_id}/associations"
ASSOCIATION_PATH = "/deployments/traffic-filter/rulesets/{ruleset_id}/associations/{association_type}/{associated_entity_id}"
DEPLOYMENT_PATH = "/deployments/{deployment_id}"
VALIDATED_TYPES = ("ip", "remote_cluster")
KNOWN_TYPES = VALIDATED_TYPES + ("vpce", "azure_private_endpoint", "gcp_private_service_connect_endpoint", "egress_firewall")
RULE_FIELDS = ("source", "description", "remote_cluster_id", "remote_cluster_org_id")
DNS_REASON = "IP filtering rule sets accept addresses and CIDR ranges, not DNS names"
_HOSTNAME_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$")


# ---------------------------------------------------------------------------------------------- validation
def _text(value):
    return value.strip() if isinstance(value, str) else value


def clean_rule(rule):
    """A rule with only its non-empty fields (strings stripped), without the server-side ``id``."""
    out = {}
    for key, value in (rule or {}).items():
        if key == "id":
            continue
        value = _text(value)
        if value in (None, "", [], {}):
            continue
        out[key] = value
    return out


def ip_problem(source):
    """Why ``source`` is not an IP address or CIDR range (None when it is one)."""
    try:
        ipaddress.ip_network(source, strict=False)
        return None
    except ValueError:
        pass
    if _HOSTNAME_RE.match(source):
        return "'%s' looks like a DNS name: %s" % (source, DNS_REASON)
    return "'%s' is not an IPv4 or IPv6 address or CIDR range (for example 192.168.1.10, 10.0.0.0/16 or 2001:db8::/48)" % source


def validate_rules(kind, rules):
    """Check the rules of a rule set type; returns the cleaned rules."""
    cleaned = []
    for index, rule in enumerate(rules):
        where = "rules[%d]" % index
        item = clean_rule(dict((key, rule.get(key)) for key in RULE_FIELDS))
        if kind == "ip":
            if "source" not in item:
                raise ModuleParameterError(where + ".source", "is required in an ip rule set",
                                           "Give an IPv4 or IPv6 address or a CIDR range, for example 10.0.0.0/16")
            problem = ip_problem(item["source"])
            if problem:
                raise ModuleParameterError(where + ".source", problem, "Give the address or CIDR range the traffic comes from")
            for key in ("remote_cluster_id", "remote_cluster_org_id"):
                if key in item:
                    raise ModuleParameterError(where + "." + key, "is only valid in a remote_cluster rule set",
                                               "Remove it, or use type=remote_cluster for rules that name remote clusters")
        elif kind == "remote_cluster":
            if "source" in item:
                raise ModuleParameterError(where + ".source", "is not valid in a remote_cluster rule set",
                                           "Name the remote cluster with remote_cluster_id and/or remote_cluster_org_id instead, "
                                           "or use type=ip for address rules")
            if "remote_cluster_id" not in item and "remote_cluster_org_id" not in item:
                raise ModuleParameterError(where, "a remote_cluster rule needs remote_cluster_id, remote_cluster_org_id or both",
                                           "Give the Elasticsearch cluster ID of the remote, and/or the environment ID (ECE) or "
                                           "organization ID (ECH) of its environment")
        cleaned.append(item)
    return cleaned


def validate(params):
    """Check the input before any request; returns the cleaned rules (or None when not managed)."""
    name = _text(params["name"])
    if not name:
        raise ModuleParameterError("name", "is empty", "Give the rule set's name")
    if params["state"] == "absent":
        return None
    kind = _text(params["type"])
    if not kind:
        raise ModuleParameterError("type", "is required with state=present", "Set type to ip or remote_cluster")
    if not _text(params["region"]):
        raise ModuleParameterError("region", "is empty", "Give the region, ece-region on ECE")
    for index, deployment_id in enumerate(params["associations"] or []):
        if not _text(deployment_id):
            raise ModuleParameterError("associations[%d]" % index, "is empty", "List deployment IDs")
    if params["purge_associations"] and params["associations"] is None:
        raise ModuleParameterError("purge_associations", "needs associations",
                                   "List the deployments to keep in associations (an empty list removes every association)")
    if params["rules"] is None:
        return None
    return validate_rules(kind, params["rules"])


# ---------------------------------------------------------------------------------------------- pure logic
def rule_key(rule):
    """A hashable, order-free key of a rule (server-side ``id`` ignored)."""
    return json.dumps(clean_rule(rule), sort_keys=True)


def same_rules(current, desired):
    """Whether two rule lists hold the same rules, in any order."""
    return Counter(rule_key(r) for r in current or []) == Counter(rule_key(r) for r in desired or [])


def deployment_associations(ruleset):
    """Sorted IDs of the deployments a rule set (read with include_associations) is associated with."""
    return sorted(a.get("id") for a in (ruleset or {}).get("associations") or []
                  if isinstance(a, dict) and a.get("entity_type") == "deployment" and a.get("id"))


def desired_body(params, current, rules):
    """The full ``TrafficFilterRulesetRequest`` to send."""
    current = current or {}
    body = {
        "name": _text(params["name"]),
        "type": _text(params["type"]),
        "region": _text(params["region"]),
        "include_by_default": bool(params["include_by_default"]),
        "rules": rules if rules is not None else [clean_rule(r) for r in current.get("rules") or []],
    }
    description = params["description"] if params["description"] is not None else current.get("description")
    if description is not None:
        body["description"] = description
    return body


def ruleset_changed(current, body):
    """Whether the existing rule set differs from the body to send."""
    for key in ("name", "type", "region"):
        if current.get(key) != body[key]:
            return True
    if bool(current.get("include_by_default")) != body["include_by_default"]:
        return True
    if (current.get("description") or "") != (body.get("description") or ""):
        return True
    return not same_rules(current.get("rules"), body["rules"])


def view(ruleset, associations, with_rule_ids=True):
    """The rule set as returned (``with_rule_ids``) or as diffed (rules cleaned and sorted)."""
    if not ruleset:
        return {}
    rules = ruleset.get("rules") or []
    if not with_rule_ids:
        rules = sorted((clean_rule(r) for r in rules), key=lambda r: json.dumps(r, sort_keys=True))
    out = dict((key, ruleset.get(key)) for key in ("id", "name", "type", "region", "description", "include_by_default")
               if key in ruleset)
    out["include_by_default"] = bool(ruleset.get("include_by_default"))
    out["rules"] = rules
    out["associations"] = sorted(associations)
    return out


# ---------------------------------------------------------------------------------------------- I/O
def find_ruleset(module, name):
    """The rule set named ``name`` (with associations), None, or a failure when the name is ambiguous."""
    body = module.ece.get(RULESETS_PATH, params={"include_associations": "true"}).body or {}
    matches = [r for r in body.get("rulesets") or [] if isinstance(r, dict) and r.get("name") == name]
    if len(matches) > 1:
        raise ModuleParameterError("name", "%d rule sets are named '%s' (IDs %s), so the name does not identify one"
                                   % (len(matches), name, ", ".join(sorted(str(r.get("id")) for r in matches))),
                                   "Rename or delete the duplicates in the ECE UI (Platform > Security) or with the API")
    return matches[0] if matches else None


def check_deployment(module, deployment_id, region, index):
    """Fail before any write when a deployment to associate does not exist or is in another region."""
    try:
        deployment = module.ece.get(api_path(DEPLOYMENT_PATH, deployment_id=deployment_id)).body or {}
    except EceApiError as exc:
        if exc.status == 404:
            raise ModuleParameterError("associations[%d]" % index, "no deployment with ID '%s' was found (%s)"
                                       % (deployment_id, exc.api_message),
                                       "List deployment IDs (not Elasticsearch cluster IDs), for example from "
                                       "eceops.remote_clusters.ece_deployment_info") from None
        raise
    regions = sorted(set(r.get("region") for r in (deployment.get("resources") or {}).get("elasticsearch") or []
                         if isinstance(r, dict) and r.get("region")))
    if regions and region not in regions:
        raise ModuleParameterError("associations[%d]" % index, "deployment '%s' is in region %s, but the rule set is in region '%s'"
                                   % (deployment_id, ", ".join("'%s'" % r for r in regions), region),
                                   "Set region to the deployment's region, or associate deployments of region '%s' only" % region)
    system, reason = is_system_deployment(deployment)
    if system:
        module.warn("associating traffic filter rule set with system-owned deployment '%s' (%s)" % (deployment_id, reason))


def remove(module, current):
    """state=absent: remove every association, then the rule set."""
    associations = [a for a in current.get("associations") or [] if isinstance(a, dict) and a.get("id")]
    removed = ["%s/%s" % (a.get("entity_type"), a.get("id")) for a in associations]
    module.result.update(id=current.get("id"), created=False, rules_changed=False, associations_added=[],
                         associations_removed=sorted(removed), ruleset={})
    module.set_changed(True)
    module.set_diff(view(current, deployment_associations(current), with_rule_ids=False), {})
    if module.check_mode:
        return
    ruleset_id = current["id"]
    for association in associations:
        module.ece.delete(api_path(ASSOCIATION_PATH, ruleset_id=ruleset_id, association_type=association.get("entity_type") or "deployment",
                                   associated_entity_id=association["id"]))
    module.ece.delete(api_path(RULESET_PATH, ruleset_id=ruleset_id))


def apply(module):
    """Validate, read, compare, write only what differs, read back."""
    params = module.params
    rules = validate(params)
    name = _text(params["name"])
    module.result.update(id=None, created=False, rules_changed=False, associations_added=[], associations_removed=[], ruleset={})
    current = find_ruleset(module, name)
    if params["state"] == "absent":
        if current:
            remove(module, current)
        return

    kind = _text(params["type"])
    if kind not in VALIDATED_TYPES:
        module.warn("type '%s' is %s; the module sends its rules as given without validating them"
                    % (kind, "a type the API knows" if kind in KNOWN_TYPES else "not a type this module knows (it may be refused)"))
    region = _text(params["region"])
    body = desired_body(params, current, rules)
    existing = deployment_associations(current)
    wanted = {}
    for index, deployment_id in enumerate(params["associations"] or []):
        wanted.setdefault(_text(deployment_id), index)
    to_add = [d for d in wanted if d not in existing] if params["associations"] is not None else []
    to_remove = [d for d in existing if d not in wanted] if params["purge_associations"] else []
    for deployment_id in to_add:
        check_deployment(module, deployment_id, region, wanted[deployment_id])

    created = current is None
    rules_changed = created or ruleset_changed(current, body)
    after_associations = sorted((set(existing) | set(to_add)) - set(to_remove))
    predicted = dict(body, id=(current or {}).get("id"))
    module.set_changed(rules_changed or bool(to_add) or bool(to_remove))
    module.set_diff(view(current, existing, with_rule_ids=False), view(predicted, after_associations, with_rule_ids=False))
    module.result.update(id=predicted["id"], created=created, rules_changed=rules_changed, associations_added=to_add,
                         associations_removed=to_remove, ruleset=view(predicted, after_associations))
    if module.check_mode or not module.result["changed"]:
        if current is not None and not module.result["changed"]:
            module.result["ruleset"] = view(current, existing)
        return

    ece = module.ece
    if created:
        ruleset_id = (ece.post(RULESETS_PATH, json_body=body).body or {}).get("id")
        module.result["id"] = ruleset_id
    else:
        ruleset_id = current["id"]
        if rules_changed:
            ece.put(api_path(RULESET_PATH, ruleset_id=ruleset_id), json_body=body)
    for deployment_id in to_add:
        ece.post(api_path(ASSOCIATIONS_PATH, ruleset_id=ruleset_id), json_body={"entity_type": "deployment", "id": deployment_id})
    for deployment_id in to_remove:
        ece.delete(api_path(ASSOCIATION_PATH, ruleset_id=ruleset_id, association_type="deployment", associated_entity_id=deployment_id))
    after = ece.get(api_path(RULESET_PATH, ruleset_id=ruleset_id), params={"include_associations": "true"}).body or {}
    module.result["ruleset"] = view(after, deployment_associations(after))


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            type=dict(type="str"),
            region=dict(type="str", default="ece-region"),
            description=dict(type="str"),
            include_by_default=dict(type="bool", default=False),
            rules=dict(type="list", elements="dict", options=dict(
                source=dict(type="str"),
                description=dict(type="str"),
                remote_cluster_id=dict(type="str"),
                remote_cluster_org_id=dict(type="str"),
            )),
            associations=dict(type="list", elements="str"),
            purge_associations=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        connections=("ece",),
        supports_check_mode=True,
    )
    module.run(apply)


if __name__ == "__main__":
    main()
