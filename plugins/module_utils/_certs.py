# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOR INTERNAL COLLECTION USE ONLY. This file may change in any release.

Pure logic (no I/O) about X.509 certificates: splitting and normalising PEM text, fingerprints,
certificate details, RFC 6125 host name matching and chain verification.

``split_pem``, ``fingerprint``, ``fingerprints`` and ``same_certificates`` work without the
``cryptography`` library (they then only check that each block is well-formed base64 holding a DER
SEQUENCE). ``certificate_info``, ``hostname_matches``, ``verify_chain`` and the full validation of
``split_pem`` need ``cryptography``; check ``HAS_CRYPTOGRAPHY`` first, or catch
``MissingCryptographyError``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import ipaddress
import re
import traceback

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import ExtensionOID, NameOID
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

# otherName type used by Elasticsearch for node names in transport certificates (a UTF8String).
ES_NODE_NAME_OID = "1.3.6.1.4.1.50020.1.1"

PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
PEM_END = "-----END CERTIFICATE-----"
_BLOCK_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)(?:-----END CERTIFICATE-----|(?=-----BEGIN )|\Z)", re.DOTALL)
_WS_RE = re.compile(r"\s+")

VERIFY_REASONS = ("ok", "expired", "not_yet_valid", "unknown_ca", "empty_chain")


class CertificateError(ValueError):
    """A certificate (or PEM text) cannot be read."""


class MissingCryptographyError(CertificateError):
    """The Python library ``cryptography`` is needed and missing."""


def _require_cryptography(what):
    if not HAS_CRYPTOGRAPHY:
        raise MissingCryptographyError("%s needs the Python library cryptography where this runs (pip install "
                                       "cryptography); the import traceback is in CRYPTOGRAPHY_IMPORT_ERROR" % what)


# ---------------------------------------------------------------------------------------------
# PEM handling
# ---------------------------------------------------------------------------------------------

def _to_text(text):
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            return text.decode("latin-1")
    if not isinstance(text, str):
        raise CertificateError("not a PEM certificate: expected text, got %s" % type(text).__name__)
    return text


def _pem_from_der(der):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "%s\n%s\n%s\n" % (PEM_BEGIN, "\n".join(lines), PEM_END)


def _der_blocks(text):
    """DER bytes of every certificate block in ``text``, in order (CertificateError when malformed)."""
    text = _to_text(text)
    # JSON-escaped PEM pasted as text ("...\\n...") and Windows line ends: a backslash never occurs in PEM.
    text = text.replace("\\r", "").replace("\\n", "\n").replace("\r", "")
    if PEM_BEGIN not in text:
        if not text.strip():
            raise CertificateError("not a PEM certificate: the text is empty")
        raise CertificateError("not a PEM certificate: no %s line found" % PEM_BEGIN)
    ders = []
    for number, match in enumerate(_BLOCK_RE.finditer(text), 1):
        if not match.group(0).rstrip().endswith(PEM_END):
            raise CertificateError("block %d is not a valid certificate: it has no %s line" % (number, PEM_END))
        body = _WS_RE.sub("", match.group(1))
        if ":" in body:
            raise CertificateError("block %d is not a valid certificate: encrypted or header-carrying PEM blocks are not "
                                   "certificates" % number)
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CertificateError("block %d is not a valid certificate: its base64 body is corrupt (%s)" % (number, exc))
        if len(der) < 2 or der[0] != 0x30:
            raise CertificateError("block %d is not a valid certificate: it does not hold a DER certificate" % number)
        if HAS_CRYPTOGRAPHY:
            try:
                x509.load_der_x509_certificate(der)
            except ValueError as exc:
                raise CertificateError("block %d is not a valid certificate: %s" % (number, exc))
        ders.append(der)
    return ders


