"""Load and validate the catalog: check entries and frameworks, from package data or a folder.

A CSIRT holding the official texts can point ``CANHGAC_CATALOG_DIR``/``--catalog`` at its own
copy of the data folder and confirm, reword or drop inferred clauses without touching code.
The log detection rules (the data files ``canhgac/logs/rules/*.yaml``, or a custom folder's
``logs/``, plus the files named by ``CANHGAC_LOG_RULES``) are read here as the ``logs.*`` entries
(mode ``detection``): one text per rule, shared by the detector and the catalog. Only their data
is read (``LogRuleText``), never the ``canhgac.logs`` code, so the catalog stays below it.
The check → clause mapping is held once, in the frameworks' clause lists; each check's
clauses are derived from them here, and a check entry citing a framework clause is refused.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from canhgac.catalog.families import resolve_families, resolve_ids
from canhgac.catalog.schema import CatalogFile, CheckEntry, Coverage, Framework, LogRuleFile, Mode, Text
from canhgac.i18n import gettext as _
from canhgac.i18n import validation
from canhgac.yamlio import safe_load

ERROR_MESSAGE = Text(
    vi="Không kiểm tra được: {detail}",
    en="Could not be tested: {detail}",
)


class CatalogError(Exception):
    """The catalog data is invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class ClauseRef:
    """A framework clause that a check evidences (derived from the clause's check list)."""

    framework: Framework
    clause: str

    @property
    def key(self) -> str:
        return f"{self.framework.id}:{self.clause}"


@dataclass(frozen=True)
class Catalog:
    checks: dict[str, CheckEntry]
    frameworks: dict[str, Framework]
    version: str  # content hash: what exactly judged a result
    # check id -> the clauses naming it, in framework-file and clause order (derived at load)
    clause_index: Mapping[str, tuple[ClauseRef, ...]] = field(default_factory=dict)

    def check(self, check_id: str) -> CheckEntry:
        try:
            return self.checks[check_id]
        except KeyError:
            raise CatalogError(f"no catalog entry for check {check_id!r}") from None

    def automated_ids(self) -> set[str]:
        return {c.id for c in self.checks.values() if c.mode is Mode.AUTOMATED}

    def message(self, check_id: str, key: str, values: dict[str, Any], lang: str) -> str:
        entry = self.check(check_id)
        text = ERROR_MESSAGE if key == "error" else entry.messages.get(key)
        if text is None:
            raise CatalogError(f"check {check_id}: no message {key!r} in the catalog")
        try:
            return text.get(lang).format(**values)
        except (KeyError, IndexError) as exc:
            raise CatalogError(f"check {check_id}: message {key!r} lacks value {exc}") from None

    def clauses_of(self, check_id: str) -> tuple[ClauseRef, ...]:
        """The framework clauses whose check lists name ``check_id``."""
        return self.clause_index.get(check_id, ())

    def clauses_for_check(self, check_id: str) -> Iterator[tuple[Framework, str]]:
        for ref in self.clauses_of(check_id):
            yield ref.framework, ref.clause

    def families(self) -> set[str]:
        return {entry.family for entry in self.checks.values()}

    def select(self, *, families: Iterable[str] = (), ids: Iterable[str] = ()) -> list[CheckEntry]:
        """Entries of the named families (``net`` takes every ``net.*`` family) and/or ids.

        Raises ``UnknownNameError`` (with suggestions) for a family or id the catalog lacks.
        """
        names = tuple(families)
        chosen = resolve_families(names, {e.id: e.family for e in self.checks.values()}) if names else None
        wanted = resolve_ids(ids, self.checks)
        return [
            entry
            for entry in self.checks.values()
            if (chosen is None or entry.family in chosen) and (not wanted or entry.id in wanted)
        ]


def _data_root() -> Path:
    return Path(str(resources.files("canhgac.catalog") / "data"))


def _read_yaml(path: Path) -> Any:
    try:
        return safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(_("{path}: not valid YAML: {detail}").format(path=path, detail=exc)) from None


def _fmt(path: Path, exc: ValidationError) -> str:
    lines = [_("{path}: invalid catalog data").format(path=path)]
    for err in exc.errors():
        lines.append(f"  {validation.location(err['loc'])}: {validation.describe(err)}")
    return "\n".join(lines)


