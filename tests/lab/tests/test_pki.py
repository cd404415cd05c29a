# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of eceops_lab.pki: generation, chains, validity, names, trust patterns, PEM handling."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import hashlib
import ipaddress
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from eceops_lab import pki

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def root():
    return pki.make_ca("Test Root CA", organization="eceops lab")


@pytest.fixture(scope="module")
def intermediate(root):
    return pki.make_ca("Test Intermediate CA", parent=root)


@pytest.fixture(scope="module")
def other_root():
    return pki.make_ca("Unrelated Root CA")


def now():
    return datetime.datetime.now(UTC)


# -- generation ----------------------------------------------------------------------------------------------

def test_root_ca_extensions(root):
    cert = root.cert
    assert cert.issuer == cert.subject
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert isinstance(root.key, ec.EllipticCurvePrivateKey)
    assert root.is_ca
    assert root.chain_pem == root.cert_pem == root.root_pem
    assert pki.subject_cn(root.cert) == "Test Root CA"


def test_intermediate_links_to_parent(root, intermediate):
    assert intermediate.cert.issuer == root.cert.subject
    aki = intermediate.cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    assert pki.issued_by(intermediate.cert, root.cert)
    # the chain a server sends stops before the self-signed root
    assert [pki.subject_cn(c) for c in pki.load_certs(intermediate.chain_pem)] == ["Test Intermediate CA"]
    assert intermediate.root_pem == root.cert_pem


def test_leaf_chain_pem_and_fingerprint(root, intermediate):
    leaf = pki.issue(intermediate, common_name="server.lab", dns_names=["server.lab"])
    names = [pki.subject_cn(c) for c in pki.load_certs(leaf.chain_pem)]
    assert names == ["server.lab", "Test Intermediate CA"]
    assert leaf.root_pem == root.cert_pem
    der = leaf.cert.public_bytes(serialization.Encoding.DER)
    assert leaf.fingerprint == hashlib.sha256(der).hexdigest()
    assert leaf.fingerprint == pki.fingerprint(leaf.cert_pem) == pki.fingerprint(der) == pki.fingerprint(leaf)
    assert leaf.fingerprint == leaf.fingerprint.lower() and ":" not in leaf.fingerprint and len(leaf.fingerprint) == 64


