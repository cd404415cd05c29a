"""Cluster settings of the lab's Elasticsearch: validation of ``PUT _cluster/settings`` the way Elasticsearch's
``AbstractScopedSettings``/``SettingsUpdater`` and ``RemoteClusterSettings`` do it, and the read side (values as
strings, nested or flat, defaults).

The order of checks follows Elasticsearch: transient keys then persistent keys are checked one by one in sorted
order (unknown key, static key, value parse and single-value validators such as the port check); then each scope's
resulting settings are validated *on their own* (dependencies: the connection mode of an alias and whether the
alias is enabled), every key in sorted order, the first failure wins. Messages are Elasticsearch's own
(``es-api.md`` section 2; Java enum parse errors are the JDK's ``No enum constant <class>.<VALUE>``).

``remote_settings(cluster)`` gives the effective per-alias remote settings (``elasticsearch.yml`` overridden by
persistent, overridden by transient); the connection engine may use it.
"""

import fnmatch
import re

from eceops_lab.esspec import EsSpecError, es_error, parse_time_value

REMOTE_PREFIX = "cluster.remote."
ALIAS_RE = r"[-A-Za-z0-9_]+"

#: cluster.remote.<alias>.<suffix>: (kind, mode it belongs to or None, needs the remote to be enabled)
REMOTE_SUFFIXES = {
    "mode": ("mode", None, False),
    "seeds": ("address_list", "SNIFF", False),
    "node_connections": ("positive_int", "SNIFF", False),
    "proxy": ("address", "SNIFF", False),
    "proxy_address": ("address", "PROXY", False),
    "proxy_socket_connections": ("positive_int", "PROXY", False),
    "server_name": ("string", "PROXY", False),
    "skip_unavailable": ("bool", None, True),
    "transport.compress": ("compress", None, True),
    "transport.compression_scheme": ("scheme", None, True),
    "transport.ping_schedule": ("time", None, True),
}
#: secure (keystore) affix settings: registered but not dynamic
REMOTE_SECURE_SUFFIXES = ("credentials",)
_REMOTE_KEY_RE = re.compile(r"^cluster\.remote\.(%s)\.(%s)$" % (ALIAS_RE, "|".join(re.escape(s) for s in
                                                                                   sorted(REMOTE_SUFFIXES, key=len, reverse=True)
                                                                                   + list(REMOTE_SECURE_SUFFIXES))))

#: Other dynamic cluster settings the lab accepts (values are not validated beyond being scalars or lists).
DYNAMIC_SETTINGS = frozenset((
    "action.auto_create_index", "action.destructive_requires_name", "cluster.max_shards_per_node",
    "cluster.routing.allocation.enable", "cluster.routing.rebalance.enable", "cluster.info.update.interval",
    "indices.recovery.max_bytes_per_sec", "search.default_search_timeout", "search.allow_expensive_queries",
    "xpack.security.remote_cluster.filter.allow", "xpack.security.remote_cluster.filter.deny",
    "xpack.security.transport.filter.allow", "xpack.security.transport.filter.deny",
    "xpack.security.http.filter.allow", "xpack.security.http.filter.deny", "xpack.monitoring.collection.enabled",
))
DYNAMIC_PREFIXES = ("logger.",)

#: Static node settings the lab knows (PUT answers "not dynamically updateable").
STATIC_SETTINGS = frozenset((
    "remote_cluster_server.enabled", "remote_cluster.host", "remote_cluster.bind_host", "remote_cluster.publish_host",
    "remote_cluster.port", "remote_cluster.publish_port", "cluster.remote.initial_connect_timeout",
    "cluster.remote.node.attr", "cluster.remote.connections_per_cluster", "cluster.name", "node.name", "node.roles",
    "network.host", "network.bind_host", "network.publish_host", "http.port", "http.host", "transport.port",
    "transport.host", "path.data", "path.logs", "discovery.seed_hosts", "discovery.type", "cluster.initial_master_nodes",
    "xpack.security.enabled", "xpack.security.authc.token.enabled", "xpack.security.authc.api_key.enabled",
    "transport.compress", "transport.compression_scheme", "transport.ping_schedule",
))
_SSL_CONTEXTS = ("xpack.security.remote_cluster_client.ssl.", "xpack.security.remote_cluster_server.ssl.",
                 "xpack.security.transport.ssl.", "xpack.security.http.ssl.")
