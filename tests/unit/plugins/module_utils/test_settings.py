# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_settings.py (cluster.remote.<alias>.* logic)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import (
    ALIAS_RE, STRICT_ALIAS_RE, RemoteSpec, all_aliases, build_body, current_remote, default_skip_unavailable,
    desired_remote, diff_view, effective_skip_unavailable, flatten_settings, normalize_value, parse_version,
    plan_removal, plan_update, resolve_mode, setting_key, suggest_alias, validate_address, validate_alias,
    validate_server_name, validate_spec, values_equal)

EP = "a542184a7a7d45b88b83f95392f450ab.192.168.44.10.ip.es.io"


def joined(errors):
    return " | ".join(errors)


# ------------------------------------------------------------------------------------------ aliases

@pytest.mark.parametrize("alias", ["ece_prod", "ECE-Prod", "a", "A_1-b", "x" * 80])
def test_alias_valid_for_elasticsearch(alias):
    assert validate_alias(alias) == []
    assert ALIAS_RE.fullmatch(alias)


@pytest.mark.parametrize("alias", ["ece_prod", "a-1", "_x"])
def test_alias_valid_strict(alias):
    assert validate_alias(alias, strict=True) == []
    assert STRICT_ALIAS_RE.fullmatch(alias)


def test_alias_uppercase_only_rejected_in_strict_mode():
    assert validate_alias("ProdEU") == []
    errors = validate_alias("ProdEU", strict=True)
    assert len(errors) == 1
    assert "lowercase" in errors[0]
    assert "'prodeu'" in errors[0]


@pytest.mark.parametrize("alias, needle, suggestion", [
    ("prod.eu", "'.'", "prod_eu"),
    ("prod:eu", "':'", "prod_eu"),
    ("prod*", "'*'", "prod"),
    ("prod eu", "whitespace", "prod_eu"),
])
def test_alias_invalid_characters_explain_why_and_what_to_use(alias, needle, suggestion):
    errors = validate_alias(alias)
    assert len(errors) == 1, errors
    assert needle in errors[0]
    assert "'%s'" % suggestion in errors[0]


def test_alias_colon_message_mentions_cross_cluster_syntax():
    assert "alias:index" in joined(validate_alias("a:b"))


def test_alias_several_problems_are_all_reported():
    errors = validate_alias("My.Alias:1", strict=True)
    text = joined(errors)
    assert "'.'" in text and "':'" in text and "uppercase" in text
    assert len(errors) == 3


def test_alias_empty_and_none():
    assert "must not be empty" in joined(validate_alias(""))
    assert "must be a string" in joined(validate_alias(None))
    assert "must be a string" in joined(validate_alias(3))


def test_alias_local_is_reserved():
    errors = validate_alias("(local)")
    assert len(errors) == 1
    assert "reserved" in errors[0]


def test_alias_non_ascii_and_trailing_newline_rejected():
    assert "not allowed" in joined(validate_alias("café"))
    assert validate_alias("abc\n") != []
    assert not ALIAS_RE.fullmatch("abc\n")


def test_suggest_alias():
    assert suggest_alias("Prod.EU west") == "prod_eu_west"
    assert suggest_alias("Prod.EU", strict=False) == "Prod_EU"
    assert suggest_alias("***") == "remote_cluster"


# ------------------------------------------------------------------------------------------ addresses

@pytest.mark.parametrize("address", [EP + ":9443", "10.0.0.1:9400", "[2001:db8::1]:9443", "h:1", "h:65535", "my_host-1.local:9300"])
def test_address_valid(address):
    assert validate_address(address) == []


def test_address_ipv6_without_brackets_says_add_brackets():
    errors = validate_address("fd00:1::5:9443")
    assert len(errors) == 1
    assert "add brackets" in errors[0]
    assert "'[fd00:1::5]:9443'" in errors[0]


def test_address_ipv6_without_brackets_and_port():
    errors = validate_address("2001:db8::1")
    assert len(errors) == 1
    assert "brackets" in errors[0] and "port" in errors[0]
    assert "[2001:db8::1]:9443" in errors[0]


def test_address_bracketed_ipv6_without_port():
    errors = validate_address("[2001:db8::1]")
    assert len(errors) == 1
    assert "no port" in errors[0]


def test_address_brackets_around_non_ipv6():
    assert "not a valid IPv6" in joined(validate_address("[myhost]:9443"))


def test_address_unclosed_bracket():
    assert "closing ']'" in joined(validate_address("[2001:db8::1:9443"))


