"""Shared setup of the lab's tests: ``tests/lab`` on ``sys.path`` so that ``import eceops_lab`` works."""

import os
import sys

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if LAB_DIR not in sys.path:
    sys.path.insert(0, LAB_DIR)


def pytest_configure(config):
    """ECE node names are longer than X.520's 64-character bound for common names; cryptography warns about each one
    (eceops_lab.pki silences it outside pytest, which resets warning filters per test)."""
    config.addinivalue_line("filterwarnings", "ignore:Attribute's length must be:UserWarning")
