"""Builders for report tests: hand-made results and report inputs over a fixed catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from canhgac.engine.results import (
    CheckResult,
    ErrorReason,
    Message,
    Provenance,
    Status,
)
from canhgac.engine.targets import Target, TargetKind
from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.model import (
    ChangeSummary,
    Province,
    ReportAgency,
    ReportInput,
    RunInfo,
    Triage,
)

FIXTURE_CATALOG = Path(__file__).parent / "catalog_fixture"
WHEN = datetime(2025, 1, 20, 8, 30, tzinfo=UTC)


def result(
    check_id: str,
    agency: str,
    status: Status,
    key: str = "missing",
    target: str = "",
    kind: TargetKind = TargetKind.DOMAIN,
    evidence: dict[str, Any] | None = None,
    **values: str | int,
) -> CheckResult:
    """One result; the target defaults to ``<agency>.gov.vn``."""
    reason = ErrorReason.TIMEOUT if status is Status.ERROR else None
    if status is Status.ERROR:
        key, values = "error", {"detail": "no answer after 2 s", **values}
    return CheckResult(
        check_id=check_id,
        target=Target(kind=kind, name=target or f"{agency}.gov.vn", agency=agency),
        status=status,
        message=Message(key=key, values=values),
        evidence=evidence or {},
        error_reason=reason,
        observed_at=WHEN,
    )


def report(
    results: list[CheckResult],
    agencies: tuple[str, ...] = (),
    triage: dict[str, Triage] | None = None,
    lifecycle: dict[str, Lifecycle] | None = None,
    changes: ChangeSummary | None = None,
    lang: str = "vi",
) -> ReportInput:
    codes = agencies or tuple(dict.fromkeys(r.agency for r in results))
    return ReportInput.model_validate(
        {
            "province": Province(code="91", name="Kiên Giang"),
            "agencies": tuple(
                ReportAgency(code=c, name=f"Sở {c.upper()}", kind="department") for c in codes
            ),
            "run": RunInfo(
                id="run-2",
                started_at=WHEN,
                finished_at=WHEN,
                provenance=Provenance(
                    canhgac_version="0.1.0",
                    catalog_version="sha256:test",
                    reference_data={"public suffix list": "2025-01-01"},
                ),
                resolver="127.0.0.53:53",
            ),
            "results": tuple(results),
            "lifecycle": lifecycle or {},
            "triage": triage or {},
            "changes": changes or ChangeSummary(),
            "lang": lang,
        }
    )
