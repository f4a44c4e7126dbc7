"""Builders of catalog data for the loader and contract tests (valid unless told otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

SAMPLE_DIR = Path(__file__).parent / "sample"  # a tiny catalog for the CLI tests

TEXT = {"vi": "Kiểm tra mẫu", "en": "Sample check"}


def entry(check_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid automated check entry, with fields replaced by ``overrides``."""
    base: dict[str, Any] = {
        "id": check_id,
        "family": "sample",
        "severity": "low",
        "title": TEXT,
        "rationale": TEXT,
        "remediation": TEXT,
    }
    base.update(overrides)
    return base


def framework(fw_id: str, clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": fw_id, "title": TEXT, "source": "1/MAU", "clauses": clauses}


def clause(clause_id: str, checks: list[str], coverage: str = "automated") -> dict[str, Any]:
    return {"id": clause_id, "title": TEXT, "text": TEXT, "coverage": coverage, "checks": checks}


CatalogBuilder = Callable[[dict[str, Any]], Path]
