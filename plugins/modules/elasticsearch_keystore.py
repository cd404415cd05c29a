#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: elasticsearch_keystore
short_description: Manage secure settings in a self-managed Elasticsearch node's keystore
version_added: 0.1.0
description:
  - Adds, updates and removes string settings in the keystore of an Elasticsearch node with the node's own
    C(elasticsearch-keystore) tool - for remote clusters the cross-cluster API key,
    C(cluster.remote.<alias>.credentials).
  - Values go to the tool on standard input (C(add --stdin --force)), never on the command line, and are never
    returned, logged or shown in a diff. With O(update=when_different) the current value is read with C(show) and
    compared in memory.
  - Reports RV(changed_settings) so the caller reloads (C(POST _nodes/reload_secure_settings), reloadable settings such
    as the remote cluster credentials since 8.13) or restarts the node only when something changed.
  - Password-protected keystores are not supported (the module fails with a clear message).
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
      - The diff shows setting names only; a changed value is shown as C(<name> (value changed)).
options:
  command:
    description: The node's C(elasticsearch-keystore) tool.
    type: path
    default: /usr/share/elasticsearch/bin/elasticsearch-keystore
  es_path_conf:
    description:
      - The node's configuration directory, passed as E(ES_PATH_CONF) (packages use C(/etc/elasticsearch)). Unset - the
        tool's own default (E(ES_PATH_CONF) of the environment, else C(<ES_HOME>/config)).
    type: path
  settings:
    description: The settings to manage.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The setting name, for example C(cluster.remote.my_remote.credentials).
        type: str
        required: true
      value:
        description: The value (required with O(settings[].state=present)). One line of text.
        type: str
      state:
        description: Whether the setting should be in the keystore.
        type: str
        choices: [present, absent]
        default: present
  update:
    description:
      - When an existing setting is rewritten - V(when_different) (compare with the current value, read with C(show)),
        V(always) (write every time; always reports a change), V(on_create) (never touch an existing setting).
    type: str
    choices: [on_create, always, when_different]
    default: when_different
  list:
    description: Return the names in the keystore (after the change) as RV(names).
    type: bool
    default: false
  create:
    description: Create the keystore when it does not exist and a setting must be added.
    type: bool
    default: true
notes:
  - Runs on the Elasticsearch node; delegate the task to every node of the cluster (each node has its own keystore
    and they must agree). Run it as the user that owns the keystore (usually with C(become)).
  - A setting that is not reloadable needs a node restart to take effect.
seealso:
  - module: eceops.remote_clusters.elasticsearch_config
  - module: eceops.remote_clusters.es_secure_settings_reload
'''

EXAMPLES = r'''
- name: Store the cross-cluster API key on every node
  eceops.remote_clusters.elasticsearch_keystore:
    command: /usr/share/elasticsearch/bin/elasticsearch-keystore
    es_path_conf: /etc/elasticsearch
    settings:
      - name: cluster.remote.ece_logs.credentials
        value: "{{ cross_cluster_key.encoded }}"
  become: true
  delegate_to: "{{ item }}"
  loop: "{{ groups['elasticsearch'] }}"
  run_once: true
  register: keystore

- name: Reload the secure settings when a keystore changed
  eceops.remote_clusters.es_secure_settings_reload:
    es_url: https://es.example.com:9200
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
  when: keystore.results | map(attribute='changed_settings') | flatten | length > 0

- name: Remove the credentials of an alias
  eceops.remote_clusters.elasticsearch_keystore:
    settings:
      - name: cluster.remote.ece_logs.credentials
        state: absent
  become: true

- name: List the names in the keystore
  eceops.remote_clusters.elasticsearch_keystore:
    list: true
  register: keystore_names
