"""Advisories: what is affected (component, version ranges), how badly, and where it was published.

One shape for every source (bundled data, OSV, NVD). A range is ``introduced`` (inclusive, or
exclusive when NVD says ``versionStartExcluding``) up to ``fixed`` (exclusive) or
``last_affected`` (inclusive); neither means every later version is affected. Explicit
``versions`` list single affected versions. Components are named by a canonical, lower-case
name (``joomla``, ``apache-httpd``...); names from other sources are normalised by
:mod:`canhgac.engine.vulns.components`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canhgac.engine.vulns.version import ComponentVersion, VersionError, parse_version
from canhgac.i18n import N_, translate
from canhgac.i18n.formats import format_number

MAX_TEXT = 2000


class Level(StrEnum):
    UNKNOWN = "unknown"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @classmethod
    def of(cls, text: str) -> Level:
        """A level from a source's word (GitHub says MODERATE for medium); unknown otherwise."""
        word = text.strip().lower()
        word = {"moderate": "medium", "important": "high"}.get(word, word)
        return cls(word) if word in cls._value2member_map_ else cls.UNKNOWN

    def label(self, lang: str | None = None) -> str:
        """The level as a reader says it (``Cao``/``High``); JSON keeps the raw value."""
        return translate(_LEVEL_LABELS[self], lang)


_LEVEL_LABELS = {
    Level.UNKNOWN: N_("Unknown"),
    Level.LOW: N_("Low"),
    Level.MEDIUM: N_("Medium"),
    Level.HIGH: N_("High"),
    Level.CRITICAL: N_("Critical"),
}


class AdvisoryError(ValueError):
    """An advisory (or one of its parts) does not have the expected shape."""


@dataclass(frozen=True, slots=True)
class Severity:
    level: Level = Level.UNKNOWN
    score: float | None = None  # CVSS base score when known
    vector: str = ""  # CVSS vector when known

    def label(self, lang: str | None = None) -> str:
        """``Cao (7,5)``/``High (7.5)``: the level and its CVSS score in the reader's form."""
        level = self.level.label(lang)
        if self.score is None:
            return level
        return f"{level} ({format_number(self.score, lang, decimals=1, fixed=True)})"


@dataclass(frozen=True, slots=True)
class VersionRange:
    introduced: str = "0"
    introduced_exclusive: bool = False
    fixed: str | None = None
    last_affected: str | None = None

    def validate(self) -> None:
        for value in (self.introduced, self.fixed, self.last_affected):
            if value is not None and value != "0":
                parse_version(value)
        if self.fixed is not None and self.last_affected is not None:
            raise AdvisoryError("a range has both fixed and last_affected")

    def contains(self, version: ComponentVersion) -> bool:
        if self.introduced != "0":
            start = parse_version(self.introduced)
            if version < start or (self.introduced_exclusive and version == start):
                return False
        if self.fixed is not None:
            return version < parse_version(self.fixed)
        if self.last_affected is not None:
            return version <= parse_version(self.last_affected)
        return True

    def describe(self) -> str:
        start = ""
        if self.introduced != "0":
            start = (">" if self.introduced_exclusive else ">=") + self.introduced
        end = f"<{self.fixed}" if self.fixed else f"<={self.last_affected}" if self.last_affected else ""
        return " ".join(p for p in (start, end) if p) or "all versions"

    def overlaps(self, low: ComponentVersion, high: ComponentVersion) -> bool:
        """Whether some version in [low, high) lies in this range (a branch whose patch is unknown)."""
        if self.introduced != "0" and not parse_version(self.introduced) < high:
            return False
        if self.fixed is not None:
            return parse_version(self.fixed) > low
        if self.last_affected is not None:
            return parse_version(self.last_affected) >= low
        return True


@dataclass(frozen=True, slots=True)
class Affected:
    component: str
    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()

    def contains(self, version: ComponentVersion) -> bool:
        if any(_same(v, version) for v in self.versions):
            return True
        return any(r.contains(version) for r in self.ranges)

    def overlaps(self, low: ComponentVersion, high: ComponentVersion) -> bool:
        """Whether some version in [low, high) is affected (see :meth:`VersionRange.overlaps`)."""
        if any(low <= v < high for v in _versions(self.versions)):
            return True
        return any(r.overlaps(low, high) for r in self.ranges)

    def fix_for(self, version: ComponentVersion) -> str | None:
        """The first fixed version after ``version``: its own range's, else the lowest later one."""
        own = next((r for r in self.ranges if r.contains(version)), None)
        if own is not None and own.fixed is not None:
            return own.fixed
        later = [f for f in self.fixed_versions if _is_after(f, version)]
        return min(later, key=lambda f: parse_version(f).key) if later else None

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.fixed for r in self.ranges if r.fixed))

    def describe(self) -> str:
        parts = [r.describe() for r in self.ranges] + list(self.versions)
        return "; ".join(parts)


def _versions(texts: tuple[str, ...]) -> list[ComponentVersion]:
    found: list[ComponentVersion] = []
    for text in texts:
        try:
            found.append(parse_version(text))
        except VersionError:
            continue
    return found


