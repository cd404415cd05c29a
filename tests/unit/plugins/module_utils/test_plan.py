# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_plan.py (ECE plan status and the PlanWaiter state machine)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import (
    UNKNOWN_PLAN_ERROR, PlanWaiter, attempt_status, current_attempt_ids, last_step, plan_infos_from_deployment,
    plan_status, step_message)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
OLD = "3f1c2a9e-0d5b-4c8e-9a71-5b2e6d4f8c10"
NEW = "b7e4d2c1-8a3f-4e6b-9d05-1c2b3a4d5e6f"
TRUST_TIMEOUT = "Timeout while waiting for instance [instance-0000000001] to accept the trust settings"


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


# ------------------------------------------------------------------------------------------ plan_status

def test_status_pending():
    status = plan_status(load("plan_pending.json"))
    assert status == {"state": "pending", "attempt_id": NEW, "message": "Updating trust settings on 2 instances",
                      "failure_type": None, "step_id": "update-trust-settings"}


def test_status_pending_wins_even_with_previous_attempt_id():
    assert plan_status(load("plan_pending.json"), previous_attempt_id=OLD)["state"] == "pending"


def test_status_success():
    status = plan_status(load("plan_success.json"))
    assert status["state"] == "success"
    assert status["attempt_id"] == NEW
    assert status["step_id"] == "plan-completed"
    assert status["failure_type"] is None
    assert status["message"] == "Plan successfully applied"


def test_status_failed_uses_last_info_log_message_of_plan_completed():
    status = plan_status(load("plan_failed.json"))
    assert status["state"] == "failed"
    assert status["attempt_id"] == NEW
    assert status["step_id"] == "plan-completed"
    assert status["message"] == "Unexpected error during step: [update-trust-settings]: " + TRUST_TIMEOUT
    assert status["failure_type"] == "ClusterFailure:TrustSettingsTimeout"


def test_status_failed_with_empty_log_is_unknown_error():
    status = plan_status(load("plan_failed_empty_log.json"))
    assert status["state"] == "failed"
    assert status["message"] == "plan failed due to unknown error" == UNKNOWN_PLAN_ERROR


def test_status_no_plan():
    status = plan_status(load("plan_none.json"))
    assert status["state"] == "none"
    assert status["attempt_id"] is None


def test_status_not_a_dict():
    assert plan_status(None)["state"] == "none"
    assert "show_plans" in plan_status(None)["message"]


def test_status_previous_attempt_still_current_is_none():
    info = load("plan_success.json")
    status = plan_status(info, previous_attempt_id=NEW)
    assert status["state"] == "none"
    assert status["attempt_id"] == NEW
    # a different previous attempt id means the current one is new: evaluate it
    assert plan_status(info, previous_attempt_id=OLD)["state"] == "success"


def test_status_failed_attempt_only_in_history():
    info = load("plan_failed_in_history.json")
    # without a previous attempt id the current (older, successful) plan is what we see
    assert plan_status(info)["state"] == "success"
    status = plan_status(info, previous_attempt_id=OLD)
    assert status["state"] == "failed"
    assert status["attempt_id"] == NEW


def test_status_history_entry_without_times_is_not_trusted():
    info = load("plan_failed_in_history.json")
    del info["history"][-1]["attempt_start_time"]
    assert plan_status(info, previous_attempt_id=OLD)["state"] == "none"


def test_status_no_current_uses_last_history_entry():
    info = load("plan_failed.json")
    info = {"healthy": False, "history": [info["current"]]}
    assert plan_status(info)["state"] == "failed"


def test_status_error_object_without_plan_completed_step():
    info = load("plan_success.json")
    current = info["current"]
    current["plan_attempt_log"] = current["plan_attempt_log"][:2]
    current["error"] = {"timestamp": "2026-04-10T12:00:09.512Z", "message": "Allocator went away", "details": {},
                        "failure_type": "InfrastructureFailure:AllocatorLost"}
    status = plan_status(info)
    assert status["state"] == "failed"
    assert status["message"] == "Allocator went away"
    assert status["failure_type"] == "InfrastructureFailure:AllocatorLost"
    assert status["step_id"] == "update-trust-settings"


def test_status_unhealthy_current_without_error():
    info = load("plan_success.json")
    info["current"]["healthy"] = False
    status = plan_status(info)
    assert status["state"] == "failed"
    assert "not healthy" in status["message"]


def test_status_unhealthy_current_with_error_step():
    info = load("plan_failed.json")
    current = info["current"]
    del current["error"]
    current["plan_attempt_log"] = current["plan_attempt_log"][:2]   # no plan-completed yet
    status = plan_status(info)
    assert status["state"] == "failed"
    assert status["message"] == TRUST_TIMEOUT
    assert status["step_id"] == "update-trust-settings"


def test_step_helpers():
    attempt = load("plan_failed.json")["current"]
    assert last_step(attempt)["step_id"] == "plan-completed"
    assert last_step({}) is None
    assert step_message({"info_log": []}) == UNKNOWN_PLAN_ERROR
    assert step_message({"info_log": [{"message": "a"}, {"message": "b"}]}) == "b"
    assert attempt_status(None)["state"] == "none"


