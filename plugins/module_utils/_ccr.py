# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Shared logic of the cross-cluster replication (CCR) modules ``es_ccr_follower`` and ``es_ccr_auto_follow``:

* the tuning parameters of follow, resume-follow and auto-follow (argument spec, validation, normalisation so
  that ``"32mb"`` equals ``"33554432b"`` and ``"1m"`` equals ``"60s"``);
* index and alias name checks;
* the CCR version check before any write (es-api.md section 5.3): the follower (the local cluster, ``GET /``)
  must run the same or a newer version than the leader (read through ``GET /_resolve/cluster/<alias>:<index>``,
  8.13+), patch level included, and the leader must be at least the follower's minimum wire compatibility
  version. The alias must be configured and connected; otherwise the error says what ``_remote/info`` (what
  ``es_remote_info`` reports) shows for it.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from urllib.parse import quote

from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import validate_alias
from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import (
    ccr_compatible, format_version, supports)

# name -> kind, in the order of the API documentation. Defaults (as GET /<index>/_ccr/info shows them):
# operation counts 5120, outstanding reads 12, outstanding writes 9, read size 32mb, write size
# 9223372036854775807b, buffer count 2147483647, buffer size 512mb, retry delay 500ms, poll timeout 1m.
TUNING_PARAMS = (
    ("max_read_request_operation_count", "count"),
    ("max_outstanding_read_requests", "count"),
    ("max_read_request_size", "size"),
    ("max_write_request_operation_count", "count"),
    ("max_write_request_size", "size"),
    ("max_outstanding_write_requests", "count"),
    ("max_write_buffer_count", "count"),
    ("max_write_buffer_size", "size"),
    ("max_retry_delay", "duration"),
    ("read_poll_timeout", "duration"),
)
TUNING_NAMES = tuple(name for name, kind in TUNING_PARAMS)
TUNING_DEFAULTS = {
    "max_read_request_operation_count": 5120, "max_outstanding_read_requests": 12, "max_read_request_size": "32mb",
    "max_write_request_operation_count": 5120, "max_write_request_size": "9223372036854775807b",
    "max_outstanding_write_requests": 9, "max_write_buffer_count": 2147483647, "max_write_buffer_size": "512mb",
    "max_retry_delay": "500ms", "read_poll_timeout": "1m",
}
_KINDS = dict(TUNING_PARAMS)

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb|t|tb|p|pb)\s*$", re.I)
_SIZE_UNITS = {"b": 1, "k": 1024, "kb": 1024, "m": 1024 ** 2, "mb": 1024 ** 2, "g": 1024 ** 3, "gb": 1024 ** 3,
               "t": 1024 ** 4, "tb": 1024 ** 4, "p": 1024 ** 5, "pb": 1024 ** 5}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)\s*$")
_DURATION_MS = {"nanos": 1e-6, "micros": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0, "d": 86400000.0}
MAX_RETRY_DELAY_MS = 300000.0  # Elasticsearch: "[max_retry_delay] must be less than [5m]"

_INDEX_FORBIDDEN = set('\\/*?"<>|,# :')
RESOLVE_CLUSTER_SINCE = (8, 13, 0)


def tuning_argument_spec():
    """The argument spec entries of the ten tuning parameters (counts are ints, sizes and durations strings)."""
    return dict((name, dict(type="int" if kind == "count" else "str")) for name, kind in TUNING_PARAMS)


def parse_byte_size(text):
    """Bytes of an Elasticsearch byte size such as ``32mb``, ``1024kb`` or ``9223372036854775807b``.

    A unit is required (as in Elasticsearch). Raises ValueError otherwise.
    """
    match = _SIZE_RE.match(str(text))
    if not match:
        raise ValueError("%r is not a byte size; give a number with a unit (b, kb, mb, gb, tb, pb), for example 32mb" % (text,))
    number, unit = match.groups()
    if "." not in number:
        return int(number) * _SIZE_UNITS[unit.lower()]
    value = float(number) * _SIZE_UNITS[unit.lower()]
    return int(value) if value == int(value) else value


def parse_duration(text):
    """Milliseconds of an Elasticsearch time value such as ``500ms``, ``30s`` or ``1m``. Raises ValueError."""
    match = _DURATION_RE.match(str(text))
    if not match:
        raise ValueError("%r is not a time value; give a number with a unit (nanos, micros, ms, s, m, h, d), for example 30s"
                         % (text,))
    number, unit = match.groups()
    return float(number) * _DURATION_MS[unit]


