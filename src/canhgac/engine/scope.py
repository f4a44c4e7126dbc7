"""The scope guard: canhgac contacts only what the inventory declares.

In scope: the declared domains and every name below them, the declared address ranges,
the hosts of declared URLs, and servers that an in-scope zone itself delegates to (its
NS and MX hosts). With ``loopback_only`` (tests, the lab, the demo) any address outside
127.0.0.0/8 and ::1 is refused whatever the inventory says.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutOfScopeError(Exception):
    """A target or address outside the declared scope was about to be contacted."""


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


@dataclass(frozen=True)
class Scope:
    domains: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()  # URL hosts and declared mail hosts
    loopback_only: bool = False

    @classmethod
    def build(
        cls,
        *,
        domains: list[str] | tuple[str, ...] = (),
        networks: list[str] | tuple[str, ...] = (),
        hosts: list[str] | tuple[str, ...] = (),
        loopback_only: bool = False,
    ) -> Scope:
        return cls(
            domains=frozenset(_norm(d) for d in domains),
            networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
            hosts=frozenset(_norm(h) for h in hosts),
            loopback_only=loopback_only,
        )

    def allows_name(self, name: str) -> bool:
        n = _norm(name)
        if n in self.hosts:
            return True
        return any(n == d or n.endswith("." + d) for d in self.domains)

    def allows_address(
        self, address: str, *, via: str | None = None, delegated_by: str | None = None
    ) -> bool:
        """May we connect to ``address``?

        ``via`` is the name the address was resolved from; ``delegated_by`` the in-scope zone
        whose NS or MX records named that host.
        """
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if self.loopback_only and not ip.is_loopback:
            return False
        if any(ip in net for net in self.networks):
            return True
        if via is not None and self.allows_name(via):
            return True
        return delegated_by is not None and self.allows_name(delegated_by)

    def allows_host_address(self, address: str, host: str, served: tuple[str, ...] = ()) -> bool:
        """May we connect to ``address`` of ``host``, a host the in-scope zones ``served`` name
        (e.g. the domains whose MX points at it)?"""
        return any(self.allows_address(address, via=host, delegated_by=d) for d in (None, *served))

    def refusal(self, address: str) -> str:
        """Why an address is refused, as every collector words it."""
        extra = " (loopback-only mode)" if self.loopback_only else ""
        return f"address {address} is outside the declared scope{extra}"

    def require_name(self, name: str) -> None:
        if not self.allows_name(name):
            raise OutOfScopeError(f"{name} is not in the inventory's declared scope")

    def require_address(
        self, address: str, *, via: str | None = None, delegated_by: str | None = None
    ) -> None:
        if not self.allows_address(address, via=via, delegated_by=delegated_by):
            raise OutOfScopeError(self.refusal(address))
