# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS networking of the lab: name resolution, TLS listeners with SNI routing and fault modes, a classifying TLS
client, and the framing of the lab's simulated transport protocol.

Only the standard library (``ssl``, ``socket``, ``threading``) plus :mod:`eceops_lab.pki` for certificate parsing.

Hosts file (:class:`Resolver`)
    The lab and the collection's modules (environment variable :data:`HOSTS_FILE_ENV`, ``ECEOPS_HOSTS_FILE``, read
    by ``plugins/module_utils/_resolve.py``) share one simple format::

        # comment (also after an entry)
        127.0.0.11   coordinator.ece-a.lab  *.ece-a.lab
        ::1          v6.example.lab         # IPv6 addresses plain or in brackets ([::1])

    One entry per line: an IP address, then one or more names. A name ``*.domain`` is a wildcard that matches
    any name with one or more labels in front of ``domain`` (``a.domain``, ``a.b.domain``; not ``domain``).
    Names are case-insensitive and a trailing dot is ignored. An exact name wins over wildcards; among
    wildcards the longest suffix wins; when a name is listed twice the last line wins. IP literals resolve to
    themselves. Anything else is an unknown host.

Listener modes (:class:`TlsListener`, :data:`MODES`)
    ``tls`` normal TLS; ``http`` TLS with the selected certificate, then an ``HTTP/1.1 400 Bad Request`` whatever
    arrives (a layer-7 load balancer in front of a transport port); ``plain_http`` the same 400 without TLS;
    ``filtered`` TCP connects time out (listening with backlog 0, the backlog filled with connections the
    listener opens itself); ``closed`` nothing listens (connection refused); ``hang`` TCP is accepted but the
    TLS handshake is never answered.

Client failures (:func:`tls_connect`, :class:`ConnectFailure`, :data:`FAILURE_KINDS`)
    ``unknown_host``, ``refused``, ``timeout`` (TCP connect timed out), ``tls_timeout`` (TCP connected, no TLS
    answer), ``not_tls`` (plain text answer), ``unrecognized_name`` (SNI refused), ``unknown_ca``, ``expired``,
    ``not_yet_valid``, ``hostname_mismatch``, ``handshake_failure`` (any other TLS failure, including a client
    certificate the server rejected) and ``closed`` (the peer closed during the handshake).

Limits of the simulation
    OpenSSL checks certificates against the real clock; a lab clock that was moved forward is not seen by it
    (connect with ``verify=False`` and check the chain with :func:`eceops_lab.pki.verify_chain` and ``at=``
    instead). A server cannot request a client certificate without OpenSSL verifying it: a client certificate
    from a CA the server's context does not hold fails the handshake (the client sees ``handshake_failure``).
    Give a listener every CA the lab ever issues from as ``client_ca_pems`` and decide finer trust in the
    handler with :mod:`eceops_lab.pki`. Listeners that request client certificates negotiate at most TLS 1.2,
    so that a rejected client certificate fails the client's handshake (with TLS 1.3 the client only learns it
    on its first read).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections
import functools
import ipaddress
import json
import logging
import os
import selectors
import socket
import ssl
import struct
import tempfile
import threading
import weakref

from . import pki

HOSTS_FILE_ENV = "ECEOPS_HOSTS_FILE"
"""The environment variable through which the collection's modules read the lab's hosts file."""

MODES = ("tls", "http", "plain_http", "filtered", "closed", "hang")
"""The modes of a :class:`TlsListener`."""

FAILURE_KINDS = ("unknown_host", "refused", "timeout", "tls_timeout", "not_tls", "unrecognized_name", "unknown_ca",
                 "expired", "not_yet_valid", "hostname_mismatch", "handshake_failure", "closed")
"""The ``kind`` values of :class:`ConnectFailure`."""

PROTOCOL_ERROR_KINDS = ("http", "tls", "garbage", "bad_json", "closed", "timeout")
"""The ``kind`` values of :class:`ProtocolError`."""

MAX_FRAME = 16 * 1024 * 1024
"""The largest frame :func:`recv_msg` accepts (bytes)."""

HTTP_400_RESPONSE = (b"HTTP/1.1 400 Bad Request\r\n"
                     b"Server: eceops-lab\r\n"
                     b"Content-Type: text/plain; charset=utf-8\r\n"
                     b"Content-Length: 12\r\n"
                     b"Connection: close\r\n"
                     b"\r\n"
                     b"Bad Request\n")
"""What ``http`` and ``plain_http`` listeners answer."""

VERIFY_CODES = {
    9: "not_yet_valid",     # X509_V_ERR_CERT_NOT_YET_VALID
    10: "expired",          # X509_V_ERR_CERT_HAS_EXPIRED
    62: "hostname_mismatch",  # X509_V_ERR_HOSTNAME_MISMATCH
    64: "hostname_mismatch",  # X509_V_ERR_IP_ADDRESS_MISMATCH
    2: "unknown_ca",        # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
    18: "unknown_ca",       # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    19: "unknown_ca",       # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
    20: "unknown_ca",       # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: "unknown_ca",       # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
}
"""OpenSSL ``verify_code`` values and the :class:`ConnectFailure` kind they give."""

_NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST", "UNKNOWN_PROTOCOL",
                    "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE", "WRONG_SSL_VERSION", "UNSUPPORTED_PROTOCOL_RECORD")
_CLOSED_REASONS = ("UNEXPECTED_EOF_WHILE_READING", "EOF")
_CLIENT_CERT_ALERTS = ("unknown_ca", "bad_certificate", "certificate_unknown", "certificate_expired", "certificate_required",
                       "unsupported_certificate", "certificate_revoked", "access_denied")
_HTTP_METHODS = (b"GET ", b"POST", b"PUT ", b"HEAD", b"DELE", b"OPTI", b"PATC", b"CONN", b"TRAC")
_LOG = logging.getLogger(__name__)
_BACKLOG = 128
_PARK_PROBE_TIMEOUT = 0.25
_MAX_PARKED = 16


# --------------------------------------------------------------------------------------------------------------
# errors

class ResolveError(Exception):
    """A host name the :class:`Resolver` does not know. Attribute ``host``; message ``unknown host [<host>]``."""

    def __init__(self, host):
        super().__init__("unknown host [%s]" % host)
        self.host = host


class ConnectFailure(Exception):
    """:func:`tls_connect` could not establish a verified TLS connection.

    Attributes: ``kind`` (one of :data:`FAILURE_KINDS`), ``message`` (human readable), ``detail`` (the
    underlying error text, an OpenSSL reason or verify message, or None), ``address`` (``(ip, port)`` when known,
    else None).
    """

    def __init__(self, kind, message, detail=None, address=None):
        if kind not in FAILURE_KINDS:
            raise ValueError("unknown ConnectFailure kind [%s]" % kind)
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail
        self.address = address

    def __str__(self):
        return self.message if self.detail is None else "%s (%s)" % (self.message, self.detail)


class ProtocolError(Exception):
    """The peer did not speak the lab's transport framing (:func:`recv_msg`).

    Attributes: ``kind`` (one of :data:`PROTOCOL_ERROR_KINDS`: ``http`` the peer speaks HTTP, ``tls`` the peer
    speaks TLS on a plain socket or a TLS error or alert arrived, ``garbage`` not a frame, ``bad_json`` a frame
    without JSON, ``closed`` the connection ended, ``timeout`` nothing arrived in time), ``message`` and
    ``data`` (the first bytes received, for diagnostics).
    """

    def __init__(self, message, kind="garbage", data=b""):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.data = data


# --------------------------------------------------------------------------------------------------------------
# addresses and name resolution

def _strip_brackets(host):
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def ip_literal(host):
    """The normalised IP address string if ``host`` is an IP literal (IPv6 with or without brackets), else None."""
    if not isinstance(host, str):
        return None
    try:
        return str(ipaddress.ip_address(_strip_brackets(host.strip())))
    except ValueError:
        return None


def parse_address(address):
    """Split ``host:port`` into ``(host, port)``; IPv6 literals must be bracketed and come back without brackets.

    Raises ValueError with Elasticsearch's wording: ``remote hosts need to be configured as [host:port], found
    [foo] instead``, ``failed to parse port``, ``port number must be > 0 but was: [0]``; a port above 65535 gives
    ``port out of range:70000`` and an unbracketed IPv6 address asks for brackets.
    """
    if not isinstance(address, str):
        raise ValueError("remote hosts need to be configured as [host:port], found [%s] instead" % (address,))
    text = address.strip()
    shape_error = ValueError("remote hosts need to be configured as [host:port], found [%s] instead" % address)
    if text.startswith("["):
        end = text.find("]")
        if end == -1 or not text[end + 1:].startswith(":"):
            raise shape_error
        host, port_text = text[1:end], text[end + 2:]
        try:
            if ipaddress.ip_address(host).version != 6:
                raise ValueError(host)
        except ValueError:
            raise ValueError("[%s] in [%s] is not an IPv6 address" % (host, address)) from None
    else:
        if text.count(":") > 1:
            raise ValueError("IPv6 addresses need to be configured in brackets as [address]:port, found [%s] instead" % address)
        separator = text.rfind(":")
        if separator <= 0:
            raise shape_error
        host, port_text = text[:separator], text[separator + 1:]
    if not host or any(char.isspace() for char in host):
        raise shape_error
    if not port_text.isascii() or not port_text.isdigit():
        raise ValueError("failed to parse port [%s] of [%s]" % (port_text, address))
    port = int(port_text)
    if port <= 0:
        raise ValueError("port number must be > 0 but was: [%d]" % port)
    if port > 65535:
        raise ValueError("port out of range:%d" % port)
    return host, port


