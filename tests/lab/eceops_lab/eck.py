# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECK in the lab: strict ``Elasticsearch`` manifest validation, the operator in miniature, and a ``kubectl`` stand-in.

Validation (:func:`validate_elasticsearch`, :func:`check_elasticsearch`)
    The ``v1`` schema of ECK's installed CRD (``specs/eck/``, ECK 3.5.0), made strict as ``shared/specs/eck/NOTES.md``
    says: every object schema with ``properties`` and without ``x-kubernetes-preserve-unknown-fields`` gets
    ``additionalProperties: false`` (``nodeSets[].config`` and ``nodeSets[].podTemplate`` stay open). Issues come in
    the API server's order, each with its stage: ``decode`` (unknown fields: the API server's strict field
    validation), ``schema`` (the CRD's OpenAPI schema: HTTP 422 Invalid) and ``webhook`` (ECK's validating webhook
    ``elastic-es-validation-v1.k8s.elastic.co``: name length <= 36, nodeSet names, version, at least one master node,
    ``remoteClusterServer``/``remoteClusters[].apiKey`` need 8.10.0 or later).

The operator (:func:`apply_objects`, :func:`control`)
    Server side of the lab's ``kubectl``: Secrets and ConfigMaps are stored in ``Cluster.secrets`` /
    ``Cluster.configmaps`` (key -> text), user Services in ``Cluster.services``. An applied ``Elasticsearch`` replaces
    ``Cluster.manifest``; a change of the version (refused by the lab), a nodeSet's ``config`` or ``podTemplate``,
    ``remoteClusterServer``, ``transport`` or ``remoteClusters[].apiKey`` (through the merged configuration) is a
    rolling restart: ``Cluster.yml_loaded`` becomes ECK's own settings merged with ``nodeSets[0].config`` (lists
    appended, as ECK's ucfg merge does; ``${POD_NAME}`` and friends resolved), the secure settings are loaded,
    ``restarts`` grows, listeners are refreshed and remotes marked dirty. Secure settings (every Secret of
    ``spec.secureSettings``, filtered by ``entries``) reach ``Cluster.keystore_loaded`` ``keystore_reload_delay``
    seconds after the manifest or a referenced Secret changes (ECK reloads them itself). ECK keeps
    ``<es>-es-transport-certs-public`` (its transport CA, then the ``transport.tls.certificateAuthorities``
    ConfigMap's ``ca.crt``) up to date, and ``<es>-es-remote-ca`` (its own transport CA: the lab links no remotes
    through ``elasticsearchRef``). The files a pod sees (:func:`pod_files`: certificates and mounted
    ConfigMaps/Secrets) are read live by ``trust.read_config_file``; a changed mounted ConfigMap/Secret reaches the
    pods without a restart (kubelet sync plus Elasticsearch's reload of TLS files) and marks the remotes dirty.
    Problems ECK or the kubelet would report (missing ConfigMap, ``ca.crt`` missing, unmountable volume, missing
    secure-settings Secret) become ``Cluster.events`` (``kubectl get events``). ECK's own Secrets and Services are
    read-only.

``kubectl`` (:func:`kubectl`)
    ``apply|create -f FILE|DIR|-``, ``get``, ``delete``, ``create secret generic|configmap``, ``expose service``,
    talking to the running lab through ``POST /_lab/clusters/<eck cluster key>/_eck_apply|_eck_get|_eck_delete``.
"""

import base64
import calendar
import collections
import copy
import functools
import json
import os
import re
import sys
import time

import yaml

API_GROUP = "elasticsearch.k8s.elastic.co"
ES_API_VERSION = API_GROUP + "/v1"
ES_RESOURCE = "elasticsearch." + API_GROUP
ES_PLURAL = "elasticsearches." + API_GROUP
WEBHOOK_NAME = "elastic-es-validation-v1.k8s.elastic.co"
CRD_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "specs", "eck",
                        "elasticsearches.elasticsearch.k8s.elastic.co.crd.yaml")

CONFIG_DIR = "/usr/share/elasticsearch/config"
TRANSPORT_CERTS_DIR = CONFIG_DIR + "/transport-certs"
REMOTE_CERTS_DIR = CONFIG_DIR + "/transport-remote-certs"
HTTP_CERTS_DIR = CONFIG_DIR + "/http-certs"
DATA_DIR = "/usr/share/elasticsearch/data"
LOGS_DIR = "/usr/share/elasticsearch/logs"
K8S_NODE_NAME = "lab-k8s-node-1"

MAX_NAME_LENGTH = 36                 # common_name.MaxResourceNameLength
LABEL_VALUE_MAX_LENGTH = 63
CONTROLLER_REVISION_HASH_LEN = 10
REMOTE_CLUSTER_MIN_VERSION = "8.10.0-1"   # version.MinFor(8, 10, 0)

DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
                         "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")
CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                  "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?\Z")

OBJECT_META_FIELDS = frozenset(("name", "namespace", "labels", "annotations", "generateName", "uid", "resourceVersion",
                                "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                                "ownerReferences", "finalizers", "managedFields", "selfLink"))
TOP_FIELDS = {
    "Secret": frozenset(("apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable")),
    "ConfigMap": frozenset(("apiVersion", "kind", "metadata", "data", "binaryData", "immutable")),
    "Service": frozenset(("apiVersion", "kind", "metadata", "spec", "status")),
}
#: kind -> (apiVersion, resource as kubectl prints it, plural resource name)
KINDS = {
    "Secret": ("v1", "secret", "secrets"),
    "ConfigMap": ("v1", "configmap", "configmaps"),
    "Service": ("v1", "service", "services"),
    "Elasticsearch": (ES_API_VERSION, ES_RESOURCE, ES_PLURAL),
}
RESOURCE_ALIASES = {
    "secret": "Secret", "secrets": "Secret",
    "configmap": "ConfigMap", "configmaps": "ConfigMap", "cm": "ConfigMap",
    "service": "Service", "services": "Service", "svc": "Service",
    "elasticsearch": "Elasticsearch", "elasticsearches": "Elasticsearch", "es": "Elasticsearch",
    ES_RESOURCE: "Elasticsearch", ES_PLURAL: "Elasticsearch",
    "event": "Event", "events": "Event", "ev": "Event",
}
ECK_SECRET_SUFFIXES = ("transport-certs-public", "http-certs-public", "http-certs-internal", "http-ca-internal",
                       "transport-ca-internal", "elastic-user", "internal-users", "xpack-file-realm", "secure-settings",
                       "remote-ca", "remote-api-keys", "file-settings", "transport-certs")
ECK_SERVICE_SUFFIXES = ("http", "internal-http", "transport", "remote-cluster")

#: ``esv1.UnsupportedSettings`` (ECK ``pkg/apis/elasticsearch/v1/fields.go``): set in a nodeSet's config, only a warning
UNSUPPORTED_SETTINGS = ("cluster.name", "discovery.seed_hosts", "discovery.seed_providers", "cluster.initial_master_nodes",
                        "network.host", "network.publish_host", "node.name", "path.data", "path.logs",
                        "xpack.security.authc.reserved_realm.enabled", "xpack.security.enabled",
                        "xpack.security.http.ssl.certificate", "xpack.security.http.ssl.enabled", "xpack.security.http.ssl.key",
                        "xpack.security.transport.ssl.enabled", "xpack.security.transport.ssl.verification_mode")

Issue = collections.namedtuple("Issue", "stage path message")


class KubectlError(Exception):
    """A kubectl failure: the message as kubectl prints it (to stderr, exit code 1)."""


# -- strict CRD validation --------------------------------------------------------------------------------------
def _strict(node):
    """A copy of a schema node with ``additionalProperties: false`` where NOTES.md asks for it."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = dict((name, _strict(sub)) for name, sub in value.items())
        elif key in ("items", "additionalProperties", "not", "anyOf", "allOf", "oneOf"):
            out[key] = _strict(value)
        else:
            out[key] = value
    if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


@functools.lru_cache(maxsize=1)
def strict_schema():
    """The strict ``openAPIV3Schema`` of the CRD's ``v1`` version (loaded once)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(CRD_FILE) as handle:
        crd = yaml.load(handle, Loader=loader)  # nosec: safe loader
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return _strict(version["schema"]["openAPIV3Schema"])


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema  # pylint: disable=import-outside-toplevel
    return jsonschema.Draft4Validator(strict_schema())


def _path(parts):
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text


def _go_value(value):
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _type_name(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def _schema_issue(error):
    """One jsonschema error as the API server words it (``issues`` list; unknown fields -> decode stage)."""
    parts = list(error.absolute_path)
    path = _path(parts)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [Issue("decode", _path(parts + [key]), 'unknown field "%s"' % _path(parts + [key]))
                for key in value if key not in known]
    if kind == "required":
        return [Issue("schema", _path(parts + [name]), "Required value") for name in error.validator_value
                if isinstance(value, dict) and name not in value]
    if kind == "type":
        return [Issue("schema", path, 'Invalid value: "%s": %s in body must be of type %s: "%s"'
                      % (_type_name(value), path, error.validator_value, _type_name(value)))]
    if kind == "enum":
        return [Issue("schema", path, "Unsupported value: %s: supported values: %s"
                      % (_go_value(value), ", ".join(_go_value(v) for v in error.validator_value)))]
    if kind == "maxLength":
        return [Issue("schema", path, "Too long: may not be more than %d bytes" % error.validator_value)]
    if kind == "minLength":
        return [Issue("schema", path, "Invalid value: %s: %s in body should be at least %d chars long"
                      % (_go_value(value), path, error.validator_value))]
    if kind == "minItems":
        return [Issue("schema", path, "Invalid value: %d: %s in body should have at least %d items"
                      % (len(value), path, error.validator_value))]
    if kind == "maxItems":
        return [Issue("schema", path, "Too many: %d: must have at most %d items" % (len(value), error.validator_value))]
    if kind == "pattern":
        return [Issue("schema", path, "Invalid value: %s: %s in body should match '%s'"
                      % (_go_value(value), path, error.validator_value))]
    if kind == "minimum":
        return [Issue("schema", path, "Invalid value: %s: %s in body should be greater than or equal to %s"
                      % (_go_value(value), path, error.validator_value))]
    if kind == "maximum":
        return [Issue("schema", path, "Invalid value: %s: %s in body should be less than or equal to %s"
                      % (_go_value(value), path, error.validator_value))]
    return [Issue("schema", path, "Invalid value: %s: %s" % (_go_value(value), error.message))]


def parse_version(text):
    """``(major, minor, patch, prerelease or None)`` or None when ECK could not parse it."""
    match = VERSION_RE.match(str(text or ""))
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4)


def _version_key(parsed):
    major, minor, patch, pre = parsed
    if pre is None:
        return (major, minor, patch, 1, ())
    idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (major, minor, patch, 0, idents)


def flatten(config, prefix=""):
    """Nested or dotted YAML settings as flat ``a.b.c`` keys (lists and scalars kept as they are)."""
    out = {}
    for key, value in (config or {}).items():
        full = prefix + str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


def _is_master(nodeset):
    config = nodeset.get("config") if isinstance(nodeset.get("config"), dict) else {}
    flat = flatten(config)
    roles = flat.get("node.roles")
    if roles is not None:
        roles = roles if isinstance(roles, list) else [roles]
        return "master" in roles and "voting_only" not in roles
    return str(flat.get("node.master", "true")).lower() != "false"


def _webhook_issues(manifest):
    """The rules of ECK's validating webhook the lab checks (ECK 3.5 ``validations.go``, ``name.go``)."""
    issues = []
    meta = manifest.get("metadata") or {}
    spec = manifest.get("spec") or {}
    name = str(meta.get("name") or "")
    nodesets = [ns for ns in spec.get("nodeSets") or [] if isinstance(ns, dict)]
    problem = None
    if len(name) > MAX_NAME_LENGTH:
        problem = "name exceeds maximum allowed length of %d" % MAX_NAME_LENGTH
    else:
        seen = set()
        for nodeset in nodesets:
            ns_name = str(nodeset.get("name", ""))
            if ns_name in seen:
                problem = "duplicated nodeSet name: '%s'" % ns_name
                break
            seen.add(ns_name)
            if not DNS1123_SUBDOMAIN.match(ns_name) or len(ns_name) > 253:
                problem = "invalid nodeSet name '%s': [%s]" % (ns_name, DNS1123_SUBDOMAIN_MSG)
                break
            sset = "%s-es-%s" % (name, ns_name)
            ordinal = len(str(int(nodeset.get("count") or 0))) + 1
            if LABEL_VALUE_MAX_LENGTH - len(sset) < ordinal + CONTROLLER_REVISION_HASH_LEN:
                problem = "generated StatefulSet name '%s' exceeds allowed length of %d" % (
                    sset, LABEL_VALUE_MAX_LENGTH - ordinal - CONTROLLER_REVISION_HASH_LEN)
                break
    if problem:
        message = 'Invalid value: "%s": Elasticsearch configuration would generate resources with invalid names: %s' % (name, problem)
        issues.append(Issue("webhook", "metadata.name", message))
    version = str(spec.get("version", ""))
    parsed = parse_version(version)
    if parsed is None:
        issues.append(Issue("webhook", "spec.version", 'Invalid value: "%s": Cannot parse Elasticsearch version. String format '
                                                       'must be {major}.{minor}.{patch}[-{label}]' % version))
        return issues
    if _version_key(parsed) < _version_key((7, 17, 0, None)):
        issues.append(Issue("webhook", "spec.version", 'Invalid value: "%s": Unsupported version' % version))
    if not any(_is_master(ns) and int(ns.get("count") or 0) > 0 for ns in nodesets):
        issues.append(Issue("webhook", "spec.nodeSets", "Required value: Elasticsearch needs to have at least one master node"))
    too_old = _version_key(parsed) <= _version_key(parse_version(REMOTE_CLUSTER_MIN_VERSION))
    if too_old and (spec.get("remoteClusterServer") or {}).get("enabled"):
        issues.append(Issue("webhook", "spec.remoteClusterServer",
                            'Invalid value: "%s": minimum required version for remote cluster server is %s but desired version '
                            'is %s' % (version, REMOTE_CLUSTER_MIN_VERSION, version)))
    if too_old and any(isinstance(rc, dict) and rc.get("apiKey") is not None for rc in spec.get("remoteClusters") or []):
        issues.append(Issue("webhook", "spec.remoteClusters[*].apiKey",
                            'Invalid value: "%s": minimum required version for remote cluster using API keys is %s but desired '
                            'version is %s' % (version, REMOTE_CLUSTER_MIN_VERSION, version)))
    return issues


def webhook_warnings(manifest):
    """The admission warnings of ECK's webhook (``validation/warnings.go``): reserved settings in a nodeSet's config and
    mandatory HTTP client authentication. kubectl prints each as ``Warning: <text>``; the resource is still accepted."""
    out = []
    for index, nodeset in enumerate(((manifest or {}).get("spec") or {}).get("nodeSets") or []):
        config = nodeset.get("config") if isinstance(nodeset, dict) and isinstance(nodeset.get("config"), dict) else {}
        flat = flatten(config)
        for key in UNSUPPORTED_SETTINGS:
            if key in flat:
                out.append("spec.nodeSets[%d].config.%s: Configuration setting is reserved for internal use. User-configured use "
                           "is unsupported" % (index, key))
        if str(flat.get("xpack.security.http.ssl.client_authentication", "")) == "required":
            out.append("spec.nodeSets[%d].config.xpack.security.http.ssl.client_authentication: Mandatory client authentication is "
                       "not supported" % index)
    return out


def check_elasticsearch(manifest):
    """Every issue of an ``Elasticsearch`` manifest, as :class:`Issue` (stage ``decode``, ``schema`` or ``webhook``).

    A real API server stops at the first stage that fails; callers that mimic it use only the first stage present.
    """
    if not isinstance(manifest, dict):
        return [Issue("decode", "", "the object is not a mapping")]
    issues = []
    meta = manifest.get("metadata")
    if isinstance(meta, dict):
        issues.extend(Issue("decode", "metadata." + key, 'unknown field "metadata.%s"' % key)
                      for key in meta if key not in OBJECT_META_FIELDS)
        name = meta.get("name")
        if not name:
            issues.append(Issue("schema", "metadata.name", "Required value: name or generateName is required"))
        elif not DNS1123_SUBDOMAIN.match(str(name)):
            issues.append(Issue("schema", "metadata.name", 'Invalid value: "%s": %s' % (name, DNS1123_SUBDOMAIN_MSG)))
    for error in sorted(_validator().iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path]):
        issues.extend(_schema_issue(error))
    if not isinstance(manifest.get("spec"), dict):
        return issues
    if not any(issue.stage == "schema" for issue in issues):
        issues.extend(_webhook_issues(manifest))
    return issues


