"""Tests of eceops_lab.esspec: Elasticsearch routing, parameter and body checks with ES's exact errors."""

import os

import pytest

from eceops_lab.esspec import EsRestSpec, EsSpecError, es_error, levenshtein_similarity, parse_time_value, unrecognized

SPEC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs", "elasticsearch",
                        "rest-api-spec")


@pytest.fixture(scope="module", name="spec")
def spec_fixture():
    """One spec for the module."""
    return EsRestSpec(SPEC_DIR)


def raises_es_error(call, *args, **kwargs):
    """Run call and return the EsSpecError it raises (fails the test when it raises none)."""
    with pytest.raises(EsSpecError) as info:
        call(*args, **kwargs)
    return info.value


# One real request path per API of the 28 spec files (25 shared + get/delete role and license), with its parts.
API_PATHS = [
    ("DELETE", "/_ccr/auto_follow/logs-pattern", "ccr.delete_auto_follow_pattern", {"name": "logs-pattern"}),
    ("PUT", "/follower-logs/_ccr/follow", "ccr.follow", {"index": "follower-logs"}),
    ("GET", "/follower-logs/_ccr/info", "ccr.follow_info", {"index": "follower-logs"}),
    ("GET", "/_ccr/auto_follow", "ccr.get_auto_follow_pattern", {}),
    ("POST", "/follower-logs/_ccr/pause_follow", "ccr.pause_follow", {"index": "follower-logs"}),
    ("PUT", "/_ccr/auto_follow/logs-pattern", "ccr.put_auto_follow_pattern", {"name": "logs-pattern"}),
    ("POST", "/follower-logs/_ccr/resume_follow", "ccr.resume_follow", {"index": "follower-logs"}),
    ("GET", "/_ccr/stats", "ccr.stats", {}),
    ("POST", "/follower-logs/_ccr/unfollow", "ccr.unfollow", {"index": "follower-logs"}),
    ("GET", "/_cluster/settings", "cluster.get_settings", {}),
    ("GET", "/_cluster/health", "cluster.health", {}),
    ("PUT", "/_cluster/settings", "cluster.put_settings", {}),
    ("GET", "/_remote/info", "cluster.remote_info", {}),
    ("GET", "/_resolve/cluster/ccs-a:logs-*", "indices.resolve_cluster", {"name": "ccs-a:logs-*"}),
    ("GET", "/", "info", {}),
    ("POST", "/_nodes/reload_secure_settings", "nodes.reload_secure_settings", {}),
    ("POST", "/ccs-a:logs-*/_search", "search", {"index": "ccs-a:logs-*"}),
    ("GET", "/_security/_authenticate", "security.authenticate", {}),
    ("POST", "/_security/api_key", "security.create_api_key", {}),
    ("POST", "/_security/cross_cluster/api_key", "security.create_cross_cluster_api_key", {}),
    ("GET", "/_security/api_key", "security.get_api_key", {}),
    ("POST", "/_security/user/_has_privileges", "security.has_privileges", {}),
    ("DELETE", "/_security/api_key", "security.invalidate_api_key", {}),
    ("POST", "/_security/role/remote-search", "security.put_role", {"name": "remote-search"}),
    ("PUT", "/_security/cross_cluster/api_key/VuaCfGcBCdbkQm-e5aOx", "security.update_cross_cluster_api_key",
     {"id": "VuaCfGcBCdbkQm-e5aOx"}),
    ("GET", "/_security/role/remote-search", "security.get_role", {"name": "remote-search"}),
    ("DELETE", "/_security/role/remote-search", "security.delete_role", {"name": "remote-search"}),
    ("GET", "/_license", "license.get", {}),
]


# ------------------------------------------------------------------------------------------------ routing

def test_all_28_apis_loaded(spec):
    assert len(spec.apis) == 28
    assert sorted(api for method, path, api, parts in API_PATHS) == sorted(spec.apis)


@pytest.mark.parametrize("method,path,api,parts", API_PATHS)
def test_every_api_matches_a_real_path(spec, method, path, api, parts):
    assert spec.match(method, path) == (api, parts)


@pytest.mark.parametrize("method,path,api,parts", [
    ("GET", "/_cluster/health/logs-1,logs-2", "cluster.health", {"index": "logs-1,logs-2"}),
    ("GET", "/_resolve/cluster", "indices.resolve_cluster", {}),
    ("POST", "/_nodes/node-1/reload_secure_settings", "nodes.reload_secure_settings", {"node_id": "node-1"}),
    ("GET", "/_ccr/auto_follow/p1", "ccr.get_auto_follow_pattern", {"name": "p1"}),
    ("PUT", "/_security/role/remote-search", "security.put_role", {"name": "remote-search"}),
    ("PUT", "/_security/api_key", "security.create_api_key", {}),
    ("GET", "/_security/user/elastic/_has_privileges", "security.has_privileges", {"user": "elastic"}),
    ("GET", "/_search", "search", {}),
])
def test_other_paths_and_methods(spec, method, path, api, parts):
    assert spec.match(method, path) == (api, parts)