def test_key_pem_forms_ec(root):
    leaf = pki.issue(root, common_name="ec.lab", dns_names=["ec.lab"])
    assert leaf.key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert leaf.key_pem_traditional.startswith("-----BEGIN EC PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(leaf.key_pem_traditional.encode(), password=None)
    assert loaded.public_key().public_numbers() == leaf.key.public_key().public_numbers()


def test_key_pem_forms_rsa(root):
    leaf = pki.issue(root, common_name="rsa.lab", dns_names=["rsa.lab"], key_type="rsa")
    assert isinstance(leaf.key, rsa.RSAPrivateKey) and leaf.key.key_size == 2048
    assert leaf.key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert leaf.key_pem_traditional.startswith("-----BEGIN RSA PRIVATE KEY-----")
    rsa_ca = pki.make_ca("RSA CA", key_type="rsa")
    assert isinstance(rsa_ca.key, rsa.RSAPrivateKey)
    assert pki.verify_chain(pki.issue(rsa_ca, common_name="x", dns_names=["x.lab"]).cert, [], [rsa_ca.cert]) == (True, "ok")


def test_extended_key_usage(root):
    def usages(issued):
        try:
            return list(issued.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            return []
    assert usages(pki.issue(root, common_name="s", dns_names=["s.lab"])) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert usages(pki.issue(root, common_name="c", server=False, client=True)) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert usages(pki.issue(root, common_name="b", client=True)) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    leaf_constraints = pki.issue(root, common_name="l").cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert leaf_constraints.ca is False


def test_invalid_arguments(root):
    leaf = pki.issue(root, common_name="leaf.lab", dns_names=["leaf.lab"])
    with pytest.raises(ValueError, match="not a CA"):
        pki.issue(leaf, common_name="x")
    with pytest.raises(ValueError, match="not a CA"):
        pki.make_ca("sub", parent=leaf)
    with pytest.raises(ValueError, match="key_type"):
        pki.make_ca("x", key_type="dsa")
    with pytest.raises(ValueError, match="later than"):
        pki.issue(root, common_name="x", not_before=now(), not_after=now() - datetime.timedelta(days=1))


def test_empty_subject_needs_a_san(root):
    leaf = pki.issue(root, common_name=None, dns_names=["only-san.lab"])
    assert pki.subject_cn(leaf.cert) is None
    assert leaf.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical
    with pytest.raises(ValueError):
        pki.issue(root, common_name=None)


# -- otherName and node certificates -------------------------------------------------------------------------

def test_other_name_round_trip(root):
    names = ["node-1", "instance-0000000001.node.abc.cluster.1053523734.account", "ünïcode-ñame"]
    leaf = pki.issue(root, common_name="node-1", other_names=names, dns_names=["node-1.lab"], ip_addresses=["127.0.0.5"])
    assert pki.other_names(leaf.cert) == names
    assert pki.other_names(leaf.cert_pem) == names
    entries = leaf.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.OtherName)
    assert all(entry.type_id.dotted_string == "1.3.6.1.4.1.50020.1.1" for entry in entries)
    assert entries[0].value == b"\x0c\x06node-1"  # a DER UTF8String, as Elasticsearch's certutil writes it
    assert pki.dns_sans(leaf) == ["node-1.lab"]
    assert pki.ip_sans(leaf) == ["127.0.0.5"]


def test_long_other_name_uses_long_der_length(root):
    name = "n" * 300 + ".node.c.cluster.s.account"
    assert len(name) == 325
    assert pki.der_utf8_string(name)[:4] == b"\x0c\x82\x01\x45"
    assert pki.other_names(pki.issue(root, common_name="long", other_names=[name]).cert) == [name]


def test_other_names_ignores_other_oids(root):
    foreign = x509.OtherName(x509.ObjectIdentifier("1.2.3.4"), pki.der_utf8_string("ignored"))
    builder = (x509.CertificateBuilder().subject_name(x509.Name([]))
               .issuer_name(root.cert.subject).public_key(root.key.public_key())
               .serial_number(1).not_valid_before(now()).not_valid_after(now() + datetime.timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName([foreign]), critical=True))
    cert = builder.sign(root.key, hashes.SHA256())
    assert pki.other_names(cert) == []
    assert pki.other_names(root.cert) == []


def test_node_certificate(root):
    # ECE node names exceed X.520's 64-character bound for common names; certificates carry them anyway
    node = pki.node_certificate(root, "instance-0000000003", "a542184a7a7d45b88b83f95392f450ab", "1053523734")
    assert pki.subject_cn(node.cert) == "instance-0000000003.node.a542184a7a7d45b88b83f95392f450ab.cluster.1053523734"
    assert pki.other_names(node.cert) == ["instance-0000000003.node.a542184a7a7d45b88b83f95392f450ab.cluster.1053523734.account"]
    usages = list(node.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert usages == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    bare = pki.node_certificate(root, "n", "c", "s", with_other_name=False, dns_names=["n.lab"])
    assert pki.other_names(bare.cert) == []
    assert pki.dns_sans(bare.cert) == ["n.lab"]
    extra = pki.node_certificate(root, "n", "c", "s", other_names=["custom"])
    assert pki.other_names(extra.cert) == ["custom", "n.node.c.cluster.s.account"]
    assert pki.node_account_name("n", "c", "s") == pki.node_name("n", "c", "s") + ".account"


# -- host names ----------------------------------------------------------------------------------------------

def test_wildcard_matching(root):
    cert = pki.issue(root, common_name="wild", dns_names=["*.example.com"]).cert
    assert pki.hostname_matches(cert, "a.example.com")
    assert pki.hostname_matches(cert, "A.Example.COM")
    assert pki.hostname_matches(cert, "a.example.com.")
    assert not pki.hostname_matches(cert, "example.com")
    assert not pki.hostname_matches(cert, "a.b.example.com")
    assert not pki.hostname_matches(cert, "a.example.org")
    assert not pki.hostname_matches(cert, "")


def test_wildcard_only_as_whole_left_most_label(root):
    cert = pki.issue(root, common_name="odd", dns_names=["f*.example.com", "a.*.example.org", "*.com"]).cert
    assert not pki.hostname_matches(cert, "foo.example.com")
    assert not pki.hostname_matches(cert, "a.b.example.org")
    assert not pki.hostname_matches(cert, "example.com")
    assert not pki.hostname_matches(cert, "anything.com")


def test_exact_dns_names_case_insensitive(root):
    cert = pki.issue(root, common_name="x", dns_names=["Coordinator.ECE-A.lab"]).cert
    assert pki.hostname_matches(cert, "coordinator.ece-a.lab")
    assert not pki.hostname_matches(cert, "other.ece-a.lab")


def test_no_common_name_fallback(root):
    cert = pki.issue(root, common_name="cn-only.example.com").cert
    assert not pki.hostname_matches(cert, "cn-only.example.com")
    cert = pki.issue(root, common_name="cn.example.com", dns_names=["san.example.com"]).cert
    assert not pki.hostname_matches(cert, "cn.example.com")
    assert pki.hostname_matches(cert, "san.example.com")


def test_ip_address_matching(root):
    cert = pki.issue(root, common_name="ips", dns_names=["127.0.0.9"], ip_addresses=["127.0.0.7", "2001:db8::1", "::1"]).cert
    assert pki.hostname_matches(cert, "127.0.0.7")
    assert not pki.hostname_matches(cert, "127.0.0.8")
    assert not pki.hostname_matches(cert, "127.0.0.9")  # an IP is compared with IP SANs only, never DNS SANs
    assert pki.hostname_matches(cert, "2001:db8::1")
    assert pki.hostname_matches(cert, "2001:0db8:0:0:0:0:0:0001")
    assert pki.hostname_matches(cert, "[2001:db8::1]")
    assert pki.hostname_matches(cert, "[::1]")
    assert not pki.hostname_matches(cert, "2001:db8::2")
    assert sorted(pki.ip_sans(cert)) == sorted(["127.0.0.7", "2001:db8::1", "::1"])


def test_ip_sans_accept_brackets_and_objects(root):
    cert = pki.issue(root, common_name="x", ip_addresses=["[2001:db8::5]", ipaddress.ip_address("10.0.0.1")]).cert
    assert pki.ip_sans(cert) == ["2001:db8::5", "10.0.0.1"]


# -- chains and validity -------------------------------------------------------------------------------------

def test_verify_leaf_against_root(root):
    leaf = pki.issue(root, common_name="direct.lab", dns_names=["direct.lab"])
    assert pki.verify_chain(leaf.cert, [], [root.cert]) == (True, "ok")
    assert pki.verify_chain(leaf.cert_pem, None, root.cert_pem) == (True, "ok")


def test_verify_with_intermediate(root, intermediate):
    leaf = pki.issue(intermediate, common_name="chained.lab", dns_names=["chained.lab"])
    assert pki.verify_chain(leaf.cert, [intermediate.cert], [root.cert]) == (True, "ok")
    # the chain PEM as a server sends it: leaf then intermediate
    certs = pki.load_certs(leaf.chain_pem)
    assert pki.verify_chain(certs[0], certs[1:], [root]) == (True, "ok")
    # missing intermediate: no path
    assert pki.verify_chain(leaf.cert, [], [root.cert]) == (False, "unknown_ca")
    # the intermediate itself as trust anchor (PKIX / partial chain)
    assert pki.verify_chain(leaf.cert, [], [intermediate.cert]) == (True, "ok")
    path = pki.build_path(leaf.cert, [intermediate.cert], [root.cert])
    assert [pki.subject_cn(c) for c in path] == ["chained.lab", "Test Intermediate CA", "Test Root CA"]


def test_unknown_ca(root, other_root):
    leaf = pki.issue(root, common_name="x.lab", dns_names=["x.lab"])
    assert pki.verify_chain(leaf.cert, [], [other_root.cert]) == (False, "unknown_ca")
    assert pki.verify_chain(leaf.cert, [], []) == (False, "unknown_ca")
    # same issuer name, different key: the signature does not verify
    impostor = pki.make_ca("Test Root CA", organization="eceops lab")
    assert impostor.cert.subject == root.cert.subject
    assert not pki.issued_by(leaf.cert, impostor.cert)
    assert pki.verify_chain(leaf.cert, [], [impostor.cert]) == (False, "unknown_ca")
    assert pki.issued_by(leaf.cert, root.cert)
    assert not pki.issued_by(leaf.cert, other_root.cert)


def test_non_ca_cannot_issue(root):
    leaf = pki.issue(root, common_name="leaf.lab", dns_names=["leaf.lab"])
    other = pki.issue(root, common_name="other.lab", dns_names=["other.lab"])
    assert pki.verify_chain(other.cert, [], [leaf.cert]) == (False, "unknown_ca")


def test_directly_trusted_self_signed_leaf(root):
    assert pki.verify_chain(root.cert, [], [root.cert]) == (True, "ok")


def test_expired_and_not_yet_valid():
    root = pki.make_ca("Long-lived Root", not_before=now() - datetime.timedelta(days=365))
    expired = pki.issue(root, common_name="old.lab", dns_names=["old.lab"],
                        not_before=now() - datetime.timedelta(days=30), not_after=now() - datetime.timedelta(days=1))
    assert pki.verify_chain(expired.cert, [], [root.cert]) == (False, "expired")
    future = pki.issue(root, common_name="new.lab", dns_names=["new.lab"], not_before=now() + datetime.timedelta(days=1))
    assert pki.verify_chain(future.cert, [], [root.cert]) == (False, "not_yet_valid")
    assert pki.verify_chain(future.cert, [], [root.cert], at=now() + datetime.timedelta(days=2)) == (True, "ok")
    assert pki.verify_chain(expired.cert, [], [root.cert], at=now() - datetime.timedelta(days=10)) == (True, "ok")
    # naive datetimes are taken as UTC
    naive = (now() - datetime.timedelta(days=10)).replace(tzinfo=None)
    assert pki.verify_chain(expired.cert, [], [root.cert], at=naive) == (True, "ok")
    assert pki.validity_state(expired.cert) == "expired"


def test_every_certificate_of_the_path_is_checked(root):
    old_intermediate = pki.make_ca("Expired Intermediate", parent=root,
                                   not_before=now() - datetime.timedelta(days=60), not_after=now() - datetime.timedelta(days=1))
    leaf = pki.issue(old_intermediate, common_name="x.lab", dns_names=["x.lab"])
    assert pki.validity_state(leaf.cert) == "ok"
    assert pki.verify_chain(leaf.cert, [old_intermediate.cert], [root.cert]) == (False, "expired")
    old_root = pki.make_ca("Expired Root", not_before=now() - datetime.timedelta(days=60), not_after=now() - datetime.timedelta(days=1))
    leaf = pki.issue(old_root, common_name="y.lab", dns_names=["y.lab"])
    assert pki.verify_chain(leaf.cert, [], [old_root.cert]) == (False, "expired")


def test_unknown_ca_wins_over_dates(other_root):
    stranger_ca = pki.make_ca("Stranger")
    expired = pki.issue(stranger_ca, common_name="old.lab", not_before=now() - datetime.timedelta(days=30),
                        not_after=now() - datetime.timedelta(days=1))
    assert pki.verify_chain(expired.cert, [], [other_root.cert]) == (False, "unknown_ca")


# -- trust restriction patterns -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, pattern, expected", [
    ("instance-0000000001.node.abc.cluster.123.account", "*.node.abc.cluster.123.account", True),
    ("instance-0000000001.node.abd.cluster.123.account", "*.node.abc.cluster.123.account", False),
    ("a.b.node.abc.cluster.123.account", "*.node.abc.cluster.123.account", True),  # * crosses dots
    ("i1.node.abc.cluster.123.account", "*.node.*.cluster.123.account", True),
    ("i1.node.abc.cluster.124.account", "*.node.*.cluster.123.account", False),
    ("node01.example.com", "node*.example.com", True),
    ("node.sub.example.com", "node*.example.com", True),
    ("mynode01.example.com", "node*.example.com", False),
    ("node01.example.com", "node??.example.com", True),
    ("node1.example.com", "node??.example.com", False),
    ("NODE01.example.com", "node*.example.com", False),  # case-sensitive, like Automatons
    ("a.node.abc.cluster.123.account.evil", "*.node.abc.cluster.123.account", False),  # whole name
    ("anything", "*", True),
    ("lit*eral", "lit\\*eral", True),
    ("litXeral", "lit\\*eral", False),
    ("node-7.example.com", "/node-[0-9]+\\.example\\.com/", True),
    ("node-x.example.com", "/node-[0-9]+\\.example\\.com/", False),
])
def test_match_subject_pattern(name, pattern, expected):
    assert pki.match_subject_pattern(name, pattern) is expected


