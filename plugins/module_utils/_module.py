# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. Subject to change without notice.

The shared module class: it merges the connection options of the ECE and Elasticsearch doc fragments
(``eceops.remote_clusters.ece`` and ``eceops.remote_clusters.elasticsearch``) into a module's argument
spec, builds the clients from them, makes the clients read-only in check mode, turns API errors into
``fail_json`` with the API's own message, and keeps secrets out of results and diffs.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.eceops.remote_clusters.plugins.module_utils._http import (
    ApiError, CheckModeWriteError, HAS_REQUESTS, REQUESTS_IMPORT_ERROR, REDACTED)
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceClient
from ansible_collections.eceops.remote_clusters.plugins.module_utils._es_client import EsClient

# Keep in sync with plugins/doc_fragments/ece.py (a unit test checks that they agree).
ECE_CONNECTION_SPEC = dict(
    ece_url=dict(type="str", fallback=(env_fallback, ["ECE_URL"])),
    ece_api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["ECE_API_KEY"])),
    ece_username=dict(type="str", fallback=(env_fallback, ["ECE_USERNAME"])),
    ece_password=dict(type="str", no_log=True, fallback=(env_fallback, ["ECE_PASSWORD"])),
    ece_ca_path=dict(type="path", fallback=(env_fallback, ["ECE_CA_PATH"])),
    ece_validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["ECE_VALIDATE_CERTS"])),
    ece_timeout=dict(type="float", default=30.0),
    ece_retries=dict(type="int", default=3),
)

# Keep in sync with plugins/doc_fragments/elasticsearch.py (a unit test checks that they agree).
ES_CONNECTION_SPEC = dict(
    es_url=dict(type="str", fallback=(env_fallback, ["ES_URL"])),
    es_api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["ES_API_KEY"])),
    es_username=dict(type="str", fallback=(env_fallback, ["ES_USERNAME"])),
    es_password=dict(type="str", no_log=True, fallback=(env_fallback, ["ES_PASSWORD"])),
    es_ca_path=dict(type="path", fallback=(env_fallback, ["ES_CA_PATH"])),
    es_validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["ES_VALIDATE_CERTS"])),
    es_timeout=dict(type="float", default=30.0),
    es_retries=dict(type="int", default=3),
    es_deployment_id=dict(type="str"),
    es_ref_id=dict(type="str", default="_main"),
)

SECRET_KEYS = frozenset(("api_key", "encoded", "password", "value", "secure_settings_password", "credentials"))


def redact_secrets(data, keys=SECRET_KEYS):
    """A copy of JSON-like data with the values of secret-looking keys replaced by ``********``."""
    if isinstance(data, dict):
        return dict((key, REDACTED if key in keys and data[key] not in (None, "", {}) else redact_secrets(value, keys))
                    for key, value in data.items())
    if isinstance(data, list):
        return [redact_secrets(item, keys) for item in data]
    return data


class ModuleParameterError(Exception):
    """Bad input found by a module before it sends any write."""

    def __init__(self, parameter, problem, fix=None):
        self.parameter = parameter
        self.problem = problem
        self.fix = fix
        text = "%s: %s" % (parameter, problem) if parameter else problem
        if fix:
            text = "%s. %s" % (text.rstrip("."), fix)
        super(ModuleParameterError, self).__init__(text)


