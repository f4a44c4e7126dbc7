"""The sweep's tests read its messages in English (the default language is Vietnamese)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canhgac.i18n import language


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with language("en"):
        yield