def test_match_subject_pattern_lists_and_certificates(root):
    patterns = ["*.node.c1.cluster.s1.account", "*.node.c2.cluster.s1.account"]
    assert pki.match_subject_pattern("i.node.c2.cluster.s1.account", patterns)
    assert not pki.match_subject_pattern("i.node.c3.cluster.s1.account", patterns)
    assert not pki.match_subject_pattern(None, patterns)
    trusted = pki.node_certificate(root, "i", "c1", "s1")
    untrusted = pki.node_certificate(root, "i", "c9", "s1")
    no_other_name = pki.node_certificate(root, "i", "c1", "s1", with_other_name=False)
    assert pki.trusted_by_restrictions(trusted.cert, patterns)
    assert not pki.trusted_by_restrictions(untrusted.cert, patterns)
    assert not pki.trusted_by_restrictions(no_other_name.cert, patterns)  # the CN does not count


# -- PEM handling --------------------------------------------------------------------------------------------

def test_load_certs_tolerates_crlf_whitespace_and_text(root, intermediate):
    leaf = pki.issue(intermediate, common_name="messy.lab", dns_names=["messy.lab"])
    indented = "\n".join("   " + line for line in intermediate.cert_pem.splitlines())
    text = ("\r\n\r\n  Certificate:\r\n    Data: some openssl -text output\r\n"
            + leaf.cert_pem.replace("\n", "\r\n")
            + "\r\nsubject=CN = Test Intermediate CA\r\n"
            + indented + "\n\n"
            + root.cert_pem + "   \t\n\n")
    certs = pki.load_certs(text)
    assert [pki.fingerprint(c) for c in certs] == [leaf.fingerprint, intermediate.fingerprint, root.fingerprint]
    assert len(pki.load_certs(text.encode())) == 3
    assert pki.split_pem(text) == [leaf.cert_pem, intermediate.cert_pem, root.cert_pem]


