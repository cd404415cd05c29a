# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Safe, comment-keeping edits of ``elasticsearch.yml`` (pure functions; the module ``elasticsearch_config`` uses them).

Elasticsearch reads ``elasticsearch.yml`` as YAML and flattens it: ``xpack: {security: {enabled: true}}`` and
``xpack.security.enabled: true`` are the same setting. The editor works on the text, line by line, so comments,
blank lines, ordering and unrelated settings stay as they are:

* a setting that exists (flat, nested, or partly nested such as ``xpack.security:`` with ``transport.ssl.key:``
  below it) is replaced where it is, with its own key spelling and indentation;
* a new setting is appended at the end of the file in flat form;
* a removed setting loses its lines, and a nested parent left empty is removed with it.

Every edit is checked: the new text is parsed again and its flattened settings must be exactly the old ones with
the requested changes. Anything the editor cannot do safely (flow-style mappings, a setting defined twice, a
setting that is both a value and a parent of other settings) raises :class:`EsYmlError` and nothing is written.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

try:
    from ansible.module_utils.common.yaml import HAS_YAML, yaml_load
except ImportError:  # pragma: no cover - very old ansible-core
    HAS_YAML = False
    yaml_load = None

KEY_LINE = re.compile(r"""^(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:\[\]{},&*!|>%@`][^#]*?|-[^\s#][^#]*?)[ \t]*:(?:[ \t]+(?P<rest>.*))?$""")
PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$][A-Za-z0-9_./$@%+=,:-]*$")
RESERVED = re.compile(r"^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|nan)|0x[0-9a-fA-F]+|0o[0-7]+)$",
                      re.IGNORECASE)


class EsYmlError(Exception):
    """The file cannot be edited safely (the message says why and what to do)."""


# -- values ----------------------------------------------------------------------------------------------------
def normalize(value):
    """A value as Elasticsearch sees it: scalars as strings (booleans lower case), lists item by item."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return dict((key, normalize(item)) for key, item in flatten(value).items())
    return str(value)


def same(current, new):
    """Whether Elasticsearch reads both values alike (a list and the same comma separated string are equal)."""
    if current is None or new is None:
        return current is None and new is None
    if isinstance(new, (list, tuple)) or isinstance(current, (list, tuple)):
        return normalize(as_list(current)) == normalize(as_list(new))
    return normalize(current) == normalize(new)


def as_list(value):
    """A current value as a list (a comma separated string is split, as Elasticsearch's list settings do)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def flatten(data, prefix="", out=None):
    """Flatten nested mappings into dotted keys; a key defined twice (flat and nested) raises EsYmlError."""
    out = {} if out is None else out
    for key, value in (data or {}).items():
        name = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, dict) and value:
            flatten(value, name, out)
            continue
        if name in out:
            raise EsYmlError("the setting %s is defined twice in the file (flat and nested form); Elasticsearch refuses to "
                             "start with a duplicate setting. Remove one of them first" % name)
        out[name] = value
    return out


def parse_settings(text):
    """The flattened settings of an elasticsearch.yml text (EsYmlError when it is not a YAML mapping)."""
    if not HAS_YAML:
        raise EsYmlError("PyYAML is required on the node to read elasticsearch.yml")
    try:
        data = yaml_load(text) if text.strip() else {}
    except Exception as exc:  # pylint: disable=broad-except
        raise EsYmlError("the file is not valid YAML: %s" % str(exc).replace("\n", " "))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EsYmlError("the file is not a YAML mapping of settings")
    return dict((key, value) for key, value in flatten(data).items() if value is not None and value != {})


