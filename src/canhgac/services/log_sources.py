"""Whose logs are these: the agency a log file or a syslog sender belongs to (docs/logs.md,
section *Sources*).

An agency declares its logs in the inventory (``logs:`` of an agency: file paths or globs with
their format and time zone, and syslog senders by address or host name). A detection is the
agency's whose declared source it came from; ``canhgac logs scan --agency CODE`` names the agency
of every file instead. A file or sender that no agency declares, or that two agencies declare,
is refused in one line: a detection must never be filed under a guess, because the agency's
officers see it (and the on-duty person is told) as theirs.

Pure: no Django, no I/O beyond resolving a path's absolute form.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from canhgac.i18n import gettext as _
from canhgac.inventory.fields import DEFAULT_TIMEZONE, resolve_timezone
from canhgac.inventory.model import Inventory

SYSLOG_PREFIX = "syslog:"  # a syslog stream's source name: ``syslog:<host>/<app>`` (LogRecord.source)


class AttributionError(ValueError):
    """A log that cannot be given to exactly one agency, in one line."""


@dataclass(frozen=True, slots=True)
class DeclaredSource:
    """One log source of the inventory, flattened: the agency it belongs to and how to read it."""

    agency: str
    path: str | None  # an absolute path or glob
    syslog: str | None  # a sender's address or host name, lower-cased
    fmt: str | None
    timezone: str = DEFAULT_TIMEZONE
    name: str = ""

    @property
    def tz(self) -> tzinfo:
        return resolve_timezone(self.timezone)


@dataclass(frozen=True, slots=True)
class Attributed:
    """A file given to an agency, read in ``fmt`` (None: detected) and ``tz``."""

    path: Path
    agency: str
    fmt: str | None
    tz: tzinfo


def declared_sources(inventory: Inventory | None) -> tuple[DeclaredSource, ...]:
    if inventory is None:
        return ()
    return tuple(
        DeclaredSource(a.code, s.path, s.syslog, s.format, s.timezone, s.name)
        for a in inventory.agencies
        for s in a.logs
    )


def _matches(pattern: str, path: str) -> bool:
    return path == pattern or fnmatch.fnmatchcase(path, pattern)


def source_for_file(path: Path, sources: Sequence[DeclaredSource]) -> DeclaredSource:
    """The one declared source whose path or glob matches ``path`` (its absolute form);
    AttributionError when none or sources of two agencies do."""
    text = str(path.absolute())
    found = [s for s in sources if s.path is not None and _matches(s.path, text)]
    agencies = sorted({s.agency for s in found})
    if not found:
        raise AttributionError(
            _("no agency declares the log {path}: add it to the agency's logs in the inventory, or scan "
              "with --agency CODE").format(path=path)
        )
    if len(agencies) > 1:
        raise AttributionError(
            _("the log {path} is declared by several agencies ({agencies}): declare it once").format(
                path=path, agencies=", ".join(agencies)
            )
        )
    return found[0]


def attribute_files(
    paths: Iterable[Path],
    sources: Sequence[DeclaredSource],
    *,
    agency: str | None,
    fmt: str | None,
    tz: tzinfo | None,
) -> list[Attributed]:
    """Each file with its agency, format and zone: ``agency`` for every file when given (the
    declared source's format and zone still used when the file is declared and none is given),
    else the declared source's. The command line's ``fmt``/``tz`` win over the inventory's."""
    out = []
    for path in paths:
        declared: DeclaredSource | None
        try:
            declared = source_for_file(path, sources)
        except AttributionError:
            if agency is None:
                raise
            declared = None
        if agency is not None and declared is not None and declared.agency != agency:
            declared = None  # the operator's choice of agency: the inventory's reading is not theirs
        code = agency if agency is not None else declared.agency if declared else ""
        out.append(
            Attributed(
                path,
                code,
                fmt if fmt is not None else (declared.fmt if declared else None),
                tz if tz is not None else (declared.tz if declared else resolve_timezone(DEFAULT_TIMEZONE)),
            )
        )
    return out


def agency_of_sender(host: str, sources: Sequence[DeclaredSource]) -> str | None:
    """The agency that declares the syslog sender ``host`` (its address or its header's host
    name); None when none or several do."""
    wanted = host.strip().lower().rstrip(".")
    agencies = {s.agency for s in sources if s.syslog is not None and s.syslog == wanted}
    return agencies.pop() if len(agencies) == 1 else None


def agency_of_stream(
    source: str, sources: Sequence[DeclaredSource], fallback: str | None = None
) -> str | None:
    """The agency of a detection's stream: ``syslog:<host>/<app>`` by its sender, a file path by
    its declared glob; ``fallback`` (``--agency``) when the inventory says nothing."""
    if source.startswith(SYSLOG_PREFIX):
        host = source[len(SYSLOG_PREFIX) :].partition("/")[0]
        return agency_of_sender(host, sources) or fallback
    try:
        return source_for_file(Path(source), sources).agency
    except AttributionError:
        return fallback
