"""Reads of results: one run's, and the current state (latest result per target and check)."""

from __future__ import annotations

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Rank

from canhgac.catalog.loader import Catalog
from canhgac.console.store.models import Result, ResultStatus, ScanRun
from canhgac.console.store.queries.runs import ended_runs
from canhgac.console.store.queries.scope import ViewerScope

ORDER = ("agency_code", "target_key", "check_id", "pk")


def current_results(scope: ViewerScope) -> QuerySet[Result]:
    """The current state: for every (target, check), the results of the latest run that ran it.

    Across finished and interrupted runs, so a retest or a narrow scan (``-a``, ``-f``) updates
    the state instead of replacing it, and a target an interrupted run did not reach keeps what
    the run before observed. One query: a window rank per (target, check) by the run's end,
    ties kept, so a check that yields several results (discriminators) keeps them all.
    """
    ranked = scope.filter(Result.objects.filter(run__in=ended_runs(ViewerScope.everything())))
    ranked = ranked.annotate(
        state_rank=Window(
            Rank(),
            partition_by=[F("target_key"), F("check_id")],
            order_by=[F("run__finished_at").desc(), F("run_id").desc()],
        )
    )
    return ranked.filter(state_rank=1).order_by(*ORDER)


def results_of_run(
    scope: ViewerScope,
    run: ScanRun,
    *,
    family: str | None = None,
    status: ResultStatus | None = None,
    catalog: Catalog | None = None,
) -> QuerySet[Result]:
    """A run's results, optionally of one check family (needs ``catalog``) or status."""
    results = scope.filter(Result.objects.filter(run=run))
    if family is not None:
        if catalog is None:
            raise ValueError("filtering by check family needs the catalog")
        ids = [c.id for c in catalog.checks.values() if c.family == family]
        results = results.filter(check_id__in=ids)
    if status is not None:
        results = results.filter(status=status)
    return results.order_by(*ORDER)
