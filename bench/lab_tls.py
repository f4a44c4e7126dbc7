"""The lab servers' TLS profiles: which profile (and key type) the Nth lab host gets, the
protocol versions each profile offers (what every tool should find), and the server context
the lab processes build for it."""

from __future__ import annotations

import ssl

from canhgac.lab.pki import server_context

LEGACY_CIPHERS = "ALL:@SECLEVEL=0"
# profile -> the protocol versions a server with it offers ("none": no STARTTLS at all)
PROFILE_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "modern": ("TLS 1.2", "TLS 1.3"),
    "tls10": ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls11": ("TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls12only": ("TLS 1.2",),
    "tls13only": ("TLS 1.3",),
    "none": (),
}
_CYCLE = ("modern", "tls10", "modern", "tls12only", "modern", "tls11", "modern", "tls13only")


def profile_for(i: int) -> str:
    """Half modern (TLS 1.2+1.3), 1 in 8 each TLS 1.0+, TLS 1.1+, TLS 1.2 only; 1 in 16 TLS 1.3 only."""
    profile = _CYCLE[i % 8]
    return "modern" if profile == "tls13only" and i % 16 != 7 else profile


def key_for(i: int) -> str:
    """1 in 4 RSA 2048, the rest EC P-256 (hundreds of RSA keys would make the lab slow to start)."""
    return "rsa2048" if i % 4 == 0 else "ec256"


def tls_context(profile: str, cert: tuple[str, str]) -> ssl.SSLContext:
    if profile == "tls10":  # TLS 1.0 and everything after it, every cipher OpenSSL still has
        return server_context(cert, minimum_version=ssl.TLSVersion.TLSv1, ciphers=LEGACY_CIPHERS)
    if profile == "tls11":
        return server_context(cert, minimum_version=ssl.TLSVersion.TLSv1_1, ciphers=LEGACY_CIPHERS)
    if profile == "tls12only":
        return server_context(cert, maximum_version=ssl.TLSVersion.TLSv1_2)
    if profile == "tls13only":
        return server_context(cert, minimum_version=ssl.TLSVersion.TLSv1_3)
    if profile == "modern":  # the lab's (and Python's) default: TLS 1.2 and 1.3
        return server_context(cert)
    raise ValueError(f"unknown TLS profile {profile!r}")
