"""The console's inventory page: the inventory the store holds, and an uploaded file checked
(``inventory check``'s rules, its problems with their lines) and compared with it.

The store's agencies are the inventory of the latest scan (``store.sync_agencies``); a file is
read by the inventory's own parsers (YAML: ``loads_inventory``; a spreadsheet's CSV:
``import_csv``, under the store's province) and turned into the store's records by the scan's
own ``agency_records``, so the diff is what scanning that file would change. A valid file is
kept, so that applying it (``services.inventory_store``) applies exactly what was compared.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.inventory.csv_import import import_csv
from canhgac.inventory.loader import loads_inventory
from canhgac.inventory.model import Inventory
from canhgac.inventory.problems import InventoryError, Problem
from canhgac.inventory.summary import InventorySummary
from canhgac.services.inventory_diff import AgencyState, InventoryDiff, diff_inventories
from canhgac.services.inventory_store import keep_checked_upload
from canhgac.services.scan import agency_records

PROVINCE_CODE = re.compile(r"[A-Z0-9_-]{2,32}")  # inventory.model's rule for a province code
MAX_UPLOAD = 10 * 1024 * 1024  # a province's inventory is well under 1 MB
_STORE_KINDS = ("domain", "url", "mail_host", "range", "service")
_FIELD_OF_KIND = {"domain": "domains", "url": "urls", "mail_host": "mail_hosts", "range": "ranges",
                  "service": "services"}


@dataclass(frozen=True, slots=True)
class CurrentInventory:
    province: str
    agencies: tuple[AgencyState, ...]


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    """An uploaded file: its problems (then nothing else), or its summary and diff."""

    name: str
    problems: tuple[Problem, ...] = ()
    summary: InventorySummary | None = None
    diff: InventoryDiff | None = None
    document_id: int | None = None  # the valid file, kept for applying (``inventory_store``)


def current_inventory(scope: Any) -> CurrentInventory:
    """The store's active agencies and what they declare, as the viewer may see them."""
    from canhgac.console.store import queries

    codes = queries.active_agency_codes(scope)
    assets: dict[str, set[tuple[str, str]]] = {code: set() for code in codes}
    for code, kind, value in queries.declared_assets(scope, codes, _STORE_KINDS):
        assets[code].add((kind, value))
    agencies = tuple(AgencyState(a.code, a.name, a.kind, a.parent.code if a.parent else None,
                                 frozenset(assets[a.code]))
                     for a in queries.agencies(scope, codes))
    return CurrentInventory(queries.latest_province(scope)["name"], agencies)


def _display_name(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).name[:200] or "inventory"


def _read(name: str, data: bytes, province: Any) -> Inventory:
    if name.lower().endswith(".csv"):
        # a CSV names no province: the store's, or a placeholder (the diff compares agencies only)
        code = province["code"] if PROVINCE_CODE.fullmatch(province["code"]) else "CSV"
        with tempfile.TemporaryDirectory(prefix="canhgac-upload-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            return import_csv(path, province_code=code, province_name=province["name"] or code)
    # as loads_inventory's own note says: bytes that are not UTF-8 become a "not UTF-8" problem
    return loads_inventory(data.decode("utf-8", "surrogateescape"), name)


def check_upload(scope: Any, filename: str, data: bytes, *, keep_for: str | None = None) -> CheckedUpload:
    """Check an uploaded inventory (``.yaml``/``.yml`` or ``.csv``) and compare it with the store's.

    With ``keep_for`` (the user checking it), a valid file is kept so that exactly what was
    compared can be applied (``inventory_store.apply_checked_upload``)."""
    from canhgac.console.store import queries

    name = _display_name(filename)
    if not name.lower().endswith((".yaml", ".yml", ".csv")):
        return CheckedUpload(name, (Problem(name, None, None, "", _(
            "an inventory is a YAML file (.yaml, .yml) or a CSV export of the agency list (.csv)")),))
    if len(data) > MAX_UPLOAD:
        return CheckedUpload(name, (Problem(name, None, None, "", _(
            "the file is larger than {size} MB: that is no province's inventory").format(
                size=MAX_UPLOAD // (1024 * 1024))),))
    try:
        inv = _read(name, data, queries.latest_province(scope))
    except InventoryError as exc:
        return CheckedUpload(name, exc.problems)
    uploaded = [AgencyState.of_record(r) for r in agency_records(inv)]
    kept = keep_checked_upload(inv, name=name, data=data, checked_by=keep_for) if keep_for else None
    return CheckedUpload(name, summary=InventorySummary.of(inv),
                         diff=diff_inventories(current_inventory(scope).agencies, uploaded), document_id=kept)