def format_address(host, port):
    """``host:port``, with an IPv6 literal in brackets."""
    literal = ip_literal(host)
    if literal is not None and ":" in literal:
        return "[%s]:%d" % (literal, port)
    return "%s:%d" % (host, port)


def _normalise_name(name):
    return name.strip().lower().rstrip(".")


class Resolver:
    """Host name to IP address table with exact and wildcard (``*.domain``) entries (format: module docstring).

    ``entries`` may be a mapping ``{name: ip}`` or an iterable of ``(ip, name)`` pairs. Thread-safe.
    """

    def __init__(self, entries=None):
        self._lock = threading.Lock()
        self._exact = {}
        self._wildcards = {}
        if entries is None:
            return
        pairs = [(ip, name) for name, ip in entries.items()] if isinstance(entries, dict) else entries
        for ip, name in pairs:
            self.add(name, ip)

    def add(self, name, ip):
        """Map ``name`` (exact, or a ``*.domain`` wildcard) to ``ip``; replaces an earlier entry of the same name."""
        address = ip_literal(ip)
        if address is None:
            raise ValueError("[%s] is not an IP address" % (ip,))
        key = _normalise_name(name)
        if not key or any(char.isspace() or char == "#" for char in key):
            raise ValueError("[%s] is not a valid host name" % (name,))
        with self._lock:
            if key.startswith("*."):
                suffix = key[1:]
                if len(suffix) < 2 or "*" in suffix:
                    raise ValueError("[%s] is not a valid wildcard name (use *.domain)" % name)
                self._wildcards[suffix] = address
            else:
                if "*" in key:
                    raise ValueError("[%s]: a wildcard is only allowed as the whole first label (*.domain)" % name)
                self._exact[key] = address
        return self

    def remove(self, name):
        """Remove the entry for ``name`` (as written, wildcards included); True if there was one."""
        key = _normalise_name(name)
        with self._lock:
            if key.startswith("*."):
                return self._wildcards.pop(key[1:], None) is not None
            return self._exact.pop(key, None) is not None

    def lookup(self, host):
        """The IP address for ``host`` or None (IP literals, brackets allowed, resolve to themselves)."""
        if not host:
            return None
        literal = ip_literal(host)
        if literal is not None:
            return literal
        name = _normalise_name(host)
        with self._lock:
            if name in self._exact:
                return self._exact[name]
            best = None
            for suffix, address in self._wildcards.items():
                if name.endswith(suffix) and len(name) > len(suffix) and (best is None or len(suffix) > len(best[0])):
                    best = (suffix, address)
        return best[1] if best else None

    def resolve(self, host):
        """The IP address for ``host``; raises :class:`ResolveError` (``unknown host [<host>]``) when nothing matches."""
        address = self.lookup(host)
        if address is None:
            raise ResolveError(host)
        return address

    def entries(self):
        """All entries as ``(name, ip)`` pairs, exact names first, wildcards as ``*.domain``."""
        with self._lock:
            exact = sorted(self._exact.items())
            wildcards = sorted(("*" + suffix, address) for suffix, address in self._wildcards.items())
        return exact + wildcards

    def __contains__(self, host):
        return self.lookup(host) is not None

    def __len__(self):
        with self._lock:
            return len(self._exact) + len(self._wildcards)

    def to_text(self, header=None):
        """The table in hosts-file format, names grouped by address; ``header`` lines become ``#`` comments."""
        lines = ["# %s" % line for line in (header or "").splitlines()]
        by_address = collections.OrderedDict()
        for name, address in self.entries():
            by_address.setdefault(address, []).append(name)
        for address, names in by_address.items():
            lines.append("%s %s" % (address, " ".join(names)))
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text):
        """Parse hosts-file text; raises ValueError (with the line number) for a malformed entry."""
        resolver = cls()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) < 2:
                raise ValueError("line %d: expected '<ip> <name> [<name>...]', found [%s]" % (number, raw.strip()))
            try:
                for name in fields[1:]:
                    resolver.add(name, fields[0])
            except ValueError as exc:
                raise ValueError("line %d: %s" % (number, exc)) from None
        return resolver

    @classmethod
    def load(cls, path):
        """Read a hosts file."""
        with open(path, encoding="utf-8") as handle:
            return cls.from_text(handle.read())

    @classmethod
    def from_env(cls, environ=None):
        """The resolver of the file named by ``ECEOPS_HOSTS_FILE``, or an empty one when it is not set."""
        path = (environ if environ is not None else os.environ).get(HOSTS_FILE_ENV)
        return cls.load(path) if path else cls()

    def save(self, path, header=None):
        """Write the table atomically (readers never see a partial file); returns ``path``."""
        directory = os.path.dirname(os.path.abspath(path))
        descriptor, temporary = tempfile.mkstemp(prefix=".hosts-", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(self.to_text(header))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return path


# --------------------------------------------------------------------------------------------------------------
# contexts

def _pem_text(value):
    if isinstance(value, bytes):
        return value.decode("ascii")
    return value


def _cadata(pems):
    """Concatenated, normalised PEM certificates of ``pems`` (str, bytes, Issued or an iterable of these)."""
    if pems is None:
        return ""
    if isinstance(pems, (str, bytes, pki.Issued)):
        pems = [pems]
    texts = []
    for item in pems:
        if isinstance(item, pki.Issued):
            texts.append(item.cert_pem)
        else:
            texts.extend(pki.split_pem(_pem_text(item)))
    return "".join(texts)


def _strict_flags(context):
    # X509_V_FLAG_PARTIAL_CHAIN is 0x80000 in OpenSSL; Python < 3.10 has no constant for it but accepts the value
    context.verify_flags |= ssl.VERIFY_X509_STRICT | getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)


