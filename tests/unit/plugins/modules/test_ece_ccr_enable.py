# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_ccr_enable module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.modules import ece_ccr_enable

URL = "https://ece.example.com:12443"
DEP = "5f5cadbe818b06e3ad727084738a093e"
DEP_PATH = "/api/v1/deployments/%s" % DEP
ENABLE = "/api/v1/deployments/%s/elasticsearch/_main/_enable-ccr" % DEP
WARNING = {"code": "deployments.ccr_enablement_restarts_resources", "message": "Enabling CCR restarts Kibana and Elasticsearch"}
MISSING = object()


@pytest.fixture
def warned(monkeypatch):
    """Messages passed to module.warn (result["warnings"] is not filled when controller code is loaded in the process)."""
    seen = []
    monkeypatch.setattr(RemoteClustersModule, "warn", lambda self, message: seen.append(message))
    return seen


def deployment(ccr=False, es_attempt="es-0", es_pending=None, kb_attempt="kb-0", kb_pending=None, system_owned=False,
               name="archive", es_error=None):
    metadata = {"endpoint": "c1.ece.example.com"}
    if ccr is not MISSING:
        metadata["ccr"] = ccr
    es_plan = {"healthy": es_error is None, "current": {"plan_attempt_id": es_attempt, "healthy": es_error is None,
                                                        "attempt_start_time": "2026-01-01T00:00:01Z", "plan_attempt_log": []}}
    if es_error:
        es_plan["current"]["plan_attempt_log"] = [{"step_id": "plan-completed", "status": "error", "info_log": [{"message": es_error}]}]
    if es_pending:
        es_plan["pending"] = {"plan_attempt_id": es_pending, "healthy": True, "plan_attempt_log": []}
    kb_plan = {"healthy": True, "current": {"plan_attempt_id": kb_attempt, "healthy": True, "plan_attempt_log": [],
                                            "attempt_start_time": "2026-01-01T00:00:01Z"}}
    if kb_pending:
        kb_plan["pending"] = {"plan_attempt_id": kb_pending, "healthy": True, "plan_attempt_log": []}
    return {
        "id": DEP, "name": name, "metadata": {"system_owned": system_owned},
        "resources": {
            "elasticsearch": [{"ref_id": "main-elasticsearch", "id": "c1", "region": "ece-region",
                               "info": {"cluster_id": "c1", "cluster_name": name, "metadata": metadata, "plan_info": es_plan}}],
            "kibana": [{"ref_id": "main-kibana", "id": "k1", "region": "ece-region", "info": {"plan_info": kb_plan}}],
        },
    }


def args(**extra):
    out = {"ece_url": URL, "ece_api_key": "test-api-key-0001", "deployment_id": DEP, "poll_interval": 0.01}
    out.update(extra)
    return out


def enable_calls(fake_http):
    return [(r["method"], r["url"].split("?", 1)[1] if "?" in r["url"] else "") for r in fake_http.requests if r["path"] == ENABLE]


def test_already_enabled_is_unchanged_and_sends_nothing(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=True)))
    result = run(ece_ccr_enable, args(), diff=True)
    assert result["changed"] is False
    assert fake_http.writes == []
    assert result["ccr_enabled"] is True and result["needed"] is False and result["detected_by"] == "metadata.ccr"
    assert "nothing to do" in result["message"]


def test_enables_validates_first_waits_and_confirms(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)),
                  (200, deployment(ccr=False, es_pending="es-1", kb_pending="kb-1")),
                  (200, deployment(ccr=True, es_attempt="es-1", kb_attempt="kb-1")))
    fake_http.add("POST", ENABLE, (200, {"warnings": [WARNING]}), (200, {}))
    result = run(ece_ccr_enable, args(), diff=True)
    assert result["changed"] is True
    assert enable_calls(fake_http) == [("POST", "validate_only=true"), ("POST", "")]
    assert fake_http.writes[1]["body"] is None
    assert result["api_warnings"] == [WARNING]
    assert result["ccr_enabled"] is True and result["ccr_enabled_before"] is False
    assert result["plan"]["plans"]["main-elasticsearch"]["state"] == "success"
    assert result["plan"]["plans"]["kibana:main-kibana"]["state"] == "success"
    assert result["diff"] == {"before": {"ccr_enabled": False}, "after": {"ccr_enabled": True}}


def test_check_mode_sends_only_the_validation(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)))
    fake_http.add("POST", ENABLE, (200, {"warnings": [WARNING]}))
    result = run(ece_ccr_enable, args(), check=True)
    assert result["changed"] is True
    assert enable_calls(fake_http) == [("POST", "validate_only=true")]
    assert result["api_warnings"] == [WARNING]
    assert result["ccr_enabled"] is True


