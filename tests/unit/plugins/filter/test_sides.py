# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the self-managed/ECK side filters (plugins/filter/sides.py, module_utils/_eck.py).

Every Elasticsearch manifest the filters produce is validated against ECK 3.5's CRD made strict, with the lab's own
validator (tests/lab/eceops_lab/eck.py ``validate_elasticsearch``: unknown fields, schema and webhook rules)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import copy
import itertools
import os
import sys

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.eceops.remote_clusters.plugins.filter import sides
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _eck

LAB = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "lab"))
sys.path.insert(0, LAB)
from eceops_lab import eck as lab_eck  # noqa: E402  pylint: disable=wrong-import-position,import-error

CURRENT = {
    "apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
    "metadata": {"name": "quickstart", "namespace": "default", "uid": "1234", "resourceVersion": "7",
                 "creationTimestamp": "2026-01-01T00:00:00Z",
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "search"}},
    "spec": {"version": "9.1.3", "nodeSets": [{"name": "default", "count": 1, "config": {}},
                                              {"name": "hot", "count": 2, "config": {"node.roles": ["data_hot"]},
                                               "podTemplate": {"metadata": {"labels": {"a": "b"}},
                                                               "spec": {"containers": [{"name": "elasticsearch",
                                                                                        "resources": {"limits": {"memory": "4Gi"}}}]}}}]},
    "status": {"phase": "Ready", "health": "green"},
}


def n(alias="ece_logs"):
    return _eck.names("quickstart", alias)


def credentials_changes(private_ca=True):
    names = n()
    changes = {"secure_settings": [names["credentials_secret"]]}
    if private_ca:
        changes.update({
            "config_lists": {"xpack.security.remote_cluster_client.ssl.certificate_authorities": [names["remote_ca_path"]]},
            "volumes": [{"name": names["remote_ca_volume"], "configMap": {"name": names["remote_ca_configmap"]}}],
            "mounts": [{"name": names["remote_ca_volume"], "mountPath": names["remote_ca_dir"], "readOnly": True}],
        })
    return changes


def trust_changes():
    names = n()
    return {
        "config": {"xpack.security.transport.ssl.trust_restrictions.path": names["trust_path"]},
        "config_lists": {"xpack.security.transport.ssl.certificate_authorities": [names["transport_ca_path"]]},
        "volumes": [{"name": names["transport_ca_volume"], "configMap": {"name": names["transport_ca_configmap"]}},
                    {"name": names["trust_volume"], "configMap": {"name": names["trust_configmap"]}}],
        "mounts": [{"name": names["transport_ca_volume"], "mountPath": names["transport_ca_dir"], "readOnly": True},
                   {"name": names["trust_volume"], "mountPath": names["trust_dir"], "readOnly": True}],
    }


ALL_CHANGES = {
    "server": {"remote_cluster_server": True},
    "credentials_public": credentials_changes(False),
    "credentials_private": credentials_changes(True),
    "trust": trust_changes(),
}


def valid(manifest):
    errors = lab_eck.validate_elasticsearch(manifest)
    assert errors == [], errors
    assert lab_eck.webhook_warnings(manifest) == []
    return manifest


@pytest.mark.parametrize("name", sorted(ALL_CHANGES))
def test_each_change_gives_a_valid_manifest_and_absent_restores(name):
    changes = ALL_CHANGES[name]
    manifest = valid(sides.eck_elasticsearch(CURRENT, changes))
    again = valid(sides.eck_elasticsearch(manifest, changes))
    assert again == manifest                                                 # idempotent
    removed = valid(sides.eck_elasticsearch(manifest, changes, "absent"))
    expected = valid(_eck.clean(CURRENT))
    if name == "server":
        expected["spec"]["remoteClusterServer"] = {"enabled": True}          # the server stays enabled
    assert removed == expected


