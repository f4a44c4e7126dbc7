"""Scan settings: one typed, serialisable value built at the edge (CLI, console, worker).

Everything a worker needs to rebuild the collect context travels in it, so that a shard can
run in-process or on another machine unchanged. Collector options are grouped by family
(``mail``, ``web``, ``net``, ``ports``): a new option is one field of its group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canhgac.engine.dns import ResolverError, ServerAddress
from canhgac.engine.options import MailOptions, NetworkLimits, TargetOptions, WebOptions
from canhgac.engine.params import CheckParams
from canhgac.engine.portscan import PortScanOptions
from canhgac.engine.resolvers import parse_resolvers, require_resolvers, system_resolvers
from canhgac.engine.scope import Scope

__all__ = [
    "MailOptions",
    "NetworkLimits",
    "ResolverError",
    "ScanSettings",
    "ScopeSettings",
    "TargetOptions",
    "WebOptions",
    "system_resolvers",
]

# Where the flat fields of settings stored before the option groups now live (old runs stay
# readable by ``retest``): old key -> (group, field).
_MOVED: dict[str, tuple[str, str]] = {
    "ehlo_name": ("mail", "ehlo_name"),
    "dnsbl_zones": ("mail", "dnsbl_zones"),
    "relay_probe_sender": ("mail", "relay_probe_sender"),
    "relay_probe_recipient": ("mail", "relay_probe_recipient"),
    "user_agent": ("web", "user_agent"),
    "defacement_keywords": ("web", "defacement_keywords"),
}


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
    # Port on which authoritative name servers are queried directly (53 in the field; the
    # lab outside a network namespace serves its zones on a high port).
    nameserver_port: int = Field(default=53, ge=1, le=65535)
    target_timeout: float = Field(default=60.0, gt=0)
    concurrency: int = Field(default=100, ge=1, le=5000)
    params: CheckParams = Field(default_factory=CheckParams)
    scope: ScopeSettings = Field(default_factory=ScopeSettings)
    public_suffixes: tuple[str, ...] = ()
    # Options the inventory declares per target (key -> options); the plan carries the
    # options of each planned target, discovered ones included.
    target_options: Mapping[str, TargetOptions] = Field(default_factory=dict)
    # Trust anchors for certificate validation: the system's, plus a PEM bundle when given (a
    # province's private CA beside the public ones); with ``ca_only``, the bundle alone (the lab)
    ca_file: str | None = None
    ca_only: bool = False
    # Offline vulnerability data (SQLite index built by ``canhgac vulns import``); None: only
    # the data set bundled with canhgac
    vuln_db_path: str | None = None
    net: NetworkLimits = Field(default_factory=NetworkLimits)
    mail: MailOptions = Field(default_factory=MailOptions)
    web: WebOptions = Field(default_factory=WebOptions)
    ports: PortScanOptions = Field(default_factory=PortScanOptions)

    @model_validator(mode="before")
    @classmethod
    def _read_flat_fields(cls, data: Any) -> Any:
        """Settings stored before the option groups (flat ``ehlo_name``, ``port_scan``...); a
        flat field given beside its group (a retest's override) wins over the group's value."""
        if not isinstance(data, dict) or not (set(data) & {*_MOVED, "port_scan"}):
            return data
        data = dict(data)
        if "port_scan" in data and "ports" not in data:
            data["ports"] = data.pop("port_scan")
        for old, (group, name) in _MOVED.items():
            if old in data:
                value = data.pop(old)
                current = data.get(group) or {}
                if isinstance(current, dict):
                    data[group] = {**current, name: value}
        return data

    @property
    def trusts_system(self) -> bool:
        """Certificates chaining to the system's trust store count as trusted (always, unless
        ``ca_only`` restricts trust to ``ca_file``)."""
        return self.ca_file is None or not self.ca_only

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