def _load_pair(context, cert_pem, key_pem):
    """``load_cert_chain`` from PEM text (it only reads files): through a private temporary directory."""
    if isinstance(cert_pem, pki.Issued):
        cert_pem, key_pem = cert_pem.chain_pem, key_pem or cert_pem.key_pem
    if key_pem is None:
        raise ValueError("a certificate needs its private key")
    with tempfile.TemporaryDirectory(prefix="eceops-lab-tls-") as directory:
        cert_path = pki.write_pem(os.path.join(directory, "cert.pem"), _pem_text(cert_pem))
        key_path = pki.write_pem(os.path.join(directory, "key.pem"), _pem_text(key_pem))
        context.load_cert_chain(cert_path, key_path)


def server_context(cert_pem, key_pem=None, *, client_ca_pems=()):
    """A server ``SSLContext`` presenting ``cert_pem`` (leaf followed by intermediates; or an :class:`pki.Issued`).

    ``client_ca_pems`` are the CAs accepted for client certificates; they only take effect on a listener with
    ``request_client_cert`` (the listener decides whether a certificate is requested).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_pair(context, cert_pem, key_pem)
    cadata = _cadata(client_ca_pems)
    if cadata:
        context.load_verify_locations(cadata=cadata)
    _strict_flags(context)
    return context


@functools.lru_cache(maxsize=128)
def _cached_client_context(cadata, use_system_store, client_cert_pem, client_key_pem, verify):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # tls_connect checks host names itself, with pki's rules
    if verify:
        context.verify_mode = ssl.CERT_REQUIRED
        _strict_flags(context)
        if cadata:
            context.load_verify_locations(cadata=cadata)
        if use_system_store:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        context.verify_mode = ssl.CERT_NONE
    if client_cert_pem:
        _load_pair(context, client_cert_pem, client_key_pem)
        # a rejected client certificate must fail the handshake, not the first read (TLS 1.3)
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def client_context(*, ca_pems=(), use_system_store=False, client_cert_pem=None, client_key_pem=None, verify=True):
    """The client ``SSLContext`` :func:`tls_connect` uses (cached by content; host name checking is off in it).

    Verification uses OpenSSL's strict and partial-chain flags: a trusted CA need not be self-signed, as with
    Java's PKIX. ``client_cert_pem`` may be a chain or an :class:`pki.Issued`; with a client certificate the
    context negotiates at most TLS 1.2.
    """
    if isinstance(client_cert_pem, pki.Issued):
        client_key_pem = client_key_pem or client_cert_pem.key_pem
        client_cert_pem = client_cert_pem.chain_pem
    return _cached_client_context(_cadata(ca_pems), bool(use_system_store), _pem_text(client_cert_pem),
                                  _pem_text(client_key_pem), bool(verify))


# --------------------------------------------------------------------------------------------------------------
# listener

def _quiet_close(sock):
    if sock is None:
        return
    try:
        sock.close()
    except OSError:
        pass


def _quiet_shutdown(sock):
    """Wake up a thread blocked on ``sock`` without touching its TLS state."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


