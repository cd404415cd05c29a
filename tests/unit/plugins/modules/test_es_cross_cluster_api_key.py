# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the es_cross_cluster_api_key module (fake HTTP transport) and its pure helpers."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import time

import pytest

from ansible_collections.eceops.remote_clusters.plugins.modules import es_cross_cluster_api_key as module

ES = "https://logs.example.com:9200"
PASSWORD = "s3cret-Passw0rd"
ENCODED = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
SECRET = "ui2lp2axTNmsyakw9tvNnw"
CONN = {"es_url": ES, "es_username": "elastic", "es_password": PASSWORD}
TAG = {"managed_by": "eceops.remote_clusters"}
ACCESS = {"search": [{"names": ["logs-*"]}]}
NOW_MS = int(time.time() * 1000)
DAY_MS = 86400 * 1000


def es_key(key_id="K1", access=None, metadata=None, expiration=None, name="search-to-logs", key_type="cross_cluster",
           invalidated=False, username="elastic", creation=None):
    out = {"id": key_id, "name": name, "type": key_type, "creation": creation or NOW_MS - DAY_MS, "invalidated": invalidated,
           "username": username, "realm": "reserved", "metadata": dict(TAG) if metadata is None else metadata,
           "access": access if access is not None else {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}]}}
    if expiration is not None:
        out["expiration"] = expiration
    return out


def setup(fake_http, keys=(), version="8.19.4", auth="realm", after=None):
    fake_http.add("GET", "/", (200, {"version": {"number": version}}))
    who = {"username": "elastic", "authentication_type": auth, "authentication_realm": {"name": "reserved", "type": "reserved"}}
    fake_http.add("GET", "/_security/_authenticate", (200, who))
    answers = [(200, {"api_keys": list(keys)})]
    if after is not None:
        answers.append((200, {"api_keys": [after]}))
    fake_http.add("GET", "/_security/api_key", *answers)


def args(**kwargs):
    out = dict(CONN, name="search-to-logs")
    out.update(kwargs)
    return out


def body_of(request):
    return json.loads(request["body"])


# ------------------------------------------------------------------------------------------ pure helpers

def test_normalize_access_fills_defaults_sorts_names_and_parses_queries():
    es_form = {"search": [{"names": ["b", "a"], "query": "{\"term\":{\"x\":1}}", "allow_restricted_indices": False,
                           "field_security": {"grant": ["f2", "f1"]}}], "replication": []}
    security = {"grant": ["f1", "f2"], "except": None}
    user_form = {"search": [{"names": ["a", "b"], "query": {"term": {"x": 1}}, "field_security": security}]}
    assert module.normalize_access(es_form) == module.normalize_access(user_form)
    assert module.normalize_access({"search": [], "replication": None}) == {}
    assert module.normalize_access({"replication": [{"names": "one"}]}) == {
        "replication": [{"names": ["one"], "allow_restricted_indices": False}]}


def test_access_body_drops_unset_fields():
    access = {"search": [{"names": ["a"], "query": None, "field_security": None, "allow_restricted_indices": False}],
              "replication": [{"names": ["b"], "allow_restricted_indices": True, "query": None, "field_security": None}]}
    assert module.access_body(access) == {"search": [{"names": ["a"], "allow_restricted_indices": False}],
                                          "replication": [{"names": ["b"], "allow_restricted_indices": True}]}


@pytest.mark.parametrize("access, message", [
    ({}, "must specify non-empty access for either [search] or [replication]"),
    ({"search": [], "replication": []}, "must specify non-empty access for either [search] or [replication]"),
    ({"replication": [{"names": ["a"], "query": {"match_all": {}}}]}, "replication does not support document or field level security"),
    ({"replication": [{"names": ["a"], "field_security": {"grant": ["x"]}}]}, "replication does not support document"),
    ({"search": [{"names": ["a"], "query": {"match_all": {}}}], "replication": [{"names": ["b"]}]},
     "search does not support document or field level security if replication is assigned"),
    ({"search": [{"names": ["a"], "field_security": {"grant": ["x"]}}], "replication": [{"names": ["b"]}]},
     "if replication is assigned"),
    ({"search": [{"names": []}]}, "at least one index name"),
    ({"search": [{"names": ["a"], "query": "not json"}]}, "Query DSL object"),
])
def test_validate_access(access, message):
    problems = module.validate_access(access)
    assert problems and message in problems[0][1]


