"""What collectors receive: the run's DNS client, scope, parameters and per-target options."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from canhgac.engine.dns import DnsClient
from canhgac.engine.params import DEFAULT_DKIM_SELECTORS, CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.scope import Scope

# DNS blocklists queried for mail-server addresses (a listing is a finding). Some operators
# refuse queries from public resolvers and answer with error codes: see the DNSBL collector.
DEFAULT_DNSBL_ZONES: tuple[str, ...] = (
    "zen.spamhaus.org",
    "bl.spamcop.net",
    "b.barracudacentral.org",
    "psbl.surriel.com",
)


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


@dataclass(frozen=True)
class CollectContext:
    dns: DnsClient
    scope: Scope
    params: CheckParams = field(default_factory=CheckParams)
    public_suffixes: PublicSuffixes = field(default_factory=PublicSuffixes)
    # Port on which authoritative name servers are queried directly (53 in the field; the
    # lab outside a network namespace serves its zones on a high port).
    nameserver_port: int = 53
    timeout: float = 5.0
    target_options: Mapping[str, TargetOptions] = field(default_factory=dict)
    default_dkim_selectors: tuple[str, ...] = DEFAULT_DKIM_SELECTORS
    net: NetworkLimits = field(default_factory=NetworkLimits)
    # Trust anchors for certificate validation: a PEM bundle (e.g. the lab CA), else the system's
    ca_file: str | None = None
    # Who is scanning, as servers see it (EHLO name, HTTP User-Agent)
    ehlo_name: str = "canhgac.invalid"
    user_agent: str = "canhgac (security posture scan by the provincial CSIRT)"
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    # The open-relay probe: MAIL FROM and RCPT TO outside every agency domain; never DATA
    relay_probe_sender: str = "canhgac-relay-probe@example.org"
    relay_probe_recipient: str = "canhgac-relay-probe@example.net"
    # Offline vulnerability data (SQLite index built by ``canhgac vulns import``); None: only
    # the data set bundled with canhgac
    vuln_db_path: str | None = None
    # Defacement indicators looked for in portal pages (case-insensitive)
    defacement_keywords: tuple[str, ...] = DEFAULT_DEFACEMENT_KEYWORDS
    # Per-run memo for collectors that share work across targets (e.g. one TLS analysis per
    # address:port however many hosts or domains point there). Keys are the owner's business.
    run_cache: dict[object, Any] = field(default_factory=dict, compare=False, repr=False)
    # What the run keeps open and must release when it ends (see ``on_close``/``aclose``)
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list, compare=False, repr=False)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Have ``aclose`` await ``closer`` when the run ends (e.g. a shared HTTP client)."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        """Release the run's shared resources: registered closers, then the DNS client's sockets."""
        closers, self._closers[:] = list(self._closers), []
        for closer in reversed(closers):
            with contextlib.suppress(Exception):  # one failing closer must not keep the others open
                await closer()
        self.dns.close()

    def options_for(self, target_key: str) -> TargetOptions:
        return self.target_options.get(target_key, TargetOptions())

    def dkim_selectors_for(self, target_key: str) -> tuple[str, ...]:
        declared = self.options_for(target_key).dkim_selectors
        seen: dict[str, None] = dict.fromkeys(declared)
        seen.update(dict.fromkeys(self.default_dkim_selectors))
        return tuple(seen)
