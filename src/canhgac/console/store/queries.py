"""Reads from the findings store: runs, results, findings and what changed between runs.

Every function takes what it filters on as arguments; scoping to what a user may see (an
agency officer sees one agency) is the caller's ``agency`` argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import Rank

from canhgac.catalog.loader import Catalog
from canhgac.console.store.errors import RunNotFinishedError
from canhgac.console.store.models import (
    Finding,
    FindingChange,
    Lifecycle,
    Result,
    ResultStatus,
    RunStatus,
    ScanRun,
)
from canhgac.findings.reconcile import ChangeKind, compose
from canhgac.findings.reconcile import Lifecycle as State

MIN_PREFIX = 6
_HEX = re.compile(r"^[0-9a-f]+$")
OPEN_LIFECYCLES = (Lifecycle.NEW, Lifecycle.OPEN, Lifecycle.REOPENED)


class FindingNotFoundError(LookupError):
    """No finding has that fingerprint (or prefix)."""


class AmbiguousFingerprintError(LookupError):
    """A prefix matches several findings; the message lists them."""


REPORTABLE = (RunStatus.FINISHED, RunStatus.INTERRUPTED)  # runs whose results are observations


def _finished() -> QuerySet[ScanRun]:
    return ScanRun.objects.filter(status=RunStatus.FINISHED, finished_at__isnull=False)


def _reportable() -> QuerySet[ScanRun]:
    return ScanRun.objects.filter(status__in=REPORTABLE, finished_at__isnull=False)


def latest_reportable_run() -> ScanRun | None:
    """The run that ended last, finished or interrupted (its stored results are real)."""
    return _reportable().order_by("-finished_at", "-pk").first()


def reportable_runs(status: str | None = None) -> QuerySet[ScanRun]:
    """Ended runs whose results count (finished, interrupted), latest first."""
    runs = _reportable() if status is None else _reportable().filter(status=status)
    return runs.order_by("-finished_at", "-pk")


def current_results(*, agencies: Sequence[str] | None = None) -> QuerySet[Result]:
    """The current state: for every (target, check), the results of the latest run that ran it.

    Across finished and interrupted runs, so a retest or a narrow scan (``-a``, ``-f``) updates
    the state instead of replacing it, and a target an interrupted run did not reach keeps what
    the run before observed. One query: a window rank per (target, check) by the run's end,
    ties kept, so a check that yields several results (discriminators) keeps them all.
    """
    ranked = Result.objects.filter(run__in=_reportable())
    if agencies is not None:
        ranked = ranked.filter(agency_code__in=list(agencies))
    ranked = ranked.annotate(
        state_rank=Window(
            Rank(),
            partition_by=[F("target_key"), F("check_id")],
            order_by=[F("run__finished_at").desc(), F("run_id").desc()],
        )
    )
    return ranked.filter(state_rank=1).order_by("agency_code", "target_key", "check_id", "pk")


@dataclass(frozen=True, slots=True)
class StateRun:
    """A run that contributes results to the current state, and how many."""

    run: ScanRun
    results: int
    targets: int


def state_runs(observed: Iterable[tuple[int, str]]) -> tuple[StateRun, ...]:
    """The runs of (run id, target key) pairs (``current_results`` rows), latest first, with
    how many results and targets each gives."""
    results: dict[int, int] = {}
    targets: dict[int, set[str]] = {}
    for run_id, target_key in observed:
        results[run_id] = results.get(run_id, 0) + 1
        targets.setdefault(run_id, set()).add(target_key)
    runs = ScanRun.objects.filter(pk__in=list(results)).order_by("-finished_at", "-pk")
    return tuple(StateRun(run, results[run.pk], len(targets[run.pk])) for run in runs)


def run_target_counts(run: ScanRun) -> dict[str, int]:
    """How many distinct targets of each agency have results in ``run``."""
    rows = (
        Result.objects.filter(run=run)
        .values("agency_code")
        .annotate(targets=Count("target_key", distinct=True))
    )
    return {row["agency_code"]: row["targets"] for row in rows}


def latest_province(default: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """The province named by the latest run that scanned an inventory (a retest names none)."""
    for filters in _reportable().order_by("-finished_at", "-pk").values_list("filters", flat=True)[:200]:
        province = filters.get("province") if isinstance(filters, dict) else None
        if isinstance(province, dict) and province.get("name"):
            return {"code": str(province.get("code", "")), "name": str(province["name"])}
    return default or {"code": "", "name": ""}


def latest_run_of(fingerprint: str) -> ScanRun | None:
    """The latest ended run that evaluated a fingerprint, whatever the outcome."""
    row = (
        Result.objects.filter(fingerprint=fingerprint, run__in=_reportable())
        .order_by("-run__finished_at", "-run_id")
        .select_related("run")
        .first()
    )
    return row.run if row is not None else None


def latest_finished_run() -> ScanRun | None:
    return _finished().order_by("-finished_at", "-pk").first()


def previous_finished_run(run: ScanRun) -> ScanRun | None:
    """The finished run that ended last before ``run`` ended (or started, if still running)."""
    boundary = run.finished_at or run.started_at
    earlier = _finished().filter(finished_at__lt=boundary).exclude(pk=run.pk)
    return earlier.order_by("-finished_at", "-pk").first()


def results_of_run(
    run: ScanRun,
    *,
    agency: str | None = None,
    family: str | None = None,
    status: ResultStatus | None = None,
    catalog: Catalog | None = None,
) -> QuerySet[Result]:
    """A run's results, optionally of one agency, check family (needs ``catalog``), status."""
    results = Result.objects.filter(run=run)
    if agency is not None:
        results = results.filter(agency_code=agency)
    if family is not None:
        if catalog is None:
            raise ValueError("filtering by check family needs the catalog")
        ids = [c.id for c in catalog.checks.values() if c.family == family]
        results = results.filter(check_id__in=ids)
    if status is not None:
        results = results.filter(status=status)
    return results.order_by("agency_code", "target_key", "check_id", "pk")


