"""Shared fixtures for the catalog tests: the real catalog, a tiny sample one, a folder builder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from catalog_builders import CatalogBuilder

from canhgac.catalog import Catalog, load_catalog
from canhgac.i18n import set_language


@pytest.fixture
def build_catalog(tmp_path: Path) -> CatalogBuilder:
    """Write a catalog folder from ``{"checks/x.yaml": data-or-raw-text, ...}``; return its root."""

    def build(files: dict[str, Any]) -> Path:
        root = tmp_path / "catalog"
        for sub in ("checks", "frameworks"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
            (root / name).write_text(text, encoding="utf-8")
        return root

    return build


@pytest.fixture(scope="session")
def real_catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def english() -> Iterator[None]:
    """Run the CLI in English for one test, then restore the default language."""
    set_language("en")
    yield
    set_language("vi")
