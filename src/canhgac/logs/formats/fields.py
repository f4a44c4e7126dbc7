"""The ``#Fields:`` directive of W3C-style logs (IIS, Exchange message tracking): which columns
a source's lines carry, remembered per source.

A directive may come again after every restart and differ between sources, so the layout is
kept per source, the oldest forgotten past ``MAX_SOURCES`` (a bound on a stream that invents
source names).
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_SOURCES = 4096

Layout = tuple[int, tuple[int, ...]]  # (field count, index of each wanted field or -1)


def layout(names: Sequence[str], wanted: Sequence[str]) -> Layout:
    """The layout of a field list (names already lower-cased) for the ``wanted`` fields."""
    return len(names), tuple(names.index(w) if w in names else -1 for w in wanted)


class FieldLayouts:
    """The layout each source's last ``#Fields:`` directive declared."""

    def __init__(self, wanted: Sequence[str], separator: str | None) -> None:
        self._wanted = tuple(wanted)
        self._separator = separator  # None: whitespace (IIS); "," (Exchange's CSV)
        self._by_source: dict[str, Layout] = {}

    def of(self, fields: str) -> Layout:
        """The layout of a field list as written after ``#Fields:``."""
        return layout([f.strip().lower() for f in fields.split(self._separator)], self._wanted)

    def directive(self, line: str, source: str) -> bool:
        """Whether ``line`` is a directive (``#...``); a ``#Fields:`` one is remembered for
        ``source``."""
        if not line.startswith("#"):
            return False
        if line.startswith("#Fields:"):
            if len(self._by_source) >= MAX_SOURCES:
                del self._by_source[next(iter(self._by_source))]
            self._by_source[source] = self.of(line[8:])
        return True

    def get(self, source: str) -> Layout | None:
        return self._by_source.get(source)
