"""Form 05 (the half-year and annual summary of Circular 20/2017/TT-BTTTT) counted from incidents:
the period a report covers, in Vietnam's time, and the counts its table asks for. Pure.

A period is named ``2026H1``, ``2026H2`` (six months) or ``2026`` (the year); it runs from the
first day of its first month 00:00 to the last day of its last month 24:00 in Vietnam's time
(UTC+7), so an incident detected at 23:30 on 31 December in Vietnam (16:30 UTC) is in that
year, not the next. An incident belongs to the period it was detected in.

The table has one row per incident type (``categories``, in the form's order): how many, how
many handled in-house, with help from other (domestic) organisations, with help from foreign
organisations, how many asked the national coordinator for support, and the estimated damage
in đồng. An incident not yet classified is counted in the last row ("other") and said so. The
console and the API show the same counts by severity, by state and by agency, which the form
does not ask for but a CSIRT needs to check them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from canhgac.i18n import N_, language, translate
from canhgac.i18n import gettext as _
from canhgac.incidents.categories import BY_CODE, CATEGORIES

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SUMMARY_DUE = "incident.summary_due"  # the outbox event of a reminder before form 05 is due
HANDLED_COLUMNS = {
    "in_house": "self_handled",
    "domestic_help": "with_domestic_help",
    "foreign_help": "with_foreign_help",
}
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-_ ]?[hH]([12]))?\s*$")


class PeriodError(ValueError):
    """Not a period: one line saying how to write one."""


@dataclass(frozen=True, slots=True)
class SummaryPeriod:
    year: int
    half: int | None = None  # 1 (January-June), 2 (July-December), None: the whole year

    @property
    def kind(self) -> str:
        """``half-year`` or ``year``: form 05's two kinds."""
        return "year" if self.half is None else "half-year"

    @property
    def label(self) -> str:
        return str(self.year) if self.half is None else f"{self.year}H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def end(self) -> dt.date:
        """Its last day."""
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[from, to) as aware datetimes: 00:00 of the first day to 00:00 after the last, in
        Vietnam's time."""
        after = self.end + dt.timedelta(days=1)
        return (
            dt.datetime.combine(self.start, dt.time(), VIETNAM),
            dt.datetime.combine(after, dt.time(), VIETNAM),
        )

    def due_key(self) -> str:
        """Which configured deadline applies: the first half-year's report is the half-year
        one (before 20 June); the second half and the year are reported with the annual one
        (before 15 December)."""
        return "half-year" if self.half == 1 else "year"


def parse_period(text: str) -> SummaryPeriod:
    """``2026H1``, ``2026H2`` or ``2026`` (case and a dash ignored: ``2026-h2``)."""
    found = _PERIOD.match(text or "")
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise PeriodError(
            _("unknown period {period}: use a year (2026) or a half-year (2026H1, 2026H2)").format(
                period=text
            )
        )
    half = found.group(2)
    return SummaryPeriod(int(found.group(1)), int(half) if half else None)


def current_period(now: dt.datetime, half_year_due: dt.date) -> SummaryPeriod:
    """The report a CSIRT prepares at ``now``: the half-year's until its due day has passed,
    then the year's."""
    today = now.astimezone(VIETNAM).date()
    return SummaryPeriod(today.year, 1) if today < half_year_due else SummaryPeriod(today.year)


_DAMAGE_UNITS = (
    ("tỷ", 1_000_000_000),
    ("ty", 1_000_000_000),
    ("triệu", 1_000_000),
    ("trieu", 1_000_000),
    ("tr", 1_000_000),
    ("nghìn", 1_000),
    ("ngàn", 1_000),
)
_AMOUNT = re.compile(r"\d[\d.,\s]*")


def damage_vnd(text: str) -> int | None:
    """The đồng amount an incident's free-text damage estimate says (``12.000.000``,
    ``12,000,000 đồng``, ``12 triệu``, ``1,5 tỷ``); None when it names no amount."""
    lowered = (text or "").strip().lower()
    found = _AMOUNT.search(lowered)
    if found is None:
        return None
    digits = found.group(0).strip().replace(" ", "")
    rest = lowered[found.end() :].strip()
    unit = next((m for word, m in _DAMAGE_UNITS if rest.startswith(word)), 1)
    if unit > 1:  # "1,5 tỷ", "2.5 triệu": a decimal comma or point
        try:
            return round(float(digits.replace(",", ".")) * unit)
        except ValueError:
            digits = digits.replace(",", "").replace(".", "")
            return int(digits) * unit if digits else None
    digits = digits.replace(",", "").replace(".", "")
    return int(digits) if digits else None


@dataclass(frozen=True, slots=True)
class Group:
    """Incidents alike in everything the summary counts (a grouped query's row)."""

    agency: str
    category: str
    handled_by: str
    support: bool
    severity: str
    state: str
    count: int


@dataclass(slots=True)
class Row:
    """One row of the form's table (a type) or its total."""

    count: int = 0
    self_handled: int = 0
    with_domestic_help: int = 0
    with_foreign_help: int = 0
    support_requested: int = 0
    damage_vnd: int | None = None

    def add(self, group: Group) -> None:
        self.count += group.count
        column = HANDLED_COLUMNS.get(group.handled_by)
        if column is not None:
            setattr(self, column, getattr(self, column) + group.count)
        if group.support:
            self.support_requested += group.count

    def add_damage(self, amount: int) -> None:
        self.damage_vnd = (self.damage_vnd or 0) + amount


