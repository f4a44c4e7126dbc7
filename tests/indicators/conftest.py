"""The indicator tests read messages in English (the Vietnamese ones are checked where named)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canhgac.i18n import language


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with language("en"):
        yield
