# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX survey specs (awx/surveys/<playbook>.json) never drift from the roles' argument specs.

For every playbook that needs one (every ``playbooks/*.yml`` but demo.yml) there is a survey; it is exactly what
awx/generate_surveys.py makes from ``roles/<playbook>/meta/argument_specs.yml`` today; and, checked independently
of the generator, its questions are the role's options (minus the connection options the credentials supply) with
the same names, types, required flags and choices, secrets as password questions; and AWX would accept it.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import json
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SURVEYS = os.path.join(ROOT, "awx", "surveys")
SCENARIOS = ("ece_to_same_ece", "ece_to_other_ece", "ece_to_ech", "ece_to_self_managed", "ece_to_eck",
             "same_ece_to_ece", "other_ece_to_ece", "ech_to_ece", "self_managed_to_ece", "eck_to_ece")
AWX_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int, "float": float}
# argument-spec type -> the survey question types that can carry it
COMPATIBLE = {
    "str": ("text", "multiplechoice", "password"),
    "path": ("text", "password"),
    "raw": ("textarea", "multiplechoice", "password"),
    "bool": ("multiplechoice",),
    "int": ("integer",),
    "float": ("float",),
    "list": ("textarea", "multiselect"),
    "dict": ("textarea", "password"),
}
ENV_LOOKUP_RE = re.compile(r"""(?:lookup|query|q)\(\s*['"](?:ansible\.builtin\.)?env['"]""")


def _load_generator():
    spec = importlib.util.spec_from_file_location("eceops_generate_surveys", os.path.join(ROOT, "awx", "generate_surveys.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
PLAYBOOKS = GEN.playbook_names(ROOT)


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def load_survey(playbook):
    with open(os.path.join(SURVEYS, playbook + ".json")) as handle:
        return json.load(handle)


def validate_awx_survey(survey):
    """What AWX's JobTemplateSurveySpec._validate_spec_data accepts (awx/api/views), plus launch-time type checks."""
    assert isinstance(survey.get("name"), str) and survey["name"]
    assert isinstance(survey.get("description"), str)
    assert isinstance(survey.get("spec"), list) and survey["spec"], "'spec' doesn't contain any items"
    seen = set()
    for item in survey["spec"]:
        for key in ("type", "question_name", "variable"):
            assert isinstance(item.get(key), str) and item[key], (key, item)
        assert isinstance(item.get("required"), bool), item
        assert item["variable"] not in seen, "duplicated variable %s" % item["variable"]
        seen.add(item["variable"])
        assert re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", item["variable"])
        qtype = item["type"]
        assert qtype in AWX_TYPES, qtype
        if "default" in item and item["default"] != "":
            assert type(item["default"]) is AWX_TYPES[qtype], item  # pylint: disable=unidiomatic-typecheck
        for key in ("min", "max"):
            assert item.get(key) is None or isinstance(item[key], int)
        if qtype in ("multiplechoice", "multiselect"):
            choices = item.get("choices")
            assert isinstance(choices, list) and choices and all(isinstance(c, str) and c for c in choices), item
            assert len(set(choices)) == len(choices)
            if "default" in item:
                defaults = item["default"].splitlines()
                assert qtype == "multiselect" or len(defaults) == 1, "multiple choice takes one default"
                assert all(d in choices for d in defaults), "default not among the choices"
        else:
            assert "choices" not in item, item
        if qtype == "password":
            assert "default" not in item, "no secret default in a survey spec"


def credential_supplied(role):
    """Options whose defaults read an environment variable (the job template's credentials supply them)."""
    path = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    if not os.path.isfile(path):
        return set()
    defaults = load_yaml(path) or {}
    return set(name for name, value in defaults.items() if ENV_LOOKUP_RE.search(json.dumps(value)))


def test_every_scenario_has_a_playbook_or_none_yet():
    """Once scenario playbooks exist, every scenario of the README has one (and so a survey, below)."""
    existing = set(PLAYBOOKS)
    if not existing & set(SCENARIOS):
        pytest.skip("no scenario playbook yet")
    assert set(SCENARIOS) - existing == set()


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_playbook_has_a_survey(playbook):
    assert os.path.isfile(os.path.join(SURVEYS, playbook + ".json")), \
        "playbooks/%s.yml has no survey: run python awx/generate_surveys.py" % playbook


def test_no_survey_without_a_playbook():
    if not os.path.isdir(SURVEYS):
        return
    for entry in os.listdir(SURVEYS):
        assert entry.endswith(".json") and entry[:-5] in PLAYBOOKS, "awx/surveys/%s has no playbook" % entry


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_survey_is_what_the_generator_makes(playbook):
    with open(os.path.join(SURVEYS, playbook + ".json")) as handle:
        current = handle.read()
    assert current == GEN.render(GEN.build_survey(ROOT, playbook)), \
        "awx/surveys/%s.json differs from roles/%s/meta/argument_specs.yml: run python awx/generate_surveys.py" % (playbook, playbook)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_survey_matches_the_argument_spec(playbook):
    survey = load_survey(playbook)
    validate_awx_survey(survey)
    options = load_yaml(os.path.join(ROOT, "roles", playbook, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
    supplied = credential_supplied(playbook)
    questions = dict((q["variable"], q) for q in survey["spec"])
    assert set(questions) == set(options) - supplied, "names differ from the argument spec"
    for name, question in questions.items():
        option = options[name]
        kind = option.get("type", "str")
        assert question["required"] == bool(option.get("required", False)), name
        assert question["type"] in COMPATIBLE[kind], "%s: %s cannot carry a %s" % (name, question["type"], kind)
        secret = bool(option.get("no_log")) or any((sub or {}).get("no_log") for sub in (option.get("options") or {}).values())
        assert (question["type"] == "password") == secret, \
            "%s: secrets (no_log, or a connection with a no_log suboption) and only they are password questions" % name
        if option.get("choices") and question["type"] != "password":
            assert question["choices"] == [str(c).lower() if isinstance(c, bool) else str(c) for c in option["choices"]], name
        if kind == "bool" and question["type"] == "multiplechoice":
            assert question["choices"] == ["true", "false"]
        if "default" in question:
            default = option.get("default")
            if kind == "bool":
                assert question["default"] == ("true" if default else "false"), name
            elif kind == "list":
                assert question["default"].splitlines() == [str(item) for item in default], name
            else:
                assert question["default"] == default, name
        if question["type"] == "textarea" or kind == "dict":
            assert "JSON" in question["question_description"], "%s: say what a structured answer looks like" % name


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_survey_names_its_credentials(playbook):
    survey = load_survey(playbook)
    supplied = credential_supplied(playbook)
    for filename in GEN.credential_type_files(sorted(set(v for vs in GEN.credential_options(ROOT, playbook).values() for v in vs))):
        assert filename in survey["description"]
        assert os.path.isfile(os.path.join(ROOT, "awx", "credential_types", filename))
    assert bool(supplied) == ("credential" in survey["description"])


def test_generate_check_passes_on_the_checkout():
    assert GEN.generate(ROOT, check=True) == []


# ---- the generator itself, on a made-up role -------------------------------------------------------------------

ARGUMENT_SPECS = {
    "argument_specs": {
        "main": {
            "short_description": "Connect C(x) to a remote",
            "options": {
                "demo_role_ece": {"type": "dict", "description": "ECE API connection."},
                "demo_role_remote_deployment_id": {"type": "str", "required": True, "description": ["The O(demo_role_ece) deployment", "V(abc)."]},
                "demo_role_security_model": {"type": "str", "choices": ["api_key", "certificate"], "default": "api_key"},
                "demo_role_skip_unavailable": {"type": "bool", "default": True},
                "demo_role_enable_ccr": {"type": "bool", "default": False},
                "demo_role_wait_timeout": {"type": "int", "default": 300},
                "demo_role_ratio": {"type": "float", "default": 1},
                "demo_role_phases": {"type": "list", "elements": "str", "choices": ["trust", "connect"], "default": ["trust", "connect"]},
                "demo_role_access": {"type": "dict", "default": {"search": [{"names": ["*"]}]}},
                "demo_role_egress_ips": {"type": "list", "elements": "str", "default": []},
                "demo_role_key_name": {"type": "str", "default": "{{ demo_role_alias }}-x"},
                "demo_role_alias": {"type": "str"},
                "demo_role_es_password": {"type": "str", "no_log": True, "default": "secret"},
                "demo_role_ca_path": {"type": "path", "default": ""},
                "demo_role_local_es": {"type": "dict", "options": {"url": {"type": "str"}, "password": {"type": "str", "no_log": True}}},
                "demo_role_side": {"type": "dict", "options": {"hosts": {"type": "list"}, "es": {"type": "dict", "options": {
                    "password": {"type": "str", "no_log": True}}}}},
            },
        },
    },
}
DEFAULTS = {
    "demo_role_ece": {"url": "{{ lookup('ansible.builtin.env', 'ECE_URL') }}", "api_key": "{{ lookup('env', 'ECE_API_KEY') }}"},
    "demo_role_peer_url": "{{ lookup('ansible.builtin.env', 'ECE_PEER_URL') | default('', true) }}",
    "demo_role_security_model": "api_key",
}


def make_tree(tmp_path, defaults=None):
    role = tmp_path / "roles" / "demo_role"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (tmp_path / "playbooks").mkdir()
    specs = json.loads(json.dumps(ARGUMENT_SPECS))
    defaults = DEFAULTS if defaults is None else defaults
    if "demo_role_peer_url" in defaults:
        specs["argument_specs"]["main"]["options"]["demo_role_peer_url"] = {"type": "str"}
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(specs))
    (role / "defaults" / "main.yml").write_text(yaml.safe_dump(defaults))
    (tmp_path / "playbooks" / "demo_role.yml").write_text("- hosts: localhost\n  roles: [eceops.remote_clusters.demo_role]\n")
    (tmp_path / "playbooks" / "demo.yml").write_text("- hosts: localhost\n")
    return tmp_path


def test_generator_mapping(tmp_path):
    root = str(make_tree(tmp_path))
    survey = GEN.build_survey(root, "demo_role")
    validate_awx_survey(survey)
    questions = dict((q["variable"], q) for q in survey["spec"])
    assert "demo_role_ece" not in questions and "demo_role_peer_url" not in questions, "credential-supplied options are no questions"
    assert survey["spec"][0]["variable"] == "demo_role_remote_deployment_id", "required questions come first"
    assert questions["demo_role_remote_deployment_id"] == {
        "question_name": "Remote deployment ID", "question_description": "The demo_role_ece deployment abc.",
        "variable": "demo_role_remote_deployment_id", "type": "text", "required": True}
    assert questions["demo_role_security_model"]["type"] == "multiplechoice"
    assert questions["demo_role_security_model"]["choices"] == ["api_key", "certificate"]
    assert questions["demo_role_security_model"]["default"] == "api_key"
    assert (questions["demo_role_skip_unavailable"]["choices"], questions["demo_role_skip_unavailable"]["default"]) == (["true", "false"], "true")
    assert questions["demo_role_enable_ccr"]["default"] == "false"
    assert (questions["demo_role_wait_timeout"]["type"], questions["demo_role_wait_timeout"]["default"]) == ("integer", 300)
    assert (questions["demo_role_ratio"]["type"], questions["demo_role_ratio"]["default"]) == ("float", 1.0)
    assert isinstance(questions["demo_role_ratio"]["default"], float)
    assert questions["demo_role_phases"]["type"] == "multiselect" and questions["demo_role_phases"]["default"] == "trust\nconnect"
    access = questions["demo_role_access"]
    assert access["type"] == "textarea" and "default" not in access
    assert '{"search": [{"names": ["*"]}]}' in access["question_description"]
    assert questions["demo_role_egress_ips"]["type"] == "textarea"
    assert "default" not in questions["demo_role_key_name"], "a templated default is the role's business"
    assert "default" not in questions["demo_role_alias"]
    assert questions["demo_role_es_password"]["type"] == "password" and "default" not in questions["demo_role_es_password"]
    assert questions["demo_role_ca_path"]["type"] == "text" and "default" not in questions["demo_role_ca_path"]
    assert questions["demo_role_local_es"]["type"] == "password", "a connection with a password is typed hidden"
    assert "JSON" in questions["demo_role_local_es"]["question_description"]
    assert questions["demo_role_side"]["type"] == "textarea", "a side descriptor stays readable"
    assert "ece_api.json" in survey["description"] and "ece_api_peer.json" in survey["description"]
    assert "ECE_PEER_URL" in survey["description"]


def test_generator_writes_checks_and_prunes(tmp_path):
    root = str(make_tree(tmp_path, defaults={"demo_role_security_model": "api_key"}))
    assert GEN.generate(root, check=True) == ["awx/surveys/demo_role.json is missing: run python awx/generate_surveys.py"]
    assert GEN.generate(root) == []
    assert sorted(os.listdir(os.path.join(root, "awx", "surveys"))) == ["demo_role.json"], "demo.yml needs no survey"
    assert GEN.generate(root, check=True) == []
    survey = json.loads((tmp_path / "awx" / "surveys" / "demo_role.json").read_text())
    assert "demo_role_ece" in [q["variable"] for q in survey["spec"]]
    assert "credential" not in survey["description"]
    # the argument spec changes: the survey is out of date until regenerated
    specs = ARGUMENT_SPECS["argument_specs"]["main"]["options"]
    specs_copy = json.loads(json.dumps(ARGUMENT_SPECS))
    specs_copy["argument_specs"]["main"]["options"]["demo_role_alias"]["required"] = True
    (tmp_path / "roles" / "demo_role" / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(specs_copy))
    assert GEN.generate(root, check=True) == ["awx/surveys/demo_role.json is out of date: run python awx/generate_surveys.py"]
    assert "required" not in specs["demo_role_alias"]
    # a survey whose playbook went away
    (tmp_path / "awx" / "surveys" / "gone.json").write_text("{}")
    assert "awx/surveys/gone.json has no playbook playbooks/gone.yml" in GEN.generate(root, check=True)
    assert GEN.generate(root) == []
    assert not (tmp_path / "awx" / "surveys" / "gone.json").exists()
    assert GEN.main(["--check", "--root", root]) == 0


def test_generator_refuses_a_playbook_without_role(tmp_path):
    root = make_tree(tmp_path)
    (root / "playbooks" / "lonely.yml").write_text("- hosts: localhost\n")
    problems = GEN.generate(str(root), check=True)
    assert any("playbooks/lonely.yml: no role roles/lonely" in p for p in problems)
    assert GEN.main(["--check", "--root", str(root)]) == 1


def test_generator_refuses_unknown_credential_defaults(tmp_path):
    root = make_tree(tmp_path, defaults={"demo_role_not_in_spec": "{{ lookup('env', 'ECE_URL') }}"})
    with pytest.raises(GEN.SurveyError, match="demo_role_not_in_spec not in the argument spec"):
        GEN.build_survey(str(root), "demo_role")