def test_validate_access_accepts_dls_on_search_alone():
    assert module.validate_access({"search": [{"names": ["a"], "query": "{\"match_all\":{}}", "field_security": {"grant": ["x"]}}]}) == []


def test_plan_update():
    key = es_key(metadata=dict(TAG, team="a"))
    assert module.plan_update(key, ACCESS, None, None, False) == {}
    assert module.plan_update(key, ACCESS, {"team": "a"}, None, False) == {}
    assert module.plan_update(key, ACCESS, {"team": "b"}, None, False) == {"metadata": dict(TAG, team="b")}
    wider = {"search": [{"names": ["logs-*", "metrics-*"]}]}
    assert module.plan_update(key, wider, None, None, False) == {
        "access": {"search": [{"names": ["logs-*", "metrics-*"], "allow_restricted_indices": False}]}}
    assert module.plan_update(key, ACCESS, None, "30d", True) == {
        "access": {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}]}, "expiration": "30d"}
    assert module.plan_update(key, ACCESS, None, "30d", False) == {}


def test_days_until_and_key_view():
    assert module.days_until(None) is None
    assert module.days_until(1000 * (1000000 + 86400 * 3 + 5), now=1000000) == 3
    assert module.days_until(1000 * (1000000 - 10), now=1000000) == -1
    view = module.key_view(es_key(expiration=1780315200000, creation=1780315200000 - 90 * DAY_MS))
    assert view["expiration"] == "2026-06-01T12:00:00Z"
    assert view["creation"] == "2026-03-03T12:00:00Z"
    assert "api_key" not in view and "encoded" not in view


def test_is_managed():
    assert module.is_managed(es_key(), "search-to-logs")
    assert not module.is_managed(es_key(metadata={}), "search-to-logs")
    assert not module.is_managed(es_key(key_type="rest"), "search-to-logs")
    assert not module.is_managed(es_key(name="other"), "search-to-logs")


# ------------------------------------------------------------------------------------------ present

def test_create_returns_encoded_once_and_never_in_diff(fake_http, run):
    created = es_key(key_id="NEW", metadata=dict(TAG, purpose="ccs"), expiration=NOW_MS + 90 * DAY_MS, creation=NOW_MS)
    setup(fake_http, after=created)
    fake_http.add("POST", "/_security/cross_cluster/api_key", (200, {"id": "NEW", "name": "search-to-logs", "api_key": SECRET,
                                                                     "encoded": ENCODED, "expiration": NOW_MS + 90 * DAY_MS}))
    result = run(module, args(access=ACCESS, expiration="90d", metadata={"purpose": "ccs"}), diff=True)
    assert result["changed"] is True, result
    expected = {"name": "search-to-logs", "access": {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}]},
                "metadata": {"managed_by": "eceops.remote_clusters", "purpose": "ccs"}, "expiration": "90d"}
    assert body_of(fake_http.writes[0]) == expected
    assert result["encoded"] == ENCODED
    assert result["id"] == "NEW" and result["key"]["id"] == "NEW"
    assert result["days_until_expiry"] in (89, 90)
    assert result["expiration"].endswith("Z")
    rest = dict(result)
    rest.pop("encoded")
    assert ENCODED not in json.dumps(rest) and SECRET not in json.dumps(result)
    assert result["diff"]["after"]["access"] == {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}]}
    lookup = [r for r in fake_http.requests if r["path"] == "/_security/api_key"][0]
    assert "name=search-to-logs" in lookup["url"] and "active_only=true" in lookup["url"]


