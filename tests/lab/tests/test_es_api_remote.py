"""es_api: cross-cluster search, _resolve/cluster, the remote side's authorization (F8/F9), reload_secure_settings and
CCR, with a fake connection engine that hands transport messages to the remote EsApi."""

import json

import pytest

from test_es_api_helpers import LabWorld, etype, reason

LOCAL = "sm"
REMOTE = "ece-b/search-b"
KEY_ACCESS = {"search": [{"names": ["logs-*"]}], "replication": [{"names": ["leader-*"]}]}


def setup_remote(lab, local=LOCAL, remote=REMOTE, alias="rb", model="api_key", access=None, skip_unavailable=None):
    """Configure ``alias`` on ``local`` towards ``remote`` (a cross-cluster key in the keystore for the API-key model)."""
    connector = lab.connector or lab.fake_connector()
    persistent = {"cluster.remote.%s.mode" % alias: "proxy", "cluster.remote.%s.proxy_address" % alias: "remote.lab:9443"}
    if skip_unavailable is not None:
        persistent["cluster.remote.%s.skip_unavailable" % alias] = skip_unavailable
    assert lab.call(local, "PUT", "/_cluster/settings", body={"persistent": persistent}).status == 200
    key = None
    if model == "api_key":
        created = lab.call(remote, "POST", "/_security/cross_cluster/api_key",
                           body={"name": "from-" + alias, "access": access or KEY_ACCESS})
        assert created.status == 200, created.body
        key = lab.cluster(remote).api_keys[created.body["id"]]
        lab.cluster(local).keystore_loaded["cluster.remote.%s.credentials" % alias] = created.body["encoded"]
    connector.link(local, alias, remote, model=model, api_key=key)
    return key


@pytest.fixture(name="lab")
def lab_fixture(tmp_path):
    """A fresh world."""
    return LabWorld(tmp_path)


def search(lab, expression, key=LOCAL, body=None, **kwargs):
    """GET /<expression>/_search."""
    return lab.call(key, "POST", "/%s/_search" % expression, body=body, **kwargs)


def role_user(lab, key, name, role_body):
    """A role and a user holding it."""
    assert lab.call(key, "PUT", "/_security/role/%s-role" % name, body=role_body).status == 200
    lab.add_user(key, name, ["%s-role" % name])
    return {"user": name, "password": "lab-password-1"}


# ---------------------------------------------------------------------------------------------- search
def test_local_search_query_subset(lab):
    all_docs = lab.call(LOCAL, "GET", "/logs-lab/_search")
    assert all_docs.status == 200
    assert all_docs.body["hits"]["total"] == {"value": 3, "relation": "eq"}
    assert "_clusters" not in all_docs.body
    checkout = search(lab, "logs-*", body={"query": {"term": {"service": "checkout"}}, "size": 1})
    assert checkout.body["hits"]["total"]["value"] == 2 and len(checkout.body["hits"]["hits"]) == 1
    matched = search(lab, "logs-lab", body={"query": {"match": {"message": "two"}}})
    assert [h["_source"]["service"] for h in matched.body["hits"]["hits"]] == ["payments"]
    unknown = search(lab, "logs-lab", body={"query": {"fuzzy_thing": {}}})
    assert unknown.status == 400 and etype(unknown) == "parsing_exception" and reason(unknown) == "unknown query [fuzzy_thing]"
    missing = search(lab, "nope")
    assert missing.status == 404 and etype(missing) == "index_not_found_exception" and reason(missing) == "no such index [nope]"
    assert search(lab, "nope", query={"ignore_unavailable": "true"}).status == 200


def test_local_index_privileges(lab):
    who = role_user(lab, LOCAL, "reader", {"indices": [{"names": ["logs-*"], "privileges": ["read"]}]})
    assert search(lab, "logs-lab", **who).status == 200
    denied = search(lab, "leader-lab", **who)
    assert denied.status == 403
    assert reason(denied) == ("action [indices:data/read/search] is unauthorized for user [reader] with effective roles "
                              "[reader-role] on indices [leader-lab], this action is granted by the index privileges [read,all]")
    wildcard = search(lab, "*", **who)
    assert {h["_index"] for h in wildcard.body["hits"]["hits"]} == {"logs-lab"}


