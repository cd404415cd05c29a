# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    """Connection options of Elasticsearch (keep in sync with ES_CONNECTION_SPEC in module_utils/_module.py)."""

    DOCUMENTATION = r'''
options:
  es_url:
    description:
      - URL of the Elasticsearch HTTP endpoint, for example V(https://es.example.com:9243).
      - If not set, the value of the E(ES_URL) environment variable is used.
      - Either O(es_url) or O(es_deployment_id) (with the ECE connection options) is required.
    type: str
  es_api_key:
    description:
      - Elasticsearch API key, the base64 C(id:api_key) value (the C(encoded) field of a created key),
        sent with the C(ApiKey) scheme.
      - If not set, the value of the E(ES_API_KEY) environment variable is used.
      - Cross-cluster API keys cannot be created or updated with an API key; use a user for those modules.
    type: str
  es_username:
    description:
      - User name for basic authentication against Elasticsearch.
      - If not set, the value of the E(ES_USERNAME) environment variable is used.
    type: str
  es_password:
    description:
      - Password for O(es_username).
      - If not set, the value of the E(ES_PASSWORD) environment variable is used.
    type: str
  es_ca_path:
    description:
      - PEM file with the CA certificate(s) that signed Elasticsearch's HTTP certificate.
      - If not set, the value of the E(ES_CA_PATH) environment variable is used; without either, the system trust store is used.
    type: path
  es_validate_certs:
    description:
      - Whether to verify Elasticsearch's TLS certificate.
      - If not set, the value of the E(ES_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  es_timeout:
    description:
      - Seconds to wait for Elasticsearch to connect and to answer one request.
    type: float
    default: 30
  es_retries:
    description:
      - How many times a request is retried after HTTP 429, 502, 503 or 504, or a connection error,
        with exponential backoff and jitter, honouring C(Retry-After). POST requests are retried only when
        they cannot have been applied.
    type: int
    default: 3
  es_deployment_id:
    description:
      - Reach the Elasticsearch of this ECE deployment through the ECE API's proxy
        (C(/api/v1/deployments/{id}/elasticsearch/{ref_id}/proxy/...)) with the ECE connection options
        (O(ece_url) and ECE credentials), instead of O(es_url).
      - Handy when only ECE credentials are at hand. The ECE proxy is meant for management calls, not for volume.
    type: str
  es_ref_id:
    description:
      - The Elasticsearch resource of O(es_deployment_id); V(_main) means the only one.
    type: str
    default: _main
notes:
  - Host names can be mapped to addresses for the module process with a hosts-style file named by the
    E(ECEOPS_HOSTS_FILE) environment variable (wildcards like C(*.example.com) allowed), like C(curl --resolve).
'''
