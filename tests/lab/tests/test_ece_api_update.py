"""ECE API: PUT /deployments/{id} — trust semantics and validation, plans, version conflicts, faults."""

import pytest

from eceops_lab import pki
from test_ece_api_support import Client, advance, fixtures, make_world

WORLD, ECE, ECH = fixtures()


@pytest.fixture(scope="module", name="foreign_ca")
def foreign_ca_fixture():
    """A CA of some other environment (PEM)."""
    return pki.make_ca("Foreign environment CA").cert_pem


def default_accounts(client):
    """The accounts entry every deployment starts with."""
    return [{"account_id": client.env.account_id, "name": "Default trust", "trust_all": True}]


def direct_entry(pem, **kwargs):
    """A DirectTrustRelationship for a foreign ECE environment."""
    entry = {"name": "env-b", "type": "ECE", "trust_all": True, "scope_id": "b1d6f7a2c3e45f6a9b0c1d2e3f4a5b6c",
             "certificates": [{"pem": pem}]}
    entry.update(kwargs)
    return entry


def settings_trust(client, name):
    """``info.settings.trust`` of a deployment."""
    return client.es_info(name, show_settings=True)["info"]["settings"]["trust"]


def complete(client, world):
    """Let the pending plans finish."""
    advance(world, 0.2)
    return client


# -- trust semantics ----------------------------------------------------------------------------------------------
def test_trust_update_creates_a_plan_that_completes_after_the_delay(ece, world, foreign_ca):
    dep = ece.deployment("search-a")
    res = dep.es[0]
    version = dep.resource_version
    trust = {"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}
    response = ece.put_dep("search-a", ece.update_payload("search-a", trust=trust))
    assert response.status == 200
    assert response.body["id"] == dep.id and response.body["resources"][0]["kind"] == "elasticsearch"
    assert int(response.headers["x-cloud-resource-version"]) > version
    # pending: status reconfiguring, the GET already shows the new trust, the cluster still uses the old one
    info = ece.es_info("search-a", show_settings=True, show_plan_logs=True)["info"]
    assert info["status"] == "reconfiguring"
    pending = info["plan_info"]["pending"]
    assert pending["plan_attempt_log"][-1]["status"] == "pending"
    assert len(info["settings"]["trust"]["direct"]) == 1
    assert res.trust["direct"] == []
    other = world.clusters["ece-b/search-b"]
    other.remote_state("x").connected = True
    # completes after plan_delay
    advance(world, 0.05)
    assert res.pending is not None
    advance(world, 0.1)
    assert res.pending is None
    assert len(res.trust["direct"]) == 1
    info = ece.es_info("search-a", show_plan_logs=True)["info"]
    assert info["status"] == "started" and "pending" not in info["plan_info"]
    current = info["plan_info"]["current"]
    assert current["plan_attempt_id"] == pending["plan_attempt_id"]
    assert current["plan_attempt_log"][-1] == dict(current["plan_attempt_log"][-1], step_id="plan-completed", status="success")
    # trust affects both directions: every cluster's remote states are stale
    assert other.remote_state("x").connected is False and other.remote_state("x").dirty_since is not None


def test_partial_trust_object_empties_the_lists_it_omits(ece, world, foreign_ca):
    trust = {"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}
    ece.put_dep("search-a", ece.update_payload("search-a", trust=trust))
    complete(ece, world)
    assert len(settings_trust(ece, "search-a")["direct"]) == 1
    # a client that sends only accounts (and drops the names) loses direct and the name
    partial = {"accounts": [{"account_id": ece.env.account_id, "trust_all": True}]}
    ece.put_dep("search-a", ece.update_payload("search-a", trust=partial))
    complete(ece, world)
    trust = settings_trust(ece, "search-a")
    assert trust["direct"] == [] and trust["external"] == []
    assert trust["accounts"] == [{"account_id": ece.env.account_id, "name": "", "trust_all": True}]


def test_trust_absent_leaves_trust_unchanged(ece, world, foreign_ca):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}))
    complete(ece, world)
    before = settings_trust(ece, "search-a")
    version = ece.deployment("search-a").resource_version
    response = ece.put_dep("search-a", ece.update_payload("search-a"))
    assert response.status == 200
    assert settings_trust(ece, "search-a") == before
    # nothing changed: no plan, no new version
    assert ece.deployment("search-a").es[0].pending is None
    assert ece.deployment("search-a").resource_version == version


