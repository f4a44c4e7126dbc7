"""The scope guard: canhgac contacts only what the inventory declares.

In scope: the declared domains and every name below them, the declared address ranges,
the hosts of declared URLs (an IP-literal host is an address, judged as one), and servers
that an in-scope zone itself delegates to (its NS and MX hosts). With ``loopback_only``
(tests, the lab, the demo) any address outside 127.0.0.0/8 and ::1 is refused whatever the
inventory says.

Resolvers are not targets but are contacted too, so they pass the same guard
(:meth:`Scope.allows_resolver`): when the inventory names its resolvers only those may be
used; with ``loopback_only`` only loopback ones.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

from canhgac.i18n import gettext as _

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutOfScopeError(Exception):
    """A target or address outside the declared scope was about to be contacted."""


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


@functools.lru_cache(maxsize=65536)
def ip_literal(host: str) -> IPAddress | None:
    """The address a host string spells (``127.0.0.1``, ``::1``, ``[::1]``), else None.

    Remembered: every request asks it of its address several times (a watch, of the same
    addresses every minute), and parsing costs more than the check that uses it."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Scope:
    domains: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()  # URL hosts and declared mail hosts
    loopback_only: bool = False
    # Resolvers the inventory names (addresses); empty: any resolver the operator chooses
    resolvers: frozenset[IPAddress] = frozenset()
    # Whether an address is loopback and in ``networks``, remembered (a watch asks of the same
    # addresses every minute; ``ip in net`` over a province's ranges costs more than the rest)
    _known: dict[IPAddress, tuple[bool, bool]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @classmethod
    def build(
        cls,
        *,
        domains: list[str] | tuple[str, ...] = (),
        networks: list[str] | tuple[str, ...] = (),
        hosts: list[str] | tuple[str, ...] = (),
        loopback_only: bool = False,
        resolvers: list[str] | tuple[str, ...] = (),
    ) -> Scope:
        return cls(
            domains=frozenset(_norm(d) for d in domains),
            networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
            hosts=frozenset(_norm(h) for h in hosts),
            loopback_only=loopback_only,
            resolvers=frozenset(ipaddress.ip_address(r) for r in resolvers),
        )

    def allows_name(self, name: str) -> bool:
        """May this host be contacted (once its addresses pass too)? An IP literal is judged as
        the address it is."""
        literal = ip_literal(name)
        if literal is not None:
            return self.allows_address(str(literal))
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
        ip = ip_literal(address)
        if ip is None:
            return False
        loopback, inside = self._placed(ip)
        if self.loopback_only and not loopback:
            return False
        if inside:
            return True
        if via is not None and self.allows_name(via):
            return True
        return delegated_by is not None and self.allows_name(delegated_by)

    def _placed(self, ip: IPAddress) -> tuple[bool, bool]:
        """Whether ``ip`` is loopback, and whether it lies in the declared ranges."""
        known = self._known.get(ip)
        if known is None:
            if len(self._known) >= 65536:
                self._known.clear()
            known = self._known[ip] = (ip.is_loopback, any(ip in net for net in self.networks))
        return known

    def allows_host_address(self, address: str, host: str, served: tuple[str, ...] = ()) -> bool:
        """May we connect to ``address`` of ``host``, a host the in-scope zones ``served`` name
        (e.g. the domains whose MX points at it)?"""
        return any(self.allows_address(address, via=host, delegated_by=d) for d in (None, *served))

    def allows_resolver(self, address: str) -> bool:
        """May ``address`` be asked as the scan's recursive resolver? Loopback only in
        loopback-only mode; one of the inventory's resolvers when it names any."""
        ip = ip_literal(address)
        if ip is None or (self.loopback_only and not ip.is_loopback):
            return False
        return not self.resolvers or ip in self.resolvers

    def resolver_refusal(self, address: str, *, shown: str = "", source: str = "") -> str:
        """Why the resolver at ``address`` (written ``shown``, e.g. with its port; ``source``:
        the setting that chose it) is refused, and which settings to change."""
        ip = ip_literal(address)
        if self.loopback_only and (ip is None or not ip.is_loopback):
            why = _("scope.loopback_only is true: only 127.0.0.0/8 and ::1 may be asked")
        else:
            why = _("the inventory lists its resolvers in scope.resolvers and this is not one of them")
        where = f" ({source})" if source else ""
        return _(
            "resolver {address}{where} is outside the scope: {why}; "
            "change --resolver or scope.resolvers in the inventory"
        ).format(address=shown or address, where=where, why=why)

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
