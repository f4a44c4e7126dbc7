"""Run a scan of the inventory: plan, execute, persist results as they stream, reconcile.

Results are written to the store in batches while the scan runs (one writer thread, since the
ORM is synchronous). However the scan ends — finished, cancelled by a signal, stopped by a
failing store — every result it produced is stored if the database takes it, and the run is
closed (finished or interrupted) and reconciled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from canhgac.catalog import Catalog
from canhgac.engine.discovery import DiscoveryRequest
from canhgac.engine.options import MailOptions, WebOptions
from canhgac.engine.portscan import PortScanOptions
from canhgac.engine.registry import Registry
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.runner import Executor, InProcessExecutor, RunWarning, ScanPlan
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.engine.targets import Target
from canhgac.findings.reconcile import Reconciliation
from canhgac.i18n import N_
from canhgac.inventory.model import Inventory
from canhgac.inventory.targets import (
    build_scope,
    declared_mail_hosts,
    domain_targets,
    intrusive_policy,
    target_options,
    url_targets,
)
from canhgac.services.celery_executor import StoringExecutor
from canhgac.services.provenance import current_provenance
from canhgac.services.scan_events import Planned, ScanEvent

BATCH = 500
# Why an agency was skipped: a msgid, stored with the run as written and translated where shown.
OUTSIDE_WINDOW = N_("outside the agency's scan window or in a blackout period")
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanRequest:
    """What to scan and how. Built at the edge (CLI flags, console form)."""

    inventory: Inventory | None
    settings: ScanSettings
    agencies: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    check_ids: tuple[str, ...] = ()
    target_keys: tuple[str, ...] = ()  # only these of the inventory's targets
    targets: tuple[Target, ...] = ()  # explicit targets instead of the inventory's (``retest``)
    # hosts: the TCP ports open at the previous scan, by target key (drift baseline, from the store)
    known_ports: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    ignore_windows: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class ScanOutcome:
    run_id: int | None
    results: tuple[CheckResult, ...]
    skipped_agencies: dict[str, str]
    changes: Reconciliation | None = None  # when persisted (None also: interrupted, not reconciled)
    interrupted: bool = False  # the run did not reach its end (closed as interrupted or failed)
    stored: int = 0  # results in the store for this run
    # what the operator should know about the run itself, also kept with the stored run:
    # declared ranges whose addresses the scope refused, blocklist zones left out of the run
    warnings: tuple[str, ...] = ()

    @property
    def untestable(self) -> int:
        """Results that could not be tested (``error``): the run is incomplete."""
        return sum(1 for r in self.results if r.status is Status.ERROR)


def settings_for(
    inventory: Inventory,
    *,
    resolvers: Sequence[str],
    nameserver_port: int = 53,
    dns_timeout: float = 2.0,
    dns_max_in_flight: int = 256,
    concurrency: int = 100,
    target_timeout: float = 60.0,
    ca_file: str | None = None,
    ca_only: bool = False,
    dnsbl_zones: Sequence[str] | None = None,
    ehlo_name: str | None = None,
    user_agent: str | None = None,
    vuln_db_path: str | None = None,
    ports: str | None = None,
    scan_rate: float | None = None,
) -> ScanSettings:
    """Scan settings for an inventory: its scope, suffixes and per-target options.

    ``dnsbl_zones`` (``--dnsbl-zone``; empty: ``--no-dnsbl``) wins over the inventory's
    ``mail.dnsbl_zones``; with neither, the defaults. A zone that is not a DNS name is a
    ValueError (pydantic's).
    """
    extra: dict[str, Any] = {}
    mail: dict[str, Any] = {}
    zones = dnsbl_zones if dnsbl_zones is not None else inventory.mail.dnsbl_zones
    if zones is not None:
        mail["dnsbl_zones"] = tuple(zones)
    if ehlo_name:
        mail["ehlo_name"] = ehlo_name
    if mail:
        extra["mail"] = MailOptions(**mail)
    if user_agent:
        extra["web"] = WebOptions(user_agent=user_agent)
    scan_options: dict[str, Any] = {}
    if ports:
        scan_options["ports"] = ports
    if scan_rate:
        scan_options["rate"] = scan_rate
    if scan_options:
        extra["ports"] = PortScanOptions(**scan_options)
    return ScanSettings(
        ca_file=ca_file,
        ca_only=ca_only,
        vuln_db_path=vuln_db_path,
        **extra,
        resolvers=tuple(resolvers),
        nameserver_port=nameserver_port,
        dns_timeout=dns_timeout,
        dns_max_in_flight=dns_max_in_flight,
        concurrency=concurrency,
        target_timeout=target_timeout,
        scope=ScopeSettings.from_scope(build_scope(inventory)),
        public_suffixes=tuple(inventory.scope.public_suffixes),
        target_options=target_options(inventory),
    )


def agency_records(inventory: Inventory) -> list[dict[str, Any]]:
    """The inventory's agencies as plain records for the store: their domains, portals, ranges,
    declared mail hosts and those hosts' declared ports as services (``host:port``). A mail host
    several agencies declare is filed under the first (the store keeps one owner per asset)."""
    claimed: set[str] = set()
    records = []
    for a in inventory.agencies:
        hosts = [m for d in a.domains for m in d.mail_hosts if m.host not in claimed]
        claimed.update(m.host for m in hosts)
        records.append({
            "code": a.code,
            "name": a.name,
            "kind": str(a.kind),
            "parent": a.parent,
            "domains": tuple(d.name for d in a.domains),
            "mail_hosts": tuple(dict.fromkeys(m.host for m in hosts)),
            "urls": tuple(str(u) for u in a.portals),
            "ranges": tuple(str(r) for r in a.ranges),
            "services": tuple(dict.fromkeys(f"{m.host}:{p}" for m in hosts for p in m.ports)),
        })
    return records


@dataclass(frozen=True)
class PlannedScan:
    """What the scan will do: the plan, the chosen checks, skipped agencies (with why) and what
    the operator should know (ranges the scope refused)."""

    plan: ScanPlan
    checks: Registry
    skipped: dict[str, str]
    warnings: tuple[str, ...] = ()


def discovery_request(request: ScanRequest) -> tuple[DiscoveryRequest, dict[str, str]]:
    """What discovery starts from for the request's inventory, and the agencies skipped (outside
    their scan window or in a blackout period). Pure: reads the inventory only."""
    inv = request.inventory
    assert inv is not None
    skipped: dict[str, str] = {}
    allowed: list[str] = []
    for code in list(request.agencies) or [a.code for a in inv.agencies]:
        if not request.ignore_windows and not inv.in_window(inv.agency(code), request.now):
            skipped[code] = OUTSIDE_WINDOW
            continue
        allowed.append(code)
    if not allowed:
        return DiscoveryRequest(target_keys=request.target_keys), skipped
    return DiscoveryRequest(
        targets=(*domain_targets(inv, agencies=allowed), *url_targets(inv, agencies=allowed)),
        ranges={str(r): a.code for a in inv.agencies if a.code in allowed for r in a.ranges},
        declared_mail_hosts={d: tuple(h) for d, h in declared_mail_hosts(inv).items()},
        intrusive=intrusive_policy(inv),
        known_ports=request.known_ports,
        target_keys=request.target_keys,
    ), skipped


async def plan_scan(
    request: ScanRequest,
    registry: Registry,
    executor: Executor | None = None,
    on_event: Callable[[ScanEvent], None] | None = None,
) -> PlannedScan:
    """Choose checks and targets; agencies outside their scan window are skipped, with why.

    Discovery (range port scan, MX hosts) is the executor's stage; with no ``executor`` given,
    one is made here and closed (a given one keeps its context for the run that follows and
    is closed by the caller). Explicit targets (``retest``) are planned as they are.
    ``on_event`` hears discovery's progress, then :class:`Planned` with the plan's size.
    """
    planned = await _plan(request, registry, executor, on_event)
    if on_event is not None:
        on_event(Planned(len(planned.plan.items)))
    return planned


async def _plan(
    request: ScanRequest,
    registry: Registry,
    executor: Executor | None,
    on_event: Callable[[ScanEvent], None] | None,
) -> PlannedScan:
    chosen = registry.select(families=request.families, ids=request.check_ids)
    settings = request.settings
    if request.targets or request.inventory is None:
        return PlannedScan(ScanPlan.build(chosen, request.targets, settings.target_options), chosen, {})
    discovery, skipped = discovery_request(request)
    if not discovery.targets and not discovery.ranges:  # a ranges-only inventory still scans
        return PlannedScan(ScanPlan(), chosen, skipped)
    runner = executor or InProcessExecutor()
    try:
        found = await runner.discover(discovery, settings, chosen, on_event)
    finally:
        if executor is None:
            await runner.aclose()
    return PlannedScan(found.plan, chosen, skipped, found.warnings)


def previous_open_ports() -> dict[str, tuple[int, ...]]:
    """Each host's open TCP ports at the latest scan that looked (the drift baseline)."""
    from canhgac.console.store import queries

    return queries.open_ports_baseline(queries.ViewerScope.everything())


