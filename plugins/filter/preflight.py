# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the preflight, side_facts, network_security, privileges and verify roles (documented in the YAML
files next to this one). The logic lives in ``module_utils/_preflight.py``."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _preflight as logic


def _dict(value, what, name):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s: %s must be a dict, got %s" % (name, what, type(value).__name__))
    return dict(value)


def _call(filter_name, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ValueError as exc:  # PreflightError included
        raise AnsibleFilterError("%s: %s" % (filter_name, exc))


def preflight_findings(local, remote, security_model="api_key", alias=None, access=None, enable_ccr=False,
                       ccr_enabled_sides=None, check_mode=False, port_checks=None, port_checks_enabled=True,
                       server_enabled_later=False):
    """Every preflight finding ``{check, status, detail, fix}`` for a connection from ``local`` to ``remote``."""
    name = "preflight_findings"
    return _call(name, logic.preflight_findings, _dict(local, "the local facts", name), _dict(remote, "the remote facts", name),
                 security_model=security_model, alias=alias, access=access, enable_ccr=bool(enable_ccr),
                 ccr_enabled_sides=ccr_enabled_sides, check_mode=bool(check_mode), port_checks=port_checks,
                 port_checks_enabled=bool(port_checks_enabled), server_enabled_later=bool(server_enabled_later))


def findings_table(findings, detail_width=70, fix_width=60):
    """One aligned text table of findings."""
    if not isinstance(findings, (list, tuple)):
        raise AnsibleFilterError("findings_table: expected the list of findings, got %s" % type(findings).__name__)
    return logic.findings_table(findings, detail_width=int(detail_width), fix_width=int(fix_width))


def findings_failure_message(findings):
    """A message naming every failed check and its fix ('' when none failed)."""
    if not isinstance(findings, (list, tuple)):
        raise AnsibleFilterError("findings_failure_message: expected the list of findings, got %s" % type(findings).__name__)
    return logic.failure_message(findings)


def preflight_ccr_enable_candidates(findings, local, remote, enable_ccr=False):
    """The sides on which ``_enable-ccr`` may run now (``local``/``remote``)."""
    return logic.ccr_enable_candidates(_dict(local, "the local facts", "preflight_ccr_enable_candidates"),
                                       _dict(remote, "the remote facts", "preflight_ccr_enable_candidates"),
                                       list(findings or []), bool(enable_ccr))


def preflight_port_target(remote, security_model="api_key", expected_ca=None, name=None):
    """The ``remote_port_check`` target of the remote's address for the model (None when no address is known)."""
    return _call("preflight_port_target", logic.port_check_target, _dict(remote, "the remote facts", "preflight_port_target"),
                 security_model, expected_ca=expected_ca, name=name)


def side_problems(side, name="side"):
    """What is wrong with a side descriptor (a list of sentences; empty when usable)."""
    return logic.side_problems(side, name)


def side_connections(side):
    """``{es, ece}``: the module options that reach the side's Elasticsearch and ECE API (None when absent)."""
    side = _dict(side, "the side", "side_connections")
    return {"es": logic.es_connection(side), "ece": logic.ece_connection(side)}


def side_facts_normalize(side, name, deployment=None, environment=None, cluster=None, certificate_authority=None,
                         ca_pems=None, rulesets=None, unreadable=None):
    """The normalised facts of one side (the side_facts contract)."""
    fname = "side_facts_normalize"
    return _call(fname, logic.normalize_side, _dict(side, "the side", fname), name,
                 deployment=_dict(deployment, "deployment", fname), environment=_dict(environment, "environment", fname),
                 cluster=_dict(cluster, "cluster", fname), certificate_authority=_dict(certificate_authority, "certificate_authority", fname),
                 ca_pems=ca_pems, rulesets=rulesets, unreadable=_dict(unreadable, "unreadable", fname))


def network_security_plan(local, remote, alias, mode="auto", security_model="api_key", existing=None):
    """What the network_security role does: ``{action, reason, name, type, rules, region, description}``."""
    fname = "network_security_plan"
    return _call(fname, logic.network_security_plan, _dict(local, "the local facts", fname), _dict(remote, "the remote facts", fname),
                 alias, mode=mode, security_model=security_model, existing=existing or None)


def privileges_roles(role, alias, security_model="api_key", local_version=None, remote_version=None):
    """The role definitions for the local and (certificate model) the remote."""
    return _call("privileges_roles", logic.privileges_roles, _dict(role, "the role", "privileges_roles"), alias,
                 security_model=security_model, local_version=local_version, remote_version=remote_version)


class FilterModule(object):
    """Preflight and building-block filters."""

    def filters(self):
        return {
            "preflight_findings": preflight_findings,
            "findings_table": findings_table,
            "findings_failure_message": findings_failure_message,
            "preflight_ccr_enable_candidates": preflight_ccr_enable_candidates,
            "preflight_port_target": preflight_port_target,
            "side_problems": side_problems,
            "side_connections": side_connections,
            "side_facts_normalize": side_facts_normalize,
            "network_security_plan": network_security_plan,
            "privileges_roles": privileges_roles,
        }
