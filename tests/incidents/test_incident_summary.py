"""Form 05's pure parts (``canhgac.incidents.summary``): periods and their bounds in Vietnam's
time, the due days and reminder lead times, damage estimates read as đồng, the counting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from canhgac.incidents.summary import (
    Group,
    PeriodError,
    SummaryNotice,
    SummaryPeriod,
    SummaryReminders,
    count,
    current_period,
    damage_vnd,
    parse_period,
    render_notice,
)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026", SummaryPeriod(2026)),
        ("2026H1", SummaryPeriod(2026, 1)),
        ("2026h2", SummaryPeriod(2026, 2)),
        (" 2026-H2 ", SummaryPeriod(2026, 2)),
    ],
)
def test_periods_are_read(text: str, period: SummaryPeriod) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["", "26", "2026H3", "2026Q1", "1999", "2026-06", "x" * 50])
def test_a_bad_period_is_one_line(text: str) -> None:
    with pytest.raises(PeriodError, match="2026H1"):
        parse_period(text)


def test_bounds_are_vietnams_midnights() -> None:
    start, end = SummaryPeriod(2026).bounds()
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert start <= datetime(2026, 12, 31, 16, 30, tzinfo=UTC) < end  # 23:30 on 31/12 in Vietnam
    first, second = SummaryPeriod(2026, 1), SummaryPeriod(2026, 2)
    assert (first.start, first.end, second.start, second.end) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        date(2026, 7, 1),
        date(2026, 12, 31),
    )
    assert first.bounds()[1] == second.bounds()[0]
    assert (first.kind, SummaryPeriod(2026).kind, second.due_key()) == ("half-year", "year", "year")


def test_the_report_due_next_and_the_reminders_lead_times() -> None:
    due = date(2026, 6, 20)
    assert current_period(datetime(2026, 6, 19, 16, 59, tzinfo=UTC), due) == SummaryPeriod(2026, 1)
    assert current_period(datetime(2026, 6, 19, 17, 0, tzinfo=UTC), due) == SummaryPeriod(2026)
    reminders = SummaryReminders(leads=(14, 3), recipients=("CSIRT",))
    assert reminders.due_now(date(2026, 6, 5)) == []
    assert reminders.due_now(date(2026, 6, 6)) == [(SummaryPeriod(2026, 1), due, 14)]
    assert reminders.due_now(date(2026, 6, 18)) == [(SummaryPeriod(2026, 1), due, 3)]
    assert reminders.due_now(date(2026, 6, 20)) == []
    assert reminders.due_now(date(2026, 12, 7)) == [(SummaryPeriod(2026), date(2026, 12, 15), 14)]
    assert SummaryReminders(leads=(14, 3)).due_now(date(2026, 6, 18)) == []  # nobody named


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12.000.000", 12_000_000),
        ("12,000,000 đồng", 12_000_000),
        ("12 triệu", 12_000_000),
        ("1,5 tỷ", 1_500_000_000),
        ("2.5 triệu đồng", 2_500_000),
        ("khoảng 300 nghìn", 300_000),
        ("không rõ", None),
        ("", None),
    ],
)
def test_damage_estimates_are_read_as_dong(text: str, amount: int | None) -> None:
    assert damage_vnd(text) == amount


def test_counting_by_type_who_handled_it_and_agency() -> None:
    counts = count(
        [
            Group("SO-A", "malware", "in_house", True, "high", "closed", 2),
            Group("SO-A", "malware", "foreign_help", False, "high", "closed", 1),
            Group("SO-B", "", "", False, "low", "new", 3),
        ],
        [("malware", "1 triệu", 2), ("", "?", 1)],
        [("foreign_help", ["Kaspersky Lab"]), ("domestic_help", ["VNPT", " "])],
    )
    malware = counts.rows["malware"]
    assert (malware.count, malware.self_handled, malware.with_foreign_help, malware.support_requested) == (
        3,
        2,
        1,
        2,
    )
    assert malware.damage_vnd == 2_000_000 and counts.rows["other"].count == 3 and counts.unclassified == 3
    assert counts.total.count == 6 and counts.unreadable_damage == 1
    assert counts.by_agency == {"SO-A": {"malware": 3}, "SO-B": {"other": 3}}
    assert (counts.helpers, counts.foreign_helpers) == (["VNPT"], ["Kaspersky Lab"])


def test_the_reminder_in_both_languages() -> None:
    notice = SummaryNotice(SummaryPeriod(2026, 1), date(2026, 6, 20), 14, 37)
    vi, en = render_notice(notice, "vi"), render_notice(notice, "en")
    assert "mẫu 05" in vi.subject and "20/06/2026" in vi.subject and "6 tháng" in vi.text
    assert "Incident summary (form 05) due" in en.subject and "half-year" in en.text and "37" in en.text