def test_remote_search_api_key_model(lab):
    setup_remote(lab)
    response = search(lab, "rb:logs-*")
    assert response.status == 200, response.body
    assert {h["_index"] for h in response.body["hits"]["hits"]} == {"rb:logs-lab"}
    clusters = response.body["_clusters"]
    assert clusters["total"] == 1 and clusters["successful"] == 1 and clusters["skipped"] == 0
    assert clusters["details"]["rb"]["status"] == "successful" and clusters["details"]["rb"]["indices"] == "logs-*"
    sent = lab.connector.sent[-1][2]
    assert sent["action"] == "search" and sent["index"] == "logs-*"
    assert sent["user"]["username"] == "elastic" and sent["user"]["remote_indices"][0]["clusters"] == ["*"]
    mixed = search(lab, "logs-lab,rb:logs-lab")
    assert mixed.body["hits"]["total"]["value"] == 6
    assert set(mixed.body["_clusters"]["details"]) == {"(local)", "rb"}
    only_wild = search(lab, "rb:*")
    assert {h["_index"] for h in only_wild.body["hits"]["hits"]} == {"rb:logs-lab"}
    star = search(lab, "*:logs-lab")
    assert star.body["hits"]["total"]["value"] == 3


def test_f8_key_access_too_small(lab):
    key = setup_remote(lab)
    skipped = search(lab, "rb:leader-lab")
    assert skipped.status == 200 and skipped.body["_clusters"]["details"]["rb"]["status"] == "skipped"
    lab.call(LOCAL, "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.rb.skip_unavailable": False}})
    response = search(lab, "rb:leader-lab")
    assert response.status == 403
    assert reason(response) == ("action [indices:data/read/search] towards remote cluster is unauthorized for user [elastic] with "
                                "assigned roles [superuser] authenticated by API key id [%s] of user [elastic] on indices "
                                "[leader-lab], this action is granted by the index privileges [read,all]" % key.id)


def test_f8_user_remote_indices_too_small(lab):
    key = setup_remote(lab, skip_unavailable=False)
    narrow = [{"clusters": ["rb"], "names": ["other-*"], "privileges": ["read", "read_cross_cluster", "view_index_metadata"]}]
    who = role_user(lab, LOCAL, "narrow", {"remote_indices": narrow})
    response = search(lab, "rb:logs-lab", **who)
    assert response.status == 403
    assert reason(response) == ("action [indices:data/read/search] towards remote cluster is unauthorized for user [narrow] with "
                                "assigned roles [narrow-role] authenticated by API key id [%s] of user [elastic] on indices "
                                "[logs-lab], this action is granted by the index privileges [read,all]" % key.id)
    wide = role_user(lab, LOCAL, "wide", {"remote_indices": [{"clusters": ["r*"], "names": ["logs-*"], "privileges": ["read"]}]})
    assert search(lab, "rb:logs-lab", **wide).status == 200


def test_f9_no_remote_indices_for_the_alias(lab):
    setup_remote(lab, skip_unavailable=False)
    who = role_user(lab, LOCAL, "local", {"indices": [{"names": ["*"], "privileges": ["read"]}],
                                          "remote_indices": [{"clusters": ["elsewhere"], "names": ["*"], "privileges": ["read"]}]})
    response = search(lab, "rb:logs-lab", **who)
    assert response.status == 403
    assert reason(response) == ("action [indices:data/read/search] towards remote cluster [rb] is unauthorized for user [local] with "
                                "effective roles [local-role] because no remote indices privileges apply for the target cluster")
    sent_before = len(lab.connector.sent)
    lab.call(LOCAL, "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.rb.skip_unavailable": True}})
    skipped = search(lab, "logs-lab,rb:logs-lab", **who)
    assert skipped.status == 200
    assert skipped.body["_clusters"]["skipped"] == 1
    detail = skipped.body["_clusters"]["details"]["rb"]
    assert detail["status"] == "skipped"
    assert "no remote indices privileges apply" in detail["failures"][0]["reason"]["reason"]
    assert len(lab.connector.sent) == sent_before


