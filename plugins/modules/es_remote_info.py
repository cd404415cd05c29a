#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_remote_info
short_description: Tell whether remote clusters are connected, and if not, why and what to do
version_added: 0.1.0
description:
  - Reads C(GET _remote/info) on the B(local) cluster for one alias, a list, or every configured remote cluster, and
    (unless O(resolve=false)) C(GET _resolve/cluster), which forces a real connection attempt and reports its error
    (C(_remote/info) alone only says whether a connection is open right now, and Elasticsearch connects lazily).
  - For each alias - the configured mode, address and server name, whether it is connected, the security model
    (V(api_key) when the local keystore holds credentials for the alias, else V(certificate)), the sockets, the remote's
    version, C(skip_unavailable), a RV(remote_clusters.verdict) and a RV(remote_clusters.diagnosis) in words with a fix.
  - The diagnosis is drawn from what Elasticsearch reports - credentials missing or not loaded, certificate not trusted,
    server name (SNI) not covered or not routed, incompatible versions, traffic filters, unreachable or filtered
    address, the port of the other security model, an invalid, expired or REST API key. Errors it does not recognise are
    passed through verbatim.
  - Through the ECE pass-through (O(es_deployment_id)) the module also reads the names in the deployment's keystore, to
    tell credentials that are missing from credentials that were stored but not loaded yet.
  - C(_resolve/cluster) needs Elasticsearch 8.13 (8.18 without an index expression; before, C(<alias>:*) is resolved).
    Older clusters get the verdict of C(_remote/info) only.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.elasticsearch
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.info_module
  - eceops.remote_clusters.attributes.actiongroup_es
options:
  alias:
    description:
      - The aliases to report (one name or a list). Default - every remote cluster configured on the local cluster.
      - A requested alias that is not configured is reported with the verdict V(not_configured).
    type: list
    elements: str
    aliases: [aliases]
  resolve:
    description:
      - Force a connection attempt with C(GET _resolve/cluster) and use its answer (connected, error, remote version).
      - Needs C(view_index_metadata) on the remote indices; when the call is refused the module falls back to
        C(_remote/info) and says so in RV(resolve_error).
    type: bool
    default: true
  resolve_timeout:
    description:
      - Seconds Elasticsearch waits for each remote in C(_resolve/cluster) (8.18 and later; earlier versions wait up to
        the transport connect timeout, typically 30 seconds). Elasticsearch handles at most 9 seconds here.
    type: int
    default: 9
  wait:
    description:
      - Poll until every requested alias (every configured one without O(alias)) is connected, or O(wait_timeout) passes.
      - The result then is the last look; with O(fail_on_disconnected) the task fails when an alias is still not connected.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 60
  poll_interval:
    description: Seconds between two looks with O(wait).
    type: float
    default: 2
  fail_on_disconnected:
    description: Fail (with every diagnosis in the message) when a requested alias is not connected.
    type: bool
    default: false
  search_index:
    description:
      - After looking, run a real cross-cluster search C(<alias>:<search_index>) (size 1, only reads) for every requested
        alias that is connected, and report the hits and the remote cluster's status in RV(searches).
      - This is the functional check that a connection is usable by searches, not only open.
      - With O(fail_on_disconnected) a search that fails or finds no hit fails the task too.
    type: str
notes:
  - Needs the C(monitor) cluster privilege on the local cluster.
seealso:
  - module: eceops.remote_clusters.es_remote_cluster
  - module: eceops.remote_clusters.remote_port_check
'''

EXAMPLES = r'''
- name: Is the remote cluster connected? If not, why?
  eceops.remote_clusters.es_remote_info:
    es_url: https://search.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    alias: logs
  register: remote

- name: Show the diagnosis
  ansible.builtin.debug:
    msg: "{{ remote.remote_clusters.logs.verdict }}: {{ remote.remote_clusters.logs.diagnosis.summary }}"

- name: Wait until every remote cluster of an ECE deployment is connected, fail with the reasons otherwise
  eceops.remote_clusters.es_remote_info:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    es_deployment_id: "{{ search_deployment_id }}"
    wait: true
    wait_timeout: 120
    fail_on_disconnected: true

- name: All remote clusters with the connection set once
  module_defaults:
    group/eceops.remote_clusters.elasticsearch:
      es_url: https://es.example.com:9200
      es_api_key: "{{ vault_es_api_key }}"
  eceops.remote_clusters.es_remote_info:
    resolve: false
