# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of eceops_lab.transport: every connection rule, once where the connection comes up and once where it
fails for exactly that reason (lab instance 5, addresses 127.0.5.x). Helpers used by the other transport tests too."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import itertools
import os

import pytest
import yaml

from eceops_lab import build, config, pki, state, transport

INSTANCE = 5
HANDSHAKE = "cluster:internal/remote_cluster/handshake"


class LabWorld(object):
    """A built world with a started Connector, and shortcuts to set state directly."""

    _ids = itertools.count(1)

    def __init__(self, world, connector):
        self.world = world
        self.connector = connector

    def cluster(self, key):
        """A cluster by key (``ece-a/search-a``, ``sm``, ``eck/quickstart``)."""
        return self.world.clusters[key]

    def env(self, name):
        """An environment by name."""
        return self.world.environments[name]

    def remote(self, local, alias, address, server_name=None, mode="proxy", **extra):
        """Configure ``alias`` on ``local`` through persistent settings (replacing earlier ones of the alias)."""
        persistent = local.settings["persistent"]
        for key in [k for k in persistent if k.startswith("cluster.remote.%s." % alias)]:
            del persistent[key]
        persistent["cluster.remote.%s.mode" % alias] = mode
        if mode == "proxy":
            persistent["cluster.remote.%s.proxy_address" % alias] = address
            if server_name is not None:
                persistent["cluster.remote.%s.server_name" % alias] = server_name
        else:
            persistent["cluster.remote.%s.seeds" % alias] = [address] if isinstance(address, str) else list(address)
        for suffix, value in extra.items():
            persistent["cluster.remote.%s.%s" % (alias, suffix)] = value
        local.mark_remotes_dirty(self.world.clock.now(), [alias])

    def ece_remote(self, local, alias, remote, port):
        """``alias`` of ``local`` -> an ECE/ECH cluster's endpoint on ``port`` with its endpoint as server name."""
        self.remote(local, alias, "%s:%d" % (remote.endpoint, port), remote.endpoint)

    def key(self, remote, key_type="cross_cluster", expiration=None):
        """Create an API key on ``remote``; returns ``(ApiKey, encoded)``."""
        number = next(self._ids)
        key_id, secret = "labkey%04d" % number, "secret%04d" % number
        api_key = state.ApiKey(key_id, "key-%d" % number, key_type, secret, self.world.clock.now(), "elastic", "native")
        api_key.expiration = expiration
        remote.api_keys[key_id] = api_key
        return api_key, base64.b64encode(("%s:%s" % (key_id, secret)).encode()).decode()

    def load(self, local, alias, encoded):
        """Put credentials into what the local nodes have loaded."""
        local.keystore_loaded["cluster.remote.%s.credentials" % alias] = encoded
        local.mark_remotes_dirty(self.world.clock.now(), [alias])

    def api_key_remote(self, local, alias, remote):
        """Key on the ECE/ECH ``remote``, loaded on ``local``, alias configured to 9443; returns the ApiKey."""
        api_key, encoded = self.key(remote)
        self.load(local, alias, encoded)
        self.ece_remote(local, alias, remote, 9443)
        return api_key

    def attempt(self, local, alias):
        """A forced connection attempt."""
        return self.connector.attempt(local, alias, force=True)

    def sm_file(self, name, text):
        """Write ``certs/<name>`` into every self-managed node's config directory; returns the relative path."""
        for node in self.cluster("sm").nodes:
            pki.write_pem(os.path.join(node.config_dir, "certs", name), text, mode=0o644)
        return "certs/" + name

    def sm_plain_file(self, name, text):
        """Write a non-PEM file into every node's config directory; returns the relative path."""
        for node in self.cluster("sm").nodes:
            with open(os.path.join(node.config_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        return name

    def sm_loaded(self, **changes):
        """Load the self-managed yml from node 1's file (as a start would) and apply flat ``changes``."""
        sm = self.cluster("sm")
        with open(sm.nodes[0].yml_path, encoding="utf-8") as handle:
            sm.yml_loaded = yaml.safe_load(handle)
        for key, value in changes.items():
            sm.yml_loaded[key.replace("__", ".")] = value
        return sm

    def direct(self, local, entry_type, pems, **fields):
        """Append a ``trust.direct`` entry to an ECE/ECH cluster's deployment."""
        entry = {"type": entry_type, "name": "lab %s %d" % (entry_type, next(self._ids)), "trust_all": False,
                 "certificates": [{"pem": pem} for pem in pems]}
        entry.update(fields)
        local.resource.trust.setdefault("direct", []).append(entry)
        return entry


def start_lab(state_dir, **switches):
    """Build a world (instance 5, ``connect_delay`` 0 unless given) and start only its Connector."""
    merged = {"connect_delay": 0.0}
    merged.update(switches)
    cfg = config.load_config(instance=INSTANCE, state_dir=state_dir, switches=merged)
    world = build.build_world(cfg)
    world.es_apis = {}
    connector = transport.Connector(world)
    connector.connect_timeout = 1.0
    world.connector = connector
    connector.start()
    return LabWorld(world, connector)


def lab_factory(tmp_path):
    """A generator for fixtures: yields ``factory(**switches)`` and stops every lab it started afterwards."""
    labs = []

    def factory(**switches):
        labs.append(start_lab(str(tmp_path / ("world%d" % len(labs))), **switches))
        return labs[-1]

    yield factory
    for started in labs:
        started.connector.stop()


@pytest.fixture
def make_lab(tmp_path):
    """Factory: ``make_lab(**switches)`` builds a world (instance 5) and starts only the Connector."""
    yield from lab_factory(tmp_path)


@pytest.fixture
def lab(make_lab):
    """A lab with the default switches (connect_delay 0)."""
    return make_lab()


def assert_up(remote_state, model=None):
    """The attempt connected (with the model when given)."""
    assert remote_state.connected, "%s: %s (%s)" % (remote_state.failure_kind, remote_state.error, remote_state.detail)
    assert remote_state.failure_kind is None and remote_state.error is None
    if model:
        assert remote_state.model == model


def assert_down(remote_state, kind, *texts):
    """The attempt failed with ``kind`` and every text in the error message."""
    assert not remote_state.connected
    assert remote_state.num_sockets == 0
    assert remote_state.failure_kind == kind, "%s: %s (%s)" % (remote_state.failure_kind, remote_state.error, remote_state.detail)
    assert kind in transport.FAILURE_KINDS and kind in transport.FAILURE_DESCRIPTIONS
    for text in texts:
        assert text in remote_state.error, remote_state.error


# ----------------------------------------------------------------------------------------------------------------
# configuration, resolution, TCP

def test_api_key_model_same_environment_connects(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    remote_state = lab.attempt(search_a, "logs")
    assert_up(remote_state, "api_key")
    assert remote_state.num_sockets == 18
    assert remote_state.remote_key == "ece-a/logs-a"
    assert remote_state.remote_version == "8.19.4"
    assert remote_state.attempted_at is not None


def test_not_configured_and_unknown_host(lab):
    search_a = lab.cluster("ece-a/search-a")
    assert_down(lab.attempt(search_a, "nothing"), "not_configured")
    assert lab.connector.attempt(search_a, "nothing").error == "no such remote cluster: [nothing]"
    lab.remote(search_a, "ghost", "nowhere.invalid:9443", "nowhere.invalid")
    assert_down(lab.attempt(search_a, "ghost"), "unknown_host", "failed to open any proxy connections to cluster [ghost]",
                "UnknownHostException: nowhere.invalid")
    lab.remote(search_a, "bad", "no-port-here")
    assert_down(lab.attempt(search_a, "bad"), "invalid_address", "remote hosts need to be configured as [host:port]")


def test_port_closed_and_unused_address_refuse(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    assert lab.connector.set_port_mode("ece-a", 9443, "closed") == {"target": "ece-a", "port": 9443, "mode": "closed"}
    assert_down(lab.attempt(search_a, "logs"), "connect_refused", "failed to open any proxy connections to cluster [logs]",
                "connect_exception", "Connection refused")
    lab.connector.set_port_mode("ece-a", 9443, "tls")
    assert_up(lab.attempt(search_a, "logs"))
    lab.remote(search_a, "unused", "127.0.%d.16:9443" % INSTANCE)
    assert_down(lab.attempt(search_a, "unused"), "connect_refused", "[][127.0.5.16:9443] connect_exception")


def test_port_filtered_times_out(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    lab.connector.set_port_mode("ece-a", 9443, "filtered")
    assert_down(lab.attempt(search_a, "logs"), "connect_timeout", "connect_timeout[1s]")


def test_tls_never_answered_is_a_handshake_timeout(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    lab.connector.set_port_mode("ece-a", 9443, "hang")
    assert_down(lab.attempt(search_a, "logs"), "handshake_timeout", "handshake timed out")
    lab.connector.set_port_mode("ece-a", 9443, "tls")
    assert_up(lab.attempt(search_a, "logs"))


# ----------------------------------------------------------------------------------------------------------------
# TLS: server name, trust of the server certificate, host name, protocol

def test_server_name_of_another_domain_is_not_routable(lab):
    search_a, logs_a, search_b = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a"), lab.cluster("ece-b/search-b")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    lab.remote(search_a, "logs", "%s:9443" % logs_a.endpoint, search_b.endpoint)
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "sni_not_routable", "Received fatal alert: unrecognized_name")
    assert search_b.endpoint in remote_state.detail


def test_aliased_endpoint_routes_like_the_cluster_id(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    lab.remote(search_a, "logs", "logs-a.es.ece-a.lab:9443", "logs-a.es.ece-a.lab")
    assert_up(lab.attempt(search_a, "logs"))
    assert lab.attempt(search_a, "logs").remote_key == "ece-a/logs-a"


def test_ece_local_without_proxy_ca_trust_does_not_trust_the_proxy(make_lab):
    lab = make_lab(same_env_proxy_ca_trusted=False)
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "untrusted_certificate", "failed to establish trust with server at [%s]" % logs_a.endpoint,
                "PKIX path building failed", "unable to find valid certification path to requested target",
                "not trusted in this ssl context ([xpack.security.remote_cluster_client.ssl])")
    lab.direct(search_a, "proxy", [lab.env("ece-a").certs["proxy_ca"].cert_pem])
    assert_up(lab.attempt(search_a, "logs"), "api_key")


def test_proxy_trust_types_switch_decides_which_direct_entries_count(make_lab):
    lab = make_lab(same_env_proxy_ca_trusted=False, proxy_trust_types=["generic"])
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    lab.direct(search_a, "proxy", [lab.env("ece-a").certs["proxy_ca"].cert_pem])
    assert_down(lab.attempt(search_a, "logs"), "untrusted_certificate")
    lab.direct(search_a, "generic", [lab.env("ece-a").certs["proxy_ca"].cert_pem], scope_id="x", trust_all=True)
    assert_up(lab.attempt(search_a, "logs"))


def test_ece_local_trusts_the_public_ca_of_ech(lab):
    search_a, search_ech = lab.cluster("ece-a/search-a"), lab.cluster("ech/search-ech")
    lab.api_key_remote(search_a, "ech", search_ech)
    assert_up(lab.attempt(search_a, "ech"), "api_key")


def test_self_managed_local_needs_certificate_authorities(lab):
    sm, search_a = lab.sm_loaded(), lab.cluster("ece-a/search-a")
    lab.api_key_remote(sm, "search", search_a)
    remote_state = lab.attempt(sm, "search")
    assert_down(remote_state, "untrusted_certificate", "failed to establish trust with server", "PKIX path building failed")
    assert "JDK trust store" in remote_state.detail
    path = lab.sm_file("ece-a-proxy-ca.crt", lab.env("ece-a").certs["proxy_ca"].cert_pem)
    lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[path])
    assert_up(lab.attempt(sm, "search"), "api_key")


def test_self_managed_local_with_a_missing_ca_file(lab):
    sm, search_a = lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=["certs/absent.crt"]), \
        lab.cluster("ece-a/search-a")
    lab.api_key_remote(sm, "search", search_a)
    remote_state = lab.attempt(sm, "search")
    assert_down(remote_state, "untrusted_certificate")
    assert "certs/absent.crt] does not exist" in remote_state.detail


def test_host_name_must_match_the_server_name(lab):
    search_a = lab.cluster("ece-a/search-a")
    sm = lab.sm_loaded(remote_cluster_server__enabled=True)
    lab.connector.refresh_listeners(sm)
    lab.direct(search_a, "proxy", [sm.transport_ca.cert_pem])
    api_key, encoded = lab.key(sm)
    assert api_key.type == "cross_cluster"
    lab.load(search_a, "sm", encoded)
    lab.remote(search_a, "sm", "sm.lab:9443", "sm.lab")
    assert_up(lab.attempt(search_a, "sm"))
    lab.remote(search_a, "sm", "sm.lab:9443", "other.example.lab")
    assert_down(lab.attempt(search_a, "sm"), "hostname_mismatch", "failed to establish trust with server at [sm.lab]",
                "No subject alternative DNS name matching other.example.lab found")


def test_expired_server_certificate_at_lab_time(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    lab.world.clock.advance(900 * 86400)  # the proxy certificate is valid 825 days
    assert_down(lab.attempt(search_a, "logs"), "expired_certificate", "failed to establish trust with server",
                "the certificate has expired")


def test_http_balancer_on_9443(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    lab.connector.set_port_mode("ece-a", 9443, "http")
    assert_down(lab.attempt(search_a, "logs"), "not_transport_protocol",
                "received HTTP response on transport port, ensure that transport port (not HTTP port) of a remote node is "
                "specified in the configuration")
    lab.connector.set_port_mode("ece-a", 9443, "plain_http")
    assert_down(lab.attempt(search_a, "logs"), "not_transport_protocol", "NotSslRecordException")


def test_lb_9443_mode_switch_starts_an_http_balancer(make_lab):
    lab = make_lab(lb_9443_mode="http")
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    assert lab.env("ece-a").port_modes[9443] == "http"
    assert lab.connector.listener_of("ece-a", 9443).mode == "http"
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_down(lab.attempt(search_a, "logs"), "not_transport_protocol", "received HTTP response on transport port")
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    search_a.keystore_loaded.clear()
    assert_up(lab.attempt(search_a, "logs"), "certificate")


def test_client_tls_disabled_sends_plaintext(lab):
    sm, search_a = lab.sm_loaded(), lab.cluster("ece-a/search-a")
    path = lab.sm_file("ece-a-proxy-ca.crt", lab.env("ece-a").certs["proxy_ca"].cert_pem)
    lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[path])
    lab.api_key_remote(sm, "search", search_a)
    assert_up(lab.attempt(sm, "search"))
    lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[path],
                  xpack__security__remote_cluster_client__ssl__enabled=False)
    assert_down(lab.attempt(sm, "search"), "tls_disabled", "received plaintext traffic on an encrypted channel, closing connection")


# ----------------------------------------------------------------------------------------------------------------
# model / port agreement (F4, F5), keystore

def test_credentials_on_the_transport_port(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    assert_up(lab.attempt(search_a, "logs"), "certificate")
    lab.load(search_a, "logs", lab.key(logs_a)[1])
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "credentials_on_transport_port", "failed to establish trust with server")
    assert remote_state.model == "api_key"
    assert "transport port" in remote_state.detail


def test_credentials_on_the_transport_port_when_tls_passes(lab):
    search_a = lab.cluster("ece-a/search-a")
    env_ca = lab.sm_file("ece-a-env-ca.crt", lab.env("ece-a").certs["env_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[env_ca],
                       xpack__security__remote_cluster_client__ssl__verification_mode="certificate")
    lab.load(sm, "search", lab.key(search_a)[1])
    lab.ece_remote(sm, "search", search_a, 9400)
    remote_state = lab.attempt(sm, "search")
    assert_down(remote_state, "credentials_on_transport_port", "Received fatal alert: bad_certificate")
    assert "Empty client certificate chain" in remote_state.detail


def test_no_credentials_on_the_remote_cluster_port(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    search_a.keystore_loaded.clear()
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "credentials_missing", "failed to establish trust with server")
    assert remote_state.model == "certificate"
    # a local that trusts the proxy for transport reaches the handshake: the remote's F5 message
    proxy_ca = lab.sm_file("ece-a-proxy-ca.crt", lab.env("ece-a").certs["proxy_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=["certs/ca.crt", proxy_ca])
    lab.ece_remote(sm, "logs", logs_a, 9443)
    remote_state = lab.attempt(sm, "logs")
    assert_down(remote_state, "credentials_missing")
    assert remote_state.error == ("failed to open any proxy connections to cluster [logs]: Cross cluster requests through the "
                                  "dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] "
                                  "but none found. Please ensure you have configured remote cluster credentials")


def test_key_written_to_the_ece_keystore_but_not_loaded(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    encoded = lab.key(logs_a)[1]
    lab.ece_remote(search_a, "logs", logs_a, 9443)
    search_a.resource.keystore["cluster.remote.logs.credentials"] = {"value": encoded, "as_file": False}
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "credentials_not_loaded")
    assert "the keystore holds them" in remote_state.detail
    lab.load(search_a, "logs", encoded)
    assert_up(lab.attempt(search_a, "logs"), "api_key")


def test_key_written_to_a_node_keystore_file_but_not_loaded(lab):
    search_a = lab.cluster("ece-a/search-a")
    proxy_ca = lab.sm_file("ece-a-proxy-ca.crt", lab.env("ece-a").certs["proxy_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=["certs/ca.crt", proxy_ca],
                       xpack__security__remote_cluster_client__ssl__certificate_authorities=[proxy_ca])
    encoded = lab.key(search_a)[1]
    lab.ece_remote(sm, "search", search_a, 9443)
    for node in sm.nodes:
        with open(node.keystore_path, "w", encoding="utf-8") as handle:
            handle.write('{"format": "eceops-lab-keystore/1", "entries": {"cluster.remote.search.credentials": "%s"}}' % encoded)
    remote_state = lab.attempt(sm, "search")
    assert_down(remote_state, "credentials_not_loaded", "require transport header [_cross_cluster_access_credentials] but none found")
    lab.load(sm, "search", encoded)
    assert_up(lab.attempt(sm, "search"))


def test_keystore_out_of_sync_names_the_nodes(lab):
    search_a = lab.cluster("ece-a/search-a")
    proxy_ca = lab.sm_file("ece-a-proxy-ca.crt", lab.env("ece-a").certs["proxy_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__remote_cluster_client__ssl__certificate_authorities=[proxy_ca])
    lab.api_key_remote(sm, "search", search_a)
    assert_up(lab.attempt(sm, "search"))
    sm.keystore_inconsistent = ["sm-node-2"]
    remote_state = lab.attempt(sm, "search")
    assert_down(remote_state, "keystore_inconsistent", "sm-node-2", "cluster.remote.search.credentials")
    sm.keystore_inconsistent = {"cluster.remote.other.credentials": ["sm-node-1"]}
    assert_up(lab.attempt(sm, "search"))
    # as the ES API records it: the nodes that disagree with node 1, and what each node loaded
    sm.keystore_inconsistent = ["sm-node-2"]
    sm.node_state = {"sm-node-1": {"keystore": dict(sm.keystore_loaded)},
                     "sm-node-2": {"keystore": {"cluster.remote.other.credentials": "x", **sm.keystore_loaded}}}
    assert_up(lab.attempt(sm, "search"))                   # node 2 differs only for another alias
    sm.node_state["sm-node-2"]["keystore"]["cluster.remote.search.credentials"] = "stale"
    assert_down(lab.attempt(sm, "search"), "keystore_inconsistent", "[sm-node-2]")


# ----------------------------------------------------------------------------------------------------------------
# the API key

def test_invalidated_unknown_and_wrong_secret_keys(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    api_key = lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    api_key.invalidated = True
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "invalid_api_key", "unable to authenticate user [%s] for action [%s]" % (api_key.id, HANDSHAKE),
                "Authentication using apikey failed - api key [%s] has been invalidated" % api_key.id)
    assert api_key.secret not in remote_state.error
    lab.load(search_a, "logs", base64.b64encode(("%s:wrong" % lab.key(logs_a)[0].id).encode()).decode())
    assert_down(lab.attempt(search_a, "logs"), "invalid_api_key", "invalid credentials for API key")
    lab.load(search_a, "logs", base64.b64encode(b"nosuchkey:secret").decode())
    assert_down(lab.attempt(search_a, "logs"), "invalid_api_key", "unable to find apikey with id nosuchkey")
    other_key = lab.key(lab.cluster("ece-a/metrics-a"))[1]
    lab.load(search_a, "logs", other_key)
    assert_down(lab.attempt(search_a, "logs"), "invalid_api_key")


def test_expired_key(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    api_key = lab.api_key_remote(search_a, "logs", logs_a)
    api_key.expiration = lab.world.clock.now() + 3600
    assert_up(lab.attempt(search_a, "logs"))
    lab.world.clock.advance(7200)
    assert_down(lab.attempt(search_a, "logs"), "expired_api_key", "unable to authenticate user [%s]" % api_key.id,
                "api key is expired")


def test_rest_key_as_credentials(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    rest_key, encoded = lab.key(logs_a, key_type="rest")
    lab.load(search_a, "logs", encoded)
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "rest_api_key")
    assert remote_state.error == ("failed to open any proxy connections to cluster [logs]: authentication expected API key type "
                                  "of [cross_cluster], but API key [%s] has type [rest]" % rest_key.id)


def test_api_key_model_needs_8_14_on_both_sides(lab):
    logs_a, legacy_a, metrics_a = lab.cluster("ece-a/logs-a"), lab.cluster("ece-a/legacy-a"), lab.cluster("ece-a/metrics-a")
    lab.api_key_remote(metrics_a, "logs", logs_a)
    assert_up(lab.attempt(metrics_a, "logs"), "api_key")           # 8.15 -> 8.19
    lab.api_key_remote(legacy_a, "logs", logs_a)
    assert_down(lab.attempt(legacy_a, "logs"), "api_key_model_version", "8.14.0", "local cluster runs [8.13.4]")
    lab.ece_remote(legacy_a, "logs", logs_a, 9400)
    legacy_a.keystore_loaded.clear()
    assert_up(lab.attempt(legacy_a, "logs"), "certificate")        # the certificate model has no such floor
    lab.api_key_remote(logs_a, "legacy", legacy_a)
    assert_down(lab.attempt(logs_a, "legacy"), "api_key_model_version", "remote cluster runs [8.13.4]")


def test_api_key_model_needs_an_enterprise_licence(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    assert_up(lab.attempt(search_a, "logs"))
    logs_a.license = {"type": "basic", "status": "active"}
    assert_down(lab.attempt(search_a, "logs"), "license", "current license is non-compliant for [advanced-remote-cluster-security]")


# ----------------------------------------------------------------------------------------------------------------
# versions

def test_incompatible_versions(lab):
    old_a, search_a, logs_a = lab.cluster("ece-a/old-a"), lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.ece_remote(old_a, "logs", logs_a, 9400)
    assert_up(lab.attempt(old_a, "logs"), "certificate")
    lab.ece_remote(old_a, "search", search_a, 9400)
    assert_down(lab.attempt(old_a, "search"), "incompatible_version",
                "Received message from unsupported version: [7.17.28] minimal compatible version is: [8.19.0]")
    lab.ece_remote(search_a, "old", old_a, 9400)
    assert_down(lab.attempt(search_a, "old"), "incompatible_version", "[7.17.28]")


# ----------------------------------------------------------------------------------------------------------------
# traffic filters

def test_traffic_filters_on_9443(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    env_a = lab.env("ece-a")
    lab.api_key_remote(search_a, "logs", logs_a)
    env_a.rulesets["ip-office"] = {"id": "ip-office", "name": "office", "type": "ip", "region": "ece-region",
                                   "rules": [{"source": "10.0.0.0/8"}], "associations": {logs_a.deployment.id}}
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "filtered", "403 Forbidden")
    assert "127.0.5.11" in remote_state.detail
    env_a.rulesets["rc"] = {"id": "rc", "name": "rc", "type": "remote_cluster", "region": "ece-region",
                            "rules": [{"remote_cluster_id": search_a.cluster_id}], "associations": {logs_a.deployment.id}}
    assert_up(lab.attempt(search_a, "logs"))
    env_a.rulesets["rc"]["rules"] = [{"remote_cluster_org_id": env_a.environment_id}]
    assert_up(lab.attempt(search_a, "logs"))
    env_a.rulesets["rc"]["rules"] = [{"remote_cluster_id": "0" * 32, "remote_cluster_org_id": "1" * 32}]
    assert_down(lab.attempt(search_a, "logs"), "filtered")
    env_a.rulesets["ip-office"]["rules"].append({"source": "127.0.5.0/24"})
    assert_up(lab.attempt(search_a, "logs"))


def test_traffic_filters_do_not_apply_to_the_certificate_model(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.env("ece-a").rulesets["deny"] = {"id": "deny", "type": "ip", "rules": [{"source": "10.0.0.1"}],
                                         "associations": {logs_a.deployment.id}}
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    assert_up(lab.attempt(search_a, "logs"), "certificate")


def test_remote_cluster_filter_from_another_environment_needs_the_ca_in_the_proxy_chain(lab):
    search_b, logs_a = lab.cluster("ece-b/search-b"), lab.cluster("ece-a/logs-a")
    env_a, env_b = lab.env("ece-a"), lab.env("ece-b")
    lab.direct(search_b, "proxy", [env_a.certs["proxy_ca"].cert_pem])
    lab.api_key_remote(search_b, "logs", logs_a)
    assert_up(lab.attempt(search_b, "logs"))
    env_a.rulesets["rc-b"] = {"id": "rc-b", "type": "remote_cluster", "rules": [{"remote_cluster_org_id": env_b.environment_id}],
                              "associations": {logs_a.deployment.id}}
    remote_state = lab.attempt(search_b, "logs")
    assert_down(remote_state, "filtered")
    assert "no identifiable client certificate" in remote_state.detail
    env_a.proxy_chain = env_a.proxy_chain + [env_b.certs["env_ca"].cert_pem]
    assert_down(lab.attempt(search_b, "logs"), "filtered")           # the proxies have not reloaded the chain yet
    lab.connector.reload_environment(env_a)
    assert_up(lab.attempt(search_b, "logs"))


# ----------------------------------------------------------------------------------------------------------------
# the certificate model: trust on both sides

def test_certificate_model_remote_does_not_trust_the_local(lab):
    search_a, logs_a, archive_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a"), lab.cluster("ece-a/archive-a")
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    assert_up(lab.attempt(search_a, "logs"), "certificate")
    lab.ece_remote(search_a, "archive", archive_a, 9400)
    remote_state = lab.attempt(search_a, "archive")
    assert_down(remote_state, "not_trusted", "Received fatal alert: certificate_unknown")
    assert "does not match the trusted names" in remote_state.detail
    assert remote_state.remote_key == "ece-a/archive-a"


def test_certificate_model_local_does_not_trust_the_remote(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    lab.ece_remote(search_a, "logs", logs_a, 9400)
    assert_up(lab.attempt(search_a, "logs"))
    search_a.resource.trust["accounts"] = [{"account_id": lab.env("ece-a").account_id, "trust_all": False,
                                            "trust_allowlist": [search_a.cluster_id]}]
    remote_state = lab.attempt(search_a, "logs")
    assert_down(remote_state, "not_trusted_by_local", "does not match the trusted names", logs_a.cluster_id)


def test_external_trust_between_environments(lab):
    search_a, search_b = lab.cluster("ece-a/search-a"), lab.cluster("ece-b/search-b")
    env_a, env_b = lab.env("ece-a"), lab.env("ece-b")
    env_a.trust_relationships["rel-b"] = {"id": "rel-b", "name": "B", "local": False, "trust_by_default": False,
                                          "public_ca_cert": env_b.certs["env_ca"].cert_pem, "account_ids": [env_b.account_id]}
    env_b.trust_relationships["rel-a"] = {"id": "rel-a", "name": "A", "local": False, "trust_by_default": False,
                                          "public_ca_cert": env_a.certs["env_ca"].cert_pem, "account_ids": [env_a.account_id]}
    search_a.resource.trust["external"] = [{"trust_relationship_id": "rel-b", "trust_all": True}]
    search_b.resource.trust["external"] = [{"trust_relationship_id": "rel-a", "trust_all": False,
                                            "trust_allowlist": [search_a.cluster_id]}]
    lab.ece_remote(search_a, "b", search_b, 9400)
    assert_up(lab.attempt(search_a, "b"), "certificate")
    del env_b.trust_relationships["rel-a"]        # B's side of the relationship is missing: B does not trust A
    remote_state = lab.attempt(search_a, "b")
    assert_down(remote_state, "not_trusted")
    assert "does not exist in environment [ece-b]" in remote_state.detail
    env_b.trust_relationships["rel-a"] = {"id": "rel-a", "name": "A", "public_ca_cert": env_a.certs["env_ca"].cert_pem,
                                          "account_ids": [env_a.account_id]}
    assert_up(lab.attempt(search_a, "b"))
    env_a.trust_relationships["rel-b"]["account_ids"] = ["0" * 32]   # A's relationship names the wrong environment
    assert_down(lab.attempt(search_a, "b"), "not_trusted_by_local", "does not match the trusted names")


def test_self_managed_trust_restrictions(lab):
    search_a = lab.cluster("ece-a/search-a")
    env_a = lab.env("ece-a")
    env_ca = lab.sm_file("ece-a-env-ca.crt", env_a.certs["env_ca"].cert_pem)
    cas = ["certs/ca.crt", env_ca]
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=cas)
    lab.direct(search_a, "generic", [sm.transport_ca.cert_pem], scope_id=sm.scope_id, trust_all=True)
    lab.remote(search_a, "sm", "sm.lab:9300", "sm.lab")
    assert_up(lab.attempt(search_a, "sm"), "certificate")
    restrictions = lab.sm_plain_file("trust.yml", yaml.safe_dump({"trust.subject_name": ["*.node.%s.cluster.%s.account"
                                                                                         % ("f" * 32, env_a.account_id)]}))
    lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=cas,
                  xpack__security__transport__ssl__trust_restrictions__path=restrictions)
    remote_state = lab.attempt(search_a, "sm")
    assert_down(remote_state, "not_trusted", "certificate_unknown")
    assert "does not match the trusted names" in remote_state.detail
    lab.sm_plain_file("trust.yml", yaml.safe_dump({"trust": {"subject_name": ["*.node.%s.cluster.%s.account"
                                                                              % (search_a.cluster_id, env_a.account_id)]}}))
    assert_up(lab.attempt(search_a, "sm"))


def test_ece_does_not_trust_self_managed_certificates_without_other_name(lab):
    search_a = lab.cluster("ece-a/search-a")
    env_ca = lab.sm_file("ece-a-env-ca.crt", lab.env("ece-a").certs["env_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=["certs/ca.crt", env_ca])
    lab.direct(search_a, "generic", [sm.transport_ca.cert_pem], scope_id=sm.scope_id, trust_all=True)
    lab.remote(search_a, "sm", "sm.lab:9300", "sm.lab")
    assert_up(lab.attempt(search_a, "sm"))
    sm.node_cert = pki.issue(sm.transport_ca, common_name="sm-node-1", dns_names=["sm-node-1.sm.lab"], server=True, client=True)
    assert_down(lab.attempt(search_a, "sm"), "not_trusted_by_local", "no otherName node name")
    search_a.resource.trust["direct"][0]["additional_node_names"] = ["sm-node-1"]
    assert_down(lab.attempt(search_a, "sm"), "not_trusted_by_local")  # names come from the otherName SAN only


def test_self_managed_remote_cluster_server_disabled_then_enabled(lab):
    search_a = lab.cluster("ece-a/search-a")
    sm = lab.sm_loaded()
    assert lab.connector.listener_of("sm", 9443) is None
    lab.load(search_a, "sm", lab.key(sm)[1])
    lab.remote(search_a, "sm", "sm.lab:9443", "sm.lab")
    remote_state = lab.attempt(search_a, "sm")
    assert_down(remote_state, "remote_server_disabled", "connect_exception", "Connection refused")
    assert "remote_cluster_server.enabled" in remote_state.detail
    lab.sm_loaded(remote_cluster_server__enabled=True)
    lab.connector.refresh_listeners(sm)
    assert lab.connector.listener_of("sm", 9443).running
    assert_down(lab.attempt(search_a, "sm"), "untrusted_certificate")     # private CA, no trusted environment yet
    lab.direct(search_a, "proxy", [sm.transport_ca.cert_pem])              # "Add trusted environment", private CA
    assert_up(lab.attempt(search_a, "sm"), "api_key")
    lab.sm_loaded()
    lab.connector.refresh_listeners(sm)
    assert_down(lab.attempt(search_a, "sm"), "remote_server_disabled")


def test_eck_local_trusts_a_ca_mounted_from_a_config_map(lab):
    eck, search_a = lab.cluster("eck/quickstart"), lab.cluster("ece-a/search-a")
    lab.api_key_remote(eck, "search", search_a)
    eck.yml_loaded = {"xpack.security.remote_cluster_client.ssl.certificate_authorities": ["/usr/share/elasticsearch/config/ece-ca/ca.crt"]}
    remote_state = lab.attempt(eck, "search")
    assert_down(remote_state, "untrusted_certificate")
    assert "ece-ca/ca.crt] does not exist" in remote_state.detail
    eck.configmaps["ece-a-proxy-ca"] = {"ca.crt": lab.env("ece-a").certs["proxy_ca"].cert_pem}
    eck.manifest["spec"]["nodeSets"][0]["podTemplate"] = {"spec": {
        "volumes": [{"name": "ece-ca", "configMap": {"name": "ece-a-proxy-ca"}}],
        "containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "ece-ca", "mountPath": "/usr/share/elasticsearch/config/ece-ca"}]}]}}
    assert_up(lab.attempt(eck, "search"), "api_key")


def test_eck_remote_cluster_server_behind_its_load_balancer(lab):
    eck, search_a = lab.cluster("eck/quickstart"), lab.cluster("ece-a/search-a")
    lab.direct(search_a, "proxy", [eck.transport_ca.cert_pem])
    lab.load(search_a, "eck", lab.key(eck)[1])
    lab.remote(search_a, "eck", "quickstart-es-remote-cluster.eck.lab:9443", "quickstart-es-remote-cluster.eck.lab")
    assert_down(lab.attempt(search_a, "eck"), "remote_server_disabled", "Connection refused")
    eck.manifest["spec"]["remoteClusterServer"] = {"enabled": True}
    lab.connector.refresh_listeners(eck)
    assert_up(lab.attempt(search_a, "eck"), "api_key")


def test_eck_certificate_model_with_direct_trust_of_the_eck_scope(lab):
    eck, search_a = lab.cluster("eck/quickstart"), lab.cluster("ece-a/search-a")
    public = eck.secrets["quickstart-es-transport-certs-public"]
    eck.configmaps["ece-a-ca"] = {"ca.crt": lab.env("ece-a").certs["env_ca"].cert_pem}
    eck.manifest["spec"]["transport"] = {"tls": {"certificateAuthorities": {"configMapName": "ece-a-ca"}}}
    public["ca.crt"] = eck.transport_ca.cert_pem + eck.configmaps["ece-a-ca"]["ca.crt"]     # as ECK reconciles it
    lab.remote(search_a, "eck", "quickstart-es-transport.eck.lab:9300", "quickstart-es-transport.eck.lab")
    assert_down(lab.attempt(search_a, "eck"), "not_trusted_by_local")
    lab.direct(search_a, "generic", [eck.transport_ca.cert_pem], scope_id="default.es.local", trust_all=True)
    assert_up(lab.attempt(search_a, "eck"), "certificate")
    public["ca.crt"] = eck.transport_ca.cert_pem
    assert_down(lab.attempt(search_a, "eck"), "not_trusted")
    del eck.secrets["quickstart-es-transport-certs-public"]       # without the Secret: the CA and the ConfigMap
    assert_up(lab.attempt(search_a, "eck"))


# ----------------------------------------------------------------------------------------------------------------
# sniff mode and the cache

def test_sniff_mode(lab):
    search_a = lab.cluster("ece-a/search-a")
    env_ca = lab.sm_file("ece-a-env-ca.crt", lab.env("ece-a").certs["env_ca"].cert_pem)
    sm = lab.sm_loaded(xpack__security__transport__ssl__certificate_authorities=["certs/ca.crt", env_ca])
    lab.direct(search_a, "generic", [sm.transport_ca.cert_pem], scope_id=sm.scope_id, trust_all=True)
    lab.remote(search_a, "sm", ["sm.lab:9300"], mode="sniff")
    remote_state = lab.attempt(search_a, "sm")
    assert_up(remote_state, "certificate")
    assert remote_state.num_sockets == 2              # min(node_connections 3, two nodes)
    logs_a = lab.cluster("ece-a/logs-a")
    lab.remote(search_a, "logs", ["%s:9400" % logs_a.endpoint], mode="sniff")
    assert_down(lab.attempt(search_a, "logs"), "sniff_not_supported", "fetching nodes from external cluster [logs] failed")


def test_result_is_cached_until_dirty(lab):
    search_a, logs_a = lab.cluster("ece-a/search-a"), lab.cluster("ece-a/logs-a")
    api_key = lab.api_key_remote(search_a, "logs", logs_a)
    first = lab.connector.attempt(search_a, "logs")
    assert_up(first)
    attempted = first.attempted_at
    api_key.invalidated = True
    assert lab.connector.attempt(search_a, "logs").connected
    assert lab.connector.attempt(search_a, "logs").attempted_at == attempted
    search_a.mark_remotes_dirty(lab.world.clock.now(), ["logs"])
    assert_down(lab.connector.attempt(search_a, "logs"), "invalid_api_key")


def test_every_failure_kind_is_documented():
    assert len(set(transport.FAILURE_KINDS)) == len(transport.FAILURE_KINDS)
    assert set(transport.FAILURE_KINDS) == set(transport.FAILURE_DESCRIPTIONS)
