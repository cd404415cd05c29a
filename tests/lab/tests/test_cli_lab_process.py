# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``labctl`` against a REAL lab process on instance 6 (127.0.6.x): start, status, describe, log, fault, reset, stop.

Needs every module of the lab (``ece_api``, ``es_api``, ``transport``): without them the lab cannot start and these
tests fail (on purpose: no skips).
"""

import http.client
import json
import os
import shlex
import signal
import ssl
import subprocess
import sys
import time

import pytest
import yaml

LABCTL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "labctl")
SWITCHES = ["--switch", "plan_delay=0.1", "--switch", "keystore_reload_delay=0.1", "--switch", "connect_delay=0.05"]


def labctl(state, *args, timeout=120):
    """Run labctl in a subprocess with this interpreter; returns the CompletedProcess."""
    return subprocess.run([sys.executable, LABCTL, "--state", state] + list(args), capture_output=True, text=True,
                          timeout=timeout, check=False)


def describe(state):
    with open(os.path.join(state, "describe.json")) as handle:
        return json.load(handle)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab process of instance 6, started with labctl start; stopped at the end."""
    import importlib  # pylint: disable=import-outside-toplevel
    for name in ("ece_api", "es_api", "transport"):
        # fails loudly (ImportError) until every part of the lab exists
        importlib.import_module("eceops_lab." + name)
    state = str(tmp_path_factory.mktemp("lab6") / "state")
    done = labctl(state, "--instance", "6", *(SWITCHES + ["start"]))
    assert done.returncode == 0, "labctl start failed:\n%s\n%s" % (done.stdout, done.stderr)
    info = {"state": state, "start": done}
    yield info
    done = labctl(state, "stop")
    assert done.returncode == 0, done.stderr
    pid = info.get("pid")
    if pid and pid_alive(pid):
        os.kill(pid, signal.SIGTERM)      # only the lab process this test started


