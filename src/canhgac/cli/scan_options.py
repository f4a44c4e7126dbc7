"""Options shared by ``canhgac scan`` and ``canhgac retest``: one definition, so a retest accepts
every override a scan does (resolver, CA file, EHLO name, blocklist zones, timeouts) under the
same names.

Each alias carries the flag and its help; the default stays in the command's signature. The
settings among them (:func:`setting`) are also the keys of the settings file, ``canhgac.toml``
(``cli/config_file.py``): declaring one here makes it configurable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from canhgac.cli.common import fail
from canhgac.cli.config_file import SETTINGS_PANEL, from_settings_file
from canhgac.engine.options import DnsblZoneError, normalise_zones
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _


def known_families(families: list[str] | None) -> list[str] | None:
    """Refuse, before anything is scanned or stored, a ``--family`` that is unknown (the closest
    names suggested) or selects no check."""
    if not families:
        return families
    from canhgac.catalog.families import UnknownNameError
    from canhgac.services.catalog import builtin_registry

    try:
        registry = builtin_registry().select(families=tuple(families))
    except UnknownNameError as exc:
        raise fail(str(exc)) from None
    if not registry.checks:
        raise fail(_("--family {families} matches no check: see `canhgac catalog` for check ids").format(
            families=", ".join(families)))
    return families


def known_checks(check_ids: list[str] | None) -> list[str] | None:
    """Refuse an unknown ``--check`` id before anything is scanned, suggesting the closest ids."""
    if not check_ids:
        return check_ids
    from canhgac.catalog.families import UnknownNameError
    from canhgac.services.catalog import builtin_registry

    try:
        builtin_registry().select(ids=tuple(check_ids))
    except UnknownNameError as exc:
        raise fail(str(exc)) from None
    return check_ids


# A scan setting (as pydantic names it in an error) → the option that sets it.
OPTION_OF_SETTING = {
    "resolvers": "--resolver", "nameserver_port": "--nameserver-port", "dns_timeout": "--timeout",
    "concurrency": "--concurrency", "dns_max_in_flight": "--dns-in-flight", "ca_file": "--ca-file",
    "dnsbl_zones": "--dnsbl-zone", "ehlo_name": "--ehlo-name", "ports": "--ports", "rate": "--scan-rate",
}


def known_zones(zones: list[str] | None) -> list[str] | None:
    """Refuse, before anything is read or contacted, a ``--dnsbl-zone`` that is not a DNS name."""
    if not zones:
        return zones
    try:
        return list(normalise_zones(zones))
    except DnsblZoneError as exc:
        raise fail(_("--dnsbl-zone '{zone}' is not a DNS blocklist zone ({reason}); write it like "
                     "bl.spamcop.net").format(zone=exc.zone, reason=translate(exc.reason))) from None


def chosen_zones(zones: list[str] | None, off: bool) -> tuple[str, ...] | None:
    """The blocklist zones the command line sets: those of ``--dnsbl-zone``, none with
    ``--no-dnsbl``, or None (the inventory's, else the defaults)."""
    if off and zones:
        raise fail(_("--dnsbl-zone and --no-dnsbl exclude each other; give one of them"))
    if off:
        return ()
    return tuple(zones) if zones else None


AgencyOpt = Annotated[
    list[str] | None, typer.Option("--agency", "-a", help=N_("Only these agency codes"))
]
FamilyOpt = Annotated[
    list[str] | None,
    typer.Option("--family", "-f", callback=known_families,
                 help=N_("Only this check family and the families under it (e.g. mail.spf, net); see catalog list")),
]
CheckOpt = Annotated[
    list[str] | None,
    typer.Option("--check", "-c", callback=known_checks,
                 help=N_("Only these check ids (e.g. web.tls.protocols); repeat for several")),
]


def setting(*names: str, help: str, validate: Callable[[Any], Any] | None = None, **options: Any) -> Any:
    """An option that is a scan setting: shown under "Scan settings", and a key of the settings
    file's ``[scan]`` (its long name without the dashes), which gives its default. ``validate``
    checks the value wherever it came from (flag or file)."""
    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        value = from_settings_file(ctx, param, value)
        return validate(value) if validate is not None else value

    return typer.Option(*names, help=help, rich_help_panel=SETTINGS_PANEL, callback=callback, **options)


ResolverOpt = Annotated[
    list[str] | None,
    setting("--resolver", "-r", help=N_("Resolver HOST[:PORT]; repeat for several. Default: the inventory's, else the system's.")),
]
NsPortOpt = Annotated[
    int, setting("--nameserver-port", help=N_("Port on which authoritative servers are queried."))
]
TimeoutOpt = Annotated[float, setting("--timeout", help=N_("DNS timeout in seconds"))]
ConcurrencyOpt = Annotated[int, setting("--concurrency", help=N_("Targets scanned at once"))]
DnsInFlightOpt = Annotated[
    int, setting("--dns-in-flight", help=N_("DNS questions in flight at once (1-4096)"))
]
CaFileOpt = Annotated[
    Path | None,
    setting("--ca-file", exists=True, dir_okay=False,
            help=N_("PEM bundle of CAs to trust for certificate checks, beside the system's (see --ca-only)")),
]
CaOnlyOpt = Annotated[
    bool,
    setting("--ca-only/--no-ca-only", help=N_("Trust the --ca-file bundle alone, not the system's CAs too")),
]
DnsblZoneOpt = Annotated[
    list[str] | None,
    setting("--dnsbl-zone", validate=known_zones,
            help=N_("DNS blocklist zone to query; repeat for several (default: the inventory's "
                    "mail.dnsbl_zones, else well-known zones; see docs/mail-servers.md)")),
]
NoDnsblOpt = Annotated[
    bool,
    setting("--no-dnsbl", help=N_("Query no DNS blocklist (mail.dnsbl.listed is then not applicable)")),
]
EhloNameOpt = Annotated[
    str | None, setting("--ehlo-name", help=N_("Name canhgac gives in SMTP EHLO (say who is scanning)"))
]
UserAgentOpt = Annotated[
    str | None, setting("--user-agent", help=N_("User-Agent of canhgac's HTTP requests (say who is scanning)"))
]
PortsOpt = Annotated[
    str | None,
    setting("--ports", help=N_("Ports to scan on declared ranges: top-risky, web, mail, all, or a list like 22,80,8000-8100")),
]
ScanRateOpt = Annotated[
    float | None, setting("--scan-rate", help=N_("Port-scan connection attempts per second (default 300)"))
]
