# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) of the pipeline role ``remote_cluster`` and its building blocks ``trust``, ``credentials`` and
``connect`` for ECE and ECH deployments: what a deployment must trust so that a peer connects, whether its current
trust already admits the peer, and the ownership conventions that let ``state: absent`` remove exactly what the
collection added and nothing else (roles-design.md):

* direct trust entries are named ``eceops <alias> <peer label> <peer cluster id>`` (certificate model) and
  ``eceops <alias> <peer label> <peer cluster id> proxy`` (the ``type: proxy`` entry of the API key model)
  (:func:`entry_name`);
* additions to ``accounts`` and ``external`` allowlists (made only when ``trust_all`` is off), the entries created
  for them and the platform trust relationships created for them are recorded in the deployment metadata tag
  ``eceops-rc-<alias>`` (:func:`tag_key`) as compact JSON (:func:`record_merge`, :func:`trust_removal`);
* cross-cluster API keys are named ``<alias>-<local cluster id>`` and carry the metadata
  ``{"managed_by": "eceops.remote_clusters", "alias": <alias>}`` (:func:`key_name`, :func:`key_metadata`).

The facts are the ``side_facts_result`` of the ``side_facts`` role; the current trust is the ``trust`` object of
``ece_deployment_info`` (``accounts``, ``external``, ``direct``).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import binascii
import copy
import hashlib
import json
import re

MANAGED_BY = "eceops.remote_clusters"
TAG_PREFIX = "eceops-rc-"
ENTRY_PREFIX = "eceops"
CLOUD_TYPES = ("ece", "ech")
STACK_TYPES = ("self_managed", "eck")
RECORD_KINDS = ("accounts", "external")

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


class PipelineError(ValueError):
    """Facts or options the pipeline logic cannot work with."""


# ---------------------------------------------------------------------------------------------------------- names
def entry_name(alias, peer, proxy=False):
    """The name of a direct trust entry the collection owns: ``eceops <alias> <peer label> <peer cluster id>``, with
    `` proxy`` appended for the ``type: proxy`` entry of the API key model (so both can live on one deployment)."""
    peer = peer or {}
    label = peer.get("label") or peer.get("name") or "peer"
    ident = peer.get("cluster_id") or peer.get("cluster_name") or "unknown"
    name = "%s %s %s %s" % (ENTRY_PREFIX, alias, label, ident)
    return name + " proxy" if proxy else name


def tag_key(alias):
    """The deployment metadata tag holding what the collection added to ``accounts``/``external`` for ``alias``."""
    return TAG_PREFIX + alias


def key_name(alias, local, explicit=None):
    """The cross-cluster API key name: ``explicit`` or ``<alias>-<local cluster id>``."""
    if explicit:
        return explicit
    ident = (local or {}).get("cluster_id") or (local or {}).get("cluster_name")
    if not ident:
        raise PipelineError("the local cluster ID is unknown, so the key cannot be named; set the key name explicitly")
    return "%s-%s" % (alias, ident)


def key_metadata(alias):
    """The metadata that marks a cross-cluster API key as the collection's."""
    return {"managed_by": MANAGED_BY, "alias": alias}


# ---------------------------------------------------------------------------------------------------------- certificates
def pem_bodies(pems):
    """The base64 bodies (whitespace removed) of every certificate in ``pems`` (a PEM text, a list of them, or
    ``certificates`` items ``{pem}``), as a list without duplicates, in order."""
    out = []
    for item in _as_list(pems):
        if isinstance(item, dict):
            item = item.get("pem")
        if not item:
            continue
        for body in _PEM_RE.findall(str(item)):
            text = "".join(body.split())
            if text and text not in out:
                out.append(text)
    return out