def validate_elasticsearch(manifest):
    """Errors of an ``Elasticsearch`` manifest (empty when valid), each naming its JSON path: ``"<path>: <message>"``."""
    return ["%s: %s" % (issue.path, "unknown field" if issue.stage == "decode" else issue.message)
            for issue in check_elasticsearch(manifest)]


def prune_unknown(obj, schema=None):
    """A copy of a manifest without the fields the strict schema does not know (what the API server's Ignore mode keeps)."""
    schema = strict_schema() if schema is None else schema
    if isinstance(obj, dict) and isinstance(schema, dict):
        props = schema.get("properties")
        if props is None or schema.get("x-kubernetes-preserve-unknown-fields"):
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return dict((k, prune_unknown(v, extra)) for k, v in obj.items())
            return copy.deepcopy(obj)
        out = {}
        for key, value in obj.items():
            if key in props:
                out[key] = prune_unknown(value, props[key])
            elif isinstance(schema.get("additionalProperties"), dict):
                out[key] = prune_unknown(value, schema["additionalProperties"])
        return out
    if isinstance(obj, list) and isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        return [prune_unknown(item, schema["items"]) for item in obj]
    return copy.deepcopy(obj)


# -- what ECK derives from the manifest ----------------------------------------------------------------------------
def _pod_name(cluster):
    return cluster.node_name or "%s-es-default-0" % cluster.name


def _env(cluster, manifest):
    nodeset = ((manifest.get("spec") or {}).get("nodeSets") or [{}])[0]
    return {
        "POD_NAME": _pod_name(cluster), "POD_IP": cluster.ip, "NAMESPACE": cluster.namespace, "NODE_NAME": K8S_NODE_NAME,
        "HEADLESS_SERVICE_NAME": "%s-es-%s" % (cluster.name, nodeset.get("name", "default")),
    }


