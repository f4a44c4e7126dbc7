"""The lab's processes (bench/*_proc.py): start one and wait for its ``READY ...`` line, stop
them; and, inside such a process, its entry point.

Each lab process prints ``READY`` and what the benchmark needs to know (a port, how many
listeners) once it serves, then serves until it is killed or, for the ports lab, terminated.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canhgac.netguard import install_loopback_guard

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence

ROOT = Path(__file__).resolve().parent.parent

Lab = subprocess.Popen[str]


def start(what: str, module: str, *args: str) -> tuple[Lab, list[str]]:
    """``python -m module args`` from the repository root, once it printed its ``READY`` line.

    Returns the process and the words after ``READY``. When the process prints anything else
    first (or nothing), it is killed and the run ends: ``<what> did not start``.
    """
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        raise SystemExit(f"{what} did not start")
    return proc, line[1:]


def start_dns(zones: Path, addresses: Sequence[str], delay: str) -> tuple[Lab, int, int]:
    """The lab DNS server (bench/dns_server_proc.py) on ``addresses``, every answer delayed by
    ``delay`` seconds: the process, its port and the UDP receive buffer it was granted."""
    proc, ready = start("lab DNS server", "bench.dns_server_proc", str(zones), ",".join(addresses), delay)
    return proc, int(ready[0]), int(ready[1].removeprefix("rcvbuf="))


def stop(*labs: Lab) -> None:
    """Kill the lab processes and reap them."""
    for proc in labs:
        proc.kill()
        proc.wait()


def terminate(proc: Lab, timeout: float = 15) -> str:
    """Ask a lab process to stop (SIGTERM) and return what it printed after ``READY``; killed
    when it has not stopped after ``timeout`` seconds."""
    proc.terminate()
    try:
        rest, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    return rest or ""


def serve_plan(serve: Callable[[list[dict[str, Any]], Path], Coroutine[Any, Any, None]]) -> None:
    """A lab process's main (``python -m bench.NAME PLAN.json WORKDIR``): under the loopback
    guard, ``serve(plan, workdir)`` until it is killed."""
    install_loopback_guard()
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    asyncio.run(serve(plan, Path(sys.argv[2])))
