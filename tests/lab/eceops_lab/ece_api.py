"""The lab's ECE API (and the ECH user API: the same code validated against the ESS user spec).

``EceApi(world, env)`` serves one environment. ``handle(request)`` authenticates (``Authorization: ApiKey``, or
basic auth on ECE only), validates the request against the environment's Swagger spec (``swagger.SwaggerSpec``,
loaded once per process), enforces read-only principals, dispatches by operationId and answers with bodies that
conform to the spec (the tests check every response with ``SwaggerSpec.validate_response``). Operations the
spec has and the lab does not implement answer 501 ``root.not_implemented_in_lab``.

What the lab decides where Elastic's spec and docs are silent (each is a documented choice, see
``../shared/reference/open-questions.md`` and DESIGN.md; codes the spec does not list are marked *lab code*):

- ``PUT /deployments/{id}?version=`` mismatch: 409 ``deployments.deployment_version_conflict`` (the spec lists no
  409 for this operation).
- A deployment update whose ES plan changes the version: 400 ``deployments.version_change_not_supported_in_lab``
  (lab code); an ES payload whose ``region`` is not the resource's: 400 ``deployments.invalid_region`` (lab code);
  an ES payload for a ``ref_id`` the deployment lacks: 400 ``deployments.resource_creation_not_supported_in_lab``
  (lab code); a change while a plan is pending on that resource: 400 ``deployments.plan_in_progress`` (lab code).
- ``settings.trust`` replaces the three arrays as sent (an omitted array becomes ``[]``, open-questions §1); an
  account/external entry without ``name`` reads back ``""`` (external names come from the trust relationship);
  ``null`` reverts to the default trust. Invalid direct trust: 400 ``deployments.invalid_trust_settings`` (lab
  code) naming the field. Trust of a system-owned deployment: 403 ``deployments.system_owned_deployment`` (lab
  code, also used for system-owned deployments in remote-clusters); ``metadata.system_owned`` in a request: 403
  ``configuration.system_owned``.
- A trust change takes effect when its plan completes (switch ``trust_update_creates_plan``); a GET with
  ``show_settings`` shows the pending trust meanwhile.
- ``prune_orphans: true`` without a Kibana payload shuts the Kibana resource down (it disappears from the
  deployment and is listed in ``shutdown_resources.kibana``), as ECE would.
- Keystore PATCH merges; ``{}``, ``null`` or a secret without ``value`` removes the key (open-questions §3).
  ``null`` map entries are accepted although the spec's map schema does not allow them.
- Remote-clusters alias errors: 400 ``remote_clusters.invalid_alias`` (lab code) with ECE's documented message;
  duplicate aliases: 400 ``remote_clusters.duplicate_alias`` (lab code).
- ``_restart`` while a plan is pending (``cancel_pending=false``): 422 ``clusters.cluster_plan_state_error``;
  ``_enable-ccr`` while a plan is pending: 400 ``deployments.plan_in_progress``.
- Traffic filters: 400 ``traffic_filter.invalid_region``, ``traffic_filter.invalid_type``,
  ``traffic_filter.invalid_rule``, ``traffic_filter.has_associations`` (deleting an associated ruleset without
  ``ignore_associations``), 404 ``traffic_filter.association_not_found`` (lab codes).
- Platform trust relationships: 400 ``trust_relationships.invalid_certificate``, 409
  ``trust_relationships.version_conflict``, 400 ``trust_relationships.cannot_delete_local`` and
  ``trust_relationships.cannot_modify_local`` (lab codes). IDs inside (account IDs, installation ID) are never
  validated, like ECE.
- Proxy certificate upload: 400 ``cert.invalid_cert_chain``; only the ``proxy`` service can be replaced (others
  501). The key must come first as ``-----BEGIN RSA PRIVATE KEY-----`` (unencrypted), then the certificate (it must
  match the key and be signed by the next certificate when one follows), then CA(s) and extra CAs.
- Deployment domain name: 400 ``networking.cname.invalid_value`` (lab code) for a value that is not a DNS name; the
  change moves every endpoint (and adds ``*.<domain>`` to the lab resolver) but keeps the certificates, and says so
  in the ``x-lab-note`` response header.
- ``_enable-ccr?validate_only=true`` warns with the code ``deployments.ccr_enablement_restarts_resources`` (lab code).
- ES pass-through with no Elasticsearch API for the cluster: 404 ``clusters.cluster_not_found``. Unknown operations
  of the spec: 501 ``root.not_implemented_in_lab`` (lab code) naming the operation. A payload giving the same
  ``ref_id`` twice: 400 ``deployments.duplicate_resource`` (lab code).
- ``/deployments/_search``: fields under ``resources.<kind>`` are nested (visible only inside a ``nested`` query on
  that path, as in Elasticsearch); ``term`` is exact, ``match`` uses a standard-analyzer-like tokenisation.
  ``query_string``, ``range`` and ``simple_query_string``: 501.
- The ES pass-through runs as ``ece-proxy`` (superuser, realm ``found``); a read-only principal may only GET.
- Responses for the ECH user API are the ECE bodies with every property the ESS definitions lack removed.
"""

import base64
import copy
import hmac
import ipaddress
import json
import os
import re
import uuid

from cryptography.hazmat.primitives import serialization

from eceops_lab import pki
from eceops_lab.server import REDACTED, SPEC_REJECTED, Request, ece_error, json_response
from eceops_lab.state import PendingPlan, now_iso
from eceops_lab.swagger import SpecError, SwaggerSpec

SPECS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs", "ece")
ECE_SPEC_PATH = os.path.join(SPECS_DIR, "ece-apidocs.json")
ESS_SPEC_PATH = os.path.join(SPECS_DIR, "ess-apidocs-user.json")

#: Properties real ECE returns that the spec lacks (``Definition.property``), allowed in response checks.
EXTRA_ALLOWED = frozenset(("ClusterMetadataInfo.ccr",))
RESOURCE_HEADERS = ("x-cloud-resource-version", "x-cloud-resource-created", "x-cloud-resource-last-modified")
#: POST operations that only read (allowed for read-only principals).
READ_ONLY_POSTS = frozenset(("search-deployments", "search-eligible-remote-clusters",
                             "get-deployment-es-resource-eligible-remote-clusters"))
PROXY_PRINCIPAL = {"username": "ece-proxy", "roles": ["superuser"], "realm": "found", "type": "realm"}
PORTS = {"http": 9200, "https": 9243, "transport_passthrough": 9400}
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ALIAS_MESSAGE = "A cluster alias must contain only letters, numbers, dashes (-), or underscores (_)."
# the spec: lowercase alphanumerics, at most 32; Elastic's ECK guide enters "default.es.local" in the same field
SCOPE_ID_RE = re.compile(r"^(?=.{1,63}$)[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")
RULESET_TYPES = ("ip", "egress_firewall", "vpce", "azure_private_endpoint", "gcp_private_service_connect_endpoint",
                 "remote_cluster")
ASSOCIATION_TYPES = ("deployment",)
NESTED_PATHS = ("resources.elasticsearch", "resources.kibana")
KEYSTORE_RELOAD_VERSION = (8, 14, 0)
LAST_MINOR = {6: 8, 7: 17, 8: 19}
MAX_HISTORY = 100
PLAN_FAILURE_TYPE = "PlanFailure:InjectedByLab"
SYSTEM_OWNED_MESSAGE = "system_owned or deleted_on cannot be set externally"
RBAC_MESSAGE = "The current user does not have the required role to perform this action"
UNAUTHENTICATED_MESSAGE = "The supplied authentication is invalid"

_SPECS = {}


def load_spec(kind, reject_unknown_query=True):
    """The SwaggerSpec of an environment kind (``ece``: the ECE spec; ``ech``: the ESS user spec), cached per process."""
    path = ESS_SPEC_PATH if kind == "ech" else ECE_SPEC_PATH
    key = (path, bool(reject_unknown_query))
    spec = _SPECS.get(key)
    if spec is None:
        spec = SwaggerSpec(path, reject_unknown_query=bool(reject_unknown_query))
        _SPECS[key] = spec
    return spec


# -- small helpers ---------------------------------------------------------------------------------------------
def parse_version(text):
    """``"8.19.4"`` -> ``(8, 19, 4)``; None when it is not a version."""
    match = VERSION_RE.match(str(text or ""))
    return tuple(int(x) for x in match.groups()) if match else None


def ccs_supported(local, remote):
    """Whether a search from a ``local`` cluster to a ``remote`` one is a supported configuration (es-api.md §5.1)."""
    lv = parse_version(local)
    rv = parse_version(remote)
    if lv is None or rv is None:
        return False
    lmaj, lmin = lv[:2]
    rmaj, rmin = rv[:2]
    if lmaj == rmaj:
        return rmin >= lmin - 1
    if rmaj == lmaj + 1:
        if (lmaj, lmin) == (8, 18):
            return (rmaj, rmin) == (9, 0)
        return LAST_MINOR.get(lmaj) == lmin
    if rmaj == lmaj - 1:
        if (lmaj, lmin) == (9, 0):
            return (rmaj, rmin) == (8, 18)
        return lmin == 0 and rmin == LAST_MINOR.get(rmaj)
    return False


def _iso_dt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def certificate_metadata(pem):
    """``CertificateMetaData`` of the first certificate of a PEM text."""
    cert = pki.as_cert(pem)
    return {"fingerprint": pki.fingerprint(cert), "valid_from": _iso_dt(pki.not_valid_before(cert)),
            "valid_to": _iso_dt(pki.not_valid_after(cert))}


def _canonical(value):
    return json.dumps(value, sort_keys=True)


def _without_transient(plan):
    plan = dict(plan or {})
    plan.pop("transient", None)
    return plan


def _new_id():
    return uuid.uuid4().hex


def _secret_strings(data, under_secret=False):
    """String values that may be secrets in a request body (keystore values, ``value`` keys)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            secretish = under_secret or key in ("value", "secrets", "keystore_contents")
            found.extend(_secret_strings(value, secretish))
    elif isinstance(data, list):
        for item in data:
            found.extend(_secret_strings(item, under_secret))
    elif isinstance(data, str) and under_secret:
        found.append(data)
    return found


def scrub(text, secrets):
    """``text`` with every secret (and every truncated rendering ``prefix...`` of one) replaced."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) < 4:
            continue
        text = text.replace(secret, REDACTED)
        for length in range(len(secret) - 1, 3, -1):
            fragment = secret[:length] + "..."
            if fragment in text:
                text = text.replace(fragment, REDACTED)
                break
    return text


