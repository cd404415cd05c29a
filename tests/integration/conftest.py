"""Fixtures of the integration tests: one lab per pytest worker (instance ECEOPS_LAB_BASE_INSTANCE, default 10, + worker number).

``worker_id`` is pytest-xdist's fixture ("master" without xdist)."""

import os

import pytest

from harness import LabHandle  # pylint: disable=import-error


def _instance(worker_id):
    base = int(os.environ.get("ECEOPS_LAB_BASE_INSTANCE", "10"))
    if worker_id in (None, "master"):
        return base
    return base + int(worker_id.replace("gw", ""))


@pytest.fixture(scope="session")
def lab_session(worker_id):
    """A running lab for this worker."""
    handle = LabHandle(_instance(worker_id))
    yield handle
    handle.stop()


@pytest.fixture
def lab(lab_session):
    """The worker's lab, reset to a fresh state for this test.

    After the test, every request the test sent must conform to the official specs: the lab marks each answer the
    ECE swagger or the Elasticsearch REST spec dictates (unknown path or method, bad parameter, body schema) with the
    note ``spec-rejected: <code>`` in its request log, and a test whose requests drew one fails, even when its playbook
    tolerated the failure (``failed_when: false``, ``ignore_errors``)."""
    lab_session.reset()
    mark = lab_session.mark()
    yield lab_session
    rejected = lab_session.spec_rejected_since(mark)
    if rejected:
        pytest.fail("the lab rejected %d request(s) of this test by the official spec:\n%s"
                    % (len(rejected), "\n".join(describe(entry) for entry in rejected)), pytrace=False)


def describe(entry):
    """One request-log entry as a line (the log holds no secret)."""
    return "  %s %s %s%s -> %s (%s)" % (entry["service"], entry["method"], entry["path"],
                                        "?" + entry["query"] if entry.get("query") else "", entry["status"], entry["note"])


# Longest first, so the parallel workers finish together (a 100 s scenario test started last would run alone).
_LONGEST_FIRST = ("test_scenarios_selfmanaged_eck.py", "test_scenarios.py", "test_inclusion.py", "test_awx_launch.py",
                  "test_target[role_")


def pytest_collection_modifyitems(items):
    """Order the tests longest first (a stable sort: the order within a group is kept)."""
    def rank(item):
        for position, marker in enumerate(_LONGEST_FIRST):
            if marker in item.nodeid:
                return position
        return len(_LONGEST_FIRST)
    items.sort(key=rank)


def pytest_configure(config):
    """Make ``harness`` importable."""
    import sys  # pylint: disable=import-outside-toplevel
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
