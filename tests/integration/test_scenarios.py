"""Scenario tests: every scenario playbook, in both security models, end to end against a fresh lab.

Per case (one lab per test, ``lab`` fixture): foreign items are set up first (an alias, a keystore setting and a
direct trust entry that the collection did not create); then

1. check mode on the fresh lab - the lab's request log holds no write;
2. the real run - the alias is connected (``_remote/info`` through the lab's connection engine, with
   ``cluster_credentials`` for the API key model and without for the certificate model) and a real cross-cluster
   search ``<alias>:logs-lab`` through the local cluster's HTTPS endpoint returns the seeded documents;
3. a second run - ``changed=0`` in the recap and no write in the request log;
4. ``state: absent`` - the alias, the keystore setting, the cross-cluster keys (invalidated), the trust entries and
   allowlist records, the trust relationships, the traffic filter ruleset and the roles the collection made are gone;
   the foreign alias, keystore setting and trust entry are untouched.

The duration of every playbook run is printed (``-s`` shows it; it is also a junit property).

Shared helpers for scenario tests (the other scenario builders use them too): :func:`remote_info`, :func:`http`,
:func:`search_hits`, :func:`add_foreign_items`, :func:`foreign_items_intact`, :func:`assert_no_writes`,
:func:`run_timed`.
"""

import base64
import importlib.util
import json
import os
import time

import pytest
import requests

from harness import COLLECTION, run_playbook  # pylint: disable=import-error

PLAYBOOKS = os.path.join(COLLECTION, "playbooks")
MODELS = ("api_key", "certificate")
FOREIGN_ALIAS = "foreign-remote"
FOREIGN_SETTING = "cluster.remote.foreign-remote.credentials"
FOREIGN_ENTRY = "foreign trusted environment"
FOREIGN_NODE = "node-1.foreign.example.com"


