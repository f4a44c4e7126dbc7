"""Launch a scan or a retest from the console (pages and API): check who asks and what they
ask, queue the launch with its security event, hand it to the worker (``scan_worker``).

A scan (every agency, one agency, one check family, or one family of one agency) is the CSIRT's
(administrators and analysts). A retest of one finding is the CSIRT's for any finding, and an
agency officer's for their own agencies' findings: the finding is looked up with the viewer's
scope, so another agency's answers "not found" as one that does not exist. What a scan needs
(the store's inventory, a readable settings file, a known agency and family) is checked here,
before anything is queued, so a refusal is one line on the form, never a failed launch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canhgac.catalog.families import UnknownNameError
from canhgac.console.store.roles import may_launch_scans, may_retest
from canhgac.i18n import gettext as _
from canhgac.services.catalog import builtin_registry
from canhgac.services.console_scan import (
    ConsoleScanRefusedError,
    file_values,
    require_inventory,
    scan_settings,
)
from canhgac.services.scan_worker import submit

if TYPE_CHECKING:
    from canhgac.console.store.launch_models import ScanLaunch
    from canhgac.console.store.queries.viewers import Viewer

MAX_NAME = 128  # longer than any agency code or family name: refused without echoing it whole


class LaunchForbiddenError(PermissionError):
    """The viewer's role may not launch this."""


class LaunchRefusedError(ValueError):
    """The launch cannot be made as asked; ``field`` names the value at fault (None: the set-up)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def scan_families() -> list[str]:
    """The check families a scan may be narrowed to: the catalog's families that have checks."""
    return sorted(builtin_registry().families())


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:60] + "…"


def _family(family: str) -> str:
    if not family:
        return ""
    try:
        chosen = builtin_registry().select(families=(family,)) if len(family) <= MAX_NAME else None
    except UnknownNameError as exc:
        raise LaunchRefusedError(_("family: {problem}").format(problem=exc.message()), "family") from None
    if chosen is None:
        raise LaunchRefusedError(_("family: unknown value {value}").format(value=_shown(family)), "family")
    if not chosen.checks:
        raise LaunchRefusedError(_("family: {family} has no automated check to run").format(family=family),
                                 "family")
    return family


def _agency(inventory: Any, agency: str) -> str:
    codes = [a.code for a in inventory.agencies]
    if agency and agency not in codes:
        raise LaunchRefusedError(_("agency: {code} is not an agency of the store's inventory").format(
            code=_shown(agency)), "agency")
    return agency


def launch_scan(viewer: Viewer, *, agency: str = "", family: str = "", address: str,
                via: str = "session") -> ScanLaunch:
    """Queue a scan of every agency (``agency`` and ``family`` empty), one agency, one check
    family, or both; ``LaunchForbiddenError`` for a role that may not, ``LaunchRefusedError``
    for what cannot be scanned (the message says what to change)."""
    from canhgac.console.store.launch_models import LaunchKind
    from canhgac.console.store.launches import queue_launch

    if not may_launch_scans(viewer.role):
        raise LaunchForbiddenError(_("your role may not launch scans"))
    agency, family = agency.strip(), family.strip()
    try:
        inventory = require_inventory()
        scan_settings(inventory, file_values())  # the settings file refused now, not mid-scan
    except ConsoleScanRefusedError as exc:
        raise LaunchRefusedError(str(exc)) from None
    launch = queue_launch(kind=LaunchKind.SCAN, requested_by=viewer.username, address=address,
                          agency=_agency(inventory, agency), family=_family(family), via=via)
    submit(launch.pk)
    return launch


def launch_retest(viewer: Viewer, fingerprint: str, *, address: str, via: str = "session") -> ScanLaunch:
    """Queue a retest of one finding of the viewer's scope (LookupError: none the viewer may
    see, or an ambiguous prefix); ``LaunchForbiddenError`` for a role that may not retest."""
    from canhgac.console.store.launch_models import LaunchKind
    from canhgac.console.store.launches import queue_launch
    from canhgac.console.store.queries import finding_by_fingerprint

    if not may_retest(viewer.role):
        raise LaunchForbiddenError(_("your role may not retest findings"))
    finding = finding_by_fingerprint(viewer.scope, fingerprint)  # scoped: another agency's is not found
    launch = queue_launch(kind=LaunchKind.RETEST, requested_by=viewer.username, address=address,
                          agency=finding.agency_code, fingerprint=finding.fingerprint, via=via)
    submit(launch.pk)
    return launch


def close_abandoned_launches() -> int:
    """At the console's start: close as interrupted the launches a dead console left open."""
    from canhgac.console.store.launches import close_abandoned_launches as close

    return len(close())


__all__ = [
    "ConsoleScanRefusedError",
    "LaunchForbiddenError",
    "LaunchRefusedError",
    "close_abandoned_launches",
    "launch_retest",
    "launch_scan",
    "scan_families",
]