def test_unreachable_remote_and_skip_unavailable(lab):
    setup_remote(lab)
    lab.connector.break_link(LOCAL, "rb")
    skipped = search(lab, "logs-lab,rb:logs-lab")
    assert skipped.status == 200
    assert skipped.body["hits"]["total"]["value"] == 3
    assert skipped.body["_clusters"]["details"]["rb"]["status"] == "skipped"
    lab.call(LOCAL, "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.rb.skip_unavailable": False}})
    failed = search(lab, "logs-lab,rb:logs-lab")
    assert failed.status == 500
    assert etype(failed) == "connect_transport_exception"
    assert reason(failed) == "Unable to open any proxy connections to cluster [rb]"
    assert [c for c in lab.connector.calls if c[:3] == ("attempt", LOCAL, "rb")]


def test_expression_errors(lab):
    setup_remote(lab)
    unknown = search(lab, "nope:logs")
    assert unknown.status == 404 and etype(unknown) == "no_such_remote_cluster_exception"
    assert reason(unknown) == "no such remote cluster: [nope]"
    excluded = search(lab, "logs-lab,rb:*,-rb:*")
    assert "_clusters" not in excluded.body and excluded.body["hits"]["total"]["value"] == 3
    bad = search(lab, "rb:*,-rb:logs")
    assert reason(bad) == "To exclude a cluster you must specify the '*' wildcard for the index expression, but found: [logs]"


def test_certificate_model_uses_same_named_roles(lab):
    setup_remote(lab, model="certificate", skip_unavailable=False)
    who = role_user(lab, LOCAL, "reader", {})
    denied = search(lab, "rb:logs-lab", **who)
    assert denied.status == 403
    assert reason(denied) == ("action [indices:data/read/search] is unauthorized for user [reader] with effective roles [] "
                              "(assigned roles [reader-role] were not found) on indices [logs-lab], this action is granted by the "
                              "index privileges [read,all]")
    lab.call(REMOTE, "PUT", "/_security/role/reader-role", body={"indices": [{"names": ["logs-*"], "privileges": ["read",
                                                                                                                  "read_cross_cluster"]}]})
    assert search(lab, "rb:logs-lab", **who).status == 200
    assert search(lab, "rb:logs-lab").status == 200


def test_document_and_field_level_security_of_the_key(lab):
    setup_remote(lab, access={"search": [{"names": ["logs-*"], "query": {"term": {"service": "checkout"}},
                                          "field_security": {"grant": ["message"]}}]})
    response = search(lab, "rb:logs-lab")
    hits = response.body["hits"]["hits"]
    assert len(hits) == 2
    assert all(list(h["_source"]) == ["message"] for h in hits)


def test_transport_request_rejects_invalid_keys_and_unknown_actions(lab):
    key = setup_remote(lab)
    remote = lab.api(REMOTE)
    ctx = {"model": "api_key", "api_key": key, "local_key": LOCAL, "alias": "rb"}
    assert remote.transport_request({"action": "bogus"}, ctx)["type"] == "action_not_found_transport_exception"
    lab.call(REMOTE, "DELETE", "/_security/api_key", body={"ids": [key.id]})
    reply = remote.transport_request({"action": "search", "index": "logs-lab", "user": {"username": "elastic", "roles": []}}, ctx)
    assert reply == {"ok": False, "status": 401, "type": "security_exception",
                     "reason": "unable to authenticate user [%s] for action [indices:data/read/search]" % key.id}


