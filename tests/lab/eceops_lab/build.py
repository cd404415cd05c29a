"""Build a World from a LabConfig: certificates, environments, deployments, clusters, files on disk."""

import json
import os
import secrets
import stat
import sys

import yaml

from eceops_lab import pki
from eceops_lab.state import Cluster, Deployment, Environment, EsResource, Index, Node, World, now_iso, stable_id
from eceops_lab.tlsnet import Resolver

NODE_ROLES = ["master", "ingest", "data_hot", "data_content", "remote_cluster_client", "transform"]
SEED_DOCS = [
    {"@timestamp": "2026-11-01T10:00:00Z", "message": "lab document one", "service": "checkout"},
    {"@timestamp": "2026-11-01T10:01:00Z", "message": "lab document two", "service": "payments"},
    {"@timestamp": "2026-11-01T10:02:00Z", "message": "lab document three", "service": "checkout"},
]


def _minwire(version):
    major, minor = (int(x) for x in version.split(".")[:2])
    if major == 9:
        return "8.18.0" if minor == 0 else "8.19.0"
    if major == 8:
        return "7.17.0"
    if major == 7:
        return "6.8.0"
    return "%d.0.0" % major


def default_plan(version):
    """A plan as ECE returns it for a small one-zone deployment (conforms to ElasticsearchClusterPlan)."""
    return {
        "cluster_topology": [{
            "id": "hot_content",
            "zone_count": 1,
            "instance_configuration_id": "data.default",
            "size": {"value": 4096, "resource": "memory"},
            "node_roles": list(NODE_ROLES),
            "elasticsearch": {"node_attributes": {"data": "hot"}},
        }],
        "elasticsearch": {"version": version},
        "deployment_template": {"id": "default"},
    }


def completed_attempt(attempt_id, plan, started, ended, action="create-deployment"):
    """An ElasticsearchClusterPlanInfo for a successful attempt."""
    return {
        "plan_attempt_id": attempt_id,
        "plan_attempt_name": "attempt-0000000000",
        "healthy": True,
        "attempt_start_time": now_iso(started),
        "attempt_end_time": now_iso(ended),
        "plan_end_time": now_iso(ended),
        "plan": plan,
        "plan_attempt_log": [{
            "step_id": "plan-completed", "started": now_iso(ended), "completed": now_iso(ended), "duration_in_millis": 0,
            "status": "success", "stage": "completed", "info_log": [],
        }],
        "source": {"facilitator": "adminconsole", "action": action, "date": now_iso(started)},
        "warnings": [],
    }


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _script(path, body):
    _write(path, "#!/bin/sh\n" + body, mode=0o755 | stat.S_IXUSR)


