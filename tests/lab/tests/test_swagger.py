"""Tests of eceops_lab.swagger: routing, request validation and response checks against the ECE 3.8 spec."""

import copy
import json
import os

import pytest

from eceops_lab.swagger import Operation, SpecError, SwaggerSpec, format_path

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs", "ece", "ece-apidocs.json")


@pytest.fixture(scope="module", name="spec")
def spec_fixture():
    """One spec for the module (it is read-only once built)."""
    return SwaggerSpec(SPEC_PATH)


def raises_spec_error(call, *args, **kwargs):
    """Run call and return the SpecError it raises (fails the test when it raises none)."""
    with pytest.raises(SpecError) as info:
        call(*args, **kwargs)
    return info.value


# Every ECE path of ece-api.md sections 1 to 11 and scenarios.md section 6, with its operation.
SCENARIO_PATHS = [
    ("GET", "/deployments/d1", "get-deployment"),
    ("GET", "/deployments/d1/elasticsearch/main-elasticsearch", "get-deployment-es-resource-info"),
    ("GET", "/deployments", "list-deployments"),
    ("POST", "/deployments/_search", "search-deployments"),
    ("POST", "/deployments/d1/elasticsearch/main/eligible-remote-clusters", "get-deployment-es-resource-eligible-remote-clusters"),
    ("POST", "/deployments/eligible-remote-clusters", "search-eligible-remote-clusters"),
    ("PUT", "/deployments/d1", "update-deployment"),
    ("POST", "/deployments", "create-deployment"),
    ("GET", "/trusted-environments", "get-trusted-envs"),
    ("GET", "/deployments/d1/elasticsearch/main/remote-clusters", "get-deployment-es-resource-remote-clusters"),
    ("PUT", "/deployments/d1/elasticsearch/main/remote-clusters", "set-deployment-es-resource-remote-clusters"),
    ("GET", "/deployments/d1/elasticsearch/main/keystore", "get-deployment-es-resource-keystore"),
    ("PATCH", "/deployments/d1/elasticsearch/main/keystore", "set-deployment-es-resource-keystore"),
    ("GET", "/platform/configuration/trust-relationships", "get-trust-relationships"),
    ("GET", "/platform/configuration/trust-relationships/t1", "get-trust-relationship"),
    ("POST", "/platform/configuration/trust-relationships", "create-trust-relationship"),
    ("PUT", "/platform/configuration/trust-relationships/t1", "update-trust-relationship"),
    ("DELETE", "/platform/configuration/trust-relationships/t1", "delete-trust-relationship"),
    ("GET", "/platform/configuration/security/tls/proxy", "get-tls-certificate"),
    ("GET", "/platform/configuration/security/tls/internalca", "get-tls-certificate"),
    ("POST", "/platform/configuration/security/tls/proxy", "set-tls-certificate"),
    ("POST", "/platform/configuration/security/tls/ui", "set-tls-certificate"),
    ("GET", "/account", "get-current-account"),
    ("PUT", "/account", "update-current-account"),
    ("PATCH", "/account", "patch-current-account"),
    ("GET", "/deployments/d1/certificate-authority", "get-deployment-certificate-authority"),
    ("GET", "/deployments/d1/elasticsearch/main/activity/att1", "get-deployment-resource-plan-activity"),
    ("DELETE", "/deployments/d1/elasticsearch/main/plan/pending", "cancel-deployment-resource-pending-plan"),
    ("GET", "/deployments/traffic-filter/rulesets", "get-traffic-filter-rulesets"),
    ("POST", "/deployments/traffic-filter/rulesets", "create-traffic-filter-ruleset"),
    ("GET", "/deployments/traffic-filter/rulesets/r1", "get-traffic-filter-ruleset"),
    ("PUT", "/deployments/traffic-filter/rulesets/r1", "update-traffic-filter-ruleset"),
    ("DELETE", "/deployments/traffic-filter/rulesets/r1", "delete-traffic-filter-ruleset"),
    ("GET", "/deployments/traffic-filter/rulesets/r1/associations", "get-traffic-filter-ruleset-deployment-associations"),
    ("POST", "/deployments/traffic-filter/rulesets/r1/associations", "create-traffic-filter-ruleset-association"),
    ("DELETE", "/deployments/traffic-filter/rulesets/r1/associations/deployment/d1", "delete-traffic-filter-ruleset-association"),
    ("GET", "/deployments/traffic-filter/associations/deployment/d1/rulesets", "get-traffic-filter-deployment-ruleset-associations"),
    ("GET", "/deployments/traffic-filter/link-ids", "get-traffic-filter-claimed-link-ids"),
    ("POST", "/deployments/traffic-filter/link-ids/_claim", "claim-traffic-filter-link-id"),
    ("POST", "/deployments/traffic-filter/link-ids/_unclaim", "unclaim-traffic-filter-link-id"),
    ("POST", "/deployments/d1/elasticsearch/main/_enable-ccr", "enable-deployment-resource-ccr"),
    ("POST", "/deployments/d1/elasticsearch/main/_restart", "restart-deployment-es-resource"),
    ("GET", "/platform/configuration/networking/deployment_domain_name", "get-default-deployment-domain-name"),
    ("PUT", "/platform/configuration/networking/deployment_domain_name", "set-default-deployment-domain-name"),
    ("GET", "/platform/configuration/networking/deployment_domain_name/elasticsearch", "get-resource-kind-deployment-domain-name"),
    ("PUT", "/platform/configuration/networking/deployment_domain_name/kibana", "set-resource-kind-deployment-domain-name"),
    ("GET", "/platform/configuration/api_base_url", "get-api-base-url"),
    ("GET", "/platform/infrastructure/proxies", "get-proxies"),
    ("GET", "/platform/infrastructure/proxies/p1", "get-proxy"),
    ("GET", "/platform/infrastructure/proxies/health", "get-proxies-health"),
    ("GET", "/platform/infrastructure/proxies/filtered-groups/g1", "get-proxies-filtered-group"),
    ("GET", "/platform", "get-platform"),
    ("GET", "/platform/infrastructure/allocators", "get-allocators"),
    ("GET", "/platform/infrastructure/allocators/a1", "get-allocator"),
    ("POST", "/platform/infrastructure/allocators/_search", "search-allocators"),
    ("GET", "/deployments/d1/elasticsearch/main/proxy/_remote/info", "get-deployment-resource-proxy-requests"),
    ("POST", "/deployments/d1/elasticsearch/main/proxy/_security/cross_cluster/api_key", "post-deployment-resource-proxy-requests"),
    ("PUT", "/deployments/d1/elasticsearch/main/proxy/_cluster/settings", "put-deployment-resource-proxy-requests"),
    ("DELETE", "/deployments/d1/elasticsearch/main/proxy/_security/api_key", "delete-deployment-resource-proxy-requests"),
    ("POST", "/users/auth/_login", "login"),
    ("POST", "/users/auth/_refresh", "refresh-token"),
    ("POST", "/users/auth/keys", "create-api-key"),
    ("GET", "/users/auth", "get-authentication-info"),
]


