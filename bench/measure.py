"""What one tool's run costs: wall time, CPU time and peak memory of its child process, and the
CPU the lab's processes spent meanwhile."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psutil

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class Measurement:
    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int

    def figures(self) -> tuple[str, str, str]:
        """Wall (s), CPU (s) and peak RSS (MB) as the tables show them."""
        return f"{self.wall_s:.2f}", f"{self.cpu_s:.2f}", f"{self.peak_rss_mb:.0f}"

    def row(self) -> str:
        return "| " + " | ".join((self.label, *self.figures())) + " |"


def measure(
    label: str,
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    stdout_path: str | None = None,
    timeout: float = 3600,
) -> Measurement:
    """Wall clock around the child; CPU (user+sys) and max RSS from wait4's rusage."""
    out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.01)
    wall = time.perf_counter() - start
    if stdout_path:
        out.close()  # type: ignore[union-attr]
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"[{label}] exited {code}:\n{err[-3000:]}")
    return Measurement(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def lab_cpu(lab: Sequence[psutil.Process]) -> float:
    """CPU time (user+sys) the lab's processes and their children have used so far."""
    total = 0.0
    for proc in lab:
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += sum(p.cpu_times()[:2])
    return total


@dataclass(frozen=True)
class ToolRun:
    """One tool's measured run, the lab's CPU during it, and how many targets it was given."""

    m: Measurement
    lab_cpu_s: float
    targets: int = 0  # endpoints, portals...: what a partial run is scaled from

    def scaled(self, total: int) -> tuple[float, float]:
        """Wall and CPU time scaled linearly from this run's targets to ``total``."""
        k = total / self.targets
        return self.m.wall_s * k, self.m.cpu_s * k


def run_tool(
    lab: Sequence[psutil.Process], label: str, cmd: list[str], targets: int = 0, **kw: Any
) -> ToolRun:
    """Measure ``cmd`` (keywords as :func:`measure`'s), print its row, note the lab's CPU meanwhile."""
    cpu0 = lab_cpu(lab)
    m = measure(label, cmd, **kw)
    print(m.row(), flush=True)
    return ToolRun(m, lab_cpu(lab) - cpu0, targets)
