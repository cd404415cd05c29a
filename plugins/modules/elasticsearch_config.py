#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: elasticsearch_config
short_description: Set or remove settings in a self-managed node's elasticsearch.yml, keeping everything else
version_added: 0.1.0
description:
  - Edits C(elasticsearch.yml) on an Elasticsearch node - the settings a remote-cluster connection needs on a
    self-managed cluster (remote cluster server, C(xpack.security.remote_cluster_client.ssl.*), transport CAs and the
    trust restrictions file).
  - Settings are given as flat dotted keys. A setting already written in nested YAML form
    (C(xpack:) / C(security:) / ...), or partly nested, is updated where it is written; a new setting is appended in
    flat form. Comments, blank lines, ordering and every other setting stay as they are.
  - List values can be merged into an existing list (O(list_mode=merge)), which is how a CA is added to
    C(xpack.security.transport.ssl.certificate_authorities) without dropping the CAs already trusted.
  - Every edit is verified by reading the new text back - its settings must be exactly the old ones with the
    requested changes. A file the module cannot edit safely (a setting defined twice, a flow-style mapping, a
    setting that is also the parent of other settings, invalid YAML) fails with a message naming the line, and nothing
    is written. The file is replaced atomically, keeping its owner and mode.
  - Elasticsearch reads C(elasticsearch.yml) only when a node starts; RV(restart_required) tells the caller to
    restart the node (this module never restarts anything).
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_none
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff is the file's text before and after. C(elasticsearch.yml) should hold no secrets (they belong in the
        keystore); values of settings whose name ends with C(password), C(secret) or C(credentials) are masked in the diff.
options:
  path:
    description: The C(elasticsearch.yml) file (for example C(/etc/elasticsearch/elasticsearch.yml)).
    type: path
    required: true
  settings:
    description:
      - Flat setting names and their values. A list value is written as a YAML list.
      - With O(state=present), V(null) removes the setting.
      - With O(state=absent), V(null) removes the setting whatever its value; a list removes those items from the
        current list (and the setting when no item is left); any other value removes the setting only when its current
        value is equal.
      - Values are compared as Elasticsearch reads them (V(true) and V("true") are equal; a comma separated string
        equals the list of its parts).
    type: dict
    default: {}
  read:
    description:
      - More settings to read (flat names); their values after the change are returned in RV(read_values). Use it to check
        what a node's file holds before deciding (for example that the remote cluster server has a certificate).
    type: list
    elements: str
    default: []
  state:
    description: Whether the given settings should be present or absent.
    type: str
    choices: [present, absent]
    default: present
  list_mode:
    description:
      - For list values with O(state=present) - V(replace) writes exactly the given list; V(merge) keeps the current items
        and appends the missing ones.
    type: str
    choices: [merge, replace]
    default: replace
  create:
    description: Create the file when it does not exist (otherwise a missing file is an error).
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of the original file next to it when the file changes.
    type: bool
    default: false
notes:
  - Runs on the Elasticsearch node (delegate the task to each node of the cluster). Needs PyYAML on that node.
  - A restart applies the change; in a multi-node cluster restart one node at a time.
seealso:
  - module: eceops.remote_clusters.elasticsearch_keystore
'''

EXAMPLES = r'''
- name: Enable the remote cluster server (API-key model, remote side)
  eceops.remote_clusters.elasticsearch_config:
    path: /etc/elasticsearch/elasticsearch.yml
    settings:
      remote_cluster_server.enabled: true
      remote_cluster.host: 0.0.0.0
      xpack.security.remote_cluster_server.ssl.enabled: true
      xpack.security.remote_cluster_server.ssl.certificate: certs/remote-cluster.crt
      xpack.security.remote_cluster_server.ssl.key: certs/remote-cluster.key
  register: rcs

- name: Trust an ECE environment's CA on the transport layer, keeping the CAs already there
  eceops.remote_clusters.elasticsearch_config:
    path: /etc/elasticsearch/elasticsearch.yml
    list_mode: merge
    settings:
      xpack.security.transport.ssl.certificate_authorities: [certs/ece-environment-ca.crt]
      xpack.security.transport.ssl.trust_restrictions.path: trust-restrictions.yml
    backup: true
  register: transport_trust

- name: Restart the node when the file changed
  ansible.builtin.service:
    name: elasticsearch
    state: restarted
  when: transport_trust.restart_required