# ------------------------------------------------------------------------------------------------ routing

@pytest.mark.parametrize("method,path,op_id", SCENARIO_PATHS)
def test_every_scenario_path_matches_its_operation(spec, method, path, op_id):
    assert spec.match(method, path).operation_id == op_id


@pytest.mark.parametrize("prefix", ["", "/api/v1", "//api/v1"])
def test_base_path_is_optional_and_doubled_slash_tolerated(spec, prefix):
    operation = spec.match("GET", prefix + "/deployments/abc")
    assert operation.operation_id == "get-deployment"
    assert operation.path_params == {"deployment_id": "abc"}


def test_region_prefix_of_the_docs_example(spec):
    # scenarios.md section 6 item 4, written with a double slash after the port
    operation = spec.match("GET", "//api/v1/regions/ece-region/platform/configuration/trust-relationships?include_certificate=false")
    assert operation.operation_id == "get-trust-relationships"
    assert operation.region == "ece-region"
    assert spec.match("GET", "/api/v1/platform/configuration/trust-relationships").region is None


def test_region_prefix_is_not_accepted_for_deployments(spec):
    error = raises_spec_error(spec.match, "GET", "/api/v1/regions/ece-region/deployments/abc")
    assert error.status == 404


def test_match_returns_operation_details(spec):
    operation = spec.match("get", "/deployments/d1/elasticsearch/main/remote-clusters")
    assert isinstance(operation, Operation)
    assert operation.method == "GET"
    assert operation.path == "/deployments/{deployment_id}/elasticsearch/{ref_id}/remote-clusters"
    assert operation.path_params == {"deployment_id": "d1", "ref_id": "main"}
    assert operation.raw["operationId"] == "get-deployment-es-resource-remote-clusters"
    assert not operation.is_write
    assert spec.match("PUT", "/deployments/d1/elasticsearch/main/remote-clusters").is_write


