"""es_api: routing and spec errors, authentication, authorization, info/health, control calls, and one end-to-end
request through an HttpService with TLS (lab instance 4)."""

import os

import pytest
import requests

from eceops_lab.server import SPEC_REJECTED, HttpService, RequestLog
from test_es_api_helpers import LabWorld, etype, reason

WWW = 'Basic realm="security", charset="UTF-8", Bearer realm="security", ApiKey'


@pytest.fixture(name="lab")
def lab_fixture(tmp_path):
    """A fresh world."""
    return LabWorld(tmp_path)


# ---------------------------------------------------------------------------------------------- routing / spec
def test_no_handler_is_plain_string_error_without_authentication(lab):
    response = lab.call("sm", "GET", "/_nope/thing/other", user=None)
    assert response.status == 400
    assert response.body == {"error": "no handler found for uri [/_nope/thing/other] and method [GET]", "status": 400}


def test_wrong_method_lists_allowed_methods(lab):
    response = lab.call("sm", "DELETE", "/_cluster/settings", user=None)
    assert response.status == 405
    assert response.body == {"error": "Incorrect HTTP method for uri [/_cluster/settings] and method [DELETE], allowed: [GET, PUT]",
                             "status": 405}


def test_unknown_parameter_with_did_you_mean(lab):
    response = lab.call("sm", "GET", "/_cluster/settings", query={"flat_setting": "true"})
    assert response.status == 400
    assert etype(response) == "illegal_argument_exception"
    assert reason(response) == ("request [/_cluster/settings] contains unrecognized parameter: [flat_setting] -> did you mean "
                                "[flat_settings]?")


def test_unknown_parameter_needs_authentication_first(lab):
    response = lab.call("sm", "GET", "/_cluster/settings", query={"flat_setting": "true"}, user=None)
    assert response.status == 401


def test_missing_and_unsupported_body(lab):
    missing = lab.call("sm", "PUT", "/_cluster/settings")
    assert missing.status == 400 and etype(missing) == "parse_exception" and reason(missing) == "request body is required"
    unsupported = lab.call("sm", "GET", "/_remote/info", body={"a": 1})
    assert unsupported.status == 400
    assert reason(unsupported) == "request [GET /_remote/info] does not support having a body"


def test_bad_boolean_parameter(lab):
    response = lab.call("sm", "GET", "/_cluster/settings", query={"flat_settings": "yes"})
    assert response.status == 400
    assert reason(response) == "Failed to parse value [yes] as only [true] or [false] are allowed."


def test_parameters_unknown_to_older_versions(lab):
    old = lab.call("ece-a/old-a", "GET", "/_security/api_key", query={"active_only": "true"})
    assert old.status == 400
    assert reason(old).startswith("request [/_security/api_key] contains unrecognized parameter: [active_only]")
    new = lab.call("ece-a/search-a", "GET", "/_security/api_key", query={"active_only": "true"})
    assert new.status == 200


def test_apis_missing_in_older_versions_have_no_handler(lab):
    response = lab.call("ece-a/old-a", "POST", "/_security/cross_cluster/api_key", body={"name": "k", "access": {}})
    assert response.status == 400
    assert response.body == {"error": "no handler found for uri [/_security/cross_cluster/api_key] and method [POST]",
                             "status": 400}
    no_name = lab.call("ece-a/metrics-a", "GET", "/_resolve/cluster")
    assert no_name.status == 400 and "no handler found" in no_name.body["error"]
    old_resolve = lab.call("ece-a/old-a", "GET", "/_resolve/cluster/logs-*")
    assert old_resolve.status == 400
    assert lab.call("ece-a/legacy-a", "GET", "/_resolve/cluster/logs-*").status == 200
    assert lab.call("ece-a/logs-a", "GET", "/_resolve/cluster").status == 200


def test_invalid_json_body(lab):
    response = lab.call("sm", "PUT", "/_cluster/settings", raw='{"persistent": ')
    assert response.status == 400
    assert etype(response) == "x_content_parse_exception"


# ---------------------------------------------------------------------------------------------- authentication
def test_missing_credentials(lab):
    response = lab.call("sm", "GET", "/_cluster/settings", user=None, query={"flat_settings": "true"})
    assert response.status == 401
    assert reason(response) == "missing authentication credentials for REST request [/_cluster/settings?flat_settings=true]"
    assert etype(response) == "security_exception"
    assert response.headers["WWW-Authenticate"] == WWW
    assert response.body["error"]["header"]["WWW-Authenticate"][0] == 'Basic realm="security", charset="UTF-8"'


