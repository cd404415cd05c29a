# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_trust.py (merge, validation, comparison and write body of ECE deployment trust)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import fingerprint
from ansible_collections.eceops.remote_clusters.plugins.module_utils._trust import (
    TrustError, merge_trust, normalize_trust, redact_trust_for_diff, trust_changed, trust_for_update, validate_trust)

ACCOUNT = "ec38dd0aa45f4a69909ca5c81c27138a"
RELATIONSHIP = "83a7b03f2a4343fe99f09bd27ca3d9ec"
CLUSTER_A = "cf659f7fe6164d9691b284ae36811be1"
CLUSTER_B = "0123456789abcdef0123456789abcdef"
CLUSTER_C = "fedcba9876543210fedcba9876543210"


def _reformat(pem):
    """The same certificate with CRLF, 76-character lines and indentation."""
    body = "".join(pem.strip().splitlines()[1:-1])
    lines = ["  " + body[i:i + 76] for i in range(0, len(body), 76)]
    return "\r\n".join(["  -----BEGIN CERTIFICATE-----"] + lines + ["  -----END CERTIFICATE-----", ""])


@pytest.fixture
def current(pki):
    """A trust object as GET /deployments/{id}?show_settings=true returns it (with read-only fields)."""
    return {
        "accounts": [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}],
        "external": [{"trust_relationship_id": RELATIONSHIP, "name": "Other ECE", "trust_all": False,
                      "trust_allowlist": [CLUSTER_A]}],
        "direct": [
            {"uid": "9f2c0a7e-0000-4000-8000-000000000001", "type": "generic", "name": "Test",
             "certificates": [{"pem": pki.root.pem,
                               "metadata": {"fingerprint": "ab:cd", "valid_from": "2026-05-02T12:00:00Z",
                                            "valid_to": "2027-06-01T12:00:00Z", "also_trusted_by": ["d1"]}}],
             "trust_all": False, "additional_node_names": ["node-1.example.com", "node-2.example.com"]},
            {"uid": "9f2c0a7e-0000-4000-8000-000000000002", "type": "ESS", "name": "My Organization",
             "scope_id": "803289842", "certificates": [{"pem": pki.other_root.pem}], "trust_all": False,
             "trust_allowlist": [CLUSTER_A, CLUSTER_B]},
        ],
    }


def _direct(trust, name):
    matches = [e for e in trust["direct"] if e.get("name") == name]
    assert len(matches) == 1, matches
    return matches[0]


# ------------------------------------------------------------------------------------------ merge: keep what is not named

def test_unnamed_entries_are_kept_untouched(pki, current):
    before = copy.deepcopy(current)
    desired = {"direct": [{"name": "corp", "type": "generic", "trust_all": False, "certificates": [{"pem": pki.intermediate.pem}],
                           "additional_node_names": ["es01.corp.example.com"]}]}
    merged = merge_trust(current, desired)
    assert current == before  # inputs are not modified
    assert merged["accounts"] == current["accounts"]
    assert merged["external"] == current["external"]
    assert merged["direct"][:2] == current["direct"]  # names, uids, metadata: verbatim
    assert merged["direct"][2] == {"name": "corp", "type": "generic", "trust_all": False,
                                   "certificates": [{"pem": pki.intermediate.pem}],
                                   "additional_node_names": ["es01.corp.example.com"]}
    assert trust_changed(current, merged)