def _substitute(value, env):
    if isinstance(value, str):
        return re.sub(r"\$\{([A-Z_]+)\}", lambda m: str(env.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [_substitute(item, env) for item in value]
    return value


def eck_settings(cluster, manifest):
    """The settings ECK writes itself (``settings/merged_config.go`` of ECK 3.5), flat, before the user's config."""
    spec = manifest.get("spec") or {}
    parsed = parse_version(spec.get("version")) or (0, 0, 0, None)
    rcs = bool((spec.get("remoteClusterServer") or {}).get("enabled"))
    rcc = any(isinstance(rc, dict) and rc.get("apiKey") is not None for rc in spec.get("remoteClusters") or [])
    http_tls = not (((spec.get("http") or {}).get("tls") or {}).get("selfSignedCertificate") or {}).get("disabled", False)
    publish = "${POD_NAME}.${HEADLESS_SERVICE_NAME}.${NAMESPACE}.svc"
    cas = [TRANSPORT_CERTS_DIR + "/ca.crt", REMOTE_CERTS_DIR + "/ca.crt"]
    cfg = {
        "node.name": "${POD_NAME}",
        "cluster.name": (manifest.get("metadata") or {}).get("name", cluster.name),
        "network.publish_host": "${POD_IP}",
        "http.publish_host": publish,
        "network.host": "0",
        "cluster.routing.allocation.awareness.attributes": "k8s_node_name",
        "node.attr.k8s_node_name": "${NODE_NAME}",
        "path.data": DATA_DIR,
        "path.logs": LOGS_DIR,
        "discovery.seed_providers": "file",
        "discovery.seed_hosts": [],
    }
    if rcs:
        cfg.update({"remote_cluster_server.enabled": "true", "remote_cluster.publish_host": publish, "remote_cluster.host": "0"})
    if _version_key(parsed) >= _version_key((8, 2, 0, None)):
        cfg["readiness.port"] = "8080"
    cfg.update({
        "xpack.security.enabled": "true",
        "xpack.security.authc.reserved_realm.enabled": "false",
        "xpack.security.transport.ssl.verification_mode": "certificate",
        "xpack.security.http.ssl.enabled": http_tls,
        "xpack.security.http.ssl.key": HTTP_CERTS_DIR + "/tls.key",
        "xpack.security.http.ssl.certificate": HTTP_CERTS_DIR + "/tls.crt",
        "xpack.security.transport.ssl.enabled": "true",
        "xpack.security.transport.ssl.key": TRANSPORT_CERTS_DIR + "/${POD_NAME}.tls.key",
        "xpack.security.transport.ssl.certificate": TRANSPORT_CERTS_DIR + "/${POD_NAME}.tls.crt",
        "xpack.security.transport.ssl.certificate_authorities": list(cas),
        "xpack.security.http.ssl.certificate_authorities": HTTP_CERTS_DIR + "/ca.crt",
    })
    if rcs:
        cfg.update({"xpack.security.remote_cluster_server.ssl.key": TRANSPORT_CERTS_DIR + "/${POD_NAME}.tls.key",
                    "xpack.security.remote_cluster_server.ssl.certificate": TRANSPORT_CERTS_DIR + "/${POD_NAME}.tls.crt",
                    "xpack.security.remote_cluster_server.ssl.certificate_authorities": list(cas)})
    if rcc:
        cfg.update({"xpack.security.remote_cluster_client.ssl.enabled": True,
                    "xpack.security.remote_cluster_client.ssl.certificate_authorities": list(cas)})
    cfg["xpack.security.authc.realms.file.file1.order"] = -100
    cfg["xpack.security.authc.realms.native.native1.order"] = -99
    cfg["xpack.license.upload.types"] = ["trial", "enterprise"]
    return cfg


def merged_config(cluster, manifest):
    """What the first nodeSet's pods run with: ECK's settings, then the user's ``config`` (lists appended), resolved."""
    nodesets = (manifest.get("spec") or {}).get("nodeSets") or [{}]
    user = flatten(nodesets[0].get("config") if isinstance(nodesets[0].get("config"), dict) else {})
    merged = eck_settings(cluster, manifest)
    for key, value in user.items():
        if isinstance(merged.get(key), list) and isinstance(value, list):
            merged[key] = merged[key] + list(value)
        else:
            merged[key] = value
    env = _env(cluster, manifest)
    return dict((key, _substitute(value, env)) for key, value in merged.items())


def _event(world, cluster, reason, message, kind="Warning"):
    cluster.events.append({"type": kind, "reason": reason, "message": message, "time": world.clock.now() if world else time.time(),
                           "object": "elasticsearch/%s" % cluster.name})
    del cluster.events[:-100]


def transport_ca_bundle(cluster, manifest=None):
    """ECK's ``<es>-es-transport-certs-public`` ``ca.crt``: its transport CA, then the extra CAs' ConfigMap ``ca.crt``.

    Returns ``(pem, error)``; on an error (ConfigMap missing or without ``ca.crt``) ECK keeps the previous bundle.
    """
    manifest = manifest or cluster.manifest or {}
    base = cluster.transport_ca.cert_pem
    cm_name = ((((manifest.get("spec") or {}).get("transport") or {}).get("tls") or {}).get("certificateAuthorities") or {}).get(
        "configMapName")
    if not cm_name:
        return base, None
    nsn = "%s/%s" % (cluster.namespace, cm_name)
    if cm_name not in cluster.configmaps:
        return None, ('could not retrieve config map %s specified in spec.transport.tls.certificateAuthorities: configmaps "%s" '
                      'not found' % (nsn, cm_name))
    extra = cluster.configmaps[cm_name].get("ca.crt")
    if extra is None:
        return None, "config map %s specified in spec.transport.tls.certificateAuthorities must contain ca.crt file" % nsn
    return base + ("" if base.endswith("\n") else "\n") + extra, None


def _volume_files(world, cluster, manifest, report=True):
    """Files of the ConfigMap/Secret volumes that the first nodeSet mounts into the ``elasticsearch`` container."""
    nodesets = (manifest.get("spec") or {}).get("nodeSets") or [{}]
    template = nodesets[0].get("podTemplate") if isinstance(nodesets[0].get("podTemplate"), dict) else {}
    spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    volumes = dict((v.get("name"), v) for v in spec.get("volumes") or [] if isinstance(v, dict))
    files = {}
    for container in spec.get("containers") or []:
        if not isinstance(container, dict) or container.get("name") != "elasticsearch":
            continue
        for mount in container.get("volumeMounts") or []:
            if not isinstance(mount, dict):
                continue
            volume = volumes.get(mount.get("name"))
            if volume is None:
                if report:
                    _event(world, cluster, "ReconciliationError", 'volumeMounts[].name: Not found: "%s"' % mount.get("name"))
                continue
            if isinstance(volume.get("configMap"), dict):
                source_name, items, optional = volume["configMap"].get("name"), volume["configMap"].get("items"), \
                    volume["configMap"].get("optional")
                data, what = cluster.configmaps.get(source_name), "configmap"
            elif isinstance(volume.get("secret"), dict):
                source_name, items, optional = volume["secret"].get("secretName"), volume["secret"].get("items"), \
                    volume["secret"].get("optional")
                data, what = cluster.secrets.get(source_name), "secret"
            else:
                continue          # emptyDir and other sources: no files the lab knows
            if data is None:
                if report and not optional:
                    _event(world, cluster, "FailedMount", 'MountVolume.SetUp failed for volume "%s" : %s "%s" not found'
                           % (volume.get("name"), what, source_name))
                continue
            if items:
                keyed = [(item.get("key"), item.get("path") or item.get("key")) for item in items if isinstance(item, dict)]
            else:
                keyed = [(key, key) for key in data]
            base = str(mount.get("mountPath") or "").rstrip("/")
            if mount.get("subPath"):
                for key, rel in keyed:
                    if rel == mount["subPath"] and key in data:
                        files[base] = data[key]
                continue
            for key, rel in keyed:
                if key in data:
                    files["%s/%s" % (base, rel)] = data[key]
    return files


def pod_files(world, cluster, manifest, report=True):
    """Every file the lab knows in the pod: ECK's certificates and the mounted volumes (absolute path -> text)."""
    pod = _pod_name(cluster)
    bundle = cluster.secrets.get("%s-es-transport-certs-public" % cluster.name, {}).get("ca.crt", cluster.transport_ca.cert_pem)
    files = {
        TRANSPORT_CERTS_DIR + "/ca.crt": bundle,
        TRANSPORT_CERTS_DIR + "/%s.tls.crt" % pod: cluster.node_cert.cert_pem,
        TRANSPORT_CERTS_DIR + "/%s.tls.key" % pod: cluster.node_cert.key_pem,
        REMOTE_CERTS_DIR + "/ca.crt": cluster.secrets.get("%s-es-remote-ca" % cluster.name, {}).get("ca.crt", ""),
        HTTP_CERTS_DIR + "/ca.crt": cluster.http_ca.cert_pem,
        HTTP_CERTS_DIR + "/tls.crt": cluster.http_cert.cert_pem,
        HTTP_CERTS_DIR + "/tls.key": cluster.http_cert.key_pem,
    }
    files.update(_volume_files(world, cluster, manifest, report=report))
    return files


def secure_settings(cluster, manifest=None, world=None):
    """The keystore ECK builds: every ``spec.secureSettings`` Secret (``entries`` select keys and rename to ``path``)."""
    manifest = manifest or cluster.manifest or {}
    out = {}
    for ref in (manifest.get("spec") or {}).get("secureSettings") or []:
        if not isinstance(ref, dict):
            continue
        secret = cluster.secrets.get(ref.get("secretName"))
        if secret is None:
            if world is not None:
                _event(world, cluster, "Unexpected", 'Secret "%s" not found: secure settings of %s/%s are incomplete'
                       % (ref.get("secretName"), cluster.namespace, cluster.name))
            continue
        entries = ref.get("entries")
        if entries:
            for entry in entries:
                if isinstance(entry, dict) and entry.get("key") in secret:
                    out[entry.get("path") or entry["key"]] = secret[entry["key"]]
        else:
            out.update(secret)
    return out


def _refresh_transport_secret(world, cluster, manifest):
    pem, error = transport_ca_bundle(cluster, manifest)
    if error:
        _event(world, cluster, "ReconciliationError", error)
        return False
    name = "%s-es-transport-certs-public" % cluster.name
    changed = cluster.secrets.get(name, {}).get("ca.crt") != pem
    cluster.secrets[name] = {"ca.crt": pem}
    return changed


def init_cluster(cluster, world=None, load_keystore=True):
    """Load an ECK cluster's running state from its manifest: ``yml``, ``yml_loaded`` (ECK's merged configuration) and,
    unless ``load_keystore`` is false, ``keystore_loaded``; refreshes ``<es>-es-transport-certs-public``. No restart
    is counted (build calls this; a restart is :func:`rolling_restart`)."""
    manifest = cluster.manifest or {}
    _refresh_transport_secret(world, cluster, manifest)
    # <es>-es-remote-ca: the CAs of remotes linked through elasticsearchRef, or ECK's own transport CA when there are none
    # ("so that we don't end up having an empty cert file mounted", ECK remoteca reconciler); the lab links none
    cluster.secrets["%s-es-remote-ca" % cluster.name] = {"ca.crt": cluster.transport_ca.cert_pem}
    nodesets = (manifest.get("spec") or {}).get("nodeSets") or [{}]
    cluster.yml = flatten(nodesets[0].get("config") if isinstance(nodesets[0].get("config"), dict) else {})
    cluster.yml_loaded = merged_config(cluster, manifest)
    if world is not None:
        pod_files(world, cluster, manifest)          # reports volumes that cannot be mounted (events)
    if load_keystore:
        cluster.keystore_loaded = secure_settings(cluster, manifest)


def rolling_restart(world, cluster):
    """What a changed specification does: the pods restart with ECK's merged configuration and the secure settings;
    ``restarts`` grows, the connector refreshes the listeners (9443 follows ``remoteClusterServer``), remotes reconnect."""
    init_cluster(cluster, world)
    cluster.restarts += 1
    if world.connector is not None:
        world.connector.refresh_listeners(cluster)
    cluster.mark_remotes_dirty(world.clock.now())
    _event(world, cluster, "RollingRestart", "pods of %s/%s restarted with the new specification" % (cluster.namespace, cluster.name),
           kind="Normal")


def reload_secure_settings(world, cluster):
    """What ECK's secure settings reload does: load the current union; mark remotes whose credentials changed."""
    new = secure_settings(cluster, world=world)
    old = cluster.keystore_loaded or {}
    if new == old:
        return False
    aliases = set()
    for key in set(new) | set(old):
        match = re.match(r"cluster\.remote\.(.+)\.credentials\Z", key)
        if match and new.get(key) != old.get(key):
            aliases.add(match.group(1))
    cluster.keystore_loaded = new
    cluster.secrets["%s-es-secure-settings" % cluster.name] = dict(new)
    dirty = [alias for alias in aliases if alias in cluster.remotes]
    if dirty:
        cluster.mark_remotes_dirty(world.clock.now(), aliases=dirty)
    return True


def _schedule_reload(world, cluster):
    delay = float(world.switches.get("keystore_reload_delay", 1.0))
    world.schedule(delay, lambda: reload_secure_settings(world, cluster))


def _restart_signature(cluster, manifest):
    spec = manifest.get("spec") or {}
    templates = [ns.get("podTemplate") for ns in spec.get("nodeSets") or [] if isinstance(ns, dict)]
    configs = [ns.get("config") for ns in spec.get("nodeSets") or [] if isinstance(ns, dict)]
    return json.dumps([spec.get("version"), configs, templates, spec.get("remoteClusterServer"), spec.get("transport"),
                       merged_config(cluster, manifest)], sort_keys=True, default=str)


def _secret_refs(manifest):
    spec = (manifest or {}).get("spec") or {}
    return set(ref.get("secretName") for ref in spec.get("secureSettings") or [] if isinstance(ref, dict))


def _mount_refs(manifest):
    """Names of ConfigMaps and Secrets mounted into the first nodeSet's pods: ``{("ConfigMap"|"Secret", name)}``."""
    nodesets = ((manifest or {}).get("spec") or {}).get("nodeSets") or [{}]
    template = nodesets[0].get("podTemplate") if isinstance(nodesets[0].get("podTemplate"), dict) else {}
    spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    out = set()
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and isinstance(volume.get("configMap"), dict):
            out.add(("ConfigMap", volume["configMap"].get("name")))
        if isinstance(volume, dict) and isinstance(volume.get("secret"), dict):
            out.add(("Secret", volume["secret"].get("secretName")))
    return out


# -- applying objects (server side of kubectl) ----------------------------------------------------------------------
class _Failure(Exception):
    """An object could not be applied; the message is the kubectl line."""


def _now_iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _meta(world, cluster, kind, name, extra=None):
    key = "%s/%s" % (kind, name)
    meta = cluster.k8s_meta.get(key)
    if meta is None:
        now = world.clock.now() if world else time.time()
        meta = {"creationTimestamp": _now_iso(now), "uid": _uid(cluster, kind, name, now), "resourceVersion": "1"}
        cluster.k8s_meta[key] = meta
    if extra:
        meta.update(extra)
    return meta


def _uid(cluster, kind, name, now):
    import hashlib  # pylint: disable=import-outside-toplevel
    digest = hashlib.sha256(("%s/%s/%s/%s" % (cluster.key, kind, name, now)).encode()).hexdigest()
    return "%s-%s-%s-%s-%s" % (digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32])


def _bump(world, cluster, kind, name):
    meta = _meta(world, cluster, kind, name)
    meta["resourceVersion"] = str(int(meta.get("resourceVersion", "1")) + 1)


def _eck_owned_secret(cluster, name):
    return any(name == "%s-es-%s" % (cluster.name, suffix) for suffix in ECK_SECRET_SUFFIXES)


def _eck_owned_service(cluster, name):
    return any(name == "%s-es-%s" % (cluster.name, suffix) for suffix in ECK_SERVICE_SUFFIXES)


def _where(mode, source):
    return "error when creating \"%s\"" % source if mode != "apply" else "error when applying patch to \"%s\"" % source


def _decode_fields(obj, kind, field_validation, warnings):
    """Strict decoding of a core object's top level (unknown fields): error, warning or silently pruned."""
    unknown = [key for key in obj if key not in TOP_FIELDS[kind]]
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    unknown_meta = ["metadata." + key for key in meta if key not in OBJECT_META_FIELDS]
    found = unknown + unknown_meta
    if not found:
        return obj
    if field_validation == "Strict":
        raise _Failure("%s in version \"v1\" cannot be handled as a %s: strict decoding error: %s"
                       % (kind, kind, ", ".join('unknown field "%s"' % f for f in found)))
    if field_validation == "Warn":
        warnings.extend('Warning: unknown field "%s"' % f for f in found)
    obj = dict((k, v) for k, v in obj.items() if k not in unknown)
    if unknown_meta:
        obj["metadata"] = dict((k, v) for k, v in meta.items() if k in OBJECT_META_FIELDS)
    return obj


def _b64decode(kind, value):
    text = str(value)
    for index, char in enumerate(text):
        if not (char.isalnum() or char in "+/=" or char in "\r\n"):
            raise _Failure("%s in version \"v1\" cannot be handled as a %s: illegal base64 data at input byte %d" % (kind, kind, index))
    try:
        raw = base64.b64decode(text, validate=False)
    except (ValueError, TypeError):
        raise _Failure("%s in version \"v1\" cannot be handled as a %s: illegal base64 data at input byte %d" % (kind, kind, len(text)))
    return raw.decode("utf-8", "replace")


def _string_map(kind, field, value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Failure("%s in version \"v1\" cannot be handled as a %s: json: cannot unmarshal %s into Go struct field %s.%s of "
                       "type map[string]string" % (kind, kind, _type_name(value), kind, field))
    for item in value.values():
        if not isinstance(item, str):
            raise _Failure("%s in version \"v1\" cannot be handled as a %s: json: cannot unmarshal %s into Go struct field %s.%s "
                           "of type string" % (kind, kind, _type_name(item), kind, field))
    return dict(value)


def _check_keys(kind, name, field, data):
    bad = [key for key in data if not CONFIG_KEY.match(str(key))]
    if bad:
        causes = ['%s[%s]: Invalid value: "%s": %s' % (field, key, key, CONFIG_KEY_MSG) for key in bad]
        raise _Failure(_invalid(kind, name, causes))


def _invalid(kind, name, causes):
    if len(causes) == 1:
        return 'The %s "%s" is invalid: %s' % (kind, name, causes[0])
    return 'The %s "%s" is invalid: \n%s' % (kind, name, "\n".join("* " + cause for cause in causes))


def _object_name(obj, kind):
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name")
    if not name:
        raise _Failure("error: resource name may not be empty")
    if kind != "Elasticsearch" and not DNS1123_SUBDOMAIN.match(str(name)):
        raise _Failure(_invalid(kind, name, ['metadata.name: Invalid value: "%s": %s' % (name, DNS1123_SUBDOMAIN_MSG)]))
    return str(name)


def _verb(created, changed, mode, dry_run):
    verb = "created" if created else ("configured" if changed else "unchanged")
    if mode == "expose" and created:
        verb = "exposed"
    if dry_run:
        verb += " (server dry run)" if dry_run == "server" else " (dry run)"
    return verb


def _apply_data_object(world, cluster, obj, kind, mode, source, dry_run):
    """Secret or ConfigMap."""
    name = _object_name(obj, kind)
    store = cluster.secrets if kind == "Secret" else cluster.configmaps
    plural = KINDS[kind][2]
    if kind == "Secret" and _eck_owned_secret(cluster, name):
        raise _Failure('Error from server (Forbidden): %s: the lab\'s ECK manages secret "%s" (ECK would overwrite any change); '
                       'it is read-only in the lab' % (_where(mode, source), name))
    exists = name in store
    if exists and mode in ("create", "create-generic"):
        if mode == "create-generic":
            raise _Failure('error: failed to create %s %s "%s" already exists' % (KINDS[kind][1], plural, name))
        raise _Failure('Error from server (AlreadyExists): %s: %s "%s" already exists' % (_where(mode, source), plural, name))
    data = {}
    if kind == "Secret":
        for key, value in _string_map(kind, "data", obj.get("data")).items():
            data[key] = _b64decode(kind, value)
        _check_keys(kind, name, "data", data)
        string_data = _string_map(kind, "stringData", obj.get("stringData"))
        _check_keys(kind, name, "stringData", string_data)
        data.update(string_data)
        meta_extra = {"type": obj.get("type") or "Opaque"}
    else:
        data = _string_map(kind, "data", obj.get("data"))
        _check_keys(kind, name, "data", data)
        for key, value in _string_map(kind, "binaryData", obj.get("binaryData")).items():
            data[key] = _b64decode(kind, value)
        meta_extra = {}
    old = store.get(name)
    changed = old != data
    line = "%s/%s %s" % (KINDS[kind][1], name, _verb(not exists, changed, mode, dry_run))
    if dry_run:
        return line
    store[name] = data
    meta = obj.get("metadata") or {}
    _meta(world, cluster, kind, name, dict(meta_extra, labels=meta.get("labels"), annotations=meta.get("annotations")))
    if changed:
        _bump(world, cluster, kind, name)
        _data_changed(world, cluster, kind, name)
    return line


def _data_changed(world, cluster, kind, name):
    """ECK's and the kubelet's reactions to a changed Secret or ConfigMap."""
    manifest = cluster.manifest or {}
    if kind == "Secret" and name in _secret_refs(manifest):
        _schedule_reload(world, cluster)
    cm_name = ((((manifest.get("spec") or {}).get("transport") or {}).get("tls") or {}).get("certificateAuthorities") or {}).get(
        "configMapName")
    refresh = (kind, name) in _mount_refs(manifest)
    if kind == "ConfigMap" and name == cm_name and _refresh_transport_secret(world, cluster, manifest):
        refresh = True
    if refresh:
        pod_files(world, cluster, manifest)
        cluster.mark_remotes_dirty(world.clock.now())


def _apply_service(world, cluster, obj, mode, source, dry_run):
    name = _object_name(obj, "Service")
    if _eck_owned_service(cluster, name):
        raise _Failure('Error from server (Forbidden): %s: the lab\'s ECK manages service "%s" (customise it through the '
                       'Elasticsearch resource); it is read-only in the lab' % (_where(mode, source), name))
    exists = name in cluster.services
    if exists and mode != "apply":
        if mode == "expose":
            raise _Failure('Error from server (AlreadyExists): services "%s" already exists' % name)
        raise _Failure('Error from server (AlreadyExists): %s: services "%s" already exists' % (_where(mode, source), name))
    stored = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": cluster.namespace},
              "spec": copy.deepcopy(obj.get("spec") or {})}
    for key in ("labels", "annotations"):
        if (obj.get("metadata") or {}).get(key):
            stored["metadata"][key] = copy.deepcopy(obj["metadata"][key])
    changed = cluster.services.get(name) != stored
    line = "service/%s %s" % (name, _verb(not exists, changed, mode, dry_run))
    if not dry_run:
        cluster.services[name] = stored
        _meta(world, cluster, "Service", name)
        if changed:
            _bump(world, cluster, "Service", name)
    return line


def _apply_elasticsearch(world, cluster, obj, mode, source, dry_run, field_validation, warnings):
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name")
    if not name:
        raise _Failure("error: resource name may not be empty")
    namespace = meta.get("namespace") or cluster.namespace
    if name != cluster.name or namespace != cluster.namespace:
        raise _Failure('Error from server (Forbidden): %s: the lab simulates one ECK Elasticsearch resource, "%s" in namespace '
                       '"%s"; it cannot create "%s" in namespace "%s"'
                       % (_where(mode, source), cluster.name, cluster.namespace, name, namespace))
    if mode in ("create", "create-generic"):
        raise _Failure('Error from server (AlreadyExists): %s: %s "%s" already exists' % (_where(mode, source), ES_PLURAL, name))
    issues = check_elasticsearch(obj)
    decode = [i for i in issues if i.stage == "decode"]
    if decode:
        if field_validation == "Strict":
            raise _Failure('Error from server (BadRequest): %s: Elasticsearch in version "v1" cannot be handled as a Elasticsearch: '
                           'strict decoding error: %s' % (_where(mode, source), ", ".join(i.message for i in decode)))
        if field_validation == "Warn":
            warnings.extend("Warning: " + i.message for i in decode)
        obj = prune_unknown(obj)
        issues = check_elasticsearch(obj)
    schema = [i for i in issues if i.stage == "schema"]
    if schema:
        raise _Failure(_invalid("Elasticsearch", name, ["%s: %s" % (i.path, i.message) for i in schema]))
    webhook = [i for i in issues if i.stage == "webhook"]
    old_version = ((cluster.manifest or {}).get("spec") or {}).get("version", cluster.version)
    new_version = obj["spec"]["version"]
    if not webhook and new_version != old_version:
        new_key, old_key = _version_key(parse_version(new_version)), _version_key(parse_version(old_version))
        if new_key < old_key:
            webhook.append(Issue("webhook", "spec.version", 'Invalid value: "%s": Downgrades are not supported' % new_version))
    if webhook:
        causes = ["%s: %s" % (i.path, i.message) for i in webhook]
        raise _Failure('Error from server (Forbidden): %s: admission webhook "%s" denied the request: %s "%s" is invalid: %s'
                       % (_where(mode, source), WEBHOOK_NAME, "Elasticsearch." + API_GROUP, name,
                          causes[0] if len(causes) == 1 else "[%s]" % ", ".join(causes)))
    if new_version != old_version:
        raise _Failure('Error from server (Forbidden): %s: the lab does not simulate Elasticsearch version changes '
                       '(spec.version %s -> %s)' % (_where(mode, source), old_version, new_version))
    warnings.extend("Warning: " + text for text in webhook_warnings(obj))
    stored = copy.deepcopy(obj)
    stored_meta = dict((k, v) for k, v in (stored.get("metadata") or {}).items() if k in ("name", "namespace", "labels", "annotations"))
    stored_meta["namespace"] = cluster.namespace
    stored["metadata"] = stored_meta
    stored.pop("status", None)
    old = cluster.manifest or {}
    changed = json.dumps(old.get("spec"), sort_keys=True) != json.dumps(stored.get("spec"), sort_keys=True) or \
        (old.get("metadata") or {}).get("labels") != stored_meta.get("labels") or \
        (old.get("metadata") or {}).get("annotations") != stored_meta.get("annotations")
    line = "%s/%s %s" % (ES_RESOURCE, name, _verb(False, changed, mode, dry_run))
    if dry_run or not changed:
        return line
    restart = _restart_signature(cluster, old) != _restart_signature(cluster, stored)
    secure_changed = json.dumps((old.get("spec") or {}).get("secureSettings"), sort_keys=True) != \
        json.dumps(stored["spec"].get("secureSettings"), sort_keys=True)
    cluster.manifest = stored
    _bump(world, cluster, "Elasticsearch", name)
    if restart:
        rolling_restart(world, cluster)
    else:
        if secure_changed:
            _schedule_reload(world, cluster)
    return line


def _apply_one(world, cluster, obj, mode, source, dry_run, field_validation):
    warnings = []
    if not isinstance(obj, dict):
        raise _Failure("error: error validating \"%s\": error validating data: invalid object; if you choose to ignore these "
                       "errors, turn validation off with --validate=false" % source)
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    if kind not in KINDS or KINDS[kind][0] != api_version:
        name = (obj.get("metadata") or {}).get("name", "") if isinstance(obj.get("metadata"), dict) else ""
        if kind == "Elasticsearch" and api_version in (API_GROUP + "/v1beta1", API_GROUP + "/v1alpha1"):
            raise _Failure('error: the lab simulates only %s (%s is served by ECK 3.5 but has none of the remote-cluster '
                           'fields)' % (ES_API_VERSION, api_version))
        meta_ns = (obj.get("metadata") or {}).get("namespace", "") if isinstance(obj.get("metadata"), dict) else ""
        raise _Failure('error: resource mapping not found for name: "%s" namespace: "%s" from "%s": no matches for kind "%s" '
                       'in version "%s"\nensure CRDs are installed first' % (name, meta_ns, source, kind, api_version))
    namespace = (obj.get("metadata") or {}).get("namespace") if isinstance(obj.get("metadata"), dict) else None
    if namespace and namespace != cluster.namespace:
        raise _Failure('Error from server (NotFound): %s: namespaces "%s" not found' % (_where(mode, source), namespace))
    if kind == "Elasticsearch":
        line = _apply_elasticsearch(world, cluster, obj, mode, source, dry_run, field_validation, warnings)
    else:
        obj = _decode_fields(obj, kind, field_validation, warnings)
        if kind == "Service":
            line = _apply_service(world, cluster, obj, mode, source, dry_run)
        else:
            line = _apply_data_object(world, cluster, obj, kind, mode, source, dry_run)
    return warnings, line


def apply_lines(world, cluster, objects, mode="apply", source="STDIN", dry_run=None, field_validation="Strict"):
    """Apply objects in order; ``[(text, flag)]``: flag False = a result line (stdout), True = an error (stderr, the
    command fails), None = a warning (stderr, not a failure)."""
    out = []
    for obj in objects:
        try:
            warnings, line = _apply_one(world, cluster, obj, mode, source, dry_run, field_validation)
        except _Failure as exc:
            out.append((str(exc), True))
            continue
        out.extend((warning, None) for warning in warnings)
        out.append((line, False))
    return out


def apply_objects(world, cluster, objects, mode="apply", source="STDIN", dry_run=None, field_validation="Strict"):
    """Apply parsed Kubernetes objects to the ECK cluster as ``kubectl apply`` would; returns kubectl's output lines.

    ``mode``: ``apply``, ``create`` (``kubectl create -f``), ``create-generic`` (``kubectl create secret|configmap``) or
    ``expose``. Failures produce kubectl's error line for that object (the others are still applied).
    """
    return [text for text, flag in apply_lines(world, cluster, objects, mode, source, dry_run, field_validation)]


# -- reading and deleting -----------------------------------------------------------------------------------------
def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _k8s_meta(world, cluster, kind, name):
    meta = _meta(world, cluster, kind, name)
    out = {"name": name, "namespace": cluster.namespace, "creationTimestamp": meta["creationTimestamp"], "uid": meta["uid"],
           "resourceVersion": meta["resourceVersion"]}
    for key in ("labels", "annotations"):
        if meta.get(key):
            out[key] = meta[key]
    return out


def _eck_services(cluster):
    name = cluster.name
    services = {
        "%s-es-http" % name: {"type": "ClusterIP", "clusterIP": "10.96.15.20", "ports": [{"name": "https", "port": 9200,
                                                                                          "protocol": "TCP", "targetPort": 9200}]},
        "%s-es-internal-http" % name: {"type": "ClusterIP", "clusterIP": "10.96.15.21",
                                       "ports": [{"name": "https", "port": 9200, "protocol": "TCP", "targetPort": 9200}]},
        "%s-es-transport" % name: {"type": "ClusterIP", "clusterIP": "None", "publishNotReadyAddresses": True,
                                   "ports": [{"name": "tls-transport", "port": 9300, "protocol": "TCP", "targetPort": 9300}]},
    }
    spec = (cluster.manifest or {}).get("spec") or {}
    if (spec.get("remoteClusterServer") or {}).get("enabled"):
        rcs_type = ((((spec.get("remoteClusterServer") or {}).get("service") or {}).get("spec") or {}).get("type"))
        services["%s-es-remote-cluster" % name] = {
            "type": rcs_type or "ClusterIP", "clusterIP": "None" if not rcs_type else "10.96.15.22", "publishNotReadyAddresses": True,
            "ports": [{"name": "rcs", "port": 9443, "protocol": "TCP", "targetPort": 9443}]}
    for svc_spec in services.values():
        svc_spec["selector"] = {"common.k8s.elastic.co/type": "elasticsearch", "elasticsearch.k8s.elastic.co/cluster-name": name}
    return services


def get_objects(world, cluster, kind, name=None):
    """Objects of a kind (all, or the one named) as the API server returns them; raises KeyError when not found."""
    items = []
    if kind == "Secret":
        names = [name] if name else sorted(cluster.secrets)
        for item in names:
            if item not in cluster.secrets:
                raise KeyError(item)
            meta = _meta(world, cluster, "Secret", item)
            items.append({"apiVersion": "v1", "kind": "Secret", "metadata": _k8s_meta(world, cluster, "Secret", item),
                          "type": meta.get("type") or "Opaque",
                          "data": dict((k, _b64(v)) for k, v in sorted(cluster.secrets[item].items()))})
    elif kind == "ConfigMap":
        names = [name] if name else sorted(cluster.configmaps)
        for item in names:
            if item not in cluster.configmaps:
                raise KeyError(item)
            items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": _k8s_meta(world, cluster, "ConfigMap", item),
                          "data": dict(sorted(cluster.configmaps[item].items()))})
    elif kind == "Service":
        own = _eck_services(cluster)
        every = dict(own)
        every.update(dict((k, v["spec"]) for k, v in cluster.services.items()))
        names = [name] if name else sorted(every)
        for item in names:
            if item not in every:
                raise KeyError(item)
            spec = copy.deepcopy(every[item])
            obj = {"apiVersion": "v1", "kind": "Service", "metadata": _k8s_meta(world, cluster, "Service", item), "spec": spec,
                   "status": {"loadBalancer": {}}}
            if spec.get("type") == "LoadBalancer":
                obj["status"]["loadBalancer"] = {"ingress": [{"ip": cluster.ip}]}
            items.append(obj)
    elif kind == "Elasticsearch":
        if name and name != cluster.name:
            raise KeyError(name)
        obj = copy.deepcopy(cluster.manifest)
        meta = _k8s_meta(world, cluster, "Elasticsearch", cluster.name)
        meta.update(dict((k, v) for k, v in (obj.get("metadata") or {}).items() if k in ("labels", "annotations")))
        obj["metadata"] = meta
        count = sum(int(ns.get("count") or 0) for ns in obj["spec"].get("nodeSets") or [] if isinstance(ns, dict))
        obj["status"] = {"availableNodes": count, "health": "green" if cluster.running else "unknown",
                         "phase": "Ready" if cluster.running else "ApplyingChanges", "version": cluster.version}
        items.append(obj)
    elif kind == "Event":
        for index, event in enumerate(cluster.events):
            items.append({"apiVersion": "v1", "kind": "Event", "type": event["type"], "reason": event["reason"],
                          "message": event["message"], "lastTimestamp": _now_iso(event["time"]),
                          "involvedObject": {"kind": "Elasticsearch", "name": cluster.name, "namespace": cluster.namespace},
                          "metadata": {"name": "%s.%d" % (cluster.name, index), "namespace": cluster.namespace}})
    return items