def test_plan_infos_from_deployment_and_attempt_ids():
    deployment = load("deployment_main.json")
    infos = plan_infos_from_deployment(deployment)
    assert list(infos) == ["main-elasticsearch"]
    assert current_attempt_ids(infos) == {"main-elasticsearch": OLD}
    both = plan_infos_from_deployment(deployment, kinds=("elasticsearch", "kibana"))
    assert sorted(both) == ["kibana:main-kibana", "main-elasticsearch"]
    assert current_attempt_ids({"x": None, "y": {"healthy": True}}) == {"x": None, "y": None}


# ------------------------------------------------------------------------------------------ PlanWaiter

class Clock:
    """A fake monotonic clock driven by the answers of the waiter."""

    def __init__(self, start=1000.0):
        self.now = start

    def advance(self, seconds):
        self.now += seconds


def run(waiter, polls, clock=None):
    """Feed ``polls`` (a list of ``{ref: plan_info}``) and return every answer; sleeps advance the clock."""
    clock = clock or Clock()
    answers = []
    for poll in polls:
        answer = waiter.observe(poll, clock.now)
        answers.append(answer)
        if answer[0] != "wait":
            break
        clock.advance(answer[1])
    return answers


def test_waiter_plan_appears_then_completes():
    pending, success = load("plan_pending.json"), load("plan_success.json")
    old = {"healthy": True, "current": pending["current"], "history": []}
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=4)
    answers = run(waiter, [{"es": old}, {"es": pending}, {"es": pending}, {"es": success}])
    assert [a[0] for a in answers] == ["wait", "wait", "wait", "done"]
    assert answers[0] == ("wait", 2)
    summary = answers[-1][1]
    assert summary["plan_observed"] is True
    assert summary["plans"]["es"]["state"] == "success"
    assert summary["plans"]["es"]["attempt_id"] == NEW
    assert summary["polls"] == 4
    assert summary["elapsed"] == 6
    assert "'es'" in summary["message"]


def test_waiter_plan_appears_then_fails():
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=4)
    answers = run(waiter, [{"es": load("plan_pending.json")}, {"es": load("plan_failed.json")}])
    assert answers[-1][0] == "failed"
    message = answers[-1][1]
    assert "'es'" in message and NEW in message
    assert TRUST_TIMEOUT in message
    assert "plan-completed" in message
    assert "ClusterFailure:TrustSettingsTimeout" in message


def test_waiter_failure_seen_in_history_after_pending():
    waiter = PlanWaiter(timeout=60, poll_interval=2)
    answers = run(waiter, [{"es": load("plan_pending.json")}, {"es": load("plan_failed_in_history.json")}])
    assert answers[-1][0] == "failed"
    assert TRUST_TIMEOUT in answers[-1][1]


def test_waiter_no_plan_ever_appears_done_after_settle_polls():
    quiet = load("plan_success.json")
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=4)
    answers = run(waiter, [{"es": quiet}] * 10)
    assert [a[0] for a in answers] == ["wait", "wait", "wait", "done"]
    summary = answers[-1][1]
    assert summary["plan_observed"] is False
    assert summary["plans"] == {}
    assert summary["polls"] == 4
    assert "no plan" in summary["message"]


def test_waiter_old_failed_plan_is_ignored_without_a_new_attempt():
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=2, previous_attempt_ids={"es": NEW})
    answers = run(waiter, [{"es": load("plan_failed.json")}] * 5)
    assert [a[0] for a in answers] == ["wait", "done"]


def test_waiter_settle_counter_resets_when_a_plan_shows_up():
    quiet, pending, success = load("plan_none.json"), load("plan_pending.json"), load("plan_success.json")
    waiter = PlanWaiter(timeout=100, poll_interval=1, settle_polls=3)
    answers = run(waiter, [{"es": quiet}, {"es": quiet}, {"es": pending}, {"es": pending}, {"es": success}])
    assert [a[0] for a in answers] == ["wait", "wait", "wait", "wait", "done"]
    assert answers[-1][1]["plan_observed"] is True


def test_waiter_plan_finished_between_polls_detected_with_previous_attempt_id():
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=4, previous_attempt_ids={"es": OLD})
    answers = run(waiter, [{"es": load("plan_failed.json")}])
    assert answers == [("failed", answers[0][1])]
    assert TRUST_TIMEOUT in answers[0][1]
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=4, previous_attempt_ids={"es": OLD})
    assert waiter.observe({"es": load("plan_success.json")}, 0)[0] == "done"