def test_unchanged_when_equal(fake_http, run):
    setup(fake_http, keys=[es_key()])
    result = run(module, args(access=ACCESS))
    assert result["changed"] is False
    assert fake_http.writes == []
    assert "encoded" not in result
    assert result["id"] == "K1"


def test_untagged_key_is_not_adopted(fake_http, run):
    setup(fake_http, keys=[es_key(key_id="HANDMADE", metadata={})], after=es_key(key_id="NEW"))
    fake_http.add("POST", "/_security/cross_cluster/api_key", (200, {"id": "NEW", "name": "search-to-logs", "api_key": SECRET,
                                                                     "encoded": ENCODED}))
    result = run(module, args(access=ACCESS))
    assert result["changed"] is True and result["id"] == "NEW"
    assert [w["method"] for w in fake_http.writes] == ["POST"]


def test_update_access_in_place(fake_http, run):
    wider = {"search": [{"names": ["logs-*"]}], "replication": [{"names": ["orders"]}]}
    setup(fake_http, keys=[es_key()], after=es_key(access={"search": [{"names": ["logs-*"], "allow_restricted_indices": False}],
                                                           "replication": [{"names": ["orders"], "allow_restricted_indices": False}]}))
    fake_http.add("PUT", "/_security/cross_cluster/api_key/K1", (200, {"updated": True}))
    result = run(module, args(access=wider), diff=True)
    assert result["changed"] is True
    assert [w["method"] for w in fake_http.writes] == ["PUT"]
    assert body_of(fake_http.writes[0]) == {"access": {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}],
                                                       "replication": [{"names": ["orders"], "allow_restricted_indices": False}]}}
    assert "encoded" not in result
    assert "replication" not in result["diff"]["before"]["access"] and "replication" in result["diff"]["after"]["access"]


def test_update_reported_unchanged_when_es_says_so(fake_http, run):
    setup(fake_http, keys=[es_key(metadata=dict(TAG, a="1"))])
    fake_http.add("PUT", "/_security/cross_cluster/api_key/K1", (200, {"updated": False}))
    result = run(module, args(access=ACCESS, metadata={"a": "2"}))
    assert result["changed"] is False
    assert body_of(fake_http.writes[0]) == {"metadata": dict(TAG, a="2")}


def test_update_expiration_pushes_it(fake_http, run):
    setup(fake_http, keys=[es_key()])
    fake_http.add("PUT", "/_security/cross_cluster/api_key/K1", (200, {"updated": True}))
    result = run(module, args(access=ACCESS, expiration="30d", update_expiration=True))
    assert result["changed"] is True
    assert body_of(fake_http.writes[0])["expiration"] == "30d"


def test_query_given_as_dict_equals_es_string(fake_http, run):
    key = es_key(access={"search": [{"names": ["logs-*"], "query": "{\"term\":{\"team\":\"a\"}}",
                                     "allow_restricted_indices": False}]})
    setup(fake_http, keys=[key])
    result = run(module, args(access={"search": [{"names": ["logs-*"], "query": {"term": {"team": "a"}}}]}))
    assert result["changed"] is False and fake_http.writes == []


def test_update_of_a_key_owned_by_another_user_fails_before_writing(fake_http, run):
    setup(fake_http, keys=[es_key(username="someone")])
    result = run(module, args(access={"search": [{"names": ["other-*"]}]}))
    assert result["failed"] is True
    assert "owned by user [someone]" in result["msg"]
    assert fake_http.writes == []


def test_several_active_keys_manage_the_newest(fake_http, run):
    setup(fake_http, keys=[es_key(key_id="OLD", creation=NOW_MS - 9 * DAY_MS), es_key(key_id="NEWER", creation=NOW_MS)])
    result = run(module, args(access=ACCESS))
    assert result["changed"] is False
    assert result["id"] == "NEWER" and result["other_key_ids"] == ["OLD"]


