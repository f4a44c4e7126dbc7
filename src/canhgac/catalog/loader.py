"""Load and validate the catalog: check entries and frameworks, from package data or a folder.

A CSIRT holding the official texts can point ``CANHGAC_CATALOG_DIR``/``--catalog`` at its own
copy of the data folder and confirm, reword or drop inferred clauses without touching code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from canhgac.catalog.schema import CatalogFile, CheckEntry, Coverage, Framework, Mode, Text
from canhgac.yamlio import safe_load

ERROR_MESSAGE = Text(
    vi="Không kiểm tra được: {detail}",
    en="Could not be tested: {detail}",
)


class CatalogError(Exception):
    """The catalog data is invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class Catalog:
    checks: dict[str, CheckEntry]
    frameworks: dict[str, Framework]
    version: str  # content hash: what exactly judged a result

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

    def clauses_for_check(self, check_id: str) -> Iterator[tuple[Framework, str]]:
        for fw in self.frameworks.values():
            for clause in fw.clauses:
                if check_id in clause.checks:
                    yield fw, clause.id


def _data_root() -> Path:
    return Path(str(resources.files("canhgac.catalog") / "data"))


def _read_yaml(path: Path) -> Any:
    try:
        return safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None


def _fmt(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid catalog data"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def load_catalog(root: Path | None = None) -> Catalog:
    """Load ``checks/*.yaml`` and ``frameworks/*.yaml`` under ``root`` and cross-validate."""
    base = root or _data_root()
    digest = hashlib.sha256()
    checks: dict[str, CheckEntry] = {}
    for path in sorted((base / "checks").glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + raw)
        try:
            parsed = CatalogFile.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(_fmt(path, exc)) from None
        for entry in parsed.checks:
            if entry.id in checks:
                raise CatalogError(f"{path}: check {entry.id} is defined twice")
            if entry.mode is not Mode.AUTOMATED and entry.question is None:
                raise CatalogError(f"{path}: {entry.id} is {entry.mode.value} but has no question")
            checks[entry.id] = entry
    frameworks: dict[str, Framework] = {}
    for path in sorted((base / "frameworks").glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + raw)
        try:
            fw = Framework.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CatalogError(_fmt(path, exc)) from None
        if fw.id in frameworks:
            raise CatalogError(f"{path}: framework {fw.id} is defined twice")
        _validate_clauses(path, fw, checks)
        frameworks[fw.id] = fw
    if not checks:
        raise CatalogError(f"{base}: no check entries found")
    return Catalog(checks, frameworks, "sha256:" + digest.hexdigest()[:16])


def _validate_clauses(path: Path, fw: Framework, checks: dict[str, CheckEntry]) -> None:
    seen: set[str] = set()
    for clause in fw.clauses:
        if clause.id in seen:
            raise CatalogError(f"{path}: clause {clause.id} appears twice")
        seen.add(clause.id)
        unknown = [c for c in clause.checks if c not in checks]
        if unknown:
            raise CatalogError(f"{path}: clause {clause.id} names unknown checks {unknown}")
        modes = {checks[c].mode for c in clause.checks}
        if clause.coverage is Coverage.AUTOMATED and Mode.AUTOMATED not in modes:
            raise CatalogError(
                f"{path}: clause {clause.id} says automated but names no automated check"
            )


def missing_entries(catalog: Catalog, check_ids: Iterable[str]) -> list[str]:
    """Check ids used by code that the catalog lacks (a contract test asserts none)."""
    return sorted(set(check_ids) - set(catalog.checks))
