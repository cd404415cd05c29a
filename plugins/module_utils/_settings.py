# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) for the ``cluster.remote.<alias>.*`` dynamic cluster settings that
``PUT _cluster/settings`` manages: alias and address validation, the desired-state model,
normalisation of what ``GET _cluster/settings`` returns, and the request fragments for an
update or a removal.

Vocabulary used below:

* a *suffix* is the part of a setting key after ``cluster.remote.<alias>.``, for example
  ``mode``, ``proxy_address`` or ``transport.compress``;
* a *remote dict* maps suffixes to normalised values (see ``normalize_value``);
* a *fragment* maps full flat keys (``cluster.remote.<alias>.<suffix>``) to values, ``None``
  meaning "delete this setting" (it becomes JSON ``null``).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import re

# Elasticsearch's affix-key pattern is cluster\.remote\.([-\w]+)\.<suffix> (ASCII \w in Java).
# Always match with fullmatch(): with search()/match() "$" would accept a trailing newline.
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# The collection's safe rule: ECE's Cloud UI keystore alias must be lowercase (scenarios.md R8).
STRICT_ALIAS_RE = re.compile(r"^[a-z0-9_-]+$")
RESERVED_ALIASES = ("(local)",)

REMOTE_PREFIX = "cluster.remote."
MODES = ("proxy", "sniff")
DEFAULT_MODE = "proxy"

# Spec field name -> setting suffix.
FIELD_TO_SUFFIX = {
    "mode": "mode",
    "proxy_address": "proxy_address",
    "server_name": "server_name",
    "proxy_socket_connections": "proxy_socket_connections",
    "seeds": "seeds",
    "node_connections": "node_connections",
    "skip_unavailable": "skip_unavailable",
    "transport_compress": "transport.compress",
    "transport_ping_schedule": "transport.ping_schedule",
    "transport_compression_scheme": "transport.compression_scheme",
}
SPEC_FIELDS = tuple(FIELD_TO_SUFFIX)
SUFFIX_TO_FIELD = dict((suffix, field) for field, suffix in FIELD_TO_SUFFIX.items())

# Setting suffixes that only one mode accepts (es-api.md section 2). "proxy" is the undocumented sniff-only
# SOCKS-like proxy; it is never managed, but it must be nulled when switching to proxy mode.
SNIFF_ONLY_SUFFIXES = ("seeds", "node_connections", "proxy")
PROXY_ONLY_SUFFIXES = ("proxy_address", "proxy_socket_connections", "server_name")
SNIFF_ONLY_FIELDS = ("seeds", "node_connections")
PROXY_ONLY_FIELDS = ("proxy_address", "server_name", "proxy_socket_connections")

# Per-alias setting suffixes known to Elasticsearch (used to tell aliases from global cluster.remote.* settings).
KNOWN_SUFFIXES = frozenset(SNIFF_ONLY_SUFFIXES + PROXY_ONLY_SUFFIXES + (
    "mode", "skip_unavailable", "credentials",
    "transport.compress", "transport.compression_scheme", "transport.ping_schedule",
))
KNOWN_SUFFIX_PREFIXES = ("transport.", "signing.")

# Values compared case-insensitively (enums, booleans, time values).
CASE_INSENSITIVE_SUFFIXES = frozenset((
    "mode", "skip_unavailable", "transport.compress", "transport.compression_scheme", "transport.ping_schedule",
))
# Lists whose order carries no meaning.
UNORDERED_SUFFIXES = frozenset(("seeds",))

TRANSPORT_COMPRESS_VALUES = ("true", "false", "indexing_data")
COMPRESSION_SCHEMES = ("deflate", "lz4")
TIME_VALUE_RE = re.compile(r"^[0-9]+(nanos|micros|ms|s|m|h|d)$", re.IGNORECASE)
SKIP_UNAVAILABLE_TRUE_SINCE = (8, 15, 0)

_PORT_RE = re.compile(r"^[0-9]+$")
_HOST_RE = re.compile(r"^[A-Za-z0-9._-]+$")
_VERSION_RE = re.compile(r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:[-+].*)?$")
_ADDRESS_EXAMPLE = "my-deployment.example.com:9443"
_IPV6_EXAMPLE = "[2001:db8::1]:9443"


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------

