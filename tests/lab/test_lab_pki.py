"""The lab CA: ca.pem for --ca-file, leaves with planted faults that real TLS clients see."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from canhgac.lab.pki import CA_FILE_NAME, KeyKind, LabCA, server_context

CA = LabCA()


def load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def test_write_ca_gives_the_ca_certificate(tmp_path: Path) -> None:
    path = CA.write_ca(tmp_path)
    assert path == tmp_path / CA_FILE_NAME
    ca = load(path.read_text())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert path.read_text() == CA.ca_pem


@pytest.mark.parametrize(
    ("kind", "bits"),
    [(KeyKind.RSA1024, 1024), (KeyKind.RSA2048, 2048), (KeyKind.EC256, 256), (KeyKind.EC384, 384)],
)
def test_key_kinds(kind: KeyKind, bits: int) -> None:
    cert, key = CA.issue(["mail.a.gov.test"], key_type=kind)
    assert load(cert).public_key().key_size == bits
    assert "PRIVATE KEY" in key


def test_validity_windows() -> None:
    now = dt.datetime.now(dt.UTC)
    expired = load(CA.issue(["a.test"], expired=True)[0])
    assert expired.not_valid_after_utc < now
    soon = load(CA.issue(["a.test"], not_after=now + dt.timedelta(days=10))[0])
    assert dt.timedelta(days=9) < soon.not_valid_after_utc - now <= dt.timedelta(days=10)
    later = load(CA.issue(["a.test"], not_before=now + dt.timedelta(days=3))[0])
    assert later.not_valid_before_utc > now


def test_self_signed_and_sha1() -> None:
    own = load(CA.issue(["a.test"], self_signed=True)[0])
    assert own.issuer == own.subject != load(CA.ca_pem).subject
    for kind in (KeyKind.RSA2048, KeyKind.EC256):
        sha1 = load(CA.issue(["a.test"], signature_hash="sha1", key_type=kind)[0])
        assert sha1.signature_hash_algorithm is not None and sha1.signature_hash_algorithm.name == "sha1"
        assert sha1.issuer == load(CA.ca_pem).subject
    with pytest.raises(ValueError, match="unsupported"):
        CA.issue(["a.test"], signature_hash="md5", key_type=KeyKind.RSA1024)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"key_type": KeyKind.EC256},
        {"key_type": KeyKind.RSA1024},
        {"signature_hash": "sha1"},
        {"signature_hash": "sha1", "key_type": KeyKind.EC256},
    ],
)
async def test_openssl_validates_the_leaves_against_ca_pem(
    tmp_path: Path, options: dict[str, object]
) -> None:
    """A real handshake: OpenSSL (security level 0) verifies each leaf, SHA-1 ones included."""
    cert = CA.issue(["mail.a.gov.test"], **options)  # type: ignore[arg-type]
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0, ssl=server_context(cert))
    port = server.sockets[0].getsockname()[1]
    client = ssl.create_default_context(cafile=str(CA.write_ca(tmp_path)))
    client.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client, server_hostname="mail.a.gov.test"
        )
        writer.close()
    finally:
        server.close()
