"""Sliding windows and open incidents: the bounded state behind every counting rule.

A :class:`Window` holds one group's recent matches (pruned by time, never more entries than the
threshold needs); when it reaches the threshold it becomes an :class:`Incident`, which absorbs the
group's further matches (counting them, keeping the first and the last lines as evidence and a
capped set of clients and accounts) until the rule's cooldown passes without one. One attack is
one detection, whatever its length. :func:`detection_of` turns an incident into a Detection.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from canhgac.logs.detection import MAX_EVIDENCE, Detection, evidence_of
from canhgac.logs.records import LogRecord
from canhgac.logs.rule_schema import Rule

MAX_NAMES = 20  # clients and accounts kept per detection
MAX_DISTINCT = 10_000  # distinct values counted per incident
HALF = MAX_EVIDENCE // 2


class Window:
    """One group's matches within the rule's window, as few as deciding needs."""

    __slots__ = ("distinct", "entries", "total")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int, LogRecord]] = deque()
        self.total = 0  # summed weight of the entries
        self.distinct: dict[str, float] = {}  # value -> last time, oldest first

    def add(self, ts: float, weight: int, record: LogRecord, cap: int, window: float,
            value: str | None, distinct_cap: int) -> None:
        entries = self.entries
        entries.append((ts, weight, record))
        self.total += weight
        horizon = ts - window
        while entries and (entries[0][0] < horizon or len(entries) > cap):
            self.total -= entries.popleft()[1]
        if value is not None:
            seen = self.distinct
            seen.pop(value, None)
            seen[value] = ts
            while seen:
                oldest, when = next(iter(seen.items()))
                if when >= horizon and len(seen) <= distinct_cap:
                    break
                del seen[oldest]

    @property
    def newest(self) -> float:
        return self.entries[-1][0] if self.entries else 0.0


class Incident:
    """A group over its threshold: one future detection, growing until it closes."""

    __slots__ = (
        "accounts",
        "clients",
        "count",
        "distinct",
        "first",
        "group",
        "head",
        "last",
        "lines",
        "reported",
        "tail",
        "values",
    )

    def __init__(self, group: str, records: Iterable[tuple[float, int, LogRecord]]) -> None:
        self.group = group
        self.first = 0.0
        self.last = 0.0
        self.count = 0
        self.lines = 0
        self.head: list[LogRecord] = []
        self.tail: deque[LogRecord] = deque(maxlen=HALF)
        self.clients: dict[str, None] = {}
        self.accounts: dict[str, None] = {}
        self.distinct: set[str] = set()
        self.values: dict[str, str | int | float] = {}
        self.reported = False
        for ts, weight, record in records:
            self.add(ts, weight, record)

    def add(self, ts: float, weight: int, record: LogRecord, value: str | None = None) -> None:
        if not self.lines or ts < self.first:
            self.first = ts if not self.lines else min(self.first, ts)
        self.last = max(self.last, ts)
        self.count += weight
        self.lines += 1
        if len(self.head) < HALF:
            self.head.append(record)
        else:
            self.tail.append(record)
        if record.client and len(self.clients) < MAX_NAMES:
            self.clients[record.client] = None
        if record.account and len(self.accounts) < MAX_NAMES:
            self.accounts[record.account] = None
        if value is not None and len(self.distinct) < MAX_DISTINCT:
            self.distinct.add(value)


def _time(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def duration_text(seconds: float) -> str:
    """``2h05m``, ``4m10s``, ``12s``: a span, the same in both languages."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def names_text(names: Iterable[str], total: int | None = None) -> str:
    """``a, b, c (+4)``: the first three names and how many more."""
    listed = list(names)
    more = (total if total is not None else len(listed)) - 3
    text = ", ".join(listed[:3]) or "-"
    return f"{text} (+{more})" if more > 0 else text


def detection_of(rule: Rule, incident: Incident, extra: Mapping[str, str | int | float] | None = None
                 ) -> Detection:
    """The detection an incident makes, with every value the rule's message may name."""
    records = [*incident.head, *incident.tail]
    first = records[0] if records else None
    values: dict[str, str | int | float] = {
        "count": incident.count,
        "lines": incident.lines,
        "group": incident.group,
        "clients": names_text(incident.clients),
        "accounts": names_text(incident.accounts),
        "distinct": len(incident.distinct),
        "service": first.service if first is not None and first.service else "-",
        "source": first.source if first is not None else "-",
        "path": "-",
        "duration": duration_text(incident.last - incident.first),
        "window": duration_text(rule.window),
        "first": _time(incident.first).isoformat(timespec="seconds"),
        "last": _time(incident.last).isoformat(timespec="seconds"),
    }
    values.update(incident.values)
    if extra:
        values.update(extra)
    return Detection(
        rule_id=rule.id,
        severity=rule.severity.value,
        group=incident.group,
        source=first.source if first is not None else str(values["source"]),
        first_seen=_time(incident.first),
        last_seen=_time(incident.last),
        count=incident.count,
        clients=tuple(incident.clients),
        accounts=tuple(incident.accounts),
        evidence=tuple(evidence_of(r) for r in records),
        values=values,
    )
