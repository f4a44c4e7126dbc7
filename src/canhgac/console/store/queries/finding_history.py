"""One finding's history: when it was first and last seen, each change of its lifecycle state
(from the reconciliations' ``FindingChange`` rows) and each triage change (the audit log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canhgac.console.store.models import Finding, FindingChange, TriageChange
from canhgac.console.store.queries.findings import finding_by_fingerprint
from canhgac.console.store.queries.scope import ViewerScope


@dataclass(frozen=True, slots=True)
class LifecycleStep:
    """A run that moved the finding from one state to another (``before`` "" when it opened it)."""

    at: datetime  # when the run ended (started, for a run still open)
    run_id: int
    kind: str  # new, still_open, fixed, reopened
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class TriageStep:
    """One field one triage decision changed (``before == after``: re-confirmed unchanged)."""

    at: datetime
    actor: str
    field: str  # triage, assignee, note
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class FindingHistory:
    finding: Finding  # with its last result and first/last seen runs loaded
    first_seen: datetime  # start of the first run in which it failed
    last_seen: datetime  # start of the last run in which it failed
    lifecycle: tuple[LifecycleStep, ...]  # oldest first; runs that left the state as it was are not listed
    triage: tuple[TriageStep, ...]  # oldest first


def finding_history(scope: ViewerScope, fingerprint: str) -> FindingHistory:
    """The history of a finding (full fingerprint or unique prefix) the viewer may see;
    ``FindingNotFoundError`` or ``AmbiguousFingerprintError`` otherwise."""
    found = finding_by_fingerprint(scope, fingerprint)
    loaded = Finding.objects.select_related("last_result", "first_seen_run", "last_seen_run", "acceptance")
    finding = loaded.get(pk=found.pk)
    changes = (FindingChange.objects.filter(finding=finding).select_related("run")
               .order_by("run__started_at", "run_id"))
    steps = tuple(
        LifecycleStep(c.run.finished_at or c.run.started_at, c.run_id, c.kind, c.before, c.after)
        for c in changes
        if c.before != c.after
    )
    decisions = tuple(
        TriageStep(t.at, t.actor, t.field, t.before, t.after)
        for t in TriageChange.objects.filter(finding=finding).order_by("at", "pk")
    )
    return FindingHistory(finding, finding.first_seen_run.started_at, finding.last_seen_run.started_at,
                          steps, decisions)
