"""What the sample-log writers share (``log_samples`` and its web, mail and auth parts): the
campaigns' records, the attacker and client addresses, times and the event order.

Its own module so that the writers import it and ``log_samples`` imports the writers, without a
cycle (``tests/lab/test_lab_imports.py``).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

LOCAL_OFFSET = 7 * 3600  # Vietnam: UTC+7, no daylight saving
TZ_NAME = "Asia/Ho_Chi_Minh"
START = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
LEARN_S = 3600.0  # the first hour has no attack: what rules learn as usual
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Event = tuple[float, int, str, str]  # (epoch seconds, order, text before the stamp, text after)


@dataclass(slots=True)
class Planted:
    """One campaign (or look-alike) written into a log."""

    rule_id: str  # the rule that must fire on it (a look-alike: the rule that must not)
    keys: dict[str, str]  # what the rule groups by, e.g. {"client": ..., "service": "sshd"}
    log: str  # "web", "mail" or "auth"
    first: float
    last: float
    count: int  # lines that the rule counts
    weight: int = 0  # recipients, for the outbound burst
    note: str = ""

    @property
    def group(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.keys.items())

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["group"] = self.group
        out["first"] = datetime.fromtimestamp(self.first, UTC).isoformat()
        out["last"] = datetime.fromtimestamp(self.last, UTC).isoformat()
        return out


@dataclass(slots=True)
class Campaigns:
    """What a log's generator planted: its events (sorted at write time) and their manifest."""

    events: list[Event] = field(default_factory=list)
    attacks: list[Planted] = field(default_factory=list)
    benign: list[Planted] = field(default_factory=list)
    _seq: int = 0

    def add(self, t: float, before: str, after: str) -> None:
        self._seq += 1
        self.events.append((t, self._seq, before, after))


class Addresses:
    """Attacker addresses, each used once: 203.0.113.0/24, 198.51.100.0/24, then 2001:db8::/32."""

    def __init__(self) -> None:
        self._n = 0

    def next(self) -> str:
        self._n += 1
        n = self._n
        if n <= 254:
            return f"203.0.113.{n}"
        if n <= 508:
            return f"198.51.100.{n - 254}"
        return f"2001:db8:{(n >> 16) & 0xFFFF:x}:{n & 0xFFFF:x}::{n % 251 + 1:x}"


def benign_client(rng: random.Random) -> str:
    """An agency user's or citizen's address (private or 192.0.2.0/24)."""
    r = rng.random()
    if r < 0.15:
        return f"192.0.2.{rng.randrange(1, 255)}"
    return f"10.{rng.randrange(1, 40)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def rounds_for(budget: int, per_round: int, duration_s: float, span_s: float) -> int:
    """How many rounds of campaigns fit the attack budget, at least one, each round ``span_s``
    long and apart from the next."""
    by_budget = max(1, budget // max(1, per_round))
    by_time = max(1, int((duration_s - LEARN_S) // (span_s + 600)))
    return min(by_budget, by_time)


def evenly(
    t0: float, duration: float, n: int, gap_at: float | None = None, gap: float = 0.0
) -> Iterator[float]:
    """``n`` times spread over ``duration`` from ``t0``; after ``gap_at`` shifted by ``gap``."""
    step = duration / max(1, n)
    for i in range(n):
        t = t0 + i * step
        if gap_at is not None and t >= gap_at:
            t += gap
        yield t


def ordered(events: Iterable[Event], horizon: float) -> Iterator[Event]:
    """Events whose times may run up to ``horizon`` seconds ahead of later ones (a login and its
    logout), in time order; holds only the events of one horizon."""
    heap: list[Event] = []
    for event in events:
        heapq.heappush(heap, event)
        while heap[0][0] < event[0] - horizon:
            yield heapq.heappop(heap)
    while heap:
        yield heapq.heappop(heap)
