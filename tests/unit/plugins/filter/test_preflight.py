# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the preflight filters (plugins/filter/preflight.py) and their documentation."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.filter.preflight import FilterModule

FILTERS = FilterModule().filters()
FILTER_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "filter")
NAMES = ["findings_failure_message", "findings_table", "network_security_plan", "preflight_ccr_enable_candidates",
         "preflight_findings", "preflight_port_target", "privileges_roles",
         "side_connections", "side_facts_normalize", "side_problems"]

SIDE = {"type": "ece", "ece": {"url": "https://coordinator.lab:12443", "api_key": "k"}, "deployment_id": "d1"}
DEPLOYMENT = {"id": "d1", "name": "search", "system_owned": False,
              "elasticsearch": [{"ref_id": "main-elasticsearch", "cluster_id": "c1", "version": "9.1.3", "endpoint": "c1.lab",
                                 "ccr_enabled": True, "has_remote_cluster_client": True, "traffic_filter_rulesets": []}]}


def _facts(name, cluster_id, version="9.1.3"):
    deployment = dict(DEPLOYMENT, id="d-" + cluster_id,
                      elasticsearch=[dict(DEPLOYMENT["elasticsearch"][0], cluster_id=cluster_id, endpoint=cluster_id + ".lab")])
    return FILTERS["side_facts_normalize"](dict(SIDE, deployment_id="d-" + cluster_id), name, deployment=deployment,
                                           environment={"environment_id": "env1", "account_id": "env1", "proxy_root_ca": None},
                                           cluster={"version": version, "license_type": "enterprise", "license_status": "active",
                                                    "authenticated_with_api_key": False})


def test_filter_names():
    assert sorted(FILTERS) == NAMES


def test_findings_and_table_end_to_end():
    local, remote = _facts("local", "c1"), _facts("remote", "c2", version="7.17.28")
    findings = FILTERS["preflight_findings"](local, remote, security_model="certificate", alias="old", port_checks_enabled=False)
    failed = [f["check"] for f in findings if f["status"] == "fail"]
    assert failed == ["versions_ccs"]
    table = FILTERS["findings_table"](findings)
    assert "versions_ccs" in table and "FAIL" in table
    message = FILTERS["findings_failure_message"](findings)
    assert message.startswith("Preflight failed (1 check): versions_ccs")


def test_bad_model_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="preflight_findings: security_model must be api_key or certificate"):
        FILTERS["preflight_findings"]({}, {}, security_model="tls")


def test_facts_must_be_dicts():
    with pytest.raises(AnsibleFilterError, match="the local facts must be a dict"):
        FILTERS["preflight_findings"]("x", {})
    with pytest.raises(AnsibleFilterError, match="expected the list of findings"):
        FILTERS["findings_table"]("x")
    with pytest.raises(AnsibleFilterError, match="expected the list of findings"):
        FILTERS["findings_failure_message"]({"check": "x"})


def test_side_filters():
    assert FILTERS["side_problems"](SIDE, "local") == []
    assert "remote.type must be one of" in FILTERS["side_problems"]({"type": "x"}, "remote")[0]
    conns = FILTERS["side_connections"](SIDE)
    assert conns["es"]["es_deployment_id"] == "d1" and conns["ece"]["ece_api_key"] == "k"
    with pytest.raises(AnsibleFilterError, match="set ref_id in the side"):
        FILTERS["side_facts_normalize"](SIDE, "local", deployment=dict(DEPLOYMENT, elasticsearch=DEPLOYMENT["elasticsearch"] * 2))


def test_port_target_and_ccr_candidates():
    remote = _facts("remote", "c2")
    target = FILTERS["preflight_port_target"](remote, "api_key")
    assert target["address"] == "c2.lab:9443" and target["use_system_store"] is True
    old = dict(_facts("local", "c1"), ccr_enabled=False)
    findings = FILTERS["preflight_findings"](old, remote, enable_ccr=True, port_checks_enabled=False)
    assert FILTERS["preflight_ccr_enable_candidates"](findings, old, remote, enable_ccr=True) == ["local"]
    assert FILTERS["preflight_ccr_enable_candidates"](findings, old, remote) == []


def test_building_block_filters():
    local, remote = _facts("local", "c1"), _facts("remote", "c2")
    plan = FILTERS["network_security_plan"](local, dict(remote, traffic_filter_rulesets=["x"]), "rc")
    assert plan["action"] == "manage" and plan["type"] == "remote_cluster" and plan["name"] == "eceops-rc-c1"
    with pytest.raises(AnsibleFilterError, match="network_security_plan: network_security mode must be"):
        FILTERS["network_security_plan"](local, remote, "rc", mode="x")
    roles = FILTERS["privileges_roles"]({"name": "r"}, "rc")
    assert roles["local"]["remote_indices"][0]["clusters"] == ["rc"]
    with pytest.raises(AnsibleFilterError, match="privileges_roles: the role needs a name"):
        FILTERS["privileges_roles"]({}, "rc")


@pytest.mark.parametrize("name", NAMES)
def test_documentation(name):
    with open(os.path.join(FILTER_DIR, name + ".yml"), "r", encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    documentation = doc["DOCUMENTATION"]
    assert documentation["name"] == name
    assert str(documentation["version_added"]) == "0.1.0"
    for key in ("short_description", "description", "positional", "options", "author"):
        assert documentation[key], key
    assert "_input" in documentation["options"]
    for option in documentation["options"].values():
        assert option.get("description") and option.get("type"), option
    assert doc["RETURN"]["_value"]["type"]
