# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O, no clock) that interprets ECE plan state and decides how to wait for the plan
that an update starts.

Input is the ``info.plan_info`` object (``ElasticsearchClusterPlansInfo``) of a resource in
``GET /api/v1/deployments/{id}?show_plans=true&show_plan_logs=true`` (ece-api.md section 7):
``pending`` is present while a plan runs; ``current`` is the last attempt; ``history`` is filled only
with ``show_plan_history=true``.

Failure rule, the one Elastic's cloud-sdk-go uses (``pkg/plan/track_step.go``): the last step of the
attempt log is ``plan-completed`` with status ``error``; the message is the last ``info_log`` message of
that step, or ``"plan failed due to unknown error"`` when the log is empty. In addition (ece-api.md
section 7) an attempt with an ``error`` object or with ``healthy: false`` has failed.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

PLAN_COMPLETED_STEP = "plan-completed"
UNKNOWN_PLAN_ERROR = "plan failed due to unknown error"
STATES = ("pending", "success", "failed", "none")

# cloud-sdk-go / terraform-provider-ec defaults: poll every 2 s, finish after 4 polls without a pending plan.
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_SETTLE_POLLS = 4
DEFAULT_TIMEOUT = 600.0

RESOURCE_KINDS = ("elasticsearch", "kibana", "apm", "appsearch", "enterprise_search", "integrations_server")


def _status(state, attempt_id=None, message=None, failure_type=None, step_id=None):
    return {"state": state, "attempt_id": attempt_id, "message": message, "failure_type": failure_type, "step_id": step_id}


def _steps(attempt):
    log = (attempt or {}).get("plan_attempt_log") or []
    return [step for step in log if isinstance(step, dict)]


def last_step(attempt):
    """The last entry of ``plan_attempt_log`` (a ``ClusterPlanStepInfo``), or None."""
    steps = _steps(attempt)
    return steps[-1] if steps else None


def _last_log(step):
    logs = [entry for entry in ((step or {}).get("info_log") or []) if isinstance(entry, dict)]
    return logs[-1] if logs else None


def step_message(step):
    """Last ``info_log[].message`` of a step, or ``"plan failed due to unknown error"`` (cloud-sdk-go's rule)."""
    entry = _last_log(step)
    if entry and entry.get("message"):
        return entry["message"]
    return UNKNOWN_PLAN_ERROR


def attempt_status(attempt):
    """Status of one finished ``ElasticsearchClusterPlanInfo`` (an attempt that is not pending).

    Returns ``{state: "success"|"failed"|"none", attempt_id, message, failure_type, step_id}``.
    """
    if not isinstance(attempt, dict) or not attempt:
        return _status("none", message="no plan attempt")
    attempt_id = attempt.get("plan_attempt_id")
    step = last_step(attempt)
    step_id = step.get("step_id") if step else None
    error = attempt.get("error") if isinstance(attempt.get("error"), dict) and attempt.get("error") else None
    error_type = error.get("failure_type") if error else None

    if step and step_id == PLAN_COMPLETED_STEP and step.get("status") == "error":
        entry = _last_log(step) or {}
        return _status("failed", attempt_id, step_message(step), entry.get("failure_type") or error_type, step_id)

    error_steps = [s for s in _steps(attempt) if s.get("status") == "error"]
    if error:
        failed_step = error_steps[-1].get("step_id") if error_steps else step_id
        return _status("failed", attempt_id, error.get("message") or UNKNOWN_PLAN_ERROR, error_type, failed_step)

    if attempt.get("healthy") is False:
        if error_steps:
            entry = _last_log(error_steps[-1]) or {}
            return _status("failed", attempt_id, step_message(error_steps[-1]), entry.get("failure_type"),
                           error_steps[-1].get("step_id"))
        return _status("failed", attempt_id, "plan attempt %s is not healthy" % (attempt_id or "(no id)"), None, step_id)

    entry = _last_log(step)
    return _status("success", attempt_id, entry.get("message") if entry else None, None, step_id)


def _newer_history_attempt(current, history):
    """The last history entry when it is a newer attempt than ``current`` (a failed attempt that did not become current)."""
    if not history:
        return None
    candidate = history[-1]
    if not isinstance(candidate, dict) or candidate.get("plan_attempt_id") in (None, (current or {}).get("plan_attempt_id")):
        return None
    start, current_start = candidate.get("attempt_start_time"), (current or {}).get("attempt_start_time")
    # Only trust the order when both carry a start time; ISO-8601 UTC strings of one API compare in time order.
    if isinstance(start, str) and isinstance(current_start, str) and start > current_start:
        return candidate
    return None


