"""Warnings about a whole run, not about one target: said once, however many targets meet them.

A collector that finds something the operator must fix in the run's own set-up (a DNS
blocklist that refuses the resolver) adds a warning to the run's context; the executor streams
each new one after the target that raised it, and the services layer shows and stores them
with the run. The key says what a warning is about: a second warning with the same key (another
target, another shard's worker) is the same warning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunWarning:
    """One warning of a run: ``key`` identifies it (e.g. ``dnsbl:zen.spamhaus.org``), ``text``
    is the line shown to the operator (translated when it was raised)."""

    key: str
    text: str


class RunWarnings:
    """The warnings of one run, each key once, in the order they were raised."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._pending: list[RunWarning] = []

    def add(self, key: str, text: str) -> None:
        """Record a warning, unless one with this key was already recorded in this run."""
        if key not in self._keys:
            self._keys.add(key)
            self._pending.append(RunWarning(key, text))

    def drain(self) -> list[RunWarning]:
        """The warnings recorded since the last drain (the executor streams them)."""
        pending, self._pending = self._pending, []
        return pending
