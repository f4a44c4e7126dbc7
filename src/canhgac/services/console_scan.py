"""What a scan launched from the console scans, and with which settings: the same as
``canhgac scan`` in the same workspace.

The inventory is the one the store holds (``services.inventory_store.current_inventory``,
applied from the Inventory page or by ``canhgac scan FILE``); the settings are the workspace's
``canhgac.toml`` (``CANHGAC_CONFIG`` names another file, as ``--config`` does), read by
``services.settings_file`` and turned into ``ScanSettings`` by the scan's own
``settings_for``, with the checks the CLI's flags make (``ca-only`` needs ``ca-file``, zones
are DNS names, ``dnsbl-zone`` and ``no-dnsbl`` exclude each other). Anything wrong is a
:class:`ConsoleScanRefusedError` whose message says what to change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from canhgac.engine.options import DnsblZoneError, normalise_zones
from canhgac.engine.settings import ScanSettings
from canhgac.i18n import gettext as _
from canhgac.i18n import translate, validation
from canhgac.inventory.model import Inventory
from canhgac.services.inventory import scan_resolvers
from canhgac.services.inventory_store import StoredInventory, current_inventory
from canhgac.services.scan import settings_for
from canhgac.services.settings_file import FILE_NAME, SettingsFileError, read_table

# A scan setting (as pydantic names it in an error) → its key in canhgac.toml's [scan]
KEY_OF_SETTING = {
    "resolvers": "resolver", "nameserver_port": "nameserver-port", "dns_timeout": "timeout",
    "concurrency": "concurrency", "dns_max_in_flight": "dns-in-flight", "ca_file": "ca-file",
    "dnsbl_zones": "dnsbl-zone", "ehlo_name": "ehlo-name", "ports": "ports", "rate": "scan-rate",
}


class ConsoleScanRefusedError(ValueError):
    """A console scan cannot start as asked; the message says what to change."""


def workspace() -> Path:
    """The console's workspace (``CANHGAC_WORKSPACE``, which ``setup_django`` sets)."""
    return Path(os.environ.get("CANHGAC_WORKSPACE") or "canhgac-workspace").resolve()


def settings_path() -> Path:
    """The settings file a console scan reads: ``CANHGAC_CONFIG``, else WORKSPACE/canhgac.toml."""
    named = os.environ.get("CANHGAC_CONFIG")
    return Path(named) if named else workspace() / FILE_NAME


def file_values() -> dict[str, Any]:
    """The settings file's ``[scan]`` values (none without a file); a broken file is refused."""
    path = settings_path()
    if not path.is_file():
        if os.environ.get("CANHGAC_CONFIG"):
            raise ConsoleScanRefusedError(_(
                "the settings file {path} does not exist: check CANHGAC_CONFIG").format(path=path))
        return {}
    try:
        return read_table(path)
    except SettingsFileError as exc:
        raise ConsoleScanRefusedError(str(exc)) from None


def stored_inventory() -> StoredInventory | None:
    """The inventory the store holds, or None when none was ever applied."""
    return current_inventory()


def require_inventory() -> Inventory:
    """The store's inventory; refused, saying how to give one, when there is none."""
    stored = stored_inventory()
    if stored is None:
        raise ConsoleScanRefusedError(_(
            "the store holds no inventory yet: apply one on the Inventory page, or run "
            "`canhgac scan FILE` once"))
    return stored.inventory


def inventory_agencies() -> list[tuple[str, str]]:
    """(code, name) of the store's inventory's agencies, for the scan form; none without one."""
    stored = stored_inventory()
    return [(a.code, a.name) for a in stored.inventory.agencies] if stored is not None else []


def _problem(key: str, problem: str) -> ConsoleScanRefusedError:
    return ConsoleScanRefusedError(str(SettingsFileError(settings_path(), key, problem)))


def _zones(values: dict[str, Any]) -> tuple[str, ...] | None:
    zones, off = values.get("dnsbl-zone") or [], bool(values.get("no-dnsbl"))
    if off and zones:
        raise _problem("dnsbl-zone", _("dnsbl-zone and no-dnsbl exclude each other; give one of them"))
    if off:
        return ()
    try:
        return normalise_zones(zones) if zones else None
    except DnsblZoneError as exc:
        problem = _("'{zone}' is not a DNS blocklist zone ({reason}); write it like bl.spamcop.net")
        raise _problem("dnsbl-zone", problem.format(zone=exc.zone, reason=translate(exc.reason))) from None


def _ca_file(values: dict[str, Any]) -> str | None:
    ca_file = values.get("ca-file") or None
    if ca_file is not None and not Path(ca_file).is_file():
        raise _problem("ca-file", _("{path} is not a file").format(path=ca_file))
    if values.get("ca-only") and ca_file is None:
        raise _problem("ca-only", _("ca-only trusts the ca-file bundle alone: give ca-file too"))
    return str(ca_file) if ca_file else None


def scan_settings(inventory: Inventory, values: dict[str, Any]) -> ScanSettings:
    """The settings ``canhgac scan`` would use for ``inventory`` with the file's ``values``."""
    zones = _zones(values)
    ca_file = _ca_file(values)
    try:
        resolvers = scan_resolvers(inventory, values.get("resolver"))
    except ValueError as exc:  # ResolverError among them
        raise _problem("resolver", str(exc)) from None
    vulns = workspace() / "vulns.sqlite3"
    try:
        return settings_for(
            inventory, resolvers=resolvers, nameserver_port=values.get("nameserver-port", 53),
            dns_timeout=values.get("timeout", 2.0), concurrency=values.get("concurrency", 100),
            dns_max_in_flight=values.get("dns-in-flight", 256), ca_file=ca_file,
            ca_only=bool(values.get("ca-only")), dnsbl_zones=zones, ehlo_name=values.get("ehlo-name"),
            user_agent=values.get("user-agent"), vuln_db_path=str(vulns) if vulns.exists() else None,
            ports=values.get("ports"), scan_rate=values.get("scan-rate"),
        )
    except ValidationError as exc:
        raise ConsoleScanRefusedError(_("{path}: {error}").format(
            path=settings_path(), error=validation.summary(exc, names=KEY_OF_SETTING))) from None
    except ValueError as exc:
        raise ConsoleScanRefusedError(_("{path}: {error}").format(path=settings_path(), error=exc)) from None
