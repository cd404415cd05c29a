# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Pure logic for the ECK and self-managed sides of a remote-cluster connection (used by the filter plugins
``eck_elasticsearch``, ``eck_object_changed``, ``eck_names``, ``self_managed_nodes`` and ``trust_restrictions``).

ECK (``Elasticsearch`` resources, ``elasticsearch.k8s.elastic.co/v1``, ECK 3.x; see ``shared/specs/eck/NOTES.md``)
    :func:`elasticsearch_manifest` merges the collection's changes into the current resource (as ``kubectl get -o
    json`` returns it) and returns the full manifest to apply: ``spec.remoteClusterServer.enabled``, an entry of
    ``spec.secureSettings``, settings in EVERY ``nodeSets[].config`` (lists appended item by item, as ECK's own
    merge does), and ``podTemplate`` volumes with their ``volumeMounts`` in the ``elasticsearch`` container. With
    ``state=absent`` it removes exactly those changes and the empty containers they leave. Everything else in the
    resource is kept; server-side fields (``status``, ``metadata.uid``/``resourceVersion``/..., kubectl's
    last-applied annotation) are dropped.

    Objects the collection creates are named from the resource and the alias (:func:`names`), so ``absent`` can tell
    them from the user's own.

Trust restrictions (``xpack.security.transport.ssl.trust_restrictions.path``)
    :func:`trust_restrictions` maintains the file the collection owns (on disk for self-managed nodes, in a
    ConfigMap for ECK): ``trust.subject_name`` patterns, each followed by a comment naming who needs it (``self`` -
    the cluster's own nodes - or the aliases of the remote connections). Adding an alias adds its patterns;
    removing it removes the patterns only it needed; when no alias is left the file is no longer needed.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import hashlib
import json
import re

API_VERSION = "elasticsearch.k8s.elastic.co/v1"
CONFIG_DIR = "/usr/share/elasticsearch/config"
CONTAINER = "elasticsearch"
MANAGED_BY = "eceops.remote_clusters"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PATTERN_LINE = re.compile(r'^\s*-\s*(?P<pattern>"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|[^#\s]+)\s*#\s*eceops:(?P<owners>[-\w,]+)\s*$')
SELF = "self"
KEEP_META = ("name", "namespace", "labels", "annotations")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class EckError(Exception):
    """A change that cannot be made safely (the message says why and what to do)."""


# -- names ---------------------------------------------------------------------------------------------------------
def dns_label(text, max_length=63):
    """A DNS-1123 label from any text: lower case, ``_`` and other characters to ``-``; a short hash is appended when
    the text had to change (so two aliases never share a name) or was too long."""
    raw = str(text)
    label = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-") or "x"
    if label != raw or len(label) > max_length:
        digest = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:6]
        label = "%s-%s" % (label[:max_length - 7].rstrip("-"), digest)
    return label


def names(es_name, alias=None):
    """The names of every object and path the collection uses for ``alias`` on the ECK cluster ``es_name``."""
    out = {
        "trust_configmap": dns_label("%s-eceops-trust" % es_name, 253),
        "trust_volume": "eceops-trust",
        "trust_dir": CONFIG_DIR + "/eceops-trust",
        "trust_path": CONFIG_DIR + "/eceops-trust/trust.yml",
        "rcs_service": dns_label("%s-eceops-rcs-lb" % es_name),
        "transport_service": dns_label("%s-eceops-transport-lb" % es_name),
    }
    if alias is not None:
        tag = dns_label(alias, 40)
        out.update({
            "alias_tag": tag,
            "credentials_secret": dns_label("%s-eceops-%s-credentials" % (es_name, tag), 253),
            "remote_ca_configmap": dns_label("%s-eceops-%s-remote-ca" % (es_name, tag), 253),
            "remote_ca_volume": dns_label("eceops-%s-rca" % tag),
            "remote_ca_dir": "%s/eceops-%s-remote-ca" % (CONFIG_DIR, tag),
            "remote_ca_path": "%s/eceops-%s-remote-ca/ca.crt" % (CONFIG_DIR, tag),
            "transport_ca_configmap": dns_label("%s-eceops-%s-transport-ca" % (es_name, tag), 253),
            "transport_ca_volume": dns_label("eceops-%s-tca" % tag),
            "transport_ca_dir": "%s/eceops-%s-transport-ca" % (CONFIG_DIR, tag),
            "transport_ca_path": "%s/eceops-%s-transport-ca/ca.crt" % (CONFIG_DIR, tag),
            "credentials_key": "cluster.remote.%s.credentials" % alias,
        })
    return out