class Builder(object):
    """Creates the world; one instance per lab start."""

    def __init__(self, config):
        self.config = config
        self.world = World(config)
        self.now = self.world.clock.now()
        self.hosts = []          # (ip, [names])
        self.certs_dir = os.path.join(config.state_dir, "certs")

    def build(self):
        """Build everything and write the files (certificates, hosts, node directories, stand-in commands)."""
        os.makedirs(self.certs_dir, exist_ok=True)
        world = self.world
        world.public_ca = pki.make_ca("Lab Public Root CA", organization="Lab Public Trust Services")
        self._save("public-ca.pem", world.public_ca.cert_pem)
        for env_cfg in self.config.topology["environments"]:
            self.build_environment(env_cfg)
        for sm_cfg in self.config.topology.get("self_managed", []):
            self.build_self_managed(sm_cfg)
        for eck_cfg in self.config.topology.get("eck", []):
            self.build_eck(eck_cfg)
        resolver = Resolver()
        lines = ["# eceops lab instance %d: host names of every environment (ECEOPS_HOSTS_FILE)" % self.config.instance]
        for ip, names in self.hosts:
            for name in names:
                resolver.add(name, ip)
            lines.append("%s %s" % (ip, " ".join(names)))
        world.resolver = resolver
        _write(os.path.join(self.config.state_dir, "hosts"), "\n".join(lines) + "\n")
        return world

    def _save(self, name, text):
        path = os.path.join(self.certs_dir, name)
        _write(path, text, mode=0o600 if "key" in name else 0o644)
        return path

    # -- ECE / ECH --------------------------------------------------------------------------------------------
    def build_environment(self, cfg):
        """An ECE environment or the ECH organization, with its deployments."""
        world = self.world
        ip = self.config.address(cfg["host"])
        env = Environment(cfg["name"], cfg["kind"], ip, cfg["domain"], cfg.get("region", "ece-region"))
        env.switches = self.config.switches
        if env.kind == "ece":
            env.ece_version = cfg.get("ece_version", "3.8.0")
            env.account_id = cfg["account_id"]
            env.installation_id = cfg["installation_id"]
            env.api_host = cfg.get("api_host", "coordinator." + env.domain)
            env.api_port = cfg.get("api_port", 12443)
            env.platform_trust_all = cfg.get("platform_trust_all", True)
            admin_ca = pki.make_ca("ECE %s admin console CA" % env.name)
            env.certs["admin_ca"] = admin_ca
            env.certs["coordinator"] = pki.issue(admin_ca, common_name=env.api_host, dns_names=[env.api_host], ip_addresses=[ip])
            proxy_ca = pki.make_ca("ECE %s proxy CA" % env.name, key_type="rsa")
            env.certs["proxy_ca"] = proxy_ca
            env.certs["proxy"] = pki.issue(proxy_ca, common_name="*." + env.domain,
                                           dns_names=["*." + env.domain, "*.es." + env.domain, env.domain], key_type="rsa")
            env.certs["env_ca"] = pki.make_ca("ECE %s environment CA %s" % (env.name, env.account_id))
        else:
            env.organization_id = cfg["organization_id"]
            env.account_id = cfg["organization_id"]
            env.api_host = cfg.get("api_host", "api." + env.domain)
            env.api_port = cfg.get("api_port", 443)
            admin_ca = world.public_ca
            env.certs["admin_ca"] = admin_ca
            env.certs["coordinator"] = pki.issue(admin_ca, common_name=env.api_host, dns_names=[env.api_host], ip_addresses=[ip])
            env.certs["proxy_ca"] = world.public_ca
            env.certs["proxy"] = pki.issue(world.public_ca, common_name="*." + env.domain,
                                           dns_names=["*." + env.domain, "*.es." + env.domain, env.domain])
            env.certs["env_ca"] = pki.make_ca("ECH %s regional CA" % env.region)
        env.proxy_chain = [env.certs["proxy"].cert_pem, env.certs["proxy_ca"].cert_pem]
        env.proxy_key_pem = env.certs["proxy"].key_pem
        for label in ("admin_ca", "coordinator", "proxy_ca", "env_ca"):
            self._save("%s-%s.pem" % (env.name, label.replace("_", "-")), env.certs[label].cert_pem)
        # credentials: an admin key, a read-only key, and (ECE only) basic-auth users
        env.api_keys[secrets.token_urlsafe(32)] = {"id": stable_id("key", env.name, "admin", length=20), "role": "admin"}
        env.api_keys[secrets.token_urlsafe(32)] = {"id": stable_id("key", env.name, "ro", length=20), "role": "readonly"}
        if env.kind == "ece":
            env.users["admin"] = {"password": secrets.token_urlsafe(18), "role": "admin"}
            env.users["readonly"] = {"password": secrets.token_urlsafe(18), "role": "readonly"}
            rel_id = stable_id("trust-relationship", env.name)
            env.trust_relationships[rel_id] = {
                "id": rel_id, "name": "Local environment (%s)" % env.name, "trust_by_default": True,
                "account_ids": [env.account_id], "installation_id": env.installation_id, "local": True,
                "public_ca_cert": env.certs["env_ca"].cert_pem, "last_modified": now_iso(self.now), "version": 1,
            }
        self.hosts.append((ip, [env.api_host, "*." + env.domain]))
        world.environments[env.name] = env
        for dep_cfg in cfg.get("deployments", []):
            self.build_deployment(env, dep_cfg)
        return env

    def build_deployment(self, env, cfg):
        """A deployment with one Elasticsearch resource and its cluster."""
        world = self.world
        name = cfg["name"]
        created = self.now - (6 * 365 * 86400 if cfg.get("pre_2_9") else 30 * 86400)
        dep = Deployment(env, stable_id("deployment", env.name, name), name, created)
        dep.alias = cfg.get("alias")
        dep.system_owned = bool(cfg.get("system_owned"))
        dep.kibana_id = stable_id("kibana", env.name, name)
        version = cfg["version"]
        cluster = Cluster("%s/%s" % (env.name, name), env.kind, stable_id("es", env.name, name), name, version, env.ip)
        cluster.env = env
        cluster.scope_id = env.scope_id
        cluster.minwire = _minwire(version)
        endpoint = "%s.%s" % (cluster.cluster_id, env.domain)
        cluster.endpoint = endpoint
        cluster.http_hosts = {endpoint}
        if dep.alias:
            cluster.http_hosts.add("%s.es.%s" % (dep.alias, env.domain))
        cluster.http_url = "https://%s:9243" % endpoint
        cluster.http_ca = env.certs["proxy_ca"]
        cluster.node_name = "instance-0000000000"
        cluster.transport_ca = env.certs["env_ca"]
        cluster.node_cert = pki.node_certificate(env.certs["env_ca"], cluster.node_name, cluster.cluster_id, cluster.scope_id)
        cluster.elastic_password = secrets.token_urlsafe(18)
        cluster.users["elastic"] = {"password": cluster.elastic_password, "roles": ["superuser"]}
        cluster.keystore_loaded = {}
        cluster.indices["logs-lab"] = Index("logs-lab", SEED_DOCS)
        cluster.indices["leader-lab"] = Index("leader-lab", SEED_DOCS)
        res = EsResource(dep, "main-elasticsearch", env.region, cluster)
        res.plan = default_plan(version)
        attempt = stable_id("attempt", env.name, name, "0")
        attempt = "%s-%s-%s-%s-%s" % (attempt[:8], attempt[8:12], attempt[12:16], attempt[16:20], attempt[20:32])
        res.current_attempt = completed_attempt(attempt, res.plan, created, created + 120)
        res.history = [res.current_attempt]
        if cfg.get("pre_2_9"):
            # deployments created before ECE 2.9.0 trust only themselves and need _enable-ccr
            res.trust = {"accounts": [{"account_id": env.account_id, "name": "Default trust", "trust_all": False,
                                       "trust_allowlist": [cluster.cluster_id]}], "external": [], "direct": []}
            res.ccr_enabled = False
        else:
            res.trust = {"accounts": [{"account_id": env.account_id, "name": "Default trust", "trust_all": env.platform_trust_all}],
                         "external": [], "direct": []}
        dep.es.append(res)
        env.deployments[dep.id] = dep
        world.clusters[cluster.key] = cluster
        return dep

    # -- self-managed -----------------------------------------------------------------------------------------
    def build_self_managed(self, cfg):
        """The self-managed cluster: its CA and certificates, node directories with elasticsearch.yml."""
        world = self.world
        ip = self.config.address(cfg["host"])
        name = cfg["name"]
        domain = cfg.get("domain", name + ".lab")
        cluster = Cluster(name, "self-managed", stable_id("es", name), cfg.get("cluster_name", name), cfg["version"], ip)
        cluster.minwire = _minwire(cfg["version"])
        cluster.scope_id = cfg.get("scope_id", "selfmanaged")
        cluster.domain = domain
        cluster.http_hosts = {domain, "es." + domain}
        cluster.http_url = "https://es.%s:9200" % domain
        ca = pki.make_ca("Elastic Certificate Tool Autogenerated CA (%s)" % name)
        cluster.http_ca = ca
        cluster.transport_ca = ca
        cluster.http_cert = pki.issue(ca, common_name="es." + domain, dns_names=["es." + domain, domain], ip_addresses=[ip])
        cluster.rcs_cert = pki.issue(ca, common_name=domain, dns_names=[domain, "*." + domain], ip_addresses=[ip])
        cluster.elastic_password = secrets.token_urlsafe(18)
        cluster.users["elastic"] = {"password": cluster.elastic_password, "roles": ["superuser"]}
        cluster.indices["logs-lab"] = Index("logs-lab", SEED_DOCS)
        cluster.indices["leader-lab"] = Index("leader-lab", SEED_DOCS)
        self._save("%s-ca.pem" % name, ca.cert_pem)
        base = os.path.join(self.config.state_dir, "self-managed", name)
        for node_name in cfg.get("nodes", [name + "-node-1"]):
            node = Node(node_name, os.path.join(base, node_name))
            other = [pki.node_account_name(node_name, cluster.cluster_id, cluster.scope_id)] if cfg.get("other_name_in_certs", True) else []
            cert = pki.issue(ca, common_name=node_name, dns_names=["%s.%s" % (node_name, domain)], ip_addresses=[ip],
                             other_names=other, server=True, client=True)
            node.cert = cert
            certs = os.path.join(node.config_dir, "certs")
            _write(os.path.join(certs, "ca.crt"), ca.cert_pem)
            _write(os.path.join(certs, "transport.crt"), cert.cert_pem)
            _write(os.path.join(certs, "transport.key"), cert.key_pem, 0o600)
            _write(os.path.join(certs, "http.crt"), cluster.http_cert.cert_pem)
            _write(os.path.join(certs, "http.key"), cluster.http_cert.key_pem, 0o600)
            _write(os.path.join(certs, "remote-cluster.crt"), cluster.rcs_cert.cert_pem)
            _write(os.path.join(certs, "remote-cluster.key"), cluster.rcs_cert.key_pem, 0o600)
            yml = {
                "cluster.name": cluster.cluster_name,
                "node.name": node_name,
                "network.host": ip,
                "http.port": 9200,
                "transport.port": 9300,
                "xpack.security.enabled": True,
                "xpack.security.http.ssl.enabled": True,
                "xpack.security.http.ssl.certificate": "certs/http.crt",
                "xpack.security.http.ssl.key": "certs/http.key",
                "xpack.security.transport.ssl.enabled": True,
                "xpack.security.transport.ssl.verification_mode": "certificate",
                "xpack.security.transport.ssl.certificate": "certs/transport.crt",
                "xpack.security.transport.ssl.key": "certs/transport.key",
                "xpack.security.transport.ssl.certificate_authorities": ["certs/ca.crt"],
            }
            if cfg.get("remote_cluster_server"):
                yml.update({"remote_cluster_server.enabled": True, "remote_cluster.host": ip,
                            "xpack.security.remote_cluster_server.ssl.enabled": True,
                            "xpack.security.remote_cluster_server.ssl.certificate": "certs/remote-cluster.crt",
                            "xpack.security.remote_cluster_server.ssl.key": "certs/remote-cluster.key"})
            _write(node.yml_path, yaml.safe_dump(yml, default_flow_style=False, sort_keys=False))
            _write(node.keystore_path, json.dumps({"format": "eceops-lab-keystore/1", "entries": {}}), 0o600)
            lab_cli = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "labctl"))
            _script(os.path.join(node.home, "bin", "elasticsearch-keystore"),
                    'exec "%s" "%s" --state "%s" elasticsearch-keystore --node-home "%s" "$@"\n'
                    % (sys.executable, lab_cli, self.config.state_dir, node.home))
            _script(os.path.join(node.home, "bin", "restart-elasticsearch"),
                    'exec "%s" "%s" --state "%s" restart-node --cluster "%s" --node "%s"\n'
                    % (sys.executable, lab_cli, self.config.state_dir, name, node_name))
            cluster.nodes.append(node)
        cluster.node_cert = cluster.nodes[0].cert
        cluster.node_name = cluster.nodes[0].name
        self.hosts.append((ip, [domain, "*." + domain]))
        world.clusters[cluster.key] = cluster
        return cluster

    # -- ECK ----------------------------------------------------------------------------------------------------
    def build_eck(self, cfg):
        """The ECK cluster: transport CA (the -es-transport-certs-public Secret), HTTP CA, LB addresses."""
        world = self.world
        ip = self.config.address(cfg["host"])
        name = cfg["name"]
        namespace = cfg.get("namespace", "default")
        domain = cfg.get("domain", "eck.lab")
        cluster = Cluster("eck/%s" % name, "eck", stable_id("es", "eck", namespace, name), name, cfg["version"], ip)
        cluster.minwire = _minwire(cfg["version"])
        cluster.namespace = namespace
        cluster.scope_id = "%s.es.local" % namespace
        cluster.domain = domain
        cluster.http_hosts = {"%s-es-http.%s" % (name, domain), domain}
        cluster.http_url = "https://%s-es-http.%s:9200" % (name, domain)
        http_ca = pki.make_ca("%s-http" % name)
        transport_ca = pki.make_ca("%s-transport" % name)
        cluster.http_ca = http_ca
        cluster.transport_ca = transport_ca
        svc_http = "%s-es-http.%s.svc" % (name, namespace)
        cluster.http_cert = pki.issue(http_ca, common_name=svc_http,
                                      dns_names=[svc_http, "%s-es-http.%s" % (name, domain), domain], ip_addresses=[ip])
        rcs_name = "%s-es-remote-cluster.%s.svc" % (name, namespace)
        cluster.rcs_cert = pki.issue(transport_ca, common_name=rcs_name,
                                     dns_names=[rcs_name, "%s-es-remote-cluster.%s" % (name, domain)], ip_addresses=[ip])
        pod = "%s-es-default-0" % name
        cluster.node_name = pod
        cluster.node_cert = pki.issue(transport_ca, common_name="%s.node.%s.%s.es.local" % (pod, name, namespace),
                                      dns_names=["%s.%s-es-default.%s.svc" % (pod, name, namespace), "%s-es-transport.%s" % (name, domain)],
                                      ip_addresses=[ip], other_names=["%s.node.%s.%s.es.local" % (pod, name, namespace)],
                                      server=True, client=True)
        cluster.elastic_password = secrets.token_urlsafe(18)
        cluster.users["elastic"] = {"password": cluster.elastic_password, "roles": ["superuser"]}
        cluster.indices["logs-lab"] = Index("logs-lab", SEED_DOCS)
        cluster.indices["leader-lab"] = Index("leader-lab", SEED_DOCS)
        cluster.secrets["%s-es-transport-certs-public" % name] = {"ca.crt": transport_ca.cert_pem}
        cluster.secrets["%s-es-http-certs-public" % name] = {"ca.crt": http_ca.cert_pem, "tls.crt": cluster.http_cert.cert_pem}
        cluster.secrets["%s-es-elastic-user" % name] = {"elastic": cluster.elastic_password}
        cluster.manifest = {
            "apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"version": cfg["version"], "nodeSets": [{"name": "default", "count": 1, "config": {}}]},
        }
        if cfg.get("remote_cluster_server"):
            cluster.manifest["spec"]["remoteClusterServer"] = {"enabled": True}
        from eceops_lab import eck  # pylint: disable=import-outside-toplevel
        eck.init_cluster(cluster)   # what the pods run with: ECK's merged config, certificate files, secure settings
        self._save("eck-%s-transport-ca.pem" % name, transport_ca.cert_pem)
        self._save("eck-%s-http-ca.pem" % name, http_ca.cert_pem)
        self.hosts.append((ip, [domain, "*." + domain]))
        world.clusters[cluster.key] = cluster
        return cluster


def build_world(config):
    """Build the World for a configuration (certificates are new on every call)."""
    return Builder(config).build()
