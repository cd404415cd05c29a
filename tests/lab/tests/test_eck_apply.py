# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECK operator in miniature: ``eck.apply_objects`` and friends on a built world (instance 6)."""

import base64
import copy

import pytest

from eceops_lab import build, config, eck, trust

ES = "elasticsearch.elasticsearch.k8s.elastic.co/quickstart"


class FakeConnector(object):
    """Records refresh_listeners calls."""

    def __init__(self):
        self.refreshed = []

    def refresh_listeners(self, cluster):
        self.refreshed.append(cluster.key)


@pytest.fixture
def world(tmp_path):
    cfg = config.load_config(instance=6, state_dir=str(tmp_path),
                             switches={"plan_delay": 0.1, "keystore_reload_delay": 0.1, "connect_delay": 0.05})
    built = build.build_world(cfg)
    built.connector = FakeConnector()
    return built


@pytest.fixture
def cluster(world):
    return world.clusters["eck/quickstart"]


def es(cluster, **spec):
    manifest = copy.deepcopy(cluster.manifest)
    manifest["spec"].update(spec)
    return manifest


def secret(name, **string_data):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": dict(string_data)}


def configmap(name, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


def later(world, seconds=0.2):
    world.clock.advance(seconds)
    world.tick()


def test_built_eck_cluster_runs_ecks_configuration(cluster):
    assert cluster.restarts == 0
    assert cluster.remote_cluster_server_enabled is False
    assert cluster.yml_loaded["node.name"] == "quickstart-es-default-0"
    assert cluster.yml_loaded["xpack.security.transport.ssl.certificate_authorities"] == [
        "/usr/share/elasticsearch/config/transport-certs/ca.crt", "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt"]
    assert eck.pod_files(None, cluster, cluster.manifest)["/usr/share/elasticsearch/config/transport-certs/ca.crt"] == \
        cluster.transport_ca.cert_pem
    assert cluster.secrets["quickstart-es-transport-certs-public"]["ca.crt"] == cluster.transport_ca.cert_pem
    # no file ECK lists is empty: without linked remotes, transport-remote-certs/ca.crt holds ECK's own transport CA
    assert cluster.secrets["quickstart-es-remote-ca"]["ca.crt"] == cluster.transport_ca.cert_pem
    assert trust.read_config_file(cluster, "transport-remote-certs/ca.crt") == cluster.transport_ca.cert_pem


def test_topology_switch_enables_the_remote_cluster_server(tmp_path):
    cfg = config.load_config(instance=6, state_dir=str(tmp_path), topology={"eck": [
        {"name": "quickstart", "namespace": "default", "host": 15, "version": "9.1.3", "domain": "eck.lab", "remote_cluster_server": True}]})
    built = build.build_world(cfg)
    assert built.clusters["eck/quickstart"].remote_cluster_server_enabled is True


def test_secret_created_unchanged_configured(world, cluster):
    assert eck.apply_objects(world, cluster, [secret("remote-api-keys", **{"cluster.remote.ece.credentials": "abc"})]) == [
        "secret/remote-api-keys created"]
    assert cluster.secrets["remote-api-keys"] == {"cluster.remote.ece.credentials": "abc"}
    assert eck.apply_objects(world, cluster, [secret("remote-api-keys", **{"cluster.remote.ece.credentials": "abc"})]) == [
        "secret/remote-api-keys unchanged"]
    data_form = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "remote-api-keys"},
                 "data": {"cluster.remote.ece.credentials": base64.b64encode(b"def").decode()}}
    assert eck.apply_objects(world, cluster, [data_form]) == ["secret/remote-api-keys configured"]
    assert cluster.secrets["remote-api-keys"] == {"cluster.remote.ece.credentials": "def"}


def test_secret_errors(world, cluster):
    bad = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": "not base64!"}}
    assert eck.apply_objects(world, cluster, [bad]) == [
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3']
    bad = secret("x", **{"bad key": "v"})
    out = eck.apply_objects(world, cluster, [bad])
    assert out[0].startswith('The Secret "x" is invalid: stringData[bad key]: Invalid value: "bad key": a valid config key')
    bad = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "stringdata": {"a": "b"}}
    assert eck.apply_objects(world, cluster, [bad]) == [
        'Secret in version "v1" cannot be handled as a Secret: strict decoding error: unknown field "stringdata"']
    assert "x" not in cluster.secrets
    out = eck.apply_objects(world, cluster, [secret("quickstart-es-transport-certs-public", **{"ca.crt": "x"})])
    assert out[0].startswith("Error from server (Forbidden): error when applying patch to \"STDIN\": the lab's ECK manages secret")
    assert cluster.secrets["quickstart-es-transport-certs-public"]["ca.crt"] == cluster.transport_ca.cert_pem
    out = eck.apply_objects(world, cluster, [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "y", "namespace": "prod"}}])
    assert out == ['Error from server (NotFound): error when applying patch to "STDIN": namespaces "prod" not found']


