# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the self-managed and ECK sides of a connection: eck_elasticsearch, eck_object_changed, eck_names, eck_plan,
self_managed_nodes and trust_restrictions (documented in the YAML files next to this one; logic in
module_utils/_eck.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _eck


def _native(value):
    """Plain Python containers (Ansible may hand over its own mapping and sequence types)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return dict((str(k), _native(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_native(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _call(name, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except _eck.EckError as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))


def eck_elasticsearch(current, changes, state="present"):
    """The full Elasticsearch manifest with the changes applied or removed."""
    return _call("eck_elasticsearch", _eck.elasticsearch_manifest, _native(current), _native(changes), state)


def eck_object_changed(current, desired):
    """Whether applying desired would change current (None: the object does not exist)."""
    return _call("eck_object_changed", _eck.object_changed, _native(current) if current else None, _native(desired))


def eck_plan(objects, currents, apply_mode, directory):
    """What to do with each Kubernetes object (apply, delete, nothing)."""
    return _call("eck_plan", _eck.plan_objects, _native(objects), _native(currents or []), str(apply_mode), str(directory))


def eck_names(es_name, alias=None):
    """The names of the objects and paths the collection uses on an ECK cluster."""
    return _call("eck_names", _eck.names, str(es_name), None if alias is None else str(alias))


def self_managed_nodes(side):
    """The nodes of a self-managed side with their paths."""
    return _call("self_managed_nodes", _eck.self_managed_nodes, _native(side))


def trust_restrictions(text, alias, patterns, own_patterns, state="present"):
    """The collection's trust restrictions file with an alias's patterns added or removed."""
    return _call("trust_restrictions", _eck.trust_restrictions, str(text or ""), str(alias), _native(patterns or []),
                 _native(own_patterns or []), state)


class FilterModule(object):
    """Self-managed and ECK side filters."""

    def filters(self):
        return {
            "eck_elasticsearch": eck_elasticsearch,
            "eck_object_changed": eck_object_changed,
            "eck_names": eck_names,
            "eck_plan": eck_plan,
            "self_managed_nodes": self_managed_nodes,
            "trust_restrictions": trust_restrictions,
        }