# ------------------------------------------------------------------------------------------ rotated / absent

def test_rotate_creates_a_new_key_and_keeps_the_old_one(fake_http, run):
    setup(fake_http, keys=[es_key(key_id="OLD")], after=es_key(key_id="NEW"))
    fake_http.add("POST", "/_security/cross_cluster/api_key", (200, {"id": "NEW", "name": "search-to-logs", "api_key": SECRET,
                                                                     "encoded": ENCODED}))
    result = run(module, args(access=ACCESS, state="rotated"))
    assert result["changed"] is True
    assert result["superseded_key_ids"] == ["OLD"]
    assert result["encoded"] == ENCODED and result["id"] == "NEW"
    assert [w["method"] for w in fake_http.writes] == ["POST"]


def test_absent_invalidates_every_tagged_key(fake_http, run):
    setup(fake_http, keys=[es_key(key_id="A"), es_key(key_id="B"), es_key(key_id="C", metadata={})])
    fake_http.add("DELETE", "/_security/api_key", (200, {"invalidated_api_keys": ["A", "B"], "previously_invalidated_api_keys": [],
                                                         "error_count": 0}))
    result = run(module, args(state="absent"))
    assert result["changed"] is True
    assert body_of(fake_http.writes[0]) == {"ids": ["A", "B"]}
    assert result["invalidated_key_ids"] == ["A", "B"]
    assert not [r for r in fake_http.requests if r["path"] == "/_security/_authenticate"]


def test_absent_when_nothing_is_left(fake_http, run):
    setup(fake_http)
    result = run(module, args(state="absent"))
    assert result["changed"] is False and fake_http.writes == []


def test_absent_with_key_ids(fake_http, run):
    fake_http.add("GET", "/", (200, {"version": {"number": "8.19.4"}}))
    fake_http.add("GET", "/_security/api_key", (200, {"api_keys": [es_key(key_id="OLD")]}), (404, {"api_keys": []}),
                  (200, {"api_keys": [es_key(key_id="DONE", invalidated=True)]}))
    fake_http.add("DELETE", "/_security/api_key", (200, {"invalidated_api_keys": ["OLD"], "error_count": 0}))
    result = run(module, args(state="absent", key_ids=["OLD", "GONE", "DONE"]))
    assert result["changed"] is True
    assert body_of(fake_http.writes[0]) == {"ids": ["OLD"]}
    assert result["invalidated_key_ids"] == ["OLD"]


def test_absent_with_the_id_of_another_key_fails(fake_http, run):
    fake_http.add("GET", "/", (200, {"version": {"number": "8.19.4"}}))
    fake_http.add("GET", "/_security/api_key", (200, {"api_keys": [es_key(key_id="REST", key_type="rest", name="monitoring")]}))
    result = run(module, args(state="absent", key_ids=["REST"]))
    assert result["failed"] is True
    assert "rest key named [monitoring]" in result["msg"]
    assert fake_http.writes == []


def test_invalidate_errors_fail(fake_http, run):
    setup(fake_http, keys=[es_key(key_id="A")])
    fake_http.add("DELETE", "/_security/api_key", (200, {"invalidated_api_keys": [], "error_count": 1, "error_details": [
        {"type": "security_exception", "reason": "Cannot invalidate cross-cluster API key [A]. This requires [manage_security]"}]}))
    result = run(module, args(state="absent"))
    assert result["failed"] is True
    assert "manage_security" in result["msg"]


@pytest.mark.parametrize("case", ["create", "update", "rotate", "absent"])
def test_check_mode_never_writes(fake_http, run, case):
    if case == "create":
        setup(fake_http)
        call = args(access=ACCESS)
    elif case == "update":
        setup(fake_http, keys=[es_key()])
        call = args(access={"search": [{"names": ["other-*"]}]})
    elif case == "rotate":
        setup(fake_http, keys=[es_key()])
        call = args(access=ACCESS, state="rotated")
    else:
        setup(fake_http, keys=[es_key()])
        call = args(state="absent")
    result = run(module, call, check=True, diff=True)
    assert result["changed"] is True, result
    assert fake_http.writes == []
    assert "encoded" not in result
    assert "failed" not in result