def test_load_certs_empty_and_broken():
    assert not pki.load_certs("")
    assert not pki.load_certs("no certificate here")
    with pytest.raises(ValueError, match="block 1"):
        pki.load_certs("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    with pytest.raises(ValueError):
        pki.as_cert("nothing")


def test_describe(root):
    leaf = pki.node_certificate(root, "i0", "c0", "s0", dns_names=["i0.lab"])
    info = pki.describe(leaf.cert_pem)
    assert info["common_name"] == "i0.node.c0.cluster.s0"
    assert info["node_names"] == ["i0.node.c0.cluster.s0.account"]
    assert info["dns_names"] == ["i0.lab"]
    assert info["fingerprint"] == leaf.fingerprint
    assert info["is_ca"] is False


def test_write_pem(tmp_path, root):
    leaf = pki.issue(root, common_name="file.lab", dns_names=["file.lab"])
    path = str(tmp_path / "sub" / "chain.pem")
    assert pki.write_pem(path, leaf.cert_pem, root.cert_pem.encode()) == path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, encoding="ascii") as handle:
        assert [pki.fingerprint(c) for c in pki.load_certs(handle.read())] == [leaf.fingerprint, root.fingerprint]
    key_path = pki.write_pem(str(tmp_path / "key.pem"), leaf.key_pem, mode=0o640)
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o640
    pki.write_pem(key_path, leaf.key_pem)  # an existing file gets the new mode too
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    with open(key_path, encoding="ascii") as handle:
        assert handle.read() == leaf.key_pem
