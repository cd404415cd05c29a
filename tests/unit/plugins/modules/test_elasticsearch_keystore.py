# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the elasticsearch_keystore module, against the lab's stand-in elasticsearch-keystore (the real tool's
behaviour, messages and exit codes re-implemented in tests/lab/eceops_lab/keystore_cli.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import sys

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import elasticsearch_keystore

HERE = os.path.dirname(os.path.abspath(__file__))
LABCTL = os.path.abspath(os.path.join(HERE, "..", "..", "..", "lab", "labctl"))
SECRET = "c2VjcmV0LWtleS1pZDpzZWNyZXQta2V5LXZhbHVl"
OTHER = "b3RoZXIta2V5LWlkOm90aGVyLXNlY3JldA=="
NAME = "cluster.remote.ece_logs.credentials"


class Node(object):
    """A node home with the stand-in tool; records every call (arguments only) in calls.log."""

    def __init__(self, home):
        self.home = home
        os.makedirs(os.path.join(home, "config"))
        os.makedirs(os.path.join(home, "bin"))
        self.log = os.path.join(home, "calls.log")
        self.command = os.path.join(home, "bin", "elasticsearch-keystore")
        with open(self.command, "w") as handle:
            handle.write('#!/bin/sh\necho "$*" >> "%s"\nexec "%s" "%s" elasticsearch-keystore --node-home "%s" "$@"\n'
                         % (self.log, sys.executable, LABCTL, home))
        os.chmod(self.command, 0o755)

    @property
    def path(self):
        return os.path.join(self.home, "config", "elasticsearch.keystore")

    def entries(self):
        if not os.path.exists(self.path):
            return None
        with open(self.path) as handle:
            return dict((k, v["value"]) for k, v in json.load(handle)["entries"].items())

    def seed(self, entries):
        entries = dict(entries)
        entries.setdefault("keystore.seed", "lab-seed-value")   # Elasticsearch adds it on first use
        with open(self.path, "w") as handle:
            json.dump({"format": "eceops-lab-keystore/1", "entries": dict((k, {"value": v}) for k, v in entries.items())}, handle)
        os.chmod(self.path, 0o600)

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as handle:
            return [line.split()[0] for line in handle if line.strip()]

    def writes(self):
        return [call for call in self.calls() if call in ("add", "add-file", "remove", "create")]


@pytest.fixture
def node(tmp_path):
    return Node(str(tmp_path / "node"))


def args(node, settings=None, **kwargs):
    out = {"command": node.command, "settings": settings if settings is not None else [{"name": NAME, "value": SECRET}]}
    out.update(kwargs)
    return out


def test_add_creates_the_keystore_and_the_setting(run, node):
    result = run(elasticsearch_keystore, args(node))
    assert result["changed"] and result["changed_settings"] == [NAME] and result["added"] == [NAME]
    assert result["keystore_created"]
    assert node.entries()[NAME] == SECRET
    assert SECRET not in json.dumps(result)


def test_second_run_unchanged_with_no_write(run, node):
    run(elasticsearch_keystore, args(node))
    before = len(node.writes())
    result = run(elasticsearch_keystore, args(node))
    assert not result["changed"] and result["changed_settings"] == []
    assert len(node.writes()) == before


def test_different_value_is_updated(run, node):
    node.seed({NAME: OTHER, "foreign.setting": "keep"})
    result = run(elasticsearch_keystore, args(node))
    assert result["changed"] and result["updated"] == [NAME] and result["added"] == []
    assert node.entries() == {NAME: SECRET, "foreign.setting": "keep", "keystore.seed": "lab-seed-value"}
    assert SECRET not in json.dumps(result) and OTHER not in json.dumps(result)


def test_on_create_leaves_an_existing_value(run, node):
    node.seed({NAME: OTHER})
    result = run(elasticsearch_keystore, args(node, update="on_create"))
    assert not result["changed"] and node.entries()[NAME] == OTHER
    assert "show" not in node.calls()


def test_always_rewrites(run, node):
    node.seed({NAME: SECRET})
    result = run(elasticsearch_keystore, args(node, update="always"))
    assert result["changed"] and result["updated"] == [NAME]