# ------------------------------------------------------------------------------------------------ shared helpers
def _resolver():
    """The collection's ``ECEOPS_HOSTS_FILE`` resolver, loaded by path (so the test process resolves lab names)."""
    path = os.path.join(COLLECTION, "plugins", "module_utils", "_resolve.py")
    spec = importlib.util.spec_from_file_location("eceops_test_resolve", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RESOLVE = _resolver()


def deployment_info(lab, env, name):
    """The lab's description of a deployment (``lab.environments[env].deployments[name]``) plus its environment."""
    environment = lab.describe["environments"][env]
    return dict(environment["deployments"][name], env=env, env_info=environment)


def cluster_of(lab, env, name):
    """The lab's Cluster object of an ECE/ECH deployment."""
    return lab.world.clusters["%s/%s" % (env, name)]


def remote_info(lab, cluster):
    """``GET _remote/info`` of ``cluster`` as the lab's connection engine computes it."""
    with lab.world.lock:
        return lab.world.connector.remote_info(cluster)


def http(lab, env, name, method, path, body=None, timeout=30):
    """A request to a deployment's Elasticsearch through its HTTPS endpoint, as ``elastic`` -> (status, JSON body)."""
    dep = deployment_info(lab, env, name)
    os.environ["ECEOPS_HOSTS_FILE"] = lab.describe["hosts_file"]
    _RESOLVE.install_resolver()
    response = requests.request(method, dep["es_url"] + path, json=body, timeout=timeout,
                                auth=("elastic", dep["elastic_password"]), verify=dep["env_info"]["proxy_ca"])
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def search_hits(lab, env, name, alias, index="logs-lab"):
    """Hits of a real cross-cluster search ``<alias>:<index>`` sent to the local deployment (retried briefly)."""
    deadline = time.time() + 20
    while True:
        status, body = http(lab, env, name, "GET", "/%s:%s/_search?size=10" % (alias, index))
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, "search %s:%s failed: %s %s" % (alias, index, status, body)
    return body["hits"]["total"]["value"] if isinstance(body["hits"]["total"], dict) else body["hits"]["total"]


def wait_connected(lab, cluster, alias, timeout=30):
    """The ``_remote/info`` entry of ``alias`` once connected (or the last one seen)."""
    deadline = time.time() + timeout
    while True:
        entry = remote_info(lab, cluster).get(alias) or {}
        if entry.get("connected") or time.time() > deadline:
            return entry
        time.sleep(0.3)


def writes_described(writes):
    """The write requests as text (for assertion messages)."""
    return "\n".join("%s %s %s %s" % (w.get("service"), w.get("method"), w.get("path"), w.get("status")) for w in writes)


def assert_no_writes(lab, mark, what):
    """No write request in the lab's log after ``mark``."""
    writes = lab.writes_since(mark)
    assert writes == [], "%s wrote to the lab:\n%s" % (what, writes_described(writes))


def run_timed(lab, request, label, playbook, extra_vars, **kwargs):
    """Run a playbook, print and record its duration, fail with its output when it fails."""
    result = run_playbook(lab, playbook, extra_vars=extra_vars, **kwargs)
    line = "%s: %s %.1f s (rc=%s, changed=%s)" % (request.node.name, label, result.duration, result.rc, result.changed)
    print(line, flush=True)
    request.node.user_properties.append((label + "_seconds", round(result.duration, 1)))
    assert result.rc == 0 and result.failed == 0, "%s failed:\n%s" % (label, result.output[-12000:])
    return result


def _trust_resource(lab, env, name):
    dep = lab.world.deployment(deployment_info(lab, env, name)["id"])
    return dep.es[0]


def add_foreign_items(lab, local, remote):
    """What the collection must never touch: an alias and a keystore setting on the local, and a direct trust entry
    on every ECE/ECH side. ``local``/``remote`` are ``(environment, deployment name)``."""
    with open(lab.describe["clusters"]["sm"]["ca"]) as handle:
        sm_ca = handle.read()
    world = lab.world
    with world.lock:
        for env, name in (local, remote):
            res = _trust_resource(lab, env, name)
            stored = dict(res.trust or {})
            trust = {"accounts": stored.get("accounts") or [], "external": stored.get("external") or [],
                     "direct": list(stored.get("direct") or []) + [{
                         "type": "generic", "name": FOREIGN_ENTRY, "trust_all": False,
                         "additional_node_names": [FOREIGN_NODE], "certificates": [{"pem": sm_ca}]}]}
            res.trust = world.ece_apis[env].normalize_trust(trust, res, "settings.trust")
        res = _trust_resource(lab, *local)
        res.keystore[FOREIGN_SETTING] = {"value": base64.b64encode(b"foreign:key").decode(), "as_file": False}
    status, body = http(lab, local[0], local[1], "PUT", "/_cluster/settings", {"persistent": {
        "cluster.remote.%s.mode" % FOREIGN_ALIAS: "proxy",
        "cluster.remote.%s.proxy_address" % FOREIGN_ALIAS: "foreign.example.com:9443",
        "cluster.remote.%s.skip_unavailable" % FOREIGN_ALIAS: True}})
    assert status == 200, body


FOREIGN_CLUSTER = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"


def restrict_accounts(lab, env, name):
    """Make a deployment trust only one (foreign) cluster of its environment (``accounts`` without ``trust_all``)."""
    world = lab.world
    with world.lock:
        res = _trust_resource(lab, env, name)
        stored = dict(res.trust or {})
        account = world.environments[env].account_id
        trust = {"accounts": [{"account_id": account, "name": "Default trust", "trust_all": False,
                               "trust_allowlist": [FOREIGN_CLUSTER]}],
                 "external": stored.get("external") or [], "direct": stored.get("direct") or []}
        res.trust = world.ece_apis[env].normalize_trust(trust, res, "settings.trust")


def accounts_entry(lab, env, name):
    """The ``accounts`` entries of a deployment's stored trust."""
    return _trust_resource(lab, env, name).trust.get("accounts") or []


def foreign_items_intact(lab, local, remote):
    """Problems with the foreign items (empty when they are all still there)."""
    problems = []
    local_cluster = cluster_of(lab, *local)
    settings = dict(local_cluster.settings["persistent"])
    if settings.get("cluster.remote.%s.proxy_address" % FOREIGN_ALIAS) != "foreign.example.com:9443":
        problems.append("the foreign alias is gone or changed: %s" % dict((k, v) for k, v in settings.items() if FOREIGN_ALIAS in k))
    if FOREIGN_SETTING not in _trust_resource(lab, *local).keystore:
        problems.append("the foreign keystore setting is gone")
    for env, name in (local, remote):
        entries = [d for d in (_trust_resource(lab, env, name).trust.get("direct") or []) if d.get("name") == FOREIGN_ENTRY]
        if len(entries) != 1 or entries[0].get("additional_node_names") != [FOREIGN_NODE]:
            problems.append("the foreign trust entry of %s/%s is gone or changed: %s" % (env, name, entries))
    return problems


def leftovers(lab, local, remote, alias, key_name, role_name=None):
    """What the collection added for ``alias`` and did not remove (empty when everything is gone)."""
    problems = []
    world = lab.world
    local_cluster, remote_cluster = cluster_of(lab, *local), cluster_of(lab, *remote)
    for scope in ("persistent", "transient"):
        keys = [k for k in local_cluster.settings[scope] if k.startswith("cluster.remote.%s." % alias)]
        if keys:
            problems.append("alias settings left (%s): %s" % (scope, keys))
    if alias in remote_info(lab, local_cluster):
        problems.append("the alias is still in _remote/info")
    setting = "cluster.remote.%s.credentials" % alias
    if setting in _trust_resource(lab, *local).keystore:
        problems.append("the keystore setting %s is left" % setting)
    active = [k.id for k in remote_cluster.api_keys.values() if k.name == key_name and not k.invalidated]
    if active:
        problems.append("active cross-cluster keys named %s: %s" % (key_name, active))
    for env, name in (local, remote):
        res = _trust_resource(lab, env, name)
        ours = [d.get("name") for d in res.trust.get("direct") or [] if str(d.get("name", "")).startswith("eceops %s " % alias)]
        if ours:
            problems.append("%s/%s keeps direct entries %s" % (env, name, ours))
        tags = [t for t in res.deployment.tags if t.get("key") == "eceops-rc-%s" % alias]
        if tags:
            problems.append("%s/%s keeps the tag %s" % (env, name, tags))
        environment = world.environments[env]
        ours_rel = [r["id"] for r in environment.trust_relationships.values() if str(r.get("name", "")).startswith("eceops ")]
        if ours_rel:
            problems.append("%s keeps trust relationships %s" % (env, ours_rel))
        external = [e for e in res.trust.get("external") or [] if e.get("trust_relationship_id") not in environment.trust_relationships]
        if external:
            problems.append("%s/%s has external entries of deleted relationships: %s" % (env, name, external))
        rulesets = [r.get("name") for r in environment.rulesets.values() if alias in str(r.get("name", ""))]
        if rulesets:
            problems.append("%s keeps rulesets %s" % (env, rulesets))
        if role_name and role_name in cluster_of(lab, env, name).roles:
            problems.append("the role %s is left on %s/%s" % (role_name, env, name))
    return problems


# ------------------------------------------------------------------------------------------------ scenarios
def _ece(env):
    return {"url": env["api_url"], "api_key": env["api_key"], "ca_path": env["api_ca"]}


def _es(dep):
    return {"url": dep["es_url"], "username": "elastic", "password": dep["elastic_password"], "ca_path": dep["env_info"]["proxy_ca"]}


#: scenario role -> the pair (environment, deployment) of each side, the API variables, and what the case exercises
SCENARIOS = {
    "ece_to_same_ece": {"letter": "a", "local": ("ece-a", "logs-a"), "remote": ("ece-a", "search-a"),
                        "apis": {"ece": "local"}, "network_security": "always", "search_role": True},
    "same_ece_to_ece": {"letter": "f", "local": ("ece-a", "metrics-a"), "remote": ("ece-a", "logs-a"),
                        "apis": {"ece": "local"}, "network_security": "auto", "connect_via": "ece_api", "restrict_accounts": True},
    "ece_to_other_ece": {"letter": "b", "local": ("ece-a", "logs-a"), "remote": ("ece-b", "search-b"),
                         "apis": {"local_ece": "local", "remote_ece": "remote"}, "network_security": "always", "egress": True},
    "other_ece_to_ece": {"letter": "g", "local": ("ece-b", "search-b"), "remote": ("ece-a", "search-a"),
                         "apis": {"local_ece": "local", "remote_ece": "remote"}, "network_security": "auto", "egress": True},
    "ece_to_ech": {"letter": "c", "local": ("ece-a", "logs-a"), "remote": ("ech", "search-ech"),
                   "apis": {"ece": "local", "ech": "remote"}, "network_security": "always", "egress": True, "search_role": True},
    "ech_to_ece": {"letter": "h", "local": ("ech", "logs-ech"), "remote": ("ece-a", "search-a"),
                   "apis": {"ech": "local", "ece": "remote"}, "network_security": "always", "egress": True},
}


def scenario_vars(lab, scenario, model):
    """The extra vars of a scenario playbook for the lab (everything a survey would ask)."""
    case = SCENARIOS[scenario]
    p = scenario
    local, remote = deployment_info(lab, *case["local"]), deployment_info(lab, *case["remote"])
    sides = {"local": local, "remote": remote}
    out = {}
    for var, which in case["apis"].items():
        out["%s_%s" % (p, var)] = _ece(sides[which]["env_info"])
    for which, dep in sides.items():
        out["%s_%s_deployment_id" % (p, which)] = dep["id"]
        if dep["env_info"]["kind"] == "ech":
            out["%s_%s_es" % (p, which)] = _es(dep)
            out["%s_%s_organization_id" % (p, which)] = dep["env_info"]["organization_id"]
    if case.get("egress"):
        out["%s_local_egress_ips" % p] = [local["env_info"]["address"]]
    out.update({
        "%s_alias" % p: "%s-%s" % (case["letter"], model.replace("_", "-")),
        "%s_security_model" % p: model,
        "%s_verify_index" % p: "logs-lab",
        "%s_network_security" % p: case["network_security"] if model == "api_key" else "auto",
        "%s_wait_timeout" % p: 120,
    })
    if case.get("search_role"):
        out["%s_search_role" % p] = {"name": "%s-searcher" % case["letter"], "names": ["logs-*"]}
    if case.get("connect_via") and model == "certificate":
        out["%s_connect_via" % p] = case["connect_via"]
    return out


CASES = [pytest.param(scenario, model, id="%s-%s" % (scenario, model)) for scenario in SCENARIOS for model in MODELS]


@pytest.mark.parametrize("scenario, model", CASES)
def test_scenario(lab, request, scenario, model):
    """Check mode writes nothing; the run connects and searches; a second run changes nothing; absent undoes it."""
    case = SCENARIOS[scenario]
    playbook = os.path.join(PLAYBOOKS, scenario + ".yml")
    extra = scenario_vars(lab, scenario, model)
    alias = extra["%s_alias" % scenario]
    local_cluster = cluster_of(lab, *case["local"])
    key_name = "%s-%s" % (alias, local_cluster.cluster_id)
    role_name = (extra.get("%s_search_role" % scenario) or {}).get("name")
    add_foreign_items(lab, case["local"], case["remote"])
    if case.get("restrict_accounts"):
        restrict_accounts(lab, *case["remote"])

    mark = lab.mark()
    result = run_timed(lab, request, "check", playbook, extra, check=True)
    assert result.changed > 0, "check mode reported nothing to do"
    assert_no_writes(lab, mark, "check mode")

    run_timed(lab, request, "run", playbook, extra)
    entry = wait_connected(lab, local_cluster, alias)
    assert entry.get("connected"), "not connected: %s" % entry
    assert entry.get("mode") == "proxy"
    if model == "api_key":
        assert entry.get("cluster_credentials") == "::es_redacted::", entry
        assert entry["proxy_address"].endswith(":9443"), entry
    else:
        assert "cluster_credentials" not in entry, entry
        assert entry["proxy_address"].endswith(":9400"), entry
    assert search_hits(lab, case["local"][0], case["local"][1], alias) == 3
    if case.get("restrict_accounts") and model == "certificate":
        entry = accounts_entry(lab, *case["remote"])[0]
        assert entry["trust_all"] is False and sorted(entry["trust_allowlist"]) == sorted([FOREIGN_CLUSTER, local_cluster.cluster_id]), entry

    mark = lab.mark()
    result = run_timed(lab, request, "second run", playbook, extra)
    assert result.changed == 0, "the second run changed something:\n%s" % result.output[-8000:]
    assert_no_writes(lab, mark, "the second run")

    absent = dict(extra, **{"%s_state" % scenario: "absent"})
    run_timed(lab, request, "absent", playbook, absent)
    problems = leftovers(lab, case["local"], case["remote"], alias, key_name, role_name)
    if model == "api_key":
        invalidated = [k for k in cluster_of(lab, *case["remote"]).api_keys.values() if k.name == key_name]
        if not invalidated or not all(k.invalidated for k in invalidated):
            problems.append("the cross-cluster key %s was not invalidated: %s" % (key_name, [(k.id, k.invalidated) for k in invalidated]))
    problems += foreign_items_intact(lab, case["local"], case["remote"])
    if case.get("restrict_accounts"):
        entries = accounts_entry(lab, *case["remote"])
        if [(e.get("trust_all"), e.get("trust_allowlist")) for e in entries] != [(False, [FOREIGN_CLUSTER])]:
            problems.append("the restricted accounts entry was not restored exactly: %s" % entries)
    assert problems == [], "\n".join(problems)
    assert json.dumps(remote_info(lab, local_cluster).get(FOREIGN_ALIAS, {})) != "{}", "the foreign alias left _remote/info"