def plan_status(plan_info, previous_attempt_id=None):
    """Interpret ``info.plan_info`` of one resource.

    Returns ``{state, attempt_id, message, failure_type, step_id}`` where ``state`` is

    * ``"pending"`` while ``pending`` exists (``message`` is the latest log line of the running step);
    * ``"failed"`` when the current attempt failed (see the module docstring);
    * ``"success"`` otherwise;
    * ``"none"`` when there is no attempt at all, or when ``previous_attempt_id`` is given and is still the
      latest attempt (the plan an update started has not appeared or finished yet).

    Without ``current`` the last ``history`` entry is used (resources whose first plan failed). With
    ``previous_attempt_id``, a newer history entry (by ``attempt_start_time``) wins over ``current``.
    """
    if not isinstance(plan_info, dict):
        return _status("none", message="no plan information (read the deployment with show_plans=true)")
    pending = plan_info.get("pending")
    if isinstance(pending, dict) and pending:
        step = last_step(pending)
        entry = _last_log(step)
        return _status("pending", pending.get("plan_attempt_id"), entry.get("message") if entry else None, None,
                       step.get("step_id") if step else None)
    history = [h for h in (plan_info.get("history") or []) if isinstance(h, dict)]
    current = plan_info.get("current") if isinstance(plan_info.get("current"), dict) and plan_info.get("current") else None
    attempt = current or (history[-1] if history else None)
    if attempt is None:
        return _status("none", message="the resource has no plan attempt")
    if previous_attempt_id is not None and attempt.get("plan_attempt_id") == previous_attempt_id:
        newer = _newer_history_attempt(attempt, history)
        if newer is None:
            return _status("none", previous_attempt_id,
                           "plan attempt %s is still the latest one; no new plan has run" % previous_attempt_id)
        attempt = newer
    return attempt_status(attempt)


def plan_infos_from_deployment(deployment, kinds=("elasticsearch",)):
    """``{key: info.plan_info}`` for the resources of a ``DeploymentGetResponse``.

    Elasticsearch resources are keyed by ``ref_id``; other kinds by ``"<kind>:<ref_id>"``.
    """
    result = {}
    resources = (deployment or {}).get("resources") or {}
    for kind in kinds:
        for resource in resources.get(kind) or []:
            if not isinstance(resource, dict):
                continue
            ref_id = resource.get("ref_id")
            key = ref_id if kind == "elasticsearch" else "%s:%s" % (kind, ref_id)
            result[key] = ((resource.get("info") or {}).get("plan_info"))
    return result


def current_attempt_ids(plan_infos_by_ref):
    """``{ref: current.plan_attempt_id}``: record before an update and pass to ``PlanWaiter(previous_attempt_ids=...)``."""
    result = {}
    for ref, info in (plan_infos_by_ref or {}).items():
        current = (info or {}).get("current") if isinstance(info, dict) else None
        result[ref] = (current or {}).get("plan_attempt_id") if isinstance(current, dict) else None
    return result


def _seconds(value):
    return "%ds" % int(round(value))