# ---------------------------------------------------------------------------------------------- resolve
def test_resolve_cluster(lab):
    key = setup_remote(lab)
    response = lab.call(LOCAL, "GET", "/_resolve/cluster/logs-*,rb:logs-*")
    assert response.status == 200
    assert response.body["(local)"] == {"connected": True, "skip_unavailable": False, "matching_indices": True,
                                        "version": {"number": "9.1.3", "build_flavor": "default",
                                                    "minimum_wire_compatibility_version": "8.19.0",
                                                    "minimum_index_compatibility_version": "8.0.0"}}
    remote = response.body["rb"]
    assert remote["connected"] is True and remote["matching_indices"] is True and remote["skip_unavailable"] is True
    assert remote["version"]["number"] == "9.1.3"
    assert [c for c in lab.connector.calls if c[0] == "attempt"]
    only_remote = lab.call(LOCAL, "GET", "/_resolve/cluster/rb:nomatch*").body
    assert "(local)" not in only_remote and only_remote["rb"]["matching_indices"] is False
    refused = lab.call(LOCAL, "GET", "/_resolve/cluster/rb:leader-lab").body["rb"]
    assert refused["connected"] is False
    assert refused["error"].startswith("action [indices:admin/resolve/cluster] towards remote cluster is unauthorized for user "
                                       "[elastic] with assigned roles [superuser] authenticated by API key id [%s]" % key.id)
    assert "on indices [leader-lab]" in refused["error"]
    missing = lab.call(LOCAL, "GET", "/_resolve/cluster/rb:logs-99").body["rb"]
    assert missing["connected"] is True and missing["error"] == "no such index [logs-99]"
    lab.connector.break_link(LOCAL, "rb")
    down = lab.call(LOCAL, "GET", "/_resolve/cluster/rb:*").body["rb"]
    assert down == {"connected": False, "skip_unavailable": True, "error": "Unable to open any proxy connections to cluster [rb]"}


def test_resolve_cluster_without_expression(lab):
    setup_remote(lab)
    body = lab.call(LOCAL, "GET", "/_resolve/cluster").body
    assert list(body) == ["rb"] and body["rb"]["connected"] is True and "matching_indices" not in body["rb"]
    who = role_user(lab, LOCAL, "plain", {"cluster": ["monitor"]})
    no_privs = lab.call(LOCAL, "GET", "/_resolve/cluster", **who).body["rb"]
    assert no_privs["connected"] is False and "no remote indices privileges apply for the target cluster" in no_privs["error"]
    options = lab.call(LOCAL, "GET", "/_resolve/cluster", query={"ignore_unavailable": "true", "expand_wildcards": "all"})
    assert options.status == 400
    assert reason(options) == ("No index options are allowed on _resolve/cluster when no index expression is specified, but "
                               "received: [expand_wildcards, ignore_unavailable]")


# ---------------------------------------------------------------------------------------------- reload_secure_settings
def write_keystore(node, entries):
    """Write a stand-in keystore file."""
    with open(node.keystore_path, "w") as handle:
        json.dump({"format": "eceops-lab-keystore/1", "entries": dict((k, {"value": v}) for k, v in entries.items())}, handle)


def test_reload_self_managed_reads_every_node(lab):
    connector = lab.fake_connector()
    cluster = lab.cluster("sm")
    lab.call("sm", "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.rb.mode": "proxy",
                                                                     "cluster.remote.rb.proxy_address": "r.lab:9443"}})
    for node in cluster.nodes:
        write_keystore(node, {"keystore.seed": "s", "cluster.remote.rb.credentials": "ZW5jb2RlZA=="})
    response = lab.call("sm", "POST", "/_nodes/reload_secure_settings")
    assert response.status == 200
    assert response.body["_nodes"] == {"total": 2, "successful": 2, "failed": 0}
    assert response.body["cluster_name"] == "sm-cluster"
    assert sorted(n["name"] for n in response.body["nodes"].values()) == ["sm-node-1", "sm-node-2"]
    assert all("reload_exception" not in n for n in response.body["nodes"].values())
    assert cluster.keystore_loaded["cluster.remote.rb.credentials"] == "ZW5jb2RlZA=="
    assert cluster.keystore_inconsistent == []
    assert cluster.remotes["rb"].dirty_since is not None
    lab.world.clock.advance(0.1)
    lab.world.tick()
    assert ("attempt", "sm", "rb", False) in connector.calls
    write_keystore(cluster.nodes[1], {"cluster.remote.rb.credentials": "b3RoZXI="})
    lab.call("sm", "POST", "/_nodes/reload_secure_settings")
    assert cluster.keystore_inconsistent == ["sm-node-2"]
    assert cluster.keystore_loaded["cluster.remote.rb.credentials"] == "ZW5jb2RlZA=="
    state = lab.control("sm", "GET", "_settings")
    assert state["node_keystores"]["sm-node-1"]["cluster.remote.rb.credentials"] != \
        state["node_keystores"]["sm-node-2"]["cluster.remote.rb.credentials"]