def test_update_body_keeps_account_names_and_direct_entries_regression_842(pki, current):
    """terraform-provider-ec#842: an update blanked account names and wiped direct trust. Not here."""
    merged = merge_trust(current, {"external": [{"trust_relationship_id": RELATIONSHIP, "trust_all": True}]})
    body = trust_for_update(merged)
    assert set(body) == {"accounts", "external", "direct"}
    assert body["accounts"] == [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}]
    assert [e["uid"] for e in body["direct"]] == ["9f2c0a7e-0000-4000-8000-000000000001", "9f2c0a7e-0000-4000-8000-000000000002"]
    assert [e["name"] for e in body["direct"]] == ["Test", "My Organization"]
    assert body["direct"][0]["certificates"] == [{"pem": pki.root.pem}]
    assert body["direct"][0]["additional_node_names"] == ["node-1.example.com", "node-2.example.com"]
    assert body["external"] == [{"trust_relationship_id": RELATIONSHIP, "trust_all": True, "trust_allowlist": [CLUSTER_A]}]


def test_empty_desired_changes_nothing(current):
    for desired in ({}, None, {"accounts": [], "external": None}):
        merged = merge_trust(current, desired)
        assert merged == current
        assert not trust_changed(current, merged)


def test_merge_into_empty_current(pki):
    merged = merge_trust(None, {"accounts": [{"account_id": ACCOUNT, "trust_all": True}]})
    assert merged == {"accounts": [{"account_id": ACCOUNT, "trust_all": True}], "external": [], "direct": []}


# ------------------------------------------------------------------------------------------ merge: purge and absent

def test_purge_keeps_only_named_entries_of_the_given_kinds(pki, current):
    desired = {"direct": [{"name": "My Organization", "trust_all": True}]}
    merged = merge_trust(current, desired, purge=True)
    assert [e["name"] for e in merged["direct"]] == ["My Organization"]
    assert merged["direct"][0]["uid"] == "9f2c0a7e-0000-4000-8000-000000000002"
    assert merged["direct"][0]["trust_all"] is True
    # kinds the desired trust does not give are never purged
    assert merged["accounts"] == current["accounts"]
    assert merged["external"] == current["external"]


def test_purge_with_an_empty_list_empties_that_kind(current):
    merged = merge_trust(current, {"direct": [], "accounts": [{"account_id": ACCOUNT}]}, purge=True)
    assert merged["direct"] == []
    assert merged["accounts"] == current["accounts"]
    assert merged["external"] == current["external"]


def test_without_purge_an_empty_list_removes_nothing(current):
    assert merge_trust(current, {"direct": []}) == current


def test_absent_entries_are_removed(current):
    merged = merge_trust(current, {
        "direct": [{"name": "Test", "state": "absent"}],
        "external": [{"trust_relationship_id": RELATIONSHIP, "state": "absent"}],
        "accounts": [{"account_id": "not-there", "state": "absent"}],
    })
    assert [e["name"] for e in merged["direct"]] == ["My Organization"]
    assert merged["external"] == []
    assert merged["accounts"] == current["accounts"]


def test_absent_by_uid(current):
    merged = merge_trust(current, {"direct": [{"uid": "9f2c0a7e-0000-4000-8000-000000000002", "state": "absent"}]})
    assert [e["name"] for e in merged["direct"]] == ["Test"]
    # an unknown uid that should be absent is already absent
    assert merge_trust(current, {"direct": [{"uid": "gone", "state": "absent"}]}) == current


def test_absent_then_nothing_to_do(current):
    once = merge_trust(current, {"direct": [{"name": "Test", "state": "absent"}]})
    twice = merge_trust(once, {"direct": [{"name": "Test", "state": "absent"}]})
    assert not trust_changed(once, twice)


# ------------------------------------------------------------------------------------------ merge: field updates