class TlsListener:
    """A threaded TLS server on ``ip:port`` choosing its certificate by SNI, with switchable fault modes.

    ``select_context(server_name)`` (``server_name`` is None when the client sent no SNI) returns the
    ``ssl.SSLContext`` to present (see :func:`server_context`) or None to refuse the name with an
    ``unrecognized_name`` alert; an exception refuses it with ``internal_error``. It runs inside OpenSSL's SNI
    callback: keep it fast and do not block.

    After a successful handshake ``handler(conn, server_name, peer_addr, peer_cert_der)`` runs in the
    connection's own (daemon) thread and owns ``conn`` (an ``ssl.SSLSocket`` in blocking mode): it must close it.
    If the handler raises, the connection is closed and the error logged. ``peer_cert_der`` is the client
    certificate (DER) when ``request_client_cert`` is set and the client sent one, else None;
    :func:`peer_certificates` gives the whole chain the client sent.

    With ``request_client_cert`` the server asks for a client certificate (optional). OpenSSL verifies a
    certificate that is sent against ``client_ca_pems`` plus the CAs of the context ``select_context`` returned
    (the listener adds ``client_ca_pems`` to each returned context once); an unverifiable one fails the
    handshake. Such listeners negotiate at most TLS 1.2.

    ``mode`` is one of :data:`MODES` (module docstring); :meth:`set_mode` switches it at runtime by re-opening
    the listening socket (connections already handed to the handler are not touched). Handshake failures are
    kept in ``failures`` (the latest 100, dicts with ``peer``, ``server_name``, ``error``) and passed to
    ``on_handshake_error(server_name, peer_addr, exc)`` when given.
    """

    def __init__(self, ip, port, *, select_context, handler, request_client_cert=False, client_ca_pems=(), mode="tls",
                 handshake_timeout=10.0, on_handshake_error=None, name=None):
        if mode not in MODES:
            raise ValueError("mode must be one of %s, got [%s]" % (", ".join(MODES), mode))
        self.ip = ip_literal(ip) or ip
        self.port = port
        self.select_context = select_context
        self.handler = handler
        self.request_client_cert = request_client_cert
        self.handshake_timeout = handshake_timeout
        self.on_handshake_error = on_handshake_error
        self.name = name or format_address(self.ip, port)
        self.failures = collections.deque(maxlen=100)
        self._mode = mode
        self._lock = threading.RLock()
        self._conn_lock = threading.Lock()
        self._started = False
        self._sock = None
        self._thread = None
        self._waker = None
        self._parked = []
        self._held = set()
        self._connections = weakref.WeakSet()
        self._server_names = weakref.WeakKeyDictionary()
        self._prepared = weakref.WeakSet()
        self._client_cadata = _cadata(client_ca_pems)
        self._base_context = self._make_base_context()

    # -- public ------------------------------------------------------------------------------------------------

    @property
    def mode(self):
        """The current mode."""
        return self._mode

    @property
    def address(self):
        """``(ip, port)``."""
        return self.ip, self.port

    @property
    def running(self):
        """True between :meth:`start` and :meth:`stop`."""
        return self._started

    def start(self):
        """Open the listening socket in the current mode (idempotent); returns self. Raises OSError if the bind fails."""
        with self._lock:
            if not self._started:
                self._open(self._mode)
                self._started = True
        return self

    def stop(self, close_connections=True):
        """Close the listening socket and join the accept thread; with ``close_connections`` also shut down the
        connections still open (a handler blocked on its connection sees the end of the stream)."""
        with self._lock:
            self._started = False
            self._teardown()
            if close_connections:
                with self._conn_lock:
                    connections = list(self._connections)
                for conn in connections:
                    _quiet_shutdown(conn)

    def set_mode(self, mode):
        """Switch to another of :data:`MODES`; takes effect at once for new connections."""
        if mode not in MODES:
            raise ValueError("mode must be one of %s, got [%s]" % (", ".join(MODES), mode))
        with self._lock:
            if mode == self._mode:
                return
            self._mode = mode
            if self._started:
                self._teardown()
                self._open(mode)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self):
        return "TlsListener(%s, mode=%s, running=%s)" % (self.name, self._mode, self._started)

    # -- sockets -----------------------------------------------------------------------------------------------

    def _make_base_context(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.sni_callback = self._on_sni
        if self.request_client_cert:
            context.verify_mode = ssl.CERT_OPTIONAL
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            if self._client_cadata:
                context.load_verify_locations(cadata=self._client_cadata)
        return context

    def _family(self):
        return socket.AF_INET6 if ":" in self.ip else socket.AF_INET

    def _open(self, mode):
        if mode == "closed":
            return
        sock = socket.socket(self._family(), socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.ip, self.port))
            if not self.port:
                self.port = sock.getsockname()[1]
            if mode == "filtered":
                sock.listen(0)
                self._sock = sock
                self._fill_backlog()
                return
            sock.listen(_BACKLOG)
            sock.setblocking(False)
        except OSError:
            _quiet_close(sock)
            self._sock = None
            self._close_parked()
            raise
        self._sock = sock
        waker = socket.socketpair()
        self._waker = waker
        self._thread = threading.Thread(target=self._accept_loop, args=(sock, waker[0]), daemon=True,
                                        name="tls-accept-%s" % self.name)
        self._thread.start()

    def _fill_backlog(self):
        """Fill the backlog of a ``listen(0)`` socket with our own connections until a probe connect times out."""
        while len(self._parked) < _MAX_PARKED:
            probe = socket.socket(self._family(), socket.SOCK_STREAM)
            probe.settimeout(_PARK_PROBE_TIMEOUT)
            try:
                probe.bind((self.ip, 0))
                probe.connect((self.ip, self.port))
            except socket.timeout:
                _quiet_close(probe)
                return
            except OSError:
                _quiet_close(probe)
                raise
            self._parked.append(probe)
        _LOG.warning("%s: the backlog did not fill after %d connections; 'filtered' may not hold", self.name, _MAX_PARKED)

    def _close_parked(self):
        parked, self._parked = self._parked, []
        for sock in parked:
            _quiet_close(sock)

    def _teardown(self):
        thread, waker, sock = self._thread, self._waker, self._sock
        self._thread = self._waker = self._sock = None
        if waker is not None:
            try:
                waker[1].send(b"x")
            except OSError:
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        if waker is not None:
            _quiet_close(waker[0])
            _quiet_close(waker[1])
        _quiet_close(sock)
        self._close_parked()
        with self._conn_lock:
            held, self._held = self._held, set()
        for conn in held:
            _quiet_shutdown(conn)
            _quiet_close(conn)

    def _accept_loop(self, sock, waker):
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            selector.register(waker, selectors.EVENT_READ)
            while True:
                events = selector.select()
                if any(item[0].fileobj is waker for item in events):
                    return
                try:
                    conn, peer = sock.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                except OSError as exc:
                    _LOG.warning("%s: accept failed: %s", self.name, exc)
                    return
                conn.setblocking(True)
                try:   # answers are several writes: no Nagle delay waiting for the client's delayed ACK
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                if self._mode == "hang":
                    with self._conn_lock:
                        self._held.add(conn)
                    continue
                threading.Thread(target=self._serve, args=(conn, peer), daemon=True,
                                 name="tls-conn-%s-%s" % (self.name, peer[1])).start()

    # -- connections -------------------------------------------------------------------------------------------

    def _on_sni(self, ssl_sock, server_name, _context):
        with self._conn_lock:
            self._server_names[ssl_sock] = server_name
        try:
            selected = self.select_context(server_name)
        except Exception as exc:  # pylint: disable=broad-except
            _LOG.warning("%s: select_context(%r) failed: %s", self.name, server_name, exc)
            return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
        if selected is None:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if self.request_client_cert and self._client_cadata:
            with self._conn_lock:
                if selected not in self._prepared:
                    selected.load_verify_locations(cadata=self._client_cadata)
                    self._prepared.add(selected)
        ssl_sock.context = selected
        return None

    def _record_failure(self, peer, server_name, exc):
        self.failures.append({"peer": peer, "server_name": server_name, "error": "%s: %s" % (type(exc).__name__, exc)})
        if self.on_handshake_error is not None:
            try:
                self.on_handshake_error(server_name, peer, exc)
            except Exception as callback_exc:  # pylint: disable=broad-except
                _LOG.warning("%s: on_handshake_error failed: %s", self.name, callback_exc)

    def _pop_server_name(self, conn):
        with self._conn_lock:
            return self._server_names.pop(conn, None)

    def _track(self, sock):
        with self._conn_lock:
            self._connections.add(sock)

    def _serve(self, raw, peer):
        self._track(raw)
        if self._mode == "plain_http":
            _answer_http(raw, self.handshake_timeout)
            return
        raw.settimeout(self.handshake_timeout)
        try:
            conn = self._base_context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        except (OSError, ValueError) as exc:
            self._record_failure(peer, None, exc)
            _quiet_close(raw)
            return
        self._track(conn)
        try:
            conn.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            self._record_failure(peer, self._pop_server_name(conn), exc)
            _quiet_close(conn)
            return
        server_name = self._pop_server_name(conn)
        if self._mode == "http":
            _answer_http(conn, self.handshake_timeout)
            return
        peer_cert = conn.getpeercert(binary_form=True) if self.request_client_cert else None
        conn.settimeout(None)
        try:
            self.handler(conn, server_name, peer, peer_cert)
        except Exception as exc:  # pylint: disable=broad-except
            _LOG.warning("%s: handler failed for %s (%s): %s", self.name, peer, server_name, exc, exc_info=True)
            _quiet_close(conn)