def split_pem(text):
    """Every certificate in ``text`` as a normalised PEM string, in order.

    Tolerates CRLF, indentation, blank lines, text around the blocks and JSON-escaped newlines. Each block comes
    back as ``-----BEGIN CERTIFICATE-----``, base64 lines of 64 characters, ``-----END CERTIFICATE-----`` and a
    final newline. ``text`` may also be a list of such texts. Raises CertificateError when a block is malformed or
    there is none.
    """
    if isinstance(text, (list, tuple)):
        result = []
        for item in text:
            result.extend(split_pem(item))
        if not result:
            raise CertificateError("not a PEM certificate: the list is empty")
        return result
    return [_pem_from_der(der) for der in _der_blocks(text)]


def _to_der(pem_or_der):
    """DER bytes of exactly one certificate (PEM text, DER bytes or a cryptography Certificate)."""
    if HAS_CRYPTOGRAPHY and isinstance(pem_or_der, x509.Certificate):
        return pem_or_der.public_bytes(serialization.Encoding.DER)
    if isinstance(pem_or_der, (bytes, bytearray)) and bytes(pem_or_der[:1]) == b"\x30":
        return bytes(pem_or_der)
    ders = _der_blocks(pem_or_der)
    if len(ders) != 1:
        raise CertificateError("expected one certificate, found %d" % len(ders))
    return ders[0]


def _load(pem_or_cert):
    _require_cryptography("reading certificate details")
    if isinstance(pem_or_cert, x509.Certificate):
        return pem_or_cert
    return x509.load_der_x509_certificate(_to_der(pem_or_cert))


def fingerprint(pem_or_der):
    """SHA-256 of the certificate's DER encoding, lowercase hex without separators."""
    return hashlib.sha256(_to_der(pem_or_der)).hexdigest()


def fingerprints(text_or_list):
    """The fingerprints of every certificate in a PEM text (several blocks allowed) or a list of them, in order."""
    if isinstance(text_or_list, (list, tuple)):
        result = []
        for item in text_or_list:
            if isinstance(item, dict):
                item = item.get("pem")
            if HAS_CRYPTOGRAPHY and isinstance(item, x509.Certificate):
                result.append(fingerprint(item))
            else:
                result.extend(hashlib.sha256(der).hexdigest() for der in _der_blocks(item))
        return result
    return [hashlib.sha256(der).hexdigest() for der in _der_blocks(text_or_list)]


def same_certificates(first, second):
    """Whether both hold the same set of certificates (order, duplicates and PEM formatting do not matter)."""
    return set(fingerprints(first)) == set(fingerprints(second))


# ---------------------------------------------------------------------------------------------
# Details
# ---------------------------------------------------------------------------------------------

def _utc(value):
    if value is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def _validity(cert):
    if hasattr(cert, "not_valid_before_utc"):
        return cert.not_valid_before_utc, cert.not_valid_after_utc
    return _utc(cert.not_valid_before), _utc(cert.not_valid_after)  # cryptography < 42


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decode_der_string(value):
    """Decode a DER string (UTF8String, IA5String, PrintableString ...) from an otherName value; None if it is not one."""
    data = bytes(value)
    if data[:1] == b"\xa0":  # explicit [0] wrapper, if the library left it on
        data = _der_content(data)
        if data is None:
            return None
    if data[:1] in (b"\x0c", b"\x16", b"\x13", b"\x14", b"\x1a"):
        content = _der_content(data)
        if content is not None:
            try:
                return content.decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None


def _der_content(data):
    """The content octets of one DER TLV (None when malformed)."""
    if len(data) < 2:
        return None
    length = data[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            return None
        length = int.from_bytes(data[2:2 + count], "big")
        offset = 2 + count
    if len(data) != offset + length:
        return None
    return data[offset:]


def _key_type(cert):
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA %d" % key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC %s" % key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA %d" % key.key_size
    return type(key).__name__


def _san(cert):
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert):
    try:
        return bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
    except x509.ExtensionNotFound:
        return False


def _may_issue(cert):
    """A certificate may act as an issuer unless its basic constraints say it is not a CA (v1 roots have none)."""
    try:
        return bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
    except x509.ExtensionNotFound:
        return True


