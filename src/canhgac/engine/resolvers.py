"""The scan's recursive resolvers: where they come from, and the scope check before the first packet.

A scan asks, in order of precedence, the resolvers given with ``--resolver``, those the
inventory names (``scope.resolvers``), or the system's (``/etc/resolv.conf``, read by
dnspython). Every one passes :meth:`Scope.allows_resolver` before anything is sent; a refusal is
a :class:`~canhgac.engine.dns.ResolverError` whose one line says which setting to change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

import dns.resolver

from canhgac.engine.dns import ResolverError, ServerAddress
from canhgac.engine.scope import OutOfScopeError, Scope
from canhgac.i18n import gettext as _

RESOLV_CONF = "/etc/resolv.conf"
# What the C library asks when resolv.conf names no server (resolv.conf(5))
NO_CONFIGURATION_DEFAULT = ("127.0.0.1",)


class ResolverSource(StrEnum):
    OPTION = "--resolver"
    INVENTORY = "scope.resolvers"
    SYSTEM = RESOLV_CONF


def system_resolvers(path: str = RESOLV_CONF) -> tuple[str, ...]:
    """The host's configured resolvers (dnspython reads the file); the C library's default,
    127.0.0.1, when the file is missing or names none."""
    resolver = dns.resolver.Resolver(configure=False)
    try:
        resolver.read_resolv_conf(path)
    except (dns.resolver.NoResolverConfiguration, OSError, ValueError):
        return NO_CONFIGURATION_DEFAULT
    return tuple(str(n) for n in resolver.nameservers) or NO_CONFIGURATION_DEFAULT


def parse_resolvers(texts: Sequence[str]) -> tuple[ServerAddress, ...]:
    """Each ``ADDRESS[:PORT]`` parsed; :class:`ResolverError` for the first that is not one."""
    return tuple(ServerAddress.parse(t) for t in texts)


class ResolverOutOfScopeError(ResolverError, OutOfScopeError):
    """A resolver the scope refuses: both a bad setting and a scope refusal."""


def require_resolvers(
    servers: Sequence[ServerAddress], scope: Scope, source: ResolverSource | None = None
) -> None:
    """Refuse (:class:`ResolverOutOfScopeError`) the first resolver the scope does not allow."""
    for server in servers:
        if not scope.allows_resolver(server.host):
            where = source.value if source is not None else ""
            refusal = scope.resolver_refusal(server.host, shown=str(server), source=where)
            raise ResolverOutOfScopeError(refusal)


def choose_resolvers(
    given: Sequence[str],
    declared: Sequence[str],
    scope: Scope,
    *,
    system: Callable[[], tuple[str, ...]] = system_resolvers,
) -> tuple[str, ...]:
    """The resolvers a scan uses, as ``ADDRESS:PORT`` texts, checked against the scope.

    ``given``: from ``--resolver``; ``declared``: the inventory's ``scope.resolvers``; else the
    system's. Raises :class:`ResolverError` (one translated line) for a malformed or refused one.
    """
    if given:
        texts, source = given, ResolverSource.OPTION
    elif declared:
        texts, source = declared, ResolverSource.INVENTORY
    else:
        texts, source = system(), ResolverSource.SYSTEM
    servers = parse_resolvers(texts)
    if not servers:
        raise ResolverError(_("no resolver to ask; give --resolver ADDRESS[:PORT]"))
    require_resolvers(servers, scope, source)
    return tuple(str(s) for s in servers)