def test_address_missing_port():
    errors = validate_address(EP)
    assert len(errors) == 1
    assert "no port" in errors[0]
    assert "%s:9443" % EP in errors[0]


@pytest.mark.parametrize("address, needle", [
    ("host:0", "out of range"),
    ("host:65536", "out of range"),
    ("host:", "empty port"),
    ("host:abc", "not a number"),
    ("host:-1", "not a number"),
    (":9443", "no host"),
])
def test_address_bad_port_or_host(address, needle):
    errors = validate_address(address)
    assert len(errors) == 1, errors
    assert needle in errors[0]


def test_address_port_zero_names_the_range():
    assert "between 1 and 65535" in joined(validate_address("host:0"))


def test_address_scheme_is_rejected_with_hint():
    errors = validate_address("https://%s:9443" % EP)
    assert len(errors) == 1
    assert "scheme" in errors[0] and "'https://'" in errors[0]
    assert "drop it" in errors[0]
    assert "'%s:9443'" % EP in errors[0]


def test_address_path_whitespace_and_bad_chars():
    assert "path" in joined(validate_address("host:9443/x"))
    assert "whitespace" in joined(validate_address("host :9443"))
    assert "characters that are not valid" in joined(validate_address("ho$t:9443"))


def test_address_uses_the_given_option_name():
    assert validate_address("nope", what="seeds[2]")[0].startswith("seeds[2] ")
    assert validate_address("nope")[0].startswith("proxy_address ")


def test_address_empty_and_non_string():
    assert "must not be empty" in joined(validate_address(""))
    assert "must be a string" in joined(validate_address(None))


def test_server_name():
    assert validate_server_name(EP) == []
    assert "without a port" in joined(validate_server_name(EP + ":9443"))
    assert "scheme" in joined(validate_server_name("https://" + EP))
    assert validate_server_name(12) != []


# ------------------------------------------------------------------------------------------ spec validation

def proxy_spec(**kwargs):
    spec = dict(mode="proxy", proxy_address=EP + ":9443", server_name=EP)
    spec.update(kwargs)
    return spec


def sniff_spec(**kwargs):
    spec = dict(mode="sniff", seeds=["10.0.0.1:9300", "10.0.0.2:9300"])
    spec.update(kwargs)
    return spec


def test_spec_valid_proxy_and_sniff():
    assert validate_spec("ece_prod", proxy_spec(proxy_socket_connections=18, skip_unavailable=True,
                                                transport_compress="indexing_data", transport_ping_schedule="30s",
                                                transport_compression_scheme="lz4")) == []
    assert validate_spec("ece_prod", sniff_spec(node_connections=3, transport_compress=False, transport_ping_schedule=-1)) == []


def test_spec_accepts_remote_spec_object():
    assert validate_spec("a", RemoteSpec(mode="proxy", proxy_address="h:9443")) == []
    assert validate_spec("a", RemoteSpec(mode="proxy")) != []


@pytest.mark.parametrize("option, value", [("seeds", ["h:9300"]), ("node_connections", 3)])
def test_spec_sniff_option_with_proxy_mode(option, value):
    errors = validate_spec("a", proxy_spec(**{option: value}))
    assert len(errors) == 1
    assert "'%s'" % option in errors[0]
    assert "mode is 'proxy'" in errors[0]


@pytest.mark.parametrize("option, value", [("proxy_address", "h:9443"), ("server_name", "h"), ("proxy_socket_connections", 18)])
def test_spec_proxy_option_with_sniff_mode(option, value):
    errors = validate_spec("a", sniff_spec(**{option: value}))
    assert len(errors) == 1
    assert "'%s'" % option in errors[0]
    assert "mode is 'sniff'" in errors[0]


def test_spec_required_address_per_mode():
    assert "requires proxy_address" in joined(validate_spec("a", {"mode": "proxy"}))
    assert "requires seeds" in joined(validate_spec("a", {"mode": "sniff"}))
    assert "requires seeds" in joined(validate_spec("a", {"mode": "sniff", "seeds": []}))


def test_spec_bad_mode():
    errors = validate_spec("a", {"mode": "direct", "proxy_address": "h:1"})
    assert errors == ["mode must be 'proxy' or 'sniff', got 'direct'"]


def test_spec_mode_is_case_insensitive():
    assert validate_spec("a", {"mode": "PROXY", "proxy_address": "h:1"}) == []