# -- manifests ----------------------------------------------------------------------------------------------------
def clean(manifest):
    """The parts of a resource that belong in a manifest (no status, no server-side metadata)."""
    if not isinstance(manifest, dict):
        raise EckError("the current Elasticsearch resource is not an object")
    meta = manifest.get("metadata") or {}
    out = {"apiVersion": manifest.get("apiVersion") or API_VERSION, "kind": manifest.get("kind") or "Elasticsearch",
           "metadata": dict((key, copy.deepcopy(meta[key])) for key in KEEP_META if meta.get(key) not in (None, {}, ""))}
    annotations = out["metadata"].get("annotations")
    if annotations and LAST_APPLIED in annotations:
        annotations = dict((k, v) for k, v in annotations.items() if k != LAST_APPLIED)
        if annotations:
            out["metadata"]["annotations"] = annotations
        else:
            del out["metadata"]["annotations"]
    out["spec"] = copy.deepcopy(manifest.get("spec") or {})
    return out


def _flat(config, prefix=""):
    out = {}
    for key, value in (config or {}).items():
        name = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(_flat(value, name))
        else:
            out[name] = value
    return out


def _same(left, right):
    def norm(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return [norm(item) for item in value]
        return None if value is None else str(value)
    return norm(left) == norm(right)


def _config_key(config, key, index):
    """Refuse a setting the user wrote in nested form (it would be set twice)."""
    if key in config:
        return
    if key in _flat(config):
        raise EckError("spec.nodeSets[%d].config sets %s in nested form; write it as the flat key %s so that it can be "
                       "merged safely" % (index, key, key))


def _set_config(nodeset, index, changes, state):
    config = nodeset.get("config")
    if config is None:
        if state == "absent":
            return
        config = nodeset["config"] = {}
    if not isinstance(config, dict):
        raise EckError("spec.nodeSets[%d].config is not an object" % index)
    for key, value in sorted((changes.get("config") or {}).items()):
        _config_key(config, key, index)
        if state == "present":
            if key in config and not _same(config[key], value):
                raise EckError("spec.nodeSets[%d].config.%s is already set to %s (not by this collection); it cannot be set to %s. "
                               "Remove it, or let the collection skip this part" % (index, key, json.dumps(config[key]), json.dumps(value)))
            config[key] = value
        elif key in config and _same(config[key], value):
            del config[key]
    for key, items in sorted((changes.get("config_lists") or {}).items()):
        _config_key(config, key, index)
        current = config.get(key)
        if current is not None and not isinstance(current, list):
            current = [part.strip() for part in str(current).split(",") if part.strip()]
        if state == "present":
            merged = list(current or [])
            for item in items:
                if item not in merged:
                    merged.append(item)
            config[key] = merged
        elif current is not None:
            kept = [item for item in current if item not in items]
            if kept:
                config[key] = kept
            else:
                del config[key]


def _by_name(items, what):
    out = {}
    for item in items or []:
        if not isinstance(item, dict) or not item.get("name"):
            raise EckError("%s has an entry without a name" % what)
        out[item["name"]] = item
    return out


def _set_pod(nodeset, index, changes, state):
    volumes = changes.get("volumes") or []
    mounts = changes.get("mounts") or []
    if not volumes and not mounts:
        return
    template = nodeset.get("podTemplate")
    if template is None:
        if state == "absent":
            return
        template = nodeset["podTemplate"] = {}
    spec = template.setdefault("spec", {}) if state == "present" else (template.get("spec") or {})
    where = "spec.nodeSets[%d].podTemplate.spec" % index
    current_volumes = _by_name(spec.get("volumes"), where + ".volumes")
    containers = spec.get("containers") or []
    container = next((c for c in containers if isinstance(c, dict) and c.get("name") == CONTAINER), None)
    if state == "present":
        for volume in volumes:
            existing = current_volumes.get(volume["name"])
            if existing is not None and existing != volume:
                raise EckError("%s.volumes has a volume named %s that this collection did not create; rename it" % (where, volume["name"]))
            if existing is None:
                spec.setdefault("volumes", []).append(copy.deepcopy(volume))
        if container is None:
            container = {"name": CONTAINER}
            spec.setdefault("containers", []).append(container)
        current_mounts = _by_name(container.get("volumeMounts"), where + ".containers[elasticsearch].volumeMounts")
        paths = dict((m.get("mountPath"), n) for n, m in current_mounts.items())
        for mount in mounts:
            existing = current_mounts.get(mount["name"])
            if existing is not None and existing != mount:
                raise EckError("%s.containers[elasticsearch].volumeMounts has a mount named %s that this collection did not "
                               "create; rename it" % (where, mount["name"]))
            if mount["mountPath"] in paths and paths[mount["mountPath"]] != mount["name"]:
                raise EckError("%s mounts %s at %s already" % (where, paths[mount["mountPath"]], mount["mountPath"]))
            if existing is None:
                container.setdefault("volumeMounts", []).append(copy.deepcopy(mount))
        return
    drop_volumes = set(v["name"] for v in volumes)
    drop_mounts = set(m["name"] for m in mounts)
    if "volumes" in spec:
        spec["volumes"] = [v for v in spec["volumes"] if v.get("name") not in drop_volumes]
        if not spec["volumes"]:
            del spec["volumes"]
    if container is not None and "volumeMounts" in container:
        container["volumeMounts"] = [m for m in container["volumeMounts"] if m.get("name") not in drop_mounts]
        if not container["volumeMounts"]:
            del container["volumeMounts"]
    if container is not None and set(container) == {"name"}:
        spec["containers"] = [c for c in containers if c is not container]
        if not spec["containers"]:
            del spec["containers"]
    if "spec" in template and not template["spec"]:
        del template["spec"]
    if not template:
        del nodeset["podTemplate"]


def elasticsearch_manifest(current, changes, state="present"):
    """The full ``Elasticsearch`` manifest with ``changes`` applied (``state=present``) or removed (``absent``).

    ``changes``: ``remote_cluster_server`` (bool: enable; never disabled by ``absent``), ``secure_settings`` (Secret
    names), ``config`` (flat key -> value, every nodeSet), ``config_lists`` (flat key -> items appended/removed),
    ``volumes`` (``podTemplate.spec.volumes`` entries) and ``mounts`` (``volumeMounts`` of the ``elasticsearch``
    container). Raises EckError when a change would overwrite something the collection does not own.
    """
    if state not in ("present", "absent"):
        raise EckError("state must be present or absent")
    manifest = clean(current)
    spec = manifest["spec"]
    nodesets = spec.get("nodeSets")
    if not isinstance(nodesets, list) or not nodesets:
        raise EckError("the Elasticsearch resource has no spec.nodeSets")
    changes = changes or {}
    if changes.get("remote_cluster_server") and state == "present":
        server = spec.setdefault("remoteClusterServer", {})
        server["enabled"] = True
    secrets = list(changes.get("secure_settings") or [])
    if secrets:
        entries = spec.get("secureSettings") or []
        have = [entry.get("secretName") for entry in entries if isinstance(entry, dict)]
        if state == "present":
            entries = entries + [{"secretName": name} for name in secrets if name not in have]
        else:
            entries = [entry for entry in entries if not (isinstance(entry, dict) and entry.get("secretName") in secrets)]
        if entries:
            spec["secureSettings"] = entries
        else:
            spec.pop("secureSettings", None)
    for index, nodeset in enumerate(nodesets):
        if not isinstance(nodeset, dict):
            raise EckError("spec.nodeSets[%d] is not an object" % index)
        _set_config(nodeset, index, changes, state)
        _set_pod(nodeset, index, changes, state)
    return manifest


def object_changed(current, desired):
    """Whether applying ``desired`` (a Secret, ConfigMap, Service or Elasticsearch manifest) would change ``current``
    (the object as ``kubectl get -o json`` returns it, or None when it does not exist)."""
    if not current:
        return True
    kind = desired.get("kind")
    if kind == "Secret":
        import base64  # pylint: disable=import-outside-toplevel
        have = dict((k, base64.b64decode(v).decode("utf-8", "replace")) for k, v in (current.get("data") or {}).items())
        have.update(current.get("stringData") or {})
        want = dict((k, base64.b64decode(v).decode("utf-8", "replace")) for k, v in (desired.get("data") or {}).items())
        want.update(desired.get("stringData") or {})
        return have != want or (current.get("type") or "Opaque") != (desired.get("type") or "Opaque") \
            or _labels_differ(current, desired)
    if kind == "ConfigMap":
        return (current.get("data") or {}) != (desired.get("data") or {}) or _labels_differ(current, desired)
    if kind == "Service":
        have = current.get("spec") or {}
        for key, value in (desired.get("spec") or {}).items():
            if key == "ports":
                if _ports(have.get("ports")) != _ports(value):
                    return True
            elif have.get(key) != value:
                return True
        return _labels_differ(current, desired)
    return json.dumps(clean(current)["spec"], sort_keys=True) != json.dumps(desired.get("spec") or {}, sort_keys=True) \
        or _labels_differ(current, desired)


def plan_objects(objects, currents, apply_mode, directory):
    """What to do with each object: ``[{kind, name, state, secret, changes, file}]``.

    ``objects``: ``[{manifest, state, secret}]``; ``currents``: per object, the object in the cluster (a dict, the JSON
    text of ``kubectl get -o json``, or empty/None when it does not exist); ``apply_mode``: ``kubectl``, ``k8s`` or
    ``none`` (nothing can be read: every present object counts as a change, nothing is deleted).
    """
    if len(currents or []) < len(objects or []):
        currents = list(currents or []) + [None] * (len(objects) - len(currents or []))
    out = []
    for obj, raw in zip(objects or [], currents):
        manifest = obj.get("manifest") or {}
        kind = manifest.get("kind")
        name = (manifest.get("metadata") or {}).get("name")
        if not kind or not name:
            raise EckError("an object has no kind or metadata.name")
        current = raw
        if isinstance(raw, list):      # kubernetes.core.k8s_info's resources
            current = raw[0] if raw else None
        elif isinstance(raw, str):
            current = json.loads(raw) if raw.strip() else None
        if not current:
            current = None
        state = obj.get("state") or "present"
        if state == "present":
            changes = True if apply_mode == "none" else object_changed(current, manifest)
        else:
            changes = current is not None
        out.append({"kind": kind, "name": name, "state": state, "secret": bool(obj.get("secret")), "changes": changes,
                    "file": "%s/%s-%s.yml" % (str(directory).rstrip("/"), kind.lower(), name)})
    return out


def _labels_differ(current, desired):
    have = (current.get("metadata") or {})
    want = (desired.get("metadata") or {})
    for field in ("labels", "annotations"):
        for key, value in (want.get(field) or {}).items():
            if (have.get(field) or {}).get(key) != value:
                return True
    return False


def _ports(ports):
    out = []
    for port in ports or []:
        out.append((port.get("name"), int(port.get("port") or 0), str(port.get("targetPort", port.get("port"))),
                    port.get("protocol") or "TCP"))
    return sorted(out)


# -- trust restrictions -----------------------------------------------------------------------------------------------
def _quote(pattern):
    return json.dumps(pattern)


def _unquote(text):
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def read_restrictions(text):
    """``{pattern: [owners]}`` of a file written by :func:`trust_restrictions` (other lines are not ours)."""
    owned = {}
    for line in (text or "").splitlines():
        match = PATTERN_LINE.match(line)
        if match:
            owners = [owner for owner in match.group("owners").split(",") if owner]
            owned.setdefault(_unquote(match.group("pattern")), [])
            for owner in owners:
                if owner not in owned[_unquote(match.group("pattern"))]:
                    owned[_unquote(match.group("pattern"))].append(owner)
    return owned


def trust_restrictions(text, alias, patterns, own_patterns, state="present"):
    """The new trust restrictions file: ``{"content": text or None, "aliases": [...], "patterns": [...]}``.

    ``content`` is None when no alias needs the file any more (remove it and the setting that points to it). The
    own patterns (``self``) are kept while any alias is left; an alias's patterns are those of its peer.
    """
    if text and text.strip() and not read_restrictions(text):
        raise EckError("the trust restrictions file exists but was not written by this collection")
    owned = read_restrictions(text)
    tag = str(alias)
    if not re.match(r"^[-\w]+$", tag) or tag == SELF:
        raise EckError("%r cannot be used as an alias in the trust restrictions file" % (alias,))
    for pattern, owners in list(owned.items()):
        owned[pattern] = [owner for owner in owners if owner != tag]
    if state == "present":
        for pattern in own_patterns or []:
            owners = owned.setdefault(pattern, [])
            if SELF not in owners:
                owners.insert(0, SELF)
        for pattern in patterns or []:
            owned.setdefault(pattern, []).append(tag)
    aliases = sorted(set(owner for owners in owned.values() for owner in owners if owner != SELF))
    if not aliases:
        return {"content": None, "aliases": [], "patterns": []}
    ordered = [p for p, owners in owned.items() if owners]
    ordered.sort(key=lambda p: (SELF not in owned[p], p))
    lines = [
        "# Managed by %s: the trust restrictions of the transport layer" % MANAGED_BY,
        "# (xpack.security.transport.ssl.trust_restrictions.path). After 'eceops:' each pattern names who needs it:",
        "# 'self' (this cluster's own nodes) or the aliases of remote-cluster connections. Do not edit by hand.",
        "trust.subject_name:",
    ]
    for pattern in ordered:
        lines.append("  - %s # eceops:%s" % (_quote(pattern), ",".join(owned[pattern])))
    return {"content": "\n".join(lines) + "\n", "aliases": aliases, "patterns": ordered}


# -- self-managed nodes -------------------------------------------------------------------------------------------------
NODE_DEFAULTS = {
    "config_dir": "/etc/elasticsearch",
    "keystore_command": "/usr/share/elasticsearch/bin/elasticsearch-keystore",
    "restart_command": None,
    "service_name": "elasticsearch",
}


def self_managed_nodes(side):
    """The nodes of a self-managed side, each a dict ``host``, ``config_dir``, ``keystore_command``,
    ``restart_command`` and ``service_name`` (a node's own values over the side's, over the defaults)."""
    if not isinstance(side, dict):
        raise EckError("the self-managed side is not a dict")
    hosts = side.get("hosts")
    if not isinstance(hosts, list) or not hosts:
        raise EckError("the self-managed side needs hosts: the inventory host names of its nodes (config, keystore and "
                       "restart tasks run on each)")
    out = []
    for index, entry in enumerate(hosts):
        node = {"host": entry} if isinstance(entry, str) else dict(entry or {})
        if not node.get("host"):
            raise EckError("hosts[%d] has no host (give an inventory host name, or a dict with host and per-node paths)" % index)
        unknown = set(node) - set(NODE_DEFAULTS) - {"host"}
        if unknown:
            allowed = ", ".join(sorted(NODE_DEFAULTS))
            raise EckError("hosts[%d] has unknown keys %s (allowed: host, %s)" % (index, ", ".join(sorted(unknown)), allowed))
        for key, default in NODE_DEFAULTS.items():
            if node.get(key) is None:
                node[key] = side.get(key) if side.get(key) is not None else default
        out.append(node)
    seen = [node["host"] for node in out]
    if len(set(seen)) != len(seen):
        raise EckError("hosts lists a node twice")
    return out
