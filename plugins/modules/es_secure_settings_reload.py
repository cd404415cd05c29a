#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_secure_settings_reload
short_description: Reload the secure settings (keystore) of Elasticsearch nodes and fail when a node could not
version_added: 0.1.0
description:
  - Calls C(POST _nodes/reload_secure_settings) (or C(POST _nodes/<node_id>/reload_secure_settings)) so that the nodes load
    their keystore again - for remote clusters, the C(cluster.remote.<alias>.credentials) of the API key security model
    (reloadable since Elasticsearch 8.13; the nodes then rebuild the connection to that remote).
  - Elasticsearch answers HTTP 200 even when nodes fail to reload. The module checks every node and fails, naming the nodes
    and the reasons, when any node reports a C(reload_exception) - with the fix for the known cases (the privilege needed from
    8.13 to 8.15, a wrong keystore password, a password sent to several nodes without transport TLS).
  - This is an action, not a state - it always reports C(changed=true) when it ran. Roles should call it only when a
    keystore actually changed (for example as a handler notified by the task that wrote the keystore).
  - ECE deployments on 8.14 or later reload keystore changes made through the ECE API by themselves; this module is for
    self-managed and ECK clusters, and for ECE when an explicit reload is wanted.
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
      - In check mode nothing is sent; the module reports C(changed=true) with a message.
  diff_mode:
    support: none
    details:
      - There is nothing to compare - the reload is an action.
options:
  node_id:
    description:
      - Reload only these nodes - node IDs, names or filters such as V(_local) or V(data:true), comma-separated. Default - all nodes.
    type: str
  secure_settings_password:
    description:
      - The keystore password, when the keystores are password protected.
      - Sending it to several nodes needs TLS on the transport layer; otherwise reload each node with O(node_id=_local)
        through that node.
    type: str
  timeout:
    description: How long Elasticsearch waits for the nodes, a time value such as V(30s).
    type: str
notes:
  - Needs the C(manage) cluster privilege. From Elasticsearch 8.13 until the fix of issue 111543 (8.15), reloading
    remote cluster credentials also needs C(manage_security); use a user with C(all), or C(manage) plus C(manage_security).
  - Before 8.13 remote cluster credentials are not reloadable - the nodes must be restarted.
seealso:
  - module: eceops.remote_clusters.es_remote_cluster
  - module: eceops.remote_clusters.es_remote_info
'''

EXAMPLES = r'''
- name: Store the cross-cluster key on every self-managed node (the keystore is a file on each node)
  ansible.builtin.command:
    cmd: /usr/share/elasticsearch/bin/elasticsearch-keystore add -f -x cluster.remote.logs.credentials
    stdin: "{{ encoded_key }}"
  no_log: true
  delegate_to: "{{ item }}"
  loop: "{{ groups['es_nodes'] }}"
  notify: Reload secure settings

# handlers:
- name: Reload secure settings
  eceops.remote_clusters.es_secure_settings_reload:
    es_url: https://es.example.com:9200
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"

- name: Reload with the connection set once
  module_defaults:
    group/eceops.remote_clusters.elasticsearch:
      es_url: https://es.example.com:9200
      es_api_key: "{{ vault_es_api_key }}"
  eceops.remote_clusters.es_secure_settings_reload:
    timeout: 60s
'''

RETURN = r'''
nodes:
  description: Per node ID, what the node reported.
  returned: when the reload ran (not in check mode)
  type: dict
  sample:
    P1ajc1fGQxyZ2v2yjQ4lmw: {name: node-1, reloaded: true}
  contains:
    name: {description: "The node name.", type: str}
    reloaded: {description: "Whether the node reloaded without an exception.", type: bool}
    reload_exception:
      description: The node's C(reload_exception) (C(type) and C(reason)), when it failed.
      type: dict
    secure_setting_names: {description: "The names in the node's keystore (Elasticsearch 9.3 and later).", type: list, elements: str}
    keystore_digest: {description: "The SHA-256 digest of the node's keystore (Elasticsearch 9.3 and later).", type: str}
summary:
  description: Elasticsearch's C(_nodes) header - C(total), C(successful), C(failed).
  returned: when the reload ran (not in check mode)
  type: dict
  sample: {total: 2, successful: 2, failed: 0}
failed_nodes:
  description: The names of the nodes that reported an exception.
  returned: when the reload ran (not in check mode)
  type: list
  elements: str
msg:
  description: What happened, in words.
  returned: always
  type: str