def parse_version(version):
    """Return ``(major, minor, patch)`` for ``"8.15.0"``, ``"8.15"``, ``"8.15.0-SNAPSHOT"`` or a tuple/list.

    Raises ValueError when the value is not a version.
    """
    if isinstance(version, (tuple, list)):
        parts = [int(p) for p in version[:3]]
        if not parts:
            raise ValueError("empty version %r" % (version,))
        return tuple(parts + [0] * (3 - len(parts)))
    if not isinstance(version, str):
        raise ValueError("version must be a string such as '8.15.0', got %r" % (version,))
    match = _VERSION_RE.match(version.strip())
    if not match:
        raise ValueError("cannot parse version %r; expected something like '8.15.0'" % (version,))
    return tuple(int(p) if p is not None else 0 for p in match.groups())


def default_skip_unavailable(version):
    """Elasticsearch's default for ``cluster.remote.<alias>.skip_unavailable`` on the local cluster.

    ``True`` from 8.15.0, ``False`` before, ``None`` when the version is unknown (None).
    Raises ValueError for an unparseable version string.
    """
    if version is None:
        return None
    return parse_version(version) >= SKIP_UNAVAILABLE_TRUE_SINCE


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def suggest_alias(alias, strict=True):
    """A valid alias close to ``alias``: invalid characters become ``_`` (lowercase when ``strict``)."""
    text = alias if isinstance(alias, str) else ""
    suggestion = re.sub(r"[^A-Za-z0-9_-]", "_", text).strip("_") or "remote_cluster"
    return suggestion.lower() if strict else suggestion


def validate_alias(alias, strict=False):
    """Check a remote-cluster alias. Returns a list of error strings (empty when valid).

    Elasticsearch accepts ``^[A-Za-z0-9_-]+$``. ``strict=True`` also applies the collection's safe rule
    ``^[a-z0-9_-]+$`` (ECE's keystore UI requires lowercase).
    """
    if not isinstance(alias, str):
        return ["alias must be a string, got %s" % type(alias).__name__]
    if alias == "":
        return ["alias must not be empty; use ASCII letters, digits, '_' or '-', for example 'ece_prod'"]
    if alias in RESERVED_ALIASES:
        return ["alias '%s' is reserved: Elasticsearch uses it for the local cluster in responses; "
                "choose another name, for example 'local_copy'" % alias]
    errors = []
    hint = suggest_alias(alias, strict=strict)
    if "." in alias:
        errors.append("alias '%s' contains '.', which cannot be expressed in the setting key cluster.remote.<alias>.*; "
                      "use '_' or '-' instead, for example '%s'" % (alias, hint))
    if ":" in alias:
        errors.append("alias '%s' contains ':', which separates the alias from the index in cross-cluster expressions "
                      "(alias:index); use '_' or '-' instead, for example '%s'" % (alias, hint))
    if "*" in alias:
        errors.append("alias '%s' contains '*', a wildcard in cross-cluster expressions; "
                      "use only letters, digits, '_' or '-', for example '%s'" % (alias, hint))
    if any(ch.isspace() for ch in alias):
        errors.append("alias '%s' contains whitespace; use '_' or '-' instead, for example '%s'" % (alias, hint))
    others = sorted(set(ch for ch in alias if not re.match(r"[A-Za-z0-9_.:*-]", ch) and not ch.isspace()))
    if others:
        errors.append("alias '%s' contains characters that are not allowed (%s); an alias may contain only ASCII letters, "
                      "digits, '_' and '-', for example '%s'" % (alias, " ".join(repr(ch) for ch in others), hint))
    if not errors and not ALIAS_RE.fullmatch(alias):  # pragma: no cover - defensive, every case is named above
        errors.append("alias '%s' must match %s" % (alias, ALIAS_RE.pattern))
    if strict and alias != alias.lower():
        errors.append("alias '%s' contains uppercase letters; ECE's keystore UI requires lowercase remote cluster names "
                      "and aliases are case-sensitive, so use '%s' everywhere (settings and keystore)" % (alias, hint))
    return errors