@pytest.mark.parametrize("method,path,op_id", [
    ("POST", "/deployments/_search", "search-deployments"),
    ("GET", "/deployments/traffic-filter/rulesets", "get-traffic-filter-rulesets"),
    ("GET", "/deployments/traffic-filter/rulesets/r1", "get-traffic-filter-ruleset"),
    ("GET", "/platform/infrastructure/proxies/health", "get-proxies-health"),
    ("POST", "/platform/infrastructure/allocators/_search", "search-allocators"),
    ("GET", "/deployments/d1/elasticsearch/main", "get-deployment-es-resource-info"),
    ("POST", "/deployments/d1/elasticsearch/main/_restart", "restart-deployment-es-resource"),
])
def test_static_segments_win_over_templates(spec, method, path, op_id):
    operation = spec.match(method, path)
    assert operation.operation_id == op_id
    assert "deployment_id" not in operation.path_params or operation.path_params["deployment_id"] == "d1"


def test_templated_segment_still_matches_other_values(spec):
    operation = spec.match("GET", "/deployments/traffic-filter")
    assert operation.operation_id == "get-deployment"
    assert operation.path_params == {"deployment_id": "traffic-filter"}


def test_enum_path_parameter_selects_the_template(spec):
    assert spec.match("GET", "/deployments/d1/kibana/main").operation_id == "get-deployment-kib-resource-info"
    assert spec.match("POST", "/deployments/d1/apm/main/_restart").operation_id == "restart-deployment-stateless-resource"
    # 'apm' is not a resource_kind of the proxy
    assert raises_spec_error(spec.match, "GET", "/deployments/d1/apm/main/proxy/x").status == 404


def test_proxy_path_takes_slashes(spec):
    operation = spec.match("GET", "/api/v1/deployments/d1/elasticsearch/main/proxy/_cluster/settings")
    assert operation.operation_id == "get-deployment-resource-proxy-requests"
    assert operation.path_params == {"deployment_id": "d1", "resource_kind": "elasticsearch", "ref_id": "main",
                                     "proxy_path": "_cluster/settings"}
    assert operation.is_passthrough
    deep = spec.match("PUT", "/deployments/d1/kibana/main/proxy/api/spaces/space/marketing")
    assert deep.path_params["proxy_path"] == "api/spaces/space/marketing"
    assert deep.path_params["resource_kind"] == "kibana"


def test_proxy_path_must_not_be_empty(spec):
    assert raises_spec_error(spec.match, "GET", "/deployments/d1/elasticsearch/main/proxy/").status == 404


def test_path_parameters_are_url_decoded(spec):
    operation = spec.match("GET", "/deployments/traffic-filter/rulesets/a%20b")
    assert operation.path_params == {"ruleset_id": "a b"}


def test_unknown_path_is_404(spec):
    error = raises_spec_error(spec.match, "GET", "/api/v1/no-such-thing")
    assert (error.status, error.code) == (404, "root.resource_not_found")
    assert "/no-such-thing" in error.message
    assert error.reply() == {"errors": [{"code": "root.resource_not_found", "message": error.message}]}


def test_trailing_slash_is_not_a_match(spec):
    assert raises_spec_error(spec.match, "GET", "/deployments/").status == 404


def test_known_path_wrong_method_is_405(spec):
    error = raises_spec_error(spec.match, "PATCH", "/deployments/traffic-filter/rulesets")
    assert (error.status, error.code) == (405, "root.method_not_allowed")
    assert "allowed: [GET, POST]" in error.message


def test_operation_ids_and_lookup(spec):
    ids = spec.operation_ids()
    assert len(ids) == 274
    assert ids == sorted(ids)
    operation = spec.operation_by_id("update-deployment")
    assert (operation.method, operation.path) == ("PUT", "/deployments/{deployment_id}")
    assert operation.is_write
    with pytest.raises(KeyError):
        spec.operation_by_id("no-such-operation")


# ------------------------------------------------------------------------------------------------ query, headers