def delete_objects(world, cluster, kind, names, ignore_not_found=False):
    """Delete objects; ``[(text, is_error)]``."""
    out = []
    plural = KINDS.get(kind, ("", kind.lower(), kind.lower() + "s"))[2]
    for name in names:
        if kind == "Elasticsearch":
            out.append(('Error from server (Forbidden): the lab does not simulate deleting its Elasticsearch resource "%s"' % name,
                        True))
            continue
        if (kind == "Secret" and _eck_owned_secret(cluster, name)) or (kind == "Service" and _eck_owned_service(cluster, name)):
            out.append(('Error from server (Forbidden): the lab\'s ECK manages %s "%s" (ECK would recreate it); it is read-only '
                        'in the lab' % (KINDS[kind][1], name), True))
            continue
        store = {"Secret": cluster.secrets, "ConfigMap": cluster.configmaps, "Service": cluster.services}.get(kind)
        if store is None or name not in store:
            if not ignore_not_found:
                out.append(('Error from server (NotFound): %s "%s" not found' % (plural, name), True))
            continue
        del store[name]
        cluster.k8s_meta.pop("%s/%s" % (kind, name), None)
        out.append(('%s "%s" deleted' % (KINDS[kind][1], name), False))
        if kind in ("Secret", "ConfigMap"):
            _data_changed(world, cluster, kind, name)
    return out