def _is_ipv6(text):
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def validate_address(address, what="proxy_address"):
    """Check one ``host:port`` address (a proxy address or one seed). Returns a list of error strings.

    IPv6 literals must be bracketed (``[2001:db8::1]:9443``); the port must be 1..65535; no scheme, no path.
    """
    if not isinstance(address, str):
        return ["%s must be a string 'host:port', got %s" % (what, type(address).__name__)]
    if address.strip() == "":
        return ["%s must not be empty; use 'host:port', for example '%s'" % (what, _ADDRESS_EXAMPLE)]
    if "://" in address:
        scheme, rest = address.split("://", 1)
        rest = rest.split("/", 1)[0] or _ADDRESS_EXAMPLE
        return ["%s '%s' must not include a scheme ('%s://'); drop it and write only host:port, for example '%s'"
                % (what, address, scheme, rest)]
    errors = []
    if any(ch.isspace() for ch in address):
        errors.append("%s '%s' must not contain whitespace" % (what, address))
        return errors
    if "/" in address:
        return ["%s '%s' must not contain a path ('/...'); write only host:port, for example '%s'"
                % (what, address, address.split("/", 1)[0] or _ADDRESS_EXAMPLE)]
    port = None
    if address.startswith("["):
        end = address.find("]")
        if end == -1:
            return ["%s '%s' has '[' without a closing ']'; write IPv6 addresses as '%s'" % (what, address, _IPV6_EXAMPLE)]
        host, rest = address[1:end], address[end + 1:]
        if host == "":
            errors.append("%s '%s' has an empty host between the brackets" % (what, address))
        elif not _is_ipv6(host):
            errors.append("%s '%s': '%s' inside the brackets is not a valid IPv6 address; brackets are only for IPv6 "
                          "literals, write host names and IPv4 addresses as host:port" % (what, address, host))
        if rest == "":
            errors.append("%s '%s' has no port; write '[%s]:<port>', for example '[%s]:9443'" % (what, address, host, host))
            return errors
        if not rest.startswith(":"):
            errors.append("%s '%s' has unexpected text after ']'; write '[<ipv6>]:<port>', for example '%s'"
                          % (what, address, _IPV6_EXAMPLE))
            return errors
        port = rest[1:]
    else:
        colons = address.count(":")
        if colons == 0:
            return ["%s '%s' has no port; write host:port, for example '%s:9443'" % (what, address, address)]
        if colons > 1:
            head, tail = address.rsplit(":", 1)
            if _is_ipv6(address) and not (_is_ipv6(head) and _PORT_RE.fullmatch(tail)):
                return ["%s '%s' looks like an IPv6 address without brackets and without a port; add brackets and a port: "
                        "'[%s]:<port>', for example '[%s]:9443'" % (what, address, address, address)]
            if _is_ipv6(head) and _PORT_RE.fullmatch(tail):
                return ["%s '%s' looks like an IPv6 address without brackets; add brackets around the address: '[%s]:%s'"
                        % (what, address, head, tail)]
            return ["%s '%s' has more than one ':'; write host:port, with IPv6 addresses in brackets, for example '%s'"
                    % (what, address, _IPV6_EXAMPLE)]
        host, port = address.split(":")
        if host == "":
            errors.append("%s '%s' has no host before ':'; write host:port, for example '%s'" % (what, address, _ADDRESS_EXAMPLE))
        elif not _HOST_RE.fullmatch(host):
            errors.append("%s '%s': host '%s' contains characters that are not valid in a host name or IPv4 address"
                          % (what, address, host))
    if port == "":
        errors.append("%s '%s' has an empty port after ':'; add a port between 1 and 65535, for example 9443" % (what, address))
    elif not _PORT_RE.fullmatch(port):
        errors.append("%s '%s': port '%s' is not a number; use a port between 1 and 65535, for example 9443" % (what, address, port))
    elif not 1 <= int(port) <= 65535:
        errors.append("%s '%s': port %s is out of range; use a port between 1 and 65535, for example 9443" % (what, address, port))
    return errors


