"""Serve the ports benchmark's lab services from a separate process.

Usage: python -m bench.ports_lab_proc PLAN.json
PLAN.json is the list of services written by bench/ports.py: ``{"address", "kind", "port"}``
each, ``kind`` one of the lab's planted cases (:class:`canhgac.lab.services_plan.Plant`). Each is
started with the demo lab's own server for that case (:func:`canhgac.lab.services_lab._server`:
the protocol responders, the web sites, the SSH server, a real ``redis-server`` when installed),
on the plan's port instead of the standard one; only the TCP side of a case is started (nmap's
``-sT`` scans TCP only). Prints ``READY <listeners> <redis kind>`` once every server listens, then
serves until SIGTERM, then stops every server (``redis-server`` children included) and prints
``ERRORS <json>``: the responders' internal errors by class (their tracebacks are not logged; a
responder's own bug, e.g. the SSH responder when a connect scan closes before sending its
identification, is counted rather than printed). Runs under the loopback guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from canhgac.lab.services_lab import ServicesLab, _server
from canhgac.lab.services_plan import PORTS, Plant, ServiceHostPlan
from canhgac.netguard import install_loopback_guard


async def serve(plan: list[dict[str, Any]]) -> None:
    lab = ServicesLab([])
    try:
        for item in plan:
            plant = Plant(item["kind"])
            standard = next(port for proto, port in PORTS[plant] if proto == "tcp")
            host = ServiceHostPlan(item["address"], "BENCH", plant, f"bench {plant.value}")
            server = _server(host, "tcp", standard, int(item["port"]), lab, "redis-server")
            await server.start()
            lab.servers.append(server)
        print(f"READY {len(lab.servers)} {(lab.redis_kind or 'none').replace(' ', '-')}", flush=True)
        done = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
        await done.wait()
    finally:
        await lab.stop()
        errors = Counter[str]()
        for server in lab.servers:
            errors[type(server).__name__] += getattr(server, "internal_errors", 0)
        print(f"ERRORS {json.dumps({k: v for k, v in errors.items() if v})}", flush=True)


def main() -> None:
    install_loopback_guard()
    logging.getLogger("canhgac.lab").propagate = False
    logging.getLogger("canhgac.lab").addHandler(logging.NullHandler())
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(plan))


if __name__ == "__main__":
    main()