def control(world, cluster, method, action, body):
    """Lab control calls for the ECK cluster (``POST /_lab/clusters/<key>/_eck_apply|_eck_get|_eck_delete``) -> dict.

    ``_eck_apply``: ``{"objects": [...], "mode", "source", "dry_run", "field_validation"}`` ->
    ``{"lines": [{"text", "stream": "stdout"|"stderr"}], "ok": bool}``.
    ``_eck_get``: ``{"kind", "name"?}`` -> ``{"items": [...]}`` or ``{"error": "<kubectl line>"}``.
    ``_eck_delete``: ``{"kind", "names": [...], "ignore_not_found"}`` -> like ``_eck_apply``.
    The caller holds ``world.lock``.
    """
    del method
    body = body or {}
    if cluster.kind != "eck":
        return {"error": "error: %s is not an ECK cluster" % cluster.key}
    if action == "_eck_apply":
        lines = apply_lines(world, cluster, body.get("objects") or [], mode=body.get("mode", "apply"),
                            source=body.get("source", "STDIN"), dry_run=body.get("dry_run"),
                            field_validation=body.get("field_validation", "Strict"))
        return _lines_reply(lines)
    if action == "_eck_delete":
        return _lines_reply(delete_objects(world, cluster, body.get("kind"), body.get("names") or [],
                                           bool(body.get("ignore_not_found"))))
    if action == "_eck_get":
        kind = body.get("kind")
        try:
            return {"items": get_objects(world, cluster, kind, body.get("name"))}
        except KeyError:
            return {"error": 'Error from server (NotFound): %s "%s" not found' % (KINDS[kind][2], body.get("name"))}
    return {"error": "error: unknown ECK control action %s" % action}