def test_query_params_are_typed_and_defaulted(spec):
    operation, path_params, params, body = spec.validate_request(
        "GET", "/deployments/d1", {"show_settings": ["true"], "show_system_alerts": ["3"]}, b"")
    assert operation.operation_id == "get-deployment"
    assert path_params == {"deployment_id": "d1"}
    assert params["show_settings"] is True
    assert params["show_system_alerts"] == 3
    assert params["show_plans"] is True           # default true
    assert params["show_metadata"] is False       # default false
    assert body is None


@pytest.mark.parametrize("value", ["yes", "1", "True", ""])
def test_bad_boolean_query_param(spec, value):
    error = raises_spec_error(spec.validate_request, "GET", "/deployments/d1", {"show_settings": [value]}, None)
    assert (error.status, error.code) == (400, "root.invalid_query_parameter")
    assert "show_settings" in error.message and "[%s]" % value in error.message and "boolean" in error.message
    assert error.fields == ["show_settings"]


def test_bad_integer_query_param(spec):
    error = raises_spec_error(spec.validate_request, "GET", "/deployments/d1", {"show_system_alerts": ["two"]}, None)
    assert error.code == "root.invalid_query_parameter"
    assert "integer" in error.message


def test_unknown_query_param_rejected(spec):
    error = raises_spec_error(spec.validate_request, "GET", "/deployments/d1", {"show_setting": ["true"]}, None)
    assert (error.status, error.code) == (400, "root.invalid_query_parameter")
    assert "show_setting" in error.message and "show_settings" in error.message


def test_unknown_query_param_allowed_when_switched_off():
    lenient = SwaggerSpec(SPEC_PATH, reject_unknown_query=False)
    params = lenient.validate_request("GET", "/deployments/d1", {"whatever": ["1"]}, None)[2]
    assert "whatever" not in params


def test_query_param_twice_rejected(spec):
    error = raises_spec_error(spec.validate_request, "GET", "/deployments/d1", {"show_settings": ["true", "false"]}, None)
    assert error.code == "root.invalid_query_parameter"


def test_enum_query_param(spec):
    params = spec.validate_request("GET", "/platform/configuration/trust-relationships", {"filter": ["local"]}, None)[2]
    assert params == {"filter": "local", "include_certificate": False}
    error = raises_spec_error(spec.validate_request, "GET", "/platform/configuration/trust-relationships",
                              {"filter": ["remote"]}, None)
    assert error.code == "root.invalid_query_parameter"
    assert "all, local, non-local" in error.message


def test_required_query_param(spec):
    error = raises_spec_error(spec.validate_request, "POST", "/deployments/eligible-remote-clusters", {}, None)
    assert error.code == "root.invalid_query_parameter"
    assert "version" in error.message
    params = spec.validate_request("POST", "/deployments/eligible-remote-clusters", {"version": ["8.15.0"]}, None)[2]
    assert params == {"version": "8.15.0"}


def test_integer_version_of_trust_relationship_delete(spec):
    assert spec.validate_request("DELETE", "/platform/configuration/trust-relationships/t1", {"version": ["4"]}, None)[2] == \
        {"version": 4}
    assert raises_spec_error(spec.validate_request, "DELETE", "/platform/configuration/trust-relationships/t1",
                             {"version": ["v4"]}, None).status == 400


def test_proxy_requires_management_header(spec):
    path = "/deployments/d1/elasticsearch/main/proxy/_remote/info"
    error = raises_spec_error(spec.validate_request, "GET", path, {}, None)
    assert error.status == 400
    assert error.fields == ["X-Management-Request"]
    operation, path_params, params, body = spec.validate_request("GET", path, {}, None, {"x-management-request": "true"})
    assert operation.operation_id == "get-deployment-resource-proxy-requests"
    assert path_params["proxy_path"] == "_remote/info"
    assert params == {} and body is None


def test_proxy_passes_query_and_raw_body_through(spec):
    body_text = '{"persistent": {"cluster.remote.a.mode": "proxy"}}'
    operation, path_params, params, body = spec.validate_request(
        "PUT", "/deployments/d1/elasticsearch/main/proxy/_cluster/settings", {"filter_path": ["persistent"]},
        body_text.encode(), {"X-Management-Request": "true"})
    assert operation.is_passthrough
    assert params == {"filter_path": "persistent"}
    assert body == body_text        # the string-typed body is not JSON-parsed


# ------------------------------------------------------------------------------------------------ bodies

