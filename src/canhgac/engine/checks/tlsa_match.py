"""DANE for SMTP: which TLSA records apply (RFC 7672) and whether one matches a certificate (RFC 6698)."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from canhgac.engine.facts.smtp import TlsaRecord


def usable_for_smtp(record: TlsaRecord) -> bool:
    """DANE-TA(2) and DANE-EE(3) are what SMTP uses (RFC 7672 3.1.3); PKIX usages are not."""
    return record.usage in (2, 3) and record.selector in (0, 1) and record.mtype in (0, 1, 2)


def tlsa_matches(record: TlsaRecord, der: bytes) -> bool:
    """Does ``record``'s association data match this certificate (RFC 6698 2.1)?"""
    if record.selector == 0:
        content = der
    else:
        try:
            key = x509.load_der_x509_certificate(der).public_key()
        except ValueError:
            return False
        content = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = {0: content, 1: hashlib.sha256(content).digest(), 2: hashlib.sha512(content).digest()}
    return digest.get(record.mtype) == record.data
