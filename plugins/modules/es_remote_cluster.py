#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: es_remote_cluster
short_description: Manage the remote clusters of an Elasticsearch cluster (cluster.remote.<alias>.* settings)
version_added: 0.1.0
description:
  - Creates, updates and removes remote clusters through C(PUT _cluster/settings) on the B(local) cluster (the one that
    searches or follows), one alias per call (O(alias)) or several at once (O(remote_clusters)).
  - Compares the desired settings with C(GET _cluster/settings) after normalising them (Elasticsearch returns every value
    as a string) and sends one request only when something differs, so a second run changes nothing and sends no write.
    Settings of the alias that the task does not mention are left alone; settings of other aliases are never touched.
  - Switching the mode (proxy to sniff or back) sends the new mode, the new address and V(null) for every setting of the
    old mode in the same request, as Elasticsearch requires. Removing an alias sets every one of its settings to V(null).
  - Every alias and option is checked before any request (alias characters, C(host:port) with a port, IPv6 in brackets,
    options of the other mode), with a message that names the option and what to do.
  - With O(wait_for_connection), forces a connection attempt (C(GET _resolve/cluster), 8.13 and later) until the remote is
    connected or O(wait_timeout) passes, and on failure says why (credentials missing, certificate not trusted, wrong port
    for the security model, invalid API key, ...) and how to fix it.
  - The API key of the API key security model is not a cluster setting - it lives in the keystore as
    C(cluster.remote.<alias>.credentials) (see M(eceops.remote_clusters.es_cross_cluster_api_key) and
    M(eceops.remote_clusters.es_secure_settings_reload)).
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.elasticsearch
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_es
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the C(cluster.remote.<alias>.*) settings of the aliases of the task, per scope, before and after.
options:
  alias:
    description:
      - The remote cluster alias (the name CCS expressions C(<alias>:<index>) and CCR use). ASCII letters, digits, V(_) and
        V(-) only; lowercase is safest (the ECE keystore UI requires it, and aliases are case-sensitive).
      - Exactly one of O(alias) and O(remote_clusters) is required.
    type: str
  remote_clusters:
    description:
      - Several remote clusters in one task, each with the options of a single alias. Applied in one request.
      - Cannot be combined with O(alias) or the per-alias options at the top level.
    type: list
    elements: dict
    suboptions:
      alias:
        description: The remote cluster alias, see O(alias).
        type: str
        required: true
      state:
        description: V(present) or V(absent) for this alias. Defaults to O(state).
        type: str
        choices: [present, absent]
      mode:
        description: See O(mode).
        type: str
        choices: [proxy, sniff]
        default: proxy
      proxy_address:
        description: See O(proxy_address).
        type: str
      server_name:
        description: See O(server_name).
        type: str
      proxy_socket_connections:
        description: See O(proxy_socket_connections).
        type: int
      seeds:
        description: See O(seeds).
        type: list
        elements: str
      node_connections:
        description: See O(node_connections).
        type: int
      skip_unavailable:
        description: See O(skip_unavailable).
        type: bool
      transport_compress:
        description: See O(transport_compress).
        type: raw
      transport_ping_schedule:
        description: See O(transport_ping_schedule).
        type: raw
      transport_compression_scheme:
        description: See O(transport_compression_scheme).
        type: str
        choices: [deflate, lz4]
  mode:
    description:
      - V(proxy) (one address, typically a proxy or load balancer; the only mode that works for ECE, ECH and ECK remotes)
        or V(sniff) (seed nodes, then the nodes the remote publishes).
      - Always sent, because Elasticsearch's own default is V(sniff).
    type: str
    choices: [proxy, sniff]
    default: proxy
  proxy_address:
    description:
      - Proxy mode - the C(host:port) to connect to, IPv6 addresses in brackets (V([2001:db8::1]:9443)).
      - For an ECE or ECH deployment, its endpoint (C(metadata.endpoint)) with port V(9443) for the API key model or V(9400)
        for the (deprecated) certificate model; for self-managed and ECK remotes, V(9443) or the transport port V(9300).
    type: str
  server_name:
    description:
      - Proxy mode - the TLS server name (SNI) sent to the remote. ECE and ECH proxies route by it - set it to the remote
        deployment's endpoint.
      - An empty string removes the setting.
    type: str
  proxy_socket_connections:
    description: Proxy mode - the number of sockets to open (Elasticsearch's default is 18).
    type: int
  seeds:
    description: Sniff mode - the seed nodes, each C(host:port) (IPv6 in brackets).
    type: list
    elements: str
  node_connections:
    description: Sniff mode - the number of gateway nodes to connect to (Elasticsearch's default is 3).
    type: int
  skip_unavailable:
    description:
      - Whether cross-cluster searches skip this remote when it is unavailable. Only the local cluster's value matters.
      - When not set, Elasticsearch's default applies - V(true) since 8.15, V(false) before; the module reports the value in
        force as RV(remote_cluster.skip_unavailable).
    type: bool
  transport_compress:
    description:
      - C(cluster.remote.<alias>.transport.compress) - V(true), V(false) or V(indexing_data).
      - Changing it reopens the connections; in-flight requests may fail.
    type: raw
  transport_ping_schedule:
    description:
      - C(cluster.remote.<alias>.transport.ping_schedule) - a time value such as V(30s), or V(-1) to disable pings.
      - Changing it reopens the connections. TCP keepalives are usually the better choice.
    type: raw
  transport_compression_scheme:
    description: C(cluster.remote.<alias>.transport.compression_scheme).
    type: str
    choices: [deflate, lz4]
  scope:
    description:
      - Where the settings go. V(transient) settings are deprecated by Elastic (and lost on a full cluster restart); the
        module warns when they are used.
      - With O(state=absent) the alias is removed from both scopes.
    type: str
    choices: [persistent, transient]
    default: persistent
  state:
    description:
      - V(present) creates or updates the alias, V(absent) removes every setting of it.
      - Aliases defined in C(elasticsearch.yml) cannot be removed through the API; the module fails and says so instead of
        reporting a removal that did not happen.
    type: str
    choices: [present, absent]
    default: present
  wait_for_connection:
    description:
      - After the change (or when nothing changed), wait until every present alias of the task is connected, forcing
        connection attempts with C(GET _resolve/cluster) (8.13 and later; older clusters poll C(GET _remote/info)).
      - Fails with the reason and a fix when an alias is not connected within O(wait_timeout). Not done in check mode.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the connection with O(wait_for_connection).
    type: int
    default: 60
  poll_interval:
    description: Seconds between two connection checks with O(wait_for_connection).
    type: float
    default: 2
notes:
  - Needs the C(manage) cluster privilege on the local cluster (C(monitor) to read). O(wait_for_connection) also needs
    C(view_index_metadata) on the remote indices for C(_resolve/cluster); without it the module falls back to
    C(_remote/info).
  - Changing C(transport_compress) or C(transport_ping_schedule) reopens the connections of the alias.
seealso:
  - module: eceops.remote_clusters.es_remote_info
  - module: eceops.remote_clusters.es_cross_cluster_api_key
  - module: eceops.remote_clusters.es_secure_settings_reload
'''

EXAMPLES = r'''
- name: Connect to an ECE deployment with the API key model (the key is already in the keystore)
  eceops.remote_clusters.es_remote_cluster:
    es_url: https://search.example.com:9243
    es_username: elastic
    es_password: "{{ vault_elastic_password }}"
    alias: logs
    proxy_address: "{{ logs_endpoint }}:9443"
    server_name: "{{ logs_endpoint }}"
    skip_unavailable: true
    wait_for_connection: true

- name: The same through the ECE API pass-through, several aliases at once
  eceops.remote_clusters.es_remote_cluster:
    ece_url: https://coordinator.example.com:12443
    ece_api_key: "{{ vault_ece_api_key }}"
    es_deployment_id: "{{ search_deployment_id }}"
    remote_clusters:
      - alias: logs_eu
        proxy_address: "{{ logs_eu_endpoint }}:9443"
        server_name: "{{ logs_eu_endpoint }}"
      - alias: old_remote
        state: absent

- name: Set the connection once for every Elasticsearch task
  module_defaults:
    group/eceops.remote_clusters.elasticsearch:
      es_url: https://es.example.com:9200
      es_username: elastic
      es_password: "{{ vault_elastic_password }}"
      es_ca_path: /etc/pki/es-http-ca.pem
  block:
    - name: A self-managed remote in sniff mode
      eceops.remote_clusters.es_remote_cluster:
        alias: dc2
        mode: sniff
        seeds: ["10.0.2.11:9300", "10.0.2.12:9300"]
        node_connections: 3
        transport_compress: indexing_data

    - name: Remove a remote cluster
      eceops.remote_clusters.es_remote_cluster:
        alias: dc3
        state: absent
'''

RETURN = r'''
remote_cluster:
  description:
    - The alias after the task (in check mode - as it would be), when the task manages one alias (O(alias)).
    - Values are read back from C(GET _cluster/settings).
  returned: when O(alias) is used
  type: dict
  contains:
    alias: {description: "The alias.", type: str, sample: logs}
    present: {description: "Whether the alias has settings in RV(remote_cluster.scope).", type: bool}
    scope: {description: "The scope the settings were read from.", type: str, sample: persistent}
    settings:
      description: Every C(cluster.remote.<alias>.*) setting of the scope, by suffix, as Elasticsearch returns them (strings).
      type: dict
      sample: {mode: proxy, proxy_address: "abc123.ece.example.com:9443", server_name: abc123.ece.example.com}
    mode: {description: "The connection mode.", type: str, sample: proxy}
    proxy_address: {description: "The proxy address (proxy mode).", type: str}
    server_name: {description: "The TLS server name (proxy mode).", type: str}
    proxy_socket_connections: {description: "The number of proxy sockets, when set.", type: int}
    seeds: {description: "The seed nodes (sniff mode).", type: list, elements: str}
    node_connections: {description: "The number of gateway nodes, when set.", type: int}
    skip_unavailable:
      description: The value in force - the setting when set, else the default of the cluster's version (null when unknown).
      type: bool
    skip_unavailable_is_default: {description: "Whether RV(remote_cluster.skip_unavailable) is the version's default.", type: bool}
    transport_compress: {description: "The transport compression, when set.", type: str}
    transport_ping_schedule: {description: "The ping schedule, when set.", type: str}
    transport_compression_scheme: {description: "The compression scheme, when set.", type: str}
    connected: {description: "Whether the alias connected (only with O(wait_for_connection)).", type: bool}
    verdict: {description: "C(connected), C(not_connected) or C(not_configured) (only with O(wait_for_connection)).", type: str}
    diagnosis:
      description:
        - With O(wait_for_connection) - why the alias is (not) connected, in words, and the fix
          (see M(eceops.remote_clusters.es_remote_info) for the codes).
      type: dict
      contains:
        code: {description: "A stable code such as C(credentials_missing) or C(certificate_not_trusted).", type: str}
        summary: {description: "What is wrong.", type: str}
        fix: {description: "What to do.", type: str}
        reference: {description: "The failure mode of the collection's research notes (F1 to F23, R1 to R13).", type: str}
        error: {description: "Elasticsearch's own error text, when there is one.", type: str}
remote_clusters:
  description: The same as RV(remote_cluster) for every alias of the task, in order.
  returned: always
  type: list
  elements: dict
connected:
  description: Whether every present alias of the task connected.
  returned: when O(wait_for_connection=true) and not in check mode
  type: bool
  sample: true
request:
  description: The body of the C(PUT _cluster/settings) request that was sent (or would be sent in check mode); V(null) values delete.
  returned: when something changed
  type: dict
  sample: {persistent: {"cluster.remote.logs.mode": proxy, "cluster.remote.logs.proxy_address": "abc123.ece.example.com:9443"}}
'''

import re
import time

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import (
    ModuleParameterError, RemoteClustersModule)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._settings import (
    FIELD_TO_SUFFIX, SPEC_FIELDS, build_body, current_remote, default_skip_unavailable, desired_remote, plan_removal,
    plan_update, setting_key, validate_alias, validate_spec)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._diagnosis import (
    CONNECTED, report, resolve_request, summarize)

ENTRY_OPTIONS = dict(
    mode=dict(type="str", choices=["proxy", "sniff"], default="proxy"),
    proxy_address=dict(type="str"),
    server_name=dict(type="str"),
    proxy_socket_connections=dict(type="int"),
    seeds=dict(type="list", elements="str"),
    node_connections=dict(type="int"),
    skip_unavailable=dict(type="bool"),
    transport_compress=dict(type="raw"),
    transport_ping_schedule=dict(type="raw"),
    transport_compression_scheme=dict(type="str", choices=["deflate", "lz4"]),
)
SCOPES = ("persistent", "transient")
INT_SUFFIXES = ("proxy_socket_connections", "node_connections")


def argument_spec():
    """The module's options (connection options are added by RemoteClustersModule)."""
    entry = dict(alias=dict(type="str", required=True), state=dict(type="str", choices=["present", "absent"]))
    entry.update(ENTRY_OPTIONS)
    spec = dict(
        alias=dict(type="str"),
        remote_clusters=dict(type="list", elements="dict", options=entry),
        scope=dict(type="str", choices=list(SCOPES), default="persistent"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait_for_connection=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=60),
        poll_interval=dict(type="float", default=2.0),
    )
    spec.update(ENTRY_OPTIONS)
    return spec


# ------------------------------------------------------------------------------------------------- input

def _guess_parameter(message, prefix=""):
    """The option a validation message is about (the earliest option name it mentions)."""
    named = re.search(r"^option '(\w+)'|requires (\w+)", message)
    if named and (named.group(1) or named.group(2)) in SPEC_FIELDS:
        return prefix + (named.group(1) or named.group(2))
    best = None
    for field in ("alias",) + SPEC_FIELDS:
        index = message.find(field)
        if index != -1 and (best is None or index < best[0]):
            best = (index, field)
    return prefix + (best[1] if best else "alias")


def entries_from_params(params):
    """The aliases of the task as dicts (alias, state, spec fields), top-level form or list form."""
    if params.get("remote_clusters") is None:
        item = dict((field, params.get(field)) for field in SPEC_FIELDS)
        item.update(alias=params.get("alias"), state=params.get("state"))
        return [item], False
    items = []
    for raw in params["remote_clusters"]:
        item = dict((field, raw.get(field)) for field in SPEC_FIELDS)
        item.update(alias=raw.get("alias"), state=raw.get("state") or params.get("state"))
        items.append(item)
    return items, True


def validate_entries(items, listed):
    """Raise ModuleParameterError for the first bad alias (every problem of it in the message)."""
    if listed and not items:
        raise ModuleParameterError("remote_clusters", "is empty", "Give at least one alias, or use alias")
    seen = set()
    for index, item in enumerate(items):
        prefix = "remote_clusters[%d]." % index if listed else ""
        alias = item["alias"]
        if item["state"] == "absent":
            errors = validate_alias(alias)
        else:
            spec = dict(item)
            spec["mode"] = spec.get("mode") or "proxy"
            if spec.get("server_name") == "":
                spec["server_name"] = None
            errors = validate_spec(alias, spec)
        if errors:
            parameter = _guess_parameter(errors[0], prefix)
            raise ModuleParameterError(parameter, "; ".join(errors))
        if alias in seen:
            raise ModuleParameterError(prefix + "alias", "alias '%s' appears more than once" % alias,
                                       "Give each alias once")
        seen.add(alias)


# ------------------------------------------------------------------------------------------------- planning

def yml_defined(settings, alias):
    """Whether ``alias`` is enabled by elasticsearch.yml (visible under ``defaults`` with ``include_defaults``)."""
    defaults = current_remote(settings, alias, scope="defaults")
    seeds = defaults.get("seeds")
    return bool(defaults.get("proxy_address")) or bool(seeds if isinstance(seeds, list) else (seeds or "").strip("[] "))


def plan(items, settings, scope):
    """``(body, warnings)``: the one ``PUT _cluster/settings`` body for every alias of the task ({} when nothing changes)."""
    fragments = {"persistent": {}, "transient": {}}
    warnings = []
    for item in items:
        alias = item["alias"]
        if item["state"] == "absent":
            if yml_defined(settings, alias):
                raise ModuleParameterError(
                    "alias", "remote cluster '%s' is defined in elasticsearch.yml of the nodes, and the cluster settings API "
                    "cannot remove it (settings set through the API only override it)" % alias,
                    "Remove cluster.remote.%s.* from elasticsearch.yml on every node and restart them" % alias)
            for each in SCOPES:
                fragments[each].update(plan_removal(alias, current_remote(settings, alias, each)))
            continue
        spec = dict(item)
        spec["mode"] = spec.get("mode") or "proxy"
        clear_server_name = spec.get("server_name") == ""
        if clear_server_name:
            spec["server_name"] = None
        current = current_remote(settings, alias, scope)
        desired = desired_remote(spec)
        fragment = plan_update(alias, current, desired)[1]
        if clear_server_name and current.get("server_name") is not None:
            fragment[setting_key(alias, "server_name")] = None
        fragments[scope].update(fragment)
        other = "transient" if scope == "persistent" else "persistent"
        shadow = current_remote(settings, alias, other)
        if shadow and other == "transient":
            warnings.append("remote cluster '%s' also has transient settings (%s), which take precedence over the persistent "
                            "ones; remove them with scope=transient and state=absent, or set them in the transient scope"
                            % (alias, ", ".join(sorted(shadow))))
    body = {}
    for each in SCOPES:
        if fragments[each]:
            body.update(build_body(dict(sorted(fragments[each].items())), each))
    return body, warnings


def apply_body(settings, body):
    """The flat settings after ``body`` (``None`` deletes), to predict the result in check mode."""
    out = {}
    for each in SCOPES:
        section = dict((settings or {}).get(each) or {})
        for key, value in ((body or {}).get(each) or {}).items():
            if value is None:
                section.pop(key, None)
            else:
                section[key] = value
        out[each] = section
    return out


def scoped_view(settings, aliases):
    """``{scope: {flat key: value}}`` of the aliases' settings, for the diff."""
    view = {}
    for each in SCOPES:
        section = {}
        for alias in aliases:
            for suffix, value in sorted(current_remote(settings, alias, each).items()):
                section[setting_key(alias, suffix)] = value
        view[each] = dict(sorted(section.items()))
    return view


def _as_int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def describe(settings, alias, scope, version):
    """The RV(remote_cluster) dict of one alias from a (flat) ``GET _cluster/settings`` body."""
    current = current_remote(settings, alias, scope)
    out = {"alias": alias, "present": bool(current), "scope": scope, "settings": current}
    for field, suffix in FIELD_TO_SUFFIX.items():
        value = current.get(suffix)
        if suffix in INT_SUFFIXES:
            value = _as_int(value)
        out[field] = value
    skip = current.get("skip_unavailable")
    if skip is not None:
        out["skip_unavailable"] = str(skip).lower() == "true"
        out["skip_unavailable_is_default"] = False
    else:
        try:
            out["skip_unavailable"] = default_skip_unavailable(version) if current else None
        except ValueError:
            out["skip_unavailable"] = None
        out["skip_unavailable_is_default"] = bool(current)
    return out


# ------------------------------------------------------------------------------------------------- waiting

def probe(es, version, aliases, resolve_timeout=None, state=None):
    """One look at the connection of ``aliases``: ``{alias: report}`` (forces attempts with _resolve/cluster)."""
    state = state if state is not None else {}
    resolve = None
    request = None if state.get("resolve_failed") else resolve_request(version, aliases, resolve_timeout)
    if request is not None:
        try:
            resolve = es.get(request[0], params=request[1] or None).body or {}
        except EsApiError as exc:
            if exc.status not in (400, 403, 404):
                raise
            state["resolve_failed"] = exc.reason
    info = es.get("/_remote/info").body or {}
    out = {}
    for alias in aliases:
        out[alias] = report(alias, info.get(alias), (resolve or {}).get(alias) if resolve is not None else None,
                            local_version=version, resolve_supported=request is not None)
    return out


def wait_for(module, aliases, version):
    """Poll until every alias is connected or the timeout passes; returns ``(all connected, {alias: report})``."""
    es = module.es
    deadline = time.monotonic() + max(0, module.params["wait_timeout"])
    interval = max(0.1, module.params["poll_interval"])
    state = {}
    while True:
        remaining = deadline - time.monotonic()
        resolve_timeout = "%ds" % max(1, min(9, int(remaining))) if remaining > 0 else "1s"
        reports = probe(es, version, aliases, resolve_timeout, state)
        if all(item["verdict"] == CONNECTED for item in reports.values()):
            return True, reports
        if time.monotonic() + interval > deadline:
            return False, reports
        time.sleep(interval)


# ------------------------------------------------------------------------------------------------- main flow

def read_settings(es, include_defaults):
    """``GET _cluster/settings`` with flat keys (and the elasticsearch.yml values under ``defaults`` when asked)."""
    params = {"flat_settings": "true"}
    if include_defaults:
        params["include_defaults"] = "true"
    return es.get("/_cluster/settings", params=params).body or {}


def ensure(module):
    """Validate, read, compare, write what differs (unless check mode), read back, optionally wait."""
    params = module.params
    items, listed = entries_from_params(params)
    validate_entries(items, listed)
    scope = params["scope"]
    if scope == "transient":
        module.warn("transient cluster settings are deprecated by Elastic and are lost on a full cluster restart; "
                    "prefer scope=persistent")
    es = module.es
    version = es.version
    settings = read_settings(es, include_defaults=any(item["state"] == "absent" for item in items))
    body, warnings = plan(items, settings, scope)
    for warning in warnings:
        module.warn(warning)
    aliases = [item["alias"] for item in items]
    after_settings = settings
    if body:
        module.set_changed()
        module.result["request"] = body
        if not module.check_mode:
            es.put("/_cluster/settings", json_body=body)
            after_settings = read_settings(es, include_defaults=False)
        else:
            after_settings = apply_body(settings, body)
    module.set_diff(scoped_view(settings, aliases), scoped_view(after_settings, aliases))
    described = [describe(after_settings, alias, scope, version) for alias in aliases]
    by_alias = dict((item["alias"], item) for item in described)
    module.result["remote_clusters"] = described
    if not listed:
        module.result["remote_cluster"] = described[0]
    present = [item["alias"] for item in items if item["state"] == "present"]
    if params["wait_for_connection"] and present and not module.check_mode:
        connected, reports = wait_for(module, present, version)
        for alias, item in reports.items():
            by_alias[alias].update(connected=item["connected"], verdict=item["verdict"], diagnosis=item["diagnosis"])
        module.result["connected"] = connected
        if not connected:
            failing = [item for item in reports.values() if item["verdict"] != CONNECTED]
            module.fail_json(msg="remote cluster%s not connected after %s s - %s" % (
                "s" if len(failing) > 1 else "", params["wait_timeout"], summarize(failing)), **module.result)


def main():
    spec = argument_spec()
    mutually_exclusive = [["alias", "remote_clusters"]] + [["remote_clusters", field] for field in ENTRY_OPTIONS]
    module = RemoteClustersModule(
        argument_spec=spec,
        connections=("es", "ece"),
        mutually_exclusive=mutually_exclusive,
        required_one_of=[["alias", "remote_clusters"]],
        supports_check_mode=True,
    )
    module.run(ensure)


if __name__ == "__main__":
    main()
