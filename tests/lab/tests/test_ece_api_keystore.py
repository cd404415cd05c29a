"""ECE API: keystore merge semantics and loading, _restart, _enable-ccr."""

import json

from test_ece_api_support import advance, fixtures

WORLD, ECE, ECH = fixtures()

CRED = "cluster.remote.%s.credentials"


def keystore_path(client, name):
    """The keystore path of a deployment's ES resource."""
    return "/deployments/%s/elasticsearch/main-elasticsearch/keystore" % client.deployment(name).id


def patch(client, name, secrets, **kwargs):
    """PATCH the keystore."""
    return client.call("PATCH", keystore_path(client, name), body={"secrets": secrets}, **kwargs)


def test_merge_set_replace_and_keep(ece):
    response = patch(ece, "logs-a", {CRED % "a": {"value": "key-a-1"}, "s3.client.default.access_key": {"value": "AKIA"}})
    assert response.status == 200
    assert response.body == {"secrets": {CRED % "a": {"as_file": False}, "s3.client.default.access_key": {"as_file": False}}}
    patch(ece, "logs-a", {CRED % "a": {"value": "key-a-2"}})
    res = ece.deployment("logs-a").es[0]
    assert res.keystore[CRED % "a"]["value"] == "key-a-2"
    assert "s3.client.default.access_key" in res.keystore          # omitted keys are untouched


def test_remove_by_empty_object_null_or_missing_value(ece):
    res = ece.deployment("logs-a").es[0]
    patch(ece, "logs-a", {CRED % "a": {"value": "1"}, CRED % "b": {"value": "2"}, CRED % "c": {"value": "3"}, "keep": {"value": "4"}})
    response = patch(ece, "logs-a", {CRED % "a": {}, CRED % "b": None, CRED % "c": {"as_file": False}})
    assert response.body == {"secrets": {"keep": {"as_file": False}}}
    assert sorted(res.keystore) == ["keep"]
    # removing a key that does not exist is fine
    assert patch(ece, "logs-a", {"absent": {}}).status == 200


def test_get_never_returns_values(ece):
    patch(ece, "logs-a", {CRED % "a": {"value": "very-secret-value"}, "json.secret": {"value": {"k": "very-secret-json"}}})
    response = ece.call("GET", keystore_path(ece, "logs-a"))
    assert response.body == {"secrets": {CRED % "a": {"as_file": False}, "json.secret": {"as_file": True}}}
    assert "very-secret" not in json.dumps(response.body)


def test_schema_error_does_not_echo_a_secret(ece):
    element = ece.error("PATCH", keystore_path(ece, "logs-a"), 400, "root.invalid_json_request",
                        body={"secrets": {CRED % "a": "a-secret-encoded-api-key-that-is-quite-long-indeed-0123456789abcdef"}},
                        undeclared_ok=True)
    assert "a-secret" not in element["message"] and "::redacted::" in element["message"]


def test_auto_load_for_8_14_and_later(ece, world):
    cluster = world.clusters["ece-a/logs-a"]           # 8.19.4
    cluster.remote_state("a").connected = True
    patch(ece, "logs-a", {CRED % "a": {"value": "encoded-key"}})
    assert cluster.keystore_loaded == {}
    advance(world, 0.05)
    assert cluster.keystore_loaded == {}
    advance(world, 0.1)
    assert cluster.keystore_loaded == {CRED % "a": "encoded-key"}
    assert cluster.remote_state("a").connected is False and cluster.remote_state("a").dirty_since is not None
    assert cluster.restarts == 0
    # a removal is loaded the same way
    patch(ece, "logs-a", {CRED % "a": {}})
    advance(world, 0.2)
    assert cluster.keystore_loaded == {}