_SSL_SUFFIXES = frozenset((
    "enabled", "key", "certificate", "certificate_authorities", "verification_mode", "client_authentication",
    "keystore.path", "keystore.type", "truststore.path", "truststore.type", "supported_protocols", "cipher_suites",
    "handshake_timeout", "trust_restrictions.path", "trust_restrictions.x509_fields", "key_passphrase",
    "keystore.secure_password", "truststore.secure_password", "secure_key_passphrase",
))

_COMPRESS = ("TRUE", "INDEXING_DATA", "FALSE")
_SCHEMES = ("DEFLATE", "LZ4")
_MODES = ("SNIFF", "PROXY")


class SettingsError(Exception):
    """A validation failure: ``reason`` is Elasticsearch's message (400 illegal_argument_exception)."""

    def __init__(self, reason, etype="illegal_argument_exception", status=400):
        super().__init__(reason)
        self.reason = reason
        self.etype = etype
        self.status = status

    def body(self):
        """The Elasticsearch error body."""
        return es_error(self.status, self.etype, self.reason)


# ---------------------------------------------------------------------------------------------- shapes
def version_tuple(version):
    """``"8.15.5"`` -> ``(8, 15, 5)`` (a ``-SNAPSHOT`` suffix is ignored)."""
    parts = []
    for piece in str(version).split("-", 1)[0].split(".")[:3]:
        parts.append(int(piece) if piece.isdigit() else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def flatten(data, prefix=""):
    """Nested settings (``{"cluster": {"remote": {...}}}``) to flat dotted keys; lists and nulls are values."""
    out = {}
    if not isinstance(data, dict):
        if prefix:
            out[prefix] = data
        return out
    for key, value in data.items():
        full = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, full))
        else:
            out[full] = value
    return out


