"""Machine-readable exports: JSON (the models, one generic path) and CSV (one row per result).

The CSV is UTF-8 with a byte-order mark so that Excel shows Vietnamese text correctly; its
header is fixed English column ids so that scripts can rely on it in either language.
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


def to_csv(report: ReportInput, catalog: Catalog) -> bytes:
    """One row per result, texts in ``report.lang``, encoded as UTF-8 with BOM."""
    rows = []
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
        ))
    return csv_document(rows)


def csv_document(rows: Iterable[Sequence[str]]) -> bytes:
    """The ``CSV_COLUMNS`` header, then ``rows`` (one cell per column, each made inert), as
    UTF-8 with BOM: the one CSV writer of reports and finding lists."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for cells in rows:
        if len(cells) != len(CSV_COLUMNS):
            raise ValueError(f"a CSV row has {len(cells)} cells for {len(CSV_COLUMNS)} columns")
        writer.writerow([_inert(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def iso_time(value: datetime) -> str:
    """ISO 8601 in UTC, to the second (naive values as they are)."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()


def _inert(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (text from hostile servers)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
