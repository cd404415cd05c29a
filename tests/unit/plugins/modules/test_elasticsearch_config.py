# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the elasticsearch_config module and its editor (module_utils/_es_yml.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat

import pytest
import yaml

from ansible_collections.eceops.remote_clusters.plugins.modules import elasticsearch_config
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _es_yml

LAB_STYLE = """cluster.name: sm
node.name: sm-node-1
network.host: 127.0.0.14
xpack.security.enabled: true
xpack.security.transport.ssl.enabled: true
xpack.security.transport.ssl.certificate_authorities:
- certs/ca.crt
"""

COMMENTED = """# ======================== Elasticsearch Configuration =========================
#
# cluster.name: my-application
cluster.name: production   # the name
#
# ---------------------------------- Security ----------------------------------
xpack:
  security:
    enabled: true
    # transport
    transport.ssl:
      enabled: true
      certificate_authorities: [ "certs/ca.crt" ]
    http.ssl.enabled: true

path.data: /var/lib/elasticsearch
"""

CA = "xpack.security.transport.ssl.certificate_authorities"


def flat(text):
    return _es_yml.flatten(yaml.safe_load(text) or {})


@pytest.fixture
def config(tmp_path):
    def make(text):
        path = tmp_path / "elasticsearch.yml"
        path.write_text(text)
        os.chmod(str(path), 0o640)
        return str(path)
    return make


def test_merge_appends_to_a_block_list_and_keeps_the_rest(run, config):
    path = config(LAB_STYLE)
    result = run(elasticsearch_config, {"path": path, "list_mode": "merge", "settings": {CA: ["eceops/ece-ca.crt"]}})
    assert result["changed"] and result["restart_required"] and result["changed_keys"] == [CA]
    text = open(path).read()
    assert text == LAB_STYLE + "- eceops/ece-ca.crt\n"
    assert result["settings"] == {CA: ["certs/ca.crt", "eceops/ece-ca.crt"]}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_second_run_is_unchanged_and_leaves_the_file_alone(run, config):
    path = config(LAB_STYLE)
    args = {"path": path, "list_mode": "merge", "settings": {CA: ["eceops/ece-ca.crt"], "remote_cluster_server.enabled": True}}
    assert run(elasticsearch_config, args)["changed"]
    mtime = os.stat(path).st_mtime_ns
    again = run(elasticsearch_config, args)
    assert not again["changed"] and again["changed_keys"] == [] and not again["restart_required"]
    assert os.stat(path).st_mtime_ns == mtime


def test_nested_setting_is_updated_where_it_is_written(run, config):
    path = config(COMMENTED)
    result = run(elasticsearch_config, {"path": path, "list_mode": "merge", "settings": {CA: ["certs/ece.crt"]}})
    assert result["changed"]
    text = open(path).read()
    assert flat(text)[CA] == ["certs/ca.crt", "certs/ece.crt"]
    assert "# ---------------------------------- Security ----------------------------------" in text
    assert "    # transport" in text and "cluster.name: production   # the name" in text
    assert "      certificate_authorities:\n" in text          # still inside the nested block
    assert text.count("certificate_authorities") == 1
    assert text.endswith("path.data: /var/lib/elasticsearch\n")


def test_new_setting_is_appended_flat(run, config):
    path = config(COMMENTED)
    run(elasticsearch_config, {"path": path, "settings": {"xpack.security.transport.ssl.trust_restrictions.path": "trust.yml"}})
    text = open(path).read()
    assert text == COMMENTED + "xpack.security.transport.ssl.trust_restrictions.path: trust.yml\n"


def test_equal_values_as_elasticsearch_reads_them_are_unchanged(run, config):
    path = config('enabled.flag: "true"\nlist.setting: a, b\nport: 9443\n')
    result = run(elasticsearch_config, {"path": path, "settings": {"enabled.flag": True, "list.setting": ["a", "b"], "port": "9443"}})
    assert not result["changed"]


def test_replace_mode_writes_exactly_the_list(run, config):
    path = config(LAB_STYLE)
    run(elasticsearch_config, {"path": path, "settings": {CA: ["certs/other.crt"]}})
    assert flat(open(path).read())[CA] == ["certs/other.crt"]


def test_absent_removes_only_the_listed_items(run, config):
    path = config(LAB_STYLE + "- eceops/ece-ca.crt\n")
    result = run(elasticsearch_config, {"path": path, "state": "absent", "settings": {CA: ["eceops/ece-ca.crt"]}})
    assert result["changed"] and open(path).read() == LAB_STYLE


def test_absent_removes_a_list_that_becomes_empty_and_a_matching_scalar(run, config):
    path = config("a.b: 1\n" + "x.path: trust.yml\nlist:\n  - only\n")
    result = run(elasticsearch_config, {"path": path, "state": "absent", "settings": {"list": ["only"], "x.path": "trust.yml"}})
    assert result["changed"] and open(path).read() == "a.b: 1\n"


def test_absent_leaves_a_different_scalar(run, config):
    path = config("x.path: foreign.yml\n")
    result = run(elasticsearch_config, {"path": path, "state": "absent", "settings": {"x.path": "trust.yml"}})
    assert not result["changed"] and open(path).read() == "x.path: foreign.yml\n"