def test_reload_one_node_and_missing_keystore(lab):
    cluster = lab.cluster("sm")
    import os  # pylint: disable=import-outside-toplevel
    os.remove(cluster.nodes[0].keystore_path)
    write_keystore(cluster.nodes[1], {"cluster.remote.x.credentials": "eA=="})
    response = lab.call("sm", "POST", "/_nodes/sm-node-2/reload_secure_settings")
    assert response.body["_nodes"]["total"] == 1
    assert cluster.keystore_inconsistent == ["sm-node-2"]
    assert "cluster.remote.x.credentials" not in cluster.keystore_loaded
    everything = lab.call("sm", "POST", "/_nodes/reload_secure_settings")
    assert everything.status == 200 and cluster.keystore_inconsistent == ["sm-node-2"]


def test_reload_with_password_reports_exception(lab):
    response = lab.call("sm", "POST", "/_nodes/reload_secure_settings", body={"secure_settings_password": "secret"})
    assert response.status == 200
    for node in response.body["nodes"].values():
        assert node["reload_exception"] == {"type": "security_exception", "reason": "Provided keystore password was incorrect"}


def test_reload_privilege_quirk_8_13_to_8_15_1(tmp_path):
    lab = LabWorld(tmp_path, topology={"self_managed": [{"name": "sm", "host": 14, "version": "8.14.3", "domain": "sm.lab",
                                                         "cluster_name": "sm-cluster", "nodes": ["sm-node-1", "sm-node-2"],
                                                         "remote_cluster_server": False, "other_name_in_certs": True}]})
    cluster = lab.cluster("sm")
    for node in cluster.nodes:
        write_keystore(node, {"cluster.remote.rb.credentials": "Y3JlZA=="})
    who = role_user(lab, "sm", "ops", {"cluster": ["manage"]})
    response = lab.call("sm", "POST", "/_nodes/reload_secure_settings", **who)
    assert response.status == 200
    expected = ("action [cluster:admin/xpack/security/remote_cluster_credentials/reload] is unauthorized for user [ops] with "
                "effective roles [ops-role], this action is granted by the cluster privileges [manage_security,all]")
    for node in response.body["nodes"].values():
        assert node["reload_exception"] == {"type": "security_exception", "reason": expected}
    assert "cluster.remote.rb.credentials" not in cluster.keystore_loaded
    both = role_user(lab, "sm", "both", {"cluster": ["manage", "manage_security"]})
    ok = lab.call("sm", "POST", "/_nodes/reload_secure_settings", **both)
    assert all("reload_exception" not in n for n in ok.body["nodes"].values())
    assert cluster.keystore_loaded["cluster.remote.rb.credentials"] == "Y3JlZA=="
    monitor = role_user(lab, "sm", "mon", {"cluster": ["monitor"]})
    assert lab.call("sm", "POST", "/_nodes/reload_secure_settings", **monitor).status == 403


def test_reload_ece_eck_and_old_versions(lab):
    who = role_user(lab, "ece-a/metrics-a", "ops", {"cluster": ["manage"]})
    metrics = lab.cluster("ece-a/metrics-a")
    metrics.resource.keystore = {"cluster.remote.x.credentials": {"value": "Y3JlZA==", "as_file": False}}
    response = lab.call("ece-a/metrics-a", "POST", "/_nodes/reload_secure_settings", **who)
    assert all("reload_exception" not in n for n in response.body["nodes"].values())
    assert metrics.keystore_loaded["cluster.remote.x.credentials"] == "Y3JlZA=="
    old = lab.cluster("ece-a/old-a")
    old.resource.keystore = {"cluster.remote.x.credentials": {"value": "Y3JlZA==", "as_file": False}}
    response = lab.call("ece-a/old-a", "POST", "/_nodes/reload_secure_settings")
    assert response.status == 200 and all("reload_exception" not in n for n in response.body["nodes"].values())
    assert "cluster.remote.x.credentials" not in old.keystore_loaded
    eck = lab.cluster("eck/quickstart")
    eck.secrets["remote-creds"] = {"cluster.remote.x.credentials": "ZWNr"}
    eck.manifest["spec"]["secureSettings"] = [{"secretName": "remote-creds"}]
    response = lab.call("eck/quickstart", "POST", "/_nodes/reload_secure_settings")
    assert [n["name"] for n in response.body["nodes"].values()] == ["quickstart-es-default-0"]
    assert eck.keystore_loaded["cluster.remote.x.credentials"] == "ZWNr"


