# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) over ECE deployment trust settings (``ElasticsearchClusterTrustSettings``):
``{"accounts": [...], "external": [...], "direct": [...]}``, as read from
``GET /deployments/{id}?show_settings=true`` at ``resources.elasticsearch[i].info.settings.trust``.

What this guards against: ECE replaces whole arrays on write, empties an array that is left out and
blanks a field that is not sent (terraform-provider-ec#842: account ``name`` blanked, ``direct``
wiped). So the collection always merges the desired entries into the complete current object,
keeps everything it was not told about verbatim, and sends every list back (``trust_for_update``).

Entry keys: ``accounts`` by ``account_id``; ``external`` by ``trust_relationship_id``; ``direct`` by
``uid`` when the desired entry gives one, else by ``name`` (names must be unique among direct entries).

Comparison semantics (``normalize_trust``): entry order is irrelevant (entries are compared by key);
``trust_allowlist`` and ``additional_node_names`` are compared as sets (membership is what ECE
enforces; the collection does not rely on ECE keeping their order); certificates are compared as
sets of SHA-256 fingerprints; read-only fields (certificate ``metadata``, external ``name``) are
ignored; a missing list equals an empty list; a missing ``type`` equals ``generic``; an empty account
``name`` equals a missing one.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re

from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import (
    CertificateError, HAS_CRYPTOGRAPHY, certificate_info, fingerprints, split_pem)

KINDS = ("accounts", "external", "direct")
KEY_FIELD = {"accounts": "account_id", "external": "trust_relationship_id", "direct": "name"}
KIND_NOUN = {"accounts": "account trust", "external": "external trust", "direct": "direct trust"}
DIRECT_TYPES = ("ECE", "ESS", "generic", "proxy")
DEFAULT_DIRECT_TYPE = "generic"
ALLOWLIST_MODES = ("replace", "add", "remove")
STATES = ("present", "absent")
# The spec says "a lowercase alphanumerical string of max 32 characters", but Elastic's own ECE-with-ECK guide has
# users enter "default.es.local" (the ECK scope <namespace>.es.local) in the same field: dot-separated labels of
# lowercase alphanumerics and dashes are accepted (docs/open-questions.md).
SCOPE_ID_RE = re.compile(r"(?=.{1,63}$)[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*")

# Fields that are read-only (ignored on write) per kind; they never cause a difference.
READ_ONLY_FIELDS = {"accounts": (), "external": ("name",), "direct": ()}
# List fields compared as sets.
SET_FIELDS = ("trust_allowlist", "additional_node_names")