def test_waiter_timeout_names_resource_and_duration():
    pending = load("plan_pending.json")
    waiter = PlanWaiter(timeout=30, poll_interval=10, settle_polls=4)
    clock = Clock(start=500.0)
    assert waiter.observe({"es": load("plan_none.json")}, clock.now) == ("wait", 10)
    clock.advance(10)
    assert waiter.observe({"es": pending}, clock.now) == ("wait", 10)
    clock.advance(10)
    assert waiter.observe({"es": pending}, clock.now) == ("wait", 10)
    clock.advance(10)
    state, message = waiter.observe({"es": pending}, clock.now)
    assert state == "timeout"
    assert "timed out after 30s" in message
    assert "resource 'es'" in message
    assert "pending plan after 20s" in message
    assert NEW in message and "update-trust-settings" in message


def test_waiter_delay_never_overshoots_the_deadline():
    waiter = PlanWaiter(timeout=5, poll_interval=4, settle_polls=10)
    pending = load("plan_pending.json")
    assert waiter.observe({"es": pending}, 0) == ("wait", 4)
    assert waiter.observe({"es": pending}, 4) == ("wait", 1)
    assert waiter.observe({"es": pending}, 5)[0] == "timeout"


def test_waiter_timeout_while_settling():
    waiter = PlanWaiter(timeout=3, poll_interval=2, settle_polls=4)
    answers = run(waiter, [{"es": load("plan_none.json")}] * 5)
    assert answers[-1][0] == "timeout"
    assert "to start" in answers[-1][1]


def test_waiter_completion_on_the_last_poll_beats_timeout():
    waiter = PlanWaiter(timeout=4, poll_interval=2)
    assert waiter.observe({"es": load("plan_pending.json")}, 0)[0] == "wait"
    assert waiter.observe({"es": load("plan_success.json")}, 100)[0] == "done"


def test_waiter_two_resources_waits_for_both():
    pending, success = load("plan_pending.json"), load("plan_success.json")
    pending_b = copy.deepcopy(pending)
    pending_b["pending"]["plan_attempt_id"] = "attempt-b"
    success_b = copy.deepcopy(success)
    success_b["current"]["plan_attempt_id"] = "attempt-b"
    waiter = PlanWaiter(timeout=60, poll_interval=2)
    answers = run(waiter, [
        {"es-a": pending, "es-b": pending_b},
        {"es-a": success, "es-b": pending_b},
        {"es-a": success, "es-b": pending_b},
        {"es-a": success, "es-b": success_b},
    ])
    assert [a[0] for a in answers] == ["wait", "wait", "wait", "done"]
    plans = answers[-1][1]["plans"]
    assert plans["es-a"]["attempt_id"] == NEW
    assert plans["es-b"]["attempt_id"] == "attempt-b"
    assert all(p["state"] == "success" for p in plans.values())


def test_waiter_two_resources_one_fails_reported_after_both_finish():
    pending, success, failed = load("plan_pending.json"), load("plan_success.json"), load("plan_failed.json")
    waiter = PlanWaiter(timeout=60, poll_interval=2)
    answers = run(waiter, [
        {"es-a": pending, "es-b": pending},
        {"es-a": failed, "es-b": pending},
        {"es-a": failed, "es-b": success},
    ])
    assert [a[0] for a in answers] == ["wait", "wait", "failed"]
    assert "'es-a'" in answers[-1][1]
    assert "'es-b'" not in answers[-1][1]


def test_waiter_two_resources_timeout_lists_only_the_pending_one_and_known_failure():
    pending, failed = load("plan_pending.json"), load("plan_failed.json")
    waiter = PlanWaiter(timeout=4, poll_interval=2)
    answers = run(waiter, [{"es-a": pending, "es-b": pending}, {"es-a": failed, "es-b": pending}, {"es-a": failed, "es-b": pending}])
    state, message = answers[-1]
    assert state == "timeout"
    assert "resource 'es-b'" in message and "resource 'es-a' still" not in message
    assert "already failed" in message and "'es-a'" in message


def test_waiter_only_the_resource_that_had_a_plan_is_reported():
    pending, quiet = load("plan_pending.json"), load("plan_failed.json")
    waiter = PlanWaiter(timeout=60, poll_interval=2)
    answers = run(waiter, [{"es-a": pending, "es-b": quiet}, {"es-a": load("plan_success.json"), "es-b": quiet}])
    assert answers[-1][0] == "done"
    assert list(answers[-1][1]["plans"]) == ["es-a"]


def test_waiter_resource_disappears_after_pending():
    waiter = PlanWaiter(timeout=60, poll_interval=2)
    answers = run(waiter, [{"es": load("plan_pending.json")}, {}])
    assert answers[-1][0] == "done"
    assert answers[-1][1]["plans"]["es"]["state"] == "none"


def test_waiter_terminal_answer_is_sticky():
    waiter = PlanWaiter(timeout=60, poll_interval=2, settle_polls=1)
    first = waiter.observe({"es": load("plan_none.json")}, 0)
    assert first[0] == "done"
    assert waiter.observe({"es": load("plan_pending.json")}, 1) is first


@pytest.mark.parametrize("kwargs", [
    {"timeout": -1}, {"timeout": None}, {"poll_interval": 0}, {"settle_polls": 0}, {"settle_polls": 1.5}, {"settle_polls": True},
])
def test_waiter_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        PlanWaiter(**kwargs)
