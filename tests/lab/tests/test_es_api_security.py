"""es_api: roles, REST and cross-cluster API keys (create, update, get, invalidate), has_privileges."""

import base64

import pytest

from test_es_api_helpers import LabWorld, etype, reason

ACCESS = {"search": [{"names": ["logs-*"]}], "replication": [{"names": ["leader-*"]}]}


@pytest.fixture(name="lab")
def lab_fixture(tmp_path):
    """A fresh world with a manage_security user and a manage_api_key user on sm."""
    lab = LabWorld(tmp_path)
    lab.call("sm", "PUT", "/_security/role/sec", body={"cluster": ["manage_security"]})
    lab.call("sm", "PUT", "/_security/role/keys", body={"cluster": ["manage_api_key"]})
    lab.add_user("sm", "secadmin", ["sec"])
    lab.add_user("sm", "keyadmin", ["keys"])
    return lab


def create_cc(lab, body=None, key="sm", **kwargs):
    """POST /_security/cross_cluster/api_key."""
    return lab.call(key, "POST", "/_security/cross_cluster/api_key", body=body if body is not None else {"name": "cc", "access": ACCESS},
                    **kwargs)


def update_cc(lab, key_id, body, key="sm", **kwargs):
    """PUT /_security/cross_cluster/api_key/{id}."""
    return lab.call(key, "PUT", "/_security/cross_cluster/api_key/" + key_id, body=body, **kwargs)


def get_key(lab, key_id, key="sm", **query):
    """GET /_security/api_key?id=..."""
    query["id"] = key_id
    return lab.call(key, "GET", "/_security/api_key", query=query)


# ---------------------------------------------------------------------------------------------- create
def test_create_cross_cluster_key(lab):
    before = lab.world.clock.now()
    response = create_cc(lab, {"name": "cc", "access": ACCESS, "expiration": "90d", "metadata": {"purpose": "lab"}})
    assert response.status == 200
    body = response.body
    assert list(body) == ["id", "name", "expiration", "api_key", "encoded"]
    assert len(body["id"]) == 20 and len(body["api_key"]) == 22
    assert base64.b64decode(body["encoded"]).decode() == "%s:%s" % (body["id"], body["api_key"])
    assert abs(body["expiration"] - (before + 90 * 86400) * 1000) < 5000
    key = get_key(lab, body["id"]).body["api_keys"][0]
    assert key["type"] == "cross_cluster" and key["name"] == "cc" and key["invalidated"] is False
    assert key["access"] == {"search": [{"names": ["logs-*"], "allow_restricted_indices": False}],
                             "replication": [{"names": ["leader-*"], "allow_restricted_indices": False}]}
    descriptor = key["role_descriptors"]["cross_cluster"]
    assert descriptor["cluster"] == ["cross_cluster_search", "monitor_enrich", "cross_cluster_replication"]
    assert descriptor["indices"][0]["privileges"] == ["read", "read_cross_cluster", "view_index_metadata"]
    assert descriptor["indices"][1]["privileges"] == ["cross_cluster_replication", "cross_cluster_replication_internal"]
    assert key["metadata"] == {"purpose": "lab"} and key["username"] == "elastic" and key["realm"] == "reserved"
    assert key["realm_type"] == "reserved"
    assert "limited_by" not in get_key(lab, body["id"], with_limited_by="true").body["api_keys"][0]


def test_cross_cluster_key_on_8_13_exists_and_has_no_monitor_enrich(lab):
    response = create_cc(lab, {"name": "cc", "access": {"search": [{"names": ["a"], "query": {"term": {"x": 1}}}],
                                                        "replication": [{"names": ["b"]}]}}, key="ece-a/legacy-a")
    assert response.status == 200, response.body
    key = get_key(lab, response.body["id"], key="ece-a/legacy-a").body["api_keys"][0]
    assert key["role_descriptors"]["cross_cluster"]["cluster"] == ["cross_cluster_search", "cross_cluster_replication"]
    assert key["access"]["search"][0]["query"] == '{"term":{"x":1}}'
    assert "realm_type" not in key