def certificate_info(pem, now=None):
    """Details of one certificate (PEM text with one block, DER bytes or a cryptography Certificate).

    Returns a dict: ``subject``, ``issuer`` (RFC 4514 strings), ``common_name``, ``serial`` (lowercase hex),
    ``not_before``, ``not_after`` (ISO 8601, ``Z``), ``days_left`` (whole days until expiry, negative once expired),
    ``expired``, ``not_yet_valid``, ``is_ca``, ``dns_names``, ``ip_addresses``, ``other_names`` (list of
    ``{oid, value}``; values of Elasticsearch node-name otherNames and other DER strings decoded, else hex),
    ``fingerprint`` (SHA-256 hex), ``key_type`` (``RSA 2048``, ``EC secp256r1`` ...), ``signature_algorithm``.
    """
    cert = _load(pem)
    moment = _utc(now)
    not_before, not_after = _validity(cert)
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    dns_names, ip_addresses, other_names = [], [], []
    san = _san(cert)
    if san is not None:
        dns_names = list(san.get_values_for_type(x509.DNSName))
        ip_addresses = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        for other in san.get_values_for_type(x509.OtherName):
            decoded = _decode_der_string(other.value)
            other_names.append({"oid": other.type_id.dotted_string,
                                "value": decoded if decoded is not None else bytes(other.value).hex()})
    sig_oid = cert.signature_algorithm_oid
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "common_name": str(common_names[0].value) if common_names else None,
        "serial": format(cert.serial_number, "x"),
        "not_before": _iso(not_before),
        "not_after": _iso(not_after),
        "days_left": int((not_after - moment).total_seconds() // 86400),
        "expired": moment > not_after,
        "not_yet_valid": moment < not_before,
        "is_ca": _is_ca(cert),
        "dns_names": dns_names,
        "ip_addresses": ip_addresses,
        "other_names": other_names,
        "fingerprint": fingerprint(cert),
        "key_type": _key_type(cert),
        "signature_algorithm": getattr(sig_oid, "_name", None) or sig_oid.dotted_string,
    }


def node_names(pem):
    """The Elasticsearch node names (otherName ``1.3.6.1.4.1.50020.1.1``) in a certificate's SAN."""
    return [o["value"] for o in certificate_info(pem)["other_names"] if o["oid"] == ES_NODE_NAME_OID]


# ---------------------------------------------------------------------------------------------
# Host name matching (RFC 6125)
# ---------------------------------------------------------------------------------------------

def _ip_or_none(name):
    candidate = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def _dns_label_form(name):
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        return None
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name


def _dns_matches(pattern, host):
    pattern = _dns_label_form(pattern)
    if pattern is None:
        return False
    if "*" not in pattern:
        return pattern == host
    labels = pattern.split(".")
    # "*" is accepted only as the whole left-most label, and needs at least two labels after it ("*.com" never matches).
    if labels[0] != "*" or "*" in ".".join(labels[1:]) or len(labels) < 3:
        return False
    host_labels = host.split(".")
    return len(host_labels) == len(labels) and host_labels[0] != "" and host_labels[1:] == labels[1:]


def hostname_matches(pem_or_cert, name):
    """Whether the certificate is valid for ``name`` per RFC 6125.

    Only the subjectAltName counts (no fallback to the common name). DNS names compare case-insensitively, a trailing
    dot is ignored, ``*`` matches exactly one label and only as the whole left-most label. IP literals (IPv4 or IPv6,
    with or without brackets) compare with IP address SANs only, in normalised form.
    """
    cert = _load(pem_or_cert)
    if not isinstance(name, str) or not name.strip():
        return False
    name = name.strip()
    san = _san(cert)
    if san is None:
        return False
    ip = _ip_or_none(name)
    if ip is not None:
        return any(ip == candidate for candidate in san.get_values_for_type(x509.IPAddress))
    if "[" in name or "]" in name:
        return False
    host = _dns_label_form(name)
    if host is None or "*" in host:
        return False
    return any(_dns_matches(pattern, host) for pattern in san.get_values_for_type(x509.DNSName))