PLAN = {"cluster_topology": [{"id": "hot_content", "size": {"resource": "memory", "value": 4096}, "zone_count": 1}],
        "elasticsearch": {"version": "8.15.5"}}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def trust_update():
    """A DeploymentUpdateRequest changing the trust of one Elasticsearch resource (all three kinds)."""
    return {
        "prune_orphans": False,
        "resources": {"elasticsearch": [{
            "ref_id": "main-elasticsearch",
            "region": "ece-region",
            "plan": copy.deepcopy(PLAN),
            "settings": {"trust": {
                "accounts": [{"account_id": "a0c5e6f1", "trust_all": True}],
                "external": [{"trust_relationship_id": "tr1", "trust_all": False, "trust_allowlist": ["c1", "c2"]}],
                "direct": [{"name": "self-managed", "type": "generic", "trust_all": False, "certificates": [{"pem": PEM}],
                            "additional_node_names": ["node-1.sm.lab"]}],
            }},
        }]},
    }


def put_deployment(spec, body, query=None):
    """validate_request of an update-deployment with a JSON body."""
    return spec.validate_request("PUT", "/api/v1/deployments/d1", query or {}, json.dumps(body).encode())


def test_valid_trust_update_passes(spec):
    body = trust_update()
    operation, path_params, params, parsed = put_deployment(spec, body, {"validate_only": ["true"]})
    assert operation.operation_id == "update-deployment"
    assert parsed == body
    assert params["validate_only"] is True
    assert params["skip_snapshot"] is False


def test_unknown_field_in_direct_trust_rejected_with_fields(spec):
    body = trust_update()
    body["resources"]["elasticsearch"][0]["settings"]["trust"]["direct"][0]["scope"] = "abc"
    error = raises_spec_error(put_deployment, spec, body)
    assert (error.status, error.code) == (400, "root.invalid_json_request")
    assert error.message.startswith("JSON request does not comply with schema: [")
    assert error.fields == ["resources.elasticsearch[0].settings.trust.direct[0].scope"]
    assert "unknown field" in error.message and "DirectTrustRelationship" in error.message
    reply = error.reply()
    assert reply["errors"][0]["fields"] == error.fields


def test_plan_is_required_in_elasticsearch_payload(spec):
    body = trust_update()
    del body["resources"]["elasticsearch"][0]["plan"]
    error = raises_spec_error(put_deployment, spec, body)
    assert error.fields == ["resources.elasticsearch[0].plan"]
    assert "required" in error.message


def test_several_problems_are_all_named(spec):
    body = trust_update()
    body["resources"]["elasticsearch"][0]["region"] = 1
    del body["prune_orphans"]
    error = raises_spec_error(put_deployment, spec, body)
    assert error.fields == ["prune_orphans", "resources.elasticsearch[0].region"]
    assert "expected string, got integer" in error.message


def test_enum_in_body(spec):
    body = trust_update()
    body["resources"]["elasticsearch"][0]["settings"]["trust"]["direct"][0]["type"] = "eck"
    error = raises_spec_error(put_deployment, spec, body)
    assert error.fields == ["resources.elasticsearch[0].settings.trust.direct[0].type"]
    assert "ECE, ESS, generic, proxy" in error.message


def test_int32_range_in_body(spec):
    body = trust_update()
    body["resources"]["elasticsearch"][0]["plan"]["cluster_topology"][0]["zone_count"] = 2 ** 31
    error = raises_spec_error(put_deployment, spec, body)
    assert error.fields == ["resources.elasticsearch[0].plan.cluster_topology[0].zone_count"]


def test_null_for_optional_property_is_accepted_in_requests(spec):
    # ElasticsearchClusterSettings.trust: "A `null` value reverts the field to the default value"
    body = trust_update()
    body["resources"]["elasticsearch"][0]["settings"]["trust"] = None
    assert put_deployment(spec, body)[3]["resources"]["elasticsearch"][0]["settings"]["trust"] is None
    body["prune_orphans"] = None    # required: null is not absent
    assert raises_spec_error(put_deployment, spec, body).fields == ["prune_orphans"]


def test_readonly_metadata_of_a_certificate_is_accepted(spec):
    body = trust_update()
    body["resources"]["elasticsearch"][0]["settings"]["trust"]["direct"][0]["certificates"][0]["metadata"] = {
        "fingerprint": "ab:cd", "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z"}
    put_deployment(spec, body)


