"""Reconciliation as stored: a run's results against every known finding, written in the
caller's transaction (``services.finish_run``).

The lifecycle rules are ``canhgac.findings.reconcile`` (pure); this module reads the stored
states, applies what moved (findings created and moved, every transition logged in
``FindingChange``) and returns what the event outbox needs to describe it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from canhgac.console.store import outbox
from canhgac.console.store.models import Finding, FindingChange, Result, ScanRun
from canhgac.engine.results import Status
from canhgac.findings.reconcile import Change, ChangeKind, Lifecycle, Observation, Reconciliation
from canhgac.findings.reconcile import reconcile as reconcile_states

BATCH_SIZE = 500
RECONCILE_LOCK = 0x63616E68  # PostgreSQL advisory lock key: one reconciliation at a time


def reconcile_run(
    run: ScanRun,
) -> tuple[Reconciliation, dict[str, outbox.FindingFacts], list[outbox.SeverityChange]]:
    """Reconcile the run's results with every known finding and write what moved; returns
    the reconciliation and what the outbox needs to describe it."""
    _one_reconciliation_at_a_time()
    states = Finding.objects.values_list("fingerprint", "lifecycle")
    previous = {fp: Lifecycle(state) for fp, state in states}
    observations = (  # a not-applicable result with a reason was not judged (``not_judged``)
        Observation(fp, Status(status), judged=not (status == Status.NOT_APPLICABLE and reason))
        for fp, status, reason in _run_results(run).values_list("fingerprint", "status", "error_reason")
    )
    outcome = reconcile_states(previous, observations)
    moved = outcome.moved()
    if not moved:
        return outcome, {}, []
    facts, severities = _apply(run, moved)
    return outcome, facts, severities


def _one_reconciliation_at_a_time() -> None:
    """Serialise concurrent finishes until the transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: the settings open every transaction
    with BEGIN IMMEDIATE, which already admits one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECONCILE_LOCK])


def _run_results(run: ScanRun) -> QuerySet[Result]:
    return Result.objects.filter(run=run)


def _apply(
    run: ScanRun, moved: tuple[Change, ...]
) -> tuple[dict[str, outbox.FindingFacts], list[outbox.SeverityChange]]:
    """Create the new findings, move the others, and log every transition."""
    in_run = _run_results(run).values("fingerprint")
    results = {
        r.fingerprint: r
        for r in _run_results(run).only("id", "fingerprint", "check_id", "target_key", "agency_code")
    }
    existing = {f.fingerprint: f for f in Finding.objects.filter(fingerprint__in=in_run)}
    severities = _severity_changes(moved, existing, results)
    created, updated = [], []
    for change in moved:
        result = results[change.fingerprint]
        if change.kind is ChangeKind.NEW:
            created.append(_new_finding(run, result))
            continue
        finding = existing[change.fingerprint]
        finding.lifecycle = change.after.value
        finding.last_result = result
        if change.after is Lifecycle.FIXED:
            finding.fixed_in_run = run
        else:
            finding.last_seen_run, finding.fixed_in_run = run, None
        finding.updated_at = timezone.now()
        updated.append(finding)
    Finding.objects.bulk_create(created, batch_size=BATCH_SIZE)
    Finding.objects.bulk_update(
        updated,
        ["lifecycle", "last_result", "last_seen_run", "fixed_in_run", "updated_at"],
        batch_size=BATCH_SIZE,
    )
    ids = dict(Finding.objects.filter(fingerprint__in=in_run).values_list("fingerprint", "id"))
    FindingChange.objects.bulk_create(
        [
            FindingChange(
                run=run,
                finding_id=ids[c.fingerprint],
                kind=c.kind.value,
                before=c.before.value if c.before else "",
                after=c.after.value,
            )
            for c in moved
        ],
        batch_size=BATCH_SIZE,
    )
    facts = {
        c.fingerprint: outbox.FindingFacts(
            results[c.fingerprint].check_id, results[c.fingerprint].target_key,
            results[c.fingerprint].agency_code,
        )
        for c in moved
    }
    return facts, severities


def _severity_changes(
    moved: Sequence[Change], findings: Mapping[str, Finding], results: Mapping[str, Result]
) -> list[outbox.SeverityChange]:
    """Findings still open whose result states another severity (``evidence["severity"]``)
    than the result before."""
    still = [c.fingerprint for c in moved if c.kind is ChangeKind.STILL_OPEN]
    if not still:
        return []
    ids = {fp: (findings[fp].last_result_id, results[fp].pk) for fp in still}
    wanted = [pk for pair in ids.values() for pk in pair]
    evidence = dict(Result.objects.filter(pk__in=wanted).values_list("pk", "evidence"))

    def severity(pk: int) -> str:
        value = evidence.get(pk)
        found = value.get("severity") if isinstance(value, dict) else None
        return str(found) if found is not None else ""

    changes = []
    for fp, (before_pk, after_pk) in sorted(ids.items()):
        before, after = severity(before_pk), severity(after_pk)
        if before != after:
            changes.append(outbox.SeverityChange(fp, before, after))
    return changes


def _new_finding(run: ScanRun, result: Result) -> Finding:
    return Finding(
        fingerprint=result.fingerprint,
        check_id=result.check_id,
        target_key=result.target_key,
        agency_code=result.agency_code,
        lifecycle=Lifecycle.NEW.value,
        first_seen_run=run,
        last_seen_run=run,
        last_result=result,
        updated_at=timezone.now(),
    )