class TrustError(ValueError):
    """A desired or current trust object cannot be merged (duplicate or missing keys, bad options)."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _lists(trust, what="trust"):
    """``{kind: list}`` for every kind (missing or None -> []). Raises TrustError for unknown keys or non-lists."""
    trust = trust or {}
    if not isinstance(trust, dict):
        raise TrustError("the %s must be a dict with the keys accounts, external and direct" % what)
    unknown = sorted(set(trust) - set(KINDS))
    if unknown:
        raise TrustError("the %s has unknown key(s) %s; use accounts, external or direct" % (what, ", ".join(unknown)))
    result = {}
    for kind in KINDS:
        entries = trust.get(kind)
        if entries is None:
            entries = []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise TrustError("%s.%s must be a list of dicts" % (what, kind))
        result[kind] = entries
    return result


def entry_label(kind, entry, index=None):
    """``direct trust 'corp CA' (direct[2])``: how messages name an entry."""
    noun = KIND_NOUN[kind]
    key = entry.get(KEY_FIELD[kind]) if isinstance(entry, dict) else None
    if not key and kind == "direct" and isinstance(entry, dict) and entry.get("uid"):
        label = "%s with uid %r" % (noun, entry["uid"])
    elif key:
        label = "%s %r" % (noun, key)
    else:
        label = noun
    if index is not None:
        label += " (%s[%d])" % (kind, index)
    return label


def _pems_of(certificates):
    """Normalised PEM strings from a certificates value: a list of ``{pem}`` dicts or strings, or one text."""
    if certificates is None:
        return []
    items = certificates if isinstance(certificates, list) else [certificates]
    pems = []
    for item in items:
        text = item.get("pem") if isinstance(item, dict) else item
        if text is None:
            raise CertificateError("a certificate has no pem")
        pems.extend(split_pem(text))
    return pems


def _fingerprint_set(certificates):
    """Fingerprint set of a certificates list; unreadable entries compare by their stripped text."""
    result = set()
    for item in certificates or []:
        text = item.get("pem") if isinstance(item, dict) else item
        try:
            result.update(fingerprints(text))
        except CertificateError:
            result.add("unreadable:" + re.sub(r"\s+", "", str(text)))
    return result


def _union(first, second):
    result = list(first)
    for item in second:
        if item not in result:
            result.append(item)
    return result


def _index_current(kind, entries):
    """``(by_key, by_uid, duplicate_names)`` of current entries."""
    by_key, by_uid, duplicates = {}, {}, set()
    field = KEY_FIELD[kind]
    for entry in entries:
        key = entry.get(field)
        if key not in (None, ""):
            if key in by_key and kind == "direct":
                duplicates.add(key)
            elif key in by_key:
                raise TrustError("the current trust has two %s entries with %s %r; fix it in the ECE UI first"
                                 % (kind, field, key))
            by_key.setdefault(key, entry)
        if kind == "direct" and entry.get("uid"):
            by_uid[entry["uid"]] = entry
    return by_key, by_uid, duplicates


# ---------------------------------------------------------------------------------------------
# Merge
# ---------------------------------------------------------------------------------------------

def _desired_entries(kind, entries):
    """Check desired entries: state values, keys present, no duplicates. Returns them unchanged."""
    field = KEY_FIELD[kind]
    seen_keys, seen_names = set(), set()
    for index, entry in enumerate(entries):
        label = entry_label(kind, entry, index)
        state = entry.get("state") or "present"
        if state not in STATES:
            raise TrustError("%s: state must be present or absent, got %r" % (label, state))
        if kind == "direct":
            if not entry.get("uid") and not entry.get("name"):
                raise TrustError("%s: give the name (or the uid) of the direct trust entry" % label)
            if entry.get("uid"):
                if entry["uid"] in seen_keys:
                    raise TrustError("%s: uid %r is given twice in the desired trust" % (label, entry["uid"]))
                seen_keys.add(entry["uid"])
            if entry.get("name"):
                if entry["name"] in seen_names:
                    raise TrustError("direct trust names must be unique, but the desired trust names %r twice (%s)"
                                     % (entry["name"], label))
                seen_names.add(entry["name"])
        else:
            if not entry.get(field):
                raise TrustError("%s: %s is required" % (label, field))
            if entry[field] in seen_keys:
                raise TrustError("%s: %s %r is given twice in the desired trust" % (label, field, entry[field]))
            seen_keys.add(entry[field])
    return entries


def _find(kind, desired, by_key, by_uid, duplicates, label):
    """The current entry a desired entry names (or None)."""
    if kind == "direct" and desired.get("uid"):
        match = by_uid.get(desired["uid"])
        if match is None and (desired.get("state") or "present") == "present":
            raise TrustError("%s: no current direct trust entry has uid %r; leave uid out to create a new entry, or use "
                             "the uid shown by the deployment" % (label, desired["uid"]))
        return match
    key = desired.get(KEY_FIELD[kind])
    if kind == "direct" and key in duplicates:
        raise TrustError("direct trust names must be unique, but the deployment has several direct entries named %r; "
                         "address the entry by its uid, or rename the duplicates in the ECE UI" % key)
    return by_key.get(key)


def _merge_allowlist(current, desired, mode):
    current = list(current or [])
    desired = list(desired or [])
    if mode == "add":
        return _union(current, desired)
    if mode == "remove":
        return [item for item in current if item not in desired]
    return _union([], desired)


def _merged_certificates(current, desired, label):
    try:
        pems = _pems_of(desired)
    except CertificateError as exc:
        raise TrustError("%s: certificates: %s" % (label, exc))
    if not pems:
        raise TrustError("%s: certificates must not be empty; give at least one CA certificate in PEM format" % label)
    if current and _fingerprint_set(current) == set(fingerprints(pems)):
        return copy.deepcopy(current)
    unique = []
    seen = set()
    for pem, digest in zip(pems, fingerprints(pems)):
        if digest not in seen:
            seen.add(digest)
            unique.append({"pem": pem})
    return unique


def _merge_entry(kind, current, desired, allowlist_mode, label):
    """A present desired entry applied to a current one (``current`` None for a new entry)."""
    result = copy.deepcopy(current) if current is not None else {}
    for field, value in desired.items():
        if field == "state" or value is None:
            continue
        if field in READ_ONLY_FIELDS[kind]:
            continue
        if field == "uid" and current is not None:
            continue  # matched by uid: keep it
        if field == "trust_allowlist":
            result[field] = _merge_allowlist(result.get(field), value, allowlist_mode)
        elif field == "certificates":
            result[field] = _merged_certificates(result.get(field), value, label)
        elif isinstance(value, list):
            result[field] = list(value)
        else:
            result[field] = copy.deepcopy(value)
    return result


def merge_trust(current, desired, purge=False, allowlist_mode="replace"):
    """Apply ``desired`` to ``current`` and return the new complete trust object (inputs are not modified).

    * Entries of ``current`` that ``desired`` does not name are kept untouched (names, uids, every field), unless
      ``purge`` is true: then, for each kind whose list ``desired`` gives (even ``[]``), only the named entries remain.
      Kinds that ``desired`` leaves out (key missing or None) are never purged.
    * Desired entries take ``state: present|absent`` (default present). Named absent entries are removed.
    * A present entry updates the current one field by field: fields the desired entry leaves out (or sets to None)
      keep their current values. ``trust_allowlist`` follows ``allowlist_mode`` (``replace``, ``add``: union keeping
      the current order, ``remove``: current minus desired). ``certificates`` replace the current ones, except that
      the current entries (with their metadata) are kept verbatim when the fingerprint sets are equal. A direct
      entry matched by uid keeps its uid. External ``name`` is read-only and ignored.
    * New present entries are appended in the desired order.

    The result always has the three lists. Raises TrustError for duplicate keys, unknown uids, bad options or
    unreadable certificates. Run ``validate_trust`` on the result before writing it.
    """
    if allowlist_mode not in ALLOWLIST_MODES:
        raise TrustError("allowlist_mode must be one of %s, got %r" % (", ".join(ALLOWLIST_MODES), allowlist_mode))
    current_lists = _lists(current, "current trust")
    given = set(k for k in KINDS if isinstance(desired, dict) and desired.get(k) is not None)
    desired_lists = _lists(desired, "desired trust")
    result = {}
    for kind in KINDS:
        entries = _desired_entries(kind, desired_lists[kind])
        by_key, by_uid, duplicates = _index_current(kind, current_lists[kind])
        updates, absent, new = {}, set(), []
        for index, wanted in enumerate(entries):
            label = entry_label(kind, wanted, index)
            match = _find(kind, wanted, by_key, by_uid, duplicates, label)
            if match is not None and (id(match) in absent or id(match) in updates):
                raise TrustError("%s: this entry is already named by another desired entry (once by uid and once by "
                                 "name?); name each entry once" % label)
            if (wanted.get("state") or "present") == "absent":
                if match is not None:
                    absent.add(id(match))
            elif match is not None:
                updates[id(match)] = _merge_entry(kind, match, wanted, allowlist_mode, label)
            else:
                new.append(_merge_entry(kind, None, wanted, allowlist_mode, label))
        merged = []
        for entry in current_lists[kind]:
            if id(entry) in absent:
                continue
            if id(entry) in updates:
                merged.append(updates[id(entry)])
            elif not (purge and kind in given):
                merged.append(copy.deepcopy(entry))
        merged.extend(new)
        if kind == "direct":
            names = [e.get("name") for e in merged]
            clashes = sorted(set(n for n in names if n and names.count(n) > 1))
            if clashes and set(clashes) - duplicates:
                raise TrustError("direct trust names must be unique, but the result would have several direct entries "
                                 "named %s; choose another name" % ", ".join(repr(n) for n in clashes))
        result[kind] = merged
    return result


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def _is_string_list(value):
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _validate_common(kind, entry, label, errors):
    field = KEY_FIELD[kind]
    if not isinstance(entry.get(field), str) or not entry.get(field):
        errors.append("%s: %s is required" % (label, field))
    if not isinstance(entry.get("trust_all"), bool):
        if entry.get("trust_all") is None:
            errors.append("%s: trust_all is required; set it to true to trust every cluster, or to false and list "
                          "cluster IDs in trust_allowlist" % label)
        else:
            errors.append("%s: trust_all must be true or false, got %r" % (label, entry.get("trust_all")))
    allowlist = entry.get("trust_allowlist")
    if allowlist is not None and not _is_string_list(allowlist):
        errors.append("%s: trust_allowlist must be a list of Elasticsearch cluster IDs (strings)" % label)


def _validate_direct(entry, label, errors):
    entry_type = entry.get("type") or DEFAULT_DIRECT_TYPE
    if entry_type not in DIRECT_TYPES:
        errors.append("%s: type must be one of %s, got %r" % (label, ", ".join(DIRECT_TYPES), entry_type))
    certificates = entry.get("certificates")
    if not certificates:
        errors.append("%s: certificates is required; give at least one CA certificate in PEM format" % label)
    elif not isinstance(certificates, list):
        errors.append("%s: certificates must be a list of {pem: ...}" % label)
    else:
        for number, item in enumerate(certificates):
            text = item.get("pem") if isinstance(item, dict) else None
            if not text:
                errors.append("%s: certificates[%d] has no pem; give the CA certificate in PEM format" % (label, number))
                continue
            try:
                count = len(split_pem(text))
            except CertificateError as exc:
                errors.append("%s: certificates[%d].pem: %s" % (label, number, exc))
                continue
            if count != 1:
                errors.append("%s: certificates[%d].pem holds %d certificates; give one certificate per entry"
                              % (label, number, count))
    scope_id = entry.get("scope_id")
    allowlist = entry.get("trust_allowlist") or []
    node_names = entry.get("additional_node_names")
    if entry_type == "proxy":
        if entry.get("trust_all") is True:
            errors.append("%s: type proxy requires trust_all false" % label)
        for field in ("scope_id", "trust_allowlist", "additional_node_names"):
            if entry.get(field) not in (None, "", []):
                errors.append("%s: type proxy does not take %s; remove it" % (label, field))
        return
    if scope_id not in (None, ""):
        if not isinstance(scope_id, str) or not SCOPE_ID_RE.fullmatch(scope_id):
            errors.append("%s: scope_id %r is invalid; use lowercase letters and digits (the ECH organization ID or "
                          "the ECE environment ID; dot-separated labels such as default.es.local for ECK)" % (label, scope_id))
    else:
        if entry.get("trust_all") is True:
            errors.append("%s: scope_id is required when trust_all is true (the ECH organization ID or the ECE "
                          "environment ID of the trusted clusters)" % label)
        if allowlist:
            errors.append("%s: scope_id is required when trust_allowlist is not empty" % label)
        if not node_names:
            errors.append("%s: additional_node_names is required when there is no scope_id; list the node names "
                          "of the trusted clusters, or set scope_id" % label)
    if node_names is not None:
        if not _is_string_list(node_names):
            errors.append("%s: additional_node_names must be a list of node names (strings)" % label)
        else:
            wild = [n for n in node_names if "*" in n or "?" in n]
            if wild:
                errors.append("%s: additional_node_names must not contain wildcards (%s); list each node name"
                              % (label, ", ".join(wild)))


def validate_trust(trust):
    """Check a complete trust object against ECE's rules before it is written. Returns a list of error strings."""
    try:
        lists = _lists(trust)
    except TrustError as exc:
        return [str(exc)]
    errors = []
    for kind in KINDS:
        seen = {}
        for index, entry in enumerate(lists[kind]):
            label = entry_label(kind, entry, index)
            if kind == "direct":
                if not isinstance(entry.get("name"), str) or not entry.get("name"):
                    errors.append("%s: name is required" % label)
                if not isinstance(entry.get("trust_all"), bool):
                    errors.append("%s: trust_all is required (true or false)" % label)
                _validate_direct(entry, label, errors)
            else:
                _validate_common(kind, entry, label, errors)
            key = entry.get(KEY_FIELD[kind])
            if key:
                if key in seen:
                    errors.append("%s: %s %r is used by %s[%d] too; %s must be unique" % (
                        label, KEY_FIELD[kind], key, kind, seen[key], KEY_FIELD[kind]))
                else:
                    seen[key] = index
    return errors


