"""ECE API: authentication, spec validation, platform/account, deployment reads, search, the ECH user API."""

import base64

from eceops_lab import ece_api
from eceops_lab.ece_api import EceApi, ccs_supported, load_spec
from test_ece_api_support import Client, fixtures, make_world

WORLD, ECE, ECH = fixtures()


# -- authentication and authorisation -------------------------------------------------------------------------------
def test_missing_and_bad_credentials_are_401(ece):
    for auth in (None, "ApiKey not-a-key", "Bearer abc", "ApiKey ", "basic:nobody"):
        element = ece.error("GET", "/deployments", 401, "root.unauthenticated", auth=auth)
        assert element["message"] == "The supplied authentication is invalid"


def test_basic_auth_works_on_ece(ece):
    assert ece.call("GET", "/deployments", auth="basic:admin").status == 200
    assert ece.call("GET", "/deployments", auth="basic:readonly").status == 200


def test_basic_auth_with_wrong_password_is_401(ece):
    token = base64.b64encode(b"admin:wrong-password").decode()
    ece.error("GET", "/deployments", 401, "root.unauthenticated", auth="Basic " + token)


def test_ech_accepts_api_keys_only(ech, world):
    assert ech.call("GET", "/deployments").status == 200
    # the ECH organization has no users; even the ECE admin's basic credentials are refused
    ece_env = world.environments["ece-a"]
    token = base64.b64encode(("admin:%s" % ece_env.users["admin"]["password"]).encode()).decode()
    ech.error("GET", "/deployments", 401, "root.unauthenticated", auth="Basic " + token)


def test_api_key_of_another_environment_is_refused(ece, world):
    other = Client(world, "ece-b")
    ece.error("GET", "/deployments", 401, "root.unauthenticated", auth="ApiKey " + other.admin_key)


def test_readonly_principal_cannot_write(ece):
    dep = ece.deployment("search-a")
    body = {"secrets": {"cluster.remote.x.credentials": {"value": "abc"}}}
    for auth in ("readonly", "basic:readonly"):
        element = ece.error("PATCH", "/deployments/%s/elasticsearch/main-elasticsearch/keystore" % dep.id, 403,
                            "root.unauthorized.rbac", body=body, auth=auth, undeclared_ok=True)
        assert "does not have the required role" in element["message"]
    assert dep.es[0].keystore == {}
    ece.error("PUT", "/account", 403, "root.unauthorized.rbac", body={"trust": {"trust_all": False}}, auth="readonly",
              undeclared_ok=True)
    assert ece.env.platform_trust_all is True


def test_readonly_principal_can_read_and_search(ece):
    assert ece.call("GET", "/deployments/" + ece.deployment("search-a").id, auth="readonly").status == 200
    response = ece.call("POST", "/deployments/_search", body={"query": {"match_all": {}}}, auth="readonly")
    assert response.status == 200
    response = ece.call("POST", "/deployments/eligible-remote-clusters", query={"version": "9.1.3"}, auth="readonly")
    assert response.status == 200


# -- spec validation ----------------------------------------------------------------------------------------------
def test_unknown_field_inside_trust_direct_is_400(ece):
    ca = ece.env.certs["env_ca"].cert_pem
    trust = {"accounts": [], "direct": [{"name": "x", "trust_all": False, "additional_node_names": ["n1"],
                                         "certificates": [{"pem": ca}], "colour": "blue"}]}
    element = ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 400, "root.invalid_json_request",
                        body=ece.update_payload("search-a", trust=trust))
    assert "colour" in element["message"]
    assert any("colour" in field for field in element["fields"])


def test_unknown_query_parameter_rejected_by_default(ece):
    element = ece.error("GET", "/deployments/" + ece.deployment("search-a").id, 400, "root.invalid_query_parameter",
                        query={"show_everything": "true"}, undeclared_ok=True)
    assert "show_everything" in element["message"]


def test_unknown_query_parameter_accepted_when_switched_off(tmp_path):
    world = make_world(tmp_path, {"reject_unknown_query": False})
    client = Client(world, "ece-a")
    assert client.call("GET", "/deployments/" + client.deployment("search-a").id, query={"show_everything": "true"}).status == 200


def test_spec_is_loaded_once_per_process(world):
    first = EceApi(world, world.environments["ece-a"]).spec
    second = EceApi(world, world.environments["ece-b"]).spec
    assert first is second
    assert first is load_spec("ece", True)
    assert EceApi(world, world.environments["ech"]).spec is load_spec("ech", True)
    assert load_spec("ech", True).path.endswith("ess-apidocs-user.json")