'''

import re

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import (
    ModuleParameterError, RemoteClustersModule)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError

TIME_RE = re.compile(r"^([0-9]+(nanos|micros|ms|s|m|h|d)|-1)$")


def advice(reason):
    """The fix for the known reload failures, or None."""
    text = (reason or "").lower()
    if "remote_cluster_credentials/reload" in text and "unauthorized" in text:
        return ("from Elasticsearch 8.13 until the fix of issue 111543 (8.15), reloading remote cluster credentials also "
                "requires the manage_security cluster privilege: run this task as a user with the all privilege, or manage "
                "plus manage_security")
    if "cannot be updated cluster wide when tls for the transport layer is not enabled" in text:
        return "enable transport TLS, or reload each node through itself with node_id=_local"
    if "password" in text and ("incorrect" in text or "wrong" in text):
        return "check secure_settings_password (the keystore password of the nodes)"
    if "keystore" in text and ("not found" in text or "does not exist" in text):
        return "create the keystore on the node (elasticsearch-keystore create) or write the settings again"
    return None


def node_results(body):
    """``(nodes, failures)``: the per-node view and the failures as ``(name, id, type, reason)``."""
    nodes = {}
    failures = []
    for node_id, node in sorted(((body or {}).get("nodes") or {}).items()):
        exception = node.get("reload_exception")
        entry = {"name": node.get("name"), "reloaded": not exception}
        if exception:
            entry["reload_exception"] = {"type": exception.get("type"), "reason": exception.get("reason")}
            failures.append((node.get("name") or node_id, node_id, exception.get("type"), exception.get("reason")))
        for key in ("secure_setting_names", "keystore_path", "keystore_digest", "keystore_last_modified_time"):
            if key in node:
                entry[key] = node[key]
        nodes[node_id] = entry
    for failure in ((body or {}).get("_nodes") or {}).get("failures") or []:
        cause = failure.get("caused_by") or failure
        failures.append((failure.get("node_id") or "?", failure.get("node_id") or "?", cause.get("type"), cause.get("reason")))
    return nodes, failures


def failure_message(failures, total):
    """The message naming every failed node, its reason and the known fixes."""
    parts = ["%s (%s): %s: %s" % (name, node_id, etype, reason) for name, node_id, etype, reason in failures]
    fixes = []
    for failure in failures:
        fix = advice("%s %s" % (failure[2], failure[3]))
        if fix and fix not in fixes:
            fixes.append(fix)
    text = "secure settings were not reloaded on %d of %d nodes: %s" % (len(failures), total, "; ".join(parts))
    if fixes:
        text += ". Fix: " + "; ".join(fixes)
    return text


def reload_settings(module):
    """Send the reload (unless check mode) and check every node."""
    params = module.params
    if params["timeout"] is not None and not TIME_RE.match(params["timeout"].strip()):
        raise ModuleParameterError("timeout", "must be a time value such as 30s or 2m, got %r" % params["timeout"])
    if params["node_id"] is not None and not params["node_id"].strip():
        raise ModuleParameterError("node_id", "must not be empty", "Leave it out to reload every node")
    module.set_changed()
    if module.check_mode:
        module.result["msg"] = "check mode: the secure settings of %s would be reloaded" % (
            "nodes [%s]" % params["node_id"] if params["node_id"] else "every node")
        return
    es = module.es
    if params["secure_settings_password"]:
        es.add_secret(params["secure_settings_password"])
    path = "/_nodes/reload_secure_settings"
    if params["node_id"]:
        path = "/_nodes/%s/reload_secure_settings" % quote(params["node_id"].strip(), safe=",:*_")
    query = {"timeout": params["timeout"].strip()} if params["timeout"] else None
    body = {"secure_settings_password": params["secure_settings_password"]} if params["secure_settings_password"] else None
    try:
        answer = es.post(path, params=query, json_body=body).body or {}
    except EsApiError as exc:
        fix = advice("%s %s" % (exc.error_type, exc.reason))
        if not fix:
            raise
        module.fail_api(exc, msg="the reload failed (fix: %s)" % fix)
    nodes, failures = node_results(answer)
    header = answer.get("_nodes") or {}
    total = header.get("total", len(nodes))
    module.result.update(nodes=nodes, summary=dict((k, header.get(k)) for k in ("total", "successful", "failed") if k in header),
                         failed_nodes=[failure[0] for failure in failures])
    if failures:
        module.fail_json(msg=failure_message(failures, total), **module.result)
    if not nodes:
        module.fail_json(msg="no node matched node_id [%s]; nothing was reloaded" % params["node_id"], **module.result)
    module.result["msg"] = "secure settings reloaded on %d node%s" % (len(nodes), "" if len(nodes) == 1 else "s")


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            node_id=dict(type="str"),
            secure_settings_password=dict(type="str", no_log=True),
            timeout=dict(type="str"),
        ),
        connections=("es", "ece"),
        supports_check_mode=True,
    )
    module.run(reload_settings)


if __name__ == "__main__":
    main()
