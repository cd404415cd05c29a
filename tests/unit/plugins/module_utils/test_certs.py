# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_certs.py (PEM handling, fingerprints, details, host names, chains)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.eceops.remote_clusters.plugins.module_utils import _certs as certs
from ansible_collections.eceops.remote_clusters.plugins.module_utils._certs import (
    CertificateError, MissingCryptographyError, certificate_info, fingerprint, fingerprints, hostname_matches,
    root_of_chain, same_certificates, split_pem, verify_chain)


def _body_lines(pem):
    return pem.strip().splitlines()[1:-1]


def _mangle(pem, width=40, indent="   ", newline="\r\n"):
    """The same certificate with other line widths, indentation and CRLF."""
    body = "".join(_body_lines(pem))
    lines = [indent + body[i:i + width] for i in range(0, len(body), width)]
    return newline.join([indent + "-----BEGIN CERTIFICATE-----"] + lines + [indent + "-----END CERTIFICATE-----"])


# ------------------------------------------------------------------------------------------ split_pem

def test_split_pem_single_block_is_canonical(pki):
    result = split_pem(pki.root.pem)
    assert result == [pki.root.pem]  # cryptography writes the canonical form: 64-character lines + final newline
    assert result[0].endswith("-----END CERTIFICATE-----\n")
    assert all(len(line) <= 64 for line in _body_lines(result[0]))
    assert all(len(line) == 64 for line in _body_lines(result[0])[:-1])


def test_split_pem_tolerates_crlf_indentation_blank_lines_and_text(pki):
    text = ("subject=CN = Test Root CA\r\n\r\n" + _mangle(pki.root.pem) + "\r\n\r\n  \r\nsome trailing words\n"
            + _mangle(pki.leaf.pem, width=76, indent="", newline="\n\n") + "\n")
    assert split_pem(text) == [pki.root.pem, pki.leaf.pem]


def test_split_pem_accepts_bytes_lists_and_json_escaped_newlines(pki):
    assert split_pem(pki.leaf.pem.encode("ascii")) == [pki.leaf.pem]
    assert split_pem([pki.leaf.pem, pki.root.pem + pki.intermediate.pem]) == [pki.leaf.pem, pki.root.pem, pki.intermediate.pem]
    escaped = pki.root.pem.replace("\n", "\\n")
    assert "\n" not in escaped
    assert split_pem(escaped) == [pki.root.pem]


def test_split_pem_body_without_line_breaks(pki):
    one_line = "-----BEGIN CERTIFICATE-----%s-----END CERTIFICATE-----" % "".join(_body_lines(pki.root.pem))
    assert split_pem(one_line) == [pki.root.pem]


