"""An inventory that declares only address ranges (no domain, no portal) is port-scanned.

Regression: planning returned an empty plan when no declared target was a domain or a URL,
so a provider's ranges-only inventory scanned nothing and exited 0.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.targets import TargetKind
from canhgac.inventory.model import Inventory
from canhgac.services.scan import ScanRequest, plan_scan, settings_for


@pytest.fixture()
def listener() -> Iterator[int]:
    """A TCP port listening on 127.0.0.1 (accepts, never answers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_ranges_only_inventory_plans_the_hosts_its_port_scan_finds(listener: int) -> None:
    inv = Inventory.model_validate({
        "version": 1,
        "province": {"code": "KG", "name": "Tỉnh Kiên Giang"},
        "scope": {"loopback_only": True},
        "agencies": [{"code": "PROV", "name": "Nhà cung cấp", "kind": "department",
                      "ranges": ["127.0.0.1/32"]}],
    })
    settings = settings_for(inv, resolvers=("127.0.0.1:53",), ports=str(listener))
    planned = asyncio.run(plan_scan(ScanRequest(inv, settings), builtin_registry().select(families=["net"])))
    hosts = [i for i in planned.plan.items if i.target.kind is TargetKind.HOST]
    assert [(i.target.name, i.target.agency) for i in hosts] == [("127.0.0.1", "PROV")]
    assert hosts[0].options.ports == (listener,)
    assert hosts[0].checks