def test_fields_not_given_keep_their_values(current):
    merged = merge_trust(current, {"accounts": [{"account_id": ACCOUNT, "trust_all": False, "name": None}]})
    assert merged["accounts"] == [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": False}]
    merged = merge_trust(current, {"direct": [{"name": "My Organization", "scope_id": "1053523734"}]})
    entry = _direct(merged, "My Organization")
    assert entry["scope_id"] == "1053523734"
    assert entry["type"] == "ESS" and entry["trust_allowlist"] == [CLUSTER_A, CLUSTER_B]
    assert entry["uid"] == "9f2c0a7e-0000-4000-8000-000000000002"


def test_same_values_mean_no_change(pki, current):
    desired = {"accounts": [{"account_id": ACCOUNT, "trust_all": True}],
               "direct": [{"name": "My Organization", "type": "ESS", "scope_id": "803289842", "trust_all": False,
                           "trust_allowlist": [CLUSTER_B, CLUSTER_A], "certificates": [pki.other_root.pem]}]}
    merged = merge_trust(current, desired)
    assert not trust_changed(current, merged)


def test_external_name_is_read_only(current):
    merged = merge_trust(current, {"external": [{"trust_relationship_id": RELATIONSHIP, "name": "renamed", "trust_all": False}]})
    assert merged["external"] == current["external"]
    assert not trust_changed(current, merged)
    new = merge_trust({}, {"external": [{"trust_relationship_id": RELATIONSHIP, "name": "x", "trust_all": True}]})
    assert new["external"] == [{"trust_relationship_id": RELATIONSHIP, "trust_all": True}]


def test_update_by_uid_renames_in_place(current):
    merged = merge_trust(current, {"direct": [{"uid": "9f2c0a7e-0000-4000-8000-000000000001", "name": "Renamed"}]})
    assert merged["direct"][0]["name"] == "Renamed"
    assert merged["direct"][0]["uid"] == "9f2c0a7e-0000-4000-8000-000000000001"
    assert merged["direct"][0]["additional_node_names"] == ["node-1.example.com", "node-2.example.com"]
    assert len(merged["direct"]) == 2
    assert trust_for_update(merged)["direct"][0]["uid"] == "9f2c0a7e-0000-4000-8000-000000000001"


def test_update_by_name_keeps_the_uid(current):
    merged = merge_trust(current, {"direct": [{"name": "Test", "trust_all": False, "additional_node_names": ["n3.example.com"]}]})
    entry = _direct(merged, "Test")
    assert entry["uid"] == "9f2c0a7e-0000-4000-8000-000000000001"
    assert entry["additional_node_names"] == ["n3.example.com"]


def test_unknown_uid_is_an_error(current):
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"uid": "no-such-uid", "name": "Test", "trust_all": False}]})
    assert "no-such-uid" in str(info.value) and "leave uid out" in str(info.value)


# ------------------------------------------------------------------------------------------ merge: allowlist modes

@pytest.mark.parametrize("mode, desired, expected", [
    ("replace", [CLUSTER_C, CLUSTER_B], [CLUSTER_C, CLUSTER_B]),
    ("replace", [], []),
    ("add", [CLUSTER_C, CLUSTER_A], [CLUSTER_A, CLUSTER_B, CLUSTER_C]),
    ("add", [CLUSTER_B], [CLUSTER_A, CLUSTER_B]),
    ("remove", [CLUSTER_A, CLUSTER_C], [CLUSTER_B]),
    ("remove", [CLUSTER_C], [CLUSTER_A, CLUSTER_B]),
])
def test_allowlist_modes(current, mode, desired, expected):
    merged = merge_trust(current, {"direct": [{"name": "My Organization", "trust_allowlist": desired}]}, allowlist_mode=mode)
    assert _direct(merged, "My Organization")["trust_allowlist"] == expected
    assert trust_changed(current, merged) is (sorted(expected) != sorted([CLUSTER_A, CLUSTER_B]))


def test_allowlist_mode_on_accounts_and_external(current):
    merged = merge_trust(current, {"external": [{"trust_relationship_id": RELATIONSHIP, "trust_allowlist": [CLUSTER_B]}],
                                   "accounts": [{"account_id": ACCOUNT, "trust_allowlist": [CLUSTER_C]}]},
                         allowlist_mode="add")
    assert merged["external"][0]["trust_allowlist"] == [CLUSTER_A, CLUSTER_B]
    assert merged["accounts"][0]["trust_allowlist"] == [CLUSTER_C]


