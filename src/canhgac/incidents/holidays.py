"""Vietnam's public holidays as data per year (``data/holidays.yaml``, or the province's own
file): which days are off, and which weekend days a swap made working days.

The Government fixes each year's days (Tết, the swaps) in a notice, so the dates are data a
province edits, never code. A mistake in the file is one line naming the file and the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.yamlio import safe_load

DEFAULT_FILE = "holidays.yaml"
_MAX_RANGE = 31  # days: a longer "range" is a typo (2026 for 2025)


class HolidayFileError(ValueError):
    """The holidays file cannot be used, in one line."""


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Days off beyond the weekend, and weekend days that are working days."""

    off: frozenset[date] = frozenset()
    working: frozenset[date] = frozenset()
    years: Mapping[int, str] = field(default_factory=dict)  # year -> status (announced, provisional)

    def is_working_day(self, day: date) -> bool:
        if day in self.working:
            return True
        return day.weekday() < 5 and day not in self.off

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for _i in range(400):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise HolidayFileError(_("no working day within a year of {day}").format(day=day.isoformat()))

    def covers(self, year: int) -> bool:
        return year in self.years


def _day(text: Any, where: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise HolidayFileError(
            _("{where}: {value!r} is not a date (YYYY-MM-DD)").format(where=where, value=text)
        ) from None


def _days(entries: Any, where: str) -> Iterable[date]:
    if entries is None:
        return
    if not isinstance(entries, list):
        raise HolidayFileError(_("{where}: expected a list of days").format(where=where))
    for entry in entries:
        text = entry.isoformat() if isinstance(entry, date) else str(entry)
        if ".." not in text:
            yield _day(text, where)
            continue
        first_text, _sep, last_text = text.partition("..")
        first, last = _day(first_text, where), _day(last_text, where)
        if last < first or (last - first).days > _MAX_RANGE:
            raise HolidayFileError(
                _("{where}: {value!r} is not a range of at most {n} days").format(
                    where=where, value=text, n=_MAX_RANGE
                )
            )
        while first <= last:
            yield first
            first += timedelta(days=1)


def parse_holidays(data: Any, source: str) -> HolidayCalendar:
    """The calendar a loaded YAML document describes; ``source`` names it in errors."""
    years = data.get("years") if isinstance(data, dict) else None
    if not isinstance(years, dict):
        raise HolidayFileError(_("{source}: expected a 'years:' table").format(source=source))
    off: set[date] = set()
    working: set[date] = set()
    status: dict[int, str] = {}
    for year, body in years.items():
        where = f"{source}: {year}"
        if not isinstance(year, int) or not isinstance(body, dict):
            raise HolidayFileError(
                _("{where}: expected a year with 'days-off:' and 'working-days:' lists").format(where=where)
            )
        for day in _days(body.get("days-off"), where):
            if day.year != year:
                raise HolidayFileError(
                    _("{where}: {day} is not in {year}").format(where=where, day=day.isoformat(), year=year)
                )
            off.add(day)
        working.update(_days(body.get("working-days"), where))
        status[year] = str(body.get("status") or "announced")
    return HolidayCalendar(frozenset(off), frozenset(working), status)


def load_holidays(path: Path | None = None) -> HolidayCalendar:
    """The calendar in ``path``, or the packaged one (``data/holidays.yaml``)."""
    if path is None:
        text = resources.files("canhgac.incidents").joinpath("data", DEFAULT_FILE).read_text("utf-8")
        return parse_holidays(safe_load(text), DEFAULT_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HolidayFileError(f"{path}: {exc}") from None
    try:
        data = safe_load(text)
    except Exception as exc:  # yaml's errors: one line with the position
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HolidayFileError(f"{path}: {first}") from None
    return parse_holidays(data, str(path))
