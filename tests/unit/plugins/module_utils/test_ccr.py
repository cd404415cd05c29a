# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure CCR helpers (tuning parameters, names, _remote/info sentences)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _ccr
from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError


@pytest.mark.parametrize("text, expected", [
    ("32mb", 33554432), ("33554432b", 33554432), ("32768kb", 33554432), ("1GB", 1073741824), ("512m", 536870912),
    ("9223372036854775807b", 9223372036854775807), ("1.5kb", 1536),
])
def test_parse_byte_size(text, expected):
    assert _ccr.parse_byte_size(text) == expected


@pytest.mark.parametrize("text", ["32", "mb", "32 bytes", "-1mb", ""])
def test_parse_byte_size_rejects(text):
    with pytest.raises(ValueError):
        _ccr.parse_byte_size(text)


@pytest.mark.parametrize("text, expected", [("500ms", 500.0), ("1m", 60000.0), ("60s", 60000.0), ("1h", 3600000.0),
                                            ("1000micros", 1.0), ("2d", 172800000.0)])
def test_parse_duration(text, expected):
    assert _ccr.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["1", "1 minute", "5M", "abc"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        _ccr.parse_duration(text)


def test_tuning_differences():
    current = {"max_read_request_size": "32mb", "read_poll_timeout": "1m", "max_outstanding_read_requests": 12}
    assert _ccr.tuning_differences({"max_read_request_size": "32768kb", "read_poll_timeout": "60s"}, current) == []
    assert _ccr.tuning_differences({"max_outstanding_read_requests": 24}, current) == ["max_outstanding_read_requests"]
    assert _ccr.tuning_differences({"max_retry_delay": "500ms"}, current) == ["max_retry_delay"]
    assert _ccr.tuning_differences({}, None) == []


def test_given_tuning_and_spec():
    params = dict((name, None) for name in _ccr.TUNING_NAMES)
    params["max_retry_delay"] = "1s"
    assert _ccr.given_tuning(params) == {"max_retry_delay": "1s"}
    spec = _ccr.tuning_argument_spec()
    assert spec["max_write_buffer_count"] == {"type": "int"} and spec["max_write_buffer_size"] == {"type": "str"}
    assert set(spec) == set(_ccr.TUNING_DEFAULTS)


@pytest.mark.parametrize("params, text", [
    ({"max_write_buffer_count": 0}, "larger than 0"),
    ({"max_write_request_size": "0b"}, "larger than 0"),
    ({"max_retry_delay": "301s"}, "at most 5m"),
    ({"read_poll_timeout": "soon"}, "is not a time value"),
])
def test_validate_tuning(params, text):
    with pytest.raises(ModuleParameterError) as info:
        _ccr.validate_tuning(params)
    assert text in str(info.value) and info.value.parameter == list(params)[0]


def test_validate_tuning_accepts_good_values():
    _ccr.validate_tuning({"max_retry_delay": "5m", "max_read_request_size": "1kb", "max_outstanding_read_requests": 1})


@pytest.mark.parametrize("name", ["copy", "leader-lab", ".ds-logs-2026.01.01-000001", "a" * 255])
def test_validate_index_name_accepts(name):
    _ccr.validate_index_name(name, "index")


@pytest.mark.parametrize("name, text", [("", "must not be empty"), ("A", "uppercase"), ("a b", "' '"), ("a*", "no wildcards"),
                                        ("-a", "starts with '-'"), ("..", "not a valid index name"), ("a" * 256, "255 bytes"),
                                        ("r:x", "':'")])
def test_validate_index_name_rejects(name, text):
    with pytest.raises(ModuleParameterError) as info:
        _ccr.validate_index_name(name, "leader_index")
    assert text in str(info.value) and info.value.parameter == "leader_index"


def test_validate_remote_alias():
    _ccr.validate_remote_alias("logs_a-1")
    with pytest.raises(ModuleParameterError) as info:
        _ccr.validate_remote_alias("logs.a")
    assert info.value.parameter == "remote_cluster"


def test_resolve_cluster_path():
    assert _ccr.resolve_cluster_path("logs", "*") == "/_resolve/cluster/logs:*"
    assert _ccr.resolve_cluster_path("logs", "leader-lab") == "/_resolve/cluster/logs:leader-lab"


def test_describe_remote_info():
    assert _ccr.describe_remote_info(None) == "it is not listed by GET /_remote/info"
    text = _ccr.describe_remote_info({"connected": False, "mode": "proxy", "proxy_address": "h:9443", "server_name": "h",
                                      "num_proxy_sockets_connected": 0, "max_proxy_socket_connections": 18,
                                      "cluster_credentials": "::es_redacted::"})
    assert text == ("GET /_remote/info reports connected=false, mode proxy, proxy_address h:9443, server_name h, 0 of 18 proxy "
                    "sockets open, API key model (cluster.remote.<alias>.credentials is loaded)")
    text = _ccr.describe_remote_info({"connected": True, "mode": "sniff", "seeds": ["a:9300"], "num_nodes_connected": 1})
    assert "seeds a:9300, 1 nodes connected, certificate model" in text
