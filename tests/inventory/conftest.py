"""Fixtures for the inventory tests: English msgids whatever catalogs are compiled."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest

import canhgac.i18n

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _english_msgids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Messages are asserted verbatim, so show the msgids themselves (numbers in English form)."""
    monkeypatch.setattr(canhgac.i18n, "translation", lambda lang: gettext.NullTranslations())
    with canhgac.i18n.language("en"):
        yield


@pytest.fixture
def sample_path() -> Path:
    return HERE / "sample.yaml"