def pem_fingerprints(pems):
    """SHA-256 fingerprints (lowercase hex) of every certificate in ``pems``."""
    out = []
    for body in pem_bodies(pems):
        try:
            der = base64.b64decode(body.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            continue
        out.append(hashlib.sha256(der).hexdigest())
    return out


def _certs_overlap(entry_certs, wanted):
    have = set(pem_bodies(entry_certs))
    return bool(have & set(pem_bodies(wanted)))


# ---------------------------------------------------------------------------------------------------------- helpers
def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _need(facts, key, what):
    value = (facts or {}).get(key)
    if value in (None, "", []):
        raise PipelineError("%s is unknown (%s of the %s side)" % (what, key, (facts or {}).get("label") or "?"))
    return value


def same_environment(a, b):
    """Whether two sides are deployments of the same ECE environment (or ECH organization)."""
    key_a = (a or {}).get("same_environment_key")
    return bool(key_a) and key_a == (b or {}).get("same_environment_key")


def peer_allow_id(peer):
    """The cluster identifier that appears in the peer's node names (``*.node.<id>.…``): the ECK Elasticsearch name,
    else the cluster ID."""
    if peer.get("type") == "eck":
        return peer.get("cluster_name") or peer.get("cluster_id")
    return peer.get("cluster_id")


def trust_kind(target, peer):
    """How ``target`` (an ECE/ECH deployment) comes to trust ``peer`` on the certificate model.

    Returns ``(kind, direct type or None)``: ``accounts`` (same environment), ``external`` (another ECE environment,
    through a platform trust relationship), or ``direct`` with ``ESS`` (an ECH organization), ``ECE`` (an ECE
    environment trusted from ECH) or ``generic`` (self-managed, ECK).
    """
    tkind, pkind = (target or {}).get("type"), (peer or {}).get("type")
    if tkind not in CLOUD_TYPES:
        raise PipelineError("trust_kind: the target must be an ECE or ECH deployment, got %r" % tkind)
    if pkind in CLOUD_TYPES and same_environment(target, peer):
        return "accounts", None
    if pkind == "ece":
        return ("external", None) if tkind == "ece" else ("direct", "ECE")
    if pkind == "ech":
        return "direct", "ESS"
    if pkind in STACK_TYPES:
        return "direct", "generic"
    raise PipelineError("trust_kind: unknown peer type %r" % pkind)


def desired_direct(target, peer, alias, dtype):
    """The direct trust entry (``ece_deployment_trust`` ``direct`` item) that makes ``target`` trust ``peer``."""
    certs = _need(peer, "transport_ca_pems", "the CA that signs the peer's node certificates")
    entry = {"name": entry_name(alias, peer), "type": dtype, "trust_all": False, "certificates": list(certs)}
    scope = peer.get("environment_id")
    if peer.get("type") == "self_managed" and not scope:
        names = _as_list(peer.get("node_names"))
        if not names:
            raise PipelineError("the self-managed peer has neither scope_id nor node_names: one of them is needed "
                                "to trust its node certificates")
        entry["additional_node_names"] = names
        return entry
    if not scope:
        raise PipelineError("the scope of the %s side's node names is unknown (%s); give it explicitly"
                            % (peer.get("label") or "peer", {"ech": "the Elastic Cloud organization ID: organization_id of the side",
                                                             "ece": "the ECE environment ID: the API key may not read the platform",
                                                             "eck": "the namespace", "self_managed": "scope_id of the side"}.get(peer.get("type"), "?")))
    entry["scope_id"] = scope
    entry["trust_allowlist"] = [_need({"id": peer_allow_id(peer), "label": peer.get("label")}, "id", "the peer cluster ID")]
    return entry


def _direct_admits(entry, wanted):
    if (entry.get("type") or "generic") == "proxy":
        return False
    if not _certs_overlap(entry.get("certificates"), wanted["certificates"]):
        return False
    if wanted.get("additional_node_names"):
        return set(wanted["additional_node_names"]) <= set(entry.get("additional_node_names") or [])
    if entry.get("scope_id") != wanted.get("scope_id"):
        return False
    if entry.get("trust_all"):
        return True
    return bool(set(wanted.get("trust_allowlist") or []) & set(entry.get("trust_allowlist") or []))


def _keyed(current, kind, key_field, key):
    for entry in (current or {}).get(kind) or []:
        if entry.get(key_field) == key:
            return entry
    return None


# ---------------------------------------------------------------------------------------------------------- trust
def trust_plan(target, peer, current, alias, relationship_id=None):
    """What ``target`` needs so that it trusts ``peer`` (certificate model), given its ``current`` trust.

    Returns ``{kind, type, admitted, admitted_by, args, record, entry_name, summary}``: ``args`` are the
    ``ece_deployment_trust`` options to send (without the connection and deployment), ``{}`` when the peer is already
    admitted; ``record`` is what the change adds to ``accounts``/``external`` (to merge into the ``eceops-rc-<alias>``
    tag before writing), ``{}`` for direct entries (their name says they are ours).
    """
    target, peer, current = target or {}, peer or {}, current or {}
    kind, dtype = trust_kind(target, peer)
    plan = {"kind": kind, "type": dtype, "admitted": False, "admitted_by": None, "args": {}, "record": {},
            "entry_name": None, "summary": ""}
    if kind in RECORD_KINDS:
        if kind == "accounts":
            key_field, key = "account_id", target.get("account_id") or target.get("environment_id")
            if not key:
                raise PipelineError("the account ID of the %s deployment is unknown" % (target.get("label") or "target"))
        else:
            key_field, key = "trust_relationship_id", relationship_id
            if not key:
                raise PipelineError("external trust needs the ID of the trust relationship with the peer's environment")
        peer_id = _need(peer, "cluster_id", "the peer cluster ID")
        entry = _keyed(current, kind, key_field, key)
        if entry is not None and (entry.get("trust_all") or peer_id in (entry.get("trust_allowlist") or [])):
            plan.update(admitted=True, admitted_by="%s %s (%s)" % (kind, key, "trust_all" if entry.get("trust_all") else "allowlist"),
                        summary="already trusted through the %s entry %s" % (kind, key))
            return plan
        created = entry is None
        item = {key_field: key, "trust_allowlist": [peer_id]}
        if created:
            item["trust_all"] = False
        plan["args"] = {kind: [item], "allowlist_mode": "add"}
        plan["record"] = {kind: {key: {"added": [peer_id], "created": created}}}
        plan["summary"] = "%s the %s entry %s to allow cluster %s" % ("create" if created else "extend", kind, key, peer_id)
        return plan
    wanted = desired_direct(target, peer, alias, dtype)
    plan["entry_name"] = wanted["name"]
    for entry in current.get("direct") or []:
        if _direct_admits(entry, wanted):
            plan.update(admitted=True, admitted_by="direct %s" % entry.get("name"),
                        summary="already trusted through the direct entry %r" % entry.get("name"))
            return plan
    plan["args"] = {"direct": [wanted]}
    plan["summary"] = "add the direct %s entry %r" % (dtype, wanted["name"])
    return plan


def proxy_trust_plan(target, peer, current, alias, pems):
    """Whether ``target`` (ECE/ECH local of the API key model) must get a direct ``proxy`` entry trusting ``pems``
    (the CA of the remote's 9443 endpoint). ``{admitted, admitted_by, args, entry_name}``."""
    name = entry_name(alias, peer, proxy=True)
    plan = {"admitted": False, "admitted_by": None, "args": {}, "entry_name": name}
    wanted = pem_bodies(pems)
    if not wanted:
        plan.update(admitted=True, admitted_by="nothing to trust (no private CA)")
        return plan
    for entry in (current or {}).get("direct") or []:
        if entry.get("type") == "proxy" and set(wanted) <= set(pem_bodies(entry.get("certificates"))):
            plan.update(admitted=True, admitted_by="direct %s" % entry.get("name"))
            return plan
    plan["args"] = {"direct": [{"name": name, "type": "proxy", "trust_all": False, "certificates": list(_as_list(pems))}]}
    return plan


def trust_ca_needed(local, remote, mode="auto"):
    """Whether the local must be told to trust the remote's 9443 CA (API key model).

    ``never``: no; ``always``: whenever the CA is private; ``auto``: when it is private and the remote is not in the
    local's own ECE environment (a deployment trusts its own environment's proxy CA).
    """
    if mode not in ("auto", "always", "never"):
        raise PipelineError("trust_remote_ca must be auto, always or never, got %r" % (mode,))
    remote = remote or {}
    if mode == "never" or remote.get("api_key_ca_public") or not remote.get("api_key_ca_pems"):
        return False
    if mode == "always":
        return True
    return not same_environment(local, remote)


# ---------------------------------------------------------------------------------------------------------- records
def parse_record(value):
    """A record from a tag value (JSON text, a dict, or nothing)."""
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        record = copy.deepcopy(value)
    else:
        try:
            record = json.loads(value)
        except (TypeError, ValueError):
            raise PipelineError("the ownership tag does not hold JSON: %r" % (str(value)[:80],))
    if not isinstance(record, dict):
        raise PipelineError("the ownership tag does not hold a JSON object")
    return record


def record_merge(existing, addition):
    """The union of two records (``accounts``/``external`` additions and ``relationships``)."""
    out = parse_record(existing)
    addition = parse_record(addition)
    for kind in RECORD_KINDS:
        for key, item in (addition.get(kind) or {}).items():
            have = out.setdefault(kind, {}).setdefault(key, {"added": [], "created": False})
            for ident in item.get("added") or []:
                if ident not in have["added"]:
                    have["added"].append(ident)
            have["created"] = bool(have.get("created") or item.get("created"))
    for rel in addition.get("relationships") or []:
        rels = out.setdefault("relationships", [])
        if rel not in rels:
            rels.append(rel)
    return normalize_record(out)


def normalize_record(record):
    """Drop empty parts, sort lists (so that equal records serialise equally)."""
    out = {}
    for kind in RECORD_KINDS:
        items = {}
        for key, item in ((record or {}).get(kind) or {}).items():
            added = sorted(set(item.get("added") or []))
            if added:
                items[key] = {"added": added, "created": bool(item.get("created"))}
        if items:
            out[kind] = items
    rels = sorted(set((record or {}).get("relationships") or []))
    if rels:
        out["relationships"] = rels
    return out


def record_text(record):
    """The tag value of a record (compact JSON, keys sorted), or '' for an empty record."""
    record = normalize_record(parse_record(record))
    return json.dumps(record, sort_keys=True, separators=(",", ":")) if record else ""


def trust_removal(target, peer, current, record, alias):
    """What ``state: absent`` removes from ``target``'s trust for ``peer``.

    Returns ``{args, record, relationships, summary}``: ``args`` for ``ece_deployment_trust`` (``{}`` when nothing
    is to be removed), the remaining ``record`` (to write back; empty = remove the tag), and the IDs of recorded
    trust relationships whose external entry goes away here (candidates for deletion once no deployment uses them).
    """
    target, peer, current = target or {}, peer or {}, current or {}
    record = normalize_record(parse_record(record))
    peer_id = peer.get("cluster_id")
    args = {}
    summary = []
    relationships = []
    for kind, key_field in (("accounts", "account_id"), ("external", "trust_relationship_id")):
        for key, item in list((record.get(kind) or {}).items()):
            if not peer_id or peer_id not in item["added"]:
                continue
            item["added"] = [ident for ident in item["added"] if ident != peer_id]
            entry = _keyed(current, kind, key_field, key)
            if entry is not None and not entry.get("trust_all") and peer_id in (entry.get("trust_allowlist") or []):
                remaining = [ident for ident in entry.get("trust_allowlist") or [] if ident != peer_id]
                if item["created"] and not remaining:
                    args.setdefault(kind, []).append({key_field: key, "state": "absent"})
                    summary.append("remove the %s entry %s" % (kind, key))
                    if kind == "external" and key in (record.get("relationships") or []):
                        relationships.append(key)
                else:
                    args.setdefault(kind, []).append({key_field: key, "trust_allowlist": [peer_id]})
                    summary.append("remove cluster %s from the %s entry %s" % (peer_id, kind, key))
            elif entry is None and kind == "external" and key in (record.get("relationships") or []):
                relationships.append(key)
    if any(kind in args for kind in RECORD_KINDS):
        args["allowlist_mode"] = "remove"
    name = entry_name(alias, peer)
    if any(entry.get("name") == name and (entry.get("type") or "generic") != "proxy" for entry in current.get("direct") or []):
        args.setdefault("direct", []).append({"name": name, "state": "absent"})
        summary.append("remove the direct entry %r" % name)
    remaining = normalize_record(record)
    if relationships and remaining.get("relationships"):
        remaining["relationships"] = [rel for rel in remaining["relationships"] if rel not in relationships]
        remaining = normalize_record(remaining)
    return {"args": args, "record": remaining, "relationships": relationships, "summary": "; ".join(summary)}


def relationships_in_use(deployments, relationship_ids):
    """The subset of ``relationship_ids`` referenced by an ``external`` trust entry of any of ``deployments``
    (``ece_deployment_info`` output)."""
    wanted = set(_as_list(relationship_ids))
    used = set()
    for dep in deployments or []:
        for res in dep.get("elasticsearch") or []:
            for entry in ((res.get("trust") or {}).get("external") or []):
                if entry.get("trust_relationship_id") in wanted:
                    used.add(entry["trust_relationship_id"])
    return sorted(used)


def find_relationship(relationships, environment_id):
    """The first (non-local) trust relationship whose ``account_ids`` hold ``environment_id``, or None."""
    for rel in relationships or []:
        if rel.get("local"):
            continue
        if environment_id and environment_id in (rel.get("account_ids") or []):
            return rel
    return None
