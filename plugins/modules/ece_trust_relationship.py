#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: ece_trust_relationship
short_description: Manage ECE environment trust relationships with other ECE environments and Elastic Cloud organizations
version_added: 0.1.0
description:
  - Creates, updates and deletes the platform-level trust relationships of an ECE environment
    (B(Platform > Trust Management) in the Cloud UI, C(/platform/configuration/trust-relationships) in the API).
  - A trust relationship registers the CA certificate and the account (environment or organization) IDs of another
    ECE environment or an Elastic Cloud organization. Deployments then trust its clusters through C(external) trust
    entries (see M(eceops.remote_clusters.ece_deployment_trust)), or all by default with O(trust_by_default=true).
  - Keyed by O(name) or, to rename, by O(id). The CA certificate compares by SHA-256 fingerprint, so PEM formatting
    does not matter. Only the fields that differ are sent.
  - The environment's own relationship (C(local=true)) can be read, but not deleted, renamed or given another
    certificate, account IDs or installation ID.
author:
  - eceops.remote_clusters contributors (@eceops)
extends_documentation_fragment:
  - eceops.remote_clusters.ece
  - eceops.remote_clusters.attributes
  - eceops.remote_clusters.attributes.actiongroup_ece
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The CA certificate is shown as its fingerprint.
options:
  name:
    description:
      - The name of the trust relationship (the key when O(id) is not given).
      - Required to create one. With O(id), a different name renames the relationship.
    type: str
  id:
    description:
      - The ID of an existing trust relationship. Use it to rename a relationship, or when several share a name.
    type: str
  public_ca_cert:
    description:
      - The CA certificate of the other environment or organization, in PEM format (for another ECE environment, the
        C(ca_certificate) that M(eceops.remote_clusters.ece_environment_info) returns there).
      - Required to create a relationship. Compared by fingerprint.
    type: str
  trust_by_default:
    description: Whether every deployment of this environment trusts the other environment by default.
    type: bool
  account_ids:
    description:
      - The IDs of the trusted accounts - the environment ID of another ECE environment, or the organization ID of an
        Elastic Cloud organization. Compared as a set.
    type: list
    elements: str
  installation_id:
    description: The installation ID of the other ECE environment.
    type: str
  state:
    description: V(present) creates or updates the relationship, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs a platform administrator (the trust relationship endpoints are platform configuration).
  - Elastic Cloud Hosted has no such endpoints; its organizations trust ECE environments in the Cloud UI.
seealso:
  - module: eceops.remote_clusters.ece_environment_info
  - module: eceops.remote_clusters.ece_deployment_trust
'''

EXAMPLES = r'''
- name: Read environment B's ID and CA
  eceops.remote_clusters.ece_environment_info:
    ece_url: https://coordinator.dc2.example.com:12443
    ece_api_key: "{{ vault_ece_b_api_key }}"
  register: env_b

- name: Let environment A trust environment B
  eceops.remote_clusters.ece_trust_relationship:
    ece_url: https://coordinator.dc1.example.com:12443
    ece_api_key: "{{ vault_ece_a_api_key }}"
    name: ece-dc2
    public_ca_cert: "{{ env_b.environment.ca_certificate }}"
    account_ids: ["{{ env_b.environment.environment_id }}"]
    trust_by_default: false

- name: Remove it again
  eceops.remote_clusters.ece_trust_relationship:
    name: ece-dc2
    state: absent
  module_defaults:
    group/eceops.remote_clusters.ece:
      ece_url: https://coordinator.dc1.example.com:12443
      ece_api_key: "{{ vault_ece_a_api_key }}"
'''

RETURN = r'''
trust_relationship:
  description: The trust relationship after the task (in check mode, what it would be), without the certificate;
    empty after a deletion or when it is absent.
  returned: success
  type: dict
  contains:
    id:
      description: The ID; use it as C(trust_relationship_id) of C(external) trust entries. Null in check mode for a
        relationship that would be created.
      type: str
      sample: 3b5d5b2c1f0e4d0c9a8b7c6d5e4f3a2b
    name:
      description: The name.
      type: str
      sample: ece-dc2
    trust_by_default:
      description: Whether deployments trust it by default.
      type: bool
    account_ids:
      description: The trusted account IDs.
      type: list
      elements: str
    installation_id:
      description: The installation ID, when set.
      type: str
    local:
      description: Whether this is the environment's own relationship.
      type: bool
    last_modified:
      description: When it was last changed.
      type: str
    ca_fingerprint:
      description: SHA-256 fingerprint (lowercase hex) of the (first) CA certificate.
      type: str
    ca_fingerprints:
      description: The fingerprints of every certificate in C(public_ca_cert).
      type: list
      elements: str
