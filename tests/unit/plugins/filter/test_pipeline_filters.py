# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pipeline filters: names, argument checks, errors as AnsibleFilterError."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.filter import pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER_DIR = os.path.join(HERE, "..", "..", "..", "..", "plugins", "filter")


def test_every_filter_is_documented():
    for name in pipeline.FilterModule().filters():
        assert os.path.isfile(os.path.join(FILTER_DIR, name + ".yml")), name


def test_errors_become_filter_errors():
    with pytest.raises(AnsibleFilterError, match="trust_kind"):
        pipeline.trust_kind({"type": "self_managed"}, {"type": "ece"})
    with pytest.raises(AnsibleFilterError, match="must be a dict"):
        pipeline.trust_plan("not a dict", {}, {}, "x")
    with pytest.raises(AnsibleFilterError, match="remote_cluster_key_name"):
        pipeline.remote_cluster_key_name("x", {})
    with pytest.raises(AnsibleFilterError, match="trust_ca_needed"):
        pipeline.trust_ca_needed({}, {"api_key_ca_pems": ["x"]}, "sometimes")


def test_small_filters():
    assert pipeline.ownership_tag_key("logs") == "eceops-rc-logs"
    assert pipeline.trust_entry_name("logs", {"label": "remote", "cluster_id": "c1"}, proxy=True) == "eceops logs remote c1 proxy"
    assert pipeline.remote_cluster_key_name("logs", {"cluster_id": "c1"}) == "logs-c1"
    assert pipeline.ownership_record_text(pipeline.ownership_record_merge("", {"accounts": {"a": {"added": ["c"], "created": False}}})) == \
        '{"accounts":{"a":{"added":["c"],"created":false}}}'
    assert pipeline.trust_kind({"type": "ece", "same_environment_key": "k"}, {"type": "ece", "same_environment_key": "k"}) == "accounts"
