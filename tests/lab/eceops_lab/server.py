"""HTTP(S) plumbing of the lab: request/response types, threaded HTTPS services, the request log, fault
injection, and the control API. The API logic lives in ``ece_api`` and ``es_api``; the transport listeners
and connection engine in ``transport``.
"""

import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SECRET_KEYS = frozenset(("api_key", "encoded", "password", "secure_settings_password", "key", "secret",
                         "credentials", "private_key"))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
# request-log note of an answer the official spec dictates (unknown path or method, bad parameter, body schema)
SPEC_REJECTED = "spec-rejected: "
REDACTED = "::redacted::"


# -- requests and responses -----------------------------------------------------------------------------------
class Request(object):
    """One HTTP request as the API handlers see it."""

    def __init__(self, method, path, query, headers, body, client_ip, service, host=None, sni=None):
        self.method = method.upper()
        self.path = path                   # URL-decoded path without the query string
        self.raw_path = path
        self.query = query                 # name -> list of strings
        self.headers = dict((k.lower(), v) for k, v in headers.items())
        self.body = body or b""            # bytes
        self.client_ip = client_ip
        self.service = service             # e.g. "ece-a", "es:ece-a/search-a"
        self.host = host
        self.sni = sni
        self.context = {}                  # handlers may attach what they learned (e.g. the authenticated principal)

    def header(self, name, default=None):
        """A request header (case-insensitive)."""
        return self.headers.get(name.lower(), default)

    def json(self):
        """The body parsed as JSON (ValueError when it is not JSON)."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def param(self, name, default=None):
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default


class Response(object):
    """What a handler returns."""

    def __init__(self, status=200, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def encoded(self):
        """``(bytes, content_type)``."""
        if self.body is None:
            return b"", self.headers.get("Content-Type", "application/json")
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), self.headers.get("Content-Type", "text/plain; charset=UTF-8")
        return json.dumps(self.body).encode("utf-8"), "application/json"


def json_response(body, status=200, headers=None):
    """A JSON response."""
    return Response(status, body, headers)


def ece_error(status, code, message, fields=None, headers=None):
    """An ECE ``BasicFailedReply`` response, with the ``x-cloud-error-codes`` header."""
    element = {"code": code, "message": message}
    if fields:
        element["fields"] = list(fields)
    hdrs = {"x-cloud-error-codes": code}
    hdrs.update(headers or {})
    return Response(status, {"errors": [element]}, hdrs)


def es_error_body(status, etype, reason, **extra):
    """An Elasticsearch error body ``{"error": {...}, "status": n}``."""
    cause = {"type": etype, "reason": reason}
    cause.update(extra)
    error = {"root_cause": [dict(cause)], "type": etype, "reason": reason}
    error.update(extra)
    return {"error": error, "status": status}


def es_error(status, etype, reason, headers=None, **extra):
    """An Elasticsearch error response."""
    return Response(status, es_error_body(status, etype, reason, **extra), headers)


# -- request log -----------------------------------------------------------------------------------------------
def redact(data):
    """A copy of JSON-like data with secret-looking values replaced."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in SECRET_KEYS and value not in (None, "", {}, []):
                out[key] = REDACTED
            elif isinstance(key, str) and key.startswith("cluster.remote.") and key.endswith(".credentials") and isinstance(value, str):
                out[key] = REDACTED
            elif key == "secrets" and isinstance(value, dict):
                # keystore contents: names stay, values go (also when a secret is malformed, e.g. a bare string)
                out[key] = dict((name, _redact_secret(item)) for name, item in value.items())
            else:
                out[key] = redact(value)
        return out
    if isinstance(data, list):
        return [redact(item) for item in data]
    return data


def _redact_secret(item):
    """One keystore secret: its ``value`` and any other non-empty content is replaced; ``as_file`` stays."""
    if isinstance(item, dict):
        return dict((k, v if k == "as_file" or v in (None, "", {}, []) else REDACTED) for k, v in item.items())
    return item if item in (None, "", []) else REDACTED


def redact_body(body):
    """The request body as it may be logged: parsed JSON with secrets replaced, or its size."""
    if not body:
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "<%d bytes>" % len(body)
    if isinstance(parsed, str):
        # a pass-through body: a JSON text inside a string
        try:
            parsed = json.loads(parsed)
        except ValueError:
            return "<string of %d characters>" % len(parsed)
    return redact(parsed)


class RequestLog(object):
    """Every request the lab answered, as JSON lines (secrets redacted), with a sequence number."""

    def __init__(self, path, start_seq=0):
        self.path = path
        self.base = start_seq            # sequence numbers go on across lab resets (the file is appended to)
        self.entries = []
        self.lock = threading.Lock()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._handle = open(path, "a")

    def append(self, service, method, path, status, duration, body=None, client_ip=None, note=None, write=None, query=None):
        """Record one request (``write`` defaults to the method being POST, PUT, PATCH or DELETE)."""
        with self.lock:
            entry = {"seq": self.base + len(self.entries) + 1, "time": round(time.time(), 3), "service": service, "method": method,
                     "path": path, "status": status, "duration_ms": int(duration * 1000), "write": method in WRITE_METHODS if write is None else bool(write),
                     "body": redact_body(body) if body else None, "client_ip": client_ip}
            if note:
                entry["note"] = note
            if query:
                entry["query"] = query
            self.entries.append(entry)
            self._handle.write(json.dumps(entry) + "\n")
            self._handle.flush()
            return entry["seq"]

    @property
    def last_seq(self):
        """The sequence number of the newest entry (the base when empty)."""
        return self.base + len(self.entries)

    def query(self, since=0, writes=None, service=None, method=None, path=None):
        """Entries after ``since`` matching the filters (``path`` is a regular expression)."""
        pattern = re.compile(path) if path else None
        with self.lock:
            out = []
            for entry in self.entries[max(0, since - self.base):]:
                if writes is not None and entry["write"] != writes:
                    continue
                if service and not entry["service"].startswith(service):
                    continue
                if method and entry["method"] != method.upper():
                    continue
                if pattern and not pattern.search(entry["path"]):
                    continue
                out.append(entry)
            return out

    def close(self):
        """Close the file."""
        self._handle.close()