def load_catalog(root: Path | None = None) -> Catalog:
    """Load ``checks/*.yaml`` and ``frameworks/*.yaml`` under ``root`` and cross-validate."""
    base = root or _data_root()
    digest = hashlib.sha256()
    checks: dict[str, CheckEntry] = {}
    check_files: dict[str, Path] = {}
    for path in sorted((base / "checks").glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + raw)
        try:
            parsed = CatalogFile.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(_fmt(path, exc)) from None
        for entry in parsed.checks:
            if entry.id in checks:
                raise CatalogError(_("{path}: check {id} is defined twice").format(path=path, id=entry.id))
            if entry.mode not in (Mode.AUTOMATED, Mode.DETECTION) and entry.question is None:
                raise CatalogError(_("{path}: {id} is {mode} but has no question").format(
                    path=path, id=entry.id, mode=entry.mode.value))
            checks[entry.id] = entry
            check_files[entry.id] = path
    from_rules: set[str] = set()
    hashed: set[Path] = set()
    for path, raw, entry in _log_rule_entries(root):
        if path not in hashed:
            hashed.add(path)
            digest.update(path.name.encode() + raw)
        if entry.id in checks and entry.id not in from_rules:
            raise CatalogError(_("{path}: check {id} is defined twice").format(path=path, id=entry.id))
        checks[entry.id] = entry  # a later rule file replaces an earlier rule of the same id
        check_files[entry.id] = path
        from_rules.add(entry.id)
    frameworks: dict[str, Framework] = {}
    for path in sorted((base / "frameworks").glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + raw)
        try:
            fw = Framework.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(_fmt(path, exc)) from None
        if fw.id in frameworks:
            raise CatalogError(_("{path}: framework {id} is defined twice").format(path=path, id=fw.id))
        _validate_clauses(path, fw, checks)
        frameworks[fw.id] = fw
    if not checks:
        raise CatalogError(_("{path}: no check entries found").format(path=base))
    _refuse_clause_references(checks, check_files, frameworks)
    return Catalog(checks, frameworks, "sha256:" + digest.hexdigest()[:16], _clause_index(frameworks))


LOG_RULES_ENV = "CANHGAC_LOG_RULES"  # the same variable canhgac.logs reads (extra rule files)


def _log_rule_files(root: Path | None) -> list[Path]:
    """The built-in log rule files (a custom catalog folder's ``logs/*.yaml`` instead, when it
    has that folder; none when it has not, so a folder made for tests stays as written), then
    the files or folders named by ``CANHGAC_LOG_RULES``."""
    base = Path(str(resources.files("canhgac") / "logs" / "rules")) if root is None else root / "logs"
    files = sorted(base.glob("*.yaml")) if base.is_dir() else []
    for part in os.environ.get(LOG_RULES_ENV, "").split(os.pathsep):
        if part.strip():
            extra = Path(part)
            files.extend(sorted(extra.glob("*.yaml")) if extra.is_dir() else [extra])
    return files


def _log_rule_entries(root: Path | None) -> Iterator[tuple[Path, bytes, CheckEntry]]:
    """The log detection rules as catalog entries (mode ``detection``, family ``logs.<area>``)."""
    for path in _log_rule_files(root):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CatalogError(_("{path}: cannot read the rule file: {detail}").format(
                path=path, detail=exc.strerror or exc)) from None
        try:
            data = safe_load(raw.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError):
            raise CatalogError(_("{path}: not valid YAML").format(path=path)) from None
        try:
            parsed = LogRuleFile.model_validate(data)
        except ValidationError as exc:
            raise CatalogError(_("{path}: invalid rule file: {detail}").format(
                path=path, detail=validation.summary(exc))) from None
        for rule in parsed.rules:
            yield path, raw, CheckEntry(
                id=rule.id, family=rule.id.rsplit(".", 1)[0], severity=rule.severity,
                mode=Mode.DETECTION, target="logs", title=rule.title, rationale=rule.description,
                remediation=rule.remediation, references=rule.references,
                messages={"detected": rule.message},
            )


def _refuse_clause_references(
    checks: dict[str, CheckEntry], files: dict[str, Path], frameworks: dict[str, Framework]
) -> None:
    """A check entry may not cite a framework: the clause lists are the one mapping."""
    for entry in checks.values():
        for ref in entry.references:
            if ref.doc in frameworks:
                where = f"{ref.doc}:{ref.clause}" if ref.clause else ref.doc
                raise CatalogError(_(
                    "{path}: check {id} cites {where} in its references; framework clauses list their "
                    "checks instead: name {id} in the clause's `checks` in frameworks/{doc}.yaml and drop "
                    "the reference").format(path=files[entry.id], id=entry.id, where=where, doc=ref.doc))


def _clause_index(frameworks: dict[str, Framework]) -> dict[str, tuple[ClauseRef, ...]]:
    index: defaultdict[str, list[ClauseRef]] = defaultdict(list)
    for fw in frameworks.values():
        for clause in fw.clauses:
            for check_id in dict.fromkeys(clause.checks):
                index[check_id].append(ClauseRef(fw, clause.id))
    return {check_id: tuple(refs) for check_id, refs in index.items()}


def _validate_clauses(path: Path, fw: Framework, checks: dict[str, CheckEntry]) -> None:
    seen: set[str] = set()
    for clause in fw.clauses:
        if clause.id in seen:
            raise CatalogError(_("{path}: clause {id} appears twice").format(path=path, id=clause.id))
        seen.add(clause.id)
        unknown = [c for c in clause.checks if c not in checks]
        if unknown:
            raise CatalogError(_("{path}: clause {id} names unknown checks: {checks}").format(
                path=path, id=clause.id, checks=", ".join(unknown)))
        modes = {checks[c].mode for c in clause.checks}
        if clause.coverage is Coverage.AUTOMATED and Mode.AUTOMATED not in modes:
            raise CatalogError(_("{path}: clause {id} says automated but names no automated check").format(
                path=path, id=clause.id))


def missing_entries(catalog: Catalog, check_ids: Iterable[str]) -> list[str]:
    """Check ids used by code that the catalog lacks (a contract test asserts none)."""
    return sorted(set(check_ids) - set(catalog.checks))
