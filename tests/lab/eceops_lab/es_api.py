"""The lab's Elasticsearch REST API: one ``EsApi`` per cluster (ECE/ECH deployments, self-managed, ECK).

``handle(request, principal=None)`` answers like Elasticsearch: routing, method and parameter checks from the
copied REST spec (``esspec``), authentication (Basic or REST API key; the ECE pass-through hands a principal
over), the REST-layer body checks of each API, authorization by privilege with Elasticsearch's 403 messages,
then the API itself. The 25 APIs of ``specs/elasticsearch/rest-api-spec`` are implemented here and in the mixins
``es_security`` (security, API keys) and ``es_ccr`` (CCR); settings validation lives in ``es_settings``.

``transport_request(message, ctx)`` is the remote side of a CCS/CCR connection (the connection engine calls it):
``search``, ``resolve``, ``ccr_leader``, ``ccr_read``, authorized by the cross-cluster API key's ``access``
intersected with the local user's ``remote_indices`` (API-key model) or by same-named roles (certificate model).

``control(method, action, body)`` serves the lab control calls ``POST /_lab/clusters/<key>/_<action>``:
``_users``, ``_data``, ``_license``, ``_settings``, ``_restart``, ``_restart_node``; ``_eck_*`` calls (the lab's
``kubectl``) are handed to ``eck.control``.
"""

import copy
import hashlib
import json
import os
import re
from urllib.parse import quote

import yaml

from eceops_lab import eck, es_settings
from eceops_lab.es_ccr import CcrMixin, index_uuid
from eceops_lab.es_security import (ACTIONS, RELOAD_CREDENTIALS_ACTION, EsError, RemoteFailure, check_fields, fail, location_of,
                                    match_any, validation_failed)
from eceops_lab.esspec import COMMON_PARAMS, EsRestSpec, EsSpecError, unrecognized
from eceops_lab.server import SPEC_REJECTED, Response
from eceops_lab.state import Index, stable_id

SPEC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs", "elasticsearch", "rest-api-spec")
_SPEC = []

#: (api, parameter) -> first version that knows the parameter
PARAM_SINCE = {
    ("security.get_api_key", "with_limited_by"): (8, 5, 0),
    ("security.get_api_key", "active_only"): (8, 10, 0),
    ("security.get_api_key", "with_profile_uid"): (8, 14, 0),
    ("search", "force_synthetic_source"): (8, 4, 0),
    ("search", "include_named_queries_score"): (8, 8, 0),
    ("search", "_source_exclude_vectors"): (9, 1, 0),
    ("search", "project_routing"): (9, 2, 0),
}
#: api -> first version that has it
API_SINCE = {
    "security.create_cross_cluster_api_key": (8, 10, 0),
    "security.update_cross_cluster_api_key": (8, 10, 0),
    "indices.resolve_cluster": (8, 13, 0),
}
SUPPORTED_MEDIA_TYPES = ("application/json", "application/x-ndjson", "application/vnd.elasticsearch+json",
                         "application/vnd.elasticsearch+x-ndjson")
RESOLVE_INDEX_OPTIONS = ("allow_no_indices", "expand_wildcards", "ignore_throttled", "ignore_unavailable")
TRANSIENT_WARNING = ("[transientSettings removal] Updating cluster settings through transientSettings is deprecated. "
                     "Prefer using persistent settings instead.")
LUCENE = {(7, 17): "8.11.3", (8, 13): "9.10.0", (8, 14): "9.10.0", (8, 15): "9.11.1", (8, 16): "9.12.0", (8, 17): "9.12.0",
          (8, 18): "9.12.1", (8, 19): "9.12.2", (9, 0): "10.1.0", (9, 1): "10.2.2", (9, 2): "10.3.1"}
TRANSPORT_ACTIONS = {"search": "indices:data/read/search", "resolve": "indices:admin/resolve/cluster",
                     "ccr_leader": "cluster:monitor/state", "ccr_read": "indices:data/read/xpack/ccr/shard_changes"}
SEARCH_GRANTS = ["read", "all"]
RESOLVE_GRANTS = ["view_index_metadata", "manage", "read_cross_cluster", "all"]
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")


def es_spec():
    """The REST spec, loaded once per process."""
    if not _SPEC:
        _SPEC.append(EsRestSpec(SPEC_DIR))
    return _SPEC[0]


def min_index_version(version):
    """``minimum_index_compatibility_version`` of a version."""
    major = es_settings.version_tuple(version)[0]
    if major >= 9:
        return "8.0.0"
    if major == 8:
        return "7.0.0"
    return "6.0.0-beta1"


def minwire_of(cluster):
    """The cluster's ``minimum_wire_compatibility_version`` (set by build; computed as a fallback)."""
    value = getattr(cluster, "minwire", None)
    if value:
        return value
    parts = es_settings.version_tuple(cluster.version)
    major, minor = parts[0], parts[1]
    if major == 9:
        return "8.18.0" if minor == 0 else "8.19.0"
    return {8: "7.17.0", 7: "6.8.0"}.get(major, "%d.0.0" % major)


def version_info(cluster):
    """The ``version`` object of ``_resolve/cluster`` entries."""
    return {"number": cluster.version, "build_flavor": cluster.build_flavor,
            "minimum_wire_compatibility_version": minwire_of(cluster),
            "minimum_index_compatibility_version": min_index_version(cluster.version)}


def flatten_yaml(text):
    """elasticsearch.yml (flat or nested keys) as flat keys."""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("elasticsearch.yml is not a mapping")
    return es_settings.flatten(data)