def test_wrong_password_and_unknown_user(lab):
    wrong = lab.call("sm", "GET", "/_cluster/settings", password="nope")
    assert wrong.status == 401
    assert reason(wrong) == "unable to authenticate user [elastic] for REST request [/_cluster/settings]"
    unknown = lab.call("sm", "GET", "/", user="ghost", password="x")
    assert reason(unknown) == "unable to authenticate user [ghost] for REST request [/]"


def test_unknown_scheme_counts_as_missing_credentials(lab):
    response = lab.call("sm", "GET", "/", user=None, headers={"Authorization": "Bearer abc"})
    assert response.status == 401
    assert reason(response) == "missing authentication credentials for REST request [/]"


def _cross_cluster_key(lab, key="sm", name="ccs"):
    created = lab.call(key, "POST", "/_security/cross_cluster/api_key", body={"name": name, "access": {"search": [{"names": ["logs-*"]}]}})
    assert created.status == 200, created.body
    return created.body


def _rest_key(lab, key="sm", body=None):
    created = lab.call(key, "POST", "/_security/api_key", body=body or {"name": "rest-key"})
    assert created.status == 200, created.body
    return created.body


def test_cross_cluster_key_cannot_authenticate_rest(lab):
    key = _cross_cluster_key(lab)
    response = lab.call("sm", "GET", "/_security/_authenticate", api_key=key["encoded"])
    assert response.status == 401
    assert reason(response) == ("authentication expected API key type of [rest], but API key [%s] has type [cross_cluster]"
                                % key["id"])
    assert response.headers["WWW-Authenticate"] == WWW


def test_rest_key_authenticates_then_invalidated_and_expired_keys_fail(lab):
    key = _rest_key(lab)
    ok = lab.call("sm", "GET", "/_security/_authenticate", api_key=key["encoded"])
    assert ok.status == 200
    assert ok.body["authentication_type"] == "api_key"
    assert ok.body["api_key"] == {"id": key["id"], "name": "rest-key"}
    assert ok.body["username"] == "elastic"
    invalidated = lab.call("sm", "DELETE", "/_security/api_key", body={"ids": [key["id"]]})
    assert invalidated.body["invalidated_api_keys"] == [key["id"]]
    refused = lab.call("sm", "GET", "/_security/_authenticate", api_key=key["encoded"])
    assert refused.status == 401
    assert reason(refused) == ("unable to authenticate with provided credentials and anonymous access is not allowed for "
                               "this request")
    assert refused.body["error"]["additional_unsuccessful_credentials"] == "API key: api key [%s] has been invalidated" % key["id"]
    short = _rest_key(lab, body={"name": "short", "expiration": "1m"})
    assert "expiration" in short
    lab.world.clock.advance(120)
    expired = lab.call("sm", "GET", "/_security/_authenticate", api_key=short["encoded"])
    assert expired.status == 401
    assert expired.body["error"]["additional_unsuccessful_credentials"] == "API key: api key is expired"


def test_unknown_and_wrong_secret_api_keys(lab):
    import base64  # pylint: disable=import-outside-toplevel
    unknown = lab.call("sm", "GET", "/", api_key=base64.b64encode(b"nosuchid:secret").decode())
    assert unknown.body["error"]["additional_unsuccessful_credentials"] == "API key: unable to find apikey with id nosuchid"
    key = _rest_key(lab)
    wrong = lab.call("sm", "GET", "/", api_key=base64.b64encode(("%s:wrong" % key["id"]).encode()).decode())
    assert wrong.body["error"]["additional_unsuccessful_credentials"] == "API key: invalid credentials for API key [%s]" % key["id"]


def test_pass_through_principal_and_request_context(lab):
    from eceops_lab import server  # pylint: disable=import-outside-toplevel
    principal = {"username": "ece-proxy", "roles": ["superuser"], "realm": "found", "type": "realm"}
    request = server.Request("GET", "/_security/_authenticate", {}, {}, b"", "127.0.0.1", "es:ece-a/search-a")
    response = lab.api("ece-a/search-a").handle(request, principal=principal)
    assert response.status == 200
    assert response.body["username"] == "ece-proxy"
    assert response.body["authentication_realm"] == {"name": "found", "type": "file"}
    assert request.context["principal"]["username"] == "ece-proxy"
    assert request.context["principal"]["authentication_type"] == "realm"


def test_elastic_realms_by_kind(lab):
    assert lab.call("sm", "GET", "/_security/_authenticate").body["authentication_realm"] == {"name": "reserved", "type": "reserved"}
    assert lab.call("ece-a/search-a", "GET", "/_security/_authenticate").body["authentication_realm"]["name"] == "found"


