# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: one raw Elasticsearch or ECE API call, for integration-target setup steps.

``ansible.builtin.uri`` cannot reach the lab: its host names (``<cluster_id>.ece-a.lab``, ``coordinator.ece-a.lab``)
resolve only through ``ECEOPS_HOSTS_FILE``, which the collection's clients honour. This module uses those clients.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: lab_http
short_description: One raw Elasticsearch or ECE API call against the lab (integration tests only)
description:
  - Sends one request with the collection's clients (so the lab's host names resolve) and returns the status and body.
author: eceops.remote_clusters contributors (@eceops)
options:
  api: {description: C(es) (an Elasticsearch URL) or C(ece) (an ECE API URL; paths relative to /api/v1)., type: str, default: es}
  url: {description: The base URL., type: str, required: true}
  username: {description: Basic auth user., type: str}
  password: {description: Basic auth password., type: str}
  api_key: {description: API key., type: str}
  ca_path: {description: CA file., type: path}
  method: {description: HTTP method., type: str, default: GET}
  path: {description: The API path., type: str, required: true}
  body: {description: JSON body., type: raw}
  status: {description: Accepted statuses., type: list, elements: int, default: [200]}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import ApiError
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceClient
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsClient


def main():
    module = AnsibleModule(argument_spec=dict(
        api=dict(type="str", default="es", choices=["es", "ece"]), url=dict(type="str", required=True),
        username=dict(type="str"), password=dict(type="str", no_log=True), api_key=dict(type="str", no_log=True),
        ca_path=dict(type="path"), method=dict(type="str", default="GET"), path=dict(type="str", required=True),
        body=dict(type="raw"), status=dict(type="list", elements="int", default=[200])), supports_check_mode=False)
    params = module.params
    kwargs = dict(ca_path=params["ca_path"], retries=0)
    if params["api_key"]:
        kwargs["api_key"] = params["api_key"]
    elif params["username"]:
        kwargs.update(username=params["username"], password=params["password"])
    client = EceClient(params["url"], **kwargs) if params["api"] == "ece" else EsClient(url=params["url"], **kwargs)
    try:
        response = client.request(params["method"], params["path"], json_body=params["body"], ok=set(params["status"]))
    except ApiError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    module.exit_json(changed=params["method"].upper() != "GET", status=response.status, json=response.body)


if __name__ == "__main__":
    main()