def _lines_reply(lines):
    return {"ok": not any(flag for text, flag in lines),
            "lines": [{"text": text, "stream": "stdout" if flag is False else "stderr"} for text, flag in lines]}


# -- the kubectl command line -----------------------------------------------------------------------------------------
VALUE_FLAGS = {"-n": "namespace", "--namespace": "namespace", "-f": "filename", "--filename": "filename", "-o": "output",
               "--output": "output", "--from-file": "from_file", "--from-literal": "from_literal", "--name": "name",
               "--type": "type", "--port": "port", "--target-port": "target_port", "--protocol": "protocol",
               "--context": "ignored", "--kubeconfig": "ignored", "--cluster": "ignored", "--user": "ignored",
               "--field-manager": "ignored", "-l": "selector", "--selector": "selector", "--timeout": "ignored"}
OPTIONAL_VALUE_FLAGS = {"--dry-run": ("dry_run", "client"), "--validate": ("validate", "strict")}
BOOL_FLAGS = {"--ignore-not-found": "ignore_not_found", "--server-side": "server_side", "--force-conflicts": "ignored",
              "-A": "all_namespaces", "--all-namespaces": "all_namespaces", "--wait": "ignored", "--overwrite": "ignored",
              "--show-labels": "ignored", "--prune": "ignored", "-R": "recursive", "--recursive": "recursive"}
REPEATABLE = ("filename", "from_file", "from_literal")


def _parse_args(args):
    opts = {"filename": [], "from_file": [], "from_literal": []}
    words = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            words.extend(args[index:])
            break
        if not arg.startswith("-") or arg == "-":
            words.append(arg)
            continue
        flag, eq, value = arg.partition("=")
        if flag in OPTIONAL_VALUE_FLAGS:
            key, default = OPTIONAL_VALUE_FLAGS[flag]
            opts[key] = value if eq else default
            continue
        if flag in BOOL_FLAGS:
            opts[BOOL_FLAGS[flag]] = value.lower() != "false" if eq else True
            continue
        if flag not in VALUE_FLAGS and len(flag) > 2 and flag[1] != "-" and flag[:2] in VALUE_FLAGS:
            flag, eq, value = flag[:2], "=", arg[2:]
        if flag not in VALUE_FLAGS:
            raise KubectlError("error: unknown flag: %s" % flag if flag.startswith("--") else
                               "error: unknown shorthand flag: '%s' in %s" % (flag[1:2], arg))
        if not eq:
            if index >= len(args):
                raise KubectlError("error: flag needs an argument: %s" % flag)
            value = args[index]
            index += 1
        key = VALUE_FLAGS[flag]
        if key in REPEATABLE:
            opts[key].append(value)
        else:
            opts[key] = value
    return words, opts


def _read_source(path, stdin):
    if path == "-":
        return [("STDIN", stdin.read())]
    if not os.path.exists(path):
        raise KubectlError('error: the path "%s" does not exist' % path)
    if os.path.isdir(path):
        out = []
        for entry in sorted(os.listdir(path)):
            if entry.endswith((".yaml", ".yml", ".json")):
                with open(os.path.join(path, entry)) as handle:
                    out.append((os.path.join(path, entry), handle.read()))
        return out
    with open(path) as handle:
        return [(path, handle.read())]


