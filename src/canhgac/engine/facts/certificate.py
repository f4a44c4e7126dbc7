"""The leaf certificate as checks need it, parsed with ``cryptography``; name matching (RFC 6125).

Parsing is total: a certificate ``cryptography`` cannot read gives ``None`` from
:func:`parse_certificate`, and odd extensions are skipped, never raised.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import idna
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    pem: str
    subject: str
    common_names: tuple[str, ...]
    dns_names: tuple[str, ...]  # subjectAltName dNSName entries
    ip_addresses: tuple[str, ...]  # subjectAltName iPAddress entries
    issuer: str
    self_issued: bool  # subject == issuer
    not_before: datetime
    not_after: datetime
    key_type: str  # "RSA", "EC", "DSA", "Ed25519", "Ed448" or "unknown"
    key_bits: int
    signature_hash: str | None  # "sha256", "sha1", "md5"... (None: Ed25519 and the like)
    serial: str
    sha256: str

    def as_evidence(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "dns_names": list(self.dns_names[:50]),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key": f"{self.key_type} {self.key_bits}",
            "signature_hash": self.signature_hash,
            "sha256": self.sha256,
        }


def _key(cert: x509.Certificate) -> tuple[str, int]:
    try:
        key = cert.public_key()
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
        return "unknown", 0
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return "unknown", 0


def _sans(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return (), ()
    dns_names = tuple(str(n).lower() for n in ext.get_values_for_type(x509.DNSName))
    ips = tuple(str(ip) for ip in ext.get_values_for_type(x509.IPAddress))
    return dns_names, ips


def _signature_hash(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except Exception:  # UnsupportedAlgorithm for exotic OIDs: use the OID's name instead
        name = cert.signature_algorithm_oid._name.lower()
        for digest in ("md5", "sha1", "md2"):
            if digest in name:
                return digest
        return name
    return algorithm.name if algorithm is not None else None


def _name_text(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return repr(name)


def parse_certificate(der: bytes) -> CertificateFacts | None:
    """The leaf's facts, or None when the bytes are not a certificate ``cryptography`` reads."""
    try:
        cert = x509.load_der_x509_certificate(der)
        subject, issuer = cert.subject, cert.issuer
        cns = tuple(str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME))
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    except ValueError:
        return None
    dns_names, ips = _sans(cert)
    key_type, key_bits = _key(cert)
    return CertificateFacts(
        pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        subject=_name_text(subject),
        common_names=cns,
        dns_names=dns_names,
        ip_addresses=ips,
        issuer=_name_text(issuer),
        self_issued=subject == issuer,
        not_before=not_before,
        not_after=not_after,
        key_type=key_type,
        key_bits=key_bits,
        signature_hash=_signature_hash(cert),
        serial=format(cert.serial_number, "x"),
        sha256=hashlib.sha256(der).hexdigest(),
    )


def _a_label(name: str) -> str | None:
    text = name.strip().rstrip(".").lower()
    if not text:
        return None
    try:
        return idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError:
        return text if text.isascii() else None


def _pattern_matches(pattern: str, host: str) -> bool:
    """RFC 6125 6.4.3: exact match, or ``*`` as the whole left-most label matching one label."""
    pattern = pattern.rstrip(".").lower()
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False  # partial-label wildcards ("w*.example") are not honoured (RFC 9525)
    suffix = pattern[2:]
    if "*" in suffix or suffix.count(".") < 1:
        return False  # "*.com"-like patterns cover a whole TLD
    label, _, rest = host.partition(".")
    return bool(label) and rest == suffix


def name_matches(cert: CertificateFacts, host: str) -> bool:
    """Does the certificate cover ``host``? SAN dNSNames; the CN only when there is no SAN."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        return str(ip) in cert.ip_addresses
    wanted = _a_label(host)
    if wanted is None:
        return False
    patterns = cert.dns_names if cert.dns_names or cert.ip_addresses else cert.common_names
    for pattern in patterns:
        encoded = _a_label(pattern.replace("*.", "wildcard-placeholder.", 1))
        if encoded is None:
            continue
        if _pattern_matches(encoded.replace("wildcard-placeholder.", "*.", 1), wanted):
            return True
    return False
