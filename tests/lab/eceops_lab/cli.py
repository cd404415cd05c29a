# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``labctl``: the lab's command line (see ../README.md).

Every subcommand accepts ``--state DIR``, ``--instance N``, ``--config FILE.yml`` and ``--switch key=value``
(repeatable; values parsed as YAML scalars), before or after the subcommand. Without ``--instance``, a state
directory with a ``describe.json`` names its own instance; otherwise instance 0.

Lab commands talk to the control API (``http://127.0.<n>.2:8999/_lab/...``). ``elasticsearch-keystore`` and
``kubectl`` are the stand-in commands of the self-managed nodes and of the ECK cluster.
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import yaml

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABCTL = os.path.join(LAB_DIR, "labctl")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
GLOBAL_OPTIONS = ("--state", "--instance", "--config", "--switch")
STATUS_NOT_RUNNING = 3


class CliError(Exception):
    """A failure to report on stderr (exit code 1)."""


# -- option handling ------------------------------------------------------------------------------------------------
def _split_globals(argv):
    """``(globals dict, subcommand, rest)``: global options before the subcommand are consumed here."""
    opts = {"switch": []}
    index = 0
    while index < len(argv):
        arg = argv[index]
        name, eq, value = arg.partition("=")
        if name not in GLOBAL_OPTIONS:
            break
        if not eq:
            if index + 1 >= len(argv):
                raise CliError("%s needs a value" % name)
            value = argv[index + 1]
            index += 1
        index += 1
        if name == "--switch":
            opts["switch"].append(value)
        else:
            opts[name[2:]] = value
    if index >= len(argv):
        return opts, None, []
    return opts, argv[index], argv[index + 1:]


def _common(parser):
    parser.add_argument("--state", default=argparse.SUPPRESS, help="state directory (default: .build/lab-<instance>)")
    parser.add_argument("--instance", default=argparse.SUPPRESS, help="lab instance number: addresses 127.0.<n>.x")
    parser.add_argument("--config", default=argparse.SUPPRESS, help="YAML file with topology/switch overrides")
    parser.add_argument("--switch", action="append", default=argparse.SUPPRESS, metavar="KEY=VALUE",
                        help="override a lab switch (value parsed as YAML), repeatable")


def _parser():
    description = "Control the eceops lab (a local stand-in for ECE, ECH, self-managed and ECK Elasticsearch)."
    parser = argparse.ArgumentParser(prog="labctl", description=description)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = {}

    def add(name, text):
        """Add a subcommand with the common options."""
        sub = subs.add_parser(name, help=text, description=text)
        _common(sub)
        commands[name] = sub
        return sub

    add("start", "start the lab in the background and wait until it answers").add_argument(
        "--restart", action="store_true", help="stop a running lab of this instance first")
    add("serve", "run the lab in the foreground (used by start)")
    add("stop", "stop the lab (idempotent)")
    add("reset", "rebuild the lab's world: new certificates, default state")
    add("status", "is the lab running? (exit code 3 when not)")
    sub = add("describe", "print the connection variables")
    sub.add_argument("--format", choices=("json", "yaml", "env", "ansible"), default="json")
    sub = add("log", "print the request log")
    sub.add_argument("what", nargs="?", choices=("lines", "count"), default="lines", help="count: only the number of requests")
    sub.add_argument("--since", type=int, default=0, help="only requests after this sequence number")
    sub.add_argument("--writes", action="store_true", help="only POST/PUT/PATCH/DELETE")
    sub.add_argument("--service", help="only this service (prefix), e.g. ece-a or es:ece-a/search-a")
    sub.add_argument("--method", help="only this HTTP method")
    sub.add_argument("--path", help="only paths matching this regular expression")
    sub.add_argument("--count", action="store_true", help="same as the 'count' variant")
    sub = add("fault", "inject faults into the lab's HTTP APIs (or plans)")
    sub.add_argument("action", choices=("add", "clear", "list"))
    sub.add_argument("--service", help="service name prefix (ece-a, es-proxy:ece-a, es:sm, ...)")
    sub.add_argument("--method", help="HTTP method")
    sub.add_argument("--path", help="regular expression on the request path")
    sub.add_argument("--status", type=int, help="answer with this HTTP status")
    sub.add_argument("--retry-after", type=float, help="Retry-After header (seconds)")
    sub.add_argument("--delay", type=float, help="wait this long before answering")
    sub.add_argument("--drop", action="store_true", help="close the connection without an answer")
    sub.add_argument("--times", type=int, help="how often the fault fires (default 1; 0 = forever)")
    sub.add_argument("--plan-error", help="the next plan fails with this message")
    sub.add_argument("--kind", choices=("http", "plan"), help="http (default) or plan")
    sub = add("port", "set the mode of a TLS listener (tls, http, plain_http, filtered, closed, hang)")
    sub.add_argument("--target", required=True, help="environment or cluster name")
    sub.add_argument("--port", required=True, type=int)
    sub.add_argument("--mode", required=True)
    sub = add("clock", "move the lab's clock forward")
    sub.add_argument("--advance", required=True, type=float, metavar="SECONDS")
    sub = add("restart-node", "restart one self-managed node (it reloads elasticsearch.yml and its keystore)")
    sub.add_argument("--cluster", required=True)
    sub.add_argument("--node", required=True)
    sub = add("restart-cluster", "restart every node of a cluster")
    sub.add_argument("--cluster", required=True)
    add("elasticsearch-keystore", "the stand-in elasticsearch-keystore: labctl elasticsearch-keystore --node-home DIR <args>")
    add("kubectl", "the stand-in kubectl for the ECK cluster: labctl kubectl <args>")
    return parser, commands


class Settings(object):
    """Where the lab of this invocation lives: configuration, state directory, control URL."""

    def __init__(self, opts):
        from eceops_lab import config as lab_config  # pylint: disable=import-outside-toplevel
        state = opts.get("state")
        instance = opts.get("instance")
        described = None
        if state and os.path.exists(os.path.join(state, "describe.json")):
            try:
                with open(os.path.join(state, "describe.json")) as handle:
                    described = json.load(handle)
            except (OSError, ValueError):
                described = None
        if instance is None:
            instance = described.get("instance", 0) if described else 0
        try:
            instance = int(instance)
        except ValueError:
            raise CliError("--instance must be a number, got %r" % instance)
        switches = {}
        for item in opts.get("switch") or []:
            key, eq, value = item.partition("=")
            if not eq:
                raise CliError("--switch needs key=value, got %r" % item)
            switches[key.strip()] = yaml.safe_load(value)
        self.config_path = os.path.abspath(opts["config"]) if opts.get("config") else None
        self.switch_args = list(opts.get("switch") or [])
        try:
            self.config = lab_config.load_config(path=self.config_path, instance=instance,
                                                 state_dir=os.path.abspath(state) if state else None, switches=switches)
        except (OSError, ValueError) as exc:
            raise CliError(str(exc))
        self.instance = instance
        self.state = self.config.state_dir
        self.control_url = self.config.control_url
        if described and described.get("instance") == instance and described.get("control_url"):
            self.control_url = described["control_url"]

    def path(self, *parts):
        """A path inside the state directory."""
        return os.path.join(self.state, *parts)


# -- control API ----------------------------------------------------------------------------------------------------
def _call(settings, method, path, body=None, timeout=30.0):
    url = settings.control_url + path
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8") or "null")
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        raise CliError("the lab answered %s to %s %s: %s" % (exc.code, method, path, text[:1000]))
    except (urllib.error.URLError, OSError) as exc:
        raise CliError("the lab (instance %d) does not answer at %s: %s; start it with: labctl --instance %d start"
                       % (settings.instance, settings.control_url, getattr(exc, "reason", exc), settings.instance))


def _health(settings, timeout=2.0):
    """The health answer of a lab on this instance's control URL, or None."""
    try:
        return _call(settings, "GET", "/_lab/health", timeout=timeout)
    except CliError:
        return None


def _read_pid(settings):
    try:
        with open(settings.path("lab.pid")) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _is_lab_process(pid):
    """Whether ``pid`` is a live (not zombie) ``labctl ... serve`` process."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            if handle.read().rsplit(")", 1)[-1].split()[0] == "Z":
                return False
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return any(part.endswith(b"labctl") for part in cmdline) and b"serve" in cmdline


def _tail(path, lines=30):
    try:
        with open(path, "rb") as handle:
            data = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no %s)" % path
    return "\n".join(data.splitlines()[-lines:])


# -- commands -------------------------------------------------------------------------------------------------------
def _summary(settings, desc, pid):
    out = ["lab instance %d running (pid %s), state directory %s" % (settings.instance, pid, settings.state),
           "control API: %s/_lab/" % desc.get("control_url", settings.control_url)]
    for name, env in (desc.get("environments") or {}).items():
        out.append("  %-16s %-13s %s  (%d deployments)" % (name, env["kind"], env["api_url"], len(env.get("deployments") or {})))
    for key, cluster in (desc.get("clusters") or {}).items():
        out.append("  %-16s %-13s %s" % (key, cluster["kind"], cluster["es_url"]))
    out.extend([
        "host names:  export ECEOPS_HOSTS_FILE=%s" % desc.get("hosts_file", settings.path("hosts")),
        "variables:   labctl --state %s describe --format env|json|yaml" % shlex.quote(settings.state),
        "Ansible:     ansible-playbook -e @%s ..." % settings.path("lab-vars.yml"),
        "kubectl:     %s" % settings.path("bin", "kubectl"),
        "stop:        labctl --state %s stop" % shlex.quote(settings.state),
    ])
    return "\n".join(out)


def cmd_start(settings, args):
    """Start ``labctl serve`` detached and wait for its health answer."""
    health = _health(settings)
    if health is not None:
        if not args.restart:
            print("a lab already answers at %s (instance %s); nothing to do (use --restart to restart it)"
                  % (settings.control_url, health.get("instance")))
            return 0
        cmd_stop(settings, args)
    os.makedirs(settings.state, exist_ok=True)
    command = [sys.executable, LABCTL, "--state", settings.state, "--instance", str(settings.instance)]
    if settings.config_path:
        command += ["--config", settings.config_path]
    for item in settings.switch_args:
        command += ["--switch", item]
    command.append("serve")
    log_path = settings.path("lab.log")
    with open(log_path, "ab") as log, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=devnull,  # pylint: disable=consider-using-with
                                start_new_session=True, close_fds=True)
    deadline = time.time() + START_TIMEOUT
    while True:
        health = _health(settings, timeout=1.0)
        if health is not None and health.get("instance") == settings.instance and proc.poll() is None:
            break
        if proc.poll() is not None:
            sys.stderr.write("the lab process exited with code %s before answering; the end of %s:\n%s\n"
                             % (proc.returncode, log_path, _tail(log_path)))
            return 1
        if time.time() > deadline:
            sys.stderr.write("the lab did not answer at %s within %d s; the end of %s:\n%s\n"
                             % (settings.control_url, START_TIMEOUT, log_path, _tail(log_path)))
            proc.terminate()
            return 1
        time.sleep(0.2)
    with open(settings.path("lab.pid"), "w") as handle:
        handle.write("%d\n" % proc.pid)
    desc = _call(settings, "GET", "/_lab/describe")
    print(_summary(settings, desc, proc.pid))
    return 0


def _write_kubectl(settings):
    path = settings.path("bin", "kubectl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\n# the lab's kubectl stand-in for its ECK cluster (written by labctl serve)\n"
                     "exec %s %s --state %s --instance %d kubectl \"$@\"\n"
                     % (shlex.quote(sys.executable), shlex.quote(LABCTL), shlex.quote(settings.state), settings.instance))
    os.chmod(path, 0o755)
    return path


def cmd_serve(settings, args):
    """Run the lab in the foreground until SIGTERM/SIGINT or ``POST /_lab/shutdown``."""
    del args
    from eceops_lab.lab import Lab, write_lab_vars  # pylint: disable=import-outside-toplevel
    os.makedirs(settings.state, exist_ok=True)
    lab = Lab(settings.config)
    stop_requested = threading.Event()

    def on_signal(signum, frame):
        """SIGTERM/SIGINT: ask the main loop to stop the lab."""
        del signum, frame
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    lab.start()
    write_lab_vars(lab)
    _write_kubectl(settings)
    with open(settings.path("lab.pid"), "w") as handle:
        handle.write("%d\n" % os.getpid())
    print("lab instance %d ready at %s (pid %d)" % (settings.instance, settings.control_url, os.getpid()), flush=True)
    while not lab.stopped.is_set():
        if stop_requested.wait(0.5):
            print("signal received: stopping", flush=True)
            lab.stop()
    time.sleep(0.3)                       # let the shutdown call's answer leave
    if _read_pid(settings) == os.getpid():
        os.remove(settings.path("lab.pid"))
    print("lab instance %d stopped" % settings.instance, flush=True)
    return 0


def cmd_stop(settings, args):
    """Shut the lab down and wait for its process to end (idempotent)."""
    del args
    pid = _read_pid(settings)
    answered = _health(settings) is not None
    if answered:
        try:
            _call(settings, "POST", "/_lab/shutdown", {})
        except CliError:
            pass
    if pid is not None and _is_lab_process(pid):
        deadline = time.time() + STOP_TIMEOUT
        while _is_lab_process(pid) and time.time() < deadline:
            time.sleep(0.1)
        if _is_lab_process(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.time() + 10
            while _is_lab_process(pid) and time.time() < deadline:
                time.sleep(0.1)
        if _is_lab_process(pid):
            raise CliError("the lab process %d did not stop" % pid)
    if os.path.exists(settings.path("lab.pid")):
        os.remove(settings.path("lab.pid"))
    if answered or pid is not None:
        deadline = time.time() + 10
        while _health(settings, timeout=0.5) is not None and time.time() < deadline:
            time.sleep(0.1)
        print("lab instance %d stopped" % settings.instance)
    else:
        print("lab instance %d is not running" % settings.instance)
    return 0


def cmd_reset(settings, args):
    """Rebuild the world (the lab rewrites describe.json and lab-vars.yml)."""
    del args
    _call(settings, "POST", "/_lab/reset", {}, timeout=120)
    print("lab instance %d reset: new certificates and credentials, default state; %s and %s rewritten"
          % (settings.instance, settings.path("describe.json"), settings.path("lab-vars.yml")))
    return 0


def cmd_status(settings, args):
    """Running or not."""
    del args
    health = _health(settings)
    pid = _read_pid(settings)
    if health is None:
        print("lab instance %d: not running (control URL %s, state %s)" % (settings.instance, settings.control_url, settings.state))
        return STATUS_NOT_RUNNING
    print("lab instance %s: running\ncontrol URL: %s\npid: %s\nstate: %s"
          % (health.get("instance"), settings.control_url, pid if pid is not None else "unknown", settings.state))
    return 0


def env_lines(desc):
    """``export`` lines: hosts file, control URL, and the ECE/ES variables of environment A's first deployment."""
    out = [("ECEOPS_HOSTS_FILE", desc["hosts_file"]), ("ECEOPS_LAB_CONTROL_URL", desc["control_url"])]
    env = next((e for e in desc["environments"].values() if e["kind"] == "ece"), None)
    if env is not None:
        out += [("ECE_URL", env["api_url"]), ("ECE_API_KEY", env["api_key"]), ("ECE_CA_PATH", env["api_ca"])]
        # the first deployment in topology order (the control API keeps that order) that is not system-owned
        dep = next((d for d in env["deployments"].values() if not d.get("system_owned")), None)
        if dep is not None:
            out += [("ES_URL", dep["es_url"]), ("ES_USERNAME", "elastic"), ("ES_PASSWORD", dep["elastic_password"]),
                    ("ES_CA_PATH", env["proxy_ca"]), ("ECE_DEPLOYMENT_ID", dep["id"]), ("ECE_REF_ID", dep["ref_id"])]
    return ["export %s=%s" % (name, shlex.quote(str(value))) for name, value in out]


def cmd_describe(settings, args):
    """Print the connection variables."""
    if args.format == "ansible":
        print(settings.path("lab-vars.yml"))
        return 0
    desc = _call(settings, "GET", "/_lab/describe")
    if args.format == "json":
        print(json.dumps(desc, indent=2, sort_keys=True))
    elif args.format == "yaml":
        sys.stdout.write(yaml.safe_dump(desc, default_flow_style=False, sort_keys=True))
    else:
        print("\n".join(env_lines(desc)))
    return 0


def cmd_log(settings, args):
    """Print request log lines (or their count)."""
    from urllib.parse import urlencode  # pylint: disable=import-outside-toplevel
    query = {"since": args.since}
    if args.writes:
        query["writes"] = "1"
    for name in ("service", "method", "path"):
        if getattr(args, name):
            query[name] = getattr(args, name)
    if args.count or args.what == "count":
        reply = _call(settings, "GET", "/_lab/requests/count?" + urlencode(query))
        print(reply["count"])
        return 0
    reply = _call(settings, "GET", "/_lab/requests?" + urlencode(query))
    for entry in reply["requests"]:
        print("%5d %s %-28s %-6s %s %s%s" % (entry["seq"], time.strftime("%H:%M:%S", time.localtime(entry["time"])),
                                             entry["service"], entry["method"], entry["path"], entry["status"],
                                             "  (%s)" % entry["note"] if entry.get("note") else ""))
    return 0


def cmd_fault(settings, args):
    """Add, clear or list faults."""
    if args.action == "clear":
        _call(settings, "DELETE", "/_lab/faults")
        print("faults cleared")
        return 0
    if args.action == "list":
        for fault in _call(settings, "GET", "/_lab/faults")["faults"]:
            print(json.dumps(fault, sort_keys=True))
        return 0
    fault = {}
    for name in ("service", "method", "path", "status", "retry_after", "delay", "times", "plan_error", "kind"):
        value = getattr(args, name)
        if value is not None:
            fault[name] = value
    if args.drop:
        fault["drop"] = True
    if args.plan_error and "kind" not in fault:
        fault["kind"] = "plan"
    if not any(k in fault for k in ("status", "delay", "drop", "plan_error")):
        raise CliError("a fault needs --status, --delay, --drop or --plan-error")
    reply = _call(settings, "POST", "/_lab/faults", fault)
    print("fault %s added: %s" % (reply["id"], json.dumps(fault, sort_keys=True)))
    return 0


def cmd_port(settings, args):
    """Set a listener's mode."""
    print(json.dumps(_call(settings, "POST", "/_lab/ports", {"target": args.target, "port": args.port, "mode": args.mode}),
                     sort_keys=True))
    return 0


def cmd_clock(settings, args):
    """Advance the lab clock."""
    reply = _call(settings, "POST", "/_lab/clock", {"advance": args.advance})
    print("lab clock offset: %s s" % reply["offset"])
    return 0


def cmd_restart_node(settings, args):
    """Restart one node of a cluster."""
    reply = _call(settings, "POST", "/_lab/clusters/%s/_restart_node" % args.cluster, {"node": args.node}, timeout=120)
    print(json.dumps(reply, sort_keys=True))
    return 0


def cmd_restart_cluster(settings, args):
    """Restart a cluster."""
    reply = _call(settings, "POST", "/_lab/clusters/%s/_restart" % args.cluster, {}, timeout=120)
    print(json.dumps(reply, sort_keys=True))
    return 0


COMMANDS = {"start": cmd_start, "serve": cmd_serve, "stop": cmd_stop, "reset": cmd_reset, "status": cmd_status,
            "describe": cmd_describe, "log": cmd_log, "fault": cmd_fault, "port": cmd_port, "clock": cmd_clock,
            "restart-node": cmd_restart_node, "restart-cluster": cmd_restart_cluster}


def _keystore(opts, rest):
    from eceops_lab import keystore_cli  # pylint: disable=import-outside-toplevel
    node_home = None
    remaining = []
    index = 0
    while index < len(rest):
        arg = rest[index]
        if node_home is None and arg == "--node-home" and index + 1 < len(rest):
            node_home = rest[index + 1]
            index += 2
            continue
        if node_home is None and arg.startswith("--node-home="):
            node_home = arg.split("=", 1)[1]
            index += 1
            continue
        remaining.append(arg)
        index += 1
    del opts
    if not node_home:
        raise CliError("elasticsearch-keystore needs --node-home DIR (the node's ES_HOME)")
    return keystore_cli.main(node_home, remaining)


def main(argv=None):
    """Entry point of ``labctl``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        opts, command, rest = _split_globals(argv)
        if command == "elasticsearch-keystore":
            return _keystore(opts, rest)
        if command == "kubectl":
            from eceops_lab import eck  # pylint: disable=import-outside-toplevel
            settings = Settings(opts)
            return eck.kubectl(settings.state, settings.instance, rest)
        parser, commands = _parser()
        if command is None or command not in commands:
            parser.parse_args(argv if argv else ["--help"])
            return 2
        args = commands[command].parse_args(rest)
        for name in ("state", "instance", "config"):
            if hasattr(args, name):
                opts[name] = getattr(args, name)
        if hasattr(args, "switch"):
            opts["switch"] = opts["switch"] + args.switch
        return COMMANDS[command](Settings(opts), args)
    except CliError as exc:
        sys.stderr.write("labctl: %s\n" % exc)
        return 1
