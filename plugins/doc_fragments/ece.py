# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    """Connection options of the ECE API (keep in sync with ECE_CONNECTION_SPEC in module_utils/_module.py)."""

    DOCUMENTATION = r'''
options:
  ece_url:
    description:
      - URL of the ECE API on a coordinator host, for example V(https://coordinator.example.com:12443).
      - The client adds the C(/api/v1) prefix itself; a URL that already ends with it is accepted.
      - If not set, the value of the E(ECE_URL) environment variable is used.
      - Required by every module that talks to ECE.
    type: str
  ece_api_key:
    description:
      - ECE API key, sent as C(Authorization) header with the C(ApiKey) scheme.
      - If not set, the value of the E(ECE_API_KEY) environment variable is used.
      - An explicitly given O(ece_username) wins over an API key that only comes from the environment.
    type: str
  ece_username:
    description:
      - User name for basic authentication against the ECE API (ECE only; Elastic Cloud Hosted takes API keys).
      - If not set, the value of the E(ECE_USERNAME) environment variable is used.
    type: str
  ece_password:
    description:
      - Password for O(ece_username).
      - If not set, the value of the E(ECE_PASSWORD) environment variable is used.
    type: str
  ece_ca_path:
    description:
      - PEM file with the CA certificate(s) that signed the coordinator's certificate.
      - If not set, the value of the E(ECE_CA_PATH) environment variable is used; without either, the system trust store is used.
    type: path
  ece_validate_certs:
    description:
      - Whether to verify the coordinator's TLS certificate. Only turn this off for a throw-away test system.
      - If not set, the value of the E(ECE_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ece_timeout:
    description:
      - Seconds to wait for the ECE API to connect and to answer one request.
    type: float
    default: 30
  ece_retries:
    description:
      - How many times a request is retried after HTTP 429, 502, 503 or 504, or a connection error,
        with exponential backoff and jitter, honouring C(Retry-After).
      - GET, PUT and DELETE are retried; a POST or PATCH is retried only when it cannot have been applied
        (HTTP 429, or the connection could not be established).
    type: int
    default: 3
notes:
  - Host names can be mapped to addresses for the module process with a hosts-style file named by the
    E(ECEOPS_HOSTS_FILE) environment variable (wildcards like C(*.example.com) allowed), like C(curl --resolve).
'''
