# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the remote_cluster pipeline and its trust, credentials and connect building blocks (documented in the
YAML files next to this one). The logic lives in ``module_utils/_pipeline.py``."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _pipeline as logic


def _dict(value, what, name):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s: %s must be a dict, got %s" % (name, what, type(value).__name__))
    return dict(value)


def _call(name, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except logic.PipelineError as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))


def trust_plan(target, peer, current, alias, relationship_id=None):
    """What ``target`` needs so that it trusts ``peer`` on the certificate model."""
    name = "trust_plan"
    return _call(name, logic.trust_plan, _dict(target, "the target facts", name), _dict(peer, "the peer facts", name),
                 _dict(current, "the current trust", name), alias, relationship_id=relationship_id)


def trust_kind(target, peer):
    """``accounts``, ``external`` or ``direct``: how ``target`` comes to trust ``peer`` on the certificate model."""
    name = "trust_kind"
    return _call(name, logic.trust_kind, _dict(target, "the target facts", name), _dict(peer, "the peer facts", name))[0]


def proxy_trust_plan(target, peer, current, alias, pems):
    """Whether ``target`` needs a direct ``proxy`` entry for the remote's 9443 CA."""
    name = "proxy_trust_plan"
    return _call(name, logic.proxy_trust_plan, _dict(target, "the target facts", name), _dict(peer, "the peer facts", name),
                 _dict(current, "the current trust", name), alias, pems)


def trust_removal(target, peer, current, record, alias):
    """What ``state: absent`` removes from ``target``'s trust for ``peer``."""
    name = "trust_removal"
    return _call(name, logic.trust_removal, _dict(target, "the target facts", name), _dict(peer, "the peer facts", name),
                 _dict(current, "the current trust", name), record, alias)


def ownership_record_merge(existing, addition):
    """The union of two ownership records."""
    return _call("ownership_record_merge", logic.record_merge, existing, addition)


def ownership_record_text(record):
    """The tag value of an ownership record ('' when empty)."""
    return _call("ownership_record_text", logic.record_text, record)


def ownership_tag_key(alias):
    """``eceops-rc-<alias>``."""
    return logic.tag_key(alias)


def trust_entry_name(alias, peer, proxy=False):
    """The name of the direct trust entry the collection owns for ``alias`` and ``peer``."""
    return logic.entry_name(alias, _dict(peer, "the peer facts", "trust_entry_name"), proxy=bool(proxy))


def trust_ca_needed(local, remote, mode="auto"):
    """Whether the local must be told to trust the remote's 9443 CA."""
    name = "trust_ca_needed"
    return _call(name, logic.trust_ca_needed, _dict(local, "the local facts", name), _dict(remote, "the remote facts", name), mode)


def remote_cluster_key_name(alias, local, explicit=None):
    """``explicit`` or ``<alias>-<local cluster id>``."""
    name = "remote_cluster_key_name"
    return _call(name, logic.key_name, alias, _dict(local, "the local facts", name), explicit)


def relationships_in_use(deployments, relationship_ids):
    """The relationship IDs still referenced by an ``external`` trust entry of ``deployments``."""
    return logic.relationships_in_use(deployments, relationship_ids)


def find_trust_relationship(relationships, environment_id):
    """The first non-local trust relationship naming ``environment_id`` in its ``account_ids``, or None."""
    return logic.find_relationship(relationships, environment_id)


def pem_fingerprints(pems):
    """SHA-256 fingerprints of the certificates in ``pems``."""
    return logic.pem_fingerprints(pems)


class FilterModule(object):
    """Pipeline filters."""

    def filters(self):
        return {
            "trust_plan": trust_plan,
            "trust_kind": trust_kind,
            "proxy_trust_plan": proxy_trust_plan,
            "trust_removal": trust_removal,
            "ownership_record_merge": ownership_record_merge,
            "ownership_record_text": ownership_record_text,
            "ownership_tag_key": ownership_tag_key,
            "trust_entry_name": trust_entry_name,
            "trust_ca_needed": trust_ca_needed,
            "remote_cluster_key_name": remote_cluster_key_name,
            "relationships_in_use": relationships_in_use,
            "find_trust_relationship": find_trust_relationship,
            "pem_fingerprints": pem_fingerprints,
        }