def test_allowlist_none_keeps_current(current):
    merged = merge_trust(current, {"direct": [{"name": "My Organization", "trust_allowlist": None}]}, allowlist_mode="replace")
    assert _direct(merged, "My Organization")["trust_allowlist"] == [CLUSTER_A, CLUSTER_B]


def test_bad_allowlist_mode(current):
    with pytest.raises(TrustError) as info:
        merge_trust(current, {}, allowlist_mode="merge")
    assert "allowlist_mode" in str(info.value)


# ------------------------------------------------------------------------------------------ merge: certificates

def test_same_certificates_in_another_format_change_nothing(pki, current):
    merged = merge_trust(current, {"direct": [{"name": "Test", "certificates": [{"pem": _reformat(pki.root.pem)}]}]})
    assert _direct(merged, "Test")["certificates"] == current["direct"][0]["certificates"]  # metadata kept verbatim
    assert not trust_changed(current, merged)
    assert merged == current


def test_certificate_rotation_adds_a_certificate(pki, current):
    merged = merge_trust(current, {"direct": [{"name": "Test", "certificates": [pki.root.pem, _reformat(pki.intermediate.pem)]}]})
    certificates = _direct(merged, "Test")["certificates"]
    assert certificates == [{"pem": pki.root.pem}, {"pem": pki.intermediate.pem}]  # normalised PEM, no stale metadata
    assert trust_changed(current, merged)
    # and dropping the old one later is a change again
    rotated = merge_trust(merged, {"direct": [{"name": "Test", "certificates": [pki.intermediate.pem]}]})
    assert _direct(rotated, "Test")["certificates"] == [{"pem": pki.intermediate.pem}]
    assert trust_changed(merged, rotated)


def test_certificate_bundle_text_is_split(pki):
    merged = merge_trust({}, {"direct": [{"name": "bundle", "trust_all": False, "additional_node_names": ["a.example.com"],
                                          "certificates": pki.root.pem + "\n" + pki.intermediate.pem + pki.root.pem}]})
    assert merged["direct"][0]["certificates"] == [{"pem": pki.root.pem}, {"pem": pki.intermediate.pem}]


def test_bad_certificate_in_desired_is_a_trust_error(current):
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"name": "Test", "certificates": ["-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"]}]})
    assert "direct trust 'Test' (direct[0]): certificates: block 1 is not a valid certificate" in str(info.value)
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"name": "Test", "certificates": []}]})
    assert "certificates must not be empty" in str(info.value)


# ------------------------------------------------------------------------------------------ merge: keys and duplicates

def test_duplicate_direct_names_in_desired(pki):
    desired = {"direct": [{"name": "corp", "trust_all": False}, {"name": "corp", "trust_all": True}]}
    with pytest.raises(TrustError) as info:
        merge_trust({}, desired)
    assert "'corp'" in str(info.value) and "unique" in str(info.value)


def test_duplicate_direct_names_in_current(pki, current):
    current["direct"].append(dict(current["direct"][0], uid="9f2c0a7e-0000-4000-8000-000000000003"))
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"name": "Test", "trust_all": True}]})
    assert "'Test'" in str(info.value) and "uid" in str(info.value)
    # addressing one of them by uid works, and the other duplicate stays as it is
    merged = merge_trust(current, {"direct": [{"uid": "9f2c0a7e-0000-4000-8000-000000000003", "name": "Test 2"}]})
    assert [e["name"] for e in merged["direct"]] == ["Test", "My Organization", "Test 2"]
    # entries that are not named are not a problem
    assert merge_trust(current, {"accounts": [{"account_id": ACCOUNT, "trust_all": False}]})["direct"] == current["direct"]


def test_an_entry_named_twice_is_refused(current):
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"uid": "9f2c0a7e-0000-4000-8000-000000000001", "trust_all": True},
                                         {"name": "Test", "state": "absent"}]})
    assert "already named by another desired entry" in str(info.value)


