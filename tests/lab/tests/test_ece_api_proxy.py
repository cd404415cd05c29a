"""ECE API: the Elasticsearch pass-through, eligible remote clusters, the environment control API."""

import json

from eceops_lab.server import SPEC_REJECTED, Request
from test_ece_api_support import Client, StubEsApi, advance, fixtures, make_world

WORLD, ECE, ECH = fixtures()

MGMT = {"X-Management-Request": "true"}


def proxy_path(client, name, rest, kind="elasticsearch", ref="main-elasticsearch"):
    """The pass-through path of a deployment."""
    return "/deployments/%s/%s/%s/proxy/%s" % (client.deployment(name).id, kind, ref, rest)


def test_raw_pass_through(ece, world):
    stub = StubEsApi(200, {"logs": {"connected": True}})
    world.es_apis = {"ece-a/search-a": stub}
    response = ece.call("GET", proxy_path(ece, "search-a", "_remote/info"), headers=MGMT, query={"pretty": "true"})
    assert response.status == 200 and response.body == {"logs": {"connected": True}}
    request, principal = stub.requests[0]
    assert request.method == "GET" and request.path == "/_remote/info" and request.query == {"pretty": ["true"]}
    assert principal == {"username": "ece-proxy", "roles": ["superuser"], "realm": "found", "type": "realm"}
    assert "authorization" not in request.headers


def test_pass_through_keeps_es_errors_and_body(ece, world):
    error = {"error": {"type": "illegal_argument_exception", "reason": "bad"}, "status": 400}
    stub = StubEsApi(400, error)
    world.es_apis = {"ece-a/search-a": stub}
    body = {"persistent": {"cluster.remote.x.mode": "proxy"}}
    response = ece.call("PUT", proxy_path(ece, "search-a", "_cluster/settings"), headers=MGMT, raw_body=json.dumps(body))
    assert response.status == 400 and response.body == error
    assert json.loads(stub.requests[0][0].body) == body


def test_pass_through_hands_the_es_log_flags_to_the_ece_call(ece, world):
    world.es_apis = {"ece-a/search-a": StubEsApi(400, {"error": "no handler", "status": 400},
                                                 context={"log_note": SPEC_REJECTED + "routing 400", "read_only": True})}
    ece.call("POST", proxy_path(ece, "search-a", "_search"), headers=MGMT, body={})
    assert ece.last_request.context["log_note"] == SPEC_REJECTED + "routing 400"
    assert ece.last_request.context["read_only"] is True
    world.es_apis = {"ece-a/search-a": StubEsApi()}
    ece.call("GET", proxy_path(ece, "search-a", "_remote/info"), headers=MGMT)
    assert "log_note" not in ece.last_request.context


def test_wrapped_pass_through(tmp_path):
    world = make_world(tmp_path, {"proxy_response_mode": "wrapped"})
    client = Client(world, "ece-a")
    world.es_apis = {"ece-a/search-a": StubEsApi(200, {"cluster_name": "x"})}
    response = client.call("GET", proxy_path(client, "search-a", "_cluster/health"), headers=MGMT)
    assert response.status == 200 and json.loads(response.body["value"]) == {"cluster_name": "x"}
    assert client.spec.validate_definition("GenericResponse", response.body, request=False) == []


def test_pass_through_errors(ece, world):
    world.es_apis = {"ece-a/search-a": StubEsApi()}
    element = ece.error("GET", proxy_path(ece, "search-a", "_remote/info"), 400, "root.missing_header", undeclared_ok=True)
    assert "X-Management-Request" in element["message"]
    ece.error("GET", proxy_path(ece, "search-a", "api/spaces/space", kind="kibana", ref="main-kibana"), 404,
              "deployments.deployment_resource_not_found", headers=MGMT)
    ece.error("GET", proxy_path(ece, "search-a", "_remote/info", ref="other"), 404, "deployments.deployment_resource_not_found",
              headers=MGMT)
    ece.error("GET", "/deployments/nope/elasticsearch/main-elasticsearch/proxy/_remote/info", 404, "deployments.deployment_not_found",
              headers=MGMT)
    ece.error("GET", proxy_path(ece, "logs-a", "_remote/info"), 404, "clusters.cluster_not_found", headers=MGMT)
    ece.error("GET", proxy_path(ece, "search-a", "_remote/info"), 401, "root.unauthenticated", headers=MGMT, auth=None,
              undeclared_ok=True)