def test_null_removes_and_an_empty_nested_parent_goes_too(run, config):
    path = config("keep: 1\nxpack:\n  security:\n    remote_cluster_client.ssl:\n      enabled: true\n")
    result = run(elasticsearch_config, {"path": path, "settings": {"xpack.security.remote_cluster_client.ssl.enabled": None}})
    assert result["changed"] and open(path).read() == "keep: 1\n"


@pytest.mark.parametrize("settings", [
    {CA: ["eceops/x.crt"]},
    {"remote_cluster_server.enabled": True},
    {"xpack.security.transport.ssl.enabled": None},
])
def test_check_mode_writes_nothing(run, config, settings):
    path = config(LAB_STYLE)
    result = run(elasticsearch_config, {"path": path, "list_mode": "merge", "settings": settings}, check=True)
    assert result["changed"] and result["restart_required"]
    assert open(path).read() == LAB_STYLE


def test_diff_shows_the_text_with_secrets_masked(run, config):
    path = config("some.password: hunter2\n")
    result = run(elasticsearch_config, {"path": path, "settings": {"a.b": "c"}}, check=True, diff=True)
    assert "hunter2" not in str(result["diff"])
    assert result["diff"]["after"].endswith("a.b: c\n")


def test_backup(run, config):
    path = config(LAB_STYLE)
    result = run(elasticsearch_config, {"path": path, "backup": True, "settings": {"a.b": "c"}})
    assert os.path.exists(result["backup_file"]) and open(result["backup_file"]).read() == LAB_STYLE


def test_values_that_need_quotes(run, config):
    path = config("")
    settings = {"a": "*.node.abc.cluster.def.account", "b": "0", "c": "yes", "d": "x: y", "e": "/etc/es/ca.crt"}
    run(elasticsearch_config, {"path": path, "settings": settings})
    loaded = yaml.safe_load(open(path).read())
    assert loaded == settings


@pytest.mark.parametrize("text, settings, message", [
    ("xpack.security.enabled: true\nxpack:\n  security:\n    enabled: true\n", {"a": "b"}, "defined twice"),
    ("xpack.security: {enabled: true}\n", {"xpack.security.enabled": False}, "flow-style mapping"),
    ("a.b.c: 1\n", {"a.b": "x"}, "cannot be a value and a parent"),
    ("a: [unclosed\n", {"a": "b"}, "not valid YAML"),
    ("- a\n- b\n", {"a": "b"}, "not a YAML mapping"),
])
def test_unsafe_files_fail_and_nothing_is_written(run, config, text, settings, message):
    path = config(text)
    result = run(elasticsearch_config, {"path": path, "settings": settings})
    assert result["failed"] and message in result["msg"] and result["parameter"] == "settings"
    assert open(path).read() == text


def test_mapping_value_is_refused(run, config):
    path = config(LAB_STYLE)
    result = run(elasticsearch_config, {"path": path, "settings": {"xpack": {"security": True}}})
    assert result["failed"] and "flat dotted keys" in result["msg"]


def test_missing_file(run, tmp_path):
    result = run(elasticsearch_config, {"path": str(tmp_path / "nope.yml"), "settings": {"a": "b"}})
    assert result["failed"] and result["parameter"] == "path" and "does not exist" in result["msg"]
    created = run(elasticsearch_config, {"path": str(tmp_path / "new.yml"), "create": True, "settings": {"a": "b"}})
    assert created["changed"] and open(str(tmp_path / "new.yml")).read() == "a: b\n"


def test_the_lab_file_round_trip(run, config):
    """Enable the remote cluster server on a file as the lab writes it, then remove it again."""
    path = config(LAB_STYLE)
    rcs = {"remote_cluster_server.enabled": True, "remote_cluster.host": "127.0.0.14",
           "xpack.security.remote_cluster_server.ssl.enabled": True,
           "xpack.security.remote_cluster_server.ssl.certificate": "certs/remote-cluster.crt",
           "xpack.security.remote_cluster_server.ssl.key": "certs/remote-cluster.key"}
    run(elasticsearch_config, {"path": path, "settings": rcs})
    loaded = flat(open(path).read())
    assert loaded["remote_cluster_server.enabled"] is True and loaded["remote_cluster.host"] == "127.0.0.14"
    run(elasticsearch_config, {"path": path, "state": "absent", "settings": dict((k, None) for k in rcs)})
    assert open(path).read() == LAB_STYLE


def test_read_returns_values_after_the_change_and_writes_nothing_alone(run, config):
    path = config(COMMENTED)
    result = run(elasticsearch_config, {"path": path, "read": ["xpack.security.transport.ssl.enabled", "missing.key"]})
    assert not result["changed"]
    assert result["read_values"] == {"xpack.security.transport.ssl.enabled": True, "missing.key": None}
    planned = run(elasticsearch_config, {"path": path, "settings": {"missing.key": "x"}, "read": ["missing.key"]}, check=True)
    assert planned["changed"] and planned["read_values"] == {"missing.key": "x"} and open(path).read() == COMMENTED
