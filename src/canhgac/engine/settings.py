"""Scan settings: one typed, serialisable value built at the edge (CLI, console, worker).

Everything a worker needs to rebuild the collect context travels in it, so that a shard can
run in-process or on another machine unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from canhgac.engine.context import (
    DEFAULT_DEFACEMENT_KEYWORDS,
    DEFAULT_DNSBL_ZONES,
    CollectContext,
    NetworkLimits,
    TargetOptions,
)
from canhgac.engine.dns import DnsClient, ResolverError, ServerAddress
from canhgac.engine.params import CheckParams
from canhgac.engine.portscan import PortScanOptions
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.resolvers import parse_resolvers, require_resolvers, system_resolvers
from canhgac.engine.scope import Scope

__all__ = ["ResolverError", "ScanSettings", "ScopeSettings", "system_resolvers"]


class ScopeSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    domains: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    loopback_only: bool = False
    resolvers: tuple[str, ...] = ()  # addresses of the resolvers the inventory names

    @classmethod
    def from_scope(cls, scope: Scope) -> ScopeSettings:
        return cls(
            domains=tuple(sorted(scope.domains)),
            networks=tuple(str(n) for n in scope.networks),
            hosts=tuple(sorted(scope.hosts)),
            loopback_only=scope.loopback_only,
            resolvers=tuple(sorted(str(r) for r in scope.resolvers)),
        )

    def build(self) -> Scope:
        return Scope.build(
            domains=self.domains,
            networks=self.networks,
            hosts=self.hosts,
            loopback_only=self.loopback_only,
            resolvers=self.resolvers,
        )


class ScanSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    resolvers: tuple[str, ...] = ("127.0.0.1:53",)
    dns_timeout: float = Field(default=2.0, gt=0, le=30)
    dns_attempts: int = Field(default=2, ge=1, le=5)
    dns_max_in_flight: int = Field(default=256, ge=1, le=4096)
    nameserver_port: int = Field(default=53, ge=1, le=65535)
    target_timeout: float = Field(default=60.0, gt=0)
    concurrency: int = Field(default=100, ge=1, le=5000)
    params: CheckParams = Field(default_factory=CheckParams)
    scope: ScopeSettings = Field(default_factory=ScopeSettings)
    public_suffixes: tuple[str, ...] = ()
    target_options: Mapping[str, TargetOptions] = Field(default_factory=dict)
    net: NetworkLimits = Field(default_factory=NetworkLimits)
    ca_file: str | None = None
    ehlo_name: str = Field(default="canhgac.invalid", pattern=r"^[A-Za-z0-9.-]{1,253}$")
    user_agent: str = "canhgac (security posture scan by the provincial CSIRT)"
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    relay_probe_sender: str = "canhgac-relay-probe@example.org"
    relay_probe_recipient: str = "canhgac-relay-probe@example.net"
    vuln_db_path: str | None = None
    port_scan: PortScanOptions = Field(default_factory=PortScanOptions)
    defacement_keywords: tuple[str, ...] = DEFAULT_DEFACEMENT_KEYWORDS

    def resolver_addresses(self) -> tuple[ServerAddress, ...]:
        """The resolvers parsed; :class:`ResolverError` (a ValueError) for one that is not
        ``ADDRESS[:PORT]``."""
        return parse_resolvers(self.resolvers)

    def check_resolvers(self) -> tuple[ServerAddress, ...]:
        """The resolvers, parsed and allowed by the scope; :class:`ResolverError` (one line
        naming the setting to change) otherwise. Sends nothing."""
        resolvers = self.resolver_addresses()
        require_resolvers(resolvers, self.scope.build())
        return resolvers

    def build_context(self) -> CollectContext:
        """A fresh context (and DNS cache) for one run or one shard.

        Raises :class:`ResolverError` before any packet when a resolver is malformed or outside
        the scope (whatever built these settings: the CLI, a library caller, a stored run).
        """
        resolvers = self.check_resolvers()
        scope = self.scope.build()
        dns = DnsClient(
            resolvers,
            timeout=self.dns_timeout,
            attempts=self.dns_attempts,
            max_in_flight=self.dns_max_in_flight,
        )
        return CollectContext(
            dns=dns,
            scope=scope,
            params=self.params,
            public_suffixes=PublicSuffixes(extra=self.public_suffixes),
            nameserver_port=self.nameserver_port,
            timeout=self.dns_timeout,
            target_options=dict(self.target_options),
            net=self.net,
            ca_file=self.ca_file,
            ehlo_name=self.ehlo_name,
            user_agent=self.user_agent,
            dnsbl_zones=self.dnsbl_zones,
            relay_probe_sender=self.relay_probe_sender,
            relay_probe_recipient=self.relay_probe_recipient,
            vuln_db_path=self.vuln_db_path,
            defacement_keywords=self.defacement_keywords,
        )