@pytest.mark.parametrize("option, value", [
    ("proxy_socket_connections", 0), ("proxy_socket_connections", -2), ("proxy_socket_connections", True),
    ("proxy_socket_connections", "x"),
])
def test_spec_numbers_must_be_at_least_one(option, value):
    errors = validate_spec("a", proxy_spec(**{option: value}))
    assert len(errors) == 1
    assert option in errors[0] and ">= 1" in errors[0]


def test_spec_node_connections_must_be_at_least_one():
    assert ">= 1" in joined(validate_spec("a", sniff_spec(node_connections=0)))
    assert validate_spec("a", sniff_spec(node_connections="5")) == []


def test_spec_address_errors_are_included():
    assert "no port" in joined(validate_spec("a", proxy_spec(proxy_address=EP)))
    errors = validate_spec("a", sniff_spec(seeds=["ok:9300", "2001:db8::1:9300"]))
    assert len(errors) == 1 and errors[0].startswith("seeds[1] ")


def test_spec_includes_alias_errors_and_strict_rule():
    assert "'.'" in joined(validate_spec("a.b", proxy_spec()))
    assert validate_spec("Prod", proxy_spec()) == []
    assert "lowercase" in joined(validate_spec("Prod", proxy_spec(), strict_alias=True))


@pytest.mark.parametrize("option, value", [
    ("skip_unavailable", "yes"), ("transport_compress", "gzip"), ("transport_ping_schedule", "30"),
    ("transport_ping_schedule", 30), ("transport_ping_schedule", "-5s"), ("transport_compression_scheme", "zstd"),
])
def test_spec_bad_enum_and_time_values(option, value):
    errors = validate_spec("a", proxy_spec(**{option: value}))
    assert len(errors) == 1
    assert option in errors[0]


@pytest.mark.parametrize("option, value", [
    ("skip_unavailable", "TRUE"), ("transport_compress", True), ("transport_compress", "INDEXING_DATA"),
    ("transport_ping_schedule", "5M"), ("transport_ping_schedule", "-1"), ("transport_ping_schedule", "0"),
    ("transport_compression_scheme", "DEFLATE"),
])
def test_spec_good_enum_and_time_values(option, value):
    assert validate_spec("a", proxy_spec(**{option: value})) == []


def test_spec_server_name_with_port_rejected():
    assert "without a port" in joined(validate_spec("a", proxy_spec(server_name=EP + ":9443")))


def test_resolve_mode():
    assert resolve_mode({"proxy_address": "h:1"}) == "proxy"
    assert resolve_mode({}) == "proxy"
    assert resolve_mode({"seeds": ["h:1"]}) == "sniff"
    assert resolve_mode({"seeds": ["h:1"], "proxy_address": "h:2"}) == "proxy"
    assert resolve_mode({"mode": "SNIFF"}) == "sniff"


def test_spec_without_mode_and_both_addresses_flags_seeds():
    errors = validate_spec("a", {"seeds": ["h:1"], "proxy_address": "h:2"})
    assert len(errors) == 1 and "'seeds'" in errors[0]


def test_remote_spec_roundtrip_and_ignores_other_params():
    spec = RemoteSpec.from_dict({"mode": "proxy", "proxy_address": "h:1", "state": "present", "alias": "x"})
    assert spec.to_dict()["proxy_address"] == "h:1"
    assert "state" not in spec.to_dict()
    assert spec == RemoteSpec(mode="proxy", proxy_address="h:1")
    assert spec != RemoteSpec(mode="proxy", proxy_address="h:2")
    assert "proxy_address='h:1'" in repr(spec)


def test_spec_type_error():
    with pytest.raises(TypeError):
        validate_spec("a", ["mode", "proxy"])


# ------------------------------------------------------------------------------------------ normalising

@pytest.mark.parametrize("value, expected", [
    (True, "true"), (False, "false"), (18, "18"), ("30s", "30s"), (None, None), (-1, "-1"),
    (["a:1", 2], ["a:1", "2"]), (("a",), ["a"]), ({"x": True}, {"x": "true"}),
])
def test_normalize_value(value, expected):
    assert normalize_value(value) == expected