def test_uid_kept_on_round_trip_and_generated_for_new_entries(ece, world, foreign_ca):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}))
    complete(ece, world)
    trust = settings_trust(ece, "search-a")
    uid = trust["direct"][0]["uid"]
    assert uid
    metadata = trust["direct"][0]["certificates"][0]["metadata"]
    assert metadata["fingerprint"] == pki.fingerprint(foreign_ca) and metadata["valid_to"] > metadata["valid_from"]
    # send the GET's trust back (metadata included, ignored on write) plus a second entry
    other = pki.make_ca("Self-managed CA").cert_pem
    trust["direct"].append({"name": "sm", "trust_all": False, "additional_node_names": ["sm-node-1.node.x.cluster.y.account"],
                            "certificates": [{"pem": other}]})
    ece.put_dep("search-a", ece.update_payload("search-a", trust=trust))
    complete(ece, world)
    after = settings_trust(ece, "search-a")["direct"]
    assert after[0]["uid"] == uid
    assert after[1]["uid"] and after[1]["uid"] != uid
    assert "type" not in after[1]       # stored as sent (generic is assumed)


def test_unchanged_entry_without_uid_keeps_its_uid(ece, world, foreign_ca):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}))
    complete(ece, world)
    uid = settings_trust(ece, "search-a")["direct"][0]["uid"]
    response = ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [direct_entry(foreign_ca)]}))
    assert response.status == 200
    assert ece.deployment("search-a").es[0].pending is None
    assert settings_trust(ece, "search-a")["direct"][0]["uid"] == uid


def test_external_trust_needs_a_relationship_of_this_environment(ece, world):
    rel = ece.call("POST", "/platform/configuration/trust-relationships",
                   body={"name": "ECE B", "public_ca_cert": world.environments["ece-b"].certs["env_ca"].cert_pem,
                         "account_ids": [world.environments["ece-b"].account_id]}).body
    trust = {"accounts": default_accounts(ece), "external": [{"trust_relationship_id": rel["id"], "trust_all": True}]}
    ece.put_dep("search-a", ece.update_payload("search-a", trust=trust))
    complete(ece, world)
    assert settings_trust(ece, "search-a")["external"] == [{"trust_relationship_id": rel["id"], "name": "ECE B", "trust_all": True}]
    bad = {"accounts": default_accounts(ece), "external": [{"trust_relationship_id": "nope", "trust_all": True}]}
    element = ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 400, "deployments.invalid_trust_settings",
                        body=ece.update_payload("search-a", trust=bad))
    assert element["fields"] == ["resources.elasticsearch[0].settings.trust.external[0].trust_relationship_id"]


def test_trust_null_reverts_to_the_default(ece, world):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}))
    complete(ece, world)
    assert settings_trust(ece, "search-a")["accounts"] == []
    ece.put_dep("search-a", ece.update_payload("search-a", settings={"trust": None}))
    complete(ece, world)
    assert settings_trust(ece, "search-a")["accounts"] == default_accounts(ece)