def validate_tuning(params):
    """Check the tuning parameters the user gave; raise ModuleParameterError naming the first bad one."""
    for name, kind in TUNING_PARAMS:
        value = params.get(name)
        if value is None:
            continue
        if kind == "count":
            if value <= 0:
                raise ModuleParameterError(name, "must be larger than 0, got %s" % value, "Give a positive number or leave it out for the default")
            continue
        try:
            parsed = parse_byte_size(value) if kind == "size" else parse_duration(value)
        except ValueError as exc:
            raise ModuleParameterError(name, str(exc))
        if parsed <= 0:
            raise ModuleParameterError(name, "must be larger than 0, got %r" % value)
        if name == "max_retry_delay" and parsed > MAX_RETRY_DELAY_MS:
            raise ModuleParameterError(name, "must be at most 5m (Elasticsearch's limit), got %r" % value)


def normalize_tuning(name, value):
    """A comparable form of one tuning value: counts as int, sizes in bytes, durations in milliseconds."""
    if value is None:
        return None
    kind = _KINDS[name]
    try:
        if kind == "count":
            return int(value)
        if kind == "size":
            return parse_byte_size(value)
        return parse_duration(value)
    except (TypeError, ValueError):
        return str(value)


def given_tuning(params):
    """``{name: value}`` of the tuning parameters the user set (None means not given)."""
    return dict((name, params[name]) for name in TUNING_NAMES if params.get(name) is not None)


def tuning_differences(given, current):
    """Names of the given tuning parameters whose value differs from ``current`` (a missing key differs)."""
    current = current or {}
    return [name for name in TUNING_NAMES
            if name in given and (name not in current or normalize_tuning(name, given[name]) != normalize_tuning(name, current[name]))]


def validate_index_name(name, parameter):
    """Check an index name the way Elasticsearch does (MetadataCreateIndexService.validateIndexOrAliasName)."""
    fix = "Index names are lowercase and must not contain \\ / * ? \" < > | , # : or spaces, nor start with _, - or +"
    if not isinstance(name, str) or name == "":
        raise ModuleParameterError(parameter, "must not be empty", fix)
    bad = sorted(set(ch for ch in name if ch in _INDEX_FORBIDDEN))
    if bad:
        raise ModuleParameterError(parameter, "'%s' contains %s, which an index name cannot contain%s"
                                   % (name, " ".join(repr(ch) for ch in bad),
                                      " (no wildcards: name one index)" if "*" in bad or "?" in bad else ""), fix)
    if name != name.lower():
        raise ModuleParameterError(parameter, "'%s' contains uppercase letters; index names are lowercase" % name,
                                   "Use '%s'" % name.lower())
    if name[0] in "_-+":
        raise ModuleParameterError(parameter, "'%s' starts with '%s'" % (name, name[0]), fix)
    if name in (".", ".."):
        raise ModuleParameterError(parameter, "'%s' is not a valid index name" % name, fix)
    if len(name.encode("utf-8")) > 255:
        raise ModuleParameterError(parameter, "is longer than 255 bytes", "Choose a shorter index name")


def validate_remote_alias(alias, parameter="remote_cluster"):
    """Check a remote cluster alias (the ``remote_cluster`` of CCR requests)."""
    errors = validate_alias(alias)
    if errors:
        raise ModuleParameterError(parameter, "; ".join(errors))


def resolve_cluster_path(alias, expression):
    """``/_resolve/cluster/<alias>:<expression>`` with both parts URL-quoted (``*`` kept)."""
    return "/_resolve/cluster/%s:%s" % (quote(alias, safe=""), quote(expression, safe="*"))


def describe_remote_info(entry):
    """A sentence from a ``GET /_remote/info`` entry (what es_remote_info reports for one alias)."""
    if not entry:
        return "it is not listed by GET /_remote/info"
    mode = entry.get("mode") or "sniff"
    if mode == "proxy":
        where = "proxy_address %s%s, %s of %s proxy sockets open" % (
            entry.get("proxy_address") or "(none)",
            (", server_name %s" % entry["server_name"]) if entry.get("server_name") else "",
            entry.get("num_proxy_sockets_connected", 0), entry.get("max_proxy_socket_connections", "?"))
    else:
        where = "seeds %s, %s nodes connected" % (", ".join(entry.get("seeds") or []) or "(none)", entry.get("num_nodes_connected", 0))
    model = ("API key model (cluster.remote.<alias>.credentials is loaded)" if "cluster_credentials" in entry
             else "certificate model (no credentials loaded for this alias)")
    return "GET /_remote/info reports connected=%s, mode %s, %s, %s" % (
        str(bool(entry.get("connected"))).lower(), mode, where, model)


def _remote_info(es, alias):
    try:
        body = es.get("/_remote/info").body or {}
    except EsApiError:
        return None, []
    if not isinstance(body, dict):
        return None, []
    return body.get(alias), sorted(body)