def test_absent_removes_only_the_named_setting(run, node):
    node.seed({NAME: SECRET, "foreign.setting": "keep"})
    result = run(elasticsearch_keystore, args(node, [{"name": NAME, "state": "absent"}]))
    assert result["changed"] and result["removed"] == [NAME]
    assert NAME not in node.entries() and node.entries()["foreign.setting"] == "keep"
    again = run(elasticsearch_keystore, args(node, [{"name": NAME, "state": "absent"}]))
    assert not again["changed"]


def test_absent_without_keystore_is_unchanged(run, node):
    result = run(elasticsearch_keystore, args(node, [{"name": NAME, "state": "absent"}]))
    assert not result["changed"] and node.entries() is None


@pytest.mark.parametrize("seeded, settings", [
    (None, [{"name": NAME, "value": SECRET}]),                          # create
    ({NAME: OTHER}, [{"name": NAME, "value": SECRET}]),                 # update
    ({NAME: SECRET}, [{"name": NAME, "state": "absent"}]),              # remove
])
def test_check_mode_writes_nothing(run, node, seeded, settings):
    if seeded is not None:
        node.seed(seeded)
    before = node.entries()
    result = run(elasticsearch_keystore, args(node, settings), check=True)
    assert result["changed"] and result["changed_settings"] == [NAME]
    assert node.writes() == [] and node.entries() == before


def test_diff_shows_names_only(run, node):
    node.seed({NAME: OTHER, "foreign.setting": "keep"})
    result = run(elasticsearch_keystore, args(node), check=True, diff=True)
    assert "%s (value changed)" % NAME in result["diff"]["after"]
    assert SECRET not in json.dumps(result) and OTHER not in json.dumps(result)


def test_several_settings_in_one_call_and_list(run, node):
    settings = [{"name": NAME, "value": SECRET}, {"name": "cluster.remote.other.credentials", "value": OTHER}]
    result = run(elasticsearch_keystore, args(node, settings, list=True))
    assert result["added"] == ["cluster.remote.ece_logs.credentials", "cluster.remote.other.credentials"]
    assert result["names"] == ["cluster.remote.ece_logs.credentials", "cluster.remote.other.credentials", "keystore.seed"]
    assert node.entries()["cluster.remote.other.credentials"] == OTHER


def test_list_only(run, node):
    node.seed({"foreign.setting": "keep"})
    result = run(elasticsearch_keystore, {"command": node.command, "list": True})
    assert not result["changed"] and "foreign.setting" in result["names"]


@pytest.mark.parametrize("settings, parameter, message", [
    ([{"name": "bad name!", "value": "x"}], "settings[0].name", "not a valid setting name"),
    ([{"name": NAME}], "settings[0].value", "is required"),
    ([{"name": NAME, "value": "two\nlines"}], "settings[0].value", "line break"),
    ([{"name": NAME, "value": SECRET}, {"name": NAME, "value": OTHER}], "settings[1].name", "listed twice"),
])
def test_bad_input_fails_before_the_tool_runs(run, node, settings, parameter, message):
    result = run(elasticsearch_keystore, args(node, settings))
    assert result["failed"] and result["parameter"] == parameter and message in result["msg"]
    assert node.calls() == []
    assert "two\nlines" not in json.dumps(result)


def test_missing_tool(run, tmp_path):
    result = run(elasticsearch_keystore, {"command": str(tmp_path / "nope"), "settings": [{"name": NAME, "value": SECRET}]})
    assert result["failed"] and result["parameter"] == "command" and SECRET not in json.dumps(result)


def test_tool_error_is_reported_with_its_message(run, node):
    with open(node.path, "w") as handle:
        handle.write("not json")
    result = run(elasticsearch_keystore, args(node))
    assert result["failed"] and "elasticsearch-keystore list failed" in result["msg"] and SECRET not in json.dumps(result)


def test_no_create(run, node):
    result = run(elasticsearch_keystore, args(node, create=False))
    assert result["failed"] and result["parameter"] == "create" and node.writes() == []
