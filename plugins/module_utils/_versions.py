# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) about Elasticsearch versions: parsing, the cross-cluster search (CCS)
"supported configuration" rule, the cross-cluster replication (CCR) rule, the minimum wire
compatibility version, the API key security model prerequisite and feature gates.

Every check returns ``(ok, reason)``: ``reason`` is a sentence an operator can act on.

Sources (see the collection's research notes, es-api.md section 5 and scenarios.md R1/R1b/R2):

* CCS: "Elastic supports searches from a local cluster to a remote cluster running the previous
  minor version, the same version, or a newer minor version in the same major version. Elastic
  also supports searches from a local cluster running the last minor version of a major version
  to a remote cluster running any minor version in the following major version." 8.18 was
  released together with 9.0: 8.18 can search 9.0 only, 9.0 can search 8.18 only (not 8.19).
  The rule matches every cell of the docs table (elastic/docs-content,
  deploy-manage/remote-clusters/_snippets/ccs-compatibility-table.md); the unit tests check it.
* CCR: the follower must run the same or a newer version than the leader, patch level included,
  and the two must be able to talk at all: the leader is at least the follower's minimum wire
  compatibility version (the last minor of the previous major).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

_VERSION_RE = re.compile(r"[vV]?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?")

# Final minor of each finished major. A major missing here has no known last minor yet.
LAST_MINOR = {5: 6, 6: 8, 7: 17, 8: 19}

# The API key security model is GA from 8.14 and the ECE/ECH docs require it on both clusters.
API_KEY_MODEL_SINCE = (8, 14, 0)

# feature name -> (first version, what it means)
FEATURES = {
    "cross_cluster_api_key": ((8, 14, 0), "cross-cluster API keys and the API key security model (GA)"),
    "reload_remote_credentials": ((8, 13, 0), "cluster.remote.<alias>.credentials reloadable through POST _nodes/reload_secure_settings"),
    "ece_keystore_auto_reload": ((8, 14, 0), "ECE reloads the keystore by itself after a keystore change"),
    "remote_indices": ((8, 14, 0), "remote_indices in role definitions"),
    "remote_cluster_privileges": ((8, 15, 0), "remote_cluster privileges in role definitions"),
    "resolve_cluster": ((8, 13, 0), "GET _resolve/cluster/<expression>"),
    "resolve_cluster_without_index": ((8, 18, 0), "GET _resolve/cluster without an index expression"),
    "skip_unavailable_default_true": ((8, 15, 0), "cluster.remote.<alias>.skip_unavailable defaults to true"),
    "certificate_model_deprecated": ((9, 0, 0), "the TLS certificate security model is deprecated"),
    "strong_identity": ((9, 3, 0), "certificate_identity on cross-cluster API keys and request signing (preview)"),
}


def parse_version(text):
    """Return ``(major, minor, patch)`` for ``"8.15.0"``, ``"9.1"``, ``"8.15.0-SNAPSHOT"`` or ``"v8.14.1"``.

    A tuple or list of integers is accepted as well (missing parts are 0).
    Raises ValueError when the value is not an Elasticsearch version.
    """
    if isinstance(text, (tuple, list)):
        if not 1 <= len(text) <= 3 or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in text):
            raise ValueError("%r is not an Elasticsearch version (expected something like 8.15.0 or 9.1)" % (text,))
        return tuple(list(text) + [0] * (3 - len(text)))
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise ValueError("%r is not an Elasticsearch version: expected a string such as 8.15.0 or 9.1" % (text,))
    match = _VERSION_RE.fullmatch(text.strip())
    if not match:
        raise ValueError("%r is not an Elasticsearch version (expected something like 8.15.0, 9.1 or 8.15.0-SNAPSHOT)" % (text,))
    return tuple(int(p) if p is not None else 0 for p in match.groups())


def format_version(version, parts=3):
    """``(8, 15, 0)`` -> ``"8.15.0"`` (``parts=2`` -> ``"8.15"``). Accepts anything parse_version accepts."""
    return ".".join(str(p) for p in parse_version(version)[:parts])


def _mm(version):
    return format_version(version, 2)


def _a(major):
    """The article for "a/an <major>.x" as read aloud (an 8.x, an 11.x, an 18.x)."""
    return "an" if str(major).startswith("8") or major in (11, 18) else "a"