def test_create_validation_errors(lab):
    cases = [
        ({"name": "k"}, "illegal_argument_exception", "Required [access]"),
        ({"access": ACCESS}, "illegal_argument_exception", "Required [name]"),
        ({}, "illegal_argument_exception", "Required [name, access]"),
        ({"name": "k", "access": {}}, "illegal_argument_exception", "must specify non-empty access for either [search] or [replication]"),
        ({"name": "k", "access": {"search": []}}, "illegal_argument_exception",
         "must specify non-empty access for either [search] or [replication]"),
        ({"name": "k", "access": {"replication": [{"names": ["a"], "query": {"term": {"t": 1}}}]}}, "illegal_argument_exception",
         "replication does not support document or field level security"),
        ({"name": "k", "access": {"search": [{"names": ["a"], "field_security": {"grant": ["x"]}}], "replication": [{"names": ["b"]}]}},
         "illegal_argument_exception", "search does not support document or field level security if replication is assigned"),
        ({"name": "k", "access": ACCESS, "metadata": {"_x": 1}}, "action_request_validation_exception",
         "Validation Failed: 1: API key metadata keys may not start with [_];"),
        ({"name": "k", "access": ACCESS, "expiration": "10"}, "illegal_argument_exception",
         "failed to parse setting [expiration] with value [10] as a time value: unit is missing or unrecognized"),
    ]
    for body, kind, message in cases:
        response = create_cc(lab, body)
        assert response.status == 400, (body, response.body)
        assert (etype(response), reason(response)) == (kind, message), body
    null_access = create_cc(lab, {"name": "k", "access": None})
    assert etype(null_access) == "x_content_parse_exception"
    assert reason(null_access).endswith("[cross_cluster_api_key_request_payload] access doesn't support values of type: VALUE_NULL")
    unknown = lab.call("sm", "POST", "/_security/cross_cluster/api_key", raw='{"name": "k", "acess": {}}')
    assert reason(unknown) == "[1:15] [cross_cluster_api_key_request_payload] unknown field [acess]"
    assert lab.cluster("sm").api_keys == {}


def test_create_requires_enterprise_license_and_user_authentication(lab):
    lab.control("sm", "POST", "_license", {"type": "platinum"})
    refused = create_cc(lab)
    assert refused.status == 403 and etype(refused) == "security_exception"
    assert reason(refused) == "current license is non-compliant for [advanced-remote-cluster-security]"
    assert refused.body["error"]["license.expired.feature"] == "advanced-remote-cluster-security"
    lab.control("sm", "POST", "_license", {"type": "trial"})
    assert create_cc(lab).status == 200
    rest = lab.call("sm", "POST", "/_security/api_key", body={"name": "admin-key"}).body
    by_key = create_cc(lab, api_key=rest["encoded"])
    assert by_key.status == 400
    assert reason(by_key) == "authentication via API key not supported: An API key cannot be used to create a cross-cluster API key"
    assert create_cc(lab, user="secadmin", password="lab-password-1").status == 200


# ---------------------------------------------------------------------------------------------- update
def test_update_changes_and_noops(lab):
    created = create_cc(lab, user="secadmin", password="lab-password-1").body
    key_id = created["id"]
    sec = {"user": "secadmin", "password": "lab-password-1"}
    same = update_cc(lab, key_id, {"access": ACCESS}, **sec)
    assert same.status == 200 and same.body == {"updated": False}
    changed = update_cc(lab, key_id, {"access": {"search": [{"names": ["other-*"]}]}}, **sec)
    assert changed.body == {"updated": True}
    key = get_key(lab, key_id).body["api_keys"][0]
    assert key["access"] == {"search": [{"names": ["other-*"], "allow_restricted_indices": False}]}
    assert key["role_descriptors"]["cross_cluster"]["cluster"] == ["cross_cluster_search", "monitor_enrich"]
    assert update_cc(lab, key_id, {"metadata": {"env": "prod"}}, **sec).body == {"updated": True}
    assert update_cc(lab, key_id, {"metadata": {"env": "prod"}}, **sec).body == {"updated": False}
    assert get_key(lab, key_id).body["api_keys"][0]["metadata"] == {"env": "prod"}
    assert update_cc(lab, key_id, {"metadata": {"env": "prod"}, "expiration": "1d"}, **sec).body == {"updated": True}
    assert "expiration" in get_key(lab, key_id).body["api_keys"][0]