def test_readonly_pass_through(ece, world):
    stub = StubEsApi()
    world.es_apis = {"ece-a/search-a": stub}
    assert ece.call("GET", proxy_path(ece, "search-a", "_cluster/settings"), headers=MGMT, auth="readonly").status == 200
    ece.error("PUT", proxy_path(ece, "search-a", "_cluster/settings"), 403, "root.unauthorized.rbac", headers=MGMT,
              auth="readonly", raw_body="{}", undeclared_ok=True)
    assert len(stub.requests) == 1


def test_pass_through_is_ece_only(ech, world):
    world.es_apis = {"ech/search-ech": StubEsApi()}
    ech.error("GET", proxy_path(ech, "search-ech", "_remote/info"), 404, "root.resource_not_found", headers=MGMT)


# -- eligible remote clusters ---------------------------------------------------------------------------------------
def _names(response):
    assert response.status == 200
    return sorted(d["name"] for d in response.body["deployments"])


def test_eligible_for_a_resource(ece):
    dep = ece.deployment("logs-a")          # 8.19: may search 8.18+ and every 9.x
    names = _names(ece.call("POST", "/deployments/%s/elasticsearch/main-elasticsearch/eligible-remote-clusters" % dep.id))
    assert names == ["archive-a", "search-a"]
    dep = ece.deployment("search-a")        # 9.1: 9.0+ only
    assert _names(ece.call("POST", "/deployments/%s/elasticsearch/_main/eligible-remote-clusters" % dep.id)) == []
    filtered = ece.call("POST", "/deployments/%s/elasticsearch/_main/eligible-remote-clusters" % ece.deployment("logs-a").id,
                        body={"query": {"term": {"name": {"value": "search-a"}}}})
    assert _names(filtered) == ["search-a"]


def test_eligible_for_a_version(ece):
    names = _names(ece.call("POST", "/deployments/eligible-remote-clusters", query={"version": "8.15.0"}))
    assert names == ["archive-a", "logs-a", "metrics-a"]      # 8.14+: 8.13, 7.17, 9.x and system-owned excluded
    ece.error("POST", "/deployments/eligible-remote-clusters", 400, "stackpack.invalid_version", query={"version": "latest"})
    ece.error("POST", "/deployments/eligible-remote-clusters", 400, "root.invalid_query_parameter")


# -- control API --------------------------------------------------------------------------------------------------
def _control_request(method):
    return Request(method, "/_lab/environments/ece-a/x", {}, {}, b"", "127.0.3.2", "control")


def test_control_summary_complete_and_platform_trust(ece, world):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}))
    summary = ece.api.control(_control_request("GET"), "deployments", {})
    entry = next(d for d in summary["deployments"] if d["name"] == "search-a")
    assert entry["resources"][0]["plan"] == "pending"
    done = ece.api.control(_control_request("POST"), "plans/complete", {})
    assert done["completed"] == [{"deployment": "search-a", "ref_id": "main-elasticsearch", "failed": False}]
    assert ece.deployment("search-a").es[0].trust["accounts"] == []
    # the scheduled completion finds nothing left to do
    advance(world, 1)
    entry = next(d for d in ece.api.control(_control_request("GET"), "deployments", {})["deployments"] if d["name"] == "search-a")
    assert entry["resources"][0]["plan"] == "done"
    assert ece.api.control(_control_request("POST"), "platform-trust", {"trust_all": False}) == {"platform_trust_all": False}
    assert ece.call("GET", "/account").body["trust"]["trust_all"] is False
    assert "error" in ece.api.control(_control_request("POST"), "nothing", {})
