# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_remote_clusters module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_remote_clusters as module

API = "/api/v1"
CONN = {"ece_url": "https://ece.example.com:12443", "ece_api_key": "s3cret-api-key-value"}
LOCAL = "local0000000000000000000000000001"
LOGS = "logs00000000000000000000000000002"
METRICS = "metrics000000000000000000000000003"
RC_PATH = API + "/deployments/%s/elasticsearch/main-elasticsearch/remote-clusters" % LOCAL
CONNECTED = {"connected": True, "trusted": True, "trusted_back": True, "compatible": True, "healthy": True}


def deployment(dep_id, name, version="8.19.4", system_owned=False, ref_ids=("main-elasticsearch",)):
    """A DeploymentGetResponse with the fields the module reads."""
    return {"id": dep_id, "name": name, "healthy": True, "metadata": {"system_owned": system_owned},
            "resources": {"elasticsearch": [{
                "ref_id": ref_id, "id": "cluster-" + dep_id[:8] + ref_id, "region": "ece-region",
                "info": {"cluster_name": name, "plan_info": {"current": {"plan": {"elasticsearch": {"version": version}}}},
                         "metadata": {"endpoint": "x.ece.example.com"}}} for ref_id in ref_ids]}}


def remote(alias, dep_id=LOGS, skip=False, info=None):
    entry = {"deployment_id": dep_id, "elasticsearch_ref_id": "main-elasticsearch", "alias": alias, "skip_unavailable": skip}
    if info is not None:
        entry["info"] = info
    return entry


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Fake clock and sleep."""
    clock = {"now": 0.0, "sleeps": []}

    def sleep(seconds):
        clock["sleeps"].append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(module, "_sleep", sleep)
    monkeypatch.setattr(module, "_now", lambda: clock["now"])
    return clock


def setup(fake_http, current, *later, **kwargs):
    """Route the local and remote deployments, the remote clusters GETs (in order) and the PUT."""
    fake_http.add("GET", API + "/deployments/" + LOCAL, (200, deployment(LOCAL, "search", system_owned=kwargs.get("local_system", False))))
    fake_http.add("GET", API + "/deployments/" + LOGS, (200, deployment(LOGS, "logs", version=kwargs.get("logs_version", "8.19.4"))))
    fake_http.add("GET", API + "/deployments/" + METRICS, (200, deployment(METRICS, "metrics")))
    fake_http.add("GET", RC_PATH, *[(200, {"resources": entries}) for entries in (current,) + later])
    fake_http.add("PUT", RC_PATH, kwargs.get("put", (202, {})))


def put_body(fake_http):
    puts = [r for r in fake_http.writes if r["method"] == "PUT"]
    assert len(puts) == 1
    return json.loads(puts[0]["body"])


def test_add_keeps_foreign_aliases_and_resolves_main(fake_http, run):
    setup(fake_http, [remote("foreign", METRICS, skip=True, info=CONNECTED)],
          [remote("foreign", METRICS, skip=True, info=CONNECTED), remote("logs", info=CONNECTED)])
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result["changed"] is True
    assert put_body(fake_http) == {"resources": [
        {"deployment_id": METRICS, "elasticsearch_ref_id": "main-elasticsearch", "alias": "foreign", "skip_unavailable": True},
        {"deployment_id": LOGS, "elasticsearch_ref_id": "main-elasticsearch", "alias": "logs", "skip_unavailable": False}]}
    assert [r["alias"] for r in result["remote_clusters"]] == ["foreign", "logs"]
    assert result["remote_clusters"][1]["info"]["connected"] is True
    assert result["ref_id"] == "main-elasticsearch"


def test_equal_list_sends_no_write(fake_http, run):
    setup(fake_http, [remote("logs", skip=True, info=CONNECTED)])
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "deployment_id": LOGS,
                                                                          "ref_id": "_main"}]))
    assert result["changed"] is False and fake_http.writes == []
    assert result["remote_clusters"][0]["skip_unavailable"] is True


def test_skip_unavailable_change_is_an_update(fake_http, run):
    setup(fake_http, [remote("logs", skip=True)], [remote("logs", skip=False)])
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "deployment_id": LOGS,
                                                                          "skip_unavailable": False}]), diff=True)
    assert result["changed"] is True
    assert put_body(fake_http)["resources"][0]["skip_unavailable"] is False
    assert result["diff"]["before"] == {"logs": {"deployment_id": LOGS, "elasticsearch_ref_id": "main-elasticsearch",
                                                 "skip_unavailable": True}}
    assert result["diff"]["after"]["logs"]["skip_unavailable"] is False


def test_absent_removes_only_that_alias(fake_http, run):
    setup(fake_http, [remote("logs"), remote("metrics", METRICS)], [remote("metrics", METRICS)])
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "state": "absent"}]))
    assert put_body(fake_http) == {"resources": [remote("metrics", METRICS)]}
    assert result["changed"] is True


def test_absent_alias_that_does_not_exist_is_unchanged(fake_http, run):
    setup(fake_http, [remote("metrics", METRICS)])
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "state": "absent"}]))
    assert result["changed"] is False and fake_http.writes == []


def test_purge_removes_unnamed_aliases(fake_http, run):
    setup(fake_http, [remote("logs"), remote("metrics", METRICS)], [remote("logs")])
    run(module, dict(CONN, deployment_id=LOCAL, purge=True, remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert put_body(fake_http) == {"resources": [remote("logs")]}


def test_purge_with_empty_list_removes_everything(fake_http, run):
    setup(fake_http, [remote("logs")], [])
    result = run(module, dict(CONN, deployment_id=LOCAL, purge=True))
    assert put_body(fake_http) == {"resources": []}
    assert result["remote_clusters"] == []


@pytest.mark.parametrize("args,current", [
    (dict(remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]), []),                                  # create
    (dict(remote_clusters=[{"alias": "logs", "deployment_id": LOGS, "skip_unavailable": True}]), [remote("logs")]),  # update
    (dict(remote_clusters=[{"alias": "logs", "state": "absent"}]), [remote("logs")]),                        # delete
    (dict(purge=True), [remote("logs")]),                                                                    # purge
])
def test_check_mode_never_writes(fake_http, run, args, current):
    setup(fake_http, current)
    result = run(module, dict(CONN, deployment_id=LOCAL, **args), check=True, diff=True)
    assert result["changed"] is True
    assert fake_http.writes == []
    assert "diff" in result


def test_check_mode_predicts_without_info_for_new_aliases(fake_http, run):
    setup(fake_http, [remote("metrics", METRICS, info=CONNECTED)])
    result = run(module, dict(CONN, deployment_id=LOCAL, wait_for_connection=True,
                              remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]), check=True)
    assert [(r["alias"], r["info"]) for r in result["remote_clusters"]] == [("metrics", CONNECTED), ("logs", None)]


@pytest.mark.parametrize("alias", ["bad.alias", "with space", "a:b", "", "ünï"])
def test_invalid_alias_fails_before_any_request(fake_http, run, alias):
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": alias, "deployment_id": LOGS}]))
    assert result["failed"] is True
    assert result["parameter"] == "remote_clusters[0].alias"
    assert "A cluster alias must contain only letters, numbers, dashes (-), or underscores (_)." in result["msg"]
    assert fake_http.requests == []


def test_duplicate_alias_fails_before_any_request(fake_http, run):
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "a", "deployment_id": LOGS},
                                                                          {"alias": "a", "state": "absent"}]))
    assert result["failed"] is True and "also given" in result["msg"] and fake_http.requests == []


def test_present_needs_a_deployment_id(fake_http, run):
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "a"}]))
    assert result["failed"] is True and result["parameter"] == "remote_clusters[0].deployment_id" and fake_http.requests == []


def test_remote_of_another_environment_fails_with_advice(fake_http, run):
    setup(fake_http, [])
    fake_http.add("GET", API + "/deployments/elsewhere", (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "n"}]}))
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "x", "deployment_id": "elsewhere"}]))
    assert result["failed"] is True and result["parameter"] == "remote_clusters[0].deployment_id"
    assert "same environment" in result["msg"] and "es_remote_cluster" in result["msg"]
    assert fake_http.writes == []


def test_unknown_local_deployment_fails(fake_http, run):
    fake_http.add("GET", API + "/deployments/nope", (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "n"}]}))
    result = run(module, dict(CONN, deployment_id="nope", remote_clusters=[{"alias": "x", "deployment_id": LOGS}]))
    assert result["failed"] is True and result["parameter"] == "deployment_id" and fake_http.writes == []


def test_system_owned_local_is_refused(fake_http, run):
    setup(fake_http, [], local_system=True)
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "x", "deployment_id": LOGS}]))
    assert result["failed"] is True and result["parameter"] == "deployment_id" and "system deployment" in result["msg"]
    assert fake_http.writes == []


def test_system_owned_remote_is_refused(fake_http, run):
    setup(fake_http, [])
    fake_http.add("GET", API + "/deployments/sys", (200, deployment("sys", "security", system_owned=True)))
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "x", "deployment_id": "sys"}]))
    assert result["failed"] is True and result["parameter"] == "remote_clusters[0].deployment_id"
    assert "cannot be remote clusters" in result["msg"] and fake_http.writes == []


def test_remote_with_several_resources_needs_ref_id(fake_http, run):
    setup(fake_http, [])
    fake_http.add("GET", API + "/deployments/multi", (200, deployment("multi", "multi", ref_ids=("a-es", "b-es"))))
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "x", "deployment_id": "multi"}]))
    assert result["failed"] is True and result["parameter"] == "remote_clusters[0].ref_id" and "a-es, b-es" in result["msg"]
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "x", "deployment_id": "multi", "ref_id": "b-es"}]))
    assert put_body(fake_http)["resources"][0]["elasticsearch_ref_id"] == "b-es"


def test_wait_for_connection_polls_until_connected(fake_http, run, no_sleep):
    waiting = dict(CONNECTED, connected=False)
    setup(fake_http, [], [remote("logs", info=waiting)], [remote("logs", info=waiting)], [remote("logs", info=CONNECTED)])
    result = run(module, dict(CONN, deployment_id=LOCAL, wait_for_connection=True, poll_interval=1,
                              remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result.get("failed") is not True
    assert result["remote_clusters"][0]["info"]["connected"] is True
    assert no_sleep["sleeps"] == [1.0, 1.0]


def test_wait_for_connection_when_already_configured(fake_http, run, no_sleep):
    waiting = dict(CONNECTED, connected=False)
    setup(fake_http, [remote("logs", info=waiting)], [remote("logs", info=waiting)], [remote("logs", info=CONNECTED)])
    result = run(module, dict(CONN, deployment_id=LOCAL, wait_for_connection=True,
                              remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result["changed"] is False and fake_http.writes == []
    assert no_sleep["sleeps"] == [2.0]


def test_wait_timeout_names_every_false_flag(fake_http, run):
    bad = {"connected": False, "trusted": False, "trusted_back": False, "compatible": False, "healthy": False}
    setup(fake_http, [], [remote("logs", info=bad)], logs_version="7.10.2")
    result = run(module, dict(CONN, deployment_id=LOCAL, wait_for_connection=True, wait_timeout=4,
                              remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result["failed"] is True and result["changed"] is True
    msg = result["msg"]
    assert "trusted is false: this deployment does not trust the remote: add an accounts/external/direct trust entry " \
           "for it (ece_deployment_trust)" in msg
    assert "trusted_back is false: the remote does not trust this deployment" in msg and LOGS in msg
    assert "compatible is false" in msg and "local 8.19.4, remote 7.10.2" in msg
    assert "healthy is false" in msg
    assert len(result["connection_problems"]["logs"]) == 4


def test_wait_timeout_with_only_trusted_back_false(fake_http, run):
    setup(fake_http, [remote("archive", info=dict(CONNECTED, connected=False, trusted_back=False))])
    result = run(module, dict(CONN, deployment_id=LOCAL, wait_for_connection=True, wait_timeout=0,
                              remote_clusters=[{"alias": "archive", "deployment_id": LOGS}]))
    assert result["failed"] is True and result["changed"] is False
    assert result["connection_problems"] == {"archive": [
        "trusted_back is false: the remote does not trust this deployment: add a trust entry for this deployment to "
        "deployment %s (ece_deployment_trust with its deployment_id); deployments created before ECE 2.9.0 trust only "
        "themselves" % LOGS]}


def test_forbidden_put_says_nothing_was_written(fake_http, run):
    setup(fake_http, [], put=(403, {"errors": [{"code": "root.unauthorized.rbac", "message": "The current user does not have the required role"}]}))
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result["failed"] is True and "nothing was written" in result["msg"] and result["api_error"]["status"] == 403
    assert CONN["ece_api_key"] not in json.dumps(result)


def test_api_error_on_put_has_the_api_text(fake_http, run):
    setup(fake_http, [], put=(400, {"errors": [{"code": "remote_clusters.invalid", "message": "Something ECE says",
                                                "fields": ["resources[0]"]}]}))
    result = run(module, dict(CONN, deployment_id=LOCAL, remote_clusters=[{"alias": "logs", "deployment_id": LOGS}]))
    assert result["failed"] is True and "Something ECE says" in result["msg"]


def test_merge_remotes_order_and_defaults():
    current = [remote("a", skip=True), remote("b"), remote("c")]
    desired = [{"alias": "d", "deployment_id": "D", "elasticsearch_ref_id": "r", "state": "present", "skip_unavailable": None},
               {"alias": "b", "state": "absent"},
               {"alias": "a", "deployment_id": "A2", "elasticsearch_ref_id": "r", "state": "present", "skip_unavailable": None}]
    merged = module.merge_remotes(current, desired)
    assert [(e["alias"], e["deployment_id"], e["skip_unavailable"]) for e in merged] == [
        ("a", "A2", True), ("c", LOGS, False), ("d", "D", False)]
    assert [e["alias"] for e in module.merge_remotes(current, desired, purge=True)] == ["a", "d"]


def test_flag_problems_connected_is_empty():
    assert module.flag_problems(CONNECTED) == []
    assert "asynchronously" in module.flag_problems(dict(CONNECTED, connected=False))[0]
