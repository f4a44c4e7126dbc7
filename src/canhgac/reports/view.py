"""The report view: a ``ReportInput`` and its grades resolved into one language.

Templates receive only what this module builds (catalog texts already in the chosen language,
evidence already pretty-printed as text), so they hold layout and headings, not logic. The CSV
export reads the same per-result rows.
"""

from __future__ import annotations

import ipaddress
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from canhgac.catalog import Catalog, Clause, Framework, Severity
from canhgac.engine.results import CheckResult, Status
from canhgac.i18n.formats import format_datetime
from canhgac.reports.grading import (
    AgencyGrade,
    ClauseStatus,
    ClauseSummary,
    ClauseVerdict,
    ProvinceGrades,
    ScoringPolicy,
)
from canhgac.reports.model import CampaignShare, Language, OpenService, ReportAgency, ReportInput
from canhgac.reports.wording import AreaRow, DeductionRow, area_rows, deduction_row, target_label


def format_time(value: datetime | None, lang: Language) -> str:
    """A time on Vietnam's clock in the report's language (``i18n.formats``), empty for none."""
    return "" if value is None else _formatted(value, lang)


@lru_cache(maxsize=4096)
def _formatted(value: datetime, lang: Language) -> str:
    # a report prints the same few run times on thousands of rows (first and last seen)
    return format_datetime(value, lang)


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One result, with its catalog texts in the report's language."""

    agency: str
    agency_name: str
    target: str  # the key (``mail_host:mx.a.gov.vn``): what scripts and `findings` commands use
    target_label: str  # as people name it (``mail server mx.a.gov.vn``)
    check_id: str
    title: str
    severity: str
    status: str
    message: str
    remediation: str
    evidence: str  # pretty JSON text; escaped by the template, never marked safe
    lifecycle: str
    triage: str
    assignee: str
    note: str
    error_reason: str
    fingerprint: str = ""
    clauses: str = ""  # the framework clauses the check evidences, e.g. "CV430 3.2; KG20 1"
    first_seen: str = ""
    last_seen: str = ""


@dataclass(frozen=True, slots=True)
class ClauseRow:
    framework: str
    framework_title: str
    clause: str
    title: str
    text: str
    inferred: bool
    status: str
    failed: tuple[tuple[str, str], ...]  # (check title, targets)
    errored: tuple[tuple[str, str], ...]
    untested: tuple[str, ...]
    questions: tuple[str, ...]
    counts: Mapping[str, int]  # clause status -> number of agencies


@dataclass(frozen=True, slots=True)
class FrameworkView:
    id: str
    title: str
    source: str
    note: str
    rows: tuple[ClauseRow, ...]


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One open port of a scanned host, and what answers there (task 4: what is exposed)."""

    address: str
    port: int
    service: str  # "" when the port is open but nothing was identified
    product: str  # product and version, when the service gave them away
    tls: str  # the TLS version when the service answered inside TLS


@dataclass(frozen=True, slots=True)
class AgencyView:
    agency: ReportAgency
    parent_name: str
    grade: AgencyGrade
    deductions: tuple[DeductionRow, ...]  # worst first
    excluded: tuple[DeductionRow, ...]  # accepted risk / false positive: listed, not counted
    areas: tuple[AreaRow, ...]  # risk points by area: the score's arithmetic
    findings: tuple[ResultRow, ...]
    errors: tuple[ResultRow, ...]
    clauses: tuple[ClauseRow, ...]  # the clauses this agency does not fully meet
    by_severity: Mapping[str, int]  # counted findings per severity, worst first (all severities)
    services: tuple[ServiceRow, ...] = ()  # every open port of the agency's scanned hosts
    campaign: CampaignShare | None = None  # the account campaign: leaked accounts, cases closed


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run behind the report: when, how it ended, how much of the report it gave."""

    id: str
    kind: str  # scan, narrow, retest
    status: str  # finished, interrupted
    started: str
    finished: str
    planned_targets: int
    scanned_targets: int
    results: int
    warnings: tuple[str, ...] = ()


def run_rows(report: ReportInput) -> tuple[RunRow, ...]:
    """The report's runs, latest first, times in the report's language."""
    return tuple(
        RunRow(
            id=r.id, kind=r.kind, status=r.status.value,
            started=format_time(r.started_at, report.lang),
            finished=format_time(r.finished_at, report.lang),
            planned_targets=r.planned_targets, scanned_targets=r.scanned_targets, results=r.results,
            warnings=r.warnings,
        )
        for r in (report.runs or (report.run,))
    )


