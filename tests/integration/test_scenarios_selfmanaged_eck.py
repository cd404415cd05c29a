"""Scenario tests D, E, I and J (ECE with a self-managed or ECK cluster), both security models, against a fresh lab.

Per case (``lab`` fixture: a fresh lab per test): foreign items are set up first - on the ECE deployment a direct trust
entry (and, as the local, an alias and a keystore setting); on the self-managed cluster an alias, a keystore setting on
every node and a foreign CA in the transport CA list; on the ECK cluster an alias, a secure-settings Secret with a
credentials entry and a foreign transport CA path. Then

1. check mode on the fresh lab: no write in the lab's request log, no file of the self-managed nodes changed
   (``elasticsearch.yml``, keystore and the other config files, by hash), nothing applied to the ECK cluster (its
   resource, Secrets, ConfigMaps, Services and restart count unchanged);
2. the real run: the alias is connected (``_remote/info`` from the lab's connection engine; ``cluster_credentials``
   only for the API key model) and a real cross-cluster search ``<alias>:logs-lab`` through the local cluster's HTTPS
   endpoint returns the seeded documents; every ``Elasticsearch`` manifest written to ``manifests_dir``, and the
   applied resource, passes the lab's strict ECK CRD validation;
3. a second run: ``changed=0``, no write in the request log, no file changed, nothing applied to ECK;
4. ``state: absent``: the alias, the keystore setting / Secret, the cross-cluster key (invalidated), the trust
   entries, CA files, list items and trust restrictions are gone - ``elasticsearch.yml`` is back to its text before the
   run (the remote cluster server that scenario D enables stays, by design), the ECK resource back to its spec (with
   ``remoteClusterServer`` left enabled in scenario E); the foreign items are untouched.

Helpers shared with the ECE scenarios come from ``test_scenarios.py``; the lab's check mode skips the ``verify`` tag
(verify waits for a connection check mode never makes).
"""

import base64
import copy
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import requests
import yaml

from harness import COLLECTION, LAB_DIR  # pylint: disable=import-error
from test_scenarios import (  # pylint: disable=import-error
    FOREIGN_ENTRY, FOREIGN_NODE, _RESOLVE, _trust_resource, assert_no_writes, cluster_of, deployment_info, remote_info,
    run_timed, search_hits, wait_connected)

from eceops_lab import eck as lab_eck  # pylint: disable=import-error,wrong-import-order

PLAYBOOKS = os.path.join(COLLECTION, "playbooks")
EXAMPLES = os.path.join(PLAYBOOKS, "examples")
MODELS = ("api_key", "certificate")
ECE = ("ece-a", "search-a")
FOREIGN_ALIAS = "foreign-remote"
FOREIGN_SETTING = "cluster.remote.foreign-remote.credentials"
FOREIGN_CA = "certs/foreign-ca.crt"
FOREIGN_SECRET = "user-secure-settings"
FOREIGN_ECK_CA = "/usr/share/elasticsearch/config/user-cas/ca.crt"
TRANSPORT_CAS = "xpack.security.transport.ssl.certificate_authorities"

SCENARIOS = {
    "ece_to_self_managed": {"letter": "d", "local": "ece", "remote": "sm"},
    "ece_to_eck": {"letter": "e", "local": "ece", "remote": "eck"},
    "self_managed_to_ece": {"letter": "i", "local": "sm", "remote": "ece"},
    "eck_to_ece": {"letter": "j", "local": "eck", "remote": "ece"},
}
CASES = [pytest.param(scenario, model, id="%s-%s" % (scenario, model)) for scenario in SCENARIOS for model in MODELS]