def open_findings(agency: str | None = None) -> QuerySet[Finding]:
    """Findings still failing (new, open, reopened), of one agency or all."""
    findings = Finding.objects.filter(lifecycle__in=OPEN_LIFECYCLES)
    if agency is not None:
        findings = findings.filter(agency_code=agency)
    return findings.select_related("last_result").order_by("agency_code", "check_id", "target_key")


def open_findings_per_agency() -> dict[str, int]:
    """How many findings are open in each agency (agencies with none are absent)."""
    counts: dict[str, int] = {}
    for code in Finding.objects.filter(lifecycle__in=OPEN_LIFECYCLES).values_list("agency_code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return counts


def finding_by_fingerprint(fingerprint: str) -> Finding:
    """A finding by its full fingerprint or a unique prefix of at least six hex digits."""
    wanted = fingerprint.strip().lower()
    if len(wanted) < MIN_PREFIX or not _HEX.match(wanted):
        raise FindingNotFoundError(f"{fingerprint!r}: give at least {MIN_PREFIX} hex digits")
    matches = list(Finding.objects.filter(fingerprint__startswith=wanted).order_by("fingerprint")[:6])
    if not matches:
        raise FindingNotFoundError(f"no finding with fingerprint {fingerprint}")
    if len(matches) > 1:
        listed = ", ".join(f.fingerprint for f in matches[:5])
        raise AmbiguousFingerprintError(f"{fingerprint} matches several findings: {listed}")
    return matches[0]


@dataclass(frozen=True, slots=True)
class ChangedFinding:
    finding: Finding
    kind: ChangeKind
    before: State | None
    after: State


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What changed between two runs, by kind (findings with no change are left out)."""

    changes: tuple[ChangedFinding, ...]

    def of_kind(self, kind: ChangeKind) -> tuple[ChangedFinding, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    def counts(self) -> dict[ChangeKind, int]:
        totals = dict.fromkeys(ChangeKind, 0)
        for change in self.changes:
            totals[change.kind] += 1
        return totals


def change_summary(since: ScanRun | None, until: ScanRun, agency: str | None = None) -> ChangeSummary:
    """What the runs after ``since`` up to and including ``until`` changed, finding by finding.

    ``since`` None means from the beginning. Several transitions of one finding in between are
    summarised by its first and last state (``canhgac.findings.reconcile.compose``).
    """
    if until.finished_at is None:
        raise RunNotFinishedError(until.pk, until.status)
    runs = ScanRun.objects.filter(finished_at__isnull=False, finished_at__lte=until.finished_at)
    if since is not None:
        if since.finished_at is None:
            raise RunNotFinishedError(since.pk, since.status)
        runs = runs.filter(finished_at__gt=since.finished_at)
    rows = FindingChange.objects.filter(run__in=runs).select_related("finding")
    if agency is not None:
        rows = rows.filter(finding__agency_code=agency)
    spans: dict[int, tuple[Finding, State | None, State]] = {}
    for row in rows.order_by("run__finished_at", "pk"):
        before = State(row.before) if row.before else None
        first = spans.get(row.finding_id)
        spans[row.finding_id] = (row.finding, first[1] if first else before, State(row.after))
    changed = []
    for finding, before, after in spans.values():
        kind = compose(before, after)
        if kind is not None:
            changed.append(ChangedFinding(finding, kind, before, after))
    changed.sort(key=lambda c: (c.finding.agency_code, c.finding.check_id, c.finding.target_key))
    return ChangeSummary(tuple(changed))
