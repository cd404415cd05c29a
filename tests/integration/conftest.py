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
    """The worker's lab, reset to a fresh state for this test."""
    lab_session.reset()
    return lab_session


def pytest_configure(config):
    """Make ``harness`` importable."""
    import sys  # pylint: disable=import-outside-toplevel
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
