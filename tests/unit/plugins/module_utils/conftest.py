# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test certificates for the module_utils tests (ECDSA P-256, generated once per session)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

NOW = datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
ES_NODE_NAME_OID = "1.3.6.1.4.1.50020.1.1"


def _utf8_der(text):
    data = text.encode("utf-8")
    assert len(data) < 128
    return b"\x0c" + bytes([len(data)]) + data


class Issued(object):
    """A generated certificate with its key and PEM."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key
        self.pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        self.der = cert.public_bytes(serialization.Encoding.DER)


def make_cert(cn, issuer=None, ca=False, dns=(), ips=(), other_names=(), not_before=None, not_after=None,
              key=None, subject=None, basic_constraints=True):
    """A certificate for ``cn`` signed by ``issuer`` (an Issued) or self-signed when issuer is None."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (x509.CertificateBuilder()
               .subject_name(name)
               .issuer_name(issuer.cert.subject if issuer else name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or NOW - 30 * DAY)
               .not_valid_after(not_after or NOW + 365 * DAY))
    if basic_constraints:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    sans += [x509.OtherName(ObjectIdentifier(ES_NODE_NAME_OID), _utf8_der(o)) for o in other_names]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(cert, key)


class Pki(object):
    """A small PKI: root -> intermediate -> leaf, plus odd certificates for the negative cases."""

    now = NOW
    day = DAY

    def __init__(self):
        self.make = make_cert
        self.root = make_cert("Test Root CA", ca=True)
        self.intermediate = make_cert("Test Intermediate CA", issuer=self.root, ca=True)
        self.leaf = make_cert("proxy.example.com", issuer=self.intermediate,
                              dns=["proxy.example.com", "*.ece.example.com"], ips=["192.0.2.10", "2001:db8::1"])
        self.other_root = make_cert("Other Root CA", ca=True)
        # same subject as root, different key: a forged issuer that only matches by name
        self.fake_root = make_cert("Test Root CA", ca=True)
        self.node = make_cert("inst-0.node.cf659f7fe6164d9691b284ae36811be1.cluster.1053523734", issuer=self.root,
                              other_names=["inst-0.node.cf659f7fe6164d9691b284ae36811be1.cluster.1053523734.account"],
                              dns=["inst-0.node.cf659f7fe6164d9691b284ae36811be1.cluster.1053523734"])


@pytest.fixture(scope="session")
def pki():
    return Pki()