def test_static_segment_wins_over_part(spec):
    # /_security/user/_has_privileges is static; /_security/user/{user}/_has_privileges has a part
    assert spec.match("GET", "/_security/user/_has_privileges") == ("security.has_privileges", {})
    # /_cluster/settings is not /{index}/_search nor anything with a part
    assert spec.match("GET", "/_cluster/settings")[0] == "cluster.get_settings"


def test_parts_are_url_decoded(spec):
    assert spec.match("GET", "/_resolve/cluster/ccs-a%3Alogs-%2A") == ("indices.resolve_cluster", {"name": "ccs-a:logs-*"})
    assert spec.match("PUT", "/my%20index/_ccr/follow") == ("ccr.follow", {"index": "my index"})


def test_trailing_slash_is_ignored_like_es(spec):
    assert spec.match("GET", "/_cluster/health/") == ("cluster.health", {})


def test_query_string_is_not_part_of_the_path(spec):
    assert spec.match("GET", "/_cluster/settings?filter_path=persistent.cluster.remote") == ("cluster.get_settings", {})


def test_no_handler_is_400_with_plain_string_error(spec):
    error = raises_es_error(spec.match, "GET", "/_remote/infos")
    assert error.status == 400
    assert error.body == {"error": "no handler found for uri [/_remote/infos] and method [GET]", "status": 400}
    assert error.error_type is None
    assert error.reason == "no handler found for uri [/_remote/infos] and method [GET]"


def test_no_handler_quotes_the_full_uri(spec):
    error = raises_es_error(spec.match, "GET", "/_nope?pretty")
    assert error.body["error"] == "no handler found for uri [/_nope?pretty] and method [GET]"


def test_empty_segment_never_matches_a_part(spec):
    error = raises_es_error(spec.match, "PUT", "//_ccr/follow")
    assert error.status == 400


def test_wrong_method_is_405_with_allowed_methods(spec):
    error = raises_es_error(spec.match, "DELETE", "/_cluster/settings")
    assert error.status == 405
    assert error.body == {"error": "Incorrect HTTP method for uri [/_cluster/settings] and method [DELETE], allowed: [GET, PUT]",
                          "status": 405}


def test_allowed_methods_in_es_enum_order(spec):
    # put_role declares ["PUT", "POST"]; ES lists RestRequest.Method order: GET, POST, PUT, DELETE, ...
    error = raises_es_error(spec.match, "PATCH", "/_security/role/remote-search")
    assert error.body["error"].endswith("allowed: [GET, POST, PUT, DELETE]")
    assert spec.allowed_methods("/_security/api_key") == ["GET", "POST", "PUT", "DELETE"]
    assert raises_es_error(spec.match, "PATCH", "/_security/api_key").body["error"].endswith(
        "allowed: [GET, POST, PUT, DELETE]")


# ------------------------------------------------------------------------------------------------ params

def test_params_converted(spec):
    params = spec.validate_params("cluster.health", {"wait_for_status": ["yellow"], "timeout": ["30s"], "local": [""],
                                                     "expand_wildcards": ["open,hidden"], "level": ["indices"]},
                                  "/_cluster/health")
    assert params == {"wait_for_status": "yellow", "timeout": "30s", "local": True,
                      "expand_wildcards": ["open", "hidden"], "level": "indices"}


def test_common_params_accepted(spec):
    params = spec.validate_params("cluster.remote_info", {"pretty": [""], "filter_path": ["*.connected"],
                                                          "human": ["true"], "error_trace": ["false"]}, "/_remote/info")
    assert params == {"pretty": True, "filter_path": "*.connected", "human": True, "error_trace": False}


def test_defaults_on_request(spec):
    params = spec.validate_params("cluster.get_settings", {}, "/_cluster/settings", apply_defaults=True)
    assert params["include_defaults"] is False
    assert params["master_timeout"] == "30s"
    assert spec.validate_params("cluster.get_settings", {}, "/_cluster/settings") == {}


def test_unknown_param_with_did_you_mean(spec):
    error = raises_es_error(spec.validate_params, "cluster.get_settings", {"flat_setting": ["true"]}, "/_cluster/settings")
    assert error.status == 400
    reason = "request [/_cluster/settings] contains unrecognized parameter: [flat_setting] -> did you mean [flat_settings]?"
    assert error.body == es_error(400, "illegal_argument_exception", reason)
    assert error.body == {"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": reason}],
                                    "type": "illegal_argument_exception", "reason": reason}, "status": 400}