def scalar(value):
    """A scalar rendered as YAML that Elasticsearch reads back as the same string."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if text and PLAIN_SAFE.match(text) and not RESERVED.match(text) and ": " not in text and not text.endswith(":"):
        return text
    return json.dumps(text)


# -- the line model -------------------------------------------------------------------------------------------
class Entry(object):  # pylint: disable=too-few-public-methods
    """One ``key: value`` of a block mapping: its lines ``[start, end)`` and whether its value is a nested mapping."""

    def __init__(self, key, key_text, indent, start, rest):
        self.key = key
        self.key_text = key_text
        self.indent = indent
        self.start = start
        self.end = start + 1
        self.rest = rest
        self.children_indent = None   # indentation of a nested mapping's keys
        self.list_indent = None       # indentation of block list items ("- ")
        self.flow_mapping = _strip_comment(rest)[0].startswith("{")

    @property
    def is_mapping(self):
        """Whether the value is a nested block mapping."""
        return self.children_indent is not None


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _significant(line):
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped not in ("---", "...")


def _unquote(key):
    if len(key) >= 2 and key[0] == key[-1] == '"':
        return json.loads(key)
    if len(key) >= 2 and key[0] == key[-1] == "'":
        return key[1:-1].replace("''", "'")
    return key


def _strip_comment(rest):
    """``(value text, comment)`` of what follows a key's colon (a ``#`` after a space starts a comment)."""
    if rest is None:
        return "", ""
    quote = None
    for index, char in enumerate(rest):
        if quote:
            if char == quote:
                quote = None
            continue
        if char in ("'", '"') and (index == 0 or rest[index - 1] in " [,"):
            quote = char
        elif char == "#" and (index == 0 or rest[index - 1] in " \t"):
            return rest[:index].rstrip(), rest[index:]
    return rest.rstrip(), ""


def entries(lines, start, end, where="the file"):
    """The entries of the block mapping in ``lines[start:end]`` (one indentation level)."""
    found = []
    level = None
    current = None
    for index in range(start, end):
        line = lines[index]
        if not _significant(line):
            continue
        if "\t" in line[:_indent(line) + 1]:
            raise EsYmlError("line %d of %s is indented with a tab; YAML does not allow tabs for indentation" % (index + 1, where))
        indent = _indent(line)
        content = line.strip()
        if level is None:
            level = indent
        if indent < level:
            raise EsYmlError("line %d of %s is indented less than the settings before it" % (index + 1, where))
        if indent > level or (indent == level and current is not None and content.startswith("-") and
                              (content == "-" or content[1] in " \t") and not _strip_comment(current.rest)[0]):
            if current is None:
                raise EsYmlError("line %d of %s does not belong to any setting" % (index + 1, where))
            if content.startswith("- ") or content == "-":
                if current.list_indent is None:
                    current.list_indent = indent
            elif current.children_indent is None and current.list_indent is None and KEY_LINE.match(content) and \
                    not _strip_comment(current.rest)[0]:
                current.children_indent = indent
            current.end = index + 1
            continue
        match = KEY_LINE.match(content)
        if not match:
            if content.startswith("{") or content.startswith("["):
                raise EsYmlError("line %d of %s uses a flow-style mapping or list at the top of a block; write the settings "
                                 "in block form (key: value)" % (index + 1, where))
            raise EsYmlError("line %d of %s is not a 'key: value' line (%s)" % (index + 1, where, content[:60]))
        key_text = match.group("key")
        current = Entry(_unquote(key_text), key_text, indent, index, match.group("rest"))
        found.append(current)
    return found


def locate(lines, key, start=0, end=None, chain=None):
    """Every place where the flat ``key`` is written: a list of entry chains (outermost first).

    Raises EsYmlError when ``key`` is both a value and a parent of other settings."""
    end = len(lines) if end is None else end
    chain = chain or []
    out = []
    for entry in entries(lines, start, end):
        if entry.key == key:
            if entry.is_mapping:
                raise EsYmlError("%s is written as a nested mapping (line %d) but is a single setting; it cannot be set as a value"
                                 % (key, entry.start + 1))
            out.append(chain + [entry])
        elif key.startswith(entry.key + "."):
            if entry.is_mapping:
                out.extend(locate(lines, key[len(entry.key) + 1:], entry.start + 1, entry.end, chain + [entry]))
            elif entry.flow_mapping:
                raise EsYmlError("%s is written as a flow-style mapping on line %d ({...}); rewrite it in block form first"
                                 % (entry.key, entry.start + 1))
        elif entry.key.startswith(key + "."):
            raise EsYmlError("the file sets %s (line %d), a setting below %s; %s cannot be a value and a parent at once"
                             % (entry.key, entry.start + 1, key, key))
    return out


def render(key_text, value, indent, list_indent=None, comment=""):
    """The lines of ``key: value`` at ``indent`` (lists in block form)."""
    pad = " " * indent
    if isinstance(value, (list, tuple)):
        if not value:
            return ["%s%s: []%s" % (pad, key_text, (" " + comment) if comment else "")]
        item_pad = " " * (indent + 2 if list_indent is None else list_indent)
        return ["%s%s:%s" % (pad, key_text, (" " + comment) if comment else "")] + ["%s- %s" % (item_pad, scalar(item)) for item in value]
    return ["%s%s: %s%s" % (pad, key_text, scalar(value), (" " + comment) if comment else "")]