def test_update_errors(lab):
    sec = {"user": "secadmin", "password": "lab-password-1"}
    key_id = create_cc(lab, **sec).body["id"]
    empty = update_cc(lab, key_id, {}, **sec)
    assert empty.status == 400 and etype(empty) == "action_request_validation_exception"
    assert reason(empty) == "Validation Failed: 1: must update either [access] or [metadata] for cross-cluster API keys;"
    no_body = lab.call("sm", "PUT", "/_security/cross_cluster/api_key/" + key_id, **sec)
    assert no_body.status == 400 and reason(no_body) == "request body is required"
    empty_access = update_cc(lab, key_id, {"access": {}}, **sec)
    assert reason(empty_access) == "must specify non-empty access for either [search] or [replication]"
    not_owner = update_cc(lab, key_id, {"metadata": {}})
    assert not_owner.status == 404 and etype(not_owner) == "resource_not_found_exception"
    assert reason(not_owner) == "no API key owned by requesting user found for ID [%s]" % key_id
    rest = lab.call("sm", "POST", "/_security/api_key", body={"name": "r"}, **sec).body
    wrong_type = update_cc(lab, rest["id"], {"metadata": {}}, **sec)
    assert reason(wrong_type) == "cannot update API key of type [rest] while expected type is [cross_cluster]"
    by_key = update_cc(lab, key_id, {"metadata": {}}, api_key=rest["encoded"])
    assert by_key.status == 400
    assert reason(by_key) == "authentication via API key not supported: only the owner user can update an API key"
    short = create_cc(lab, {"name": "short", "access": ACCESS, "expiration": "1h"}, **sec).body
    lab.world.clock.advance(7200)
    expired = update_cc(lab, short["id"], {"metadata": {"a": 1}}, **sec)
    assert expired.status == 400 and reason(expired) == "cannot update expired API key [%s]" % short["id"]
    lab.call("sm", "DELETE", "/_security/api_key", body={"ids": [key_id]})
    invalidated = update_cc(lab, key_id, {"metadata": {"a": 1}}, **sec)
    assert invalidated.status == 400 and reason(invalidated) == "cannot update invalidated API key [%s]" % key_id
    denied = update_cc(lab, key_id, {"metadata": {}}, user="keyadmin", password="lab-password-1")
    assert denied.status == 403
    assert "action [cluster:admin/xpack/security/cross_cluster/api_key/update] is unauthorized" in reason(denied)


# ---------------------------------------------------------------------------------------------- get / invalidate
def test_get_api_key_filters(lab):
    first = create_cc(lab, {"name": "alpha-1", "access": ACCESS}).body
    second = lab.call("sm", "POST", "/_security/api_key", body={"name": "alpha-2", "role_descriptors": {"r": {"cluster": ["monitor"]}}}).body
    create_cc(lab, {"name": "beta", "access": ACCESS}, user="secadmin", password="lab-password-1")
    unknown = get_key(lab, "doesnotexist")
    assert unknown.status == 404 and unknown.body == {"api_keys": []}
    by_prefix = lab.call("sm", "GET", "/_security/api_key", query={"name": "alpha*"}).body["api_keys"]
    assert sorted(k["name"] for k in by_prefix) == ["alpha-1", "alpha-2"]
    nothing = lab.call("sm", "GET", "/_security/api_key", query={"name": "zzz"})
    assert nothing.status == 200 and nothing.body == {"api_keys": []}
    owned = lab.call("sm", "GET", "/_security/api_key", query={"owner": "true"}, user="secadmin", password="lab-password-1").body
    assert [k["name"] for k in owned["api_keys"]] == ["beta"]
    rest = get_key(lab, second["id"], with_limited_by="true").body["api_keys"][0]
    assert rest["type"] == "rest"
    assert rest["role_descriptors"]["r"]["cluster"] == ["monitor"]
    assert "superuser" in rest["limited_by"][0]
    lab.call("sm", "DELETE", "/_security/api_key", body={"ids": [first["id"]]})
    invalidated = get_key(lab, first["id"]).body["api_keys"][0]
    assert invalidated["invalidated"] is True and "invalidation" in invalidated
    active = lab.call("sm", "GET", "/_security/api_key", query={"active_only": "true"}).body["api_keys"]
    assert first["id"] not in [k["id"] for k in active]
    both = lab.call("sm", "GET", "/_security/api_key", query={"id": "a", "name": "b"})
    assert reason(both) == "Validation Failed: 1: only one of [api key id, api key name] can be specified;"


