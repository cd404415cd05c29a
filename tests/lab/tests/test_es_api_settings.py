"""es_api: GET/PUT _cluster/settings (every validation message), defaults, connection scheduling, self-managed restarts."""

import json

import pytest
import yaml

from test_es_api_helpers import LabWorld, etype, reason


@pytest.fixture(name="lab")
def lab_fixture(tmp_path):
    """A fresh world."""
    return LabWorld(tmp_path)


def put(lab, persistent=None, transient=None, key="sm", **kwargs):
    """PUT _cluster/settings."""
    body = {}
    if persistent is not None:
        body["persistent"] = persistent
    if transient is not None:
        body["transient"] = transient
    return lab.call(key, "PUT", "/_cluster/settings", body=body, **kwargs)


def get_flat(lab, key="sm", **query):
    """GET _cluster/settings?flat_settings=true."""
    query["flat_settings"] = "true"
    return lab.call(key, "GET", "/_cluster/settings", query=query).body


def bad(response, message):
    """Assert a 400 illegal_argument_exception with this exact reason."""
    assert response.status == 400, response.body
    assert etype(response) == "illegal_argument_exception"
    assert reason(response) == message


# ---------------------------------------------------------------------------------------------- values and shapes
def test_values_come_back_as_strings_nested_and_flat(lab):
    response = put(lab, {"cluster": {"remote": {"A": {"mode": "proxy", "proxy_address": "h.example:9443", "skip_unavailable": True,
                                                      "proxy_socket_connections": 5}}}})
    assert response.status == 200
    assert response.body == {"acknowledged": True, "transient": {}, "persistent": {"cluster": {"remote": {"A": {
        "mode": "proxy", "proxy_address": "h.example:9443", "proxy_socket_connections": "5", "skip_unavailable": "true"}}}}}
    flat = get_flat(lab)
    assert flat["persistent"] == {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h.example:9443",
                                  "cluster.remote.A.proxy_socket_connections": "5", "cluster.remote.A.skip_unavailable": "true"}
    nested = lab.call("sm", "GET", "/_cluster/settings").body
    assert nested["persistent"]["cluster"]["remote"]["A"]["skip_unavailable"] == "true"
    assert "defaults" not in nested


def test_seeds_are_lists_of_strings(lab):
    assert put(lab, {"cluster.remote.B.seeds": ["h1:9300", "h2:9300"], "cluster.remote.B.node_connections": 2}).status == 200
    assert get_flat(lab)["persistent"]["cluster.remote.B.seeds"] == ["h1:9300", "h2:9300"]
    assert get_flat(lab)["persistent"]["cluster.remote.B.node_connections"] == "2"


def test_null_delete_and_wildcard_delete_are_not_echoed(lab):
    put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443", "cluster.remote.A.server_name": "h",
              "cluster.remote.B.seeds": ["x:9300"]})
    deleted = put(lab, {"cluster.remote.A.server_name": None})
    assert deleted.status == 200 and deleted.body["persistent"] == {}
    assert "cluster.remote.A.server_name" not in get_flat(lab)["persistent"]
    wildcard = put(lab, {"cluster.remote.A.*": None})
    assert wildcard.status == 200
    assert get_flat(lab)["persistent"] == {"cluster.remote.B.seeds": ["x:9300"]}


def test_remove_remote_with_every_key_null(lab):
    put(lab, {"cluster": {"remote": {"A": {"mode": "sniff", "seeds": ["h:9300"], "skip_unavailable": True}}}})
    response = put(lab, {"cluster": {"remote": {"A": {"mode": None, "seeds": None, "skip_unavailable": None}}}})
    assert response.status == 200
    assert get_flat(lab)["persistent"] == {}