def validate_server_name(server_name, what="server_name"):
    """Check a TLS SNI server name: a host name, not ``host:port``, URL or IP literal with a port."""
    if not isinstance(server_name, str):
        return ["%s must be a string (a host name), got %s" % (what, type(server_name).__name__)]
    if "://" in server_name:
        return ["%s '%s' must be a host name without scheme; drop '%s://'" % (what, server_name, server_name.split("://", 1)[0])]
    if any(ch.isspace() for ch in server_name) or "/" in server_name:
        return ["%s '%s' must be a host name (no whitespace, no path)" % (what, server_name)]
    if ":" in server_name:
        return ["%s '%s' must be a host name without a port (TLS SNI server name), for example '%s'"
                % (what, server_name, server_name.rsplit(":", 1)[0].strip("[]") or "my-deployment.example.com")]
    return []


# ---------------------------------------------------------------------------------------------
# Desired-state model
# ---------------------------------------------------------------------------------------------

class RemoteSpec:
    """Desired state of one remote cluster. ``None`` in a field means "not managed".

    Fields: mode, proxy_address, server_name, proxy_socket_connections, seeds, node_connections,
    skip_unavailable, transport_compress, transport_ping_schedule, transport_compression_scheme.
    """

    __slots__ = SPEC_FIELDS

    def __init__(self, mode=None, proxy_address=None, server_name=None, proxy_socket_connections=None, seeds=None,
                 node_connections=None, skip_unavailable=None, transport_compress=None, transport_ping_schedule=None,
                 transport_compression_scheme=None):
        self.mode = mode
        self.proxy_address = proxy_address
        self.server_name = server_name
        self.proxy_socket_connections = proxy_socket_connections
        self.seeds = seeds
        self.node_connections = node_connections
        self.skip_unavailable = skip_unavailable
        self.transport_compress = transport_compress
        self.transport_ping_schedule = transport_ping_schedule
        self.transport_compression_scheme = transport_compression_scheme

    @classmethod
    def from_dict(cls, data):
        """Build from a dict; keys that are not spec fields (for example other module params) are ignored."""
        data = data or {}
        return cls(**dict((field, data.get(field)) for field in SPEC_FIELDS))

    def to_dict(self):
        return dict((field, getattr(self, field)) for field in SPEC_FIELDS)

    def __eq__(self, other):
        return isinstance(other, RemoteSpec) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "RemoteSpec(%s)" % ", ".join("%s=%r" % (k, v) for k, v in self.to_dict().items() if v is not None)


def _spec_dict(spec):
    if spec is None:
        return dict((field, None) for field in SPEC_FIELDS)
    if isinstance(spec, RemoteSpec):
        return spec.to_dict()
    if isinstance(spec, dict):
        return RemoteSpec.from_dict(spec).to_dict()
    raise TypeError("spec must be a RemoteSpec or a dict, got %s" % type(spec).__name__)


def _is_set(value):
    return value is not None and value != [] and value != ()


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def resolve_mode(spec):
    """The mode to send: the spec's ``mode`` (lowercased) or, when unset, ``sniff`` if only seeds are given, else ``proxy``.

    ``proxy`` is the default because ECE, ECH and ECK remotes are proxy-only in practice (scenarios.md R7).
    """
    data = _spec_dict(spec)
    mode = data.get("mode")
    if mode is not None:
        return str(mode).strip().lower()
    if _is_set(data.get("seeds")) and not _is_set(data.get("proxy_address")):
        return "sniff"
    return DEFAULT_MODE


def _check_positive_int(name, value):
    if value is None:
        return []
    if isinstance(value, bool):
        return ["%s must be an integer >= 1, got %r" % (name, value)]
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _PORT_RE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return ["%s must be an integer >= 1, got %r" % (name, value)]
    if number < 1:
        return ["%s must be an integer >= 1, got %d" % (name, number)]
    return []


