"""Shared helpers of the ECE API tests (no tests here): a world on lab instance 3, a client that checks EVERY
response against the spec, stubs for the connector and the Elasticsearch APIs."""

import base64
import json

import pytest

from eceops_lab import build, config
from eceops_lab.ece_api import EXTRA_ALLOWED, RESOURCE_HEADERS, EceApi
from eceops_lab.server import FaultTable, Request, Response
from eceops_lab.state import Clock
from eceops_lab.swagger import SpecError

INSTANCE = 3
FAST = {"plan_delay": 0.1, "keystore_reload_delay": 0.1, "connect_delay": 0.05}


class FrozenClock(Clock):
    """Lab time that only moves when a test advances it (no dependence on how fast the machine is)."""

    def __init__(self, start):
        super().__init__()
        self.start = start

    def now(self):
        """The frozen start plus what the test advanced."""
        return self.start + self.offset


def make_world(tmp_path, switches=None):
    """A freshly built world of lab instance 3 with short delays, a frozen clock and an empty fault table."""
    sw = dict(FAST)
    sw.update(switches or {})
    cfg = config.load_config(instance=INSTANCE, state_dir=str(tmp_path), switches=sw)
    world = build.build_world(cfg)
    world.clock = FrozenClock(world.clock.now())
    world.faults = FaultTable()
    return world


def advance(world, seconds):
    """Move lab time forward and apply what became due."""
    world.clock.advance(seconds)
    world.tick()


def check_response(spec, method, path, response, undeclared_ok=False):
    """Assert that a response conforms to the spec: status declared (unless ``undeclared_ok``: a documented lab choice
    for an error status), body schema, resource headers where documented. Returns the problems (empty)."""
    try:
        operation = spec.match(method, path)
    except SpecError:
        operation = None
    if operation is None:
        problems = [t for f, t in spec.validate_definition("BasicFailedReply", response.body, request=False)]
        assert response.status >= 400, "no operation for %s %s but status %s" % (method, path, response.status)
    else:
        problems = spec.validate_response(operation, response.status, response.body, extra_allowed=EXTRA_ALLOWED,
                                          allow_undeclared_status=undeclared_ok)
        declared = operation.raw.get("responses", {}).get(str(response.status), {}).get("headers", {})
        for name in RESOURCE_HEADERS:
            if response.status < 400 and not operation.is_passthrough:
                if name in declared:
                    assert name in response.headers, "%s missing on %s %s" % (name, method, path)
                else:
                    assert name not in response.headers, "%s undocumented on %s %s" % (name, method, path)
    if response.status >= 400 and operation is not None and not operation.is_passthrough:
        assert response.headers.get("x-cloud-error-codes") == response.body["errors"][0]["code"]
    assert problems == [], "%s %s -> %s: %s" % (method, path, response.status, problems)
    return problems