def test_unknown_path_404_and_unimplemented_operation_501(ece):
    ece.error("GET", "/no/such/thing", 404, "root.resource_not_found")
    element = ece.error("GET", "/platform/infrastructure/allocators", 501, "root.not_implemented_in_lab", undeclared_ok=True)
    assert "get-allocators" in element["message"]


def test_invalid_json_body_is_400(ece):
    ece.error("PUT", "/account", 400, "root.invalid_json_request", raw_body="{not json", undeclared_ok=True)


def test_platform_only_operations_do_not_exist_on_ech(ech):
    ech.error("GET", "/platform/configuration/trust-relationships", 404, "root.resource_not_found")
    ech.error("GET", "/platform", 404, "root.resource_not_found")


# -- platform and account -----------------------------------------------------------------------------------------
def test_platform_reports_the_ece_version(ece):
    body = ece.call("GET", "/platform").body
    assert body["version"] == "3.8.0"
    assert body["regions"][0]["region_id"] == "ece-region"


def test_account_trust_all_applies_to_new_deployments_only(ece):
    body = ece.call("GET", "/account").body
    assert body == {"id": ece.env.account_id, "trust": {"trust_all": True}}
    before = ece.es_info("search-a", show_settings=True)["info"]["settings"]["trust"]
    assert ece.call("PUT", "/account", body={"trust": {"trust_all": False}}).body["trust"]["trust_all"] is False
    assert ece.env.platform_trust_all is False
    assert ece.es_info("search-a", show_settings=True)["info"]["settings"]["trust"] == before
    assert ece.api.default_trust()["accounts"][0]["trust_all"] is False


def test_account_patch_is_a_merge_patch(ece):
    response = ece.call("PATCH", "/account", raw_body='{"trust": {"trust_all": false}}')
    assert response.status == 200 and response.body["trust"]["trust_all"] is False
    ece.error("PATCH", "/account", 400, "root.invalid_json_request", raw_body='{"trust": {"trust_all": "no"}}', undeclared_ok=True)
    ece.error("PATCH", "/account", 400, "root.invalid_json_request", raw_body='{"color": 1}', undeclared_ok=True)
    assert ece.env.platform_trust_all is False


def test_ech_account_id_is_the_organization(ech):
    assert ech.call("GET", "/account").body["id"] == ech.env.organization_id


# -- deployment reads ---------------------------------------------------------------------------------------------
def test_listing(ece):
    body = ece.call("GET", "/deployments").body
    names = [d["name"] for d in body["deployments"]]
    assert "search-a" in names and "admin-console-elasticsearch" in names
    entry = next(d for d in body["deployments"] if d["name"] == "search-a")
    kinds = sorted(r["kind"] for r in entry["resources"])
    assert kinds == ["elasticsearch", "kibana"]


def test_get_deployment_default_shape(ece):
    dep = ece.deployment("search-a")
    response = ece.call("GET", "/deployments/" + dep.id)
    assert response.headers["x-cloud-resource-version"] == str(dep.resource_version)
    body = response.body
    assert body["id"] == dep.id and body["alias"] == "search-a" and body["healthy"] is True
    assert body["metadata"]["system_owned"] is False
    assert body["metadata"]["subscription_level"] == "enterprise"
    assert body["settings"]["traffic_filter_settings"]["rulesets"] == []
    assert len(body["resources"]["kibana"]) == 1
    es = body["resources"]["elasticsearch"][0]
    cluster = dep.es[0].cluster
    assert es["id"] == es["info"]["cluster_id"] == cluster.cluster_id
    assert es["ref_id"] == "main-elasticsearch" and es["region"] == "ece-region"
    info = es["info"]
    assert info["status"] == "started" and info["deployment_id"] == dep.id and info["cluster_name"] == "search-a"
    metadata = info["metadata"]
    assert metadata["endpoint"] == "%s.ece-a.lab" % cluster.cluster_id
    assert metadata["aliased_endpoint"] == "search-a.es.ece-a.lab"
    assert metadata["service_url"] == "https://%s.ece-a.lab:9243" % cluster.cluster_id
    assert metadata["ports"] == {"http": 9200, "https": 9243, "transport_passthrough": 9400}
    assert metadata["ccr"] is True
    assert base64.b64decode(metadata["cloud_id"].split(":", 1)[1]).decode().startswith("ece-a.lab:9243$" + cluster.cluster_id)
    assert "raw" not in metadata
    assert "settings" not in info
    instance = info["topology"]["instances"][0]
    assert instance["service_version"] == "9.1.3" and "remote_cluster_client" in instance["node_roles"]
    plan_info = info["plan_info"]
    assert plan_info["healthy"] is True and plan_info["history"] == [] and "pending" not in plan_info
    assert plan_info["current"]["plan"]["elasticsearch"]["version"] == "9.1.3"
    assert plan_info["current"]["plan_attempt_log"] == []