@pytest.mark.parametrize("text, message", [
    ("", "not a PEM certificate: the text is empty"),
    ("   \n", "not a PEM certificate: the text is empty"),
    ("hello world", "not a PEM certificate"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n", "block 1 is not a valid certificate"),
    ("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % base64.b64encode(b"just some bytes").decode(),
     "block 1 is not a valid certificate"),
])
def test_split_pem_rejects_garbage(text, message):
    with pytest.raises(CertificateError) as info:
        split_pem(text)
    assert message in str(info.value)


def test_split_pem_names_the_bad_block(pki):
    broken_der = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % base64.b64encode(b"\x30\x03\x02\x01\x01").decode()
    with pytest.raises(CertificateError) as info:
        split_pem(pki.root.pem + broken_der)
    assert str(info.value).startswith("block 2 is not a valid certificate: ")
    truncated = pki.root.pem + pki.leaf.pem.replace("-----END CERTIFICATE-----", "")
    with pytest.raises(CertificateError) as info:
        split_pem(truncated)
    assert "block 2 is not a valid certificate" in str(info.value) and "END CERTIFICATE" in str(info.value)
    with pytest.raises(CertificateError) as info:
        split_pem(pki.root.pem[:-60] + "\n-----END CERTIFICATE-----\n")
    assert "block 1 is not a valid certificate" in str(info.value)


def test_split_pem_rejects_non_text():
    with pytest.raises(CertificateError):
        split_pem(42)
    with pytest.raises(CertificateError):
        split_pem([])


def test_split_pem_works_without_cryptography(monkeypatch, pki):
    monkeypatch.setattr(certs, "HAS_CRYPTOGRAPHY", False)
    assert split_pem(_mangle(pki.root.pem)) == [pki.root.pem]
    assert fingerprint(pki.root.pem) == hashlib.sha256(pki.root.der).hexdigest()
    with pytest.raises(CertificateError):
        split_pem("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----")
    with pytest.raises(MissingCryptographyError) as info:
        certificate_info(pki.root.pem)
    assert "cryptography" in str(info.value)
    with pytest.raises(MissingCryptographyError):
        verify_chain([pki.leaf.pem], [pki.root.pem])


# ------------------------------------------------------------------------------------------ fingerprints

def test_fingerprint_is_sha256_of_der_in_lowercase_hex(pki):
    expected = pki.root.cert.fingerprint(hashes.SHA256()).hex()
    assert fingerprint(pki.root.pem) == expected
    assert fingerprint(pki.root.der) == expected
    assert fingerprint(pki.root.cert) == expected
    assert fingerprint(_mangle(pki.root.pem)) == expected
    assert len(expected) == 64 and expected == expected.lower() and ":" not in expected


def test_fingerprint_wants_exactly_one_certificate(pki):
    with pytest.raises(CertificateError) as info:
        fingerprint(pki.root.pem + pki.leaf.pem)
    assert "expected one certificate, found 2" in str(info.value)


def test_fingerprints_of_text_and_lists(pki):
    assert fingerprints(pki.root.pem + pki.leaf.pem) == [fingerprint(pki.root.pem), fingerprint(pki.leaf.pem)]
    assert fingerprints([pki.leaf.pem, {"pem": pki.root.pem}]) == [fingerprint(pki.leaf.pem), fingerprint(pki.root.pem)]


def test_same_certificates_ignores_order_and_formatting(pki):
    assert same_certificates(pki.root.pem + pki.leaf.pem, [_mangle(pki.leaf.pem), _mangle(pki.root.pem, width=64)])
    assert same_certificates([pki.root.pem, pki.root.pem], pki.root.pem)
    assert not same_certificates(pki.root.pem, pki.root.pem + pki.leaf.pem)
    assert not same_certificates(pki.root.pem, pki.fake_root.pem)


# ------------------------------------------------------------------------------------------ certificate_info

def test_certificate_info_of_a_leaf(pki):
    info = certificate_info(pki.leaf.pem, now=pki.now)
    cert = pki.leaf.cert
    assert info["subject"] == "CN=proxy.example.com"
    assert info["issuer"] == "CN=Test Intermediate CA"
    assert info["common_name"] == "proxy.example.com"
    assert info["serial"] == format(cert.serial_number, "x")
    assert info["not_before"] == (pki.now - 30 * pki.day).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert info["not_after"] == (pki.now + 365 * pki.day).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert info["days_left"] == 365
    assert info["expired"] is False and info["not_yet_valid"] is False
    assert info["is_ca"] is False
    assert info["dns_names"] == ["proxy.example.com", "*.ece.example.com"]
    assert info["ip_addresses"] == ["192.0.2.10", "2001:db8::1"]
    assert info["other_names"] == []
    assert info["fingerprint"] == fingerprint(pki.leaf.pem)
    assert info["key_type"] == "EC secp256r1"
    assert info["signature_algorithm"] == "ecdsa-with-SHA256"


def test_certificate_info_dates_relative_to_now(pki):
    later = pki.now + 400 * pki.day
    info = certificate_info(pki.leaf.pem, now=later)
    assert info["expired"] is True and info["days_left"] == -35
    info = certificate_info(pki.leaf.pem, now=(pki.now + 365 * pki.day + datetime.timedelta(seconds=1)).replace(tzinfo=None))
    assert info["expired"] is True and info["days_left"] == -1  # naive datetimes are taken as UTC
    info = certificate_info(pki.leaf.pem, now=pki.now - 31 * pki.day)
    assert info["not_yet_valid"] is True and info["expired"] is False


def test_certificate_info_of_a_ca(pki):
    info = certificate_info(pki.root.pem, now=pki.now)
    assert info["is_ca"] is True
    assert info["subject"] == info["issuer"] == "CN=Test Root CA"
    assert info["dns_names"] == [] and info["ip_addresses"] == []


def test_certificate_info_decodes_elasticsearch_node_names(pki):
    info = certificate_info(pki.node.pem, now=pki.now)
    assert info["other_names"] == [{"oid": "1.3.6.1.4.1.50020.1.1",
                                    "value": "inst-0.node.cf659f7fe6164d9691b284ae36811be1.cluster.1053523734.account"}]
    assert certs.node_names(pki.node.pem) == ["inst-0.node.cf659f7fe6164d9691b284ae36811be1.cluster.1053523734.account"]


def test_certificate_info_rsa_and_multi_attribute_subject(pki):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "rsa.example.com")])
    issued = pki.make("rsa.example.com", key=key, subject=subject, basic_constraints=False)
    info = certificate_info(issued.pem, now=pki.now)
    assert info["key_type"] == "RSA 2048"
    assert info["signature_algorithm"] == "sha256WithRSAEncryption"
    assert info["subject"] == "CN=rsa.example.com,O=Example"
    assert info["common_name"] == "rsa.example.com"
    assert info["is_ca"] is False


