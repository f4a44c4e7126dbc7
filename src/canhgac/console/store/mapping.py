"""The one mapping between a stored ``Result`` row and the engine's ``CheckResult``, both ways.

Writes (``services.record_results``) and reads (reports, retests) use the same two functions,
so a field added to results is mapped in one place, and a stored row reads back as the result
the engine produced.
"""

from __future__ import annotations

from canhgac.console.store.models import Result, ScanRun
from canhgac.engine.results import CheckResult, ErrorReason, Message, Status
from canhgac.engine.targets import Target


def result_row(run: ScanRun, result: CheckResult) -> Result:
    """The row that stores ``result`` as an observation of ``run`` (not saved)."""
    return Result(
        run=run,
        check_id=result.check_id,
        target_key=result.target.key,
        target_kind=result.target.kind.value,
        agency_code=result.agency,
        status=result.status.value,
        message_key=result.message.key,
        message_values=dict(result.message.values),
        evidence=dict(result.evidence),
        error_reason=result.error_reason.value if result.error_reason else "",
        discriminator=result.discriminator,
        fingerprint=result.fingerprint,
        observed_at=result.observed_at,
        duration_ms=result.duration_ms,
    )


def check_result(row: Result) -> CheckResult:
    """The engine's result that ``row`` stores (inverse of :func:`result_row`)."""
    return CheckResult(
        check_id=row.check_id,
        target=Target.from_key(row.target_key, row.agency_code),
        status=Status(row.status),
        message=Message(key=row.message_key, values=row.message_values),
        evidence=row.evidence,
        error_reason=ErrorReason(row.error_reason) if row.error_reason else None,
        discriminator=row.discriminator,
        observed_at=row.observed_at,
        duration_ms=row.duration_ms,
    )
