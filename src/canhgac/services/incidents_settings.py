"""The reporting clock's settings: the ``[incidents]`` table of canhgac.toml, read once at the
edge and passed down as a value.

```toml
[incidents]
report-days = 5               # the initial report's period (Circular 20/2017, Decision 05/2017)
counting = "calendar"         # or "working" (weekends and holidays skipped)
due-soon-hours = 24           # warn this long before the deadline
immediate-grace-hours = 2     # beyond capacity: overdue this long after the flag
holidays-file = "holidays-kg.yaml"   # default: the packaged data/holidays.yaml
summary-reminder-days = [14, 3]      # form 05: remind this many days before 20 June / 15 December
summary-recipients = ["CSIRT"]       # who is reminded: names of [[watch.recipients]]
                                     # (default none: no reminder)
```

The watch's delivery loop (``watch run``, ``watch deliver``, ``serve``) reads this table from
the same settings file as ``[watch]``: the initial report's warnings follow ``due-soon-hours`` and
``immediate-grace-hours``, the summary's reminders ``summary-reminder-days`` and
``summary-recipients``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.incidents.clock import Counting, ReportingRule, report_deadline
from canhgac.incidents.holidays import HolidayCalendar, HolidayFileError, load_holidays

SECTION = "incidents"
_KEYS = {
    "report-days",
    "counting",
    "due-soon-hours",
    "immediate-grace-hours",
    "holidays-file",
    "summary-reminder-days",
    "summary-recipients",
}


class IncidentSettingsError(ValueError):
    """The [incidents] table cannot be used, in one line."""


@dataclass(frozen=True, slots=True)
class IncidentSettings:
    rule: ReportingRule = field(default_factory=ReportingRule)
    holidays: HolidayCalendar = field(default_factory=load_holidays)
    summary_reminder_days: tuple[int, ...] = (14, 3)  # form 05: days before its due day
    summary_recipients: tuple[str, ...] = ()  # [[watch.recipients]] names; (): no form-05 reminder

    def deadline(self, detected_at: datetime, flagged_at: datetime | None) -> tuple[datetime, bool]:
        return report_deadline(detected_at, self.rule, self.holidays, flagged_at)


def _number(table: dict[str, Any], key: str, default: float, low: float, high: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise IncidentSettingsError(
            _("{where}: {key} must be a number from {low} to {high}").format(
                where=where, key=key, low=low, high=high
            )
        )
    return float(value)


def incident_settings(path: Path | None) -> IncidentSettings:
    """The settings of the file at ``path`` (the defaults when there is no file or no table)."""
    if path is None or not path.is_file():
        return IncidentSettings()
    where = f"{path}: [{SECTION}]"
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IncidentSettingsError(f"{path}: {exc}") from None
    table = data.get(SECTION)
    if table is None:
        return IncidentSettings()
    if not isinstance(table, dict):
        raise IncidentSettingsError(_("{where} must be a table").format(where=where))
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise IncidentSettingsError(
            _("{where}: unknown key {key}").format(where=where, key=", ".join(unknown))
        )
    counting = str(table.get("counting", Counting.CALENDAR.value))
    if counting not in {c.value for c in Counting}:
        raise IncidentSettingsError(_("{where}: counting must be calendar or working").format(where=where))
    rule = ReportingRule(
        days=int(_number(table, "report-days", 5, 1, 60, where)),
        counting=Counting(counting),
        due_soon=timedelta(hours=_number(table, "due-soon-hours", 24, 0, 24 * 30, where)),
        immediate_grace=timedelta(hours=_number(table, "immediate-grace-hours", 2, 0, 72, where)),
    )
    lead = table.get("summary-reminder-days", [14, 3])
    if not isinstance(lead, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 180 for d in lead
    ):
        raise IncidentSettingsError(
            _("{where}: summary-reminder-days must be a list of days from 0 to 180, like [14, 3]").format(
                where=where
            )
        )
    names = table.get("summary-recipients", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise IncidentSettingsError(
            _("{where}: summary-recipients must be a list of recipients' names").format(where=where)
        )
    holidays_file = table.get("holidays-file")
    try:
        holidays = load_holidays((path.parent / str(holidays_file)) if holidays_file else None)
    except HolidayFileError as exc:
        raise IncidentSettingsError(str(exc)) from None
    return IncidentSettings(
        rule,
        holidays,
        tuple(sorted(set(lead), reverse=True)),
        tuple(n.strip() for n in names),
    )
