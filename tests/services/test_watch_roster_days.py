"""The roster page's arithmetic, pure (``services.watch_roster``): the gaps with nobody on duty,
the days laid out on Vietnam's clock (a day with shifts, a short stretch without drawn, a long
one said in one line, at most ``MAX_DAYS`` around today), and each day's lanes in minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from canhgac.services.watch_roster import MAX_DAYS, Gap, ShiftView, day_list, days_of, gaps_of

T0 = datetime(2027, 2, 5, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam, the first day of Tết's roster


def shift(role: str, start: datetime, hours: float, person: str = "An") -> ShiftView:
    return ShiftView(
        0,
        person,
        role,
        start,
        start + timedelta(hours=hours),
        "a@b.vn",
        "",
        "",
        "",
        "vi",
        "tet.csv",
        "admin",
        T0,
    )


def test_gaps_are_the_stretches_with_nobody_on_duty_inside_the_roster() -> None:
    shifts = (
        shift("on-duty", T0, 12),
        shift("on-duty", T0 + timedelta(hours=14), 10),  # two hours uncovered before it
        shift("on-duty", T0 + timedelta(hours=20), 10),  # overlapping: no gap
        shift("lead", T0 - timedelta(hours=2), 48),  # the roster starts and ends with the lead
    )
    assert gaps_of(shifts) == (
        Gap(T0 - timedelta(hours=2), T0),
        Gap(T0 + timedelta(hours=12), T0 + timedelta(hours=14)),
        Gap(T0 + timedelta(hours=30), T0 + timedelta(hours=46)),
    )
    assert gaps_of((shift("on-duty", T0, 12),)) == ()
    assert gaps_of(()) == ()
    assert gaps_of((shift("backup", T0, 12),)) == (
        Gap(T0, T0 + timedelta(hours=12)),
    )  # backup is not on duty


def test_days_are_vietnams_and_lanes_are_minutes_from_its_midnight() -> None:
    night = shift("on-duty", T0 + timedelta(hours=12), 12)  # 20:00 to 08:00 the next morning
    days = days_of((shift("on-duty", T0, 12), night), (), T0)
    assert [d.day for d in days] == [date(2027, 2, 5), date(2027, 2, 6)]
    first, second = days
    on_duty = dict(first.lanes)["on-duty"]
    assert [(b.x, b.width) for b in on_duty] == [(480, 720), (1200, 240)]  # 08:00-20:00, 20:00-24:00
    assert [(b.x, b.width) for b in dict(second.lanes)["on-duty"]] == [(0, 480)]  # to 08:00
    assert first.today and first.now == 480 and not first.past and second.now is None
    assert dict(first.lanes)["backup"] == ()
    late = days_of((shift("on-duty", T0, 12), night), (), T0 + timedelta(days=1, hours=1))
    assert late[0].past and not late[1].past and late[1].today


def test_a_short_stretch_without_shifts_is_drawn_and_a_long_one_is_one_line() -> None:
    short = (shift("on-duty", T0, 12), shift("on-duty", T0 + timedelta(days=3), 12))
    assert [(d, n) for d, n in day_list(short, T0)] == [
        (date(2027, 2, 5), 1),
        (date(2027, 2, 6), 1),
        (date(2027, 2, 7), 1),
        (date(2027, 2, 8), 1),
    ]
    far = (shift("on-duty", T0 - timedelta(days=60), 12), shift("on-duty", T0, 12))
    listed = day_list(far, T0)
    assert listed == [(date(2026, 12, 7), 1), (date(2026, 12, 8), 59), (date(2027, 2, 5), 1)]
    skipped = days_of(far, gaps_of(far), T0)[1]
    assert (skipped.days, skipped.last_day, skipped.lanes) == (59, date(2027, 2, 4), ())


def test_at_most_max_days_are_laid_out_from_a_week_before_today() -> None:
    shifts = tuple(shift("on-duty", T0 + timedelta(days=n), 24) for n in range(200))
    today = T0 + timedelta(days=100)
    listed = day_list(shifts, today)
    assert len(listed) == MAX_DAYS and listed[0] == (date(2027, 2, 5) + timedelta(days=93), 1)
    at_the_end = day_list(shifts, T0 + timedelta(days=400))
    assert len(at_the_end) == MAX_DAYS and at_the_end[-1][0] == date(2027, 2, 5) + timedelta(days=200)
    assert day_list((), T0) == [] and days_of((), (), T0) == ()
