"""Machine-readable exports: JSON (the models, one generic path) and CSV (one row per result).

The CSV is UTF-8 with a byte-order mark so that Excel shows Vietnamese text correctly; its
header is fixed English column ids so that scripts can rely on it in either language.
"""

from __future__ import annotations

import csv
import io

from pydantic import BaseModel

from canhgac.catalog import Catalog
from canhgac.reports.grading import ProvinceGrades, ScoringPolicy, grade_report
from canhgac.reports.model import ReportInput
from canhgac.reports.view import result_row

CSV_COLUMNS: tuple[str, ...] = (
    "agency",
    "target",
    "check",
    "severity",
    "status",
    "lifecycle",
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
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for result in report.results:
        row = result_row(result, report, catalog)
        cells = (
            row.agency,
            row.target,
            row.check_id,
            row.severity,
            row.status,
            row.lifecycle,
            row.message,
            row.remediation,
        )
        writer.writerow([_inert(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def _inert(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (text from hostile servers)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
