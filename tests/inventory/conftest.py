"""Fixtures for the inventory tests: English msgids whatever catalogs are compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

import canhgac.i18n

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _english_msgids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages are asserted verbatim, so show the msgids themselves."""
    monkeypatch.setattr(canhgac.i18n, "translation", lambda lang: gettext.NullTranslations())


@pytest.fixture
def sample_path() -> Path:
    return HERE / "sample.yaml"
