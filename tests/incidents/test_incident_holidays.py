"""The holiday calendar: the packaged file (Tết of each year it covers), and a province's own file
refused in one line when it is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from canhgac.i18n import language
from canhgac.incidents.holidays import HolidayFileError, load_holidays


def test_the_packaged_calendar_covers_tet_of_2025_to_2027() -> None:
    cal = load_holidays()
    assert all(cal.covers(y) for y in (2025, 2026, 2027))
    assert cal.years[2027] == "provisional" and cal.years[2026] == "announced"
    for day in (date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 8), date(2026, 9, 2), date(2026, 1, 1)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(date(2025, 4, 26))  # a Saturday worked for 2 May 2025
    assert not cal.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 23)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("years: [2026]", "expected a 'years:' table"),
        ("years:\n  2026:\n    days-off: [2026-02-30]", "day is out of range for month"),
        ("years:\n  2026:\n    days-off: ['2026-13-01']", "2026: '2026-13-01' is not a date"),
        ("years:\n  2026:\n    days-off: [2025-02-01]", "2025-02-01 is not in 2026"),
        ("years:\n  2026:\n    days-off: ['2026-01-01..2026-12-31']", "is not a range of at most 31 days"),
        ("years:\n  2026:\n    days-off: 2026-01-01", "expected a list of days"),
        ("years:\n  2026: [x]", "expected a year with 'days-off:' and 'working-days:' lists"),
        ("years: {2026: {days-off: [", "holidays.yaml: "),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    with language("en"), pytest.raises(HolidayFileError) as caught:
        load_holidays(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(HolidayFileError, match=r"nope\.yaml"):
        load_holidays(tmp_path / "nope.yaml")
