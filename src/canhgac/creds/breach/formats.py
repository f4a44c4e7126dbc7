"""The shapes of breach files and how one line of each is read.

- **combo**: ``email:password`` or ``email;password`` (the value may itself hold ``:``), or
  ``email:hash`` (a hex digest or crypt string is taken as a hash);
- **csv**: a first line naming the columns (``email``, ``password``, ``hash``, ``breach``,
  ``date``, ``service``, in any order, comma, semicolon or tab separated);
- **jsonl**: one JSON object per line, breach-notification style (``{"Email", "Breach",
  "Domain", "BreachDate", "DataClasses"}``, HIBP's field names) or generic (``email``,
  ``password`` or ``hash``, ``breach``, ``date``, ``service``).

The shape is decided from the file's first line. Reading a line returns a :class:`Row` or None
(malformed: no address, not text, not an object); it never raises.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

_COLUMNS = {
    "email": (
        "email",
        "e-mail",
        "mail",
        "address",
        "email_address",
        "emailaddress",
        "account",
        "username",
        "user",
    ),
    "password": ("password", "pass", "passwd", "plaintext", "pwd"),
    "hash": ("hash", "password_hash", "passwordhash", "hashed_password"),
    "breach": ("breach", "source", "name", "title"),
    "date": ("date", "breach_date", "breachdate", "added", "addeddate"),
    "service": ("service", "site", "domain", "website", "url"),
}
_FIELD_OF = {alias: field for field, aliases in _COLUMNS.items() for alias in aliases}


class Shape(StrEnum):
    COMBO = "combo"
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class Layout:
    """How a file's lines read: its shape and, for CSV, the delimiter and column of each field."""

    shape: Shape
    delimiter: str = ","
    columns: tuple[tuple[str, int], ...] = ()  # (field, index)

    def to_json(self) -> dict[str, object]:
        return {
            "shape": self.shape.value,
            "delimiter": self.delimiter,
            "columns": [list(c) for c in self.columns],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Layout:
        raw = data.get("columns")
        pairs = raw if isinstance(raw, list) else []
        columns = tuple((str(pair[0]), int(pair[1])) for pair in pairs)
        return cls(Shape(str(data["shape"])), str(data.get("delimiter") or ","), columns)


@dataclass(frozen=True, slots=True)
class Row:
    """One leaked account as a line states it; ``secret`` stays in memory only."""

    address: str
    secret: str = ""
    is_hash: bool | None = None  # None: guess from the value's look
    breach: str = ""
    date: dt.date | None = None
    service: str = ""


def detect(first_line: bytes) -> tuple[Layout, bool]:
    """The layout the first line announces, and whether that line is a header (not data)."""
    text = first_line.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if text.startswith("{"):
        return Layout(Shape.JSONL), False
    for delimiter in (",", ";", "\t"):
        if delimiter not in text or "@" in text:
            continue
        names = [c.strip().strip('"').strip().lower() for c in next(csv.reader([text], delimiter=delimiter))]
        columns = tuple((_FIELD_OF[n], i) for i, n in enumerate(names) if n in _FIELD_OF)
        if any(f == "email" for f, _ in columns):
            return Layout(Shape.CSV, delimiter, columns), True
    return Layout(Shape.COMBO), False


def read_line(layout: Layout, raw: bytes) -> Row | None:
    try:
        text = raw.decode("utf-8").strip("\r\n\ufeff")
    except UnicodeDecodeError:
        return None
    if "\0" in text:
        return None
    if layout.shape is Shape.COMBO:
        return _combo(text)
    if layout.shape is Shape.CSV:
        return _csv(layout, text)
    return _json(text)


def _combo(text: str) -> Row | None:
    cut = min((i for i in (text.find(":"), text.find(";")) if i >= 0), default=-1)
    if cut <= 0:
        return None
    address = text[:cut].strip()
    return Row(address, text[cut + 1 :]) if "@" in address else None


def _csv(layout: Layout, text: str) -> Row | None:
    try:
        cells = next(csv.reader([text], delimiter=layout.delimiter))
    except (csv.Error, StopIteration):
        return None
    got = {f: cells[i].strip() for f, i in layout.columns if i < len(cells)}
    return _row(got)


def _json(text: str) -> Row | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    got: dict[str, str] = {}
    for key, value in data.items():
        field = _FIELD_OF.get(str(key).lower())
        if field and field not in got and isinstance(value, (str, int)):
            got[field] = str(value).strip()
    return _row(got)


def _row(got: dict[str, str]) -> Row | None:
    address = got.get("email", "")
    if "@" not in address:
        return None
    password, hashed = got.get("password", ""), got.get("hash", "")
    secret, is_hash = (password, False) if password else (hashed, True) if hashed else ("", None)
    return Row(
        address, secret, is_hash, got.get("breach", ""), _date(got.get("date", "")), got.get("service", "")
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
