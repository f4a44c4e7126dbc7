"""Reads of findings: open ones, one by fingerprint, and what changed between two runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from canhgac.console.store.errors import RunNotFinishedError
from canhgac.console.store.models import Finding, FindingChange, ScanRun
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.findings.reconcile import ChangeKind, compose
from canhgac.findings.reconcile import Lifecycle as State
from canhgac.i18n import gettext as _

MIN_PREFIX = 6
_HEX = re.compile(r"^[0-9a-f]+$")
OPEN_LIFECYCLES = (State.NEW, State.OPEN, State.REOPENED)
ORDER = ("agency_code", "check_id", "target_key")


class FindingNotFoundError(LookupError):
    """No finding has that fingerprint (or prefix), or none the viewer may see."""


class AmbiguousFingerprintError(LookupError):
    """A prefix matches several findings; the message lists them."""


def findings(scope: ViewerScope, *, include_fixed: bool = False) -> QuerySet[Finding]:
    """Findings still failing (new, open, reopened), or every finding with ``include_fixed``."""
    rows = scope.filter(Finding.objects.all())
    if not include_fixed:
        rows = rows.filter(lifecycle__in=OPEN_LIFECYCLES)
    return rows.select_related("last_result").order_by(*ORDER)


def open_findings(scope: ViewerScope) -> QuerySet[Finding]:
    """Findings still failing (new, open, reopened)."""
    return findings(scope)


def findings_by_fingerprints(scope: ViewerScope, fingerprints: Iterable[str]) -> QuerySet[Finding]:
    """The findings of these fingerprints (those that exist and the viewer may see)."""
    return scope.filter(Finding.objects.filter(fingerprint__in=list(fingerprints)))


def open_findings_per_agency(scope: ViewerScope) -> dict[str, int]:
    """How many findings are open in each agency (agencies with none are absent)."""
    counts: dict[str, int] = {}
    rows = scope.filter(Finding.objects.filter(lifecycle__in=OPEN_LIFECYCLES))
    for code in rows.values_list("agency_code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return counts


def finding_by_fingerprint(scope: ViewerScope, fingerprint: str) -> Finding:
    """A finding by its full fingerprint or a unique prefix of at least six hex digits."""
    wanted = fingerprint.strip().lower()
    if len(wanted) < MIN_PREFIX or not _HEX.match(wanted):
        message = _("'{fingerprint}' is not a fingerprint: give at least {count} hex digits")
        raise FindingNotFoundError(message.format(fingerprint=fingerprint, count=MIN_PREFIX))
    rows = scope.filter(Finding.objects.filter(fingerprint__startswith=wanted))
    matches = list(rows.order_by("fingerprint")[:6])
    if not matches:
        message = _("no finding with fingerprint {fingerprint}")
        raise FindingNotFoundError(message.format(fingerprint=fingerprint))
    if len(matches) > 1:
        listed = ", ".join(f.fingerprint for f in matches[:5])
        raise AmbiguousFingerprintError(_("{fingerprint} matches several findings: {listed}").format(
            fingerprint=fingerprint, listed=listed))
    return matches[0]


@dataclass(frozen=True, slots=True)
class ChangedFinding:
    finding: Finding
    kind: ChangeKind
    before: State | None
    after: State


@dataclass(frozen=True, slots=True)
class FindingChanges:
    """What changed between two runs, finding row by finding row (unchanged ones left out);
    the report's ``ChangeSummary`` is its fingerprint-only digest."""

    changes: tuple[ChangedFinding, ...]

    def of_kind(self, kind: ChangeKind) -> tuple[ChangedFinding, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    def counts(self) -> dict[ChangeKind, int]:
        totals = dict.fromkeys(ChangeKind, 0)
        for change in self.changes:
            totals[change.kind] += 1
        return totals


def change_summary(scope: ViewerScope, since: ScanRun | None, until: ScanRun) -> FindingChanges:
    """What the runs after ``since`` up to and including ``until`` changed, finding by finding.

    ``since`` None means from the beginning. Several transitions of one finding in between are
    summarised by its first and last state; the kind is the lifecycle's own rule
    (``canhgac.findings.reconcile.compose``), not re-derived here.
    """
    if until.finished_at is None:
        raise RunNotFinishedError(until.pk, until.status)
    runs = ScanRun.objects.filter(finished_at__isnull=False, finished_at__lte=until.finished_at)
    if since is not None:
        if since.finished_at is None:
            raise RunNotFinishedError(since.pk, since.status)
        runs = runs.filter(finished_at__gt=since.finished_at)
    rows = scope.filter(FindingChange.objects.filter(run__in=runs), "finding__agency_code")
    spans: dict[int, tuple[Finding, State | None, State]] = {}
    for row in rows.select_related("finding").order_by("run__finished_at", "pk"):
        before = State(row.before) if row.before else None
        first = spans.get(row.finding_id)
        spans[row.finding_id] = (row.finding, first[1] if first else before, State(row.after))
    changed = []
    for finding, before, after in spans.values():
        kind = compose(before, after)
        if kind is not None:
            changed.append(ChangedFinding(finding, kind, before, after))
    changed.sort(key=lambda c: (c.finding.agency_code, c.finding.check_id, c.finding.target_key))
    return FindingChanges(tuple(changed))
