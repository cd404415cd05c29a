# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_keystore module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_keystore

URL = "https://ece.example.com:12443"
DEP = "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
DEP_PATH = "/api/v1/deployments/%s" % DEP
KEYSTORE = "/api/v1/deployments/%s/elasticsearch/_main/keystore" % DEP
RESTART = "/api/v1/deployments/%s/elasticsearch/_main/_restart" % DEP
RESOURCE = "/api/v1/deployments/%s/elasticsearch/main-elasticsearch" % DEP
SECRET = "Q0NTX2tleV9pZDpzM2NyM3RfdmFsdWVfMDE="
CREDS = "cluster.remote.logs.credentials"


def deployment(version="9.1.3", system_owned=False, name="search", attempt="attempt-0"):
    return {
        "id": DEP, "name": name, "metadata": {"system_owned": system_owned},
        "resources": {"elasticsearch": [{
            "ref_id": "main-elasticsearch", "id": "c1d2", "region": "ece-region",
            "info": {"cluster_id": "c1d2", "cluster_name": name, "metadata": {"endpoint": "c1d2.ece.example.com"},
                     "plan_info": {"healthy": True, "current": {"plan_attempt_id": attempt, "healthy": True,
                                                                "plan": {"elasticsearch": {"version": version}}}}},
        }]},
    }


def args(settings, **extra):
    out = {"ece_url": URL, "ece_api_key": "test-api-key-0001", "deployment_id": DEP, "settings": settings}
    out.update(extra)
    return out


def keystore(*names, **as_file):
    return {"secrets": dict((name, {"as_file": as_file.get(name.replace(".", "_"), False)}) for name in names)}


def body(record):
    return json.loads(record["body"])


def secret_free(result):
    return SECRET not in json.dumps(result)


@pytest.fixture
def ece(fake_http):
    fake_http.add("GET", DEP_PATH, (200, deployment()))
    fake_http.add("GET", KEYSTORE, (200, keystore("s3.client.default.access_key")))
    return fake_http


def test_adds_missing_setting_with_exact_body(ece, run):
    ece.add("PATCH", KEYSTORE, (200, keystore("s3.client.default.access_key", CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]), diff=True)
    assert result["changed"] is True
    assert [w["method"] for w in ece.writes] == ["PATCH"]
    assert body(ece.writes[0]) == {"secrets": {CREDS: {"value": SECRET}}}
    assert result["added"] == [CREDS] and result["updated"] == [] and result["removed"] == []
    assert result["settings"] == [{"name": CREDS, "as_file": False}, {"name": "s3.client.default.access_key", "as_file": False}]
    assert result["diff"] == {"before": {"settings": ["s3.client.default.access_key"]},
                              "after": {"settings": [CREDS, "s3.client.default.access_key"]}}
    assert result["reload"] == "automatic" and result["restart_required"] is False and result["restarted"] is False
    assert result["ref_id"] == "main-elasticsearch" and result["version"] == "9.1.3"
    assert secret_free(result)


def test_existing_setting_is_not_rewritten_on_create(ece, run):
    ece.add("GET", KEYSTORE, (200, keystore(CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]))
    assert result["changed"] is False
    assert ece.writes == []
    assert result["restart_required"] is False


def test_update_always_rewrites_and_reports_changed(ece, run):
    ece.add("GET", KEYSTORE, (200, keystore(CREDS)))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET, "as_file": False}], update="always"), diff=True)
    assert result["changed"] is True
    assert body(ece.writes[0]) == {"secrets": {CREDS: {"value": SECRET, "as_file": False}}}
    assert result["updated"] == [CREDS]
    assert result["diff"]["after"] == {"settings": [CREDS], "values_updated": [CREDS]}
    assert secret_free(result)


def test_as_file_difference_is_a_change_even_on_create(ece, run):
    ece.add("GET", KEYSTORE, (200, keystore(CREDS)))
    ece.add("PATCH", KEYSTORE, (200, {"secrets": {CREDS: {"as_file": True}}}))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET, "as_file": True}]))
    assert result["changed"] is True
    assert body(ece.writes[0]) == {"secrets": {CREDS: {"value": SECRET, "as_file": True}}}
    assert result["settings"] == [{"name": CREDS, "as_file": True}]


def test_dict_value_is_sent_as_object_and_kept_secret(ece, run):
    value = {"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----abcdef"}
    ece.add("PATCH", KEYSTORE, (200, {"secrets": {"gcs.client.default.credentials_file": {"as_file": True}}}))
    result = run(ece_keystore, args([{"name": "gcs.client.default.credentials_file", "value": value}]))
    assert body(ece.writes[0]) == {"secrets": {"gcs.client.default.credentials_file": {"value": value}}}
    assert "BEGIN PRIVATE KEY" not in json.dumps(result)


