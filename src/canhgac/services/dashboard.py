"""The province dashboard as one value: every agency the viewer may see, graded, with how.

Grades are the reports' own (``reports.grading.grade_report`` on the current state that
``reporting.report_input`` builds), so the dashboard and the printed report never disagree;
the open critical and high findings are counted from the findings' lifecycle, per agency.
The trend across runs (``dashboard_trend``) and the status per clause
(``dashboard_clauses``) are their own modules. Everything is read with the viewer's scope.

Building it reads the whole current state (every current result of every agency), seconds at a
province's scale; :func:`dashboard_key` digests what it depends on — the store's
``queries.state_stamp`` (a run ending, a triage, an inventory change moves it), the scope, the
language and the day — and the console keeps the page it renders under that key, shared by its
processes, so the dashboard is built once per change, not once per request.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from canhgac.catalog import Catalog, Severity, load_catalog
from canhgac.reports.grading import ScoringPolicy, grade_report, load_scoring
from canhgac.reports.model import Language, RunInfo
from canhgac.reports.view import AgencyView, agency_views, format_time, policy_view
from canhgac.services.dashboard_clauses import FrameworkStatus, clause_status
from canhgac.services.dashboard_trend import Trend, dashboard_trend
from canhgac.services.reporting import NoRunError, report_input

URGENT = (Severity.CRITICAL, Severity.HIGH)


@cache
def console_catalog() -> Catalog:
    """The catalog the console judges with: the CSIRT's copy (``CANHGAC_CATALOG_DIR``) or the
    packaged one; read once per process."""
    folder = os.environ.get("CANHGAC_CATALOG_DIR")
    return load_catalog(Path(folder) if folder else None)


@cache
def console_scoring() -> ScoringPolicy:
    return load_scoring()


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One agency on the dashboard: its graded view and its open urgent findings."""

    view: AgencyView
    open_critical: int
    open_high: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    province: str
    last_run: RunInfo  # the latest run whose results the state holds
    last_run_finished: str  # in the viewer's language and Vietnam time
    agencies: tuple[AgencyRow, ...]  # worst first
    distribution: dict[str, int]  # grade -> agencies
    policy: dict[str, object]
    trend: Trend | None  # open findings and score after each of the last runs
    frameworks: tuple[FrameworkStatus, ...]  # status per clause, the directive first
    whole_province: bool  # the viewer sees every agency (the score is the province's)


def open_urgent_findings(scope: Any, catalog: Catalog) -> dict[str, dict[Severity, int]]:
    """Open (new, open, reopened) findings of critical and high checks, per agency."""
    from django.db.models import Count

    from canhgac.console.store import queries

    counts: dict[str, dict[Severity, int]] = {}
    urgent = {c.id: c.severity for c in catalog.checks.values() if c.severity in URGENT}
    rows = queries.open_findings(scope).filter(check_id__in=sorted(urgent))
    # counted by the database per (agency, check): tens of thousands of open findings, not rows
    grouped = rows.values_list("agency_code", "check_id").annotate(n=Count("id")).order_by()
    for agency, check_id, n in grouped:
        per = counts.setdefault(agency, dict.fromkeys(URGENT, 0))
        per[urgent[check_id]] += n
    return counts


def _own(view: AgencyView, scope: Any) -> AgencyView:
    """The parent agency is named only to a viewer who may see it (as in an agency's report)."""
    parent = view.agency.parent
    if parent is None or scope.allows(parent):
        return view
    return replace(view, agency=view.agency.model_copy(update={"parent": None}), parent_name="")


def dashboard_key(scope: Any, lang: Language) -> str:
    """What the dashboard of ``scope`` in ``lang`` is computed from — the stored state's stamp, the
    scope, the language and the day (accepted risks lapse with the day) — as a digest that every
    process of the console computes alike. Equal keys, equal dashboards: the console keeps the
    rendered page body under it too, shared between its processes."""
    from django.utils.timezone import localdate

    from canhgac.console.store import queries

    codes = "*" if scope.codes is None else ",".join(sorted(scope.codes))
    parts = (queries.state_stamp(scope), codes, lang, localdate().isoformat())
    return "dashboard-" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def province_dashboard(scope: Any, lang: Language) -> Dashboard | None:
    """The dashboard of what ``scope`` (a ``queries.ViewerScope``) may see; None before any scan.

    Built on each call (seconds at a province's scale): the console keeps what it renders of it
    under :func:`dashboard_key` (web/views/dashboard.py), so it is built once per change."""
    return _build(scope, lang)


def _build(scope: Any, lang: Language) -> Dashboard | None:
    catalog, policy = console_catalog(), console_scoring()
    try:
        report = report_input(None, lang, scope=scope)
    except NoRunError:
        return None
    grades = grade_report(report, catalog, policy)
    urgent = open_urgent_findings(scope, catalog)
    rows = tuple(
        AgencyRow(_own(view, scope), urgent.get(view.agency.code, {}).get(Severity.CRITICAL, 0),
                  urgent.get(view.agency.code, {}).get(Severity.HIGH, 0))
        for view in agency_views(report, grades, catalog)
    )
    return Dashboard(
        province=report.province.name,
        last_run=report.run,
        last_run_finished=format_time(report.run.finished_at, lang),
        agencies=rows,
        distribution=dict(grades.distribution),
        policy=policy_view(policy),
        trend=dashboard_trend(scope, catalog, policy, lang),
        frameworks=clause_status(grades, catalog, lang),
        whole_province=scope.is_everything,
    )
