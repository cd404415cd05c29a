# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

The HTTP layer shared by the ECE and the Elasticsearch clients: one ``requests.Session`` per client,
authentication (``Authorization: ApiKey ...`` or basic auth), TLS (verification on by default, optional
CA file), timeouts, retries with exponential backoff and jitter that honour ``Retry-After``, and one
exception type per API that carries the API's own error message and never a secret.

Retry policy:

* idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried on HTTP 429, 502, 503 and 504 and on
  connection errors and read timeouts;
* POST and PATCH are retried only when the request cannot have been applied: HTTP 429 (the server refused
  it before doing anything) and failures to *establish* the connection. A POST that reached the server and
  then failed (502/503/504, a read timeout, a reset) is never sent again.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import email.utils
import json
import random
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    HTTPAdapter = object
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.eceops.remote_clusters.plugins.module_utils._resolve import install_resolver

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
REDACTED = "********"
USER_AGENT = "eceops.remote_clusters/0.1.0"


class ApiError(Exception):
    """A failed API call. The text never contains a credential or a request body."""

    api_name = "API"

    def __init__(self, message, status=None, method=None, path=None, code=None, details=None, retryable=False):
        self.status = status
        self.method = method
        self.path = path
        self.code = code
        self.api_message = message
        self.details = details or {}
        self.retryable = retryable
        super(ApiError, self).__init__(self._render())

    def _render(self):
        where = " ".join(part for part in (self.method, self.path) if part)
        status = "HTTP %s" % self.status if self.status is not None else "no response"
        code = " [%s]" % self.code if self.code else ""
        prefix = "%s %s answered %s" % (self.api_name, where, status) if where else "%s answered %s" % (self.api_name, status)
        return "%s%s: %s" % (prefix, code, self.api_message)

    def to_result(self):
        """A JSON-safe description for module results (``api_error``)."""
        result = {
            "api": self.api_name,
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "code": self.code,
            "message": self.api_message,
        }
        result.update(self.details)
        return result


class CheckModeWriteError(Exception):
    """Raised when code tries to send a write while the client is read-only (check mode): always a bug."""


class ApiResponse(object):
    """The parts of an HTTP response the modules use."""

    def __init__(self, status, headers, body, method, path):
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self.path = path

    @property
    def json(self):
        """The parsed body (None when the body was empty)."""
        return self.body

    def header(self, name, default=None):
        """A response header, case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None when absent or bad."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt, base, maximum, retry_after=None, rand=random.random):
    """Delay before retry number ``attempt`` (1-based): exponential with jitter, never below Retry-After.

    The exponential part is ``base * 2 ** (attempt - 1)`` scaled by a random factor in [0.5, 1.0) (jitter)
    and capped at ``maximum``. A ``Retry-After`` from the server wins when it is longer, capped at
    ``maximum`` too, so a server cannot park a playbook for hours.
    """
    delay = min(maximum, base * (2 ** (attempt - 1))) * (0.5 + rand() / 2.0)
    if retry_after is not None:
        delay = max(delay, min(maximum, retry_after))
    return delay


class Redactor(object):
    """Removes known secret values from any text before it leaves the client."""

    def __init__(self):
        self._secrets = set()

    def add(self, *values):
        """Register values that must never appear in output (short values are ignored to avoid noise)."""
        for value in values:
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            if len(text) >= 4:
                self._secrets.add(text)

    def __call__(self, text):
        if text is None:
            return None
        if not isinstance(text, str):
            text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def scrub(self, data):
        """Return a copy of JSON-like data with secret values replaced."""
        if isinstance(data, dict):
            return dict((key, self.scrub(value)) for key, value in data.items())
        if isinstance(data, list):
            return [self.scrub(value) for value in data]
        if isinstance(data, str):
            return self(data)
        return data


class _NoRetryAdapter(HTTPAdapter):  # pylint: disable=too-few-public-methods
    """urllib3 retries are disabled: the client does its own, method-aware, retrying."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_retries", 0)
        super(_NoRetryAdapter, self).__init__(*args, **kwargs)