def parse_manifests(text, source="STDIN"):
    """Kubernetes objects from YAML (multi-document) or JSON text; ``List`` objects are expanded."""
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "line %d: " % (mark.line + 1) if mark is not None else ""
        raise KubectlError("error: error parsing %s: error converting YAML to JSON: yaml: %s%s"
                           % (source, where, getattr(exc, "problem", None) or exc))
    out = []
    for doc in docs:
        if doc is None:
            continue
        if isinstance(doc, dict) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            out.extend(doc["items"])
        else:
            out.append(doc)
    return out


def _client_validate(obj, source):
    if not isinstance(obj, dict):
        raise KubectlError('error: error validating "%s": error validating data: invalid object; if you choose to ignore these '
                           'errors, turn validation off with --validate=false' % source)
    missing = [what for what in ("apiVersion", "kind") if not obj.get(what)]
    if missing:
        raise KubectlError('error: error validating "%s": error validating data: [%s]; if you choose to ignore these errors, '
                           'turn validation off with --validate=false' % (source, ", ".join("%s not set" % m for m in missing)))


class _Lab(object):
    """How kubectl reaches the lab: the control URL and the ECK clusters (from ``<state>/describe.json``)."""

    def __init__(self, state_dir, instance, call=None):
        self.state_dir = state_dir
        self.instance = instance
        self.clusters = []           # {"key", "namespace"}
        self.control_url = None
        path = os.path.join(state_dir, "describe.json") if state_dir else None
        if path and os.path.exists(path):
            with open(path) as handle:
                desc = json.load(handle)
            self.control_url = desc.get("control_url")
            for key, entry in sorted((desc.get("clusters") or {}).items()):
                if entry.get("kind") == "eck":
                    self.clusters.append({"key": key, "namespace": entry.get("namespace", "default")})
        if self.control_url is None:
            from eceops_lab import config as lab_config  # pylint: disable=import-outside-toplevel
            cfg = lab_config.load_config(instance=instance or 0, state_dir=state_dir)
            self.control_url = cfg.control_url
            for eck_cfg in cfg.topology.get("eck", []):
                self.clusters.append({"key": "eck/%s" % eck_cfg["name"], "namespace": eck_cfg.get("namespace", "default")})
        self.call = call or self._http

    def _http(self, action, key, body):
        import urllib.error  # pylint: disable=import-outside-toplevel
        import urllib.request  # pylint: disable=import-outside-toplevel
        url = "%s/_lab/clusters/%s/%s" % (self.control_url, key, action)
        request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            raise KubectlError("error: the lab answered %s %s to %s: %s" % (exc.code, exc.reason, url, text[:500]))
        except (urllib.error.URLError, OSError) as exc:
            raise KubectlError("error: the lab does not answer at %s (%s); start it with labctl start" % (self.control_url, exc))

    def cluster_for(self, namespace, source=None):
        """The ECK cluster key serving a namespace."""
        for entry in self.clusters:
            if entry["namespace"] == namespace:
                return entry["key"]
        where = 'error when creating "%s": ' % source if source else ""
        raise KubectlError('Error from server (NotFound): %snamespaces "%s" not found' % (where, namespace))


