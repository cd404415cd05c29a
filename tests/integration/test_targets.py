"""Run every module integration target (``targets/<name>/tasks/main.yml``) against a fresh lab.

Each target is a role whose tasks assert what they expect (check mode writes nothing, a second run is
unchanged and sends no write, bad input fails clearly). Targets whose name starts with ``setup_`` are helpers.
"""

import os

import pytest

from harness import HERE, run_playbook, target_playbook  # pylint: disable=import-error

TARGETS = sorted(d for d in os.listdir(os.path.join(HERE, "targets"))
                 if not d.startswith("setup_") and os.path.isfile(os.path.join(HERE, "targets", d, "tasks", "main.yml")))


@pytest.mark.parametrize("target", TARGETS)
def test_target(lab, target):
    """The target's playbook passes against a fresh lab."""
    result = run_playbook(lab, target_playbook(target))
    assert result.rc == 0 and result.failed == 0, result.output[-6000:]
