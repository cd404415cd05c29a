# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates for the lab: CAs, server/client/node certificates, and the checks Elasticsearch and ECE make.

Everything is generated in memory with the ``cryptography`` package; :func:`write_pem` writes PEM files when a
file is needed (``ssl.SSLContext.load_cert_chain`` only reads files).

Conventions (see ``shared/reference/scenarios.md`` section 2.2 and ``open-questions.md`` section 2):

* ECE and ECH node certificates have the subject ``CN=<node_id>.node.<cluster_id>.cluster.<scope_id>`` and a
  subject alternative name of type ``otherName`` with the OID :data:`NODE_NAME_OID` (``1.3.6.1.4.1.50020.1.1``)
  holding the UTF8String ``<node_id>.node.<cluster_id>.cluster.<scope_id>.account``. Elasticsearch's
  ``certutil`` writes the ``cn`` of ``instances.yml`` the same way. Trust restrictions
  (``trust.subject_name`` patterns) are matched against these otherName values.
* Keys are ECDSA P-256 by default (fast); ``key_type="rsa"`` gives RSA 2048 (the ECE proxy certificate upload
  wants ``-----BEGIN RSA PRIVATE KEY-----``, see :attr:`Issued.key_pem_traditional`).
* Certificates satisfy OpenSSL's ``VERIFY_X509_STRICT`` checks (Python 3.13 clients turn them on by default):
  CA certificates carry critical basicConstraints and keyUsage and a subject key identifier, every certificate
  carries an authority key identifier.
* Host name checks follow RFC 6125 (:func:`hostname_matches`): subject alternative names only, no common name
  fallback, a wildcard only as the whole left-most label.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import ipaddress
import os
import re
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any, List, Optional

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NODE_NAME_OID = x509.ObjectIdentifier("1.3.6.1.4.1.50020.1.1")
"""OID of the otherName SAN that carries Elasticsearch node names (certutil ``cn``, ECE/ECH node names)."""

KEY_TYPES = ("ec", "rsa")
"""Accepted values of ``key_type``."""

VERIFY_REASONS = ("ok", "expired", "not_yet_valid", "unknown_ca")
"""The reasons :func:`verify_chain` returns."""

# cryptography warns when it parses a common name longer than 64 characters; ECE node names are (see _name)
warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)

_PEM_CERT_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)
_DER_STRING_TAGS = {0x0C: "utf-8", 0x16: "ascii", 0x13: "ascii", 0x1E: "utf-16-be"}  # UTF8, IA5, Printable, BMP
_BACKDATE = datetime.timedelta(hours=1)


@dataclass
class Issued:
    """A certificate with its private key, in object and PEM forms.

    ``chain_pem`` is the certificate followed by the intermediate CAs up to, but not including, the self-signed
    root (what a server sends). ``root_pem`` is the self-signed root of the chain (what the other side trusts);
    for a root CA it is its own PEM.
    """

    cert: x509.Certificate
    key: Any
    cert_pem: str
    key_pem: str
    chain_pem: str
    fingerprint: str
    root_pem: str = ""
    issuer: Optional["Issued"] = field(default=None, repr=False)

    @property
    def key_pem_traditional(self):
        """The private key as ``-----BEGIN RSA PRIVATE KEY-----`` or ``-----BEGIN EC PRIVATE KEY-----`` (unencrypted)."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode("ascii")

    @property
    def der(self):
        """The certificate in DER form (bytes)."""
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def is_ca(self):
        """True for a CA certificate (basicConstraints CA)."""
        return _is_ca(self.cert)

    @property
    def common_name(self):
        """The subject common name, or None."""
        return subject_cn(self.cert)


# --------------------------------------------------------------------------------------------------------------
# generation

def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _new_key(key_type):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError("key_type must be one of %s, got [%s]" % (", ".join(KEY_TYPES), key_type))


def _validity(days, not_before, not_after):
    if not_before is None:
        not_before = _now() - _BACKDATE
    not_before = _aware(not_before)
    if not_after is None:
        not_after = not_before + datetime.timedelta(days=days)
    not_after = _aware(not_after)
    if not_after <= not_before:
        raise ValueError("not_after (%s) must be later than not_before (%s)" % (not_after, not_before))
    return not_before, not_after


def _aware(moment):
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def cert_pem(cert):
    """PEM text of a certificate."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _is_self_signed(cert):
    return cert.issuer == cert.subject