@pytest.mark.parametrize("combo", list(itertools.permutations(sorted(ALL_CHANGES), 3)))
def test_combinations_stay_valid_and_remove_independently(combo):
    manifest = CURRENT
    for name in combo:
        manifest = valid(sides.eck_elasticsearch(manifest, ALL_CHANGES[name]))
    for name in combo:
        manifest = valid(sides.eck_elasticsearch(manifest, ALL_CHANGES[name], "absent"))
    assert manifest["spec"]["nodeSets"] == _eck.clean(CURRENT)["spec"]["nodeSets"]


def test_every_nodeset_gets_the_changes():
    manifest = valid(sides.eck_elasticsearch(CURRENT, credentials_changes(True)))
    for nodeset in manifest["spec"]["nodeSets"]:
        assert nodeset["config"]["xpack.security.remote_cluster_client.ssl.certificate_authorities"] == [n()["remote_ca_path"]]
        container = [c for c in nodeset["podTemplate"]["spec"]["containers"] if c["name"] == "elasticsearch"][0]
        assert container["volumeMounts"][0]["mountPath"] == n()["remote_ca_dir"]
    hot = manifest["spec"]["nodeSets"][1]
    assert hot["podTemplate"]["metadata"] == {"labels": {"a": "b"}}
    assert hot["podTemplate"]["spec"]["containers"][0]["resources"] == {"limits": {"memory": "4Gi"}}
    assert hot["config"]["node.roles"] == ["data_hot"]
    assert manifest["spec"]["secureSettings"] == [{"secretName": n()["credentials_secret"]}]


def test_server_side_fields_are_dropped():
    manifest = sides.eck_elasticsearch(CURRENT, {"remote_cluster_server": True})
    assert "status" not in manifest
    assert manifest["metadata"] == {"name": "quickstart", "namespace": "default", "annotations": {"team": "search"}}
    assert manifest["spec"]["remoteClusterServer"] == {"enabled": True}


def test_foreign_entries_are_kept():
    current = copy.deepcopy(CURRENT)
    current["spec"]["secureSettings"] = [{"secretName": "user-secret"}]
    current["spec"]["nodeSets"][0]["config"]["xpack.security.transport.ssl.certificate_authorities"] = ["/usr/share/x/ca.crt"]
    manifest = valid(sides.eck_elasticsearch(current, trust_changes()))
    manifest = valid(sides.eck_elasticsearch(manifest, credentials_changes()))
    assert manifest["spec"]["secureSettings"][0] == {"secretName": "user-secret"}
    assert manifest["spec"]["nodeSets"][0]["config"]["xpack.security.transport.ssl.certificate_authorities"] == \
        ["/usr/share/x/ca.crt", n()["transport_ca_path"]]
    manifest = sides.eck_elasticsearch(sides.eck_elasticsearch(manifest, trust_changes(), "absent"), credentials_changes(), "absent")
    assert manifest["spec"]["secureSettings"] == [{"secretName": "user-secret"}]
    assert manifest["spec"]["nodeSets"][0]["config"]["xpack.security.transport.ssl.certificate_authorities"] == ["/usr/share/x/ca.crt"]


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s["nodeSets"][0]["config"].update({"xpack.security.transport.ssl.trust_restrictions.path": "/other.yml"}),
     "is already set"),
    (lambda s: s["nodeSets"][0]["config"].update({"xpack": {"security": {"transport": {"ssl": {"certificate_authorities": ["a"]}}}}}),
     "nested form"),
    (lambda s: s["nodeSets"][0].update({"podTemplate": {"spec": {"volumes": [{"name": "eceops-trust", "emptyDir": {}}]}}}),
     "did not create"),
    (lambda s: s.update({"nodeSets": []}), "no spec.nodeSets"),
])
def test_conflicts_fail_clearly(mutate, message):
    current = copy.deepcopy(CURRENT)
    mutate(current["spec"])
    with pytest.raises(AnsibleFilterError, match=message):
        sides.eck_elasticsearch(current, trust_changes())