def test_manage_own_api_key_sees_only_own_keys(lab):
    lab.call("sm", "PUT", "/_security/role/own", body={"cluster": ["manage_own_api_key"]})
    lab.add_user("sm", "me", ["own"])
    mine = {"user": "me", "password": "lab-password-1"}
    assert lab.call("sm", "POST", "/_security/api_key", body={"name": "mine"}, **mine).status == 200
    all_keys = lab.call("sm", "GET", "/_security/api_key", **mine)
    assert all_keys.status == 403
    assert reason(all_keys).endswith("granted by the cluster privileges [manage_own_api_key,read_security,manage_api_key,"
                                     "manage_security,all]")
    owned = lab.call("sm", "GET", "/_security/api_key", query={"owner": "true"}, **mine)
    assert [k["name"] for k in owned.body["api_keys"]] == ["mine"]


def test_invalidate(lab):
    key = create_cc(lab).body
    none = lab.call("sm", "DELETE", "/_security/api_key", body={"ids": ["nope"]})
    assert none.status == 200
    assert none.body == {"invalidated_api_keys": [], "previously_invalidated_api_keys": [], "error_count": 0}
    denied = lab.call("sm", "DELETE", "/_security/api_key", body={"ids": [key["id"]]}, user="keyadmin", password="lab-password-1")
    assert denied.body["invalidated_api_keys"] == [] and denied.body["error_count"] == 1
    assert denied.body["error_details"][0] == {"type": "security_exception", "reason": "Cannot invalidate cross-cluster API key [%s]. "
                                               "This requires [manage_security] cluster privilege or higher" % key["id"]}
    done = lab.call("sm", "DELETE", "/_security/api_key", body={"name": "cc"}, user="secadmin", password="lab-password-1")
    assert done.body["invalidated_api_keys"] == [key["id"]]
    again = lab.call("sm", "DELETE", "/_security/api_key", body={"ids": [key["id"]]})
    assert again.body["previously_invalidated_api_keys"] == [key["id"]]
    missing = lab.call("sm", "DELETE", "/_security/api_key", body={})
    assert reason(missing) == ("Validation Failed: 1: One of [api key id(s), api key name, username, realm name] must be specified "
                               "if [owner] flag is false;")
    mixed = lab.call("sm", "DELETE", "/_security/api_key", body={"owner": True, "username": "x"})
    assert reason(mixed) == "Validation Failed: 1: neither username nor realm-name may be specified when invalidating owned API keys;"


def test_manage_api_key_could_invalidate_cross_cluster_keys_before_8_14(lab):
    lab.call("ece-a/legacy-a", "PUT", "/_security/role/keys", body={"cluster": ["manage_api_key"]})
    lab.add_user("ece-a/legacy-a", "keyadmin", ["keys"])
    key = create_cc(lab, key="ece-a/legacy-a").body
    done = lab.call("ece-a/legacy-a", "DELETE", "/_security/api_key", body={"ids": [key["id"]]}, user="keyadmin",
                    password="lab-password-1")
    assert done.body["invalidated_api_keys"] == [key["id"]]