def _is_after(text: str, version: ComponentVersion) -> bool:
    try:
        return parse_version(text) > version
    except VersionError:
        return False


def _same(text: str, version: ComponentVersion) -> bool:
    try:
        return parse_version(text) == version
    except VersionError:
        return False


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    summary: str
    severity: Severity
    affected: tuple[Affected, ...]
    aliases: tuple[str, ...] = ()
    source: str = ""  # where it was published (URL or document)
    published: str = ""
    modified: str = ""

    @property
    def cve_ids(self) -> tuple[str, ...]:
        ids = (self.id, *self.aliases)
        return tuple(dict.fromkeys(i for i in ids if i.upper().startswith("CVE-")))

    @property
    def key(self) -> str:
        """The identity used to merge copies from several sources: the first CVE id, else the id."""
        cves = sorted(self.cve_ids)
        return cves[0] if cves else self.id

    def affecting(self, component: str, version: ComponentVersion) -> Affected | None:
        return next((a for a in self.affected if a.component == component and a.contains(version)), None)

    def affecting_branch(self, component: str, low: ComponentVersion,
                         high: ComponentVersion) -> Affected | None:
        return next((a for a in self.affected if a.component == component and a.overlaps(low, high)), None)

    def components(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.component for a in self.affected))

    def to_dict(self) -> dict[str, Any]:
        sev: dict[str, Any] = {"level": self.severity.level.value}
        if self.severity.score is not None:
            sev["score"] = self.severity.score
        if self.severity.vector:
            sev["vector"] = self.severity.vector
        return {
            "id": self.id, "aliases": list(self.aliases), "summary": self.summary, "severity": sev,
            "source": self.source, "published": self.published, "modified": self.modified,
            "affected": [_affected_dict(a) for a in self.affected],
        }


def _affected_dict(affected: Affected) -> dict[str, Any]:
    ranges = []
    for r in affected.ranges:
        item: dict[str, Any] = {"introduced": r.introduced}
        if r.introduced_exclusive:
            item["introduced_exclusive"] = True
        if r.fixed is not None:
            item["fixed"] = r.fixed
        if r.last_affected is not None:
            item["last_affected"] = r.last_affected
        ranges.append(item)
    return {"component": affected.component, "ranges": ranges, "versions": list(affected.versions)}


# --- decoding (bundled data and the index store advisories in the to_dict shape) -----------


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise AdvisoryError(f"{key!r} must be a {'non-empty ' if required else ''}string")
    return value[:MAX_TEXT]


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise AdvisoryError(f"{key!r} must be a list")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = _list(data, key)
    if not all(isinstance(i, str) for i in items):
        raise AdvisoryError(f"{key!r} must be a list of strings")
    return tuple(items)


def _severity(data: Any) -> Severity:
    if not isinstance(data, Mapping):
        raise AdvisoryError("'severity' must be an object")
    score = data.get("score")
    if score is not None and (not isinstance(score, int | float) or not 0 <= score <= 10):
        raise AdvisoryError("'severity.score' must be a number from 0 to 10")
    return Severity(Level.of(_text(data, "level")), float(score) if score is not None else None,
                    _text(data, "vector"))


def _range(data: Any) -> VersionRange:
    if not isinstance(data, Mapping):
        raise AdvisoryError("a range must be an object")
    fixed, last = data.get("fixed"), data.get("last_affected")
    for name, value in (("fixed", fixed), ("last_affected", last)):
        if value is not None and not isinstance(value, str):
            raise AdvisoryError(f"'{name}' must be a string")
    result = VersionRange(_text(data, "introduced") or "0", bool(data.get("introduced_exclusive", False)),
                          fixed, last)
    try:
        result.validate()
    except VersionError as exc:
        raise AdvisoryError(str(exc)) from None
    return result


def _affected(data: Any) -> Affected:
    if not isinstance(data, Mapping):
        raise AdvisoryError("an 'affected' item must be an object")
    versions = _strings(data, "versions")
    for version in versions:
        try:
            parse_version(version)
        except VersionError as exc:
            raise AdvisoryError(str(exc)) from None
    return Affected(_text(data, "component", required=True).lower(),
                    tuple(_range(r) for r in _list(data, "ranges")), versions)


def advisory_from_dict(data: Any) -> Advisory:
    """Decode the :meth:`Advisory.to_dict` shape; :class:`AdvisoryError` says what is wrong."""
    if not isinstance(data, Mapping):
        raise AdvisoryError("an advisory must be an object")
    affected = tuple(_affected(a) for a in _list(data, "affected"))
    if not affected:
        raise AdvisoryError("an advisory must name at least one affected component")
    return Advisory(
        id=_text(data, "id", required=True),
        summary=_text(data, "summary"),
        severity=_severity(data.get("severity", {})),
        affected=affected,
        aliases=_strings(data, "aliases"),
        source=_text(data, "source"),
        published=_text(data, "published"),
        modified=_text(data, "modified"),
    )