INVALID_DIRECT = [
    ({"type": "proxy", "trust_all": True, "scope_id": None}, "trust_all"),
    ({"type": "proxy", "trust_all": False}, "scope_id"),
    ({"type": "proxy", "trust_all": False, "scope_id": None, "trust_allowlist": []}, "trust_allowlist"),
    ({"type": "proxy", "trust_all": False, "scope_id": None, "additional_node_names": ["a"]}, "additional_node_names"),
    ({"scope_id": "Not-Lower"}, "scope_id"),
    ({"scope_id": "a" * 64}, "scope_id"),
    ({"scope_id": None}, "scope_id"),
    ({"trust_all": False, "scope_id": None, "trust_allowlist": ["abc"]}, "scope_id"),
    ({"type": "generic", "trust_all": False, "scope_id": None}, "additional_node_names"),
    ({"trust_all": False, "scope_id": None, "additional_node_names": ["*.node.x.cluster.y.account"]}, "additional_node_names[0]"),
    ({"certificates": [{"pem": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"}]}, "certificates[0].pem"),
    ({"certificates": [{"pem": "hello"}]}, "certificates[0].pem"),
    ({"certificates": []}, "certificates"),
]


@pytest.mark.parametrize("override,field", INVALID_DIRECT)
def test_direct_trust_rules(ece, foreign_ca, override, field):
    entry = direct_entry(foreign_ca, **override)
    entry = dict((k, v) for k, v in entry.items() if v is not None)
    element = ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 400, "deployments.invalid_trust_settings",
                        body=ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [entry]}))
    assert element["fields"] == ["resources.elasticsearch[0].settings.trust.direct[0].%s" % field]
    assert field.split("[")[0] in element["message"]
    assert ece.deployment("search-a").es[0].pending is None


def test_proxy_and_self_managed_direct_entries_are_accepted(ece, world, foreign_ca):
    proxy = {"name": "private proxy CA", "type": "proxy", "trust_all": False, "certificates": [{"pem": foreign_ca}]}
    sm = {"name": "sm", "type": "generic", "trust_all": False, "additional_node_names": ["sm-node-1.node.c.cluster.s.account"],
          "certificates": [{"pem": foreign_ca}]}
    response = ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": default_accounts(ece), "direct": [proxy, sm]}))
    assert response.status == 200
    complete(ece, world)
    assert [d["type"] for d in settings_trust(ece, "search-a")["direct"]] == ["proxy", "generic"]


def test_system_owned_deployment_trust_is_refused(ece):
    element = ece.error("PUT", "/deployments/" + ece.deployment("logging-and-metrics").id, 403, "deployments.system_owned_deployment",
                        body=ece.update_payload("logging-and-metrics", trust={"accounts": []}), undeclared_ok=True)
    assert "system-owned" in element["message"]


def test_system_owned_cannot_be_set(ece):
    element = ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 403, "configuration.system_owned",
                        body=ece.update_payload("search-a", metadata={"system_owned": True}), undeclared_ok=True)
    assert element["message"] == "system_owned or deleted_on cannot be set externally"
    element = ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 403, "configuration.system_owned",
                        body=ece.update_payload("search-a", settings={"metadata": {"system_owned": False}}), undeclared_ok=True)
    assert ece.deployment("search-a").system_owned is False


# -- plan, version, validate_only -----------------------------------------------------------------------------------
def test_version_conflict_is_409(ece):
    dep = ece.deployment("search-a")
    current = ece.call("GET", "/deployments/" + dep.id).headers["x-cloud-resource-version"]
    element = ece.error("PUT", "/deployments/" + dep.id, 409, "deployments.deployment_version_conflict",
                        body=ece.update_payload("search-a", trust={"accounts": []}), query={"version": str(int(current) + 7)},
                        undeclared_ok=True)
    assert current in element["message"] and str(int(current) + 7) in element["message"]
    assert dep.es[0].pending is None
    ok = ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}), query={"version": current})
    assert ok.status == 200 and dep.es[0].pending is not None


def test_validate_only_changes_nothing(ece):
    dep = ece.deployment("search-a")
    version = dep.resource_version
    response = ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}), query={"validate_only": "true"})
    assert response.status == 200
    assert dep.es[0].pending is None and dep.resource_version == version and dep.es[0].trust["accounts"]
    # validation still happens
    ece.error("PUT", "/deployments/" + dep.id, 400, "deployments.invalid_trust_settings", query={"validate_only": "true"},
              body=ece.update_payload("search-a", trust={"direct": [{"name": "x", "trust_all": True, "certificates": [{"pem": "x"}]}]}))