async def execute_scan(
    request: ScanRequest,
    registry: Registry,
    catalog: Catalog,
    *,
    persist: bool = True,
    executor: Executor | None = None,
    on_event: Callable[[ScanEvent], None] | None = None,
) -> ScanOutcome:
    """Plan and run a scan; with ``persist``, store results as they stream and reconcile.

    ``on_event`` hears how far the scan is (:data:`~canhgac.services.scan_events.ScanEvent`):
    discovery's stages, the plan's size, then each result and each target done.

    A persisted scan that does not finish — cancelled (Ctrl-C, SIGTERM through the CLI), or
    stopped by a failure such as a full disk — stores every result it has, closes its run as
    interrupted and raises :class:`ScanInterruptedError` carrying what was kept.
    """
    runner = executor or InProcessExecutor()
    try:
        if not persist:
            return await _scan(request, registry, runner, on_event)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-store")
        try:
            return await _persisted_scan(request, registry, catalog, _StoreWrites(pool), runner, on_event)
        finally:
            pool.shutdown(wait=False)  # every write was awaited; nothing is left to wait for
    finally:
        await runner.aclose()  # what discovery opened, if no run took it over


async def _scan(
    request: ScanRequest, registry: Registry, runner: Executor, on_event: Callable[[ScanEvent], None] | None
) -> ScanOutcome:
    planned = await plan_scan(request, registry, runner, on_event)
    results: list[CheckResult] = []
    warnings = list(planned.warnings)
    async with aclosing(runner.run(planned.plan, request.settings, planned.checks)) as events:
        async for event in events:
            if isinstance(event, RunWarning):
                warnings.append(event.text)
                continue
            if isinstance(event, CheckResult):
                results.append(event)
            if on_event is not None:
                on_event(event)
    return ScanOutcome(None, tuple(results), planned.skipped, warnings=tuple(warnings))


