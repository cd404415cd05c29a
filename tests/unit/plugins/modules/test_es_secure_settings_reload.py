# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_secure_settings_reload module (fake HTTP transport)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_secure_settings_reload as module

ES = "https://es.example.com:9200"
PASSWORD = "s3cret-Passw0rd"
KEYSTORE_PASSWORD = "keyst0re-Passw0rd"
CONN = {"es_url": ES, "es_username": "elastic", "es_password": PASSWORD}
PRIVILEGE = ("action [cluster:admin/xpack/security/remote_cluster_credentials/reload] is unauthorized for user [ops] with "
             "effective roles [manage_only], this action is granted by the cluster privileges [manage_security,all]")


def answer(exceptions=None, total=2):
    nodes = {}
    for number in range(1, total + 1):
        node = {"name": "node-%d" % number}
        reason = (exceptions or {}).get(number)
        if reason:
            node["reload_exception"] = {"type": "security_exception", "reason": reason}
        nodes["id%d" % number] = node
    return {"_nodes": {"total": total, "successful": total, "failed": 0}, "cluster_name": "c", "nodes": nodes}


def args(**kwargs):
    out = dict(CONN)
    out.update(kwargs)
    return out


def test_reload_every_node(fake_http, run):
    fake_http.add("POST", "/_nodes/reload_secure_settings", (200, answer()))
    result = run(module, args())
    assert result["changed"] is True
    assert result["nodes"] == {"id1": {"name": "node-1", "reloaded": True}, "id2": {"name": "node-2", "reloaded": True}}
    assert result["summary"] == {"total": 2, "successful": 2, "failed": 0}
    assert result["failed_nodes"] == []
    assert "reloaded on 2 nodes" in result["msg"]
    assert len(fake_http.requests) == 1
    assert fake_http.requests[0]["body"] is None


def test_node_filter_timeout_and_password(fake_http, run):
    fake_http.add("POST", "/_nodes/_local/reload_secure_settings", (200, answer(total=1)))
    result = run(module, args(node_id="_local", timeout="60s", secure_settings_password=KEYSTORE_PASSWORD))
    assert result["changed"] is True
    sent = fake_http.requests[0]
    assert "timeout=60s" in sent["url"]
    assert json.loads(sent["body"]) == {"secure_settings_password": KEYSTORE_PASSWORD}
    assert KEYSTORE_PASSWORD not in json.dumps(result)


def test_a_node_exception_fails_despite_http_200(fake_http, run):
    fake_http.add("POST", "/_nodes/reload_secure_settings", (200, answer({2: "Provided keystore password was incorrect"})))
    result = run(module, args())
    assert result["failed"] is True
    assert "1 of 2 nodes" in result["msg"]
    assert "node-2 (id2): security_exception: Provided keystore password was incorrect" in result["msg"]
    assert "secure_settings_password" in result["msg"]
    assert result["failed_nodes"] == ["node-2"]
    assert result["nodes"]["id2"]["reloaded"] is False
    assert result["nodes"]["id1"]["reloaded"] is True


def test_privilege_quirk_of_8_13_to_8_15_names_the_fix(fake_http, run):
    fake_http.add("POST", "/_nodes/reload_secure_settings", (200, answer({1: PRIVILEGE, 2: PRIVILEGE})))
    result = run(module, args())
    assert result["failed"] is True
    assert "2 of 2 nodes" in result["msg"]
    assert "manage_security" in result["msg"] and "111543" in result["msg"]


def test_transport_level_failures_are_reported(fake_http, run):
    body = answer(total=1)
    body["_nodes"].update(failed=1, failures=[{"node_id": "id9", "caused_by": {"type": "failed_node_exception",
                                                                               "reason": "node went away"}}])
    fake_http.add("POST", "/_nodes/reload_secure_settings", (200, body))
    result = run(module, args())
    assert result["failed"] is True
    assert "node went away" in result["msg"]


def test_no_node_matched(fake_http, run):
    fake_http.add("POST", "/_nodes/nosuch/reload_secure_settings", (200, {"_nodes": {"total": 0, "successful": 0, "failed": 0},
                                                                          "nodes": {}}))
    result = run(module, args(node_id="nosuch"))
    assert result["failed"] is True
    assert "no node matched" in result["msg"]


def test_check_mode_sends_nothing(fake_http, run):
    result = run(module, args(), check=True)
    assert result["changed"] is True
    assert "check mode" in result["msg"]
    assert fake_http.requests == []


@pytest.mark.parametrize("call, parameter", [
    ({"timeout": "soon"}, "timeout"),
    ({"node_id": " "}, "node_id"),
])
def test_bad_input_fails_before_any_request(fake_http, run, call, parameter):
    result = run(module, args(**call))
    assert result["failed"] is True
    assert result["parameter"] == parameter
    assert fake_http.requests == []


def test_api_error(fake_http, run):
    error = {"error": {"type": "security_exception", "reason": "action [cluster:admin/nodes/reload_secure_settings] is "
                       "unauthorized for user [ops]"}, "status": 403}
    fake_http.add("POST", "/_nodes/reload_secure_settings", (403, error))
    result = run(module, args(secure_settings_password=KEYSTORE_PASSWORD))
    assert result["failed"] is True
    assert "unauthorized" in result["msg"]
    assert KEYSTORE_PASSWORD not in json.dumps(result) and PASSWORD not in json.dumps(result)


def test_password_without_transport_tls_names_the_fix(fake_http, run):
    reason = ("Secure settings cannot be updated cluster wide when TLS for the transport layer is not enabled. Enable TLS or "
              "use the API with a `_local` filter on each node.")
    fake_http.add("POST", "/_nodes/reload_secure_settings", (400, {"error": {"type": "illegal_state_exception",
                                                                             "reason": reason}, "status": 400}))
    result = run(module, args(secure_settings_password=KEYSTORE_PASSWORD))
    assert result["failed"] is True
    assert "node_id=_local" in result["msg"] and "cluster wide" in result["msg"]
    assert KEYSTORE_PASSWORD not in json.dumps(result)