def test_trust_only_change_without_plan_when_switched_off(tmp_path, foreign_ca):
    world = make_world(tmp_path, {"trust_update_creates_plan": False})
    client = Client(world, "ece-a")
    res = client.deployment("search-a").es[0]
    world.clusters["sm"].remote_state("r").connected = True
    client.put_dep("search-a", client.update_payload("search-a", trust={"accounts": [], "direct": [direct_entry(foreign_ca)]}))
    assert res.pending is None and len(res.trust["direct"]) == 1
    assert world.clusters["sm"].remote_state("r").connected is False


def test_plan_change_creates_a_plan_and_is_applied(ece, world):
    info = ece.es_info("search-a")
    plan = info["info"]["plan_info"]["current"]["plan"]
    plan["cluster_topology"][0]["node_roles"] = ["master", "ingest", "data_hot", "data_content"]
    ece.put_dep("search-a", ece.update_payload("search-a", plan=plan))
    assert ece.es_info("search-a")["info"]["topology"]["instances"][0]["node_roles"][-1] == "transform"
    complete(ece, world)
    roles = ece.es_info("search-a")["info"]["topology"]["instances"][0]["node_roles"]
    assert "remote_cluster_client" not in roles


def test_second_change_while_pending_is_refused(ece):
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}))
    ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 400, "deployments.plan_in_progress",
              body=ece.update_payload("search-a", trust={"accounts": default_accounts(ece)}))


def test_plan_failure_from_an_injected_fault(ece, world):
    dep = ece.deployment("search-a")
    world.faults.add({"kind": "plan", "method": "PUT", "path": "/deployments/" + dep.id, "plan_error": "Disk full on allocator"})
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}))
    complete(ece, world)
    res = dep.es[0]
    assert res.trust["accounts"] == default_accounts(ece)       # not applied
    info = ece.es_info("search-a", show_plan_logs=True, show_plan_history=True)["info"]
    assert info["healthy"] is False and info["plan_info"]["healthy"] is False
    current = info["plan_info"]["current"]
    assert current["healthy"] is False
    assert current["error"]["message"] == "Disk full on allocator" and current["error"]["failure_type"]
    last = current["plan_attempt_log"][-1]
    assert last["step_id"] == "plan-completed" and last["status"] == "error"
    assert last["info_log"][-1]["message"] == "Disk full on allocator"
    assert info["plan_info"]["history"][-1]["plan_attempt_id"] == current["plan_attempt_id"]
    # the fault fires once: the retry succeeds
    ece.put_dep("search-a", ece.update_payload("search-a", trust={"accounts": []}))
    complete(ece, world)
    assert res.trust["accounts"] == [] and ece.es_info("search-a")["info"]["healthy"] is True


def test_version_change_region_mismatch_and_missing_plan_are_400(ece):
    dep_id = ece.deployment("search-a").id
    body = ece.update_payload("search-a")
    body["resources"]["elasticsearch"][0]["plan"]["elasticsearch"]["version"] = "9.2.0"
    element = ece.error("PUT", "/deployments/" + dep_id, 400, "deployments.version_change_not_supported_in_lab", body=body)
    assert "9.1.3" in element["message"] and "9.2.0" in element["message"]
    body = ece.update_payload("search-a")
    body["resources"]["elasticsearch"][0]["region"] = "us-east-1"
    ece.error("PUT", "/deployments/" + dep_id, 400, "deployments.invalid_region", body=body)
    body = ece.update_payload("search-a", trust={"accounts": []})
    del body["resources"]["elasticsearch"][0]["plan"]
    element = ece.error("PUT", "/deployments/" + dep_id, 400, "root.invalid_json_request", body=body)
    assert "plan" in element["message"]
    body = ece.update_payload("search-a")
    del body["prune_orphans"]
    ece.error("PUT", "/deployments/" + dep_id, 400, "root.invalid_json_request", body=body)
    body = ece.update_payload("search-a")
    body["resources"]["elasticsearch"][0]["ref_id"] = "second-elasticsearch"
    ece.error("PUT", "/deployments/" + dep_id, 400, "deployments.resource_creation_not_supported_in_lab", body=body)
    ece.error("PUT", "/deployments/nope", 404, "deployments.deployment_not_found", body=body)