def test_flatten_nested_flat_and_mixed():
    nested = {"cluster": {"remote": {"a": {"mode": "proxy", "transport": {"compress": "true"}}}}}
    assert flatten_settings(nested) == {"cluster.remote.a.mode": "proxy", "cluster.remote.a.transport.compress": "true"}
    flat = {"cluster.remote.a.mode": "proxy", "cluster.remote.a.seeds": ["h:1"]}
    assert flatten_settings(flat) == flat
    mixed = {"cluster.remote": {"a": {"mode": "sniff"}}, "cluster": {"remote": {"a": {"seeds": ["h:1"]}, "b.mode": "proxy"}}}
    assert flatten_settings(mixed) == {"cluster.remote.a.mode": "sniff", "cluster.remote.a.seeds": ["h:1"],
                                       "cluster.remote.b.mode": "proxy"}
    assert flatten_settings({"cluster": {}}) == {}
    assert flatten_settings(None) == {}
    assert flatten_settings({"a": 1}, prefix="x") == {"x.a": 1}


GET_BODY = {
    "persistent": {
        "cluster": {
            "remote": {
                "ece_prod": {"mode": "proxy", "proxy_address": EP + ":9443", "server_name": EP,
                             "proxy_socket_connections": "18", "skip_unavailable": "true",
                             "transport": {"compress": "true", "ping_schedule": "30s"}},
                "ece_prod_2": {"mode": "sniff", "seeds": ["10.0.0.1:9300"]},
                "initial_connect_timeout": "45s",
            }
        },
        "cluster.remote.flat_one.mode": "proxy",
        "cluster.remote.flat_one.proxy_address": "h:9443",
        "indices": {"recovery": {"max_bytes_per_sec": "50mb"}},
    },
    "transient": {"cluster": {"remote": {"tmp": {"mode": "sniff", "seeds": ["h:9300"]}}}},
}


def test_current_remote_nested_and_prefix_safety():
    assert current_remote(GET_BODY, "ece_prod") == {
        "mode": "proxy", "proxy_address": EP + ":9443", "server_name": EP, "proxy_socket_connections": "18",
        "skip_unavailable": "true", "transport.compress": "true", "transport.ping_schedule": "30s"}
    # "ece_prod" must not pick up "ece_prod_2"
    assert "seeds" not in current_remote(GET_BODY, "ece_prod")
    assert current_remote(GET_BODY, "ece_prod_2") == {"mode": "sniff", "seeds": ["10.0.0.1:9300"]}


def test_current_remote_flat_scope_and_missing():
    assert current_remote(GET_BODY, "flat_one") == {"mode": "proxy", "proxy_address": "h:9443"}
    assert current_remote(GET_BODY, "tmp") == {}
    assert current_remote(GET_BODY, "tmp", scope="transient") == {"mode": "sniff", "seeds": ["h:9300"]}
    assert current_remote(GET_BODY, "nope") == {}
    assert current_remote({}, "a") == {}
    assert current_remote(None, "a") == {}


def test_current_remote_normalises_typed_values():
    body = {"persistent": {"cluster.remote.a.skip_unavailable": True, "cluster.remote.a.proxy_socket_connections": 6}}
    assert current_remote(body, "a") == {"skip_unavailable": "true", "proxy_socket_connections": "6"}


def test_all_aliases():
    assert all_aliases(GET_BODY) == ["ece_prod", "ece_prod_2", "flat_one"]
    assert all_aliases(GET_BODY, "transient") == ["tmp"]
    assert all_aliases({"persistent": {"cluster.remote.node.attr": "gateway", "cluster.remote.x.signing.key": "k"}}) == ["x"]
    assert all_aliases({}) == []


# ------------------------------------------------------------------------------------------ desired state

def test_desired_remote_proxy_normalised():
    desired = desired_remote(proxy_spec(proxy_socket_connections=18, skip_unavailable=False, transport_compress=True,
                                        transport_ping_schedule="30S", transport_compression_scheme="LZ4"))
    assert desired == {"mode": "proxy", "proxy_address": EP + ":9443", "server_name": EP, "proxy_socket_connections": "18",
                       "skip_unavailable": "false", "transport.compress": "true", "transport.ping_schedule": "30s",
                       "transport.compression_scheme": "lz4"}


def test_desired_remote_always_has_mode_and_omits_unmanaged():
    assert desired_remote({"proxy_address": "h:1"}) == {"mode": "proxy", "proxy_address": "h:1"}
    assert desired_remote({"mode": "SNIFF", "seeds": "h:9300", "node_connections": "3"}) == {
        "mode": "sniff", "seeds": ["h:9300"], "node_connections": "3"}
    assert "skip_unavailable" not in desired_remote(proxy_spec(), version="8.14.3")
    assert "skip_unavailable" not in desired_remote(proxy_spec(), version="8.15.0")


