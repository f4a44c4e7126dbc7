"""One agency's page as one value: its grade and how, its findings grouped by the framework
clauses they evidence (430/BTTTT-CATTT, 2132/BTTTT-VNCERT, the directive…), each with its
evidence and remediation, and the assets it declares or a scan found.

Built from the agency's own report input (``reporting.report_input(agency=…)``, which reads
that agency's rows alone) and graded by the reports' scorer, so the page, the agency's printed
report and the dashboard agree. An agency outside the viewer's scope is None, like one that
does not exist: the page cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canhgac.reports.grading import grade_report
from canhgac.reports.model import Language
from canhgac.reports.view import AgencyView, ClauseRow, ResultRow, agency_views, format_time
from canhgac.services.dashboard import console_catalog, console_scoring
from canhgac.services.reporting import NoRunError, UnknownAgencyError, report_input


@dataclass(frozen=True, slots=True)
class ClauseGroup:
    """A clause the agency does not fully meet, and its findings (a finding that evidences
    several clauses is listed under each)."""

    clause: ClauseRow
    findings: tuple[ResultRow, ...]


@dataclass(frozen=True, slots=True)
class Asset:
    kind: str  # domain, url, mail_host, range, service, host
    value: str


@dataclass(frozen=True, slots=True)
class AgencyPage:
    code: str
    name: str
    view: AgencyView | None  # None before any scan observed the agency
    groups: tuple[ClauseGroup, ...]
    assets: tuple[Asset, ...]
    last_run_finished: str


def agency_page(scope: Any, code: str, lang: Language) -> AgencyPage | None:
    """The page of agency ``code`` for a viewer of ``scope`` (a ``queries.ViewerScope``)."""
    from canhgac.console.store import queries

    agency = queries.agency_by_code(scope, code)
    if agency is None:
        return None
    assets = tuple(Asset(kind, value) for _code, kind, value in queries.declared_assets(
        scope, [code], ("domain", "url", "mail_host", "range", "service")))
    try:
        report = report_input(None, lang, agency=code, scope=scope)
    except (NoRunError, UnknownAgencyError):
        return AgencyPage(agency.code, agency.name, None, (), assets, "")
    catalog = console_catalog()
    grades = grade_report(report, catalog, console_scoring())
    view = agency_views(report, grades, catalog)[0]  # the agency's report names no parent
    by_check: dict[str, list[ResultRow]] = {}
    worst_first = {row.fingerprint: rank for rank, row in enumerate(view.findings)}  # by severity
    for row in view.findings:
        by_check.setdefault(row.check_id, []).append(row)
    groups = []
    for clause in view.clauses:
        checks = next(c.checks for c in catalog.frameworks[clause.framework].clauses if c.id == clause.clause)
        found = tuple(sorted((row for check in checks for row in by_check.get(check, ())),
                             key=lambda row: worst_first[row.fingerprint]))
        if found:
            groups.append(ClauseGroup(clause, found))
    return AgencyPage(agency.code, agency.name, view, tuple(groups), assets,
                      format_time(report.run.finished_at, lang))
