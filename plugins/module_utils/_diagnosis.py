# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O): turn what Elasticsearch says about a remote cluster (``GET _remote/info`` and
``GET _resolve/cluster``) into a verdict and a diagnosis in words, with a fix.

* The *verdict* of an alias is ``connected``, ``not_connected`` or ``not_configured``.
* The *diagnosis* is a dict ``{code, summary, fix, reference, error}``: ``code`` is a stable machine
  name (see ``CODES``), ``summary`` says what is wrong in words, ``fix`` what to do, ``reference`` the
  failure mode of the research notes (``F1`` to ``F23`` of scenarios.md section 5, ``R1`` to ``R13`` of
  its section 1), ``error`` the error text Elasticsearch gave (verbatim, ``None`` when there was none).

``_remote/info`` never carries an error: it only says whether a connection is open right now
(``connected``), and ``cluster_credentials`` tells the security model (present: the API key model).
``_resolve/cluster`` (8.13+) forces a connection attempt and reports its error as a string; the error
texts recognised here are those of the troubleshooting guide (scenarios.md section 5, es-api.md section 3
"Misconfiguration symptoms"). An error that matches nothing is passed through verbatim (code ``unknown``).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.eceops.remote_clusters.plugins.module_utils._versions import (
    ccs_compatible, format_version, parse_version, supports)

CONNECTED = "connected"
NOT_CONNECTED = "not_connected"
NOT_CONFIGURED = "not_configured"
VERDICTS = (CONNECTED, NOT_CONNECTED, NOT_CONFIGURED)

API_KEY_PORT = 9443
TRANSPORT_PORTS = (9300, 9400)

# code -> (reference, what the code means). The summaries and fixes themselves are built by _explain().
CODES = {
    "connected": (None, "the connection is open"),
    "not_configured": ("F1", "the alias is not configured (no proxy_address or seeds)"),
    "not_connected": (None, "not connected, and no error is known (no connection attempt was forced)"),
    "credentials_missing": ("F5", "no cross-cluster API key is loaded for the alias, but the address is the remote cluster server port"),
    "credentials_not_loaded": ("F5", "the keystore holds the credentials, but the nodes have not loaded them"),
    "credentials_alias_mismatch": ("F5", "the keystore holds credentials for another alias"),
    "wrong_port_api_key": ("F4", "the API key model (credentials loaded) is dialing a transport port"),
    "rest_api_key": ("F6", "the keystore holds a REST API key instead of a cross-cluster API key"),
    "invalid_api_key": ("F7", "the remote rejects the cross-cluster API key (unknown, invalidated or wrong)"),
    "expired_api_key": ("F7", "the cross-cluster API key has expired"),
    "unauthorized": ("F8", "connected, but the key's access and the user's privileges do not allow the action"),
    "no_remote_indices": ("F9", "connected, but the user has no remote_indices privileges for the alias"),
    "hostname_mismatch": ("F3", "the remote's certificate does not cover the server name (SNI)"),
    "sni_not_routable": ("R12", "the remote's proxy does not know the server name (SNI)"),
    "certificate_expired": ("F3", "a certificate of the remote's chain has expired or is not yet valid"),
    "certificate_not_trusted": ("F3", "the local cluster does not trust the remote's certificate"),
    "not_trusted_by_remote": ("F10", "the remote does not trust the local cluster's certificate (certificate model)"),
    "incompatible_version": ("R1", "the two versions cannot talk to each other"),
    "api_key_model_version": ("R2", "the API key model needs 8.14 or later on both clusters"),
    "license": ("R10", "a licence does not allow the feature"),
    "filtered": ("F14", "the remote's traffic filters refuse the connection"),
    "connect_timeout": ("F1", "the TCP connection times out (a firewall or filter drops it)"),
    "unreachable": ("F1", "nothing accepts the connection at the address"),
    "unknown_host": ("F15", "the host name of the address does not resolve"),
    "wrong_protocol": ("R3", "the address does not speak the transport protocol (HTTP port or layer-7 load balancer)"),
    "tls_client_disabled": ("F1", "the local cluster dials without TLS"),
    "handshake_timeout": ("F2", "TCP connects but the TLS or transport handshake is never answered"),
    "connection_closed": ("F2", "the remote closes the connection"),
    "keystore_inconsistent": ("F18", "the local nodes' keystores differ"),
    "unknown": (None, "an error this collection does not recognise (passed through verbatim)"),
}