def test_desired_remote_ping_minus_one_and_compress_string():
    desired = desired_remote(sniff_spec(transport_ping_schedule=-1, transport_compress="Indexing_Data"))
    assert desired["transport.ping_schedule"] == "-1"
    assert desired["transport.compress"] == "indexing_data"


@pytest.mark.parametrize("version, expected", [
    ("8.14.3", False), ("8.14.99", False), ("7.17.20", False), ("8.15.0", True), ("8.15.0-SNAPSHOT", True),
    ("8.16.1", True), ("9.0.0", True), ((8, 15), True), ("8.15", True), (None, None),
])
def test_default_skip_unavailable(version, expected):
    assert default_skip_unavailable(version) is expected


def test_default_skip_unavailable_garbage():
    with pytest.raises(ValueError):
        default_skip_unavailable("latest")


def test_parse_version():
    assert parse_version("8.15.3") == (8, 15, 3)
    assert parse_version("v9.1") == (9, 1, 0)
    assert parse_version("8") == (8, 0, 0)
    assert parse_version([8, 14]) == (8, 14, 0)
    with pytest.raises(ValueError):
        parse_version(None)
    with pytest.raises(ValueError):
        parse_version("x.y")
    with pytest.raises(ValueError):
        parse_version(())


def test_effective_skip_unavailable():
    assert effective_skip_unavailable({}, {"mode": "proxy"}, "8.14.3") == "false"
    assert effective_skip_unavailable({}, {"mode": "proxy"}, "8.15.0") == "true"
    assert effective_skip_unavailable({"skip_unavailable": "false"}, {"mode": "proxy"}, "8.15.0") == "false"
    assert effective_skip_unavailable({"skip_unavailable": "false"}, {"skip_unavailable": True}, "8.14.0") == "true"
    assert effective_skip_unavailable({}, {}, None) is None


# ------------------------------------------------------------------------------------------ planning

def test_values_equal():
    assert values_equal("proxy_socket_connections", "18", 18)
    assert values_equal("skip_unavailable", "true", True)
    assert values_equal("skip_unavailable", "TRUE", "true")
    assert not values_equal("skip_unavailable", "false", True)
    assert values_equal("mode", "PROXY", "proxy")
    assert not values_equal("server_name", "Host", "host")
    assert values_equal("seeds", ["b:1", "a:1"], ["a:1", "b:1"])
    assert not values_equal("seeds", ["a:1"], ["a:1", "b:1"])
    assert values_equal("seeds", "a:1", ["a:1"])
    assert not values_equal("mode", None, "proxy")
    assert values_equal("mode", None, None)


def test_plan_update_creates_new_remote():
    desired = desired_remote(proxy_spec(skip_unavailable=True))
    changed, fragment = plan_update("ece_prod", {}, desired)
    assert changed
    assert fragment == {
        "cluster.remote.ece_prod.mode": "proxy",
        "cluster.remote.ece_prod.proxy_address": EP + ":9443",
        "cluster.remote.ece_prod.server_name": EP,
        "cluster.remote.ece_prod.skip_unavailable": "true",
    }


def test_plan_update_no_change_when_current_values_are_strings():
    current = current_remote(GET_BODY, "ece_prod")
    desired = desired_remote(proxy_spec(proxy_socket_connections=18, skip_unavailable=True, transport_compress=True,
                                        transport_ping_schedule="30s"))
    assert plan_update("ece_prod", current, desired) == (False, {})


def test_plan_update_no_change_with_raw_typed_desired():
    current = {"mode": "proxy", "proxy_address": "h:9443", "proxy_socket_connections": "18", "skip_unavailable": "true"}
    desired = {"mode": "proxy", "proxy_address": "h:9443", "proxy_socket_connections": 18, "skip_unavailable": True}
    assert plan_update("a", current, desired) == (False, {})


def test_plan_update_changes_only_what_differs_and_leaves_unmanaged_keys():
    current = current_remote(GET_BODY, "ece_prod")
    desired = desired_remote({"mode": "proxy", "proxy_address": "other.example.com:9443"})
    changed, fragment = plan_update("ece_prod", current, desired)
    assert changed
    assert fragment == {"cluster.remote.ece_prod.proxy_address": "other.example.com:9443"}


def test_plan_update_sets_mode_explicitly_when_only_default():
    changed, fragment = plan_update("a", {"seeds": ["h:9300"]}, desired_remote(sniff_spec(seeds=["h:9300"])))
    assert changed
    assert fragment == {"cluster.remote.a.mode": "sniff"}