# ---------------------------------------------------------------------------------------------
# Chains
# ---------------------------------------------------------------------------------------------

def _certificates(pems):
    if pems is None:
        return []
    if HAS_CRYPTOGRAPHY and isinstance(pems, x509.Certificate):
        return [pems]
    if isinstance(pems, (list, tuple)):
        result = []
        for item in pems:
            result.extend(_certificates(item))
        return result
    if isinstance(pems, str) and not pems.strip():
        return []
    return [x509.load_der_x509_certificate(der) for der in _der_blocks(pems)]


def _signature_ok(cert, issuer):
    """Whether ``issuer`` issued ``cert``: names match and the signature verifies."""
    if cert.issuer != issuer.subject:
        return False
    if hasattr(cert, "verify_directly_issued_by"):
        try:
            cert.verify_directly_issued_by(issuer)
            return True
        except (ValueError, TypeError, InvalidSignature):
            return False
    return _legacy_signature_ok(cert, issuer)  # cryptography < 40


def _legacy_signature_ok(cert, issuer):
    key = issuer.public_key()
    data, signature, digest = cert.tbs_certificate_bytes, cert.signature, cert.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, data)
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, digest)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def verify_chain(chain_pems, trusted_pems, now=None):
    """Verify a presented chain (leaf first) against trusted certificates.

    ``chain_pems`` and ``trusted_pems`` are PEM texts (several blocks allowed) or lists of them. The path goes from
    the leaf through intermediates of the chain to a trusted certificate (a trusted certificate may also appear in
    the chain, and a trusted leaf is accepted as is). Each step checks the issuer name and the signature; issuers
    whose basic constraints say they are not a CA are skipped. Every certificate on the path must be within its
    validity dates. Returns ``(ok, reason)``, reason one of ``ok``, ``expired``, ``not_yet_valid``, ``unknown_ca``,
    ``empty_chain``. Raises CertificateError for unreadable PEM.
    """
    _require_cryptography("chain verification")
    chain = _certificates(chain_pems)
    if not chain:
        return False, "empty_chain"
    trusted = _certificates(trusted_pems)
    trusted_ders = set(_der(cert) for cert in trusted)
    moment = _utc(now)

    path = [chain[0]]
    used = {_der(chain[0])}
    anchored = _der(chain[0]) in trusted_ders
    while not anchored:
        current = path[-1]
        anchor = next((t for t in trusted if _may_issue(t) and _signature_ok(current, t)), None)
        if anchor is not None:
            path.append(anchor)
            anchored = True
            break
        step = next((c for c in chain[1:] if _der(c) not in used and _may_issue(c) and _signature_ok(current, c)), None)
        if step is None:
            return False, "unknown_ca"
        path.append(step)
        used.add(_der(step))
        anchored = _der(step) in trusted_ders

    if any(moment > _validity(cert)[1] for cert in path):
        return False, "expired"
    if any(moment < _validity(cert)[0] for cert in path):
        return False, "not_yet_valid"
    return True, "ok"


def root_of_chain(chain_pems):
    """The root of a presented chain as normalised PEM: the last self-signed certificate if there is one, else the last.

    ECE's proxy "root certificate" is the last certificate its proxies present. Raises CertificateError on an
    empty chain or unreadable PEM.
    """
    pems = split_pem(chain_pems) if chain_pems else []
    if not pems:
        raise CertificateError("not a PEM certificate: the chain is empty")
    if HAS_CRYPTOGRAPHY:
        for pem in reversed(pems):
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
            if _signature_ok(cert, cert):
                return pem
    return pems[-1]


def encoded_pem(cert):
    """A cryptography Certificate as normalised PEM text."""
    _require_cryptography("PEM encoding")
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
