# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Client for the Elasticsearch REST API, reached either directly (``es_url``) or through the ECE API's
deployment proxy (``/api/v1/deployments/{id}/elasticsearch/{ref_id}/proxy/{path}`` with the
``X-Management-Request: true`` header), so that a user holding only ECE credentials can reach the
Elasticsearch of a deployment.

Errors are raised as :class:`EsApiError` with Elasticsearch's ``error.type``, ``error.reason`` and
``root_cause``. Through the ECE proxy, an error of ECE itself (for example an unknown deployment) arrives as
a ``BasicFailedReply`` and is reported with its ECE code.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import (
    API_PREFIX, api_path, parse_basic_failed_reply)


class EsApiError(ApiError):
    """A failed Elasticsearch call."""

    api_name = "Elasticsearch"

    @property
    def error_type(self):
        """Elasticsearch's ``error.type`` (e.g. ``illegal_argument_exception``)."""
        return self.details.get("type")

    @property
    def reason(self):
        """Elasticsearch's ``error.reason``."""
        return self.details.get("reason") or self.api_message

    @property
    def root_cause(self):
        """Elasticsearch's ``error.root_cause`` list."""
        return self.details.get("root_cause") or []


def parse_es_error(status, body):
    """``(code, message, details)`` from an Elasticsearch error body (object or plain-string ``error``)."""
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        if isinstance(error, str):
            return None, error, {"type": None, "reason": error, "root_cause": []}
        if isinstance(error, dict):
            etype = error.get("type")
            reason = error.get("reason") or ""
            root_cause = [dict((key, cause.get(key)) for key in ("type", "reason") if key in cause)
                          for cause in (error.get("root_cause") or []) if isinstance(cause, dict)]
            caused_by = error.get("caused_by") if isinstance(error.get("caused_by"), dict) else None
            message = reason
            if caused_by and caused_by.get("reason") and caused_by.get("reason") not in message:
                message = "%s (caused by %s: %s)" % (message, caused_by.get("type"), caused_by.get("reason"))
            if root_cause and root_cause[0].get("reason") and root_cause[0].get("reason") not in message:
                message = "%s (root cause %s: %s)" % (message, root_cause[0].get("type"), root_cause[0].get("reason"))
            details = {"type": etype, "reason": reason, "root_cause": root_cause}
            if caused_by:
                details["caused_by"] = {"type": caused_by.get("type"), "reason": caused_by.get("reason")}
            return etype, message or str(etype), details
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        code, message, details = parse_basic_failed_reply(status, body)
        details["type"] = None
        details["reason"] = message
        details["ece_code"] = code
        return code, message, details
    if isinstance(body, dict):
        return None, json.dumps(body, sort_keys=True)[:2000], {"type": None, "reason": None, "root_cause": []}
    text = (body or "").strip()
    return None, text[:2000] or "empty response", {"type": None, "reason": text or None, "root_cause": []}


def unwrap_proxy_body(body):
    """The ECE spec documents the proxy's answer as ``GenericResponse {"value": "<string>"}``; accept it.

    Real ECE passes the Elasticsearch body through; when a body has exactly one key ``value`` holding a JSON
    text, it is the documented wrapper and the Elasticsearch body is inside.
    """
    if isinstance(body, dict) and list(body.keys()) == ["value"] and isinstance(body["value"], str):
        text = body["value"].strip()
        if text[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return body
    return body


def _json_or_text(response):
    try:
        return response.json()
    except ValueError:
        return response.text


class EsClient(HttpClient):
    """Elasticsearch client, direct or through the ECE deployment proxy."""

    error_class = EsApiError

    def __init__(self, url=None, via_ece=None, **kwargs):
        """``url``: the Elasticsearch URL. ``via_ece``: dict with ``url``, ``deployment_id``, ``ref_id`` (the
        credentials are then the ECE ones, passed as usual in kwargs)."""
        self.via_ece = via_ece
        if via_ece:
            ece_url = via_ece["url"].rstrip("/")
            if ece_url.endswith(API_PREFIX):
                ece_url = ece_url[:-len(API_PREFIX)]
            base = ece_url + API_PREFIX + api_path("/deployments/{deployment_id}/elasticsearch/{ref_id}/proxy",
                                                   deployment_id=via_ece["deployment_id"],
                                                   ref_id=via_ece.get("ref_id") or "_main")
            resource = api_path("/deployments/{deployment_id}/elasticsearch/{ref_id}",
                                deployment_id=via_ece["deployment_id"], ref_id=via_ece.get("ref_id") or "_main")
            self._ece_resource_url = ece_url + API_PREFIX + resource
        elif url:
            base = url
        else:
            raise ValueError("an Elasticsearch URL or an ECE deployment to proxy through is required")
        self._info = None
        super(EsClient, self).__init__(base, **kwargs)

    def default_request_headers(self, path):
        if self.via_ece:
            return {"X-Management-Request": "true"}
        return {}

    def parse_error(self, status, body):
        return parse_es_error(status, unwrap_proxy_body(body))

    def request(self, method, path, **kwargs):  # pylint: disable=arguments-differ
        response = super(EsClient, self).request(method, path, **kwargs)
        if self.via_ece:
            response.body = unwrap_proxy_body(response.body)
        return response

    def info(self, refresh=False):
        """``GET /`` (cached): cluster name, UUID and version.

        Through the ECE proxy the path cannot be empty, so the same facts come from the ECE API's view of the
        resource instead (cluster ID as name, the plan's version).
        """
        if self._info is None or refresh:
            if self.via_ece:
                self._info = self._info_from_ece()
            else:
                self._info = self.get("/").body or {}
        return self._info

    def _info_from_ece(self):
        response = self.session.request("GET", self._ece_resource_url, timeout=self.timeout, verify=self.verify)
        body = unwrap_proxy_body(_json_or_text(response))
        if response.status_code != 200:
            raise self.make_error(response.status_code, body, "GET", self._ece_resource_url.split(API_PREFIX, 1)[-1])
        info = (body or {}).get("info") or {}
        plan = ((info.get("plan_info") or {}).get("current") or {}).get("plan") or {}
        version = (plan.get("elasticsearch") or {}).get("version")
        if not version:
            versions = [i.get("service_version") for i in (info.get("topology") or {}).get("instances", []) if i.get("service_version")]
            version = max(versions) if versions else None
        return {"cluster_name": info.get("cluster_id"), "name": None, "cluster_uuid": None,
                "version": {"number": version}, "source": "ece"}

    @property
    def version(self):
        """The cluster's version number (``version.number``)."""
        return (self.info().get("version") or {}).get("number")

    def authenticate(self):
        """``GET /_security/_authenticate``: who the client is (and whether it is an API key)."""
        return self.get("/_security/_authenticate").body or {}