def _answer_http(sock, timeout):
    """Read what the client sends first, answer HTTP 400 and close without losing the answer (lingering close)."""
    try:
        sock.settimeout(timeout)
        try:
            sock.recv(65536)
        except socket.timeout:
            pass
        sock.sendall(HTTP_400_RESPONSE)
        # Closing with unread data would reset the connection and could destroy the answer: half-close, then drain
        # (at the TCP level, below TLS) until the client closes or a short while has passed.
        socket.socket.shutdown(sock, socket.SHUT_WR)
        sock.settimeout(min(timeout, 2.0))
        while socket.socket.recv(sock, 4096):
            pass
    except (OSError, ssl.SSLError) as exc:
        _LOG.debug("HTTP answer: %s", exc)
    _quiet_close(sock)


# --------------------------------------------------------------------------------------------------------------
# client

def _resolve(host, resolver):
    literal = ip_literal(host)
    if literal is not None:
        return literal
    if resolver is not None:
        try:
            return resolver.resolve(host)
        except ResolveError as exc:
            raise ConnectFailure("unknown_host", str(exc)) from exc
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConnectFailure("unknown_host", "unknown host [%s]" % host, detail=str(exc)) from exc
    return infos[0][4][0]


def _classify_verify_error(exc, where):
    code = getattr(exc, "verify_code", None)
    text = getattr(exc, "verify_message", None) or str(exc)
    kind = VERIFY_CODES.get(code, "handshake_failure")
    messages = {
        "unknown_ca": "the certificate of %s is not signed by a trusted CA (unable to find a valid certification path)" % where,
        "expired": "the certificate of %s has expired" % where,
        "not_yet_valid": "the certificate of %s is not yet valid" % where,
        "hostname_mismatch": "the certificate of %s does not match the host name" % where,
        "handshake_failure": "the certificate of %s failed verification" % where,
    }
    return kind, messages[kind], "verify_code %s: %s" % (code, text)