def ccs_compatible(local, remote):
    """Whether a search from ``local`` to ``remote`` is a supported CCS configuration (major.minor only).

    Returns ``(ok, reason)``. The rule is asymmetric: ``local`` is the cluster the search is sent to.
    """
    lv, rv = parse_version(local), parse_version(remote)
    lmaj, lmin = lv[0], lv[1]
    rmaj, rmin = rv[0], rv[1]
    head = "local %s %s search remote %s" % (_mm(lv), "{}", _mm(rv))

    if lmaj == rmaj:
        if rmin >= lmin - 1:
            if rmin == lmin:
                why = "both run the same minor version"
            elif rmin > lmin:
                why = "the remote runs a newer minor of %d.x" % lmaj
            else:
                why = "the remote runs the previous minor of %d.x" % lmaj
            return True, "%s: %s" % (head.format("can"), why)
        return False, ("%s: %s %d.x cluster can only reach the previous minor, the same or a newer minor of %d.x; "
                       "upgrade the remote to %d.%d or later" % (head.format("cannot"), _a(lmaj), lmaj, lmaj, lmaj, lmin - 1))

    if rmaj == lmaj + 1:
        if (lmaj, lmin) == (8, 18):
            if (rmaj, rmin) == (9, 0):
                return True, "%s: 8.18 was released together with 9.0 and can search 9.0 clusters" % head.format("can")
            return False, ("%s: 8.18 can reach 9.0 only in the next major; only 8.19 can search 9.1 and later, "
                           "so upgrade the local cluster to 8.19" % head.format("cannot"))
        last = LAST_MINOR.get(lmaj)
        if last is None:
            return False, ("%s: only the last minor of %d.x can search %d.x clusters, and this collection knows no last "
                           "minor of %d.x yet" % (head.format("cannot"), lmaj, rmaj, lmaj))
        if lmin == last:
            return True, "%s: the last minor of %d.x can reach any minor of %d.x" % (head.format("can"), lmaj, rmaj)
        return False, ("%s: only the last minor of %d.x (%d.%d) can search %d.x clusters; upgrade the local cluster "
                       "to %d.%d first" % (head.format("cannot"), lmaj, lmaj, last, rmaj, lmaj, last))

    if rmaj == lmaj - 1:
        if (lmaj, lmin) == (9, 0):
            if (rmaj, rmin) == (8, 18):
                return True, "%s: 9.0 was released together with 8.18 and can search 8.18 clusters" % head.format("can")
            return False, ("%s: 9.0 can reach only 8.18 in the previous major (not 8.19 and not older 8.x); "
                           "upgrade the remote to 9.x" % head.format("cannot"))
        last = LAST_MINOR.get(rmaj)
        if lmin == 0 and last is not None and rmin == last:
            return True, "%s: %s %d.0 cluster can search the last minor of %d.x (%d.%d)" % (
                head.format("can"), _a(lmaj), lmaj, rmaj, rmaj, last)
        exception = ""
        if lmaj == 9:
            exception = " (only 9.0 can also reach 8.18)"
        elif last is not None:
            exception = " (only %d.0 can also reach %d.%d)" % (lmaj, rmaj, last)
        return False, ("%s: %s %d.x cluster can only reach the previous minor, the same or a newer minor of %d.x%s; "
                       "upgrade the remote to %d.%d or later" % (head.format("cannot"), _a(lmaj), lmaj, lmaj, exception,
                                                                 lmaj, max(lmin - 1, 0)))

    return False, "%s: the major versions %d and %d are too far apart" % (head.format("cannot"), lmaj, rmaj)


def minimum_wire_compatibility(version):
    """The oldest version a node of ``version`` can talk to on the transport layer, as ``(major, minor, patch)``.

    The last minor of the previous major: 7.x -> 6.8.0, 8.x -> 7.17.0, 9.0 -> 8.18.0 (released together),
    9.1+ -> 8.19.0. For 5.x and older ``(major, 0, 0)``. Raises ValueError when the previous major has no
    known last minor (pass the value from ``GET /`` ``version.minimum_wire_compatibility_version`` instead).
    """
    major, minor = parse_version(version)[:2]
    if major <= 5:
        return (major, 0, 0)
    if (major, minor) == (9, 0):
        return (8, 18, 0)
    last = LAST_MINOR.get(major - 1)
    if last is None:
        raise ValueError("the minimum wire compatibility version of %s is not known to this collection: read it from "
                         "GET / (version.minimum_wire_compatibility_version)" % format_version(version))
    return (major - 1, last, 0)


def ccr_compatible(follower, leader, follower_minwire=None):
    """Whether ``follower`` (local) can replicate from ``leader`` (remote).

    Both must hold: the follower's version is >= the leader's, patch level included; and the leader is at least
    the follower's minimum wire compatibility version (``follower_minwire``, derived when not given).
    Returns ``(ok, reason)``.
    """
    fv, lv = parse_version(follower), parse_version(leader)
    head = "follower %s %s replicate from leader %s" % (format_version(fv), "{}", format_version(lv))
    if fv < lv:
        return False, ("%s: the follower must run the same or a newer version than the leader, patch level "
                       "included; upgrade the follower to %s or later" % (head.format("cannot"), format_version(lv)))
    if follower_minwire is not None:
        minwire = parse_version(follower_minwire)
    else:
        try:
            minwire = minimum_wire_compatibility(fv)
        except ValueError:
            return True, ("%s: the follower is the same or newer than the leader (the follower's minimum wire "
                          "compatibility version is unknown and was not checked)" % head.format("can"))
    if lv < minwire:
        return False, ("%s: %s %s cluster only talks to %s or later (its minimum wire compatibility version); "
                       "upgrade the leader first" % (head.format("cannot"), _a(fv[0]), format_version(fv), format_version(minwire)))
    return True, ("%s: the follower is the same or newer than the leader, and the leader is at least the "
                  "follower's minimum wire compatibility version %s" % (head.format("can"), format_version(minwire)))


def api_key_model_supported(local, remote):
    """Whether both clusters meet the API key security model prerequisite (8.14 or later on both). ``(ok, reason)``."""
    too_old = []
    for role, version in (("local", local), ("remote", remote)):
        parsed = parse_version(version)
        if parsed < API_KEY_MODEL_SINCE:
            too_old.append("the %s cluster runs %s" % (role, format_version(parsed)))
    if too_old:
        return False, ("the API key security model needs 8.14 or later on both clusters, but %s; upgrade %s, or use "
                       "the (deprecated) TLS certificate model" % (" and ".join(too_old), "them" if len(too_old) > 1 else "it"))
    return True, "both clusters run 8.14 or later, so the API key security model is available"


def supports(feature, version):
    """Whether ``version`` has ``feature`` (one of FEATURES). Raises ValueError for an unknown feature name."""
    if feature not in FEATURES:
        raise ValueError("unknown feature %r; known features: %s" % (feature, ", ".join(sorted(FEATURES))))
    return parse_version(version) >= FEATURES[feature][0]


def default_skip_unavailable(version):
    """Elasticsearch's default for ``cluster.remote.<alias>.skip_unavailable``: true from 8.15, false before."""
    return supports("skip_unavailable_default_true", version)
