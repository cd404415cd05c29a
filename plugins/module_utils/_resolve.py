# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

Optional host name resolution override, in the spirit of ``curl --resolve``.

When the environment variable ``ECEOPS_HOSTS_FILE`` names a readable file, host names listed in it resolve
to the given addresses inside the module process, before DNS is asked. Everything else (TLS server name,
certificate host name checks, SNI) is unchanged, because only the address lookup is overridden.

File format: one entry per line, ``<ip> <name> [<name> ...]``; ``#`` starts a comment. A name may be a
wildcard ``*.example.com``, which matches any name with at least one more label (``a.example.com``,
``a.b.example.com``). Exact names win over wildcards; among wildcards the longest suffix wins.

Uses: deployment endpoints that the control node cannot resolve yet (``<cluster_id>.<domain>`` before the
DNS wildcard exists), checking one proxy behind a DNS name, and the collection's lab, which serves every
environment on its own loopback address.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import socket

ENV_VAR = "ECEOPS_HOSTS_FILE"

_STATE = {"installed": False, "path": None, "mtime": None, "table": None, "original": None}


def parse_hosts(text):
    """Parse hosts-file text into ``(exact: dict, wildcards: list of (suffix, ip))``."""
    exact = {}
    wildcards = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 2:
            continue
        address = fields[0].strip("[]")
        for name in fields[1:]:
            name = name.lower().rstrip(".")
            if name.startswith("*."):
                wildcards.append((name[1:], address))
            else:
                exact[name] = address
    wildcards.sort(key=lambda item: len(item[0]), reverse=True)
    return exact, wildcards


def lookup(table, host):
    """The overriding address for ``host`` or None."""
    if table is None or not host:
        return None
    exact, wildcards = table
    name = host.lower().rstrip(".")
    if name in exact:
        return exact[name]
    for suffix, address in wildcards:
        if name.endswith(suffix) and len(name) > len(suffix):
            return address
    return None


def _load():
    path = os.environ.get(ENV_VAR)
    if not path:
        _STATE["table"] = None
        return None
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        _STATE["table"] = None
        return None
    if _STATE["path"] != path or _STATE["mtime"] != mtime:
        with open(path) as handle:
            _STATE["table"] = parse_hosts(handle.read())
        _STATE["path"] = path
        _STATE["mtime"] = mtime
    return _STATE["table"]


def resolve_override(host):
    """The address configured for ``host`` in ``ECEOPS_HOSTS_FILE``, or None."""
    return lookup(_load(), host)


def _patched_getaddrinfo(host, *args, **kwargs):
    address = None
    if isinstance(host, str):
        address = resolve_override(host)
    return _STATE["original"](address or host, *args, **kwargs)


def install_resolver():
    """Install the override for this process when ``ECEOPS_HOSTS_FILE`` is set (idempotent)."""
    if _STATE["installed"] or not os.environ.get(ENV_VAR):
        return False
    _STATE["original"] = socket.getaddrinfo
    socket.getaddrinfo = _patched_getaddrinfo
    _STATE["installed"] = True
    return True