class Client(object):
    """Calls ``EceApi.handle`` directly with ``server.Request`` objects; every response is checked against the spec."""

    def __init__(self, world, env_name):
        self.world = world
        self.env = world.environments[env_name]
        self.api = EceApi(world, self.env)
        self.spec = self.api.spec
        self.admin_key = next(k for k, v in self.env.api_keys.items() if v["role"] == "admin")
        self.readonly_key = next(k for k, v in self.env.api_keys.items() if v["role"] == "readonly")
        self.last = None

    def auth_header(self, auth):
        """The Authorization header for ``admin`` / ``readonly`` / ``basic:<user>`` / a raw header value / None."""
        if auth is None:
            return {}
        if auth == "admin":
            return {"Authorization": "ApiKey " + self.admin_key}
        if auth == "readonly":
            return {"Authorization": "ApiKey " + self.readonly_key}
        if auth.startswith("basic:"):
            user = auth[len("basic:"):]
            password = self.env.users[user]["password"] if user in self.env.users else "wrong"
            token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
            return {"Authorization": "Basic " + token}
        return {"Authorization": auth}

    def call(self, method, path, body=None, query=None, auth="admin", headers=None, undeclared_ok=False, raw_body=None):
        """One request; returns the Response (checked against the spec)."""
        hdrs = self.auth_header(auth)
        hdrs.update(headers or {})
        if raw_body is not None:
            data = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        else:
            data = b""
        full = "/api/v1" + path
        query = dict((k, v if isinstance(v, list) else [str(v).lower() if isinstance(v, bool) else str(v)])
                     for k, v in (query or {}).items())
        request = Request(method, full, query, hdrs, data, "127.0.3.50", self.env.name)
        response = self.api.handle(request)
        check_response(self.spec, method, full, response, undeclared_ok=undeclared_ok)
        self.last = response
        self.last_request = request
        return response

    def error(self, method, path, status, code, undeclared_ok=False, **kwargs):
        """A call that must fail with ``status`` and ``code``; returns the first error element."""
        response = self.call(method, path, undeclared_ok=undeclared_ok, **kwargs)
        assert response.status == status, (response.status, response.body)
        element = response.body["errors"][0]
        assert element["code"] == code, element
        return element

    def deployment(self, name):
        """The Deployment named ``name``."""
        return next(d for d in self.env.deployments.values() if d.name == name)

    def get_dep(self, name, **query):
        """GET /deployments/{id} of a deployment by name (body)."""
        response = self.call("GET", "/deployments/" + self.deployment(name).id, query=query)
        assert response.status == 200
        return response.body

    def es_info(self, name, **query):
        """``resources.elasticsearch[0]`` of a deployment by name."""
        return self.get_dep(name, **query)["resources"]["elasticsearch"][0]

    def update_payload(self, name, trust=None, plan=None, settings=None, prune_orphans=False, **extra):
        """A DeploymentUpdateRequest built the way ecctl does (current plan; settings as given)."""
        info = self.es_info(name, show_settings=True, clear_transient=True)
        payload = {"ref_id": info["ref_id"], "region": info["region"], "plan": plan or info["info"]["plan_info"]["current"]["plan"]}
        es_settings = dict(settings or {})
        if trust is not None:
            es_settings["trust"] = trust
        if es_settings:
            payload["settings"] = es_settings
        body = {"prune_orphans": prune_orphans, "resources": {"elasticsearch": [payload]}}
        body.update(extra)
        return body

    def put_dep(self, name, body, query=None, **kwargs):
        """PUT /deployments/{id}."""
        return self.call("PUT", "/deployments/" + self.deployment(name).id, body=body, query=query, **kwargs)


class StubConnector(object):
    """Records what the ECE API asks of the connection engine."""

    def __init__(self, flags=None):
        self.flags = flags or {}
        self.reloaded = []
        self.asked = []

    def ece_flags(self, resource, entry):
        """Flags per alias (all true unless told otherwise)."""
        self.asked.append((resource.ref_id, entry["alias"]))
        return self.flags.get(entry["alias"], {"healthy": True, "connected": True, "compatible": True, "trusted": True,
                                               "trusted_back": True})

    def reload_environment(self, env):
        """Record a reload."""
        self.reloaded.append(env.name)


class StubEsApi(object):
    """An Elasticsearch API stand-in: answers a fixed response and records requests with their principal."""

    def __init__(self, status=200, body=None, context=None):
        self.status = status
        self.body = body if body is not None else {"acknowledged": True}
        self.context = context or {}
        self.requests = []

    def handle(self, request, principal=None):
        """Record and answer (setting ``context`` on the request, as the real EsApi sets its log flags)."""
        self.requests.append((request, principal))
        request.context.update(self.context)
        return Response(self.status, self.body, {"X-elastic-product": "Elasticsearch"})


def fixtures():
    """The fixtures ``world``, ``ece`` and ``ech`` for a test module: bind the result to module-level names."""

    @pytest.fixture(name="world")
    def world_fixture(tmp_path):
        """A world of lab instance 3."""
        return make_world(tmp_path)

    @pytest.fixture(name="ece")
    def ece_fixture(world):
        """A client of ECE environment A."""
        return Client(world, "ece-a")

    @pytest.fixture(name="ech")
    def ech_fixture(world):
        """A client of the ECH organization (ESS user spec)."""
        return Client(world, "ech")

    return world_fixture, ece_fixture, ech_fixture
