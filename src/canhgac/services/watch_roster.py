"""What the console's roster page and ``GET /watch/roster`` show: who holds each role now (on
duty, backup, team lead, CSIRT head) with their contacts, every shift laid out by day on
Vietnam's clock, the gaps (a time inside the roster with nobody on duty, which the escalation
cannot cover), and the files the roster was imported from.

The roster is the CSIRT's own people and addresses: only a viewer of every agency reads it
(``queries.duty_shifts`` gives an agency officer nothing; the pages and the API answer 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from canhgac.i18n.formats import display_zone
from canhgac.watch.roster import ROLES

MAX_DAYS = 62  # days with shifts laid out at most (a roster spanning more: those around today)
SHORT_EMPTY = 3  # days without a shift between two with: drawn (longer stretches are one line)
SPAN_DAYS = 400  # days of one shift counted at most (the lanes are per day)
DAY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class ShiftView:
    id: int
    person: str
    role: str
    start: datetime
    end: datetime
    email: str
    telegram: str
    webhook: str
    phone: str
    language: str
    source: str
    imported_by: str
    imported_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class Gap:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Bar:
    """A stretch of one day's lane, in minutes from the day's midnight (0-1440)."""

    x: int
    width: int
    shift: ShiftView | None  # None: a gap (nobody on duty)


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    start: datetime  # midnight, Vietnam's clock
    end: datetime  # the next midnight
    lanes: tuple[tuple[str, tuple[Bar, ...]], ...]  # (role, its bars), in the escalation's order
    gaps: tuple[Bar, ...]  # nobody on duty (the on-duty lane's holes inside the roster)
    shifts: tuple[ShiftView, ...]  # every shift that day, by start
    past: bool
    today: bool
    now: int | None  # minutes from midnight, on today's day
    days: int = 1  # more: a stretch of that many days with no shift at all (no lanes)

    @property
    def last_day(self) -> date:
        return self.day + timedelta(days=self.days - 1)


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    shifts: int
    imported_at: datetime
    imported_by: str


@dataclass(frozen=True, slots=True)
class Roster:
    at: datetime
    holders: tuple[tuple[str, tuple[ShiftView, ...]], ...]  # (role, who holds it at ``at``)
    shifts: tuple[ShiftView, ...]  # every shift, by start
    gaps: tuple[Gap, ...]  # inside the roster, nobody on duty
    days: tuple[DayView, ...]
    sources: tuple[Source, ...]
    first: datetime | None  # the roster's first start, last end
    last: datetime | None

    @property
    def uncovered_now(self) -> bool:
        """Inside the roster's span, nobody on duty at ``at``."""
        return any(g.start <= self.at < g.end for g in self.gaps)


def shift_view(r: Any) -> ShiftView:
    return ShiftView(
        r.pk, r.person, r.role, r.start, r.end, r.email, r.telegram, r.webhook, r.phone, r.language,
        r.source, r.imported_by, r.imported_at,
    )


def gaps_of(shifts: tuple[ShiftView, ...]) -> tuple[Gap, ...]:
    """The stretches from the roster's first start to its last end with no on-duty shift."""
    if not shifts:
        return ()
    first, last = min(s.start for s in shifts), max(s.end for s in shifts)
    gaps: list[Gap] = []
    covered = first
    for s in sorted((s for s in shifts if s.role == "on-duty"), key=lambda s: s.start):
        if s.start > covered:
            gaps.append(Gap(covered, s.start))
        covered = max(covered, s.end)
    if covered < last:
        gaps.append(Gap(covered, last))
    return tuple(gaps)


def _minutes(value: datetime, midnight: datetime) -> int:
    return max(0, min(DAY_MINUTES, round((value - midnight).total_seconds() / 60)))


def _bars(midnight: datetime, spans: list[tuple[datetime, datetime, ShiftView | None]]) -> tuple[Bar, ...]:
    end = midnight + timedelta(days=1)
    out = []
    for start, stop, shift in spans:
        if start < end and stop > midnight:
            x = _minutes(start, midnight)
            out.append(Bar(x, max(1, _minutes(stop, midnight) - x), shift))
    return tuple(out)


def _local_days(start: datetime, end: datetime) -> list[date]:
    """The days (Vietnam's clock) a span touches, at most ``SPAN_DAYS`` of them."""
    zone = display_zone()
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range(min((last - first).days + 1, SPAN_DAYS))]


def day_list(shifts: tuple[ShiftView, ...], now: datetime) -> list[tuple[date, int]]:
    """The days to lay out, each with how many days it stands for: 1 for a day with a shift or a
    short stretch without (it is drawn, its gap shown), more for a long stretch with no shift at
    all (one line: the roster of another period). At most ``MAX_DAYS`` days with shifts, those
    from a week before today on when there are more."""
    occupied = sorted({day for s in shifts for day in _local_days(s.start, s.end)})
    if len(occupied) > MAX_DAYS:
        today = now.astimezone(display_zone()).date()
        begin = next((n for n, day in enumerate(occupied) if day >= today - timedelta(days=7)), len(occupied))
        begin = min(begin, len(occupied) - MAX_DAYS)
        occupied = occupied[begin : begin + MAX_DAYS]
    out: list[tuple[date, int]] = []
    for day in occupied:
        if out:
            after = out[-1][0] + timedelta(days=out[-1][1])  # the first day not laid out yet
            empty = (day - after).days
            if 0 < empty <= SHORT_EMPTY:
                out.extend((after + timedelta(days=n), 1) for n in range(empty))
            elif empty > SHORT_EMPTY:
                out.append((after, empty))
        out.append((day, 1))
    return out


def days_of(shifts: tuple[ShiftView, ...], gaps: tuple[Gap, ...], now: datetime) -> tuple[DayView, ...]:
    zone = display_zone()
    today = now.astimezone(zone).date()
    days = []
    for day, count in day_list(shifts, now):
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        following = datetime.combine(day + timedelta(days=count), time(0), tzinfo=zone)
        if count > 1:  # a long stretch with no shift: one line
            days.append(DayView(day, midnight, following, (), (), (), following <= now, False, None, count))
            continue
        those = tuple(s for s in shifts if s.start < following and s.end > midnight)
        lanes = tuple(
            (role, _bars(midnight, [(s.start, s.end, s) for s in those if s.role == role])) for role in ROLES
        )
        holes = _bars(midnight, [(g.start, g.end, None) for g in gaps])
        days.append(
            DayView(
                day, midnight, following, lanes, holes, those, following <= now, day == today,
                _minutes(now, midnight) if day == today else None,
            )
        )
    return tuple(days)


def roster(scope: Any, now: datetime) -> Roster:
    """The roster as a viewer of every agency reads it at ``now`` (an empty one for anyone else)."""
    from canhgac.console.store import queries

    shifts = tuple(shift_view(r) for r in queries.duty_shifts(scope))
    order = {role: n for n, role in enumerate(ROLES)}
    holders = tuple(
        (role, tuple(sorted((s for s in shifts if s.role == role and s.covers(now)), key=lambda s: s.start)))
        for role in ROLES
    )
    gaps = gaps_of(shifts)
    sources = tuple(
        Source(
            str(r["source"]), int(str(r["shifts"])), cast(datetime, r["imported_at"]), str(r["imported_by"])
        )
        for r in queries.duty_sources(scope)
    )
    ordered = tuple(sorted(shifts, key=lambda s: (s.start, order.get(s.role, 9), s.person)))
    return Roster(
        now, holders, ordered, gaps, days_of(ordered, gaps, now), sources,
        min((s.start for s in shifts), default=None), max((s.end for s in shifts), default=None),
    )