def test_before_8_14_nothing_loads_until_restart(ece, world):
    cluster = world.clusters["ece-a/legacy-a"]         # 8.13.4
    patch(ece, "legacy-a", {CRED % "a": {"value": "encoded-key"}})
    advance(world, 5)
    assert cluster.keystore_loaded == {}
    dep = ece.deployment("legacy-a")
    response = ece.call("POST", "/deployments/%s/elasticsearch/main-elasticsearch/_restart" % dep.id)
    assert response.status == 202 and response.body == {}
    assert ece.es_info("legacy-a")["info"]["status"] == "restarting"
    assert cluster.keystore_loaded == {}
    advance(world, 0.2)
    assert cluster.keystore_loaded == {CRED % "a": "encoded-key"}
    assert cluster.restarts == 1
    assert ece.es_info("legacy-a")["info"]["status"] == "started"


def test_restart_while_pending(ece, world):
    dep = ece.deployment("legacy-a")
    path = "/deployments/%s/elasticsearch/_main/_restart" % dep.id
    ece.call("POST", path)
    ece.error("POST", path, 422, "clusters.cluster_plan_state_error")
    assert ece.call("POST", path, query={"cancel_pending": "true"}).status == 202
    advance(world, 0.2)
    assert dep.es[0].cluster.restarts == 1       # the cancelled restart never completed


def test_failed_restart_loads_nothing(ece, world):
    dep = ece.deployment("legacy-a")
    path = "/deployments/%s/elasticsearch/main-elasticsearch/_restart" % dep.id
    world.faults.add({"kind": "plan", "path": "_restart", "plan_error": "allocator unreachable"})
    patch(ece, "legacy-a", {CRED % "a": {"value": "encoded-key"}})
    ece.call("POST", path)
    advance(world, 0.2)
    assert dep.es[0].cluster.restarts == 0 and dep.es[0].cluster.keystore_loaded == {}
    assert ece.es_info("legacy-a")["info"]["plan_info"]["current"]["error"]["message"] == "allocator unreachable"


def test_keystore_on_ech(ech, world):
    cluster = world.clusters["ech/search-ech"]
    patch(ech, "search-ech", {CRED % "x": {"value": "k"}})
    advance(world, 0.2)
    assert cluster.keystore_loaded == {CRED % "x": "k"}


def test_keystore_unknown_resource(ece):
    dep = ece.deployment("logs-a")
    ece.error("GET", "/deployments/%s/elasticsearch/other/keystore" % dep.id, 404, "deployments.deployment_resource_not_found")


# -- _enable-ccr --------------------------------------------------------------------------------------------------
def test_enable_ccr_validate_only_warns_and_changes_nothing(ece):
    dep = ece.deployment("archive-a")
    path = "/deployments/%s/elasticsearch/main-elasticsearch/_enable-ccr" % dep.id
    response = ece.call("POST", path, query={"validate_only": "true"})
    assert response.status == 200
    warnings = response.body["warnings"]
    assert warnings and "restart" in warnings[0]["message"] and "Kibana" in warnings[0]["message"]
    assert dep.es[0].pending is None and dep.es[0].ccr_enabled is False


def test_enable_ccr_runs_a_plan(ece, world):
    dep = ece.deployment("archive-a")
    path = "/deployments/%s/elasticsearch/main-elasticsearch/_enable-ccr" % dep.id
    response = ece.call("POST", path)
    assert response.status == 200 and response.body == {}
    assert dep.es[0].pending is not None and dep.es[0].ccr_enabled is False
    assert ece.es_info("archive-a")["info"]["metadata"]["ccr"] is False
    advance(world, 0.2)
    assert dep.es[0].ccr_enabled is True
    assert ece.es_info("archive-a")["info"]["metadata"]["ccr"] is True
    # the pre-2.9 trust (only itself) is not changed by the migration
    assert ece.es_info("archive-a", show_settings=True)["info"]["settings"]["trust"]["accounts"][0]["trust_all"] is False
    # already enabled: 200 {} and no plan
    assert ece.call("POST", path).body == {}
    assert dep.es[0].pending is None


def test_enable_ccr_on_enabled_deployment_is_a_no_op(ece):
    dep = ece.deployment("search-a")
    response = ece.call("POST", "/deployments/%s/elasticsearch/_main/_enable-ccr" % dep.id)
    assert response.status == 200 and response.body == {} and dep.es[0].pending is None
    ece.error("POST", "/deployments/%s/elasticsearch/nope/_enable-ccr" % dep.id, 404, "deployments.deployment_resource_not_found")