def test_get_deployment_query_options(ece):
    body = ece.get_dep("search-a", show_settings=True, show_plan_history=True, show_plan_logs=True, show_metadata=True,
                       show_plans=True)
    info = body["resources"]["elasticsearch"][0]["info"]
    settings = info["settings"]
    assert settings["metadata"]["name"] == "search-a" and settings["metadata"]["system_owned"] is False
    assert settings["trust"]["accounts"][0] == {"account_id": ece.env.account_id, "name": "Default trust", "trust_all": True}
    assert settings["trust"]["direct"] == [] and settings["trust"]["external"] == []
    assert settings["traffic_filter"] == {"rulesets": []}
    assert "keystore_contents" not in settings
    assert len(info["plan_info"]["history"]) == 1
    assert info["plan_info"]["current"]["plan_attempt_log"][-1]["step_id"] == "plan-completed"
    assert info["metadata"]["raw"]["cluster_id"] == info["cluster_id"]
    no_plans = ece.es_info("search-a", show_plans=False)["info"]["plan_info"]
    assert "current" not in no_plans and no_plans["healthy"] is True


def test_clear_transient_removes_plan_transient(ece):
    res = ece.deployment("search-a").es[0]
    res.current_attempt["plan"]["transient"] = {"strategy": {"rolling": {}}}
    assert "transient" in ece.es_info("search-a")["info"]["plan_info"]["current"]["plan"]
    assert "transient" not in ece.es_info("search-a", clear_transient=True)["info"]["plan_info"]["current"]["plan"]


def test_system_owned_and_pre_2_9_deployments(ece):
    assert ece.get_dep("admin-console-elasticsearch")["metadata"]["system_owned"] is True
    archive = ece.es_info("archive-a", show_settings=True)
    assert archive["info"]["metadata"]["ccr"] is False
    accounts = archive["info"]["settings"]["trust"]["accounts"]
    assert accounts[0]["trust_all"] is False and accounts[0]["trust_allowlist"] == [archive["id"]]
    assert "aliased_endpoint" not in ece.es_info("metrics-a")["info"]["metadata"]


def test_es_resource_by_ref_and_main(ece):
    dep = ece.deployment("logs-a")
    by_ref = ece.call("GET", "/deployments/%s/elasticsearch/main-elasticsearch" % dep.id).body
    by_main = ece.call("GET", "/deployments/%s/elasticsearch/_main" % dep.id).body
    assert by_ref == by_main and by_ref["info"]["topology"]["instances"][0]["service_version"] == "8.19.4"
    ece.error("GET", "/deployments/%s/elasticsearch/nope" % dep.id, 404, "deployments.deployment_resource_not_found")
    ece.error("GET", "/deployments/nope/elasticsearch/_main", 404, "deployments.deployment_not_found")
    ece.error("GET", "/deployments/nope", 404, "deployments.deployment_not_found")


def test_certificate_authority(ece):
    dep = ece.deployment("search-a")
    body = ece.call("GET", "/deployments/%s/certificate-authority" % dep.id).body
    assert body["recommended_trust_restriction"] == "*.node.%s.cluster.%s.account" % (dep.es[0].cluster.cluster_id, ece.env.account_id)
    cert = body["public_certificates"][0]
    assert cert["active"] is True and cert["pem"] == ece.env.certs["env_ca"].cert_pem
    assert cert["metadata"]["fingerprint"] == ece.env.certs["env_ca"].fingerprint


# -- search -------------------------------------------------------------------------------------------------------
def _search(client, query, **kwargs):
    body = {"query": query}
    body.update(kwargs)
    response = client.call("POST", "/deployments/_search", body=body)
    assert response.status == 200
    return [d["name"] for d in response.body["deployments"]], response.body


def test_search_match_all_and_paging(ece):
    names, body = _search(ece, {"match_all": {}})
    assert len(names) == len(ece.env.deployments) == body["match_count"] == body["return_count"]
    names, body = _search(ece, {"match_all": {}}, size=2)
    assert body["return_count"] == 2 and body["match_count"] == len(ece.env.deployments)


