"""Machine-readable exports: JSON (the models, one generic path) and CSV (one row per result).

The CSV is UTF-8 with a byte-order mark so that Excel shows Vietnamese text correctly; its
header is fixed English column ids so that scripts can rely on it in either language. The
report's CSV adds, after the finding lists' columns, the account campaign's figures of each
row's agency (``CAMPAIGN_COLUMNS``: leaked accounts, cases closed, the share closed in percent),
repeated on each of the agency's rows as ``agency_name`` is; an agency with leaked accounts and
no result gets one row of its own (only its agency and campaign cells filled), so that every
agency's share is in the file. The campaign is a current-state figure: in a report of one run
those cells are empty (the header stays the same).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from canhgac.catalog import Catalog
from canhgac.engine.results import Status
from canhgac.reports.grading import ProvinceGrades, ScoringPolicy, grade_report
from canhgac.reports.model import ReportInput
from canhgac.reports.view import result_row

CSV_COLUMNS: tuple[str, ...] = (
    "agency",
    "agency_name",
    "target",
    "check",
    "clause",  # framework clauses the check evidences: "CV430 3.2; KG20 1"
    "severity",
    "status",
    "lifecycle",
    "triage",
    "assignee",
    "first_seen",  # ISO 8601, UTC; empty for results that are not findings
    "last_seen",
    "fingerprint",  # for `canhgac findings show|triage` and `retest`
    "message",
    "remediation",
)


CAMPAIGN_COLUMNS: tuple[str, ...] = ("campaign_affected", "campaign_closed", "campaign_percent_closed")
REPORT_CSV_COLUMNS: tuple[str, ...] = CSV_COLUMNS + CAMPAIGN_COLUMNS


class ReportExport(BaseModel):
    """The JSON document: the report input as given, plus the grades computed from it."""

    report: ReportInput
    grades: ProvinceGrades
    catalog_version: str


def export_model(
    report: ReportInput, catalog: Catalog, policy: ScoringPolicy
) -> ReportExport:
    return ReportExport(
        report=report,
        grades=grade_report(report, catalog, policy),
        catalog_version=catalog.version,
    )


def to_json(report: ReportInput, catalog: Catalog, policy: ScoringPolicy) -> str:
    """JSON text; ``ReportExport.model_validate_json`` reads it back."""
    return export_model(report, catalog, policy).model_dump_json(indent=2)


def _campaign_cells(report: ReportInput, agency: str) -> tuple[str, str, str]:
    share = report.campaign.get(agency)
    if share is None:
        return ("", "", "")
    return (str(share.affected), str(share.closed), str(share.percent))


def to_csv(report: ReportInput, catalog: Catalog) -> bytes:
    """One row per result, texts in ``report.lang``, then the campaign's cells of its agency;
    encoded as UTF-8 with BOM."""
    rows: list[tuple[str, ...]] = []
    for result in report.results:
        row = result_row(result, report, catalog)
        seen = report.seen.get(result.fingerprint)
        finding = result.status is Status.FAIL
        rows.append((
            row.agency,
            row.agency_name,
            row.target,
            row.check_id,
            row.clauses,
            row.severity,
            row.status,
            row.lifecycle,
            row.triage if finding else "",
            row.assignee,
            iso_time(seen.first_seen) if seen else "",
            iso_time(seen.last_seen) if seen else "",
            row.fingerprint,
            row.message,
            row.remediation,
            *_campaign_cells(report, row.agency),
        ))
    with_rows = {r[0] for r in rows}
    for code in sorted(set(report.campaign) - with_rows):
        name = report.agency_name(code)
        rows.append((code, name, *([""] * (len(CSV_COLUMNS) - 2)), *_campaign_cells(report, code)))
    return csv_document(rows, REPORT_CSV_COLUMNS)


def csv_document(rows: Iterable[Sequence[str]], columns: Sequence[str] = CSV_COLUMNS) -> bytes:
    """The ``columns`` header (``CSV_COLUMNS`` unless given), then ``rows`` (one cell per column,
    each made inert), as UTF-8 with BOM: the one CSV writer of reports and finding lists."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for cells in rows:
        if len(cells) != len(columns):
            raise ValueError(f"a CSV row has {len(cells)} cells for {len(columns)} columns")
        writer.writerow([_inert(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def iso_time(value: datetime) -> str:
    """ISO 8601 in UTC, to the second (naive values as they are)."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()


def _inert(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (text from hostile servers)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
