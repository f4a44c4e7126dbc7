"""What the feed importers share: reading a JSON file safely, and how problems are reported.

A file that cannot be used at all (unreadable, too large, not JSON, nested beyond reason, the
wrong overall shape) raises :class:`FeedError` naming the file. One bad entry in an otherwise
good file is a :class:`FeedProblem` naming the file and the entry; the entry is skipped and the
rest imported (the CLI can make problems fatal with ``--strict``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canhgac.engine.vulns.models import Advisory
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number

MAX_FEED_BYTES = 512 * 1024 * 1024  # the NVD's largest yearly files are a few hundred MB


class FeedError(Exception):
    """A feed file that cannot be imported; the message names the file (and entry, if any)."""


@dataclass(frozen=True, slots=True)
class FeedProblem:
    file: str
    entry: str  # "#12 (CVE-2021-41773)"
    problem: str

    def __str__(self) -> str:
        text = _("{file}: entry {entry}: {problem}")
        return text.format(file=self.file, entry=self.entry, problem=self.problem)


@dataclass(frozen=True, slots=True)
class FeedResult:
    file: str
    format: str  # "osv" or "nvd"
    advisories: tuple[Advisory, ...] = ()
    problems: tuple[FeedProblem, ...] = ()
    skipped: int = 0  # entries with nothing canhgac can match (e.g. only git ranges)
    notes: tuple[str, ...] = field(default=())


def read_json(path: Path) -> Any:
    """The parsed content of ``path``; :class:`FeedError` for anything unusable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FeedError(_("{path}: cannot read: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    if size > MAX_FEED_BYTES:
        raise FeedError(_("{path}: {size} bytes, more than the {limit} a feed file may have").format(
            path=path, size=format_number(size), limit=format_number(MAX_FEED_BYTES)))
    try:
        raw = path.read_bytes()
        return json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise FeedError(_("{path}: cannot read: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    except UnicodeDecodeError as exc:
        raise FeedError(_("{path}: not UTF-8 text (byte {byte})").format(path=path, byte=exc.start)) from None
    except json.JSONDecodeError as exc:
        raise FeedError(_("{path}: not JSON (line {line}, column {column})").format(
            path=path, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise FeedError(_("{path}: JSON nested too deeply").format(path=path)) from None


def entry_label(index: int, item: Any, id_of: str = "id") -> str:
    ident = item.get(id_of) if isinstance(item, dict) else None
    return f"#{index + 1} ({ident})" if isinstance(ident, str) and ident else f"#{index + 1}"


def detect_format(data: Any) -> str | None:
    """"nvd" for NVD CVE API 2.0 documents, "osv" for OSV records, None when neither."""
    if isinstance(data, dict):
        if "vulnerabilities" in data or "cve" in data or data.get("format") == "NVD_CVE":
            return "nvd"
        if "vulns" in data or ("id" in data and ("affected" in data or "schema_version" in data)):
            return "osv"
    if isinstance(data, list) and data and isinstance(data[0], dict):
        first = data[0]
        if "cve" in first:
            return "nvd"
        if "id" in first:
            return "osv"
    return None
