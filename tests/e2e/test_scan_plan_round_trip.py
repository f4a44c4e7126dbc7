"""Issue 10 item 3 on the demo province: the plan discovery makes round-trips through JSON and
runs to the same results as the direct path, and planning leaves no socket open (it left 12
unclosed UDP sockets when discovery ran on a context nobody closed)."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import RunningLab, running_lab

from canhgac.catalog import load_catalog
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.context import NetworkLimits
from canhgac.engine.plan import ScanPlan
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.runner import run_scan
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import TargetKind
from canhgac.inventory.loader import load_inventory
from canhgac.services.scan import ScanRequest, execute_scan, plan_scan, settings_for

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with running_lab() as running:
        yield running


def _request(running: RunningLab, tmp_path: Path) -> ScanRequest:
    lab = running.lab
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(lab.inventory_yaml, encoding="utf-8")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(lab.ca_pem, encoding="ascii")
    inv = load_inventory(inventory)
    # as the demo, but with longer waits: on a loaded machine the demo's 1 s DNS wait sometimes
    # times out the zone transfers and its 8 s budget the backup-file probes (on main too), and
    # the two paths must be compared on results, not on luck
    settings = settings_for(inv, resolvers=[str(lab.resolver)], nameserver_port=lab.nameserver_port,
                            dns_timeout=3.0, ca_file=str(ca_file), dnsbl_zones=lab.dnsbl_zones,
                            scan_rate=5000)
    settings = settings.model_copy(update={"net": NetworkLimits(connect_timeout=3.0, read_timeout=5.0)})
    return ScanRequest(inv, settings, ignore_windows=True)


def _keys(results: list[CheckResult] | tuple[CheckResult, ...]) -> set[tuple[str, str, Status, str]]:
    return {(r.check_id, r.target.key, r.status, r.message.key) for r in results}


def test_a_plan_round_trips_through_json_and_runs_to_the_same_results(
    lab: RunningLab, tmp_path: Path
) -> None:
    request = _request(lab, tmp_path)
    registry = builtin_registry()

    async def both() -> tuple[set[tuple[str, str, Status, str]], set[tuple[str, str, Status, str]], ScanPlan]:
        direct = await execute_scan(request, registry, load_catalog(), persist=False)
        planned = await plan_scan(request, registry)
        text = planned.plan.model_dump_json()  # what a worker would receive, with the settings
        plan = ScanPlan.model_validate_json(text)
        settings = ScanSettings.model_validate_json(request.settings.model_dump_json())
        assert plan == planned.plan and settings == request.settings
        replayed = await run_scan(plan, settings, builtin_registry())
        return _keys(direct.results), _keys(replayed), plan

    direct, replayed, plan = asyncio.run(both())
    kinds = {item.target.kind for item in plan.items}
    # declared and discovered (MX, port scan) kinds
    assert {TargetKind.DOMAIN, TargetKind.URL, TargetKind.MAIL_HOST, TargetKind.HOST} <= kinds
    assert len(direct) == plan.check_count
    assert replayed == direct


@pytest.mark.filterwarnings("error::ResourceWarning")
def test_plan_scan_against_the_lab_leaves_no_socket_open(lab: RunningLab, tmp_path: Path) -> None:
    request = _request(lab, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        planned = asyncio.run(plan_scan(request, builtin_registry()))
        gc.collect()
    assert planned.plan.items and not planned.warnings
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