_TRUST_MARKERS = ("failed to establish trust with", "pkix path building failed", "unable to find valid certification path",
                  "did not trust this server's certificate", "certpathvalidatorexception")
_HOSTNAME_MARKERS = ("does not match the host name", "no subject alternative dns name matching",
                     "no subject alternative names matching", "no name matching", "hostname verification")
_EXPIRED_CERT_MARKERS = ("certificate has expired", "certificate is not yet valid", "certificateexpiredexception",
                         "certificatenotyetvalidexception", "certificate_expired")
_CLIENT_CERT_MARKERS = ("unknown_ca", "bad_certificate", "certificate_unknown", "empty client certificate chain", "certificate_required")


def _lower(text):
    return (text or "").lower()


def _has(text, markers):
    return any(marker in text for marker in markers)


def address_port(address):
    """The port of ``host:port`` / ``[v6]:port`` as int, or None."""
    if not isinstance(address, str) or ":" not in address:
        return None
    tail = address.rsplit(":", 1)[1]
    if address.startswith("[") and "]" in tail:
        return None
    return int(tail) if tail.isdigit() else None


def configured_address(info):
    """The address a ``_remote/info`` entry dials: ``proxy_address`` (proxy) or the first seed (sniff)."""
    info = info or {}
    if info.get("proxy_address"):
        return info.get("proxy_address")
    seeds = info.get("seeds") or []
    return seeds[0] if seeds else None


def model_of(info):
    """``api_key`` when the ``_remote/info`` entry has ``cluster_credentials``, else ``certificate`` (None without entry)."""
    if not info:
        return None
    return "api_key" if info.get("cluster_credentials") else "certificate"


def credentials_setting(alias):
    """The keystore setting that selects the API key model for ``alias``."""
    return "cluster.remote.%s.credentials" % alias


def _key_id(text):
    match = re.search(r"unable to authenticate user \[([^\]]*)\]", text or "") or re.search(r"api key \[([^\]]+)\]", text or "", re.I)
    return match.group(1) if match and match.group(1) else None