class ScanInterruptedError(Exception):
    """A persisted scan stopped before its end; its run is closed as interrupted (a signal) or
    failed (an error).

    ``cause`` is the failure that stopped it, or None when it was cancelled (a signal).
    """

    def __init__(self, outcome: ScanOutcome, cause: BaseException | None) -> None:
        super().__init__(f"scan interrupted: run {outcome.run_id}, {outcome.stored} results stored")
        self.outcome = outcome
        self.cause = cause


class _StoreWrites:
    """The store writes of one run: on one thread, in order, and none abandoned half-way.

    A cancellation that arrives during a write waits for the write to end (the thread would
    finish it anyway; a batch of results must not be lost because the signal came mid-batch);
    the scan then stops its executor, takes the results of the targets that had finished, and
    raises it (:meth:`raise_if_cancelled`).
    """

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self.cancelled = False

    async def do(self, func: Callable[..., T], *args: Any) -> T:
        written = asyncio.wrap_future(self._pool.submit(func, *args))
        while True:
            try:
                return await asyncio.shield(written)
            except asyncio.CancelledError:
                if written.cancelled():
                    raise
                self.cancelled = True

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise asyncio.CancelledError


async def _persisted_scan(
    request: ScanRequest,
    registry: Registry,
    catalog: Catalog,
    writes: _StoreWrites,
    runner: Executor,
    on_event: Callable[[ScanEvent], None] | None,
) -> ScanOutcome:
    from canhgac.console.store import services as store  # the store is optional for library use
    from canhgac.console.store.models import RunStatus

    if not request.known_ports:
        request = replace(request, known_ports=await writes.do(previous_open_ports))
        writes.raise_if_cancelled()
    planned = await plan_scan(request, registry, runner, on_event)
    plan, skipped, settings = planned.plan, planned.skipped, request.settings
    warnings = list(planned.warnings)
    inv = request.inventory
    if inv is not None:
        await writes.do(store.sync_agencies, agency_records(inv))
    filters = store.RunFilters(
        agencies=request.agencies,
        families=request.families,
        extra={
            "province": {"code": inv.province.code, "name": inv.province.name} if inv else None,
            "checks": list(request.check_ids),
            "targets": list(request.target_keys),
            "skipped_agencies": skipped,
        },
    )
    run = await writes.do(
        lambda: store.start_run(
            provenance=current_provenance(catalog),
            # the plan's options (discovered ones included): what ``retest`` needs of this run
            parameters=settings.model_copy(update={"target_options": plan.target_options()}
                                           ).model_dump(mode="json"),
            filters=filters,
            target_count=len(plan.items),
            resolver=", ".join(settings.resolvers),
        )
    )
    results: list[CheckResult] = []
    batch: list[CheckResult] = []
    stored_by_workers = isinstance(runner, StoringExecutor)  # sharded: the workers upsert the results
    if isinstance(runner, StoringExecutor):
        runner.bind_run(run.pk)
    try:
        writes.raise_if_cancelled()
        async with aclosing(runner.run(plan, settings, planned.checks)) as events:
            async for event in events:
                if isinstance(event, RunWarning):
                    warnings.append(event.text)
                elif isinstance(event, CheckResult):
                    results.append(event)
                    if not stored_by_workers:
                        batch.append(event)
                    if len(batch) >= BATCH:  # cleared once stored: a failed batch is retried below
                        await writes.do(store.record_results, run, batch)
                        batch = []
                        if writes.cancelled:  # during the write: take what finished, then stop
                            runner.stop()
                if on_event is not None and not isinstance(event, RunWarning):
                    on_event(event)
        await writes.do(store.record_results, run, batch)
        batch = []
        writes.raise_if_cancelled()
    except (Exception, asyncio.CancelledError, KeyboardInterrupt) as exc:
        cause = exc if isinstance(exc, Exception) else None  # None: a signal, not a failure
        ending = RunStatus.INTERRUPTED if cause is None else RunStatus.FAILED
        changes = await writes.do(_close_unfinished, run, batch, ending, warnings)
        outcome = ScanOutcome(run.pk, tuple(results), skipped, changes,
                              interrupted=True, stored=run.result_count, warnings=tuple(warnings))
        raise ScanInterruptedError(outcome, cause) from cause
    changes = await writes.do(store.finish_run, run, RunStatus.FINISHED, warnings)
    return ScanOutcome(run.pk, tuple(results), skipped, changes, stored=run.result_count,
                       warnings=tuple(warnings))


def _close_unfinished(
    run: Any, unsaved: list[CheckResult], ending: Any, warnings: Sequence[str]
) -> Reconciliation | None:
    """Store what was not yet stored (if the database still takes it), close the run as ``ending``
    (interrupted or failed)."""
    from django.db import DatabaseError

    from canhgac.console.store import services as store
    from canhgac.console.store.models import RunStatus

    if unsaved and run.status == RunStatus.RUNNING:
        try:
            store.record_results(run, unsaved)
        except DatabaseError:
            log.info("run %s: %d results could not be stored", run.pk, len(unsaved), exc_info=True)
    return store.interrupt_run(run, ending, warnings)
