# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ccs_compatible, ccr_compatible and ccs_compatibility filters."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.filter.ccs_compatible import FilterModule

FILTERS = FilterModule().filters()
FILTER_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "filter")


def _info(number, minwire=None):
    """The shape of GET / on Elasticsearch."""
    version = {"number": number, "build_flavor": "default"}
    if minwire:
        version["minimum_wire_compatibility_version"] = minwire
    return {"name": "instance-0000000000", "cluster_name": "cf659f7fe6164d9691b284ae36811be1", "version": version}


def test_filter_names():
    assert sorted(FILTERS) == ["ccr_compatible", "ccs_compatibility", "ccs_compatible"]


@pytest.mark.parametrize("local, remote, expected", [
    ("8.19.2", "9.2.0", True),
    ("9.2.0", "8.19.2", False),
    ("8.18.0", "9.0.0", True),
    ("8.18.0", "9.1.0", False),
    ("9.0.0", "8.18.0", True),
    ("9.0.0", "8.19.0", False),
    ("8.15.0-SNAPSHOT", "v8.14.1", True),
    ("8.15", "8.13", False),
])
def test_ccs_compatible(local, remote, expected):
    assert FILTERS["ccs_compatible"](local, remote) is expected


def test_ccs_compatibility_dict():
    result = FILTERS["ccs_compatibility"]("9.2", "8.19.4")
    assert result == {
        "compatible": False,
        "reason": result["reason"],
        "local": "9.2.0",
        "remote": "8.19.4",
    }
    assert result["reason"].startswith("local 9.2 cannot search remote 8.19: a 9.x cluster can only reach the previous minor")
    ok = FILTERS["ccs_compatibility"]("7.17.10", "8.4.0")
    assert ok["compatible"] is True and ok["reason"].startswith("local 7.17 can search remote 8.4")


def test_get_root_answers_are_accepted():
    assert FILTERS["ccs_compatible"](_info("8.19.0"), _info("9.1.0")) is True
    assert FILTERS["ccs_compatibility"](_info("9.1.0"), {"number": "8.19.0"})["compatible"] is False


@pytest.mark.parametrize("follower, leader, expected", [
    ("9.4.3", "9.4.3", True),
    ("9.4.1", "9.4.3", False),
    ("8.15.0", "7.17.9", True),
    ("7.17.29", "8.15.0", False),
    ("9.1.0", "8.18.3", False),
])
def test_ccr_compatible(follower, leader, expected):
    assert FILTERS["ccr_compatible"](follower, leader) is expected


def test_ccr_uses_the_followers_minimum_wire_version_from_get_root():
    assert FILTERS["ccr_compatible"](_info("8.15.0"), "7.17.9") is True
    assert FILTERS["ccr_compatible"](_info("8.15.0", minwire="8.0.0"), "7.17.9") is False
    assert FILTERS["ccr_compatible"](_info("10.0.0", minwire="9.3.0"), _info("9.3.1")) is True


@pytest.mark.parametrize("name, args, fragment", [
    ("ccs_compatible", ("banana", "8.15.0"), "the local version"),
    ("ccs_compatible", ("8.15.0", "8"), "the remote version"),
    ("ccs_compatibility", (None, "8.15.0"), "the local version"),
    ("ccr_compatible", ("9.1.0", "latest"), "the leader version"),
    ("ccr_compatible", (_info("9.1.0", minwire="nope"), "9.1.0"), "the follower version"),
    ("ccr_compatible", ({"version": {}}, "9.1.0"), "the follower version"),
])
def test_bad_versions_raise_filter_errors(name, args, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        FILTERS[name](*args)
    message = str(info.value)
    assert fragment in message and "is not an Elasticsearch version" in message and name in message


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_is_documented(name):
    with open(os.path.join(FILTER_DIR, name + ".yml"), "r", encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    documentation = doc["DOCUMENTATION"]
    assert documentation["name"] == name
    assert str(documentation["version_added"]) == "0.1.0"
    for key in ("short_description", "description", "positional", "options"):
        assert documentation[key], key
    assert "_input" in documentation["options"]
    assert all(p.strip() in documentation["options"] for p in documentation["positional"].split(","))
    assert "eceops.remote_clusters." + name in doc["EXAMPLES"]
    assert "_value" in doc["RETURN"]