@dataclass(slots=True)
class Counts:
    """What form 05 says about a period, with the breakdowns the console shows beside it."""

    rows: dict[str, Row] = field(default_factory=lambda: {c.code: Row() for c in CATEGORIES})
    by_severity: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    by_agency: dict[str, dict[str, int]] = field(default_factory=dict)  # agency -> type -> count
    unclassified: int = 0  # counted as "other"
    unreadable_damage: int = 0  # an estimate that names no amount: left out of the damage
    helpers: list[str] = field(default_factory=list)  # organisations that helped (domestic)
    foreign_helpers: list[str] = field(default_factory=list)

    @property
    def total(self) -> Row:
        out = Row()
        for row in self.rows.values():
            for name in (
                "count",
                "self_handled",
                "with_domestic_help",
                "with_foreign_help",
                "support_requested",
            ):
                setattr(out, name, getattr(out, name) + getattr(row, name))
            if row.damage_vnd is not None:
                out.add_damage(row.damage_vnd)
        return out


def _type(code: str) -> str:
    return code if code in BY_CODE else "other"


def count(
    groups: Iterable[Group],
    damages: Iterable[tuple[str, str, int]] = (),
    helpers: Iterable[tuple[str, Iterable[str]]] = (),
) -> Counts:
    """The counts of the grouped incidents; ``damages`` are (type, estimate text, how many
    incidents give it), ``helpers`` (handled_by, organisations) of the incidents with helpers."""
    out = Counts()
    for group in groups:
        if group.count <= 0:
            continue
        kind = _type(group.category)
        if group.category not in BY_CODE:
            out.unclassified += group.count
        out.rows[kind].add(group)
        out.by_severity[group.severity] = out.by_severity.get(group.severity, 0) + group.count
        out.by_state[group.state] = out.by_state.get(group.state, 0) + group.count
        per = out.by_agency.setdefault(group.agency, {})
        per[kind] = per.get(kind, 0) + group.count
    for category, text, times in damages:
        amount = damage_vnd(text)
        if amount is None:
            out.unreadable_damage += times
        else:
            out.rows[_type(category)].add_damage(amount * times)
    domestic: dict[str, None] = {}
    foreign: dict[str, None] = {}
    for handled_by, names in helpers:
        chosen = foreign if handled_by == "foreign_help" else domestic
        for name in names:
            if str(name).strip():
                chosen[str(name).strip()] = None
    out.helpers, out.foreign_helpers = sorted(domestic), sorted(foreign)
    return out


def by_row(counts: Counts) -> list[tuple[int, str, Row]]:
    """The table in the form's order: (row number, type code, counts)."""
    return [(c.row, c.code, counts.rows[c.code]) for c in CATEGORIES]


# --- the reminder before the due day --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummaryReminders:
    """When and to whom the delivery loop reminds of form 05: ``leads`` days before the due day
    (``[incidents] summary-reminder-days``), to the ``[[watch.recipients]]`` that ``recipients``
    names (``summary-recipients``; none named: no reminder, so nobody is mailed who did not ask);
    the due days as (day, month) from ``[forms]``."""

    leads: tuple[int, ...] = (14, 3)
    recipients: tuple[str, ...] = ()
    half_year_due: tuple[int, int] = (20, 6)
    annual_due: tuple[int, int] = (15, 12)

    def due(self, period: SummaryPeriod) -> dt.date:
        day, month = self.half_year_due if period.due_key() == "half-year" else self.annual_due
        return dt.date(period.year, month, day)

    def due_now(self, today: dt.date) -> list[tuple[SummaryPeriod, dt.date, int]]:
        """(period, due day, lead time) of each summary whose reminder is due ``today``: the
        smallest lead time already reached, before the due day."""
        out: list[tuple[SummaryPeriod, dt.date, int]] = []
        if not self.recipients:
            return out
        for period in (SummaryPeriod(today.year, 1), SummaryPeriod(today.year)):
            due = self.due(period)
            reached = [lead for lead in self.leads if due - dt.timedelta(days=lead) <= today < due]
            if reached:
                out.append((period, due, min(reached)))
        return out


@dataclass(frozen=True, slots=True)
class SummaryNotice:
    period: SummaryPeriod
    due: dt.date  # the report goes before this day
    days_left: int
    incidents: int  # detected in the period so far


@dataclass(frozen=True, slots=True)
class SummaryMessage:
    subject: str
    text: str


def render_notice(notice: SummaryNotice, lang: str = "vi") -> SummaryMessage:
    """The reminder in the recipient's language."""
    with language(lang):
        kind = translate(N_("half-year") if notice.period.kind == "half-year" else N_("annual"))
        headline = _("Incident summary (form 05) due")
        due = f"{notice.due.day:02d}/{notice.due.month:02d}/{notice.due.year}"
        subject = f"[canhgac] {headline} · {notice.period.label} · {due}"
        lines = [
            f"{headline} · {notice.period.label}",
            _(
                "The {kind} summary of incidents (Circular 20/2017/TT-BTTTT, form 05) goes to the "
                "national coordinator before {due}: {days} days left."
            ).format(kind=kind, due=due, days=notice.days_left),
            _("Incidents detected in the period so far: {n}").format(n=notice.incidents),
            _("Make it: canhgac incidents report 05 --period {period} -o bao-cao-05.docx").format(
                period=notice.period.label
            ),
        ]
        return SummaryMessage(subject[:300], "\n".join(lines))
