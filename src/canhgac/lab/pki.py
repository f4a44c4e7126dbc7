"""The lab's private PKI: one CA (trustme) and leaf certificates with planted faults.

Lab servers present these certificates; scans trust the CA through ``--ca-file`` (see
:meth:`LabCA.write_ca`). The CA comes from trustme; leaves are built with ``cryptography`` and
signed by the CA's key, because trustme's own leaves mark subjectAltName critical beside a
non-empty subject (strict RFC 5280 validators such as sslyze's reject that) and offer neither
RSA 1024/4096 nor P-384 keys, self-signed leaves or SHA-1 signatures. Leaves carry the usual
server extensions (SAN, SKI/AKI, serverAuth), so only the planted fault differs.

SHA-1: ``cryptography`` (46+) refuses SHA-1 in its certificate builder, so a SHA-1 leaf is the
builder's SHA-256 certificate with its signature-algorithm identifiers swapped (same DER length)
and the TBS signed again with SHA-1 by the key's own ``sign`` (which still allows it). Clients
at OpenSSL security level 0 accept it, as an old server's chain would be.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
import warnings
from enum import StrEnum
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE_NAME = "ca.pem"
# Python's default server suites (AEAD and SHA-2 CBC with ECDHE/DHE, no SHA-1), at security level 0
# so that planted weak leaves (RSA 1024, SHA-1 signatures) still load and are served.
MODERN_SERVER_CIPHERS = (
    "ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM:@SECLEVEL=0"
)
_DEFAULT_VALIDITY = dt.timedelta(days=365)


class KeyKind(StrEnum):
    RSA1024 = "rsa1024"
    RSA2048 = "rsa2048"
    RSA4096 = "rsa4096"
    EC256 = "ec256"
    EC384 = "ec384"


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# sha256WithRSAEncryption / ecdsa-with-SHA256 and their SHA-1 counterparts, DER-encoded
# (tag, length, value): each pair has the same length, so a swap keeps every DER length valid.
_SHA1_SWAPS = {
    "rsa": (bytes.fromhex("06092a864886f70d01010b"), bytes.fromhex("06092a864886f70d010105")),
    "ec": (bytes.fromhex("06082a8648ce3d040302"), bytes.fromhex("06072a8648ce3d0401")),
}


def _new_key(kind: KeyKind) -> PrivateKey:
    if kind is KeyKind.EC256:
        return ec.generate_private_key(ec.SECP256R1())
    if kind is KeyKind.EC384:
        return ec.generate_private_key(ec.SECP384R1())
    bits = {KeyKind.RSA1024: 1024, KeyKind.RSA2048: 2048, KeyKind.RSA4096: 4096}[kind]
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _pem_key(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _sha1_resign(cert: x509.Certificate, key: PrivateKey) -> x509.Certificate:
    """The same certificate, signed with SHA-1 (see the module docstring)."""
    family = "rsa" if isinstance(key, rsa.RSAPrivateKey) else "ec"
    old, new = _SHA1_SWAPS[family]
    tbs = cert.tbs_certificate_bytes
    if family == "ec":  # ecdsa-with-SHA1 has a shorter OID: re-encode the AlgorithmIdentifier
        old, new = bytes([0x30, len(old)]) + old, bytes([0x30, len(new)]) + new
        tbs_body = tbs[2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0) :].replace(old, new, 1)
        tbs = b"\x30" + _der_length(len(tbs_body)) + tbs_body
        algorithm = new
    else:
        tbs = tbs.replace(old, new, 1)
        algorithm = b"\x30\x0d" + new + b"\x05\x00"
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - planted weakness
    else:
        signature = key.sign(tbs, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - planted weakness
    bits = b"\x03" + _der_length(len(signature) + 1) + b"\x00" + signature
    body = tbs + algorithm + bits
    return x509.load_der_x509_certificate(b"\x30" + _der_length(len(body)) + body)


def _window(
    now: dt.datetime, expired: bool, not_before: dt.datetime | None, not_after: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    if expired:
        return not_before or now - dt.timedelta(days=400), not_after or now - dt.timedelta(days=30)
    return not_before or now - dt.timedelta(days=1), not_after or now + _DEFAULT_VALIDITY


class LabCA:
    """A certificate authority for the lab; ``ca_pem`` is what scans are told to trust."""

    def __init__(self, organization: str = "canhgac lab CA") -> None:
        self._ca = trustme.CA(organization_name=organization, key_type=trustme.KeyType.RSA)
        self._key = serialization.load_pem_private_key(self._ca.private_key_pem.bytes(), None)
        self._cert = x509.load_pem_x509_certificate(self._ca.cert_pem.bytes())

    @property
    def ca_pem(self) -> str:
        return self._ca.cert_pem.bytes().decode()

    def write_ca(self, folder: str | Path) -> Path:
        """Write the CA certificate to ``folder/ca.pem`` (for ``--ca-file``); returns the path."""
        path = Path(folder) / CA_FILE_NAME
        path.write_text(self.ca_pem, encoding="ascii")
        return path

    def issue(
        self,
        host_names: list[str] | tuple[str, ...],
        *,
        expired: bool = False,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_type: KeyKind | str = KeyKind.RSA2048,
        self_signed: bool = False,
        signature_hash: str = "sha256",
        common_name: str | None = None,
    ) -> tuple[str, str]:
        """A leaf for ``host_names`` (SANs): ``(certificate chain PEM, private key PEM)``.

        ``expired`` without dates gives a certificate that ended 30 days ago; ``not_after`` in
        ten days makes one that is about to expire. ``signature_hash`` is "sha256" or "sha1".
        """
        start, end = _window(dt.datetime.now(dt.UTC), expired, not_before, not_after)
        kind = KeyKind(key_type)
        return self._build(host_names, kind, start, end, self_signed, signature_hash, common_name)

    def _build(
        self,
        host_names: list[str] | tuple[str, ...],
        kind: KeyKind,
        start: dt.datetime,
        end: dt.datetime,
        self_signed: bool,
        signature_hash: str,
        common_name: str | None,
    ) -> tuple[str, str]:
        key = _new_key(kind)
        cn = common_name or (host_names[0] if host_names else "lab")
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        issuer_key: PrivateKey = key if self_signed else self._signing_key()
        issuer = subject if self_signed else self._cert.subject
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        if host_names:
            sans = x509.SubjectAlternativeName([_san(n) for n in host_names])
            builder = builder.add_extension(sans, critical=False)
        cert = builder.sign(issuer_key, hashes.SHA256())
        if signature_hash == "sha1":
            cert = _sha1_resign(cert, issuer_key)
        elif signature_hash != "sha256":
            raise ValueError(f"unsupported signature hash {signature_hash!r}")
        return cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key)

    def _signing_key(self) -> PrivateKey:
        key = self._key
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError("the lab CA key must be RSA or EC")
        return key


def _san(name: str) -> x509.GeneralName:
    """An iPAddress entry for an address (an IP-literal portal), else a dNSName."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def server_context(
    cert: tuple[str, str],
    *,
    minimum_version: ssl.TLSVersion | None = None,
    maximum_version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A TLS server context for a ``(chain PEM, key PEM)`` pair (stdlib needs files: temp ones).

    Without ``ciphers`` it offers :data:`MODERN_SERVER_CIPHERS`; pass an OpenSSL cipher string
    ending in ``@SECLEVEL=0`` to plant weak suites.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers(ciphers if ciphers is not None else MODERN_SERVER_CIPHERS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 servers are planted faults
        if minimum_version is not None:
            context.minimum_version = minimum_version
        if maximum_version is not None:
            context.maximum_version = maximum_version
    with tempfile.TemporaryDirectory(prefix="canhgac-pki-") as folder:
        cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_path.write_text(cert[0], encoding="ascii")
        key_path.write_text(cert[1], encoding="ascii")
        context.load_cert_chain(cert_path, key_path)
    return context
