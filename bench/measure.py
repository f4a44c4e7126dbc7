"""Run a command in a child process and measure wall time, CPU time and peak memory."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int

    def row(self) -> str:
        return f"| {self.label} | {self.wall_s:.2f} | {self.cpu_s:.2f} | {self.peak_rss_mb:.0f} |"


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
