# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's transport layer: the proxies and transport/remote-cluster listeners, and the connection engine that
decides whether a remote connection comes up (DESIGN.md "Who trusts what" and "A remote is connected when").

Listeners (:class:`eceops_lab.tlsnet.TlsListener`, real TLS on the real ports)
    * ECE/ECH environment, on ``env.ip``: **9400** (certificate model; TLS passes through to the node): the SNI
      (``<cluster_id>.<domain>`` or ``<alias>.es.<domain>``) selects the cluster, whose ``node_cert`` (+ its CA) is
      presented; a client certificate is requested. **9443** (API-key model; TLS ends at the proxy): the SNI must
      name a cluster of the environment; the proxy chain ``env.proxy_chain`` / ``env.proxy_key_pem`` is presented
      (reloaded by :meth:`Connector.reload_environment`); an optional client certificate is requested (it identifies
      the caller for ``remote_cluster`` traffic filters). An unknown SNI is refused with ``unrecognized_name``.
      The switch ``lb_9443_mode: http`` starts 9443 as a layer-7 balancer (mode ``http``).
    * Self-managed and ECK, on ``cluster.ip``: **9300** (transport; ``node_cert``; client certificate requested and
      required by the remote-side check) and **9443** (remote cluster server, ``rcs_cert``) listening only while
      enabled (self-managed: ``remote_cluster_server.enabled`` in ``yml_loaded``; ECK:
      ``spec.remoteClusterServer.enabled``); :meth:`Connector.refresh_listeners` starts/stops it.
    * Every listener requests client certificates with every CA the lab holds as acceptable issuers, so OpenSSL
      accepts any lab-issued client certificate and the lab decides trust itself (:mod:`eceops_lab.trust`).