def test_start_prints_a_summary_and_writes_the_files(lab):
    out = lab["start"].stdout
    state = lab["state"]
    assert "lab instance 6 running (pid " in out
    assert "control API: http://127.0.6.2:8999/_lab/" in out
    assert "https://coordinator.ece-a.lab:12443" in out and "eck/quickstart" in out
    for name in ("describe.json", "lab-vars.yml", "hosts", "lab.pid", "lab.log"):
        assert os.path.exists(os.path.join(state, name)), name
    with open(os.path.join(state, "lab.pid")) as handle:
        lab["pid"] = int(handle.read())
    assert pid_alive(lab["pid"])
    assert describe(state)["instance"] == 6
    assert describe(state)["switches"]["keystore_reload_delay"] == 0.1
    kubectl = os.path.join(state, "bin", "kubectl")
    assert os.access(kubectl, os.X_OK)
    done = subprocess.run([kubectl, "version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "eceops lab" in done.stdout


def test_second_start_is_idempotent(lab):
    done = labctl(lab["state"], "--instance", "6", "start")
    assert done.returncode == 0
    assert "a lab already answers at http://127.0.6.2:8999 (instance 6)" in done.stdout


def test_status_running(lab):
    done = labctl(lab["state"], "status")
    assert done.returncode == 0
    assert "lab instance 6: running" in done.stdout and "control URL: http://127.0.6.2:8999" in done.stdout


def test_describe_env_exports_the_variables(lab):
    done = labctl(lab["state"], "describe", "--format", "env")
    assert done.returncode == 0, done.stderr
    exported = {}
    for line in done.stdout.splitlines():
        assert line.startswith("export ")
        name, value = line[len("export "):].split("=", 1)
        exported[name] = shlex.split(value)[0]
    desc = describe(lab["state"])
    env_a = desc["environments"]["ece-a"]
    from eceops_lab import config  # pylint: disable=import-outside-toplevel
    first = env_a["deployments"][config.DEFAULT_TOPOLOGY["environments"][0]["deployments"][0]["name"]]   # search-a
    assert exported["ECEOPS_HOSTS_FILE"] == os.path.join(lab["state"], "hosts")
    assert exported["ECE_URL"] == "https://coordinator.ece-a.lab:12443"
    assert exported["ECE_API_KEY"] == env_a["api_key"]
    assert exported["ECE_CA_PATH"] == env_a["api_ca"]
    assert exported["ES_URL"] == first["es_url"] and exported["ES_URL"].endswith(".ece-a.lab:9243")
    assert exported["ES_USERNAME"] == "elastic" and exported["ES_PASSWORD"] == first["elastic_password"]
    assert exported["ES_CA_PATH"] == env_a["proxy_ca"]


def test_describe_other_formats(lab):
    done = labctl(lab["state"], "describe")
    assert json.loads(done.stdout)["control_url"] == "http://127.0.6.2:8999"
    done = labctl(lab["state"], "describe", "--format", "yaml")
    assert yaml.safe_load(done.stdout)["instance"] == 6
    done = labctl(lab["state"], "describe", "--format", "ansible")
    assert done.stdout.strip() == os.path.join(lab["state"], "lab-vars.yml")


def _platform_request(state):
    env_a = describe(state)["environments"]["ece-a"]
    context = ssl.create_default_context(cafile=env_a["api_ca"])
    conn = http.client.HTTPSConnection(env_a["address"], 12443, context=context, timeout=30)
    try:
        conn.request("GET", "/api/v1/platform", headers={"Authorization": "ApiKey " + env_a["api_key"]})
        return conn.getresponse().status
    finally:
        conn.close()


def test_fault_and_log(lab):
    state = lab["state"]
    since = labctl(state, "log", "count").stdout.strip()
    done = labctl(state, "fault", "add", "--service", "ece-a", "--method", "GET", "--path", "^/api/v1/platform$",
                  "--status", "503", "--retry-after", "2")
    assert done.returncode == 0 and done.stdout.startswith("fault 1 added")
    assert _platform_request(state) == 503
    listed = [json.loads(line) for line in labctl(state, "fault", "list").stdout.splitlines()]
    assert listed[0]["status"] == 503 and listed[0]["fired"] == 1
    done = labctl(state, "log", "--since", since, "--service", "ece-a")
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 1
    assert "GET" in lines[0] and "/api/v1/platform 503" in lines[0]
    assert int(labctl(state, "log", "count", "--since", since).stdout) == 1
    assert labctl(state, "log", "--count", "--since", since, "--writes").stdout.strip() == "0"
    assert labctl(state, "fault", "clear").returncode == 0
    assert labctl(state, "fault", "list").stdout == ""
    assert _platform_request(state) != 503


def test_clock(lab):
    done = labctl(lab["state"], "clock", "--advance", "10")
    assert done.returncode == 0 and done.stdout.strip() == "lab clock offset: 10.0 s"


def test_keystore_wrapper_of_a_self_managed_node(lab):
    node = describe(lab["state"])["clusters"]["sm"]["nodes"]["sm-node-1"]
    done = subprocess.run([node["keystore_command"], "add", "-x", "cluster.remote.a.credentials"], input="secret\n",
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([node["keystore_command"], "list"], capture_output=True, text=True, check=False)
    assert done.stdout.splitlines() == ["cluster.remote.a.credentials", "keystore.seed"]


def test_reset_rewrites_describe_and_lab_vars(lab):
    state = lab["state"]
    before = describe(state)["environments"]["ece-a"]["api_key"]
    done = labctl(state, "reset")
    assert done.returncode == 0, done.stderr
    after = describe(state)["environments"]["ece-a"]["api_key"]
    assert after != before
    with open(os.path.join(state, "lab-vars.yml")) as handle:
        assert yaml.safe_load(handle)["lab"]["environments"]["ece-a"]["api_key"] == after
    assert _platform_request(state) in (200, 401, 403)     # the new world answers


def test_zz_stop_is_idempotent(lab):
    state = lab["state"]
    with open(os.path.join(state, "lab.pid")) as handle:
        pid = int(handle.read())
    done = labctl(state, "stop")
    assert done.returncode == 0 and done.stdout.strip() == "lab instance 6 stopped"
    deadline = time.time() + 10
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not pid_alive(pid)
    assert not os.path.exists(os.path.join(state, "lab.pid"))
    done = labctl(state, "status")
    assert done.returncode == 3 and "not running" in done.stdout
    done = labctl(state, "stop")
    assert done.returncode == 0 and done.stdout.strip() == "lab instance 6 is not running"
    done = labctl(state, "describe")
    assert done.returncode == 1 and "does not answer at http://127.0.6.2:8999" in done.stderr