def test_required_body_missing(spec):
    error = raises_spec_error(spec.validate_request, "PUT", "/deployments/d1", {}, b"")
    assert (error.status, error.code) == (400, "root.invalid_json_request")
    assert "required" in error.message and "DeploymentUpdateRequest" in error.message


def test_non_json_body(spec):
    error = raises_spec_error(spec.validate_request, "PUT", "/deployments/d1", {}, b"prune_orphans=false")
    assert (error.status, error.code) == (400, "root.invalid_json_request")
    assert "not valid JSON" in error.message


def test_body_where_none_is_declared(spec):
    error = raises_spec_error(spec.validate_request, "POST", "/deployments/d1/elasticsearch/main/_enable-ccr", {}, b"{}")
    assert error.code == "root.invalid_json_request"
    assert spec.validate_request("POST", "/deployments/d1/elasticsearch/main/_enable-ccr", {}, b"")[3] is None


def test_optional_body_may_be_absent(spec):
    assert spec.validate_request("POST", "/deployments/_search", {}, None)[3] is None
    body = spec.validate_request("POST", "/deployments/_search", {}, b'{"query": {"match_all": {}}, "size": 10}')[3]
    assert body["size"] == 10


def keystore_patch(spec, secrets):
    """validate_request of a keystore PATCH."""
    return spec.validate_request("PATCH", "/deployments/d1/elasticsearch/main/keystore", {},
                                 json.dumps({"secrets": secrets}).encode())[3]


def test_keystore_with_string_value_passes(spec):
    secrets = {"cluster.remote.ccs-a.credentials": {"value": "ZW5jb2RlZA==", "as_file": False}}
    assert keystore_patch(spec, secrets) == {"secrets": secrets}


def test_keystore_with_object_value_or_removal_passes(spec):
    keystore_patch(spec, {"gcs.client.default.credentials_file": {"value": {"type": "service_account"}, "as_file": True}})
    keystore_patch(spec, {"cluster.remote.old.credentials": {}})


def test_keystore_as_file_must_be_boolean(spec):
    error = raises_spec_error(keystore_patch, spec, {"cluster.remote.ccs-a.credentials": {"value": "x", "as_file": "yes"}})
    assert error.code == "root.invalid_json_request"
    assert error.fields == ['secrets["cluster.remote.ccs-a.credentials"].as_file']
    assert "expected boolean, got string" in error.message


def test_keystore_secret_unknown_field(spec):
    error = raises_spec_error(keystore_patch, spec, {"cluster.remote.a.credentials": {"val": "x"}})
    assert error.fields == ['secrets["cluster.remote.a.credentials"].val']


def test_traffic_filter_ruleset_missing_region(spec):
    body = {"name": "remote-a", "type": "remote_cluster", "include_by_default": False,
            "rules": [{"remote_cluster_id": "c1", "remote_cluster_org_id": "env-a", "description": "from a"}]}
    error = raises_spec_error(spec.validate_request, "POST", "/deployments/traffic-filter/rulesets", {},
                              json.dumps(body).encode())
    assert error.fields == ["region"]
    body["region"] = "ece-region"
    assert spec.validate_request("POST", "/deployments/traffic-filter/rulesets", {}, json.dumps(body).encode())[3] == body


REMOTES = {"resources": [{"deployment_id": "d2", "elasticsearch_ref_id": "main-elasticsearch", "alias": "ccs-b",
                          "skip_unavailable": True}]}


def test_remote_resources_body_passes(spec):
    body = spec.validate_request("PUT", "/deployments/d1/elasticsearch/main/remote-clusters", {},
                                 json.dumps(REMOTES).encode())[3]
    assert body == REMOTES


def test_remote_resources_readonly_info_accepted(spec):
    body = copy.deepcopy(REMOTES)
    body["resources"][0]["info"] = {"healthy": True, "connected": True, "compatible": True, "trusted": True,
                                    "trusted_back": False}
    spec.validate_request("PUT", "/deployments/d1/elasticsearch/main/remote-clusters", {}, json.dumps(body).encode())


def test_remote_resources_missing_alias_rejected(spec):
    body = copy.deepcopy(REMOTES)
    del body["resources"][0]["alias"]
    error = raises_spec_error(spec.validate_request, "PUT", "/deployments/d1/elasticsearch/main/remote-clusters", {},
                              json.dumps(body).encode())
    assert error.fields == ["resources[0].alias"]