def read_keystore(path):
    """The entries of a stand-in keystore file (``{}`` when the file does not exist yet)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    out = {}
    for name, entry in (data.get("entries") or {}).items():
        out[name] = entry.get("value") if isinstance(entry, dict) else entry
    return out


def reloadable(entries):
    """The reloadable remote-cluster credentials of a keystore."""
    return dict((k, v) for k, v in entries.items() if k.startswith("cluster.remote.") and k.endswith(".credentials"))


def digest(value):
    """A SHA-256 digest of a secret (what the control API shows instead of the value)."""
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- query subset
def _tokens(value):
    return [t.lower() for t in _WORD_RE.findall(str(value))]


def _field(doc, field):
    node = doc
    for part in field.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def matches(query, doc, raw=None):
    """Evaluate the lab's query subset (match_all, match_none, match, term, terms, bool) against a document."""
    if not query:
        return True
    if not isinstance(query, dict) or len(query) != 1:
        fail(400, "parsing_exception", "[_na] query malformed, no start_object after query name")
    name, spec = next(iter(query.items()))
    if name == "match_all":
        return True
    if name == "match_none":
        return False
    if name in ("match", "term", "terms") and isinstance(spec, dict) and spec:
        field, value = next(iter(spec.items()))
        if isinstance(value, dict):
            value = value.get("query", value.get("value", value.get("terms")))
        actual = _field(doc, field)
        if actual is None:
            return False
        if name == "match":
            wanted = set(_tokens(value))
            return bool(wanted & set(_tokens(actual)))
        values = value if name == "terms" else [value]
        for item in values:
            if actual == item or (isinstance(actual, str) and str(item).lower() in _tokens(actual)):
                return True
        return False
    if name == "bool" and isinstance(spec, dict):
        def clauses(key):
            value = spec.get(key) or []
            return value if isinstance(value, list) else [value]
        if not all(matches(q, doc, raw) for q in clauses("must") + clauses("filter")):
            return False
        if any(matches(q, doc, raw) for q in clauses("must_not")):
            return False
        should = clauses("should")
        return not should or any(matches(q, doc, raw) for q in should) or bool(clauses("must") + clauses("filter"))
    extra = {}
    if raw is not None:
        line, column = location_of(raw, name).strip("[]").split(":")
        extra = {"line": int(line), "col": int(column)}
    fail(400, "parsing_exception", "unknown query [%s]" % name, **extra)
    return False


def apply_field_security(doc, field_security):
    """FLS: keep the granted fields, drop the excepted ones."""
    if not field_security:
        return doc
    grant = field_security.get("grant") or ["*"]
    excepted = field_security.get("except") or []
    return dict((k, v) for k, v in doc.items() if match_any(grant, k) and not match_any(excepted, k))


# ---------------------------------------------------------------------------------------------- requests
class Call(object):
    """One parsed REST request: API name, path parts, parameters, body, principal."""

    def __init__(self, request, api, parts, params, body, principal, uri):
        self.request = request
        self.api = api
        self.parts = parts
        self.params = params
        self.body = body
        self.raw = request.body or b""
        self.principal = principal
        self.uri = uri