def test_plan_update_switch_sniff_to_proxy_nulls_sniff_keys_in_one_request():
    current = {"mode": "sniff", "seeds": ["10.0.0.1:9300"], "node_connections": "3", "proxy": "socks:1080",
               "skip_unavailable": "true"}
    changed, fragment = plan_update("a", current, desired_remote(proxy_spec()))
    assert changed
    assert fragment == {
        "cluster.remote.a.mode": "proxy",
        "cluster.remote.a.proxy_address": EP + ":9443",
        "cluster.remote.a.server_name": EP,
        "cluster.remote.a.seeds": None,
        "cluster.remote.a.node_connections": None,
        "cluster.remote.a.proxy": None,
    }
    assert "cluster.remote.a.skip_unavailable" not in fragment


def test_plan_update_switch_proxy_to_sniff_nulls_proxy_keys_in_one_request():
    current = current_remote(GET_BODY, "ece_prod")
    changed, fragment = plan_update("ece_prod", current, desired_remote(sniff_spec()))
    assert changed
    assert fragment == {
        "cluster.remote.ece_prod.mode": "sniff",
        "cluster.remote.ece_prod.seeds": ["10.0.0.1:9300", "10.0.0.2:9300"],
        "cluster.remote.ece_prod.proxy_address": None,
        "cluster.remote.ece_prod.server_name": None,
        "cluster.remote.ece_prod.proxy_socket_connections": None,
    }
    # shared keys (skip_unavailable, transport.*) that are set but not managed stay untouched
    assert not [k for k in fragment if "transport" in k or "skip_unavailable" in k]


def test_plan_update_switch_only_nulls_keys_that_are_set():
    changed, fragment = plan_update("a", {"mode": "proxy", "proxy_address": "h:9443"}, desired_remote(sniff_spec()))
    assert changed
    assert fragment["cluster.remote.a.proxy_address"] is None
    assert "cluster.remote.a.server_name" not in fragment
    assert "cluster.remote.a.proxy_socket_connections" not in fragment


def test_plan_update_rejects_bad_desired():
    with pytest.raises(ValueError, match="mode"):
        plan_update("a", {}, {"proxy_address": "h:1"})
    with pytest.raises(ValueError, match="seeds"):
        plan_update("a", {}, {"mode": "proxy", "proxy_address": "h:1", "seeds": ["h:2"]})
    with pytest.raises(ValueError, match="mode"):
        plan_update("a", {}, {"mode": "direct"})


def test_plan_update_ignores_none_in_desired():
    changed, fragment = plan_update("a", {"mode": "proxy", "proxy_address": "h:1", "server_name": "h"},
                                    {"mode": "proxy", "proxy_address": "h:1", "server_name": None})
    assert (changed, fragment) == (False, {})


def test_plan_removal_nulls_every_key():
    current = current_remote(GET_BODY, "ece_prod")
    fragment = plan_removal("ece_prod", current)
    assert fragment == dict((setting_key("ece_prod", s), None) for s in current)
    assert len(fragment) == 7
    assert all(v is None for v in fragment.values())
    assert plan_removal("ece_prod", {}) == {}
    assert plan_removal("x", None) == {}


def test_build_body():
    assert build_body({"cluster.remote.a.mode": None}) == {"persistent": {"cluster.remote.a.mode": None}}
    assert build_body({"k": 1}, scope="transient") == {"transient": {"k": 1}}
    assert build_body({}) == {"persistent": {}}
    with pytest.raises(ValueError):
        build_body({}, scope="defaults")


def test_diff_view_update_and_mode_switch():
    current = {"mode": "proxy", "proxy_address": "h:9443", "server_name": "h", "skip_unavailable": "true"}
    view = diff_view(current, desired_remote(sniff_spec(seeds=["s:9300"])))
    assert view["before"] == current
    assert view["after"] == {"mode": "sniff", "seeds": ["s:9300"], "skip_unavailable": "true"}


def test_diff_view_removal_and_full_keys():
    view = diff_view({"mode": "proxy", "proxy_address": "h:9443"}, None, alias="a")
    assert view == {"before": {"cluster.remote.a.mode": "proxy", "cluster.remote.a.proxy_address": "h:9443"}, "after": {}}


def test_diff_view_no_change_is_equal():
    current = current_remote(GET_BODY, "ece_prod")
    view = diff_view(current, desired_remote(proxy_spec()))
    assert view["before"] == view["after"]