def _is_ca(cert):
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued(cert, key, parent):
    pem = cert_pem(cert)
    if parent is None:
        chain = pem
        root = pem
    else:
        chain = pem + (parent.chain_pem if not _is_self_signed(parent.cert) else "")
        root = parent.root_pem or parent.cert_pem
    return Issued(cert=cert, key=key, cert_pem=pem, key_pem=_key_pem(key), chain_pem=chain,
                  fingerprint=fingerprint(cert), root_pem=root, issuer=parent)


def _name(common_name, organization=None):
    """A subject name. A common name may exceed X.520's 64 characters: ECE node names do
    (``instance-0000000001.node.<32 hex>.cluster.<environment ID>``), and neither Java nor OpenSSL enforce the bound."""
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if common_name:
        try:
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        except ValueError:
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name, _validate=False))
    return x509.Name(attributes)


def _aki(parent_cert, parent_key):
    try:
        ski = parent_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(parent_key.public_key())


def make_ca(common_name, *, organization=None, parent=None, days=3650, not_before=None, not_after=None, key_type="ec"):
    """Make a CA: a self-signed root, or an intermediate signed by ``parent`` (an :class:`Issued` CA).

    The certificate has critical basicConstraints ``CA:TRUE``, critical keyUsage keyCertSign and cRLSign, a
    subject key identifier and an authority key identifier. ``not_before``/``not_after`` (datetimes, naive ones
    are taken as UTC) override the default validity (from one hour ago for ``days`` days).
    """
    key = _new_key(key_type)
    start, end = _validity(days, not_before, not_after)
    subject = _name(common_name, organization)
    if parent is None:
        issuer_name, signing_key = subject, key
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
    else:
        if not _is_ca(parent.cert):
            raise ValueError("parent [%s] is not a CA" % subject_cn(parent.cert))
        issuer_name, signing_key = parent.cert.subject, parent.key
        aki = _aki(parent.cert, parent.key)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(aki, critical=False))
    cert = builder.sign(signing_key, hashes.SHA256())
    return _issued(cert, key, parent)


def der_utf8_string(text):
    """DER encoding of an ASN.1 UTF8String (the value of a node name otherName)."""
    data = text.encode("utf-8")
    return bytes([0x0C]) + _der_length(len(data)) + data


def _der_length(length):
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _decode_der_string(data):
    """Decode a DER string value (UTF8String, IA5String, PrintableString, BMPString); None if it is something else."""
    if len(data) < 2 or data[0] not in _DER_STRING_TAGS:
        return None
    length = data[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or len(data) < 2 + count:
            return None
        length = int.from_bytes(data[2:2 + count], "big")
        offset = 2 + count
    if len(data) != offset + length:
        return None
    try:
        return data[offset:].decode(_DER_STRING_TAGS[data[0]])
    except UnicodeDecodeError:
        return None


def _san_entries(dns_names, ip_addresses, node_names):
    entries = []
    for name in dns_names:
        entries.append(x509.DNSName(name))
    for address in ip_addresses:
        entries.append(x509.IPAddress(ipaddress.ip_address(_strip_brackets(str(address)))))
    for name in node_names:
        entries.append(x509.OtherName(NODE_NAME_OID, der_utf8_string(name)))
    return entries


def _leaf_key_usage(key):
    rsa_key = isinstance(key, rsa.RSAPrivateKey)
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=rsa_key,
                         data_encipherment=False, key_agreement=not rsa_key, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False)