# ---------------------------------------------------------------------------------------------- authorization
def test_403_for_user_without_manage(lab):
    assert lab.call("sm", "PUT", "/_security/role/mon-role", body={"cluster": ["monitor"]}).status == 200
    lab.add_user("sm", "mon", ["mon-role"])
    response = lab.call("sm", "PUT", "/_cluster/settings", user="mon", body={"persistent": {"cluster.remote.a.seeds": ["h:9300"]}})
    assert response.status == 403
    assert etype(response) == "security_exception"
    assert reason(response) == ("action [cluster:admin/settings/update] is unauthorized for user [mon] with effective roles "
                                "[mon-role], this action is granted by the cluster privileges [manage,all]")
    assert lab.call("sm", "GET", "/_cluster/settings", user="mon").status == 200


def test_403_without_manage_security_and_missing_roles(lab):
    lab.call("sm", "PUT", "/_security/role/ops", body={"cluster": ["manage"]})
    lab.add_user("sm", "op", ["ops", "ghost"])
    response = lab.call("sm", "POST", "/_security/cross_cluster/api_key", user="op",
                        body={"name": "k", "access": {"search": [{"names": ["a"]}]}})
    assert response.status == 403
    assert reason(response) == ("action [cluster:admin/xpack/security/cross_cluster/api_key/create] is unauthorized for user [op] "
                                "with effective roles [ops] (assigned roles [ghost] were not found), this action is granted by "
                                "the cluster privileges [manage_security,all]")
    role = lab.call("sm", "PUT", "/_security/role/x", user="op", body={})
    assert role.status == 403 and "[manage_security,all]" in reason(role)


def test_403_for_api_key_names_the_key(lab):
    key = _rest_key(lab, body={"name": "limited", "role_descriptors": {"r": {"cluster": ["monitor"]}}})
    response = lab.call("sm", "PUT", "/_cluster/settings", api_key=key["encoded"],
                        body={"persistent": {"cluster.remote.a.seeds": ["h:9300"]}})
    assert response.status == 403
    assert reason(response) == ("action [cluster:admin/settings/update] is unauthorized for API key id [%s] of user [elastic], "
                                "this action is granted by the cluster privileges [manage,all]" % key["id"])
    assert lab.call("sm", "GET", "/_cluster/settings", api_key=key["encoded"]).status == 200


def test_rest_parse_errors_come_before_authorization(lab):
    lab.add_user("sm", "nobody", [])
    response = lab.call("sm", "PUT", "/_cluster/settings", user="nobody", body={"persistent": {}, "bogus": 1})
    assert response.status == 400
    assert reason(response) == "[1:20] [cluster_update_settings_request] unknown field [bogus]"


# ---------------------------------------------------------------------------------------------- info / health
def test_info_fields(lab):
    cluster = lab.cluster("ece-a/logs-a")
    body = lab.call("ece-a/logs-a", "GET", "/").body
    assert body["cluster_name"] == cluster.cluster_id
    assert body["cluster_uuid"] == cluster.cluster_uuid
    assert body["name"] == "instance-0000000000"
    assert body["tagline"] == "You Know, for Search"
    assert body["version"]["number"] == "8.19.4"
    assert body["version"]["minimum_wire_compatibility_version"] == cluster.minwire == "7.17.0"
    assert body["version"]["minimum_index_compatibility_version"] == "7.0.0"
    assert body["version"]["build_flavor"] == "default"
    assert lab.call("sm", "GET", "/").body["cluster_name"] == "sm-cluster"


def test_health(lab):
    body = lab.call("sm", "GET", "/_cluster/health", query={"level": "indices"}).body
    assert body["status"] == "green" and body["number_of_nodes"] == 2 and "logs-lab" in body["indices"]
    missing = lab.call("sm", "GET", "/_cluster/health/nope")
    assert missing.status == 408 and missing.body["timed_out"] is True and missing.body["status"] == "red"
    waiting = lab.call("sm", "GET", "/_cluster/health", query={"wait_for_nodes": ">=3"})
    assert waiting.status == 408


