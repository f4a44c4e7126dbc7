"""Option groups of a scan, one per family of collectors, plus per-target options.

A new collector option is one field in its family's group: ``ScanSettings`` carries the group,
the collect context exposes it (``ctx.mail``, ``ctx.web``, ``ctx.net``), and it serialises with
the run's parameters. Pure values: nothing here touches the network.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canhgac.engine.dnsbl_zones import DEFAULT_DNSBL_ZONES, DnsblZoneError, normalise_zones
from canhgac.engine.params import DEFAULT_DKIM_SELECTORS

__all__ = [
    "DEFAULT_DEFACEMENT_KEYWORDS",
    "DEFAULT_DNSBL_ZONES",
    "DnsblZoneError",
    "MailOptions",
    "NetworkLimits",
    "TargetOptions",
    "WebOptions",
    "normalise_zones",
]

DEFAULT_DEFACEMENT_KEYWORDS: tuple[str, ...] = (
    "hacked by",
    "owned by",
    "defaced by",
    "h4ck3d",
    "was here",
    "bị hack bởi",
    "hack bởi",
    "đã bị chiếm quyền",
)


class TargetOptions(BaseModel):
    """Per-target settings that come from the inventory (or from discovery, for mail hosts)."""

    model_config = ConfigDict(frozen=True)

    dkim_selectors: tuple[str, ...] = ()
    # mail hosts: the agency domains whose MX (or declaration) names this host
    served_domains: tuple[str, ...] = ()
    # ports declared in the inventory for this host (mail hosts: SMTP/IMAP/POP ports)
    ports: tuple[int, ...] = ()
    # the owning agency's opt-out of intrusive probes (e.g. the open-relay test)
    intrusive_probes: bool = True
    # a URL's role, when the inventory says (e.g. "webmail")
    role: str = ""
    # hosts: TCP ports open in the previous scan (None: no baseline yet), for drift findings
    known_ports: tuple[int, ...] | None = None


class NetworkLimits(BaseModel):
    """Bounds on every connection a collector makes: hostile servers stall and flood."""

    model_config = ConfigDict(frozen=True)

    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # one reply (a line, a response) must arrive within this
    max_line_bytes: int = 8192  # a longer protocol line is a finding, not a buffer
    max_reply_bytes: int = 65536  # a whole multi-line reply
    # HTTP: politeness and caps (hostile servers send endless headers and bodies)
    http_per_host: int = 2  # requests in flight to one host at once
    http_min_interval: float = 0.05  # seconds between two requests to one host
    http_max_body_bytes: int = 2_000_000
    http_max_header_bytes: int = 65536
    http_max_redirects: int = 5


class MailOptions(BaseModel):
    """Mail collectors: who we say we are to SMTP servers, blocklists, the relay probe."""

    model_config = ConfigDict(frozen=True)

    ehlo_name: str = Field(default="canhgac.invalid", pattern=r"^[A-Za-z0-9.-]{1,253}$")
    # DNS blocklists asked for mail-server addresses (empty: the check is not applicable);
    # each passes a liveness test once per run before any host is judged with it
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    # The open-relay probe: MAIL FROM and RCPT TO outside every agency domain; never DATA
    relay_probe_sender: str = "canhgac-relay-probe@example.org"
    relay_probe_recipient: str = "canhgac-relay-probe@example.net"
    # DKIM selectors tried on every domain after the ones the inventory declares
    dkim_selectors: tuple[str, ...] = DEFAULT_DKIM_SELECTORS

    @field_validator("dnsbl_zones", mode="after")
    @classmethod
    def _zone_names(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        """Zone names normalised (lower case, no final dot, each once); a bad one is refused."""
        return normalise_zones(zones)


class WebOptions(BaseModel):
    """Web collectors: how we present ourselves and what a defaced page looks like."""

    model_config = ConfigDict(frozen=True)

    user_agent: str = "canhgac (security posture scan by the provincial CSIRT)"
    # Defacement indicators looked for in portal pages (case-insensitive)
    defacement_keywords: tuple[str, ...] = DEFAULT_DEFACEMENT_KEYWORDS