@dataclass(frozen=True, slots=True)
class ChangeRow:
    agency_name: str
    target: str
    title: str
    fingerprint: str = ""


def clause_labels(catalog: Catalog, check_id: str) -> str:
    """The framework clauses a check evidences, as reports print them: "CV430 3.2; KG20 1"."""
    return "; ".join(f"{ref.framework.id} {ref.clause}" for ref in catalog.clauses_of(check_id))


def result_row(result: CheckResult, report: ReportInput, catalog: Catalog) -> ResultRow:
    lang = report.lang
    entry = catalog.check(result.check_id)
    triage = report.triage_of(result.fingerprint)
    lifecycle = report.lifecycle.get(result.fingerprint)
    seen = report.seen.get(result.fingerprint)
    return ResultRow(
        agency=result.agency,
        agency_name=report.agency_name(result.agency),
        target=result.target.key,
        target_label=target_label(result.target.key, lang),
        check_id=result.check_id,
        title=entry.title.get(lang),
        severity=entry.severity.value,
        status=result.status.value,
        message=catalog.message(
            result.check_id, result.message.key, dict(result.message.values), lang
        ),
        remediation=entry.remediation.get(lang),
        evidence=json.dumps(
            dict(result.evidence), indent=2, ensure_ascii=False, sort_keys=True, default=str
        ),
        lifecycle=lifecycle.value if lifecycle else "",
        triage=triage.state.value,
        assignee=triage.assignee,
        note=triage.note,
        error_reason=result.error_reason.value if result.error_reason else "",
        fingerprint=result.fingerprint,
        clauses=clause_labels(catalog, result.check_id),
        first_seen=format_time(seen.first_seen, lang) if seen else "",
        last_seen=format_time(seen.last_seen, lang) if seen else "",
    )


def _clause_row(
    verdict: ClauseVerdict, clause: Clause, catalog: Catalog, lang: Language,
    counts: Mapping[str, int],
) -> ClauseRow:
    def title(check_id: str) -> str:
        return catalog.check(check_id).title.get(lang)

    questions = tuple(
        q.get(lang) for q in (catalog.check(c).question for c in verdict.questions) if q
    )
    return ClauseRow(
        framework=verdict.framework,
        framework_title=catalog.frameworks[verdict.framework].title.get(lang),
        clause=clause.id,
        title=clause.title.get(lang),
        text=clause.text.get(lang),
        inferred=clause.inferred and not clause.confirmed_by,
        status=verdict.status.value,
        failed=tuple((title(f.check_id), ", ".join(target_label(t, lang) for t in f.targets))
                     for f in verdict.failed),
        errored=tuple((title(e.check_id), ", ".join(target_label(t, lang) for t in e.targets))
                      for e in verdict.errored),
        untested=tuple(title(c) for c in verdict.untested),
        questions=questions,
        counts=counts,
    )


def _clause_of(catalog: Catalog, framework: str, clause_id: str) -> Clause:
    return next(c for c in catalog.frameworks[framework].clauses if c.id == clause_id)


def framework_views(
    grades: ProvinceGrades, catalog: Catalog, lang: Language
) -> tuple[FrameworkView, ...]:
    def view(fw: Framework) -> FrameworkView:
        rows = tuple(
            clause_summary_row(s, catalog, lang)
            for s in grades.clauses
            if s.verdict.framework == fw.id
        )
        return FrameworkView(
            id=fw.id,
            title=fw.title.get(lang),
            source=fw.source,
            note=fw.note.get(lang) if fw.note else "",
            rows=rows,
        )

    return tuple(view(fw) for fw in catalog.frameworks.values())


def clause_summary_row(summary: ClauseSummary, catalog: Catalog, lang: Language) -> ClauseRow:
    verdict = summary.verdict
    counts = {s.value: summary.count(s) for s in ClauseStatus}
    clause = _clause_of(catalog, verdict.framework, verdict.clause)
    return _clause_row(verdict, clause, catalog, lang, counts)


