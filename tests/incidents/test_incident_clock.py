"""The initial-report clock on fixed times: calendar days counted as the Civil Code counts them
(the day of detection not counted, the end at 24:00 Vietnam time, a weekend or holiday end moved
to the next working day), Vietnam's date whatever zone the time is given in, Tết, the working-day
reading, the beyond-capacity rule and the states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from canhgac.incidents.clock import ClockState, Counting, ReportingRule, report_clock, report_deadline
from canhgac.incidents.holidays import HolidayCalendar, parse_holidays
from canhgac.yamlio import safe_load

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_YORK = ZoneInfo("America/New_York")
CAL = parse_holidays(
    safe_load("""
years:
  2025:
    days-off: [2025-04-30..2025-05-02]
    working-days: [2025-04-26]
  2026:
    days-off: [2026-01-01, 2026-02-14..2026-02-22, 2026-04-27, 2026-04-30..2026-05-01]
"""),
    "test",
)
CALENDAR, WORKING = ReportingRule(), ReportingRule(counting=Counting.WORKING)


def _due(detected: datetime, rule: ReportingRule = CALENDAR) -> datetime:
    return report_deadline(detected, rule, CAL)[0]


def _end_of_day(year: int, month: int, day: int) -> datetime:
    """24:00 of that day in Vietnam, in UTC."""
    return datetime(year, month, day, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("detected", "due"),
    [
        # Thursday: the 5th day after is Tuesday
        (datetime(2026, 3, 5, 10, 0, tzinfo=VN), _end_of_day(2026, 3, 10)),
        # Wednesday: the 5th day is Monday
        (datetime(2026, 3, 4, 10, 0, tzinfo=VN), _end_of_day(2026, 3, 9)),
        # Tuesday: the 5th day is a Sunday, so the period ends with Monday
        (datetime(2026, 3, 3, 10, 0, tzinfo=VN), _end_of_day(2026, 3, 9)),
        # Monday: the 5th day is a Saturday: Monday again
        (datetime(2026, 3, 2, 10, 0, tzinfo=VN), _end_of_day(2026, 3, 9)),
        # Saturday night: the 5th day is Thursday
        (datetime(2026, 3, 7, 23, 0, tzinfo=VN), _end_of_day(2026, 3, 12)),
    ],
)
def test_five_calendar_days_from_the_day_after_detection_ending_at_midnight(
    detected: datetime, due: datetime
) -> None:
    assert _due(detected) == due


def test_the_day_is_vietnams_whatever_zone_the_time_is_written_in() -> None:
    before_midnight = datetime(2026, 3, 5, 16, 59, tzinfo=UTC)  # Thursday 23:59 in Vietnam
    after_midnight = datetime(2026, 3, 5, 17, 1, tzinfo=UTC)  # Friday 00:01 in Vietnam
    assert _due(before_midnight) == _end_of_day(2026, 3, 10)
    assert _due(after_midnight) == _end_of_day(2026, 3, 11)
    # the same instants written on New York's clock (still Thursday there) give the same deadlines
    assert _due(before_midnight.astimezone(NEW_YORK)) == _end_of_day(2026, 3, 10)
    assert _due(after_midnight.astimezone(NEW_YORK)) == _end_of_day(2026, 3, 11)
    assert _due(after_midnight).tzinfo == UTC


def test_a_deadline_falling_in_tet_moves_to_the_first_working_day_after_it() -> None:
    # Tết Bính Ngọ: off from Saturday 14 to Sunday 22 February 2026
    assert _due(datetime(2026, 2, 11, 9, 0, tzinfo=VN)) == _end_of_day(2026, 2, 23)
    assert _due(datetime(2026, 2, 13, 9, 0, tzinfo=VN)) == _end_of_day(2026, 2, 23)
    # detected during Tết: the five days run through the holiday, the end is a working day
    assert _due(datetime(2026, 2, 17, 3, 0, tzinfo=VN)) == _end_of_day(2026, 2, 23)
    assert _due(datetime(2026, 2, 19, 3, 0, tzinfo=VN)) == _end_of_day(2026, 2, 24)
    # not affected when the 5th day is before the holiday
    assert _due(datetime(2026, 2, 8, 9, 0, tzinfo=VN)) == _end_of_day(2026, 2, 13)


def test_the_working_day_reading_skips_weekends_tet_and_honours_a_swapped_saturday() -> None:
    # Wednesday 11/2/2026: Thu 12, Fri 13, (Tết), Mon 23, Tue 24, Wed 25
    assert _due(datetime(2026, 2, 11, 9, 0, tzinfo=VN), WORKING) == _end_of_day(2026, 2, 25)
    # Thursday 24/4/2025: Fri 25, Saturday 26 (worked for 2/5), Mon 28, Tue 29, (30/4–4/5), Mon 5/5
    assert _due(datetime(2025, 4, 24, 9, 0, tzinfo=VN), WORKING) == _end_of_day(2025, 5, 5)
    # Monday 27/4/2026 is itself off (the Hùng Kings' day moved):
    # Tue 28, Wed 29, (30/4–3/5), Mon 4, Tue 5, Wed 6
    assert _due(datetime(2026, 4, 27, 9, 0, tzinfo=VN), WORKING) == _end_of_day(2026, 5, 6)
    assert _due(datetime(2026, 4, 27, 9, 0, tzinfo=VN)) == _end_of_day(
        2026, 5, 4
    )  # calendar: Sat 2/5 → Mon 4/5


def test_beyond_capacity_makes_the_report_due_at_the_flag_and_overdue_after_the_grace() -> None:
    detected = datetime(2026, 3, 5, 10, 0, tzinfo=VN)
    flagged = detected + timedelta(hours=3)
    due, immediate = report_deadline(detected, CALENDAR, CAL, flagged)
    assert (due, immediate) == (flagged.astimezone(UTC), True)
    clock = report_clock(detected, flagged + timedelta(minutes=30), CALENDAR, CAL, beyond_capacity_at=flagged)
    assert clock.state == ClockState.IMMEDIATE and clock.immediate
    late = report_clock(detected, flagged + timedelta(hours=3), CALENDAR, CAL, beyond_capacity_at=flagged)
    assert late.state == ClockState.OVERDUE
    # a flag raised after the 5-day deadline does not move it later
    after = _end_of_day(2026, 3, 11)
    assert report_deadline(detected, CALENDAR, CAL, after) == (_end_of_day(2026, 3, 10), False)


@pytest.mark.parametrize(
    ("hours_left", "state"),
    [
        (48, ClockState.RUNNING),
        (24.5, ClockState.RUNNING),
        (24, ClockState.DUE_SOON),
        (1, ClockState.DUE_SOON),
        (0, ClockState.DUE_SOON),
        (-0.01, ClockState.OVERDUE),
        (-72, ClockState.OVERDUE),
    ],
)
def test_running_due_soon_and_overdue(hours_left: float, state: ClockState) -> None:
    detected = datetime(2026, 3, 5, 10, 0, tzinfo=VN)
    due = _end_of_day(2026, 3, 10)
    clock = report_clock(detected, due - timedelta(hours=hours_left), CALENDAR, CAL)
    assert clock.state == state and clock.deadline == due
    assert clock.left == timedelta(hours=hours_left)


def test_a_reported_incident_stops_the_clock_even_when_late() -> None:
    detected = datetime(2026, 3, 5, 10, 0, tzinfo=VN)
    clock = report_clock(
        detected,
        datetime(2026, 4, 1, tzinfo=UTC),
        CALENDAR,
        CAL,
        reported_at=datetime(2026, 3, 20, tzinfo=UTC),
    )
    assert clock.state == ClockState.REPORTED and clock.left == timedelta(0)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _due(datetime(2026, 3, 5, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        report_clock(datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 5), CALENDAR, CAL)


def test_with_no_holidays_only_weekends_move_the_end() -> None:
    assert report_deadline(datetime(2026, 2, 11, 9, 0, tzinfo=VN), CALENDAR, HolidayCalendar())[
        0
    ] == _end_of_day(2026, 2, 16)


def test_the_state_labels_are_vietnamese_by_default_and_english_on_request() -> None:
    assert ClockState.OVERDUE.label("en") == "overdue"
    assert ClockState.OVERDUE.label("vi") != "overdue"