def test_other_objects_still_applied_after_a_failure(world, cluster):
    out = eck.apply_objects(world, cluster, [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}, configmap("c", a="b")],
                            source="f.yaml")
    assert out[0].startswith('error: resource mapping not found for name: "p" namespace: "" from "f.yaml": no matches for kind "Pod"')
    assert out[1] == "configmap/c created"


def test_enabling_remote_cluster_server_is_a_rolling_restart(world, cluster):
    state = cluster.remote_state("old")
    state.connected = True
    out = eck.apply_objects(world, cluster, [es(cluster, remoteClusterServer={"enabled": True})])
    assert out == [ES + " configured"]
    assert cluster.restarts == 1
    assert cluster.remote_cluster_server_enabled is True
    assert cluster.yml_loaded["remote_cluster_server.enabled"] == "true"
    assert cluster.yml_loaded["remote_cluster.publish_host"] == "quickstart-es-default-0.quickstart-es-default.default.svc"
    assert cluster.yml_loaded["xpack.security.remote_cluster_server.ssl.certificate"] == \
        "/usr/share/elasticsearch/config/transport-certs/quickstart-es-default-0.tls.crt"
    assert world.connector.refreshed == ["eck/quickstart"]
    assert cluster.remotes["old"].connected is False and cluster.remotes["old"].dirty_since is not None
    assert eck.apply_objects(world, cluster, [es(cluster)]) == [ES + " unchanged"]
    assert cluster.restarts == 1


def test_misspelled_field_is_refused_strictly_and_pruned_otherwise(world, cluster):
    manifest = es(cluster, remoteClusterServer={"enable": True})
    out = eck.apply_objects(world, cluster, [manifest], source="es.yaml")
    assert out == ['Error from server (BadRequest): error when applying patch to "es.yaml": Elasticsearch in version "v1" cannot be '
                   'handled as a Elasticsearch: strict decoding error: unknown field "spec.remoteClusterServer.enable"']
    assert "remoteClusterServer" not in cluster.manifest["spec"]
    out = eck.apply_objects(world, cluster, [manifest], field_validation="Warn")
    assert out == ['Warning: unknown field "spec.remoteClusterServer.enable"', ES + " configured"]
    assert cluster.manifest["spec"]["remoteClusterServer"] == {}
    assert cluster.remote_cluster_server_enabled is False


def test_invalid_manifest_is_refused_with_the_api_server_message(world, cluster):
    before = copy.deepcopy(cluster.manifest)
    out = eck.apply_objects(world, cluster, [es(cluster, remoteClusters=[{"name": "ece", "apiKey": {}}])])
    assert out == ['The Elasticsearch "quickstart" is invalid: spec.remoteClusters[0].apiKey.access: Required value']
    assert cluster.manifest == before and cluster.restarts == 0
    manifest = es(cluster)
    del manifest["spec"]["version"]
    manifest["spec"]["nodeSets"][0]["count"] = "1"
    out = eck.apply_objects(world, cluster, [manifest])
    assert out[0].startswith('The Elasticsearch "quickstart" is invalid: \n* ')
    assert "\n* spec.version: Required value" in out[0]


def test_webhook_refusals(world, cluster):
    manifest = es(cluster)
    manifest["spec"]["nodeSets"].append(copy.deepcopy(manifest["spec"]["nodeSets"][0]))
    out = eck.apply_objects(world, cluster, [manifest])
    assert out == ['Error from server (Forbidden): error when applying patch to "STDIN": admission webhook '
                   '"elastic-es-validation-v1.k8s.elastic.co" denied the request: Elasticsearch.elasticsearch.k8s.elastic.co '
                   '"quickstart" is invalid: metadata.name: Invalid value: "quickstart": Elasticsearch configuration would '
                   "generate resources with invalid names: duplicated nodeSet name: 'default'"]
    out = eck.apply_objects(world, cluster, [es(cluster, version="9.0.0")])
    assert out[0].endswith('is invalid: spec.version: Invalid value: "9.0.0": Downgrades are not supported')
    out = eck.apply_objects(world, cluster, [es(cluster, version="9.2.0")])
    assert out[0].endswith("the lab does not simulate Elasticsearch version changes (spec.version 9.1.3 -> 9.2.0)")
    assert cluster.manifest["spec"]["version"] == "9.1.3"