def test_prune_orphans_without_kibana_shuts_kibana_down(ece):
    dep = ece.deployment("logs-a")
    response = ece.put_dep("logs-a", ece.update_payload("logs-a", prune_orphans=True))
    assert response.body["shutdown_resources"]["kibana"] == [dep.kibana_id]
    body = ece.get_dep("logs-a")
    assert body["resources"]["kibana"] == [] and body["resources"]["elasticsearch"][0]["info"]["associated_kibana_clusters"] == []
    # prune_orphans false keeps everything
    other = ece.put_dep("search-a", ece.update_payload("search-a", prune_orphans=False))
    assert other.body["shutdown_resources"]["kibana"] == [] and ece.get_dep("search-a")["resources"]["kibana"]


def test_name_alias_and_tags(ece):
    dep = ece.deployment("metrics-a")
    body = ece.update_payload("metrics-a", alias="metrics", metadata={"tags": [{"key": "team", "value": "obs"}]})
    response = ece.put_dep("metrics-a", body)
    assert response.body["alias"] == "metrics"
    assert "metrics.es.ece-a.lab" in dep.es[0].cluster.http_hosts
    got = ece.get_dep("metrics-a")
    assert got["resources"]["elasticsearch"][0]["info"]["metadata"]["aliased_endpoint"] == "metrics.es.ece-a.lab"
    assert got["metadata"]["tags"] == [{"key": "team", "value": "obs"}]


def test_keystore_contents_in_update(ece):
    res = ece.deployment("search-a").es[0]
    settings = {"keystore_contents": {"secrets": {"cluster.remote.b.credentials": {"value": "c2VjcmV0"}}}}
    ece.put_dep("search-a", ece.update_payload("search-a", settings=settings))
    assert res.keystore == {"cluster.remote.b.credentials": {"value": "c2VjcmV0", "as_file": False}}
    assert res.pending is None
    settings = {"keystore_contents": {"secrets": {"cluster.remote.b.credentials": None}}}
    ece.put_dep("search-a", ece.update_payload("search-a", settings=settings))
    assert res.keystore == {}


def test_traffic_filter_settings_in_update(ece):
    ruleset = ece.call("POST", "/deployments/traffic-filter/rulesets",
                       body={"name": "office", "type": "ip", "include_by_default": False, "region": "ece-region",
                             "rules": [{"source": "10.0.0.0/8"}]}).body["id"]
    ece.put_dep("search-a", ece.update_payload("search-a", settings={"traffic_filter": {"rulesets": [ruleset]}}))
    assert ece.get_dep("search-a")["settings"]["traffic_filter_settings"]["rulesets"] == [ruleset]
    ece.error("PUT", "/deployments/" + ece.deployment("search-a").id, 400, "traffic_filter.not_found",
              body=ece.update_payload("search-a", settings={"traffic_filter": {"rulesets": ["nope"]}}))


def test_ech_trust_update(ech, world, foreign_ca):
    trust = {"accounts": [{"account_id": ech.env.account_id, "name": "Default trust", "trust_all": True}],
             "direct": [direct_entry(foreign_ca)]}
    response = ech.put_dep("search-ech", ech.update_payload("search-ech", trust=trust))
    assert response.status == 200
    complete(ech, world)
    assert len(settings_trust(ech, "search-ech")["direct"]) == 1