# ---------------------------------------------------------------------------------------------- control
def test_control_users_data_license_settings(lab):
    created = lab.add_user("sm", "alice", ["viewer-ish"])
    assert created["created"] is True
    updated = lab.control("sm", "POST", "_users", {"username": "alice", "roles": ["other"]})
    assert updated["created"] is False and lab.cluster("sm").users["alice"]["roles"] == ["other"]
    assert lab.call("sm", "GET", "/_security/_authenticate", user="alice", password="lab-password-1").body["roles"] == ["other"]
    data = lab.control("sm", "POST", "_data", {"index": "fresh", "docs": [{"a": 1}, {"a": 2}]})
    assert data["docs"] == 2 and len(lab.cluster("sm").indices["fresh"].docs) == 2
    assert lab.control("sm", "POST", "_license", {"type": "basic"})["license"]["type"] == "basic"
    state = lab.control("sm", "GET", "_settings")
    assert state["license"]["type"] == "basic"
    assert "fresh" in state["indices"]
    assert lab.control("sm", "POST", "_nothing").status == 404


# ---------------------------------------------------------------------------------------------- end to end
def test_end_to_end_through_https_service(lab, tmp_path):
    cluster = lab.cluster("sm")
    api = lab.api("sm")
    log = RequestLog(os.path.join(str(tmp_path), "requests.jsonl"))
    service = HttpService("es:sm", cluster.ip, 9200, api.handle,
                          tls=(cluster.http_cert.cert_pem + cluster.http_ca.cert_pem, cluster.http_cert.key_pem),
                          log=log, tick=lab.world.tick).start()
    try:
        ca = os.path.join(str(tmp_path), "certs", "sm-ca.pem")
        base = "https://%s:9200" % cluster.ip
        ok = requests.get(base + "/", auth=("elastic", cluster.elastic_password), verify=ca, timeout=10)
        assert ok.status_code == 200
        assert ok.json()["version"]["number"] == cluster.version
        denied = requests.get(base + "/_cluster/settings", verify=ca, timeout=10)
        assert denied.status_code == 401
        assert denied.headers["WWW-Authenticate"] == WWW
        put = requests.put(base + "/_cluster/settings", json={"persistent": {"cluster.remote.x.seeds": ["a:9300"]}},
                           auth=("elastic", cluster.elastic_password), verify=ca, timeout=10)
        assert put.status_code == 200
        assert put.json()["persistent"] == {"cluster": {"remote": {"x": {"seeds": ["a:9300"]}}}}
        # answers the REST spec dictates are marked in the request log; other errors (401, bad setting) are not
        auth = ("elastic", cluster.elastic_password)
        assert requests.get(base + "/_cluster/settings", params={"flat_setting": "true"}, auth=auth, verify=ca, timeout=10).status_code == 400
        assert requests.delete(base + "/_cluster/settings", auth=auth, verify=ca, timeout=10).status_code == 405
        assert requests.put(base + "/_cluster/settings", auth=auth, verify=ca, timeout=10).status_code == 400
        bad_setting = requests.put(base + "/_cluster/settings", json={"persistent": {"cluster.remote.x.skip_unavailable": "maybe"}},
                                   auth=auth, verify=ca, timeout=10)
        assert bad_setting.status_code == 400
        notes = [entry.get("note") for entry in log.query()]
        assert notes == [None, None, None, SPEC_REJECTED + "illegal_argument_exception", SPEC_REJECTED + "routing 405",
                         SPEC_REJECTED + "parse_exception", None]
    finally:
        service.stop()
        log.close()


def test_eck_control_calls_are_handed_to_eck_and_restart(lab):
    reply = lab.control("eck/quickstart", "POST", "_eck_get", {"kind": "Secret"})
    assert "items" in reply and any(item["metadata"]["name"] == "quickstart-es-elastic-user" for item in reply["items"])
    cluster = lab.cluster("eck/quickstart")
    cluster.secrets["creds"] = {"cluster.remote.x.credentials": "ZWNr"}
    cluster.manifest["spec"]["secureSettings"] = [{"secretName": "creds"}]
    result = lab.control("eck/quickstart", "POST", "_restart")
    assert result["ok"] is True and cluster.restarts == 1
    assert cluster.keystore_loaded["cluster.remote.x.credentials"] == "ZWNr"


def test_body_needs_a_supported_content_type(lab):
    missing = lab.call("sm", "PUT", "/_cluster/settings", raw='{"persistent": {}}', headers={"Content-Type": ""})
    assert missing.status == 406 and missing.body == {"error": "Content-Type header is missing", "status": 406}
    plain = lab.call("sm", "PUT", "/_cluster/settings", raw='{"persistent": {}}', headers={"Content-Type": "text/plain"})
    assert plain.status == 406 and plain.body == {"error": "Content-Type header [text/plain] is not supported", "status": 406}
    versioned = lab.call("sm", "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.v.seeds": ["h:9300"]}},
                         headers={"Content-Type": "application/vnd.elasticsearch+json; compatible-with=8"})
    assert versioned.status == 200
