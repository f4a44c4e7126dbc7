"""Which process owns a scan run, and whether that process still exists.

A run is written ``running`` when it starts and closed when it ends; a process killed outright
(SIGKILL, power loss) never closes it. The run records its owner — host name, process id and
an identity of that process (the kernel's boot id and the process's start tick on Linux) — so
that the next start on the same host can tell a dead owner from a live one, even when the
process id has been reused since.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    host: str
    pid: int
    started: str  # "" where the platform does not tell when a process started


def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _start_tick(pid: int) -> str:
    """Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else ""


def started_token(pid: int) -> str:
    """The identity of process ``pid`` at this moment ("" if unknown or gone)."""
    boot, tick = _boot_id(), _start_tick(pid)
    return f"{boot}:{tick}" if boot and tick else ""


def current_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(socket.gethostname(), pid, started_token(pid))


def owner_is_gone(owner: ProcessIdentity | None) -> bool | None:
    """True when the owner process no longer exists, False when it does, None when this host
    cannot tell (another host). ``None`` as owner: a run from before owners were recorded."""
    if owner is None:
        return True
    if owner.host != socket.gethostname():
        return None
    if owner.started:
        token = started_token(owner.pid)
        if token:
            return token != owner.started  # the pid was reused, or the machine rebooted
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False
