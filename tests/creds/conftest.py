"""The creds tests match messages in English; each starts in English and leaves canhgac's default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canhgac.i18n import DEFAULT_LANGUAGE, set_language


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(DEFAULT_LANGUAGE)
