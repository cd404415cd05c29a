"""ECE API: certificate-based remote clusters (whole-list replace, settings translation, flags)."""

from test_ece_api_support import StubConnector, fixtures

WORLD, ECE, ECH = fixtures()


def rc_path(client, name):
    """The remote-clusters path of a deployment."""
    return "/deployments/%s/elasticsearch/main-elasticsearch/remote-clusters" % client.deployment(name).id


def entry(client, name, alias, **kwargs):
    """A RemoteResourceRef to a deployment by name."""
    item = {"deployment_id": client.deployment(name).id, "elasticsearch_ref_id": "main-elasticsearch", "alias": alias}
    item.update(kwargs)
    return item


def put(client, name, resources, **kwargs):
    """PUT the remote-clusters list."""
    return client.call("PUT", rc_path(client, name), body={"resources": resources}, **kwargs)


def test_put_translates_to_cluster_settings(ece, world):
    cluster = world.clusters["ece-a/search-a"]
    remote = world.clusters["ece-a/logs-a"]
    response = put(ece, "search-a", [entry(ece, "logs-a", "logs", skip_unavailable=True)])
    assert response.status == 202 and response.body == {}
    persistent = cluster.settings["persistent"]
    assert persistent["cluster.remote.logs.mode"] == "proxy"
    assert persistent["cluster.remote.logs.proxy_address"] == "%s:9400" % remote.endpoint
    assert persistent["cluster.remote.logs.server_name"] == remote.endpoint
    assert persistent["cluster.remote.logs.skip_unavailable"] is True
    assert cluster.settings_changed_at is not None
    assert cluster.remote_state("logs").dirty_since is not None


def test_get_returns_the_list_with_false_flags_without_connector(ece):
    put(ece, "search-a", [entry(ece, "logs-a", "logs")])
    body = ece.call("GET", rc_path(ece, "search-a")).body
    assert body["resources"] == [dict(entry(ece, "logs-a", "logs"), skip_unavailable=False,
                                      info={"healthy": False, "connected": False, "compatible": False, "trusted": False,
                                            "trusted_back": False})]


def test_get_flags_come_from_the_connector(ece, world):
    world.connector = StubConnector({"metrics": {"connected": False, "trusted": True, "trusted_back": False, "compatible": True,
                                                 "healthy": False}})
    put(ece, "search-a", [entry(ece, "logs-a", "logs"), entry(ece, "metrics-a", "metrics")])
    body = ece.call("GET", rc_path(ece, "search-a")).body
    infos = dict((item["alias"], item["info"]) for item in body["resources"])
    assert infos["logs"] == {"healthy": True, "connected": True, "compatible": True, "trusted": True, "trusted_back": True}
    assert infos["metrics"]["trusted_back"] is False and infos["metrics"]["trusted"] is True
    assert ("main-elasticsearch", "logs") in world.connector.asked


def test_whole_list_replace_removes_dropped_aliases_but_not_foreign_ones(ece, world):
    cluster = world.clusters["ece-a/search-a"]
    # an alias configured directly in Elasticsearch (not through this API)
    cluster.settings["persistent"]["cluster.remote.manual.mode"] = "proxy"
    cluster.settings["persistent"]["cluster.remote.manual.proxy_address"] = "sm.lab:9443"
    put(ece, "search-a", [entry(ece, "logs-a", "logs"), entry(ece, "metrics-a", "metrics")])
    put(ece, "search-a", [entry(ece, "metrics-a", "metrics")])
    persistent = cluster.settings["persistent"]
    assert not [k for k in persistent if k.startswith("cluster.remote.logs.")]
    assert persistent["cluster.remote.metrics.mode"] == "proxy"
    assert persistent["cluster.remote.manual.proxy_address"] == "sm.lab:9443"
    assert [r["alias"] for r in ece.call("GET", rc_path(ece, "search-a")).body["resources"]] == ["metrics"]
    # the empty list removes everything the API created, and only that
    put(ece, "search-a", [])
    assert sorted(persistent) == ["cluster.remote.manual.mode", "cluster.remote.manual.proxy_address"]
    assert ece.call("GET", rc_path(ece, "search-a")).body == {"resources": []}


def test_alias_validation(ece):
    for alias in ("bad alias", "bad.alias", "a:b", "ünïcode", ""):
        element = ece.error("PUT", rc_path(ece, "search-a"), 400, "remote_clusters.invalid_alias",
                            body={"resources": [entry(ece, "logs-a", alias)]}, undeclared_ok=True)
        assert element["message"] == "A cluster alias must contain only letters, numbers, dashes (-), or underscores (_)."
        assert element["fields"] == ["resources[0].alias"]
    ece.error("PUT", rc_path(ece, "search-a"), 400, "remote_clusters.duplicate_alias", undeclared_ok=True,
              body={"resources": [entry(ece, "logs-a", "x"), entry(ece, "metrics-a", "x")]})
    assert ece.deployment("search-a").es[0].remote_resources == []


def test_remote_must_exist_in_this_environment(ece, world):
    other = world.environments["ece-b"]
    foreign = next(d for d in other.deployments.values() if d.name == "search-b")
    element = ece.error("PUT", rc_path(ece, "search-a"), 404, "deployments.deployment_not_found",
                        body={"resources": [{"deployment_id": foreign.id, "elasticsearch_ref_id": "main-elasticsearch", "alias": "b"}]})
    assert foreign.id in element["message"]
    ece.error("PUT", rc_path(ece, "search-a"), 404, "deployments.deployment_resource_not_found",
              body={"resources": [entry(ece, "logs-a", "logs", elasticsearch_ref_id="nope")]})
    assert world.clusters["ece-a/search-a"].settings["persistent"] == {}


def test_system_owned_deployments_are_refused_on_both_sides(ece):
    ece.error("PUT", rc_path(ece, "search-a"), 403, "deployments.system_owned_deployment", undeclared_ok=True,
              body={"resources": [entry(ece, "logging-and-metrics", "lm")]})
    ece.error("PUT", rc_path(ece, "admin-console-elasticsearch"), 403, "deployments.system_owned_deployment", undeclared_ok=True,
              body={"resources": [entry(ece, "logs-a", "logs")]})


def test_unknown_local_deployment(ece):
    ece.error("GET", "/deployments/nope/elasticsearch/main-elasticsearch/remote-clusters", 404, "deployments.deployment_not_found")
