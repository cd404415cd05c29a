# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate the AWX/AAP survey specs (awx/surveys/<playbook>.json) from the roles' argument specs.

Every scenario playbook ``playbooks/<name>.yml`` (all but demo.yml and preflight.yml) whose role ``roles/<name>`` has ``meta/argument_specs.yml`` gets a survey
with one question per option of the role's ``main`` entry point, except the connection options that default to an
environment variable (``lookup('ansible.builtin.env', 'ECE_URL')`` and the like in ``defaults/main.yml``): those come
from the credentials attached to the job template (awx/credential_types/), never from a survey.

Run from the repository root (any Python 3.9+ with PyYAML, e.g. the project's .venv):

    python awx/generate_surveys.py            # (re)write awx/surveys/*.json
    python awx/generate_surveys.py --check    # exit 1 and list the surveys that are out of date

tests/unit/awx/test_surveys.py runs the same generation and fails when a survey differs from its role's argument spec.

Type mapping (AWX survey types: text, textarea, password, integer, float, multiplechoice, multiselect):

    no_log option, or a connection dict
    with a no_log suboption            -> password (never a default; a dict is typed as JSON)
    bool                              -> multiplechoice "true"/"false" (AWX passes the answer as a string)
    str/path/raw with choices         -> multiplechoice
    int / float                       -> integer / float
    list with element choices         -> multiselect (AWX passes a list)
    list, dict (structured values)    -> textarea holding JSON (e.g. {"search": [{"names": ["logs-*"]}]}),
                                         no default: left empty, the role's own default applies
    str/path                          -> text

Options without a literal default (null, or a Jinja template) get no survey default, so AWX sends nothing for them
unless the user answers and the role's default applies.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SURVEY_DIR = os.path.join("awx", "surveys")

# Playbooks that are not scenario playbooks: demo.yml drives the lab (it takes the lab's description), preflight.yml is
# the read-only audit that takes two generic side descriptors (a job template passes them as extra vars, see docs/awx.md).
SKIP_PLAYBOOKS = frozenset(("demo", "preflight"))

# Environment variables the credential types inject, and the credential type (awx/credential_types/<file>) of each.
CREDENTIAL_TYPES = (
    ("ECE_PEER_", "ece_api_peer.json"),
    ("ECE_", "ece_api.json"),
    ("ES_", "elasticsearch.json"),
)

ENV_LOOKUP_RE = re.compile(r"""(?:lookup|query|q)\(\s*['"](?:ansible\.builtin\.)?env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")
MARKUP_RE = re.compile(r"\b(?:O|V|C|E|I|B|M|RV|U|P)\(([^()]*)\)")
LINK_RE = re.compile(r"\bL\(([^,()]*),[^()]*\)")
ACRONYMS = {
    "id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "ca": "CA", "cas": "CAs", "api": "API", "ece": "ECE",
    "ech": "ECH", "eck": "ECK", "es": "ES", "ccr": "CCR", "ccs": "CCS", "ip": "IP", "ips": "IPs", "tls": "TLS",
    "pem": "PEM", "pems": "PEMs", "sni": "SNI", "ssl": "SSL", "http": "HTTP", "lb": "LB",
}
STRUCTURED_TYPES = frozenset(("list", "dict"))


class SurveyError(Exception):
    """A role or playbook from which no survey can be made."""


def _load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def playbook_names(root=ROOT):
    """Names of the playbooks (``playbooks/<name>.yml``) that need a survey: every one but SKIP_PLAYBOOKS."""
    directory = os.path.join(root, "playbooks")
    if not os.path.isdir(directory):
        return []
    names = []
    for entry in sorted(os.listdir(directory)):
        name, ext = os.path.splitext(entry)
        if ext in (".yml", ".yaml") and os.path.isfile(os.path.join(directory, entry)) and name not in SKIP_PLAYBOOKS:
            names.append(name)
    return names


def role_entry_point(root, role):
    """The ``main`` entry point of ``roles/<role>/meta/argument_specs.yml``."""
    path = os.path.join(root, "roles", role, "meta", "argument_specs.yml")
    if not os.path.isfile(path):
        raise SurveyError("playbooks/%s.yml: no role roles/%s with meta/argument_specs.yml to build its survey from" % (role, role))
    specs = (_load_yaml(path) or {}).get("argument_specs") or {}
    if "main" not in specs:
        raise SurveyError("%s: no 'main' entry point" % path)
    return specs["main"] or {}


def _strings(value):
    """Every string inside a YAML value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def credential_options(root, role):
    """Options whose default (``roles/<role>/defaults/main.yml``) reads an environment variable: ``{option: [VAR, ...]}``.

    These are the connection settings the job template's credentials inject; they never become survey questions.
    """
    path = os.path.join(root, "roles", role, "defaults", "main.yml")
    if not os.path.isfile(path):
        return {}
    defaults = _load_yaml(path) or {}
    found = {}
    for name, value in defaults.items():
        names = []
        for text in _strings(value):
            names.extend(ENV_LOOKUP_RE.findall(text))
        if names:
            found[name] = sorted(set(names))
    return found


def credential_type_files(env_vars):
    """The credential type files (awx/credential_types/) that inject the given environment variables."""
    files = []
    for var in env_vars:
        for prefix, filename in CREDENTIAL_TYPES:
            if var.startswith(prefix):
                if filename not in files:
                    files.append(filename)
                break
    return sorted(files)


def _text(description):
    if description is None:
        return ""
    if isinstance(description, list):
        description = " ".join(str(part).strip() for part in description)
    text = LINK_RE.sub(r"\1", str(description))
    previous = None
    while previous != text:
        previous = text
        text = MARKUP_RE.sub(r"\1", text)
    return " ".join(text.split())


def question_name(role, option):
    """A short label from the option name: ``ece_to_same_ece_remote_deployment_id`` -> ``Remote deployment ID``."""
    name = option[len(role) + 1:] if option.startswith(role + "_") else option
    words = [ACRONYMS.get(word, word) for word in name.split("_") if word]
    if not words:
        return option
    first = words[0]
    words[0] = first if first in ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def _literal(value):
    """True when a default is a plain value (not null, not a Jinja template)."""
    if value is None:
        return False
    return not any("{{" in text or "{%" in text for text in _strings(value))


def holds_secret(option):
    """A secret (``no_log``) option, or a connection dict with a secret suboption (an API key, a password).

    Only direct suboptions count: a side descriptor whose nested ``es`` connection has a password is no connection
    itself (its connection comes from the credentials) and stays a readable textarea.
    """
    if option.get("no_log"):
        return True
    return any((sub or {}).get("no_log") for sub in (option.get("options") or {}).values())


def survey_type(option):
    """The AWX question type of an argument-spec option."""
    kind = option.get("type", "str")
    if holds_secret(option):
        return "password"
    if kind == "bool":
        return "multiplechoice"
    if kind == "int":
        return "integer"
    if kind == "float":
        return "float"
    if kind == "list":
        return "multiselect" if option.get("choices") else "textarea"
    if kind in STRUCTURED_TYPES or (kind == "raw" and not option.get("choices")):
        return "textarea"
    if option.get("choices"):
        return "multiplechoice"
    return "text"


def survey_choices(option):
    """The choices of a multiplechoice/multiselect question (strings, as AWX wants them)."""
    if option.get("type") == "bool":
        return ["true", "false"]
    return [_choice_text(choice) for choice in option.get("choices") or []]


def _choice_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def survey_default(option, qtype):
    """The question's default, or None for none (AWX then sends nothing and the role's default applies)."""
    default = option.get("default")
    if qtype in ("password", "textarea") or not _literal(default):
        return None
    if qtype == "multiplechoice":
        text = _choice_text(default)
        return text if text in survey_choices(option) else None
    if qtype == "multiselect":
        items = default if isinstance(default, list) else [default]
        return "\n".join(_choice_text(item) for item in items) or None
    if qtype == "integer":
        return int(default)
    if qtype == "float":
        return float(default)
    text = str(default)
    return text or None


def question(role, name, option):
    """One survey question for one argument-spec option."""
    qtype = survey_type(option)
    description = _text(option.get("description"))
    if qtype == "password" and option.get("type") == "dict":
        description = (description + " Enter JSON (a mapping), or leave empty for the role's default.").strip()
    if qtype == "textarea":
        hint = "Enter JSON (a %s)." % ("list" if option.get("type", "str") == "list" else "mapping" if option.get("type") == "dict" else "value")
        if _literal(option.get("default")):
            hint += " Leave empty for the default: %s." % json.dumps(option["default"], sort_keys=True)
        else:
            hint += " Leave empty for the role's default."
        description = (description + " " + hint).strip()
    entry = {
        "question_name": question_name(role, name),
        "question_description": description,
        "variable": name,
        "type": qtype,
        "required": bool(option.get("required", False)),
    }
    if qtype in ("multiplechoice", "multiselect"):
        entry["choices"] = survey_choices(option)
    default = survey_default(option, qtype)
    if default is not None:
        entry["default"] = default
    return entry


def build_survey(root, playbook):
    """The survey spec (a dict as AWX imports it) of ``playbooks/<playbook>.yml``."""
    entry = role_entry_point(root, playbook)
    options = entry.get("options") or {}
    skipped = credential_options(root, playbook)
    unknown = sorted(set(skipped) - set(options))
    if unknown:
        raise SurveyError("roles/%s/defaults/main.yml: %s not in the argument spec" % (playbook, ", ".join(unknown)))
    questions = [question(playbook, name, option) for name, option in options.items() if name not in skipped]
    if not questions:
        raise SurveyError("roles/%s: no option left for a survey" % playbook)
    # required questions first, each group in the argument spec's order
    questions = [q for q in questions if q["required"]] + [q for q in questions if not q["required"]]
    env_vars = sorted(set(var for names in skipped.values() for var in names))
    credential_files = credential_type_files(env_vars)
    summary = _text(entry.get("short_description")) or "Role eceops.remote_clusters.%s" % playbook
    description = "%s. Playbook playbooks/%s.yml (role eceops.remote_clusters.%s)." % (summary.rstrip("."), playbook, playbook)
    if credential_files:
        description += " Connections come from the credentials (awx/credential_types/): %s; environment variables %s." % (
            ", ".join(credential_files), ", ".join(env_vars))
    return {"name": "eceops.remote_clusters %s" % playbook, "description": description, "spec": questions}


def render(survey):
    """The file content of a survey (stable JSON)."""
    return json.dumps(survey, indent=2, ensure_ascii=False) + "\n"


def survey_path(root, playbook):
    """Where the survey of a playbook lives."""
    return os.path.join(root, SURVEY_DIR, playbook + ".json")


def generate(root=ROOT, check=False):
    """Write (or with ``check`` only compare) every survey; return the list of problems (empty when all is well)."""
    problems = []
    wanted = set()
    for playbook in playbook_names(root):
        wanted.add(playbook + ".json")
        try:
            content = render(build_survey(root, playbook))
        except SurveyError as exc:
            problems.append(str(exc))
            continue
        path = survey_path(root, playbook)
        current = None
        if os.path.isfile(path):
            with open(path) as handle:
                current = handle.read()
        if current == content:
            continue
        if check:
            problems.append("%s is %s: run python awx/generate_surveys.py" % (os.path.relpath(path, root), "missing" if current is None else "out of date"))
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(content)
    directory = os.path.join(root, SURVEY_DIR)
    if os.path.isdir(directory):
        for entry in sorted(os.listdir(directory)):
            if entry.endswith(".json") and entry not in wanted:
                if check:
                    problems.append("%s has no playbook playbooks/%s.yml" % (os.path.join(SURVEY_DIR, entry), entry[:-5]))
                else:
                    os.remove(os.path.join(directory, entry))
    return problems


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a survey is missing or out of date")
    parser.add_argument("--root", default=ROOT, help="the collection root (default: the checkout this script is in)")
    args = parser.parse_args(argv)
    problems = generate(args.root, check=args.check)
    for problem in problems:
        sys.stderr.write(problem + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
