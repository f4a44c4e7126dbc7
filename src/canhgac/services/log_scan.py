"""``canhgac logs scan`` below the CLI: the files checked, attributed, scanned per agency and
reading, and the parse counts gathered (docs/logs.md, section *Sources*).

Files are grouped by (agency, format, zone) and each group is scanned on its own by the rules'
pipeline (``canhgac.logs.pipeline.scan_paths``): one agency's lines never count towards another
agency's thresholds (a "many accounts from one client" rule must not add two agencies' logs up).
The scanner is a parameter, so the command line can be tested with a stand-in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from canhgac.i18n import gettext as _
from canhgac.logs.detection import Detection
from canhgac.logs.records import ParseStats
from canhgac.services.log_sources import Attributed, DeclaredSource, attribute_files

__all__ = ["Detection", "LogScanError", "ScanReport", "Scanner", "check_files", "check_format",
           "default_scanner", "known_formats", "plan", "run", "zone"]


class LogScanError(ValueError):
    """The scan cannot start or a file cannot be read: one line."""


class Outcome(Protocol):
    detections: list[Detection]
    stats: dict[str, ParseStats]


Scanner = Callable[..., Outcome]  # scan_paths(paths, *, fmt, tz, rules, progress) -> ScanOutcome


@dataclass
class ScanReport:
    detections: list[tuple[str, Detection]] = field(default_factory=list)  # (agency, detection)
    stats: dict[str, ParseStats] = field(default_factory=dict)  # per source
    agencies: dict[str, str] = field(default_factory=dict)  # source -> agency

    def total(self) -> ParseStats:
        whole = ParseStats()
        for part in self.stats.values():
            whole.merge(part)
        return whole


def check_files(paths: Sequence[Path]) -> int:
    """Every file exists, is a regular file and can be opened; their total size (bytes).
    LogScanError names the first one that cannot be read."""
    total = 0
    for path in paths:
        try:
            if not path.exists():
                raise LogScanError(_("cannot read {path}: no such file").format(path=path))
            if not path.is_file():
                raise LogScanError(_("cannot read {path}: not a regular file").format(path=path))
            with open(path, "rb"):
                pass
            total += path.stat().st_size
        except OSError as exc:
            raise LogScanError(
                _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
            ) from None
    return total


def zone(name: str | None) -> tzinfo | None:
    """The zone named (None: the inventory's, else Asia/Ho_Chi_Minh); LogScanError when unknown."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LogScanError(
            _("unknown time zone {zone}: write it like Asia/Ho_Chi_Minh or UTC").format(zone=name)
        ) from None


def known_formats() -> tuple[str, ...]:
    """The parsers' names."""
    from canhgac.logs.formats import FORMATS

    return tuple(sorted(FORMATS))


def check_format(fmt: str | None) -> None:
    if fmt is None:
        return
    names = known_formats()
    if fmt not in names:
        raise LogScanError(
            _("unknown log format {fmt}: use one of {names}").format(fmt=fmt, names=", ".join(names))
        )


def groups(files: Sequence[Attributed]) -> dict[tuple[str, str | None, str], list[Attributed]]:
    out: dict[tuple[str, str | None, str], list[Attributed]] = {}
    for f in files:
        out.setdefault((f.agency, f.fmt, str(f.tz)), []).append(f)
    return out


def plan(paths: Sequence[Path], sources: Sequence[DeclaredSource], *, agency: str | None,
         fmt: str | None, tz: tzinfo | None, require_agency: bool) -> list[Attributed]:
    """The files with their agency (LogScanError in one line when one has none and one is
    needed), format and zone."""
    from canhgac.services.log_sources import AttributionError

    try:
        return attribute_files(paths, sources, agency=agency, fmt=fmt, tz=tz)
    except AttributionError as exc:
        if require_agency:
            raise LogScanError(str(exc)) from None
    return attribute_files(paths, sources, agency="", fmt=fmt, tz=tz)


def run(files: Sequence[Attributed], scanner: Scanner, rules: Any,
        progress: Callable[[int], None] | None = None) -> ScanReport:
    """Scan each group; a file that cannot be read mid-way is a LogScanError in one line."""
    report = ScanReport()
    for (agency, fmt, _zone), chosen in groups(files).items():
        paths = [f.path for f in chosen]
        try:
            outcome = scanner(paths, fmt=fmt, tz=chosen[0].tz, rules=rules, progress=progress)
        except OSError as exc:
            where = exc.filename or (paths[0] if len(paths) == 1 else "")
            raise LogScanError(
                _("cannot read {path}: {reason}").format(path=where, reason=exc.strerror or exc)
            ) from None
        except (ValueError, UnicodeError) as exc:
            raise LogScanError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        for name, stats in outcome.stats.items():
            report.stats.setdefault(name, ParseStats()).merge(stats)
            report.agencies[name] = agency
        report.detections.extend((agency, d) for d in outcome.detections)
    return report


def default_scanner() -> tuple[Scanner, Any]:
    """The rules' pipeline and the rules (built-in plus ``CANHGAC_LOG_RULES``); LogScanError in
    one line when a rule file is broken."""
    from canhgac.logs.detector import load_rules
    from canhgac.logs.pipeline import scan_paths
    from canhgac.logs.rule_schema import RuleFileError

    try:
        return scan_paths, load_rules()
    except RuleFileError as exc:
        raise LogScanError(str(exc).splitlines()[0]) from None
