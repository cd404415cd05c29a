# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``labctl`` plumbing without a lab: option handling, the calls each command makes (to a stand-in control endpoint on
127.0.6.2:18998), and output formats."""

import json
import os

import pytest

from eceops_lab import cli
from eceops_lab.server import HttpService, json_response

PORT = 18998


class Control(object):
    """A stand-in control API recording the calls."""

    def __init__(self):
        self.calls = []
        self.service = None

    def dispatch(self, request):
        self.calls.append((request.method, request.path, dict((k, v[-1]) for k, v in request.query.items()), request.json()))
        path = request.path
        if path == "/_lab/requests/count":
            return json_response({"count": 7, "last_seq": 7})
        if path == "/_lab/requests":
            return json_response({"requests": [{"seq": 3, "time": 0, "service": "ece-a", "method": "PUT", "path": "/api/v1/x",
                                                "status": 200, "note": "hello"}], "last_seq": 3})
        if path == "/_lab/faults" and request.method == "POST":
            return json_response({"id": 4})
        if path == "/_lab/faults" and request.method == "GET":
            return json_response({"faults": [{"id": 4, "status": 503}]})
        if path == "/_lab/clock":
            return json_response({"offset": 30.0})
        if path == "/_lab/health":
            return json_response({"ok": True, "instance": 6})
        return json_response({"ok": True, "path": path})


@pytest.fixture
def control(tmp_path):
    stand_in = Control()
    stand_in.service = HttpService("control-stand-in", "127.0.6.2", PORT, stand_in.dispatch).start()
    state = tmp_path / "state"
    state.mkdir()
    (state / "describe.json").write_text(json.dumps({"instance": 6, "control_url": "http://127.0.6.2:%d" % PORT}))
    stand_in.state = str(state)
    yield stand_in
    stand_in.service.stop()


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_restart_commands_post_to_the_cluster_control_paths(control, capsys):
    code, out, err = run(capsys, "--state", control.state, "restart-node", "--cluster", "sm", "--node", "sm-node-2")
    assert (code, err) == (0, "")
    assert control.calls[-1] == ("POST", "/_lab/clusters/sm/_restart_node", {}, {"node": "sm-node-2"})
    code, out, err = run(capsys, "restart-cluster", "--cluster", "eck/quickstart", "--state", control.state)
    assert code == 0
    assert control.calls[-1] == ("POST", "/_lab/clusters/eck/quickstart/_restart", {}, {})


def test_port_clock_reset(control, capsys):
    assert run(capsys, "--state=%s" % control.state, "port", "--target", "ece-a", "--port", "9443", "--mode", "http")[0] == 0
    assert control.calls[-1] == ("POST", "/_lab/ports", {}, {"target": "ece-a", "port": 9443, "mode": "http"})
    code, out, err = run(capsys, "--state", control.state, "clock", "--advance", "30")
    assert out == "lab clock offset: 30.0 s\n"
    assert control.calls[-1] == ("POST", "/_lab/clock", {}, {"advance": 30.0})
    code, out, err = run(capsys, "--state", control.state, "reset")
    assert code == 0 and control.calls[-1][:2] == ("POST", "/_lab/reset")


def test_log_filters_and_count(control, capsys):
    code, out, err = run(capsys, "--state", control.state, "log", "--since", "2", "--writes", "--service", "ece-a", "--method", "PUT")
    assert control.calls[-1][:3] == ("GET", "/_lab/requests", {"since": "2", "writes": "1", "service": "ece-a", "method": "PUT"})
    assert "ece-a" in out and "PUT" in out and "/api/v1/x 200  (hello)" in out
    code, out, err = run(capsys, "--state", control.state, "log", "count")
    assert (code, out) == (0, "7\n")
    assert control.calls[-1][1] == "/_lab/requests/count"


def test_fault_commands(control, capsys):
    code, out, err = run(capsys, "--state", control.state, "fault", "add", "--service", "ece-a", "--method", "PUT",
                         "--path", "/keystore$", "--status", "409", "--times", "2", "--delay", "0.5")
    assert code == 0 and out.startswith("fault 4 added")
    assert control.calls[-1][3] == {"service": "ece-a", "method": "PUT", "path": "/keystore$", "status": 409, "times": 2, "delay": 0.5}
    run(capsys, "--state", control.state, "fault", "add", "--service", "ece-a", "--plan-error", "boom")
    assert control.calls[-1][3] == {"service": "ece-a", "plan_error": "boom", "kind": "plan"}
    run(capsys, "--state", control.state, "fault", "add", "--drop", "--path", "x")
    assert control.calls[-1][3] == {"path": "x", "drop": True}
    code, out, err = run(capsys, "--state", control.state, "fault", "add", "--path", "x")
    assert code == 1 and "a fault needs --status, --delay, --drop or --plan-error" in err
    code, out, err = run(capsys, "--state", control.state, "fault", "list")
    assert json.loads(out) == {"id": 4, "status": 503}
    run(capsys, "--state", control.state, "fault", "clear")
    assert control.calls[-1][:2] == ("DELETE", "/_lab/faults")


def test_settings_resolution(tmp_path):
    settings = cli.Settings({"instance": "6", "state": str(tmp_path), "switch": ["plan_delay=0.2", "proxy_trust_types=[proxy, generic]"]})
    assert settings.control_url == "http://127.0.6.2:8999"
    assert settings.config.switches["plan_delay"] == 0.2
    assert settings.config.switches["proxy_trust_types"] == ["proxy", "generic"]
    (tmp_path / "describe.json").write_text(json.dumps({"instance": 5, "control_url": "http://127.0.5.2:9999"}))
    settings = cli.Settings({"state": str(tmp_path)})
    assert (settings.instance, settings.control_url) == (5, "http://127.0.5.2:9999")
    settings = cli.Settings({})
    assert settings.instance == 0 and settings.control_url == "http://127.0.0.2:8999"
    with pytest.raises(cli.CliError):
        cli.Settings({"switch": ["no_such_switch=1"]})
    with pytest.raises(cli.CliError):
        cli.Settings({"switch": ["novalue"]})
    config_file = tmp_path / "lab.yml"
    config_file.write_text("switches:\n  lb_9443_mode: http\ntopology:\n  control_port: 8998\n")
    settings = cli.Settings({"instance": "6", "config": str(config_file)})
    assert settings.config.switches["lb_9443_mode"] == "http" and settings.control_url == "http://127.0.6.2:8998"


def test_commands_fail_clearly_without_a_lab(tmp_path, capsys):
    code, out, err = run(capsys, "--instance", "6", "--state", str(tmp_path), "describe", "--format", "env")
    assert code == 1 and "the lab (instance 6) does not answer at http://127.0.6.2:8999" in err
    code, out, err = run(capsys, "--instance", "6", "--state", str(tmp_path), "status")
    assert code == 3 and "lab instance 6: not running" in out
    code, out, err = run(capsys, "--instance", "6", "--state", str(tmp_path), "stop")
    assert (code, out) == (0, "lab instance 6 is not running\n")


def test_env_lines():
    desc = {"hosts_file": "/s/hosts", "control_url": "http://127.0.0.2:8999", "environments": {
        "ech": {"kind": "ech"},
        "ece-a": {"kind": "ece", "api_url": "https://coordinator.ece-a.lab:12443", "api_key": "k'ey", "api_ca": "/s/ca.pem",
                  "proxy_ca": "/s/proxy.pem", "deployments": {
                      "admin-console-elasticsearch": {"system_owned": True},
                      "search-a": {"es_url": "https://x.ece-a.lab:9243", "elastic_password": "p w", "id": "d1", "ref_id": "main-elasticsearch",
                                   "system_owned": False}}}}}
    assert cli.env_lines(desc) == [
        "export ECEOPS_HOSTS_FILE=/s/hosts", "export ECEOPS_LAB_CONTROL_URL=http://127.0.0.2:8999",
        "export ECE_URL=https://coordinator.ece-a.lab:12443", "export ECE_API_KEY='k'\"'\"'ey'", "export ECE_CA_PATH=/s/ca.pem",
        "export ES_URL=https://x.ece-a.lab:9243", "export ES_USERNAME=elastic", "export ES_PASSWORD='p w'",
        "export ES_CA_PATH=/s/proxy.pem", "export ECE_DEPLOYMENT_ID=d1", "export ECE_REF_ID=main-elasticsearch"]


def test_stand_in_commands_dispatch(tmp_path, capsys):
    code, out, err = run(capsys, "--state", str(tmp_path), "elasticsearch-keystore", "list")
    assert code == 1 and "elasticsearch-keystore needs --node-home DIR" in err
    (tmp_path / "home" / "config").mkdir(parents=True)
    code, out, err = run(capsys, "--state", str(tmp_path), "elasticsearch-keystore", "--node-home", str(tmp_path / "home"), "create")
    assert code == 0 and "Created elasticsearch keystore in" in out
    code, out, err = run(capsys, "elasticsearch-keystore", "--node-home=%s" % (tmp_path / "home"), "list", "-s")
    assert (code, out) == (0, "")
    code, out, err = run(capsys, "--state", str(tmp_path), "--instance", "6", "kubectl", "version")
    assert code == 0 and "eceops lab stand-in" in out
    assert os.path.exists(os.path.join(str(tmp_path), "home", "config", "elasticsearch.keystore"))


def test_unknown_command_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["frobnicate"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["status", "--help"])
    assert exc.value.code == 0
    assert "is the lab running? (exit code 3 when not)" in capsys.readouterr().out


def test_start_reports_a_lab_that_cannot_start(tmp_path):
    """A lab process that dies at start: labctl start fails and shows the end of lab.log."""
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    bad = tmp_path / "bad.yml"
    bad.write_text("topology:\n  self_managed:\n  - {name: sm, host: 14, version: not-a-version, nodes: [n1]}\n")
    state = str(tmp_path / "state")
    done = subprocess.run([sys.executable, cli.LABCTL, "--instance", "6", "--state", state, "--config", str(bad), "start"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "the lab process exited with code 1 before answering; the end of %s" % os.path.join(state, "lab.log") in done.stderr
    assert "ValueError" in done.stderr
    assert not os.path.exists(os.path.join(state, "lab.pid"))