def test_only_the_lab_resource_can_be_applied(world, cluster):
    other = es(cluster)
    other["metadata"]["name"] = "other"
    out = eck.apply_objects(world, cluster, [other])
    assert "the lab simulates one ECK Elasticsearch resource" in out[0]
    out = eck.apply_objects(world, cluster, [es(cluster)], mode="create", source="es.yaml")
    assert out == ['Error from server (AlreadyExists): error when creating "es.yaml": '
                   'elasticsearches.elasticsearch.k8s.elastic.co "quickstart" already exists']
    beta = es(cluster)
    beta["apiVersion"] = "elasticsearch.k8s.elastic.co/v1beta1"
    assert "the lab simulates only elasticsearch.k8s.elastic.co/v1" in eck.apply_objects(world, cluster, [beta])[0]


def test_secure_settings_reach_the_keystore_after_the_reload_delay(world, cluster):
    eck.apply_objects(world, cluster, [secret("remote-api-keys", **{"cluster.remote.ece.credentials": "key-1"})])
    cluster.remote_state("ece").connected = True
    out = eck.apply_objects(world, cluster, [es(cluster, secureSettings=[{"secretName": "remote-api-keys"}])])
    assert out == [ES + " configured"]
    assert cluster.restarts == 0                        # secure settings alone: no restart
    assert cluster.keystore_loaded == {}
    later(world)
    assert cluster.keystore_loaded == {"cluster.remote.ece.credentials": "key-1"}
    assert cluster.remotes["ece"].connected is False      # new credentials: the connection is rebuilt
    eck.apply_objects(world, cluster, [secret("remote-api-keys", **{"cluster.remote.ece.credentials": "key-2"})])
    assert cluster.keystore_loaded["cluster.remote.ece.credentials"] == "key-1"
    later(world)
    assert cluster.keystore_loaded == {"cluster.remote.ece.credentials": "key-2"}


def test_secure_settings_entries_select_and_rename(world, cluster):
    eck.apply_objects(world, cluster, [secret("keys", plain="p", other="o")])
    eck.apply_objects(world, cluster, [es(cluster, secureSettings=[
        {"secretName": "keys", "entries": [{"key": "plain", "path": "cluster.remote.a.credentials"}]},
        {"secretName": "missing"}])])
    later(world)
    assert cluster.keystore_loaded == {"cluster.remote.a.credentials": "p"}
    assert any('Secret "missing" not found' in event["message"] for event in cluster.events)


def test_restart_loads_secure_settings_at_once(world, cluster):
    eck.apply_objects(world, cluster, [secret("keys", **{"cluster.remote.a.credentials": "v"})])
    eck.apply_objects(world, cluster, [es(cluster, secureSettings=[{"secretName": "keys"}], remoteClusterServer={"enabled": True})])
    assert cluster.restarts == 1
    assert cluster.keystore_loaded == {"cluster.remote.a.credentials": "v"}


def test_transport_certificate_authorities_configmap(world, cluster):
    extra = "-----BEGIN CERTIFICATE-----\nEXTRA\n-----END CERTIFICATE-----\n"
    tls = {"tls": {"certificateAuthorities": {"configMapName": "extra-cas"}}}
    out = eck.apply_objects(world, cluster, [es(cluster, transport=tls)])
    assert out == [ES + " configured"] and cluster.restarts == 1
    assert any("could not retrieve config map default/extra-cas specified in spec.transport.tls.certificateAuthorities"
               in event["message"] for event in cluster.events)
    public = "quickstart-es-transport-certs-public"
    assert cluster.secrets[public]["ca.crt"] == cluster.transport_ca.cert_pem
    eck.apply_objects(world, cluster, [configmap("extra-cas", other=extra)])
    assert any("must contain ca.crt file" in event["message"] for event in cluster.events)
    assert cluster.secrets[public]["ca.crt"] == cluster.transport_ca.cert_pem
    assert eck.apply_objects(world, cluster, [configmap("extra-cas", **{"ca.crt": extra})]) == ["configmap/extra-cas configured"]
    assert cluster.secrets[public]["ca.crt"] == cluster.transport_ca.cert_pem + extra
    assert eck.pod_files(world, cluster, cluster.manifest)["/usr/share/elasticsearch/config/transport-certs/ca.crt"] == \
        cluster.transport_ca.cert_pem + extra
    assert trust.read_config_file(cluster, "transport-certs/ca.crt") == cluster.transport_ca.cert_pem + extra
    assert cluster.restarts == 1                          # a ConfigMap change reaches the pods without a restart


