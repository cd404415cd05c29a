"""Shared helpers of the es_api tests (no tests here): a lab world of instance 4 and a fake connection engine."""

import base64
import json

from eceops_lab import build, config, server
from eceops_lab.es_api import EsApi
from eceops_lab.state import RemoteState

SWITCHES = {"plan_delay": 0.1, "keystore_reload_delay": 0.1, "connect_delay": 0.05}


class FakeTransportError(Exception):
    """Stands in for transport.TransportError(kind, reason)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.reason = message


class FakeConnector(object):
    """Records calls; links (local key, alias) to a remote EsApi with a model, or to a failure."""

    def __init__(self, world):
        self.world = world
        self.links = {}
        self.calls = []
        self.sent = []
        self.info = {}

    def link(self, local, alias, remote, model="api_key", api_key=None):
        """Connect ``local``'s ``alias`` to cluster key ``remote``."""
        self.links[(local, alias)] = {"remote": remote, "model": model, "api_key": api_key, "error": None}

    def break_link(self, local, alias, message="Unable to open any proxy connections to cluster [%s]", kind="connect_refused"):
        """Make ``local``'s ``alias`` unreachable."""
        self.links[(local, alias)] = {"remote": None, "model": None, "api_key": None,
                                      "error": (kind, message % alias if "%s" in message else message)}

    def attempt(self, local, alias, force=False):
        """Bring the alias up or record the failure on its RemoteState."""
        self.calls.append(("attempt", local.key, alias, force))
        state = local.remote_state(alias)
        link = self.links.get((local.key, alias))
        if link is None or link["error"]:
            state.connected = False
            state.failure_kind, state.error = link["error"] if link else ("not_configured", "no route to [%s]" % alias)
        else:
            state.connected = True
            state.error = None
            state.model = link["model"]
            state.remote_key = link["remote"]
        return state

    def send(self, local, alias, message):
        """Deliver a transport message to the remote EsApi (connecting first, forced when not connected)."""
        self.sent.append((local.key, alias, message))
        self.attempt(local, alias, force=not local.remote_state(alias).connected)
        link = self.links.get((local.key, alias))
        if link is None or link["error"]:
            kind, message = link["error"] if link else ("not_configured", "no route")
            raise FakeTransportError(kind, message)
        ctx = {"model": link["model"], "api_key": link["api_key"], "local_key": local.key, "alias": alias}
        return self.world.es_apis[link["remote"]].transport_request(message, ctx)

    def remote_info(self, local):
        """A canned _remote/info body."""
        self.calls.append(("remote_info", local.key))
        return self.info.get(local.key, {})

    def refresh_listeners(self, cluster):
        """Recorded only."""
        self.calls.append(("refresh_listeners", cluster.key))


class LabWorld(object):
    """A built world of lab instance 4 with an EsApi per cluster."""

    def __init__(self, tmp_path, switches=None, topology=None):
        sw = dict(SWITCHES)
        sw.update(switches or {})
        self.config = config.load_config(instance=4, state_dir=str(tmp_path), switches=sw, topology=topology)
        self.world = build.build_world(self.config)
        self.world.es_apis = dict((key, EsApi(self.world, cluster)) for key, cluster in self.world.clusters.items())
        self.connector = None

    def fake_connector(self):
        """Install and return a FakeConnector."""
        self.connector = FakeConnector(self.world)
        self.world.connector = self.connector
        return self.connector

    def cluster(self, key):
        """A cluster by key."""
        return self.world.clusters[key]

    def api(self, key):
        """The EsApi of a cluster."""
        return self.world.es_apis[key]

    def control(self, key, method, action, body=None):
        """A control call."""
        return self.api(key).control(method, action, body or {})

    def add_user(self, key, username, roles, password="lab-password-1"):
        """Create a native user."""
        return self.control(key, "POST", "_users", {"username": username, "password": password, "roles": roles})

    def call(self, key, method, path, body=None, user="elastic", password=None, api_key=None, query=None, raw=None,
             headers=None, principal=None):
        """One request to a cluster's EsApi; returns the Response."""
        cluster = self.cluster(key)
        hdrs = dict(headers or {})
        if api_key is not None:
            hdrs["Authorization"] = "ApiKey " + api_key
        elif user is not None:
            pw = password if password is not None else (cluster.users[user]["password"] if user in cluster.users else "x")
            hdrs["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8") if body is not None else b""
        if data:
            hdrs.setdefault("Content-Type", "application/json")
        query = dict((k, v if isinstance(v, list) else [v]) for k, v in (query or {}).items())
        request = server.Request(method, path, query, hdrs, data, "127.0.0.1", "es:" + key)
        return self.api(key).handle(request, principal=principal)


def reason(response):
    """``error.reason`` of an ES error response (or the plain-string error)."""
    error = response.body.get("error")
    return error.get("reason") if isinstance(error, dict) else error


def etype(response):
    """``error.type`` of an ES error response."""
    error = response.body.get("error")
    return error.get("type") if isinstance(error, dict) else None


def remote_state(alias, connected):
    """A RemoteState for canned answers."""
    state = RemoteState(alias)
    state.connected = connected
    return state
