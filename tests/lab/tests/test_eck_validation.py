# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Strict validation of ECK ``Elasticsearch`` manifests: the CRD schema made strict, plus ECK's webhook rules."""

import copy
import hashlib

from eceops_lab import eck

CRD_SHA256 = "a3e6de614504a3832212b25aa7fd83ecd1f898191c9d00c64e422bab7290efe2"


def full_manifest():
    """A manifest using every remote-cluster field of NOTES.md."""
    return {
        "apiVersion": "elasticsearch.k8s.elastic.co/v1",
        "kind": "Elasticsearch",
        "metadata": {"name": "quickstart", "namespace": "default", "labels": {"team": "search"}},
        "spec": {
            "version": "9.1.3",
            "remoteClusterServer": {"enabled": True,
                                    "service": {"metadata": {"annotations": {"a": "b"}},
                                                "spec": {"type": "LoadBalancer", "ports": [{"port": 9443}]}}},
            "remoteClusters": [
                {"name": "to-ece", "apiKey": {"access": {
                    "search": {"names": ["logs-*"], "field_security": {"grant": ["*"], "except": []},
                               "query": {"term": {"a": "b"}}, "allow_restricted_indices": False},
                    "replication": {"names": ["leader-*"]}}}},
                {"name": "local-ref", "elasticsearchRef": {"name": "other", "namespace": "ns2"}},
            ],
            "secureSettings": [{"secretName": "remote-api-keys"},
                               {"secretName": "more", "entries": [{"key": "k", "path": "cluster.remote.x.credentials"}, {"key": "j"}]}],
            "transport": {"tls": {"certificateAuthorities": {"configMapName": "extra-cas"},
                                  "subjectAltNames": [{"dns": "quickstart.example"}, {"ip": "10.0.0.1"}], "otherNameSuffix": "x.local"},
                          "service": {"spec": {"type": "LoadBalancer"}}},
            "http": {"tls": {"selfSignedCertificate": {"disabled": False}}},
            "nodeSets": [{
                "name": "default",
                "count": 1,
                "config": {"node.roles": ["master", "data", "remote_cluster_client"],
                           "xpack": {"security": {"remote_cluster_client": {"ssl": {"enabled": True}}}},
                           "anything.goes.here": [1, 2]},
                "podTemplate": {"spec": {
                    "containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "remote-ca",
                                                                               "mountPath": "/usr/share/elasticsearch/config/remote-certs"}]}],
                    "volumes": [{"name": "remote-ca", "configMap": {"name": "remote-ca"}},
                                {"name": "other", "secret": {"secretName": "ce-aws-cert"}}],
                    "whatever": {"is": "open"}}},
            }],
        },
    }


def stages(manifest):
    return [(i.stage, i.path) for i in eck.check_elasticsearch(manifest)]


