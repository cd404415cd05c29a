"""Lab configuration: the default topology, the lab switches, and a YAML override.

Everything here is data. ``load_config(path=None, instance=0, **overrides)`` returns a ``LabConfig`` whose
``topology`` dict describes environments, deployments and clusters, and whose ``switches`` settle the points
Elastic's documentation leaves open (see DESIGN.md, "Lab switches").
"""

import copy
import os

import yaml

#: The unsettled points, each a documented, switchable assumption (DESIGN.md).
DEFAULT_SWITCHES = {
    "environment_id_field": "account_id",   # which API field carries the UI's environment ID
    "same_env_proxy_ca_trusted": True,      # ECE deployments trust their own environment's proxy CA on 9443
    "proxy_trust_types": ["proxy"],         # trust.direct types whose certificates are trusted on 9443
    "proxy_response_mode": "raw",           # ES pass-through body: raw ES body, or "wrapped" GenericResponse
    "trust_update_creates_plan": True,      # a trust-only deployment update creates a (short) plan
    "plan_delay": 1.0,                      # seconds a pending plan takes
    "keystore_reload_delay": 1.0,           # seconds before ECE >= 8.14 loads new keystore credentials
    "connect_delay": 0.3,                   # seconds after a settings change before the background connect attempt
    "reject_unknown_query": True,           # unknown ECE query parameters are rejected (stricter than ECE)
    "lb_9443_mode": "tcp",                  # load balancer in front of ECE proxies on 9443: tcp pass-through or http (L7)
}

# ECE default deployment: one Elasticsearch resource "main-elasticsearch" in region "ece-region".
DEFAULT_TOPOLOGY = {
    "environments": [
        {
            "name": "ece-a", "kind": "ece", "host": 11, "ece_version": "3.8.0", "domain": "ece-a.lab",
            "account_id": "a0c5e6f1b2d34e5f8a9b0c1d2e3f4a5b", "installation_id": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
            "region": "ece-region", "platform_trust_all": True,
            "deployments": [
                {"name": "search-a", "version": "9.1.3", "alias": "search-a"},
                {"name": "logs-a", "version": "8.19.4", "alias": "logs-a"},
                {"name": "metrics-a", "version": "8.15.5"},
                {"name": "legacy-a", "version": "8.13.4"},
                {"name": "old-a", "version": "7.17.28"},
                {"name": "archive-a", "version": "8.18.6", "pre_2_9": True},
                {"name": "admin-console-elasticsearch", "version": "8.19.4", "system_owned": True},
                {"name": "logging-and-metrics", "version": "8.19.4", "system_owned": True},
            ],
        },
        {
            "name": "ece-b", "kind": "ece", "host": 12, "ece_version": "3.8.0", "domain": "ece-b.lab",
            "account_id": "b1d6f7a2c3e45f6a9b0c1d2e3f4a5b6c", "installation_id": "e1f2a3b4c5d6e7f8091a2b3c4d5e6f70",
            "region": "ece-region", "platform_trust_all": True,
            "deployments": [
                {"name": "search-b", "version": "9.1.3", "alias": "search-b"},
                {"name": "logs-b", "version": "8.19.4"},
                {"name": "security", "version": "8.19.4", "system_owned": True},
            ],
        },
        {
            "name": "ech", "kind": "ech", "host": 13, "domain": "lab-region.ech.lab", "organization_id": "803289842",
            "region": "lab-region", "api_host": "api.ech.lab", "api_port": 443,
            "deployments": [
                {"name": "search-ech", "version": "9.1.3", "alias": "search-ech"},
                {"name": "logs-ech", "version": "8.19.4"},
            ],
        },
    ],
    "self_managed": [
        {"name": "sm", "host": 14, "version": "9.1.3", "domain": "sm.lab", "cluster_name": "sm-cluster",
         "nodes": ["sm-node-1", "sm-node-2"], "remote_cluster_server": False, "other_name_in_certs": True},
    ],
    "eck": [
        {"name": "quickstart", "namespace": "default", "host": 15, "version": "9.1.3", "domain": "eck.lab",
         "remote_cluster_server": False},
    ],
    "unused_host": 16,
    "control_host": 2,
    "control_port": 8999,
}


class LabConfig(object):
    """Resolved lab configuration."""

    def __init__(self, topology, switches, instance, state_dir):
        self.topology = topology
        self.switches = switches
        self.instance = instance
        self.state_dir = state_dir

    @property
    def prefix(self):
        """Address prefix of this instance: ``127.0.<instance>.``."""
        return "127.0.%d." % self.instance

    def address(self, host):
        """The loopback address of host number ``host`` in this instance."""
        return self.prefix + str(host)

    @property
    def control_url(self):
        """Base URL of the control API."""
        return "http://%s:%d" % (self.address(self.topology["control_host"]), self.topology["control_port"])


def default_state_dir(instance=0):
    """Where the lab keeps its files unless told otherwise."""
    base = os.environ.get("ECEOPS_LAB_STATE")
    if base:
        return base if instance == 0 else "%s-%d" % (base, instance)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    return os.path.join(root, ".build", "lab-%d" % instance)


def _merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(override)


def load_config(path=None, instance=0, state_dir=None, switches=None, topology=None):
    """Build a LabConfig from the defaults, an optional YAML file and explicit overrides.

    The YAML file may hold ``switches:`` and ``topology:`` keys; dicts merge into the defaults, lists replace.
    """
    topo = copy.deepcopy(DEFAULT_TOPOLOGY)
    sw = copy.deepcopy(DEFAULT_SWITCHES)
    if path:
        with open(path) as handle:
            data = yaml.safe_load(handle) or {}
        unknown = set(data) - {"switches", "topology"}
        if unknown:
            raise ValueError("unknown keys in %s: %s (expected switches, topology)" % (path, ", ".join(sorted(unknown))))
        topo = _merge(topo, data.get("topology") or {})
        sw = _merge(sw, data.get("switches") or {})
    if topology:
        topo = _merge(topo, topology)
    if switches:
        sw = _merge(sw, switches)
    unknown = set(sw) - set(DEFAULT_SWITCHES)
    if unknown:
        raise ValueError("unknown lab switches: %s" % ", ".join(sorted(unknown)))
    return LabConfig(topo, sw, instance, state_dir or default_state_dir(instance))
