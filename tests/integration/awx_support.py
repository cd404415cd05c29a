"""Helpers of test_inclusion.py and test_awx_launch.py: ansible-playbook with an extra environment (what an AWX
credential injects) and the checks of the lab's state from Python (remote info, a real cross-cluster search)."""

import json
import os
import re
import subprocess
import sys
import time

from harness import HERE, PlaybookResult, RECAP_RE, scratch_dir  # pylint: disable=import-error

TASK_LINE_RE = re.compile(r"^(?P<status>ok|changed|failed|fatal|skipping|included): \[(?P<host>[^\]\s]+)(?: -> (?P<delegate>[^\]\s]+))?\]", re.M)


def run(lab, playbook, inventory=None, extra_vars=None, extra_vars_file=None, env=None, tags=None, check=False, timeout=900):
    """``ansible-playbook`` against the lab, like harness.run_playbook, with ``env`` added to the environment and the
    extra vars given as one file (as ansible-runner passes them under AWX)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-e", "@" + lab.vars_file]
    cmd += ["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"]
    if extra_vars:
        path = os.path.join(scratch_dir("eceops-extravars-"), "extravars.json")
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as stream:
            json.dump(extra_vars, stream)   # it may hold the lab's keys: private, and removed with the scratch dirs
        cmd += ["-e", "@" + path]
    if extra_vars_file:
        cmd += ["-e", "@" + extra_vars_file]
    if tags:
        cmd += ["--tags", ",".join(tags)]
    if check:
        cmd.append("--check")
    full_env = lab.env()
    full_env.update(env or {})
    started = time.time()
    proc = subprocess.run(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          universal_newlines=True, cwd=HERE, check=False)
    recap = dict((m.group("host"), dict((k, int(v)) for k, v in m.groupdict().items() if k != "host"))
                 for m in RECAP_RE.finditer(proc.stdout))
    result = PlaybookResult(proc.returncode, proc.stdout, recap)
    result.duration = time.time() - started
    return result


def task_lines(output):
    """Every per-host result line of the default callback: ``(status, host, delegate or None)``."""
    return [(m.group("status"), m.group("host"), m.group("delegate")) for m in TASK_LINE_RE.finditer(output)]


def deployment(lab, environment, name):
    """A deployment's description from the lab (``id``, ``es_url``, ``elastic_password``, ...)."""
    return lab.describe["environments"][environment]["deployments"][name]


def ece_client(lab, environment):
    """The collection's ECE client for a lab environment, with its admin API key."""
    os.environ["ECEOPS_HOSTS_FILE"] = lab.describe["hosts_file"]
    from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceClient  # pylint: disable=import-outside-toplevel
    env = lab.describe["environments"][environment]
    return EceClient(env["api_url"], api_key=env["api_key"], ca_path=env["api_ca"], retries=0, timeout=30)


def es_client(lab, url, password, username="elastic"):
    """The collection's Elasticsearch client for a lab URL (its host names resolve through ECEOPS_HOSTS_FILE)."""
    os.environ["ECEOPS_HOSTS_FILE"] = lab.describe["hosts_file"]
    from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsClient  # pylint: disable=import-outside-toplevel
    return EsClient(url=url, username=username, password=password, validate_certs=False, retries=0, timeout=30)


def remote_info(lab, environment, name):
    """``GET _remote/info`` of a lab deployment."""
    dep = deployment(lab, environment, name)
    return es_client(lab, dep["es_url"], dep["elastic_password"]).get("/_remote/info").body or {}


def wait_connected(lab, environment, name, alias, timeout=30):
    """The remote info of ``alias`` once connected (or the last one seen after ``timeout`` seconds)."""
    deadline = time.time() + timeout
    info = {}
    while time.time() < deadline:
        info = remote_info(lab, environment, name).get(alias) or {}
        if info.get("connected"):
            return info
        time.sleep(0.5)
    return info


def cross_cluster_search(lab, environment, name, expression):
    """A real search on a lab deployment (``<alias>:<index>``): ``(status, body)``."""
    dep = deployment(lab, environment, name)
    client = es_client(lab, dep["es_url"], dep["elastic_password"])
    response = client.request("POST", "/%s/_search" % expression, json_body={"size": 1}, ok=set(range(200, 600)))
    return response.status, response.body or {}


def awx_credential_env(ctype_path, inputs, private_dir):
    """The environment an AWX credential of the type in ``ctype_path`` injects for a job (AWX's inject_credential:
    missing fields render empty, a missing boolean is false, the file injector is written and named by tower.filename)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # pylint: disable=import-outside-toplevel
    with open(ctype_path) as handle:
        ctype = json.load(handle)
    namespace = {}
    for field in ctype["inputs"]["fields"]:
        value = inputs.get(field["id"])
        if field.get("type") == "boolean":
            namespace[field["id"]] = bool(value)
        elif value:
            namespace[field["id"]] = value
    sandbox = ImmutableSandboxedEnvironment()

    class Tower(object):  # pylint: disable=too-few-public-methods
        """AWX's ``tower`` namespace."""

    namespace["tower"] = Tower()
    for label, template in ctype["injectors"].get("file", {}).items():
        path = os.path.join(private_dir, "awx-" + label.replace(".", "-"))
        with open(path, "w") as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        namespace["tower"].filename = path
    return dict((name, sandbox.from_string(template).render(**namespace)) for name, template in ctype["injectors"].get("env", {}).items())


def awx_launch_vars(survey, answers):
    """The extra vars AWX gives a job launched with ``answers`` to ``survey`` (its survey defaults, then the answers),
    after checking the answers as AWX does (types, choices, required questions)."""
    problems = []
    extra_vars = {}
    for question in survey["spec"]:
        name = question["variable"]
        if "default" in question and question.get("type") != "password":
            extra_vars[name] = question["default"]
        if name not in answers:
            if question["required"] and "default" not in question:
                problems.append("%s: required, no answer" % name)
            continue
        value = answers[name]
        qtype = question["type"]
        if qtype in ("text", "textarea", "password", "multiplechoice") and not isinstance(value, str):
            problems.append("%s: a %s answer is a string, not %r" % (name, qtype, value))
        if qtype == "integer" and type(value) is not int:  # pylint: disable=unidiomatic-typecheck
            problems.append("%s: not an integer" % name)
        if qtype == "multiplechoice" and value not in question["choices"]:
            problems.append("%s: %r is not a choice" % (name, value))
        if qtype == "multiselect" and (not isinstance(value, list) or set(value) - set(question["choices"])):
            problems.append("%s: %r is not a list of choices" % (name, value))
    unknown = sorted(set(answers) - set(q["variable"] for q in survey["spec"]))
    if unknown:
        problems.append("not survey questions: %s" % ", ".join(unknown))
    extra_vars.update(answers)
    return extra_vars, problems