def test_mounted_configmap_and_client_settings(world, cluster):
    ca_pem = "-----BEGIN CERTIFICATE-----\nREMOTE\n-----END CERTIFICATE-----\n"
    manifest = es(cluster, remoteClusters=[{"name": "ece", "apiKey": {"access": {"search": {"names": ["*"]}}}}])
    manifest["spec"]["nodeSets"][0]["config"] = {
        "xpack.security.remote_cluster_client.ssl.certificate_authorities": ["remote-certs/remote-cluster-ca.crt"]}
    manifest["spec"]["nodeSets"][0]["podTemplate"] = {"spec": {
        "containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "remote-ca", "mountPath": "/usr/share/elasticsearch/config/remote-certs"},
                                                                  {"name": "one", "mountPath": "/usr/share/elasticsearch/config/one.pem",
                                                                   "subPath": "x.pem"}]}],
        "volumes": [{"name": "remote-ca", "configMap": {"name": "remote-ca"}},
                    {"name": "one", "secret": {"secretName": "s", "items": [{"key": "k", "path": "x.pem"}]}}]}}
    eck.apply_objects(world, cluster, [manifest])
    assert cluster.yml_loaded["xpack.security.remote_cluster_client.ssl.enabled"] is True
    assert cluster.yml_loaded["xpack.security.remote_cluster_client.ssl.certificate_authorities"] == [
        "/usr/share/elasticsearch/config/transport-certs/ca.crt", "/usr/share/elasticsearch/config/transport-remote-certs/ca.crt",
        "remote-certs/remote-cluster-ca.crt"]
    assert "/usr/share/elasticsearch/config/remote-certs/remote-cluster-ca.crt" not in eck.pod_files(world, cluster, cluster.manifest)
    assert any('MountVolume.SetUp failed for volume "remote-ca" : configmap "remote-ca" not found' in e["message"] for e in cluster.events)
    eck.apply_objects(world, cluster, [configmap("remote-ca", **{"remote-cluster-ca.crt": ca_pem}), secret("s", k="file-k")])
    files = eck.pod_files(world, cluster, cluster.manifest)
    assert files["/usr/share/elasticsearch/config/remote-certs/remote-cluster-ca.crt"] == ca_pem
    assert files["/usr/share/elasticsearch/config/one.pem"] == "file-k"
    # what the trust evaluation reads agrees with what the pod mounts
    assert trust.read_config_file(cluster, "remote-certs/remote-cluster-ca.crt") == ca_pem
    assert trust.read_config_file(cluster, "/usr/share/elasticsearch/config/one.pem") == "file-k"
    cluster.remote_state("ece").connected = True
    eck.apply_objects(world, cluster, [configmap("remote-ca", **{"remote-cluster-ca.crt": "changed"})])
    assert eck.pod_files(world, cluster, cluster.manifest)["/usr/share/elasticsearch/config/remote-certs/remote-cluster-ca.crt"] == \
        "changed"
    assert cluster.remotes["ece"].connected is False
    assert cluster.restarts == 1


def test_user_config_nested_and_flat_and_overrides(world, cluster):
    manifest = es(cluster)
    manifest["spec"]["nodeSets"][0]["config"] = {
        "xpack": {"security": {"transport": {"ssl": {"certificate_authorities": ["/usr/share/elasticsearch/config/other/ca.crt"],
                                                     "trust_restrictions": {"path": "/x/trust.yml"}}}}},
        "network.host": "1.2.3.4"}
    out = eck.apply_objects(world, cluster, [manifest])
    assert out == ["Warning: spec.nodeSets[0].config.network.host: Configuration setting is reserved for internal use. "
                   "User-configured use is unsupported", ES + " configured"]
    assert cluster.yml["xpack.security.transport.ssl.trust_restrictions.path"] == "/x/trust.yml"
    assert cluster.yml_loaded["xpack.security.transport.ssl.certificate_authorities"][-1] == "/usr/share/elasticsearch/config/other/ca.crt"
    assert len(cluster.yml_loaded["xpack.security.transport.ssl.certificate_authorities"]) == 3
    assert cluster.yml_loaded["network.host"] == "1.2.3.4"