def _key_text(key):
    return key if PLAIN_SAFE.match(key) and not RESERVED.match(key) else json.dumps(key)


def set_value(lines, key, value):
    """New lines with ``key`` set to ``value`` (replaced where it is written, else appended in flat form)."""
    places = locate(lines, key)
    if len(places) > 1:
        raise EsYmlError("%s is written %d times (lines %s); Elasticsearch refuses duplicate settings. Keep one of them"
                         % (key, len(places), ", ".join(str(chain[-1].start + 1) for chain in places)))
    if not places:
        new = list(lines)
        while new and not new[-1].strip():
            new.pop()
        return new + render(_key_text(key), value, 0)
    entry = places[0][-1]
    comment = _strip_comment(entry.rest)[1]
    return lines[:entry.start] + render(entry.key_text, value, entry.indent, entry.list_indent, comment) + lines[entry.end:]


def remove_value(lines, key):
    """New lines without ``key`` (a nested parent left without settings is removed too)."""
    places = locate(lines, key)
    if not places:
        return list(lines)
    if len(places) > 1:
        raise EsYmlError("%s is written %d times; Elasticsearch refuses duplicate settings. Keep one of them" % (key, len(places)))
    chain = places[0]
    target = chain[-1]
    # climb while the parent has this entry as its only setting
    for depth in range(len(chain) - 2, -1, -1):
        parent = chain[depth]
        siblings = entries(lines, parent.start + 1, parent.end)
        if len(siblings) == 1:
            target = parent
        else:
            break
    return lines[:target.start] + lines[target.end:]


# -- the plan ------------------------------------------------------------------------------------------------------
def desired_value(current, value, state, list_mode):
    """``(new value or None, remove)`` for one setting: what the file should hold."""
    if state == "absent":
        if value is None:
            return None, current is not None
        if isinstance(value, (list, tuple)):
            if current is None:
                return None, False
            drop = [normalize(item) for item in value]
            keep = [item for item in as_list(current) if normalize(item) not in drop]
            if len(keep) == len(as_list(current)):
                return current, False
            return (keep, False) if keep else (None, True)
        if current is not None and normalize(current) == normalize(value):
            return None, True
        return current, False
    if value is None:
        return None, current is not None
    if isinstance(value, (list, tuple)) and list_mode == "merge" and current is not None:
        merged = list(as_list(current))
        have = [normalize(item) for item in merged]
        for item in value:
            if normalize(item) not in have:
                merged.append(item)
                have.append(normalize(item))
        return merged, False
    return value, False


def plan(text, settings, state="present", list_mode="replace"):
    """Apply ``settings`` (flat key -> value, None removes) to the text.

    Returns ``(new_text, changed_keys)``; raises EsYmlError (nothing to write) when the file cannot be edited safely.
    """
    current = parse_settings(text)
    lines = text.split("\n")
    trailing_newline = text.endswith("\n")
    if trailing_newline:
        lines = lines[:-1]
    expected = dict(current)
    changed = []
    for key in sorted(settings):
        value = settings[key]
        if not isinstance(key, str) or not key or key != key.strip() or ".." in key or key.startswith(".") or key.endswith("."):
            raise EsYmlError("%r is not a setting name (flat dotted keys such as xpack.security.enabled)" % (key,))
        if isinstance(value, dict):
            raise EsYmlError("the value of %s is a mapping; give flat dotted keys instead (%s.<name>: value)" % (key, key))
        old = current.get(key)
        new, remove = desired_value(old, value, state, list_mode)
        if remove:
            lines = remove_value(lines, key)
            expected.pop(key, None)
            changed.append(key)
        elif new is not None and not same(old, new):
            lines = set_value(lines, key, new)
            expected[key] = new
            changed.append(key)
    if not changed:
        return text, []
    new_text = "\n".join(lines) + ("\n" if trailing_newline or not text else "")
    check = parse_settings(new_text)
    differ = sorted(set(expected) ^ set(check)) or sorted(k for k in expected if not same(check.get(k), expected[k]))
    if differ:
        missing = differ
        raise EsYmlError("the edit could not be made safely (the result would differ in %s); nothing was written. Edit these "
                         "settings by hand or rewrite them in flat form" % ", ".join(missing[:5]))
    return new_text, changed