def test_string_body_of_merge_patch_is_raw_text(spec):
    text = '{"trust": {"trust_all": false}}'
    assert spec.validate_request("PATCH", "/account", {}, text.encode())[3] == text


def test_validate_definition_helper(spec):
    assert spec.validate_definition("AccountTrustSettings", {"trust_all": True}) == []
    problems = spec.validate_definition("AccountTrustSettings", {})
    assert problems == [("trust_all", "trust_all: required field is missing in AccountTrustSettings")]
    with pytest.raises(KeyError):
        spec.validate_definition("NoSuchDefinition", {})


# ------------------------------------------------------------------------------------------------ responses

REMOTES_READ = {"resources": [{"deployment_id": "d2", "elasticsearch_ref_id": "main-elasticsearch", "alias": "ccs-b",
                               "skip_unavailable": False,
                               "info": {"healthy": True, "connected": True, "compatible": True, "trusted": True,
                                        "trusted_back": True}}]}


def test_response_remote_resources_conforms(spec):
    operation = spec.match("GET", "/deployments/d1/elasticsearch/main/remote-clusters")
    assert spec.validate_response(operation, 200, REMOTES_READ) == []
    assert spec.validate_response("get-deployment-es-resource-remote-clusters", 200,
                                  json.dumps(REMOTES_READ).encode()) == []


def test_response_remote_resources_problems(spec):
    body = copy.deepcopy(REMOTES_READ)
    del body["resources"][0]["info"]["trusted_back"]
    body["resources"][0]["info"]["latency"] = 3
    problems = spec.validate_response("get-deployment-es-resource-remote-clusters", 200, body)
    assert len(problems) == 2
    assert any("resources[0].info.trusted_back: required field is missing" in p for p in problems)
    assert any("resources[0].info.latency: unknown field in RemoteResourceInfo" in p for p in problems)


def test_response_status_must_be_declared(spec):
    problems = spec.validate_response("get-deployment-es-resource-remote-clusters", 201, REMOTES_READ)
    assert problems and "201" in problems[0]


def test_response_put_remote_clusters_is_202_empty(spec):
    assert spec.validate_response("set-deployment-es-resource-remote-clusters", 202, {}) == []
    assert spec.validate_response("set-deployment-es-resource-remote-clusters", 200, {}) != []


def test_response_error_bodies_are_basic_failed_reply(spec):
    good = {"errors": [{"code": "deployments.deployment_not_found", "message": "No Deployment with id [d9] could be found"}]}
    assert spec.validate_response("get-deployment", 404, good) == []
    bad = {"errors": [{"code": "deployments.deployment_not_found"}], "status": 404}
    problems = spec.validate_response("get-deployment", 404, bad)
    assert any("errors[0].message: required field is missing" in p for p in problems)
    assert any("status: unknown field in BasicFailedReply" in p for p in problems)


def test_response_undeclared_error_status(spec):
    reply = SpecError(400, "root.invalid_json_request", "JSON request does not comply with schema: [x]").reply()
    # get-deployment declares 200, 401 and 404 only
    assert spec.validate_response("get-deployment", 400, reply) != []
    assert spec.validate_response("get-deployment", 400, reply, allow_undeclared_status=True) == []
    assert spec.validate_response("get-deployment", 400, {"error": "x"}, allow_undeclared_status=True) != []


def test_response_extra_allowed(spec):
    metadata = {"version": 3, "last_modified": "2026-01-01T00:00:00Z", "endpoint": "c1.ece-a.lab",
                "ports": {"http": 9200, "https": 9243, "transport_passthrough": 9400}, "ccr": True}
    assert spec.validate_definition("ClusterMetadataInfo", metadata, request=False) == [
        ("ccr", "ccr: unknown field in ClusterMetadataInfo (known fields: aliased_endpoint, aliased_url, cloud_id, "
                "endpoint, last_modified, ports, raw, service_url, services_urls, version)")]
    assert spec.validate_definition("ClusterMetadataInfo", metadata, request=False,
                                    extra_allowed=["ClusterMetadataInfo.ccr"]) == []
    # only that definition gains the property
    ports = dict(metadata["ports"], ccr=True)
    assert spec.validate_definition("ClusterMetadataPortInfo", ports, request=False,
                                    extra_allowed=["ClusterMetadataInfo.ccr"]) != []
    with pytest.raises(ValueError):
        spec.validate_response("get-deployment", 200, {}, extra_allowed=["NoSuchDefinition.ccr"])