def classify_error(error, model=None, port=None):
    """The diagnosis code for an error text of ``_resolve/cluster`` (or a log line).

    ``model`` (``api_key``/``certificate``) and ``port`` (of the dialed address) refine TLS failures that have
    several causes: a trust failure of the API key model on a transport port is F4, of the certificate model on
    9443 is F5. Returns ``unknown`` when nothing matches (and ``None`` for an empty error).
    """
    if not error:
        return None
    text = _lower(error)
    rules = (
        ("not_configured", ("no such remote cluster",)),
        ("keystore_inconsistent", ("differs between the keystores",)),
        ("credentials_missing", ("_cross_cluster_access_credentials] but none found",)),
        ("wrong_port_api_key", ("requires channel profile to be [_remote_cluster]", "handshake] is unauthorized for",
                                "missing authentication credentials for action [cluster:internal/remote_cluster/handshake]")),
        ("rest_api_key", ("expected api key type of [cross_cluster]",)),
        ("expired_api_key", ("api key is expired", "api key has expired")),
        ("invalid_api_key", ("remote_cluster/handshake]", "authentication using apikey failed", "has been invalidated",
                             "unable to find apikey", "invalid credentials for api key")),
        ("no_remote_indices", ("no remote indices privileges apply for the target cluster",)),
        ("unauthorized", ("towards remote cluster is unauthorized", "is unauthorized for")),
        ("api_key_model_version", ("api key based security model",)),
        ("license", ("current license is non-compliant", "license is not active", "non-compliant for [")),
        ("incompatible_version", ("received message from unsupported version", "minimal compatible version",
                                  "incompatible version")),
        ("filtered", ("403 forbidden", "traffic filter")),
        ("sni_not_routable", ("unrecognized_name",)),
        ("tls_client_disabled", ("plaintext traffic on an encrypted channel",)),
        ("wrong_protocol", ("received http response on transport port", "notsslrecordexception", "not an ssl/tls record",
                            "received plaintext http traffic")),
        ("unknown_host", ("unknownhostexception", "name or service not known", "nodename nor servname")),
        ("connect_timeout", ("connect_timeout", "connecttimeoutexception", "connection timed out")),
        ("handshake_timeout", ("handshake timed out", "receivetimeouttransportexception", "sslhandshaketimeoutexception")),
        ("unreachable", ("connection refused", "connect_exception", "connectexception", "no route to host",
                         "network is unreachable")),
    )
    for code, markers in rules:
        if _has(text, markers):
            return code
    if _has(text, _HOSTNAME_MARKERS):
        return _port_refined("hostname_mismatch", model, port)
    if _has(text, _EXPIRED_CERT_MARKERS):
        return _port_refined("certificate_expired", model, port)
    if _has(text, _TRUST_MARKERS):
        return _port_refined("certificate_not_trusted", model, port)
    if _has(text, _CLIENT_CERT_MARKERS):
        return _port_refined("not_trusted_by_remote" if model != "api_key" else "certificate_not_trusted", model, port)
    if "closed by remote" in text or "connection reset" in text:
        return "connection_closed"
    return "unknown"


def _port_refined(code, model, port):
    """TLS failures caused by the port not matching the model (F4 / F5)."""
    if model == "api_key" and port in TRANSPORT_PORTS:
        return "wrong_port_api_key"
    if model == "certificate" and port == API_KEY_PORT:
        return "credentials_missing"
    return code


def _sockets(info):
    info = info or {}
    if info.get("mode") == "sniff":
        return info.get("num_nodes_connected"), info.get("max_connections_per_cluster")
    return info.get("num_proxy_sockets_connected"), info.get("max_proxy_socket_connections")