# ------------------------------------------------------------------------------------------ refusals

@pytest.mark.parametrize("call, parameter, needle", [
    ({"access": {}}, "access", "must specify non-empty access for either [search] or [replication]"),
    ({"access": {"search": []}}, "access", "non-empty access"),
    ({}, "access", "is required with state=present"),
    ({"access": {"replication": [{"names": ["a"], "query": "{\"match_all\":{}}"}]}}, "access.replication",
     "replication does not support document or field level security"),
    ({"access": {"search": [{"names": ["a"], "field_security": {"grant": ["x"]}}], "replication": [{"names": ["b"]}]}},
     "access.search", "search does not support document or field level security if replication is assigned"),
    ({"access": ACCESS, "metadata": {"_internal": 1}}, "metadata", "API key metadata keys may not start with [_]"),
    ({"access": ACCESS, "metadata": {"managed_by": "me"}}, "metadata", "reserved"),
    ({"access": ACCESS, "expiration": "soon"}, "expiration", "unit is missing or unrecognized"),
    ({"access": ACCESS, "key_ids": ["x"]}, "key_ids", "only used with state=absent"),
    ({"access": ACCESS, "update_expiration": True}, "update_expiration", "needs expiration"),
    ({"access": ACCESS, "name": " "}, "name", "must not be empty"),
])
def test_bad_input_fails_before_any_request(fake_http, run, call, parameter, needle):
    result = run(module, args(**call))
    assert result["failed"] is True, result
    assert result["parameter"] == parameter, result
    assert needle in result["msg"], result["msg"]
    assert fake_http.requests == []


def test_too_old_fails_before_any_write(fake_http, run):
    setup(fake_http, version="8.13.4")
    result = run(module, args(access=ACCESS))
    assert result["failed"] is True
    assert "the API-key security model is GA from 8.14; this cluster runs 8.13.4" in result["msg"]
    assert fake_http.writes == []


def test_api_key_authentication_refused_before_any_write(fake_http, run):
    setup(fake_http, auth="api_key")
    result = run(module, {"es_url": ES, "es_api_key": "cmVzdDprZXk=", "name": "k", "access": ACCESS})
    assert result["failed"] is True
    assert ("cross-cluster API keys must be created by a user, not with an API key; set es_username/es_password"
            in result["msg"])
    assert fake_http.writes == []
    assert "cmVzdDprZXk=" not in json.dumps(result)


def test_encoded_is_scrubbed_from_later_errors(fake_http, run):
    setup(fake_http)
    fake_http.add("POST", "/_security/cross_cluster/api_key", (200, {"id": "NEW", "name": "search-to-logs", "api_key": SECRET,
                                                                     "encoded": ENCODED}))
    error = {"error": {"type": "exception", "reason": "boom with %s and %s" % (ENCODED, SECRET)}, "status": 500}
    fake_http.add("GET", "/_security/api_key", (200, {"api_keys": []}), (500, error))
    result = run(module, args(access=ACCESS))
    assert result["failed"] is True
    assert ENCODED not in json.dumps(result) and SECRET not in json.dumps(result)


def test_api_error_reported(fake_http, run):
    setup(fake_http)
    error = {"error": {"type": "security_exception", "reason": "current license is non-compliant for "
                       "[advanced-remote-cluster-security]"}, "status": 403}
    fake_http.add("POST", "/_security/cross_cluster/api_key", (403, error))
    result = run(module, args(access=ACCESS))
    assert result["failed"] is True
    assert "non-compliant" in result["msg"]
    assert PASSWORD not in json.dumps(result)
