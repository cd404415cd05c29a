#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: read the lab's request log (to count writes) through its control API."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: lab_requests
short_description: Read the lab's request log (integration tests only)
description: Returns the last sequence number of the lab's request log, or the requests after a mark.
author: eceops.remote_clusters contributors (@eceops)
options:
  control_url: {description: The lab control API URL., type: str, required: true}
  since: {description: Count requests after this sequence number., type: int}
  writes: {description: Only write requests (POST, PUT, PATCH, DELETE)., type: bool, default: false}
  service: {description: Only requests of services starting with this., type: str}
  path: {description: Only requests whose path matches this regular expression., type: str}
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url


def main():
    module = AnsibleModule(argument_spec=dict(control_url=dict(type="str", required=True), since=dict(type="int"),
                                              writes=dict(type="bool", default=False), service=dict(type="str"),
                                              path=dict(type="str")),
                           supports_check_mode=True)
    params = module.params
    base = params["control_url"].rstrip("/") + "/_lab/requests"
    if params["since"] is None:
        mark = json.loads(open_url(base + "/mark", timeout=10).read())
        module.exit_json(changed=False, last_seq=mark["last_seq"])
    query = {"since": params["since"]}
    if params["writes"]:
        query["writes"] = "1"
    if params["service"]:
        query["service"] = params["service"]
    if params["path"]:
        query["path"] = params["path"]
    data = json.loads(open_url(base + "?" + urlencode(query), timeout=10).read())
    requests = [dict((k, r.get(k)) for k in ("seq", "service", "method", "path", "status", "query")) for r in data["requests"]]
    module.exit_json(changed=False, count=len(requests), requests=requests, last_seq=data["last_seq"])


if __name__ == "__main__":
    main()