def _bool_text(value):
    """'true'/'false' for a bool or a boolean string, else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    return None


def validate_spec(alias, spec, strict_alias=False):
    """Validate the alias and the desired state of one remote. Returns a list of error strings."""
    data = _spec_dict(spec)
    errors = list(validate_alias(alias, strict=strict_alias))

    raw_mode = data.get("mode")
    if raw_mode is not None and str(raw_mode).strip().lower() not in MODES:
        errors.append("mode must be 'proxy' or 'sniff', got %r" % (raw_mode,))
        return errors
    mode = resolve_mode(data)

    if mode == "proxy":
        for field in SNIFF_ONLY_FIELDS:
            if _is_set(data.get(field)):
                errors.append("option '%s' can only be used with mode 'sniff', but mode is 'proxy'; remove %s or set mode to 'sniff'"
                              % (field, field))
        address = data.get("proxy_address")
        if not _is_set(address):
            errors.append("mode 'proxy' requires proxy_address (host:port), for example '%s'" % _ADDRESS_EXAMPLE)
        else:
            errors.extend(validate_address(address, what="proxy_address"))
        if data.get("server_name") not in (None, ""):
            errors.extend(validate_server_name(data.get("server_name")))
        errors.extend(_check_positive_int("proxy_socket_connections", data.get("proxy_socket_connections")))
    else:
        for field in PROXY_ONLY_FIELDS:
            if _is_set(data.get(field)):
                errors.append("option '%s' can only be used with mode 'proxy', but mode is 'sniff'; remove %s or set mode to 'proxy'"
                              % (field, field))
        seeds = _as_list(data.get("seeds"))
        if not seeds:
            errors.append("mode 'sniff' requires seeds (a list of host:port), for example ['%s']" % _ADDRESS_EXAMPLE)
        else:
            for index, seed in enumerate(seeds):
                errors.extend(validate_address(seed, what="seeds[%d]" % index))
        errors.extend(_check_positive_int("node_connections", data.get("node_connections")))

    skip = data.get("skip_unavailable")
    if skip is not None and _bool_text(skip) is None:
        errors.append("skip_unavailable must be true or false, got %r" % (skip,))

    compress = data.get("transport_compress")
    if compress is not None:
        text = _bool_text(compress) or (compress.strip().lower() if isinstance(compress, str) else None)
        if text not in TRANSPORT_COMPRESS_VALUES:
            errors.append("transport_compress must be one of true, false, indexing_data; got %r" % (compress,))

    ping = data.get("transport_ping_schedule")
    if ping is not None and not _valid_time_value(ping):
        errors.append("transport_ping_schedule must be a time value with a unit such as '30s' or '5m', or -1 to disable it; got %r"
                      % (ping,))

    scheme = data.get("transport_compression_scheme")
    if scheme is not None and (not isinstance(scheme, str) or scheme.strip().lower() not in COMPRESSION_SCHEMES):
        errors.append("transport_compression_scheme must be one of deflate, lz4; got %r" % (scheme,))
    return errors


def _valid_time_value(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in (-1, 0)
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text in ("-1", "0") or bool(TIME_VALUE_RE.fullmatch(text))


# ---------------------------------------------------------------------------------------------
# Normalisation and reading GET _cluster/settings
# ---------------------------------------------------------------------------------------------

def normalize_value(value):
    """Render a value the way ``GET _cluster/settings`` returns it.

    Booleans -> ``"true"``/``"false"``, numbers -> ``str``, lists -> lists of normalised values, dicts
    recursively, ``None`` stays ``None``, strings unchanged.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [normalize_value(item) for item in value]
    if isinstance(value, dict):
        return dict((key, normalize_value(item)) for key, item in value.items())
    if isinstance(value, str):
        return value
    return str(value)


def flatten_settings(obj, prefix=""):
    """Flatten nested and/or dotted setting maps into ``{"a.b.c": value}``.

    ``{"cluster": {"remote": {"a": {"mode": "proxy"}}}}``, ``{"cluster.remote.a.mode": "proxy"}`` and mixes
    of both forms give the same result. Empty objects produce nothing. If the same flat key appears in
    both forms, the one that comes later in the input wins.
    """
    flat = {}
    if not isinstance(obj, dict):
        return flat
    for key, value in obj.items():
        full = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_settings(value, full))
        else:
            flat[full] = value
    return flat


