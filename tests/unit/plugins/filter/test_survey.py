# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the json_text filter (plugins/filter/survey.py): structured role variables given as text."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.filter.survey import FilterModule, json_text


def test_registered():
    assert FilterModule().filters()["json_text"] is json_text


@pytest.mark.parametrize("value", [{"search": [{"names": ["*"]}]}, ["a"], None, 3, True])
def test_structures_pass_unchanged(value):
    assert json_text(value, "v") is value


def test_json_mapping_text():
    assert json_text(' {"search": [{"names": ["logs-*"]}]}\n', "access") == {"search": [{"names": ["logs-*"]}]}


def test_json_list_text():
    assert json_text('["10.0.0.1", "10.0.0.2"]', "ips", "list") == ["10.0.0.1", "10.0.0.2"]


def test_list_as_lines_or_commas():
    assert json_text("10.0.0.1, 10.0.0.2\n10.0.0.3\n\n", "ips", "list") == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def test_empty_text():
    assert json_text("  ", "access") is None
    assert json_text("", "ips", "list") == []


def test_invalid_json_names_the_variable_and_hides_the_text():
    with pytest.raises(AnsibleFilterError) as err:
        json_text('{"api_key": "s3cr3t-value",}', "local_es")
    message = str(err.value)
    assert message.startswith("local_es: the text is not valid JSON")
    assert "s3cr3t-value" not in message
    assert '{"key": "value"}' in message


def test_wrong_kind():
    with pytest.raises(AnsibleFilterError, match=r"access: the JSON text is a list, a mapping is expected"):
        json_text('["a"]', "access")
    with pytest.raises(AnsibleFilterError, match=r"ips: the JSON text is a mapping, a list is expected"):
        json_text('{"a": 1}', "ips", "list")


def test_plain_text_for_a_mapping():
    with pytest.raises(AnsibleFilterError, match=r"^search_role: a mapping is expected, not plain text"):
        json_text("reader", "search_role")
