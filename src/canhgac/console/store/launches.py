"""Writes of the console's scan launches (``launch_models.ScanLaunch``): queue one with its
security event, move it through running to its end, note its progress, close abandoned ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.launch_models import OPEN_STATES, LaunchKind, LaunchPhase, LaunchState, ScanLaunch
from canhgac.console.store.ownership import ProcessIdentity, current_process, owner_is_gone


def queue_launch(*, kind: LaunchKind, requested_by: str, address: str, agency: str = "", family: str = "",
                 fingerprint: str = "", via: str = "session") -> ScanLaunch:
    """A new queued launch and its ``scan.launched`` or ``retest.launched`` security event, in
    one transaction; the launch belongs to this process (see :func:`close_abandoned_launches`)."""
    owner = current_process()
    retest = kind is LaunchKind.RETEST
    event = SecurityEventKind.RETEST_LAUNCHED if retest else SecurityEventKind.SCAN_LAUNCHED
    with transaction.atomic():
        launch = ScanLaunch.objects.create(
            created_at=timezone.now(), requested_by=requested_by[:150], address=address[:64], kind=kind.value,
            agency=agency, family=family, fingerprint=fingerprint,
            owner_host=owner.host, owner_pid=owner.pid, owner_started=owner.started,
        )
        detail: dict[str, Any] = {"launch": launch.pk, "via": via}
        asked = {"agency": agency, "family": family, "fingerprint": fingerprint}
        detail.update({k: v for k, v in asked.items() if v})
        record_event(event, username=requested_by, actor=requested_by, address=address, detail=detail)
    return launch


def _update(launch_id: int, **fields: Any) -> None:
    ScanLaunch.objects.filter(pk=launch_id).update(updated_at=timezone.now(), **fields)


def oldest_queued_launch() -> int | None:
    """The id of the launch queued longest ago, which a scan worker runs next; None when none is."""
    queued = ScanLaunch.objects.filter(state=LaunchState.QUEUED).order_by("pk")
    return queued.values_list("pk", flat=True).first()


def start_launch(launch_id: int) -> bool:
    """Queued → running, owned from now on by this process (the one that runs it, whichever
    queued it); False when it is no longer queued (closed meanwhile, or claimed by another)."""
    now = timezone.now()
    owner = current_process()
    changed = ScanLaunch.objects.filter(pk=launch_id, state=LaunchState.QUEUED).update(
        state=LaunchState.RUNNING, started_at=now, updated_at=now,
        owner_host=owner.host, owner_pid=owner.pid, owner_started=owner.started)
    return changed == 1


def note_progress(launch_id: int, *, phase: LaunchPhase, done: int, total: int | None, results: int,
                  run_id: int | None) -> None:
    """How far the running launch is (written about once a second by the worker)."""
    _update(launch_id, phase=phase.value, done=done, total=total, results=results,
            **({"run_id": run_id} if run_id is not None else {}))


def end_launch(launch_id: int, state: LaunchState, *, run_id: int | None = None, results: int | None = None,
               error: str = "") -> None:
    """Close a launch as finished, failed or interrupted, with its run and why it failed."""
    if state in OPEN_STATES:
        raise ValueError(f"a launch ends as finished, failed or interrupted, not {state}")
    fields: dict[str, Any] = {"state": state.value, "ended_at": timezone.now(), "error": error[:500]}
    if state is LaunchState.FINISHED:
        fields["phase"] = LaunchPhase.DONE.value
    if run_id is not None:
        fields["run_id"] = run_id
    if results is not None:
        fields["results"] = results
    ScanLaunch.objects.filter(pk=launch_id, state__in=OPEN_STATES).update(updated_at=timezone.now(), **fields)


@dataclass(frozen=True, slots=True)
class AbandonedLaunch:
    launch_id: int
    owner: ProcessIdentity | None
    state: str


def close_abandoned_launches(reason: str = "") -> list[AbandonedLaunch]:
    """Close as interrupted every launch left queued or running by a process of this host that
    is gone (its queue and its worker went with it); as ``close_abandoned_runs`` for runs."""
    closed = []
    for launch in ScanLaunch.objects.filter(state__in=OPEN_STATES).order_by("pk"):
        owner = (ProcessIdentity(launch.owner_host, launch.owner_pid, launch.owner_started)
                 if launch.owner_pid is not None else None)
        if owner_is_gone(owner) is not True:
            continue
        ended: datetime = timezone.now()
        changed = ScanLaunch.objects.filter(pk=launch.pk, state=launch.state).update(
            state=LaunchState.INTERRUPTED, ended_at=ended, updated_at=ended, error=reason[:500])
        if changed:
            closed.append(AbandonedLaunch(launch.pk, owner, launch.state))
    return closed
