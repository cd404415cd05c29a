# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection doc fragments, the argument specs and meta/runtime.yml must agree."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import socket

import pytest
import yaml

from ansible_collections.eceops.remote_clusters.plugins.doc_fragments import ece as ece_fragment
from ansible_collections.eceops.remote_clusters.plugins.doc_fragments import elasticsearch as es_fragment
from ansible_collections.eceops.remote_clusters.plugins.module_utils import _resolve
from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import (
    ECE_CONNECTION_SPEC, ES_CONNECTION_SPEC, redact_secrets)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


@pytest.mark.parametrize("fragment,spec,prefix", [(ece_fragment, ECE_CONNECTION_SPEC, "ECE_"), (es_fragment, ES_CONNECTION_SPEC, "ES_")])
def test_fragment_matches_spec(fragment, spec, prefix):
    doc = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    assert sorted(doc) == sorted(spec)
    for name, option in spec.items():
        assert doc[name]["type"] == option["type"], name
        assert doc[name].get("default") == option.get("default"), name
        text = " ".join(doc[name]["description"]) if isinstance(doc[name]["description"], list) else doc[name]["description"]
        for var in (option.get("fallback") or (None, []))[1]:
            assert var.startswith(prefix)
            assert "E(%s)" % var in text, "%s does not document %s" % (name, var)
        if name.endswith(("_api_key", "_password")):
            assert option.get("no_log") is True


def test_environment_variables_are_the_documented_set():
    names = set()
    for spec in (ECE_CONNECTION_SPEC, ES_CONNECTION_SPEC):
        for option in spec.values():
            names.update((option.get("fallback") or (None, []))[1])
    expected = set()
    for prefix in ("ECE_", "ES_"):
        expected.update(prefix + s for s in ("URL", "API_KEY", "USERNAME", "PASSWORD", "CA_PATH", "VALIDATE_CERTS"))
    assert names == expected


def test_every_module_is_in_an_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        groups = yaml.safe_load(handle)["action_groups"]
    modules = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules")) if f.endswith(".py") and f != "__init__.py")
    for module in modules:
        with open(os.path.join(ROOT, "plugins", "modules", module + ".py")) as handle:
            source = handle.read()
        doc = yaml.safe_load(re.search(r"DOCUMENTATION = r'''(.*?)'''", source, re.S).group(1))
        fragments = doc.get("extends_documentation_fragment", [])
        if "eceops.remote_clusters.attributes.actiongroup_ece" in fragments:
            assert module in groups["ece"], module
        if "eceops.remote_clusters.attributes.actiongroup_es" in fragments:
            assert module in groups["elasticsearch"] and module in groups["ece"], module
        in_any = any(module in members for members in groups.values())
        assert in_any or "eceops.remote_clusters.attributes.actiongroup_none" in fragments, module


def test_redact_secrets_nested():
    data = {"secrets": {"cluster.remote.a.credentials": {"value": "abc", "as_file": False}}, "api_key": "k", "name": "n",
            "list": [{"password": "p"}], "empty": {"value": None}}
    red = redact_secrets(data)
    assert red["secrets"]["cluster.remote.a.credentials"]["value"] == "********"
    assert red["api_key"] == "********" and red["list"][0]["password"] == "********"
    assert red["name"] == "n" and red["empty"]["value"] is None
    assert data["api_key"] == "k"  # the input is not modified


def test_hosts_file_parsing_and_lookup():
    table = _resolve.parse_hosts("# lab\n127.0.0.11 coordinator.a *.a.lab  # env A\n127.0.0.12 *.b.lab\n\n[::1] v6.host\n127.0.0.13 x.a.lab\n")
    assert _resolve.lookup(table, "coordinator.a") == "127.0.0.11"
    assert _resolve.lookup(table, "abc.a.lab") == "127.0.0.11"
    assert _resolve.lookup(table, "x.y.a.lab") == "127.0.0.11"
    assert _resolve.lookup(table, "X.A.LAB.") == "127.0.0.13"  # exact beats wildcard, case and trailing dot ignored
    assert _resolve.lookup(table, "a.lab") is None
    assert _resolve.lookup(table, "v6.host") == "::1"
    assert _resolve.lookup(table, "unknown.example") is None


def test_resolver_override_installs(tmp_path, monkeypatch):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 *.eceops-test.invalid\n")
    monkeypatch.setenv(_resolve.ENV_VAR, str(hosts))
    original = socket.getaddrinfo
    monkeypatch.setitem(_resolve._STATE, "installed", False)  # pylint: disable=protected-access
    try:
        assert _resolve.install_resolver() is True
        assert _resolve.install_resolver() is False
        infos = socket.getaddrinfo("abc.eceops-test.invalid", 443)
        assert infos[0][4][0] == "127.0.0.1"
    finally:
        socket.getaddrinfo = original


def test_explicit_empty_options_beat_environment_fallbacks(fake_http, run, monkeypatch):
    """A side's connection passes every option explicitly; ECE_* variables (another side's, in AWX) must not leak in."""
    from ansible_collections.eceops.remote_clusters.plugins.modules import ece_environment_info  # pylint: disable=import-outside-toplevel
    monkeypatch.setenv("ECE_CA_PATH", "/other/side/ca.pem")
    monkeypatch.setenv("ECE_API_KEY", "other-sides-key")
    fake_http.add("GET", "/api/v1/platform", (200, {"version": "3.8.0"}))
    result = run(ece_environment_info, {"ece_url": "https://c:12443", "ece_api_key": "", "ece_username": "admin",
                                        "ece_password": "pw", "ece_ca_path": "", "gather_subset": ["platform"]})
    assert result["environment"]["ece_version"] == "3.8.0"
    sent = fake_http.requests[0]
    assert sent["kwargs"]["verify"] != "/other/side/ca.pem"  # True, or the system bundle requests picks for True
    assert sent["headers"]["Authorization"].startswith("Basic ")
