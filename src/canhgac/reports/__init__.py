"""Reports: grading and the HTML, JSON and CSV outputs, built from a ``ReportInput``."""

from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.exports import (
    CAMPAIGN_COLUMNS,
    CSV_COLUMNS,
    REPORT_CSV_COLUMNS,
    ReportExport,
    export_model,
    to_csv,
    to_json,
)
from canhgac.reports.grading import (
    AgencyGrade,
    ClauseStatus,
    ClauseVerdict,
    Deduction,
    ProvinceGrades,
    ScoringPolicy,
    clause_verdict,
    grade_report,
    load_scoring,
)
from canhgac.reports.html import render_html
from canhgac.reports.model import (
    ChangeSummary,
    Province,
    ReportAgency,
    ReportInput,
    RunInfo,
    RunStatus,
    Triage,
    TriageState,
)

__all__ = [
    "CAMPAIGN_COLUMNS",
    "CSV_COLUMNS",
    "REPORT_CSV_COLUMNS",
    "AgencyGrade",
    "ChangeSummary",
    "ClauseStatus",
    "ClauseVerdict",
    "Deduction",
    "Lifecycle",
    "Province",
    "ProvinceGrades",
    "ReportAgency",
    "ReportExport",
    "ReportInput",
    "RunInfo",
    "RunStatus",
    "ScoringPolicy",
    "Triage",
    "TriageState",
    "clause_verdict",
    "export_model",
    "grade_report",
    "load_scoring",
    "render_html",
    "to_csv",
    "to_json",
]
