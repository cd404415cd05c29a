# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who trusts what: the trust evaluation behind the lab's connection engine (DESIGN.md "Who trusts what").

Pure functions over the world model; :mod:`eceops_lab.transport` calls them while it holds ``World.lock``.

Effective remote settings (:func:`remote_settings`)
    ``transient`` over ``persistent`` (flat keys of ``cluster.settings``) over the loaded ``elasticsearch.yml``
    (``cluster.yml_loaded``; ECK: the loaded configuration, else ``nodeSets[0].config`` of the manifest).
    Nested dicts are flattened; a ``None`` value counts as unset.

API-key model, what the local trusts on 9443 (:func:`remote_client_trust`)
    ECE/ECH local: the public CA (the JDK store), every ``trust.direct`` entry whose ``type`` is in the switch
    ``proxy_trust_types``, and, with the switch ``same_env_proxy_ca_trusted``, the CA(s) that issued its own
    environment's proxy certificate (the issuing path inside ``env.proxy_chain``). Verification mode ``full``.
    Self-managed/ECK local: the files of ``xpack.security.remote_cluster_client.ssl.certificate_authorities``
    when set (only those), else the public CA; ``...remote_cluster_client.ssl.enabled: false`` turns TLS off;
    ``...remote_cluster_client.ssl.verification_mode`` (default ``full``) is honoured.