def test_certificate_info_rejects_bundles(pki):
    with pytest.raises(CertificateError):
        certificate_info(pki.root.pem + pki.leaf.pem)


# ------------------------------------------------------------------------------------------ hostname_matches

@pytest.mark.parametrize("name, expected", [
    ("proxy.example.com", True),
    ("PROXY.Example.COM", True),
    ("proxy.example.com.", True),
    ("other.example.com", False),
    ("example.com", False),
    ("a.ece.example.com", True),          # wildcard: exactly one label
    ("A.ECE.example.com.", True),
    ("a.b.ece.example.com", False),       # not two labels
    ("ece.example.com", False),           # not zero labels
    (".ece.example.com", False),
    ("*.ece.example.com", False),         # a wildcard is not a host name
    ("", False),
    ("  ", False),
])
def test_hostname_matches_dns(pki, name, expected):
    assert hostname_matches(pki.leaf.pem, name) is expected


@pytest.mark.parametrize("name, expected", [
    ("192.0.2.10", True),
    ("[192.0.2.10]", True),
    ("192.0.2.11", False),
    ("2001:db8::1", True),
    ("2001:0db8:0:0:0:0:0:1", True),
    ("[2001:DB8::1]", True),
    ("[2001:0db8:0000:0000:0000:0000:0000:0001]", True),
    ("2001:db8::2", False),
    ("[proxy.example.com]", False),
])
def test_hostname_matches_ip_literals(pki, name, expected):
    assert hostname_matches(pki.leaf.cert, name) is expected  # a cryptography Certificate works too


def test_ip_literal_never_matches_a_dns_san(pki):
    issued = pki.make("ip-as-dns", dns=["10.0.0.1", "*.0.0.1"])
    assert hostname_matches(issued.pem, "10.0.0.1") is False


def test_no_common_name_fallback(pki):
    cn_only = pki.make("cn.example.com")
    assert hostname_matches(cn_only.pem, "cn.example.com") is False
    cn_and_san = pki.make("cn.example.com", dns=["san.example.com"])
    assert hostname_matches(cn_and_san.pem, "cn.example.com") is False
    assert hostname_matches(cn_and_san.pem, "san.example.com") is True


@pytest.mark.parametrize("pattern, name, expected", [
    ("f*.example.com", "foo.example.com", False),      # partial wildcard
    ("*oo.example.com", "foo.example.com", False),
    ("www.*.example.com", "www.a.example.com", False),  # not left-most
    ("*.*.example.com", "a.b.example.com", False),
    ("*.com", "example.com", False),                    # too broad
    ("*.example.com", "www.example.com", True),
    ("*.Example.COM.", "www.example.com", True),
    ("*.ip.es.io", "cf659f7fe6164d9691b284ae36811be1.ip.es.io", True),
])
def test_wildcard_rules(pki, pattern, name, expected):
    issued = pki.make("wild", dns=[pattern])
    assert hostname_matches(issued.pem, name) is expected


# ------------------------------------------------------------------------------------------ verify_chain

def test_verify_chain_leaf_intermediate_root(pki):
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now) == (True, "ok")
    assert verify_chain(pki.leaf.pem + pki.intermediate.pem + pki.root.pem, pki.root.pem, now=pki.now) == (True, "ok")
    assert verify_chain([pki.leaf.pem], [pki.intermediate.pem], now=pki.now) == (True, "ok")
    assert verify_chain([pki.leaf.pem], [pki.root.pem, pki.intermediate.pem], now=pki.now) == (True, "ok")
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.other_root.pem, pki.root.pem], now=pki.now) == (True, "ok")


