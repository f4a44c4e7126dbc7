"""OSV importer (https://ossf.github.io/osv-schema/): records from osv.dev, GitHub, ecosystems.

Accepted files: one OSV record, a JSON list of records, or an osv.dev query answer
(``{"vulns": [...]}``). Per record: ``id``, ``aliases``, ``summary`` (else the first line of
``details``), ``severity`` (a ``CVSS_V3`` vector is scored here; else the GitHub-style
``database_specific.severity`` word), ``affected[].package`` (ecosystem and name, mapped to a
canonical component), ``affected[].ranges`` of type ``ECOSYSTEM`` or ``SEMVER`` (events sorted
by version: ``introduced`` opens a range, ``fixed`` or ``last_affected`` closes it, ``limit``
is for git ranges and ignored) and ``affected[].versions``. ``GIT`` ranges (commit hashes)
cannot be compared with an announced version and are ignored; a withdrawn record is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from canhgac.engine.vulns import components
from canhgac.engine.vulns.cvss import cvss3_base_score, rating
from canhgac.engine.vulns.entries import import_entries
from canhgac.engine.vulns.feeds import FeedError, FeedResult, read_json
from canhgac.engine.vulns.models import (
    MAX_TEXT,
    Advisory,
    AdvisoryError,
    Affected,
    Level,
    Severity,
    VersionRange,
)
from canhgac.engine.vulns.version import VersionError, parse_version
from canhgac.i18n import gettext as _

COMPARABLE_RANGES = frozenset({"ECOSYSTEM", "SEMVER"})
_CLOSING = ("fixed", "last_affected")


def _records(data: Any, path: Path) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("vulns"), list):
        return list(data["vulns"])
    if isinstance(data, dict) and "id" in data:
        return [data]
    raise FeedError(_("{path}: not an OSV file (expected a record, a list of records or {shape})").format(
        path=path, shape='{"vulns": [...]}'))


def _event_key(event: tuple[str, str]) -> tuple[int, Any]:
    version = event[1]
    if version == "0":
        return (0, None)
    return (1, parse_version(version).key)


def _ranges_of(events: list[Any]) -> list[VersionRange]:
    """Intervals from one range's events (OSV's evaluation: sort by version, open, close)."""
    pairs: list[tuple[str, str]] = []
    for event in events:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise AdvisoryError("each range event must be an object with one key")
        kind, version = next(iter(event.items()))
        if kind not in ("introduced", *_CLOSING, "limit") or not isinstance(version, str):
            raise AdvisoryError(f"unknown range event {kind!r}")
        if kind != "limit":
            pairs.append((kind, version))
    try:
        pairs.sort(key=_event_key)
    except VersionError as exc:
        raise AdvisoryError(str(exc)) from None
    found: list[VersionRange] = []
    start: str | None = None
    for kind, version in pairs:
        if kind == "introduced":
            start = start if start is not None else version
        elif start is not None:
            closing = {"fixed": version} if kind == "fixed" else {"last_affected": version}
            found.append(VersionRange(start, False, **closing))
            start = None
    if start is not None:
        found.append(VersionRange(start))
    return found


def _affected(item: Any) -> Affected | None:
    if not isinstance(item, Mapping):
        raise AdvisoryError("an 'affected' item must be an object")
    package = item.get("package")
    if not isinstance(package, Mapping) or not isinstance(package.get("name"), str) \
            or not isinstance(package.get("ecosystem"), str):
        return None  # OSV allows affected items without a package (e.g. git-only): nothing to match
    ranges: list[VersionRange] = []
    for rng in item.get("ranges") or []:
        if not isinstance(rng, Mapping) or not isinstance(rng.get("events"), list):
            raise AdvisoryError("a range must be an object with an 'events' list")
        if rng.get("type") in COMPARABLE_RANGES:
            ranges.extend(_ranges_of(rng["events"]))
    raw_versions = item.get("versions") or []
    if not isinstance(raw_versions, list):
        raise AdvisoryError("'versions' must be a list")
    versions = tuple(v for v in raw_versions if isinstance(v, str) and _comparable(v))
    if not ranges and not versions:
        return None
    return Affected(components.from_osv(package["ecosystem"], package["name"]), tuple(ranges), versions)


def _comparable(text: str) -> bool:
    try:
        parse_version(text)
    except VersionError:
        return False
    return True


def _severity(record: Mapping[str, Any]) -> Severity:
    entries = [s for s in record.get("severity") or [] if isinstance(s, Mapping)]
    for entry in record.get("affected") or []:
        if isinstance(entry, Mapping):
            entries += [s for s in entry.get("severity") or [] if isinstance(s, Mapping)]
    for entry in entries:
        vector = entry.get("score")
        if entry.get("type") == "CVSS_V3" and isinstance(vector, str):
            score = cvss3_base_score(vector)
            if score is not None:
                return Severity(Level.of(rating(score)), score, vector)
    specific = record.get("database_specific")
    word = specific.get("severity") if isinstance(specific, Mapping) else None
    return Severity(Level.of(word) if isinstance(word, str) else Level.UNKNOWN)


def _source(record: Mapping[str, Any], ident: str) -> str:
    for ref in record.get("references") or []:
        if isinstance(ref, Mapping) and ref.get("type") == "ADVISORY" and isinstance(ref.get("url"), str):
            return str(ref["url"])
    return f"https://osv.dev/vulnerability/{ident}"


def advisory_from_osv(record: Any) -> Advisory | None:
    """One OSV record as an advisory; None when it is withdrawn or names nothing comparable."""
    if not isinstance(record, Mapping):
        raise AdvisoryError("an OSV record must be an object")
    ident = record.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise AdvisoryError("'id' is missing")
    if record.get("withdrawn"):
        return None
    aliases = record.get("aliases") or []
    affected_items = record.get("affected") or []
    if not isinstance(aliases, list) or not isinstance(affected_items, list):
        raise AdvisoryError("'aliases' and 'affected' must be lists")
    affected = tuple(a for a in (_affected(i) for i in affected_items) if a is not None)
    if not affected:
        return None
    summary = record.get("summary") or str(record.get("details") or "").strip().split("\n", 1)[0]
    return Advisory(
        id=ident.strip(), summary=str(summary)[:MAX_TEXT], severity=_severity(record), affected=affected,
        aliases=tuple(a for a in aliases if isinstance(a, str)), source=_source(record, ident),
        published=str(record.get("published") or ""), modified=str(record.get("modified") or ""),
    )


def load_osv(path: Path, data: Any = None) -> FeedResult:
    """Read an OSV file; bad records are problems naming the file and the record."""
    records = _records(read_json(path) if data is None else data, path)
    return import_entries(path, "osv", records, advisory_from_osv)
