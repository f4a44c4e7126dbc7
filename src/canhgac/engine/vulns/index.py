"""The offline vulnerability index: advisories in one SQLite file (stdlib ``sqlite3``).

``canhgac vulns import`` writes it (``WORKSPACE/vulns.sqlite3``); scans open it read-only,
once per run, and ask :meth:`VulnIndex.match` for a (component, version). An advisory is stored
whole as JSON (the :meth:`Advisory.to_dict` shape) with one row per affected component, so a
query reads only that component's advisories; ranges are compared in Python with the rules of
:mod:`canhgac.engine.vulns.version`. Importing an advisory id again replaces it. Copies of
one CVE from several sources (an NVD record and a GitHub OSV record) are merged at query time:
one match per CVE, the most severe copy.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from canhgac.engine.vulns.models import Advisory, AdvisoryError, Affected, advisory_from_dict
from canhgac.engine.vulns.version import ComponentVersion, branch_bounds, parse_version
from canhgac.i18n import gettext as _

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisory (id TEXT PRIMARY KEY, origin TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affects (advisory_id TEXT NOT NULL, component TEXT NOT NULL,
                                    PRIMARY KEY (component, advisory_id));
"""


class VulnIndexError(Exception):
    """The index file is missing, not an index, or from another schema version."""


@dataclass(frozen=True, slots=True)
class VulnMatch:
    advisory: Advisory
    affected: Affected  # the affected entry that contains the version


class VulnIndex:
    """``with VulnIndex.open(path) as index: index.match("joomla", "4.2.7")``."""

    def __init__(self, connection: sqlite3.Connection, label: str) -> None:
        self._db = connection
        self.label = label
        self._cache: dict[str, list[Advisory]] = {}

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> VulnIndex:
        file = Path(path)
        if not create and not file.is_file():
            text = _("{file}: no vulnerability index (run `canhgac vulns import`)")
            raise VulnIndexError(text.format(file=file))
        try:
            if create:
                file.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(file, check_same_thread=False)
            else:
                db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            raise VulnIndexError(_("{file}: cannot open ({reason})").format(file=file, reason=exc)) from None
        index = cls(db, str(file))
        try:
            index._prepare(create)
        except (sqlite3.Error, VulnIndexError) as exc:
            db.close()
            if isinstance(exc, VulnIndexError):
                raise
            raise VulnIndexError(_("{file}: not a canhgac vulnerability index ({reason})").format(
                file=file, reason=exc)) from None
        return index

    @classmethod
    def in_memory(cls, advisories: Iterable[Advisory] = (), *, label: str = "memory",
                  origin: str = "memory") -> VulnIndex:
        index = cls(sqlite3.connect(":memory:", check_same_thread=False), label)
        index._prepare(True)
        index.add(advisories, origin)
        return index

    def _prepare(self, create: bool) -> None:
        if create:
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._db.commit()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            found = row[0] if row else "none"
            text = _("{file}: index schema {found}, expected {expected}: import the feeds again")
            raise VulnIndexError(text.format(file=self.label, found=found, expected=SCHEMA_VERSION))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> VulnIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def add(self, advisories: Iterable[Advisory], origin: str) -> int:
        """Insert or replace advisories (by id) in one transaction; returns how many."""
        count = 0
        with self._db:
            for adv in advisories:
                self._db.execute("DELETE FROM affects WHERE advisory_id = ?", (adv.id,))
                self._db.execute("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?)",
                                 (adv.id, origin, json.dumps(adv.to_dict(), ensure_ascii=False)))
                self._db.executemany("INSERT OR IGNORE INTO affects VALUES (?, ?)",
                                     [(adv.id, c) for c in adv.components()])
                count += 1
        self._cache.clear()
        return count

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM advisory").fetchone()[0])

    def components(self) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT component, COUNT(*) FROM affects GROUP BY component ORDER BY component")
        return [(str(c), int(n)) for c, n in rows]

    def knows(self, component: str) -> bool:
        """Whether any advisory names ``component``: a product outside the data set has no
        advisories because nothing is known of it, not because it is safe."""
        row = self._db.execute("SELECT 1 FROM affects WHERE component = ? LIMIT 1", (component,))
        return row.fetchone() is not None

    def advisories_for(self, component: str) -> list[Advisory]:
        """Every advisory naming ``component`` (cached for the life of this index object)."""
        if component not in self._cache:
            rows = self._db.execute(
                "SELECT a.id, a.data FROM advisory a JOIN affects f ON f.advisory_id = a.id "
                "WHERE f.component = ? ORDER BY a.id", (component,))
            self._cache[component] = [self._decode(str(i), str(d)) for i, d in rows]
        return self._cache[component]

    def _decode(self, ident: str, data: str) -> Advisory:
        try:
            return advisory_from_dict(json.loads(data))
        except (ValueError, AdvisoryError) as exc:
            text = _("{file}: advisory {id} is damaged ({reason}): import the feeds again")
            raise VulnIndexError(text.format(file=self.label, id=ident, reason=exc)) from None

    def match(self, component: str, version: str | ComponentVersion) -> list[VulnMatch]:
        """Advisories whose ranges contain ``version`` (VersionError when it is no version)."""
        wanted = version if isinstance(version, ComponentVersion) else parse_version(version)
        return self._best(component, lambda adv: adv.affecting(component, wanted))

    def match_branch(self, component: str, branch: str) -> list[VulnMatch]:
        """Advisories affecting SOME version of a ``major.minor`` branch whose patch level is unknown
        (VersionError when ``branch`` is not two numbers): "possibly vulnerable"."""
        low, high = branch_bounds(branch)
        return self._best(component, lambda adv: adv.affecting_branch(component, low, high))

    def _best(self, component: str, hit_of: Callable[[Advisory], Affected | None]) -> list[VulnMatch]:
        best: dict[str, VulnMatch] = {}
        for adv in self.advisories_for(component):
            hit = hit_of(adv)
            if hit is None:
                continue
            known = best.get(adv.key)
            if known is None or _rank(adv) > _rank(known.advisory):
                best[adv.key] = VulnMatch(adv, hit)
        return sorted(best.values(), key=lambda m: (-m.advisory.severity.level.rank,
                                                   -(m.advisory.severity.score or 0.0), m.advisory.key))


def _rank(advisory: Advisory) -> tuple[int, float]:
    return advisory.severity.level.rank, advisory.severity.score or 0.0