def test_crd_copy_is_the_unmodified_eck_3_5_0_file():
    with open(eck.CRD_FILE, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == CRD_SHA256


def test_full_valid_manifest_passes():
    assert eck.validate_elasticsearch(full_manifest()) == []


def test_minimal_manifest_passes():
    manifest = {"apiVersion": eck.ES_API_VERSION, "kind": "Elasticsearch", "metadata": {"name": "quickstart"},
                "spec": {"version": "8.19.4", "nodeSets": [{"name": "default", "count": 3}]}}
    assert eck.validate_elasticsearch(manifest) == []


def test_misspelled_remote_cluster_server_enable_is_reported():
    manifest = full_manifest()
    manifest["spec"]["remoteClusterServer"] = {"enable": True}
    assert eck.validate_elasticsearch(manifest) == ["spec.remoteClusterServer.enable: unknown field"]
    assert eck.check_elasticsearch(manifest) == [eck.Issue("decode", "spec.remoteClusterServer.enable",
                                                           'unknown field "spec.remoteClusterServer.enable"')]


def test_empty_api_key_is_reported():
    manifest = full_manifest()
    manifest["spec"]["remoteClusters"][0]["apiKey"] = {}
    assert eck.validate_elasticsearch(manifest) == ["spec.remoteClusters[0].apiKey.access: Required value"]


def test_empty_access_passes_the_schema_as_notes_say():
    manifest = full_manifest()
    manifest["spec"]["remoteClusters"][0]["apiKey"] = {"access": {}}
    assert eck.validate_elasticsearch(manifest) == []


def test_unknown_fields_everywhere_except_config_and_pod_template():
    manifest = full_manifest()
    manifest["specs"] = {}
    manifest["metadata"]["labls"] = {}
    manifest["spec"]["transport"]["tls"]["certificateAuthorities"]["configMap"] = "x"
    manifest["spec"]["secureSettings"][0]["secret"] = "x"
    manifest["spec"]["remoteClusters"][0]["apiKey"]["access"]["search"]["name"] = ["x"]
    paths = sorted(p for stage, p in stages(manifest) if stage == "decode")
    assert paths == sorted(["specs", "metadata.labls", "spec.transport.tls.certificateAuthorities.configMap",
                            "spec.secureSettings[0].secret", "spec.remoteClusters[0].apiKey.access.search.name"])


def test_required_fields_and_types():
    manifest = full_manifest()
    del manifest["spec"]["version"]
    manifest["spec"]["nodeSets"][0]["count"] = "three"
    manifest["spec"]["remoteClusters"][1]["name"] = ""
    manifest["spec"]["secureSettings"].append({"entries": [{"path": "p"}]})
    errors = eck.validate_elasticsearch(manifest)
    assert "spec.version: Required value" in errors
    assert 'spec.nodeSets[0].count: Invalid value: "string": spec.nodeSets[0].count in body must be of type integer: "string"' in errors
    assert 'spec.remoteClusters[1].name: Invalid value: "": spec.remoteClusters[1].name in body should be at least 1 chars long' \
        in errors
    assert "spec.secureSettings[2].secretName: Required value" in errors
    assert "spec.secureSettings[2].entries[0].key: Required value" in errors
    assert all(stage == "schema" for stage, path in stages(manifest))   # the webhook is not reached


def test_node_set_name_schema_limits():
    manifest = full_manifest()
    manifest["spec"]["nodeSets"][0]["name"] = "n" * 24
    assert eck.validate_elasticsearch(manifest) == ["spec.nodeSets[0].name: Too long: may not be more than 23 bytes"]
    manifest["spec"]["nodeSets"] = []
    assert eck.validate_elasticsearch(manifest) == ["spec.nodeSets: Invalid value: 0: spec.nodeSets in body should have at least 1 items"]


def test_field_security_needs_grant_and_except():
    manifest = full_manifest()
    manifest["spec"]["remoteClusters"][0]["apiKey"]["access"]["search"]["field_security"] = {"grant": ["*"]}
    assert eck.validate_elasticsearch(manifest) == ["spec.remoteClusters[0].apiKey.access.search.field_security.except: Required value"]


def test_webhook_name_length():
    manifest = full_manifest()
    manifest["metadata"]["name"] = "a" * 37
    assert eck.validate_elasticsearch(manifest) == [
        'metadata.name: Invalid value: "%s": Elasticsearch configuration would generate resources with invalid names: '
        'name exceeds maximum allowed length of 36' % ("a" * 37)]
    manifest["metadata"]["name"] = "a" * 36
    manifest["spec"]["nodeSets"][0]["name"] = "d"
    assert eck.validate_elasticsearch(manifest) == []


def test_webhook_statefulset_name_length():
    manifest = full_manifest()
    manifest["metadata"]["name"] = "a" * 36
    manifest["spec"]["nodeSets"][0]["name"] = "n" * 20
    errors = eck.validate_elasticsearch(manifest)
    assert len(errors) == 1 and "generated StatefulSet name '%s-es-%s' exceeds allowed length of 51" % ("a" * 36, "n" * 20) in errors[0]


def test_webhook_unique_and_dns_node_set_names():
    manifest = full_manifest()
    manifest["spec"]["nodeSets"].append(copy.deepcopy(manifest["spec"]["nodeSets"][0]))
    assert eck.validate_elasticsearch(manifest) == [
        'metadata.name: Invalid value: "quickstart": Elasticsearch configuration would generate resources with invalid names: '
        "duplicated nodeSet name: 'default'"]
    manifest["spec"]["nodeSets"][1]["name"] = "Hot"
    errors = eck.validate_elasticsearch(manifest)
    assert len(errors) == 1 and "invalid nodeSet name 'Hot': [a lowercase RFC 1123 subdomain" in errors[0]


def test_webhook_remote_cluster_features_need_8_10():
    manifest = full_manifest()
    manifest["spec"]["version"] = "8.9.2"
    assert eck.validate_elasticsearch(manifest) == [
        'spec.remoteClusterServer: Invalid value: "8.9.2": minimum required version for remote cluster server is 8.10.0-1 but '
        'desired version is 8.9.2',
        'spec.remoteClusters[*].apiKey: Invalid value: "8.9.2": minimum required version for remote cluster using API keys is '
        '8.10.0-1 but desired version is 8.9.2']
    manifest["spec"]["version"] = "8.10.0"
    assert eck.validate_elasticsearch(manifest) == []
    manifest["spec"]["version"] = "8.9.2"
    del manifest["spec"]["remoteClusterServer"]
    manifest["spec"]["remoteClusters"] = [{"name": "cert-model", "elasticsearchRef": {"name": "x"}}]
    assert eck.validate_elasticsearch(manifest) == []


def test_webhook_version_and_master_rules():
    manifest = full_manifest()
    manifest["spec"]["version"] = "9.1"
    assert eck.validate_elasticsearch(manifest) == [
        'spec.version: Invalid value: "9.1": Cannot parse Elasticsearch version. String format must be '
        '{major}.{minor}.{patch}[-{label}]']
    manifest["spec"]["version"] = "7.10.2"
    del manifest["spec"]["remoteClusterServer"]
    manifest["spec"]["remoteClusters"] = []
    assert eck.validate_elasticsearch(manifest) == ['spec.version: Invalid value: "7.10.2": Unsupported version']
    manifest["spec"]["version"] = "9.1.3"
    manifest["spec"]["nodeSets"][0]["config"]["node.roles"] = ["data"]
    assert eck.validate_elasticsearch(manifest) == ["spec.nodeSets: Required value: Elasticsearch needs to have at least one master node"]
    manifest["spec"]["nodeSets"][0]["config"] = {"node": {"roles": ["master"]}}
    manifest["spec"]["nodeSets"][0]["count"] = 0
    assert eck.validate_elasticsearch(manifest) == ["spec.nodeSets: Required value: Elasticsearch needs to have at least one master node"]


def test_metadata_name_required_and_dns():
    manifest = full_manifest()
    manifest["metadata"]["name"] = "Quick_Start"
    errors = eck.validate_elasticsearch(manifest)
    assert errors[0].startswith('metadata.name: Invalid value: "Quick_Start": a lowercase RFC 1123 subdomain')
    del manifest["metadata"]["name"]
    assert "metadata.name: Required value: name or generateName is required" in eck.validate_elasticsearch(manifest)


def test_prune_unknown_keeps_open_fields():
    manifest = full_manifest()
    manifest["spec"]["remoteClusterServer"]["enable"] = True
    pruned = eck.prune_unknown(manifest)
    assert "enable" not in pruned["spec"]["remoteClusterServer"]
    assert pruned["spec"]["nodeSets"][0]["config"] == manifest["spec"]["nodeSets"][0]["config"]
    assert pruned["spec"]["nodeSets"][0]["podTemplate"] == manifest["spec"]["nodeSets"][0]["podTemplate"]
    assert eck.validate_elasticsearch(pruned) == []


def test_validator_is_compiled_once():
    assert eck._validator() is eck._validator()  # pylint: disable=protected-access
    assert eck.strict_schema()["additionalProperties"] is False
    spec = eck.strict_schema()["properties"]["spec"]["properties"]
    node_set = spec["nodeSets"]["items"]
    assert "additionalProperties" not in node_set["properties"]["config"]
    assert "additionalProperties" not in node_set["properties"]["podTemplate"]
    assert spec["remoteClusterServer"]["additionalProperties"] is False
