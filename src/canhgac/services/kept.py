"""Values kept in this process while the key they were computed for holds (the console's
dashboard body, under ``services.dashboard.dashboard_key``).

Each key carries what the value depends on (``queries.state_stamp`` of the store, the viewer's
scope, the language, the day), so a kept value is never stale, only evicted: the least recently
used one goes when more than ``size`` are kept. Two requests asking at once for a missing key
both compute it (the second's value replaces the first's, equal to it): no lock is held while
computing, so a slow build never blocks a request for another key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most ``size`` values, by key, least recently used evicted first; thread-safe."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a cache keeps at least one value")
        self._size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``build()``'s, kept from now on."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