def _not_configured(es, alias, reason):
    entry, aliases = _remote_info(es, alias)
    listed = ("the configured aliases are: %s" % ", ".join(aliases)) if aliases else "no remote cluster is configured"
    return ModuleParameterError(
        "remote_cluster", "'%s' is not a remote cluster of the local (follower) cluster (%s); %s" % (alias, reason, listed),
        "Connect it first with eceops.remote_clusters.es_remote_cluster (alias '%s'), then check it with "
        "eceops.remote_clusters.es_remote_info. Nothing was changed" % alias)


def _not_connected(es, alias, error):
    entry, aliases = _remote_info(es, alias)
    if entry is None and alias not in aliases:
        return _not_configured(es, alias, error or "unknown alias")
    return ModuleParameterError(
        "remote_cluster", "the remote cluster '%s' is configured but not reachable: %s; %s" % (
            alias, error or "GET /_resolve/cluster could not connect to it", describe_remote_info(entry)),
        "Fix the connection (eceops.remote_clusters.es_remote_info diagnoses credentials, certificates, server name and "
        "versions) and run again. Nothing was changed")


def check_leader_version(module, alias, index=None):
    """Read the follower (local) and leader versions and apply the CCR rule before any write.

    ``index`` is the leader index (the follower module) or None (auto-follow: ``<alias>:*``). Returns a dict
    ``{follower, leader, compatible, reason}`` for the result; raises ModuleParameterError when the alias is not
    configured or not connected, or when the follower cannot replicate from the leader. When the local cluster is
    older than 8.13 (no ``_resolve/cluster``) the check is skipped with a warning.
    """
    es = module.es
    info = es.info()
    version_info = info.get("version") or {}
    local = version_info.get("number")
    minwire = version_info.get("minimum_wire_compatibility_version")
    if not local:
        module.warn("The local cluster's version is unknown, so the CCR version rule was not checked")
        return {"follower": None, "leader": None, "compatible": None, "reason": "the local version is unknown"}
    if not supports("resolve_cluster", local):
        module.warn("The local cluster runs %s; GET /_resolve/cluster (8.13+) is not available there, so the leader's version "
                    "was not checked. The follower must run the same or a newer version than the leader." % local)
        return {"follower": local, "leader": None, "compatible": None, "reason": "the leader version cannot be read before 8.13"}
    expressions = [index, "*"] if index and index != "*" else ["*"]
    entry = {}
    errors = []
    leader = None
    for expression in expressions:
        try:
            body = es.get(resolve_cluster_path(alias, expression)).body or {}
        except EsApiError as exc:
            if exc.status == 404 and (exc.error_type == "no_such_remote_cluster_exception" or "no such remote cluster" in str(exc)):
                raise _not_configured(es, alias, exc.reason)
            raise
        entry = body.get(alias) if isinstance(body, dict) else None
        if not isinstance(entry, dict):
            raise _not_configured(es, alias, "GET /_resolve/cluster does not list it")
        leader = (entry.get("version") or {}).get("number")
        if leader:
            break
        if entry.get("error"):
            errors.append(entry["error"])
        elif entry.get("connected"):
            # A connected remote that does not report a version predates 8.13 (older than this 8.13+ follower), and the
            # open connection proves wire compatibility: the CCR rule holds.
            return {"follower": local, "leader": None, "compatible": True,
                    "reason": "the leader does not report its version (it predates 8.13), so it is older than the follower %s"
                              % local}
    if not leader:
        text = "; ".join(errors)
        unauthorized = "unauthorized" in text or "security_exception" in text
        if not entry.get("connected") and not unauthorized:
            raise _not_connected(es, alias, text or None)
        raise ModuleParameterError("remote_cluster", "could not read the version of the remote cluster '%s': %s" % (
            alias, text or "GET /_resolve/cluster returned no version"),
            "The local user needs remote_indices privileges for the alias (eceops.remote_clusters.es_role) and, with the API key "
            "model, the cross-cluster API key must grant access on the remote; es_remote_info shows the connection. "
            "Nothing was changed")
    try:
        ok, reason = ccr_compatible(local, leader, follower_minwire=minwire)
    except ValueError as exc:
        raise ModuleParameterError("remote_cluster", "cannot compare the versions of the follower and the leader: %s" % exc)
    result = {"follower": format_version(local), "leader": format_version(leader), "compatible": ok, "reason": reason}
    if not ok:
        raise ModuleParameterError(
            "remote_cluster", "the local cluster cannot replicate from '%s' (cross-cluster replication version rule): %s" % (alias, reason),
            "Nothing was changed")
    return result