'''

RETURN = r'''
searches:
  description:
    - Per alias, the verification search of O(search_index) - C(index) searched, C(ok) (the remote answered and
      returned hits), C(hits) (total), C(status) of the remote in C(_clusters.details) (successful, skipped, failed),
      C(took_ms), and C(error) (the failure in Elasticsearch's words).
  returned: when O(search_index) is set
  type: dict
  sample: {"logs": {"index": "logs:logs-lab", "ok": true, "hits": 3, "status": "successful", "took_ms": 12, "error": null}}
remote_clusters:
  description: One entry per alias, keyed by alias.
  returned: always
  type: dict
  sample:
    logs:
      alias: logs
      configured: true
      mode: proxy
      proxy_address: "abc123.ece.example.com:9443"
      server_name: abc123.ece.example.com
      connected: false
      model: certificate
      verdict: not_connected
      diagnosis:
        code: credentials_missing
        summary: "abc123.ece.example.com:9443 is the remote cluster server port (API key model), but ..."
        fix: "create a cross-cluster API key on the remote cluster ..."
        reference: F5
        error: "Cross cluster requests through the dedicated remote cluster server port require transport header ..."
  contains:
    alias: {description: "The alias.", type: str}
    configured: {description: "Whether the alias is configured (appears in C(_remote/info)).", type: bool}
    mode: {description: "C(proxy) or C(sniff).", type: str}
    proxy_address: {description: "The proxy address (proxy mode).", type: str}
    server_name: {description: "The TLS server name (proxy mode; null when not set).", type: str}
    seeds: {description: "The seed nodes (sniff mode).", type: list, elements: str}
    connected: {description: "Whether the alias is connected.", type: bool}
    model:
      description: C(api_key) when C(_remote/info) shows C(cluster_credentials) (credentials loaded), else C(certificate).
      type: str
    sockets_connected: {description: "Open proxy sockets (proxy mode) or connected nodes (sniff mode).", type: int}
    sockets_max: {description: "The maximum of RV(remote_clusters.sockets_connected).", type: int}
    initial_connect_timeout: {description: "The initial connect timeout.", type: str}
    skip_unavailable: {description: "The C(skip_unavailable) value in force.", type: bool}
    remote_version: {description: "The remote's version (from C(_resolve/cluster) when connected).", type: str}
    error: {description: "The error C(_resolve/cluster) reported for the alias, verbatim.", type: str}
    verdict: {description: "C(connected), C(not_connected) or C(not_configured).", type: str}
    diagnosis:
      description: Why, in words, and the fix.
      type: dict
      contains:
        code:
          description:
            - A stable code - C(connected), C(not_configured), C(not_connected) (no error known), C(credentials_missing),
              C(credentials_not_loaded), C(credentials_alias_mismatch), C(wrong_port_api_key), C(rest_api_key),
              C(invalid_api_key), C(expired_api_key), C(unauthorized), C(no_remote_indices), C(hostname_mismatch),
              C(sni_not_routable), C(certificate_expired), C(certificate_not_trusted), C(not_trusted_by_remote),
              C(incompatible_version), C(api_key_model_version), C(license), C(filtered), C(connect_timeout),
              C(unreachable), C(unknown_host), C(wrong_protocol), C(tls_client_disabled), C(handshake_timeout),
              C(connection_closed), C(keystore_inconsistent) or C(unknown) (the error is passed through verbatim).
          type: str
        summary: {description: "What is wrong (or the connection when connected).", type: str}
        fix: {description: "What to do (null when connected).", type: str}
        reference: {description: "The failure mode of the collection's research notes (F1 to F23, R1 to R13).", type: str}
        error: {description: "Elasticsearch's own error text, when there is one.", type: str}
    notes: {description: "Advice that does not stop the connection (deprecated model, unsupported CCS versions).", type: list, elements: str}
all_connected:
  description: Whether every reported alias is connected (false when none is configured).
  returned: always
  type: bool
not_connected:
  description: The aliases whose verdict is not C(connected).
  returned: always
  type: list
  elements: str
local_version:
  description: The local cluster's version.
  returned: always
  type: str
  sample: 9.1.3
resolve_used:
  description: Whether C(_resolve/cluster) was used (false with O(resolve=false), before 8.13, or when refused).
  returned: always
  type: bool
resolve_error:
  description: Why C(_resolve/cluster) could not be used, when it was refused.
  returned: when C(_resolve/cluster) was refused
  type: str
keystore_names:
  description: The C(cluster.remote.*.credentials) names of the ECE deployment's keystore (through O(es_deployment_id) only).
  returned: when read through the ECE pass-through
  type: list
  elements: str
'''

import time

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import (
    ModuleParameterError, RemoteClustersModule)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import ApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import validate_alias
from ansible_collections.eceops.remote_clusters.plugins.module_utils._diagnosis import (
    CONNECTED, report, resolve_request, summarize)


def validate(params):
    """Check the requested aliases and numbers before any request."""
    for alias in params.get("alias") or []:
        errors = validate_alias(alias)
        if errors:
            raise ModuleParameterError("alias", "; ".join(errors))
    for name in ("wait_timeout", "resolve_timeout"):
        if params[name] < 0:
            raise ModuleParameterError(name, "must be 0 or more, got %d" % params[name])
    index = params.get("search_index")
    if index is not None and (not index.strip() or any(c in index for c in ":/ ,#\\")):
        raise ModuleParameterError("search_index", "%r is not one index name or pattern on the remote" % index,
                                   "Give the index part only (for example logs-*); the module prefixes each alias")


def keystore_names(module):
    """The credentials names of the ECE deployment's keystore (ECE pass-through only), or None."""
    deployment_id = module.params.get("es_deployment_id")
    if not deployment_id or not module.params.get("ece_url"):
        return None
    try:
        body = module.ece.get(api_path("/deployments/{deployment_id}/elasticsearch/{ref_id}/keystore",
                                       deployment_id=deployment_id, ref_id=module.params.get("es_ref_id") or "_main")).body or {}
    except ApiError:
        return None
    return sorted(name for name in (body.get("secrets") or {}) if name.startswith("cluster.remote.") and name.endswith(".credentials"))


def look(module, version, state):
    """One look: ``{alias: report}`` for the requested (or every configured) alias."""
    es = module.es
    params = module.params
    info = es.get("/_remote/info").body or {}
    aliases = list(params.get("alias") or sorted(info))
    configured = [alias for alias in aliases if alias in info]
    resolved = None
    request = None
    if params["resolve"] and not state.get("resolve_error"):
        request = resolve_request(version, configured, "%ds" % max(1, params["resolve_timeout"]))
        if request is not None:
            try:
                resolved = es.get(request[0], params=request[1] or None).body or {}
            except EsApiError as exc:
                if exc.status not in (400, 403, 404):
                    raise
                state["resolve_error"] = str(exc)
                request = None
            else:
                info = es.get("/_remote/info").body or {}
    state["resolve_used"] = resolved is not None
    supported = None
    if params["resolve"] and version is not None and resolve_request(version, ["any"]) is None:
        supported = False
    names = state.get("keystore_names")
    return dict((alias, report(alias, info.get(alias), (resolved or {}).get(alias) if resolved is not None else None,
                               local_version=version, keystore_names=names, resolve_supported=supported,
                               configured_aliases=sorted(info)))
                for alias in aliases)


def gather(module):
    """Read, diagnose, optionally wait and fail."""
    params = module.params
    validate(params)
    es = module.es
    version = es.version
    state = {"keystore_names": keystore_names(module)}
    reports = look(module, version, state)
    if params["wait"]:
        deadline = time.monotonic() + params["wait_timeout"]
        interval = max(0.1, params["poll_interval"])
        while not (reports and all(item["verdict"] == CONNECTED for item in reports.values())):
            if time.monotonic() + interval > deadline:
                break
            time.sleep(interval)
            reports = look(module, version, state)
    module.result.update(
        remote_clusters=reports,
        all_connected=bool(reports) and all(item["verdict"] == CONNECTED for item in reports.values()),
        not_connected=sorted(alias for alias, item in reports.items() if item["verdict"] != CONNECTED),
        local_version=version,
        resolve_used=bool(state.get("resolve_used")),
    )
    if state.get("resolve_error"):
        module.result["resolve_error"] = state["resolve_error"]
    if state.get("keystore_names") is not None:
        module.result["keystore_names"] = state["keystore_names"]
    if params["search_index"]:
        module.result["searches"] = dict((alias, verify_search(es, alias, params["search_index"]))
                                         for alias, item in sorted(reports.items()) if item["verdict"] == CONNECTED)
    if params["fail_on_disconnected"] and module.result["not_connected"]:
        failing = [reports[alias] for alias in module.result["not_connected"]]
        module.fail_json(msg="not connected - %s" % summarize(failing), **module.result)
    bad = sorted(alias for alias, item in (module.result.get("searches") or {}).items() if not item["ok"])
    if params["fail_on_disconnected"] and bad:
        module.fail_json(msg="connected, but the verification search failed - %s" % "; ".join(
            "%s: %s" % (alias, module.result["searches"][alias]["error"] or "no hits in %s" % module.result["searches"][alias]["index"])
            for alias in bad), **module.result)


def verify_search(es, alias, index):
    """``GET <alias>:<index>/_search?size=1``: whether the remote answered with hits."""
    target = "%s:%s" % (alias, index)
    out = {"index": target, "ok": False, "hits": None, "status": None, "took_ms": None, "error": None}
    try:
        body = es.get("/%s/_search" % quote(target, safe=":*"), params={"size": "1"}).body or {}
    except EsApiError as exc:
        out["error"] = exc.reason
        return out
    total = ((body.get("hits") or {}).get("total"))
    out["hits"] = total.get("value") if isinstance(total, dict) else total
    out["took_ms"] = body.get("took")
    details = ((body.get("_clusters") or {}).get("details") or {}).get(alias) or {}
    out["status"] = details.get("status")
    failures = details.get("failures") or []
    if failures:
        out["error"] = "; ".join(str((f.get("reason") or {}).get("reason") or f.get("reason")) for f in failures)
    out["ok"] = out["status"] in (None, "successful", "partial") and bool(out["hits"])
    return out


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            alias=dict(type="list", elements="str", aliases=["aliases"]),
            resolve=dict(type="bool", default=True),
            resolve_timeout=dict(type="int", default=9),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=60),
            poll_interval=dict(type="float", default=2.0),
            fail_on_disconnected=dict(type="bool", default=False),
            search_index=dict(type="str"),
        ),
        connections=("es", "ece"),
        supports_check_mode=True,
    )
    module.run(gather)


if __name__ == "__main__":
    main()