def stringify(value):
    """A setting value as Elasticsearch returns it: strings, lists of strings."""
    if isinstance(value, list):
        return [stringify(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    if isinstance(value, dict):
        return dict((k, stringify(v)) for k, v in value.items())
    return str(value)


def nest(flat):
    """Flat dotted keys to nested objects (Elasticsearch's default rendering)."""
    out = {}
    for key in sorted(flat):
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = flat[key]
    return out


def render(flat, flat_settings):
    """Stringified settings, nested unless ``flat_settings``."""
    values = dict((k, stringify(v)) for k, v in flat.items())
    return dict(sorted(values.items())) if flat_settings else nest(values)


def as_list(value):
    """A list setting value (a JSON list, or a comma-separated string) as a list of strings."""
    if isinstance(value, list):
        return [stringify(item) for item in value]
    if value is None:
        return []
    text = stringify(value)
    return [item.strip() for item in text.split(",") if item.strip()]


# ---------------------------------------------------------------------------------------------- classification
def remote_key(key):
    """``(alias, suffix)`` for a ``cluster.remote.<alias>.<suffix>`` key, else None."""
    match = _REMOTE_KEY_RE.match(key)
    if match is None:
        return None
    return match.group(1), match.group(2)


def classify(key, version):
    """``"dynamic"``, ``"static"`` or None (unknown) for a setting key on a cluster of ``version``."""
    parsed = remote_key(key)
    if parsed is not None:
        return "static" if parsed[1] in REMOTE_SECURE_SUFFIXES else "dynamic"
    if key in DYNAMIC_SETTINGS or any(key.startswith(p) and len(key) > len(p) for p in DYNAMIC_PREFIXES):
        return "dynamic"
    if key in STATIC_SETTINGS:
        return "static"
    for context in _SSL_CONTEXTS:
        if key.startswith(context) and key[len(context):] in _SSL_SUFFIXES:
            if context in ("xpack.security.remote_cluster_client.ssl.", "xpack.security.remote_cluster_server.ssl."):
                return "static" if version_tuple(version) >= (8, 10, 0) else None
            return "static"
    return None


# ---------------------------------------------------------------------------------------------- value checks
def _parse_port(address):
    """RemoteConnectionStrategy.parsePort: the messages of Elasticsearch."""
    index = address.rfind(":")
    if index == -1 or index == len(address):
        raise SettingsError("remote hosts need to be configured as [host:port], found [%s] instead" % address)
    port_text = address[index + 1:]
    if not re.match(r"^[+-]?[0-9]+$", port_text) or not -2 ** 31 <= int(port_text) < 2 ** 31:
        raise SettingsError("failed to parse port")
    port = int(port_text)
    if port <= 0:
        raise SettingsError("port number must be > 0 but was: [%d]" % port)
    return port


def _parse_bool(value):
    if isinstance(value, bool):
        return value
    text = stringify(value)
    if text not in ("true", "false"):
        raise SettingsError("Failed to parse value [%s] as only [true] or [false] are allowed." % text)
    return text == "true"


def check_value(key, suffix, value):
    """The single-value checks Elasticsearch runs while copying an update (``validateWithoutDependencies``)."""
    kind = REMOTE_SUFFIXES[suffix][0]
    if kind == "mode":
        text = stringify(value).upper()
        if text not in _MODES:
            raise SettingsError("No enum constant org.elasticsearch.transport.RemoteConnectionStrategy.ConnectionStrategy.%s"
                                % stringify(value).upper())
    elif kind == "address_list":
        for item in as_list(value):
            _parse_port(item)
    elif kind == "address":
        text = stringify(value)
        if text:
            _parse_port(text)
    elif kind == "positive_int":
        text = stringify(value)
        if not re.match(r"^[+-]?[0-9]+$", text) or not -2 ** 31 <= int(text) < 2 ** 31:
            raise SettingsError("Failed to parse value [%s] for setting [%s]" % (text, key))
        if int(text) < 1:
            raise SettingsError("Failed to parse value [%s] for setting [%s] must be >= 1" % (text, key))
    elif kind == "bool":
        _parse_bool(value)
    elif kind == "compress":
        text = stringify(value).upper()
        if text not in _COMPRESS:
            raise SettingsError("No enum constant org.elasticsearch.transport.Compression.Enabled.%s" % text)
    elif kind == "scheme":
        text = stringify(value).upper()
        if text not in _SCHEMES:
            raise SettingsError("No enum constant org.elasticsearch.transport.Compression.Scheme.%s" % text)
    elif kind == "time":
        try:
            parse_time_value(key, stringify(value))
        except EsSpecError as exc:
            raise SettingsError(exc.reason) from exc


def _mode_of(settings, alias):
    value = settings.get(REMOTE_PREFIX + alias + ".mode")
    return stringify(value).upper() if value is not None else "SNIFF"


def connection_enabled(settings, alias):
    """RemoteConnectionStrategy.isConnectionEnabled over one settings map."""
    if _mode_of(settings, alias) == "SNIFF":
        return bool(as_list(settings.get(REMOTE_PREFIX + alias + ".seeds")))
    return bool(stringify(settings.get(REMOTE_PREFIX + alias + ".proxy_address") or ""))


def validate_scope(settings):
    """Dependency validation of one scope's resulting settings (sorted keys, the first failure wins)."""
    for key in sorted(settings):
        parsed = remote_key(key)
        if parsed is None or parsed[1] in REMOTE_SECURE_SUFFIXES:
            continue
        alias, suffix = parsed
        check_value(key, suffix, settings[key])
        required = REMOTE_SUFFIXES[suffix][1]
        if required is not None:
            configured = _mode_of(settings, alias)
            if configured != required:
                raise SettingsError('Setting "%s" cannot be used with the configured "%s" [required=%s, configured=%s]'
                                    % (key, REMOTE_PREFIX + alias + ".mode", required, configured))
        if REMOTE_SUFFIXES[suffix][2] and not connection_enabled(settings, alias):
            raise SettingsError("Cannot configure setting [%s] if remote cluster is not enabled." % key)


def apply_scope(scope, current, updates, version):
    """Check one scope's update (``updateDynamicSettings``); returns ``(new_settings, applied, touched_aliases)``.

    ``updates`` are flat keys with values (None deletes; a key ending in ``*`` with None deletes every match).
    """
    new = dict(current)
    applied = {}
    deletes = []
    touched = set()
    for key in sorted(updates):
        value = updates[key]
        if value is None and key.endswith("*"):
            deletes.append(key)
            continue
        kind = classify(key, version)
        if kind is None:
            raise SettingsError("%s setting [%s], not recognized" % (scope, key))
        if kind == "static":
            raise SettingsError("%s setting [%s], not dynamically updateable" % (scope, key))
        if isinstance(value, dict):
            # an empty object: Elasticsearch stores nothing for it
            continue
        if value is None:
            deletes.append(key)
            continue
        parsed = remote_key(key)
        if parsed is not None:
            check_value(key, parsed[1], value)
            touched.add(parsed[0])
        new[key] = value
        applied[key] = value
    for key in deletes:
        if key.endswith("*"):
            pattern = key
            for existing in [k for k in new if fnmatch.fnmatchcase(k, pattern)]:
                parsed = remote_key(existing)
                if parsed is not None:
                    touched.add(parsed[0])
                del new[existing]
        elif key in new:
            parsed = remote_key(key)
            if parsed is not None:
                touched.add(parsed[0])
            del new[key]
    return new, applied, touched


def update(cluster, transient, persistent):
    """Apply a ``PUT _cluster/settings`` to the cluster's stored settings (all or nothing).

    Returns ``(applied_transient, applied_persistent, touched_aliases)``; raises :class:`SettingsError`.
    """
    stored = cluster.settings
    new_transient, applied_transient, touched_t = apply_scope("transient", stored.get("transient", {}), transient,
                                                              cluster.version)
    new_persistent, applied_persistent, touched_p = apply_scope("persistent", stored.get("persistent", {}), persistent,
                                                                cluster.version)
    validate_scope(new_transient)
    validate_scope(new_persistent)
    stored["transient"] = new_transient
    stored["persistent"] = new_persistent
    return applied_transient, applied_persistent, touched_t | touched_p


# ---------------------------------------------------------------------------------------------- read side
def skip_unavailable_default(version):
    """``true`` from 8.15, ``false`` before."""
    return version_tuple(version) >= (8, 15, 0)


def remote_settings(cluster):
    """Effective remote settings per alias: ``{alias: {suffix: value}}`` (yml < persistent < transient).

    Only aliases with a connection enabled (seeds in sniff mode, proxy_address in proxy mode) are listed.
    """
    merged = {}
    for source in (cluster.yml_loaded or {}, cluster.settings.get("persistent", {}), cluster.settings.get("transient", {})):
        merged.update(source)
    aliases = {}
    for key, value in merged.items():
        parsed = remote_key(key)
        if parsed is None or parsed[1] in REMOTE_SECURE_SUFFIXES:
            continue
        aliases.setdefault(parsed[0], {})[parsed[1]] = value
    out = {}
    for alias, values in aliases.items():
        flat = dict((REMOTE_PREFIX + alias + "." + s, v) for s, v in values.items())
        if connection_enabled(flat, alias):
            entry = dict(values)
            entry["mode"] = _mode_of(flat, alias).lower()
            entry["skip_unavailable"] = (_parse_bool(values["skip_unavailable"]) if "skip_unavailable" in values
                                         else skip_unavailable_default(cluster.version))
            out[alias] = entry
    return out


def remote_defaults(version):
    """Defaults of the per-alias remote settings, as ``include_defaults`` renders them."""
    return {
        "mode": "SNIFF",
        "seeds": [],
        "node_connections": "3",
        "proxy_address": "",
        "proxy_socket_connections": "18",
        "server_name": "",
        "skip_unavailable": "true" if skip_unavailable_default(version) else "false",
        "transport.compress": "INDEXING_DATA",
        "transport.compression_scheme": "LZ4",
        "transport.ping_schedule": "-1",
    }


def defaults(cluster, node_name=None):
    """The ``defaults`` section: elasticsearch.yml (as loaded) and registered defaults not set through the API."""
    persistent = cluster.settings.get("persistent", {})
    transient = cluster.settings.get("transient", {})
    explicit = set(persistent) | set(transient)
    out = {
        "cluster.name": cluster.cluster_name,
        "node.name": node_name or cluster.node_name or cluster.name,
        "cluster.remote.initial_connect_timeout": "30s",
        "cluster.remote.connections_per_cluster": "3",
        "cluster.remote.node.attr": "",
        "remote_cluster_server.enabled": "true" if cluster.kind in ("ece", "ech") else "false",
        "remote_cluster.port": "9443",
        "transport.compress": "INDEXING_DATA",
        "transport.compression_scheme": "LZ4",
        "transport.ping_schedule": "-1",
        "xpack.security.remote_cluster_client.ssl.enabled": "true",
        "xpack.security.remote_cluster_server.ssl.enabled": "true",
    }
    yml = dict((k, v) for k, v in (cluster.yml_loaded or {}).items() if k not in explicit)
    out.update(yml)
    aliases = set()
    for key in list(persistent) + list(transient) + list(cluster.yml_loaded or {}):
        parsed = remote_key(key)
        if parsed is not None:
            aliases.add(parsed[0])
    for alias in aliases:
        for suffix, value in remote_defaults(cluster.version).items():
            key = REMOTE_PREFIX + alias + "." + suffix
            if key not in explicit and key not in yml:
                out[key] = value
    return dict((k, v) for k, v in out.items() if k not in explicit)