# -- fault injection -------------------------------------------------------------------------------------------
class FaultTable(object):
    """Faults to inject, matched on service prefix, method and a path regular expression.

    A fault may answer with ``status`` (and ``retry_after``, ``body``), add a ``delay`` before answering, ``drop``
    the connection without an answer, or set ``plan_error`` (consumed by the ECE API: the next plan fails with
    that message). ``times`` limits how often it fires (default: once; 0 = forever).
    """

    def __init__(self):
        self.faults = []
        self.lock = threading.Lock()

    def add(self, fault):
        """Register a fault (dict); returns its id."""
        fault = dict(fault)
        fault.setdefault("times", 1)
        fault["id"] = len(self.faults) + 1
        fault["fired"] = 0
        fault["_re"] = re.compile(fault.get("path") or ".*")
        with self.lock:
            self.faults.append(fault)
        return fault["id"]

    def clear(self):
        """Remove every fault."""
        with self.lock:
            self.faults = []

    def match(self, service, method, path, kind="http"):
        """The first active fault for this request (its count is consumed), or None."""
        with self.lock:
            for fault in self.faults:
                if fault.get("kind", "http") != kind:
                    continue
                if fault["times"] and fault["fired"] >= fault["times"]:
                    continue
                if fault.get("service") and not service.startswith(fault["service"]):
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if not fault["_re"].search(path):
                    continue
                fault["fired"] += 1
                return fault
        return None

    def describe(self):
        """JSON-safe list of faults."""
        with self.lock:
            return [dict((k, v) for k, v in f.items() if not k.startswith("_")) for f in self.faults]


# -- HTTPS services --------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "eceops-lab"
    sys_version = ""

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def setup(self):
        # the headers and the body are two writes: without TCP_NODELAY, Nagle's algorithm holds the body until the
        # client's delayed ACK (about 40 ms per request), which real servers avoid
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().setup()

    def _serve(self):
        service = self.server.service
        started = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        from urllib.parse import unquote  # pylint: disable=import-outside-toplevel
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        request = Request(self.command, path, query, dict(self.headers.items()), body, self.client_address[0],
                          service.name, host=self.headers.get("Host"), sni=getattr(self.connection, "server_hostname", None))
        fault = service.faults.match(service.name, request.method, path) if service.faults else None
        if fault and fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if fault and fault.get("drop"):
            service.log_request(request, None, started, note="dropped by fault %s" % fault["id"])
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault and fault.get("status"):
            headers = {}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            default_body = {"errors": [{"code": "lab.injected_fault", "message": "fault injected by the lab"}]}
            response = Response(int(fault["status"]), fault.get("body", default_body), headers)
        else:
            try:
                response = service.dispatch(request)
            except Exception as exc:  # pylint: disable=broad-except
                import traceback  # pylint: disable=import-outside-toplevel
                traceback.print_exc()
                response = Response(500, {"errors": [{"code": "lab.internal_error", "message": "lab bug: %r" % exc}]})
        data, content_type = response.encoded()
        # logged before the answer leaves: a client that reads the log right after its answer finds its request there
        service.log_request(request, response.status, started, note=request.context.get("log_note"))
        self.send_response(response.status)
        self.send_header("Content-Type", response.headers.pop("Content-Type", content_type))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server; with TLS, each connection's handshake runs in its own thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    ssl_context = None

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            request.settimeout(30)
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
            request.settimeout(None)
        self.RequestHandlerClass(request, client_address, self)


class HttpService(object):
    """One listening address:port serving one API (HTTPS unless ``tls`` is None).

    ``dispatch(request) -> Response`` is the API. ``tls`` is ``(cert_chain_pem, key_pem)`` or a callable
    ``sni -> (chain, key)`` for SNI-dependent certificates.
    """

    def __init__(self, name, ip, port, dispatch, tls=None, log=None, faults=None, tick=None):
        self.name = name
        self.ip = ip
        self.port = port
        self._dispatch = dispatch
        self.tls = tls
        self.log = log
        self.faults = faults
        self.tick = tick
        self.server = None
        self.thread = None

    def dispatch(self, request):
        """Run the API (after applying due deferred effects)."""
        if self.tick:
            self.tick()
        return self._dispatch(request)

    def log_request(self, request, status, started, note=None):
        """Append to the request log."""
        if self.log is not None:
            self.log.append(request.service, request.method, request.path, status, time.time() - started,
                            body=request.body if request.method in WRITE_METHODS else None,
                            client_ip=request.client_ip, note=note,
                            write=request.method in WRITE_METHODS and not request.context.get("read_only"),
                            query="&".join("%s=%s" % (k, v) for k, vs in sorted(request.query.items()) for v in vs) or None)

    def start(self):
        """Bind and serve in a daemon thread."""
        self.server = _Server((self.ip, self.port), _Handler)
        self.server.service = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            chain, key = self.tls
            with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as handle:
                handle.write(chain if chain.endswith("\n") else chain + "\n")
                handle.write(key)
                path = handle.name
            try:
                context.load_cert_chain(path)
            finally:
                os.unlink(path)
            self.server.ssl_context = context
        self.thread = threading.Thread(target=self.server.serve_forever, name="lab-%s-%d" % (self.name, self.port), daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop serving and free the port."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
