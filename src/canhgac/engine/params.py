"""Check parameters: one typed, frozen value built at the edge and passed to every check.

Checks never read configuration themselves; whatever tunes a verdict is a field here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DEFAULT_DKIM_SELECTORS: tuple[str, ...] = (
    "default",
    "dkim",
    "mail",
    "selector1",
    "selector2",
    "google",
    "k1",
    "s1",
    "s2",
    "smtp",
    "zimbra",
    "mx",
)


class CheckParams(BaseModel):
    model_config = ConfigDict(frozen=True)

    # SPF (RFC 7208 section 4.6.4)
    spf_max_dns_lookups: int = 10
    spf_max_void_lookups: int = 2
    # ip4 mechanisms wider than this prefix are "very broad" (a /16 authorises 65,536 hosts)
    spf_broadest_ipv4_prefix: int = 16
    spf_broadest_ipv6_prefix: int = 32
    # DKIM
    dkim_min_rsa_bits: int = 1024
    dkim_recommended_rsa_bits: int = 2048
    # TLS and certificates (mail servers; web portals reuse them)
    cert_expiry_warning_days: int = 30
    cert_min_rsa_bits: int = 2048
    cert_min_ec_bits: int = 256
    tls_min_dh_bits: int = 2048
    # exposed services: the oldest OpenSSH accepted (9.8 is the first without CVE-2024-6387)
    net_ssh_min_openssh: str = "9.8"
    # leaked accounts: a breach at most this many days old makes the leak critical
    creds_recent_days: int = 365
