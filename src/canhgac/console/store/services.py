"""Writes to the findings store: inventory sync, runs and results, reconciliation, triage.

A run's findings and its events are written only by ``finish_run``, in one transaction,
through the pure ``canhgac.findings.reconcile`` (``reconciliation.py``) and the outbox
(``outbox.py``); triage is a separate act, written to its audit log (``TriageChange``) in the
same transaction, that rescans never undo.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from canhgac.console.store import assets, outbox, queries
from canhgac.console.store.errors import RunNotRunningError
from canhgac.console.store.mapping import result_row
from canhgac.console.store.models import (
    Agency,
    Asset,
    AssetOrigin,
    Finding,
    Result,
    RiskAcceptance,
    RunStatus,
    ScanRun,
    TargetKind,
    Triage,
    TriageChange,
    TriageField,
)
from canhgac.console.store.ownership import ProcessIdentity, current_process, owner_is_gone
from canhgac.console.store.reconciliation import reconcile_run
from canhgac.engine.observations import HostObservation
from canhgac.engine.results import CheckResult, Provenance
from canhgac.findings.reconcile import Reconciliation

BATCH_SIZE = 500
audit_log = logging.getLogger("canhgac.audit")
log = logging.getLogger(__name__)

# inventory field -> asset kind
_ASSET_FIELDS: dict[str, TargetKind] = {
    "domains": TargetKind.DOMAIN,
    "mail_hosts": TargetKind.MAIL_HOST,
    "urls": TargetKind.URL,
    "ranges": TargetKind.RANGE,
    "services": TargetKind.SERVICE,
}


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """One agency as the inventory declares it (plain data: no dependency on its parser)."""

    code: str
    name: str
    kind: str = ""
    parent: str | None = None
    domains: tuple[str, ...] = ()
    mail_hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AgencyRecord:
        lists = {name: tuple(data.get(name) or ()) for name in _ASSET_FIELDS}
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            kind=str(data.get("kind") or ""),
            parent=data.get("parent") or None,
            **lists,
        )

    def assets(self) -> Iterator[tuple[TargetKind, str]]:
        for name, kind in _ASSET_FIELDS.items():
            for value in getattr(self, name):
                yield kind, value


@dataclass(frozen=True, slots=True)
class SyncSummary:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    deactivated: tuple[str, ...]
    assets_added: int
    assets_removed: int


@dataclass(frozen=True, slots=True)
class RunFilters:
    """What a run was restricted to (empty: everything in scope)."""

    agencies: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


def _records(items: Iterable[AgencyRecord | Mapping[str, Any]]) -> list[AgencyRecord]:
    records = [i if isinstance(i, AgencyRecord) else AgencyRecord.from_mapping(i) for i in items]
    codes = [r.code for r in records]
    if len(codes) != len(set(codes)):
        raise ValueError("an agency code appears twice in the inventory")
    owners: dict[tuple[TargetKind, str], str] = {}
    for record in records:
        if record.parent is not None and record.parent not in codes:
            raise ValueError(f"agency {record.code}: unknown parent {record.parent}")
        for asset in record.assets():
            if owners.setdefault(asset, record.code) != record.code:
                raise ValueError(f"{asset[0]}:{asset[1]} is declared by two agencies")
    return records


def sync_agencies(items: Iterable[AgencyRecord | Mapping[str, Any]]) -> SyncSummary:
    """Make Agency and Asset rows match the inventory; agencies no longer listed turn inactive."""
    records = _records(items)
    with transaction.atomic():
        known = Agency.objects.in_bulk(field_name="code")
        created, updated = [], []
        for r in records:
            agency = known.get(r.code)
            if agency is None:
                known[r.code] = Agency.objects.create(code=r.code, name=r.name, kind=r.kind)
                created.append(r.code)
            elif (agency.name, agency.kind, agency.active) != (r.name, r.kind, True):
                agency.name, agency.kind, agency.active = r.name, r.kind, True
                agency.save(update_fields=["name", "kind", "active"])
                updated.append(r.code)
        for r in records:
            parent = known[r.parent] if r.parent else None
            if known[r.code].parent_id != (parent.pk if parent else None):
                Agency.objects.filter(pk=known[r.code].pk).update(parent=parent)
        listed = [r.code for r in records]
        gone = Agency.objects.filter(active=True).exclude(code__in=listed)
        deactivated = tuple(gone.values_list("code", flat=True))
        gone.update(active=False)
        added, removed = _sync_assets(records, known)
    return SyncSummary(tuple(created), tuple(updated), deactivated, added, removed)


def _sync_assets(records: Sequence[AgencyRecord], agencies: Mapping[str, Agency]) -> tuple[int, int]:
    wanted = {asset: agencies[r.code].pk for r in records for asset in r.assets()}
    stale, added = [], 0
    for asset in Asset.objects.filter(origin=AssetOrigin.DECLARED):
        key = (TargetKind(asset.kind), asset.value)
        owner = wanted.pop(key, None)
        if owner is None:
            stale.append(asset.pk)
        elif owner != asset.agency_id:
            Asset.objects.filter(pk=asset.pk).update(agency_id=owner)
    Asset.objects.filter(pk__in=stale).delete()
    new = [Asset(agency_id=owner, kind=kind.value, value=value) for (kind, value), owner in wanted.items()]
    added = len(Asset.objects.bulk_create(new, batch_size=BATCH_SIZE))
    return added, len(stale)


def start_run(
    *,
    provenance: Provenance,
    parameters: Mapping[str, Any] | None = None,
    filters: RunFilters | None = None,
    target_count: int = 0,
    resolver: str = "",
) -> ScanRun:
    """Open a run; ``target_count`` is how many targets the runner plans to scan."""
    chosen = filters or RunFilters()
    owner = current_process()
    return ScanRun.objects.create(
        started_at=timezone.now(),
        owner_host=owner.host,
        owner_pid=owner.pid,
        owner_started=owner.started,
        status=RunStatus.RUNNING,
        provenance=provenance.model_dump(mode="json"),
        parameters=dict(parameters or {}),
        filters={"agencies": list(chosen.agencies), "families": list(chosen.families), **chosen.extra},
        target_count=target_count,
        resolver=resolver,
    )


def _batches(items: Iterable[CheckResult], size: int) -> Iterator[list[CheckResult]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _require_running(run: ScanRun) -> None:
    if run.status != RunStatus.RUNNING:
        raise RunNotRunningError(f"run {run.pk} is {run.status}, not running")


def _observations(batch: Iterable[CheckResult]) -> Iterator[tuple[HostObservation, datetime]]:
    for result in batch:
        seen = HostObservation.from_result(result)
        if seen is not None:
            yield seen, result.observed_at


def record_results(run: ScanRun, results: Iterable[CheckResult]) -> int:
    """Store results as they stream in, one transaction per batch; returns how many.

    The hosts the batch observed (open ports, services) are stored as assets in the same
    transaction (``assets.record_hosts``)."""
    _require_running(run)
    stored = 0
    for batch in _batches(results, BATCH_SIZE):
        with transaction.atomic():
            Result.objects.bulk_create([result_row(run, r) for r in batch])
            assets.record_hosts(run, _observations(batch))
            ScanRun.objects.filter(pk=run.pk).update(result_count=F("result_count") + len(batch))
        stored += len(batch)
    run.refresh_from_db(fields=["result_count"])
    return stored


def finish_run(
    run: ScanRun, status: RunStatus = RunStatus.FINISHED, warnings: Sequence[str] = ()
) -> Reconciliation:
    """End a run and reconcile findings with its results, in one transaction.

    Every ending reconciles: each stored result is a real observation, and what was not
    scanned (an interrupted run's remainder) leaves its findings unchanged. What moved is
    written to the event outbox in the same transaction (``outbox.record_run``). ``warnings``
    (about the run's own set-up, one line each) are kept with the run.
    """
    if status == RunStatus.RUNNING:
        raise ValueError("a run cannot finish as running")
    with transaction.atomic():
        locked = ScanRun.objects.select_for_update().get(pk=run.pk)
        _require_running(locked)
        outcome, facts, severities = reconcile_run(locked)
        locked.status = status
        locked.finished_at = timezone.now()
        locked.warnings = list(warnings)
        locked.save(update_fields=["status", "finished_at", "warnings"])
        outbox.record_run(locked, status, outcome.moved(), facts, severities)
    run.refresh_from_db()
    return outcome


def interrupt_run(
    run: ScanRun, status: RunStatus = RunStatus.INTERRUPTED, warnings: Sequence[str] = ()
) -> Reconciliation | None:
    """Close a run that did not reach its end, reconciling what it stored: ``interrupted`` when a
    signal stopped it, ``failed`` when an error did (the outbox then says ``scan.failed``);
    ``warnings`` as for ``finish_run``.

    When the database cannot take the reconciliation's writes (a full disk), the run is still
    closed, without reconciliation (None): its results stay, its findings wait for the next run.
    """
    if status not in (RunStatus.INTERRUPTED, RunStatus.FAILED):
        raise ValueError(f"an unfinished run closes as interrupted or failed, not {status}")
    try:
        return finish_run(run, status, warnings)
    except RunNotRunningError:
        raise
    except DatabaseError:
        log.info("run %s: closing without reconciliation", run.pk, exc_info=True)
    with transaction.atomic():
        closed = ScanRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, finished_at=timezone.now(), warnings=list(warnings)
        )
        if closed:
            try:
                with transaction.atomic():
                    outbox.record_run_end(run, status)
            except DatabaseError:
                log.info("run %s: its end could not be written to the outbox", run.pk, exc_info=True)
    run.refresh_from_db()
    return None


@dataclass(frozen=True, slots=True)
class AbandonedRun:
    """A run whose process died without closing it, now closed as interrupted."""

    run_id: int
    owner: ProcessIdentity | None
    result_count: int


def close_abandoned_runs() -> list[AbandonedRun]:
    """Close as interrupted every run left ``running`` by a process of this host that is gone.

    Runs owned by a live process, or by another host (which this one cannot inspect), are left
    alone; a run from before owners were recorded counts as abandoned.
    """
    closed = []
    for run in ScanRun.objects.filter(status=RunStatus.RUNNING).order_by("pk"):
        owner = (
            ProcessIdentity(run.owner_host, run.owner_pid, run.owner_started)
            if run.owner_pid is not None
            else None
        )
        if owner_is_gone(owner) is not True:
            continue
        try:
            interrupt_run(run)
        except RunNotRunningError:  # another process closed it first
            continue
        closed.append(AbandonedRun(run.pk, owner, run.result_count))
    return closed


def _set_acceptance(finding: Finding, until: date | None) -> None:
    """Store (or remove, None) the last day of the finding's accepted risk."""
    if until is None:
        RiskAcceptance.objects.filter(finding=finding).delete()
    else:
        RiskAcceptance.objects.update_or_create(finding=finding, defaults={"until": until})
    relation = Finding.acceptance.related  # the instance's cached acceptance is stale now
    if relation.is_cached(finding):
        relation.delete_cached_value(finding)


def _triage_fields(finding: Finding, until: date | None) -> dict[TriageField, str]:
    """The audited fields of a finding's triage, as the audit log stores them (text)."""
    return {TriageField.TRIAGE: finding.triage, TriageField.ASSIGNEE: finding.assignee,
            TriageField.NOTE: finding.note,
            TriageField.ACCEPTED_UNTIL: until.isoformat() if until is not None else ""}


def triage(
    fingerprint: str,
    *,
    triage: Triage,
    actor: str,
    assignee: str | None = None,
    note: str | None = None,
    scope: queries.ViewerScope | None = None,
    accepted_until: date | None = None,
) -> Finding:
    """Set a finding's triage (by fingerprint or unique prefix), recorded in the audit log.

    ``assignee`` and ``note`` left as None keep their current values; ``scope`` limits which
    findings the actor may triage (default: every agency). Each field the decision changes is
    one ``TriageChange`` row written in the same transaction (a decision that changes nothing
    is one ``triage`` row with equal values), and the decision goes to the ``canhgac.audit``
    logger too. ``accepted_until`` is the last day an accepted risk holds (None: no end); any
    other state clears it.
    """
    if not actor.strip():
        raise ValueError("triage needs the actor who made the decision")
    with transaction.atomic():
        pk = queries.finding_by_fingerprint(scope or queries.ViewerScope.everything(), fingerprint).pk
        finding = Finding.objects.select_for_update().get(pk=pk)
        before = _triage_fields(finding, finding.accepted_until)
        finding.triage = Triage(triage).value
        until = accepted_until if finding.triage == Triage.ACCEPTED_RISK else None
        _set_acceptance(finding, until)
        if assignee is not None:
            finding.assignee = assignee
        if note is not None:
            finding.note = note
        now = timezone.now()
        finding.triaged_at = now
        finding.triaged_by = actor
        finding.save()
        after = _triage_fields(finding, until)
        changed = [name for name in before if before[name] != after[name]] or [TriageField.TRIAGE]
        TriageChange.objects.bulk_create([
            TriageChange(finding=finding, actor=actor, at=now, field=name.value,
                         before=before[name], after=after[name])
            for name in changed
        ])
    audit_log.info(
        "finding %s triaged by %s: %s -> %s, assignee %r",
        finding.fingerprint,
        actor,
        before[TriageField.TRIAGE],
        finding.triage,
        finding.assignee,
        extra={
            "event": "finding.triage",
            "actor": actor,
            "fingerprint": finding.fingerprint,
            "triage_before": before[TriageField.TRIAGE],
            "triage_after": finding.triage,
            "assignee": finding.assignee,
            "changed": [name.value for name in changed],
        },
    )
    return finding