def test_rename_onto_an_existing_name_is_refused(current):
    with pytest.raises(TrustError) as info:
        merge_trust(current, {"direct": [{"uid": "9f2c0a7e-0000-4000-8000-000000000001", "name": "My Organization"}]})
    assert "'My Organization'" in str(info.value)


@pytest.mark.parametrize("desired, message", [
    ({"accounts": [{"trust_all": True}]}, "account_id is required"),
    ({"external": [{"trust_all": True}]}, "trust_relationship_id is required"),
    ({"direct": [{"trust_all": True}]}, "give the name (or the uid)"),
    ({"accounts": [{"account_id": ACCOUNT}, {"account_id": ACCOUNT}]}, "given twice"),
    ({"direct": [{"name": "x", "state": "gone"}]}, "state must be present or absent"),
    ({"direc": []}, "unknown key(s) direc"),
    ({"direct": {"name": "x"}}, "must be a list of dicts"),
])
def test_bad_desired_trust(current, desired, message):
    with pytest.raises(TrustError) as info:
        merge_trust(current, desired)
    assert message in str(info.value)


# ------------------------------------------------------------------------------------------ validation

def _valid_trust(pki):
    return {
        "accounts": [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}],
        "external": [{"trust_relationship_id": RELATIONSHIP, "trust_all": False, "trust_allowlist": [CLUSTER_A]}],
        "direct": [
            {"name": "ESS org", "type": "ESS", "scope_id": "803289842", "trust_all": False, "trust_allowlist": [CLUSTER_A],
             "certificates": [{"pem": pki.root.pem}]},
            {"name": "self-managed", "trust_all": False, "additional_node_names": ["es01.example.com"],
             "certificates": [{"pem": pki.other_root.pem}]},
            {"name": "private proxy CA", "type": "proxy", "trust_all": False, "certificates": [{"pem": pki.intermediate.pem}]},
            {"name": "ECE env", "type": "ECE", "scope_id": "1053523734", "trust_all": True, "certificates": [{"pem": pki.root.pem}]},
        ],
    }


def test_valid_trust_has_no_errors(pki, current):
    assert validate_trust(_valid_trust(pki)) == []
    assert validate_trust(current) == []
    assert validate_trust({}) == []


def _errors_for(pki, kind, index, **changes):
    trust = _valid_trust(pki)
    entry = trust[kind][index]
    for field, value in changes.items():
        if value is KeyError:
            entry.pop(field, None)
        else:
            entry[field] = value
    return validate_trust(trust)


