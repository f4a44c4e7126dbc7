"""The scheduled scans' slots (``watch/scan_schedule.py``), pure: nightly at ``at`` in the
agency's time zone, always inside its window, never in a blackout, a missed night caught up once
while its window is open, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from canhgac.inventory.model import Policy
from canhgac.watch.scan_schedule import ANYTIME, due_slot, next_start, slot_of

AT = time(1, 30)
VN = timedelta(hours=7)
DAY = date(2027, 2, 9)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Vietnam wall-clock time as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - VN


def policy(windows: list[tuple[str, str]] = (), blackouts: list[tuple[datetime, datetime]] = ()) -> Policy:  # type: ignore[assignment]
    return Policy.model_validate({
        "windows": [{"start": s, "end": e} for s, e in windows],
        "blackouts": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in blackouts],
    })


def test_an_agency_without_a_policy_is_scanned_nightly_at_the_time_given() -> None:
    slot = slot_of("SO-A", DAY, AT, ANYTIME)
    assert slot is not None
    assert slot.start == slot.nominal == local(DAY, 1, 30)
    assert slot.end == local(DAY + timedelta(days=1), 1, 30)
    yesterday = DAY - timedelta(days=1)
    assert due_slot("SO-A", AT, ANYTIME, local(DAY, 1, 29), {yesterday}) is None
    assert due_slot("SO-A", AT, ANYTIME, local(DAY, 1, 29), ()) == slot_of("SO-A", yesterday, AT, ANYTIME)
    assert due_slot("SO-A", AT, ANYTIME, local(DAY, 1, 30), ()) == slot
    assert due_slot("SO-A", AT, ANYTIME, local(DAY, 1, 30), {DAY}) is None  # launched: never twice
    assert next_start("SO-A", AT, ANYTIME, local(DAY, 1, 30)) == local(DAY + timedelta(days=1), 1, 30)


def test_the_slot_stays_inside_the_window_and_ends_when_it_closes() -> None:
    night = policy([("22:00", "05:00")])
    slot = slot_of("SO-A", DAY, AT, night)
    assert slot is not None and (slot.start, slot.end) == (local(DAY, 1, 30), local(DAY, 5, 0))
    assert due_slot("SO-A", AT, night, local(DAY, 4, 59), ()) == slot  # back at 04:59: caught up
    assert due_slot("SO-A", AT, night, local(DAY, 5, 0), ()) is None  # the window closed: lost
    assert due_slot("SO-A", AT, night, local(DAY, 12, 0), ()) is None
    assert next_start("SO-A", AT, night, local(DAY, 12, 0)) == local(DAY + timedelta(days=1), 1, 30)


def test_a_time_outside_the_window_waits_for_the_window_to_open() -> None:
    late = policy([("02:00", "04:00")])
    slot = slot_of("SO-A", DAY, AT, late)
    assert slot is not None and (slot.start, slot.end) == (local(DAY, 2, 0), local(DAY, 4, 0))
    assert due_slot("SO-A", AT, late, local(DAY, 1, 45), ()) is None
    evening = policy([("22:00", "23:00")])
    slot = slot_of("SO-A", DAY, AT, evening)  # the same day's evening window, never outside it
    assert slot is not None and (slot.start, slot.end) == (local(DAY, 22, 0), local(DAY, 23, 0))
    weekend = {"days": ["sat", "sun"], "start": "00:00", "end": "06:00"}
    weekends = Policy.model_validate({"windows": [weekend]})
    assert slot_of("SO-A", DAY, AT, weekends) is None  # 9 February 2027 is a Tuesday: no scan
    saturday = slot_of("SO-A", date(2027, 2, 13), AT, weekends)
    assert saturday is not None and saturday.start == local(date(2027, 2, 13), 1, 30)


def test_a_blackout_is_respected_and_the_slot_resumes_after_it() -> None:
    tet = policy([("22:00", "05:00")], [(local(DAY, 0, 0), local(DAY, 3, 0))])
    slot = slot_of("SO-A", DAY, AT, tet)
    assert slot is not None and (slot.start, slot.end) == (local(DAY, 3, 0), local(DAY, 5, 0))
    assert due_slot("SO-A", AT, tet, local(DAY, 2, 0), ()) is None
    whole = policy([], [(local(DAY, 0, 0), local(DAY + timedelta(days=1), 2, 0))])
    assert slot_of("SO-A", DAY, AT, whole) is None  # blacked out until after the next slot
    after = slot_of("SO-A", DAY + timedelta(days=1), AT, whole)
    assert after is not None and after.start == local(DAY + timedelta(days=1), 2, 0)


def test_three_nights_missed_are_caught_up_once() -> None:
    back = local(DAY, 3, 0)
    slot = due_slot("SO-A", AT, ANYTIME, back, {DAY - timedelta(days=3)})
    assert slot is not None and slot.day == DAY  # the latest night only, once
    assert due_slot("SO-A", AT, ANYTIME, back, {DAY - timedelta(days=3), DAY}) is None


def test_an_overnight_slot_is_still_yesterdays_after_midnight() -> None:
    late = time(23, 30)
    night = policy([("23:00", "02:00")])
    slot = due_slot("SO-A", late, night, local(DAY + timedelta(days=1), 1, 0), ())
    assert slot is not None and slot.day == DAY and slot.end == local(DAY + timedelta(days=1), 2, 0)
    assert due_slot("SO-A", late, night, local(DAY + timedelta(days=1), 1, 0), {DAY}) is None
