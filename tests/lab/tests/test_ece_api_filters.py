"""ECE API: traffic filter rulesets and associations."""

from test_ece_api_support import fixtures

WORLD, ECE, ECH = fixtures()

RS = "/deployments/traffic-filter/rulesets"


def ruleset(kind="ip", rules=None, region="ece-region", **kwargs):
    """A TrafficFilterRulesetRequest."""
    body = {"name": "rs-" + kind, "type": kind, "include_by_default": False, "region": region,
            "rules": rules if rules is not None else [{"source": "10.1.2.0/24", "description": "office"}]}
    body.update(kwargs)
    return body


def create(client, **kwargs):
    """Create a ruleset; returns its id."""
    response = client.call("POST", RS, body=ruleset(**kwargs))
    assert response.status == 201
    return response.body["id"]


def test_create_get_list_update(ece):
    rs_id = create(ece)
    got = ece.call("GET", RS + "/" + rs_id).body
    assert got["type"] == "ip" and got["rules"][0]["source"] == "10.1.2.0/24" and got["rules"][0]["id"]
    assert "associations" not in got
    assert [r["id"] for r in ece.call("GET", RS).body["rulesets"]] == [rs_id]
    assert ece.call("GET", RS, query={"region": "elsewhere"}).body == {"rulesets": []}
    rc_id = create(ece, kind="remote_cluster", rules=[{"remote_cluster_org_id": ece.env.account_id},
                                                      {"remote_cluster_id": "abc", "remote_cluster_org_id": "def"}])
    updated = ece.call("PUT", RS + "/" + rs_id, body=ruleset(rules=[{"source": "192.168.1.7"}], description="narrowed"))
    assert updated.body == {"id": rs_id}
    got = ece.call("GET", RS + "/" + rs_id).body
    assert [r["source"] for r in got["rules"]] == ["192.168.1.7"] and got["description"] == "narrowed"
    assert ece.call("GET", RS + "/" + rc_id).body["rules"][0] == dict(ece.env.rulesets[rc_id]["rules"][0])
    ece.error("GET", RS + "/nope", 404, "traffic_filter.not_found")
    ece.error("PUT", RS + "/nope", 404, "traffic_filter.not_found", body=ruleset())


INVALID = [
    (dict(rules=[{"source": "office.example.com"}]), "traffic_filter.invalid_rule"),
    (dict(rules=[{"source": "10.0.0.0/33"}]), "traffic_filter.invalid_rule"),
    (dict(rules=[{"source": "2001:db8::/32"}]), "traffic_filter.invalid_rule"),
    (dict(rules=[{"description": "no source"}]), "traffic_filter.invalid_rule"),
    (dict(rules=[{"source": "10.0.0.1", "remote_cluster_id": "x"}]), "traffic_filter.invalid_rule"),
    (dict(kind="remote_cluster", rules=[{"description": "no ids"}]), "traffic_filter.invalid_rule"),
    (dict(kind="remote_cluster", rules=[{"remote_cluster_id": "x", "source": "10.0.0.1"}]), "traffic_filter.invalid_rule"),
    (dict(kind="firewall"), "traffic_filter.invalid_type"),
    (dict(region="us-east-1"), "traffic_filter.invalid_region"),
]


def test_validation(ece):
    for kwargs, code in INVALID:
        ece.error("POST", RS, 400, code, body=ruleset(**kwargs), undeclared_ok=True)
    ece.error("POST", RS, 400, "root.invalid_json_request", body={"name": "x", "type": "ip", "region": "ece-region", "rules": []},
              undeclared_ok=True)
    assert ece.env.rulesets == {}


def test_other_documented_types_are_accepted(ece):
    rs_id = create(ece, kind="vpce", rules=[{"source": "vpce-0123456789abcdef"}])
    assert ece.call("GET", RS + "/" + rs_id).body["type"] == "vpce"


def test_association_idempotence_and_effects(ece, world):
    rs_id = create(ece)
    dep = ece.deployment("search-a")
    cluster = world.clusters["ece-b/search-b"]
    cluster.remote_state("a").connected = True
    first = ece.call("POST", RS + "/%s/associations" % rs_id, body={"entity_type": "deployment", "id": dep.id})
    assert first.status == 201
    assert cluster.remote_state("a").connected is False
    again = ece.call("POST", RS + "/%s/associations" % rs_id, body={"entity_type": "deployment", "id": dep.id})
    assert again.status == 200
    body = ece.call("GET", RS + "/%s/associations" % rs_id).body
    assert body == {"associations": [{"entity_type": "deployment", "id": dep.id}], "total_associations": 1}
    with_assoc = ece.call("GET", RS + "/" + rs_id, query={"include_associations": "true"}).body
    assert with_assoc["total_associations"] == 1
    by_entity = ece.call("GET", "/deployments/traffic-filter/associations/deployment/%s/rulesets" % dep.id).body
    assert by_entity == {"rulesets": [rs_id]}
    assert ece.get_dep("search-a")["settings"]["traffic_filter_settings"]["rulesets"] == [rs_id]
    assert ece.es_info("search-a", show_settings=True)["info"]["settings"]["traffic_filter"]["rulesets"] == [rs_id]
    ece.error("GET", "/deployments/traffic-filter/associations/cluster/x/rulesets", 400, "traffic_filter.invalid_association_type")
    ece.error("POST", RS + "/%s/associations" % rs_id, 404, "deployments.deployment_not_found",
              body={"entity_type": "deployment", "id": "nope"})
    ece.error("POST", RS + "/%s/associations" % rs_id, 400, "traffic_filter.invalid_association_type",
              body={"entity_type": "cluster", "id": dep.id}, undeclared_ok=True)


def test_delete_refused_while_associated(ece):
    rs_id = create(ece)
    dep = ece.deployment("search-a")
    ece.call("POST", RS + "/%s/associations" % rs_id, body={"entity_type": "deployment", "id": dep.id})
    ece.error("DELETE", RS + "/" + rs_id, 400, "traffic_filter.has_associations", undeclared_ok=True)
    assert ece.call("DELETE", RS + "/%s/associations/deployment/%s" % (rs_id, dep.id)).status == 200
    ece.error("DELETE", RS + "/%s/associations/deployment/%s" % (rs_id, dep.id), 404, "traffic_filter.association_not_found")
    assert ece.call("DELETE", RS + "/" + rs_id).status == 200
    ece.error("DELETE", RS + "/" + rs_id, 404, "traffic_filter.not_found")


def test_delete_with_ignore_associations(ece):
    rs_id = create(ece)
    ece.call("POST", RS + "/%s/associations" % rs_id, body={"entity_type": "deployment", "id": ece.deployment("logs-a").id})
    assert ece.call("DELETE", RS + "/" + rs_id, query={"ignore_associations": "true"}).status == 200
    assert ece.get_dep("logs-a")["settings"]["traffic_filter_settings"]["rulesets"] == []


def test_ech_rulesets_use_the_ech_region(ech):
    ech.error("POST", RS, 400, "traffic_filter.invalid_region", body=ruleset(), undeclared_ok=True)
    rs_id = create(ech, region="lab-region", kind="remote_cluster", rules=[{"remote_cluster_org_id": "803289842"}])
    assert ech.call("GET", RS + "/" + rs_id).body["region"] == "lab-region"