def _explain(code, alias, ctx):
    """``(summary, fix)`` for a code, with the facts of ``ctx`` (address, server_name, model, versions, ...)."""
    address = ctx.get("address") or "the configured address"
    server_name = ctx.get("server_name")
    setting = credentials_setting(alias)
    host = address.rsplit(":", 1)[0] if ":" in address else address
    rotate = ("create a new cross-cluster API key on the remote cluster (eceops.remote_clusters.es_cross_cluster_api_key, "
              "state rotated), store its encoded value as %s in the local keystore under the same alias, reload "
              "(eceops.remote_clusters.es_secure_settings_reload; ECE 8.14+ reloads by itself, older ECE deployments need "
              "a restart), then invalidate the old key" % setting)
    if code == "connected":
        sockets, maximum = _sockets(ctx.get("info"))
        model = {"api_key": "the API key model", "certificate": "the TLS certificate model"}.get(ctx.get("model"), "an unknown model")
        text = "connected to %s with %s" % (address, model)
        if sockets is not None:
            text += " (%s of %s connections open)" % (sockets, maximum)
        if ctx.get("remote_version"):
            text += "; the remote runs %s" % ctx["remote_version"]
        return text, None
    if code == "not_configured":
        return ("[%s] is not a configured remote cluster on this cluster (no proxy_address or seeds is set)" % alias,
                "configure it with eceops.remote_clusters.es_remote_cluster (mode proxy, proxy_address <endpoint>:9443 and "
                "server_name <endpoint> for the API key model)")
    if code == "not_connected":
        if ctx.get("resolve_supported") is False:
            return ("not connected right now, and this Elasticsearch version (before 8.13) has no _resolve/cluster to force "
                    "a connection attempt and report its error",
                    "run a cross-cluster search against %s:* to make Elasticsearch connect, then look at the local cluster's "
                    "log for the reason" % alias)
        return ("not connected right now; no connection attempt was forced, so there is no error to report (Elasticsearch "
                "connects lazily)",
                "run eceops.remote_clusters.es_remote_info with resolve true (8.13+), which forces a connection attempt "
                "and reports its error")
    if code == "credentials_missing":
        return ("%s is the remote cluster server port (API key model), but the local cluster sends no cross-cluster API key "
                "for [%s]: the keystore has no %s, the key is stored under another alias, or the nodes have not loaded it "
                "yet" % (address, alias, setting),
                "create a cross-cluster API key on the remote cluster (eceops.remote_clusters.es_cross_cluster_api_key), "
                "store its encoded value as %s in the local keystore (ECE: the deployment keystore; self-managed: "
                "elasticsearch-keystore add on every node; ECK: a secure settings Secret), then reload or restart; for the "
                "(deprecated) certificate model use the transport port instead (9400 on ECE/ECH, 9300 self-managed)" % setting)
    if code == "credentials_not_loaded":
        return ("the keystore holds %s, but the nodes have not loaded it (_remote/info shows no cluster_credentials)" % setting,
                "wait a moment (ECE deployments on 8.14 or later load keystore changes by themselves), restart older ECE "
                "deployments, or reload self-managed/ECK clusters with eceops.remote_clusters.es_secure_settings_reload")
    if code == "credentials_alias_mismatch":
        others = ", ".join(ctx.get("other_credentials") or [])
        return ("the keystore holds credentials for [%s] but none for [%s]: the keystore alias must equal the remote "
                "cluster alias" % (others, alias),
                "store the key again as %s (or configure the remote cluster under the alias of the keystore entry)" % setting)
    if code == "wrong_port_api_key":
        return ("a cross-cluster API key is loaded for [%s] (API key model), but %s is a transport port (TLS certificate "
                "model)" % (alias, address),
                "use the remote cluster server port: proxy_address %s:9443 (or remove %s from the keystore to use the "
                "certificate model)" % (host, setting))
    if code == "rest_api_key":
        return ("the keystore value for [%s] is a REST API key; the remote cluster server accepts only cross-cluster API "
                "keys" % alias,
                "create the key with POST /_security/cross_cluster/api_key (eceops.remote_clusters.es_cross_cluster_api_key) "
                "and store its encoded value as %s" % setting)
    if code == "invalid_api_key":
        key = _key_id(ctx.get("error"))
        return ("the remote cluster rejects the cross-cluster API key%s of [%s]: it does not exist, was invalidated, or the "
                "stored value is wrong" % (" [%s]" % key if key else "", alias), rotate)
    if code == "expired_api_key":
        return "the cross-cluster API key of [%s] has expired" % alias, rotate
    if code == "unauthorized":
        return ("the connection works, but the request is not allowed: access is the intersection of the cross-cluster "
                "API key's access (on the remote) and the local user's remote_indices",
                "widen the key's access (eceops.remote_clusters.es_cross_cluster_api_key) or the local role's remote_indices "
                "(eceops.remote_clusters.es_role)")
    if code == "no_remote_indices":
        return ("the connection works, but the local user has no remote_indices privileges for [%s]" % alias,
                "give the user a role with remote_indices for clusters [%s] (eceops.remote_clusters.es_role)" % alias)
    if code == "hostname_mismatch":
        return ("the remote's certificate does not cover the server name [%s]" % (server_name or host),
                "set server_name to a name the remote's certificate covers: for an ECE/ECH deployment its endpoint "
                "(metadata.endpoint, <cluster_id>.<domain>); after a deployment domain change ECE needs a new proxy "
                "certificate (R12)")
    if code == "sni_not_routable":
        return ("the proxy at %s does not route the server name [%s] to any deployment" % (address, server_name or host),
                "set server_name to the remote deployment's endpoint (metadata.endpoint) and make proxy_address point to "
                "the same endpoint")
    if code == "certificate_expired":
        return ("a certificate of the remote's chain has expired or is not yet valid",
                "renew the remote's certificate (ECE: the proxy certificate for 9443; ECH and ECK rotate their CAs, so "
                "trust the current CA - F13)")
    if code == "certificate_not_trusted":
        if ctx.get("model") == "certificate":
            return ("the local cluster does not trust the remote's transport certificate (certificate model: both clusters "
                    "must trust each other)",
                    "add the remote's CA to the local cluster's trust (ECE: deployment trust accounts/external/direct, "
                    "self-managed: xpack.security.transport.ssl.certificate_authorities) and the local CA on the remote")
        return ("the local cluster does not trust the certificate that %s presents" % address,
                "trust the remote's CA: an ECE/ECH local cluster needs a trusted environment with the remote's proxy CA "
                "(deployment trust, direct entry of type proxy); a self-managed/ECK local cluster needs it in "
                "xpack.security.remote_cluster_client.ssl.certificate_authorities (then a restart). Publicly trusted "
                "certificates (Elastic Cloud) need nothing")
    if code == "not_trusted_by_remote":
        return ("the remote cluster does not trust the local cluster's certificate (certificate model)",
                "make the remote trust the local cluster: ECE/ECH remote: deployment trust for this environment or "
                "cluster ID (trusted_back); self-managed remote: the local CA in xpack.security.transport.ssl.certificate_"
                "authorities and node certificates with the otherName SAN (F12)")
    if code == "incompatible_version":
        versions = ""
        if ctx.get("local_version") and ctx.get("remote_version"):
            versions = " (local %s, remote %s)" % (ctx["local_version"], ctx["remote_version"])
        return ("the two clusters' versions cannot talk to each other%s" % versions,
                "upgrade one side: only the last minor of a major talks to the next major (8.19 to 9.x, 8.18 to 9.0)")
    if code == "api_key_model_version":
        return ("the API key security model needs Elasticsearch 8.14 or later on both clusters",
                "upgrade both clusters to 8.14 or later, or use the (deprecated) certificate model on the transport port")
    if code == "license":
        return ("a licence does not allow this: the API key model needs an enterprise (or trial) licence on both clusters, "
                "cross-cluster replication a platinum one",
                "install the required licence on both clusters")
    if code == "filtered":
        return ("the remote refuses the connection from this cluster: its traffic filters (network security) do not match",
                "on the remote deployment, associate a remote cluster filter (same ECE environment: this cluster's ID or "
                "environment ID) or an IP filter (other environments: the local allocators' addresses) - R11")
    if code == "connect_timeout":
        return ("the TCP connection to %s times out: a firewall, a security group or a load balancer drops it" % address,
                "open the port on every firewall between the local nodes (ECE: the allocators) and the remote's proxies "
                "or load balancer (9443 for API keys, 9400 for certificates - R3, R4)")
    if code == "unreachable":
        text = "nothing accepts connections at %s (connection refused)" % address
        fix = ("check host and port (9443 for API keys, 9400 for certificates on ECE/ECH, 9300 on self-managed/ECK), that "
               "the remote cluster server is enabled (self-managed: remote_cluster_server.enabled, ECK: "
               "spec.remoteClusterServer.enabled), and that proxies and load balancers listen on the port")
        if ctx.get("mode") == "sniff":
            text += "; sniff mode connects to the addresses the remote nodes publish"
            fix = "use mode proxy for ECE, ECH and ECK remotes (their nodes are not reachable directly - R7); " + fix
        return text, fix
    if code == "unknown_host":
        return ("the host name of %s does not resolve on the local nodes" % address,
                "use a resolvable address (for ECE/ECH the deployment's endpoint; not a private-link name - F15)")
    if code == "wrong_protocol":
        return ("%s does not speak the transport protocol: it is an HTTP port, or a layer-7 load balancer sits in front "
                "of it" % address,
                "use the transport/remote cluster port (not 9200/9243) and configure load balancers as TCP pass-through "
                "on 9443 and 9400 (R3)")
    if code == "tls_client_disabled":
        return ("the local cluster dials without TLS, but the remote cluster server only speaks TLS",
                "set xpack.security.remote_cluster_client.ssl.enabled to true (the default) and restart")
    if code == "handshake_timeout":
        return ("%s accepts the TCP connection but never completes the handshake" % address,
                "check the proxy or load balancer on that port (TCP pass-through, no proxy protocol on 9400) and that the "
                "remote is running")
    if code == "connection_closed":
        return ("the remote closes the connection", "check that the remote cluster is running and that load balancers keep "
                "long-lived idle connections (no custom idle timeout - F2)")
    if code == "keystore_inconsistent":
        return ("the local nodes hold different values for %s" % setting,
                "write the same value to every node's keystore (ECE: delete the key and add it again - F18), then reload")
    return (ctx.get("error") or "unknown error",
            "this error is Elasticsearch's own and not one this collection recognises; see Elastic's remote clusters "
            "troubleshooting guide")


