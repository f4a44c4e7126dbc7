"""Form 05, the half-year or annual summary of incidents (Circular 20/2017/TT-BTTTT), made from the
stored incidents: counted per form-05 type and per "who handled it" (``incidents.summary``),
filled into the packaged (or the province's) DOCX template through ``canhgac.reports.forms``.

Shared by ``canhgac incidents report 05``, the console's download and ``GET /api/v1/forms/05``:
a document never depends on who asked for it, only on what the viewer may see (an agency
officer's summary counts their own agencies' incidents). The narrative parts the incidents do
not say (recommendations; helpers always listed) come from the ``[forms]`` table; the due day
from its ``half-year-due`` / ``annual-due``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canhgac.i18n import gettext as _
from canhgac.incidents.categories import CATEGORIES
from canhgac.incidents.summary import (
    VIETNAM,
    Counts,
    Group,
    PeriodError,
    SummaryPeriod,
    by_row,
    count,
    current_period,
    parse_period,
)
from canhgac.reports.forms import (
    FormDataError,
    FormsConfig,
    FormTemplateError,
    IncidentType,
    build_form,
    render_form,
)
from canhgac.services.incident_forms import IncidentFormError, hint

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

__all__ = [
    "PeriodError",
    "SummaryForm",
    "SummaryPage",
    "SummaryPeriod",
    "current_period",
    "parse_period",
    "summary_counts",
    "summary_data",
    "summary_due",
    "summary_form",
    "summary_json",
    "summary_page",
    "summary_settings",
    "summary_table",
]

# the platform's type codes (incidents.categories) as the form's rows (reports.forms.IncidentType)
_TYPES = {c.code: list(IncidentType)[c.row - 1] for c in CATEGORIES}


@dataclass(frozen=True, slots=True)
class SummaryForm:
    number: str  # as printed
    filename: str
    docx: bytes
    counts: Counts
    due: dt.date


def summary_due(period: SummaryPeriod, config: FormsConfig) -> dt.date:
    """The day the report goes before: 20 June for the first half-year, 15 December for the
    second half and the year (``[forms] half-year-due``, ``annual-due``)."""
    return config.summary_due(period.due_key(), period.year)


def _agency(scope: ViewerScope, code: str | None) -> Any:
    if code is None:
        return None
    from canhgac.console.store import queries

    found = queries.agencies(scope, [code]).first() if scope.allows(code) else None
    if found is None:
        raise IncidentFormError(_("no agency {code} in your agencies").format(code=code))
    return found


def summary_counts(scope: ViewerScope, period: SummaryPeriod, agency: str | None = None) -> Counts:
    """The period's incidents the viewer may see (of ``agency`` only when given), counted."""
    from canhgac.console.store.queries.incident_summary import (
        period_incidents,
        summary_damages,
        summary_groups,
        summary_helpers,
    )

    _agency(scope, agency)
    start, end = period.bounds()
    rows = period_incidents(scope, start, end, None if agency is None else [agency])
    groups = (
        Group(
            agency=g["agency_code"],
            category=g["category"],
            handled_by=g["handled_by"],
            support=bool(g["support_from_coordinator"]),
            severity=g["severity"],
            state=g["state"],
            count=int(g["n"]),
        )
        for g in summary_groups(rows)
    )
    helpers = (
        (handled_by, names if isinstance(names, list) else []) for handled_by, names in summary_helpers(rows)
    )
    return count(groups, summary_damages(rows), helpers)


def _unique(*lists: Any) -> list[str]:
    seen: dict[str, None] = {}
    for values in lists:
        for value in values:
            seen.setdefault(str(value), None)
    return list(seen)


