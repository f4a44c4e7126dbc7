"""Reads of scan runs: which ended, which came before which, what each contributes.

A run belongs to no one agency; a scoped viewer sees the runs that observed at least one of
its agencies' targets, and counts of its agencies' results only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from canhgac.console.store.models import Result, RunStatus, ScanRun
from canhgac.console.store.queries.scope import ViewerScope

# runs whose results are observations: finished, or stopped early by a signal or an error
REPORTABLE = (RunStatus.FINISHED, RunStatus.INTERRUPTED, RunStatus.FAILED)


def finished_runs(scope: ViewerScope) -> QuerySet[ScanRun]:
    return scope.filter_runs(ScanRun.objects.filter(status=RunStatus.FINISHED, finished_at__isnull=False))


def ended_runs(scope: ViewerScope) -> QuerySet[ScanRun]:
    """Finished, interrupted and failed runs (their results are real observations)."""
    return scope.filter_runs(ScanRun.objects.filter(status__in=REPORTABLE, finished_at__isnull=False))


def run_by_id(scope: ViewerScope, run_id: int) -> ScanRun | None:
    """A run by its number, if the viewer may see it."""
    return scope.filter_runs(ScanRun.objects.filter(pk=run_id)).first()


def latest_reportable_run(scope: ViewerScope) -> ScanRun | None:
    """The run that ended last, finished or stopped early (its stored results are real)."""
    return ended_runs(scope).order_by("-finished_at", "-pk").first()


def reportable_runs(scope: ViewerScope, status: str | None = None) -> QuerySet[ScanRun]:
    """Ended runs whose results count (finished, interrupted, failed), latest first."""
    runs = ended_runs(scope) if status is None else ended_runs(scope).filter(status=status)
    return runs.order_by("-finished_at", "-pk")


def latest_finished_run(scope: ViewerScope) -> ScanRun | None:
    return finished_runs(scope).order_by("-finished_at", "-pk").first()


def previous_finished_run(scope: ViewerScope, run: ScanRun) -> ScanRun | None:
    """The finished run that ended last before ``run`` ended (or started, if still running)."""
    boundary = run.finished_at or run.started_at
    earlier = finished_runs(scope).filter(finished_at__lt=boundary).exclude(pk=run.pk)
    return earlier.order_by("-finished_at", "-pk").first()


def latest_run_of(scope: ViewerScope, fingerprint: str) -> ScanRun | None:
    """The latest ended run that evaluated a fingerprint, whatever the outcome."""
    rows = scope.filter(Result.objects.filter(fingerprint=fingerprint, run__status__in=REPORTABLE,
                                              run__finished_at__isnull=False))
    row = rows.order_by("-run__finished_at", "-run_id").select_related("run").first()
    return row.run if row is not None else None


def latest_province(scope: ViewerScope, default: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """The province named by the latest run that scanned an inventory (a retest names none)."""
    runs = ended_runs(scope).order_by("-finished_at", "-pk").values_list("filters", flat=True)
    for filters in runs[:200]:
        province = filters.get("province") if isinstance(filters, dict) else None
        if isinstance(province, dict) and province.get("name"):
            return {"code": str(province.get("code", "")), "name": str(province["name"])}
    return default or {"code": "", "name": ""}


@dataclass(frozen=True, slots=True)
class StateRun:
    """A run that contributes results to the current state, and how many."""

    run: ScanRun
    results: int
    targets: int


def state_runs(scope: ViewerScope, observed: Iterable[tuple[int, str]]) -> tuple[StateRun, ...]:
    """The runs of (run id, target key) pairs (``current_results`` rows), latest first, with
    how many results and targets each gives."""
    results: dict[int, int] = {}
    targets: dict[int, set[str]] = {}
    for run_id, target_key in observed:
        results[run_id] = results.get(run_id, 0) + 1
        targets.setdefault(run_id, set()).add(target_key)
    runs = scope.filter_runs(ScanRun.objects.filter(pk__in=list(results))).order_by("-finished_at", "-pk")
    return tuple(StateRun(run, results[run.pk], len(targets[run.pk])) for run in runs)


def run_target_counts(scope: ViewerScope, run: ScanRun) -> dict[str, int]:
    """How many distinct targets of each agency have results in ``run``."""
    rows = (
        scope.filter(Result.objects.filter(run=run))
        .values("agency_code")
        .annotate(targets=Count("target_key", distinct=True))
    )
    return {row["agency_code"]: row["targets"] for row in rows}