def test_absent_removes_only_that_setting(ece, run):
    ece.add("GET", KEYSTORE, (200, keystore(CREDS, "s3.client.default.access_key")))
    ece.add("PATCH", KEYSTORE, (200, keystore("s3.client.default.access_key")))
    result = run(ece_keystore, args([{"name": CREDS, "state": "absent"}]), diff=True)
    assert result["changed"] is True
    assert body(ece.writes[0]) == {"secrets": {CREDS: {}}}
    assert result["removed"] == [CREDS]
    assert result["diff"]["after"] == {"settings": ["s3.client.default.access_key"]}


def test_absent_missing_setting_sends_nothing(ece, run):
    result = run(ece_keystore, args([{"name": CREDS, "state": "absent"}]))
    assert result["changed"] is False
    assert ece.writes == []


def test_only_the_settings_that_need_it_are_sent(ece, run):
    ece.add("GET", KEYSTORE, (200, keystore(CREDS, "s3.client.default.access_key")))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS, "cluster.remote.other.credentials")))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET},
                                     {"name": "cluster.remote.other.credentials", "value": "other-secret-value"},
                                     {"name": "s3.client.default.access_key", "state": "absent"}]))
    assert body(ece.writes[0]) == {"secrets": {"cluster.remote.other.credentials": {"value": "other-secret-value"},
                                               "s3.client.default.access_key": {}}}
    assert result["added"] == ["cluster.remote.other.credentials"]
    assert result["removed"] == ["s3.client.default.access_key"]
    assert "other-secret-value" not in json.dumps(result)


@pytest.mark.parametrize("settings,update,current", [
    ([{"name": CREDS, "value": SECRET}], "on_create", []),
    ([{"name": CREDS, "value": SECRET}], "always", [CREDS]),
    ([{"name": CREDS, "state": "absent"}], "on_create", [CREDS]),
], ids=["create", "update", "delete"])
def test_check_mode_never_writes(ece, run, settings, update, current):
    ece.add("GET", KEYSTORE, (200, keystore(*current)))
    result = run(ece_keystore, args(settings, update=update, restart="always_on_change"), check=True, diff=True)
    assert result["changed"] is True
    assert ece.writes == []
    assert result["restarted"] is True
    assert secret_free(result)


def test_check_mode_predicts_the_keystore(ece, run):
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]), check=True)
    assert result["settings"] == [{"name": CREDS, "as_file": False}, {"name": "s3.client.default.access_key", "as_file": False}]


def test_old_version_reports_restart_required(ece, run):
    ece.add("GET", DEP_PATH, (200, deployment(version="8.13.4")))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]))
    assert result["reload"] == "restart_required"
    assert result["restart_required"] is True
    assert result["restarted"] is False
    assert [w["method"] for w in ece.writes] == ["PATCH"]


def test_unchanged_old_version_needs_no_restart(ece, run):
    ece.add("GET", DEP_PATH, (200, deployment(version="8.13.4")))
    ece.add("GET", KEYSTORE, (200, keystore(CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="when_required"))
    assert result["changed"] is False and result["restart_required"] is False and result["restarted"] is False
    assert ece.writes == []


def _plan_info(attempt, pending=None, error=None):
    current = {"plan_attempt_id": attempt, "healthy": error is None, "attempt_start_time": "2026-01-01T00:00:01Z",
               "plan_attempt_log": []}
    if error:
        current["plan_attempt_log"] = [{"step_id": "plan-completed", "status": "error", "info_log": [{"message": error}]}]
        current["error"] = {"message": error}
    info = {"healthy": error is None, "current": current}
    if pending:
        info["pending"] = {"plan_attempt_id": pending, "healthy": True, "plan_attempt_log": []}
    return {"ref_id": "main-elasticsearch", "info": {"plan_info": info}}


def test_when_required_restarts_old_version_and_waits(ece, run):
    ece.add("GET", DEP_PATH, (200, deployment(version="8.13.4")))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    ece.add("POST", RESTART, (202, {}))
    ece.add("GET", RESOURCE, (200, _plan_info("attempt-0", pending="attempt-1")), (200, _plan_info("attempt-1")))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="when_required", poll_interval=0.01))
    assert result["changed"] is True and result["restarted"] is True and result["restart_required"] is False
    assert [w["method"] for w in ece.writes] == ["PATCH", "POST"]
    assert ece.writes[1]["path"] == RESTART
    assert "group_attribute=__zone__" in ece.writes[1]["url"]
    assert result["plan"]["plans"]["main-elasticsearch"]["state"] == "success"


def test_when_required_does_not_restart_recent_version(ece, run):
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="when_required"))
    assert result["restarted"] is False and result["restart_required"] is False
    assert [w["method"] for w in ece.writes] == ["PATCH"]


def test_always_on_change_restarts_without_waiting(ece, run):
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    ece.add("POST", RESTART, (202, {}))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="always_on_change", wait=False,
                                    restart_group_attribute="__all__"))
    assert result["restarted"] is True
    assert "group_attribute=__all__" in ece.writes[1]["url"]
    assert "plan" not in result


