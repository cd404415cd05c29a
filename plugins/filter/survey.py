# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The json_text filter (documented in json_text.yml next to this file): a structured role variable given as text.

AWX/AAP surveys pass a mapping or a list as the text of a textarea (JSON), and ``-e key=value`` passes text too; the
scenario roles read their structured variables through this filter so both work like a YAML value."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError


def json_text(value, name="value", kind="dict"):
    """``value`` as a structure: JSON text parsed, an empty text as None (an empty list for ``kind='list'``), a list given as lines or commas split;
    anything else unchanged. Raises a clear error (naming ``name``, never echoing the text) when the text is wrong."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return [] if kind == "list" else None
    if text[0] in "{[":
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise AnsibleFilterError("%s: the text is not valid JSON (%s at character %s); give a %s in JSON, for example %s"
                                     % (name, getattr(exc, "msg", "syntax error"), getattr(exc, "pos", "?"), _what(kind),
                                        _example(kind)))
        if kind == "dict" and not isinstance(parsed, dict) or kind == "list" and not isinstance(parsed, list):
            raise AnsibleFilterError("%s: the JSON text is a %s, a %s is expected; for example %s"
                                     % (name, type(parsed).__name__.replace("dict", "mapping"), _what(kind), _example(kind)))
        return parsed
    if kind == "list":
        return [item.strip() for item in re.split(r"[,\n]", text) if item.strip()]
    raise AnsibleFilterError("%s: a %s is expected, not plain text; give it in YAML, or as JSON text such as %s"
                             % (name, _what(kind), _example(kind)))


def _what(kind):
    return "list" if kind == "list" else "mapping"


def _example(kind):
    return '["a", "b"]' if kind == "list" else '{"key": "value"}'


class FilterModule(object):
    """Structured variables given as text."""

    def filters(self):
        return {"json_text": json_text}
