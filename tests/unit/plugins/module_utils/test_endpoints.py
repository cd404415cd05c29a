# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_endpoints.py (connection data derived from an ECE deployment)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.eceops.remote_clusters.plugins.module_utils._endpoints import (
    EndpointError, default_domain, endpoint_from_domain, es_resources, format_host, is_ip_address, is_system_deployment,
    join_host_port, proxy_addresses, resource_summary, select_resource)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
CLUSTER_ID = "a542184a7a7d45b88b83f95392f450ab"
DOMAIN = "192.168.44.10.ip.es.io"
ENDPOINT = "%s.%s" % (CLUSTER_ID, DOMAIN)


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def metadata(deployment, index=0):
    return deployment["resources"]["elasticsearch"][index]["info"]["metadata"]


# ------------------------------------------------------------------------------------------ es_resources

def test_es_resources_main_fixture():
    resources = es_resources(load("deployment_main.json"))
    assert len(resources) == 1
    res = resources[0]
    assert res == {
        "ref_id": "main-elasticsearch",
        "cluster_id": CLUSTER_ID,
        "cluster_name": "prod-search",
        "region": "ece-region",
        "version": "8.15.3",
        "endpoint": ENDPOINT,
        "aliased_endpoint": "prod-search.es.%s" % DOMAIN,
        "ports": {"http": 9200, "https": 9243, "transport_passthrough": 9400},
        "service_url": "https://%s:9243" % ENDPOINT,
        "cloud_id": metadata(load("deployment_main.json"))["cloud_id"],
        "healthy": True,
        "status": "started",
        "system_owned": False,
        "settings_loaded": True,
        "trust": {"accounts": [{"account_id": "7e3b1f2a9c4d", "trust_all": True, "name": "Default trust for own organization"}],
                  "external": [], "direct": []},
        "traffic_filter_rulesets": ["rs-office-ips", "rs-remote-ech"],
        "node_roles": ["data_content", "data_hot", "ingest", "master", "remote_cluster_client", "transform"],
        "has_remote_cluster_client": True,
        "ccr_enabled": True,
    }


def test_es_resources_multi_fixture_versions_roles_and_missing_settings():
    first, second = es_resources(load("deployment_multi_es.json"))
    # first plan failed: no current, no pending -> highest running service_version (8.15.0 > 8.14.3)
    assert first["version"] == "8.15.0"
    assert first["settings_loaded"] is False
    assert first["trust"] is None
    assert first["traffic_filter_rulesets"] is None
    assert first["aliased_endpoint"] is None
    assert first["ccr_enabled"] is None
    assert first["node_roles"] == []
    assert first["has_remote_cluster_client"] is None
    assert first["status"] == "reconfiguring" and first["healthy"] is False
    # pending plan only -> the pending plan's version
    assert second["ref_id"] == "analytics-elasticsearch"
    assert second["version"] == "8.15.1"
    assert second["ports"] is None
    assert second["has_remote_cluster_client"] is None


def test_version_prefers_current_then_pending():
    deployment = load("deployment_main.json")
    info = deployment["resources"]["elasticsearch"][0]["info"]
    info["plan_info"]["pending"] = {"plan": {"elasticsearch": {"version": "8.16.0"}}}
    assert es_resources(deployment)[0]["version"] == "8.15.3"
    del info["plan_info"]["current"]
    assert es_resources(deployment)[0]["version"] == "8.16.0"
    del info["plan_info"]["pending"]
    info["topology"]["instances"][1]["service_version"] = "8.15.10"
    assert es_resources(deployment)[0]["version"] == "8.15.10"
    info["topology"]["instances"] = []
    assert es_resources(deployment)[0]["version"] is None


def test_node_roles_without_remote_cluster_client():
    deployment = load("deployment_main.json")
    for instance in deployment["resources"]["elasticsearch"][0]["info"]["topology"]["instances"]:
        instance["node_roles"] = ["master", "data_hot"]
    res = es_resources(deployment)[0]
    assert res["has_remote_cluster_client"] is False
    assert res["node_roles"] == ["data_hot", "master"]


def test_node_roles_union_over_instances():
    deployment = load("deployment_main.json")
    instances = deployment["resources"]["elasticsearch"][0]["info"]["topology"]["instances"]
    instances[0]["node_roles"] = ["master"]
    instances[1]["node_roles"] = ["data_hot", "remote_cluster_client"]
    res = es_resources(deployment)[0]
    assert res["node_roles"] == ["data_hot", "master", "remote_cluster_client"]
    assert res["has_remote_cluster_client"] is True