def test_failed_restart_plan_fails_with_plan_message(ece, run):
    ece.add("GET", DEP_PATH, (200, deployment(version="8.13.4")))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    ece.add("POST", RESTART, (202, {}))
    ece.add("GET", RESOURCE, (200, _plan_info("attempt-0", pending="attempt-1")),
            (200, _plan_info("attempt-1", error="Instance [instance-0000000000] failed to restart")))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="when_required", poll_interval=0.01))
    assert result["failed"] is True
    assert "Instance [instance-0000000000] failed to restart" in result["msg"]
    assert "keystore was updated" in result["msg"]
    assert result["changed"] is True
    assert secret_free(result)


def test_restart_request_error_says_keystore_was_updated(ece, run):
    ece.add("GET", DEP_PATH, (200, deployment(version="8.13.4")))
    ece.add("PATCH", KEYSTORE, (200, keystore(CREDS)))
    ece.add("POST", RESTART, (422, {"errors": [{"code": "clusters.cluster_plan_state_error", "message": "There is a plan still pending"}]}))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], restart="when_required"))
    assert result["failed"] is True
    assert "keystore was updated" in result["msg"] and "There is a plan still pending" in result["msg"]


def test_api_error_on_patch_fails_with_api_text_and_no_secret(ece, run):
    ece.add("PATCH", KEYSTORE, (403, {"errors": [{"code": "root.unauthorized.rbac",
                                                  "message": "The current user does not have the required role"}]}))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]))
    assert result["failed"] is True
    assert "does not have the required role" in result["msg"]
    assert result["api_error"]["code"] == "root.unauthorized.rbac"
    assert secret_free(result)


@pytest.mark.parametrize("settings,parameter,text", [
    ([{"name": "Cluster.Remote.x.credentials", "value": "abcd"}], "settings[0].name", "not allowed"),
    ([{"name": "cluster.remote.Test-Alias.credentials", "value": "abcd"}], "settings[0].name", "uppercase"),
    ([{"name": "cluster.remote.a.b.credentials", "value": "abcd"}], "settings[0].name", "contains '.'"),
    ([{"name": "s3 client", "value": "abcd"}], "settings[0].name", "not allowed"),
    ([{"name": "s3..key", "value": "abcd"}], "settings[0].name", "empty part"),
    ([{"name": "keystore.seed", "value": "abcd"}], "settings[0].name", "managed by Elasticsearch"),
    ([{"name": CREDS, "value": "abcd"}, {"name": CREDS, "state": "absent"}], "settings[1].name", "more than once"),
    ([{"name": CREDS}], "settings[0].value", "is required"),
    ([{"name": CREDS, "value": 1234}], "settings[0].value", "string or a dictionary"),
    ([], "settings", "is empty"),
], ids=["uppercase-name", "uppercase-alias", "dotted-alias", "space", "empty-part", "reserved", "duplicate", "no-value",
        "number", "empty"])
def test_bad_input_fails_before_any_request(fake_http, run, settings, parameter, text):
    result = run(ece_keystore, args(settings))
    assert result["failed"] is True
    assert result["parameter"] == parameter
    assert text in result["msg"]
    assert fake_http.requests == []


def test_unknown_deployment_fails_clearly(fake_http, run):
    fake_http.add("GET", DEP_PATH, (404, {"errors": [{"code": "deployments.deployment_not_found",
                                                      "message": "Deployment [%s] not found" % DEP}]}))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]))
    assert result["failed"] is True
    assert result["parameter"] == "deployment_id"
    assert "no deployment with ID" in result["msg"]
    assert fake_http.writes == []


def test_system_owned_deployment_is_refused(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(system_owned=True, name="logging-and-metrics")))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}]))
    assert result["failed"] is True
    assert "system-owned" in result["msg"]
    assert fake_http.writes == []
    assert [r["path"] for r in fake_http.requests] == [DEP_PATH]


def test_unknown_ref_id_fails_clearly(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment()))
    result = run(ece_keystore, args([{"name": CREDS, "value": SECRET}], ref_id="other"))
    assert result["failed"] is True
    assert result["parameter"] == "ref_id"
    assert "main-elasticsearch" in result["msg"]
    assert fake_http.writes == []


def test_pure_helpers():
    assert ece_keystore.reload_mode("8.14.0") == "automatic"
    assert ece_keystore.reload_mode("8.13.4") == "restart_required"
    assert ece_keystore.reload_mode(None) == "unknown"
    assert ece_keystore.reload_mode("garbage") == "unknown"
    assert ece_keystore.name_problems("cluster.remote.my_remote-1.credentials") == []
    assert ece_keystore.name_problems("xpack.notification.email.account.a.smtp.secure_password") == []
    secrets, added, updated, removed, after = ece_keystore.plan_changes(
        {"a.b": False}, [{"name": "a.b", "state": "present", "value": "x", "as_file": None},
                         {"name": "c.d", "state": "present", "value": {"k": "v"}, "as_file": None}], "on_create")
    assert secrets == {"c.d": {"value": {"k": "v"}}} and added == ["c.d"] and after == {"a.b": False, "c.d": True}
    strings = ece_keystore.secret_strings({"k": ["s1", {"n": "s2"}]})
    assert "s1" in strings and "s2" in strings