def test_unknown_param_without_suggestion(spec):
    error = raises_es_error(spec.validate_params, "cluster.remote_info", {"verbose": ["true"]}, "/_remote/info")
    assert error.reason == "request [/_remote/info] contains unrecognized parameter: [verbose]"


def test_several_unknown_params_sorted(spec):
    error = raises_es_error(spec.validate_params, "cluster.put_settings", {"zzz": ["1"], "flat_setings": ["true"]},
                            "/_cluster/settings")
    assert error.reason == ("request [/_cluster/settings] contains unrecognized parameters: "
                            "[flat_setings] -> did you mean [flat_settings]?, [zzz]")


def test_did_you_mean_any_of():
    reason = unrecognized("/x", ["timeot"], {"timeout", "timeouts", "local"})
    assert reason == "request [/x] contains unrecognized parameter: [timeot] -> did you mean any of [timeout, timeouts]?"


def test_path_part_repeated_as_query_param_is_unknown(spec):
    error = raises_es_error(spec.validate_params, "ccr.follow", {"index": ["follower"]}, "/follower/_ccr/follow")
    assert error.reason.startswith("request [/follower/_ccr/follow] contains unrecognized parameter: [index]")


def test_unknown_param_path_defaults_to_spec_path(spec):
    error = raises_es_error(spec.validate_params, "cluster.remote_info", {"x": ["1"]})
    assert error.reason == "request [/_remote/info] contains unrecognized parameter: [x]"


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", "on"])
def test_bad_boolean(spec, value):
    error = raises_es_error(spec.validate_params, "cluster.get_settings", {"include_defaults": [value]}, "/_cluster/settings")
    assert error.status == 400
    assert error.error_type == "illegal_argument_exception"
    assert error.reason == "Failed to parse value [%s] as only [true] or [false] are allowed." % value


def test_enum_param(spec):
    assert spec.validate_params("security.put_role", {"refresh": ["wait_for"]}, "/_security/role/r") == {"refresh": "wait_for"}
    error = raises_es_error(spec.validate_params, "security.put_role", {"refresh": ["later"]}, "/_security/role/r")
    assert error.error_type == "illegal_argument_exception"
    assert "[later]" in error.reason


def test_list_with_options(spec):
    error = raises_es_error(spec.validate_params, "indices.resolve_cluster", {"expand_wildcards": ["open,shut"]},
                            "/_resolve/cluster/x")
    assert "[shut]" in error.reason


def test_int_and_long_params(spec):
    assert spec.validate_params("search", {"size": ["10"], "terminate_after": ["5"]}, "/_search") == \
        {"size": 10, "terminate_after": 5}
    error = raises_es_error(spec.validate_params, "search", {"size": ["ten"]}, "/_search")
    assert error.reason == "Failed to parse int parameter [size] with value [ten]"
    error = raises_es_error(spec.validate_params, "search", {"terminate_after": ["1.5"]}, "/_search")
    assert error.reason == "Failed to parse long parameter [terminate_after] with value [1.5]"


def test_boolean_or_long(spec):
    assert spec.validate_params("search", {"track_total_hits": ["false"]}, "/_search") == {"track_total_hits": False}
    assert spec.validate_params("search", {"track_total_hits": ["1000"]}, "/_search") == {"track_total_hits": 1000}


@pytest.mark.parametrize("value,millis", [("30s", 30000), ("1m", 60000), ("-1", -1), ("0", 0), ("500ms", 500),
                                          ("2h", 7200000), ("1d", 86400000), ("10nanos", 0), ("7000micros", 7),
                                          ("-1s", -1), ("1S", 1000)])
def test_time_values(spec, value, millis):
    assert parse_time_value("timeout", value) == millis
    assert spec.validate_params("ccr.stats", {"timeout": [value]}, "/_ccr/stats") == {"timeout": value}


@pytest.mark.parametrize("value,reason", [
    ("30", "failed to parse setting [timeout] with value [30] as a time value: unit is missing or unrecognized"),
    ("5M", "failed to parse setting [timeout] with value [5M] as a time value: unit is missing or unrecognized"),
    ("-5s", "failed to parse setting [timeout] with value [-5s] as a time value: negative durations are not supported"),
    ("1.5s", "failed to parse [1.5s], fractional time values are not supported"),
    ("abcs", "failed to parse [abcs]"),
])
def test_bad_time_values(spec, value, reason):
    error = raises_es_error(spec.validate_params, "ccr.stats", {"timeout": [value]}, "/_ccr/stats")
    assert error.status == 400
    assert error.error_type == "illegal_argument_exception"
    assert error.reason == reason