diff:
  description: Before and after, the certificate as its fingerprint.
  returned: when running with C(--diff)
  type: dict
'''

from ansible_collections.eceops.remote_clusters.plugins.module_utils._module import ModuleParameterError, RemoteClustersModule
from ansible_collections.eceops.remote_clusters.plugins.module_utils._ece_client import EceApiError, EceClient, api_path
from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import CertificateError, fingerprints, split_pem

BASE = "/platform/configuration/trust-relationships"
FIELDS = ("name", "trust_by_default", "account_ids", "public_ca_cert", "installation_id")
LOCAL_FIXED = ("name", "public_ca_cert", "account_ids", "installation_id")


def _fingerprints(pem):
    if not pem:
        return []
    try:
        return fingerprints(pem)
    except (CertificateError, TypeError):
        return []


def view(relationship):
    """The returned form of a ``TrustRelationshipGetResponse`` (no PEM, fingerprints instead)."""
    if not relationship:
        return {}
    keys = ("id", "name", "trust_by_default", "account_ids", "installation_id", "local", "last_modified")
    out = dict((key, relationship.get(key)) for key in keys)
    prints = _fingerprints(relationship.get("public_ca_cert"))
    out["ca_fingerprints"] = prints
    out["ca_fingerprint"] = prints[0] if prints else None
    return out


def comparable(relationship):
    """What the diff shows and the comparison uses."""
    if not relationship:
        return {}
    current = view(relationship)
    current.pop("last_modified", None)
    current.pop("ca_fingerprint", None)
    current["account_ids"] = sorted(set(current.get("account_ids") or []))
    current["ca_fingerprints"] = sorted(set(current.get("ca_fingerprints") or []))
    return current


def desired_fields(params):
    """The options the task sets (None = keep), the certificate normalised."""
    wanted = dict((key, params.get(key)) for key in FIELDS if params.get(key) is not None)
    if "public_ca_cert" in wanted:
        try:
            wanted["public_ca_cert"] = "".join(split_pem(wanted["public_ca_cert"]))
        except CertificateError as exc:
            raise ModuleParameterError("public_ca_cert", "is not a valid PEM certificate: %s" % exc,
                                       "Give the CA certificate in PEM format (-----BEGIN CERTIFICATE----- ... -----END "
                                       "CERTIFICATE-----), for example the ca_certificate of ece_environment_info")
    return wanted


def differences(current, wanted):
    """The fields of ``wanted`` that differ from ``current`` (certificates by fingerprint, account IDs as sets)."""
    changes = {}
    for key, value in wanted.items():
        if key == "public_ca_cert":
            if set(_fingerprints(value)) != set(_fingerprints(current.get("public_ca_cert"))):
                changes[key] = value
        elif key == "account_ids":
            if set(value) != set(current.get("account_ids") or []):
                changes[key] = list(value)
        elif value != current.get(key):
            changes[key] = value
    return changes


def find(ece, params):
    """The current relationship (with its certificate) named by ``id`` or ``name``, or None."""
    listing = ece.get(BASE, params={"include_certificate": "true"}).body or {}
    relationships = [r for r in listing.get("trust_relationships") or [] if isinstance(r, dict)]
    if params.get("id"):
        matches = [r for r in relationships if r.get("id") == params["id"]]
        return matches[0] if matches else None
    matches = [r for r in relationships if r.get("name") == params["name"]]
    if len(matches) > 1:
        raise ModuleParameterError("name", "%d trust relationships are named %r (IDs %s)"
                                   % (len(matches), params["name"], ", ".join(sorted(str(r.get("id")) for r in matches))),
                                   "Give id to choose one")
    return matches[0] if matches else None


def read_one(ece, relationship_id):
    """``(relationship with certificate, resource version)``."""
    response = ece.get(api_path(BASE + "/{id}", id=relationship_id), params={"include_certificate": "true"})
    return response.body or {}, EceClient.resource_version(response)


def _fail_forbidden(module, exc, what):
    """A 403 on a write: say what permission is missing (exits)."""
    if exc.status == 403:
        module.fail_api(exc, msg="the ECE credentials may not %s trust relationships (nothing was written): this needs "
                                 "a platform administrator" % what)


def create(module, wanted):
    """POST a new relationship; returns the relationship read back (or predicted in check mode)."""
    missing = [key for key in ("name", "public_ca_cert") if key not in wanted]
    if module.params.get("id"):
        raise ModuleParameterError("id", "no trust relationship with ID %r in this ECE environment" % module.params["id"],
                                   "Leave id out and give name and public_ca_cert to create one")
    if missing:
        raise ModuleParameterError(missing[0], "is required to create trust relationship %r" % module.params["name"],
                                   "Give name and public_ca_cert (the other environment's CA certificate)")
    module.set_changed()
    predicted = dict(wanted, id=None, local=False)
    predicted.setdefault("trust_by_default", False)
    predicted.setdefault("account_ids", [])
    module.set_diff({}, comparable(predicted))
    if module.check_mode:
        return predicted
    try:
        created = module.ece.post(BASE, json_body=wanted, ok=(200, 201)).body or {}
    except EceApiError as exc:
        _fail_forbidden(module, exc, "create")
        raise
    if created.get("id"):
        return read_one(module.ece, created["id"])[0]
    return dict(predicted, **created)


def update(module, current, wanted):
    """PUT the fields that differ; returns the relationship after."""
    changes = differences(current, wanted)
    if current.get("local"):
        fixed = sorted(key for key in changes if key in LOCAL_FIXED)
        if fixed:
            raise ModuleParameterError(fixed[0], "the local trust relationship %r (this environment's own) cannot be %s"
                                       % (current.get("name"), "renamed" if fixed == ["name"] else "changed (%s)" % ", ".join(fixed)),
                                       "Leave %s out for the local relationship" % ", ".join(fixed))
    after = dict(current, **changes)
    module.set_diff(comparable(current), comparable(after))
    if not changes:
        return current
    module.set_changed()
    if module.check_mode:
        return after
    try:
        module.ece.put(api_path(BASE + "/{id}", id=current["id"]), json_body=changes)
    except EceApiError as exc:
        _fail_forbidden(module, exc, "change")
        raise
    return read_one(module.ece, current["id"])[0]


def delete(module, current):
    """DELETE with the version guard."""
    if current.get("local"):
        raise ModuleParameterError("state", "the local trust relationship %r (this environment's own) cannot be deleted"
                                   % current.get("name"), "Use state=present, or name another relationship")
    module.set_changed()
    module.set_diff(comparable(current), {})
    if module.check_mode:
        return
    version = read_one(module.ece, current["id"])[1]
    params = None
    if version is not None:
        try:
            params = {"version": int(version)}
        except ValueError:
            params = None
    try:
        module.ece.delete(api_path(BASE + "/{id}", id=current["id"]), params=params)
    except EceApiError as exc:
        if exc.status == 409:
            module.fail_api(exc, msg="trust relationship %r was changed by someone else meanwhile; nothing was deleted: "
                                     "re-run the task" % current.get("name"))
        _fail_forbidden(module, exc, "delete")
        raise


def manage(module):
    """Find, compare, write."""
    params = module.params
    for key in ("name", "id"):
        if params.get(key) is not None and not params[key].strip():
            raise ModuleParameterError(key, "must not be empty")
    wanted = desired_fields(params) if params["state"] == "present" else {}
    current = find(module.ece, params)
    if params["state"] == "absent":
        if current is not None:
            delete(module, current)
        else:
            module.set_diff({}, {})
        module.result["trust_relationship"] = {}
        return
    after = update(module, current, wanted) if current is not None else create(module, wanted)
    module.result["trust_relationship"] = view(after)


def main():
    module = RemoteClustersModule(
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            public_ca_cert=dict(type="str"),
            trust_by_default=dict(type="bool"),
            account_ids=dict(type="list", elements="str"),
            installation_id=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        connections=("ece",),
        required_one_of=[("name", "id")],
        supports_check_mode=True,
    )
    module.run(manage)


if __name__ == "__main__":
    main()