def _classify_ssl_error(exc, where, server_name):
    reason = (getattr(exc, "reason", None) or "").upper()
    detail = "%s: %s" % (reason or type(exc).__name__, exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _classify_verify_error(exc, where)
    if "UNRECOGNIZED_NAME" in reason:
        return "unrecognized_name", "%s refused the server name [%s] (unrecognized_name)" % (where, server_name), detail
    if reason in _NOT_TLS_REASONS:
        return "not_tls", "%s did not answer with TLS (plain text, maybe HTTP, on this port)" % where, detail
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)) or reason in _CLOSED_REASONS:
        return "closed", "%s closed the connection during the TLS handshake" % where, detail
    if "_ALERT_" in reason:
        alert = reason.split("_ALERT_", 1)[1].lower()
        message = "%s rejected the TLS handshake with the alert [%s]" % (where, alert)
        if alert in _CLIENT_CERT_ALERTS:
            message += " (the client certificate was refused)"
        return "handshake_failure", message, detail
    return "handshake_failure", "the TLS handshake with %s failed" % where, detail


def tls_connect(host, port, *, server_name=None, ca_pems=(), use_system_store=False, client_cert_pem=None,
                client_key_pem=None, check_hostname=True, source_ip=None, timeout=5.0, resolver=None, verify=True):
    """Open a verified TLS connection to ``host:port`` and return the ``ssl.SSLSocket`` (blocking, with ``timeout``).

    ``host`` is resolved by ``resolver`` (a :class:`Resolver`; without one, by the system), IP literals directly.
    ``server_name`` is the SNI sent (default: ``host`` when it is a name; ``""`` sends none). The server
    certificate must chain to ``ca_pems`` (and the system store with ``use_system_store``); with
    ``check_hostname`` it must cover ``server_name`` (or ``host``) by :func:`eceops_lab.pki.hostname_matches`.
    ``verify=False`` skips chain verification (the lab can then judge the chain itself with
    :func:`peer_certificates` and :func:`eceops_lab.pki.verify_chain`). ``client_cert_pem``/``client_key_pem``
    (or an :class:`pki.Issued` as ``client_cert_pem``) present a client certificate. ``source_ip`` binds the
    local end first, so the server sees that address (an OSError if it cannot be bound).

    Raises :class:`ConnectFailure` with a ``kind`` from :data:`FAILURE_KINDS`.
    """
    target = _strip_brackets(host.strip()) if isinstance(host, str) else host
    address = _resolve(target, resolver)
    where = "[%s]" % format_address(address, port)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    raw = socket.socket(family, socket.SOCK_STREAM)
    try:
        raw.settimeout(timeout)
        if source_ip:
            raw.bind((_strip_brackets(source_ip), 0))
    except OSError:
        _quiet_close(raw)
        raise
    try:
        raw.connect((address, port))
    except ConnectionRefusedError as exc:
        _quiet_close(raw)
        raise ConnectFailure("refused", "connection refused by %s" % where, detail=str(exc), address=(address, port)) from exc
    except socket.timeout as exc:
        _quiet_close(raw)
        raise ConnectFailure("timeout", "connecting to %s timed out after %ss" % (where, timeout), detail=str(exc),
                             address=(address, port)) from exc
    except OSError as exc:
        _quiet_close(raw)
        raise ConnectFailure("refused", "cannot connect to %s" % where, detail=str(exc), address=(address, port)) from exc

    context = client_context(ca_pems=ca_pems, use_system_store=use_system_store, client_cert_pem=client_cert_pem,
                             client_key_pem=client_key_pem, verify=verify)
    if server_name is None:
        sni = None if ip_literal(target) else target
    else:
        sni = server_name or None
    expected = server_name or target
    sock = None
    try:
        sock = context.wrap_socket(raw, server_hostname=sni, do_handshake_on_connect=False)
        sock.do_handshake()
    except ssl.SSLError as exc:
        _quiet_close(sock or raw)
        kind, message, detail = _classify_ssl_error(exc, where, sni)
        raise ConnectFailure(kind, message, detail=detail, address=(address, port)) from exc
    except socket.timeout as exc:
        _quiet_close(sock or raw)
        raise ConnectFailure("tls_timeout", "%s accepted the TCP connection but did not answer the TLS handshake within %ss"
                             % (where, timeout), detail=str(exc), address=(address, port)) from exc
    except OSError as exc:
        _quiet_close(sock or raw)
        raise ConnectFailure("closed", "%s closed the connection during the TLS handshake" % where, detail=str(exc),
                             address=(address, port)) from exc

    if check_hostname:
        leaf = sock.getpeercert(binary_form=True)
        if not leaf or not pki.hostname_matches(leaf, expected):
            names = ", ".join(pki.dns_sans(leaf) + pki.ip_sans(leaf)) if leaf else ""
            _quiet_close(sock)
            raise ConnectFailure("hostname_mismatch", "the certificate of %s does not cover [%s]" % (where, expected),
                                 detail="subject alternative names: [%s]" % names, address=(address, port))
    return sock