class PlanWaiter:
    """State machine that decides, poll by poll, whether the plans an update started are finished.

    It never sleeps and has no clock: the caller fetches the deployment, calls
    ``observe(plan_infos_by_ref, now)`` with its own monotonic ``now`` (seconds), and acts on the answer:

    * ``("wait", delay)``: poll again after ``delay`` seconds;
    * ``("done", summary)``: every plan that appeared has finished successfully, or no plan appeared during
      ``settle_polls`` consecutive polls (a change that needs no plan);
    * ``("failed", message)``: at least one plan failed (message from the plan, per resource);
    * ``("timeout", message)``: ``timeout`` seconds passed since the first observation.

    ``plan_infos_by_ref`` maps a resource key (the ``ref_id``) to its ``info.plan_info``; see
    ``plan_infos_from_deployment``. ``previous_attempt_ids`` (``{ref: current.plan_attempt_id}`` read *before*
    the update, see ``current_attempt_ids``) lets the waiter notice a plan that started and finished between two
    polls; without it such a plan is only covered by the settle rule.

    Once a terminal answer is given, ``observe`` keeps returning it. ``summary`` has the keys ``plans``
    (``{ref: plan_status dict}`` of the plans seen), ``plan_observed``, ``polls``, ``elapsed`` and ``message``.
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT, poll_interval=DEFAULT_POLL_INTERVAL, settle_polls=DEFAULT_SETTLE_POLLS,
                 previous_attempt_ids=None):
        if timeout is None or timeout < 0:
            raise ValueError("timeout must be >= 0 seconds, got %r" % (timeout,))
        if poll_interval is None or poll_interval <= 0:
            raise ValueError("poll_interval must be > 0 seconds, got %r" % (poll_interval,))
        if isinstance(settle_polls, bool) or not isinstance(settle_polls, int) or settle_polls < 1:
            raise ValueError("settle_polls must be an integer >= 1, got %r" % (settle_polls,))
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.settle_polls = settle_polls
        self.previous_attempt_ids = dict(previous_attempt_ids or {})
        self.started_at = None
        self.polls = 0
        self.quiet_polls = 0
        self.seen = {}            # ref -> attempt id of the plan seen (pending or finished)
        self.pending_since = {}   # ref -> now of the first poll that showed it pending
        self.pending = {}         # ref -> plan_status of the plans pending at the last poll
        self.finished = {}        # ref -> final plan_status of the plans seen
        self.result = None

    def _final_status(self, ref, plan_info):
        """Status of the attempt seen pending for ``ref``, now that nothing is pending."""
        if plan_info is None:
            return _status("none", self.seen.get(ref), "the resource is no longer in the deployment")
        attempt_id = self.seen.get(ref)
        candidates = [plan_info.get("current")] + list(reversed(plan_info.get("history") or []))
        for attempt in candidates:
            if isinstance(attempt, dict) and attempt_id is not None and attempt.get("plan_attempt_id") == attempt_id:
                return attempt_status(attempt)
        return plan_status(plan_info)

    def observe(self, plan_infos_by_ref, now):
        """Feed one poll. See the class docstring for the answers."""
        if self.result is not None:
            return self.result
        if self.started_at is None:
            self.started_at = now
        self.polls += 1
        elapsed = now - self.started_at
        infos = dict(plan_infos_by_ref or {})

        self.pending = {}
        for ref in sorted(set(infos) | set(self.seen)):
            info = infos.get(ref)
            previous = self.previous_attempt_ids.get(ref)
            status = plan_status(info, previous_attempt_id=previous)
            if status["state"] == "pending":
                self.pending[ref] = status
                if self.seen.get(ref) != status["attempt_id"] or ref in self.finished:
                    self.pending_since[ref] = now
                self.pending_since.setdefault(ref, now)
                self.seen[ref] = status["attempt_id"]
                self.finished.pop(ref, None)
            elif ref in self.seen:
                if ref not in self.finished:
                    self.finished[ref] = self._final_status(ref, info)
            elif previous is not None and status["state"] in ("success", "failed"):
                # A new attempt started and ended between two polls.
                self.seen[ref] = status["attempt_id"]
                self.finished[ref] = status

        if self.pending:
            self.quiet_polls = 0
        else:
            self.quiet_polls += 1
            if self.seen:
                failures = dict((ref, s) for ref, s in self.finished.items() if s["state"] == "failed")
                if failures:
                    self.result = ("failed", self._failure_message(failures))
                else:
                    self.result = ("done", self._summary(elapsed, "plan finished successfully for %s"
                                                         % ", ".join("'%s'" % ref for ref in sorted(self.finished))))
                return self.result
            if self.quiet_polls >= self.settle_polls:
                self.result = ("done", self._summary(elapsed, "no plan started after %d polls; nothing to wait for" % self.quiet_polls))
                return self.result

        if elapsed >= self.timeout:
            self.result = ("timeout", self._timeout_message(now, elapsed))
            return self.result
        return ("wait", min(self.poll_interval, self.timeout - elapsed))

    def _summary(self, elapsed, message):
        return {
            "plans": dict((ref, dict(status)) for ref, status in sorted(self.finished.items())),
            "plan_observed": bool(self.seen),
            "polls": self.polls,
            "elapsed": elapsed,
            "message": message,
        }

    @staticmethod
    def _failure_message(failures):
        parts = []
        for ref in sorted(failures):
            status = failures[ref]
            text = "plan for resource '%s'" % ref
            if status.get("attempt_id"):
                text += " (attempt %s)" % status["attempt_id"]
            text += " failed"
            if status.get("step_id"):
                text += " at step '%s'" % status["step_id"]
            text += ": %s" % (status.get("message") or UNKNOWN_PLAN_ERROR)
            if status.get("failure_type"):
                text += " [failure_type: %s]" % status["failure_type"]
            parts.append(text)
        return "; ".join(parts)

    def _timeout_message(self, now, elapsed):
        if self.pending:
            parts = []
            for ref in sorted(self.pending):
                status = self.pending[ref]
                text = "resource '%s' still has a pending plan after %s" % (ref, _seconds(now - self.pending_since.get(ref, now)))
                details = []
                if status.get("attempt_id"):
                    details.append("attempt %s" % status["attempt_id"])
                if status.get("step_id"):
                    details.append("step '%s'" % status["step_id"])
                if details:
                    text += " (%s)" % ", ".join(details)
                parts.append(text)
            message = "timed out after %s waiting for ECE plans: %s" % (_seconds(elapsed), "; ".join(parts))
        else:
            message = ("timed out after %s waiting for an ECE plan to start (%d of %d quiet polls)"
                       % (_seconds(elapsed), self.quiet_polls, self.settle_polls))
        failures = dict((ref, s) for ref, s in self.finished.items() if s["state"] == "failed")
        if failures:
            message += "; already failed: %s" % self._failure_message(failures)
        return message


def run_waiter(waiter, fetch, clock, sleep):
    """Drive a ``PlanWaiter`` to its terminal answer; the caller supplies every side effect.

    ``fetch()`` returns one poll (``{ref: info.plan_info}``, see ``plan_infos_from_deployment``), ``clock()`` a
    monotonic time in seconds and ``sleep(seconds)`` waits. Returns ``("done", summary)``, ``("failed", message)``
    or ``("timeout", message)``, exactly as ``PlanWaiter.observe`` answered last. Exceptions of ``fetch`` propagate.
    """
    while True:
        state, payload = waiter.observe(fetch(), clock())
        if state != "wait":
            return state, payload
        sleep(payload)