def test_names_are_dns_labels_and_distinct():
    upper = _eck.names("quickstart", "ECE_Logs")
    lower = _eck.names("quickstart", "ece-logs")
    for key in ("credentials_secret", "remote_ca_configmap", "transport_ca_configmap", "remote_ca_volume", "transport_ca_volume"):
        assert lab_eck.DNS1123_SUBDOMAIN.match(upper[key]) and len(upper[key]) <= 63
        assert upper[key] != lower[key]
    assert lower["credentials_secret"] == "quickstart-eceops-ece-logs-credentials"
    assert upper["credentials_key"] == "cluster.remote.ECE_Logs.credentials"


def test_object_changed():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}
    current = {"kind": "Secret", "metadata": {"name": "s", "uid": "x"}, "type": "Opaque",
               "data": {"k": base64.b64encode(b"v").decode()}}
    assert not sides.eck_object_changed(current, secret)
    assert sides.eck_object_changed(None, secret)
    secret["stringData"]["k"] = "w"
    assert sides.eck_object_changed(current, secret)
    service = {"kind": "Service", "spec": {"type": "LoadBalancer", "ports": [{"name": "rcs", "port": 9443, "targetPort": 9443}]}}
    live = {"kind": "Service", "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1",
                                        "ports": [{"name": "rcs", "port": 9443, "targetPort": 9443, "protocol": "TCP"}]}}
    assert not sides.eck_object_changed(live, service)
    manifest = sides.eck_elasticsearch(CURRENT, {})
    assert not sides.eck_object_changed(CURRENT, manifest)
    assert sides.eck_object_changed(CURRENT, sides.eck_elasticsearch(CURRENT, {"remote_cluster_server": True}))


def test_trust_restrictions_file():
    own = ["*.node.quickstart.default.es.local"]
    first = sides.trust_restrictions("", "a", ["*.node.c1.cluster.env.account"], own)
    assert first["aliases"] == ["a"]
    loaded = yaml.safe_load(first["content"])
    assert loaded == {"trust.subject_name": ["*.node.quickstart.default.es.local", "*.node.c1.cluster.env.account"]}
    second = sides.trust_restrictions(first["content"], "b", ["*.node.c1.cluster.env.account", "*.node.c2.cluster.env.account"], own)
    assert second["aliases"] == ["a", "b"]
    assert sides.trust_restrictions(second["content"], "b", ["*.node.c1.cluster.env.account", "*.node.c2.cluster.env.account"],
                                    own) == second                                       # idempotent
    back = sides.trust_restrictions(second["content"], "b", [], own, "absent")
    assert back["content"] == first["content"]
    assert sides.trust_restrictions(back["content"], "a", [], own, "absent")["content"] is None
    with pytest.raises(AnsibleFilterError, match="not written by this collection"):
        sides.trust_restrictions("trust.subject_name: ['*']\n", "a", ["x"], own)


def test_self_managed_nodes():
    side = {"hosts": ["n1", {"host": "n2", "config_dir": "/opt/es/config", "restart_command": "/opt/es/bin/restart"}],
            "keystore_command": "/opt/es/bin/elasticsearch-keystore"}
    nodes = sides.self_managed_nodes(side)
    assert nodes[0] == {"host": "n1", "config_dir": "/etc/elasticsearch", "keystore_command": "/opt/es/bin/elasticsearch-keystore",
                        "restart_command": None, "service_name": "elasticsearch"}
    assert nodes[1]["config_dir"] == "/opt/es/config" and nodes[1]["restart_command"] == "/opt/es/bin/restart"
    for bad, message in (({}, "needs hosts"), ({"hosts": [{"host": "a", "typo": 1}]}, "unknown keys"), ({"hosts": ["a", "a"]}, "twice")):
        with pytest.raises(AnsibleFilterError, match=message):
            sides.self_managed_nodes(bad)
