"""The lab process: builds the world, starts every service and listener, serves the control API.

``Lab(config).start()`` returns once everything listens; ``describe()`` gives the connection variables that
playbooks need (also written to ``<state>/describe.json`` and ``<state>/lab-vars.yml``).
"""

import json
import os
import threading

import yaml

from eceops_lab.build import build_world
from eceops_lab.server import HttpService, FaultTable, RequestLog, Response, json_response

# The API modules are imported lazily so the core can be tested before all of them exist.


class Lab(object):
    """One lab instance."""

    def __init__(self, config):
        self.config = config
        self.world = None
        self.services = []
        self.control = None
        self.stopped = threading.Event()

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self, with_control=True):
        """Build the world and start every service (and the control API unless it already runs)."""
        from eceops_lab.ece_api import EceApi  # pylint: disable=import-outside-toplevel
        from eceops_lab.es_api import EsApi  # pylint: disable=import-outside-toplevel
        from eceops_lab.transport import Connector  # pylint: disable=import-outside-toplevel
        config = self.config
        os.makedirs(config.state_dir, exist_ok=True)
        world = build_world(config)
        previous = self.world.log.last_seq if self.world is not None and self.world.log is not None else 0
        world.log = RequestLog(os.path.join(config.state_dir, "requests.jsonl"), start_seq=previous)
        world.faults = FaultTable()
        world.es_apis = dict((key, EsApi(world, cluster)) for key, cluster in world.clusters.items())
        world.ece_apis = dict((name, EceApi(world, env)) for name, env in world.environments.items())
        world.connector = Connector(world)
        self.world = world
        tick = world.tick
        for name, env in world.environments.items():
            coord = env.certs["coordinator"]
            self.services.append(HttpService(name, env.ip, env.api_port, world.ece_apis[name].handle,
                                             tls=(coord.cert_pem + env.certs["admin_ca"].cert_pem, coord.key_pem),
                                             log=world.log, faults=world.faults, tick=tick))
            self.services.append(HttpService("es-proxy:" + name, env.ip, 9243, self._route_es,
                                             tls=("\n".join(env.proxy_chain), env.proxy_key_pem),
                                             log=world.log, faults=world.faults, tick=tick))
        for key, cluster in world.clusters.items():
            if cluster.kind in ("self-managed", "eck"):
                self.services.append(HttpService("es:" + key, cluster.ip, 9200, self._route_es,
                                                 tls=(cluster.http_cert.cert_pem + cluster.http_ca.cert_pem, cluster.http_cert.key_pem),
                                                 log=world.log, faults=world.faults, tick=tick))
        for service in self.services:
            service.start()
        world.connector.start()
        if with_control:
            self.control = HttpService("control", config.address(config.topology["control_host"]), config.topology["control_port"],
                                       self._control, tls=None, log=None, faults=None, tick=None).start()
        self._write_description()
        return self

    def stop(self):
        """Stop every service and listener."""
        if self.world and self.world.connector:
            self.world.connector.stop()
        for service in self.services:
            service.stop()
        self.services = []
        if self.control:
            threading.Thread(target=self.control.stop, daemon=True).start()
        if self.world and self.world.log:
            self.world.log.close()
        self.stopped.set()

    def reset(self):
        """Throw the world away and build a new one (new certificates, default state); the control API stays."""
        if self.world and self.world.connector:
            self.world.connector.stop()
        for service in self.services:
            service.stop()
        self.services = []
        if self.world and self.world.log:
            self.world.log.close()
        self.start(with_control=False)
        write_lab_vars(self)        # describe.json is rewritten by start(); lab-vars.yml too, so both match the new world

    # -- routing ----------------------------------------------------------------------------------------------
    def _route_es(self, request):
        world = self.world
        if request.service.startswith("es:"):
            cluster = world.clusters.get(request.service[3:])
        else:
            cluster = world.cluster_by_host(request.host)
            if cluster is not None:
                request.service = "es:" + cluster.key
        if cluster is None:
            # what an ECE proxy answers for a host it does not know
            return Response(404, {"ok": False, "message": "Unknown resource."})
        with world.lock:
            return world.es_apis[cluster.key].handle(request)

    # -- description ------------------------------------------------------------------------------------------
    def describe(self):
        """Connection variables for playbooks and tests (contains the lab's credentials: test use only)."""
        world = self.world
        state = self.config.state_dir
        certs = os.path.join(state, "certs")
        out = {
            "instance": self.config.instance,
            "state_dir": state,
            "control_url": self.config.control_url,
            "hosts_file": os.path.join(state, "hosts"),
            "public_ca": os.path.join(certs, "public-ca.pem"),
            "request_log": os.path.join(state, "requests.jsonl"),
            "switches": self.config.switches,
            "environments": {},
            "clusters": {},
        }
        for name, env in world.environments.items():
            admin_key = next(k for k, v in env.api_keys.items() if v["role"] == "admin")
            ro_key = next(k for k, v in env.api_keys.items() if v["role"] == "readonly")
            info = {
                "kind": env.kind, "address": env.ip, "domain": env.domain, "region": env.region,
                "api_url": "https://%s:%d" % (env.api_host, env.api_port),
                "api_key": admin_key, "readonly_api_key": ro_key,
                "api_ca": os.path.join(certs, "%s-admin-ca.pem" % name),
                "proxy_ca": os.path.join(certs, "%s-proxy-ca.pem" % name),
                "environment_ca": os.path.join(certs, "%s-env-ca.pem" % name),
                "environment_id": env.environment_id,
                "deployments": {},
            }
            if env.kind == "ece":
                info.update({"ece_version": env.ece_version, "account_id": env.account_id, "installation_id": env.installation_id,
                             "username": "admin", "password": env.users["admin"]["password"],
                             "readonly_username": "readonly", "readonly_password": env.users["readonly"]["password"]})
            else:
                info["organization_id"] = env.organization_id
            for dep in env.deployments.values():
                res = dep.es[0]
                cluster = res.cluster
                info["deployments"][dep.name] = {
                    "id": dep.id, "ref_id": res.ref_id, "cluster_id": cluster.cluster_id, "version": cluster.version,
                    "endpoint": cluster.endpoint, "es_url": cluster.http_url, "elastic_password": cluster.elastic_password,
                    "system_owned": dep.system_owned, "ccr_enabled": res.ccr_enabled, "alias": dep.alias,
                    "proxy_address_api_key": "%s:9443" % cluster.endpoint, "proxy_address_certificate": "%s:9400" % cluster.endpoint,
                    "server_name": cluster.endpoint,
                }
            out["environments"][name] = info
        for key, cluster in world.clusters.items():
            if cluster.kind not in ("self-managed", "eck"):
                continue
            entry = {"kind": cluster.kind, "address": cluster.ip, "es_url": cluster.http_url, "version": cluster.version,
                     "cluster_id": cluster.cluster_id, "cluster_name": cluster.cluster_name, "elastic_password": cluster.elastic_password,
                     "http_ca": os.path.join(certs, ("%s-ca.pem" % key) if cluster.kind == "self-managed"
                                             else "eck-%s-http-ca.pem" % cluster.name)}
            if cluster.kind == "self-managed":
                entry["nodes"] = dict((node.name, {"home": node.home, "config_dir": node.config_dir,
                                                   "keystore_command": os.path.join(node.home, "bin", "elasticsearch-keystore"),
                                                   "restart_command": os.path.join(node.home, "bin", "restart-elasticsearch")})
                                      for node in cluster.nodes)
                entry["transport_address"] = "%s:9300" % cluster.domain
                entry["remote_cluster_address"] = "%s:9443" % cluster.domain
                entry["ca"] = os.path.join(certs, "%s-ca.pem" % key)
            else:
                entry.update({"namespace": cluster.namespace, "transport_ca": os.path.join(certs, "eck-%s-transport-ca.pem" % cluster.name),
                              "remote_cluster_address": "%s-es-remote-cluster.%s:9443" % (cluster.name, cluster.domain),
                              "transport_address": "%s-es-transport.%s:9300" % (cluster.name, cluster.domain),
                              "kubectl": os.path.join(state, "bin", "kubectl")})
            out["clusters"][key] = entry
        return out

    def _write_description(self):
        desc = self.describe()
        state = self.config.state_dir
        with open(os.path.join(state, "describe.json"), "w") as handle:
            json.dump(desc, handle, indent=2, sort_keys=True)
        os.chmod(os.path.join(state, "describe.json"), 0o600)

    # -- control API ------------------------------------------------------------------------------------------
    def _control(self, request):
        world = self.world
        path = request.path.rstrip("/")
        if not path.startswith("/_lab"):
            return json_response({"error": "not a lab control path"}, 404)
        path = path[len("/_lab"):]
        try:
            body = request.json() or {}
        except ValueError:
            return json_response({"error": "body is not JSON"}, 400)
        if path == "/describe" and request.method == "GET":
            return json_response(self.describe())
        if path == "/health":
            return json_response({"ok": True, "instance": self.config.instance})
        if path == "/reset" and request.method == "POST":
            self.reset()
            return json_response({"ok": True, "describe": self.describe()})
        if path == "/shutdown" and request.method == "POST":
            threading.Thread(target=self.stop, daemon=True).start()
            return json_response({"ok": True})
        if path in ("/requests", "/requests/count") and request.method == "GET":
            writes = request.param("writes")
            entries = world.log.query(since=int(request.param("since", "0")),
                                      writes=None if writes is None else writes in ("1", "true"),
                                      service=request.param("service"), method=request.param("method"), path=request.param("path"))
            if path.endswith("/count"):
                return json_response({"count": len(entries), "last_seq": world.log.last_seq})
            return json_response({"requests": entries, "last_seq": world.log.last_seq})
        if path == "/requests/mark" and request.method == "GET":
            return json_response({"last_seq": world.log.last_seq})
        if path == "/faults":
            if request.method == "POST":
                return json_response({"id": world.faults.add(body)})
            if request.method == "DELETE":
                world.faults.clear()
                return json_response({"ok": True})
            return json_response({"faults": world.faults.describe()})
        if path == "/ports" and request.method == "POST":
            return json_response(world.connector.set_port_mode(body["target"], int(body["port"]), body["mode"]))
        if path == "/clock" and request.method == "POST":
            with world.lock:
                world.clock.advance(float(body.get("advance", 0)))
            return json_response({"offset": world.clock.offset})
        if path == "/tick" and request.method == "POST":
            world.tick()
            return json_response({"pending": world.pending_effects()})
        if path.startswith("/clusters/"):
            return self._cluster_control(request, path[len("/clusters/"):], body)
        if path.startswith("/environments/"):
            name = path[len("/environments/"):].split("/")[0]
            env = world.environments.get(name)
            if env is None:
                return json_response({"error": "no environment %s" % name}, 404)
            with world.lock:
                return json_response(world.ece_apis[name].control(request, path[len("/environments/" + name):], body))
        return json_response({"error": "unknown control call %s %s" % (request.method, request.path)}, 404)

    def _cluster_control(self, request, rest, body):
        world = self.world
        parts = rest.split("/_", 1)
        key = parts[0]
        action = "_" + parts[1] if len(parts) > 1 else ""
        cluster = world.clusters.get(key)
        if cluster is None:
            return json_response({"error": "no cluster %s" % key}, 404)
        with world.lock:
            result = world.es_apis[key].control(request.method, action, body)
        if isinstance(result, Response):
            return result
        return json_response(result)


def lab_vars(description):
    """The describe() output reshaped as Ansible variables (``lab_*``), written to lab-vars.yml."""
    return {"lab": description}


def write_lab_vars(lab):
    """Write ``<state>/lab-vars.yml`` for ``ansible-playbook -e @...``."""
    path = os.path.join(lab.config.state_dir, "lab-vars.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(lab_vars(lab.describe()), handle, default_flow_style=False)
    os.chmod(path, 0o600)
    return path
