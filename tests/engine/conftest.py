"""Fixtures shared by the engine tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from canhgac import netguard


@pytest.fixture
def contacts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    """Every address a socket of this process connects or sends to (the guard's check, recorded)."""
    seen: list[tuple[str, Any]] = []
    refusing = netguard._check

    def recording(address: Any) -> None:
        if isinstance(address, tuple) and address:
            seen.append((str(address[0]), address[1] if len(address) > 1 else None))
        refusing(address)

    monkeypatch.setattr(netguard, "_check", recording)
    yield seen