# ---------------------------------------------------------------------------------------------
# Comparison and write body
# ---------------------------------------------------------------------------------------------

def _normalize_entry(kind, entry):
    result = {}
    for field, value in entry.items():
        if value is None or field == "state" or field in READ_ONLY_FIELDS[kind]:
            continue
        if field in SET_FIELDS:
            result[field] = sorted(set(value))
        elif field == "certificates":
            result[field] = sorted(_fingerprint_set(value))
        else:
            result[field] = copy.deepcopy(value)
    if kind == "accounts" and result.get("name") == "":
        del result["name"]
    if kind == "direct":
        result.setdefault("type", DEFAULT_DIRECT_TYPE)
        result.setdefault("certificates", [])
    for field in ("trust_allowlist",) + (("additional_node_names",) if kind == "direct" else ()):
        result.setdefault(field, [])
    return result


def normalize_trust(trust):
    """A comparable form of a trust object (see the module docstring for the semantics)."""
    lists = _lists(trust)
    result = {}
    for kind in KINDS:
        entries = [_normalize_entry(kind, e) for e in lists[kind]]
        result[kind] = sorted(entries, key=lambda e: (str(e.get(KEY_FIELD[kind])), str(e.get("uid"))))
    return result


def trust_changed(current, new):
    """Whether writing ``new`` would change ``current`` (by normalize_trust)."""
    return normalize_trust(current) != normalize_trust(new)


