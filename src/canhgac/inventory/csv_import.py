"""Import an agency list exported from Excel (CSV) into a validated inventory.

One row per agency. Header names may be English or Vietnamese, with or without diacritics
and in any case (``Tên miền``, ``ten_mien`` and ``domains`` are the same column). The file
must be UTF-8 (Excel: "CSV UTF-8"); the delimiter (comma, semicolon or tab) is detected
from the header line. Every problem names the CSV line and column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from canhgac.i18n import gettext as _
from canhgac.inventory.loader import InventoryError, Problem, describe_error
from canhgac.inventory.model import AgencyKind, Inventory

# Field -> accepted header names (already folded: lower-case, no diacritics, '_' separators).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "ma", "ma_don_vi"),
    "name": ("name", "ten", "ten_don_vi"),
    "kind": ("kind", "loai", "loai_don_vi"),
    "parent": ("parent", "don_vi_cap_tren", "cap_tren"),
    "domains": ("domains", "domain", "ten_mien"),
    "contact_name": ("contact_name", "nguoi_lien_he"),
    "contact_role": ("contact_role", "chuc_vu"),
    "contact_email": ("contact_email", "email"),
    "contact_phone": ("contact_phone", "dien_thoai", "so_dien_thoai"),
    "ranges": ("ranges", "dai_ip"),
    "portals": ("portals", "cong_thong_tin", "website"),
}
REQUIRED = ("code", "name")
# Vietnamese words for agency kinds, folded like headers.
KIND_WORDS: dict[str, AgencyKind] = {
    "so": AgencyKind.DEPARTMENT,
    "so_ban_nganh": AgencyKind.DEPARTMENT,
    "huyen": AgencyKind.DISTRICT,
    "quan": AgencyKind.DISTRICT,
    "thi_xa": AgencyKind.DISTRICT,
    "thanh_pho": AgencyKind.DISTRICT,
    "xa": AgencyKind.COMMUNE,
    "phuong": AgencyKind.COMMUNE,
    "thi_tran": AgencyKind.COMMUNE,
    "nha_cung_cap": AgencyKind.PROVIDER,
    "khac": AgencyKind.OTHER,
}
_HEADER_OF = {alias: field for field, aliases in COLUMNS.items() for alias in aliases}
_CONTACT_FIELDS = {
    "name": "contact_name",
    "role": "contact_role",
    "email": "contact_email",
    "phone": "contact_phone",
}
_LIST_SPLIT = re.compile(r"[;,\s]+")


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]  # field -> cell text


def fold(text: str) -> str:
    """Header/keyword folding: ``'Tên miền'`` -> ``'ten_mien'``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def import_csv(path: str | Path, *, province_code: str, province_name: str) -> Inventory:
    """Read an agency CSV into an inventory; raise :class:`InventoryError` naming CSV lines."""
    name = str(path)
    text = _decode(path, name)
    header, rows = _read(text, name)
    data = {
        "version": 1,
        "province": {"code": province_code, "name": province_name},
        "agencies": [_agency(row.cells) for row in rows],
    }
    try:
        return Inventory.model_validate(data)
    except ValidationError as exc:
        problems = [_place(err, name, header, rows) for err in exc.errors()]
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise InventoryError(problems) from None


def _decode(path: str | Path, name: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InventoryError([Problem(name, None, None, "", _("file not found; check the path"))]) from None
    except OSError as exc:
        msg = _("cannot read the file ({reason})").format(reason=exc.strerror)
        raise InventoryError([Problem(name, None, None, "", msg)]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = _(
            "the file is not UTF-8 (it may be Windows-1258, TCVN3 or VNI); in Excel use "
            "'Save As' and choose 'CSV UTF-8 (Comma delimited)'"
        )
        raise InventoryError([Problem(name, line, None, "", msg)]) from None


def _read(text: str, name: str) -> tuple[list[str], list[_Row]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header_cells = next(reader, [])
    fields = _fields(header_cells, name, reader.line_num)
    rows: list[_Row] = []
    problems: list[Problem] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(fields) and any(c.strip() for c in cells[len(fields) :]):
            msg = _("this row has {cells} cells but the header has {columns}; check quotes")
            problems.append(Problem(name, start, None, "", msg.format(cells=len(cells), columns=len(fields))))
            continue
        rows.append(_Row(start, {f: c.strip() for f, c in zip(fields, cells, strict=False)}))
    if not rows and not problems:
        problems.append(Problem(name, None, None, "", _("no agency rows below the header")))
    if problems:
        raise InventoryError(problems)
    return header_cells, rows


def _fields(header: list[str], name: str, line: int) -> list[str]:
    """The field of each header cell; every unknown, repeated or missing column is an error."""
    problems: list[Problem] = []
    fields: list[str] = []
    for col, cell in enumerate(header, start=1):
        field = _HEADER_OF.get(fold(cell), "")
        if not field:
            known = ", ".join(f"{f}/{aliases[-1]}" for f, aliases in COLUMNS.items())
            msg = _("unknown column '{header}'; known columns: {known}")
            problems.append(Problem(name, line, col, "", msg.format(header=cell, known=known)))
        elif field in fields:
            msg = _("column '{header}' repeats column {field}; keep one of them")
            problems.append(Problem(name, line, col, "", msg.format(header=cell, field=field)))
        fields.append(field)
    for required in REQUIRED:
        if required not in fields:
            msg = _("the header has no '{field}' column (also accepted: {aliases})")
            aliases = ", ".join(COLUMNS[required][1:])
            problems.append(Problem(name, 1, None, "", msg.format(field=required, aliases=aliases)))
    if problems:
        raise InventoryError(problems)
    return fields


def _split(cell: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(cell) if item]


def _agency(cells: dict[str, str]) -> dict[str, Any]:
    kind = cells.get("kind", "")
    agency: dict[str, Any] = {
        "code": cells.get("code", "").upper(),
        "name": cells.get("name", ""),
        "kind": KIND_WORDS.get(fold(kind), kind.lower() or AgencyKind.OTHER.value),
        "domains": [{"name": d} for d in _split(cells.get("domains", ""))],
        "ranges": _split(cells.get("ranges", "")),
        "portals": _split(cells.get("portals", "")),
    }
    if cells.get("parent"):
        agency["parent"] = cells["parent"].upper()
    contact = {key: cells[col] for key, col in _CONTACT_FIELDS.items() if cells.get(col)}
    if contact:
        agency["contacts"] = [contact]
    return agency


def _place(err: ErrorDetails, name: str, header: list[str], rows: list[_Row]) -> Problem:
    """Put a validation error on its CSV line and column."""
    loc = err["loc"]
    message = describe_error(err)
    if not loc or loc[0] != "agencies" or len(loc) < 3:
        option = f"--province-{loc[1]}" if len(loc) > 1 and loc[0] == "province" else ""
        return Problem(name, None, None, option, message)
    row = rows[int(loc[1])]
    field = str(loc[2])
    if field == "contacts" and len(loc) > 4:
        field = _CONTACT_FIELDS.get(str(loc[4]), "contact_name")
    folded = [_HEADER_OF.get(fold(h), "") for h in header]
    if field in folded:
        col = folded.index(field)
        return Problem(name, row.line, col + 1, header[col], message)
    return Problem(name, row.line, None, field, message)