def test_services(world, cluster):
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "rcs-lb"},
               "spec": {"type": "LoadBalancer", "ports": [{"port": 9443, "targetPort": 9443}]}}
    assert eck.apply_objects(world, cluster, [service]) == ["service/rcs-lb created"]
    assert cluster.services["rcs-lb"]["spec"]["type"] == "LoadBalancer"
    assert eck.apply_objects(world, cluster, [service]) == ["service/rcs-lb unchanged"]
    own = dict(service, metadata={"name": "quickstart-es-http"})
    assert "the lab's ECK manages service" in eck.apply_objects(world, cluster, [own])[0]
    names = [o["metadata"]["name"] for o in eck.get_objects(world, cluster, "Service")]
    assert "quickstart-es-remote-cluster" not in names and "rcs-lb" in names and "quickstart-es-transport" in names
    eck.apply_objects(world, cluster, [es(cluster, remoteClusterServer={"enabled": True})])
    names = [o["metadata"]["name"] for o in eck.get_objects(world, cluster, "Service")]
    assert "quickstart-es-remote-cluster" in names


def test_dry_run_changes_nothing(world, cluster):
    assert eck.apply_objects(world, cluster, [secret("d", a="b")], dry_run="server") == ["secret/d created (server dry run)"]
    assert "d" not in cluster.secrets
    out = eck.apply_objects(world, cluster, [es(cluster, remoteClusterServer={"enabled": True})], dry_run="server")
    assert out == [ES + " configured (server dry run)"]
    assert cluster.restarts == 0 and "remoteClusterServer" not in cluster.manifest["spec"]


def test_get_and_delete(world, cluster):
    eck.apply_objects(world, cluster, [secret("keys", a="b")])
    item = eck.get_objects(world, cluster, "Secret", "keys")[0]
    assert item["data"] == {"a": base64.b64encode(b"b").decode()} and item["type"] == "Opaque"
    assert item["metadata"]["namespace"] == "default"
    es_obj = eck.get_objects(world, cluster, "Elasticsearch", "quickstart")[0]
    assert es_obj["status"] == {"availableNodes": 1, "health": "green", "phase": "Ready", "version": "9.1.3"}
    with pytest.raises(KeyError):
        eck.get_objects(world, cluster, "Secret", "nope")
    assert eck.delete_objects(world, cluster, "Secret", ["keys"]) == [('secret "keys" deleted', False)]
    assert "keys" not in cluster.secrets
    assert eck.delete_objects(world, cluster, "Secret", ["keys"]) == [('Error from server (NotFound): secrets "keys" not found', True)]
    assert eck.delete_objects(world, cluster, "Secret", ["keys"], ignore_not_found=True) == []
    assert eck.delete_objects(world, cluster, "Secret", ["quickstart-es-elastic-user"])[0][1] is True
    assert eck.delete_objects(world, cluster, "Elasticsearch", ["quickstart"])[0][1] is True


def test_deleting_a_secure_settings_secret_unloads_it(world, cluster):
    eck.apply_objects(world, cluster, [secret("keys", **{"cluster.remote.a.credentials": "v"}),
                                       es(cluster, secureSettings=[{"secretName": "keys"}])])
    later(world)
    assert cluster.keystore_loaded == {"cluster.remote.a.credentials": "v"}
    eck.delete_objects(world, cluster, "Secret", ["keys"])
    later(world)
    assert cluster.keystore_loaded == {}


def test_control_entry_point(world, cluster):
    reply = eck.control(world, cluster, "POST", "_eck_apply", {"objects": [secret("k", a="b"), {"kind": "Nope"}], "source": "x.yaml"})
    assert reply["ok"] is False
    assert reply["lines"][0] == {"text": "secret/k created", "stream": "stdout"}
    assert reply["lines"][1]["stream"] == "stderr"
    reply = eck.control(world, cluster, "POST", "_eck_get", {"kind": "Secret", "name": "zzz"})
    assert reply == {"error": 'Error from server (NotFound): secrets "zzz" not found'}
    reply = eck.control(world, cluster, "POST", "_eck_delete", {"kind": "Secret", "names": ["k"]})
    assert reply == {"ok": True, "lines": [{"text": 'secret "k" deleted', "stream": "stdout"}]}
    assert "not an ECK cluster" in eck.control(world, world.clusters["sm"], "POST", "_eck_get", {})["error"]