# ---------------------------------------------------------------------------------------------- CCR
def follow(lab, follower, leader="leader-lab", alias="rb", key=LOCAL, **kwargs):
    """PUT /<follower>/_ccr/follow."""
    return lab.call(key, "PUT", "/%s/_ccr/follow" % follower, body={"remote_cluster": alias, "leader_index": leader}, **kwargs)


def test_ccr_follow_pause_resume_unfollow(lab):
    setup_remote(lab)
    created = follow(lab, "follower")
    assert created.status == 200, created.body
    assert created.body == {"follow_index_created": True, "follow_index_shards_acked": False, "index_following_started": False}
    waited = lab.call(LOCAL, "PUT", "/follower2/_ccr/follow", query={"wait_for_active_shards": "1"},
                      body={"remote_cluster": "rb", "leader_index": "leader-lab", "max_read_request_operation_count": 100})
    assert waited.body == {"follow_index_created": True, "follow_index_shards_acked": True, "index_following_started": True}
    assert len(lab.cluster(LOCAL).indices["follower"].docs) == 3
    info = lab.call(LOCAL, "GET", "/follower2/_ccr/info").body["follower_indices"][0]
    assert info["status"] == "active" and info["remote_cluster"] == "rb" and info["leader_index"] == "leader-lab"
    assert info["parameters"]["max_read_request_operation_count"] == 100
    assert info["parameters"]["max_outstanding_read_requests"] == 12 and info["parameters"]["read_poll_timeout"] == "1m"
    lab.control(REMOTE, "POST", "_data", {"index": "leader-lab", "docs": [{"message": "four"}], "append": True})
    stats = lab.call(LOCAL, "GET", "/_ccr/stats").body
    shard = [i for i in stats["follow_stats"]["indices"] if i["index"] == "follower"][0]["shards"][0]
    assert shard["leader_global_checkpoint"] == 3 and shard["follower_global_checkpoint"] == 3
    assert shard["remote_cluster"] == "rb" and shard["leader_index"] == "leader-lab"
    assert len(lab.cluster(LOCAL).indices["follower"].docs) == 4
    assert lab.call(LOCAL, "POST", "/follower/_ccr/pause_follow").body == {"acknowledged": True}
    again = lab.call(LOCAL, "POST", "/follower/_ccr/pause_follow")
    assert again.status == 400 and reason(again) == "no shard follow tasks for [follower]"
    lab.control(REMOTE, "POST", "_data", {"index": "leader-lab", "docs": [{"message": "five"}], "append": True})
    stats = lab.call(LOCAL, "GET", "/_ccr/stats").body
    assert "follower" not in [i["index"] for i in stats["follow_stats"]["indices"]]
    assert len(lab.cluster(LOCAL).indices["follower"].docs) == 4
    paused = lab.call(LOCAL, "GET", "/follower/_ccr/info").body["follower_indices"][0]
    assert paused["status"] == "paused" and "parameters" not in paused
    assert lab.call(LOCAL, "POST", "/follower/_ccr/resume_follow").body == {"acknowledged": True}
    assert len(lab.cluster(LOCAL).indices["follower"].docs) == 5
    active = lab.call(LOCAL, "POST", "/follower/_ccr/resume_follow")
    assert active.status == 400 and etype(active) == "resource_already_exists_exception"
    open_active = lab.call(LOCAL, "POST", "/follower/_ccr/unfollow")
    assert reason(open_active) == ("cannot convert the follower index [follower] to a non-follower, because it has not been closed")
    lab.call(LOCAL, "POST", "/follower/_ccr/pause_follow")
    assert lab.call(LOCAL, "POST", "/follower/_ccr/unfollow").body == {"acknowledged": True}
    assert lab.call(LOCAL, "GET", "/follower/_ccr/info").body == {"follower_indices": []}
    gone = lab.call(LOCAL, "POST", "/follower/_ccr/resume_follow")
    assert reason(gone) == "follow index [follower] does not have ccr metadata"
    not_follower = lab.call(LOCAL, "POST", "/logs-lab/_ccr/pause_follow")
    assert reason(not_follower) == "index [logs-lab] is not a follower index"
    missing = lab.call(LOCAL, "POST", "/nope/_ccr/pause_follow")
    assert missing.status == 404 and etype(missing) == "index_not_found_exception"