def test_mode_switch_in_one_request_while_a_mixed_request_fails(lab):
    put(lab, {"cluster.remote.A.mode": "sniff", "cluster.remote.A.seeds": ["h:9300"]})
    mixed = put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443"})
    bad(mixed, 'Setting "cluster.remote.A.seeds" cannot be used with the configured "cluster.remote.A.mode" '
               '[required=SNIFF, configured=PROXY]')
    assert get_flat(lab)["persistent"]["cluster.remote.A.mode"] == "sniff"
    switch = put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443", "cluster.remote.A.seeds": None})
    assert switch.status == 200
    assert get_flat(lab)["persistent"] == {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443"}


# ---------------------------------------------------------------------------------------------- validation messages
def test_unknown_keys_and_bad_aliases(lab):
    bad(put(lab, {"cluster.remote.A.foo": "x"}), "persistent setting [cluster.remote.A.foo], not recognized")
    bad(put(lab, {"cluster.remote.a.b.seeds": ["h:9300"]}), "persistent setting [cluster.remote.a.b.seeds], not recognized")
    bad(put(lab, {"cluster.remote.a:b.seeds": ["h:9300"]}), "persistent setting [cluster.remote.a:b.seeds], not recognized")
    bad(put(lab, {"cluster.remote.a*.seeds": ["h:9300"]}), "persistent setting [cluster.remote.a*.seeds], not recognized")
    bad(put(lab, transient={"no.such.setting": 1}), "transient setting [no.such.setting], not recognized")
    bad(put(lab, {"cluster.remote.A.foo": None}), "persistent setting [cluster.remote.A.foo], not recognized")


def test_static_settings_are_not_dynamically_updateable(lab):
    bad(put(lab, {"remote_cluster_server.enabled": True}),
        "persistent setting [remote_cluster_server.enabled], not dynamically updateable")
    bad(put(lab, {"cluster.remote.A.credentials": "abc"}),
        "persistent setting [cluster.remote.A.credentials], not dynamically updateable")
    bad(put(lab, {"xpack.security.remote_cluster_client.ssl.certificate_authorities": ["ca.crt"]}),
        "persistent setting [xpack.security.remote_cluster_client.ssl.certificate_authorities], not dynamically updateable")


def test_wrong_mode_settings(lab):
    bad(put(lab, {"cluster.remote.A.proxy_address": "h:9443"}),
        'Setting "cluster.remote.A.proxy_address" cannot be used with the configured "cluster.remote.A.mode" '
        '[required=PROXY, configured=SNIFF]')
    bad(put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443", "cluster.remote.A.node_connections": 3}),
        'Setting "cluster.remote.A.node_connections" cannot be used with the configured "cluster.remote.A.mode" '
        '[required=SNIFF, configured=PROXY]')
    bad(put(lab, {"cluster.remote.A.seeds": ["h:9300"], "cluster.remote.A.server_name": "h"}),
        'Setting "cluster.remote.A.server_name" cannot be used with the configured "cluster.remote.A.mode" '
        '[required=PROXY, configured=SNIFF]')
    bad(put(lab, {"cluster.remote.A.mode": "bogus"}),
        "No enum constant org.elasticsearch.transport.RemoteConnectionStrategy.ConnectionStrategy.BOGUS")


def test_not_enabled(lab):
    bad(put(lab, {"cluster.remote.A.skip_unavailable": True}),
        "Cannot configure setting [cluster.remote.A.skip_unavailable] if remote cluster is not enabled.")
    bad(put(lab, {"cluster.remote.A.transport.compress": True}),
        "Cannot configure setting [cluster.remote.A.transport.compress] if remote cluster is not enabled.")
    bad(put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.transport.ping_schedule": "30s"}),
        "Cannot configure setting [cluster.remote.A.transport.ping_schedule] if remote cluster is not enabled.")


def test_addresses_and_ports(lab):
    bad(put(lab, {"cluster.remote.A.seeds": ["foo"]}), "remote hosts need to be configured as [host:port], found [foo] instead")
    bad(put(lab, {"cluster.remote.A.seeds": ["foo:bar"]}), "failed to parse port")
    bad(put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "foo:0"}),
        "port number must be > 0 but was: [0]")
    bad(put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "foo"}),
        "remote hosts need to be configured as [host:port], found [foo] instead")


