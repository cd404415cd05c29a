"""A scenario role included in a user's infrastructure role, on a play over hosts it can never reach.

tests/integration/inclusion/site.yml runs ``hosts: all`` with ``gather_facts: false`` over inventory.yml
(app-1.invalid, app-2.invalid, app-3.invalid: names that cannot resolve); its role ``infra_search`` does per-host
work of its own and includes (``include_role``) or imports (``import_role``) ``eceops.remote_clusters.ece_to_same_ece``.
The scenario role must configure the lab correctly (connected, a real cross-cluster search works) with every API task
on the control node and run once, not once per host; with ``--tags preflight`` only the preflight phase runs (zero
writes in the lab's request log, the alias not configured).
"""

import os

import pytest

from awx_support import cross_cluster_search, deployment, run, task_lines, wait_connected  # pylint: disable=import-error
from harness import HERE  # pylint: disable=import-error

INCLUSION = os.path.join(HERE, "inclusion")
PLAYBOOK = os.path.join(INCLUSION, "site.yml")
INVENTORY = os.path.join(INCLUSION, "inventory.yml")
HOSTS = ("app-1.invalid", "app-2.invalid", "app-3.invalid")
ALIAS = "logs"
# 8.19 searching 9.1 (the API-key model needs 8.14 on both sides; 9.1 may only reach 9.0 and later)
LOCAL, REMOTE = "logs-a", "search-a"


def wrapper_vars(lab, inclusion):
    return {
        "infra_search_local_deployment_id": deployment(lab, "ece-a", LOCAL)["id"],
        "infra_search_remote_deployment_id": deployment(lab, "ece-a", REMOTE)["id"],
        "infra_search_alias": ALIAS,
        "infra_search_inclusion": inclusion,
    }


def connection(lab, inclusion):
    """include: the ECE connection from ECE_* (as an AWX credential injects it); import: as role variables."""
    env_a = lab.describe["environments"]["ece-a"]
    if inclusion == "include":
        return {"ECE_URL": env_a["api_url"], "ECE_API_KEY": env_a["api_key"], "ECE_CA_PATH": env_a["api_ca"]}, {}
    return {}, {"infra_search_ece": {"url": env_a["api_url"], "api_key": env_a["api_key"], "ca_path": env_a["api_ca"]}}


def assert_ran_on_the_control_node_once(result):
    lines = task_lines(result.output)
    delegated = [line for line in lines if line[2] is not None]
    assert delegated, "no task ran on the control node:\n" + result.output[-4000:]
    others = sorted(set((host, delegate) for status, host, delegate in delegated if host != HOSTS[0] or delegate != "localhost"))
    assert not others, "API tasks ran for more than the first host, or not on localhost: %s" % others
    # every task that talks to a host other than the control node would have failed: none may have tried
    assert all(result.recap.get(host, {}).get("unreachable", 0) == 0 for host in HOSTS), result.recap
    assert not [line for line in lines if line[0] in ("failed", "fatal")], result.output[-4000:]


def assert_not_configured(lab):
    info = wait_connected(lab, "ece-a", LOCAL, ALIAS, timeout=1)
    assert not info, "the alias is configured: %s" % info


@pytest.mark.parametrize("inclusion", ["include", "import"])
def test_included_scenario_role_configures_the_lab(lab, inclusion):
    env, role_vars = connection(lab, inclusion)
    extra = wrapper_vars(lab, inclusion)
    extra.update(role_vars)

    # a read-only check first (--tags preflight): the preflight phase only, nothing written
    mark = lab.mark()
    result = run(lab, PLAYBOOK, inventory=INVENTORY, extra_vars=extra, env=env, tags=["preflight"])
    assert result.rc == 0 and result.failed == 0, result.output[-6000:]
    assert "TASK [eceops.remote_clusters.preflight : " in result.output, "the preflight phase did not run"
    for phase in ("network_security", "trust", "credentials", "connect", "privileges", "verify"):
        assert "TASK [eceops.remote_clusters.%s : " % phase not in result.output, "--tags preflight ran the %s phase" % phase
    assert lab.writes_since(mark) == [], "--tags preflight wrote to the lab"
    assert result.changed == 0
    assert_ran_on_the_control_node_once(result)
    assert_not_configured(lab)

    # the real run: connected, and a real cross-cluster search through the alias works
    mark = lab.mark()
    result = run(lab, PLAYBOOK, inventory=INVENTORY, extra_vars=extra, env=env)
    assert result.rc == 0 and result.failed == 0, result.output[-6000:]
    assert result.changed > 0
    assert lab.writes_since(mark), "the run wrote nothing"
    assert_ran_on_the_control_node_once(result)
    info = wait_connected(lab, "ece-a", LOCAL, ALIAS)
    assert info.get("connected") is True, info
    status, body = cross_cluster_search(lab, "ece-a", LOCAL, "%s:logs-lab" % ALIAS)
    assert status == 200, body
    assert body["hits"]["total"]["value"] > 0, body
    assert (body.get("_clusters") or {}).get("successful", 0) >= 1, body

    # a second run with --tags preflight: still only the preflight phase, nothing written, still connected
    mark = lab.mark()
    result = run(lab, PLAYBOOK, inventory=INVENTORY, extra_vars=extra, env=env, tags=["preflight"])
    assert result.rc == 0 and result.failed == 0 and result.changed == 0, result.output[-6000:]
    assert lab.writes_since(mark) == []
    assert wait_connected(lab, "ece-a", LOCAL, ALIAS).get("connected") is True