def diagnosis(code, alias, **ctx):
    """``{code, summary, fix, reference, error}`` for ``code`` (see ``CODES``)."""
    if code not in CODES:
        raise ValueError("unknown diagnosis code %r" % (code,))
    summary, fix = _explain(code, alias, ctx)
    return {"code": code, "summary": summary, "fix": fix, "reference": CODES[code][0], "error": ctx.get("error")}


def _keystore_aliases(keystore_names):
    aliases = []
    for name in keystore_names or []:
        match = re.match(r"^cluster\.remote\.([^.]+)\.credentials$", name or "")
        if match:
            aliases.append(match.group(1))
    return sorted(aliases)


def resolve_request(version, aliases, timeout=None):
    """The ``_resolve/cluster`` call that forces connection attempts to ``aliases``: ``(path, params)`` or None.

    8.18 and later: ``GET /_resolve/cluster`` without an index expression (every configured remote, no index
    matching), with ``timeout`` when given (for example ``"10s"``). 8.13 to 8.17: ``GET /_resolve/cluster/<a>:*,<b>:*``.
    Before 8.13 (or without aliases): None - only ``_remote/info`` is available.
    """
    try:
        if not aliases or version is None or not supports("resolve_cluster", version):
            return None
        without_index = supports("resolve_cluster_without_index", version)
    except ValueError:
        return None
    if without_index:
        return "/_resolve/cluster", ({"timeout": timeout} if timeout else {})
    return "/_resolve/cluster/" + ",".join("%s:*" % alias for alias in aliases), {}