def test_system_owned_from_cluster_settings_and_deployment():
    deployment = load("deployment_main.json")
    deployment["resources"]["elasticsearch"][0]["info"]["settings"]["metadata"]["system_owned"] = True
    assert es_resources(deployment)[0]["system_owned"] is True
    system = load("deployment_system.json")
    del system["resources"]["elasticsearch"][0]["info"]["settings"]["metadata"]["system_owned"]
    assert es_resources(system)[0]["system_owned"] is True


def test_cluster_id_falls_back_to_info_and_empty_deployment():
    deployment = load("deployment_main.json")
    del deployment["resources"]["elasticsearch"][0]["id"]
    assert es_resources(deployment)[0]["cluster_id"] == CLUSTER_ID
    assert es_resources({}) == []
    assert es_resources({"resources": {"elasticsearch": []}}) == []


def test_ccr_false_is_kept():
    deployment = load("deployment_main.json")
    metadata(deployment)["ccr"] = False
    assert es_resources(deployment)[0]["ccr_enabled"] is False


# ------------------------------------------------------------------------------------------ proxy addresses

def test_proxy_addresses_from_summary_and_raw():
    deployment = load("deployment_main.json")
    expected = {"certificate": ENDPOINT + ":9400", "api_key": ENDPOINT + ":9443", "server_name": ENDPOINT}
    assert proxy_addresses(es_resources(deployment)[0]) == expected
    assert proxy_addresses(deployment["resources"]["elasticsearch"][0]) == expected


def test_proxy_addresses_uses_transport_passthrough_port():
    deployment = load("deployment_main.json")
    metadata(deployment)["ports"]["transport_passthrough"] = 19400
    addresses = proxy_addresses(select_resource(deployment))
    assert addresses["certificate"] == ENDPOINT + ":19400"
    assert addresses["api_key"] == ENDPOINT + ":9443"


@pytest.mark.parametrize("ports", [None, {}, {"http": 9200, "https": 9243}, {"transport_passthrough": 0},
                                   {"transport_passthrough": "junk"}])
def test_proxy_addresses_missing_ports_default_to_9400(ports):
    deployment = load("deployment_main.json")
    if ports is None:
        del metadata(deployment)["ports"]
    else:
        metadata(deployment)["ports"] = ports
    assert proxy_addresses(select_resource(deployment))["certificate"] == ENDPOINT + ":9400"


def test_proxy_addresses_alias_endpoint():
    deployment = load("deployment_main.json")
    addresses = proxy_addresses(select_resource(deployment), use_alias=True)
    alias_host = "prod-search.es." + DOMAIN
    assert addresses == {"certificate": alias_host + ":9400", "api_key": alias_host + ":9443", "server_name": alias_host}


def test_proxy_addresses_alias_endpoint_missing_is_an_error():
    resource = select_resource(load("deployment_multi_es.json"), "main-elasticsearch")
    with pytest.raises(EndpointError, match="aliased endpoint"):
        proxy_addresses(resource, use_alias=True)


def test_proxy_addresses_endpoint_missing_is_an_error():
    deployment = load("deployment_main.json")
    del metadata(deployment)["endpoint"]
    with pytest.raises(EndpointError, match="main-elasticsearch.*no endpoint"):
        proxy_addresses(select_resource(deployment))


def test_proxy_addresses_ipv6_endpoint_is_bracketed():
    deployment = load("deployment_main.json")
    metadata(deployment)["endpoint"] = "2001:db8::10"
    addresses = proxy_addresses(select_resource(deployment))
    assert addresses["certificate"] == "[2001:db8::10]:9400"
    assert addresses["api_key"] == "[2001:db8::10]:9443"
    assert addresses["server_name"] is None


def test_proxy_addresses_ipv4_endpoint():
    deployment = load("deployment_main.json")
    metadata(deployment)["endpoint"] = "10.1.2.3"
    addresses = proxy_addresses(select_resource(deployment))
    assert addresses == {"certificate": "10.1.2.3:9400", "api_key": "10.1.2.3:9443", "server_name": None}


def test_host_helpers():
    assert format_host("2001:db8::1") == "[2001:db8::1]"
    assert format_host("[2001:db8::1]") == "[2001:db8::1]"
    assert format_host("10.0.0.1") == "10.0.0.1"
    assert format_host("example.com") == "example.com"
    assert join_host_port("::1", "9443") == "[::1]:9443"
    assert is_ip_address("[::1]") and is_ip_address("10.0.0.1")
    assert not is_ip_address("example.com")


