# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of ``_plan.run_waiter`` (the loop that drives a PlanWaiter with caller-supplied I/O)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._plan import PlanWaiter, run_waiter

OLD = "attempt-old"
NEW = "attempt-new"


def _attempt(attempt_id, error=None):
    attempt = {"plan_attempt_id": attempt_id, "healthy": error is None, "attempt_start_time": "2026-01-01T00:00:0%dZ" % (
        1 if attempt_id == NEW else 0), "plan_attempt_log": []}
    if error:
        attempt["plan_attempt_log"] = [{"step_id": "plan-completed", "status": "error",
                                        "info_log": [{"message": error}]}]
    return attempt


class Clock(object):
    """A fake monotonic clock advanced by the fake sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def _polls(*infos):
    answers = list(infos)

    def fetch():
        return answers.pop(0) if len(answers) > 1 else answers[0]
    return fetch


def test_run_waiter_pending_then_success():
    clock = Clock()
    fetch = _polls({"main": {"pending": _attempt(NEW), "current": _attempt(OLD)}},
                   {"main": {"pending": _attempt(NEW), "current": _attempt(OLD)}},
                   {"main": {"current": _attempt(NEW)}})
    waiter = PlanWaiter(timeout=60, poll_interval=2, previous_attempt_ids={"main": OLD})
    state, summary = run_waiter(waiter, fetch, clock.time, clock.sleep)
    assert state == "done"
    assert summary["plan_observed"] is True
    assert summary["plans"]["main"]["state"] == "success"
    assert clock.sleeps == [2, 2]


def test_run_waiter_reports_plan_failure_message():
    clock = Clock()
    fetch = _polls({"main": {"pending": _attempt(NEW), "current": _attempt(OLD)}},
                   {"main": {"current": _attempt(NEW, error="Instance [instance-1] did not restart")}})
    waiter = PlanWaiter(timeout=60, poll_interval=1, previous_attempt_ids={"main": OLD})
    state, message = run_waiter(waiter, fetch, clock.time, clock.sleep)
    assert state == "failed"
    assert "Instance [instance-1] did not restart" in message


def test_run_waiter_times_out():
    clock = Clock()
    fetch = _polls({"main": {"pending": _attempt(NEW), "current": _attempt(OLD)}})
    waiter = PlanWaiter(timeout=5, poll_interval=2, previous_attempt_ids={"main": OLD})
    state, message = run_waiter(waiter, fetch, clock.time, clock.sleep)
    assert state == "timeout"
    assert "still has a pending plan" in message
    assert clock.now == pytest.approx(5)


def test_run_waiter_propagates_fetch_errors():
    clock = Clock()

    def fetch():
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        run_waiter(PlanWaiter(timeout=5), fetch, clock.time, clock.sleep)