def test_ccr_follow_errors(lab):
    setup_remote(lab)
    no_alias = follow(lab, "f", alias="nope")
    assert no_alias.status == 404 and etype(no_alias) == "no_such_remote_cluster_exception"
    assert reason(no_alias) == "no such remote cluster: [nope]"
    not_in_key = follow(lab, "f", leader="logs-lab")
    assert not_in_key.status == 403 and etype(not_in_key) == "security_exception"
    assert reason(not_in_key) == ("insufficient privileges to follow index [logs-lab], privilege for action "
                                  "[indices:data/read/xpack/ccr/shard_changes] is missing, privilege for action "
                                  "[indices:monitor/stats] is missing")
    missing = follow(lab, "f", leader="leader-missing")
    assert missing.status == 404 and reason(missing) == "no such index [leader-missing]"
    exists = follow(lab, "logs-lab")
    assert exists.status == 500 and etype(exists) == "snapshot_restore_exception"
    assert "cannot restore index [logs-lab] because an open index with same name already exists" in reason(exists)
    lab.control(REMOTE, "POST", "_data", {"index": "leader-hard", "docs": [], "soft_deletes": False})
    hard = follow(lab, "f", leader="leader-hard")
    assert hard.status == 400 and reason(hard) == "leader index [leader-hard] does not have soft deletes enabled"
    invalid = lab.call(LOCAL, "PUT", "/f/_ccr/follow", body={"max_read_request_operation_count": 0})
    assert reason(invalid) == ("Validation Failed: 1: [remote_cluster] is missing;2: [leader_index] is missing;"
                               "3: [max_read_request_operation_count] must be larger than 0;")
    who = role_user(lab, LOCAL, "mon", {"cluster": ["monitor"]})
    denied = follow(lab, "f", **who)
    assert denied.status == 403 and reason(denied).endswith("granted by the cluster privileges [manage_ccr,manage,all]")
    lab.control(REMOTE, "POST", "_license", {"type": "basic"})
    remote_basic = follow(lab, "f")
    assert remote_basic.status == 400 and etype(remote_basic) == "status_exception"
    assert reason(remote_basic) == ("can not fetch remote index [rb:leader-lab] metadata as the remote cluster [rb] is not licensed "
                                    "for [ccr]; the license mode [basic] on cluster [rb] does not enable [ccr]")
    lab.control(LOCAL, "POST", "_license", {"type": "basic"})
    local_basic = follow(lab, "f")
    assert local_basic.status == 403 and reason(local_basic) == "current license is non-compliant for [ccr]"
    lab.connector.break_link(LOCAL, "rb")
    lab.control(LOCAL, "POST", "_license", {"type": "enterprise"})
    down = follow(lab, "f")
    assert down.status == 400
    assert reason(down) == ("can not fetch remote index [rb:leader-lab] metadata as the license state of the remote cluster [rb] "
                            "could not be determined")
    assert "f" not in lab.cluster(LOCAL).indices