def issue(ca, *, common_name, dns_names=(), ip_addresses=(), other_names=(), days=825, not_before=None, not_after=None,
          server=True, client=False, key_type="ec", organization=None):
    """Issue a leaf certificate signed by ``ca`` (an :class:`Issued` CA).

    ``dns_names`` (wildcards such as ``*.example.com`` allowed), ``ip_addresses`` (IPv4 or IPv6, strings or
    ``ipaddress`` objects, brackets tolerated) and ``other_names`` (node names, encoded as otherName
    :data:`NODE_NAME_OID` UTF8String) become subject alternative names. ``server``/``client`` choose the
    extended key usages serverAuth/clientAuth. ``common_name`` may be None or empty for an empty subject
    (then the SAN extension is critical, as RFC 5280 asks). ``not_before``/``not_after`` make expired or
    not-yet-valid certificates.
    """
    if not _is_ca(ca.cert):
        raise ValueError("[%s] is not a CA" % subject_cn(ca.cert))
    key = _new_key(key_type)
    start, end = _validity(days, not_before, not_after)
    subject = _name(common_name, organization)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(ca.cert.subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_leaf_key_usage(key), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(_aki(ca.cert, ca.key), critical=False))
    usages = []
    if server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    if client:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    sans = _san_entries(dns_names, ip_addresses, other_names)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=len(subject) == 0)
    elif len(subject) == 0:
        raise ValueError("a certificate needs a common name or at least one subject alternative name")
    cert = builder.sign(ca.key, hashes.SHA256())
    return _issued(cert, key, ca)


def node_name(node_id, cluster_id, scope_id):
    """The ECE/ECH node certificate common name ``<node_id>.node.<cluster_id>.cluster.<scope_id>``."""
    return "%s.node.%s.cluster.%s" % (node_id, cluster_id, scope_id)


def node_account_name(node_id, cluster_id, scope_id):
    """The node name otherName value ``<node_id>.node.<cluster_id>.cluster.<scope_id>.account``."""
    return node_name(node_id, cluster_id, scope_id) + ".account"


def node_certificate(ca, node_id, cluster_id, scope_id, *, with_other_name=True, **kw):
    """An ECE/ECH style node certificate (serverAuth and clientAuth unless ``kw`` says otherwise).

    CN ``<node_id>.node.<cluster_id>.cluster.<scope_id>``; with ``with_other_name`` also the otherName SAN
    ``<node_id>.node.<cluster_id>.cluster.<scope_id>.account`` (the name trust restrictions match). Other
    keyword arguments go to :func:`issue` (``dns_names``, ``ip_addresses``, ``other_names``, validity, ...).
    """
    kw.setdefault("server", True)
    kw.setdefault("client", True)
    kw.setdefault("common_name", node_name(node_id, cluster_id, scope_id))
    names = list(kw.pop("other_names", ()))
    if with_other_name:
        names.append(node_account_name(node_id, cluster_id, scope_id))
    return issue(ca, other_names=names, **kw)


