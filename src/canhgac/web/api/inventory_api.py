"""``/agencies`` and ``/runs``: the agencies the caller may see, and the ended scan runs that
observed them (a run belongs to no one agency: a scoped caller sees its own agencies' counts
only, and no set-up warnings, which may name other agencies' hosts)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from canhgac.console.store import queries
from canhgac.console.store.queries import ViewerScope
from canhgac.i18n import gettext as _
from canhgac.services.reporting import run_kind
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError
from canhgac.web.api.schemas import AgencyList, EndedRunStatus, RunDetailOut, RunPage

router = Router(tags=["inventory and runs"])


@router.get("/agencies", response={200: AgencyList, **COMMON_ERRORS}, summary="List agencies")
def list_agencies(request: HttpRequest) -> dict[str, Any]:
    """The agencies the caller may see, by code (inactive ones have left the inventory); the
    parent is named only when the caller may see it too."""
    scope = viewer(request).scope
    items = [{"code": a.code, "name": a.name, "kind": a.kind, "active": a.active,
              "parent": a.parent.code if a.parent is not None and scope.allows(a.parent.code) else None}
             for a in queries.agencies(scope)]  # a parent the caller may not see is not named
    return {"items": items, "total": len(items)}


class RunParams(Schema):
    status: EndedRunStatus | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def _run(run: Any, scope: ViewerScope) -> dict[str, Any]:  # a ScanRun the scoped query returned
    filters = run.filters if isinstance(run.filters, dict) else {}
    planned = run.target_count if scope.is_everything else None  # counts other agencies' targets
    return {"id": run.pk, "status": run.status, "kind": run_kind(filters),
            "started_at": run.started_at, "finished_at": run.finished_at, "planned_targets": planned}


@router.get("/runs", response={200: RunPage, **COMMON_ERRORS}, summary="List ended scan runs")
def list_runs(request: HttpRequest, params: Query[RunParams]) -> dict[str, Any]:
    """Ended runs (finished, interrupted, failed) that observed an agency the caller may see, latest first."""
    scope = viewer(request).scope
    runs = queries.reportable_runs(scope, params.status.value if params.status else None)
    total = runs.count()
    page = [_run(r, scope) for r in runs[params.offset:params.offset + params.limit]]
    end = params.offset + len(page)
    return {"items": page, "total": total, "limit": params.limit, "offset": params.offset,
            "next_offset": end if end < total else None}


@router.get("/runs/{run_id}", response={200: RunDetailOut, **COMMON_ERRORS}, summary="One scan run")
def get_run(request: HttpRequest, run_id: Path[int]) -> dict[str, Any]:
    """A run with its results and targets counted over the caller's agencies."""
    scope = viewer(request).scope
    run = queries.run_by_id(scope, run_id) if -2**63 <= run_id < 2**63 else None
    if run is None:
        raise ApiError(404, _("there is no run {run} in the store").format(run=run_id))
    warnings = [str(w) for w in run.warnings or () if isinstance(w, str)] if scope.is_everything else []
    return {**_run(run, scope), "results": queries.results_of_run(scope, run).count(),
            "targets_per_agency": queries.run_target_counts(scope, run), "warnings": warnings}
