#!/usr/bin/env python
"""Benchmark: time and API calls of the scenario playbooks against the lab. Prints figures; asserts nothing.

For each scenario and model: the playbook in check mode, the real run, a second run and ``state: absent``, each on
the same fresh lab (reset between scenarios). Per run: wall-clock seconds of ``ansible-playbook``, the requests the
lab received (all, and the writes among them) and the ``changed`` count of the recap. Also how long the lab takes to
start and to reset.

Run it from the build copy (``scripts/bench`` does): python benchmarks/scenario_runs.py [-s A -s D] [-m api_key]
The lab runs in this process (instance 40 by default, 127.0.40.x) with the integration tests' short delays.
"""

import argparse
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from harness import COLLECTION, LabHandle, run_playbook  # noqa: E402  pylint: disable=wrong-import-position,import-error
import test_scenarios as scenarios  # noqa: E402  pylint: disable=wrong-import-position,import-error

LETTERS = {"A": "ece_to_same_ece", "B": "ece_to_other_ece", "C": "ece_to_ech", "F": "same_ece_to_ece",
           "G": "other_ece_to_ece", "H": "ech_to_ece"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("-s", "--scenario", action="append", choices=sorted(LETTERS), help="scenario letter (repeatable)")
    parser.add_argument("-m", "--model", action="append", choices=scenarios.MODELS, help="security model (repeatable)")
    parser.add_argument("--instance", type=int, default=40)
    args = parser.parse_args()
    letters = args.scenario or ["A", "B", "C"]
    models = args.model or list(scenarios.MODELS)

    started = time.time()
    lab = LabHandle(args.instance)
    start_seconds = time.time() - started
    rows = []
    try:
        started = time.time()
        lab.reset()
        reset_seconds = time.time() - started
        print("lab start %.2f s, lab reset %.2f s" % (start_seconds, reset_seconds), flush=True)
        for letter in letters:
            name = LETTERS[letter]
            playbook = os.path.join(COLLECTION, "playbooks", name + ".yml")
            for model in models:
                lab.reset()
                extra = scenarios.scenario_vars(lab, name, model)
                absent = dict(extra, **{"%s_state" % name: "absent"})
                for phase, variables, check in (("check", extra, True), ("run", extra, False),
                                                ("second run", extra, False), ("absent", absent, False)):
                    mark = lab.mark()
                    result = run_playbook(lab, playbook, extra_vars=variables, check=check)
                    requests = lab.world.log.query(since=mark)
                    writes = [r for r in requests if r["write"]]
                    row = (letter, model, phase, result.duration, len(requests), len(writes), result.changed,
                           "ok" if result.rc == 0 and result.failed == 0 else "FAILED rc=%s" % result.rc)
                    rows.append(row)
                    print("%-2s %-12s %-11s %6.1f s %5d requests %4d writes changed=%-3d %s" % row, flush=True)
    finally:
        lab.stop()

    print("\nsummary (seconds per phase, mean over the runs above)")
    for phase in ("check", "run", "second run", "absent"):
        times = [r[3] for r in rows if r[2] == phase]
        if times:
            print("  %-11s %6.1f s  (min %.1f, max %.1f, %d runs)" % (phase, sum(times) / len(times), min(times), max(times), len(times)))
    second = [r for r in rows if r[2] == "second run"]
    print("  second runs with a write: %d of %d" % (sum(1 for r in second if r[5]), len(second)))
    return 1 if any(r[7] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
