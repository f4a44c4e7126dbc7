"""What the scans pages and the scans API show: the runs (console launches and CLI runs alike)
with who launched them and what was asked, one launch with its progress, one run with its
provenance. Reads go through the scoped queries: an agency officer sees the runs that observed
their agencies, counted over those agencies, and no set-up detail that may name other agencies'
hosts (warnings, settings); launches of their own agencies only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.services.reporting import run_kind

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class Counts:
    results: int
    new: int
    still_open: int
    fixed: int
    reopened: int


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    status: str
    kind: str  # scan, narrow, retest (``reporting.run_kind``)
    asked: str  # what was asked, in words
    launched_by: str  # a console user's name, or "" for the CLI
    launch_id: int | None
    started_at: datetime
    finished_at: datetime | None
    counts: Counts


@dataclass(frozen=True, slots=True)
class RunsPage:
    rows: tuple[RunRow, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class LaunchView:
    id: int
    kind: str
    asked: str
    requested_by: str
    created_at: datetime
    state: str
    phase: str
    done: int
    total: int | None
    results: int
    error: str
    started_at: datetime | None
    ended_at: datetime | None
    ended: bool
    ahead: int  # queued: launches the worker runs first
    run: RunRow | None
    fingerprint: str = ""
    agency: str = ""
    family: str = ""


@dataclass(frozen=True, slots=True)
class RunDetail:
    row: RunRow
    provenance: dict[str, Any]
    parameters: dict[str, Any]  # the scan settings (CSIRT only: they name hosts)
    filters: dict[str, Any]
    warnings: tuple[str, ...]
    targets_per_agency: dict[str, int] = field(default_factory=dict)
    planned_targets: int | None = None


def asked_of_launch(launch: Any) -> str:
    if launch.kind == "retest":
        return _("retest of finding {fingerprint}").format(fingerprint=launch.fingerprint[:12])
    return _asked(launch.agency, launch.family)


def _asked(agency: str, family: str) -> str:
    if agency and family:
        return _("family {family} of agency {agency}").format(family=family, agency=agency)
    if agency:
        return _("agency {agency}").format(agency=agency)
    if family:
        return _("family {family}, every agency").format(family=family)
    return _("every agency")


def asked_of_filters(filters: Any, scope: Any) -> str:
    """What a CLI run was asked, from its stored filters (naming only agencies ``scope`` allows)."""
    filters = filters if isinstance(filters, dict) else {}
    kind = run_kind(filters)
    if kind == "retest":
        checks = [str(c) for c in filters.get("checks") or ()]
        return _("retest of {checks}").format(checks=", ".join(checks) or "—")
    agencies = ", ".join(str(a) for a in filters.get("agencies") or () if scope.allows(str(a)))
    families = ", ".join(str(f) for f in filters.get("families") or ())
    chosen = ", ".join(str(c) for c in filters.get("checks") or ())
    text = _asked(agencies, families)
    return f"{text}; {chosen}" if chosen else text


def _counts(scope: Any, run: Any) -> Counts:
    from canhgac.console.store import queries

    changes = queries.run_change_counts(scope, run)
    return Counts(queries.results_of_run(scope, run).count(), changes.get("new", 0),
                  changes.get("still_open", 0), changes.get("fixed", 0), changes.get("reopened", 0))


def _row(scope: Any, run: Any, launch: Any | None) -> RunRow:
    filters = run.filters if isinstance(run.filters, dict) else {}
    if launch is None:
        return RunRow(run.pk, run.status, run_kind(filters), asked_of_filters(filters, scope), "", None,
                      run.started_at, run.finished_at, _counts(scope, run))
    return RunRow(run.pk, run.status, run_kind(filters), asked_of_launch(launch), launch.requested_by,
                  launch.pk, run.started_at, run.finished_at, _counts(scope, run))


def runs_page(scope: Any, page: int) -> RunsPage:
    """One page of the runs the viewer may see, newest first (running ones too)."""
    from canhgac.console.store import queries

    runs = queries.all_runs(scope)
    total = runs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    chosen = list(runs[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    launched = queries.launches_of_runs(scope, [r.pk for r in chosen])
    return RunsPage(tuple(_row(scope, r, launched.get(r.pk)) for r in chosen), page, pages, total)


def launch_view(scope: Any, launch_id: int) -> LaunchView | None:
    """A launch the viewer may see, with its progress and, once it has a run, the run's row."""
    from canhgac.console.store import queries

    launch = queries.launch_by_id(scope, launch_id)
    if launch is None:
        return None
    run = queries.run_by_id(scope, launch.run_id) if launch.run_id is not None else None
    ahead = queries.launches_ahead(scope, launch) if launch.state == "queued" else 0
    return LaunchView(
        launch.pk, launch.kind, asked_of_launch(launch), launch.requested_by, launch.created_at, launch.state,
        launch.phase, launch.done, launch.total, launch.results, launch.error, launch.started_at,
        launch.ended_at, launch.ended, ahead,
        _row(scope, run, launch) if run is not None else None,
        launch.fingerprint, launch.agency, launch.family,
    )


def recent_launches(scope: Any, limit: int = 10) -> list[LaunchView]:
    """The viewer's open launches and the latest ended ones."""
    from canhgac.console.store import queries

    ids = list(queries.launches(scope).values_list("pk", flat=True)[:limit])
    views = [launch_view(scope, i) for i in ids]
    return [v for v in views if v is not None]


def run_detail(scope: Any, run_id: int) -> RunDetail | None:
    """A run with its provenance (set-up details for the CSIRT's view only)."""
    from canhgac.console.store import queries

    run = queries.run_by_id(scope, run_id) if -2**63 <= run_id < 2**63 else None
    if run is None:
        return None
    launch = queries.launches_of_runs(scope, [run.pk]).get(run.pk)
    everything = scope.is_everything
    provenance = run.provenance if isinstance(run.provenance, dict) else {}
    return RunDetail(
        _row(scope, run, launch), provenance,
        run.parameters if everything and isinstance(run.parameters, dict) else {},
        run.filters if everything and isinstance(run.filters, dict) else {},
        tuple(str(w) for w in run.warnings or () if isinstance(w, str)) if everything else (),
        queries.run_target_counts(scope, run), run.target_count if everything else None,
    )
