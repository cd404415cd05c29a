# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ece_deployment_info module."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.modules import ece_deployment_info as module

API = "/api/v1"
CONN = {"ece_url": "https://ece.example.com:12443", "ece_api_key": "s3cret-api-key-value"}
DEP_ID = "91cacd4d98b7752fc5462e9d154a16b6"
CLUSTER_ID = "32c942669d07ee3c72ef3da0f8ec741b"


def make_ca(cn="test-ca"):
    """A self-signed CA certificate in PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), cert.fingerprint(hashes.SHA256()).hex()


def es_resource(ref_id="main-elasticsearch", cluster_id=CLUSTER_ID, version="8.19.4", ccr=True, endpoint=True,
                plan_info=None, roles=("master", "data_hot", "remote_cluster_client")):
    """An ElasticsearchResourceInfo as GET /deployments/{id}?show_settings=true returns it."""
    metadata = {"version": 3, "last_modified": "2026-01-01T00:00:00Z",
                "ports": {"http": 9200, "https": 9243, "transport_passthrough": 9400}}
    if endpoint:
        metadata["endpoint"] = "%s.ece.example.com" % cluster_id
        metadata["aliased_endpoint"] = "search.es.ece.example.com"
    if ccr is not None:
        metadata["ccr"] = ccr
    return {
        "ref_id": ref_id, "id": cluster_id, "region": "ece-region",
        "info": {
            "cluster_id": cluster_id, "cluster_name": "search", "healthy": True, "status": "started",
            "plan_info": plan_info or {"healthy": True, "current": {
                "plan_attempt_id": "attempt-1", "healthy": True,
                "plan": {"elasticsearch": {"version": version}, "cluster_topology": []},
                "plan_attempt_log": [{"step_id": "plan-completed", "status": "success", "info_log": []}]}},
            "metadata": metadata,
            "topology": {"instances": [{"instance_name": "instance-0", "service_version": version, "node_roles": list(roles)}]},
            "settings": {"metadata": {"system_owned": False},
                         "trust": {"accounts": [{"account_id": "acc1", "name": "Default trust", "trust_all": True}],
                                   "external": [], "direct": []},
                         "traffic_filter": {"rulesets": ["rs-1"]}},
        },
    }


def deployment(dep_id=DEP_ID, name="search", resources=None, system_owned=False):
    """A DeploymentGetResponse."""
    return {"id": dep_id, "name": name, "alias": "search", "healthy": True,
            "resources": {"elasticsearch": resources if resources is not None else [es_resource()], "kibana": []},
            "settings": {"traffic_filter_settings": {"rulesets": []}},
            "metadata": {"system_owned": system_owned, "last_modified": "2026-01-01T00:00:00Z"}}


def route_deployment(fake_http, dep, version="7"):
    fake_http.add("GET", API + "/deployments/" + dep["id"], (200, dep, {"x-cloud-resource-version": version}))


def params_of(request):
    return dict(pair.split("=") for pair in request["url"].split("?", 1)[1].split("&")) if "?" in request["url"] else {}


def test_by_deployment_id_returns_everything_remote_clusters_need(fake_http, run):
    route_deployment(fake_http, deployment())
    result = run(module, dict(CONN, deployment_id=DEP_ID))
    assert result["changed"] is False
    dep = result["deployment"]
    assert result["deployments"] == [dep]
    assert dep["id"] == DEP_ID and dep["system_owned"] is False and dep["resource_version"] == "7"
    es = dep["elasticsearch"][0]
    assert es["ref_id"] == "main-elasticsearch"
    assert es["cluster_id"] == CLUSTER_ID
    assert es["version"] == "8.19.4"
    assert es["endpoint"] == CLUSTER_ID + ".ece.example.com"
    assert es["aliased_endpoint"] == "search.es.ece.example.com"
    assert es["proxy_address_certificate"] == CLUSTER_ID + ".ece.example.com:9400"
    assert es["proxy_address_api_key"] == CLUSTER_ID + ".ece.example.com:9443"
    assert es["server_name"] == CLUSTER_ID + ".ece.example.com"
    assert es["trust"]["accounts"][0]["trust_all"] is True
    assert es["traffic_filter_rulesets"] == ["rs-1"]
    assert es["ccr_enabled"] is True and es["created_before_ece_2_9"] is False
    assert es["has_remote_cluster_client"] is True
    assert es["plan"]["state"] == "success"
    assert es["remote_clusters"] is None and es["ca_certificates"] is None and es["keystore"] is None
    assert params_of(fake_http.requests[0]) == {"show_settings": "true"}
    assert fake_http.writes == []


def test_transport_passthrough_port_is_used(fake_http, run):
    resource = es_resource()
    resource["info"]["metadata"]["ports"]["transport_passthrough"] = 9401
    route_deployment(fake_http, deployment(resources=[resource]))
    es = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]["elasticsearch"][0]
    assert es["proxy_address_certificate"].endswith(":9401")
    assert es["proxy_address_api_key"].endswith(":9443")


@pytest.mark.parametrize("ccr,expected", [(False, True), (True, False), (None, None)])
def test_created_before_ece_2_9_from_the_ccr_flag(fake_http, run, ccr, expected):
    route_deployment(fake_http, deployment(resources=[es_resource(ccr=ccr)]))
    es = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]["elasticsearch"][0]
    assert es["created_before_ece_2_9"] is expected
    assert es["ccr_enabled"] is ccr


def test_missing_endpoint_gives_null_addresses(fake_http, run):
    route_deployment(fake_http, deployment(resources=[es_resource(endpoint=False)]))
    es = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]["elasticsearch"][0]
    assert es["proxy_address_certificate"] is None and es["proxy_address_api_key"] is None and es["server_name"] is None


def test_pending_and_failed_plans_are_summarised(fake_http, run):
    failed = {"healthy": False, "current": {"plan_attempt_id": "a2", "healthy": False, "plan": {},
                                            "plan_attempt_log": [{"step_id": "plan-completed", "status": "error",
                                                                  "info_log": [{"message": "boom"}]}]}}
    route_deployment(fake_http, deployment(resources=[es_resource(plan_info=failed)]))
    plan = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]["elasticsearch"][0]["plan"]
    assert plan["state"] == "failed" and plan["message"] == "boom"


def test_system_deployment_is_flagged(fake_http, run):
    route_deployment(fake_http, deployment(name="logging-and-metrics", system_owned=True))
    dep = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]
    assert dep["system_owned"] is True and "system_owned" in dep["system_reason"]


def test_several_resources(fake_http, run):
    resources = [es_resource(), es_resource(ref_id="analytics", cluster_id="c0ffee00c0ffee00c0ffee00c0ffee00")]
    route_deployment(fake_http, deployment(resources=resources))
    es = run(module, dict(CONN, deployment_id=DEP_ID))["deployment"]["elasticsearch"]
    assert [r["ref_id"] for r in es] == ["main-elasticsearch", "analytics"]
    assert es[1]["proxy_address_certificate"] == "c0ffee00c0ffee00c0ffee00c0ffee00.ece.example.com:9400"


def test_by_name_matches_exactly(fake_http, run):
    fake_http.add("GET", API + "/deployments", (200, {"deployments": [
        {"id": DEP_ID, "name": "search", "resources": []},
        {"id": "other", "name": "search-2", "resources": []},
        {"id": "third", "name": "Search", "resources": []}]}))
    route_deployment(fake_http, deployment())
    result = run(module, dict(CONN, name="search"))
    assert [d["id"] for d in result["deployments"]] == [DEP_ID]
    assert [r["path"] for r in fake_http.requests] == [API + "/deployments", API + "/deployments/" + DEP_ID]


def test_by_name_with_two_matches_has_no_single_deployment(fake_http, run):
    fake_http.add("GET", API + "/deployments", (200, {"deployments": [
        {"id": DEP_ID, "name": "search", "resources": []}, {"id": "second", "name": "search", "resources": []}]}))
    route_deployment(fake_http, deployment())
    route_deployment(fake_http, deployment(dep_id="second"))
    result = run(module, dict(CONN, name="search"))
    assert len(result["deployments"]) == 2
    assert "deployment" not in result


def test_by_cluster_id_sends_the_nested_query_in_check_mode(fake_http, run):
    fake_http.add("POST", API + "/deployments/_search",
                  (200, {"return_count": 1, "match_count": 1, "deployments": [{"id": DEP_ID, "name": "search"}]}))
    route_deployment(fake_http, deployment())
    result = run(module, dict(CONN, cluster_id=CLUSTER_ID), check=True)
    assert result["deployment"]["id"] == DEP_ID
    search = fake_http.requests[0]
    assert json.loads(search["body"]) == {"query": {"nested": {"path": "resources.elasticsearch", "query": {
        "term": {"resources.elasticsearch.id": {"value": CLUSTER_ID}}}}}}


def test_raw_query_is_sent_as_is_and_cursor_pages_are_followed(fake_http, run):
    query = {"query": {"match": {"name": {"query": "search"}}}, "size": 1}
    fake_http.add("POST", API + "/deployments/_search",
                  (200, {"return_count": 1, "match_count": 2, "cursor": "c1", "deployments": [{"id": DEP_ID, "name": "search"}]}),
                  (200, {"return_count": 1, "match_count": 2, "deployments": [{"id": "second", "name": "search 2"}]}))
    route_deployment(fake_http, deployment())
    route_deployment(fake_http, deployment(dep_id="second", name="search 2"))
    result = run(module, dict(CONN, query=query))
    assert [d["id"] for d in result["deployments"]] == [DEP_ID, "second"]
    assert json.loads(fake_http.requests[0]["body"]) == query
    assert json.loads(fake_http.requests[1]["body"]) == {"cursor": "c1"}


def test_without_selector_reads_every_deployment(fake_http, run):
    fake_http.add("GET", API + "/deployments", (200, {"deployments": [
        {"id": DEP_ID, "name": "search", "resources": []}, {"id": "second", "name": "logs", "resources": []}]}))
    route_deployment(fake_http, deployment())
    route_deployment(fake_http, deployment(dep_id="second", name="logs"))
    result = run(module, dict(CONN))
    assert [d["name"] for d in result["deployments"]] == ["search", "logs"]


def test_include_reads_remote_clusters_ca_and_keystore(fake_http, run):
    pem, digest = make_ca()
    route_deployment(fake_http, deployment())
    base = API + "/deployments/%s/elasticsearch/main-elasticsearch" % DEP_ID
    remote = {"alias": "logs", "deployment_id": "d2", "elasticsearch_ref_id": "main-elasticsearch", "skip_unavailable": False,
              "info": {"connected": True, "trusted": True, "trusted_back": False, "compatible": True, "healthy": True}}
    fake_http.add("GET", base + "/remote-clusters", (200, {"resources": [remote]}))
    fake_http.add("GET", base + "/keystore", (200, {"secrets": {"z.setting": {"as_file": False},
                                                                "cluster.remote.logs.credentials": {"as_file": False}}}))
    fake_http.add("GET", API + "/deployments/%s/certificate-authority" % DEP_ID, (200, {
        "recommended_trust_restriction": "*.node.%s.cluster.acc1.account" % CLUSTER_ID,
        "public_certificates": [{"active": True, "pem": pem, "metadata": {
            "fingerprint": "ECE-FORMAT", "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z"}}]}))
    es = run(module, dict(CONN, deployment_id=DEP_ID, include=["remote_clusters", "ca_certificates", "keystore"]))[
        "deployment"]["elasticsearch"][0]
    assert es["remote_clusters"] == [remote]
    assert es["keystore"] == ["cluster.remote.logs.credentials", "z.setting"]
    assert es["ca_certificates"] == [{"pem": pem, "fingerprint": digest, "active": True, "not_after": "2027-01-01T00:00:00Z",
                                      "not_before": "2026-01-01T00:00:00Z"}]
    assert es["recommended_trust_restriction"].startswith("*.node.%s" % CLUSTER_ID)
    assert fake_http.writes == []


def test_unreadable_ca_falls_back_to_ece_fingerprint():
    certificates, restriction = module.ca_certificates({"recommended_trust_restriction": "r", "public_certificates": [
        {"active": False, "pem": "garbage", "metadata": {"fingerprint": "abc", "valid_to": "x"}}]})
    assert certificates[0]["fingerprint"] == "abc" and certificates[0]["active"] is False and restriction == "r"


def test_unknown_deployment_id_fails_clearly(fake_http, run):
    fake_http.add("GET", API + "/deployments/nope", (404, {"errors": [{"code": "deployments.deployment_not_found",
                                                                       "message": "Deployment [nope] not found"}]}))
    result = run(module, dict(CONN, deployment_id="nope"))
    assert result["failed"] is True
    assert result["parameter"] == "deployment_id"
    assert "no deployment with ID 'nope'" in result["msg"] and "fail_on_missing" in result["msg"]


@pytest.mark.parametrize("args", [dict(deployment_id="nope"), dict(name="nope"), dict(cluster_id="nope")])
def test_fail_on_missing_false_returns_an_empty_list(fake_http, run, args):
    fake_http.add("GET", API + "/deployments/nope", (404, {"errors": [{"code": "deployments.deployment_not_found", "message": "x"}]}))
    fake_http.add("GET", API + "/deployments", (200, {"deployments": []}))
    fake_http.add("POST", API + "/deployments/_search", (200, {"return_count": 0, "match_count": 0, "deployments": []}))
    result = run(module, dict(CONN, fail_on_missing=False, **args))
    assert result.get("failed") is not True
    assert result["deployments"] == [] and "deployment" not in result


def test_unknown_cluster_id_fails(fake_http, run):
    fake_http.add("POST", API + "/deployments/_search", (200, {"return_count": 0, "match_count": 0, "deployments": []}))
    result = run(module, dict(CONN, cluster_id="deadbeef"))
    assert result["failed"] is True and result["parameter"] == "cluster_id"
    assert "holding the Elasticsearch cluster 'deadbeef'" in result["msg"]


def test_selectors_are_mutually_exclusive_and_fail_before_any_request(fake_http, run):
    result = run(module, dict(CONN, deployment_id=DEP_ID, name="search"))
    assert result["failed"] is True and "mutually exclusive" in result["msg"]
    assert fake_http.requests == []


def test_empty_selector_fails_before_any_request(fake_http, run):
    result = run(module, dict(CONN, name=" "))
    assert result["failed"] is True and result["parameter"] == "name"
    assert fake_http.requests == []


def test_api_error_is_reported_without_the_secret(fake_http, run):
    fake_http.add("GET", API + "/deployments/" + DEP_ID, (401, {"errors": [{"code": "root.unauthenticated",
                                                                            "message": "The supplied authentication is invalid"}]}))
    result = run(module, dict(CONN, deployment_id=DEP_ID))
    assert result["failed"] is True
    assert "The supplied authentication is invalid" in result["msg"] and "401" in result["msg"]
    assert result["api_error"]["status"] == 401
    assert CONN["ece_api_key"] not in json.dumps(result)


def test_fixture_is_not_modified_by_the_view():
    dep = deployment()
    before = copy.deepcopy(dep)
    module.deployment_view(dep)
    assert dep == before


def test_include_reads_traffic_filter_rules(fake_http, run):
    route_deployment(fake_http, deployment())
    ruleset = {"id": "rs-1", "name": "allow-logs", "type": "remote_cluster", "region": "ece-region", "include_by_default": False,
               "rules": [{"id": "r1", "remote_cluster_id": "c0ffee", "description": "logs"}]}
    fake_http.add("GET", API + "/deployments/traffic-filter/rulesets/rs-1", (200, ruleset))
    es = run(module, dict(CONN, deployment_id=DEP_ID, include=["traffic_filters"]))["deployment"]["elasticsearch"][0]
    assert es["traffic_filters"] == [{"id": "rs-1", "name": "allow-logs", "type": "remote_cluster", "region": "ece-region",
                                      "include_by_default": False,
                                      "rules": [{"id": "r1", "remote_cluster_id": "c0ffee", "description": "logs"}]}]
    assert es["keystore"] is None and fake_http.writes == []


def test_traffic_filter_deleted_meanwhile_is_skipped(fake_http, run):
    route_deployment(fake_http, deployment())
    fake_http.add("GET", API + "/deployments/traffic-filter/rulesets/rs-1",
                  (404, {"errors": [{"code": "traffic_filter.not_found", "message": "gone"}]}))
    es = run(module, dict(CONN, deployment_id=DEP_ID, include=["traffic_filters"]))["deployment"]["elasticsearch"][0]
    assert es["traffic_filters"] == []
