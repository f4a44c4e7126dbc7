"""Issue 12 item 4: what a scan tells its front end, in order — the range port scan's progress
(total known from the start), the plan's size, then results and targets done — for an agency
that declares only a loopback range, with one real listener in it."""

from __future__ import annotations

import asyncio

from loopback_support import free_port, random_loopback

from canhgac.catalog import load_catalog
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.results import CheckResult
from canhgac.inventory.model import Inventory
from canhgac.services.scan import ScanRequest, execute_scan, settings_for
from canhgac.services.scan_events import DiscoveryProgress, DiscoveryStage, Planned, Progress, ScanEvent


def inventory(cidr: str) -> Inventory:
    return Inventory.model_validate({
        "version": 1,
        "province": {"code": "LAB", "name": "Lab"},
        "scope": {"loopback_only": True},
        "agencies": [{"code": "SO-A", "name": "Sở A", "kind": "department", "ranges": [cidr]}],
    })


async def test_port_scan_progress_then_the_plan_then_results() -> None:
    base = random_loopback(second=(100, 199), last=(0, 0)).rsplit(".", 1)[0]
    cidr, host = f"{base}.0/30", f"{base}.1"
    port = free_port(f"{base}.1", f"{base}.2")
    closed = free_port(f"{base}.1", f"{base}.2")
    inv = inventory(cidr)
    settings = settings_for(inv, resolvers=["127.0.0.1:1"], ports=f"{port},{closed}", scan_rate=1000)
    events: list[ScanEvent] = []
    server = await asyncio.start_server(lambda r, w: w.close(), host, port)
    try:
        request = ScanRequest(inv, settings, check_ids=("net.ports.new",))
        outcome = await execute_scan(request, builtin_registry(), load_catalog(), persist=False,
                                     on_event=events.append)
    finally:
        server.close()
        await server.wait_closed()
    kinds = [type(e) for e in events]
    planned = kinds.index(Planned)
    assert set(kinds[:planned]) == {DiscoveryProgress} and Planned not in kinds[planned + 1:]
    scan = [e for e in events[:planned] if isinstance(e, DiscoveryProgress)]
    assert {e.stage for e in scan} == {DiscoveryStage.PORT_SCAN}
    assert [(e.done, e.total, e.addresses) for e in scan] == [(n, 4, 2) for n in range(5)]
    assert events[planned] == Planned(1)
    assert set(kinds[planned + 1:]) == {CheckResult, Progress}
    last = events[-1]
    assert isinstance(last, Progress) and (last.targets_done, last.targets_total) == (1, 1)
    assert [(r.check_id, r.target.name) for r in outcome.results] == [("net.ports.new", host)]