class HttpClient(object):
    """A JSON-over-HTTPS client with authentication, TLS options, timeouts and retries.

    Subclasses set ``error_class`` and implement ``parse_error(status, body, text)``.
    """

    error_class = ApiError

    def __init__(self, base_url, api_key=None, username=None, password=None, validate_certs=True, ca_path=None,
                 timeout=30.0, retries=3, backoff=0.5, backoff_max=30.0, headers=None, sleep=None, session=None,
                 read_only=False, rand=None):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library 'requests' is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_max = float(backoff_max)
        self.read_only = read_only
        self.redact = Redactor()
        self.redact.add(api_key, password)
        self.calls = []
        self._sleep = sleep or time.sleep
        self._rand = rand or random.random
        self.session = session or requests.Session()
        self.session.trust_env = True
        if session is None:
            adapter = _NoRetryAdapter()
            self.session.mount("https://", adapter)
            self.session.mount("http://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if headers:
            self.session.headers.update(headers)
        if api_key:
            self.session.headers["Authorization"] = "ApiKey %s" % api_key
        elif username is not None:
            self.session.auth = (username, password or "")
        # ``verify`` is passed with every request: requests lets REQUESTS_CA_BUNDLE override a session-level value.
        if not validate_certs:
            self.verify = False
            try:
                requests.packages.urllib3.disable_warnings()  # pylint: disable=no-member
            except AttributeError:  # pragma: no cover
                pass
        elif ca_path:
            self.verify = ca_path
        else:
            self.verify = True
        self.session.verify = self.verify
        install_resolver()

    # -- public API -----------------------------------------------------------------------------------------
    def add_secret(self, *values):
        """Values (e.g. an encoded key being stored) that must never appear in an error or a log."""
        self.redact.add(*values)

    def get(self, path, **kwargs):
        """GET ``path`` and return the ApiResponse."""
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        """POST ``path`` and return the ApiResponse."""
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        """PUT ``path`` and return the ApiResponse."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        """PATCH ``path`` and return the ApiResponse."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE ``path`` and return the ApiResponse."""
        return self.request("DELETE", path, **kwargs)

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, ok=None, missing_ok=False,
                read=False, timeout=None):
        """Send one request (with retries) and return an ApiResponse.

        ``ok`` is the set of statuses that count as success (default: any 2xx). With ``missing_ok`` a 404 is
        returned as a response instead of raising. ``read=True`` marks a POST that only reads (a search), so it
        is allowed in check mode.
        """
        method = method.upper()
        if self.read_only and method in WRITE_METHODS and not read:
            raise CheckModeWriteError("refusing to send %s %s in check mode" % (method, path))
        url = self.url_for(path)
        send_headers = dict(self.default_request_headers(path))
        if headers:
            send_headers.update(headers)
        if json_body is not None:
            data = json.dumps(json_body, separators=(",", ":"))
            send_headers.setdefault("Content-Type", "application/json")
        elif data is not None and not isinstance(data, (bytes, str)):
            data = json.dumps(data, separators=(",", ":"))
            send_headers.setdefault("Content-Type", "application/json")
        elif data is not None:
            send_headers.setdefault("Content-Type", "application/json")
        attempt = 0
        while True:
            attempt += 1
            started = time.time()
            try:
                response = self.session.request(method, url, params=params, data=data, headers=send_headers,
                                                timeout=timeout or self.timeout, verify=self.verify)
            except requests.exceptions.RequestException as exc:
                connect_phase = _failed_before_sending(exc)
                self._record(method, path, None, started)
                if attempt <= self.retries and (method in IDEMPOTENT_METHODS or connect_phase):
                    self._sleep(backoff_delay(attempt, self.backoff, self.backoff_max, rand=self._rand))
                    continue
                raise self._transport_error(exc, method, path)
            self._record(method, path, response.status_code, started)
            status = response.status_code
            if status in RETRY_STATUSES and attempt <= self.retries and (method in IDEMPOTENT_METHODS or status == 429):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self._sleep(backoff_delay(attempt, self.backoff, self.backoff_max, retry_after=retry_after, rand=self._rand))
                continue
            body = _decode_body(response)
            if (ok is not None and status in ok) or (ok is None and 200 <= status < 300):
                return ApiResponse(status, dict(response.headers), body, method, path)
            if missing_ok and status == 404:
                return ApiResponse(status, dict(response.headers), body, method, path)
            raise self.make_error(status, body, method, path, retryable=status in RETRY_STATUSES)

    # -- extension points -----------------------------------------------------------------------------------
    def url_for(self, path):
        """The absolute URL for an API path."""
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    def default_request_headers(self, path):  # pylint: disable=unused-argument
        """Headers added to every request (the ES pass-through adds ``X-Management-Request``)."""
        return {}

    def parse_error(self, status, body):
        """Return ``(code, message, details)`` from an error body; subclasses know the API's shape."""
        if isinstance(body, dict):
            return None, json.dumps(body, sort_keys=True)[:2000], {}
        return None, (body or "").strip()[:2000] or "empty response", {}

    def make_error(self, status, body, method, path, retryable=False):
        """Build the API's exception for an error response, with secrets scrubbed."""
        code, message, details = self.parse_error(status, body)
        if status in (401,) and not message:
            message = "authentication failed"
        return self.error_class(self.redact(message), status=status, method=method, path=self.redact(path),
                                code=code, details=self.redact.scrub(details), retryable=retryable)

    # -- helpers --------------------------------------------------------------------------------------------
    def _transport_error(self, exc, method, path):
        message = _describe_transport_error(exc)
        return self.error_class(self.redact(message), status=None, method=method, path=self.redact(path),
                                code="transport_error", retryable=True)

    def _record(self, method, path, status, started):
        self.calls.append({"method": method, "path": self.redact(path), "status": status,
                           "duration_ms": int((time.time() - started) * 1000)})


def _decode_body(response):
    text = response.text if response.content else ""
    if not text:
        return None
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _failed_before_sending(exc):
    """True when the connection was never established, so the request cannot have reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        markers = ("NewConnectionError", "Failed to establish", "NameResolutionError", "Name or service not known", "Connection refused")
        return any(marker in text for marker in markers)
    return False


def _describe_transport_error(exc):
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            detail = "the server certificate is not trusted (set the CA file option, or validate_certs=false for a test system)"
            if "hostname" in text.lower() or "IP address mismatch" in text:
                detail = "the server certificate does not match the host name in the URL"
            return "TLS verification failed: %s (%s)" % (detail, _short(text))
        return "TLS handshake failed: %s" % _short(text)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timed out: %s" % _short(text)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "no answer before the timeout: %s" % _short(text)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "refused" in text:
            return "connection refused: is the address and port right? (%s)" % _short(text)
        if "Name or service not known" in text or "NameResolutionError" in text or "nodename nor servname" in text:
            return "the host name does not resolve: %s" % _short(text)
        return "connection failed: %s" % _short(text)
    return "request failed: %s" % _short(text)


def _short(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."