def _age(created):
    try:
        seconds = max(0, int(time.time() - calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ"))))
    except (TypeError, ValueError):
        return "<unknown>"
    if seconds < 120:
        return "%ds" % seconds
    if seconds < 3 * 3600:
        return "%dm" % (seconds // 60)
    if seconds < 2 * 86400:
        return "%dh" % (seconds // 3600)
    return "%dd" % (seconds // 86400)


def _table(kind, items):
    if kind == "Secret":
        header = ["NAME", "TYPE", "DATA", "AGE"]
        rows = [[o["metadata"]["name"], o.get("type", "Opaque"), str(len(o.get("data") or {})), _age(o["metadata"].get("creationTimestamp"))]
                for o in items]
    elif kind == "ConfigMap":
        header = ["NAME", "DATA", "AGE"]
        rows = [[o["metadata"]["name"], str(len(o.get("data") or {})), _age(o["metadata"].get("creationTimestamp"))] for o in items]
    elif kind == "Service":
        header = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
        rows = []
        for obj in items:
            spec = obj.get("spec") or {}
            ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            ports = ",".join("%s/%s" % (p.get("port"), p.get("protocol", "TCP")) for p in spec.get("ports") or [])
            rows.append([obj["metadata"]["name"], spec.get("type", "ClusterIP"), str(spec.get("clusterIP", "10.96.15.30")),
                         ingress[0]["ip"] if ingress else "<none>", ports or "<none>", _age(obj["metadata"].get("creationTimestamp"))])
    elif kind == "Event":
        header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        rows = [[_age(o.get("lastTimestamp")), o["type"], o["reason"], "elasticsearch/%s" % o["involvedObject"]["name"], o["message"]]
                for o in items]
    else:
        header = ["NAME", "HEALTH", "NODES", "VERSION", "PHASE", "AGE"]
        rows = [[o["metadata"]["name"], o["status"]["health"], str(o["status"]["availableNodes"]), o["status"]["version"],
                 o["status"]["phase"], _age(o["metadata"].get("creationTimestamp"))] for o in items]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    return "\n".join("   ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header] + rows)


_JSONPATH_TOKEN = re.compile(r"\.((?:\\.|[^.\[\\])+)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]|\[\*\]")


def _jsonpath_eval(expr, obj):
    expr = expr.strip()
    if expr in ("", "."):
        return [obj]
    values = [obj]
    pos = 0
    while pos < len(expr):
        match = _JSONPATH_TOKEN.match(expr, pos)
        if not match:
            raise KubectlError('error: error parsing jsonpath {%s}, unrecognized character in action: U+%04X \'%s\''
                               % (expr, ord(expr[pos]), expr[pos]))
        pos = match.end()
        nxt = []
        for value in values:
            if match.group(1) is not None:
                key = re.sub(r"\\(.)", r"\1", match.group(1))
                if isinstance(value, dict) and key in value:
                    nxt.append(value[key])
            elif match.group(2) is not None:
                if isinstance(value, list) and int(match.group(2)) < len(value):
                    nxt.append(value[int(match.group(2))])
            elif match.group(3) is not None:
                if isinstance(value, dict) and match.group(3) in value:
                    nxt.append(value[match.group(3)])
            elif isinstance(value, list):
                nxt.extend(value)
            elif isinstance(value, dict):
                nxt.extend(value.values())
        values = nxt
    return values


def _render_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def jsonpath(template, obj):
    """kubectl's ``-o jsonpath=`` for the simple templates used in docs (``{.data.ca\\.crt}``, ``{.items[0].x}``)."""
    if "{" not in template:
        template = "{%s}" % template
    out = []
    pos = 0
    for match in re.finditer(r"\{((?:[^{}\\]|\\.)*)\}", template):
        out.append(template[pos:match.start()])
        out.append(" ".join(_render_value(v) for v in _jsonpath_eval(match.group(1), obj)))
        pos = match.end()
    out.append(template[pos:])
    return "".join(out)


def go_template(template, obj):
    """kubectl's ``-o go-template=`` for ``{{index .data "ca.crt" | base64decode}}`` and ``{{.data.x | base64decode}}``."""
    def field(path, value):
        """``.a.b`` of a value."""
        for part in [p for p in path.split(".") if p]:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def evaluate(expr):
        """One ``{{ ... }}`` action."""
        stages = [s.strip() for s in expr.split("|")]
        first = stages[0]
        match = re.match(r'index\s+(\.[\w.]*)\s+"([^"]*)"\Z', first)
        if match:
            value = field(match.group(1), obj)
            value = value.get(match.group(2)) if isinstance(value, dict) else None
        elif first.startswith("."):
            value = field(first, obj)
        else:
            raise KubectlError('error: error parsing template %s, template: output:1: function "%s" not defined'
                               % (template, first.split()[0]))
        for func in stages[1:]:
            if func == "base64decode":
                if value is None:
                    raise KubectlError('error: error executing template "%s": template: output:1:%d: executing "output" at '
                                       '<base64decode>: invalid value; expected string' % (template, template.find(expr) + 1))
                value = base64.b64decode(str(value)).decode("utf-8", "replace")
            elif func == "base64encode":
                value = _b64(str(value))
            else:
                raise KubectlError('error: error parsing template %s, template: output:1: function "%s" not defined'
                                   % (template, func))
        return "<no value>" if value is None else _render_value(value)

    return re.sub(r"\{\{-?\s*(.*?)\s*-?\}\}", lambda m: evaluate(m.group(1)), template)


def _print_objects(fmt, kind, items, single):
    fmt = fmt or ""
    if fmt in ("", "wide"):
        return _table(kind, items) + "\n"
    obj = items[0] if single else {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    if fmt == "json":
        return json.dumps(obj, indent=4) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True)
    if fmt == "name":
        return "".join("%s/%s\n" % (KINDS.get(kind, ("", kind.lower()))[1], o["metadata"]["name"]) for o in items)
    if fmt.startswith("jsonpath="):
        return jsonpath(fmt[len("jsonpath="):], obj)
    if fmt.startswith("go-template="):
        return go_template(fmt[len("go-template="):], obj)
    raise KubectlError('error: unable to match a printer suitable for the output format "%s", allowed formats are: '
                       'go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,'
                       'wide,yaml' % fmt)


def _emit(reply, stdout, stderr):
    ok = True
    for line in reply.get("lines") or []:
        stream = stdout if line.get("stream") == "stdout" else stderr
        stream.write(line["text"] + "\n")
    if reply.get("error"):
        stderr.write(reply["error"] + "\n")
        ok = False
    return ok and reply.get("ok", True)


def _resource_kind(word):
    kind = RESOURCE_ALIASES.get(word.lower())
    if kind is None:
        raise KubectlError('error: the server doesn\'t have a resource type "%s"' % word)
    return kind


def _field_validation(opts):
    value = str(opts.get("validate", "strict")).lower()
    return {"strict": "Strict", "true": "Strict", "warn": "Warn", "false": "Ignore", "ignore": "Ignore"}.get(value, "Strict")


def _cmd_apply(lab, words, opts, stdin, stdout, stderr, mode):
    if words:
        raise KubectlError("error: Unexpected args: %s\nSee 'kubectl %s -h' for help and examples" % (words, mode))
    if not opts["filename"]:
        raise KubectlError("error: must specify one of -f and -k")
    dry_run = opts.get("dry_run")
    if dry_run not in (None, "none", "client", "server"):
        raise KubectlError('error: Invalid dry-run value (%s). Must be "none", "server", or "client".' % dry_run)
    ok = True
    for path in opts["filename"]:
        for source, text in _read_source(path, stdin):
            objects = parse_manifests(text, source)
            for obj in objects:
                try:
                    _client_validate(obj, source)
                    namespace = (obj.get("metadata") or {}).get("namespace") or opts.get("namespace") or "default"
                    if opts.get("namespace") and (obj.get("metadata") or {}).get("namespace") not in (None, opts["namespace"]):
                        raise KubectlError("error: the namespace from the provided object \"%s\" does not match the namespace \"%s\". "
                                           "You must pass '--namespace=%s' to perform this operation."
                                           % (obj["metadata"]["namespace"], opts["namespace"], obj["metadata"]["namespace"]))
                    key = lab.cluster_for(namespace, source)
                except KubectlError as exc:
                    stderr.write(str(exc) + "\n")
                    ok = False
                    continue
                obj = copy.deepcopy(obj)
                if isinstance(obj.get("metadata"), dict):
                    obj["metadata"].setdefault("namespace", namespace)
                reply = lab.call("_eck_apply", key, {"objects": [obj], "mode": mode, "source": source,
                                                     "dry_run": None if dry_run in (None, "none") else dry_run,
                                                     "field_validation": _field_validation(opts)})
                ok = _emit(reply, stdout, stderr) and ok
    return 0 if ok else 1


def _cmd_get(lab, words, opts, stdout, stderr):
    if not words:
        raise KubectlError("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of "
                           "supported resources.\n\nerror: Required resource not specified.")
    first = words[0]
    if "/" in first:
        pairs = [(w.split("/", 1)[0], w.split("/", 1)[1]) for w in words]
    else:
        pairs = [(first, name) for name in words[1:]] or [(first, None)]
    namespace = opts.get("namespace") or "default"
    key = lab.cluster_for(namespace)
    fmt = opts.get("output")
    collected = []
    kind = None
    for word, name in pairs:
        kind = _resource_kind(word)
        reply = lab.call("_eck_get", key, {"kind": kind, "name": name})
        if reply.get("error"):
            raise KubectlError(reply["error"])
        collected.extend(reply.get("items") or [])
    single = len(pairs) == 1 and pairs[0][1] is not None
    if not collected and not fmt:
        stderr.write("No resources found in %s namespace.\n" % namespace)
        return 0
    stdout.write(_print_objects(fmt, kind, collected, single))
    return 0


def _cmd_delete(lab, words, opts, stdin, stdout, stderr):
    namespace = opts.get("namespace") or "default"
    ok = True
    if opts["filename"]:
        for path in opts["filename"]:
            for source, text in _read_source(path, stdin):
                for obj in parse_manifests(text, source):
                    _client_validate(obj, source)
                    kind = obj.get("kind")
                    ns = (obj.get("metadata") or {}).get("namespace") or namespace
                    reply = lab.call("_eck_delete", lab.cluster_for(ns), {"kind": kind, "names": [obj["metadata"]["name"]],
                                                                          "ignore_not_found": opts.get("ignore_not_found")})
                    ok = _emit(reply, stdout, stderr) and ok
        return 0 if ok else 1
    if not words:
        raise KubectlError("error: You must provide one or more resources by argument or filename.")
    if "/" in words[0]:
        pairs = [(w.split("/", 1)[0], w.split("/", 1)[1]) for w in words]
    else:
        if len(words) < 2:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        pairs = [(words[0], name) for name in words[1:]]
    key = lab.cluster_for(namespace)
    for word, name in pairs:
        reply = lab.call("_eck_delete", key, {"kind": _resource_kind(word), "names": [name],
                                              "ignore_not_found": opts.get("ignore_not_found")})
        ok = _emit(reply, stdout, stderr) and ok
    return 0 if ok else 1


def _from_sources(kind, name, opts):
    data = collections.OrderedDict()
    sources = []
    for spec in opts["from_file"]:
        key, eq, path = spec.partition("=")
        if not eq:
            key, path = None, spec
        if not os.path.exists(path):
            raise KubectlError("error: error reading %s: no such file or directory" % path)
        if os.path.isdir(path):
            if key:
                raise KubectlError("error: cannot give a key name for a directory path")
            sources.extend((entry, os.path.join(path, entry)) for entry in sorted(os.listdir(path))
                           if os.path.isfile(os.path.join(path, entry)))
        else:
            sources.append((key or os.path.basename(path), path))
    for key, path in sources:
        with open(path, "rb") as handle:
            content = handle.read().decode("utf-8", "replace")
        _add_key(kind, name, data, key, content)
    for spec in opts["from_literal"]:
        key, eq, value = spec.partition("=")
        if not eq:
            raise KubectlError("error: invalid literal source %s, expected key=value" % spec)
        _add_key(kind, name, data, key, value)
    return data


def _add_key(kind, name, data, key, value):
    if not CONFIG_KEY.match(key):
        raise KubectlError('error: "%s" is not a valid key name for a %s: %s' % (key, kind, CONFIG_KEY_MSG))
    if key in data:
        raise KubectlError('error: cannot add key "%s", another key by that name already exists in Data for %s "%s"'
                           % (key, kind, name))
    data[key] = value


def _cmd_create(lab, words, opts, stdin, stdout, stderr):
    if opts["filename"]:
        return _cmd_apply(lab, words, opts, stdin, stdout, stderr, "create")
    if len(words) >= 2 and words[0] == "secret":
        if words[1] != "generic":
            raise KubectlError('error: the lab\'s kubectl supports "create secret generic" only')
        kind, rest = "Secret", words[2:]
    elif words and words[0] in ("configmap", "cm"):
        kind, rest = "ConfigMap", words[1:]
    else:
        raise KubectlError("error: the lab's kubectl supports create -f, create secret generic and create configmap")
    if len(rest) != 1:
        raise KubectlError("error: exactly one NAME is required, got %d" % len(rest))
    name = rest[0]
    namespace = opts.get("namespace") or "default"
    data = _from_sources(kind, name, opts)
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}}
    if kind == "Secret":
        obj["type"] = opts.get("type") or "Opaque"
        obj["data"] = dict((k, _b64(v)) for k, v in data.items())
    else:
        obj["data"] = dict(data)
    if opts.get("dry_run") == "client":
        fmt = opts.get("output")
        if fmt:
            client_obj = copy.deepcopy(obj)
            client_obj["metadata"]["creationTimestamp"] = None
            stdout.write(_print_objects(fmt, kind, [client_obj], True))
        else:
            stdout.write("%s/%s created (dry run)\n" % (KINDS[kind][1], name))
        return 0
    reply = lab.call("_eck_apply", lab.cluster_for(namespace), {"objects": [obj], "mode": "create-generic", "source": name,
                                                                "dry_run": opts.get("dry_run") if opts.get("dry_run") == "server"
                                                                else None})
    return 0 if _emit(reply, stdout, stderr) else 1


def _cmd_expose(lab, words, opts, stdout, stderr):
    if len(words) == 1 and "/" in words[0]:
        words = words[0].split("/", 1)
    if len(words) != 2 or RESOURCE_ALIASES.get(words[0]) != "Service":
        raise KubectlError("error: the lab's kubectl supports \"expose service NAME\" only")
    namespace = opts.get("namespace") or "default"
    key = lab.cluster_for(namespace)
    reply = lab.call("_eck_get", key, {"kind": "Service", "name": words[1]})
    if reply.get("error"):
        raise KubectlError(reply["error"])
    source = reply["items"][0]
    ports = source["spec"].get("ports") or []
    if not opts.get("port") and len(ports) != 1:
        raise KubectlError("error: couldn't find port via --port flag or introspection")
    port = int(opts.get("port") or ports[0]["port"])
    target = opts.get("target_port") or (ports[0].get("targetPort") if ports and not opts.get("port") else port)
    target = int(target) if str(target).isdigit() else target
    name = opts.get("name") or words[1]
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
           "spec": {"type": opts.get("type") or "ClusterIP", "selector": source["spec"].get("selector", {}),
                    "ports": [{"port": port, "protocol": opts.get("protocol") or "TCP", "targetPort": target}]}}
    reply = lab.call("_eck_apply", key, {"objects": [obj], "mode": "expose", "source": name})
    return 0 if _emit(reply, stdout, stderr) else 1


def kubectl(state_dir, instance, args, stdin=None, stdout=None, stderr=None, call=None):
    """Run a kubectl command against the lab's ECK cluster; returns the exit code.

    ``call(action, cluster_key, body) -> dict`` replaces the HTTP call to the control API (tests).
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        words, opts = _parse_args(list(args))
        if not words:
            raise KubectlError("error: the lab's kubectl needs a command: apply, create, get, delete, expose")
        verb, words = words[0], words[1:]
        if verb == "version":
            stdout.write("Client Version: v1.33.0 (eceops lab stand-in)\n")
            return 0
        lab = _Lab(state_dir, instance, call=call)
        if verb == "apply":
            # --server-side is accepted; the lab applies the same way (field ownership is not simulated)
            return _cmd_apply(lab, words, opts, stdin, stdout, stderr, "apply")
        if verb == "create":
            return _cmd_create(lab, words, opts, stdin, stdout, stderr)
        if verb == "get":
            return _cmd_get(lab, words, opts, stdout, stderr)
        if verb == "delete":
            return _cmd_delete(lab, words, opts, stdin, stdout, stderr)
        if verb == "expose":
            return _cmd_expose(lab, words, opts, stdout, stderr)
        raise KubectlError('error: unknown command "%s" for "kubectl"' % verb)
    except KubectlError as exc:
        stderr.write(str(exc) + "\n")
        return 1