def test_ccr_follower_must_not_be_older_than_leader(lab):
    setup_remote(lab, local="ece-a/logs-a")
    response = follow(lab, "f", key="ece-a/logs-a")
    assert response.status == 500 and etype(response) == "snapshot_exception"
    assert reason(response) == ("[_ccr_rb:_latest_/_latest_] the snapshot was created with version [9.1.3] which is higher than "
                                "the version of this node [8.19.4]")


def test_ccr_certificate_model_needs_read_and_monitor_on_the_leader(lab):
    setup_remote(lab, model="certificate")
    who = role_user(lab, LOCAL, "repl", {"cluster": ["manage_ccr"]})
    assert follow(lab, "f", **who).status == 403
    lab.call(REMOTE, "PUT", "/_security/role/repl-role", body={"cluster": ["read_ccr"],
                                                               "indices": [{"names": ["leader-*"], "privileges": ["read", "monitor"]}]})
    assert follow(lab, "f", **who).status == 200


def test_ccr_stats_records_read_failures(lab):
    setup_remote(lab)
    follow(lab, "follower")
    lab.connector.break_link(LOCAL, "rb")
    shard = lab.call(LOCAL, "GET", "/_ccr/stats").body["follow_stats"]["indices"][0]["shards"][0]
    assert shard["failed_read_requests"] == 1
    assert shard["read_exceptions"][0]["exception"]["reason"] == "Unable to open any proxy connections to cluster [rb]"


def test_auto_follow_patterns(lab):
    setup_remote(lab)
    body = {"remote_cluster": "rb", "leader_index_patterns": ["leader-*"], "leader_index_exclusion_patterns": ["leader-skip"],
            "follow_index_pattern": "{{leader_index}}-copy", "max_read_request_operation_count": 64}
    assert lab.call(LOCAL, "PUT", "/_ccr/auto_follow/p1", body=body).body == {"acknowledged": True}
    got = lab.call(LOCAL, "GET", "/_ccr/auto_follow/p1").body
    assert got == {"patterns": [{"name": "p1", "pattern": {"active": True, "remote_cluster": "rb",
                                                           "leader_index_patterns": ["leader-*"],
                                                           "leader_index_exclusion_patterns": ["leader-skip"],
                                                           "follow_index_pattern": "{{leader_index}}-copy",
                                                           "max_read_request_operation_count": 64}}]}
    assert lab.call(LOCAL, "GET", "/_ccr/auto_follow").body["patterns"][0]["name"] == "p1"
    lab.world.clock.advance(1)
    lab.control(REMOTE, "POST", "_data", {"index": "leader-new", "docs": [{"a": 1}]})
    lab.control(REMOTE, "POST", "_data", {"index": "leader-skip", "docs": [{"a": 1}]})
    stats = lab.call(LOCAL, "GET", "/_ccr/stats").body
    assert stats["auto_follow_stats"]["number_of_successful_follow_indices"] == 1
    indices = lab.cluster(LOCAL).indices
    assert "leader-new-copy" in indices and indices["leader-new-copy"].follower["leader_index"] == "leader-new"
    assert "leader-lab-copy" not in indices and "leader-skip-copy" not in indices
    missing = lab.call(LOCAL, "GET", "/_ccr/auto_follow/nope")
    assert missing.status == 404 and etype(missing) == "resource_not_found_exception"
    assert reason(missing) == "auto-follow pattern [nope] is missing"
    assert lab.call(LOCAL, "DELETE", "/_ccr/auto_follow/p1").body == {"acknowledged": True}
    assert reason(lab.call(LOCAL, "DELETE", "/_ccr/auto_follow/p1")) == "auto-follow pattern [p1] is missing"
    assert lab.call(LOCAL, "GET", "/_ccr/auto_follow").body == {"patterns": []}
    invalid = lab.call(LOCAL, "PUT", "/_ccr/auto_follow/Bad_Name", body={"remote_cluster": "rb"})
    assert reason(invalid) == "Validation Failed: 1: [name] must be lower cased;2: [leader_index_patterns] is missing;"
    no_alias = lab.call(LOCAL, "PUT", "/_ccr/auto_follow/p2", body={"remote_cluster": "zz", "leader_index_patterns": ["*"]})
    assert reason(no_alias) == "no such remote cluster: [zz]"
