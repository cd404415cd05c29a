# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types (awx/credential_types/*.json) inject exactly what the modules and roles read.

- ece_api.json and elasticsearch.json inject exactly the ECE_* and ES_* variables the connection doc fragments
  document (and the argument specs read as fallbacks), ece_api_peer.json the same set as ECE_PEER_* for the second
  ECE environment (or the ECH API), which the scenario roles read in their defaults;
- the files are what AWX accepts (its input and injector schemas, and its template check with StrictUndefined);
- secrets are marked secret; what the injectors render for a credential with only the required fields (no CA, the
  boolean left unset as AWX leaves it) still gives modules valid parameters and certificate verification on; a real
  module run with the injected environment talks to the URL with the key and the CA file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.eceops.remote_clusters.plugins.doc_fragments import ece as ece_fragment
from ansible_collections.eceops.remote_clusters.plugins.doc_fragments import elasticsearch as es_fragment
from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ECE_CONNECTION_SPEC, ES_CONNECTION_SPEC
from ansible_collections.eceops.remote_clusters.plugins.modules import ece_environment_info, es_cluster_info

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TYPES_DIR = os.path.join(ROOT, "awx", "credential_types")
FRAGMENT_VAR_RE = re.compile(r"E\(([A-Z][A-Z0-9_]*)\)")
ENV_LOOKUP_RE = re.compile(r"""(?:lookup|query|q)\(\s*['"](?:ansible\.builtin\.)?env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")
SUFFIXES = ("URL", "API_KEY", "USERNAME", "PASSWORD", "CA_PATH", "VALIDATE_CERTS")
SECRET_WORDS = ("password", "api_key", "secret", "token", "key")
# AWX refuses these in env injectors (awx.main.constants.ENV_BLOCKLIST, plus every ANSIBLE_* name)
AWX_ENV_BLOCKLIST = frozenset(("VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                               "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                               "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                               "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH", "SUPERVISOR_WEB_CONFIG_PATH"))
EXPECTED = {
    "ece_api.json": "ECE_",
    "elasticsearch.json": "ES_",
    "ece_api_peer.json": "ECE_PEER_",
}
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def load(name):
    with open(os.path.join(TYPES_DIR, name)) as handle:
        return json.load(handle)


def fragment_options(fragment):
    return yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)["options"]


def fragment_vars(fragment):
    """The environment variables a doc fragment documents for its options (not the notes: ECEOPS_HOSTS_FILE is no credential)."""
    names = set()
    for option in fragment_options(fragment).values():
        description = option["description"]
        text = " ".join(description) if isinstance(description, list) else description
        names.update(FRAGMENT_VAR_RE.findall(text))
    return names


def spec_vars(spec):
    names = set()
    for option in spec.values():
        names.update((option.get("fallback") or (None, []))[1])
    return names


def render_injectors(ctype, inputs, private_dir):
    """Render a credential type's injectors like AWX's CredentialType.inject_credential does at job run time.

    Fields the credential does not have are absent from the namespace (they render as empty strings), missing
    boolean fields are False, the file injector is always written and ``tower.filename`` names it.
    """
    namespace = {}
    for field in ctype["inputs"]["fields"]:
        value = inputs.get(field["id"])
        if isinstance(value, bool):
            namespace[field["id"]] = value
        elif field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
        elif value:
            namespace[field["id"]] = value
    env = ImmutableSandboxedEnvironment(undefined=Undefined)

    class Tower(object):  # pylint: disable=too-few-public-methods
        """AWX's ``tower`` template namespace."""

    tower = Tower()
    namespace["tower"] = tower
    files = {}
    for label, template in sorted(ctype["injectors"].get("file", {}).items()):
        path = os.path.join(private_dir, "cred-" + label.replace(".", "-"))
        with open(path, "w") as handle:
            handle.write(env.from_string(template).render(**namespace))
        files[label] = path
        if label == "template":
            tower.filename = path
    injected = dict((name, env.from_string(template).render(**namespace)) for name, template in ctype["injectors"].get("env", {}).items())
    extra_vars = dict((name, env.from_string(template).render(**namespace)) for name, template in ctype["injectors"].get("extra_vars", {}).items())
    return injected, extra_vars, files


def validate_awx_schema(ctype):
    """What AWX's CredentialTypeInputField / CredentialTypeInjectorField accept (awx/main/fields.py)."""
    assert set(ctype) <= {"name", "description", "kind", "inputs", "injectors"}, sorted(ctype)
    assert isinstance(ctype["name"], str) and ctype["name"]
    assert isinstance(ctype["description"], str)
    assert ctype["kind"] == "cloud"
    inputs = ctype["inputs"]
    assert set(inputs) <= {"fields", "required"}, "custom credential types take no 'dependencies'"
    ids = []
    for field in inputs["fields"]:
        assert set(field) <= {"id", "label", "type", "help_text", "multiline", "secret", "ask_at_runtime", "default", "choices", "format"}, field
        assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", field["id"]) and field["id"] != "tower", field
        assert isinstance(field["label"], str) and field["label"]
        assert field.get("type", "string") in ("string", "boolean")
        if field.get("type") == "boolean":
            assert not set(field) & {"choices", "multiline", "format", "secret"}, field
        if "default" in field:
            assert isinstance(field["default"], {"string": str, "boolean": bool}[field.get("type", "string")]), field
        ids.append(field["id"])
    assert len(ids) == len(set(ids))
    assert set(inputs.get("required", [])) <= set(ids)
    injectors = ctype["injectors"]
    assert set(injectors) <= {"file", "env", "extra_vars"}
    labels = list(injectors.get("file", {}))
    assert all(re.match(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$", label) for label in labels)
    assert "template" not in labels or len(labels) == 1, "AWX needs the multi-file syntax for more than one file"
    for name, value in injectors.get("env", {}).items():
        assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", name) and isinstance(value, str)
        assert all(ord(char) < 128 for char in value)
        assert not name.startswith("ANSIBLE_") and name not in AWX_ENV_BLOCKLIST, name
    # AWX renders every injector with StrictUndefined over the defined fields: a typo is refused at import
    namespace = dict((field_id, "EXAMPLE") for field_id in ids)

    class Tower(object):  # pylint: disable=too-few-public-methods
        """AWX's validation namespace."""
        filename = "EXAMPLE_FILENAME"

    namespace["tower"] = Tower()
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ("file", "env", "extra_vars"):
        for template in injectors.get(kind, {}).values():
            env.from_string(template).render(**namespace)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_awx_accepts_the_credential_type(name):
    validate_awx_schema(load(name))


def test_only_the_known_credential_types_exist():
    assert sorted(f for f in os.listdir(TYPES_DIR) if f.endswith(".json")) == sorted(EXPECTED)


@pytest.mark.parametrize("fragment,spec,name", [(ece_fragment, ECE_CONNECTION_SPEC, "ece_api.json"),
                                                (es_fragment, ES_CONNECTION_SPEC, "elasticsearch.json")])
def test_injectors_are_exactly_the_doc_fragment_variables(fragment, spec, name):
    documented = fragment_vars(fragment)
    assert documented == spec_vars(spec), "doc fragment and argument spec disagree"
    injected = set(load(name)["injectors"]["env"])
    assert injected - documented == set(), "injected but no module reads it"
    assert documented - injected == set(), "the modules read it but the credential type does not inject it"
    assert not load(name)["injectors"].get("extra_vars"), "connections go through the environment, never extra vars"


def test_peer_type_injects_the_same_set_for_the_second_environment():
    base = load("ece_api.json")
    peer = load("ece_api_peer.json")
    assert set(peer["injectors"]["env"]) == set("ECE_PEER_" + suffix for suffix in SUFFIXES)
    assert dict((name.replace("ECE_PEER_", "ECE_", 1), value) for name, value in peer["injectors"]["env"].items()) == base["injectors"]["env"]

    def same(fields):
        return [dict((k, v) for k, v in field.items() if field["id"] != "url" or k not in ("label", "help_text")) for field in fields]

    assert same(peer["inputs"]["fields"]) == same(base["inputs"]["fields"])
    assert peer["inputs"]["required"] == base["inputs"]["required"]
    assert peer["name"] != base["name"], "AWX needs a distinct type to attach both to one job template"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_secret_fields_are_marked_secret(name):
    ctype = load(name)
    for field in ctype["inputs"]["fields"]:
        looks_secret = field.get("type", "string") == "string" and any(word in field["id"] for word in SECRET_WORDS)
        assert bool(field.get("secret")) == looks_secret, field["id"]
    secret_ids = set(f["id"] for f in ctype["inputs"]["fields"] if f.get("secret"))
    assert {"api_key", "password"} <= secret_ids
    # a secret only reaches the environment variable meant for it (AWX masks secret fields in the job's env record)
    prefix = EXPECTED[name]
    for var, template in ctype["injectors"]["env"].items():
        used = set(re.findall(r"\b(%s)\b" % "|".join(secret_ids), template))
        assert used <= {var[len(prefix):].lower()}, var


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields_and_their_use(name):
    ctype = load(name)
    fields = dict((f["id"], f) for f in ctype["inputs"]["fields"])
    assert ctype["inputs"]["required"] == ["url"]
    assert fields["ca_cert"].get("multiline") is True and not fields["ca_cert"].get("secret")
    assert fields["skip_tls_verify"]["type"] == "boolean" and fields["skip_tls_verify"]["default"] is False
    templates = " ".join(ctype["injectors"]["env"].values()) + " ".join(ctype["injectors"].get("file", {}).values())
    for field_id in fields:
        assert re.search(r"\b%s\b" % field_id, templates), "field %s is never injected" % field_id


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("inputs,expected", [
    # only the required URL and an API key; the boolean left out, as a credential created through the API leaves it
    ({"url": "https://ece.example.com:12443", "api_key": "k3y"},
     {"URL": "https://ece.example.com:12443", "API_KEY": "k3y", "USERNAME": "", "PASSWORD": "", "CA_PATH": "", "VALIDATE_CERTS": "true"}),
    ({"url": "https://ece.example.com:12443", "username": "admin", "password": "pw", "ca_cert": CA_PEM, "skip_tls_verify": False},
     {"URL": "https://ece.example.com:12443", "API_KEY": "", "USERNAME": "admin", "PASSWORD": "pw", "CA_PATH": "<file>", "VALIDATE_CERTS": "true"}),
    ({"url": "https://ece.example.com:12443", "api_key": "k3y", "skip_tls_verify": True},
     {"URL": "https://ece.example.com:12443", "API_KEY": "k3y", "USERNAME": "", "PASSWORD": "", "CA_PATH": "", "VALIDATE_CERTS": "false"}),
])
def test_rendered_environment(tmp_path, name, inputs, expected):
    env, extra_vars, files = render_injectors(load(name), inputs, str(tmp_path))
    prefix = EXPECTED[name]
    want = dict((prefix + key, files["template"] if value == "<file>" else value) for key, value in expected.items())
    assert env == want
    assert extra_vars == {}
    if inputs.get("ca_cert"):
        with open(files["template"]) as handle:
            assert handle.read() == CA_PEM


def _injected(ctype, inputs, private_dir):
    env, extra_vars, files = render_injectors(ctype, inputs, private_dir)
    assert not extra_vars
    return env, files


def _assert_verify(actual, expected, ca_file):
    """``expected``: "<file>" (the injected CA file), False (no verification) or True (the system trust store,
    which requests may spell as the path of its default bundle)."""
    if expected == "<file>":
        assert actual == ca_file
    elif expected is False:
        assert actual is False
    else:
        assert actual is True or (isinstance(actual, str) and actual != ca_file), actual


def _set_env(monkeypatch, env):
    for prefix in ("ECE_", "ES_"):
        for suffix in SUFFIXES:
            monkeypatch.delenv(prefix + suffix, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("inputs,verify,auth", [
    ({"url": "https://ece.example.com:12443", "api_key": "k3y"}, True, "ApiKey k3y"),
    ({"url": "https://ece.example.com:12443", "username": "admin", "password": "pw", "ca_cert": CA_PEM}, "<file>", "Basic YWRtaW46cHc="),
    ({"url": "https://ece.example.com:12443", "api_key": "k3y", "skip_tls_verify": True}, False, "ApiKey k3y"),
])
def test_ece_module_runs_with_the_injected_environment(tmp_path, monkeypatch, fake_http, run, inputs, verify, auth):
    env, files = _injected(load("ece_api.json"), inputs, str(tmp_path))
    _set_env(monkeypatch, env)
    fake_http.add("GET", "/api/v1/platform", (200, {"version": "3.8.1"}))
    run(ece_environment_info, {})
    assert fake_http.requests, "the module sent no request"
    first = fake_http.requests[0]
    assert first["url"].startswith("https://ece.example.com:12443/api/v1/")
    assert first["headers"]["Authorization"] == auth
    _assert_verify(first["kwargs"]["verify"], verify, files["template"])


@pytest.mark.parametrize("inputs,verify,auth", [
    ({"url": "https://es.example.com:9200", "api_key": "ZW5jb2RlZA=="}, True, "ApiKey ZW5jb2RlZA=="),
    ({"url": "https://es.example.com:9200", "username": "elastic", "password": "pw", "ca_cert": CA_PEM}, "<file>", "Basic ZWxhc3RpYzpwdw=="),
    ({"url": "https://es.example.com:9200", "username": "elastic", "password": "pw", "skip_tls_verify": True}, False, "Basic ZWxhc3RpYzpwdw=="),
])
def test_es_module_runs_with_the_injected_environment(tmp_path, monkeypatch, fake_http, run, inputs, verify, auth):
    env, files = _injected(load("elasticsearch.json"), inputs, str(tmp_path))
    _set_env(monkeypatch, env)
    fake_http.add("GET", "/", (200, {"cluster_name": "c", "cluster_uuid": "u", "version": {"number": "9.1.3"}}))
    run(es_cluster_info, {})
    assert fake_http.requests, "the module sent no request"
    first = fake_http.requests[0]
    assert first["url"].startswith("https://es.example.com:9200/")
    assert first["headers"]["Authorization"] == auth
    _assert_verify(first["kwargs"]["verify"], verify, files["template"])


def _role_env_vars():
    """``{role: {VAR, ...}}``: the environment variables each role's defaults read."""
    found = {}
    roles_dir = os.path.join(ROOT, "roles")
    if not os.path.isdir(roles_dir):
        return found
    for role in sorted(os.listdir(roles_dir)):
        path = os.path.join(roles_dir, role, "defaults", "main.yml")
        if os.path.isfile(path):
            with open(path) as handle:
                names = set(ENV_LOOKUP_RE.findall(handle.read()))
            if names:
                found[role] = names
    return found


def test_every_variable_the_roles_read_is_injected():
    injected = set()
    for name in EXPECTED:
        injected.update(load(name)["injectors"]["env"])
    for role, names in _role_env_vars().items():
        assert names - injected == set(), "roles/%s/defaults/main.yml reads variables no credential type injects" % role


def test_the_peer_variables_are_read_by_the_scenario_roles():
    used = set()
    for names in _role_env_vars().values():
        used.update(names)
    if not used:
        pytest.skip("no role reads connection variables from the environment yet")
    peer = set(load("ece_api_peer.json")["injectors"]["env"])
    # the scenarios with a second ECE API (B, G: another ECE; C, H: the ECH API) read every ECE_PEER_* variable
    # except the ones a role may legitimately fold into others; at least URL and API_KEY must be read
    assert {"ECE_PEER_URL", "ECE_PEER_API_KEY"} <= used, "no role reads the second environment's connection from ECE_PEER_*"
    assert used & peer == peer, "ECE_PEER_* injected but never read: %s" % sorted(peer - used)