def trust_for_update(new):
    """The ``settings.trust`` body fragment to send: every list present, certificates as ``{pem}`` only.

    ECE replaces whole arrays and empties a missing one, so all three lists are always sent. Account ``name`` and
    direct ``uid`` are kept (a missing name would be blanked, a missing uid would make a new entry); certificate
    ``metadata``, external ``name`` (read-only), ``state`` and None values are dropped.
    """
    lists = _lists(new)
    body = {}
    for kind in KINDS:
        entries = []
        for entry in lists[kind]:
            out = {}
            for field, value in entry.items():
                if value is None or field == "state" or field in READ_ONLY_FIELDS[kind]:
                    continue
                if field == "certificates":
                    out[field] = [{"pem": item.get("pem") if isinstance(item, dict) else item} for item in value]
                else:
                    out[field] = copy.deepcopy(value)
            entries.append(out)
        body[kind] = entries
    return body


def _cert_summary(item):
    text = item.get("pem") if isinstance(item, dict) else item
    try:
        digests = fingerprints(text)
    except CertificateError as exc:
        return {"fingerprint": None, "subject": None, "error": str(exc)}
    summary = {"fingerprint": digests[0] if len(digests) == 1 else digests, "subject": None}
    if HAS_CRYPTOGRAPHY and len(digests) == 1:
        summary["subject"] = certificate_info(text)["subject"]
    return summary


def redact_trust_for_diff(trust):
    """A copy of a trust object for ``--diff``: certificates as ``{fingerprint, subject}`` instead of PEM."""
    lists = _lists(trust)
    result = {}
    for kind in KINDS:
        entries = []
        for entry in lists[kind]:
            out = copy.deepcopy(entry)
            if isinstance(out.get("certificates"), list):
                out["certificates"] = [_cert_summary(item) for item in entry["certificates"]]
            entries.append(out)
        result[kind] = entries
    return result