def is_connected(info=None, resolve=None):
    """Whether the alias is connected: ``_resolve/cluster``'s answer when there is one, else ``_remote/info``'s.

    A resolve entry that failed only on privileges (F8/F9) while ``_remote/info`` shows an open connection counts as
    connected: the transport connection works.
    """
    if resolve:
        if resolve.get("connected"):
            return True
        code = classify_error(resolve.get("error"))
        return bool(code in ("unauthorized", "no_remote_indices") and info and info.get("connected"))
    return bool(info and info.get("connected"))


def report(alias, info=None, resolve=None, local_version=None, keystore_names=None, resolve_supported=None,
           configured_aliases=None):
    """The full report of one alias: configuration, connection, model, verdict and diagnosis.

    ``info``: the alias's entry of ``GET _remote/info`` (None when absent); ``resolve``: its entry of
    ``GET _resolve/cluster`` (None when not called); ``local_version``: the local cluster's version;
    ``keystore_names``: the names in the local keystore when known (ECE deployments), to tell "missing" from
    "not loaded"; ``resolve_supported``: False when the local cluster is older than 8.13; ``configured_aliases``:
    every alias configured on the local cluster, so that credentials stored for another configured alias are not
    mistaken for credentials stored under the wrong alias.
    """
    info = info or None
    mode = info.get("mode") if info else None
    address = configured_address(info)
    model = model_of(info)
    remote_version = ((resolve or {}).get("version") or {}).get("number")
    sockets, maximum = _sockets(info)
    out = {
        "alias": alias,
        "configured": info is not None,
        "mode": mode,
        "proxy_address": (info or {}).get("proxy_address"),
        "server_name": ((info or {}).get("server_name") or None),
        "seeds": (info or {}).get("seeds"),
        "connected": False,
        "model": model,
        "sockets_connected": sockets,
        "sockets_max": maximum,
        "initial_connect_timeout": (info or {}).get("initial_connect_timeout"),
        "skip_unavailable": (info or {}).get("skip_unavailable", (resolve or {}).get("skip_unavailable")),
        "remote_version": remote_version,
        "error": (resolve or {}).get("error"),
        "notes": [],
    }
    ctx = {"address": address, "server_name": out["server_name"], "model": model, "mode": mode, "info": info,
           "remote_version": remote_version, "local_version": local_version, "resolve_supported": resolve_supported}
    error = out["error"]
    if info is None and (resolve is None or classify_error(error) in (None, "not_configured")):
        out["verdict"] = NOT_CONFIGURED
        out["diagnosis"] = diagnosis("not_configured", alias, error=error, **ctx)
        return out
    connected = is_connected(info, resolve)
    out["connected"] = connected
    port = address_port(address)
    code = classify_error(error, model=model, port=port)
    if connected:
        out["verdict"] = CONNECTED
        if code in ("unauthorized", "no_remote_indices"):
            out["diagnosis"] = diagnosis(code, alias, error=error, **ctx)
        else:
            out["diagnosis"] = diagnosis("connected", alias, error=None, **ctx)
        out["notes"] = _notes(model, local_version, remote_version)
        return out
    out["verdict"] = NOT_CONNECTED
    if code is None:
        if model == "api_key" and port in TRANSPORT_PORTS:
            code = "wrong_port_api_key"
        elif model == "certificate" and port == API_KEY_PORT:
            code = "credentials_missing"
        else:
            code = "not_connected"
    if code == "credentials_missing" and keystore_names is not None:
        stored = _keystore_aliases(keystore_names)
        orphans = [name for name in stored if configured_aliases is None or name not in configured_aliases]
        if alias in stored:
            code = "credentials_not_loaded"
        elif orphans:
            code = "credentials_alias_mismatch"
            ctx["other_credentials"] = orphans
    out["diagnosis"] = diagnosis(code, alias, error=error, **ctx)
    out["notes"] = _notes(model, local_version, remote_version)
    return out


def _notes(model, local_version, remote_version):
    """Advice that does not stop the connection (deprecations, unsupported CCS pairs)."""
    notes = []
    try:
        if model == "certificate" and local_version and supports("certificate_model_deprecated", local_version):
            notes.append("the TLS certificate model is deprecated since Elasticsearch 9.0; consider the API key model")
        if local_version and remote_version:
            ok, reason = ccs_compatible(local_version, remote_version)
            if not ok:
                notes.append("not a supported cross-cluster search configuration: %s" % reason)
    except ValueError:
        pass
    return notes


def summarize(reports):
    """One line per alias that is not connected: ``<alias>: <summary>. Fix: <fix>``."""
    lines = []
    for item in reports:
        if item.get("verdict") == CONNECTED:
            continue
        diag = item.get("diagnosis") or {}
        line = "%s: %s" % (item.get("alias"), diag.get("summary"))
        if diag.get("fix"):
            line += ". Fix: %s" % diag["fix"]
        lines.append(line)
    return "; ".join(lines)


def version_text(version):
    """``"8.15.0"`` for any version value, or the value itself when it does not parse."""
    try:
        return format_version(parse_version(version))
    except ValueError:
        return str(version)