'''

RETURN = r'''
changed_settings:
  description: Names of the settings added, updated or removed (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [cluster.remote.ece_logs.credentials]
added:
  description: Names added.
  returned: always
  type: list
  elements: str
updated:
  description: Names whose value was rewritten.
  returned: always
  type: list
  elements: str
removed:
  description: Names removed.
  returned: always
  type: list
  elements: str
keystore_created:
  description: Whether the keystore did not exist and was (or would be) created.
  returned: always
  type: bool
names:
  description: The names in the keystore after the change (C(keystore.seed) included), sorted.
  returned: when O(list=true)
  type: list
  elements: str
  sample: [cluster.remote.ece_logs.credentials, keystore.seed]
'''

import os
import re

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule

NAME_RE = re.compile(r"^[A-Za-z0-9_\-.]+$")
NOT_FOUND = re.compile(r"keystore not found|does not exist", re.IGNORECASE)


class Keystore(object):
    """The node's elasticsearch-keystore tool."""

    def __init__(self, module):
        self.module = module
        self.command = module.params["command"]
        self.environ = {}
        if module.params.get("es_path_conf"):
            self.environ["ES_PATH_CONF"] = module.params["es_path_conf"]

    def run(self, args, data=None, check_rc=True):
        """Run the tool; a failure names the subcommand and the tool's message (never a value)."""
        rc, out, err = self.module.run_command([self.command] + args, data=data, binary_data=False,
                                               environ_update=self.environ, check_rc=False)
        if check_rc and rc != 0:
            self.fail(args[0], rc, err or out)
        return rc, out, err

    def fail(self, subcommand, rc, text):
        """Fail with the tool's own error text."""
        message = "\n".join(line for line in (text or "").splitlines() if line.strip()) or "no output"
        self.module.fail_json(msg="elasticsearch-keystore %s failed (exit code %d): %s" % (subcommand, rc, message),
                              rc=rc, **self.module.result)

    def names(self):
        """The names in the keystore, or None when there is no keystore."""
        rc, out, err = self.run(["list"], check_rc=False)
        if rc != 0:
            if NOT_FOUND.search(err or out or ""):
                return None
            self.fail("list", rc, err or out)
        return sorted(line.strip() for line in out.splitlines() if line.strip())

    def password_protected(self):
        """Whether the keystore has a password (the tool answers with exit code 0 then)."""
        rc = self.run(["has-passwd"], check_rc=False)[0]
        return rc == 0

    def show(self, name):
        """The current value of a setting (kept in memory only)."""
        out = self.run(["show", name], check_rc=True)[1]
        if out.endswith("\r\n"):
            return out[:-2]
        if out.endswith("\n"):
            return out[:-1]
        return out

    def add(self, settings):
        """Write settings (names and values on standard input, one line per name)."""
        data = "\n".join(value for name, value in settings) + "\n"
        self.run(["add", "--stdin", "--force"] + [name for name, value in settings], data=data)

    def remove(self, names):
        """Remove settings."""
        self.run(["remove"] + list(names))


def validate(params):
    """Bad input fails before the tool runs."""
    seen = set()
    for index, item in enumerate(params["settings"]):
        where = "settings[%d]" % index
        name = item.get("name") or ""
        if not NAME_RE.match(name):
            raise ModuleParameterError(where + ".name", "%r is not a valid setting name" % name,
                                       "Use letters, digits, '_', '-' and '.' only (for example cluster.remote.<alias>.credentials)")
        if name in seen:
            raise ModuleParameterError(where + ".name", "%s is listed twice" % name, "List each setting once")
        seen.add(name)
        if name == "keystore.seed":
            raise ModuleParameterError(where + ".name", "keystore.seed is managed by Elasticsearch", "Leave it alone")
        if item["state"] == "present":
            value = item.get("value")
            if value is None:
                raise ModuleParameterError(where + ".value", "is required for %s with state=present" % name,
                                           "Give the value, or state=absent to remove the setting")
            if "\n" in value or "\r" in value:
                raise ModuleParameterError(where + ".value", "the value of %s has a line break" % name,
                                           "Only one-line values can be stored (files need elasticsearch-keystore add-file)")
    if not os.path.exists(params["command"]):
        raise ModuleParameterError("command", "%s does not exist on this host" % params["command"],
                                   "Give the path of the node's bin/elasticsearch-keystore (and run the task on the node)")


def manage(module):
    """Compare the keystore with the wanted settings, change only what differs."""
    params = module.params
    validate(params)
    tool = Keystore(module)
    names = tool.names()
    exists = names is not None
    current = set(names or [])
    if exists and tool.password_protected():
        raise ModuleParameterError("command", "the keystore is password-protected",
                                   "This module supports keystores without a password only")
    to_add, to_update, to_remove = [], [], []
    for item in params["settings"]:
        name = item["name"]
        if item["state"] == "absent":
            if name in current:
                to_remove.append(name)
            continue
        if name not in current:
            to_add.append((name, item["value"]))
        elif params["update"] == "always":
            to_update.append((name, item["value"]))
        elif params["update"] == "when_different" and tool.show(name) != item["value"]:
            to_update.append((name, item["value"]))
    created = bool(to_add) and not exists
    if created and not params["create"]:
        raise ModuleParameterError("create", "the keystore does not exist", "Create it (create=true) or run elasticsearch-keystore create")
    after = (current | set(name for name, value in to_add)) - set(to_remove)
    changed_names = [name for name, value in to_add] + [name for name, value in to_update] + to_remove
    module.result.update(changed_settings=sorted(changed_names), added=sorted(name for name, value in to_add),
                         updated=sorted(name for name, value in to_update), removed=sorted(to_remove), keystore_created=created)
    if changed_names:
        module.set_changed()
        if module._diff:  # pylint: disable=protected-access
            before = sorted(current)
            updated = dict(to_update)
            after_view = [("%s (value changed)" % name) if name in updated else name for name in sorted(after)]
            module.result["diff"] = {"before": "\n".join(before) + "\n", "after": "\n".join(after_view) + "\n",
                                     "before_header": "keystore names", "after_header": "keystore names"}
    if changed_names and not module.check_mode:
        writes = to_add + to_update
        if writes:
            tool.add(writes)
        if to_remove:
            tool.remove(to_remove)
    if params["list"]:
        if changed_names and not module.check_mode:
            module.result["names"] = tool.names() or []
        else:
            module.result["names"] = sorted(after | {"keystore.seed"}) if (exists or created) else []


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            command=dict(type="path", default="/usr/share/elasticsearch/bin/elasticsearch-keystore"),
            es_path_conf=dict(type="path"),
            settings=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                value=dict(type="str", no_log=True),
                state=dict(type="str", choices=["present", "absent"], default="present"),
            )),
            update=dict(type="str", choices=["on_create", "always", "when_different"], default="when_different"),
            list=dict(type="bool", default=False),
            create=dict(type="bool", default=True),
        ),
        connections=(),
        supports_check_mode=True,
    )
    module.run(manage)


if __name__ == "__main__":
    main()
