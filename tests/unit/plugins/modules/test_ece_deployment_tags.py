# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of ece_deployment_tags."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_deployment_tags as module

DEP = "5fbd3ce2a2e0438ea0a3b5e1f1b7c2d4"
PATH = "/api/v1/deployments/" + DEP
CONN = {"ece_url": "https://coordinator.example.com:12443", "ece_api_key": "secret-ece-key-123"}


def deployment(tags, version="7"):
    """A GET answer with the given tags and resource version."""
    return (200, {"id": DEP, "name": "logs", "metadata": {"tags": tags}}, {"x-cloud-resource-version": version})


def args(**extra):
    out = dict(CONN, deployment_id=DEP)
    out.update(extra)
    return out


def put_body(fake_http):
    puts = [r for r in fake_http.requests if r["method"] == "PUT"]
    assert len(puts) == 1
    return json.loads(puts[0]["body"])


def test_read_only_without_options(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "team", "value": "search"}]))
    result = run(module, args())
    assert result["changed"] is False
    assert result["tags"] == {"team": "search"}
    assert fake_http.writes == []


def test_add_key_sends_only_metadata_with_version(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "team", "value": "search"}]),
                  deployment([{"key": "team", "value": "search"}, {"key": "owner", "value": "ops"}], "8"))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    result = run(module, args(tags={"owner": "ops"}), diff=True)
    assert result["changed"] is True
    assert put_body(fake_http) == {"prune_orphans": False,
                                   "metadata": {"tags": [{"key": "team", "value": "search"}, {"key": "owner", "value": "ops"}]}}
    put = [r for r in fake_http.requests if r["method"] == "PUT"][0]
    assert put["url"].endswith("?version=7")
    assert result["added"] == ["owner"]
    assert result["diff"] == {"before": {"tags": {"team": "search"}}, "after": {"tags": {"team": "search", "owner": "ops"}}}


def test_equal_values_no_write(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "team", "value": "search"}, {"key": "flag", "value": "true"}]))
    result = run(module, args(tags={"team": "search", "flag": True}))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_json_record_compares_as_json(fake_http, run):
    stored = json.dumps({"b": [1], "a": {"x": ["y"]}})  # not compact, other order
    fake_http.add("GET", PATH, deployment([{"key": "eceops-rc-x", "value": stored}]))
    result = run(module, args(tags={"eceops-rc-x": {"a": {"x": ["y"]}, "b": [1]}}))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_dict_value_stored_as_compact_sorted_json(fake_http, run):
    fake_http.add("GET", PATH, deployment([]))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    run(module, args(tags={"rec": {"b": 1, "a": [2]}}))
    assert put_body(fake_http)["metadata"]["tags"] == [{"key": "rec", "value": '{"a":[2],"b":1}'}]


def test_update_value(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "team", "value": "old"}, {"key": "keep", "value": "1"}]))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    result = run(module, args(tags={"team": "new"}))
    assert put_body(fake_http)["metadata"]["tags"] == [{"key": "team", "value": "new"}, {"key": "keep", "value": "1"}]
    assert result["updated"] == ["team"]


def test_remove_keeps_others(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    result = run(module, args(remove=["a", "missing"]))
    assert put_body(fake_http)["metadata"]["tags"] == [{"key": "b", "value": "2"}]
    assert result["removed"] == ["a"]


def test_remove_missing_is_unchanged(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "b", "value": "2"}]))
    result = run(module, args(remove=["a"]))
    assert result["changed"] is False
    assert fake_http.writes == []


def test_purge(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    run(module, args(tags={"b": "2"}, purge=True))
    assert put_body(fake_http)["metadata"]["tags"] == [{"key": "b", "value": "2"}]


def test_duplicate_keys_collapsed(fake_http, run):
    fake_http.add("GET", PATH, deployment([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]))
    fake_http.add("PUT", PATH, (200, {"id": DEP}))
    result = run(module, args(tags={"a": "1"}))
    assert result["changed"] is True
    assert put_body(fake_http)["metadata"]["tags"] == [{"key": "a", "value": "1"}]


@pytest.mark.parametrize("extra", [{"tags": {"new": "x"}}, {"tags": {"a": "changed"}}, {"remove": ["a"]}, {"purge": True}])
def test_check_mode_never_writes(fake_http, run, extra):
    fake_http.add("GET", PATH, deployment([{"key": "a", "value": "1"}]))
    result = run(module, args(**extra), check=True, diff=True)
    assert result["changed"] is True
    assert fake_http.writes == []
    assert result["diff"]["before"] == {"tags": {"a": "1"}}


def test_version_conflict_retried(fake_http, run):
    conflict = (409, {"errors": [{"code": "deployments.deployment_version_conflict", "message": "modified"}]})
    fake_http.add("GET", PATH, deployment([]), deployment([{"key": "other", "value": "z"}], "8"),
                  deployment([{"key": "other", "value": "z"}, {"key": "a", "value": "1"}], "9"))
    fake_http.add("PUT", PATH, conflict, (200, {"id": DEP}))
    result = run(module, args(tags={"a": "1"}))
    assert result["changed"] is True
    puts = [r for r in fake_http.requests if r["method"] == "PUT"]
    assert len(puts) == 2
    assert puts[1]["url"].endswith("?version=8")
    assert json.loads(puts[1]["body"])["metadata"]["tags"] == [{"key": "other", "value": "z"}, {"key": "a", "value": "1"}]


def test_api_error_is_clean(fake_http, run):
    fake_http.add("GET", PATH, (404, {"errors": [{"code": "deployments.deployment_not_found",
                                                  "message": "No Deployment could be found with id [%s]" % DEP}]}))
    result = run(module, args(tags={"a": "1"}))
    assert result["failed"] is True
    assert "No Deployment could be found" in result["msg"]
    assert "secret-ece-key-123" not in json.dumps(result)
    assert fake_http.writes == []


@pytest.mark.parametrize("extra, parameter, text", [
    ({"tags": {"a": "1"}, "remove": ["a"]}, "remove", "also in tags"),
    ({"tags": {"a": None}}, "tags", "is empty"),
    ({"tags": {" ": "x"}}, "tags", "key is empty"),
    ({"remove": [""]}, "remove", "item is empty"),
    ({"deployment_id": " "}, "deployment_id", "is empty"),
])
def test_bad_input_fails_before_any_request(fake_http, run, extra, parameter, text):
    result = run(module, args(**extra))
    assert result["failed"] is True
    assert result.get("parameter") == parameter
    assert text in result["msg"]
    assert fake_http.requests == []