# ------------------------------------------------------------------------------------------------ lab access
def ensure_kubectl(lab):
    """The lab's kubectl stand-in (``labctl serve`` writes it; the in-process test lab does not)."""
    desc = lab.describe
    path = desc["clusters"]["eck/quickstart"]["kubectl"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write('#!/bin/sh\nexec "%s" "%s" --state "%s" --instance %d kubectl "$@"\n'
                     % (sys.executable, os.path.join(LAB_DIR, "labctl"), desc["state_dir"], desc["instance"]))
    os.chmod(path, 0o755)
    return path


def kubectl(lab, *args, stdin=None):
    """Run the lab's kubectl; returns stdout (fails the test on an error)."""
    proc = subprocess.run([ensure_kubectl(lab)] + list(args), input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60, check=False)
    assert proc.returncode == 0, "kubectl %s: %s" % (" ".join(args), proc.stderr)
    return proc.stdout


def es_http(lab, key, method, path, body=None):
    """A request to the self-managed (``sm``) or ECK (``eck/quickstart``) cluster's HTTPS endpoint, as elastic."""
    info = lab.describe["clusters"][key]
    os.environ["ECEOPS_HOSTS_FILE"] = lab.describe["hosts_file"]
    _RESOLVE.install_resolver()
    response = requests.request(method, info["es_url"] + path, json=body, timeout=30, auth=("elastic", info["elastic_password"]),
                                verify=info["http_ca"])
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def stack_search_hits(lab, key, alias, index="logs-lab"):
    """Hits of ``<alias>:<index>`` searched on a self-managed or ECK local (retried briefly)."""
    deadline = time.time() + 20
    while True:
        status, body = es_http(lab, key, "GET", "/%s:%s/_search?size=10" % (alias, index))
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, "search %s:%s on %s failed: %s %s" % (alias, index, key, status, body)
    return body["hits"]["total"]["value"]


def sm_nodes(lab):
    return lab.describe["clusters"]["sm"]["nodes"]


def sm_files(lab):
    """Every file of the self-managed nodes' config directories -> SHA-256 (what check mode must not change)."""
    out = {}
    for name, node in sorted(sm_nodes(lab).items()):
        for path in sorted(glob.glob(os.path.join(node["config_dir"], "**"), recursive=True)):
            if os.path.isfile(path):
                with open(path, "rb") as handle:
                    out["%s:%s" % (name, os.path.relpath(path, node["config_dir"]))] = hashlib.sha256(handle.read()).hexdigest()
    return out


def sm_yml(lab, node):
    with open(os.path.join(sm_nodes(lab)[node]["config_dir"], "elasticsearch.yml")) as handle:
        return handle.read()


def sm_keystore(lab, node):
    with open(os.path.join(sm_nodes(lab)[node]["config_dir"], "elasticsearch.keystore")) as handle:
        return json.load(handle)["entries"]


def eck_state(lab):
    """The ECK cluster's objects and restart count (what check mode and a second run must not change)."""
    cluster = lab.world.clusters["eck/quickstart"]
    with lab.world.lock:
        return json.dumps({"manifest": cluster.manifest, "secrets": cluster.secrets, "configmaps": cluster.configmaps,
                           "services": cluster.services, "restarts": cluster.restarts}, sort_keys=True, default=str)


def flat_yml(text):
    out = {}

    def walk(data, prefix):
        for key, value in (data or {}).items():
            name = "%s.%s" % (prefix, key) if prefix else str(key)
            if isinstance(value, dict):
                walk(value, name)
            else:
                out[name] = value
    walk(yaml.safe_load(text), "")
    return out


# ------------------------------------------------------------------------------------------------ variables
def ece_connection(lab):
    env = lab.describe["environments"][ECE[0]]
    return {"url": env["api_url"], "api_key": env["api_key"], "ca_path": env["api_ca"]}


def sm_side(lab, remote):
    info = lab.describe["clusters"]["sm"]
    side = {
        "es": {"url": info["es_url"], "username": "elastic", "password": info["elastic_password"], "ca_path": info["http_ca"]},
        "hosts": [{"host": name, "config_dir": node["config_dir"], "keystore_command": node["keystore_command"],
                   "restart_command": node["restart_command"]} for name, node in sorted(info["nodes"].items())],
        "ca_path": info["ca"],
        "remote_cluster_address": info["remote_cluster_address"],
        "transport_address": info["transport_address"],
        "node_names": ["%s.node.%s.cluster.selfmanaged.account" % (name, info["cluster_id"]) for name in sorted(info["nodes"])],
    }
    if remote:
        side["remote_cluster_server_settings"] = {
            "remote_cluster.host": info["address"], "xpack.security.remote_cluster_server.ssl.enabled": True,
            "xpack.security.remote_cluster_server.ssl.certificate": "certs/remote-cluster.crt",
            "xpack.security.remote_cluster_server.ssl.key": "certs/remote-cluster.key"}
    return side


def eck_side(lab, remote=False):
    info = lab.describe["clusters"]["eck/quickstart"]
    side = {
        "es": {"url": info["es_url"], "username": "elastic", "password": info["elastic_password"], "ca_path": info["http_ca"]},
        "name": "quickstart", "namespace": info["namespace"], "kubectl": ensure_kubectl(lab), "apply": "kubectl",
        "manifests_dir": manifests_dir(lab),
        "remote_cluster_address": info["remote_cluster_address"], "transport_address": info["transport_address"],
    }
    if remote:
        side["expose"] = "load_balancer"     # a LoadBalancer Service in front of 9443 / 9300
    return side


def manifests_dir(lab):
    return os.path.join(lab.describe["state_dir"], "eck-manifests")


def fresh_manifests_dir(lab):
    """The lab's reset keeps its state directory: start every test without manifests of an earlier one."""
    shutil.rmtree(manifests_dir(lab), ignore_errors=True)


def scenario_vars(lab, scenario, model):
    case = SCENARIOS[scenario]
    p = scenario
    out = {"%s_ece" % p: ece_connection(lab)}
    ece_which = "local" if case["local"] == "ece" else "remote"
    out["%s_%s_deployment_id" % (p, ece_which)] = deployment_info(lab, *ECE)["id"]
    for which in ("local", "remote"):
        kind = case[which]
        if kind == "sm":
            out["%s_%s_self_managed" % (p, which)] = sm_side(lab, which == "remote")
        elif kind == "eck":
            out["%s_%s_eck" % (p, which)] = eck_side(lab, which == "remote")
    if case["local"] != "ece":
        key = "sm" if case["local"] == "sm" else "eck/quickstart"
        out["%s_local_egress_ips" % p] = [lab.describe["clusters"][key]["address"]]
    out.update({"%s_alias" % p: "%s-%s" % (case["letter"], model.replace("_", "-")), "%s_security_model" % p: model,
                "%s_verify_index" % p: None, "%s_wait_timeout" % p: 120})
    return out


# ------------------------------------------------------------------------------------------------ foreign items
def add_foreign(lab, case):
    """Items the collection must leave alone, on every side of the case."""
    world = lab.world
    sm_ca = open(lab.describe["clusters"]["sm"]["ca"]).read()
    with world.lock:
        res = _trust_resource(lab, *ECE)
        stored = dict(res.trust or {})
        trust = {"accounts": stored.get("accounts") or [], "external": stored.get("external") or [],
                 "direct": list(stored.get("direct") or []) + [{"type": "generic", "name": FOREIGN_ENTRY, "trust_all": False,
                                                                "additional_node_names": [FOREIGN_NODE],
                                                                "certificates": [{"pem": sm_ca}]}]}
        res.trust = world.ece_apis[ECE[0]].normalize_trust(trust, res, "settings.trust")
        if case["local"] == "ece":
            res.keystore[FOREIGN_SETTING] = {"value": base64.b64encode(b"foreign:key").decode(), "as_file": False}
    alias_body = {"persistent": {"cluster.remote.%s.mode" % FOREIGN_ALIAS: "proxy",
                                 "cluster.remote.%s.proxy_address" % FOREIGN_ALIAS: "foreign.example.com:9443",
                                 "cluster.remote.%s.skip_unavailable" % FOREIGN_ALIAS: True}}
    if case["local"] == "ece":
        from test_scenarios import http  # pylint: disable=import-error,import-outside-toplevel
        status, body = http(lab, ECE[0], ECE[1], "PUT", "/_cluster/settings", alias_body)
        assert status == 200, body
    if "sm" in (case["local"], case["remote"]):
        for name, node in sm_nodes(lab).items():
            with open(os.path.join(node["config_dir"], FOREIGN_CA), "w") as handle:
                handle.write(sm_ca)
            path = os.path.join(node["config_dir"], "elasticsearch.yml")
            data = yaml.safe_load(open(path).read())
            data[TRANSPORT_CAS] = list(data[TRANSPORT_CAS]) + [FOREIGN_CA]
            with open(path, "w") as handle:
                handle.write(yaml.safe_dump(data, default_flow_style=False, sort_keys=False))
            subprocess.run([node["keystore_command"], "add", "-x", "-f", FOREIGN_SETTING], input="Zm9yZWlnbjprZXk=\n",
                           universal_newlines=True, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            subprocess.run([node["restart_command"]], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if case["local"] == "sm":
            status, body = es_http(lab, "sm", "PUT", "/_cluster/settings", alias_body)
            assert status == 200, body
    if "eck" in (case["local"], case["remote"]):
        current = json.loads(kubectl(lab, "get", "elasticsearch", "quickstart", "-o", "json"))
        manifest = {"apiVersion": current["apiVersion"], "kind": "Elasticsearch",
                    "metadata": {"name": "quickstart", "namespace": "default"}, "spec": copy.deepcopy(current["spec"])}
        manifest["spec"]["secureSettings"] = [{"secretName": FOREIGN_SECRET}]
        nodeset = manifest["spec"]["nodeSets"][0]
        nodeset.setdefault("config", {})[TRANSPORT_CAS] = [FOREIGN_ECK_CA]
        nodeset["podTemplate"] = {"spec": {"volumes": [{"name": "user-cas", "configMap": {"name": "user-cas"}}],
                                           "containers": [{"name": "elasticsearch", "volumeMounts": [
                                               {"name": "user-cas", "mountPath": "/usr/share/elasticsearch/config/user-cas"}]}]}}
        objects = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": FOREIGN_SECRET},
                    "stringData": {FOREIGN_SETTING: "Zm9yZWlnbjprZXk="}},
                   {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "user-cas"}, "data": {"ca.crt": sm_ca}},
                   manifest]
        kubectl(lab, "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
        if case["local"] == "eck":
            status, body = es_http(lab, "eck/quickstart", "PUT", "/_cluster/settings", alias_body)
            assert status == 200, body


def foreign_problems(lab, case):
    """What happened to the foreign items (empty when they are all intact)."""
    problems = []
    entries = [d for d in (_trust_resource(lab, *ECE).trust.get("direct") or []) if d.get("name") == FOREIGN_ENTRY]
    if len(entries) != 1 or entries[0].get("additional_node_names") != [FOREIGN_NODE]:
        problems.append("the foreign trust entry of the ECE deployment is gone or changed: %s" % entries)
    local = local_cluster(lab, case)
    if local.settings["persistent"].get("cluster.remote.%s.proxy_address" % FOREIGN_ALIAS) != "foreign.example.com:9443":
        problems.append("the foreign alias of the local cluster is gone or changed")
    if case["local"] == "ece" and FOREIGN_SETTING not in _trust_resource(lab, *ECE).keystore:
        problems.append("the foreign keystore setting of the ECE deployment is gone")
    if "sm" in (case["local"], case["remote"]):
        for name in sm_nodes(lab):
            if FOREIGN_SETTING not in sm_keystore(lab, name):
                problems.append("%s: the foreign keystore setting is gone" % name)
            cas = flat_yml(sm_yml(lab, name)).get(TRANSPORT_CAS) or []
            if "certs/ca.crt" not in cas or FOREIGN_CA not in cas:
                problems.append("%s: the transport CA list lost a foreign item: %s" % (name, cas))
    if "eck" in (case["local"], case["remote"]):
        cluster = lab.world.clusters["eck/quickstart"]
        spec = cluster.manifest["spec"]
        if {"secretName": FOREIGN_SECRET} not in (spec.get("secureSettings") or []) or FOREIGN_SECRET not in cluster.secrets:
            problems.append("the foreign secure settings Secret (or its reference) is gone")
        if FOREIGN_ECK_CA not in (spec["nodeSets"][0].get("config") or {}).get(TRANSPORT_CAS, []):
            problems.append("the foreign transport CA path is gone: %s" % spec["nodeSets"][0].get("config"))
        volumes = [v["name"] for v in ((spec["nodeSets"][0].get("podTemplate") or {}).get("spec") or {}).get("volumes") or []]
        if "user-cas" not in volumes:
            problems.append("the foreign volume is gone: %s" % volumes)
    return problems


# ------------------------------------------------------------------------------------------------ checks
def local_cluster(lab, case):
    if case["local"] == "ece":
        return cluster_of(lab, *ECE)
    return lab.world.clusters["sm" if case["local"] == "sm" else "eck/quickstart"]


def remote_cluster(lab, case):
    if case["remote"] == "ece":
        return cluster_of(lab, *ECE)
    return lab.world.clusters["sm" if case["remote"] == "sm" else "eck/quickstart"]


def validate_manifests(lab):
    """Every Elasticsearch manifest the role wrote, and the applied resource, against ECK's CRD (strict)."""
    errors = []
    files = sorted(glob.glob(os.path.join(manifests_dir(lab), "*.yml")))
    found = 0
    for path in files:
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if isinstance(doc, dict) and doc.get("kind") == "Elasticsearch":
                    found += 1
                    errors += ["%s: %s" % (os.path.basename(path), e) for e in lab_eck.validate_elasticsearch(doc)]
    errors += ["applied resource: %s" % e for e in lab_eck.validate_elasticsearch(lab.world.clusters["eck/quickstart"].manifest)]
    assert errors == [], "\n".join(errors)
    return found


def leftovers(lab, case, alias, model):
    """What the collection added for ``alias`` and did not remove."""
    problems = []
    local = local_cluster(lab, case)
    for scope in ("persistent", "transient"):
        keys = [k for k in local.settings[scope] if k.startswith("cluster.remote.%s." % alias)]
        if keys:
            problems.append("alias settings left (%s): %s" % (scope, keys))
    if alias in remote_info(lab, local):
        problems.append("the alias is still in _remote/info")
    setting = "cluster.remote.%s.credentials" % alias
    res = _trust_resource(lab, *ECE)
    if setting in res.keystore:
        problems.append("the ECE keystore keeps %s" % setting)
    ours = [d.get("name") for d in res.trust.get("direct") or [] if str(d.get("name", "")).startswith("eceops %s " % alias)]
    if ours:
        problems.append("the ECE deployment keeps direct entries %s" % ours)
    if [t for t in res.deployment.tags if t.get("key") == "eceops-rc-%s" % alias]:
        problems.append("the ECE deployment keeps the tag eceops-rc-%s" % alias)
    active = [k.id for k in remote_cluster(lab, case).api_keys.values()
              if k.name.startswith(alias + "-") and k.type == "cross_cluster" and not k.invalidated]
    if active:
        problems.append("active cross-cluster keys for %s: %s" % (alias, active))
    if "sm" in (case["local"], case["remote"]):
        for name, node in sm_nodes(lab).items():
            if setting in sm_keystore(lab, name):
                problems.append("%s: the keystore keeps %s" % (name, setting))
            left = [os.path.basename(p) for p in glob.glob(os.path.join(node["config_dir"], "eceops-*"))]
            if left:
                problems.append("%s: files left: %s" % (name, left))
    if "eck" in (case["local"], case["remote"]):
        cluster = lab.world.clusters["eck/quickstart"]
        left = [n for n in list(cluster.secrets) + list(cluster.configmaps) + list(cluster.services) if "-eceops-" in n
                and not n.endswith("-rcs-lb")]
        if left:
            problems.append("ECK objects left: %s" % left)
    return problems


@pytest.mark.parametrize("scenario, model", CASES)
def test_scenario(lab, request, scenario, model):
    """Check mode writes nothing; the run connects and searches; a second run changes nothing; absent undoes it."""
    case = SCENARIOS[scenario]
    playbook = os.path.join(PLAYBOOKS, scenario + ".yml")
    inventory = os.path.join(EXAMPLES, scenario, "inventory.yml")
    extra = scenario_vars(lab, scenario, model)
    alias = extra["%s_alias" % scenario]
    has_sm = "sm" in (case["local"], case["remote"])
    has_eck = "eck" in (case["local"], case["remote"])
    fresh_manifests_dir(lab)
    add_foreign(lab, case)
    yml_before = dict((name, sm_yml(lab, name)) for name in sm_nodes(lab)) if has_sm else {}
    eck_before = copy.deepcopy(lab.world.clusters["eck/quickstart"].manifest)

    # 1. check mode on the fresh lab
    files, eck = sm_files(lab) if has_sm else None, eck_state(lab)
    mark = lab.mark()
    result = run_timed(lab, request, "check", playbook, extra, check=True, inventory=inventory, skip_tags=["verify"])
    assert result.changed > 0, "check mode reported nothing to do"
    assert_no_writes(lab, mark, "check mode")
    if has_sm:
        assert sm_files(lab) == files, "check mode changed files of the self-managed nodes"
    assert eck_state(lab) == eck, "check mode applied something to the ECK cluster"
    assert not os.path.exists(manifests_dir(lab)) or not os.listdir(manifests_dir(lab)), "check mode wrote manifests"

    # 2. the run connects
    run_timed(lab, request, "run", playbook, extra, inventory=inventory)
    local = local_cluster(lab, case)
    entry = wait_connected(lab, local, alias)
    assert entry.get("connected"), "not connected: %s" % entry
    assert entry.get("mode") == "proxy"
    port = {"api_key": {"ece": "9443", "sm": "9443", "eck": "9443"},
            "certificate": {"ece": "9400", "sm": "9300", "eck": "9300"}}[model][case["remote"]]
    assert entry["proxy_address"].endswith(":" + port), entry
    if model == "api_key":
        assert entry.get("cluster_credentials") == "::es_redacted::", entry
    else:
        assert "cluster_credentials" not in entry, entry
    if case["local"] == "ece":
        assert search_hits(lab, ECE[0], ECE[1], alias) == 3
    else:
        assert stack_search_hits(lab, "sm" if case["local"] == "sm" else "eck/quickstart", alias) == 3
    if has_eck:
        assert validate_manifests(lab) >= 1, "no Elasticsearch manifest was written to manifests_dir"
    if case["remote"] == "eck":
        service = "quickstart-eceops-%s-lb" % ("rcs" if model == "api_key" else "transport")
        spec = lab.world.clusters["eck/quickstart"].services.get(service, {}).get("spec", {})
        assert spec.get("type") == "LoadBalancer" and spec["ports"][0]["port"] == (9443 if model == "api_key" else 9300), spec
    if has_sm and model == "certificate":
        for name in sm_nodes(lab):
            flat = flat_yml(sm_yml(lab, name))
            assert flat[TRANSPORT_CAS] == ["certs/ca.crt", FOREIGN_CA, "eceops-%s-transport-ca.crt" % alias], flat[TRANSPORT_CAS]
            assert flat["xpack.security.transport.ssl.trust_restrictions.path"] == "eceops-trust-restrictions.yml"

    # 3. the second run changes nothing
    files, eck = sm_files(lab) if has_sm else None, eck_state(lab)
    mark = lab.mark()
    result = run_timed(lab, request, "second run", playbook, extra, inventory=inventory)
    assert result.changed == 0, "the second run changed something:\n%s" % result.output[-8000:]
    assert_no_writes(lab, mark, "the second run")
    if has_sm:
        assert sm_files(lab) == files, "the second run changed files of the self-managed nodes"
    assert eck_state(lab) == eck, "the second run applied something to the ECK cluster"

    # 4. absent removes what was added, and only that
    absent = dict(extra, **{"%s_state" % scenario: "absent"})
    run_timed(lab, request, "absent", playbook, absent, inventory=inventory)
    problems = leftovers(lab, case, alias, model) + foreign_problems(lab, case)
    server_kept = model == "api_key" and case["remote"] in ("sm", "eck")
    for name, text in yml_before.items():
        now = sm_yml(lab, name)
        if server_kept and case["remote"] == "sm":
            added = dict((k, v) for k, v in flat_yml(now).items() if flat_yml(text).get(k) != v)
            if set(added) != {"remote_cluster_server.enabled", "remote_cluster.host", "xpack.security.remote_cluster_server.ssl.enabled",
                              "xpack.security.remote_cluster_server.ssl.certificate", "xpack.security.remote_cluster_server.ssl.key"}:
                problems.append("%s: elasticsearch.yml differs beyond the remote cluster server: %s" % (name, added))
        elif now != text:
            problems.append("%s: elasticsearch.yml is not back to its text before the run:\n%s\n---\n%s" % (name, text, now))
    if has_eck:
        spec = copy.deepcopy(lab.world.clusters["eck/quickstart"].manifest["spec"])
        if server_kept and case["remote"] == "eck":
            assert spec.pop("remoteClusterServer") == {"enabled": True}
        if spec != eck_before["spec"]:
            problems.append("the ECK resource is not back to its spec:\n%s\n---\n%s" % (json.dumps(eck_before["spec"]), json.dumps(spec)))
        validate_manifests(lab)
    assert problems == [], "\n".join(problems)


def test_eck_apply_none_writes_the_manifests_only(lab, request):
    """apply: none - the role reads the resource from the side's manifest file and writes every manifest to
    manifests_dir without applying anything; applying them afterwards brings the connection up (a GitOps flow)."""
    fresh_manifests_dir(lab)
    extra = scenario_vars(lab, "ece_to_eck", "api_key")
    current = json.loads(kubectl(lab, "get", "elasticsearch", "quickstart", "-o", "json"))
    base = os.path.join(lab.describe["state_dir"], "quickstart-es.yml")
    with open(base, "w") as handle:
        yaml.safe_dump({"apiVersion": current["apiVersion"], "kind": current["kind"],
                        "metadata": {"name": "quickstart", "namespace": "default"}, "spec": current["spec"]}, handle)
    # without kubectl the transport CA cannot be read from its Secret: give it as a file
    extra["ece_to_eck_remote_eck"].update({"apply": "none", "manifest": base, "expose": "none",
                                           "ca_path": lab.describe["clusters"]["eck/quickstart"]["transport_ca"]})
    before = eck_state(lab)
    run_timed(lab, request, "run", os.path.join(PLAYBOOKS, "ece_to_eck.yml"), extra,
              inventory=os.path.join(EXAMPLES, "ece_to_eck", "inventory.yml"), skip_tags=["verify"])
    assert eck_state(lab) == before, "apply: none applied something"
    path = os.path.join(manifests_dir(lab), "elasticsearch-quickstart.yml")
    with open(path) as handle:
        manifest = yaml.safe_load(handle)
    assert manifest["spec"]["remoteClusterServer"] == {"enabled": True}
    assert validate_manifests(lab) == 1
    kubectl(lab, "apply", "-f", manifests_dir(lab))
    entry = wait_connected(lab, cluster_of(lab, *ECE), "e-api-key")
    assert entry.get("connected") and entry.get("cluster_credentials") == "::es_redacted::", entry