def test_value_parse_errors(lab):
    base = {"cluster.remote.A.seeds": ["h:9300"]}
    bad(put(lab, dict(base, **{"cluster.remote.A.skip_unavailable": "yes"})),
        "Failed to parse value [yes] as only [true] or [false] are allowed.")
    bad(put(lab, dict(base, **{"cluster.remote.A.node_connections": 0})),
        "Failed to parse value [0] for setting [cluster.remote.A.node_connections] must be >= 1")
    bad(put(lab, dict(base, **{"cluster.remote.A.node_connections": "many"})),
        "Failed to parse value [many] for setting [cluster.remote.A.node_connections]")
    bad(put(lab, dict(base, **{"cluster.remote.A.transport.ping_schedule": "soon"})),
        "failed to parse setting [cluster.remote.A.transport.ping_schedule] with value [soon] as a time value: unit is missing or "
        "unrecognized")
    bad(put(lab, dict(base, **{"cluster.remote.A.transport.compress": "maybe"})),
        "No enum constant org.elasticsearch.transport.Compression.Enabled.MAYBE")
    assert put(lab, dict(base, **{"cluster.remote.A.transport.compress": "indexing_data",
                                  "cluster.remote.A.transport.compression_scheme": "lz4"})).status == 200


def test_request_shape_errors(lab):
    empty = put(lab, {})
    assert empty.status == 400 and etype(empty) == "action_request_validation_exception"
    assert reason(empty) == "Validation Failed: 1: no settings to update;"
    unknown = lab.call("sm", "PUT", "/_cluster/settings", raw='{"persistent": {},\n  "presistent": {}}')
    assert reason(unknown) == "[2:3] [cluster_update_settings_request] unknown field [presistent]"


def test_all_or_nothing(lab):
    response = put(lab, {"cluster.remote.A.seeds": ["h:9300"], "cluster.remote.B.foo": 1})
    assert response.status == 400
    assert get_flat(lab)["persistent"] == {}


def test_scopes_are_validated_on_their_own(lab):
    put(lab, {"cluster.remote.A.seeds": ["h:9300"]})
    response = put(lab, transient={"cluster.remote.A.skip_unavailable": True})
    bad(response, "Cannot configure setting [cluster.remote.A.skip_unavailable] if remote cluster is not enabled.")


def test_transient_works_with_deprecation_warning(lab):
    response = put(lab, transient={"cluster.remote.T.seeds": ["h:9300"]})
    assert response.status == 200
    assert response.body["transient"] == {"cluster": {"remote": {"T": {"seeds": ["h:9300"]}}}}
    assert "[transientSettings removal] Updating cluster settings through transientSettings is deprecated." in response.headers["Warning"]
    assert response.headers["Warning"].startswith("299 Elasticsearch-9.1.3-")
    assert get_flat(lab)["transient"] == {"cluster.remote.T.seeds": ["h:9300"]}
    assert "Warning" not in put(lab, {"cluster.remote.P.seeds": ["h:9300"]}).headers


def test_other_dynamic_settings_accepted(lab):
    assert put(lab, {"cluster.routing.allocation.enable": "all", "xpack.security.remote_cluster.filter.allow": ["10.0.0.0/8"]}).status == 200
    assert get_flat(lab)["persistent"]["xpack.security.remote_cluster.filter.allow"] == ["10.0.0.0/8"]