@pytest.mark.parametrize("kind, index, changes, expected", [
    ("accounts", 0, {"account_id": KeyError}, "account trust (accounts[0]): account_id is required"),
    ("accounts", 0, {"trust_all": KeyError}, "account trust '%s' (accounts[0]): trust_all is required" % ACCOUNT),
    ("accounts", 0, {"trust_all": "yes"}, "trust_all must be true or false, got 'yes'"),
    ("accounts", 0, {"trust_allowlist": "abc"}, "trust_allowlist must be a list"),
    ("external", 0, {"trust_relationship_id": KeyError}, "external trust (external[0]): trust_relationship_id is required"),
    ("external", 0, {"trust_all": KeyError}, "external trust '%s' (external[0]): trust_all is required" % RELATIONSHIP),
    ("direct", 0, {"name": KeyError}, "direct trust (direct[0]): name is required"),
    ("direct", 0, {"trust_all": KeyError}, "direct trust 'ESS org' (direct[0]): trust_all is required"),
    ("direct", 0, {"certificates": []}, "direct trust 'ESS org' (direct[0]): certificates is required"),
    ("direct", 0, {"certificates": [{"pem": "hello"}]}, "certificates[0].pem: not a PEM certificate"),
    ("direct", 0, {"certificates": [{"metadata": {}}]}, "certificates[0] has no pem"),
    ("direct", 0, {"type": "cloud"}, "type must be one of ECE, ESS, generic, proxy, got 'cloud'"),
    ("direct", 0, {"scope_id": "My-Org"}, "scope_id 'My-Org' is invalid; use lowercase letters and digits"),
    ("direct", 0, {"scope_id": "a" * 64}, "scope_id '%s' is invalid" % ("a" * 64)),
    ("direct", 0, {"scope_id": KeyError}, "direct trust 'ESS org' (direct[0]): scope_id is required when trust_allowlist is not empty"),
    ("direct", 3, {"scope_id": KeyError, "additional_node_names": ["n1"]},
     "direct trust 'ECE env' (direct[3]): scope_id is required when trust_all is true"),
    ("direct", 1, {"additional_node_names": KeyError},
     "direct trust 'self-managed' (direct[1]): additional_node_names is required when there is no scope_id"),
    ("direct", 1, {"additional_node_names": []}, "additional_node_names is required when there is no scope_id"),
    ("direct", 1, {"additional_node_names": ["*.example.com"]}, "additional_node_names must not contain wildcards (*.example.com)"),
    ("direct", 2, {"trust_all": True}, "direct trust 'private proxy CA' (direct[2]): type proxy requires trust_all false"),
    ("direct", 2, {"scope_id": "abc"}, "type proxy does not take scope_id"),
    ("direct", 2, {"trust_allowlist": [CLUSTER_A]}, "type proxy does not take trust_allowlist"),
    ("direct", 2, {"additional_node_names": ["n1"]}, "type proxy does not take additional_node_names"),
    ("direct", 1, {"name": "ESS org"}, "direct trust 'ESS org' (direct[1]): name 'ESS org' is used by direct[0] too"),
])
def test_validation_rules(pki, kind, index, changes, expected):
    errors = _errors_for(pki, kind, index, **changes)
    assert any(expected in e for e in errors), errors


def test_validation_scope_id_rules_that_pass(pki):
    assert _errors_for(pki, "direct", 1, scope_id="abc123") == []            # node names optional with a scope
    assert _errors_for(pki, "direct", 0, scope_id="a" * 32) == []
    assert _errors_for(pki, "direct", 0, scope_id="default.es.local") == []      # ECK scope, as Elastic's ECK guide has it
    assert _errors_for(pki, "direct", 0, scope_id="a" * 64) != []
    assert _errors_for(pki, "direct", 0, scope_id="bad..scope") != []
    assert _errors_for(pki, "direct", 0, scope_id=".es.local") != []
    assert _errors_for(pki, "direct", 3, trust_allowlist=[]) == []
    assert _errors_for(pki, "direct", 2, trust_allowlist=[], scope_id="") == []  # empty counts as omitted for proxy


def test_validation_certificate_bundle_in_one_entry(pki):
    errors = _errors_for(pki, "direct", 1, certificates=[{"pem": pki.root.pem + pki.intermediate.pem}])
    assert any("certificates[0].pem holds 2 certificates; give one certificate per entry" in e for e in errors), errors


def test_validation_duplicate_accounts(pki):
    trust = _valid_trust(pki)
    trust["accounts"].append({"account_id": ACCOUNT, "trust_all": False})
    assert any("account_id %r is used by accounts[0] too" % ACCOUNT in e for e in validate_trust(trust))


def test_validation_of_a_malformed_object():
    assert validate_trust({"direct": "x"}) == ["trust.direct must be a list of dicts"]


# ------------------------------------------------------------------------------------------ normalize / changed

def test_normalize_semantics(pki, current):
    same = copy.deepcopy(current)
    same["direct"].reverse()
    same["direct"][0]["trust_allowlist"] = [CLUSTER_B, CLUSTER_A, CLUSTER_B]
    same["direct"][1].pop("type")  # generic by default
    same["direct"][1]["certificates"] = [{"pem": _reformat(pki.root.pem)}]  # no metadata, other formatting
    same["external"][0]["name"] = "read-only, differs"
    same["direct"][1]["additional_node_names"] = ["node-2.example.com", "node-1.example.com"]
    assert normalize_trust(same) == normalize_trust(current)
    assert not trust_changed(current, same)