class RemoteClustersModule(AnsibleModule):
    """AnsibleModule with the collection's connection options and API clients.

    ``connections`` names the option groups to add: ``("ece",)`` for ECE modules, ``("es", "ece")`` for
    Elasticsearch modules (ECE options make the pass-through possible), ``()`` for modules without an API.
    """

    def __init__(self, argument_spec=None, connections=("ece",), **kwargs):
        spec = {}
        if "ece" in connections:
            spec.update(copy.deepcopy(ECE_CONNECTION_SPEC))
        if "es" in connections:
            spec.update(copy.deepcopy(ES_CONNECTION_SPEC))
        spec.update(argument_spec or {})
        self._connections = connections
        self._explicit = set()
        super(RemoteClustersModule, self).__init__(argument_spec=spec, **kwargs)
        # Which options the task set itself (as opposed to defaults and environment fallbacks):
        # an explicit user/password beats an API key that only comes from the environment.
        try:
            from ansible.module_utils.basic import _load_params  # pylint: disable=import-outside-toplevel
            self._explicit = set(_load_params().keys())
        except Exception:  # pylint: disable=broad-except
            self._explicit = set()
        self._ece = None
        self._es = None
        self.result = {"changed": False}
        if not HAS_REQUESTS and connections:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)

    # -- clients --------------------------------------------------------------------------------------------
    def _auth(self, prefix):
        params = self.params
        api_key = params.get(prefix + "_api_key")
        username = params.get(prefix + "_username")
        password = params.get(prefix + "_password")
        if username and (prefix + "_username") in self._explicit and (prefix + "_api_key") not in self._explicit:
            api_key = None
        if api_key:
            return {"api_key": api_key}
        if username:
            if password is None:
                raise ModuleParameterError(prefix + "_password", "is required with %s_username" % prefix,
                                           "Set it, or use %s_api_key instead" % prefix)
            return {"username": username, "password": password}
        return {}

    def _common(self, prefix):
        return dict(validate_certs=self.params[prefix + "_validate_certs"], ca_path=self.params.get(prefix + "_ca_path"),
                    timeout=self.params[prefix + "_timeout"], retries=self.params[prefix + "_retries"],
                    read_only=self.check_mode)

    @property
    def ece(self):
        """The ECE API client built from the ``ece_*`` options."""
        if self._ece is None:
            url = self.params.get("ece_url")
            if not url:
                raise ModuleParameterError("ece_url", "is required", "Set ece_url (or the ECE_URL environment variable) to "
                                           "the coordinator, for example https://coordinator.example.com:12443")
            auth = self._auth("ece")
            if not auth:
                raise ModuleParameterError("ece_api_key", "no ECE credentials were given",
                                           "Set ece_api_key (ECE_API_KEY), or ece_username and ece_password")
            kwargs = self._common("ece")
            kwargs.update(auth)
            self._ece = EceClient(url, **kwargs)
        return self._ece

    @property
    def es(self):
        """The Elasticsearch client: direct with ``es_url``, or through ECE with ``es_deployment_id``."""
        if self._es is None:
            url = self.params.get("es_url")
            deployment_id = self.params.get("es_deployment_id")
            if url and deployment_id and "es_url" in self._explicit and "es_deployment_id" in self._explicit:
                raise ModuleParameterError("es_url", "cannot be combined with es_deployment_id",
                                           "Use es_url to reach Elasticsearch directly, or es_deployment_id to go through the ECE API")
            if deployment_id and ("es_url" not in self._explicit or not url):
                ece_url = self.params.get("ece_url")
                if not ece_url:
                    raise ModuleParameterError("ece_url", "is required to reach Elasticsearch through ECE (es_deployment_id is set)",
                                               "Set ece_url and ECE credentials, or give es_url instead")
                auth = self._auth("ece")
                if not auth:
                    raise ModuleParameterError("ece_api_key", "no ECE credentials were given for the ECE pass-through",
                                               "Set ece_api_key, or ece_username and ece_password")
                kwargs = self._common("ece")
                kwargs.update(auth)
                self._es = EsClient(via_ece={"url": ece_url, "deployment_id": deployment_id,
                                             "ref_id": self.params.get("es_ref_id") or "_main"}, **kwargs)
            elif url:
                auth = self._auth("es")
                kwargs = self._common("es")
                kwargs.update(auth)
                self._es = EsClient(url=url, **kwargs)
            else:
                raise ModuleParameterError("es_url", "no Elasticsearch connection was given",
                                           "Set es_url (or ES_URL) with es_api_key or es_username/es_password, "
                                           "or es_deployment_id with an ECE connection")
        return self._es

    # -- results --------------------------------------------------------------------------------------------
    def set_changed(self, changed=True):
        """Mark the result changed (never unmarks)."""
        if changed:
            self.result["changed"] = True

    def set_diff(self, before, after):
        """Attach a before/after diff (secrets redacted) when running with ``--diff``."""
        if self._diff:
            self.result["diff"] = {"before": redact_secrets(before), "after": redact_secrets(after)}

    def exit(self, **extra):
        """Exit with the accumulated result."""
        self.result.update(extra)
        self.exit_json(**self.result)

    def fail_api(self, error, msg=None):
        """Fail with an API error's own message (never a traceback, never a secret)."""
        text = str(error)
        if msg:
            text = "%s: %s" % (msg, text)
        result = dict((key, value) for key, value in self.result.items() if key not in ("diff",))
        self.fail_json(msg=text, api_error=error.to_result(), **result)

    def run(self, func):
        """Run ``func(self)`` and turn the collection's exceptions into clean failures."""
        try:
            func(self)
        except ModuleParameterError as exc:
            self.fail_json(msg=str(exc), parameter=exc.parameter, **self.result)
        except ApiError as exc:
            self.fail_api(exc)
        except CheckModeWriteError as exc:
            self.fail_json(msg="internal error, please report: %s" % exc)
        self.exit()