def random_id(length=32):
    """A lowercase hexadecimal ID such as ECE uses for clusters and accounts."""
    return secrets.token_hex((length + 1) // 2)[:length]


# --------------------------------------------------------------------------------------------------------------
# inspection

def load_certs(pem_text):
    """All certificates in a PEM text (str or bytes), in order.

    Tolerates CRLF line ends, leading and trailing whitespace, indentation and text between the blocks (as in
    ``openssl x509 -text`` output). Returns an empty list when there is no certificate block; raises
    ValueError when a block is not a valid certificate.
    """
    if isinstance(pem_text, bytes):
        pem_text = pem_text.decode("utf-8", "replace")
    text = pem_text.replace("\r\n", "\n").replace("\r", "\n")
    certs = []
    for index, match in enumerate(_PEM_CERT_RE.finditer(text)):
        body = "".join(match.group(1).split())
        try:
            der = base64.b64decode(body, validate=True)
            certs.append(x509.load_der_x509_certificate(der))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("certificate block %d is not a valid certificate: %s" % (index + 1, exc)) from exc
    return certs


def as_cert(obj):
    """An ``x509.Certificate`` from a certificate, an :class:`Issued`, PEM text (the first block) or DER bytes."""
    if isinstance(obj, x509.Certificate):
        return obj
    if isinstance(obj, Issued):
        return obj.cert
    if isinstance(obj, (bytes, bytearray)):
        data = bytes(obj)
        if b"-----BEGIN" not in data:
            return x509.load_der_x509_certificate(data)
        obj = data.decode("utf-8", "replace")
    if isinstance(obj, str):
        certs = load_certs(obj)
        if not certs:
            raise ValueError("no certificate found in the PEM text")
        return certs[0]
    raise TypeError("expected a certificate, PEM text or DER bytes, got %s" % type(obj).__name__)


def as_cert_list(objs):
    """A list of certificates from None, one certificate/PEM text (every block)/DER, or an iterable of those."""
    if objs is None:
        return []
    if isinstance(objs, str):
        return load_certs(objs)
    if isinstance(objs, (bytes, bytearray)):
        if b"-----BEGIN" in bytes(objs):
            return load_certs(bytes(objs))
        return [as_cert(objs)]
    if isinstance(objs, (x509.Certificate, Issued)):
        return [as_cert(objs)]
    result = []
    for obj in objs:
        result.extend(as_cert_list(obj))
    return result


def fingerprint(cert):
    """SHA-256 fingerprint of the DER certificate: lowercase hex, no colons."""
    return hashlib.sha256(as_cert(cert).public_bytes(serialization.Encoding.DER)).hexdigest()


def subject_cn(cert):
    """The subject common name, or None."""
    values = as_cert(cert).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _sans(cert):
    try:
        return as_cert(cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def dns_sans(cert):
    """The DNS names of the subject alternative names."""
    sans = _sans(cert)
    return list(sans.get_values_for_type(x509.DNSName)) if sans is not None else []


def ip_sans(cert):
    """The IP addresses of the subject alternative names, as compressed strings."""
    sans = _sans(cert)
    return [str(address) for address in sans.get_values_for_type(x509.IPAddress)] if sans is not None else []


def other_names(cert):
    """The node names: decoded otherName SAN values with OID :data:`NODE_NAME_OID`."""
    sans = _sans(cert)
    if sans is None:
        return []
    names = []
    for entry in sans.get_values_for_type(x509.OtherName):
        if entry.type_id == NODE_NAME_OID:
            decoded = _decode_der_string(entry.value)
            if decoded is not None:
                names.append(decoded)
    return names


def _strip_brackets(host):
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def _as_ip(text):
    try:
        return ipaddress.ip_address(_strip_brackets(text))
    except ValueError:
        return None


def _dns_match(pattern, name):
    pattern = pattern.lower().rstrip(".")
    if not pattern:
        return False
    if "*" not in pattern:
        return pattern == name
    labels = pattern.split(".")
    if labels[0] != "*" or "*" in ".".join(labels[1:]) or len(labels) < 3:
        return False  # partial wildcards, wildcards not left-most, "*.com"
    name_labels = name.split(".")
    return len(name_labels) == len(labels) and bool(name_labels[0]) and name_labels[1:] == labels[1:]


def hostname_matches(cert, name):
    """Whether the certificate covers ``name`` (RFC 6125).

    Only subject alternative names count (no common name fallback). A DNS wildcard is allowed only as the whole
    left-most label and matches exactly one label (``*.example.com`` matches ``a.example.com``, not
    ``example.com`` nor ``a.b.example.com``), with at least two labels after it. Comparison is case-insensitive
    and ignores a trailing dot. IP addresses (IPv6 with or without brackets) are compared with the IP address
    SANs only, after normalisation.
    """
    if not name:
        return False
    address = _as_ip(name)
    if address is not None:
        return any(_as_ip(candidate) == address for candidate in ip_sans(cert))
    host = name.lower().rstrip(".")
    if not host or "*" in host:
        return False
    return any(_dns_match(pattern, host) for pattern in dns_sans(cert))


def _verify_signature(cert, issuer_cert):
    public_key = issuer_cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    else:
        raise TypeError("unsupported issuer key type %s" % type(public_key).__name__)


def issued_by(cert, ca_cert):
    """Whether ``cert`` names ``ca_cert``'s subject as its issuer and carries a valid signature by its key."""
    cert = as_cert(cert)
    ca_cert = as_cert(ca_cert)
    if cert.issuer != ca_cert.subject:
        return False
    try:
        if hasattr(cert, "verify_directly_issued_by"):
            cert.verify_directly_issued_by(ca_cert)
        else:
            _verify_signature(cert, ca_cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def not_valid_before(cert):
    """The start of validity as an aware UTC datetime."""
    cert = as_cert(cert)
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_valid_after(cert):
    """The end of validity as an aware UTC datetime."""
    cert = as_cert(cert)
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def validity_state(cert, at=None):
    """``ok``, ``expired`` or ``not_yet_valid`` for one certificate at ``at`` (default: now)."""
    moment = _aware(at) if at is not None else _now()
    if moment < not_valid_before(cert):
        return "not_yet_valid"
    if moment > not_valid_after(cert):
        return "expired"
    return "ok"


def build_path(leaf, intermediates=(), roots=()):
    """The certification path ``[leaf, intermediate..., root]`` ending at a trusted root, or None.

    ``roots`` are trust anchors; like Java's PKIX (and OpenSSL's partial-chain mode) an anchor need not be
    self-signed, and a certificate that is itself among the roots is trusted directly.
    """
    leaf = as_cert(leaf)
    intermediates = as_cert_list(intermediates)
    roots = as_cert_list(roots)
    root_prints = {fingerprint(root) for root in roots}
    path = [leaf]
    if fingerprint(leaf) in root_prints:
        return path
    current = leaf
    while len(path) <= len(intermediates) + 1:
        for root in roots:
            if _is_ca(root) and issued_by(current, root):
                path.append(root)
                return path
        seen = {fingerprint(cert) for cert in path}
        candidates = [cert for cert in intermediates
                      if fingerprint(cert) not in seen and _is_ca(cert) and issued_by(current, cert)]
        if not candidates:
            return None
        current = candidates[0]
        path.append(current)
    return None


def verify_chain(leaf, intermediates=(), roots=(), at=None):
    """Verify ``leaf`` against trusted ``roots`` with the help of ``intermediates``.

    Returns ``(ok, reason)``, reason one of :data:`VERIFY_REASONS`: ``unknown_ca`` when no path to a trusted root
    exists (checked first, as OpenSSL builds the chain before it checks dates), then ``expired`` or
    ``not_yet_valid`` when any certificate of the path (root included) is outside its validity at ``at``
    (default now), checked from the root down to the leaf as OpenSSL does. Arguments accept certificates, PEM
    text, DER bytes or lists of these.
    """
    path = build_path(leaf, intermediates, roots)
    if path is None:
        return False, "unknown_ca"
    for cert in reversed(path):
        state = validity_state(cert, at)
        if state != "ok":
            return False, state
    return True, "ok"


def _pattern_regex(pattern):
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        return re.compile(pattern[1:-1], re.DOTALL)
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            parts.append(re.escape(pattern[index]))
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


def match_subject_pattern(name, pattern):
    """Whether a node name matches an Elasticsearch trust restriction pattern (``trust.subject_name``).

    Patterns follow Elasticsearch's ``Automatons`` simple patterns: ``*`` matches any characters, dots included
    (``*.node.abc.cluster.123.account``, ``node*.example.com``), ``?`` matches one character, ``\\`` escapes the
    next character, and ``/.../`` is a regular expression matching the whole name. Matching is case-sensitive
    and against the whole name. ``pattern`` may also be a list of patterns (any one matching is enough).
    """
    if name is None:
        return False
    if not isinstance(pattern, str):
        return any(match_subject_pattern(name, item) for item in pattern)
    return _pattern_regex(pattern).fullmatch(name) is not None


def trusted_by_restrictions(cert, patterns):
    """Whether any node name (otherName) of ``cert`` matches one of the trust restriction ``patterns``.

    Elasticsearch's restricted trust manager only looks at the otherName node names, never at the CN or DNS SANs.
    """
    return any(match_subject_pattern(name, patterns) for name in other_names(cert))


def describe(cert):
    """A dict summary of a certificate (for lab responses and error messages)."""
    cert = as_cert(cert)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "common_name": subject_cn(cert),
        "dns_names": dns_sans(cert),
        "ip_addresses": ip_sans(cert),
        "node_names": other_names(cert),
        "fingerprint": fingerprint(cert),
        "not_before": not_valid_before(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": not_valid_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_ca": _is_ca(cert),
    }


# --------------------------------------------------------------------------------------------------------------
# files

def write_pem(path, *pem_texts, mode=0o600):
    """Write PEM texts (str or bytes, concatenated, each ending with a newline) to ``path`` with ``mode``.

    Creates the parent directory if needed and sets the mode even when the file already existed. Returns ``path``.
    """
    parts = []
    for text in pem_texts:
        if isinstance(text, bytes):
            text = text.decode("ascii")
        text = text.strip()
        if text:
            parts.append(text + "\n")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("".join(parts))
    os.chmod(path, mode)
    return path


def split_pem(pem_text) -> List[str]:
    """The certificate blocks of a PEM text as separate normalised PEM strings."""
    return [cert_pem(cert) for cert in load_certs(pem_text)]