# ---------------------------------------------------------------------------------------------- defaults and yml
def test_include_defaults_shows_yml_remotes_and_version_defaults(lab):
    cluster = lab.cluster("sm")
    for node in cluster.nodes:
        with open(node.yml_path) as handle:
            yml = yaml.safe_load(handle)
        yml["cluster"] = {"remote": {"ymlr": {"seeds": ["other.lab:9300"]}}}
        with open(node.yml_path, "w") as handle:
            yaml.safe_dump(yml, handle)
    assert lab.control("sm", "POST", "_restart")["ok"] is True
    body = get_flat(lab, include_defaults="true")
    assert body["persistent"] == {}
    assert body["defaults"]["cluster.remote.ymlr.seeds"] == ["other.lab:9300"]
    assert body["defaults"]["cluster.remote.ymlr.mode"] == "SNIFF"
    assert body["defaults"]["cluster.remote.ymlr.skip_unavailable"] == "true"
    assert body["defaults"]["remote_cluster_server.enabled"] == "false"
    nested = lab.call("sm", "GET", "/_cluster/settings", query={"include_defaults": "true"}).body
    assert nested["defaults"]["cluster"]["remote"]["ymlr"]["seeds"] == ["other.lab:9300"]
    put(lab, {"cluster.remote.ymlr.skip_unavailable": False, "cluster.remote.ymlr.seeds": ["other.lab:9300"]})
    body = get_flat(lab, include_defaults="true")
    assert "cluster.remote.ymlr.skip_unavailable" not in body["defaults"]
    legacy = lab.call("ece-a/legacy-a", "PUT", "/_cluster/settings", body={"persistent": {"cluster.remote.x.seeds": ["h:9300"]}})
    assert legacy.status == 200
    legacy_defaults = get_flat(lab, key="ece-a/legacy-a", include_defaults="true")["defaults"]
    assert legacy_defaults["cluster.remote.x.skip_unavailable"] == "false"
    assert "cluster.remote.ymlr.seeds" not in body["defaults"]


# ---------------------------------------------------------------------------------------------- side effects
def test_change_marks_remotes_dirty_and_schedules_attempt(lab):
    connector = lab.fake_connector()
    world = lab.world
    response = put(lab, {"cluster.remote.A.mode": "proxy", "cluster.remote.A.proxy_address": "h:9443"})
    assert response.status == 200
    cluster = lab.cluster("sm")
    assert cluster.settings_changed_at is not None
    assert cluster.remotes["A"].dirty_since == cluster.settings_changed_at
    assert world.pending_effects() == 1
    world.tick()
    assert not [c for c in connector.calls if c[0] == "attempt"]
    world.clock.advance(0.1)
    world.tick()
    assert ("attempt", "sm", "A", False) in connector.calls
    put(lab, {"cluster.remote.A.*": None})
    assert "A" not in cluster.remotes


def test_restart_rereads_elasticsearch_yml(lab):
    connector = lab.fake_connector()
    cluster = lab.cluster("sm")
    assert cluster.remote_cluster_server_enabled is False
    for node in cluster.nodes:
        with open(node.yml_path, "a") as handle:
            handle.write("remote_cluster_server.enabled: true\nremote_cluster.host: %s\n" % cluster.ip)
    assert cluster.remote_cluster_server_enabled is False
    result = lab.control("sm", "POST", "_restart")
    assert result["ok"] is True and result["restarts"] == 1
    assert cluster.remote_cluster_server_enabled is True
    assert cluster.yml_loaded["remote_cluster.host"] == cluster.ip
    assert ("refresh_listeners", "sm") in connector.calls


def test_restart_node_and_keystore_inconsistency(lab):
    cluster = lab.cluster("sm")
    node2 = cluster.nodes[1]
    with open(node2.keystore_path, "w") as handle:
        json.dump({"format": "eceops-lab-keystore/1", "entries": {"cluster.remote.A.credentials": {"value": "Zm9vOmJhcg=="}}}, handle)
    result = lab.control("sm", "POST", "_restart_node", {"node": node2.name})
    assert result["ok"] is True
    assert cluster.keystore_inconsistent == [node2.name]
    assert "cluster.remote.A.credentials" not in cluster.keystore_loaded
    missing = lab.control("sm", "POST", "_restart_node", {"node": "nope"})
    assert missing.status == 404
    with open(node2.yml_path, "w") as handle:
        handle.write("a: [unclosed\n")
    broken = lab.control("sm", "POST", "_restart_node", {"node": node2.name})
    assert broken.status == 404 and "failed to start" in broken.body["error"]