# ------------------------------------------------------------------------------------------ domains

def test_endpoint_from_domain():
    assert endpoint_from_domain(CLUSTER_ID, DOMAIN) == ENDPOINT
    assert endpoint_from_domain(CLUSTER_ID, "." + DOMAIN + ".") == ENDPOINT
    with pytest.raises(EndpointError):
        endpoint_from_domain("", DOMAIN)
    with pytest.raises(EndpointError):
        endpoint_from_domain(CLUSTER_ID, " ")


def test_default_domain():
    assert default_domain("192.168.44.10") == DOMAIN
    assert endpoint_from_domain(CLUSTER_ID, default_domain("192.168.44.10")) == ENDPOINT
    with pytest.raises(EndpointError, match="IPv4"):
        default_domain("2001:db8::1")
    with pytest.raises(EndpointError, match="not an IP address"):
        default_domain("ece.example.com")


# ------------------------------------------------------------------------------------------ select_resource

@pytest.mark.parametrize("ref_id", [None, "_main", "main-elasticsearch"])
def test_select_resource_single(ref_id):
    res = select_resource(load("deployment_main.json"), ref_id)
    assert res["ref_id"] == "main-elasticsearch"
    assert res["cluster_id"] == CLUSTER_ID


def test_select_resource_raw():
    deployment = load("deployment_main.json")
    assert select_resource(deployment, raw=True) is deployment["resources"]["elasticsearch"][0]


def test_select_resource_ambiguous_lists_ref_ids():
    with pytest.raises(EndpointError) as err:
        select_resource(load("deployment_multi_es.json"))
    message = str(err.value)
    assert "2 Elasticsearch resources" in message
    assert "analytics-elasticsearch, main-elasticsearch" in message
    with pytest.raises(EndpointError):
        select_resource(load("deployment_multi_es.json"), "_main")


def test_select_resource_unknown_lists_ref_ids():
    with pytest.raises(EndpointError) as err:
        select_resource(load("deployment_multi_es.json"), "nope")
    message = str(err.value)
    assert "'nope'" in message
    assert "available: analytics-elasticsearch, main-elasticsearch" in message
    assert "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a" in message


def test_select_resource_by_ref_id_in_multi():
    assert select_resource(load("deployment_multi_es.json"), "analytics-elasticsearch")["version"] == "8.15.1"


def test_select_resource_none_available():
    with pytest.raises(EndpointError, match="no Elasticsearch resource"):
        select_resource({"id": "d1", "resources": {"elasticsearch": []}})
    with pytest.raises(EndpointError, match="available: none"):
        select_resource({"id": "d1", "resources": {"elasticsearch": []}}, "x")


def test_endpoint_error_is_a_value_error():
    assert issubclass(EndpointError, ValueError)


# ------------------------------------------------------------------------------------------ system deployments

def test_is_system_deployment_flag():
    system, reason = is_system_deployment(load("deployment_system.json"))
    assert system is True
    assert "metadata.system_owned" in reason


def test_is_system_deployment_cluster_flag():
    deployment = load("deployment_system.json")
    deployment["metadata"]["system_owned"] = False
    system, reason = is_system_deployment(deployment)
    assert system is True
    assert "info.settings.metadata.system_owned" in reason


@pytest.mark.parametrize("name", ["admin-console-elasticsearch", "logging-and-metrics", "security"])
def test_is_system_deployment_name_hint(name):
    deployment = load("deployment_main.json")
    deployment["name"] = name
    system, reason = is_system_deployment(deployment)
    assert system is True
    assert "'%s'" % name in reason and "system deployments" in reason


def test_is_system_deployment_cluster_name_hint():
    deployment = load("deployment_system.json")
    deployment["metadata"]["system_owned"] = False
    deployment["name"] = "renamed"
    del deployment["resources"]["elasticsearch"][0]["info"]["settings"]
    system, reason = is_system_deployment(deployment)
    assert system is True
    assert "cluster name 'logging-and-metrics'" in reason


def test_is_not_system_deployment():
    assert is_system_deployment(load("deployment_main.json")) == (False, None)
    assert is_system_deployment(load("deployment_multi_es.json")) == (False, None)
    assert is_system_deployment({}) == (False, None)


def test_resource_summary_of_empty_resource():
    summary = resource_summary({})
    assert summary["ref_id"] is None and summary["version"] is None and summary["trust"] is None
    assert summary["system_owned"] is False