def remote_prefix(alias):
    """``cluster.remote.<alias>.``"""
    return "%s%s." % (REMOTE_PREFIX, alias)


def setting_key(alias, suffix):
    """``cluster.remote.<alias>.<suffix>``"""
    return remote_prefix(alias) + suffix


def current_remote(settings_response, alias, scope="persistent"):
    """``{suffix: normalised value}`` of one alias in one scope of a ``GET _cluster/settings`` body.

    Works with nested or ``flat_settings=true`` bodies. Returns ``{}`` when the alias has nothing set.
    """
    section = (settings_response or {}).get(scope) or {}
    prefix = remote_prefix(alias)
    result = {}
    for key, value in flatten_settings(section).items():
        if key.startswith(prefix) and len(key) > len(prefix) and value is not None:
            result[key[len(prefix):]] = normalize_value(value)
    return result


def _is_remote_suffix(suffix):
    return suffix in KNOWN_SUFFIXES or suffix.startswith(KNOWN_SUFFIX_PREFIXES)


def all_aliases(settings_response, scope="persistent"):
    """Sorted aliases that have at least one per-alias setting in ``scope``.

    Global settings such as ``cluster.remote.initial_connect_timeout`` or ``cluster.remote.node.attr`` are not aliases.
    """
    section = (settings_response or {}).get(scope) or {}
    aliases = set()
    for key, value in flatten_settings(section).items():
        if value is None or not key.startswith(REMOTE_PREFIX):
            continue
        alias, sep, suffix = key[len(REMOTE_PREFIX):].partition(".")
        if alias and sep and _is_remote_suffix(suffix):
            aliases.add(alias)
    return sorted(aliases)


def desired_remote(spec, version=None):
    """``{suffix: normalised value}`` for everything the user manages; unmanaged (None) fields are left out.

    ``mode`` is always present (see ``resolve_mode``), because Elasticsearch defaults to sniff.
    ``skip_unavailable`` is only present when the user set it; ``default_skip_unavailable(version)`` or
    ``effective_skip_unavailable`` give the value in force otherwise. ``version`` is accepted so callers can
    pass the local cluster version; no desired value depends on it today.
    """
    del version  # reserved: see docstring
    data = _spec_dict(spec)
    desired = {"mode": resolve_mode(data)}
    for field in SPEC_FIELDS:
        if field == "mode":
            continue
        value = data.get(field)
        if value is None:
            continue
        suffix = FIELD_TO_SUFFIX[field]
        if field == "seeds":
            seeds = _as_list(value)
            if not seeds:
                continue
            desired[suffix] = [normalize_value(seed) for seed in seeds]
        elif field in ("skip_unavailable", "transport_compress"):
            desired[suffix] = _bool_text(value) or normalize_value(value).strip().lower()
        elif field in ("transport_ping_schedule", "transport_compression_scheme"):
            desired[suffix] = normalize_value(value).strip().lower()
        elif field in ("proxy_socket_connections", "node_connections"):
            desired[suffix] = normalize_value(int(value) if isinstance(value, str) and _PORT_RE.fullmatch(value.strip()) else value)
        else:
            desired[suffix] = normalize_value(value)
    return desired


def effective_skip_unavailable(current, desired, version=None):
    """The ``skip_unavailable`` value in force: desired if managed, else current if set, else the version default.

    Returns ``"true"``, ``"false"`` or ``None`` (unknown).
    """
    for source in (desired or {}, current or {}):
        value = source.get("skip_unavailable")
        if value is not None:
            return _bool_text(value) or normalize_value(value)
    default = default_skip_unavailable(version)
    return None if default is None else ("true" if default else "false")


# ---------------------------------------------------------------------------------------------
# Planning requests
# ---------------------------------------------------------------------------------------------