# ---------------------------------------------------------------------------------------------- roles / privileges
def test_put_role_created_then_updated_with_remote_indices(lab):
    body = {"cluster": ["manage_ccr"], "remote_indices": [{"clusters": ["my_remote"], "names": ["leader-*"],
                                                           "privileges": ["cross_cluster_replication"]}]}
    first = lab.call("sm", "PUT", "/_security/role/repl", body=body)
    assert first.status == 200 and first.body == {"role": {"created": True}}
    assert lab.call("sm", "POST", "/_security/role/repl", body=body).body == {"role": {"created": False}}
    stored = lab.cluster("sm").roles["repl"]
    assert stored["remote_indices"][0]["clusters"] == ["my_remote"]
    assert stored["remote_indices"][0]["allow_restricted_indices"] is False


def test_put_role_fields_by_version(lab):
    remote = {"remote_indices": [{"clusters": ["r"], "names": ["a"], "privileges": ["read"]}]}
    old = lab.call("ece-a/old-a", "PUT", "/_security/role/r", body=remote)
    assert old.status == 400 and etype(old) == "parse_exception"
    assert reason(old) == "failed to parse role [r]. unexpected field [remote_indices]"
    assert lab.call("ece-a/legacy-a", "PUT", "/_security/role/r", body=remote).status == 200
    cluster_privs = {"remote_cluster": [{"clusters": ["r"], "privileges": ["monitor_enrich"]}]}
    assert reason(lab.call("ece-a/legacy-a", "PUT", "/_security/role/r2", body=cluster_privs)) == \
        "failed to parse role [r2]. unexpected field [remote_cluster]"
    assert lab.call("ece-a/metrics-a", "PUT", "/_security/role/r2", body=dict(cluster_privs, description="d")).status == 200


def test_put_role_validation(lab):
    unknown = lab.call("sm", "PUT", "/_security/role/r", body={"cluster": ["manage_everything"]})
    assert unknown.status == 400 and etype(unknown) == "action_request_validation_exception"
    assert reason(unknown).startswith("Validation Failed: 1: unknown cluster privilege [manage_everything]. a privilege must be")
    reserved = lab.call("sm", "PUT", "/_security/role/superuser", body={})
    assert reason(reserved) == "Validation Failed: 1: Role [superuser] is reserved and may not be used.;"
    missing = lab.call("sm", "PUT", "/_security/role/r", body={"remote_indices": [{"names": ["a"], "privileges": ["read"]}]})
    assert reason(missing) == "failed to parse remote indices privileges for role [r]. missing required [clusters] field"
    no_names = lab.call("sm", "PUT", "/_security/role/r", body={"indices": [{"privileges": ["read"]}]})
    assert reason(no_names) == "failed to parse indices privileges for role [r]. missing required [names] field"


def test_has_privileges(lab):
    lab.call("sm", "PUT", "/_security/role/ops", body={"cluster": ["manage"], "indices": [{"names": ["logs-*"], "privileges": ["read"]}]})
    lab.add_user("sm", "op", ["ops"])
    response = lab.call("sm", "POST", "/_security/user/_has_privileges", user="op", password="lab-password-1",
                        body={"cluster": ["manage", "monitor", "manage_security"],
                              "index": [{"names": ["logs-lab"], "privileges": ["read", "write"]}]})
    assert response.status == 200
    assert response.body["username"] == "op"
    assert response.body["cluster"] == {"manage": True, "monitor": True, "manage_security": False}
    assert response.body["index"] == {"logs-lab": {"read": True, "write": False}}
    assert response.body["has_all_requested"] is False
    superuser = lab.call("sm", "GET", "/_security/user/_has_privileges", body={"cluster": ["manage_security"]})
    assert superuser.body["has_all_requested"] is True
    empty = lab.call("sm", "POST", "/_security/user/_has_privileges", body={})
    assert reason(empty) == "Validation Failed: 1: must specify at least one privilege;"
