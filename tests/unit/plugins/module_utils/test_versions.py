# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_versions.py (version parsing, CCS/CCR rules, feature gates)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import (
    FEATURES, api_key_model_supported, ccr_compatible, ccs_compatible, default_skip_unavailable, format_version,
    minimum_wire_compatibility, parse_version, supports)

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "ccs_compatibility_table.json")


def _load_table():
    with open(FIXTURE, "r", encoding="utf-8") as handle:
        return json.load(handle)


TABLE = _load_table()
CELLS = [(local, remote, row[i]) for local, row in TABLE["rows"].items() for i, remote in enumerate(TABLE["remote_versions"])]


# ------------------------------------------------------------------------------------------ parsing

@pytest.mark.parametrize("text, expected", [
    ("8.15.0", (8, 15, 0)),
    ("9.1", (9, 1, 0)),
    ("8.15.0-SNAPSHOT", (8, 15, 0)),
    ("v8.14.1", (8, 14, 1)),
    ("V9.0.2", (9, 0, 2)),
    (" 7.17.29 ", (7, 17, 29)),
    ("9.1.0-rc1", (9, 1, 0)),
    ("8.19.3+build.7", (8, 19, 3)),
    (b"8.15.2", (8, 15, 2)),
    ((8, 15), (8, 15, 0)),
    ([9, 1, 4], (9, 1, 4)),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


@pytest.mark.parametrize("garbage", ["", "8", "eight.one", "8.x", "8.15.0.1", "latest", "8..1", "-8.1", "8.1 beta", None, 8.15,
                                     [], [8, "1"], (True, 1), {"number": "8.1"}])
def test_parse_version_rejects_garbage(garbage):
    with pytest.raises(ValueError) as info:
        parse_version(garbage)
    assert "is not an Elasticsearch version" in str(info.value)


def test_format_version():
    assert format_version("9.1") == "9.1.0"
    assert format_version("v8.14.1-SNAPSHOT", 2) == "8.14"


# ------------------------------------------------------------------------------------------ CCS

def test_fixture_covers_the_whole_table():
    versions = ["7.17"] + ["8.%d" % m for m in range(20)] + ["9.%d" % m for m in range(4)]
    assert TABLE["remote_versions"] == versions
    assert list(TABLE["rows"]) == versions
    assert all(len(row) == len(versions) for row in TABLE["rows"].values())
    assert len(CELLS) == 25 * 25
    missing = [(local, remote) for local, remote, value in CELLS if value is None]
    assert missing == [("8.18", "9.3")]
    source = TABLE["_source"]
    assert source["repository"] == "elastic/docs-content"
    assert source["path"].endswith("ccs-compatibility-table.md")
    assert source["commit"].startswith("02a04462")


@pytest.mark.parametrize("local, remote, cell", CELLS, ids=["%s->%s" % (c[0], c[1]) for c in CELLS])
def test_ccs_matches_every_cell_of_the_docs_table(local, remote, cell):
    expected = bool(cell)  # the one missing cell (8.18 -> 9.3) counts as "no"
    ok, reason = ccs_compatible(local + ".0", remote + ".3")  # patch levels do not matter
    assert ok is expected, reason
    assert reason.startswith("local %s %s search remote %s: " % (local, "can" if expected else "cannot", remote))


@pytest.mark.parametrize("local, remote, expected", [
    ("7.17.0", "8.19.5", True),
    ("7.17.0", "9.0.0", False),
    ("8.0.1", "7.17.29", True),
    ("8.1.0", "7.17.29", False),
    ("8.5.0", "8.4.9", True),
    ("8.5.0", "8.3.0", False),
    ("8.18.2", "9.0.0", True),
    ("8.18.2", "9.1.0", False),
    ("8.18.2", "9.3.0", False),
    ("8.19.0", "9.7.0", True),
    ("9.0.0", "8.18.0", True),
    ("9.0.0", "8.19.0", False),
    ("9.0.0", "8.17.0", False),
    ("9.0.0", "7.17.0", False),
    ("9.2.0", "9.1.0", True),
    ("9.2.0", "9.0.0", False),
    ("9.2.0", "8.19.0", False),
    ("9.3.0", "10.0.0", False),  # no known last minor of 9.x yet
    ("10.0.0", "9.3.0", False),
    ("7.17.0", "9.3.0", False),
    ("6.8.0", "7.17.0", True),
    ("7.0.0", "6.8.0", True),
    ("7.1.0", "6.8.0", False),
])
def test_ccs_rule_outside_and_inside_the_table(local, remote, expected):
    assert ccs_compatible(local, remote)[0] is expected


def test_ccs_reason_is_a_useful_sentence():
    ok, reason = ccs_compatible("9.2.0", "8.19.1")
    assert not ok
    assert reason.startswith("local 9.2 cannot search remote 8.19: a 9.x cluster can only reach the previous minor, "
                             "the same or a newer minor of 9.x")
    assert "upgrade the remote" in reason
    ok, reason = ccs_compatible("8.18", "9.1")
    assert not ok and "8.19" in reason
    ok, reason = ccs_compatible("8.17", "9.0")
    assert not ok and "upgrade the local cluster to 8.19" in reason
    ok, reason = ccs_compatible("8.3", "8.1")
    assert not ok and "an 8.x cluster" in reason and "upgrade the remote to 8.2 or later" in reason
    ok, reason = ccs_compatible("8.5", "7.17")
    assert not ok and "only 8.0 can also reach 7.17" in reason and "upgrade the remote to 8.4 or later" in reason
    ok, reason = ccs_compatible("8.19", "9.2")
    assert ok and "any minor of 9.x" in reason
    assert "too far apart" in ccs_compatible("7.17", "9.1")[1]


def test_ccs_rejects_bad_versions():
    with pytest.raises(ValueError):
        ccs_compatible("8.15.0", "banana")


# ------------------------------------------------------------------------------------------ CCR

@pytest.mark.parametrize("version, expected", [
    ("7.0.0", (6, 8, 0)),
    ("7.17.29", (6, 8, 0)),
    ("8.0.0", (7, 17, 0)),
    ("8.19.2", (7, 17, 0)),
    ("9.0.0", (8, 18, 0)),
    ("9.0.7", (8, 18, 0)),
    ("9.1.0", (8, 19, 0)),
    ("9.3.1", (8, 19, 0)),
    ("6.8.0", (5, 6, 0)),
])
def test_minimum_wire_compatibility(version, expected):
    assert minimum_wire_compatibility(version) == expected


def test_minimum_wire_compatibility_unknown_for_next_major():
    with pytest.raises(ValueError) as info:
        minimum_wire_compatibility("10.0.0")
    assert "minimum_wire_compatibility_version" in str(info.value)


@pytest.mark.parametrize("follower, leader, expected", [
    ("9.4.3", "9.4.3", True),
    ("9.4.4", "9.4.3", True),
    ("9.4.1", "9.4.3", False),   # patch level counts
    ("9.5.0", "9.4.3", True),
    ("8.15.0", "7.17.10", True),  # 7.17 leader, 8.x follower
    ("8.0.0", "7.17.0", True),
    ("8.19.0", "7.16.3", False),  # below 8.x's minimum wire compatibility (7.17.0)
    ("7.17.29", "8.0.0", False),  # follower older than leader: the prose rule wins over the printed matrix
    ("7.17.29", "8.15.0", False),
    ("9.0.0", "8.18.2", True),
    ("9.0.0", "7.17.29", False),
    ("9.1.0", "8.18.9", False),   # 9.1 talks to 8.19 and later only
    ("9.1.0", "8.19.0", True),
    ("8.18.0", "9.0.0", False),
])
def test_ccr_rule(follower, leader, expected):
    ok, reason = ccr_compatible(follower, leader)
    assert ok is expected, reason


def test_ccr_reasons():
    ok, reason = ccr_compatible("9.4.1", "9.4.3")
    assert not ok and "upgrade the follower to 9.4.3 or later" in reason and "patch level" in reason
    ok, reason = ccr_compatible("9.1.0", "8.18.0")
    assert not ok and "8.19.0" in reason and "minimum wire compatibility" in reason
    ok, reason = ccr_compatible("8.15.0", "7.17.3")
    assert ok and reason.startswith("follower 8.15.0 can replicate from leader 7.17.3")


def test_ccr_explicit_minwire_overrides_the_derived_one():
    assert ccr_compatible("8.15.0", "7.17.3")[0] is True
    assert ccr_compatible("8.15.0", "7.17.3", follower_minwire="8.0.0")[0] is False
    assert ccr_compatible("10.0.0", "9.3.0", follower_minwire="9.3.0")[0] is True
    assert ccr_compatible("10.0.0", "9.2.0", follower_minwire="9.3.0")[0] is False


def test_ccr_unknown_minwire_only_checks_the_order():
    ok, reason = ccr_compatible("10.0.0", "9.3.0")
    assert ok and "not checked" in reason
    assert ccr_compatible("10.0.0", "10.0.1")[0] is False


def test_bidirectional_ccr_needs_identical_versions():
    assert ccr_compatible("9.1.2", "9.1.3")[0] != ccr_compatible("9.1.3", "9.1.2")[0]
    assert ccr_compatible("9.1.3", "9.1.3")[0] and ccr_compatible("9.1.3", "9.1.3")[0]


# ------------------------------------------------------------------------------------------ security model and gates

@pytest.mark.parametrize("local, remote, expected, culprit", [
    ("8.14.0", "8.14.0", True, None),
    ("9.1.0", "8.19.0", True, None),
    ("8.13.4", "8.15.0", False, "the local cluster runs 8.13.4"),
    ("8.15.0", "8.10.0", False, "the remote cluster runs 8.10.0"),
    ("7.17.0", "8.1.0", False, "the local cluster runs 7.17.0 and the remote cluster runs 8.1.0"),
])
def test_api_key_model_supported(local, remote, expected, culprit):
    ok, reason = api_key_model_supported(local, remote)
    assert ok is expected
    if culprit:
        assert culprit in reason and "8.14" in reason


GATES = [
    ("cross_cluster_api_key", "8.13.9", "8.14.0"),
    ("reload_remote_credentials", "8.12.2", "8.13.0"),
    ("ece_keystore_auto_reload", "8.13.4", "8.14.0"),
    ("remote_indices", "8.13.4", "8.14.0"),
    ("remote_cluster_privileges", "8.14.3", "8.15.0"),
    ("resolve_cluster", "8.12.2", "8.13.0"),
    ("resolve_cluster_without_index", "8.17.9", "8.18.0"),
    ("skip_unavailable_default_true", "8.14.3", "8.15.0"),
    ("certificate_model_deprecated", "8.19.9", "9.0.0"),
    ("strong_identity", "9.2.5", "9.3.0"),
]


def test_every_feature_has_a_gate_test():
    assert sorted(g[0] for g in GATES) == sorted(FEATURES)


@pytest.mark.parametrize("feature, before, since", GATES)
def test_feature_gate_boundaries(feature, before, since):
    assert supports(feature, before) is False
    assert supports(feature, since) is True
    assert supports(feature, since + "-SNAPSHOT") is True
    assert supports(feature, "10.0.0") is True


def test_unknown_feature():
    with pytest.raises(ValueError) as info:
        supports("teleportation", "9.0.0")
    assert "cross_cluster_api_key" in str(info.value)


@pytest.mark.parametrize("version, expected", [("8.14.3", False), ("8.15.0", True), ("7.17.0", False), ("9.1", True)])
def test_default_skip_unavailable(version, expected):
    assert default_skip_unavailable(version) is expected