- name: Undo - remove the CA from the list (other CAs stay) and drop the trust restrictions path
  eceops.remote_clusters.elasticsearch_config:
    path: /etc/elasticsearch/elasticsearch.yml
    state: absent
    settings:
      xpack.security.transport.ssl.certificate_authorities: [certs/ece-environment-ca.crt]
      xpack.security.transport.ssl.trust_restrictions.path: trust-restrictions.yml
'''

RETURN = r'''
changed_keys:
  description: The settings whose value changed (or would change in check mode), sorted.
  returned: always
  type: list
  elements: str
  sample: [xpack.security.transport.ssl.certificate_authorities]
restart_required:
  description: Whether the file changed, so the node must restart to use it (Elasticsearch reads the file only at start).
  returned: always
  type: bool
  sample: true
settings:
  description: The values of the given settings in the file after the change (V(null) - not set).
  returned: always
  type: dict
  sample: {xpack.security.transport.ssl.certificate_authorities: [certs/ca.crt, certs/ece-environment-ca.crt]}
read_values:
  description: The values of the settings of O(read) after the change (V(null) - not set).
  returned: always
  type: dict
  sample: {xpack.security.remote_cluster_server.ssl.certificate: certs/remote-cluster.crt}
backup_file:
  description: The copy of the original file, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: /etc/elasticsearch/elasticsearch.yml.12345.2026-01-01@10:00:00~
'''

import os
import re
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _es_yml

SECRET_LINE = re.compile(r"^(\s*\S*(?:password|secret|credentials)\S*\s*:\s*)(\S.*)$", re.IGNORECASE)


def mask(text):
    """The text with the values of secret-looking settings masked (for the diff)."""
    return "\n".join(SECRET_LINE.sub(r"\1********", line) for line in text.split("\n"))


def read(module, path):
    """The file's text, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    if os.path.isdir(path):
        raise ModuleParameterError("path", "%s is a directory" % path, "Give the elasticsearch.yml file itself")
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except (IOError, OSError) as exc:
        raise ModuleParameterError("path", "cannot read %s: %s" % (path, to_native(exc)),
                                   "Run the task as a user that can read it (become)")
    except UnicodeError:
        raise ModuleParameterError("path", "%s is not UTF-8 text" % path, "elasticsearch.yml must be UTF-8")


def write(module, path, text):
    """Replace the file atomically (owner and mode kept by atomic_move)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(prefix=".eceops-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(to_bytes(text))
        module.atomic_move(tmp, path, unsafe_writes=False)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def configure(module):
    """Plan the edit, write it unless in check mode, report."""
    params = module.params
    path = params["path"]
    text = read(module, path)
    if text is None:
        if not params["create"]:
            raise ModuleParameterError("path", "%s does not exist" % path,
                                       "Give the node's elasticsearch.yml (config directory), or set create=true")
        text = ""
    try:
        new_text, changed = _es_yml.plan(text, params["settings"], state=params["state"], list_mode=params["list_mode"])
    except _es_yml.EsYmlError as exc:
        raise ModuleParameterError("settings", "%s: %s" % (path, exc))
    after = _es_yml.parse_settings(new_text)
    module.result["settings"] = dict((key, after.get(key)) for key in params["settings"])
    module.result["read_values"] = dict((key, after.get(key)) for key in params["read"])
    module.result["changed_keys"] = changed
    module.result["restart_required"] = bool(changed)
    if not changed:
        return
    module.set_changed()
    if module._diff:  # pylint: disable=protected-access
        module.result["diff"] = {"before": mask(text), "after": mask(new_text), "before_header": path, "after_header": path}
    if module.check_mode:
        return
    if params["backup"] and os.path.exists(path):
        module.result["backup_file"] = module.backup_local(path)
    write(module, path, new_text)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            settings=dict(type="dict", default={}),
            read=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            list_mode=dict(type="str", choices=["merge", "replace"], default="replace"),
            create=dict(type="bool", default=False),
            backup=dict(type="bool", default=False),
        ),
        connections=(),
        supports_check_mode=True,
    )
    if not _es_yml.HAS_YAML:
        module.fail_json(msg="PyYAML is required on the node to edit elasticsearch.yml (install python3-yaml)")
    module.run(configure)


if __name__ == "__main__":
    main()