The connection engine (:meth:`Connector.attempt`)
    1. effective settings (transient > persistent > loaded yml): ``proxy`` -> ``proxy_address`` + ``server_name``,
       ``sniff`` -> the first seed; 2. resolution with ``world.resolver``, TCP from the local's address;
    3. model: ``cluster.remote.<alias>.credentials`` in ``keystore_loaded`` -> API key, else certificate;
    4. TLS with the local's trust (API key: :func:`trust.remote_client_trust`, certificate:
       :func:`trust.transport_client_trust` plus the node-name rules of :func:`trust.admits`); validity judged at
       lab time as well; 5. the handshake frame (credentials, version, cluster ID) and the remote's decision:
       model/port agreement (F4/F5), traffic filters (9443 of ECE/ECH), the API key, 8.14 on both sides, the
       enterprise licence, the remote's trust of the local certificate (certificate model) and wire
       compatibility; 6. sniff to ECE/ECH/ECK fails (the published node addresses are not reachable);
       7. a local whose nodes' keystores differ (``local.keystore_inconsistent``) fails.
    Each failure sets ``RemoteState.error`` (Elasticsearch's words: scenarios.md section 5, es-api.md section 3),
    ``failure_kind`` (one of :data:`FAILURE_KINDS`) and ``detail`` (the lab's own explanation). A result stays
    valid until ``dirty_since`` is newer than ``attempted_at`` (or ``force``). Changing a port mode or the
    listeners of a cluster marks the remotes that last dialed that address dirty (the connections drop);
    uploading a proxy certificate does not (open connections survive it).

Threading design (no deadlock with ``World.lock``)
    Dialing runs in a request thread that holds ``World.lock`` (an RLock; :meth:`attempt`, :meth:`send`,
    :meth:`remote_info` and :meth:`ece_flags` take it themselves, re-entrantly) and connects to a listener of the
    same process. Listener threads never wait for ``World.lock`` while a lab dialer is connected to them:

    * what they need during the TLS handshake (which cluster a server name routes to, the SSL contexts, the
      client CA list) is an immutable snapshot that the dialing thread publishes before every dial
      (:meth:`Connector._publish`, dicts replaced atomically);
    * every decision that reads or changes the world (the remote side of the handshake, and
      ``world.es_apis[remote].transport_request`` for :meth:`send`) is *handed back to the dialing thread*: the
      dialer registers a one-time ticket, sends its id in each frame, and while it waits for the reply on the
      socket it runs the work items the listener posts for that ticket. Messages and replies really travel over
      the TLS connection; only the state access runs in the thread that owns the lock.
    * a frame without a known ticket (a client outside the lab's connector) is served by the listener thread under
      ``World.lock`` acquired with a timeout.

Lab modelling choices (documented, checked by tests)
    * Host name verification (verification mode ``full``) checks ``server_name`` when set, else the host of the
      address (real Elasticsearch checks the address host and only sends ``server_name`` as SNI).
    * ECE/ECH nodes verify transport certificates in mode ``certificate`` (no host name check); self-managed nodes
      default to ``full``, ECK nodes to ``certificate``; API-key clients default to ``full``.
    * ECE/ECH locals present their node certificate as client certificate in both models; self-managed/ECK locals
      only in the certificate model.
    * Traffic filters apply only on 9443 of ECE/ECH deployments (the certificate model is never filtered).
    * Sniff mode: ``num_nodes_connected`` is ``min(node_connections, nodes of the remote)``; sniffing an
      ECE/ECH/ECK remote fails after the seed handshake (kind ``sniff_not_supported``).
    * An API key that becomes invalid does not drop connections already counted as connected; the next connection
      (a forced attempt, or the fresh connection of :meth:`send`) fails and records the failure.
    * ``remote_info`` reports a remote changed less than the switch ``connect_delay`` ago as not yet connected
      (the background connection is still being opened) and attempts it afterwards.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import binascii
import functools
import hmac
import json
import queue
import re
import secrets
import select
import socket
import ssl
import threading
import time

from . import pki, tlsnet, trust

FAILURE_KINDS = (
    "not_configured", "invalid_address", "unknown_host", "connect_refused", "remote_server_disabled", "connect_timeout",
    "handshake_timeout", "sni_not_routable", "untrusted_certificate", "hostname_mismatch", "expired_certificate",
    "tls_handshake_failed", "tls_disabled", "connection_closed", "not_transport_protocol", "sniff_not_supported",
    "credentials_missing", "credentials_not_loaded", "credentials_on_transport_port", "keystore_inconsistent",
    "invalid_api_key", "expired_api_key", "rest_api_key", "api_key_model_version", "not_trusted",
    "not_trusted_by_local", "incompatible_version", "filtered", "license", "remote_unavailable", "remote_error",
)
"""Machine-readable ``RemoteState.failure_kind`` / ``TransportError.kind`` values (see :data:`FAILURE_DESCRIPTIONS`)."""

FAILURE_DESCRIPTIONS = {
    "not_configured": "the alias has no proxy_address (proxy mode) or seeds (sniff mode): `no such remote cluster: [<alias>]`",
    "invalid_address": "the address or mode cannot be parsed (Elasticsearch's setting validation message)",
    "unknown_host": "the host does not resolve: `UnknownHostException` (F15)",
    "connect_refused": "nothing listens on host:port: `connect_exception` / `Connection refused` (F1)",
    "remote_server_disabled": "refused because the self-managed/ECK remote cluster server (9443) is not enabled (F1)",
    "connect_timeout": "TCP connect timed out (filtered port, firewall): `connect_timeout[<n>s]` (F1)",
    "handshake_timeout": "TCP accepted but the TLS handshake is never answered: `handshake timed out` (F2)",
    "sni_not_routable": "the proxy does not route the server name: `Received fatal alert: unrecognized_name` (R12)",
    "untrusted_certificate": "API-key model: the local does not trust the server certificate's CA: "
                             "`failed to establish trust with server ... PKIX path building failed` (F3)",
    "hostname_mismatch": "the server certificate does not cover server_name (or the address host) (F3, R12)",
    "expired_certificate": "a certificate of the server chain is expired or not yet valid at lab time (F3)",
    "tls_handshake_failed": "any other TLS failure (`SSLHandshakeException`)",
    "tls_disabled": "xpack.security.remote_cluster_client.ssl.enabled is false: "
                    "`received plaintext traffic on an encrypted channel, closing connection`",
    "connection_closed": "the remote closed the connection: `transport connection to [...] closed by remote` (F2)",
    "not_transport_protocol": "the port speaks HTTP (an L7 balancer on 9443): `received HTTP response on transport port` (R3)",
    "sniff_not_supported": "sniff mode to ECE/ECH/ECK: the remote's published node addresses are not reachable (R7)",
    "credentials_missing": "certificate model (no credentials) against the remote cluster server port: F5 "
                           "(`... require transport header [_cross_cluster_access_credentials] but none found ...`) "
                           "or the TLS trust failure F5 also lists",
    "credentials_not_loaded": "as credentials_missing, but the keystore (ECE resource keystore, a node's keystore file, an "
                              "ECK secure settings Secret) holds the credentials the nodes have not loaded yet (R9, F5)",
    "credentials_on_transport_port": "API-key model against a transport port (9400/9300): F4 (`failed to establish trust`, "
                                     "`bad_certificate`, `missing authentication credentials for action "
                                     "[cluster:internal/remote_cluster/handshake]`)",
    "keystore_inconsistent": "the local nodes' keystores differ (F18); the message names the nodes",
    "invalid_api_key": "the key does not exist, has another secret, or was invalidated: `unable to authenticate user "
                       "[<key id>] for action [cluster:internal/remote_cluster/handshake]` (F7)",
    "expired_api_key": "the key expired (lab clock): F7 with `api key is expired`",
    "rest_api_key": "a REST API key was used: `authentication expected API key type of [cross_cluster], but API key [<id>] "
                    "has type [rest]` (F6)",
    "api_key_model_version": "API-key model with a cluster older than 8.14 (R2)",
    "not_trusted": "certificate model: the remote does not trust the local's certificate (trusted_back, F10, F12)",
    "not_trusted_by_local": "certificate model: the local does not trust the remote's certificate (trusted, F3, F10)",
    "incompatible_version": "wire incompatible versions: `Received message from unsupported version: [...] minimal "
                            "compatible version is: [...]` (R1, es-api 5.2)",
    "filtered": "API-key model: no traffic filter rule of the remote deployment matches (F14, `403 Forbidden`)",
    "license": "API-key model: a cluster without an enterprise (or trial) licence: `current license is non-compliant for "
               "[advanced-remote-cluster-security]`",
    "remote_unavailable": "the remote cluster is not running (or the lab could not serve the connection)",
    "remote_error": "send(): the remote's transport handler failed",
}
"""What each failure kind means, with the Elasticsearch message it carries (scenarios.md section 5)."""

HANDSHAKE_ACTION = "cluster:internal/remote_cluster/handshake"
CREDENTIALS_REDACTED = "::es_redacted::"
DEFAULT_PROXY_SOCKETS = 18
DEFAULT_NODE_CONNECTIONS = 3
API_KEY_MODEL_MIN = "8.14.0"
F5_MESSAGE = ("Cross cluster requests through the dedicated remote cluster server port require transport header "
              "[_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials")
_CLIENT_CERT_ALERTS = ("unknown_ca", "bad_certificate", "certificate_unknown", "certificate_expired", "certificate_required",
                       "unsupported_certificate", "certificate_revoked", "access_denied")
_LICENSED = ("enterprise", "trial")


class TransportError(Exception):
    """A message could not be exchanged with a remote: ``kind`` (one of :data:`FAILURE_KINDS`) and ``reason``."""

    def __init__(self, kind, reason):
        super().__init__("[%s] %s" % (kind, reason))
        self.kind = kind
        self.reason = reason


def credentials_setting(alias):
    """The keystore setting that selects the API-key model for ``alias``."""
    return "cluster.remote.%s.credentials" % alias


def _json_default(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


# --------------------------------------------------------------------------------------------------------------
# internal records

class _Failure(Exception):
    """An attempt stops: ``kind``, ``error`` (Elasticsearch's words), ``detail`` (the lab's explanation)."""

    def __init__(self, kind, error, detail=None, prefixed=False):
        super().__init__(error)
        self.kind = kind
        self.error = error
        self.detail = detail
        self.prefixed = prefixed
        self.model = None
        self.remote_key = None


class _Outcome(object):
    """The result of one attempt (copied into a RemoteState)."""

    def __init__(self, connected, kind=None, error=None, detail=None, model=None, remote_key=None, remote_version=None,
                 num_sockets=0):
        self.connected = connected
        self.kind = kind
        self.error = error
        self.detail = detail
        self.model = model
        self.remote_key = remote_key
        self.remote_version = remote_version
        self.num_sockets = num_sockets


class _Ticket(object):
    """A dialer's one-time ticket: listener threads post work for the dialing (lock-owning) thread through it."""

    def __init__(self):
        self.id = secrets.token_hex(12)
        self.work = queue.Queue()

    def call(self, action, timeout):
        """Listener side: have the owner run ``action()`` and return its result (TimeoutError if it does not)."""
        box = {}
        done = threading.Event()
        self.work.put((action, box, done))
        if not done.wait(timeout):
            raise TimeoutError("the dialing thread did not serve the request in time")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def run_pending(self, wait):
        """Owner side: run one posted work item (waiting up to ``wait`` seconds); True if one ran."""
        try:
            action, box, done = self.work.get(timeout=wait)
        except queue.Empty:
            return False
        try:
            box["value"] = action()
        except Exception as exc:  # pylint: disable=broad-except
            box["error"] = exc
        finally:
            done.set()
        return True


class _Endpoint(object):
    """One listening address: ``kind`` ``transport`` (9400/9300) or ``rcs`` (9443); ``platform`` ``ece`` (ECE and
    ECH proxies), ``self-managed`` or ``eck``."""

    def __init__(self, ip, port, kind, platform, env=None, cluster=None):
        self.ip = ip
        self.port = port
        self.kind = kind
        self.platform = platform
        self.env = env
        self.cluster = cluster
        self.listener = None
        self.route = {}

    @property
    def address(self):
        """``(ip, port)``."""
        return self.ip, self.port

    @property
    def owner_name(self):
        """The environment name or cluster key (the ``target`` of set_port_mode)."""
        return self.env.name if self.env is not None else self.cluster.key


class _Session(object):
    """The listener's view of one connection (what the remote side learns from TLS and the frames)."""

    def __init__(self, endpoint, server_name, peer, chain, target_key):
        self.endpoint = endpoint
        self.server_name = server_name
        self.peer = peer
        self.chain = chain
        self.target_key = target_key
        self.ok = False
        self.model = None
        self.api_key = None
        self.local_key = None
        self.alias = None


class _Plan(object):
    """What the local is about to do for one alias."""

    def __init__(self, local, alias):
        self.local = local
        self.alias = alias
        self.mode = "proxy"
        self.address = ""
        self.host = None
        self.port = None
        self.ip = None
        self.server_name = ""
        self.credentials = None
        self.model = "certificate"
        self.client_cert = None
        self.material = None
        self.endpoint = None
        self.num_sockets = DEFAULT_PROXY_SOCKETS

    @property
    def addr(self):
        """``ip:port`` as Elasticsearch prints transport addresses."""
        return tlsnet.format_address(self.ip, self.port) if self.ip else self.address

    @property
    def prefix(self):
        """What Elasticsearch logs in front of a failed connection attempt (F1)."""
        if self.mode == "sniff":
            return "fetching nodes from external cluster [%s] failed" % self.alias
        return "failed to open any proxy connections to cluster [%s]" % self.alias


class _Link(object):
    """An open, handshaken connection."""

    def __init__(self, plan, sock):
        self.plan = plan
        self.sock = sock
        self.ticket = None
        self.reply = {}
        self.release = None

    def close(self):
        """Close the socket and forget the ticket."""
        if self.release is not None:
            self.release()
            self.release = None
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


# --------------------------------------------------------------------------------------------------------------
# the connector

class Connector(object):
    """The transport listeners of every environment and cluster, and the connection engine (module docstring)."""

    def __init__(self, world):
        self.world = world
        self.connect_timeout = 3.0      # seconds for TCP connect and TLS handshake (Elasticsearch: 30s)
        self.frame_timeout = 10.0       # seconds a side waits for the other's frame
        self._endpoints = {}            # (ip, port) -> _Endpoint
        self._tickets = {}
        self._tickets_lock = threading.Lock()
        self._contexts = {}
        self._ca_pems = ()
        self._last_target = {}          # (local key, alias) -> (ip, port)
        self._proxy_chains = {}         # environment name -> (chain PEM list, key PEM) the proxies have loaded
        self.port_modes = {}            # (cluster key, port) -> mode, self-managed and ECK
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self):
        """Create and start every listener (ports bound at once); returns self."""
        world = self.world
        with world.lock:
            if self._started:
                return self
            for env in world.environments.values():
                if world.switches.get("lb_9443_mode") == "http" and env.port_modes.get(9443, "tls") == "tls":
                    env.port_modes[9443] = "http"
                self._endpoints[(env.ip, 9400)] = _Endpoint(env.ip, 9400, "transport", "ece", env=env)
                self._endpoints[(env.ip, 9443)] = _Endpoint(env.ip, 9443, "rcs", "ece", env=env)
            for cluster in world.clusters.values():
                if cluster.kind in ("self-managed", "eck"):
                    self._endpoints[(cluster.ip, 9300)] = _Endpoint(cluster.ip, 9300, "transport", cluster.kind, cluster=cluster)
                    self._endpoints[(cluster.ip, 9443)] = _Endpoint(cluster.ip, 9443, "rcs", cluster.kind, cluster=cluster)
            self._publish()
            try:
                for endpoint in self._endpoints.values():
                    if self._should_listen(endpoint):
                        self._open(endpoint)
            except OSError:
                self._close_all()
                raise
            self._started = True
        return self

    def stop(self):
        """Stop every listener and close their connections."""
        self._close_all()
        self._started = False

    def _close_all(self):
        for endpoint in list(self._endpoints.values()):
            if endpoint.listener is not None:
                endpoint.listener.stop()
                endpoint.listener = None

    def _should_listen(self, endpoint):
        if endpoint.platform == "ece" or endpoint.kind == "transport":
            return True
        return self._rcs_enabled(endpoint.cluster)

    @staticmethod
    def _rcs_enabled(cluster):
        if cluster.kind == "eck":
            spec = (cluster.manifest or {}).get("spec") or {}
            return trust.as_bool((spec.get("remoteClusterServer") or {}).get("enabled"), False) is True
        return cluster.remote_cluster_server_enabled

    def _mode_of(self, endpoint):
        if endpoint.env is not None:
            return endpoint.env.port_modes.get(endpoint.port, "tls")
        return self.port_modes.get((endpoint.cluster.key, endpoint.port), "tls")

    def _open(self, endpoint):
        label = "%s:%d" % (endpoint.owner_name, endpoint.port)
        listener = tlsnet.TlsListener(
            endpoint.ip, endpoint.port,
            select_context=lambda name, ep=endpoint: self._select(ep, name),
            handler=lambda conn, name, peer, cert, ep=endpoint: self._handle(ep, conn, name, peer, cert),
            request_client_cert=endpoint.platform == "ece" or endpoint.kind == "transport",
            client_ca_pems=list(self._ca_pems), mode=self._mode_of(endpoint), handshake_timeout=self.frame_timeout,
            name=label)
        listener.start()
        endpoint.listener = listener

    # -- snapshots for the listener threads -----------------------------------------------------------------
    def _collect_cas(self):
        world = self.world
        sources = [world.public_ca]
        for env in world.environments.values():
            sources.extend(cert for cert in env.certs.values() if cert is not None and cert.is_ca)
            sources.extend(list(env.proxy_chain or [])[1:])
            sources.extend(rel.get("public_ca_cert") for rel in env.trust_relationships.values())
        for cluster in list(world.clusters.values()):
            for issued in (cluster.transport_ca, cluster.http_ca):
                if issued is not None:
                    sources.append(issued)
            for issued in [cluster.node_cert, cluster.rcs_cert] + [getattr(node, "cert", None) for node in cluster.nodes]:
                if issued is not None:
                    sources.append(issued.root_pem or issued.cert_pem)
                    sources.extend(pki.split_pem(issued.chain_pem)[1:])
            if cluster.resource is not None:
                for entry in (cluster.resource.trust or {}).get("direct") or []:
                    sources.extend(cert.get("pem") for cert in entry.get("certificates") or [])
        return tuple(trust.cert_pems(sources))

    def _context(self, cert_text, key_pem):
        cache_key = (cert_text, key_pem)
        if cache_key not in self._contexts:
            try:
                self._contexts[cache_key] = tlsnet.server_context(cert_text, key_pem, client_ca_pems=list(self._ca_pems))
            except (ssl.SSLError, ValueError, OSError):
                self._contexts[cache_key] = None
        return self._contexts[cache_key]

    def _route_for(self, endpoint):
        world = self.world
        if endpoint.platform == "ece":
            env = endpoint.env
            by_sni = {}
            proxy = None
            if endpoint.kind == "rcs":
                pems, key_pem = self._loaded_proxy_chain(env)
                proxy = self._context("".join(pem if pem.endswith("\n") else pem + "\n" for pem in pems), key_pem)
            for cluster in list(world.clusters.values()):
                if cluster.env is not env or cluster.node_cert is None:
                    continue
                if endpoint.kind == "transport":
                    ctx = self._context(cluster.node_cert.chain_pem + cluster.transport_ca.cert_pem, cluster.node_cert.key_pem)
                else:
                    ctx = proxy
                for host in cluster.http_hosts:
                    by_sni[host.lower().rstrip(".")] = (cluster.key, ctx)
            return {"by_sni": by_sni}
        cluster = endpoint.cluster
        issued = cluster.node_cert if endpoint.kind == "transport" else cluster.rcs_cert
        if issued is None:
            return {"default": (cluster.key, None)}
        return {"default": (cluster.key, self._context(issued.chain_pem, issued.key_pem))}

    def _publish(self):
        """Publish the snapshots the listener threads read (called with ``World.lock`` held)."""
        cas = self._collect_cas()
        if cas != self._ca_pems:
            self._ca_pems = cas
            self._contexts = {}
        for endpoint in list(self._endpoints.values()):
            endpoint.route = self._route_for(endpoint)

    def _loaded_proxy_chain(self, env):
        """The proxy chain and key the environment's proxies present (loaded at start and by reload_environment)."""
        if env.name not in self._proxy_chains:
            self._proxy_chains[env.name] = (list(env.proxy_chain or []), env.proxy_key_pem)
        return self._proxy_chains[env.name]

    @staticmethod
    def _route_hit(endpoint, server_name):
        route = endpoint.route or {}
        if endpoint.platform == "ece":
            if not server_name:
                return None
            return (route.get("by_sni") or {}).get(server_name.lower().rstrip("."))
        return route.get("default")

    def _select(self, endpoint, server_name):
        """SNI callback (listener thread, no lock): the SSL context to present, or None (``unrecognized_name``)."""
        hit = self._route_hit(endpoint, server_name)
        return hit[1] if hit else None

    # -- the listener side ----------------------------------------------------------------------------------
    def _handle(self, endpoint, conn, server_name, peer, peer_cert):
        """A connection after the TLS handshake (listener thread): serve frames until the peer closes."""
        try:
            chain = tlsnet.peer_certificates(conn) if peer_cert else []
            hit = self._route_hit(endpoint, server_name)
            session = _Session(endpoint, server_name, peer, chain, hit[0] if hit else None)
            while True:
                try:
                    frame = tlsnet.recv_msg(conn, timeout=self.frame_timeout)
                except tlsnet.ProtocolError:
                    return
                if not isinstance(frame, dict):
                    return
                reply, keep = self._serve_frame(session, frame)
                try:
                    tlsnet.send_msg(conn, json.loads(json.dumps(reply, default=_json_default)))
                except (OSError, ValueError):
                    return
                if not keep:
                    return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _serve_frame(self, session, frame):
        kind = frame.get("t")
        if kind == "handshake":
            action = functools.partial(self._remote_handshake, session, frame)
        elif kind == "request" and session.ok:
            action = functools.partial(self._remote_request, session, frame)
        else:
            return {"ok": False, "kind": "not_transport_protocol",
                    "error": "invalid internal transport message format, got a [%s] frame" % kind}, False
        with self._tickets_lock:
            ticket = self._tickets.get(frame.get("ticket"))
        try:
            if ticket is not None:
                reply = ticket.call(action, self.frame_timeout)
            else:
                reply = self._locked_call(action)
        except Exception as exc:  # pylint: disable=broad-except
            return {"ok": False, "t": "error", "kind": "remote_error", "error": "%s: %s" % (type(exc).__name__, exc)}, False
        return reply, bool(reply.get("ok"))

    def _locked_call(self, action):
        lock = self.world.lock
        if not lock.acquire(timeout=self.frame_timeout):
            return {"ok": False, "kind": "remote_unavailable", "error": "the lab is busy: try again"}
        try:
            return action()
        finally:
            lock.release()

    def _remote_handshake(self, session, frame):
        """The remote side's decision on a handshake (runs in the lock-owning thread)."""
        world = self.world
        endpoint = session.endpoint
        target = world.clusters.get(session.target_key) if session.target_key else None
        where = tlsnet.format_address(*endpoint.address)
        if target is None:
            return _refusal("sni_not_routable", "Received fatal alert: unrecognized_name",
                            "nothing is routed for the server name [%s]" % session.server_name)
        if not target.running:
            return _refusal("remote_unavailable", "transport connection to [%s] closed by remote" % where,
                            "the remote cluster [%s] is not running" % target.key)
        credentials = frame.get("credentials")
        source_ip = session.peer[0] if session.peer else ""
        local_version = str(frame.get("version") or "0.0.0")
        local_minwire = str(frame.get("minwire") or trust.default_minwire(local_version))
        if endpoint.kind == "transport":
            wrong = "credentials_on_transport_port" if credentials else "not_trusted"
            if not session.chain:
                return _refusal(wrong, "javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate",
                                "the remote [%s] requires a client certificate on its transport port: Empty client certificate chain"
                                % target.key)
            verdict = trust.admits(world, target, session.chain, where=source_ip, peer="client")
            if not verdict:
                return _refusal(wrong, "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
                                "the remote [%s] does not trust the local's certificate: %s" % (target.key, verdict.message))
            if credentials:
                return _refusal("credentials_on_transport_port",
                                "missing authentication credentials for action [%s]" % HANDSHAKE_ACTION,
                                "API-key credentials sent to the transport port %s: requires channel profile to be "
                                "[_remote_cluster], but got [default]; use the remote cluster server port 9443" % where)
            failure = _wire_check(target, local_version, local_minwire)
            if failure:
                return failure
            session.model = "certificate"
        else:
            if not credentials:
                return _refusal("credentials_missing", F5_MESSAGE,
                                "no cluster.remote.%s.credentials loaded on the local: it used the certificate model "
                                "against the remote cluster server port %s" % (frame.get("alias"), where))
            if target.env is not None and target.deployment is not None:
                identity = trust.proxy_identity(world, target.env, session.chain, self._loaded_proxy_chain(target.env)[0])
                allowed, why = trust.filter_decision(target.env, target.deployment.id, source_ip, identity)
                if not allowed:
                    return _refusal("filtered", "handshake failed with [%s]: 403 Forbidden" % where,
                                    "traffic filters of deployment [%s]: %s" % (target.deployment.id, why))
            key, failure = self._authenticate(target, credentials)
            if failure:
                return failure
            for name, version in (("local", local_version), ("remote", target.version)):
                if trust.version_tuple(version) < trust.version_tuple(API_KEY_MODEL_MIN):
                    return _refusal("api_key_model_version",
                                    "the API key based security model for remote clusters requires version [%s] or later on "
                                    "both clusters, but the %s cluster runs [%s]" % (API_KEY_MODEL_MIN, name, version),
                                    "local [%s], remote [%s]" % (local_version, target.version))
            for name, lic in (("local", frame.get("license") or {}), ("remote", target.license or {})):
                if lic.get("type") not in _LICENSED or lic.get("status", "active") != "active":
                    return _refusal("license", "current license is non-compliant for [advanced-remote-cluster-security]",
                                    "the %s cluster's licence is [%s] (%s); the API-key model needs enterprise"
                                    % (name, lic.get("type"), lic.get("status")))
            failure = _wire_check(target, local_version, local_minwire)
            if failure:
                return failure
            session.model = "api_key"
            session.api_key = key
        session.ok = True
        session.local_key = frame.get("local_key")
        session.alias = frame.get("alias")
        return {"ok": True, "t": "handshake", "remote_key": target.key, "cluster_id": target.cluster_id,
                "cluster_name": target.cluster_name, "version": target.version, "nodes": max(1, len(target.nodes))}

    def _authenticate(self, target, credentials):
        """Check a cross-cluster API key the way Elasticsearch's ApiKeyService does (invalidated, secret, type, expiry)."""
        try:
            decoded = base64.b64decode(str(credentials), validate=True).decode("utf-8")
            key_id, secret = decoded.split(":", 1)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None, _refusal("invalid_api_key", "unable to authenticate user [] for action [%s]" % HANDSHAKE_ACTION,
                                  "the credentials are not an encoded API key (base64 of id:api_key)")
        unable = "unable to authenticate user [%s] for action [%s]" % (key_id, HANDSHAKE_ACTION)
        key = target.api_keys.get(key_id)
        if key is None:
            reason, kind = "unable to find apikey with id %s" % key_id, "invalid_api_key"
        elif key.invalidated:
            reason, kind = "api key [%s] has been invalidated" % key_id, "invalid_api_key"
        elif not hmac.compare_digest(str(key.secret), secret):
            reason, kind = "invalid credentials for API key [%s]" % key_id, "invalid_api_key"
        elif key.type != "cross_cluster":
            message = "authentication expected API key type of [cross_cluster], but API key [%s] has type [%s]" % (key_id, key.type)
            return None, _refusal("rest_api_key", message, "create the key with POST /_security/cross_cluster/api_key")
        elif key.expired(self.world.clock.now()):
            reason, kind = "api key is expired", "expired_api_key"
        else:
            return key, None
        remote_log = "Authentication using apikey failed - %s" % reason
        return None, _refusal(kind, "%s; remote: %s" % (unable, remote_log), "remote cluster [%s]: %s" % (target.key, remote_log))

    def _remote_request(self, session, frame):
        """Deliver a transport message to the remote's Elasticsearch API (runs in the lock-owning thread)."""
        target = self.world.clusters.get(session.target_key)
        apis = getattr(self.world, "es_apis", None) or {}
        api = apis.get(target.key) if target is not None else None
        if api is None:
            return {"ok": False, "t": "error", "kind": "remote_unavailable",
                    "error": "no transport handler for [%s]" % (target.key if target else session.target_key)}
        ctx = {"model": session.model, "api_key": session.api_key, "local_key": session.local_key, "alias": session.alias}
        return {"ok": True, "t": "response", "reply": api.transport_request(frame.get("message"), ctx)}

    # -- the dialing side -----------------------------------------------------------------------------------
    def _new_ticket(self):
        ticket = _Ticket()
        with self._tickets_lock:
            self._tickets[ticket.id] = ticket
        return ticket

    def _drop_ticket(self, ticket):
        with self._tickets_lock:
            self._tickets.pop(ticket.id, None)

    def _exchange(self, sock, ticket, frame, timeout=None):
        """Send a frame and wait for the reply, serving the work the listener hands back meanwhile."""
        timeout = self.frame_timeout if timeout is None else timeout
        try:
            tlsnet.send_msg(sock, frame)
        except (OSError, ssl.SSLError) as exc:
            raise tlsnet.ProtocolError("the connection broke while writing: %s" % exc, kind="closed") from exc
        deadline = time.monotonic() + timeout
        while True:
            pending = getattr(sock, "pending", None)
            if (pending is not None and pending() > 0) or select.select([sock], [], [], 0)[0]:
                return tlsnet.recv_msg(sock, timeout=max(0.5, deadline - time.monotonic()))
            if ticket is not None and ticket.run_pending(0.005):
                continue
            if ticket is None:
                time.sleep(0.005)
            if time.monotonic() >= deadline:
                raise tlsnet.ProtocolError("no message arrived in time", kind="timeout")

    def _plan(self, plan, implicit=None):
        world = self.world
        local, alias = plan.local, plan.alias
        plan.credentials = (local.keystore_loaded or {}).get(credentials_setting(alias))
        plan.model = "api_key" if plan.credentials else "certificate"
        if implicit is not None:
            plan.mode, plan.address, plan.server_name = "proxy", implicit[0], implicit[1] or ""
            settings = {}
        else:
            settings = trust.remote_settings(local, alias)
            plan.mode = str(settings.get("mode") or "sniff").lower()
            if plan.mode == "proxy":
                plan.address = str(settings.get("proxy_address") or "")
                plan.server_name = str(settings.get("server_name") or "")
            elif plan.mode == "sniff":
                seeds = trust.as_list(settings.get("seeds"))
                plan.address = str(seeds[0]) if seeds else ""
            else:
                raise _Failure("invalid_address", "unknown remote connection mode [%s] for cluster [%s]" % (settings.get("mode"), alias),
                               prefixed=True)
        if not plan.address:
            raise _Failure("not_configured", "no such remote cluster: [%s]" % alias,
                           "neither cluster.remote.%s.proxy_address nor cluster.remote.%s.seeds is set" % (alias, alias), prefixed=True)
        try:
            plan.host, plan.port = tlsnet.parse_address(plan.address)
        except ValueError as exc:
            raise _Failure("invalid_address", str(exc), prefixed=True) from None
        try:
            plan.ip = world.resolver.resolve(plan.host)
        except tlsnet.ResolveError:
            raise _Failure("unknown_host", "java.net.UnknownHostException: %s: Name or service not known" % plan.host,
                           "[%s] is not in the lab's hosts table" % plan.host) from None
        if plan.mode == "proxy":
            plan.num_sockets = _int(settings.get("proxy_socket_connections"), DEFAULT_PROXY_SOCKETS)
        else:
            default = _int(trust.loaded_config(local).get("cluster.remote.connections_per_cluster"), DEFAULT_NODE_CONNECTIONS)
            plan.num_sockets = _int(settings.get("node_connections"), default)

    def _dial(self, local, alias, implicit=None):
        """Connect and handshake; returns an open :class:`_Link` or raises :class:`_Failure`."""
        plan = _Plan(local, alias)
        try:
            self._plan(plan, implicit)
            return self._dial_plan(plan)
        except _Failure as failure:
            failure.model = plan.model
            if failure.remote_key is None:
                failure.remote_key = self._remote_key_of(plan)
            if not failure.prefixed:
                failure.error = "%s: %s" % (plan.prefix, failure.error)
                failure.prefixed = True
            raise

    def _dial_plan(self, plan):
        world = self.world
        local = plan.local
        self._publish()
        plan.endpoint = self._endpoints.get((plan.ip, plan.port))
        self._last_target[(local.key, plan.alias)] = (plan.ip, plan.port)
        if plan.model == "api_key":
            plan.material = trust.remote_client_trust(world, local)
            plan.client_cert = local.node_cert if local.kind in ("ece", "ech") else None
        else:
            plan.material = trust.transport_client_trust(local)
            plan.client_cert = local.node_cert
        material = plan.material
        if not material.enabled:
            self._dial_plain(plan)
        try:
            sock = tlsnet.tls_connect(plan.host, plan.port, server_name=plan.server_name or None, ca_pems=material.pems,
                                      client_cert_pem=plan.client_cert, check_hostname=material.verify_mode == "full",
                                      source_ip=local.ip, timeout=self.connect_timeout, resolver=world.resolver,
                                      verify=material.verify_mode != "none")
        except tlsnet.ConnectFailure as exc:
            raise self._connect_failure(plan, exc) from None
        except OSError as exc:
            raise _Failure("connect_refused", "org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception; "
                                              "nested: java.net.ConnectException: %s" % (plan.addr, exc),
                           "cannot connect from %s: %s" % (local.ip, exc)) from None
        link = _Link(plan, sock)
        try:
            chain = tlsnet.peer_certificates(sock)
            self._check_server_chain(plan, chain)
            link.ticket = self._new_ticket()
            ticket = link.ticket
            link.release = lambda: self._drop_ticket(ticket)
            frame = {"t": "handshake", "ticket": ticket.id, "local_key": local.key, "alias": plan.alias,
                     "cluster_id": local.cluster_id, "cluster_name": local.cluster_name, "version": local.version,
                     "minwire": trust.minimum_wire_version(local), "license": dict(local.license or {})}
            if plan.credentials:
                frame["credentials"] = plan.credentials
            try:
                reply = self._exchange(sock, ticket, frame)
            except tlsnet.ProtocolError as exc:
                raise self._protocol_failure(plan, exc) from None
            if not reply.get("ok"):
                kind = reply.get("kind") or "remote_error"
                if kind == "credentials_missing" and self._credentials_written(local, plan.alias):
                    kind = "credentials_not_loaded"
                raise _Failure(kind, reply.get("error") or "handshake failed", reply.get("detail"))
            link.reply = reply
            self._after_handshake(plan, reply)
            return link
        except BaseException:
            link.close()
            raise

    def _remote_key_of(self, plan):
        hit = self._route_hit(plan.endpoint, plan.server_name or plan.host) if plan.endpoint else None
        return hit[0] if hit else None

    def _check_server_chain(self, plan, chain):
        """Lab-time validity of the server chain, and (certificate model) the local's node-name trust."""
        world = self.world
        material = plan.material
        if material.verify_mode != "none" and chain:
            ok, reason = pki.verify_chain(chain[0], intermediates=chain[1:], roots=material.pems, at=trust.lab_time(world))
            if not ok and reason in ("expired", "not_yet_valid"):
                raise self._classified(plan, "expired_certificate",
                                       trust.trust_failure_message(plan.host, chain, material.context, reason, "server",
                                                                   trust.lab_time(world)),
                                       "the server certificate chain is %s at lab time" % reason.replace("_", " "))
        if plan.model == "certificate":
            verdict = trust.admits(world, plan.local, chain, where=plan.host, peer="server")
            if not verdict:
                raise self._classified(plan, "not_trusted_by_local", verdict.message,
                                       "the local [%s] does not trust the certificate of the remote" % plan.local.key)

    def _after_handshake(self, plan, reply):
        local = plan.local
        endpoint = plan.endpoint
        if plan.mode == "sniff":
            if endpoint is not None and endpoint.platform != "self-managed":
                node = reply.get("cluster_name") or "remote"
                raise _Failure("sniff_not_supported",
                               "org.elasticsearch.transport.ConnectTransportException: [%s-node][10.42.0.1:9300] connect_exception"
                               % node,
                               "sniff mode connects to the nodes' published addresses, which are not reachable behind the "
                               "proxy or load balancer at %s: use mode proxy" % plan.addr)
            plan.num_sockets = max(1, min(plan.num_sockets, int(reply.get("nodes") or 1)))
        nodes = _inconsistent_nodes(local, plan.alias)
        if nodes and (plan.credentials or self._credentials_written(local, plan.alias)):
            raise _Failure("keystore_inconsistent",
                           "unable to authenticate user for action [%s] on nodes [%s]: the secure setting [%s] differs "
                           "between the keystores of the nodes of [%s]" % (HANDSHAKE_ACTION, ", ".join(nodes),
                                                                           credentials_setting(plan.alias), local.key),
                           "keystore out of sync on nodes [%s] (F18): write the same value on every node, then reload"
                           % ", ".join(nodes))

    def _dial_plain(self, plan):
        """``remote_cluster_client.ssl.enabled: false``: a plain TCP connection to a TLS port (always fails)."""
        local = plan.local
        family = socket.AF_INET6 if ":" in plan.ip else socket.AF_INET
        raw = socket.socket(family, socket.SOCK_STREAM)
        raw.settimeout(self.connect_timeout)
        try:
            raw.bind((local.ip, 0))
            try:
                raw.connect((plan.ip, plan.port))
            except ConnectionRefusedError:
                raise self._connect_failure(plan, tlsnet.ConnectFailure("refused", "refused")) from None
            except socket.timeout:
                raise self._connect_failure(plan, tlsnet.ConnectFailure("timeout", "timeout")) from None
            except OSError as exc:
                raise _Failure("connect_refused", "org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception; "
                                                  "nested: java.net.ConnectException: %s" % (plan.addr, exc), str(exc)) from None
            frame = {"t": "handshake", "local_key": local.key, "alias": plan.alias, "version": local.version}
            try:
                self._exchange(raw, None, frame, timeout=self.connect_timeout)
            except tlsnet.ProtocolError as exc:
                if exc.kind == "http":
                    raise self._protocol_failure(plan, exc) from None
        finally:
            raw.close()
        raise _Failure("tls_disabled", "transport connection to [%s] closed by remote; remote: received plaintext traffic on an "
                                       "encrypted channel, closing connection" % plan.addr,
                       "xpack.security.remote_cluster_client.ssl.enabled is false on [%s]: the remote cluster server only "
                       "speaks TLS" % local.key)

    def _credentials_written(self, local, alias):
        """Whether the keystore source (not what the nodes loaded) holds the alias's credentials."""
        name = credentials_setting(alias)
        if local.resource is not None:
            return name in (local.resource.keystore or {})
        for node in local.nodes:
            try:
                with open(node.keystore_path, encoding="utf-8") as handle:
                    entries = (json.load(handle) or {}).get("entries") or {}
            except (OSError, ValueError, AttributeError):
                continue
            if name in entries:
                return True
        if local.kind == "eck":
            spec = (local.manifest or {}).get("spec") or {}
            for ref in spec.get("secureSettings") or []:
                data = local.secrets.get(ref.get("secretName")) or {}
                if isinstance(data.get("data"), dict):
                    data = data["data"]
                entries = ref.get("entries")
                if entries:
                    if any((entry.get("path") or entry.get("key")) == name and entry.get("key") in data for entry in entries):
                        return True
                elif name in data:
                    return True
        return False

    # -- classification -------------------------------------------------------------------------------------
    def _classified(self, plan, kind, error, detail):
        """Refine a TLS-level kind by the port the local dialed (F4/F5) and build the failure."""
        endpoint = plan.endpoint
        if endpoint is not None:
            wrong_port_kinds = ("untrusted_certificate", "hostname_mismatch", "tls_handshake_failed", "not_trusted",
                                "not_trusted_by_local", "expired_certificate")
            if plan.model == "api_key" and endpoint.kind == "transport" and kind in wrong_port_kinds:
                detail = "API-key credentials are loaded for [%s] but %s is a transport port (use 9443): %s" % (plan.alias, plan.addr, detail)
                kind = "credentials_on_transport_port"
            elif plan.model == "certificate" and endpoint.kind == "rcs" and kind in wrong_port_kinds:
                written = self._credentials_written(plan.local, plan.alias)
                detail = "no credentials loaded for [%s] (certificate model) but %s is a remote cluster server port%s: %s" % (
                    plan.alias, plan.addr, " (the keystore holds them: reload or restart)" if written else "", detail)
                kind = "credentials_not_loaded" if written else "credentials_missing"
        return _Failure(kind, error, detail)

    def _connect_failure(self, plan, exc):
        kind = exc.kind
        endpoint = plan.endpoint
        addr = plan.addr
        if kind == "refused":
            error = ("org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception; nested: "
                     "java.net.ConnectException: Connection refused" % addr)
            if endpoint is not None and endpoint.kind == "rcs" and endpoint.cluster is not None and endpoint.listener is None:
                setting = ("spec.remoteClusterServer.enabled" if endpoint.cluster.kind == "eck" else "remote_cluster_server.enabled")
                return _Failure("remote_server_disabled", error, "the remote cluster server of [%s] is not enabled (%s)"
                                % (endpoint.cluster.key, setting))
            return _Failure("connect_refused", error, "nothing listens on %s" % addr)
        if kind == "timeout":
            return _Failure("connect_timeout", "org.elasticsearch.transport.ConnectTransportException: [][%s] connect_timeout[%ss]"
                            % (addr, _seconds(self.connect_timeout)), "TCP connect to %s timed out (filtered)" % addr)
        if kind == "tls_timeout":
            return _Failure("handshake_timeout", "io.netty.handler.ssl.SslHandshakeTimeoutException: handshake timed out after %dms"
                            % int(self.connect_timeout * 1000), "%s accepted TCP but never answered TLS" % addr)
        if kind == "not_tls":
            return _Failure("not_transport_protocol", "io.netty.handler.ssl.NotSslRecordException: not an SSL/TLS record",
                            "%s answered in plain text (HTTP), not TLS" % addr)
        if kind == "unrecognized_name":
            sni = plan.server_name or plan.host
            return _Failure("sni_not_routable", "javax.net.ssl.SSLHandshakeException: Received fatal alert: unrecognized_name",
                            "the proxy at %s routes no deployment for the server name [%s]" % (addr, sni))
        if kind == "closed":
            return _Failure("connection_closed", "transport connection to [%s] closed by remote" % addr, exc.message)
        context = plan.material.context
        if kind in ("unknown_ca", "expired", "not_yet_valid"):
            chain = self._probe_chain(plan)
            problem = "unknown_ca" if kind == "unknown_ca" else kind
            error = trust.trust_failure_message(plan.host, chain, context, problem, "server")
            if kind == "unknown_ca":
                lab_kind = "not_trusted_by_local" if plan.model == "certificate" else "untrusted_certificate"
                detail = "the CA of the server certificate is not among what [%s] trusts (%s)" % (
                    plan.local.key, "; ".join(plan.material.notes) or context)
            else:
                lab_kind, detail = "expired_certificate", "the server certificate chain is %s" % kind.replace("_", " ")
            return self._classified(plan, lab_kind, error, detail)
        if kind == "hostname_mismatch":
            chain = self._probe_chain(plan)
            expected = plan.server_name or plan.host
            error = _hostname_message(plan.host, expected, chain)
            return self._classified(plan, "hostname_mismatch", error,
                                    "the server certificate does not cover [%s] (verification mode full)" % expected)
        alert = _alert_of(exc)
        error = "javax.net.ssl.SSLHandshakeException: Received fatal alert: %s" % (alert or "handshake_failure")
        if plan.client_cert is not None and alert in _CLIENT_CERT_ALERTS:
            return self._classified(plan, "not_trusted", error, "the remote refused the local's client certificate")
        return self._classified(plan, "tls_handshake_failed", error, str(exc))

    def _protocol_failure(self, plan, exc):
        if exc.kind == "http":
            return _Failure("not_transport_protocol", "java.io.StreamCorruptedException: received HTTP response on transport port, "
                                                      "ensure that transport port (not HTTP port) of a remote node is specified in "
                                                      "the configuration",
                            "%s answers HTTP (a layer-7 load balancer?): %s" % (plan.addr, exc.message))
        if exc.kind == "timeout":
            return _Failure("handshake_timeout", "org.elasticsearch.transport.ReceiveTimeoutTransportException: [][%s][%s] "
                                                 "request_id [1] timed out" % (plan.addr, HANDSHAKE_ACTION), exc.message)
        return _Failure("connection_closed", "transport connection to [%s] closed by remote" % plan.addr, exc.message)

    def _probe_chain(self, plan):
        """The server chain without verification (for Elasticsearch's diagnostics); [] when it cannot be read."""
        try:
            sock = tlsnet.tls_connect(plan.host, plan.port, server_name=plan.server_name or None, verify=False, check_hostname=False,
                                      source_ip=plan.local.ip, timeout=self.connect_timeout, resolver=self.world.resolver)
        except (tlsnet.ConnectFailure, OSError):
            return []
        try:
            return tlsnet.peer_certificates(sock)
        finally:
            sock.close()

    # -- public API -----------------------------------------------------------------------------------------
    @staticmethod
    def _fresh(state):
        return state.attempted_at is not None and (state.dirty_since is None or state.dirty_since <= state.attempted_at)

    @staticmethod
    def _record(state, outcome, started):
        state.attempted_at = started
        state.connected = outcome.connected
        state.error = outcome.error
        state.failure_kind = outcome.kind
        state.detail = outcome.detail
        state.model = outcome.model
        state.remote_key = outcome.remote_key
        state.remote_version = outcome.remote_version
        state.num_sockets = outcome.num_sockets if outcome.connected else 0

    def _outcome(self, local, alias, implicit=None):
        try:
            link = self._dial(local, alias, implicit)
        except _Failure as failure:
            return _Outcome(False, failure.kind, failure.error, failure.detail, failure.model, failure.remote_key)
        link.close()
        return _Outcome(True, model=link.plan.model, remote_key=link.reply.get("remote_key"),
                        remote_version=link.reply.get("version"), num_sockets=link.plan.num_sockets,
                        detail="connected with the %s model to %s" % (link.plan.model.replace("_", " "), link.plan.addr))

    def attempt(self, local, alias, force=False):
        """Connect ``alias`` of ``local`` (unless the last result is still valid) and return its RemoteState."""
        with self.world.lock:
            state = local.remote_state(alias)
            if not force and self._fresh(state):
                return state
            started = self.world.clock.now()
            self._record(state, self._outcome(local, alias), started)
            return state

    def remote_info(self, local):
        """The body of ``GET _remote/info`` of ``local`` (es-api.md section 1.5)."""
        world = self.world
        with world.lock:
            body = {}
            now = world.clock.now()
            delay = float(world.switches.get("connect_delay") or 0.0)
            yml = trust.loaded_config(local)
            for alias in trust.configured_aliases(local):
                settings = trust.remote_settings(local, alias)
                mode = str(settings.get("mode") or "sniff").lower()
                if mode == "proxy":
                    enabled = bool(settings.get("proxy_address"))
                elif mode == "sniff":
                    enabled = bool(trust.as_list(settings.get("seeds")))
                else:
                    enabled = False
                if not enabled:
                    continue
                state = local.remote_state(alias)
                if not self._fresh(state) and (state.dirty_since is None or now - state.dirty_since >= delay):
                    self.attempt(local, alias)
                connected = bool(state.connected) and self._fresh(state)
                entry = {"connected": connected, "mode": mode}
                sockets = int(state.num_sockets) if connected else 0
                if mode == "proxy":
                    entry["proxy_address"] = str(settings.get("proxy_address"))
                    entry["server_name"] = str(settings.get("server_name") or "")
                    entry["num_proxy_sockets_connected"] = sockets
                    entry["max_proxy_socket_connections"] = _int(settings.get("proxy_socket_connections"), DEFAULT_PROXY_SOCKETS)
                else:
                    entry["seeds"] = [str(seed) for seed in trust.as_list(settings.get("seeds"))]
                    entry["num_nodes_connected"] = sockets
                    entry["max_connections_per_cluster"] = _int(
                        settings.get("node_connections"), _int(yml.get("cluster.remote.connections_per_cluster"), DEFAULT_NODE_CONNECTIONS))
                entry["initial_connect_timeout"] = str(yml.get("cluster.remote.initial_connect_timeout") or "30s")
                default_skip = trust.version_tuple(local.version) >= (8, 15, 0)
                entry["skip_unavailable"] = trust.as_bool(settings.get("skip_unavailable"), default_skip)
                if (local.keystore_loaded or {}).get(credentials_setting(alias)):
                    entry["cluster_credentials"] = CREDENTIALS_REDACTED
                body[alias] = entry
            return body

    def send(self, local, alias, message):
        """Exchange ``message`` with the remote of ``alias`` over a fresh connection; returns the remote's reply dict.

        Connects first (forced when not connected). Raises :class:`TransportError` when no connection can be made.
        """
        world = self.world
        with world.lock:
            state = local.remote_state(alias)
            state = self.attempt(local, alias, force=not state.connected)
            if not state.connected:
                raise TransportError(state.failure_kind or "not_configured", state.error or "no such remote cluster: [%s]" % alias)
            started = world.clock.now()
            try:
                link = self._dial(local, alias)
            except _Failure as failure:
                self._record(state, _Outcome(False, failure.kind, failure.error, failure.detail, failure.model, failure.remote_key),
                             started)
                raise TransportError(failure.kind, failure.error) from None
            try:
                reply = self._exchange(link.sock, link.ticket, {"t": "request", "ticket": link.ticket.id, "message": message})
            except tlsnet.ProtocolError as exc:
                failure = self._protocol_failure(link.plan, exc)
                raise TransportError(failure.kind, "%s: %s" % (link.plan.prefix, failure.error)) from None
            finally:
                link.close()
            if not reply.get("ok"):
                raise TransportError(reply.get("kind") or "remote_error", reply.get("error") or "the remote failed")
            return reply.get("reply")

    def ece_flags(self, local_resource, entry):
        """``connected``, ``trusted``, ``trusted_back``, ``compatible`` and ``healthy`` of an ECE remote-clusters entry.

        ``trusted``: the local's deployment trust admits the remote's node certificate; ``trusted_back``: the
        reverse; ``compatible``: the CCS table (local searches remote); ``connected``: a connection attempt for the
        alias (ES settings of the alias when configured, else ECE's own wiring to ``<endpoint>:9400``), false during
        ``connect_delay`` after the remote-clusters PUT; ``healthy``: connected and the remote deployment is healthy.
        """
        world = self.world
        flags = {"connected": False, "trusted": False, "trusted_back": False, "compatible": False, "healthy": False}
        with world.lock:
            local = local_resource.cluster
            deployment = world.deployment(entry.get("deployment_id"))
            resource = deployment.resource(entry.get("elasticsearch_ref_id") or "_main") if deployment is not None else None
            if resource is None:
                return flags
            remote = resource.cluster
            flags["trusted"] = bool(trust.admits(world, local, pki.split_pem(remote.node_cert.chain_pem), peer="server"))
            flags["trusted_back"] = bool(trust.admits(world, remote, pki.split_pem(local.node_cert.chain_pem)))
            flags["compatible"] = trust.ccs_supported(local.version, remote.version)
            changed = getattr(local_resource, "remote_resources_changed_at", None)
            delay = float(world.switches.get("connect_delay") or 0.0)
            if changed is not None and world.clock.now() - changed < delay:
                return flags
            alias = entry.get("alias")
            if alias in trust.configured_aliases(local):
                flags["connected"] = bool(self.attempt(local, alias).connected)
            else:
                endpoint = getattr(remote, "endpoint", None)
                outcome = self._outcome(local, alias, implicit=("%s:9400" % endpoint, endpoint))
                flags["connected"] = outcome.connected
            flags["healthy"] = flags["connected"] and remote.running and bool(deployment.healthy)
            return flags

    def set_port_mode(self, target, port, mode):
        """Switch the listener of ``target`` (environment name or cluster key) on ``port`` to ``mode``
        (:data:`eceops_lab.tlsnet.MODES`); returns ``{"target", "port", "mode"}``."""
        if mode not in tlsnet.MODES:
            raise ValueError("mode must be one of %s, got [%s]" % (", ".join(tlsnet.MODES), mode))
        port = int(port)
        world = self.world
        with world.lock:
            env = world.environments.get(target)
            if env is not None:
                endpoint = self._endpoints.get((env.ip, port))
                if endpoint is None:
                    raise ValueError("environment [%s] has no transport listener on port [%d] (9400, 9443)" % (target, port))
                env.port_modes[port] = mode
            else:
                cluster = world.clusters.get(target)
                if cluster is None or cluster.kind not in ("self-managed", "eck"):
                    raise ValueError("unknown target [%s]: an environment name or a self-managed/ECK cluster key" % target)
                endpoint = self._endpoints.get((cluster.ip, port))
                if endpoint is None:
                    raise ValueError("cluster [%s] has no transport listener on port [%d] (9300, 9443)" % (target, port))
                self.port_modes[(cluster.key, port)] = mode
            if endpoint.listener is not None:
                endpoint.listener.set_mode(mode)
            self._mark_dirty([endpoint.address])
        return {"target": target, "port": port, "mode": mode}

    def reload_environment(self, env):
        """The environment's proxy certificate chain changed (upload): its proxies present ``env.proxy_chain`` /
        ``env.proxy_key_pem`` on 9443 from now on, and identify callers by the CAs appended to it."""
        with self.world.lock:
            self._proxy_chains[env.name] = (list(env.proxy_chain or []), env.proxy_key_pem)
            self._publish()

    def refresh_listeners(self, cluster):
        """After a restart/apply: start or stop the remote cluster server listener, present current certificates."""
        world = self.world
        with world.lock:
            self._publish()
            touched = []
            for endpoint in list(self._endpoints.values()):
                if endpoint.cluster is not cluster:
                    continue
                touched.append(endpoint.address)
                want = self._should_listen(endpoint)
                if want and endpoint.listener is None and self._started:
                    self._open(endpoint)
                elif not want and endpoint.listener is not None:
                    endpoint.listener.stop()
                    endpoint.listener = None
            self._mark_dirty(touched)

    def listener_of(self, target, port):
        """The ``TlsListener`` of ``target`` on ``port`` (None when it does not listen); for tests and the CLI."""
        env = self.world.environments.get(target)
        ip = env.ip if env is not None else getattr(self.world.clusters.get(target), "ip", None)
        endpoint = self._endpoints.get((ip, int(port)))
        return endpoint.listener if endpoint is not None else None

    def _mark_dirty(self, addresses):
        world = self.world
        now = world.clock.now()
        for (local_key, alias), address in list(self._last_target.items()):
            if address in addresses and local_key in world.clusters:
                world.clusters[local_key].mark_remotes_dirty(now, [alias])


# --------------------------------------------------------------------------------------------------------------
# helpers

def _refusal(kind, error, detail=None):
    return {"ok": False, "t": "handshake", "kind": kind, "error": error, "detail": detail}


def _wire_check(target, local_version, local_minwire):
    remote_minwire = trust.minimum_wire_version(target)
    if trust.version_tuple(local_version) < trust.version_tuple(remote_minwire):
        return _refusal("incompatible_version", "Received message from unsupported version: [%s] minimal compatible version is: [%s]"
                        % (local_version, remote_minwire),
                        "the remote [%s] runs %s (minimum wire compatibility %s)" % (target.key, target.version, remote_minwire))
    if trust.version_tuple(target.version) < trust.version_tuple(local_minwire):
        return _refusal("incompatible_version", "Received message from unsupported version: [%s] minimal compatible version is: [%s]"
                        % (target.version, local_minwire),
                        "the local runs %s (minimum wire compatibility %s), the remote [%s] %s"
                        % (local_version, local_minwire, target.key, target.version))
    return None


def _int(value, default):
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _seconds(value):
    return ("%g" % value) if value != int(value) else "%d" % int(value)


def _alert_of(exc):
    match = re.search(r"alert \[([a-z_]+)\]", exc.message or "")
    if match:
        return match.group(1)
    match = re.search(r"ALERT_([A-Z_]+)", exc.detail or "")
    return match.group(1).lower() if match else None


def _hostname_message(host, expected, chain):
    if not chain:
        return "failed to establish trust with server at [%s]; No subject alternative DNS name matching %s found." % (host, expected)
    leaf = chain[0]
    names = trust.describe_names(leaf)
    what = ("No subject alternative names matching IP address %s found" % expected if tlsnet.ip_literal(expected)
            else "No subject alternative DNS name matching %s found" % expected)
    return ("failed to establish trust with server at [%s]; the server provided a certificate with subject name [%s], fingerprint [%s]; "
            "the certificate has subject alternative names [%s]; the certificate does not match the host name [%s]: "
            "java.security.cert.CertificateException: %s." % (host, trust.subject_of(leaf), trust.sha1_fingerprint(leaf), names,
                                                              expected, what))


def _inconsistent_nodes(local, alias):
    """The nodes named by ``local.keystore_inconsistent`` that concern ``alias`` (list, possibly empty).

    Accepted shapes: a list/set of node names, one node name, True (every node), ``{setting: [nodes]}`` or
    ``{node: anything}``. When the cluster records what each node loaded (``node_state[node]["keystore"]``, as the
    ES API keeps it), only the listed nodes whose value of this alias's credentials differs from the loaded one count.
    """
    value = getattr(local, "keystore_inconsistent", None)
    if not value:
        return []
    if value is True:
        return [node.name for node in local.nodes] or [local.node_name or local.key]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if any(str(key).startswith("cluster.remote.") or "." in str(key) for key in value):
            nodes = value.get(credentials_setting(alias))
            return [] if not nodes else ([nodes] if isinstance(nodes, str) else sorted(str(node) for node in nodes))
        return sorted(str(key) for key in value)
    nodes = sorted(str(node) for node in value)
    states = getattr(local, "node_state", None)
    if not isinstance(states, dict) or not states:
        return nodes
    setting = credentials_setting(alias)
    reference = (local.keystore_loaded or {}).get(setting)
    return [node for node in nodes
            if not isinstance(states.get(node), dict) or (states[node].get("keystore") or {}).get(setting) != reference]
