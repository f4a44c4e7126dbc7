"""Comparing two tools' verdicts key by key (an endpoint, a portal): where they agree, where
they differ, and where one of them (or both) has no verdict (None)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


@dataclass
class Tally:
    agree: int = 0
    differ: list[tuple[str, Any, Any]] = field(default_factory=list)  # key, ours, theirs
    missing: list[tuple[str, bool, bool]] = field(default_factory=list)  # key, ours has one, theirs has one


def tally(keys: Iterable[str], ours: Callable[[str], Any], theirs: Callable[[str], Any]) -> Tally:
    """Each key's two verdicts, in the order of ``keys``."""
    t = Tally()
    for key in keys:
        a, b = ours(key), theirs(key)
        if a is None or b is None:
            t.missing.append((key, a is not None, b is not None))
        elif a == b:
            t.agree += 1
        else:
            t.differ.append((key, a, b))
    return t