def peer_certificates(sock, verified=False):
    """The peer's certificate chain as a list of DER bytes, leaf first.

    Python 3.13+: what the peer sent (``get_unverified_chain()``), or with ``verified`` the chain OpenSSL
    built, trusted root included (``get_verified_chain()``). Older Pythons only give the leaf. Empty when the
    peer sent no certificate.
    """
    leaf = sock.getpeercert(binary_form=True)
    if not leaf:
        return []
    getter = getattr(sock, "get_verified_chain" if verified else "get_unverified_chain", None)
    chain = []
    if getter is not None:
        try:
            chain = [bytes(item) for item in getter() or []]
        except (AttributeError, ValueError, ssl.SSLError):  # Python 3.13.0 fails on sockets without a peer chain
            chain = []
    if not chain or chain[0] != leaf:  # OpenSSL leaves the leaf out of the peer chain on the server side
        chain.insert(0, leaf)
    return chain


# --------------------------------------------------------------------------------------------------------------
# framing

def send_msg(sock, obj):
    """Send ``obj`` (JSON-serialisable, normally a dict) as one frame: 4-byte big-endian length, then UTF-8 JSON."""
    data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_FRAME:
        raise ValueError("message of %d bytes exceeds the frame limit of %d" % (len(data), MAX_FRAME))
    sock.sendall(struct.pack(">I", len(data)) + data)


def _recv_some(sock, count):
    try:
        return sock.recv(count)
    except socket.timeout as exc:
        raise ProtocolError("no message arrived in time", kind="timeout") from exc
    except ssl.SSLError as exc:
        raise ProtocolError("TLS error while reading: %s" % (getattr(exc, "reason", None) or exc), kind="tls") from exc
    except OSError as exc:
        raise ProtocolError("the connection broke while reading: %s" % exc, kind="closed") from exc


def _recv_exact(sock, count, received=b""):
    data = received
    while len(data) < count:
        chunk = _recv_some(sock, count - len(data))
        if not chunk:
            if not data:
                raise ProtocolError("the peer closed the connection", kind="closed")
            raise ProtocolError("the peer closed the connection in the middle of a frame (%d of %d bytes)" % (len(data), count),
                                kind="closed", data=data[:64])
        data += chunk
    return data


def _first_line(sock, data):
    """Read on (best effort) until the end of the first line, for a readable error message."""
    try:
        while b"\n" not in data and len(data) < 512:
            chunk = sock.recv(512)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    return data.split(b"\n", 1)[0].strip().decode("latin-1")


def recv_msg(sock, timeout=None):
    """Receive one frame sent by :func:`send_msg` and return the decoded JSON value.

    ``timeout`` (seconds) is set on the socket first when given. Raises :class:`ProtocolError`: ``http`` when the
    peer speaks HTTP (an answer such as ``HTTP/1.1 400 Bad Request`` from an HTTP load balancer, or a request),
    ``tls`` for a TLS record on a plain socket or a TLS error, ``garbage``, ``bad_json``, ``closed`` or
    ``timeout``.
    """
    if timeout is not None:
        sock.settimeout(timeout)
    header = _recv_exact(sock, 4)
    if header == b"HTTP":
        line = _first_line(sock, header)
        raise ProtocolError("the peer answered with HTTP [%s]: this port speaks HTTP, not the transport protocol" % line,
                            kind="http", data=line.encode("latin-1"))
    if header in _HTTP_METHODS:
        line = _first_line(sock, header)
        raise ProtocolError("the peer sent an HTTP request [%s]: it speaks HTTP, not the transport protocol" % line,
                            kind="http", data=line.encode("latin-1"))
    if header[0] in (0x15, 0x16) and header[1] == 0x03:
        raise ProtocolError("the peer speaks TLS on a plain connection", kind="tls", data=header)
    (length,) = struct.unpack(">I", header)
    if length > MAX_FRAME:
        raise ProtocolError("not a transport frame: the peer sent %r (length %d)" % (header, length), kind="garbage", data=header)
    body = _recv_exact(sock, length) if length else b""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("a frame without valid JSON: %s" % exc, kind="bad_json", data=body[:64]) from exc
