"""From the inventory to the engine: scope guard, public suffixes, targets and their options."""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from canhgac.engine.context import TargetOptions
from canhgac.engine.discovery import DeclaredHost
from canhgac.engine.dns import ServerAddress
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.resolvers import choose_resolvers, system_resolvers
from canhgac.engine.scope import Scope, ip_literal
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import gettext as _
from canhgac.inventory.fields import may_be_address
from canhgac.inventory.model import Agency, Inventory


class UnknownAgencyError(ValueError):
    """A selection named agency codes that the inventory does not declare."""


def public_suffixes(inv: Inventory) -> PublicSuffixes:
    """The public-suffix list plus the inventory's own suffixes (lab zones such as gov.test)."""
    return PublicSuffixes(extra=inv.scope.public_suffixes)


def build_scope(inv: Inventory) -> Scope:
    """Everything the inventory declares, and nothing else, may be contacted."""
    domains: list[str] = []
    networks: list[str] = []
    hosts: list[str] = []
    for agency in inv.agencies:
        networks += agency.ranges
        for domain in agency.domains:
            domains.append(domain.name)
            hosts += [m.host for m in domain.mail_hosts]
        for url in (*agency.portals, *agency.webmail):
            host = urlsplit(url).hostname or ""
            try:
                networks.append(str(ipaddress.ip_network(host)))
            except ValueError:
                hosts.append(host)
    resolvers = [ServerAddress.parse(r).host for r in inv.scope.resolvers]
    return Scope.build(domains=domains, networks=networks, hosts=hosts,
                       loopback_only=inv.scope.loopback_only, resolvers=resolvers)


def scan_resolvers(
    inv: Inventory, given: Sequence[str] | None = None,
    system: Callable[[], tuple[str, ...]] = system_resolvers,
) -> tuple[str, ...]:
    """The resolvers a scan of ``inv`` asks: ``given`` (``--resolver``), else the inventory's,
    else the system's; :class:`~canhgac.engine.dns.ResolverError` (one line naming the setting
    to change) for a malformed one or one outside the scope, before any packet."""
    return choose_resolvers(given or (), inv.scope.resolvers, build_scope(inv), system=system)


def loopback_only_outside(inv: Inventory) -> list[str]:
    """Declared assets that a loopback-only inventory will never contact (one line each):
    ranges with addresses off loopback, URLs whose host is an address off loopback. Host
    names are judged only when resolved, during a scan."""
    if not inv.scope.loopback_only:
        return []
    return [line for agency in inv.agencies for line in off_loopback(agency)]


_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def off_loopback(agency: Agency) -> list[str]:
    """One line per range or URL address of ``agency`` that loopback-only mode will not contact."""
    found: list[str] = []
    for cidr in agency.ranges:
        net = ipaddress.ip_network(cidr)
        if not any(net.version == lo.version and net.subnet_of(lo) for lo in _LOOPBACK):  # type: ignore[arg-type]
            found.append(_("{agency}: range {range} is outside loopback-only mode; "
                           "its addresses off 127.0.0.0/8 and ::1 will not be scanned")
                         .format(agency=agency.code, range=cidr))
    for url in (*agency.portals, *agency.webmail):
        host = urlsplit(url).hostname or ""
        literal = ip_literal(host) if may_be_address(host) else None  # a name is judged when resolved
        if literal is not None and not literal.is_loopback:
            found.append(_("{agency}: {url} is outside loopback-only mode and will not be scanned")
                         .format(agency=agency.code, url=url))
    return found


def select_agencies(inv: Inventory, codes: Iterable[str] | None = None) -> list[Agency]:
    """The agencies named by ``codes`` (all when None), in inventory order."""
    if codes is None:
        return list(inv.agencies)
    wanted = {c.strip().upper() for c in codes}
    known = {a.code for a in inv.agencies}
    unknown = sorted(wanted - known)
    if unknown:
        hints = [_with_hint(code, known) for code in unknown]
        message = _("unknown agency code(s): {codes}").format(codes=", ".join(hints))
        raise UnknownAgencyError(message)
    return [a for a in inv.agencies if a.code in wanted]


def _with_hint(code: str, known: set[str]) -> str:
    close = difflib.get_close_matches(code, sorted(known), n=1)
    return _("{code} (did you mean {close}?)").format(code=code, close=close[0]) if close else code


def domain_targets(inv: Inventory, agencies: Iterable[str] | None = None) -> list[Target]:
    """One domain target per declared domain of the selected agencies."""
    return [
        Target(kind=TargetKind.DOMAIN, name=domain.name, agency=agency.code)
        for agency in select_agencies(inv, agencies)
        for domain in agency.domains
    ]


def url_targets(inv: Inventory, agencies: Iterable[str] | None = None) -> list[Target]:
    """One URL target per declared portal and webmail URL of the selected agencies."""
    seen: dict[str, Target] = {}
    for agency in select_agencies(inv, agencies):
        for url in (*agency.portals, *agency.webmail):
            seen.setdefault(url, Target(kind=TargetKind.URL, name=url, agency=agency.code))
    return list(seen.values())


def declared_mail_hosts(inv: Inventory) -> dict[str, list[DeclaredHost]]:
    """Mail hosts the inventory names per domain (in addition to what MX says)."""
    return {
        domain.name: [DeclaredHost(m.host, tuple(m.ports)) for m in domain.mail_hosts]
        for agency in inv.agencies
        for domain in agency.domains
        if domain.mail_hosts
    }


def intrusive_policy(inv: Inventory) -> dict[str, bool]:
    """Each agency's consent to intrusive probes (e.g. the open-relay test)."""
    out = {}
    for agency in inv.agencies:
        policy = inv.policy_for(agency)
        out[agency.code] = True if policy is None else policy.intrusive_probes
    return out


def target_options(inv: Inventory) -> dict[str, TargetOptions]:
    """Per-target options keyed by ``Target.key``: the domain's DKIM selectors, else defaults."""
    options: dict[str, TargetOptions] = {}
    for agency in inv.agencies:
        for domain in agency.domains:
            key = Target(kind=TargetKind.DOMAIN, name=domain.name, agency=agency.code).key
            selectors = domain.dkim_selectors or inv.defaults.dkim_selectors
            options[key] = TargetOptions(dkim_selectors=selectors)
        for role, urls in (("portal", agency.portals), ("webmail", agency.webmail)):
            for url in urls:
                key = Target(kind=TargetKind.URL, name=url, agency=agency.code).key
                options[key] = TargetOptions(role=role)
    return options
