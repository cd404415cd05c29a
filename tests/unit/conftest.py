# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the unit tests: a fake requests transport and a module runner."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.models import Response
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


class FakeAdapter(BaseAdapter):
    """A requests transport that answers from a script of responses and records every request.

    ``routes`` maps ``(METHOD, path)`` to a list of answers used in order (the last one repeats). An answer
    is ``(status, body)`` or ``(status, body, headers)`` or an exception instance to raise.
    """

    def __init__(self, routes=None):
        super(FakeAdapter, self).__init__()
        self.routes = dict(routes or {})
        self.requests = []

    def add(self, method, path, *answers):
        self.routes[(method, path)] = list(answers)

    @property
    def writes(self):
        return [r for r in self.requests if r["method"] not in ("GET", "HEAD")]

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        path = requests.utils.urlparse(request.url).path
        record = {"method": request.method, "url": request.url, "path": path, "headers": dict(request.headers),
                  "body": request.body, "kwargs": kwargs}
        self.requests.append(record)
        answers = self.routes.get((request.method, path))
        if answers is None:
            answer = (404, {"errors": [{"code": "test.no_route", "message": "no fake route for %s %s" % (request.method, path)}]})
        elif len(answers) > 1:
            answer = answers.pop(0)
        else:
            answer = answers[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {}
        response = Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        if body is None:
            response._content = b""  # pylint: disable=protected-access
        elif isinstance(body, (dict, list)):
            response._content = json.dumps(body).encode()  # pylint: disable=protected-access
            response.headers.setdefault("Content-Type", "application/json")
        else:
            response._content = to_bytes(body)  # pylint: disable=protected-access
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def fake_http(monkeypatch):
    """Route every requests.Session through one FakeAdapter."""
    adapter = FakeAdapter()
    original_init = requests.Session.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    monkeypatch.setattr(requests.Session, "__init__", init)
    # the clients mount their own adapter after creating the session: keep ours
    monkeypatch.setattr("ansible_collections.eceops.remote_clusters.plugins.module_utils._http._NoRetryAdapter",
                        lambda *a, **k: adapter)
    return adapter


def run_module(module, args, check=False, diff=False, capsys=None):
    """Run a module's main() with args; return its JSON result (failures included)."""
    payload = dict(args)
    payload["_ansible_check_mode"] = check
    payload["_ansible_diff"] = diff
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
        context = patch_module_args(payload)
    except ImportError:  # ansible-core < 2.19
        import contextlib  # pylint: disable=import-outside-toplevel

        @contextlib.contextmanager
        def legacy():
            basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))  # pylint: disable=protected-access
            try:
                yield
            finally:
                basic._ANSIBLE_ARGS = None  # pylint: disable=protected-access
        context = legacy()
    with context:
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out)


@pytest.fixture
def run(capsys, monkeypatch):
    """``run(module, args, check=False, diff=False)`` -> result dict.

    Importing controller code (a filter plugin test imports ansible.errors) flips ansible's process-wide
    ``is_controller`` flag, after which ``module.warn`` goes to the display instead of the result: pin it.
    """
    try:
        import ansible.module_utils._internal as internal  # pylint: disable=import-outside-toplevel
        if hasattr(internal, "is_controller"):
            monkeypatch.setattr(internal, "is_controller", False)
    except ImportError:
        pass

    def runner(module, args, check=False, diff=False):
        return run_module(module, args, check=check, diff=diff, capsys=capsys)
    return runner