Certificate model, who admits whom (:func:`admits`, :func:`transport_client_trust`)
    ECE/ECH cluster: its ``resource.trust``.

    * ``accounts[]``: the own environment CA (``env_ca`` and the local trust relationship's ``public_ca_cert``),
      scope = the entry's ``account_id``.
    * ``external[]``: the trust relationship must exist in the TRUSTING cluster's environment; its
      ``public_ca_cert``; scopes = its ``account_ids``.
    * ``direct[]`` of type ``ECE``/``ESS``/``generic`` (never ``proxy``): the entry's certificates; scope =
      ``scope_id``; ``additional_node_names`` match exactly.

    Node names come from the otherName SAN only (a certificate without one matches nothing). The lab's name
    rule for a scope ``S``: ``trust_all`` admits ``*.node.*.cluster.S.account`` and, when ``S`` ends with
    ``.es.local`` (ECK: ``<namespace>.es.local``), ``*.node.*.S`` (ECK names ``<pod>.node.<es>.<ns>.es.local``);
    an allowlist admits ``*.node.<id>.cluster.S.account`` and ``*.node.<id>.S`` for each listed cluster ID.
    ``*`` matches any characters, dots included (Elasticsearch's trust-restriction automaton).

    Self-managed/ECK cluster: its own transport CA plus the files of
    ``xpack.security.transport.ssl.certificate_authorities`` (ECK: plus the ``ca.crt`` of the ConfigMap named by
    ``spec.transport.tls.certificateAuthorities.configMapName``), and when
    ``xpack.security.transport.ssl.trust_restrictions.path`` is set, the ``trust.subject_name`` patterns of that
    YAML file matched with :func:`eceops_lab.pki.match_subject_pattern` against otherName SANs (an unreadable
    file admits nothing). ``verification_mode: none`` admits everything.

Files (:func:`read_config_file`)
    Self-managed: a relative path is resolved against the first node's ``config`` directory. ECK: a relative
    path is taken under ``/usr/share/elasticsearch/config``; a path under a ``volumeMounts[].mountPath`` of the
    ``elasticsearch`` container of ``nodeSets[0].podTemplate.spec`` (or, as a lab shorthand, of
    ``podTemplate.spec.volumeMounts``) maps to the volume of the same name in ``podTemplate.spec.volumes``:
    ``configMap.name`` -> ``cluster.configmaps[name]``, ``secret.secretName`` -> ``cluster.secrets[name]``; the
    key is the file name below the mount path (or the ``items[].key`` whose ``path`` it is; a ``subPath`` mount
    maps the mount path itself to that key). ECK's own mounts are built in: ``transport-certs/ca.crt`` (the
    ``<es>-es-transport-certs-public`` bundle as ECK reconciled it; without that Secret the transport CA followed
    by the ``certificateAuthorities`` ConfigMap's ``ca.crt``) and
    ``transport-remote-certs/ca.crt`` (Secret ``<es>-es-remote-ca``).

Identification on an ECE proxy's 9443 (:func:`proxy_identity`)
    A client certificate identifies the caller (cluster ID and environment/organization ID from the otherName,
    else the CN) only if it chains to the environment's own CA or to a CA appended to ``env.proxy_chain``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import ipaddress
import os
import posixpath
import re

import yaml
from cryptography.hazmat.primitives import hashes

from . import pki

ECK_CONFIG_DIR = "/usr/share/elasticsearch/config"
"""Where an ECK Elasticsearch container reads its configuration."""

REMOTE_SUFFIXES = ("mode", "seeds", "proxy_address", "server_name", "skip_unavailable", "node_connections",
                   "proxy_socket_connections", "transport.compress", "transport.compression_scheme",
                   "transport.ping_schedule", "proxy")
"""The per-alias settings ``cluster.remote.<alias>.<suffix>`` (the keystore ``credentials`` aside)."""

TRANSPORT_DIRECT_TYPES = ("ece", "ess", "generic")
"""``trust.direct`` types that count for transport (certificate model) trust, compared case-insensitively."""

_REMOTE_KEY = re.compile(r"^cluster\.remote\.([-\w]+)\.(.+)$")
_ECE_NAME = re.compile(r"^(?P<node>.+?)\.node\.(?P<cluster>[^.]+)\.cluster\.(?P<scope>.+?)(?:\.account)?$")
_ECK_NAME = re.compile(r"^(?P<node>[^.]+)\.node\.(?P<cluster>[^.]+)\.(?P<scope>[^.]+\.es\.local)$")


# --------------------------------------------------------------------------------------------------------------
# small helpers

def lab_time(world):
    """The lab clock as an aware UTC datetime (certificate validity is judged at lab time)."""
    return datetime.datetime.fromtimestamp(world.clock.now(), tz=datetime.timezone.utc)


def flatten(mapping, prefix=""):
    """Flatten nested dicts into dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``); ``None`` values are dropped."""
    flat = {}
    for key, value in (mapping or {}).items():
        name = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        elif value is not None:
            flat[name] = value
    return flat


def as_list(value):
    """A list from a list, a comma separated string or a single value (None -> [])."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [item for item in value if item not in (None, "")]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def as_bool(value, default=None):
    """Elasticsearch's strict boolean: True/False or the strings ``true``/``false``; anything else -> default."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def version_tuple(version):
    """``"8.19.4"`` -> ``(8, 19, 4)`` (a ``-SNAPSHOT`` style suffix is ignored)."""
    parts = str(version or "0").split("-", 1)[0].split(".")
    numbers = []
    for part in parts[:3]:
        try:
            numbers.append(int(part))
        except ValueError:
            numbers.append(0)
    while len(numbers) < 3:
        numbers.append(0)
    return tuple(numbers)


def minimum_wire_version(cluster):
    """The cluster's ``minimum_wire_compatibility_version`` (set by the builder; derived from the version otherwise)."""
    value = getattr(cluster, "minwire", None)
    return value or default_minwire(cluster.version)


def default_minwire(version):
    """The minimum wire compatibility version of a release (es-api.md section 5.2)."""
    numbers = version_tuple(version)
    major, minor = numbers[0], numbers[1]
    if major == 9:
        return "8.18.0" if minor == 0 else "8.19.0"
    if major == 8:
        return "7.17.0"
    if major == 7:
        return "6.8.0"
    return "%d.0.0" % major


def cert_pems(*sources):
    """Normalised PEM certificates from PEM texts, ``pki.Issued`` objects or lists of these; invalid ones are skipped."""
    out = []
    seen = set()
    for source in sources:
        items = source if isinstance(source, (list, tuple)) else [source]
        for item in items:
            if item is None or item == "":
                continue
            if isinstance(item, pki.Issued):
                texts = [item.cert_pem]
            else:
                try:
                    texts = pki.split_pem(item)
                except (ValueError, TypeError):
                    continue
            for text in texts:
                if text not in seen:
                    seen.add(text)
                    out.append(text)
    return out


def sha1_fingerprint(cert):
    """The SHA-1 fingerprint Elasticsearch's SSL diagnostics print (lowercase hex)."""
    return pki.as_cert(cert).fingerprint(hashes.SHA1()).hex()  # nosec: a display fingerprint, as Elasticsearch prints


def describe_names(cert):
    """``DNS:a, IP:b, otherName:c`` as Elasticsearch's diagnostics list subject alternative names."""
    names = ["DNS:%s" % name for name in pki.dns_sans(cert)]
    names += ["IP:%s" % address for address in pki.ip_sans(cert)]
    names += ["otherName:%s" % name for name in pki.other_names(cert)]
    return ", ".join(names)


def subject_of(cert):
    """The subject DN as Java prints it (RFC 4514, most specific first)."""
    return pki.as_cert(cert).subject.rfc4514_string()


def issuer_of(cert):
    """The issuer DN."""
    return pki.as_cert(cert).issuer.rfc4514_string()


# --------------------------------------------------------------------------------------------------------------
# configuration of a cluster

def loaded_config(cluster):
    """The flat ``elasticsearch.yml`` the running nodes use (ECK: the loaded one, else the manifest's nodeSets[0].config)."""
    loaded = flatten(cluster.yml_loaded or {})
    if loaded or cluster.kind != "eck":
        return loaded
    return flatten(_node_set(cluster).get("config") or {})


def remote_settings(cluster, alias):
    """The effective ``cluster.remote.<alias>.*`` settings: ``{suffix: value}`` (transient > persistent > yml)."""
    effective = {}
    layers = [loaded_config(cluster), flatten(cluster.settings.get("persistent") or {}),
              flatten(cluster.settings.get("transient") or {})]
    prefix = "cluster.remote.%s." % alias
    for layer in layers:
        for key, value in layer.items():
            if key.startswith(prefix) and value is not None:
                effective[key[len(prefix):]] = value
    return effective


def configured_aliases(cluster):
    """Every alias with at least one remote setting in the settings or the loaded yml, sorted."""
    aliases = set()
    layers = [loaded_config(cluster), flatten(cluster.settings.get("persistent") or {}),
              flatten(cluster.settings.get("transient") or {})]
    for layer in layers:
        for key, value in layer.items():
            match = _REMOTE_KEY.match(key)
            if match and match.group(2) in REMOTE_SUFFIXES and value is not None:
                aliases.add(match.group(1))
    return sorted(aliases)


def _node_set(cluster):
    manifest = cluster.manifest or {}
    node_sets = (manifest.get("spec") or {}).get("nodeSets") or [{}]
    return node_sets[0] or {}


def _eck_mounts(cluster):
    pod_spec = ((_node_set(cluster).get("podTemplate") or {}).get("spec") or {})
    mounts = list(pod_spec.get("volumeMounts") or [])
    for container in pod_spec.get("containers") or []:
        if container.get("name") in (None, "elasticsearch"):
            mounts.extend(container.get("volumeMounts") or [])
    volumes = dict((vol.get("name"), vol) for vol in pod_spec.get("volumes") or [])
    return mounts, volumes


def _data_of(store, name):
    data = store.get(name)
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return data["data"]
    if isinstance(data, dict) and isinstance(data.get("stringData"), dict):
        return data["stringData"]
    return data if isinstance(data, dict) else None


def _eck_builtin(cluster, full):
    spec = (cluster.manifest or {}).get("spec") or {}
    if full == ECK_CONFIG_DIR + "/transport-certs/ca.crt":
        bundle = (_data_of(cluster.secrets, "%s-es-transport-certs-public" % cluster.name) or {}).get("ca.crt")
        if bundle:
            return bundle          # what ECK reconciled: its transport CA followed by the ConfigMap's CAs
        parts = [cluster.transport_ca.cert_pem]
        cm_name = (((spec.get("transport") or {}).get("tls") or {}).get("certificateAuthorities") or {}).get("configMapName")
        if cm_name:
            data = _data_of(cluster.configmaps, cm_name) or {}
            if data.get("ca.crt"):
                parts.append(data["ca.crt"])
        return "".join(part if part.endswith("\n") else part + "\n" for part in parts)
    if full == ECK_CONFIG_DIR + "/transport-remote-certs/ca.crt":
        data = _data_of(cluster.secrets, "%s-es-remote-ca" % cluster.name) or {}
        return data.get("ca.crt") or ""
    return None


def _eck_file(cluster, path):
    full = posixpath.normpath(path if path.startswith("/") else posixpath.join(ECK_CONFIG_DIR, path))
    mounts, volumes = _eck_mounts(cluster)
    for mount in sorted(mounts, key=lambda item: len(item.get("mountPath") or ""), reverse=True):
        mount_path = posixpath.normpath(mount.get("mountPath") or "/nonexistent")
        if mount.get("subPath"):
            if full != mount_path:
                continue
            key = mount["subPath"]
        elif full.startswith(mount_path.rstrip("/") + "/"):
            key = full[len(mount_path.rstrip("/")) + 1:]
        else:
            continue
        volume = volumes.get(mount.get("name")) or {}
        if "configMap" in volume:
            source, store, name = volume["configMap"], cluster.configmaps, volume["configMap"].get("name")
        elif "secret" in volume:
            source, store, name = volume["secret"], cluster.secrets, volume["secret"].get("secretName")
        else:
            return None
        items = source.get("items")
        if items:
            by_path = dict((item.get("path"), item.get("key")) for item in items)
            if key not in by_path:
                return None
            key = by_path[key]
        data = _data_of(store, name)
        if data is None or key not in data:
            return None
        return data[key]
    return _eck_builtin(cluster, full)


def read_config_file(cluster, path):
    """The text of a file named in the cluster's configuration, or None when it does not exist (module docstring)."""
    if not path:
        return None
    path = str(path)
    if cluster.kind == "eck":
        return _eck_file(cluster, path)
    if cluster.kind != "self-managed" or not cluster.nodes:
        return None
    full = path if os.path.isabs(path) else os.path.join(cluster.nodes[0].config_dir, path)
    try:
        with open(full, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _files(cluster, setting_value, notes):
    pems = []
    for path in as_list(setting_value):
        text = read_config_file(cluster, path)
        if text is None:
            notes.append("the file [%s] does not exist on the nodes of [%s]" % (path, cluster.key))
            continue
        found = cert_pems(text)
        if not found and text.strip():
            notes.append("the file [%s] of [%s] holds no certificate" % (path, cluster.key))
        pems.extend(found)
    return pems


# --------------------------------------------------------------------------------------------------------------
# the API-key model: what the local trusts when it dials 9443

class TrustMaterial(object):
    """What a dialing cluster verifies the server certificate with."""

    def __init__(self, pems, context, verify_mode="full", enabled=True, notes=None):
        self.pems = pems                  # trusted certificates (PEM texts)
        self.context = context            # Elasticsearch's SSL context name, for messages
        self.verify_mode = verify_mode    # full | certificate | none
        self.enabled = enabled            # False: the client does not use TLS at all
        self.notes = notes or []          # lab explanations (missing files, ...)


def issuing_path(proxy_chain):
    """The CAs of a proxy chain (leaf first) that issued its leaf, up to the root it contains (PEM list)."""
    chain = cert_pems(list(proxy_chain or []))
    if len(chain) >= 2:
        path = pki.build_path(chain[0], intermediates=chain[1:], roots=chain[1:])
        if path and len(path) > 1:
            return [pki.cert_pem(cert) for cert in path[1:]]
    return []


def own_proxy_cas(env):
    """The CA certificates that issued the environment's current proxy certificate (from ``env.proxy_chain``)."""
    return issuing_path(env.proxy_chain) or cert_pems(env.certs.get("proxy_ca"))


def remote_client_trust(world, cluster):
    """:class:`TrustMaterial` of ``cluster`` as the local of an API-key model connection (module docstring)."""
    context = "xpack.security.remote_cluster_client.ssl"
    if cluster.kind in ("ece", "ech"):
        pems = cert_pems(world.public_ca)
        types = [str(item).lower() for item in world.switches.get("proxy_trust_types") or []]
        trust = cluster.resource.trust if cluster.resource is not None else {}
        for entry in (trust or {}).get("direct") or []:
            if str(entry.get("type", "")).lower() in types:
                pems.extend(cert_pems([cert.get("pem") for cert in entry.get("certificates") or []]))
        if world.switches.get("same_env_proxy_ca_trusted") and cluster.env is not None:
            pems.extend(own_proxy_cas(cluster.env))
        return TrustMaterial(cert_pems(pems), context)
    yml = loaded_config(cluster)
    notes = []
    enabled = as_bool(yml.get(context + ".enabled"), True)
    mode = str(yml.get(context + ".verification_mode") or "full").lower()
    if yml.get(context + ".certificate_authorities") is not None:
        pems = _files(cluster, yml.get(context + ".certificate_authorities"), notes)
    else:
        pems = cert_pems(world.public_ca)
        notes.append("no %s.certificate_authorities: only the JDK trust store (the lab's public CA) is trusted" % context)
    return TrustMaterial(pems, context, verify_mode=mode, enabled=enabled, notes=notes)


# --------------------------------------------------------------------------------------------------------------
# the certificate model: node names and who admits whom

def _escape(text):
    return re.sub(r"([*?\\/])", r"\\\1", str(text))


class _Entry(object):
    """One way a cluster trusts peers: CA certificates plus node name rules."""

    def __init__(self, label, pems, patterns=(), exact=(), note=None, names_required=True):
        self.label = label
        self.pems = pems
        self.patterns = list(patterns)
        self.exact = list(exact)
        self.note = note
        self.names_required = names_required   # False: the CA alone admits (no trust restrictions)

    def names_match(self, names):
        """Whether one of the node names is admitted by this entry."""
        for name in names:
            if name in self.exact:
                return True
            if self.patterns and pki.match_subject_pattern(name, self.patterns):
                return True
        return False

    @property
    def trusted_names(self):
        """Patterns and exact names, for messages."""
        return self.patterns + self.exact


def scope_patterns(scopes, trust_all, allowlist):
    """The node name patterns of the lab's matching rule (module docstring)."""
    patterns = []
    for scope in scopes:
        if not scope:
            continue
        if trust_all:
            patterns.append("*.node.*.cluster.%s.account" % _escape(scope))
            if str(scope).endswith(".es.local"):
                patterns.append("*.node.*.%s" % _escape(scope))
        else:
            for cluster_id in allowlist or []:
                patterns.append("*.node.%s.cluster.%s.account" % (_escape(cluster_id), _escape(scope)))
                patterns.append("*.node.%s.%s" % (_escape(cluster_id), _escape(scope)))
    return patterns


def _own_env_cas(env):
    rel = env.local_trust_relationship() if env.kind == "ece" else None
    return cert_pems(env.certs.get("env_ca"), rel.get("public_ca_cert") if rel else None)


def ece_entries(cluster):
    """The trust entries of an ECE/ECH cluster's deployment (``accounts``, ``external``, transport ``direct``)."""
    env = cluster.env
    trust = (cluster.resource.trust if cluster.resource is not None else None) or {}
    entries = []
    for account in trust.get("accounts") or []:
        scope = account.get("account_id")
        entries.append(_Entry("accounts[%s]" % scope, _own_env_cas(env),
                              scope_patterns([scope], account.get("trust_all"), account.get("trust_allowlist"))))
    for external in trust.get("external") or []:
        rel_id = external.get("trust_relationship_id")
        rel = env.trust_relationships.get(rel_id) if env is not None else None
        label = "external[%s]" % rel_id
        if rel is None:
            entries.append(_Entry(label, [], note="the trust relationship [%s] does not exist in environment [%s]"
                                  % (rel_id, env.name if env else "?")))
            continue
        entries.append(_Entry(label, cert_pems(rel.get("public_ca_cert")),
                              scope_patterns(rel.get("account_ids") or [], external.get("trust_all"),
                                             external.get("trust_allowlist"))))
    for direct in trust.get("direct") or []:
        if str(direct.get("type", "")).lower() not in TRANSPORT_DIRECT_TYPES:
            continue
        scopes = [direct.get("scope_id")] if direct.get("scope_id") else []
        entries.append(_Entry("direct[%s]" % direct.get("name"),
                              cert_pems([cert.get("pem") for cert in direct.get("certificates") or []]),
                              scope_patterns(scopes, direct.get("trust_all"), direct.get("trust_allowlist")),
                              exact=[str(name) for name in direct.get("additional_node_names") or []]))
    return entries


def _restriction_patterns(cluster, yml, notes):
    path = yml.get("xpack.security.transport.ssl.trust_restrictions.path")
    if not path:
        return None
    text = read_config_file(cluster, path)
    if text is None:
        notes.append("the trust restrictions file [%s] does not exist: nothing is trusted" % path)
        return []
    try:
        data = flatten(yaml.safe_load(text) or {})
    except yaml.YAMLError:
        notes.append("the trust restrictions file [%s] is not valid YAML: nothing is trusted" % path)
        return []
    return [str(item) for item in as_list(data.get("trust.subject_name"))]


def stack_entries(cluster, notes=None):
    """The trust entries of a self-managed or ECK cluster (one entry: CAs plus optional restrictions)."""
    notes = notes if notes is not None else []
    yml = loaded_config(cluster)
    pems = cert_pems(cluster.transport_ca)
    if cluster.kind == "eck":
        pems.extend(cert_pems(_eck_builtin(cluster, ECK_CONFIG_DIR + "/transport-certs/ca.crt"),
                              _eck_builtin(cluster, ECK_CONFIG_DIR + "/transport-remote-certs/ca.crt")))
    pems.extend(_files(cluster, yml.get("xpack.security.transport.ssl.certificate_authorities"), notes))
    patterns = _restriction_patterns(cluster, yml, notes)
    return [_Entry("xpack.security.transport.ssl", cert_pems(pems), patterns or [], names_required=patterns is not None)]


def transport_verification_mode(cluster):
    """``full``, ``certificate`` or ``none`` for the transport layer (ECE/ECH and ECK nodes: ``certificate``)."""
    if cluster.kind in ("ece", "ech"):
        return "certificate"
    yml = loaded_config(cluster)
    default = "certificate" if cluster.kind == "eck" else "full"
    return str(yml.get("xpack.security.transport.ssl.verification_mode") or default).lower()


def transport_client_trust(cluster):
    """:class:`TrustMaterial` of ``cluster`` dialing with the certificate model (the union of its trusted CAs)."""
    notes = []
    if cluster.kind in ("ece", "ech"):
        entries = ece_entries(cluster)
    else:
        entries = stack_entries(cluster, notes)
    pems = cert_pems([pem for entry in entries for pem in entry.pems])
    return TrustMaterial(pems, "xpack.security.transport.ssl", verify_mode=transport_verification_mode(cluster), notes=notes)


class Verdict(object):
    """Whether a cluster admits a peer certificate: ``ok``, ``reason`` (``ok``, ``no_certificate``, ``unknown_ca``,
    ``expired``, ``not_yet_valid``, ``names``) and ``message`` (Elasticsearch's words)."""

    def __init__(self, ok, reason, message=""):
        self.ok = ok
        self.reason = reason
        self.message = message

    def __bool__(self):
        return self.ok


def trust_failure_message(where, chain, context, problem="unknown_ca", peer="server", now=None):
    """Elasticsearch's SSL diagnostics for a certificate it does not trust (``failed to establish trust with ...``)."""
    if not chain:
        return "failed to establish trust with %s at [%s]; the %s did not provide a certificate" % (peer, where, peer)
    leaf = pki.as_cert(chain[0])
    parts = ["failed to establish trust with %s at [%s]" % (peer, where),
             "the %s provided a certificate with subject name [%s], fingerprint [%s]" % (peer, subject_of(leaf), sha1_fingerprint(leaf))]
    names = describe_names(leaf)
    parts.append("the certificate has subject alternative names [%s]" % names if names else
                 "the certificate does not have any subject alternative names")
    parts.append("the certificate is issued by [%s]" % issuer_of(leaf))
    if problem in ("expired", "not_yet_valid"):
        state = "the certificate has expired" if problem == "expired" else "the certificate is not yet valid"
        parts.append("the certificate is valid between [%s] and [%s] (current time is [%s], %s)"
                     % (pki.not_valid_before(leaf).strftime("%Y-%m-%dT%H:%M:%SZ"), pki.not_valid_after(leaf).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"), state))
        return "; ".join(parts)
    parts.append("the [%s] certificate is not trusted in this ssl context ([%s])" % (issuer_of(leaf), context))
    return "; ".join(parts) + ": PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: " \
                              "unable to find valid certification path to requested target"


def names_failure_message(chain, trusted_names):
    """The restricted trust manager's refusal (names of the otherName SAN against the trusted names)."""
    leaf = pki.as_cert(chain[0])
    names = pki.other_names(leaf)
    return ("Certificate for [%s] with subject alternative names [%s] does not match the trusted names [%s]"
            % (subject_of(leaf), ", ".join(names) if names else "no otherName node name", ", ".join(trusted_names)))


def admits(world, cluster, chain, where="", peer="client"):
    """Whether ``cluster`` (certificate model) admits the peer certificate ``chain`` (DER/PEM list, leaf first).

    Returns a :class:`Verdict`. Checked at lab time. ``where`` and ``peer`` only shape the message.
    """
    if not chain:
        return Verdict(False, "no_certificate", "Empty client certificate chain" if peer == "client" else
                       "the %s did not provide a certificate" % peer)
    context = "xpack.security.transport.ssl"
    if cluster.kind not in ("ece", "ech") and transport_verification_mode(cluster) == "none":
        return Verdict(True, "ok")
    notes = []
    entries = ece_entries(cluster) if cluster.kind in ("ece", "ech") else stack_entries(cluster, notes)
    now = lab_time(world)
    leaf = chain[0]
    names = pki.other_names(leaf)
    ca_ok = []
    date_problem = None
    for entry in entries:
        if not entry.pems:
            continue
        ok, reason = pki.verify_chain(leaf, intermediates=chain[1:], roots=entry.pems, at=now)
        if not ok:
            if reason in ("expired", "not_yet_valid"):
                date_problem = reason
            continue
        ca_ok.append(entry)
        if not entry.names_required or entry.names_match(names):
            return Verdict(True, "ok")
    if ca_ok:
        trusted = []
        for entry in ca_ok:
            trusted.extend(entry.trusted_names)
        return Verdict(False, "names", names_failure_message(chain, trusted))
    if date_problem:
        return Verdict(False, date_problem, trust_failure_message(where, chain, context, date_problem, peer, now))
    message = trust_failure_message(where, chain, context, "unknown_ca", peer)
    missing = [entry.note for entry in entries if entry.note] + notes
    if missing:
        message += " (%s)" % "; ".join(missing)
    return Verdict(False, "unknown_ca", message)


# --------------------------------------------------------------------------------------------------------------
# identification on an ECE/ECH proxy (remote_cluster traffic filters)

def parse_node_name(name):
    """``{"node", "cluster_id", "scope"}`` from an ECE/ECH node name (with or without ``.account``) or an ECK
    node name ``<pod>.node.<es>.<namespace>.es.local``; None otherwise."""
    if not name:
        return None
    match = _ECK_NAME.match(name)
    if match:
        return {"node": match.group("node"), "cluster_id": match.group("cluster"), "scope": match.group("scope")}
    match = _ECE_NAME.match(name)
    if match:
        return {"node": match.group("node"), "cluster_id": match.group("cluster"), "scope": match.group("scope")}
    return None


def proxy_identity(world, env, chain, proxy_chain=None):
    """The caller identity an ECE/ECH proxy reads from a client certificate chain, or None (module docstring).

    ``proxy_chain`` is the chain the proxies have loaded (default: ``env.proxy_chain``).
    """
    if not chain:
        return None
    chain_pems = list(env.proxy_chain if proxy_chain is None else proxy_chain)
    path = issuing_path(chain_pems)
    extra = [pem for pem in cert_pems(chain_pems[1:]) if pem not in path]   # CAs appended after the proxy's CA
    roots = cert_pems(_own_env_cas(env), extra)
    if not pki.verify_chain(chain[0], intermediates=chain[1:], roots=roots, at=lab_time(world))[0]:
        return None
    leaf = pki.as_cert(chain[0])
    for name in pki.other_names(leaf) + [pki.subject_cn(leaf) or ""]:
        parsed = parse_node_name(name)
        if parsed:
            return parsed
    return None


def filter_decision(env, deployment_id, source_ip, identity):
    """Traffic filters of a deployment for a 9443 connection: ``(allowed, explanation)``.

    No ruleset associated: allowed. Otherwise an ``ip`` rule whose ``source`` (address or CIDR) contains the
    source address, or a ``remote_cluster`` rule whose ``remote_cluster_id`` or ``remote_cluster_org_id`` matches
    the identified caller, allows the connection.
    """
    rulesets = env.rulesets_of(deployment_id)
    if not rulesets:
        return True, "no traffic filter rule set is associated"
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        address = None
    for ruleset in rulesets:
        kind = ruleset.get("type")
        for rule in ruleset.get("rules") or []:
            if kind == "ip" and rule.get("source") and address is not None:
                try:
                    network = ipaddress.ip_network(str(rule["source"]).strip(), strict=False)
                except ValueError:
                    continue
                if address in network:
                    return True, "ip rule [%s] of rule set [%s] matches" % (rule["source"], ruleset.get("id"))
            elif kind == "remote_cluster" and identity:
                if rule.get("remote_cluster_id") and rule["remote_cluster_id"] == identity.get("cluster_id"):
                    return True, "remote_cluster rule of rule set [%s] matches the cluster ID" % ruleset.get("id")
                if rule.get("remote_cluster_org_id") and rule["remote_cluster_org_id"] == identity.get("scope"):
                    return True, "remote_cluster rule of rule set [%s] matches the organization ID" % ruleset.get("id")
    names = ", ".join("%s (%s)" % (ruleset.get("id"), ruleset.get("type")) for ruleset in rulesets)
    who = ("remote cluster ID [%s], organization ID [%s]" % (identity.get("cluster_id"), identity.get("scope"))
           if identity else "no identifiable client certificate")
    return False, "no rule of the rule sets [%s] matches (source address [%s], %s)" % (names, source_ip, who)


# --------------------------------------------------------------------------------------------------------------
# version rules

_LAST_MINOR = {6: 8, 7: 17, 8: 19}


def ccs_supported(local_version, remote_version):
    """The CCS "supported configuration" table (es-api.md section 5.1; asymmetric: local searches remote)."""
    local = version_tuple(local_version)[:2]
    remote = version_tuple(remote_version)[:2]
    if local[0] == remote[0]:
        return remote[1] >= local[1] - 1
    if remote[0] == local[0] + 1:
        if local == (8, 18):
            return remote == (9, 0)
        return _LAST_MINOR.get(local[0]) == local[1]
    if remote[0] == local[0] - 1:
        if local == (9, 0):
            return remote == (8, 18)
        return local[1] == 0 and remote[1] == _LAST_MINOR.get(remote[0])
    return False


def wire_compatible(version_a, minwire_a, version_b, minwire_b):
    """Each side's version is at least the other side's minimum wire compatibility version (es-api.md 5.2)."""
    return version_tuple(version_b) >= version_tuple(minwire_a) and version_tuple(version_a) >= version_tuple(minwire_b)