def test_search_by_name_id_and_cluster_id(ece):
    dep = ece.deployment("logs-a")
    assert _search(ece, {"term": {"name": {"value": "logs-a"}}})[0] == ["logs-a"]
    assert _search(ece, {"term": {"id": {"value": dep.id}}})[0] == ["logs-a"]
    cluster_id = dep.es[0].cluster.cluster_id
    for field in ("resources.elasticsearch.id", "resources.elasticsearch.info.cluster_id"):
        nested = {"nested": {"path": "resources.elasticsearch", "query": {"term": {field: {"value": cluster_id}}}}}
        assert _search(ece, nested)[0] == ["logs-a"]
        # nested fields are invisible to a non-nested query, as in Elasticsearch
        assert _search(ece, {"term": {field: {"value": cluster_id}}})[0] == []


def test_search_match_and_bool(ece):
    names = _search(ece, {"match": {"name": {"query": "logs a", "operator": "and"}}})[0]
    assert names == ["logs-a"]
    names = _search(ece, {"match": {"name": {"query": "search"}}})[0]
    assert names == ["search-a"]
    query = {"bool": {"must": [{"match": {"name": {"query": "a"}}}],
                      "must_not": [{"term": {"metadata.system_owned": {"value": "true"}}}]}}
    names = _search(ece, query)[0]
    assert "admin-console-elasticsearch" not in names and "search-a" in names
    owned = _search(ece, {"bool": {"filter": [{"term": {"metadata.system_owned": {"value": "true"}}}]}})[0]
    assert sorted(owned) == ["admin-console-elasticsearch", "logging-and-metrics"]
    should = _search(ece, {"bool": {"should": [{"term": {"name": {"value": "logs-a"}}}, {"term": {"name": {"value": "old-a"}}}]}})[0]
    assert sorted(should) == ["logs-a", "old-a"]


def test_search_unsupported_query_is_501(ece):
    ece.error("POST", "/deployments/_search", 501, "root.not_implemented_in_lab",
              body={"query": {"query_string": {"query": "name:x"}}}, undeclared_ok=True)


def test_search_minimal_metadata(ece):
    response = ece.call("POST", "/deployments/_search", body={"query": {"term": {"name": {"value": "old-a"}}}},
                        query={"minimal_metadata": "id,name"})
    assert response.body["deployments"] == []
    assert response.body["minimal_metadata"] == [{"id": ece.deployment("old-a").id, "name": "old-a"}]


# -- ECH ----------------------------------------------------------------------------------------------------------
def test_ech_deployment_conforms_to_the_ess_spec(ech):
    dep = ech.deployment("search-ech")
    body = ech.call("GET", "/deployments/" + dep.id, query={"show_settings": "true"}).body
    # the ESS definitions lack these: the lab leaves them out
    assert "system_owned" not in body.get("metadata", {})
    es = body["resources"]["elasticsearch"][0]
    assert es["region"] == "lab-region"
    assert set(es["info"]["settings"]["metadata"]) == {"name"}
    assert "locked" not in es["info"]
    assert es["info"]["metadata"]["endpoint"] == "%s.lab-region.ech.lab" % dep.es[0].cluster.cluster_id
    assert es["info"]["metadata"]["ccr"] is True
    assert ech.call("GET", "/deployments/%s/certificate-authority" % dep.id).body["recommended_trust_restriction"] == \
        "*.node.%s.cluster.%s.account" % (dep.es[0].cluster.cluster_id, ech.env.organization_id)


def test_ech_system_owned_cannot_be_sent(ech):
    # DeploymentUpdateMetadata of the ESS spec has no system_owned: a schema error
    body = ech.update_payload("search-ech", metadata={"system_owned": True})
    ech.error("PUT", "/deployments/" + ech.deployment("search-ech").id, 400, "root.invalid_json_request", body=body)


def test_ccs_compatibility_rule():
    assert ccs_supported("8.19.4", "9.1.3") and ccs_supported("9.2.0", "9.0.0") is False and ccs_supported("9.1.3", "9.0.0")
    assert ccs_supported("9.1.3", "8.19.4") is False and ccs_supported("9.0.1", "8.18.6")
    assert ccs_supported("7.17.28", "8.13.4") and not ccs_supported("7.17.28", "9.1.3")
    assert ccs_supported("8.15.5", "8.13.4") is False and ccs_supported("8.15.5", "8.14.0")
    assert ccs_supported("8.18.6", "9.0.0") and not ccs_supported("8.18.6", "9.1.0")
    assert ece_api.parse_version("x") is None