def agency_views(
    report: ReportInput, grades: ProvinceGrades, catalog: Catalog
) -> tuple[AgencyView, ...]:
    rows: dict[str, list[ResultRow]] = defaultdict(list)  # failed and errored: what a view lists
    by_fp: dict[str, dict[str, CheckResult]] = defaultdict(dict)  # per agency, in one pass
    for r in report.results:
        if r.status is Status.FAIL or r.status is Status.ERROR:
            rows[r.agency].append(result_row(r, report, catalog))
        by_fp[r.agency][r.fingerprint] = r
    services: dict[str, list[OpenService]] = defaultdict(list)
    for found in report.services:
        services[found.agency].append(found)
    known = {a.code: a for a in report.agencies}
    return tuple(
        replace(
            _agency_view(known.get(g.agency, ReportAgency(code=g.agency, name=g.agency)), g, rows[g.agency],
                         by_fp[g.agency], report, catalog),
            services=service_rows(services[g.agency]),
            campaign=report.campaign.get(g.agency),
        )
        for g in grades.ranked  # worst first, like the agency table
    )


def _agency_view(
    agency: ReportAgency, grade: AgencyGrade, rows: list[ResultRow], by_fp: dict[str, CheckResult],
    report: ReportInput, catalog: Catalog,
) -> AgencyView:
    lang = report.lang
    return AgencyView(
        agency=agency,
        parent_name=report.agency_name(agency.parent) if agency.parent else "",
        grade=grade,
        deductions=tuple(deduction_row(d, by_fp, report, catalog) for d in grade.deductions),
        excluded=tuple(deduction_row(d, by_fp, report, catalog) for d in grade.excluded),
        areas=area_rows(grade),
        findings=_by_severity([r for r in rows if r.status == Status.FAIL], catalog),
        errors=tuple(r for r in rows if r.status == Status.ERROR),
        clauses=tuple(
            _clause_row(v, _clause_of(catalog, v.framework, v.clause), catalog, lang, {})
            for v in grade.clauses
            if v.status in (ClauseStatus.NOT_MET, ClauseStatus.PARTIAL)
        ),
        by_severity={
            sev.value: sum(1 for d in grade.deductions if d.severity is sev)
            for sev in sorted(Severity, key=lambda s: -s.rank)
        },
    )


def _text(value: object, size: int = 80) -> str:
    return str(value)[:size] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def service_rows(services: Iterable[OpenService]) -> tuple[ServiceRow, ...]:
    """Every open port of the given discovered hosts (the store's assets), with the identified
    service where there is one; by address and port."""
    rows: list[ServiceRow] = []
    for found in services:
        service = _text(found.service, 40)
        name = _text(found.product)
        name = "" if name == service else name  # "smb" for SMB says nothing more
        product = " ".join(t for t in (name, _text(found.version)) if t)
        shown = "" if service == "unknown" else service
        rows.append(ServiceRow(_text(found.address, 64), found.port, shown, product, _text(found.tls, 16)))
    return tuple(sorted(rows, key=lambda r: (_address_order(r.address), r.port)))


def _address_order(address: str) -> tuple[int, int, str]:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0, address)
    return (parsed.version, int(parsed), "")


def _by_severity(rows: list[ResultRow], catalog: Catalog) -> tuple[ResultRow, ...]:
    return tuple(
        sorted(rows, key=lambda r: (-catalog.check(r.check_id).severity.rank, r.check_id, r.target))
    )


def change_rows(
    fingerprints: tuple[str, ...], report: ReportInput, catalog: Catalog
) -> tuple[ChangeRow, ...]:
    """Name changed findings by their current result; a fingerprint alone when none matches."""
    index = {r.fingerprint: r for r in report.results}
    rows = []
    for fp in fingerprints:
        found = index.get(fp)
        if found is None:
            rows.append(ChangeRow(agency_name="", target=fp, title="", fingerprint=fp))
            continue
        rows.append(
            ChangeRow(
                agency_name=report.agency_name(found.agency),
                target=target_label(found.target.key, report.lang),
                title=catalog.check(found.check_id).title.get(report.lang),
                fingerprint=fp,
            )
        )
    return tuple(rows)


def policy_view(policy: ScoringPolicy) -> dict[str, object]:
    return {
        "penalties": {sev.value: pts for sev, pts in policy.penalties.items()},
        "half": policy.half_score_points,
        "bands": [(b.grade, b.min_score) for b in policy.bands],
        "min_coverage": policy.min_coverage,
        "incomplete": policy.incomplete_grade,
        "excluded": sorted(s.value for s in policy.excluded_triage),
    }
