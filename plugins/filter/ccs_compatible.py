# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ccs_compatible, ccr_compatible and ccs_compatibility (documented in the YAML files next to this one)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import (
    ccr_compatible as _ccr_compatible, ccs_compatible as _ccs_compatible, format_version, parse_version)


def _version(value, what):
    """``(version, minimum wire compatibility or None)`` from a version string or a ``GET /`` answer."""
    minwire = None
    if isinstance(value, Mapping):
        info = value.get("version") if isinstance(value.get("version"), Mapping) else value
        minwire = info.get("minimum_wire_compatibility_version")
        value = info.get("number")
    try:
        version = parse_version(value)
        if minwire is not None:
            minwire = parse_version(minwire)
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (what, exc))
    return version, minwire


def _ccs(local, remote, name):
    local_version = _version(local, "%s: the local version" % name)[0]
    remote_version = _version(remote, "%s: the remote version" % name)[0]
    ok, reason = _ccs_compatible(local_version, remote_version)
    return {"compatible": ok, "reason": reason, "local": format_version(local_version), "remote": format_version(remote_version)}


def ccs_compatible(local, remote):
    """Whether a search from ``local`` to ``remote`` is a supported cross-cluster search configuration."""
    return _ccs(local, remote, "ccs_compatible")["compatible"]


def ccs_compatibility(local, remote):
    """``{compatible, reason, local, remote}`` for a cross-cluster search from ``local`` to ``remote``."""
    return _ccs(local, remote, "ccs_compatibility")


def ccr_compatible(follower, leader):
    """Whether ``follower`` (local) can replicate indices from ``leader`` (remote)."""
    follower_version, minwire = _version(follower, "ccr_compatible: the follower version")
    leader_version = _version(leader, "ccr_compatible: the leader version")[0]
    return _ccr_compatible(follower_version, leader_version, follower_minwire=minwire)[0]


class FilterModule(object):
    """Elasticsearch version compatibility filters."""

    def filters(self):
        return {
            "ccs_compatible": ccs_compatible,
            "ccs_compatibility": ccs_compatibility,
            "ccr_compatible": ccr_compatible,
        }