def summary_data(
    counts: Counts,
    period: SummaryPeriod,
    config: FormsConfig,
    number: str,
    now: dt.datetime,
    scope_line: str = "",
) -> dict[str, Any]:
    """Form 05's data (docs/forms.md) from the counts and the ``[forms]`` narrative defaults."""
    today = now.astimezone(VIETNAM).date()
    rows = []
    for _row_no, code, row in by_row(counts):
        entry: dict[str, Any] = {
            "type": _TYPES[code].value,
            "count": row.count,
            "self_handled": row.self_handled,
            "with_domestic_help": row.with_domestic_help,
            "with_foreign_help": row.with_foreign_help,
            "support_requested": row.support_requested,
        }
        if row.damage_vnd is not None:
            entry["damage_vnd"] = row.damage_vnd
        rows.append(entry)
    if not number.strip():  # a draft: the clerk writes the number when the report is issued
        number = config.number_pattern.format(number="……", year=today.year)
    data: dict[str, Any] = {
        "document": {"number": number.strip(), "date": today.isoformat()},
        "period": {"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "rows": rows,
        "helpers": _unique(config.summary_helpers, counts.helpers)[:200],
        "foreign_helpers": _unique(config.summary_foreign_helpers, counts.foreign_helpers)[:200],
        "recommendations": config.summary_recommendations,
    }
    if scope_line:
        data["scope"] = scope_line
    return data


def summary_form(
    scope: ViewerScope,
    period: SummaryPeriod,
    config: FormsConfig,
    *,
    agency: str | None = None,
    number: str = "",
    now: dt.datetime | None = None,
) -> SummaryForm:
    """Form 05 of ``period`` as DOCX bytes: the incidents the viewer may see (``agency``'s only
    when given); :class:`IncidentFormError` says in one line what is missing and where to fill it."""
    now = now or dt.datetime.now(dt.UTC)
    found = _agency(scope, agency)
    counts = summary_counts(scope, period, agency)
    scope_line = ""
    if found is not None:
        scope_line = f"các sự cố của {found.name} ({found.code})"  # the document is Vietnamese by law
    data = summary_data(counts, period, config, number, now, scope_line)
    try:
        report = build_form("05", data, config, today=now.astimezone(VIETNAM).date())
        docx = render_form(report, config)
    except FormDataError as exc:
        raise IncidentFormError(hint(str(exc))) from None
    except FormTemplateError as exc:
        raise IncidentFormError(str(exc)) from None
    printed = report.document.number
    suffix = f"-{found.code}" if found is not None else ""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{period.label}{suffix}")[:80]
    return SummaryForm(printed, f"form-05-{safe}.docx", docx, counts, summary_due(period, config))


def summary_json(
    counts: Counts, period: SummaryPeriod, config: FormsConfig, agency: str | None = None
) -> dict[str, Any]:
    """The counts as JSON (the API, ``--format json``): the form's table in its order and total,
    the breakdowns by severity, state and agency, the period's bounds and due day."""
    start, end = period.bounds()

    def row(values: Any) -> dict[str, Any]:
        return {
            "count": values.count,
            "self_handled": values.self_handled,
            "with_domestic_help": values.with_domestic_help,
            "with_foreign_help": values.with_foreign_help,
            "support_requested": values.support_requested,
            "damage_vnd": values.damage_vnd,
        }

    return {
        "form": "05",
        "period": period.label,
        "kind": period.kind,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "due": summary_due(period, config).isoformat(),
        "agency": agency,
        "rows": [{"row": n, "type": code, **row(values)} for n, code, values in by_row(counts)],
        "total": row(counts.total),
        "by_severity": dict(sorted(counts.by_severity.items())),
        "by_state": dict(sorted(counts.by_state.items())),
        "by_agency": {a: dict(sorted(v.items())) for a, v in sorted(counts.by_agency.items())},
        "unclassified": counts.unclassified,
        "unreadable_damage": counts.unreadable_damage,
        "helpers": _unique(config.summary_helpers, counts.helpers),
        "foreign_helpers": _unique(config.summary_foreign_helpers, counts.foreign_helpers),
    }


@dataclass(frozen=True, slots=True)
class SummaryPage:
    """What the console's form-05 page shows (``/incidents/report-05/``)."""

    period: SummaryPeriod
    periods: list[str]  # the choices: this year's and last year's halves and years
    due: dt.date
    days_left: int
    counts: Counts
    rows: list[tuple[int, str, str, Any]]  # (row, code, label in the reader's language, Row)
    agencies: list[tuple[str, int]]  # (agency, incidents) most first


def summary_page(
    scope: ViewerScope,
    period: SummaryPeriod,
    config: FormsConfig,
    now: dt.datetime,
    agency: str | None = None,
) -> SummaryPage:
    """The counts of ``period`` for the console's page, with the labels in the reader's language."""
    from canhgac.i18n import translate

    counts = summary_counts(scope, period, agency)
    year = now.astimezone(VIETNAM).year
    periods = [p for y in (year, year - 1) for p in (f"{y}H1", f"{y}H2", str(y))]
    if period.label not in periods:
        periods.insert(0, period.label)
    labels = {c.code: translate(c.label_msgid) for c in CATEGORIES}
    due = summary_due(period, config)
    agencies = sorted(
        ((a, sum(v.values())) for a, v in counts.by_agency.items()), key=lambda x: (-x[1], x[0])
    )
    return SummaryPage(
        period,
        periods,
        due,
        (due - now.astimezone(VIETNAM).date()).days,
        counts,
        [(n, code, labels[code], row) for n, code, row in by_row(counts)],
        agencies,
    )


def summary_settings() -> tuple[FormsConfig, str]:
    """The console's ``[forms]`` table, and the one-line fault that kept it from being read
    (then the defaults, so the page still shows the counts)."""
    from canhgac.services.incident_pages import page_forms_config

    try:
        return page_forms_config(), ""
    except ValueError as exc:
        return FormsConfig(), str(exc)


def summary_table(counts: Counts) -> list[tuple[str, str, Any]]:
    """Form 05's table for a reader: (row number, type in the reader's language, counts), then
    ("", "Total", the total)."""
    from canhgac.i18n import translate

    labels = {c.code: translate(c.label_msgid) for c in CATEGORIES}
    rows: list[tuple[str, str, Any]] = [(str(n), labels[code], row) for n, code, row in by_row(counts)]
    return [*rows, ("", _("Total"), counts.total)]