def test_verify_chain_out_of_order_intermediates(pki):
    assert verify_chain([pki.leaf.pem, pki.root.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now) == (True, "ok")


def test_verify_chain_trusted_leaf_is_accepted(pki):
    assert verify_chain([pki.other_root.pem], [pki.other_root.pem], now=pki.now) == (True, "ok")


def test_verify_chain_unknown_ca(pki):
    assert verify_chain([pki.leaf.pem], [pki.root.pem], now=pki.now) == (False, "unknown_ca")  # intermediate missing
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.other_root.pem], now=pki.now) == (False, "unknown_ca")
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [], now=pki.now) == (False, "unknown_ca")


def test_verify_chain_checks_signatures_not_only_names(pki):
    # fake_root has the root's subject but another key: the intermediate's signature does not verify with it
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.fake_root.pem], now=pki.now) == (False, "unknown_ca")
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem, pki.fake_root.pem], [pki.fake_root.pem], now=pki.now) == \
        (False, "unknown_ca")


def test_verify_chain_refuses_a_non_ca_issuer(pki):
    not_a_ca = pki.make("leafy", issuer=pki.root, ca=False)
    below = pki.make("below.example.com", issuer=not_a_ca)
    assert verify_chain([below.pem, not_a_ca.pem], [pki.root.pem], now=pki.now) == (False, "unknown_ca")


def test_verify_chain_expired_and_not_yet_valid(pki):
    expired_leaf = pki.make("old.example.com", issuer=pki.intermediate, not_before=pki.now - 400 * pki.day, not_after=pki.now - pki.day)
    assert verify_chain([expired_leaf.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now) == (False, "expired")
    future_leaf = pki.make("new.example.com", issuer=pki.intermediate, not_before=pki.now + pki.day, not_after=pki.now + 9 * pki.day)
    assert verify_chain([future_leaf.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now) == (False, "not_yet_valid")
    # the whole chain is judged at the given time
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now + 400 * pki.day) == (False, "expired")
    assert verify_chain([pki.leaf.pem, pki.intermediate.pem], [pki.root.pem], now=pki.now - 31 * pki.day) == (False, "not_yet_valid")


def test_verify_chain_expired_intermediate_or_root(pki):
    root = pki.make("Short Root", ca=True, not_after=pki.now + 10 * pki.day)
    intermediate = pki.make("Short Intermediate", issuer=root, ca=True, not_before=pki.now - 20 * pki.day, not_after=pki.now - pki.day)
    leaf = pki.make("leaf.example.com", issuer=intermediate, not_before=pki.now - 10 * pki.day, not_after=pki.now + 100 * pki.day)
    assert verify_chain([leaf.pem, intermediate.pem], [root.pem], now=pki.now) == (False, "expired")
    assert verify_chain([leaf.pem, intermediate.pem], [root.pem], now=pki.now - 5 * pki.day) == (True, "ok")
    assert verify_chain([leaf.pem, intermediate.pem], [root.pem], now=pki.now + 11 * pki.day) == (False, "expired")


def test_verify_chain_empty(pki):
    assert verify_chain([], [pki.root.pem]) == (False, "empty_chain")
    assert verify_chain("", [pki.root.pem]) == (False, "empty_chain")
    assert verify_chain(None, [pki.root.pem]) == (False, "empty_chain")


def test_verify_chain_garbage_raises(pki):
    with pytest.raises(CertificateError):
        verify_chain(["not a certificate"], [pki.root.pem])


# ------------------------------------------------------------------------------------------ root_of_chain

def test_root_of_chain(pki):
    assert root_of_chain([pki.leaf.pem, pki.intermediate.pem, pki.root.pem]) == pki.root.pem
    assert root_of_chain(_mangle(pki.leaf.pem) + "\n" + _mangle(pki.root.pem)) == pki.root.pem
    # the self-signed one wins over a trailing non-root
    assert root_of_chain([pki.leaf.pem, pki.root.pem, pki.intermediate.pem]) == pki.root.pem
    # without a self-signed certificate, the last one is the root as presented
    assert root_of_chain([pki.leaf.pem, pki.intermediate.pem]) == pki.intermediate.pem
    # a same-named impostor is not self-signed by the real key
    assert root_of_chain([pki.intermediate.pem, pki.fake_root.pem]) == pki.fake_root.pem


def test_root_of_chain_empty():
    with pytest.raises(CertificateError):
        root_of_chain([])
    with pytest.raises(CertificateError):
        root_of_chain("")
