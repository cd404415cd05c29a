# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Client for the Elastic Cloud Enterprise REST API (``https://<coordinator>:12443/api/v1``).

Errors are raised as :class:`EceApiError`, which carries the HTTP status, the ECE error ``code`` and
``message`` from the ``BasicFailedReply`` body (``{"errors": [{"code", "message", "fields"}]}``), and the
method and path of the call.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the sanity compile test
    from urllib import quote  # type: ignore

from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import ApiError, HttpClient

API_PREFIX = "/api/v1"
RESOURCE_VERSION_HEADER = "x-cloud-resource-version"


class EceApiError(ApiError):
    """A failed ECE API call."""

    api_name = "ECE API"

    @property
    def codes(self):
        """Every error code of the reply."""
        return [error.get("code") for error in self.details.get("errors", []) if isinstance(error, dict)]

    @property
    def fields(self):
        """Request fields that the API tied the error to."""
        fields = []
        for error in self.details.get("errors", []):
            if isinstance(error, dict):
                fields.extend(error.get("fields") or [])
        return fields


def parse_basic_failed_reply(status, body):
    """``(code, message, details)`` from an ECE ``BasicFailedReply`` (or anything else the server sent)."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        errors = [error for error in body["errors"] if isinstance(error, dict)]
        codes = [str(error.get("code")) for error in errors if error.get("code")]
        messages = []
        for error in errors:
            message = str(error.get("message") or "").strip()
            fields = error.get("fields") or []
            if fields:
                message = "%s (fields: %s)" % (message, ", ".join(str(field) for field in fields))
            if message:
                messages.append(message)
        details = {"errors": [dict((key, error.get(key)) for key in ("code", "message", "fields") if key in error)
                              for error in errors]}
        return (codes[0] if codes else None), "; ".join(messages) or "no message", details
    if isinstance(body, dict):
        return None, str(body)[:2000], {}
    text = (body or "").strip()
    if not text:
        text = {401: "authentication failed (no body)", 403: "forbidden (no body)", 404: "not found (no body)"}.get(
            status, "empty response")
    return None, text[:2000], {}


def api_path(template, **parts):
    """Fill a path template, URL-quoting every part (``/deployments/{deployment_id}``)."""
    quoted = dict((key, quote(str(value), safe="")) for key, value in parts.items())
    return template.format(**quoted)


class EceClient(HttpClient):
    """ECE API client. Paths are given relative to ``/api/v1``."""

    error_class = EceApiError

    def __init__(self, url, **kwargs):
        base = url.rstrip("/")
        if base.endswith(API_PREFIX):
            base = base[:-len(API_PREFIX)]
        self.root_url = base
        super(EceClient, self).__init__(base + API_PREFIX, **kwargs)

    def parse_error(self, status, body):
        return parse_basic_failed_reply(status, body)

    @staticmethod
    def resource_version(response):
        """The ``x-cloud-resource-version`` header of a response (for ``version=`` on updates), or None."""
        return response.header(RESOURCE_VERSION_HEADER)
