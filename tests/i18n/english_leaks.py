"""Find English in output that should be Vietnamese: untranslated catalogue msgids, pydantic's
and Typer's own English, and raw enum values shown as table cells.

The catalogue is the reference: every msgid whose Vietnamese differs from it must not appear
in Vietnamese output. A msgid is matched case-sensitively, as a phrase (placeholders match any
text, Rich markup is dropped), and not inside a dotted or slashed token (``web.error.page`` and
``/tmp/errors`` are data, not the msgid ``error``). Output is compared with its box drawing and
line folding removed, so a phrase that Rich wrapped over two lines is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from canhgac.catalog import Severity
from canhgac.engine.results import Status
from canhgac.engine.vulns.models import Level
from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.model import TriageState

PO_FILE = Path(__file__).resolve().parents[2] / "src/canhgac/locale/vi/LC_MESSAGES/canhgac.po"

# English that is not a msgid of ours: pydantic's messages, Typer's and Click's own text.
KNOWN_ENGLISH = (
    "Input should be", "errors.pydantic.dev", "validation error", "Value error", "[type=",
    "Usage:", "Show this message", "Missing argument", "Missing option", "No such option",
    "No such command", "Did you mean", "Invalid value", "Got unexpected", "env var:",
    "does not exist", "Traceback",
)
# Raw values of the enums a reader sees through a label (severity, lifecycle, triage, status).
RAW_VALUES = frozenset(
    str(v) for enum in (Severity, Lifecycle, TriageState, Status, Level) for v in enum
)
_BOX = re.compile(r"[\u2500-\u257f]")  # box drawing: table and panel borders
_PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s")
_MARKUP = re.compile(r"\[/?(?:bold|dim|italic|red|green|yellow|blue)?(?: (?:red|green|yellow|blue))?\]")
# A msgid next to these is part of a longer token (a dotted id, a path, a flag, an address).
_NOT_AFTER = r"(?<![\w/@-])(?<!\w[.:])"
_NOT_BEFORE = r"(?![\w/@-]|[.:]\w)"
_TABLE_CELL_SEPARATORS = re.compile(r"[│┃]")


@dataclass(frozen=True)
class Msgid:
    text: str
    pattern: re.Pattern[str]


def _literal_regex(part: str) -> str:
    """One stretch of a msgid between placeholders, spaces kept as "some whitespace"."""
    words = r"\s+".join(map(re.escape, part.split()))
    lead = r"\s+" if part[:1].isspace() else ""
    trail = r"\s+" if part[-1:].isspace() else ""
    return lead + words + trail if words else r"\s*"


def _pattern(msgid: str) -> re.Pattern[str] | None:
    """A regex matching ``msgid`` as printed (placeholders filled), or None when the msgid is
    too little text to tell from data: no word of three letters (``{a}: {b}``, ``Id``), or a
    single lower-case word (``triage``, ``fixed``, ``{n} findings``), which the CLI also prints
    as a command name or a value one types; those are caught as whole table cells instead."""
    text = _MARKUP.sub("", msgid)
    parts = _PLACEHOLDER.split(text)
    while parts and not parts[0].strip():
        parts.pop(0)
    while parts and not parts[-1].strip():
        parts.pop()
    words = re.findall(r"[^\W\d_]+", "".join(parts))
    if sum(len(w) for w in words) < 3 or (len(words) == 1 and words[0].islower()):
        return None
    body = r".{1,80}?".join(_literal_regex(part) for part in parts)
    start = _NOT_AFTER if parts[0][:1].isalnum() else ""
    end = _NOT_BEFORE if parts[-1][-1:].isalnum() else ""
    return re.compile(start + body + end)


@cache
def vietnamese() -> dict[str, str]:
    """msgid → Vietnamese, for every translated singular message of the catalogue."""
    with PO_FILE.open("rb") as f:
        catalog = read_po(f, locale="vi")
    return {m.id: str(m.string) for m in catalog if isinstance(m.id, str) and m.id and m.string}


@cache
def translated_msgids() -> tuple[Msgid, ...]:
    """Every msgid whose Vietnamese text differs from it (the ones that must not show in vi)."""
    found = []
    for msgid, text in vietnamese().items():
        pattern = _pattern(msgid) if text != msgid else None
        if pattern is not None:
            found.append(Msgid(msgid, pattern))
    return tuple(found)


def unfolded(text: str) -> str:
    """``text`` without box drawing, every run of whitespace one space."""
    return " ".join(_BOX.sub(" ", text).split())


def _cells(text: str) -> list[str]:
    cells = []
    for line in text.splitlines():
        if _TABLE_CELL_SEPARATORS.search(line):
            cells += [c.strip() for c in _TABLE_CELL_SEPARATORS.split(line) if c.strip()]
    return cells


def raw_enum_cells(text: str) -> list[str]:
    """Table cells holding a raw enum value (``high``, ``accepted_risk``) instead of its label."""
    return [cell for cell in _cells(text) if cell in RAW_VALUES]


def msgid_cells(text: str) -> list[str]:
    """Table cells that are a whole msgid left in English (``missed``, ``error``)."""
    translated = {msgid for msgid, vi in vietnamese().items() if vi != msgid}
    return [cell for cell in _cells(text) if cell in translated]


def english_leaks(text: str) -> list[str]:
    """What in ``text`` is English that a Vietnamese reader should not see."""
    flat = unfolded(text)
    leaks = [f"msgid {m.text!r}" for m in translated_msgids() if m.pattern.search(flat)]
    leaks += [f"English {phrase!r}" for phrase in KNOWN_ENGLISH if phrase in flat]
    leaks += [f"raw value {cell!r} in a table" for cell in raw_enum_cells(text)]
    leaks += [f"msgid {cell!r} as a table cell" for cell in msgid_cells(text)]
    return leaks


_INVISIBLE = re.compile(r"<(style|script|head)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def html_text(html: str) -> str:
    """The text a reader of an HTML page sees (no styles, no tags, entities left as written)."""
    return _TAG.sub(" ", _INVISIBLE.sub(" ", html))
