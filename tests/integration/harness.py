"""Integration harness: a lab per pytest worker and real ``ansible-playbook`` runs against it."""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB_DIR = os.path.join(COLLECTION, "tests", "lab")
sys.path.insert(0, LAB_DIR)

RECAP_RE = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
                      r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)", re.M)


# Temporary files of the tests (lab state directories with the lab's credentials, extra-vars files, playbooks): removed
# when the test process ends, unless ECEOPS_KEEP_TEMP=1 (to look at a failure's lab state and request log).
_SCRATCH = []


def scratch_dir(prefix):
    """A new temporary directory that is removed when the test process ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    _SCRATCH.append(path)
    return path


@atexit.register
def _remove_scratch():
    if os.environ.get("ECEOPS_KEEP_TEMP") == "1":
        return
    while _SCRATCH:
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)


def collections_path():
    """The directory above ``ansible_collections`` that holds this checkout."""
    return os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))


class PlaybookResult(object):
    """Outcome of one ansible-playbook run."""

    def __init__(self, rc, output, recap):
        self.rc = rc
        self.output = output
        self.recap = recap

    @property
    def changed(self):
        """Total changed tasks over all hosts."""
        return sum(r["changed"] for r in self.recap.values())

    @property
    def failed(self):
        """Total failed tasks over all hosts."""
        return sum(r["failed"] + r["unreachable"] for r in self.recap.values())

    def __repr__(self):
        return "PlaybookResult(rc=%s, recap=%s)" % (self.rc, self.recap)


class LabHandle(object):
    """A lab instance running inside the test process."""

    def __init__(self, instance, switches=None):
        from eceops_lab.config import load_config  # pylint: disable=import-outside-toplevel
        from eceops_lab.lab import Lab, write_lab_vars  # pylint: disable=import-outside-toplevel
        state = scratch_dir("eceops-lab-%d-" % instance)
        base = {"plan_delay": 0.3, "keystore_reload_delay": 0.3, "connect_delay": 0.1}
        base.update(switches or {})
        self.config = load_config(instance=instance, state_dir=state, switches=base)
        self.lab = Lab(self.config).start()
        self._write_vars = write_lab_vars
        self.vars_file = write_lab_vars(self.lab)
        self.instance = instance
        self._write_kubectl()

    def _write_kubectl(self):
        """``<state>/bin/kubectl``: the lab's kubectl stand-in (``labctl serve`` writes it; an in-process lab needs it too)."""
        path = os.path.join(self.config.state_dir, "bin", "kubectl")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\nexec '%s' '%s' --state '%s' --instance %d kubectl \"$@\"\n"
                         % (sys.executable, os.path.join(LAB_DIR, "labctl"), self.config.state_dir, self.instance))
        os.chmod(path, 0o755)

    @property
    def world(self):
        """The lab's world (for direct assertions)."""
        return self.lab.world

    @property
    def describe(self):
        """The connection variables."""
        return self.lab.describe()

    def reset(self):
        """A fresh world (new certificates and default state)."""
        self.lab.reset()
        self.vars_file = self._write_vars(self.lab)
        self._write_kubectl()

    def mark(self):
        """The request log's current sequence number."""
        return self.world.log.last_seq

    def writes_since(self, mark, service=None):
        """Write requests logged after ``mark``."""
        return self.world.log.query(since=mark, writes=True, service=service)

    def spec_rejected_since(self, mark):
        """Requests logged after ``mark`` that the lab answered with a spec rejection (note ``spec-rejected: <code>``)."""
        from eceops_lab.server import SPEC_REJECTED  # pylint: disable=import-outside-toplevel
        return [entry for entry in self.world.log.query(since=mark) if (entry.get("note") or "").startswith(SPEC_REJECTED)]

    def control(self, method, path, body=None):
        """Call the control API."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.config.control_url + "/_lab" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        """Stop the lab."""
        self.lab.stop()

    def ca_bundle(self):
        """The system CA bundle plus the lab's public CA: what the lab treats as publicly trusted is trusted here too."""
        return write_ca_bundle(self.describe)

    def env(self):
        """Environment variables for ansible-playbook."""
        env = dict(os.environ)
        bundle = self.ca_bundle()
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_LIBRARY": os.path.join(HERE, "targets", "setup_lab", "library"),
            "ANSIBLE_ROLES_PATH": os.path.join(HERE, "targets"),
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_DEPRECATION_WARNINGS": "False",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ECEOPS_HOSTS_FILE": self.describe["hosts_file"],
            "SSL_CERT_FILE": bundle,
            "REQUESTS_CA_BUNDLE": bundle,
        })
        return env


SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")


def write_ca_bundle(description):
    """Write ``<state>/system-ca-bundle.pem`` (system CAs + the lab's public CA) and return its path."""
    path = os.path.join(description["state_dir"], "system-ca-bundle.pem")
    parts = []
    for candidate in SYSTEM_BUNDLES:
        if os.path.isfile(candidate):
            with open(candidate) as handle:
                parts.append(handle.read())
            break
    with open(description["public_ca"]) as handle:
        parts.append(handle.read())
    with open(path, "w") as handle:
        handle.write("\n".join(parts))
    return path


def run_playbook(lab, playbook, extra_vars=None, check=False, diff=False, tags=None, skip_tags=None, inventory=None,
                 extra_args=(), timeout=600, verbosity=0):
    """Run ``ansible-playbook`` against the lab and return a PlaybookResult (output kept for assertions)."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-e", "@" + lab.vars_file]
    if inventory:
        cmd += ["-i", inventory]
    else:
        cmd += ["-i", "localhost,", "-c", "local"]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", json.dumps({key: value})]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if tags:
        cmd += ["--tags", ",".join(tags)]
    if skip_tags:
        cmd += ["--skip-tags", ",".join(skip_tags)]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    cmd += list(extra_args)
    started = time.time()
    proc = subprocess.run(cmd, env=lab.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          universal_newlines=True, cwd=HERE, check=False)
    recap = dict((m.group("host"), dict((k, int(v)) for k, v in m.groupdict().items() if k != "host"))
                 for m in RECAP_RE.finditer(proc.stdout))
    result = PlaybookResult(proc.returncode, proc.stdout, recap)
    result.duration = time.time() - started
    return result


def target_playbook(target, hosts="localhost"):
    """Write a playbook that runs one integration target (a role under targets/) and return its path."""
    path = os.path.join(scratch_dir("eceops-target-"), "%s.yml" % target)
    with open(path, "w") as handle:
        handle.write("- hosts: %s\n  gather_facts: false\n  roles:\n    - role: %s\n" % (hosts, target))
    return path
