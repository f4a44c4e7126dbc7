"""The shapes of breach files and how one line of each is read.

- **combo**: ``email:password`` or ``email;password`` (the value may itself hold ``:``), or
  ``email:hash`` (a hex digest or crypt string is taken as a hash);
- **csv**: a first line naming the columns (``email``, ``password``, ``hash``, ``breach``,
  ``date``, ``service``, in any order, comma, semicolon or tab separated; see ``_COLUMNS`` for
  the other names taken). A ``domain`` column is the address's domain, as in a domain search's
  export (HIBP: ``Alias`` and ``Domain``), never the breached service: it completes an address
  given without one, and is otherwise not needed. DeHashed's exports read as they come:
  ``email`` before ``username``, ``database_name`` is the breach, ``name`` (the person's) and
  ``address`` (postal) are not taken for the breach or the address;
- **jsonl**: one JSON object per line, breach-notification style (``{"Email", "Breach",
  "Domain", "BreachDate", "DataClasses"}``, HIBP's field names: there ``Domain`` is the
  breached site, unless it is the address's own domain or completes an ``Alias``) or generic
  (``email``, ``password`` or ``hash``, ``breach``, ``date``, ``service``).

The shape is decided from the file's first line. Reading a line returns a :class:`Row` or None
(malformed: no address, not text, not an object); it never raises.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

# Header names of each field, the preferred first: when a file has several columns of one field
# (DeHashed's ``email`` and ``username``), the first of them holding a usable value is taken.
_COLUMNS = {
    "email": (
        "email",
        "e-mail",
        "email_address",
        "emailaddress",
        "mail",
        "account",
        "username",
        "user",
        "login",
        "address",  # last: DeHashed's ``address`` is a postal address (taken only when it holds an @)
    ),
    # the address's own parts, as a domain search lists them (HIBP: Alias and Domain)
    "local": ("alias", "local_part", "localpart"),
    "mail_domain": ("domain", "domainname", "domain_name", "email_domain", "emaildomain"),
    "password": ("password", "pass", "passwd", "plaintext", "pwd"),
    "hash": ("hash", "hashed_password", "password_hash", "passwordhash"),
    "breach": (
        "breach",
        "breach_name",
        "breachname",
        "breaches",
        "database_name",  # DeHashed
        "database",
        "source",
        "leak",
        "title",
    ),
    "date": ("date", "breach_date", "breachdate", "added", "addeddate"),
    "service": ("service", "site", "website", "url", "breach_domain"),
}
_FIELD_OF = {alias: field for field, aliases in _COLUMNS.items() for alias in aliases}
_RANK = {alias: rank for aliases in _COLUMNS.values() for rank, alias in enumerate(aliases)}
# JSON lines: HIBP's breach model names the breach ``Name`` and its site ``Domain``; a ``domain``
# is the address's domain instead when the address is given without one (an alias) or equals it
_SITE_OR_MAIL_DOMAIN = "site_or_mail_domain"
_JSON_FIELD_OF = _FIELD_OF | {"name": "breach", "domain": _SITE_OR_MAIL_DOMAIN}


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
    at_sign: bool = True  # every address is written with its @ (not as an alias and a domain)

    def to_json(self) -> dict[str, object]:
        return {
            "shape": self.shape.value,
            "delimiter": self.delimiter,
            "columns": [list(c) for c in self.columns],
            "at_sign": self.at_sign,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Layout:
        raw = data.get("columns")
        pairs = raw if isinstance(raw, list) else []
        columns = tuple((str(pair[0]), int(pair[1])) for pair in pairs)
        return cls(Shape(str(data["shape"])), str(data.get("delimiter") or ","), columns,
                   data.get("at_sign") is not False)


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
        return Layout(Shape.JSONL, at_sign="@" in text), False
    for delimiter in (",", ";", "\t"):
        if delimiter not in text or "@" in text:
            continue
        names = [c.strip().strip('"').strip().lower() for c in next(csv.reader([text], delimiter=delimiter))]
        ranked = sorted((_FIELD_OF[n], _RANK[n], i) for i, n in enumerate(names) if n in _FIELD_OF)
        columns = tuple((f, i) for f, _rank, i in ranked)  # each field's columns, preferred first
        fields = {f for f, _ in columns}
        if "email" in fields or {"local", "mail_domain"} <= fields:
            return Layout(Shape.CSV, delimiter, columns, at_sign="mail_domain" not in fields), True
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


def _take(got: dict[str, str], field: str, value: str) -> None:
    """Keep a field's first non-empty value (columns come preferred first); for the address, the
    first one holding an ``@`` (DeHashed's ``username`` may come before ``email`` is filled)."""
    if not value:
        return
    if field not in got or (field == "email" and "@" in value and "@" not in got[field]):
        got[field] = value


def _csv(layout: Layout, text: str) -> Row | None:
    try:
        cells = next(csv.reader([text], delimiter=layout.delimiter))
    except (csv.Error, StopIteration):
        return None
    got: dict[str, str] = {}
    for field, i in layout.columns:
        _take(got, field, cells[i].strip() if i < len(cells) else "")
    return _row(got)


def _json(text: str) -> Row | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    got: dict[str, str] = {}
    for key, value in sorted(data.items(), key=lambda kv: _RANK.get(str(kv[0]).lower(), 0)):
        field = _JSON_FIELD_OF.get(str(key).lower())
        if field and isinstance(value, (str, int)):
            _take(got, field, str(value).strip())
    site = got.pop(_SITE_OR_MAIL_DOMAIN, "")
    if site:
        address = got.get("email", "")
        if "@" not in address:
            got.setdefault("mail_domain", site)  # with an alias or user name: the address's domain
        elif site.lower() != address.rpartition("@")[2].strip().lower():
            got.setdefault("service", site)  # the breached site (HIBP's breach model)
    return _row(got)


def _row(got: dict[str, str]) -> Row | None:
    address = got.get("email", "")
    if "@" not in address:  # a domain search's alias (or a bare user name) and the address's domain
        local, domain = got.get("local") or address, got.get("mail_domain", "")
        if not local or not domain or "@" in local:
            return None
        address = f"{local}@{domain}"
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