def test_response_readonly_fields_still_required(spec):
    # a response must carry its required fields, readOnly or not
    problems = spec.validate_response("create-traffic-filter-ruleset", 201, {})
    assert problems == ["id: required field is missing in TrafficFilterRulesetResponse"]


def test_response_any_json_value_idiom(spec):
    base = {"value": "x", "as_file": False}
    assert spec.validate_definition("KeystoreSecret", base, request=False) == []
    assert spec.validate_definition("KeystoreSecret", dict(base, value={"a": [1]}), request=False) == []
    # a named empty-struct definition is still an object
    assert spec.validate_definition("EmptyResponse", {}, request=False) == []
    assert spec.validate_definition("EmptyResponse", "x", request=False) != []


def test_response_of_proxy_is_not_checked(spec):
    operation = spec.match("GET", "/deployments/d1/elasticsearch/main/proxy/_remote/info")
    assert spec.validate_response(operation, 400, {"error": "no handler found", "status": 400}) == []


# ------------------------------------------------------------------------------------------------ helpers, caching

def test_format_path():
    assert format_path([]) == "$"
    assert format_path(["resources", "elasticsearch", 0, "region"]) == "resources.elasticsearch[0].region"
    assert format_path(["secrets", "a.b", "value"]) == 'secrets["a.b"].value'


def test_indexes_built_once_and_validators_cached(monkeypatch):
    calls = []

    class Counting(SwaggerSpec):
        """Counts index builds."""

        def _build_index(self):
            calls.append(1)
            super()._build_index()

    spec = Counting(SPEC_PATH)
    assert calls == [1]

    def no_open(*args, **kwargs):
        raise AssertionError("the spec file must not be read again")

    monkeypatch.setattr("builtins.open", no_open)
    for method, path, op_id in SCENARIO_PATHS:
        assert spec.match(method, path).operation_id == op_id
    put_deployment(spec, trust_update())
    cached = dict(spec._validators)  # pylint: disable=protected-access
    translated = dict(spec._translated)  # pylint: disable=protected-access
    put_deployment(spec, trust_update())
    assert spec._validators == cached  # pylint: disable=protected-access
    assert all(spec._validators[key] is cached[key] for key in cached)  # pylint: disable=protected-access
    assert spec._translated == translated  # pylint: disable=protected-access
    assert list(spec._translated) == [("request", frozenset())]  # pylint: disable=protected-access
    assert calls == [1]


def test_spec_error_reply_shape():
    error = SpecError(400, "root.invalid_json_request", "m", ["a.b"])
    assert error.reply() == {"errors": [{"code": "root.invalid_json_request", "message": "m", "fields": ["a.b"]}]}
    assert str(error) == "m"


MINI_SPEC = {
    "swagger": "2.0", "basePath": "/api/v1",
    "paths": {"/things/{thing_id}": {"put": {
        "operationId": "put-thing",
        "parameters": [{"name": "thing_id", "in": "path", "required": True, "type": "string"},
                       {"in": "body", "name": "body", "required": True, "schema": {"$ref": "#/definitions/Thing"}}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Thing"}}}}}},
    "definitions": {"Thing": {"type": "object", "required": ["id", "name"], "discriminator": "kind",
                              "properties": {"id": {"type": "string", "readOnly": True}, "name": {"type": "string"},
                                             "kind": {"type": "string"}}}},
}


def test_readonly_required_property_only_required_in_responses(tmp_path):
    # the ECE spec has no required readOnly property; this synthetic spec checks the rule itself
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(MINI_SPEC))
    mini = SwaggerSpec(str(path))
    assert mini.validate_definition("Thing", {"name": "n", "kind": "k"}) == []
    assert mini.validate_definition("Thing", {"name": "n", "kind": "k"}, request=False) == [
        ("id", "id: required field is missing in Thing")]
    # the discriminator must be present
    assert mini.validate_definition("Thing", {"name": "n"}) == [("kind", "kind: required field is missing in Thing")]
    assert mini.validate_request("PUT", "/things/t1", {}, b'{"id": "x", "name": "n", "kind": "k"}')[3]["id"] == "x"
