"""Leaf parsing and RFC 6125 name matching."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from canhgac.engine.facts.certificate import CertificateFacts, name_matches, parse_certificate
from canhgac.lab.pki import LabCA

CA = LabCA()


def leaf(names: list[str], **kwargs: object) -> CertificateFacts:
    pem, _ = CA.issue(names, **kwargs)  # type: ignore[arg-type]
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    facts = parse_certificate(der)
    assert facts is not None
    return facts


def test_parses_the_fields_checks_need() -> None:
    facts = leaf(["mail.a.gov.test", "smtp.a.gov.test"], key_type="ec256")
    assert facts.dns_names == ("mail.a.gov.test", "smtp.a.gov.test")
    assert (facts.key_type, facts.key_bits, facts.signature_hash) == ("EC", 256, "sha256")
    assert facts.not_before < facts.not_after and not facts.self_issued
    sha1 = leaf(["x.test"], signature_hash="sha1", key_type="rsa1024")
    assert (sha1.key_type, sha1.key_bits, sha1.signature_hash) == ("RSA", 1024, "sha1")
    assert leaf(["x.test"], self_signed=True).self_issued


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", b"not a certificate" * 10])
def test_garbage_is_none_not_an_exception(garbage: bytes) -> None:
    assert parse_certificate(garbage) is None


@pytest.mark.parametrize(
    ("patterns", "host", "matches"),
    [
        (("mail.a.gov.test",), "mail.a.gov.test", True),
        (("MAIL.A.gov.test",), "mail.a.gov.TEST.", True),
        (("*.a.gov.test",), "mail.a.gov.test", True),
        (("*.a.gov.test",), "a.gov.test", False),  # a wildcard needs one label
        (("*.a.gov.test",), "x.mail.a.gov.test", False),  # and only one
        (("m*.a.gov.test",), "mail.a.gov.test", False),  # partial wildcards are not honoured
        (("*.test",), "gov.test", False),  # a wildcard over a whole TLD
        (("mail.*.gov.test",), "mail.a.gov.test", False),
        (("www.a.gov.test",), "mail.a.gov.test", False),
        (("thư.gov.test",), "xn--th-e0a.gov.test", True),  # IDN: U-label and A-label agree
    ],
)
def test_name_matching(patterns: tuple[str, ...], host: str, matches: bool) -> None:
    facts = replace(leaf(["placeholder.test"]), dns_names=patterns)
    assert name_matches(facts, host) is matches


def test_common_name_only_when_there_is_no_san() -> None:
    base = leaf(["placeholder.test"])
    assert name_matches(replace(base, dns_names=(), common_names=("mail.a.gov.test",)), "mail.a.gov.test")
    assert not name_matches(
        replace(base, dns_names=("other.test",), common_names=("mail.a.gov.test",)), "mail.a.gov.test"
    )
    assert name_matches(replace(base, ip_addresses=("127.0.0.25",)), "127.0.0.25")
