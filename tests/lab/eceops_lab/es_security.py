"""Security of the lab's Elasticsearch: authentication, cluster/index privilege checks with Elasticsearch's denial
messages, roles, REST and cross-cluster API keys, ``_authenticate`` and ``_has_privileges``.

``SecurityMixin`` is mixed into ``es_api.EsApi`` (it uses ``self.world`` and ``self.cluster``). Error helpers
(``EsError``, ``fail``...) live here too and are shared by the other ``es_*`` modules.

Messages come from Elasticsearch's sources (``AuthorizationDenialMessages``, ``ApiKeyService``,
``CrossClusterApiKeyRoleDescriptorBuilder``, ``InvalidateApiKeyRequest``, ``RoleDescriptor``...). Where the lab
had to word something itself, the constant says so in a comment.
"""

import base64
import copy
import fnmatch
import json
import re
import secrets

from eceops_lab.es_settings import version_tuple
from eceops_lab.esspec import EsSpecError, es_error, parse_time_value
from eceops_lab.server import Response
from eceops_lab.state import ApiKey, stable_id

WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
ANONYMOUS_DENIED = "unable to authenticate with provided credentials and anonymous access is not allowed for this request"

#: REST API -> (transport action, privileges that grant it, kind). Orders follow Elasticsearch's messages.
ACTIONS = {
    "info": ("cluster:monitor/main", ["monitor", "manage", "all"], "cluster"),
    "cluster.health": ("cluster:monitor/health", ["monitor", "manage", "all"], "cluster"),
    "cluster.get_settings": ("cluster:monitor/settings", ["monitor", "manage", "all"], "cluster"),
    "cluster.put_settings": ("cluster:admin/settings/update", ["manage", "all"], "cluster"),
    "cluster.remote_info": ("cluster:monitor/remote/info", ["monitor", "manage", "all"], "cluster"),
    "nodes.reload_secure_settings": ("cluster:admin/nodes/reload_secure_settings", ["manage", "all"], "cluster"),
    "security.put_role": ("cluster:admin/xpack/security/role/put", ["manage_security", "all"], "cluster"),
    "security.get_role": ("cluster:admin/xpack/security/role/get", ["read_security", "manage_security", "all"], "cluster"),
    "security.delete_role": ("cluster:admin/xpack/security/role/delete", ["manage_security", "all"], "cluster"),
    "license.get": ("cluster:monitor/xpack/license/get", ["monitor", "manage", "all"], "cluster"),
    "security.create_api_key": ("cluster:admin/xpack/security/api_key/create",
                                ["manage_own_api_key", "manage_api_key", "manage_security", "all"], "cluster"),
    "security.get_api_key": ("cluster:admin/xpack/security/api_key/get",
                             ["manage_own_api_key", "read_security", "manage_api_key", "manage_security", "all"], "cluster"),
    "security.invalidate_api_key": ("cluster:admin/xpack/security/api_key/invalidate",
                                    ["manage_own_api_key", "manage_api_key", "manage_security", "all"], "cluster"),
    "security.create_cross_cluster_api_key": ("cluster:admin/xpack/security/cross_cluster/api_key/create",
                                              ["manage_security", "all"], "cluster"),
    "security.update_cross_cluster_api_key": ("cluster:admin/xpack/security/cross_cluster/api_key/update",
                                              ["manage_security", "all"], "cluster"),
    "ccr.follow": ("cluster:admin/xpack/ccr/resume_follow", ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.resume_follow": ("cluster:admin/xpack/ccr/resume_follow", ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.pause_follow": ("cluster:admin/xpack/ccr/pause_follow", ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.put_auto_follow_pattern": ("cluster:admin/xpack/ccr/auto_follow_pattern/put", ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.get_auto_follow_pattern": ("cluster:admin/xpack/ccr/auto_follow_pattern/get", ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.delete_auto_follow_pattern": ("cluster:admin/xpack/ccr/auto_follow_pattern/delete",
                                       ["manage_ccr", "manage", "all"], "cluster"),
    "ccr.follow_info": ("cluster:monitor/xpack/ccr/follow_info", ["monitor", "manage", "all"], "cluster"),
    "ccr.stats": ("cluster:monitor/xpack/ccr/stats", ["monitor", "manage", "all"], "cluster"),
    "ccr.unfollow": ("indices:admin/xpack/ccr/unfollow", ["manage_follow_index", "manage", "all"], "index"),
    "search": ("indices:data/read/search", ["read", "all"], "index"),
    "indices.resolve_cluster": ("indices:admin/resolve/cluster", ["view_index_metadata", "manage", "read_cross_cluster", "all"],
                                "index"),
}
RELOAD_CREDENTIALS_ACTION = ("cluster:admin/xpack/security/remote_cluster_credentials/reload", ["manage_security", "all"])

SUPERUSER_DESCRIPTOR = {
    "cluster": ["all"],
    "indices": [{"names": ["*"], "privileges": ["all"], "allow_restricted_indices": True}],
    "applications": [{"application": "*", "privileges": ["*"], "resources": ["*"]}],
    "run_as": ["*"],
    "metadata": {"_reserved": True},
    "transient_metadata": {"enabled": True},
    "remote_indices": [{"clusters": ["*"], "names": ["*"], "privileges": ["all"], "allow_restricted_indices": False}],
}
BUILTIN_ROLES = {"superuser": SUPERUSER_DESCRIPTOR}

CLUSTER_PRIVILEGES = (
    "all", "cancel_task", "create_snapshot", "cross_cluster_replication", "cross_cluster_search", "grant_api_key",
    "manage", "manage_api_key", "manage_autoscaling", "manage_behavioral_analytics", "manage_ccr",
    "manage_data_frame_transforms", "manage_data_stream_global_retention", "manage_enrich", "manage_ilm",
    "manage_index_templates", "manage_inference", "manage_ingest_pipelines", "manage_logstash_pipelines", "manage_ml",
    "manage_oidc", "manage_own_api_key", "manage_pipeline", "manage_rollup", "manage_saml", "manage_search_application",
    "manage_search_query_rules", "manage_search_synonyms", "manage_security", "manage_service_account", "manage_slm",
    "manage_token", "manage_transform", "manage_user_profile", "manage_watcher", "monitor", "monitor_data_frame_transforms",
    "monitor_enrich", "monitor_inference", "monitor_ml", "monitor_rollup", "monitor_snapshot", "monitor_stats",
    "monitor_text_structure", "monitor_transform", "monitor_watcher", "none", "post_behavioral_analytics_event",
    "read_ccr", "read_connector_secrets", "read_fleet_secrets", "read_ilm", "read_pipeline", "read_security", "read_slm",
    "transport_client", "write_connector_secrets", "write_fleet_secrets",
)
INDEX_PRIVILEGES = (
    "all", "auto_configure", "create", "create_doc", "create_index", "cross_cluster_replication",
    "cross_cluster_replication_internal", "delete", "delete_index", "index", "maintenance", "manage",
    "manage_data_stream_lifecycle", "manage_follow_index", "manage_ilm", "manage_leader_index", "monitor", "none", "read",
    "read_cross_cluster", "view_index_metadata", "write",
)
#: held privilege -> privileges it implies (has_privileges); "all" implies everything
CLUSTER_IMPLIES = {
    "manage": {"monitor", "manage_ilm", "read_ilm", "manage_index_templates", "manage_pipeline", "manage_ingest_pipelines",
               "read_pipeline", "manage_enrich", "monitor_enrich", "manage_ml", "monitor_ml", "manage_slm", "read_slm",
               "manage_transform", "monitor_transform", "manage_rollup", "monitor_rollup", "manage_watcher",
               "monitor_watcher", "cancel_task", "create_snapshot", "monitor_snapshot", "monitor_stats"},
    "manage_security": {"manage_api_key", "manage_own_api_key", "read_security", "manage_service_account", "manage_token",
                        "manage_saml", "manage_oidc", "manage_user_profile", "grant_api_key"},
    "manage_api_key": {"manage_own_api_key"},
    "manage_ccr": {"read_ccr"},
    "monitor": {"monitor_enrich", "monitor_ml", "monitor_rollup", "monitor_transform", "monitor_watcher",
                "monitor_snapshot", "monitor_stats"},
}
INDEX_IMPLIES = {
    "manage": {"monitor", "view_index_metadata", "manage_follow_index", "manage_leader_index", "manage_ilm", "create_index",
               "delete_index", "maintenance"},
    "read": {"read_cross_cluster"},
    "write": {"index", "create", "create_doc", "delete"},
    "index": {"create", "create_doc"},
    "cross_cluster_replication": {"cross_cluster_replication_internal"},
}


# ---------------------------------------------------------------------------------------------- errors
class EsError(Exception):
    """Short-circuits a handler with a finished response."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def error_response(status, etype, reason, headers=None, **extra):
    """An Elasticsearch error response (``{"error": {...}, "status": n}``)."""
    return Response(status, es_error(status, etype, reason, **extra), headers)


def fail(status, etype, reason, headers=None, **extra):
    """Raise an Elasticsearch error."""
    raise EsError(error_response(status, etype, reason, headers, **extra))


def validation_failed(messages):
    """``ActionRequestValidationException``: 400 "Validation Failed: 1: ...;2: ...;"."""
    text = "".join("%d: %s;" % (i + 1, m) for i, m in enumerate(messages))
    fail(400, "action_request_validation_exception", "Validation Failed: " + text)


def location_of(raw, field):
    """``[line:column]`` of the first occurrence of the JSON field name ``field`` in the raw body (Jackson style)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
    match = re.search(r'"%s"\s*:' % re.escape(field), text)
    if match is None:
        return "[1:1]"
    before = text[:match.start()]
    line = before.count("\n") + 1
    column = match.start() - (before.rfind("\n") + 1) + 1
    return "[%d:%d]" % (line, column)


def unknown_field(raw, parser, field):
    """ObjectParser's unknown-field failure: 400 x_content_parse_exception."""
    fail(400, "x_content_parse_exception", "%s [%s] unknown field [%s]" % (location_of(raw, field), parser, field))


def check_fields(raw, parser, body, allowed):
    """Reject the first field of ``body`` not in ``allowed`` (in body order)."""
    for key in body:
        if key not in allowed:
            unknown_field(raw, parser, key)


def names_list(value):
    """``Names``: a string or a list of strings, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def duration_ms(name, value):
    """A Duration (``90d``, ``1h``...) in milliseconds, with Elasticsearch's parse errors."""
    try:
        return parse_time_value(name, str(value))
    except EsSpecError as exc:
        raise EsError(Response(exc.status, exc.body)) from exc


def match_any(patterns, name):
    """Whether ``name`` matches one of the index/alias patterns (``*`` wildcards)."""
    for pattern in names_list(patterns):
        if pattern == name or fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def new_key_id():
    """A 20-character API key ID (like Elasticsearch's base64 UUIDs)."""
    return secrets.token_urlsafe(15)[:20]


def new_key_secret():
    """A 22-character API key secret (``API_KEY_SECRET_LENGTH``)."""
    return secrets.token_urlsafe(16)[:22]


def encode_key(key_id, secret):
    """``encoded`` = base64(``id:secret``)."""
    return base64.b64encode(("%s:%s" % (key_id, secret)).encode("utf-8")).decode("ascii")


def decode_key(encoded):
    """``(id, secret)`` from an encoded API key value, or None."""
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    key_id, sep, secret = text.partition(":")
    if not sep or not key_id:
        return None
    return key_id, secret


def cluster_grants(held, grants):
    """Whether one of the held cluster privileges is in ``grants``."""
    return any(p in grants for p in held)


def implies(held, wanted, table):
    """Whether the held privileges imply ``wanted`` (has_privileges)."""
    for privilege in held:
        if privilege == "all" or privilege == wanted or wanted in table.get(privilege, ()):
            return True
    return False


# ---------------------------------------------------------------------------------------------- the mixin
class RemoteFailure(Exception):
    """A remote cluster could not be reached or refused: ``kind`` (machine-readable) and ``reason`` (ES words)."""

    def __init__(self, kind, reason, status=None, etype=None):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status
        self.etype = etype


class SecurityMixin(object):
    """Authentication, authorization and the ``security.*`` APIs of one cluster (base of the EsApi mixins)."""

    world = None
    cluster = None

    # -- principals --------------------------------------------------------------------------------------
    def _realm_of(self, username):
        user = self.cluster.users.get(username) or {}
        if user.get("realm"):
            return user["realm"], user.get("realm_type", user["realm"])
        if username == "elastic":
            return ("found", "file") if self.cluster.kind in ("ece", "ech") else ("reserved", "reserved")
        return "default_native", "native"

    def user_principal(self, username):
        """The principal of a cluster user (realm authentication)."""
        user = self.cluster.users[username]
        realm, realm_type = self._realm_of(username)
        return {"username": username, "roles": list(user.get("roles", [])), "realm": realm, "realm_type": realm_type,
                "authentication_type": "realm", "api_key": None, "full_name": user.get("full_name"),
                "email": user.get("email"), "metadata": dict(user.get("metadata") or {})}

    @staticmethod
    def given_principal(principal):
        """Normalise a principal handed over by the ECE pass-through."""
        out = {"username": principal.get("username", "ece-proxy"), "roles": list(principal.get("roles", ["superuser"])),
               "realm": principal.get("realm", "found"), "authentication_type": "realm", "api_key": None,
               "full_name": principal.get("full_name"), "email": principal.get("email"),
               "metadata": dict(principal.get("metadata") or {})}
        out["realm_type"] = principal.get("realm_type", "file" if out["realm"] == "found" else out["realm"])
        if principal.get("type") not in (None, "realm"):
            out["authentication_type"] = principal["type"]
        return out

    def key_principal(self, key):
        """The principal of a REST API key."""
        return {"username": key.username, "roles": [], "realm": key.realm, "realm_type": getattr(key, "realm_type", None),
                "authentication_type": "api_key", "api_key": {"id": key.id, "name": key.name}, "full_name": None,
                "email": None, "metadata": {}}

    def _unauthenticated(self, reason, **extra):
        headers = {"WWW-Authenticate": ", ".join(WWW_AUTHENTICATE)}
        extra["header"] = {"WWW-Authenticate": list(WWW_AUTHENTICATE)}
        fail(401, "security_exception", reason, headers, **extra)

    def authenticate(self, request, uri):
        """The principal of a request from its Authorization header; raises EsError 401 like Elasticsearch."""
        header = request.header("authorization") or ""
        scheme, credentials = (header.strip().split(" ", 1) + [""])[:2]
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == "basic" and credentials:
            try:
                text = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                self._unauthenticated("invalid basic authentication header encoding")
            username, sep, password = text.partition(":")
            if not sep:
                self._unauthenticated("invalid basic authentication header value")
            user = self.cluster.users.get(username)
            if user is None or user.get("password") != password or user.get("enabled") is False:
                self._unauthenticated("unable to authenticate user [%s] for REST request [%s]" % (username, uri))
            return self.user_principal(username)
        if scheme == "apikey" and credentials:
            decoded = decode_key(credentials)
            if decoded is None:
                self._unauthenticated(ANONYMOUS_DENIED)
            key_id, secret = decoded
            key = self.cluster.api_keys.get(key_id)
            if key is None:
                self._unauthenticated(ANONYMOUS_DENIED, additional_unsuccessful_credentials="API key: unable to find apikey with id "
                                      + key_id)
            if key.invalidated:
                self._unauthenticated(ANONYMOUS_DENIED, additional_unsuccessful_credentials="API key: api key [%s] has been "
                                      "invalidated" % key_id)
            if not secrets.compare_digest(key.secret, secret):
                self._unauthenticated(ANONYMOUS_DENIED, additional_unsuccessful_credentials="API key: invalid credentials for "
                                      "API key [%s]" % key_id)
            if key.type != "rest":
                self._unauthenticated("authentication expected API key type of [rest], but API key [%s] has type [%s]"
                                      % (key_id, key.type))
            if key.expired(self.world.clock.now()):
                self._unauthenticated(ANONYMOUS_DENIED, additional_unsuccessful_credentials="API key: api key is expired")
            return self.key_principal(key)
        self._unauthenticated("missing authentication credentials for REST request [%s]" % uri)
        return None

    # -- role descriptors -----------------------------------------------------------------------------------
    def role_descriptor(self, name):
        """A role descriptor defined on this cluster (built-in or created), or None."""
        if name in BUILTIN_ROLES:
            return BUILTIN_ROLES[name]
        return self.cluster.roles.get(name)

    def descriptor_sets(self, principal):
        """The role descriptor sets that must all grant an action: one for users, key + owner for API keys."""
        if principal.get("authentication_type") == "api_key":
            key = self.cluster.api_keys.get((principal.get("api_key") or {}).get("id"))
            if key is None:
                return [[]]
            sets = []
            if key.role_descriptors:
                sets.append(list(key.role_descriptors.values()))
            limited = []
            for entry in key.limited_by or []:
                limited.extend(entry.values())
            sets.append(limited)
            return sets
        out = []
        for role in principal.get("roles", []):
            descriptor = self.role_descriptor(role)
            if descriptor is not None:
                out.append(descriptor)
        return [out]

    @staticmethod
    def _cluster_privileges(descriptors):
        held = set()
        for descriptor in descriptors:
            held.update(descriptor.get("cluster") or [])
        return held

    def has_cluster_privilege(self, principal, grants):
        """Whether every descriptor set holds one of the privileges in ``grants``."""
        return all(cluster_grants(self._cluster_privileges(ds), grants) for ds in self.descriptor_sets(principal))

    def index_privileges_on(self, principal, index):
        """Per descriptor set, the index privileges held on ``index``."""
        out = []
        for descriptors in self.descriptor_sets(principal):
            held = set()
            for descriptor in descriptors:
                for entry in descriptor.get("indices") or []:
                    if match_any(entry.get("names"), index):
                        held.update(entry.get("privileges") or [])
            out.append(held)
        return out

    def has_index_privilege(self, principal, index, grants):
        """Whether ``index`` may be accessed with an action granted by ``grants``."""
        return all(any(p in grants for p in held) for held in self.index_privileges_on(principal, index))

    def remote_indices_for(self, principal, alias):
        """The ``remote_indices`` entries of the principal whose ``clusters`` match ``alias`` (sent with CCS/CCR)."""
        sets = self.descriptor_sets(principal)
        chosen = sets[0] if sets else []
        out = []
        for descriptor in chosen:
            for entry in descriptor.get("remote_indices") or []:
                if match_any(entry.get("clusters"), alias):
                    out.append(copy.deepcopy(entry))
        return out

    def user_text(self, principal):
        """``user [u] with effective roles [...]`` or ``API key id [k] of user [u]``, as Elasticsearch words it."""
        if principal.get("authentication_type") == "api_key":
            return "API key id [%s] of user [%s]" % ((principal.get("api_key") or {}).get("id"), principal["username"])
        roles = list(principal.get("roles", []))
        effective = sorted(r for r in roles if self.role_descriptor(r) is not None)
        text = "user [%s] with effective roles [%s]" % (principal["username"], ",".join(effective))
        missing = sorted(set(roles) - set(effective))
        if missing:
            text += " (assigned roles [%s] were not found)" % ",".join(missing)
        return text

    def denied(self, principal, action, grants, kind="cluster", context=None):
        """Elasticsearch's 403 reason for a denied action."""
        message = "action [%s] is unauthorized for %s" % (action, self.user_text(principal))
        if context:
            message += " " + context
        return message + ", this action is granted by the %s privileges [%s]" % (kind, ",".join(grants))

    def authorize(self, principal, api):
        """Raise the 403 of ``api`` unless the principal holds one of its cluster privileges."""
        action, grants, kind = ACTIONS[api]
        if kind == "cluster" and not self.has_cluster_privilege(principal, grants):
            fail(403, "security_exception", self.denied(principal, action, grants))

    def authorize_indices(self, principal, api, indices):
        """Raise the 403 of an index action for the explicit indices the principal may not access."""
        action, grants, kind = ACTIONS[api]
        refused = [name for name in indices if not self.has_index_privilege(principal, name, grants)]
        if refused:
            context = "on indices [%s]" % ",".join(refused)
            fail(403, "security_exception", self.denied(principal, action, grants, kind, context))

    def is_superuser(self, principal):
        """Whether the principal holds the superuser role (users only)."""
        return principal.get("authentication_type") != "api_key" and "superuser" in principal.get("roles", [])

    # -- license ---------------------------------------------------------------------------------------------
    def license_allows(self, feature):
        """``ccr`` needs platinum or better; ``advanced-remote-cluster-security`` needs enterprise (trial allows all)."""
        lic = self.cluster.license or {}
        if lic.get("status", "active") != "active":
            return False
        kind = lic.get("type", "basic")
        if kind == "trial":
            return True
        if feature == "ccr":
            return kind in ("platinum", "enterprise")
        return kind == "enterprise"

    def require_license(self, feature):
        """403 ``current license is non-compliant for [<feature>]`` (LicenseUtils.newComplianceException)."""
        if not self.license_allows(feature):
            fail(403, "security_exception", "current license is non-compliant for [%s]" % feature,
                 **{"license.expired.feature": feature})

    # -- remote calls (CCS, CCR, resolve) ------------------------------------------------------------------------
    def remote_user(self, principal, alias):
        """The ``user`` part of a transport message: who asks, and their ``remote_indices`` for the alias."""
        user = {"username": principal["username"], "roles": list(principal.get("roles", [])),
                "realm": principal.get("realm"), "authentication_type": principal.get("authentication_type", "realm"),
                "remote_indices": self.remote_indices_for(principal, alias)}
        if principal.get("authentication_type") == "api_key":
            user["api_key_id"] = principal["api_key"]["id"]
        return user

    def uses_api_key_model(self, alias):
        """Credentials for the alias in the loaded keystore select the API-key model."""
        return "cluster.remote.%s.credentials" % alias in (self.cluster.keystore_loaded or {})

    def remote_call(self, alias, message):
        """Send a transport message to the remote behind ``alias``; returns the reply or raises RemoteFailure.

        The connection engine connects first when the alias is not connected (``Connector.send`` forces an attempt,
        as Elasticsearch reconnects for CCS, CCR and ``_resolve/cluster``). A ``TransportError(kind, reason)``
        becomes RemoteFailure(kind, reason); a reply with ``ok: false`` carries status/type/reason.
        """
        connector = self.world.connector
        if connector is None:
            raise RemoteFailure("no_connector", "Unable to open any connections to remote cluster [%s]" % alias)
        try:
            reply = connector.send(self.cluster, alias, message)
        except Exception as exc:  # pylint: disable=broad-except
            # transport.TransportError(kind, reason); anything else is a lab bug and propagates
            if not (hasattr(exc, "kind") and hasattr(exc, "reason")):
                raise
            raise RemoteFailure(getattr(exc, "kind"), getattr(exc, "reason")) from exc
        if not reply or not reply.get("ok"):
            reply = reply or {}
            raise RemoteFailure("refused", reply.get("reason"), reply.get("status", 500), reply.get("type", "exception"))
        return reply

    # -- role descriptors: parsing ------------------------------------------------------------------------------
    def parse_role(self, name, body, context="role"):
        """RoleDescriptor.parse with the fields this cluster's version knows; returns the normalised descriptor."""
        version = version_tuple(self.cluster.version)
        known = ["cluster", "indices", "applications", "run_as", "metadata", "transient_metadata", "global"]
        if version >= (8, 10, 0):
            known.append("remote_indices")
        if version >= (8, 15, 0):
            known.extend(["remote_cluster", "description"])
        if context == "api_key" and version >= (8, 9, 0):
            known.append("restriction")
        if not isinstance(body, dict):
            fail(400, "parse_exception", "failed to parse role [%s]. expected an object but found [%s] instead"
                 % (name, type(body).__name__))
        for key in body:
            if key not in known:
                fail(400, "parse_exception", "failed to parse role [%s]. unexpected field [%s]" % (name, key))
        out = {"cluster": list(body.get("cluster") or []), "indices": [], "applications": list(body.get("applications") or []),
               "run_as": list(body.get("run_as") or []), "metadata": dict(body.get("metadata") or {}),
               "transient_metadata": {"enabled": True}}
        for entry in body.get("indices") or []:
            out["indices"].append(self._parse_index_entry(name, entry, "indices"))
        if "remote_indices" in body:
            out["remote_indices"] = []
            for entry in body.get("remote_indices") or []:
                parsed = self._parse_index_entry(name, entry, "remote indices")
                if "clusters" not in entry:
                    fail(400, "parse_exception", "failed to parse remote indices privileges for role [%s]. missing required "
                         "[clusters] field" % name)
                parsed = dict([("clusters", names_list(entry["clusters"]))] + list(parsed.items()))
                out["remote_indices"].append(parsed)
        if "remote_cluster" in body:
            out["remote_cluster"] = []
            for entry in body.get("remote_cluster") or []:
                for field in ("privileges", "clusters"):
                    if field not in entry:
                        fail(400, "parse_exception", "failed to parse remote_cluster for role [%s]. [%s] is required"
                             % (name, field))
                out["remote_cluster"].append({"privileges": list(entry["privileges"]), "clusters": names_list(entry["clusters"])})
        if "description" in body:
            out["description"] = body["description"]
        if "global" in body:
            out["global"] = body["global"]
        if "restriction" in body:
            out["restriction"] = body["restriction"]
        self._check_privilege_names(out)
        return out

    @staticmethod
    def _parse_index_entry(role, entry, what):
        if not isinstance(entry, dict):
            fail(400, "parse_exception", "failed to parse %s privileges for role [%s]. expected field [%s] value to be an "
                 "array of objects" % (what, role, what.replace(" ", "_")))
        allowed = ("names", "privileges", "field_security", "query", "allow_restricted_indices", "clusters")
        for key in entry:
            if key not in allowed or (key == "clusters" and what == "indices"):
                fail(400, "parse_exception", "failed to parse %s privileges for role [%s]. unexpected field [%s]"
                     % (what, role, key))
        for field in ("names", "privileges"):
            if field not in entry:
                fail(400, "parse_exception", "failed to parse %s privileges for role [%s]. missing required [%s] field"
                     % (what, role, field))
        out = {"names": names_list(entry["names"]), "privileges": list(entry["privileges"])}
        if "field_security" in entry:
            out["field_security"] = entry["field_security"]
        if "query" in entry:
            query = entry["query"]
            out["query"] = query if isinstance(query, str) else json.dumps(query, separators=(",", ":"))
        out["allow_restricted_indices"] = bool(entry.get("allow_restricted_indices", False))
        return out

    @staticmethod
    def _check_privilege_names(descriptor):
        for privilege in descriptor.get("cluster", []):
            if privilege not in CLUSTER_PRIVILEGES and not privilege.startswith("cluster:"):
                validation_failed(["unknown cluster privilege [%s]. a privilege must be either one of the predefined cluster "
                                   "privilege names [%s] or a pattern over one of the available cluster actions"
                                   % (privilege, ",".join(CLUSTER_PRIVILEGES))])
        for entry in descriptor.get("indices", []) + descriptor.get("remote_indices", []):
            for privilege in entry.get("privileges", []):
                if privilege not in INDEX_PRIVILEGES and not privilege.startswith("indices:"):
                    validation_failed(["unknown index privilege [%s]. a privilege must be either one of the predefined fixed "
                                       "indices privileges [%s] or a pattern over one of the available index actions"
                                       % (privilege, ",".join(INDEX_PRIVILEGES))])

    # -- security.authenticate ------------------------------------------------------------------------------
    def api_security_authenticate(self, call):
        """GET /_security/_authenticate."""
        principal = call.principal
        if principal["authentication_type"] == "api_key":
            realm = {"name": "_es_api_key", "type": "_es_api_key"}
        else:
            realm = {"name": principal["realm"], "type": principal["realm_type"]}
        body = {"username": principal["username"], "roles": list(principal.get("roles", [])),
                "full_name": principal.get("full_name"), "email": principal.get("email"),
                "metadata": principal.get("metadata") or {}, "enabled": True,
                "authentication_realm": realm, "lookup_realm": dict(realm),
                "authentication_type": principal["authentication_type"]}
        if principal["authentication_type"] == "api_key":
            body["api_key"] = dict(principal["api_key"])
        return Response(200, body)

    # -- security.has_privileges --------------------------------------------------------------------------------
    def api_security_has_privileges(self, call):
        """GET|POST /_security/user/_has_privileges (the caller's own privileges)."""
        body = call.body if isinstance(call.body, dict) else {}
        check_fields(call.raw, "has_privileges_request", body, ("cluster", "index", "application"))
        if not body.get("cluster") and not body.get("index") and not body.get("application"):
            validation_failed(["must specify at least one privilege"])
        if call.parts.get("user") and call.parts["user"] != call.principal["username"]:
            fail(400, "illegal_argument_exception", "users may only check the privileges of their own account")
        principal = call.principal
        sets = self.descriptor_sets(principal)
        result_cluster = {}
        for privilege in body.get("cluster") or []:
            result_cluster[privilege] = all(implies(self._cluster_privileges(ds), privilege, CLUSTER_IMPLIES) for ds in sets)
        result_index = {}
        for entry in body.get("index") or []:
            for name in names_list(entry.get("names")):
                held_sets = self.index_privileges_on(principal, name)
                result_index.setdefault(name, {})
                for privilege in entry.get("privileges") or []:
                    result_index[name][privilege] = all(implies(held, privilege, INDEX_IMPLIES) for held in held_sets)
        result_app = {}
        for entry in body.get("application") or []:
            app = result_app.setdefault(entry.get("application"), {})
            for resource in entry.get("resources") or []:
                app[resource] = dict((p, self.is_superuser(principal)) for p in entry.get("privileges") or [])
        everything = all(result_cluster.values()) and all(all(v.values()) for v in result_index.values()) and \
            all(all(all(p.values()) for p in r.values()) for r in result_app.values())
        return Response(200, {"username": principal["username"], "has_all_requested": everything, "cluster": result_cluster,
                              "index": result_index, "application": result_app})

    # -- security.put_role ------------------------------------------------------------------------------------
    def api_security_put_role(self, call):
        """PUT|POST /_security/role/{name}."""
        name = call.parts["name"]
        descriptor = self.parse_role(name, call.body)
        if name in BUILTIN_ROLES:
            validation_failed(["Role [%s] is reserved and may not be used." % name])
        self.authorize(call.principal, "security.put_role")
        created = name not in self.cluster.roles
        self.cluster.roles[name] = descriptor
        return Response(200, {"role": {"created": created}})

    # -- security.get_role / delete_role (spec files added to the lab beside the shared 25) --------------------
    def api_security_get_role(self, call):
        """GET /_security/role[/{name}]: 404 with ``{}`` when a named role does not exist, as Elasticsearch answers."""
        self.authorize(call.principal, "security.get_role")
        wanted = [n for n in (call.parts.get("name") or "").split(",") if n]
        roles = dict(BUILTIN_ROLES)
        roles.update(self.cluster.roles)
        if not wanted:
            return Response(200, dict((name, self._role_view(name, d)) for name, d in sorted(roles.items())))
        found = dict((name, self._role_view(name, roles[name])) for name in wanted if name in roles)
        return Response(200 if found else 404, found)

    @staticmethod
    def _role_view(name, descriptor):
        view = copy.deepcopy(descriptor)
        if name in BUILTIN_ROLES:
            view.setdefault("metadata", {})["_reserved"] = True
        view.setdefault("transient_metadata", {"enabled": True})
        return view

    def api_security_delete_role(self, call):
        """DELETE /_security/role/{name}: ``{"found": bool}``, 404 when it did not exist."""
        name = call.parts["name"]
        if name in BUILTIN_ROLES:
            validation_failed(["role [%s] is reserved and cannot be deleted" % name])
        self.authorize(call.principal, "security.delete_role")
        found = self.cluster.roles.pop(name, None) is not None
        return Response(200 if found else 404, {"found": found})

    def api_license_get(self, call):
        """GET /_license."""
        self.authorize(call.principal, "license.get")
        lic = self.cluster.license
        issued = 1700000000000
        body = {"license": {"status": lic.get("status", "active"), "uid": stable_id("license", self.cluster.key, length=32),
                            "type": lic.get("type", "enterprise"), "issue_date_in_millis": issued,
                            "expiry_date_in_millis": 4102444800000, "max_nodes": None,
                            "max_resource_units": 100, "issued_to": self.cluster.cluster_name, "issuer": "elastic",
                            "start_date_in_millis": issued}}
        return Response(200, body)

    # -- API keys -----------------------------------------------------------------------------------------------
    def _limited_by(self, principal):
        if principal["authentication_type"] == "api_key":
            key = self.cluster.api_keys.get(principal["api_key"]["id"])
            return copy.deepcopy(key.limited_by) if key else []
        snapshot = {}
        for role in principal.get("roles", []):
            descriptor = self.role_descriptor(role)
            if descriptor is not None:
                snapshot[role] = copy.deepcopy(descriptor)
        return [snapshot]

    @staticmethod
    def _check_metadata(raw, parser, metadata):
        if metadata is None:
            return
        if not isinstance(metadata, dict):
            fail(400, "x_content_parse_exception", "%s [%s] metadata doesn't support values of type: VALUE_%s"
                 % (location_of(raw, "metadata"), parser, "ARRAY" if isinstance(metadata, list) else "STRING"))
        if any(str(k).startswith("_") for k in metadata):
            validation_failed(["API key metadata keys may not start with [_]"])

    def _new_key(self, principal, name, key_type, expiration, metadata):
        now = self.world.clock.now()
        key_id = new_key_id()
        while key_id in self.cluster.api_keys:
            key_id = new_key_id()
        key = ApiKey(key_id, name, key_type, new_key_secret(), now, principal["username"], principal["realm"])
        key.realm_type = principal.get("realm_type")
        if expiration is not None:
            key.expiration = now + duration_ms("expiration", expiration) / 1000.0
        key.metadata = dict(metadata or {})
        return key

    @staticmethod
    def _create_response(key):
        body = {"id": key.id, "name": key.name}
        if key.expiration is not None:
            body["expiration"] = int(key.expiration * 1000)
        body["api_key"] = key.secret
        body["encoded"] = encode_key(key.id, key.secret)
        return body

    def api_security_create_api_key(self, call):
        """PUT|POST /_security/api_key (a REST API key)."""
        body = call.body if isinstance(call.body, dict) else {}
        check_fields(call.raw, "api_key_request", body, ("name", "expiration", "role_descriptors", "metadata"))
        descriptors = {}
        for role_name, role_body in (body.get("role_descriptors") or {}).items():
            descriptors[role_name] = self.parse_role(role_name, role_body, context="api_key")
        if not body.get("name"):
            validation_failed(["api key name is required"])
        self._check_metadata(call.raw, "api_key_request", body.get("metadata"))
        expiration = body.get("expiration")
        if expiration is not None:
            duration_ms("expiration", expiration)
        self.authorize(call.principal, "security.create_api_key")
        key = self._new_key(call.principal, body["name"], "rest", expiration, body.get("metadata"))
        key.role_descriptors = descriptors
        key.limited_by = self._limited_by(call.principal)
        self.cluster.api_keys[key.id] = key
        return Response(200, self._create_response(key))

    def _parse_access(self, raw, access):
        """The ``access`` of a cross-cluster key -> ``(normalised access, role descriptor)``."""
        if access is None:
            fail(400, "x_content_parse_exception", "%s [cross_cluster_api_key_request_payload] access doesn't support values of "
                 "type: VALUE_NULL" % location_of(raw, "access"))
        if not isinstance(access, dict):
            fail(400, "x_content_parse_exception", "%s [cross_cluster_api_key_request_payload] access doesn't support values of "
                 "type: VALUE_STRING" % location_of(raw, "access"))
        check_fields(raw, "cross_cluster_api_key_request_access", access, ("search", "replication"))
        normalised = {}
        indices = []
        for section, allowed in (("search", ("names", "query", "field_security", "allow_restricted_indices")),
                                 ("replication", ("names", "query", "field_security", "allow_restricted_indices"))):
            if section not in access:
                continue
            entries = access[section]
            if entries is None:
                fail(400, "x_content_parse_exception", "%s [cross_cluster_api_key_request_access] %s doesn't support values of "
                     "type: VALUE_NULL" % (location_of(raw, section), section))
            out = []
            for entry in entries:
                if not isinstance(entry, dict):
                    fail(400, "parse_exception", "failed to parse indices privileges for role [cross_cluster]. expected field "
                         "[%s] value to be an array of objects" % section)
                for key in entry:
                    if key not in allowed:
                        fail(400, "parse_exception", "failed to parse indices privileges for role [cross_cluster]. unexpected "
                             "field [%s]" % key)
                if "names" not in entry:
                    fail(400, "parse_exception", "failed to parse indices privileges for role [cross_cluster]. missing required "
                         "[names] field")
                item = {"names": names_list(entry["names"])}
                if "query" in entry:
                    query = entry["query"]
                    item["query"] = query if isinstance(query, str) else json.dumps(query, separators=(",", ":"))
                if "field_security" in entry:
                    item["field_security"] = entry["field_security"]
                item["allow_restricted_indices"] = bool(entry.get("allow_restricted_indices", False))
                out.append(item)
            if out:
                normalised[section] = out
        search = normalised.get("search", [])
        replication = normalised.get("replication", [])
        if not search and not replication:
            fail(400, "illegal_argument_exception", "must specify non-empty access for either [search] or [replication]")
        version = version_tuple(self.cluster.version)
        ccs = ["cross_cluster_search", "monitor_enrich"] if version >= (8, 15, 0) else ["cross_cluster_search"]
        if search and replication:
            cluster_privileges = ccs + ["cross_cluster_replication"]
            if version >= (8, 14, 0) and any("query" in e or "field_security" in e for e in search):
                fail(400, "illegal_argument_exception",
                     "search does not support document or field level security if replication is assigned")
        elif search:
            cluster_privileges = ccs
        else:
            cluster_privileges = ["cross_cluster_replication"]
        if any("query" in e or "field_security" in e for e in replication):
            fail(400, "illegal_argument_exception", "replication does not support document or field level security")
        for entry in search:
            index = {"names": list(entry["names"]), "privileges": ["read", "read_cross_cluster", "view_index_metadata"]}
            for field in ("field_security", "query"):
                if field in entry:
                    index[field] = entry[field]
            index["allow_restricted_indices"] = entry["allow_restricted_indices"]
            indices.append(index)
        for entry in replication:
            indices.append({"names": list(entry["names"]), "privileges": ["cross_cluster_replication",
                                                                          "cross_cluster_replication_internal"],
                            "allow_restricted_indices": entry["allow_restricted_indices"]})
        descriptor = {"cluster": cluster_privileges, "indices": indices, "applications": [], "run_as": [], "metadata": {},
                      "transient_metadata": {"enabled": True}}
        return normalised, descriptor

    def api_security_create_cross_cluster_api_key(self, call):
        """POST /_security/cross_cluster/api_key."""
        self.require_license("advanced-remote-cluster-security")
        body = call.body if isinstance(call.body, dict) else {}
        allowed = ["name", "access", "expiration", "metadata"]
        if version_tuple(self.cluster.version) >= (9, 3, 0):
            allowed.append("certificate_identity")
        check_fields(call.raw, "cross_cluster_api_key_request_payload", body, allowed)
        missing = [f for f in ("name", "access") if f not in body]
        if missing:
            fail(400, "illegal_argument_exception", "Required [%s]" % ", ".join(missing))
        access, descriptor = self._parse_access(call.raw, body.get("access"))
        expiration = body.get("expiration")
        if expiration is not None:
            duration_ms("expiration", expiration)
        self._check_metadata(call.raw, "cross_cluster_api_key_request_payload", body.get("metadata"))
        self.authorize(call.principal, "security.create_cross_cluster_api_key")
        if call.principal["authentication_type"] == "api_key":
            fail(400, "illegal_argument_exception",
                 "authentication via API key not supported: An API key cannot be used to create a cross-cluster API key")
        key = self._new_key(call.principal, body["name"], "cross_cluster", expiration, body.get("metadata"))
        key.access = access
        key.role_descriptors = {"cross_cluster": descriptor}
        key.limited_by = None
        if body.get("certificate_identity") is not None:
            key.certificate_identity = body["certificate_identity"]
        self.cluster.api_keys[key.id] = key
        return Response(200, self._create_response(key))

    def api_security_update_cross_cluster_api_key(self, call):
        """PUT /_security/cross_cluster/api_key/{id}."""
        self.require_license("advanced-remote-cluster-security")
        body = call.body if isinstance(call.body, dict) else {}
        allowed = ["access", "expiration", "metadata"]
        if version_tuple(self.cluster.version) >= (9, 3, 0):
            allowed.append("certificate_identity")
        check_fields(call.raw, "update_cross_cluster_api_key_request_payload", body, allowed)
        access = descriptor = None
        if "access" in body:
            access, descriptor = self._parse_access(call.raw, body.get("access"))
        expiration = body.get("expiration")
        if expiration is not None:
            duration_ms("expiration", expiration)
        if access is None and body.get("metadata") is None:
            validation_failed(["must update either [access] or [metadata] for cross-cluster API keys"])
        self._check_metadata(call.raw, "update_cross_cluster_api_key_request_payload", body.get("metadata"))
        self.authorize(call.principal, "security.update_cross_cluster_api_key")
        principal = call.principal
        if principal["authentication_type"] == "api_key":
            fail(400, "illegal_argument_exception", "authentication via API key not supported: only the owner user can update "
                 "an API key")
        key_id = call.parts["id"]
        key = self.cluster.api_keys.get(key_id)
        if key is None or key.username != principal["username"] or key.realm != principal["realm"]:
            fail(404, "resource_not_found_exception", "no API key owned by requesting user found for ID [%s]" % key_id)
        now = self.world.clock.now()
        if key.invalidated:
            fail(400, "illegal_argument_exception", "cannot update invalidated API key [%s]" % key_id)
        if key.expired(now):
            fail(400, "illegal_argument_exception", "cannot update expired API key [%s]" % key_id)
        if key.type != "cross_cluster":
            fail(400, "illegal_argument_exception", "cannot update API key of type [%s] while expected type is [cross_cluster]"
                 % key.type)
        changed = expiration is not None
        if descriptor is not None and descriptor != key.role_descriptors.get("cross_cluster"):
            changed = True
        if body.get("metadata") is not None and body["metadata"] != key.metadata:
            changed = True
        if "certificate_identity" in body and body["certificate_identity"] != getattr(key, "certificate_identity", None):
            changed = True
        if changed:
            if descriptor is not None:
                key.access = access
                key.role_descriptors = {"cross_cluster": descriptor}
            if body.get("metadata") is not None:
                key.metadata = dict(body["metadata"])
            if expiration is not None:
                key.expiration = now + duration_ms("expiration", expiration) / 1000.0
            if "certificate_identity" in body:
                key.certificate_identity = body["certificate_identity"]
        return Response(200, {"updated": changed})

    def _key_view(self, key, with_limited_by):
        version = version_tuple(self.cluster.version)
        out = {"id": key.id, "name": key.name}
        if version >= (8, 10, 0):
            out["type"] = key.type
        out["creation"] = int(key.creation * 1000)
        if key.expiration is not None:
            out["expiration"] = int(key.expiration * 1000)
        out["invalidated"] = bool(key.invalidated)
        if key.invalidated and key.invalidation is not None and version >= (8, 12, 0):
            out["invalidation"] = int(key.invalidation * 1000)
        out["username"] = key.username
        out["realm"] = key.realm
        if version >= (8, 14, 0) and getattr(key, "realm_type", None):
            out["realm_type"] = key.realm_type
        out["metadata"] = dict(key.metadata or {})
        out["role_descriptors"] = copy.deepcopy(key.role_descriptors or {})
        if key.type == "cross_cluster":
            out["access"] = copy.deepcopy(key.access or {})
            if getattr(key, "certificate_identity", None):
                out["certificate_identity"] = key.certificate_identity
        elif with_limited_by:
            out["limited_by"] = copy.deepcopy(key.limited_by or [])
        return out

    def _owns(self, principal, key):
        return key.username == principal["username"] and key.realm == principal["realm"]

    def api_security_get_api_key(self, call):
        """GET /_security/api_key."""
        params = call.params
        principal = call.principal
        key_id, name = params.get("id"), params.get("name")
        username, realm_name = params.get("username"), params.get("realm_name")
        owner = bool(params.get("owner", False))
        messages = []
        if (key_id or name) and (username or realm_name):
            messages.append("username or realm name must not be specified when the api key id or api key name is specified")
        if owner and (username or realm_name):
            messages.append("neither username nor realm-name may be specified when retrieving owned API keys")
        if key_id and name:
            messages.append("only one of [api key id, api key name] can be specified")
        if messages:
            validation_failed(messages)
        self.authorize(principal, "security.get_api_key")
        full = self.has_cluster_privilege(principal, ["read_security", "manage_api_key", "manage_security", "all"])
        if not full:
            own_request = owner or (username == principal["username"] and realm_name == principal["realm"])
            if key_id and principal["authentication_type"] == "api_key" and key_id == principal["api_key"]["id"]:
                own_request = True
            if not own_request:
                action, grants, kind = ACTIONS["security.get_api_key"]
                fail(403, "security_exception", self.denied(principal, action, grants, kind))
            owner = True
        now = self.world.clock.now()
        found = []
        for key in sorted(self.cluster.api_keys.values(), key=lambda k: (k.creation, k.id)):
            if key_id and key.id != key_id:
                continue
            if name and name != "*" and not (key.name == name or (name.endswith("*") and key.name.startswith(name[:-1]))):
                continue
            if owner and not self._owns(principal, key):
                continue
            if username and key.username != username:
                continue
            if realm_name and key.realm != realm_name:
                continue
            if params.get("active_only") and not key.valid(now):
                continue
            found.append(self._key_view(key, bool(params.get("with_limited_by"))))
        if not found and key_id:
            return Response(404, {"api_keys": []})
        return Response(200, {"api_keys": found})

    def api_security_invalidate_api_key(self, call):
        """DELETE /_security/api_key."""
        body = call.body if isinstance(call.body, dict) else {}
        check_fields(call.raw, "invalidate_api_key_request", body, ("id", "ids", "name", "owner", "realm_name", "username"))
        ids = names_list(body.get("ids")) if body.get("ids") is not None else None
        if body.get("id"):
            if ids is not None:
                fail(400, "illegal_argument_exception", "Must use either [id] or [ids], not both at the same time")
            ids = [body["id"]]
        name, owner = body.get("name"), bool(body.get("owner", False))
        username, realm_name = body.get("username"), body.get("realm_name")
        messages = []
        if not (realm_name or username or ids is not None or name or owner):
            messages.append("One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false")
        if (ids is not None or name) and (realm_name or username):
            messages.append("username or realm name must not be specified when the api key id(s) or api key name is specified")
        if owner and (realm_name or username):
            messages.append("neither username nor realm-name may be specified when invalidating owned API keys")
        if ids is not None and name:
            messages.append("only one of [api key id(s), api key name] can be specified")
        if messages:
            validation_failed(messages)
        principal = call.principal
        self.authorize(principal, "security.invalidate_api_key")
        full = self.has_cluster_privilege(principal, ["manage_api_key", "manage_security", "all"])
        if not full:
            own_request = owner or (username == principal["username"] and realm_name == principal["realm"])
            if principal["authentication_type"] == "api_key" and ids == [principal["api_key"]["id"]]:
                own_request = True
            if not own_request:
                action, grants, kind = ACTIONS["security.invalidate_api_key"]
                fail(403, "security_exception", self.denied(principal, action, grants, kind))
        may_cross = self.has_cluster_privilege(principal, ["manage_security", "all"]) or \
            version_tuple(self.cluster.version) < (8, 14, 0)
        now = self.world.clock.now()
        invalidated, previously, errors = [], [], []
        for key in sorted(self.cluster.api_keys.values(), key=lambda k: (k.creation, k.id)):
            if ids is not None and key.id not in ids:
                continue
            if name and name != "*" and not (key.name == name or (name.endswith("*") and key.name.startswith(name[:-1]))):
                continue
            if (owner or not full) and not self._owns(principal, key):
                continue
            if username and key.username != username:
                continue
            if realm_name and key.realm != realm_name:
                continue
            if key.invalidated:
                previously.append(key.id)
                continue
            if key.type == "cross_cluster" and not may_cross:
                errors.append({"type": "security_exception", "reason": "Cannot invalidate cross-cluster API key [%s]. This "
                               "requires [manage_security] cluster privilege or higher" % key.id})
                continue
            key.invalidated = True
            key.invalidation = now
            invalidated.append(key.id)
        out = {"invalidated_api_keys": invalidated, "previously_invalidated_api_keys": previously, "error_count": len(errors)}
        if errors:
            out["error_details"] = errors
        return Response(200, out)