def values_equal(suffix, current, desired):
    """Compare two values of one setting after normalisation ("18" == 18, "true" == True, "PROXY" == "proxy")."""
    left, right = normalize_value(current), normalize_value(desired)
    if left is None or right is None:
        return left is right
    if isinstance(left, list) or isinstance(right, list):
        left, right = _as_list(left), _as_list(right)
        if suffix in CASE_INSENSITIVE_SUFFIXES:
            left, right = [str(v).lower() for v in left], [str(v).lower() for v in right]
        if suffix in UNORDERED_SUFFIXES:
            return sorted(left, key=str) == sorted(right, key=str)
        return left == right
    if suffix in CASE_INSENSITIVE_SUFFIXES:
        return str(left).strip().lower() == str(right).strip().lower()
    return left == right


def _other_mode_suffixes(mode):
    return SNIFF_ONLY_SUFFIXES if mode == "proxy" else PROXY_ONLY_SUFFIXES


def _changes(current, desired):
    """``{suffix: new value or None}``: what must be sent to go from current to desired."""
    current = dict((k, normalize_value(v)) for k, v in (current or {}).items() if v is not None)
    desired = dict((k, normalize_value(v)) for k, v in (desired or {}).items() if v is not None)
    mode = desired.get("mode")
    if mode is None:
        raise ValueError("the desired state must include 'mode' (use desired_remote())")
    mode = str(mode).strip().lower()
    if mode not in MODES:
        raise ValueError("mode must be 'proxy' or 'sniff', got %r" % (desired.get("mode"),))
    other = _other_mode_suffixes(mode)
    conflicting = sorted(s for s in other if _is_set(desired.get(s)))
    if conflicting:
        raise ValueError("settings %s cannot be used with mode '%s'" % (", ".join(conflicting), mode))
    changes = {}
    for suffix, value in desired.items():
        if not values_equal(suffix, current.get(suffix), value):
            changes[suffix] = value
    # Elasticsearch rejects a request that leaves keys of the other mode in place, so null every one that is set.
    for suffix in other:
        if suffix in current:
            changes[suffix] = None
    return changes


def plan_update(alias, current, desired):
    """Plan a create/update of one remote.

    ``current`` comes from ``current_remote``, ``desired`` from ``desired_remote`` (suffix -> value; ``None``
    values are not managed). Returns ``(changed, fragment)`` where ``fragment`` maps flat keys
    ``cluster.remote.<alias>.<suffix>`` to the value to send, ``None`` meaning JSON ``null``. When the mode
    differs, the fragment sets the new mode and address and nulls every key of the other mode that is set, in
    one request. Keys that are set but not managed are left alone (unless they belong to the other mode).

    Raises ValueError when ``desired`` has no valid mode or mixes keys of the other mode.
    """
    prefix = remote_prefix(alias)
    changes = _changes(current, desired)
    fragment = dict((prefix + suffix, changes[suffix]) for suffix in sorted(changes))
    return bool(fragment), fragment


def plan_removal(alias, current):
    """Fragment that sets every currently present key of the alias to ``None`` (``{}`` when nothing is set)."""
    prefix = remote_prefix(alias)
    return dict((prefix + suffix, None) for suffix in sorted(current or {}) if (current or {})[suffix] is not None)


def build_body(fragment, scope="persistent"):
    """``PUT _cluster/settings`` body: ``{"persistent": fragment}`` (or ``transient``)."""
    if scope not in ("persistent", "transient"):
        raise ValueError("scope must be 'persistent' or 'transient', got %r" % (scope,))
    return {scope: dict(fragment or {})}


def diff_view(current, desired, alias=None):
    """``{"before": ..., "after": ...}`` for Ansible's ``--diff``.

    ``desired=None`` means removal (after is empty). With ``alias`` the keys are full setting keys,
    otherwise suffixes.
    """
    before = dict((k, normalize_value(v)) for k, v in (current or {}).items() if v is not None)
    if desired is None:
        after = {}
    else:
        after = dict(before)
        for suffix, value in _changes(before, desired).items():
            if value is None:
                after.pop(suffix, None)
            else:
                after[suffix] = value
    if alias is not None:
        prefix = remote_prefix(alias)
        before = dict((prefix + k, v) for k, v in before.items())
        after = dict((prefix + k, v) for k, v in after.items())
    return {"before": dict(sorted(before.items())), "after": dict(sorted(after.items()))}