class EsApi(CcrMixin):
    """The Elasticsearch REST API of one cluster of the lab."""

    def __init__(self, world, cluster):
        self.world = world
        self.cluster = cluster
        if not hasattr(cluster, "node_state"):
            cluster.node_state = {}
        if not hasattr(cluster, "keystore_inconsistent"):
            cluster.keystore_inconsistent = []
        # self-managed nodes read their files when the lab starts (build writes them but loads nothing; ECK clusters
        # are initialised by build through eck.init_cluster)
        if cluster.kind == "self-managed" and not cluster.node_state and cluster.nodes:
            self._load_nodes([n.name for n in cluster.nodes], count_restart=False)

    # -- plumbing ---------------------------------------------------------------------------------------------
    @staticmethod
    def uri_of(request):
        """The request URI as Elasticsearch quotes it in routing and authentication errors."""
        if not request.query:
            return request.path
        pieces = []
        for name, values in request.query.items():
            for value in (values if isinstance(values, (list, tuple)) else [values]):
                pieces.append(quote(name, safe="*,:") + ("=" + quote(value, safe="*,:") if value != "" else ""))
        return request.path + "?" + "&".join(pieces)

    def now(self):
        """Lab time."""
        return self.world.clock.now()

    def handle(self, request, principal=None):
        """Answer one REST request (see the module docstring)."""
        with self.world.lock:
            self.world.tick()
            try:
                return self._handle(request, principal)
            except EsError as exc:
                return exc.response
            except EsSpecError as exc:
                # routing, query parameters and body presence, as the REST spec of this version declares them
                request.context["log_note"] = SPEC_REJECTED + (exc.error_type or "routing %d" % exc.status)
                return Response(exc.status, exc.body)

    def _no_handler(self, request, uri):
        raise EsSpecError(400, {"error": "no handler found for uri [%s] and method [%s]" % (uri, request.method), "status": 400})

    def _handle(self, request, principal):
        spec = es_spec()
        uri = self.uri_of(request)
        api, parts = spec.match(request.method, uri)
        if api in ("search", "security.has_privileges", "indices.resolve_cluster", "info", "security.authenticate"):
            request.context["read_only"] = True   # for the request log: POST searches change nothing
        version = es_settings.version_tuple(self.cluster.version)
        if api in API_SINCE and version < API_SINCE[api]:
            self._no_handler(request, uri)
        if api == "indices.resolve_cluster" and "name" not in parts and version < (8, 18, 0):
            self._no_handler(request, uri)
        if request.body:
            # RestController: a body needs a supported Content-Type (checked before authentication)
            content_type = (request.header("content-type") or "").strip()
            media = content_type.split(";", 1)[0].strip().lower()
            if not content_type:
                raise EsSpecError(406, {"error": "Content-Type header is missing", "status": 406})
            if media not in SUPPORTED_MEDIA_TYPES:
                raise EsSpecError(406, {"error": "Content-Type header [%s] is not supported" % content_type, "status": 406})
        if principal is not None:
            who = self.given_principal(principal)
        else:
            who = self.authenticate(request, uri)
        request.context["principal"] = {"username": who["username"], "roles": list(who.get("roles", [])),
                                        "realm": {"name": who.get("realm"), "type": who.get("realm_type")},
                                        "authentication_type": who["authentication_type"], "api_key": who.get("api_key")}
        gated = [name for name in (request.query or {}) if (api, name) in PARAM_SINCE and version < PARAM_SINCE[(api, name)]]
        if gated:
            # parameters this version does not know yet are unrecognized, reported with any other unknown one
            known = [p for p in spec.params_of(api) if (api, p) not in PARAM_SINCE or version >= PARAM_SINCE[(api, p)]]
            candidates = known + list(COMMON_PARAMS)
            unknown = [name for name in request.query if name not in candidates]
            raise EsSpecError(400, es_error_body(400, "illegal_argument_exception", unrecognized(request.path, unknown, candidates)))
        api, parts, params = spec.validate_request(request.method, uri, dict(request.query or {}), request.body)
        body = None
        if request.body:
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
                fail(400, "x_content_parse_exception", "[%d:%d] %s" % (line, column, getattr(exc, "msg", str(exc))))
            if not isinstance(body, dict):
                token = {list: "START_ARRAY", str: "VALUE_STRING", bool: "VALUE_BOOLEAN", type(None): "VALUE_NULL"}.get(
                    type(body), "VALUE_NUMBER")
                fail(400, "x_content_parse_exception", "[1:1] Expected START_OBJECT but was: %s" % token)
        call = Call(request, api, parts, params, body, who, uri)
        return getattr(self, "api_" + api.replace(".", "_"))(call)

    # -- info / health --------------------------------------------------------------------------------------------
    def node_names(self):
        """The names of the cluster's nodes."""
        if self.cluster.nodes:
            return [n.name for n in self.cluster.nodes]
        if self.cluster.kind == "eck" and self.cluster.manifest:
            names = []
            for node_set in (self.cluster.manifest.get("spec") or {}).get("nodeSets") or []:
                for i in range(int(node_set.get("count", 1))):
                    names.append("%s-es-%s-%d" % (self.cluster.name, node_set.get("name", "default"), i))
            if names:
                return names
        return [self.cluster.node_name or "instance-0000000000"]

    def node_id(self, name):
        """A stable node ID."""
        return stable_id("node", self.cluster.key, name, length=22)

    def api_info(self, call):
        """GET /."""
        self.authorize(call.principal, "info")
        version = self.cluster.version
        major_minor = es_settings.version_tuple(version)[:2]
        build_type = "tar" if self.cluster.kind == "self-managed" else "docker"
        body = {
            "name": self.node_names()[0],
            "cluster_name": self.cluster.cluster_name,
            "cluster_uuid": self.cluster.cluster_uuid,
            "version": {
                "number": version, "build_flavor": self.cluster.build_flavor, "build_type": build_type,
                "build_hash": stable_id("build", version, length=40), "build_date": "2025-06-01T00:00:00.000000000Z",
                "build_snapshot": False, "lucene_version": LUCENE.get(major_minor, "10.2.2" if major_minor[0] >= 9 else "9.12.0"),
                "minimum_wire_compatibility_version": minwire_of(self.cluster),
                "minimum_index_compatibility_version": min_index_version(version),
            },
            "tagline": "You Know, for Search",
        }
        return Response(200, body)

    def api_cluster_health(self, call):
        """GET /_cluster/health[/{index}]."""
        self.authorize(call.principal, "cluster.health")
        nodes = len(self.node_names())
        names = sorted(self.cluster.indices)
        timed_out = False
        status = "green"
        if call.parts.get("index"):
            wanted = []
            for part in call.parts["index"].split(","):
                found = [n for n in names if match_any(part, n)]
                if not found and "*" not in part:
                    timed_out, status = True, "red"
                wanted.extend(found)
            names = sorted(set(wanted))
        wait_nodes = call.params.get("wait_for_nodes")
        if wait_nodes:
            match = re.match(r"^(>=|<=|>|<|ge\(|le\(|gt\(|lt\()?\s*(\d+)\)?$", str(wait_nodes))
            if match:
                op, number = match.group(1) or "", int(match.group(2))
                ok = {"": nodes == number, ">=": nodes >= number, "ge(": nodes >= number, "<=": nodes <= number,
                      "le(": nodes <= number, ">": nodes > number, "gt(": nodes > number, "<": nodes < number,
                      "lt(": nodes < number}[op]
                timed_out = timed_out or not ok
        body = {"cluster_name": self.cluster.cluster_name, "status": status, "timed_out": timed_out, "number_of_nodes": nodes,
                "number_of_data_nodes": nodes, "active_primary_shards": len(names), "active_shards": len(names),
                "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0, "unassigned_primary_shards": 0,
                "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0,
                "task_max_waiting_in_queue_millis": 0, "active_shards_percent_as_number": 100.0}
        if call.params.get("level") in ("indices", "shards"):
            body["indices"] = dict((n, {"status": "green", "number_of_shards": 1, "number_of_replicas": 0, "active_primary_shards": 1,
                                        "active_shards": 1, "relocating_shards": 0, "initializing_shards": 0,
                                        "unassigned_shards": 0, "unassigned_primary_shards": 0}) for n in names)
        return Response(408 if timed_out else 200, body)

    # -- settings ---------------------------------------------------------------------------------------------------
    def api_cluster_get_settings(self, call):
        """GET /_cluster/settings."""
        self.authorize(call.principal, "cluster.get_settings")
        flat = bool(call.params.get("flat_settings", False))
        body = {"persistent": es_settings.render(self.cluster.settings.get("persistent", {}), flat),
                "transient": es_settings.render(self.cluster.settings.get("transient", {}), flat)}
        if call.params.get("include_defaults"):
            body["defaults"] = es_settings.render(es_settings.defaults(self.cluster, self.node_names()[0]), flat)
        return Response(200, body)

    def api_cluster_put_settings(self, call):
        """PUT /_cluster/settings."""
        body = call.body or {}
        check_fields(call.raw, "cluster_update_settings_request", body, ("persistent", "transient"))
        scopes = {}
        for scope in ("transient", "persistent"):
            value = body.get(scope)
            if value is not None and not isinstance(value, dict):
                fail(400, "x_content_parse_exception", "%s [cluster_update_settings_request] %s doesn't support values of type: "
                     "VALUE_STRING" % (location_of(call.raw, scope), scope))
            scopes[scope] = es_settings.flatten(value or {})
        if not scopes["transient"] and not scopes["persistent"]:
            validation_failed(["no settings to update"])
        self.authorize(call.principal, "cluster.put_settings")
        try:
            applied_t, applied_p, touched = es_settings.update(self.cluster, scopes["transient"], scopes["persistent"])
        except es_settings.SettingsError as exc:
            fail(exc.status, exc.etype, exc.reason)
        now = self.now()
        self.cluster.settings_changed_at = now
        if touched:
            self.remotes_changed(sorted(touched), now)
        flat = bool(call.params.get("flat_settings", False))
        headers = {}
        if scopes["transient"] and es_settings.version_tuple(self.cluster.version) >= (7, 16, 0):
            build_hash = stable_id("build", self.cluster.version, length=40)
            headers["Warning"] = '299 Elasticsearch-%s-%s "%s"' % (self.cluster.version, build_hash, TRANSIENT_WARNING)
        return Response(200, {"acknowledged": True, "persistent": es_settings.render(applied_p, flat),
                              "transient": es_settings.render(applied_t, flat)}, headers)

    def remotes_changed(self, aliases, now=None):
        """Settings or credentials of these aliases changed: forget their connections and schedule new attempts."""
        now = self.now() if now is None else now
        self.cluster.mark_remotes_dirty(now, list(aliases))
        configured = es_settings.remote_settings(self.cluster)
        delay = float(self.world.switches.get("connect_delay", 0.3))
        cluster = self.cluster
        world = self.world
        for alias in aliases:
            if alias not in configured:
                cluster.remotes.pop(alias, None)
                continue
            if world.connector is not None:
                world.schedule(delay, lambda a=alias: world.connector.attempt(cluster, a) if world.connector else None)

    def api_cluster_remote_info(self, call):
        """GET /_remote/info."""
        self.authorize(call.principal, "cluster.remote_info")
        if self.world.connector is not None:
            return Response(200, self.world.connector.remote_info(self.cluster))
        out = {}
        for alias, values in sorted(es_settings.remote_settings(self.cluster).items()):
            entry = {"connected": False, "mode": values["mode"]}
            if values["mode"] == "proxy":
                entry.update({"proxy_address": str(values.get("proxy_address", "")), "server_name": str(values.get("server_name", "")),
                              "num_proxy_sockets_connected": 0,
                              "max_proxy_socket_connections": int(values.get("proxy_socket_connections", 18))})
            else:
                entry.update({"seeds": es_settings.as_list(values.get("seeds")), "num_nodes_connected": 0,
                              "max_connections_per_cluster": int(values.get("node_connections", 3))})
            entry.update({"initial_connect_timeout": "30s", "skip_unavailable": values["skip_unavailable"]})
            if self.uses_api_key_model(alias):
                entry["cluster_credentials"] = "::es_redacted::"
            out[alias] = entry
        return Response(200, out)

    # -- index expressions ----------------------------------------------------------------------------------------------
    def split_expression(self, expression):
        """Split a CCS expression into local parts and ``{alias: [remote parts]}`` (excluded clusters removed)."""
        configured = es_settings.remote_settings(self.cluster)
        local, remote, excluded = [], {}, set()
        for token in [t.strip() for t in (expression or "").split(",") if t.strip()]:
            negative = token.startswith("-")
            body = token[1:] if negative else token
            if ":" in body:
                alias_pattern, index_part = body.split(":", 1)
                aliases = sorted(a for a in configured if match_any(alias_pattern, a))
                if not aliases:
                    if "*" not in alias_pattern:
                        fail(404, "no_such_remote_cluster_exception", "no such remote cluster: [%s]" % alias_pattern)
                    local.append(token)
                    continue
                if negative:
                    if index_part != "*":
                        fail(400, "illegal_argument_exception", "To exclude a cluster you must specify the '*' wildcard for the "
                             "index expression, but found: [%s]" % index_part)
                    excluded.update(aliases)
                    continue
                for alias in aliases:
                    remote.setdefault(alias, []).append(index_part)
            else:
                local.append(token)
        for alias in excluded:
            remote.pop(alias, None)
        return local, remote

    def resolve_local(self, principal, parts, api, ignore_unavailable=False):
        """Concrete local indices for expression parts, with authorization (explicit names must be allowed)."""
        grants = ACTIONS[api][1]
        selected, explicit, missing = [], [], []
        for part in parts:
            negative = part.startswith("-") and selected
            name = part[1:] if negative else part
            if "*" in name or name == "_all":
                pattern = "*" if name == "_all" else name
                found = [n for n in sorted(self.cluster.indices) if match_any(pattern, n)
                         and self.has_index_privilege(principal, n, grants)]
            elif name in self.cluster.indices:
                found = [name]
                if not negative:
                    explicit.append(name)
            else:
                found = []
                if not negative:
                    missing.append(name)
            if negative:
                selected = [n for n in selected if n not in found and not match_any(name, n)]
            else:
                selected.extend(n for n in found if n not in selected)
        refused = [n for n in explicit if not self.has_index_privilege(principal, n, grants)]
        if refused:
            self.authorize_indices(principal, api, refused)
        if missing and not ignore_unavailable:
            name = missing[0]
            fail(404, "index_not_found_exception", "no such index [%s]" % name, resource_type="index_or_alias", resource_id=name,
                 index_uuid="_na_", index=name)
        return selected

    def missing_remote_privileges(self, principal, alias, action):
        """The local F9 check of the API-key model: the reason when no remote_indices apply, else None."""
        if not self.uses_api_key_model(alias):
            return None
        if self.remote_indices_for(principal, alias):
            return None
        return ("action [%s] towards remote cluster [%s] is unauthorized for %s because no remote indices privileges apply for "
                "the target cluster" % (action, alias, self.user_text(principal)))

    # -- search ---------------------------------------------------------------------------------------------------------
    def search_docs(self, indices, body, raw, prefix=None, field_security=None, dls=None):
        """Hits of the lab's query subset over ``indices`` (``{name: [docs]}``)."""
        query = (body or {}).get("query")
        hits = []
        for name in indices:
            index = self.cluster.indices[name]
            for position, doc in enumerate(index.docs):
                if dls is not None and not all(matches(q, doc) for q in dls.get(name, [])):
                    continue
                if not matches(query, doc, raw):
                    continue
                source = apply_field_security(doc, (field_security or {}).get(name))
                hits.append({"_index": ("%s:%s" % (prefix, name)) if prefix else name,
                             "_id": stable_id("doc", self.cluster.key, name, position, length=20), "_score": 1.0,
                             "_source": copy.deepcopy(source)})
        return hits

    @staticmethod
    def _size_from(call):
        body = call.body or {}
        size = call.params.get("size", body.get("size", 10))
        start = call.params.get("from", body.get("from", 0))
        return int(size), int(start)

    def api_search(self, call):
        """GET|POST /_search, /{index}/_search (local and remote targets)."""
        body = call.body or {}
        expression = call.parts.get("index")
        local_parts, remote = self.split_expression(expression or "_all")
        ignore = bool(call.params.get("ignore_unavailable", False))
        local = self.resolve_local(call.principal, local_parts, "search", ignore) if local_parts else []
        matches({"bool": {}} if not body.get("query") else body.get("query"), {}, call.raw)
        hits = self.search_docs(local, body, call.raw)
        details = {}
        total_shards = len(local)
        if local_parts:
            details["(local)"] = {"status": "successful", "indices": ",".join(local_parts), "took": 1, "timed_out": False,
                                  "_shards": {"total": len(local), "successful": len(local), "skipped": 0, "failed": 0}}
        configured = es_settings.remote_settings(self.cluster)
        for alias in sorted(remote):
            expr = ",".join(remote[alias])
            skip = configured[alias]["skip_unavailable"]
            failure = None
            reply = {}
            reason = self.missing_remote_privileges(call.principal, alias, "indices:data/read/search")
            if reason is not None:
                failure = RemoteFailure("refused", reason, 403, "security_exception")
            else:
                message = {"action": "search", "index": expr, "body": body, "user": self.remote_user(call.principal, alias)}
                try:
                    reply = self.remote_call(alias, message)
                except RemoteFailure as exc:
                    failure = exc
            if failure is not None:
                if not skip:
                    if failure.status is not None:
                        fail(failure.status, failure.etype, failure.reason)
                    fail(500, "connect_transport_exception", failure.reason)
                cause = {"type": failure.etype or "connect_transport_exception", "reason": failure.reason}
                details[alias] = {"status": "skipped", "indices": expr, "timed_out": False,
                                  "failures": [{"shard": -1, "index": None, "reason": cause}]}
                continue
            shards = int(reply.get("shards", 0))
            total_shards += shards
            for hit in reply.get("hits") or []:
                hit = dict(hit)
                hit["_index"] = "%s:%s" % (alias, hit["_index"])
                hits.append(hit)
            details[alias] = {"status": "successful", "indices": expr, "took": 1, "timed_out": False,
                              "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0}}
        size, start = self._size_from(call)
        total = len(hits)
        page = hits[start:start + size]
        hits_total = total if call.params.get("rest_total_hits_as_int") else {"value": total, "relation": "eq"}
        out = {"took": 1, "timed_out": False,
               "_shards": {"total": total_shards, "successful": total_shards, "skipped": 0, "failed": 0}}
        if remote:
            out["_clusters"] = self._clusters_section(details)
        out["hits"] = {"total": hits_total, "max_score": 1.0 if page else None, "hits": page}
        return Response(200, out)

    def _clusters_section(self, details):
        skipped = sum(1 for d in details.values() if d["status"] == "skipped")
        section = {"total": len(details), "successful": len(details) - skipped, "skipped": skipped}
        if es_settings.version_tuple(self.cluster.version) >= (8, 10, 0):
            section.update({"running": 0, "partial": 0, "failed": 0, "details": details})
        return section

    # -- indices.resolve_cluster ------------------------------------------------------------------------------------------
    def api_indices_resolve_cluster(self, call):
        """GET /_resolve/cluster[/{name}] (forces connection attempts to the remotes involved)."""
        name = call.parts.get("name")
        configured = es_settings.remote_settings(self.cluster)
        out = {}
        if name is None:
            options = sorted(o for o in RESOLVE_INDEX_OPTIONS if o in (call.request.query or {}))
            if options:
                fail(400, "illegal_argument_exception", "No index options are allowed on _resolve/cluster when no index "
                     "expression is specified, but received: [%s]" % ", ".join(options))
            targets = dict((alias, None) for alias in sorted(configured))
        else:
            local_parts, remote = self.split_expression(name)
            targets = dict((alias, ",".join(parts)) for alias, parts in sorted(remote.items()))
            if local_parts:
                entry = {"connected": True, "skip_unavailable": False}
                try:
                    found = self.resolve_local(call.principal, local_parts, "indices.resolve_cluster",
                                               bool(call.params.get("ignore_unavailable", False)))
                    entry["matching_indices"] = bool(found)
                except EsError as exc:
                    if exc.response.status == 403:
                        raise
                    entry["error"] = exc.response.body["error"]["reason"]
                entry["version"] = version_info(self.cluster)
                out["(local)"] = entry
        for alias, expr in targets.items():
            entry = {"connected": False, "skip_unavailable": configured[alias]["skip_unavailable"]}
            reason = self.missing_remote_privileges(call.principal, alias, "indices:admin/resolve/cluster")
            if reason is not None:
                entry["error"] = reason
                out[alias] = entry
                continue
            message = {"action": "resolve", "index": expr, "user": self.remote_user(call.principal, alias)}
            try:
                reply = self.remote_call(alias, message)
            except RemoteFailure as exc:
                if exc.etype == "index_not_found_exception":
                    entry["connected"] = True
                entry["error"] = exc.reason
                out[alias] = entry
                continue
            entry["connected"] = True
            if expr is not None:
                entry["matching_indices"] = bool(reply.get("matching_indices"))
            entry["version"] = reply.get("version")
            out[alias] = entry
        return Response(200, out)

    # -- nodes.reload_secure_settings -------------------------------------------------------------------------------------
    def _source_keystores(self, names):
        """Per node, the keystore entries the node would read now (kind-dependent source)."""
        kind = self.cluster.kind
        if kind == "self-managed":
            paths = dict((n.name, n.keystore_path) for n in self.cluster.nodes)
            return dict((name, read_keystore(paths[name])) for name in names)
        if kind in ("ece", "ech"):
            resource = self.cluster.resource
            entries = {}
            for key, secret in ((resource.keystore if resource else {}) or {}).items():
                value = secret.get("value") if isinstance(secret, dict) else secret
                entries[key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            return dict((name, dict(entries)) for name in names)
        entries = eck.secure_settings(self.cluster)
        return dict((name, dict(entries)) for name in names)

    def _select_nodes(self, node_filter):
        names = self.node_names()
        if not node_filter or node_filter in ("_all", "*"):
            return names
        selected = []
        for part in node_filter.split(","):
            part = part.strip()
            if part in ("_local", "_master"):
                candidates = names[:1]
            else:
                candidates = [n for n in names if match_any(part, n) or self.node_id(n) == part]
            selected.extend(c for c in candidates if c not in selected)
        return selected

    def _set_loaded(self, loaded):
        """Install the cluster's loaded secure settings; returns the aliases whose credentials changed."""
        before = reloadable(self.cluster.keystore_loaded or {})
        self.cluster.keystore_loaded = dict(loaded)
        after = reloadable(self.cluster.keystore_loaded)
        return set(key[len("cluster.remote."):-len(".credentials")] for key in set(before) | set(after)
                   if before.get(key) != after.get(key))

    def _refresh_cluster_keystore(self):
        """Self-managed: the cluster uses the first node's secure settings; record the nodes that disagree."""
        names = self.node_names()
        states = self.cluster.node_state
        first = states.get(names[0], {}).get("keystore", {})
        reference = reloadable(first)
        self.cluster.keystore_inconsistent = sorted(n for n in names[1:] if reloadable(states.get(n, {}).get("keystore", {}))
                                                    != reference)
        return self._set_loaded(first)

    def _reload_credentials(self, names, sources):
        """Load the reloadable credentials of ``names`` from their sources; returns the changed aliases."""
        if self.cluster.kind == "self-managed":
            for name in names:
                state = self.cluster.node_state.setdefault(name, {"yml": dict(self.cluster.yml_loaded), "keystore": {}})
                keystore = dict((k, v) for k, v in state["keystore"].items() if k not in reloadable(state["keystore"]))
                keystore.update(reloadable(sources[name]))
                state["keystore"] = keystore
            return self._refresh_cluster_keystore()
        current = self.cluster.keystore_loaded or {}
        loaded = dict((k, v) for k, v in current.items() if k not in reloadable(current))
        loaded.update(reloadable(sources[names[0]]))
        return self._set_loaded(loaded)

    def api_nodes_reload_secure_settings(self, call):
        """POST /_nodes[/{node_id}]/reload_secure_settings."""
        body = call.body or {}
        check_fields(call.raw, "reload_secure_settings_request", body, ("secure_settings_password",))
        self.authorize(call.principal, "nodes.reload_secure_settings")
        version = es_settings.version_tuple(self.cluster.version)
        names = self._select_nodes(call.parts.get("node_id"))
        nodes_out = {}
        exception = None
        password = body.get("secure_settings_password")
        if password:
            exception = {"type": "security_exception", "reason": "Provided keystore password was incorrect"}
        elif (8, 13, 0) <= version < (8, 15, 2):
            action, grants = RELOAD_CREDENTIALS_ACTION
            if not self.has_cluster_privilege(call.principal, grants):
                exception = {"type": "security_exception", "reason": self.denied(call.principal, action, grants)}
        sources = self._source_keystores(names)
        for name in names:
            entry = {"name": name}
            if exception is not None:
                entry["reload_exception"] = dict(exception)
            elif version >= (9, 3, 0):
                entry["secure_setting_names"] = sorted(sources[name])
            nodes_out[self.node_id(name)] = entry
        if exception is None and version >= (8, 13, 0) and names:
            # before 8.13 the remote cluster credentials are not reloadable: the reload succeeds and loads nothing
            changed = self._reload_credentials(names, sources)
            if changed:
                self.remotes_changed(sorted(changed))
        return Response(200, {"_nodes": {"total": len(names), "successful": len(names), "failed": 0},
                              "cluster_name": self.cluster.cluster_name, "nodes": nodes_out})

    # -- self-managed / ECK (re)starts --------------------------------------------------------------------------------------
    def _load_nodes(self, names, count_restart=True):
        """Self-managed nodes (re)read elasticsearch.yml and their keystore file."""
        by_name = dict((n.name, n) for n in self.cluster.nodes)
        for name in names:
            node = by_name[name]
            with open(node.yml_path, encoding="utf-8") as handle:
                yml = flatten_yaml(handle.read())
            self.cluster.node_state[name] = {"yml": yml, "keystore": read_keystore(node.keystore_path)}
        first = self.cluster.nodes[0].name
        first_state = self.cluster.node_state.get(first, {})
        self.cluster.yml = dict(first_state.get("yml", {}))
        self.cluster.yml_loaded = dict(first_state.get("yml", {}))
        changed = self._refresh_cluster_keystore()
        if count_restart:
            self.cluster.restarts += 1
        return changed

    def _after_restart(self):
        configured = sorted(es_settings.remote_settings(self.cluster))
        if self.world.connector is not None and hasattr(self.world.connector, "refresh_listeners"):
            self.world.connector.refresh_listeners(self.cluster)
        self.remotes_changed(sorted(set(configured) | set(self.cluster.remotes)))

    def restart(self, node=None):
        """Restart the cluster (or one self-managed node): reload configuration and secure settings."""
        kind = self.cluster.kind
        if kind == "self-managed":
            names = [n.name for n in self.cluster.nodes]
            if node is not None:
                if node not in names:
                    return {"ok": False, "error": "no node [%s] in cluster [%s]" % (node, self.cluster.key)}
                names = [node]
            try:
                self._load_nodes(names)
            except (OSError, ValueError, yaml.YAMLError) as exc:
                return {"ok": False, "error": "node failed to start: %s" % exc}
        elif kind == "eck":
            eck.init_cluster(self.cluster, self.world)
            self.cluster.restarts += 1
        else:
            self._set_loaded(self._source_keystores(self.node_names()[:1])[self.node_names()[0]])
            self.cluster.restarts += 1
        self._after_restart()
        return {"ok": True, "restarts": self.cluster.restarts, "keystore_inconsistent": list(self.cluster.keystore_inconsistent)}

    # -- control ------------------------------------------------------------------------------------------------------------
    def control(self, method, action, body):
        """Lab control calls (see the module docstring); returns a dict or a Response."""
        body = body or {}
        method = (method or "GET").upper()
        if action == "_users":
            return self._control_users(method, body)
        if action == "_data":
            return self._control_data(method, body)
        if action == "_license":
            if method != "GET":
                self.cluster.license = {"type": body.get("type", self.cluster.license.get("type")),
                                        "status": body.get("status", "active")}
            return {"license": dict(self.cluster.license)}
        if action == "_settings":
            return self.describe_state()
        if action == "_restart":
            return self.restart()
        if action.startswith("_eck_"):
            return eck.control(self.world, self.cluster, method, action, body)
        if action == "_restart_node":
            if not body.get("node"):
                return Response(400, {"error": "body must name the node: {\"node\": <name>}"})
            if self.cluster.kind != "self-managed":
                return Response(400, {"error": "_restart_node applies to self-managed clusters only"})
            result = self.restart(body["node"])
            return result if result.get("ok") else Response(404, result)
        return Response(404, {"error": "unknown cluster control action [%s]" % action})

    def _control_users(self, method, body):
        if method == "GET":
            return {"users": dict((u, {"roles": list(v.get("roles", [])), "realm": self._realm_of(u)[0]})
                                  for u, v in sorted(self.cluster.users.items()))}
        username = body.get("username") or body.get("name")
        if not username:
            return Response(400, {"error": "body must have username (and password, roles)"})
        if method == "DELETE":
            return {"deleted": self.cluster.users.pop(username, None) is not None}
        created = username not in self.cluster.users
        user = dict(self.cluster.users.get(username) or {})
        if body.get("password") is not None:
            user["password"] = body["password"]
        if created and "password" not in user:
            return Response(400, {"error": "a new user needs a password"})
        user["roles"] = list(body.get("roles", user.get("roles", [])))
        for field in ("full_name", "email", "metadata", "enabled", "realm", "realm_type"):
            if field in body:
                user[field] = body[field]
        self.cluster.users[username] = user
        return {"created": created, "username": username, "roles": user["roles"]}

    def _control_data(self, method, body):
        name = body.get("index")
        if not name:
            return Response(400, {"error": "body must have index (and docs)"})
        if method == "DELETE":
            return {"deleted": self.cluster.indices.pop(name, None) is not None}
        index = self.cluster.indices.get(name)
        if index is not None and body.get("append"):
            index.docs.extend(copy.deepcopy(body.get("docs") or []))
        else:
            index = Index(name, copy.deepcopy(body.get("docs") or []))
            index.created_at = self.now()
            self.cluster.indices[name] = index
        if "soft_deletes" in body:
            index.soft_deletes = bool(body["soft_deletes"])
        if "closed" in body:
            index.closed = bool(body["closed"])
        return {"index": name, "docs": len(index.docs), "uuid": index_uuid(self.cluster, index)}

    def describe_state(self):
        """Raw state for tests (secret values appear as SHA-256 digests)."""
        cluster = self.cluster
        remotes = {}
        for alias, state in sorted(cluster.remotes.items()):
            remotes[alias] = {"connected": state.connected, "error": state.error, "failure_kind": state.failure_kind,
                              "model": state.model, "dirty_since": state.dirty_since}
        return {
            "key": cluster.key, "version": cluster.version, "settings": copy.deepcopy(cluster.settings),
            "settings_changed_at": cluster.settings_changed_at, "yml": copy.deepcopy(cluster.yml),
            "yml_loaded": copy.deepcopy(cluster.yml_loaded),
            "keystore_loaded": dict((k, digest(v)) for k, v in sorted((cluster.keystore_loaded or {}).items())),
            "keystore_inconsistent": list(getattr(cluster, "keystore_inconsistent", [])),
            "node_keystores": dict((n, dict((k, digest(v)) for k, v in sorted(s.get("keystore", {}).items())))
                                   for n, s in sorted(cluster.node_state.items())),
            "restarts": cluster.restarts, "license": dict(cluster.license), "remotes": remotes,
            "remote_settings": copy.deepcopy(es_settings.remote_settings(cluster)),
            "roles": sorted(cluster.roles), "users": sorted(cluster.users),
            "api_keys": dict((k.id, {"name": k.name, "type": k.type, "invalidated": k.invalidated, "username": k.username})
                             for k in cluster.api_keys.values()),
            "indices": dict((n, {"docs": len(i.docs), "follower": copy.deepcopy(
                dict((k, v) for k, v in (i.follower or {}).items() if k != "principal")) or None})
                for n, i in sorted(cluster.indices.items())),
            "auto_follow": sorted(cluster.auto_follow),
        }

    # -- transport: the remote side -------------------------------------------------------------------------------------------
    def transport_request(self, message, ctx):
        """The remote side of a CCS/CCR request over a connection (see the module docstring)."""
        with self.world.lock:
            ctx = ctx or {}
            action = message.get("action")
            if action not in TRANSPORT_ACTIONS:
                return {"ok": False, "status": 400, "type": "action_not_found_transport_exception",
                        "reason": "No handler for action [%s]" % action}
            if ctx.get("model") == "api_key":
                key = ctx.get("api_key")
                if key is None or key.type != "cross_cluster" or not key.valid(self.now()):
                    return {"ok": False, "status": 401, "type": "security_exception",
                            "reason": "unable to authenticate user [%s] for action [%s]"
                                      % (key.id if key is not None else "", TRANSPORT_ACTIONS[action])}
            try:
                if action == "search":
                    return self._transport_search(message, ctx)
                if action == "resolve":
                    return self._transport_resolve(message, ctx)
                if action == "ccr_leader":
                    return self.transport_ccr_leader(message, ctx)
                return self.transport_ccr_read(message, ctx)
            except EsError as exc:
                error = exc.response.body.get("error", {}) if isinstance(exc.response.body, dict) else {}
                return {"ok": False, "status": exc.response.status, "type": error.get("type"), "reason": error.get("reason")}

    def _remote_entries(self, message, ctx, grants):
        """``(key entries, user entries)`` granting ``grants`` on this cluster for the API-key model."""
        key = ctx.get("api_key")
        access = (key.access or {}) if key is not None else {}
        key_entries = list(access.get("search", [])) if set(grants) & {"read", "view_index_metadata", "read_cross_cluster"} else []
        user_entries = [e for e in (message.get("user") or {}).get("remote_indices") or []
                        if match_any(e.get("clusters"), ctx.get("alias") or "*") and set(e.get("privileges") or []) & set(grants)]
        return key_entries, user_entries

    def remote_allowed(self, message, ctx, index, grants):
        """Whether the remote user may run an action granted by ``grants`` on ``index`` here."""
        user = message.get("user") or {}
        if ctx.get("model") == "api_key":
            key_entries, user_entries = self._remote_entries(message, ctx, grants)
            return (any(match_any(e.get("names"), index) for e in key_entries)
                    and any(match_any(e.get("names"), index) for e in user_entries))
        roles = user.get("roles") or []
        if "superuser" in roles:
            return True
        for role in roles:
            for entry in (self.cluster.roles.get(role) or {}).get("indices") or []:
                if match_any(entry.get("names"), index) and set(entry.get("privileges") or []) & set(grants):
                    return True
        return False

    def remote_denied(self, message, ctx, action, grants, indices):
        """The 403 reason the remote gives (F8 for the API-key model; the plain form for the certificate model)."""
        user = message.get("user") or {}
        if user.get("authentication_type") == "api_key":
            who = "API key id [%s] of user [%s]" % (user.get("api_key_id"), user.get("username"))
        else:
            who = "user [%s] with assigned roles [%s]" % (user.get("username"), ",".join(user.get("roles") or []))
        if ctx.get("model") == "api_key":
            key = ctx.get("api_key")
            text = "action [%s] towards remote cluster is unauthorized for %s authenticated by API key id [%s] of user [%s]" % (
                action, who, key.id, key.username)
        else:
            principal = {"username": user.get("username"), "roles": user.get("roles") or [], "authentication_type": "realm"}
            text = "action [%s] is unauthorized for %s" % (action, self.user_text(principal))
        return "%s on indices [%s], this action is granted by the index privileges [%s]" % (text, ",".join(indices), ",".join(grants))

    def _remote_targets(self, message, ctx, expression, action, grants):
        """Concrete indices of a remote expression: explicit names must be allowed and exist; wildcards are filtered."""
        selected, refused, missing = [], [], []
        for part in [p.strip() for p in (expression or "*").split(",") if p.strip()]:
            negative = part.startswith("-") and bool(selected)
            name = part[1:] if negative else part
            if "*" in name or name == "_all":
                pattern = "*" if name == "_all" else name
                found = [n for n in sorted(self.cluster.indices) if match_any(pattern, n)
                         and self.remote_allowed(message, ctx, n, grants)]
            else:
                found = [name] if name in self.cluster.indices else []
                if not negative:
                    if not self.remote_allowed(message, ctx, name, grants):
                        refused.append(name)
                    elif not found:
                        missing.append(name)
            if negative:
                selected = [n for n in selected if not match_any(name, n)]
            else:
                selected.extend(n for n in found if n not in selected)
        if refused:
            fail(403, "security_exception", self.remote_denied(message, ctx, action, grants, refused))
        if missing:
            fail(404, "index_not_found_exception", "no such index [%s]" % missing[0], resource_type="index_or_alias",
                 resource_id=missing[0], index_uuid="_na_", index=missing[0])
        return [n for n in selected if n not in refused]

    def _security_filters(self, message, ctx, indices):
        """DLS queries and FLS of the key's access and the user's remote_indices, per index (API-key model)."""
        dls, fls = {}, {}
        if ctx.get("model") != "api_key":
            return None, None
        key_entries, user_entries = self._remote_entries(message, ctx, SEARCH_GRANTS)
        for name in indices:
            for entries in (key_entries, user_entries):
                entry = next((e for e in entries if match_any(e.get("names"), name)), None)
                if entry is None:
                    continue
                if entry.get("query"):
                    query = entry["query"]
                    dls.setdefault(name, []).append(json.loads(query) if isinstance(query, str) else query)
                if entry.get("field_security") and name not in fls:
                    fls[name] = entry["field_security"]
        return dls, fls

    def _transport_search(self, message, ctx):
        action = TRANSPORT_ACTIONS["search"]
        targets = self._remote_targets(message, ctx, message.get("index"), action, SEARCH_GRANTS)
        body = message.get("body") or {}
        dls, fls = self._security_filters(message, ctx, targets)
        hits = self.search_docs(targets, body, None, field_security=fls, dls=dls)
        return {"ok": True, "hits": hits, "total": len(hits), "shards": len(targets), "indices": targets,
                "version": self.cluster.version}

    def _transport_resolve(self, message, ctx):
        reply = {"ok": True, "version": version_info(self.cluster)}
        if message.get("index") is None:
            return reply
        targets = self._remote_targets(message, ctx, message["index"], TRANSPORT_ACTIONS["resolve"], RESOLVE_GRANTS)
        reply["matching_indices"] = bool(targets)
        reply["indices"] = targets
        return reply


def es_error_body(status, etype, reason):
    """An Elasticsearch error body (for EsSpecError)."""
    return {"error": {"root_cause": [{"type": etype, "reason": reason}], "type": etype, "reason": reason}, "status": status}
