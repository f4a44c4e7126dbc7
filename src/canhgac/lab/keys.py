"""Key material for the lab: DNSSEC zone keys, zone signing, and DKIM keys.

Keys are generated with ``cryptography`` the first time they are asked for and kept for the
life of the process, so every lab server that holds a copy of a zone signs it with the same
key, the parent's DS matches whatever server answers, and starting the lab twice costs the
RSA key generation once.
"""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime, timedelta

import dns.dnssec
import dns.name
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.DS
import dns.rdtypes.dnskeybase
import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from dns.dnssectypes import Algorithm

ZONE_KEY_ALGORITHM = Algorithm.ECDSAP256SHA256
# Signatures are valid from yesterday for a month: fixed for the process so that two servers
# signing the same zone text produce identical signatures (ECDSA signing is deterministic).
SIGNATURE_LIFETIME = timedelta(days=31)

ZoneKey = tuple[ec.EllipticCurvePrivateKey, dns.rdtypes.ANY.DNSKEY.DNSKEY]


def _origin(name: str | dns.name.Name) -> dns.name.Name:
    if isinstance(name, dns.name.Name):
        return name
    return dns.name.from_text(name.rstrip(".").lower() + ".")


@functools.cache
def _zone_key(origin: dns.name.Name) -> ZoneKey:
    private = ec.generate_private_key(ec.SECP256R1())
    flags = (
        dns.rdtypes.dnskeybase.Flag.ZONE | dns.rdtypes.dnskeybase.Flag.SEP
    )  # one combined signing key per zone
    dnskey = dns.dnssec.make_dnskey(private.public_key(), ZONE_KEY_ALGORITHM, flags=flags)
    return private, dnskey


def zone_key(name: str | dns.name.Name) -> ZoneKey:
    """The (private key, DNSKEY) that signs zone ``name`` in this process."""
    return _zone_key(_origin(name))


def ds_for(name: str | dns.name.Name) -> dns.rdtypes.ANY.DS.DS:
    """The SHA-256 DS record a parent publishes for zone ``name``."""
    origin = _origin(name)
    return dns.dnssec.make_ds(origin, zone_key(origin)[1], "SHA256")


@functools.cache
def _signature_window() -> tuple[datetime, datetime]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    inception = today - timedelta(days=1)
    return inception, inception + SIGNATURE_LIFETIME


def sign(zone: dns.zone.Zone) -> None:
    """Sign ``zone`` in place (DNSKEY, RRSIGs and an NSEC chain) with its process key."""
    assert zone.origin is not None
    inception, expiration = _signature_window()
    dns.dnssec.sign_zone(
        zone,
        keys=[zone_key(zone.origin)],
        inception=inception,
        expiration=expiration,
        deterministic=True,
    )


@functools.cache
def dkim_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA key of ``bits`` bits; one per size per process (RSA generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def dkim_public_key_b64(bits: int) -> str:
    """The ``p=`` value of a DKIM record: base64 of the DER SubjectPublicKeyInfo."""
    der = (
        dkim_key(bits)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode("ascii")