class Fail(Exception):
    """Raised by handlers: answer with this ECE error."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.response = ece_error(status, code, message, fields)


class Call(object):
    """One validated API call as handlers see it."""

    def __init__(self, request, operation, path_params, params, body, principal):
        self.request = request
        self.operation = operation
        self.path = path_params
        self.params = params
        self.body = body
        self.principal = principal

    def param(self, name, default=None):
        """A query parameter (converted, defaults applied)."""
        value = self.params.get(name)
        return default if value is None else value


class GetOptions(object):
    """The query parameters of the deployment GETs that shape the answer."""

    def __init__(self, params=None):
        params = params or {}
        self.show_settings = bool(params.get("show_settings", False))
        self.show_plans = bool(params.get("show_plans", True))
        self.show_plan_logs = bool(params.get("show_plan_logs", False))
        self.show_plan_history = bool(params.get("show_plan_history", False))
        self.show_metadata = bool(params.get("show_metadata", False))
        self.clear_transient = bool(params.get("clear_transient", False))
        self.show_system_alerts = int(params.get("show_system_alerts", 0) or 0)
        self.show_instance_configurations = bool(params.get("show_instance_configurations", True))


# -- the API ---------------------------------------------------------------------------------------------------
class EceApi(object):
    """The ECE (kind ``ece``) or ECH user (kind ``ech``) API of one environment."""

    def __init__(self, world, env):
        self.world = world
        self.env = env
        switches = getattr(world, "switches", None) or {}
        self.spec = load_spec(env.kind, switches.get("reject_unknown_query", True))
        self.created_aliases = {}       # cluster key -> set of aliases the remote-clusters API wrote
        self.writes = 0
        self.domain_changed_at = None
        self.handlers = {
            "get-platform": self.get_platform,
            "get-current-account": self.get_account,
            "update-current-account": self.put_account,
            "patch-current-account": self.patch_account,
            "list-deployments": self.list_deployments,
            "get-deployment": self.get_deployment,
            "search-deployments": self.search_deployments,
            "get-deployment-es-resource-info": self.get_es_resource,
            "get-deployment-certificate-authority": self.get_certificate_authority,
            "update-deployment": self.update_deployment,
            "get-deployment-es-resource-remote-clusters": self.get_remote_clusters,
            "set-deployment-es-resource-remote-clusters": self.set_remote_clusters,
            "get-deployment-es-resource-keystore": self.get_keystore,
            "set-deployment-es-resource-keystore": self.set_keystore,
            "restart-deployment-es-resource": self.restart_es,
            "enable-deployment-resource-ccr": self.enable_ccr,
            "get-trust-relationships": self.list_trust_relationships,
            "get-trust-relationship": self.get_trust_relationship,
            "create-trust-relationship": self.create_trust_relationship,
            "update-trust-relationship": self.update_trust_relationship,
            "delete-trust-relationship": self.delete_trust_relationship,
            "get-tls-certificate": self.get_tls,
            "set-tls-certificate": self.set_tls,
            "get-default-deployment-domain-name": self.get_domain,
            "set-default-deployment-domain-name": self.set_domain,
            "get-traffic-filter-rulesets": self.list_rulesets,
            "create-traffic-filter-ruleset": self.create_ruleset,
            "get-traffic-filter-ruleset": self.get_ruleset,
            "update-traffic-filter-ruleset": self.update_ruleset,
            "delete-traffic-filter-ruleset": self.delete_ruleset,
            "get-traffic-filter-ruleset-deployment-associations": self.get_ruleset_associations,
            "create-traffic-filter-ruleset-association": self.create_association,
            "delete-traffic-filter-ruleset-association": self.delete_association,
            "get-traffic-filter-deployment-ruleset-associations": self.get_entity_rulesets,
            "get-deployment-resource-proxy-requests": self.proxy,
            "post-deployment-resource-proxy-requests": self.proxy,
            "put-deployment-resource-proxy-requests": self.proxy,
            "delete-deployment-resource-proxy-requests": self.proxy,
            "get-deployment-es-resource-eligible-remote-clusters": self.eligible_for_resource,
            "search-eligible-remote-clusters": self.eligible_for_version,
            "get-trusted-envs": self.get_trusted_environments,
        }

    # ------------------------------------------------------------------------------------------ plumbing
    @property
    def switches(self):
        """The lab switches."""
        return getattr(self.world, "switches", None) or {}

    def now(self):
        """Lab time."""
        return self.world.clock.now()

    def handle(self, request):
        """Answer one API request (holds the world lock)."""
        with self.world.lock:
            self.world.tick()
            try:
                return self._handle(request)
            except Fail as failure:
                return failure.response
            except SpecError as exc:
                # the request log marks it: the integration run asserts none of ours is ever rejected by the spec
                request.context["log_note"] = SPEC_REJECTED + exc.code
                message = exc.message
                try:
                    message = scrub(message, _secret_strings(request.json()))
                except ValueError:
                    pass
                return ece_error(exc.status, exc.code, message, exc.fields)

    def _handle(self, request):
        principal = self.authenticate(request)
        if principal is None:
            return ece_error(401, "root.unauthenticated", UNAUTHENTICATED_MESSAGE)
        request.context["principal"] = {"id": principal["id"], "role": principal["role"]}
        operation = self.spec.match(request.method, request.path)
        writes = operation.is_write and operation.operation_id not in READ_ONLY_POSTS
        if not writes or (request.param("validate_only") or "").lower() == "true":
            request.context["read_only"] = True   # for the request log: a search or a validation changes nothing
        if writes and principal["role"] != "admin":
            return ece_error(403, "root.unauthorized.rbac", RBAC_MESSAGE)
        body_bytes = self._prevalidation_body(operation.operation_id, request.body)
        operation, path_params, params, body = self.spec.validate_request(
            request.method, request.path, request.query, body_bytes, request.headers)
        if body_bytes is not request.body and operation.operation_id in ("set-deployment-es-resource-keystore", "update-deployment"):
            body = request.json()
        handler = self.handlers.get(operation.operation_id)
        if handler is None:
            return ece_error(501, "root.not_implemented_in_lab", "The lab does not implement the operation [%s] (%s %s)"
                             % (operation.operation_id, operation.method, operation.path))
        call = Call(request, operation, path_params, params, body, principal)
        response = handler(call)
        if writes and response.status < 400:
            self.writes += 1
        return self._finish(operation, response)

    def _prevalidation_body(self, operation_id, body):
        """Keystore secrets given as ``null`` (ECE removes them) read as ``{}`` for the schema check."""
        if operation_id not in ("set-deployment-es-resource-keystore", "update-deployment") or not body:
            return body
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return body
        changed = [False]

        def fix(contents):
            if isinstance(contents, dict) and isinstance(contents.get("secrets"), dict):
                for name, secret in contents["secrets"].items():
                    if secret is None:
                        contents["secrets"][name] = {}
                        changed[0] = True

        if operation_id == "set-deployment-es-resource-keystore":
            fix(data)
        elif isinstance(data, dict):
            payloads = ((data.get("resources") or {}) if isinstance(data.get("resources"), dict) else {}).get("elasticsearch")
            for payload in payloads if isinstance(payloads, list) else []:
                settings = payload.get("settings") if isinstance(payload, dict) else None
                if isinstance(settings, dict):
                    fix(settings.get("keystore_contents"))
        return json.dumps(data).encode("utf-8") if changed[0] else body

    def _finish(self, operation, response):
        """Resource headers where the spec documents them; ECH bodies trimmed to the ESS definitions."""
        if operation.is_passthrough:
            return response
        declared = operation.raw.get("responses", {}).get(str(response.status), {})
        headers = declared.get("headers", {})
        meta = response.headers.pop("_meta", None) or (str(self.writes + 1), now_iso(self.now()), now_iso(self.now()))
        for name, value in zip(RESOURCE_HEADERS, meta):
            if name in headers:
                response.headers.setdefault(name, value)
            else:
                response.headers.pop(name, None)
        if self.env.kind == "ech" and isinstance(response.body, (dict, list)) and declared.get("schema"):
            response.body = self.conform(declared["schema"], response.body)
        return response

    def conform(self, schema, value, definition=None):
        """``value`` without the properties ``schema`` (of this environment's spec) does not declare."""
        definitions = self.spec.definitions
        if isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            return self.conform(definitions.get(name, {}), value, name)
        if not isinstance(schema, dict):
            return value
        if isinstance(value, dict):
            props = dict(schema.get("properties") or {})
            for part in schema.get("allOf") or []:
                part = definitions.get(part["$ref"].split("/")[-1], {}) if "$ref" in part else part
                props.update(part.get("properties") or {})
            additional = schema.get("additionalProperties")
            if not props:
                if isinstance(additional, dict):
                    return dict((k, self.conform(additional, v)) for k, v in value.items())
                return value
            out = {}
            for key, item in value.items():
                if key in props:
                    out[key] = self.conform(props[key], item)
                elif isinstance(additional, dict):
                    out[key] = self.conform(additional, item)
                elif additional is True or "%s.%s" % (definition, key) in EXTRA_ALLOWED:
                    out[key] = item
            return out
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self.conform(schema["items"], item) for item in value]
        return value

    @staticmethod
    def with_meta(response, version, created, modified):
        """Attach resource-version metadata (turned into headers where the spec documents them)."""
        response.headers["_meta"] = (str(version), now_iso(created), now_iso(modified))
        return response

    # ------------------------------------------------------------------------------------------ auth
    def authenticate(self, request):
        """The principal of a request ({"id", "role", "kind"}), or None."""
        header = request.header("authorization") or ""
        scheme, _sep, credentials = header.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == "apikey" and credentials:
            for secret, info in self.env.api_keys.items():
                if hmac.compare_digest(secret.encode("utf-8"), credentials.encode("utf-8")):
                    return {"id": info["id"], "role": info["role"], "kind": "api_key"}
            return None
        if scheme == "basic" and credentials and self.env.kind == "ece":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            user = self.env.users.get(username)
            if sep and user and hmac.compare_digest(user["password"].encode("utf-8"), password.encode("utf-8")):
                return {"id": username, "role": user["role"], "kind": "user"}
        return None

    # ------------------------------------------------------------------------------------------ lookups
    def deployment_or_fail(self, deployment_id):
        """The deployment of this environment, or Fail 404."""
        dep = self.env.deployments.get(deployment_id)
        if dep is None:
            raise Fail(404, "deployments.deployment_not_found", "Deployment [%s] not found" % deployment_id, ["deployment_id"])
        return dep

    def resource_or_fail(self, dep, ref_id):
        """The ES resource of a deployment (``_main`` accepted), or Fail 404."""
        res = dep.resource(ref_id)
        if res is None:
            raise Fail(404, "deployments.deployment_resource_not_found",
                       "Elasticsearch resource [%s] of deployment [%s] not found" % (ref_id, dep.id), ["ref_id"])
        return res

    def call_resource(self, call):
        """The deployment and ES resource of a call's path."""
        dep = self.deployment_or_fail(call.path["deployment_id"])
        return dep, self.resource_or_fail(dep, call.path["ref_id"])

    def all_clusters_dirty(self, now=None):
        """Trust and traffic filters affect both directions: every cluster's remote states are stale."""
        now = self.now() if now is None else now
        for cluster in self.world.clusters.values():
            cluster.mark_remotes_dirty(now)

    # ------------------------------------------------------------------------------------------ views
    def cloud_id(self, dep, res):
        """``<name>:base64(<domain>:<https port>$<es id>$<kibana id>)``."""
        raw = "%s:%d$%s$%s" % (self.env.domain, PORTS["https"], res.cluster.cluster_id, dep.kibana_id or "")
        return "%s:%s" % (dep.name, base64.b64encode(raw.encode("utf-8")).decode("ascii"))

    def effective_trust(self, res):
        """The trust a GET shows: the pending plan's trust while one is pending, else the stored trust."""
        pending = res.pending
        if pending is not None and getattr(pending, "new_trust", None) is not None:
            return pending.new_trust
        return res.trust

    def trust_view(self, trust):
        """A stored trust object with certificate metadata computed."""
        out = {"accounts": copy.deepcopy(trust.get("accounts") or []), "external": [], "direct": []}
        for entry in trust.get("external") or []:
            entry = copy.deepcopy(entry)
            rel = self.env.trust_relationships.get(entry.get("trust_relationship_id"))
            if rel is not None:
                entry["name"] = rel["name"]
            out["external"].append(entry)
        for entry in trust.get("direct") or []:
            entry = copy.deepcopy(entry)
            certs = []
            for cert in entry.get("certificates") or []:
                item = {"pem": cert["pem"]}
                try:
                    item["metadata"] = certificate_metadata(cert["pem"])
                except (ValueError, TypeError):
                    pass
                certs.append(item)
            entry["certificates"] = certs
            out["direct"].append(entry)
        return out

    def default_trust(self):
        """The trust of a new deployment of this environment."""
        return {"accounts": [{"account_id": self.env.account_id, "name": "Default trust", "trust_all": self.env.platform_trust_all}],
                "external": [], "direct": []}

    def attempt_view(self, attempt, opts):
        """An ElasticsearchClusterPlanInfo shaped by the GET options."""
        view = copy.deepcopy(attempt)
        if not opts.show_plan_logs:
            view["plan_attempt_log"] = []
        if opts.clear_transient and isinstance(view.get("plan"), dict):
            view["plan"].pop("transient", None)
        return view

    def pending_view(self, res, opts):
        """The pending plan as ElasticsearchClusterPlanInfo."""
        pending = res.pending
        started = now_iso(pending.started)
        log = [
            {"step_id": "plan-validator", "started": started, "completed": started, "duration_in_millis": 0,
             "status": "success", "stage": "completed", "info_log": []},
            {"step_id": "apply-plan", "started": started, "status": "pending", "stage": "in_progress", "info_log": []},
        ]
        view = {"plan_attempt_id": pending.attempt_id, "healthy": True, "attempt_start_time": started,
                "plan": copy.deepcopy(pending.plan), "plan_attempt_log": log if opts.show_plan_logs else [],
                "source": copy.deepcopy(getattr(pending, "source", None) or self.source("update-deployment", None, pending.started)),
                "warnings": []}
        if opts.clear_transient:
            view["plan"].pop("transient", None)
        return view

    def plan_info(self, res, opts):
        """ElasticsearchClusterPlansInfo."""
        current = res.current_attempt
        info = {"healthy": bool(current["healthy"]) if current else True, "history": []}
        if opts.show_plan_history:
            info["history"] = [self.attempt_view(attempt, opts) for attempt in res.history]
        if opts.show_plans:
            if current is not None:
                info["current"] = self.attempt_view(current, opts)
            if res.pending is not None:
                info["pending"] = self.pending_view(res, opts)
        return info

    def instances(self, res):
        """ClusterInstanceInfo list: one instance per sized zone of each topology element."""
        cluster = res.cluster
        running = bool(cluster.running)
        out = []
        for element in res.plan.get("cluster_topology") or []:
            size = (element.get("size") or {}).get("value", 1)
            if not size:
                continue
            config_id = element.get("instance_configuration_id", "data.default")
            for zone in range(int(element.get("zone_count") or 1)):
                name = cluster.node_name if not out and cluster.node_name else "instance-%010d" % len(out)
                out.append({
                    "instance_name": name, "service_version": cluster.version, "healthy": running,
                    "container_started": running, "service_running": running, "maintenance_mode": False,
                    "zone": "ece-zone-%d" % (zone + 1), "allocator_id": "%s-allocator-%d" % (self.env.name, zone + 1),
                    "memory": {"instance_capacity": int(size) if isinstance(size, int) else 4096},
                    "service_roles": ["ingest", "master", "data"], "node_roles": list(element.get("node_roles") or []),
                    "instance_configuration": {"id": config_id, "name": config_id, "resource": "memory"},
                })
        return out

    def es_settings(self, res):
        """ElasticsearchClusterSettings as ECE returns them (``keystore_contents`` is write-only)."""
        dep = res.deployment
        metadata = {"name": dep.name, "system_owned": dep.system_owned, "hidden": dep.hidden,
                    "subscription_level": dep.subscription_level, "organization_id": self.env.account_id,
                    "owner_id": "root"}
        return {
            "metadata": metadata,
            "trust": self.trust_view(self.effective_trust(res)),
            "traffic_filter": {"rulesets": sorted(rs["id"] for rs in self.env.rulesets_of(dep.id))},
            "curation": {"specs": []},
            "snapshot": {"enabled": False},
        }

    def es_resource_info(self, res, opts):
        """ElasticsearchResourceInfo."""
        dep = res.deployment
        cluster = res.cluster
        env = self.env
        plan_info = self.plan_info(res, opts)
        running = bool(cluster.running)
        healthy = plan_info["healthy"] and running
        if not running:
            status = "stopped"
        elif res.pending is not None:
            status = "restarting" if res.pending.source_action == "restart" else "reconfiguring"
        else:
            status = "started"
        service_url = "https://%s:%d" % (cluster.endpoint, PORTS["https"])
        metadata = {
            "version": dep.resource_version, "last_modified": now_iso(dep.last_modified), "endpoint": cluster.endpoint,
            "service_url": service_url, "cloud_id": self.cloud_id(dep, res), "ports": dict(PORTS),
            "services_urls": [{"service": "elasticsearch", "url": service_url}], "ccr": bool(res.ccr_enabled),
        }
        if dep.alias:
            aliased = "%s.es.%s" % (dep.alias, env.domain)
            metadata["aliased_endpoint"] = aliased
            metadata["aliased_url"] = "https://%s:%d" % (aliased, PORTS["https"])
        if opts.show_metadata:
            metadata["raw"] = {"cluster_id": cluster.cluster_id, "cluster_name": cluster.cluster_name,
                               "version": cluster.version, "resources": {"elasticsearch": {"endpoint": cluster.endpoint}}}
        instances = self.instances(res)
        master = instances[0]["instance_name"] if instances else "instance-0000000000"
        info = {
            "cluster_id": cluster.cluster_id,
            "cluster_name": res.display_name or dep.name,
            "deployment_id": dep.id,
            "healthy": healthy,
            "status": status,
            "plan_info": plan_info,
            "elasticsearch": {
                "healthy": running,
                "shard_info": {"healthy": True, "available_shards": [], "unavailable_shards": [], "unavailable_replicas": []},
                "shards_status": {"status": "green" if running else "red"},
                "master_info": {"healthy": running, "instances_with_no_master": [],
                                "masters": [{"master_node_id": cluster.cluster_uuid.replace("-", "")[:22],
                                             "master_instance_name": master, "instances": [i["instance_name"] for i in instances]}]},
                "blocking_issues": {"healthy": True, "cluster_level": [], "index_level": []},
            },
            "metadata": metadata,
            "topology": {"healthy": healthy, "instances": instances},
            "associated_kibana_clusters": [{"kibana_id": dep.kibana_id, "enabled": True}] if dep.kibana_ref_id else [],
            "associated_apm_clusters": [],
            "associated_appsearch_clusters": [],
            "associated_enterprise_search_clusters": [],
            "snapshots": {"healthy": True, "count": 0, "recent_success": False},
            "external_links": [],
            "links": {},
            "region": res.region,
            "locked": False,
        }
        if opts.show_system_alerts:
            info["system_alerts"] = []
        if opts.show_settings:
            info["settings"] = self.es_settings(res)
        return {"ref_id": res.ref_id, "id": cluster.cluster_id, "region": res.region, "info": info}

    def kibana_resource_info(self, dep):
        """A minimal KibanaResourceInfo (the deployment's Kibana)."""
        res = dep.es[0]
        version = res.cluster.version
        endpoint = "%s.%s" % (dep.kibana_id, self.env.domain)
        created = now_iso(dep.created_at)
        current = {"plan_attempt_id": str(uuid.UUID(dep.kibana_id)), "healthy": True, "attempt_start_time": created,
                   "attempt_end_time": created, "plan": {"kibana": {"version": version}}, "plan_attempt_log": [],
                   "warnings": [], "source": self.source("create-deployment", None, dep.created_at)}
        return {
            "ref_id": dep.kibana_ref_id, "elasticsearch_cluster_ref_id": res.ref_id, "id": dep.kibana_id, "region": res.region,
            "info": {
                "cluster_id": dep.kibana_id, "cluster_name": dep.name, "deployment_id": dep.id,
                "elasticsearch_cluster": {"elasticsearch_id": res.cluster.cluster_id},
                "healthy": True, "status": "started", "external_links": [],
                "plan_info": {"healthy": True, "current": current, "history": []},
                "metadata": {"version": dep.resource_version, "last_modified": now_iso(dep.last_modified), "endpoint": endpoint,
                             "service_url": "https://%s:%d" % (endpoint, PORTS["https"]), "ports": dict(PORTS)},
                "topology": {"healthy": True, "instances": [{
                    "instance_name": "instance-0000000000", "service_version": version, "healthy": True,
                    "container_started": True, "service_running": True, "maintenance_mode": False, "zone": "ece-zone-1"}]},
                "region": res.region,
            },
        }

    def deployment_settings(self, dep):
        """DeploymentSettings."""
        return {"traffic_filter_settings": {"rulesets": sorted(rs["id"] for rs in self.env.rulesets_of(dep.id))},
                "autoscaling_enabled": False, "auto_ops": {"status": "not_connected"}}

    def deployment_metadata(self, dep):
        """DeploymentMetadata."""
        return {"system_owned": dep.system_owned, "hidden": dep.hidden, "subscription_level": dep.subscription_level,
                "last_modified": now_iso(dep.last_modified), "last_resource_plan_modified": now_iso(dep.last_modified),
                "tags": copy.deepcopy(dep.tags), "organization_id": self.env.account_id, "owner_id": "root"}

    def deployment_view(self, dep, opts, search=False):
        """DeploymentGetResponse (or DeploymentSearchResponse with ``search``)."""
        resources = {"elasticsearch": [self.es_resource_info(res, opts) for res in dep.es],
                     "kibana": [self.kibana_resource_info(dep)] if dep.kibana_ref_id else [],
                     "apm": [], "appsearch": [], "enterprise_search": [], "integrations_server": []}
        healthy = all(item["info"]["healthy"] for item in resources["elasticsearch"])
        view = {"id": dep.id, "name": dep.name, "healthy": healthy, "resources": resources,
                "settings": self.deployment_settings(dep), "metadata": self.deployment_metadata(dep)}
        if dep.alias:
            view["alias"] = dep.alias
        if not search:
            view["observability"] = {"healthy": True}
            if opts.show_instance_configurations:
                view["instance_configurations"] = [{
                    "id": "data.default", "name": "data.default", "instance_type": "elasticsearch",
                    "node_types": ["data", "master", "ingest"],
                    "discrete_sizes": {"sizes": [1024, 2048, 4096, 8192], "default_size": 4096, "resource": "memory"}}]
        return view

    def deployment_resources(self, dep):
        """DeploymentResource list (listing / update response)."""
        out = []
        for res in dep.es:
            out.append({"ref_id": res.ref_id, "id": res.cluster.cluster_id, "kind": "elasticsearch", "region": res.region,
                        "cloud_id": self.cloud_id(dep, res)})
        if dep.kibana_ref_id:
            out.append({"ref_id": dep.kibana_ref_id, "id": dep.kibana_id, "kind": "kibana", "region": dep.es[0].region,
                        "elasticsearch_cluster_ref_id": dep.es[0].ref_id})
        return out

    def dep_meta(self, response, dep):
        """Resource headers of a deployment."""
        return self.with_meta(response, dep.resource_version, dep.created_at, dep.last_modified)

    # ------------------------------------------------------------------------------------------ plans
    def source(self, action, call, when):
        """ChangeSourceInfo."""
        out = {"facilitator": "adminconsole", "action": "deployments.%s" % action, "date": now_iso(when)}
        if call is not None:
            out["user_id"] = str(call.principal["id"])
            if call.request.client_ip:
                out["remote_addresses"] = [call.request.client_ip]
        return out

    def start_plan(self, res, plan, call, action, on_success=(), trust=None, source_action="update"):
        """Create a pending plan on ``res`` that completes after ``plan_delay`` (or fails by an injected fault)."""
        now = self.now()
        delay = float(self.switches.get("plan_delay", 1.0))
        error = None
        faults = getattr(self.world, "faults", None)
        if faults is not None:
            request = call.request
            fault = faults.match(request.service or self.env.name, request.method, request.path, kind="plan")
            if fault is not None:
                error = fault.get("plan_error") or "Plan failed: fault injected by the lab"
        pending = PendingPlan(str(uuid.uuid4()), copy.deepcopy(plan), now, now + delay, error=error, source_action=source_action)
        pending.on_success = list(on_success)
        pending.new_trust = trust
        pending.source = self.source(action, call, now)
        res.pending = pending
        res.deployment.touch(now)
        self.world.schedule(delay, lambda: self.finish_plan(res, pending))
        return pending

    def finish_plan(self, res, pending):
        """Complete (or fail) a pending plan; a no-op when it is no longer the resource's pending plan."""
        if res.pending is not pending:
            return
        now = self.now()
        started = now_iso(pending.started)
        ended = now_iso(now)
        steps = [{"step_id": "plan-validator", "started": started, "completed": started, "duration_in_millis": 0,
                  "status": "success", "stage": "completed", "info_log": []}]
        attempt = {"plan_attempt_id": pending.attempt_id, "plan_attempt_name": "attempt-%010d" % len(res.history),
                   "attempt_start_time": started, "attempt_end_time": ended, "plan": copy.deepcopy(pending.plan),
                   "source": copy.deepcopy(getattr(pending, "source", None) or self.source("update-deployment", None, pending.started)),
                   "warnings": []}
        duration = int(max(0.0, now - pending.started) * 1000)
        if pending.error:
            steps.append({"step_id": "plan-completed", "started": ended, "completed": ended, "duration_in_millis": duration,
                          "status": "error", "stage": "completed",
                          "info_log": [{"timestamp": ended, "delta_in_millis": duration, "stage": "completed",
                                        "message": pending.error, "details": {}, "failure_type": PLAN_FAILURE_TYPE}]})
            attempt.update({"healthy": False, "plan_attempt_log": steps,
                            "error": {"timestamp": ended, "message": pending.error, "details": {}, "failure_type": PLAN_FAILURE_TYPE}})
        else:
            steps.append({"step_id": "plan-completed", "started": ended, "completed": ended, "duration_in_millis": duration,
                          "status": "success", "stage": "completed", "info_log": []})
            attempt.update({"healthy": True, "plan_attempt_log": steps, "plan_end_time": ended})
        res.pending = None
        res.current_attempt = attempt
        res.history.append(attempt)
        del res.history[:-MAX_HISTORY]
        if not pending.error:
            res.plan = copy.deepcopy(pending.plan)
            if getattr(pending, "new_trust", None) is not None:
                res.trust = pending.new_trust
                self.all_clusters_dirty(now)
            for action in pending.on_success:
                action(now)
        res.deployment.touch(now)

    def complete_all_plans(self):
        """Finish every pending plan of this environment now (control API)."""
        done = []
        for dep in self.env.deployments.values():
            for res in dep.es:
                if res.pending is not None:
                    done.append({"deployment": dep.name, "ref_id": res.ref_id, "failed": bool(res.pending.error)})
                    self.finish_plan(res, res.pending)
        return done

    def load_keystore(self, res, now=None):
        """The cluster loads the resource keystore (string values) and rebuilds its remote connections."""
        now = self.now() if now is None else now
        cluster = res.cluster
        loaded = {}
        for name, secret in res.keystore.items():
            value = secret.get("value")
            loaded[name] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        cluster.keystore_loaded = loaded
        cluster.mark_remotes_dirty(now)

    def merge_keystore(self, res, secrets):
        """Keystore merge semantics; returns whether anything changed (and schedules the auto-reload >= 8.14)."""
        changed = False
        for name, secret in secrets.items():
            if not isinstance(secret, dict) or secret.get("value") is None:
                if name in res.keystore:
                    del res.keystore[name]
                    changed = True
                continue
            value = secret["value"]
            as_file = secret.get("as_file")
            if as_file is None:
                as_file = not isinstance(value, str)
            entry = {"value": value, "as_file": bool(as_file)}
            if res.keystore.get(name) != entry:
                res.keystore[name] = entry
                changed = True
        if changed:
            now = self.now()
            res.keystore_changed_at = now
            version = parse_version(res.cluster.version) or (0, 0, 0)
            if version >= KEYSTORE_RELOAD_VERSION:
                delay = float(self.switches.get("keystore_reload_delay", 1.0))
                self.world.schedule(delay, lambda: self.load_keystore(res))
        return changed

    # ------------------------------------------------------------------------------------------ platform, account
    def get_platform(self, call):  # pylint: disable=unused-argument
        """GET /platform: PlatformInfo with ``version`` = the ECE version."""
        region = {
            "region_id": self.env.region,
            "zookeeper_states": {"states": []},
            "allocators": {"healthy": True, "zone_summaries": []},
            "runners": {"healthy": True, "total_runners": 1, "healthy_runners": 1, "connected_runners": 1,
                        "connected_capacity": 65536, "max_available_capacity": 65536, "containers_count": 1},
            "proxies": {"healthy": True, "expected_proxies_count": 1, "proxies_count": 1,
                        "proxies": [{"proxy_id": "%s-proxy-1" % self.env.name, "healthy": True}]},
            "container_sets_status": {"healthy": True, "healthy_container_sets_count": 1, "unhealthy_container_sets_count": 0,
                                      "unhealthy_container_sets": []},
            "constructors": {"constructors": []},
            "coordinators": {"coordinators": []},
            "resources": {"healthy": True, "available_count": 1, "used_count": 1, "missing_count": 0,
                          "minimum_available_count": 0, "account_count": 1},
        }
        return json_response({"version": self.env.ece_version or "3.8.0", "services": [], "phone_home_enabled": False,
                              "eula_accepted": True, "regions": [region], "unreachable_regions": []})

    def account_body(self):
        """AccountResponse."""
        return {"id": self.env.account_id, "trust": {"trust_all": bool(self.env.platform_trust_all)}}

    def get_account(self, call):  # pylint: disable=unused-argument
        """GET /account."""
        return json_response(self.account_body())

    def put_account(self, call):
        """PUT /account: ``trust.trust_all`` is the default of NEW deployments only."""
        trust = (call.body or {}).get("trust")
        if trust is not None:
            self.env.platform_trust_all = bool(trust["trust_all"])
        return json_response(self.account_body())

    def patch_account(self, call):
        """PATCH /account: a JSON merge patch of the account."""
        try:
            patch = json.loads(call.body) if isinstance(call.body, str) else call.body
        except ValueError as exc:
            raise Fail(400, "root.invalid_json_request", "The request body is not valid JSON: %s" % exc) from exc
        if not isinstance(patch, dict):
            raise Fail(400, "root.invalid_json_request", "A JSON merge patch of the account must be an object")
        merged = _merge_patch({"trust": {"trust_all": bool(self.env.platform_trust_all)}}, patch)
        problems = self.spec.validate_definition("AccountUpdateRequest", merged)
        if problems or not isinstance(merged.get("trust"), dict) or "trust_all" not in merged["trust"]:
            text = "; ".join(t for f, t in problems) or "trust.trust_all: required field is missing"
            raise Fail(400, "root.invalid_json_request", "JSON request does not comply with schema: [%s]" % text,
                       [f for f, t in problems] or ["trust.trust_all"])
        self.env.platform_trust_all = bool(merged["trust"]["trust_all"])
        return json_response(self.account_body())

    # ------------------------------------------------------------------------------------------ deployments (read)
    def list_deployments(self, call):  # pylint: disable=unused-argument
        """GET /deployments."""
        items = [{"id": dep.id, "name": dep.name, "resources": self.deployment_resources(dep)}
                 for dep in sorted(self.env.deployments.values(), key=lambda d: d.name)]
        return json_response({"deployments": items})

    def get_deployment(self, call):
        """GET /deployments/{deployment_id}."""
        dep = self.deployment_or_fail(call.path["deployment_id"])
        return self.dep_meta(json_response(self.deployment_view(dep, GetOptions(call.params))), dep)

    def get_es_resource(self, call):
        """GET /deployments/{deployment_id}/elasticsearch/{ref_id}."""
        dep, res = self.call_resource(call)
        return self.dep_meta(json_response(self.es_resource_info(res, GetOptions(call.params))), dep)

    def get_certificate_authority(self, call):
        """GET /deployments/{deployment_id}/certificate-authority."""
        dep = self.deployment_or_fail(call.path["deployment_id"])
        if not dep.es:
            raise Fail(404, "deployments.deployment_resource_not_found", "The Elasticsearch Resource cannot be found")
        pem = self.env.certs["env_ca"].cert_pem
        return json_response({
            "recommended_trust_restriction": "*.node.%s.cluster.%s.account" % (dep.es[0].cluster.cluster_id, self.env.scope_id),
            "public_certificates": [{"active": True, "pem": pem, "metadata": certificate_metadata(pem)}],
        })

    # ------------------------------------------------------------------------------------------ search
    def search_document(self, dep):
        """The searchable fields of a deployment (flat dotted names; ``resources.<kind>`` are nested)."""
        doc = {"id": dep.id, "name": dep.name, "alias": dep.alias, "healthy": all(r.cluster.running for r in dep.es),
               "metadata.system_owned": dep.system_owned, "metadata.hidden": dep.hidden,
               "metadata.subscription_level": dep.subscription_level, "metadata.last_modified": now_iso(dep.last_modified),
               "metadata.tags.key": [t.get("key") for t in dep.tags], "metadata.tags.value": [t.get("value") for t in dep.tags],
               "settings.traffic_filter_settings.rulesets": [rs["id"] for rs in self.env.rulesets_of(dep.id)]}
        prefix = "resources.elasticsearch."
        elements = []
        for res in dep.es:
            cluster = res.cluster
            elements.append({
                prefix + "id": cluster.cluster_id, prefix + "ref_id": res.ref_id, prefix + "region": res.region,
                prefix + "info.cluster_id": cluster.cluster_id, prefix + "info.cluster_name": res.display_name or dep.name,
                prefix + "info.deployment_id": dep.id, prefix + "info.healthy": bool(cluster.running),
                prefix + "info.status": "reconfiguring" if res.pending else ("started" if cluster.running else "stopped"),
                prefix + "info.metadata.endpoint": cluster.endpoint,
                prefix + "info.plan_info.current.plan.elasticsearch.version": cluster.version,
                prefix + "info.topology.instances.service_version": cluster.version,
            })
        doc["resources.elasticsearch"] = elements
        doc["resources.kibana"] = [{"resources.kibana.id": dep.kibana_id, "resources.kibana.ref_id": dep.kibana_ref_id,
                                    "resources.kibana.region": dep.es[0].region if dep.es else self.env.region}] \
            if dep.kibana_ref_id else []
        return doc

    def run_search(self, body, candidates):
        """Apply a SearchRequest to deployments; returns (matching deployments in order, match count)."""
        body = body or {}
        if body.get("cursor"):
            return [], 0
        query = body.get("query") or {"match_all": {}}
        matched = [dep for dep in candidates if self.query_matches(query, self.search_document(dep), None, "query")]
        matched.sort(key=lambda d: d.name)
        matched.sort(key=lambda d: d.last_modified, reverse=True)
        start = int(body.get("from") or 0)
        size = body.get("size")
        size = 100 if size is None else int(size)
        return matched[start:start + size], len(matched)

    def search_response(self, call, deps, total):
        """DeploymentsSearchResponse (``minimal_metadata`` moves the result there)."""
        minimal = call.param("minimal_metadata") if call is not None else None
        out = {"return_count": len(deps), "match_count": total, "deployments": []}
        if minimal:
            attrs = [a.strip() for a in minimal.split(",") if a.strip()]
            out["minimal_metadata"] = []
            for dep in deps:
                doc = self.search_document(dep)
                out["minimal_metadata"].append(dict((a, doc.get(a)) for a in attrs if a in doc))
        else:
            opts = GetOptions({})
            out["deployments"] = [self.deployment_view(dep, opts, search=True) for dep in deps]
        return out

    def search_deployments(self, call):
        """POST /deployments/_search."""
        deps, total = self.run_search(call.body, list(self.env.deployments.values()))
        return json_response(self.search_response(call, deps, total))

    def query_matches(self, query, doc, nested, field):
        """Evaluate one QueryContainer against a search document (``nested``: the current nested element)."""
        if not isinstance(query, dict) or len(query) != 1:
            raise Fail(400, "root.invalid_json_request", "[%s] must hold exactly one query, got %s"
                       % (field, ", ".join(sorted(query)) if isinstance(query, dict) else type(query).__name__), [field])
        kind, spec = next(iter(query.items()))
        where = "%s.%s" % (field, kind)
        if kind == "match_all":
            return True
        if kind == "match_none":
            return False
        if kind in ("term", "match", "prefix"):
            if not isinstance(spec, dict) or len(spec) != 1:
                raise Fail(400, "root.invalid_json_request", "[%s] must name exactly one field" % where, [where])
            name, clause = next(iter(spec.items()))
            values = self._field_values(doc, nested, name)
            if kind == "term":
                wanted = clause.get("value") if isinstance(clause, dict) else clause
                return any(_same_term(value, wanted) for value in values)
            if kind == "prefix":
                wanted = str(clause.get("value") if isinstance(clause, dict) else clause)
                return any(isinstance(value, str) and value.startswith(wanted) for value in values)
            text = clause.get("query") if isinstance(clause, dict) else clause
            operator = (clause.get("operator") or "or").lower() if isinstance(clause, dict) else "or"
            minimum = clause.get("minimum_should_match") if isinstance(clause, dict) else None
            return any(_match_text(value, text, operator, minimum) for value in values)
        if kind == "exists":
            return bool(self._field_values(doc, nested, spec.get("field")))
        if kind == "bool":
            return self._bool_matches(spec, doc, nested, where)
        if kind == "nested":
            path = spec["path"]
            if path not in NESTED_PATHS:
                return False
            return any(self.query_matches(spec["query"], doc, element, where + ".query") for element in doc.get(path, []))
        raise Fail(501, "root.not_implemented_in_lab", "The lab's deployment search does not implement [%s] queries" % kind, [where])

    def _bool_matches(self, spec, doc, nested, where):
        musts = list(spec.get("must") or []) + list(spec.get("filter") or [])
        if not all(self.query_matches(q, doc, nested, where + ".must") for q in musts):
            return False
        if any(self.query_matches(q, doc, nested, where + ".must_not") for q in spec.get("must_not") or []):
            return False
        shoulds = spec.get("should") or []
        minimum = spec.get("minimum_should_match")
        if minimum is None:
            minimum = 0 if musts else (1 if shoulds else 0)
        hits = sum(1 for q in shoulds if self.query_matches(q, doc, nested, where + ".should"))
        return hits >= minimum

    @staticmethod
    def _field_values(doc, nested, name):
        if nested is not None and name in nested:
            value = nested[name]
        elif any(name.startswith(path + ".") for path in NESTED_PATHS):
            return []        # nested fields are only visible inside a nested query
        else:
            value = doc.get(name)
        if value is None:
            return []
        return [v for v in value if v is not None] if isinstance(value, list) else [value]

    # ------------------------------------------------------------------------------------------ deployment update
    def update_deployment(self, call):
        """PUT /deployments/{deployment_id}: trust, plan, keystore, metadata (see the module docstring)."""
        dep = self.deployment_or_fail(call.path["deployment_id"])
        body = call.body or {}
        expected = call.param("version")
        if expected is not None and str(expected) != str(dep.resource_version):
            raise Fail(409, "deployments.deployment_version_conflict",
                       "The deployment [%s] was modified: the request expects version [%s] but the current version is [%s]"
                       % (dep.id, expected, dep.resource_version), ["version"])
        metadata = body.get("metadata") or {}
        if metadata.get("system_owned") is not None:
            raise Fail(403, "configuration.system_owned", SYSTEM_OWNED_MESSAGE, ["metadata.system_owned"])
        resources = body.get("resources") or {}
        changes = [self._es_change(dep, index, payload) for index, payload in enumerate(resources.get("elasticsearch") or [])]
        seen = set()
        for change in changes:
            if change["res"].ref_id in seen:
                raise Fail(400, "deployments.duplicate_resource", "The elasticsearch resource [%s] is given twice" % change["res"].ref_id,
                           ["resources.elasticsearch"])
            seen.add(change["res"].ref_id)
        prune_kibana = bool(body.get("prune_orphans")) and dep.kibana_ref_id and not (resources.get("kibana") or [])
        if call.param("validate_only"):
            return self.dep_meta(json_response(self._update_response(dep, [])), dep)
        now = self.now()
        version_before = dep.resource_version
        touched = False
        if body.get("name") is not None and body["name"] != dep.name:
            dep.name = body["name"]
            touched = True
        if body.get("alias") is not None and body["alias"] != dep.alias:
            self._set_alias(dep, body["alias"])
            touched = True
        if metadata.get("tags") is not None and metadata["tags"] != dep.tags:
            dep.tags = copy.deepcopy(metadata["tags"])
            touched = True
        for change in changes:
            touched = self._apply_es_change(change, call, now) or touched
        shut_down = []
        if prune_kibana:
            shut_down.append(dep.kibana_id)
            dep.kibana_ref_id = None
            touched = True
        if touched and dep.resource_version == version_before:
            dep.touch(now)
        return self.dep_meta(json_response(self._update_response(dep, shut_down)), dep)

    def _update_response(self, dep, kibana_shut_down):
        out = {"id": dep.id, "name": dep.name, "resources": self.deployment_resources(dep),
               "shutdown_resources": {"elasticsearch": [], "kibana": list(kibana_shut_down), "apm": [], "appsearch": [],
                                      "enterprise_search": [], "integrations_server": []}}
        if dep.alias:
            out["alias"] = dep.alias
        return out

    def _set_alias(self, dep, alias):
        domain = self.env.domain
        for res in dep.es:
            if dep.alias:
                res.cluster.http_hosts.discard("%s.es.%s" % (dep.alias, domain))
            if alias:
                res.cluster.http_hosts.add("%s.es.%s" % (alias, domain))
        dep.alias = alias or None

    def _es_change(self, dep, index, payload):
        """Validate one ElasticsearchPayload; returns what to apply."""
        field = "resources.elasticsearch[%d]" % index
        res = dep.resource(payload["ref_id"]) if payload["ref_id"] != "_main" else None
        if res is None:
            raise Fail(400, "deployments.resource_creation_not_supported_in_lab",
                       "The deployment [%s] has no elasticsearch resource [%s]; the lab cannot create resources"
                       % (dep.id, payload["ref_id"]), [field + ".ref_id"])
        if payload["region"] != res.region:
            raise Fail(400, "deployments.invalid_region", "The region [%s] of elasticsearch resource [%s] does not match the "
                       "deployment's region [%s]" % (payload["region"], res.ref_id, res.region), [field + ".region"])
        plan = payload["plan"]
        wanted = (plan.get("elasticsearch") or {}).get("version")
        current_version = (res.plan.get("elasticsearch") or {}).get("version") or res.cluster.version
        if wanted and wanted != current_version:
            raise Fail(400, "deployments.version_change_not_supported_in_lab",
                       "The plan changes the Elasticsearch version from [%s] to [%s]; the lab does not upgrade clusters"
                       % (current_version, wanted), [field + ".plan.elasticsearch.version"])
        settings = payload.get("settings") or {}
        change = {"res": res, "field": field, "plan": plan, "trust": None, "keystore": None, "rulesets": None,
                  "display_name": payload.get("display_name")}
        smeta = settings.get("metadata") or {}
        if smeta.get("system_owned") is not None:
            raise Fail(403, "configuration.system_owned", SYSTEM_OWNED_MESSAGE, [field + ".settings.metadata.system_owned"])
        if "trust" in settings:
            if dep.system_owned:
                raise Fail(403, "deployments.system_owned_deployment",
                           "The trust settings of the system-owned deployment [%s] cannot be changed" % dep.id,
                           [field + ".settings.trust"])
            if settings["trust"] is None:
                change["trust"] = self.default_trust()
            else:
                change["trust"] = self.normalize_trust(settings["trust"], res, field + ".settings.trust")
        contents = settings.get("keystore_contents")
        if contents is not None:
            change["keystore"] = contents.get("secrets") or {}
        traffic = settings.get("traffic_filter")
        if traffic is not None:
            rulesets = list(traffic.get("rulesets") or [])
            for position, ruleset_id in enumerate(rulesets):
                ruleset = self.env.rulesets.get(ruleset_id)
                if ruleset is None:
                    raise Fail(400, "traffic_filter.not_found", "Traffic filter ruleset [%s] not found" % ruleset_id,
                               [field + ".settings.traffic_filter.rulesets[%d]" % position])
            change["rulesets"] = rulesets
        plan_changed = _canonical(_without_transient(plan)) != _canonical(_without_transient(res.plan))
        trust_changed = change["trust"] is not None and _trust_key(change["trust"]) != _trust_key(self.effective_trust(res))
        if not trust_changed:
            change["trust"] = None
        change["plan_changed"] = plan_changed
        needs_plan = plan_changed or (trust_changed and self.switches.get("trust_update_creates_plan", True))
        pending_trust = getattr(res.pending, "new_trust", None) if res.pending is not None else None
        if res.pending is not None and (needs_plan or (trust_changed and pending_trust is not None)):
            raise Fail(400, "deployments.plan_in_progress", "A plan is still pending on elasticsearch resource [%s]; wait for it "
                       "to complete before submitting another change" % res.ref_id, [field])
        change["needs_plan"] = needs_plan
        return change

    def _apply_es_change(self, change, call, now):
        res = change["res"]
        touched = False
        if change["display_name"] is not None and change["display_name"] != res.display_name:
            res.display_name = change["display_name"]
            touched = True
        if change["keystore"] is not None and self.merge_keystore(res, change["keystore"]):
            touched = True
        if change["rulesets"] is not None:
            wanted = set(change["rulesets"])
            current = set(rs["id"] for rs in self.env.rulesets_of(res.deployment.id))
            if wanted != current:
                for ruleset in self.env.rulesets.values():
                    associations = ruleset.setdefault("associations", set())
                    if ruleset["id"] in wanted:
                        associations.add(res.deployment.id)
                    else:
                        associations.discard(res.deployment.id)
                self.all_clusters_dirty(now)
                touched = True
        if change["needs_plan"]:
            plan = change["plan"] if change["plan_changed"] else res.plan
            self.start_plan(res, plan, call, "update-deployment", trust=change["trust"])
            touched = True
        elif change["trust"] is not None:
            res.trust = change["trust"]
            self.all_clusters_dirty(now)
            touched = True
        return touched

    def normalize_trust(self, trust, res, field):
        """Validate an ElasticsearchClusterTrustSettings and return it as stored (arrays replaced as sent)."""
        out = {"accounts": [], "external": [], "direct": []}
        for index, acc in enumerate(trust.get("accounts") or []):
            entry = {"account_id": acc["account_id"], "name": acc.get("name") or "", "trust_all": bool(acc["trust_all"])}
            if acc.get("trust_allowlist") is not None:
                entry["trust_allowlist"] = list(acc["trust_allowlist"])
            out["accounts"].append(entry)
        for index, ext in enumerate(trust.get("external") or []):
            rel_id = ext["trust_relationship_id"]
            rel = self.env.trust_relationships.get(rel_id)
            if rel is None:
                raise self._trust_error("%s.external[%d].trust_relationship_id" % (field, index),
                                        "the trust relationship [%s] does not exist in this environment" % rel_id)
            entry = {"trust_relationship_id": rel_id, "name": rel["name"], "trust_all": bool(ext["trust_all"])}
            if ext.get("trust_allowlist") is not None:
                entry["trust_allowlist"] = list(ext["trust_allowlist"])
            out["external"].append(entry)
        existing = dict((d.get("uid"), d) for d in (res.trust.get("direct") or []) if d.get("uid"))
        uids = set()
        for index, direct in enumerate(trust.get("direct") or []):
            where = "%s.direct[%d]" % (field, index)
            self._check_direct(direct, where)
            entry = {"uid": direct.get("uid") or str(uuid.uuid4()), "name": direct["name"], "trust_all": bool(direct["trust_all"])}
            if entry["uid"] in uids:
                raise self._trust_error(where + ".uid", "the uid [%s] is given twice" % entry["uid"])
            uids.add(entry["uid"])
            for key in ("type", "scope_id", "trust_allowlist", "additional_node_names"):
                if direct.get(key) is not None:
                    entry[key] = copy.deepcopy(direct[key])
            entry["certificates"] = [{"pem": cert["pem"]} for cert in direct["certificates"]]
            if not direct.get("uid"):
                # an entry sent back unchanged without its uid keeps the uid it has
                for uid, old in existing.items():
                    if uid not in uids and _direct_key(old) == _direct_key(entry):
                        entry["uid"] = uid
                        break
            out["direct"].append(entry)
        return out

    @staticmethod
    def _trust_error(field, text):
        return Fail(400, "deployments.invalid_trust_settings", "Invalid trust settings: %s: %s" % (field, text), [field])

    def _check_direct(self, direct, where):
        """DirectTrustRelationship rules (ece-api.md §2, open-questions §3)."""
        kind = direct.get("type") or "generic"
        scope = direct.get("scope_id")
        allowlist = direct.get("trust_allowlist")
        names = direct.get("additional_node_names")
        if kind == "proxy":
            if direct["trust_all"]:
                raise self._trust_error(where + ".trust_all", "trust_all must be false for a direct trust of type proxy")
            for key in ("scope_id", "trust_allowlist", "additional_node_names"):
                if direct.get(key) is not None:
                    raise self._trust_error("%s.%s" % (where, key), "%s must be omitted for a direct trust of type proxy" % key)
        else:
            if scope is not None and not SCOPE_ID_RE.match(scope):
                raise self._trust_error(where + ".scope_id", "scope_id must be a lowercase alphanumerical string of at most 32 characters "
                                        "(or dot-separated labels such as default.es.local)")
            if (direct["trust_all"] or allowlist) and not scope:
                raise self._trust_error(where + ".scope_id", "scope_id is required when trust_all is true or trust_allowlist is not empty")
            if not scope and not names:
                raise self._trust_error(where + ".additional_node_names", "additional_node_names is mandatory when scope_id is not defined")
        for position, name in enumerate(names or []):
            if "*" in name or "?" in name:
                raise self._trust_error("%s.additional_node_names[%d]" % (where, position), "wildcards are not allowed in node names")
            if not name.strip():
                raise self._trust_error("%s.additional_node_names[%d]" % (where, position), "a node name cannot be empty")
        if not direct["certificates"]:
            raise self._trust_error(where + ".certificates", "at least one certificate is required")
        for position, cert in enumerate(direct["certificates"]):
            try:
                parsed = pki.load_certs(cert["pem"])
            except ValueError as exc:
                raise self._trust_error("%s.certificates[%d].pem" % (where, position), "not a valid PEM certificate (%s)" % exc) from exc
            if not parsed:
                raise self._trust_error("%s.certificates[%d].pem" % (where, position), "not a PEM certificate")

    # ------------------------------------------------------------------------------------------ remote clusters
    def get_remote_clusters(self, call):
        """GET .../remote-clusters: the stored list with ``info`` flags from the connector."""
        res = self.call_resource(call)[1]
        connector = getattr(self.world, "connector", None)
        out = []
        for entry in res.remote_resources:
            flags = {"healthy": False, "connected": False, "compatible": False, "trusted": False, "trusted_back": False}
            if connector is not None:
                computed = connector.ece_flags(res, entry) or {}
                for key in flags:
                    flags[key] = bool(computed.get(key, False))
            item = copy.deepcopy(entry)
            item["info"] = flags
            out.append(item)
        return json_response({"resources": out})

    def set_remote_clusters(self, call):
        """PUT .../remote-clusters: whole-list replace, written to the local cluster's persistent settings."""
        dep, res = self.call_resource(call)
        entries = call.body["resources"]
        if dep.system_owned:
            raise Fail(403, "deployments.system_owned_deployment",
                       "The system-owned deployment [%s] cannot have remote clusters" % dep.id, ["deployment_id"])
        stored = []
        aliases = set()
        remotes = {}
        for index, entry in enumerate(entries):
            field = "resources[%d]" % index
            alias = entry["alias"]
            if not ALIAS_RE.match(alias):
                raise Fail(400, "remote_clusters.invalid_alias", ALIAS_MESSAGE, [field + ".alias"])
            if alias in aliases:
                raise Fail(400, "remote_clusters.duplicate_alias", "The cluster alias [%s] is given more than once" % alias,
                           [field + ".alias"])
            aliases.add(alias)
            remote_dep = self.env.deployments.get(entry["deployment_id"])
            if remote_dep is None:
                raise Fail(404, "deployments.deployment_not_found", "Deployment [%s] not found" % entry["deployment_id"],
                           [field + ".deployment_id"])
            remote_res = remote_dep.resource(entry["elasticsearch_ref_id"])
            if remote_res is None:
                raise Fail(404, "deployments.deployment_resource_not_found", "Elasticsearch resource [%s] of deployment [%s] not found"
                           % (entry["elasticsearch_ref_id"], remote_dep.id), [field + ".elasticsearch_ref_id"])
            if remote_dep.system_owned:
                raise Fail(403, "deployments.system_owned_deployment",
                           "The system-owned deployment [%s] cannot be used as a remote cluster" % remote_dep.id,
                           [field + ".deployment_id"])
            item = {"deployment_id": entry["deployment_id"], "elasticsearch_ref_id": entry["elasticsearch_ref_id"], "alias": alias,
                    "skip_unavailable": bool(entry.get("skip_unavailable"))}
            stored.append(item)
            remotes[alias] = (item, remote_res)
        now = self.now()
        cluster = res.cluster
        persistent = cluster.settings.setdefault("persistent", {})
        created = self.created_aliases.setdefault(cluster.key, set())
        touched = set()
        for alias in sorted(created - aliases):
            prefix = "cluster.remote.%s." % alias
            for key in [k for k in persistent if k.startswith(prefix)]:
                del persistent[key]
            touched.add(alias)
        for alias, (item, remote_res) in remotes.items():
            endpoint = remote_res.cluster.endpoint
            persistent["cluster.remote.%s.mode" % alias] = "proxy"
            persistent["cluster.remote.%s.proxy_address" % alias] = "%s:%d" % (endpoint, PORTS["transport_passthrough"])
            persistent["cluster.remote.%s.server_name" % alias] = endpoint
            persistent["cluster.remote.%s.skip_unavailable" % alias] = item["skip_unavailable"]
            touched.add(alias)
        self.created_aliases[cluster.key] = set(aliases)
        res.remote_resources = stored
        res.remote_resources_changed_at = now
        if touched:
            cluster.settings_changed_at = now
            cluster.mark_remotes_dirty(now, sorted(touched))
        return json_response({}, 202)

    # ------------------------------------------------------------------------------------------ keystore
    def keystore_body(self, res):
        """KeystoreContents without values."""
        return {"secrets": dict((name, {"as_file": bool(secret.get("as_file"))}) for name, secret in sorted(res.keystore.items()))}

    def get_keystore(self, call):
        """GET .../keystore: names and ``as_file`` only."""
        res = self.call_resource(call)[1]
        return json_response(self.keystore_body(res))

    def set_keystore(self, call):
        """PATCH .../keystore: merge; ES >= 8.14 loads the change after ``keystore_reload_delay``."""
        dep, res = self.call_resource(call)
        if self.merge_keystore(res, call.body["secrets"]):
            dep.touch(self.now())
        return json_response(self.keystore_body(res))

    # ------------------------------------------------------------------------------------------ restart, ccr
    def restart_es(self, call):
        """POST .../_restart: a plan; at completion the keystore loads, ``restarts`` grows, remotes reconnect."""
        res = self.call_resource(call)[1]
        if res.pending is not None:
            if not call.param("cancel_pending"):
                raise Fail(422, "clusters.cluster_plan_state_error",
                           "There is a plan still pending, cancel that or wait for it to complete before restarting")
            res.pending = None

        def restarted(now):
            self.load_keystore(res, now)
            res.cluster.restarts += 1
            res.cluster.mark_remotes_dirty(now)

        self.start_plan(res, res.plan, call, "restart-deployment-es-resource", on_success=[restarted], source_action="restart")
        return json_response({}, 202)

    def enable_ccr(self, call):
        """POST .../_enable-ccr (open-questions §5)."""
        res = self.call_resource(call)[1]
        if res.ccr_enabled:
            return json_response({})
        if call.param("validate_only"):
            return json_response({"warnings": [{
                "code": "deployments.ccr_enablement_restarts_resources",
                "message": "Enabling CCR restarts Kibana and Elasticsearch of this deployment: they may be unavailable "
                           "while the plan runs"}]})
        if res.pending is not None:
            raise Fail(400, "deployments.plan_in_progress", "A plan is still pending on elasticsearch resource [%s]; wait for it "
                       "to complete before enabling CCR" % res.ref_id)

        def enabled(now):  # pylint: disable=unused-argument
            res.ccr_enabled = True

        self.start_plan(res, res.plan, call, "enable-deployment-resource-ccr", on_success=[enabled])
        return json_response({})

    # ------------------------------------------------------------------------------------------ trust relationships
    @staticmethod
    def relationship_view(rel, include_certificate):
        """TrustRelationshipGetResponse."""
        out = {"id": rel["id"], "name": rel["name"], "trust_by_default": bool(rel.get("trust_by_default")),
               "account_ids": list(rel.get("account_ids") or []), "local": bool(rel.get("local")),
               "last_modified": rel["last_modified"]}
        if rel.get("installation_id") is not None:
            out["installation_id"] = rel["installation_id"]
        if include_certificate:
            out["public_ca_cert"] = rel["public_ca_cert"]
        return out

    @staticmethod
    def relationship_write_view(rel):
        """TrustRelationshipCreateResponse / UpdateResponse."""
        out = {"id": rel["id"], "name": rel["name"], "trust_by_default": bool(rel.get("trust_by_default")),
               "account_ids": list(rel.get("account_ids") or []), "local": bool(rel.get("local"))}
        if rel.get("installation_id") is not None:
            out["installation_id"] = rel["installation_id"]
        return out

    def relationship_or_fail(self, rel_id):
        """A trust relationship, or Fail 404."""
        rel = self.env.trust_relationships.get(rel_id)
        if rel is None:
            raise Fail(404, "trust_relationships.not_found", "Trust relationship [%s] not found" % rel_id, ["trust_relationship_id"])
        return rel

    def rel_meta(self, response, rel):
        """Resource headers of a trust relationship."""
        created = rel.get("_created", self.now())
        modified = rel.get("_modified", created)
        return self.with_meta(response, rel.get("version", 1), created, modified)

    def list_trust_relationships(self, call):
        """GET /platform/configuration/trust-relationships."""
        wanted = call.param("filter", "all")
        items = []
        for rel in sorted(self.env.trust_relationships.values(), key=lambda r: (not r.get("local"), r["name"])):
            if wanted == "local" and not rel.get("local"):
                continue
            if wanted == "non-local" and rel.get("local"):
                continue
            items.append(self.relationship_view(rel, call.param("include_certificate", False)))
        return json_response({"trust_relationships": items})

    def get_trust_relationship(self, call):
        """GET .../trust-relationships/{id}."""
        rel = self.relationship_or_fail(call.path["trust_relationship_id"])
        return self.rel_meta(json_response(self.relationship_view(rel, call.param("include_certificate", False))), rel)

    @staticmethod
    def _check_ca_pem(pem, field):
        try:
            certs = pki.load_certs(pem)
        except ValueError as exc:
            raise Fail(400, "trust_relationships.invalid_certificate", "The public CA certificate is not a valid certificate: %s" % exc,
                       [field]) from exc
        if not certs:
            raise Fail(400, "trust_relationships.invalid_certificate", "The public CA certificate is not a PEM certificate", [field])

    def create_trust_relationship(self, call):
        """POST .../trust-relationships (201)."""
        body = call.body
        self._check_ca_pem(body["public_ca_cert"], "public_ca_cert")
        now = self.now()
        rel_id = _new_id()
        rel = {"id": rel_id, "name": body["name"], "trust_by_default": bool(body.get("trust_by_default")),
               "account_ids": list(body.get("account_ids") or []), "local": False, "public_ca_cert": body["public_ca_cert"],
               "last_modified": now_iso(now), "version": 1, "_created": now, "_modified": now}
        if body.get("installation_id") is not None:
            rel["installation_id"] = body["installation_id"]
        self.env.trust_relationships[rel_id] = rel
        self.all_clusters_dirty(now)
        return self.rel_meta(json_response(self.relationship_write_view(rel), 201), rel)

    def update_trust_relationship(self, call):
        """PUT .../trust-relationships/{id}."""
        rel = self.relationship_or_fail(call.path["trust_relationship_id"])
        body = call.body
        if body.get("public_ca_cert") is not None:
            self._check_ca_pem(body["public_ca_cert"], "public_ca_cert")
        if rel.get("local"):
            for key in ("public_ca_cert", "account_ids", "installation_id"):
                if body.get(key) is not None and body[key] != rel.get(key):
                    raise Fail(400, "trust_relationships.cannot_modify_local",
                               "The [%s] of the local trust relationship cannot be changed" % key, [key])
        changed = False
        for key in ("name", "trust_by_default", "account_ids", "public_ca_cert", "installation_id"):
            if body.get(key) is not None and body[key] != rel.get(key):
                rel[key] = copy.deepcopy(body[key])
                changed = True
        if changed:
            now = self.now()
            rel["version"] = rel.get("version", 1) + 1
            rel["last_modified"] = now_iso(now)
            rel["_modified"] = now
            self.all_clusters_dirty(now)
        return self.rel_meta(json_response(self.relationship_write_view(rel)), rel)

    def delete_trust_relationship(self, call):
        """DELETE .../trust-relationships/{id}?version=<int>."""
        rel = self.relationship_or_fail(call.path["trust_relationship_id"])
        expected = call.param("version")
        if expected is not None and int(expected) != int(rel.get("version", 1)):
            raise Fail(409, "trust_relationships.version_conflict", "The trust relationship [%s] is at version [%s], not [%s]"
                       % (rel["id"], rel.get("version", 1), expected), ["version"])
        if rel.get("local"):
            raise Fail(400, "trust_relationships.cannot_delete_local", "The local trust relationship cannot be deleted")
        del self.env.trust_relationships[rel["id"]]
        self.all_clusters_dirty()
        return json_response({})

    def get_trusted_environments(self, call):
        """GET /trusted-environments: the environment's non-local trust relationships as external trust."""
        org = call.param("organization_id")
        if org is not None and org not in (self.env.account_id, self.env.organization_id):
            raise Fail(404, "organization.not_found", "Organization [%s] not found" % org, ["organization_id"])
        external = [{"trust_relationship_id": rel["id"], "name": rel["name"], "trust_all": bool(rel.get("trust_by_default"))}
                    for rel in sorted(self.env.trust_relationships.values(), key=lambda r: r["name"]) if not rel.get("local")]
        return json_response({"external": external})

    # ------------------------------------------------------------------------------------------ TLS, domain
    def get_tls(self, call):
        """GET /platform/configuration/security/tls/{service_name}."""
        service = call.path["service_name"]
        env = self.env
        if service == "proxy":
            chain, supplied = list(env.proxy_chain), bool(env.proxy_user_supplied)
        elif service == "internalca":
            chain, supplied = [env.certs["env_ca"].cert_pem], False
        else:
            chain, supplied = [env.certs["coordinator"].cert_pem, env.certs["admin_ca"].cert_pem], False
        body = {"user_supplied": supplied, "chain": chain, "api_managed": supplied}
        certs = [pki.as_cert(pem) for pem in chain]
        if certs:
            first = min(certs, key=pki.not_valid_after)
            body["chain_status"] = {"expiration_date": _iso_dt(pki.not_valid_after(first)),
                                    "first_certificate_to_expire": first.subject.rfc4514_string()}
        return json_response(body)

    def set_tls(self, call):
        """POST .../tls/proxy: key, certificate, CA(s), extra CAs (PEM); replaces the proxy chain."""
        service = call.path["service_name"]
        if service != "proxy":
            raise Fail(501, "root.not_implemented_in_lab", "The lab only replaces the proxy certificate, not [%s]" % service)
        text = call.body if isinstance(call.body, str) else (call.body or b"").decode("utf-8", "replace")
        text = text.replace("\r\n", "\n").strip()
        first = re.search(r"-----BEGIN ([A-Z0-9 ]+)-----", text)
        if first is None or first.group(1) != "RSA PRIVATE KEY" or "ENCRYPTED" in text[:text.find("-----END")]:
            raise Fail(400, "cert.invalid_cert_chain",
                       "Invalid certificate chain: expected unencrypted rsa private key as the first element of the chain")
        end = text.find("-----END RSA PRIVATE KEY-----")
        if end < 0:
            raise Fail(400, "cert.invalid_cert_chain", "Invalid certificate chain: the rsa private key is not terminated")
        key_pem = text[:end + len("-----END RSA PRIVATE KEY-----")] + "\n"
        try:
            key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise Fail(400, "cert.invalid_cert_chain",
                       "Invalid certificate chain: expected unencrypted rsa private key (%s)" % exc) from exc
        try:
            certs = pki.load_certs(text[end:])
        except ValueError as exc:
            raise Fail(400, "cert.invalid_cert_chain", "Invalid certificate chain: %s" % exc) from exc
        if not certs:
            raise Fail(400, "cert.invalid_cert_chain", "Invalid certificate chain: no certificate follows the private key")
        public = serialization.PublicFormat.SubjectPublicKeyInfo
        if (certs[0].public_key().public_bytes(serialization.Encoding.DER, public)
                != key.public_key().public_bytes(serialization.Encoding.DER, public)):
            raise Fail(400, "cert.invalid_cert_chain", "Invalid certificate chain: the certificate does not match the private key")
        if len(certs) > 1 and not pki.issued_by(certs[0], certs[1]):
            raise Fail(400, "cert.invalid_cert_chain",
                       "Invalid certificate chain: the certificate is not signed by the CA that follows it")
        env = self.env
        env.proxy_chain = [pki.cert_pem(cert) for cert in certs]
        env.proxy_key_pem = key_pem
        env.proxy_user_supplied = True
        env.proxy_chain_version += 1
        connector = getattr(self.world, "connector", None)
        if connector is not None:
            connector.reload_environment(env)
        return json_response({"service": "proxy"}, 202)

    def get_domain(self, call):  # pylint: disable=unused-argument
        """GET .../networking/deployment_domain_name."""
        created = min([d.created_at for d in self.env.deployments.values()] or [self.now()])
        modified = self.domain_changed_at or created
        return self.with_meta(json_response({"value": self.env.domain}), self.env.domain_version, created, modified)

    def set_domain(self, call):
        """PUT .../networking/deployment_domain_name: endpoints move; certificates are NOT regenerated (R12)."""
        env = self.env
        expected = call.param("version")
        if expected is not None:
            if not re.match(r"^[0-9]+$", str(expected)):
                raise Fail(400, "networking.cname.bad_version_format", "The version [%s] is not a number" % expected, ["version"])
            if int(expected) != env.domain_version:
                raise Fail(409, "networking.cname.version_conflict", "The deployment domain name is at version [%d], not [%s]"
                           % (env.domain_version, expected), ["version"])
        value = call.body["value"].strip().lower()
        if not DOMAIN_RE.match(value):
            raise Fail(400, "networking.cname.invalid_value", "[%s] is not a valid domain name" % call.body["value"], ["value"])
        headers = {}
        if value != env.domain:
            old = env.domain
            env.domain = value
            env.domain_version += 1
            self.domain_changed_at = self.now()
            for dep in env.deployments.values():
                for res in dep.es:
                    cluster = res.cluster
                    cluster.endpoint = "%s.%s" % (cluster.cluster_id, value)
                    hosts = {cluster.endpoint}
                    if dep.alias:
                        hosts.add("%s.es.%s" % (dep.alias, value))
                    cluster.http_hosts = hosts
                    cluster.http_url = "https://%s:%d" % (cluster.endpoint, PORTS["https"])
            resolver = getattr(self.world, "resolver", None)
            if resolver is not None:
                resolver.add("*." + value, env.ip)
            headers["x-lab-note"] = ("deployment endpoints moved from *.%s to *.%s; the proxy certificate was not "
                                     "regenerated and no longer matches them (R12: upload a new one)" % (old, value))
        response = json_response({"value": env.domain}, 200, headers)
        created = min([d.created_at for d in env.deployments.values()] or [self.now()])
        return self.with_meta(response, env.domain_version, created, self.domain_changed_at or created)

    # ------------------------------------------------------------------------------------------ traffic filters
    def ruleset_or_fail(self, ruleset_id):
        """A ruleset, or Fail 404."""
        ruleset = self.env.rulesets.get(ruleset_id)
        if ruleset is None:
            raise Fail(404, "traffic_filter.not_found", "Traffic filter ruleset [%s] not found" % ruleset_id, ["ruleset_id"])
        return ruleset

    def ruleset_view(self, ruleset, include_associations):
        """TrafficFilterRulesetInfo."""
        out = dict((k, copy.deepcopy(v)) for k, v in ruleset.items() if k != "associations")
        if include_associations:
            associations = sorted(ruleset.get("associations", set()))
            out["associations"] = [{"entity_type": "deployment", "id": dep_id} for dep_id in associations]
            out["total_associations"] = len(associations)
        return out

    def _validated_ruleset(self, body, ruleset_id, old_rules=None):
        if body["region"] != self.env.region:
            raise Fail(400, "traffic_filter.invalid_region", "The region [%s] is not this environment's region [%s]"
                       % (body["region"], self.env.region), ["region"])
        kind = body["type"]
        if kind not in RULESET_TYPES:
            raise Fail(400, "traffic_filter.invalid_type", "The ruleset type [%s] is not one of %s" % (kind, ", ".join(RULESET_TYPES)),
                       ["type"])
        rules = []
        old_ids = set(r.get("id") for r in old_rules or [])
        for index, rule in enumerate(body["rules"]):
            field = "rules[%d]" % index
            if kind == "ip":
                source = rule.get("source")
                if not source:
                    raise Fail(400, "traffic_filter.invalid_rule", "An ip rule needs a source (an IPv4 address or CIDR)", [field + ".source"])
                try:
                    network = ipaddress.ip_network(source, strict=False)
                except ValueError as exc:
                    raise Fail(400, "traffic_filter.invalid_rule", "The source [%s] is not an IPv4 address or CIDR" % source,
                               [field + ".source"]) from exc
                if network.version != 4:
                    raise Fail(400, "traffic_filter.invalid_rule", "The source [%s] is not an IPv4 address or CIDR" % source,
                               [field + ".source"])
                for key in ("remote_cluster_id", "remote_cluster_org_id"):
                    if rule.get(key):
                        raise Fail(400, "traffic_filter.invalid_rule", "[%s] is only valid in a remote_cluster ruleset" % key,
                                   [field + "." + key])
            elif kind == "remote_cluster":
                if rule.get("source"):
                    raise Fail(400, "traffic_filter.invalid_rule", "A remote_cluster rule cannot have a source", [field + ".source"])
                if not rule.get("remote_cluster_id") and not rule.get("remote_cluster_org_id"):
                    raise Fail(400, "traffic_filter.invalid_rule",
                               "A remote_cluster rule needs remote_cluster_id or remote_cluster_org_id (or both)", [field])
            item = copy.deepcopy(rule)
            if not item.get("id") or item["id"] not in old_ids:
                item["id"] = item.get("id") or _new_id()
            rules.append(item)
        out = {"id": ruleset_id, "name": body["name"], "type": kind, "include_by_default": bool(body["include_by_default"]),
               "region": body["region"], "rules": rules}
        if body.get("description") is not None:
            out["description"] = body["description"]
        return out

    def list_rulesets(self, call):
        """GET /deployments/traffic-filter/rulesets."""
        region = call.param("region")
        items = [self.ruleset_view(rs, call.param("include_associations", False))
                 for rs in sorted(self.env.rulesets.values(), key=lambda r: r["name"]) if region is None or rs["region"] == region]
        return json_response({"rulesets": items})

    def create_ruleset(self, call):
        """POST /deployments/traffic-filter/rulesets (201 {id})."""
        ruleset = self._validated_ruleset(call.body, _new_id())
        ruleset["associations"] = set()
        self.env.rulesets[ruleset["id"]] = ruleset
        return json_response({"id": ruleset["id"]}, 201)

    def get_ruleset(self, call):
        """GET .../rulesets/{ruleset_id}."""
        ruleset = self.ruleset_or_fail(call.path["ruleset_id"])
        return json_response(self.ruleset_view(ruleset, call.param("include_associations", False)))

    def update_ruleset(self, call):
        """PUT .../rulesets/{ruleset_id}: replaces the ruleset (rules included), keeps its associations."""
        old = self.ruleset_or_fail(call.path["ruleset_id"])
        ruleset = self._validated_ruleset(call.body, old["id"], old.get("rules"))
        ruleset["associations"] = old.get("associations", set())
        self.env.rulesets[old["id"]] = ruleset
        if ruleset["associations"]:
            self.all_clusters_dirty()
        return json_response({"id": old["id"]})

    def delete_ruleset(self, call):
        """DELETE .../rulesets/{ruleset_id}."""
        ruleset = self.ruleset_or_fail(call.path["ruleset_id"])
        if ruleset.get("associations") and not call.param("ignore_associations", False):
            raise Fail(400, "traffic_filter.has_associations", "The ruleset [%s] is associated with %d deployment(s); remove the "
                       "associations first or set ignore_associations=true" % (ruleset["id"], len(ruleset["associations"])))
        del self.env.rulesets[ruleset["id"]]
        if ruleset.get("associations"):
            self.all_clusters_dirty()
        return json_response({})

    def get_ruleset_associations(self, call):
        """GET .../rulesets/{ruleset_id}/associations."""
        ruleset = self.ruleset_or_fail(call.path["ruleset_id"])
        view = self.ruleset_view(ruleset, True)
        return json_response({"associations": view["associations"], "total_associations": view["total_associations"]})

    def create_association(self, call):
        """POST .../rulesets/{ruleset_id}/associations: 201 created, 200 when it exists."""
        ruleset = self.ruleset_or_fail(call.path["ruleset_id"])
        entity_type = call.body["entity_type"]
        if entity_type not in ASSOCIATION_TYPES:
            raise Fail(400, "traffic_filter.invalid_association_type", "The association type [%s] is not one of %s"
                       % (entity_type, ", ".join(ASSOCIATION_TYPES)), ["entity_type"])
        dep = self.deployment_or_fail(call.body["id"])
        associations = ruleset.setdefault("associations", set())
        if dep.id in associations:
            return json_response({}, 200)
        associations.add(dep.id)
        self.all_clusters_dirty()
        return json_response({}, 201)

    def delete_association(self, call):
        """DELETE .../rulesets/{ruleset_id}/associations/{association_type}/{associated_entity_id}."""
        ruleset = self.ruleset_or_fail(call.path["ruleset_id"])
        entity_type = call.path["association_type"]
        entity_id = call.path["associated_entity_id"]
        associations = ruleset.setdefault("associations", set())
        if entity_type not in ASSOCIATION_TYPES or entity_id not in associations:
            raise Fail(404, "traffic_filter.association_not_found", "The ruleset [%s] has no association with %s [%s]"
                       % (ruleset["id"], entity_type, entity_id), ["associated_entity_id"])
        associations.discard(entity_id)
        self.all_clusters_dirty()
        return json_response({})

    def get_entity_rulesets(self, call):
        """GET /deployments/traffic-filter/associations/{association_type}/{associated_entity_id}/rulesets."""
        entity_type = call.path["association_type"]
        if entity_type not in ASSOCIATION_TYPES:
            raise Fail(400, "traffic_filter.invalid_association_type", "The association type [%s] is not one of %s"
                       % (entity_type, ", ".join(ASSOCIATION_TYPES)), ["association_type"])
        return json_response({"rulesets": sorted(rs["id"] for rs in self.env.rulesets_of(call.path["associated_entity_id"]))})

    # ------------------------------------------------------------------------------------------ ES pass-through
    def proxy(self, call):
        """GET|POST|PUT|DELETE /deployments/{id}/{resource_kind}/{ref_id}/proxy/{proxy_path}."""
        dep = self.deployment_or_fail(call.path["deployment_id"])
        kind = call.path["resource_kind"]
        res = dep.resource(call.path["ref_id"]) if kind == "elasticsearch" else None
        if res is None:
            raise Fail(404, "deployments.deployment_resource_not_found", "The %s resource [%s] of deployment [%s] cannot be found"
                       % (kind, call.path["ref_id"], dep.id), ["ref_id"])
        cluster = res.cluster
        api = (getattr(self.world, "es_apis", None) or {}).get(cluster.key)
        if api is None:
            raise Fail(404, "clusters.cluster_not_found", "The Elasticsearch cluster [%s] is not available" % cluster.cluster_id)
        request = call.request
        headers = dict((k, v) for k, v in request.headers.items() if k not in ("authorization", "x-management-request", "host"))
        es_request = Request(request.method, "/" + call.path["proxy_path"].lstrip("/"), dict(request.query), headers,
                             request.body, request.client_ip, "es:" + cluster.key, host=cluster.endpoint)
        es_response = api.handle(es_request, principal=dict(PROXY_PRINCIPAL))
        for key in ("read_only", "log_note"):   # the request log has one entry, the ECE API call's
            if es_request.context.get(key):
                request.context[key] = es_request.context[key]
        if self.switches.get("proxy_response_mode", "raw") != "wrapped":
            return es_response
        body = es_response.body
        if isinstance(body, bytes):
            text = body.decode("utf-8", "replace")
        elif isinstance(body, str):
            text = body
        else:
            text = json.dumps(body)
        return json_response({"value": text})

    # ------------------------------------------------------------------------------------------ eligible remotes
    def eligible(self, call, version, exclude=None):
        """Deployments of this environment that a cluster of ``version`` may search (not system-owned)."""
        candidates = [dep for dep in self.env.deployments.values()
                      if dep is not exclude and not dep.system_owned and dep.es and ccs_supported(version, dep.es[0].cluster.version)]
        deps, total = self.run_search(call.body, candidates)
        return json_response(self.search_response(None, deps, total))

    def eligible_for_resource(self, call):
        """POST .../elasticsearch/{ref_id}/eligible-remote-clusters."""
        dep, res = self.call_resource(call)
        return self.eligible(call, res.cluster.version, exclude=dep)

    def eligible_for_version(self, call):
        """POST /deployments/eligible-remote-clusters?version=."""
        version = call.param("version")
        if parse_version(version) is None:
            raise Fail(400, "stackpack.invalid_version", "The version [%s] is not a valid Elasticsearch version" % version, ["version"])
        return self.eligible(call, version)

    # ------------------------------------------------------------------------------------------ control API
    def control(self, request, subpath, body):
        """The lab control API of this environment (``/_lab/environments/<env>/<subpath>``)."""
        path = "/" + (subpath or "").strip("/")
        method = request.method if request is not None else "GET"
        body = body or {}
        if path == "/deployments" and method == "GET":
            deps = sorted(self.env.deployments.values(), key=lambda d: d.name)
            return {"environment": self.env.name, "deployments": [self._summary(dep) for dep in deps]}
        if path == "/plans/complete" and method == "POST":
            return {"completed": self.complete_all_plans()}
        if path == "/platform-trust" and method == "POST":
            if "trust_all" not in body:
                return {"error": "body needs trust_all"}
            self.env.platform_trust_all = bool(body["trust_all"])
            return {"platform_trust_all": self.env.platform_trust_all}
        return {"error": "unknown environment control call %s %s" % (method, path)}

    def _summary(self, dep):
        out = {"id": dep.id, "name": dep.name, "system_owned": dep.system_owned, "resource_version": dep.resource_version,
               "kibana": bool(dep.kibana_ref_id), "resources": []}
        for res in dep.es:
            current = res.current_attempt or {}
            out["resources"].append({
                "ref_id": res.ref_id, "cluster_id": res.cluster.cluster_id, "version": res.cluster.version,
                "ccr_enabled": res.ccr_enabled, "plan": "pending" if res.pending else ("failed" if current.get("error") else "done"),
                "pending_error": res.pending.error if res.pending else None, "keystore": sorted(res.keystore),
                "keystore_loaded": sorted(res.cluster.keystore_loaded), "remote_clusters": [r["alias"] for r in res.remote_resources],
                "restarts": res.cluster.restarts,
            })
        return out


# -- module helpers --------------------------------------------------------------------------------------------
def _merge_patch(target, patch):
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def _same_term(value, wanted):
    if isinstance(value, bool):
        return str(wanted).lower() == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return str(wanted) == str(value)
    return value == wanted


def _tokens(text):
    return re.findall(r"[a-z0-9]+", str(text).lower())


def _match_text(value, query, operator, minimum):
    if isinstance(value, bool):
        return _same_term(value, query)
    have = set(_tokens(value))
    wanted = _tokens(query)
    if not wanted:
        return False
    hits = sum(1 for token in wanted if token in have)
    if operator == "and":
        return hits == len(wanted)
    return hits >= (int(minimum) if minimum else 1)


def _direct_key(entry):
    item = dict((k, v) for k, v in entry.items() if k not in ("uid", "certificates"))
    item["certificates"] = ["".join(c["pem"].split()) for c in entry.get("certificates") or []]
    return _canonical(item)


def _trust_key(trust):
    """A comparable form of a trust object (uids and certificate whitespace ignored)."""
    return _canonical({"accounts": trust.get("accounts") or [], "external": trust.get("external") or [],
                       "direct": sorted(_direct_key(d) for d in trust.get("direct") or [])})
