"""The initial-report clock: when an incident's first report is due, and where it stands.

The rule (docs/incidents.md, "The reporting clock"): the operator reports within **5 days of
detecting** the incident (Decision 05/2017/QĐ-TTg Art. 11.1; Circular 20/2017/TT-BTTTT), and
**at once** when the incident may be beyond the unit's capacity (Art. 11.2). Neither text says
"working days" (ngày làm việc), so the days are calendar days, counted as the Civil Code
91/2015/QH13 counts a period in days: the day of detection is not counted (Art. 147), the period
ends at 24:00 of its last day (Art. 148.1, 148.6), and when that last day is a weekend day or a
public holiday it ends at 24:00 of the next working day (Art. 148.5). Days are Vietnam's
(Asia/Ho_Chi_Minh): an incident detected at 23:30 on Monday, Hà Nội time, was detected on Monday
whatever zone the detecting machine used. ``Counting.WORKING`` is there for a province that reads
the rule as working days (weekends and holidays skipped). Times in and out are aware; the store
keeps UTC.

Pure: the caller gives the time, the rule and the holiday calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from canhgac.i18n import N_, translate
from canhgac.i18n.formats import display_zone
from canhgac.incidents.holidays import HolidayCalendar


class Counting(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class ReportingRule:
    days: int = 5
    counting: Counting = Counting.CALENDAR
    due_soon: timedelta = timedelta(hours=24)  # "due soon" this long before the deadline
    immediate_grace: timedelta = timedelta(hours=2)  # beyond capacity: overdue after this


class ClockState(StrEnum):
    REPORTED = "reported"  # the initial report was sent: the clock stopped
    RUNNING = "running"
    DUE_SOON = "due_soon"
    IMMEDIATE = "immediate"  # beyond the unit's capacity: report now
    OVERDUE = "overdue"

    def label(self, lang: str | None = None) -> str:
        return translate(_LABELS[self], lang)


_LABELS = {
    ClockState.REPORTED: N_("reported"),
    ClockState.RUNNING: N_("running"),
    ClockState.DUE_SOON: N_("due soon"),
    ClockState.IMMEDIATE: N_("report immediately"),
    ClockState.OVERDUE: N_("overdue"),
}
WARNED = (ClockState.DUE_SOON, ClockState.IMMEDIATE, ClockState.OVERDUE)


@dataclass(frozen=True, slots=True)
class ReportClock:
    deadline: datetime  # UTC
    state: ClockState
    left: timedelta  # until the deadline (negative: overdue); zero once reported
    immediate: bool  # the beyond-capacity rule set the deadline


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _end_of(day: date) -> datetime:
    """24:00 of ``day`` on Vietnam's clock, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=display_zone()).astimezone(UTC)


def last_day(detected_on: date, rule: ReportingRule, holidays: HolidayCalendar) -> date:
    """The last day of the period for an incident detected on ``detected_on`` (Vietnam's date)."""
    if rule.counting == Counting.WORKING:
        day, counted = detected_on, 0
        while counted < rule.days:
            day += timedelta(days=1)
            if holidays.is_working_day(day):
                counted += 1
        return day
    return holidays.next_working_day(detected_on + timedelta(days=rule.days))


def report_deadline(
    detected_at: datetime,
    rule: ReportingRule,
    holidays: HolidayCalendar,
    beyond_capacity_at: datetime | None = None,
) -> tuple[datetime, bool]:
    """The initial report's deadline (UTC) and whether the beyond-capacity rule set it."""
    detected = _aware(detected_at, "detected_at")
    normal = _end_of(last_day(detected.astimezone(display_zone()).date(), rule, holidays))
    if beyond_capacity_at is not None:
        flagged = max(_aware(beyond_capacity_at, "beyond_capacity_at"), detected).astimezone(UTC)
        if flagged < normal:
            return flagged, True
    return normal, False


def report_clock(
    detected_at: datetime,
    now: datetime,
    rule: ReportingRule,
    holidays: HolidayCalendar,
    *,
    reported_at: datetime | None = None,
    beyond_capacity_at: datetime | None = None,
) -> ReportClock:
    """Where the initial-report clock of one incident stands at ``now``."""
    deadline, immediate = report_deadline(detected_at, rule, holidays, beyond_capacity_at)
    if reported_at is not None:
        return ReportClock(deadline, ClockState.REPORTED, timedelta(0), immediate)
    left = deadline - _aware(now, "now")
    return ReportClock(deadline, clock_state(deadline, immediate, now, rule), left, immediate)


def clock_state(deadline: datetime, immediate: bool, now: datetime, rule: ReportingRule) -> ClockState:
    """The state of an unreported incident's clock from its stored deadline."""
    left = deadline - now
    if immediate:
        return ClockState.OVERDUE if -left > rule.immediate_grace else ClockState.IMMEDIATE
    if left < timedelta(0):
        return ClockState.OVERDUE
    if left <= rule.due_soon:
        return ClockState.DUE_SOON
    return ClockState.RUNNING
