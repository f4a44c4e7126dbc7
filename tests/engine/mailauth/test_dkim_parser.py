"""The DKIM key record parser (RFC 6376 3.6.1, RFC 8463): keys of each kind, errors, hostile input."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from canhgac.engine.mailauth.dkim import looks_like_dkim_key, parse_dkim_key
from canhgac.lab import keys


def rsa_b64(
    bits: int, fmt: serialization.PublicFormat = serialization.PublicFormat.SubjectPublicKeyInfo
) -> str:
    der = keys.dkim_key(bits).public_key().public_bytes(serialization.Encoding.DER, fmt)
    return base64.b64encode(der).decode()


def test_rsa_2048_spki() -> None:
    key = parse_dkim_key(f"v=DKIM1; k=rsa; p={rsa_b64(2048)}")
    assert key.usable and (key.algorithm, key.bits) == ("rsa", 2048)


def test_rsa_1024_pkcs1_split_with_spaces() -> None:
    b64 = rsa_b64(1024, serialization.PublicFormat.PKCS1)
    spaced = " ".join(b64[i : i + 60] for i in range(0, len(b64), 60))
    key = parse_dkim_key(f"k=rsa; t=y:s; p={spaced}")
    assert key.usable and key.bits == 1024 and key.testing


def test_ed25519() -> None:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    key = parse_dkim_key(f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}")
    assert key.usable and key.algorithm == "ed25519"


def test_revoked_key_is_valid_but_unusable() -> None:
    key = parse_dkim_key("v=DKIM1; k=rsa; p=")
    assert key.valid and key.revoked and not key.usable


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=DKIM1; k=rsa", "missing-p"),
        ("k=rsa; v=DKIM1; p=", "bad-version"),
        ("v=DKIM2; p=", "bad-version"),
        ("v=DKIM1; k=dsa; p=AAAA", "unknown-key-type"),
        ("v=DKIM1; p=not*base64!", "bad-base64"),
        ("v=DKIM1; p=AAAAAAAA", "bad-key"),
        ("v=DKIM1; k=ed25519; p=AAAA", "bad-key"),
        ("v=DKIM1; p=MIIB; p=", "duplicate-tag"),
    ],
)
def test_error_classes(text: str, code: str) -> None:
    key = parse_dkim_key(text)
    assert code in [p.code for p in key.problems]
    assert not key.usable


def test_key_type_mismatch() -> None:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key = parse_dkim_key(f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}")
    assert [p.code for p in key.problems] == ["key-type-mismatch"]


def test_what_counts_as_a_key_record() -> None:
    assert looks_like_dkim_key("v=DKIM1; p=")
    assert looks_like_dkim_key("k=rsa; p=MIIB")
    assert not looks_like_dkim_key("v=spf1 -all")
    assert not looks_like_dkim_key("google-site-verification=abc")


@pytest.mark.parametrize(
    "text",
    ["", ";", "p", "p=" + "A" * 70000, "v=DKIM1; p=\x00\xff", "p===", "k=\u0111; p=AAAA", "p=" + "=" * 8],
)
def test_hostile_input_never_raises(text: str) -> None:
    key = parse_dkim_key(text)
    assert not key.usable