def test_missing_flag_is_informative_only_without_force(fake_http, run, warned):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=MISSING)))
    fake_http.add("POST", ENABLE, (200, {"warnings": [WARNING]}))
    result = run(ece_ccr_enable, args())
    assert result["changed"] is False
    assert enable_calls(fake_http) == [("POST", "validate_only=true")]
    assert result["ccr_enabled"] is None and result["needed"] is None and result["detected_by"] == "validate_only"
    assert "force=true" in result["message"]
    assert result["api_warnings"] == [WARNING]
    assert len(warned) == 1 and "force=true" in warned[0]


def test_missing_flag_with_force_enables(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=MISSING)), (200, deployment(ccr=MISSING, es_pending="es-1")),
                  (200, deployment(ccr=MISSING, es_attempt="es-1")))
    fake_http.add("POST", ENABLE, (200, {"warnings": []}), (200, {}))
    result = run(ece_ccr_enable, args(force=True))
    assert result["changed"] is True
    assert enable_calls(fake_http) == [("POST", "validate_only=true"), ("POST", "")]
    assert result["ccr_enabled"] is None
    assert "not confirmed" in result["message"]


def test_no_wait_returns_after_the_call(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)))
    fake_http.add("POST", ENABLE, (200, {"warnings": []}), (200, {}))
    result = run(ece_ccr_enable, args(wait=False))
    assert result["changed"] is True and result["ccr_enabled"] is None
    assert [r["method"] for r in fake_http.requests] == ["GET", "POST", "POST"]


def test_failed_plan_fails_with_its_message(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)), (200, deployment(ccr=False, es_pending="es-1")),
                  (200, deployment(ccr=False, es_attempt="es-1", es_error="Migration to CCR failed: instance unreachable")))
    fake_http.add("POST", ENABLE, (200, {"warnings": []}), (200, {}))
    result = run(ece_ccr_enable, args())
    assert result["failed"] is True
    assert "Migration to CCR failed: instance unreachable" in result["msg"]
    assert result["changed"] is True


def test_flag_still_false_after_plan_fails(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)), (200, deployment(ccr=False, es_pending="es-1")),
                  (200, deployment(ccr=False, es_attempt="es-1")))
    fake_http.add("POST", ENABLE, (200, {"warnings": []}), (200, {}))
    result = run(ece_ccr_enable, args())
    assert result["failed"] is True
    assert "still false" in result["msg"]


def test_api_error_fails_with_api_text(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(ccr=False)))
    fake_http.add("POST", ENABLE, (200, {"warnings": []}),
                  (400, {"errors": [{"code": "deployments.plan_in_progress", "message": "A plan is still pending"}]}))
    result = run(ece_ccr_enable, args())
    assert result["failed"] is True
    assert "A plan is still pending" in result["msg"]
    assert result["api_error"]["code"] == "deployments.plan_in_progress"
    assert "test-api-key-0001" not in str(result)


def test_unknown_deployment_fails_clearly(fake_http, run):
    fake_http.add("GET", DEP_PATH, (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "Deployment not found"}]}))
    result = run(ece_ccr_enable, args())
    assert result["failed"] is True and result["parameter"] == "deployment_id"
    assert fake_http.writes == []


def test_system_owned_is_refused(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment(system_owned=True, name="admin-console-elasticsearch")))
    result = run(ece_ccr_enable, args())
    assert result["failed"] is True and "system-owned" in result["msg"]
    assert fake_http.writes == []


@pytest.mark.parametrize("extra,parameter", [({"deployment_id": " "}, "deployment_id"), ({"wait_timeout": -1}, "wait_timeout"),
                                             ({"poll_interval": 0}, "poll_interval")])
def test_bad_input_fails_before_any_request(fake_http, run, extra, parameter):
    result = run(ece_ccr_enable, args(**extra))
    assert result["failed"] is True and result["parameter"] == parameter
    assert fake_http.requests == []


def test_unknown_ref_id(fake_http, run):
    fake_http.add("GET", DEP_PATH, (200, deployment()))
    result = run(ece_ccr_enable, args(ref_id="nope"))
    assert result["failed"] is True and result["parameter"] == "ref_id"
    assert fake_http.writes == []


def test_decide():
    assert ece_ccr_enable.decide(True, False) == (False, "metadata.ccr")
    assert ece_ccr_enable.decide(True, True) == (False, "metadata.ccr")
    assert ece_ccr_enable.decide(False, False) == (True, "metadata.ccr")
    assert ece_ccr_enable.decide(None, False) == (None, "validate_only")
    assert ece_ccr_enable.decide(None, True) == (True, "validate_only")
    assert ece_ccr_enable.ccr_flag({"info": {"metadata": {"ccr": "yes"}}}) is None