def test_last_value_wins(spec):
    assert spec.validate_params("cluster.get_settings", {"flat_settings": ["false", "true"]}, "/_cluster/settings") == \
        {"flat_settings": True}


def test_levenshtein_like_lucene():
    assert levenshtein_similarity("abc", "abc") == 1.0
    assert levenshtein_similarity("flat_setting", "flat_settings") == pytest.approx(1 - 1 / 13.0)
    assert levenshtein_similarity("", "abc") == 0.0


# ------------------------------------------------------------------------------------------------ body

def test_body_required(spec):
    assert spec.body_required("cluster.put_settings")
    assert spec.body_required("security.create_cross_cluster_api_key")
    assert not spec.body_required("nodes.reload_secure_settings")
    error = raises_es_error(spec.check_body, "cluster.put_settings", b"", "PUT", "/_cluster/settings")
    assert error.status == 400
    assert error.body == {"error": {"root_cause": [{"type": "parse_exception", "reason": "request body is required"}],
                                    "type": "parse_exception", "reason": "request body is required"}, "status": 400}


def test_body_not_supported(spec):
    error = raises_es_error(spec.check_body, "cluster.get_settings", b'{"x": 1}', "GET", "/_cluster/settings")
    assert error.status == 400
    assert error.error_type == "illegal_argument_exception"
    assert error.reason == "request [GET /_cluster/settings] does not support having a body"


def test_optional_body(spec):
    spec.check_body("nodes.reload_secure_settings", b"", "POST", "/_nodes/reload_secure_settings")
    spec.check_body("nodes.reload_secure_settings", b'{"secure_settings_password": "p"}', "POST",
                    "/_nodes/reload_secure_settings")
    spec.check_body("cluster.remote_info", None, "GET", "/_remote/info")


def test_check_body_defaults_to_the_spec_path(spec):
    error = raises_es_error(spec.check_body, "cluster.remote_info", b"{}")
    assert error.reason == "request [GET /_remote/info] does not support having a body"
    assert raises_es_error(spec.check_body, "cluster.put_settings", None).reason == "request body is required"


def test_validate_request_in_es_order(spec):
    assert spec.validate_request("PUT", "/_cluster/settings?flat_settings=true", {"flat_settings": ["true"]},
                                 b'{"persistent": {}}') == ("cluster.put_settings", {}, {"flat_settings": True})
    # a bad value is reported before an unknown parameter, an unknown parameter before an unsupported body
    error = raises_es_error(spec.validate_request, "GET", "/_cluster/settings",
                            {"include_defaults": ["maybe"], "zzz": ["1"]}, b"{}")
    assert error.reason.startswith("Failed to parse value [maybe]")
    error = raises_es_error(spec.validate_request, "GET", "/_cluster/settings", {"zzz": ["1"]}, b"{}")
    assert "unrecognized parameter: [zzz]" in error.reason
    error = raises_es_error(spec.validate_request, "GET", "/_cluster/settings", {}, b"{}")
    assert error.reason == "request [GET /_cluster/settings] does not support having a body"
    error = raises_es_error(spec.validate_request, "PUT", "/_cluster/settings", {"zzz": ["1"]}, b"")
    assert error.reason == "request body is required"


# ------------------------------------------------------------------------------------------------ error helper

def test_es_error_helper_extra_fields():
    body = es_error(404, "index_not_found_exception", "no such index [logs]", index="logs", index_uuid="_na_",
                    resource_type="index_or_alias", resource_id="logs")
    assert body["status"] == 404
    assert body["error"]["type"] == "index_not_found_exception"
    assert body["error"]["index"] == "logs"
    assert body["error"]["resource.type"] == "index_or_alias"
    assert body["error"]["root_cause"] == [{"type": "index_not_found_exception", "reason": "no such index [logs]",
                                            "index": "logs", "index_uuid": "_na_", "resource.type": "index_or_alias",
                                            "resource.id": "logs"}]


def test_es_error_caused_by_only_on_top():
    cause = {"type": "illegal_argument_exception", "reason": "inner"}
    body = es_error(400, "x_exception", "outer", caused_by=cause)
    assert body["error"]["caused_by"] == cause
    assert "caused_by" not in body["error"]["root_cause"][0]


def test_indexes_built_once(monkeypatch):
    spec = EsRestSpec(SPEC_DIR)
    ordered = spec._ordered  # pylint: disable=protected-access

    def no_open(*args, **kwargs):
        raise AssertionError("the spec files must not be read again")

    monkeypatch.setattr("builtins.open", no_open)
    for method, path, api, parts in API_PATHS:
        assert spec.match(method, path) == (api, parts)
    assert spec._ordered is ordered  # pylint: disable=protected-access