def test_missing_lists_equal_empty_lists():
    assert normalize_trust({}) == normalize_trust({"accounts": [], "external": [], "direct": []}) == normalize_trust(None)
    assert not trust_changed({"accounts": [{"account_id": ACCOUNT, "trust_all": True}]},
                             {"accounts": [{"account_id": ACCOUNT, "trust_all": True, "trust_allowlist": []}], "direct": []})


def test_empty_account_name_equals_missing():
    assert not trust_changed({"accounts": [{"account_id": ACCOUNT, "name": "", "trust_all": True}]},
                             {"accounts": [{"account_id": ACCOUNT, "trust_all": True}]})
    assert trust_changed({"accounts": [{"account_id": ACCOUNT, "name": "Default trust", "trust_all": True}]},
                         {"accounts": [{"account_id": ACCOUNT, "trust_all": True}]})


@pytest.mark.parametrize("path, value", [
    (("accounts", 0, "trust_all"), False),
    (("external", 0, "trust_allowlist"), [CLUSTER_B]),
    (("direct", 1, "scope_id"), "1053523734"),
    (("direct", 0, "additional_node_names"), ["node-1.example.com"]),
    (("direct", 1, "type"), "ECE"),
])
def test_trust_changed_detects_real_changes(current, path, value):
    changed = copy.deepcopy(current)
    changed[path[0]][path[1]][path[2]] = value
    assert trust_changed(current, changed)


def test_trust_changed_detects_a_certificate_change(pki, current):
    changed = copy.deepcopy(current)
    changed["direct"][0]["certificates"] = [{"pem": pki.intermediate.pem}]
    assert trust_changed(current, changed)
    assert normalize_trust(changed)["direct"][1]["certificates"] == [fingerprint(pki.intermediate.pem)]


# ------------------------------------------------------------------------------------------ write body and diff

def test_trust_for_update_shape(pki, current):
    body = trust_for_update(current)
    assert body["accounts"] == current["accounts"]
    assert body["external"] == [{"trust_relationship_id": RELATIONSHIP, "trust_all": False, "trust_allowlist": [CLUSTER_A]}]
    assert body["direct"][0] == {"uid": "9f2c0a7e-0000-4000-8000-000000000001", "type": "generic", "name": "Test",
                                 "certificates": [{"pem": pki.root.pem}], "trust_all": False,
                                 "additional_node_names": ["node-1.example.com", "node-2.example.com"]}
    assert "metadata" not in json.dumps(body)
    assert trust_for_update({}) == {"accounts": [], "external": [], "direct": []}
    assert trust_for_update({"direct": [{"name": "x", "state": "present", "scope_id": None, "trust_all": False,
                                         "certificates": [pki.root.pem]}]})["direct"] == \
        [{"name": "x", "trust_all": False, "certificates": [{"pem": pki.root.pem}]}]


def test_redact_trust_for_diff(pki, current):
    before = copy.deepcopy(current)
    redacted = redact_trust_for_diff(current)
    assert current == before
    assert "BEGIN CERTIFICATE" not in json.dumps(redacted)
    assert redacted["direct"][0]["certificates"] == [{"fingerprint": fingerprint(pki.root.pem), "subject": "CN=Test Root CA"}]
    assert redacted["direct"][0]["name"] == "Test" and redacted["direct"][0]["uid"] == current["direct"][0]["uid"]
    assert redacted["accounts"] == current["accounts"]
    assert redact_trust_for_diff({"direct": [{"name": "bad", "certificates": [{"pem": "garbage"}]}]})["direct"][0]["certificates"][0][
        "fingerprint"] is None
