"""The running system: processes and their binaries, network connections, the hosts file and
the DNS cache, read through :class:`LiveSource` so that tests feed fixtures.

:class:`PsutilSource` is the real one (psutil; ``ipconfig /displaydns`` on Windows, ``resolvectl
show-cache`` where systemd-resolved runs: both local commands, no packet sent).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Process:
    pid: int
    name: str
    exe: str
    cmdline: str
    user: str = ""


@dataclass(frozen=True, slots=True)
class Connection:
    pid: int | None
    local: str
    remote_ip: str
    remote_port: int
    status: str


class LiveSource(Protocol):
    def processes(self) -> Iterable[Process]: ...
    def connections(self) -> Iterable[Connection]: ...
    def hosts_file(self) -> Path: ...
    def dns_cache(self) -> Iterable[str]: ...


def hosts_path() -> Path:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import os

        return Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32" / "drivers" / "etc" / "hosts"  # noqa: SIM112 - Windows' own spelling
    return Path("/etc/hosts")


def parse_hosts(text: str) -> list[tuple[str, list[str]]]:
    """(address, names) of each line of a hosts file."""
    entries = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            entries.append((fields[0], fields[1:]))
    return entries


_NAME = re.compile(
    r"(?:Record Name|Tên Bản ghi)[ .]*:\s*(\S+)|^\s*([A-Za-z0-9_.-]+\.[A-Za-z]{2,})\.?\s+IN\s", re.I | re.M
)


def parse_dns_cache(text: str) -> list[str]:
    """Names in ``ipconfig /displaydns`` or ``resolvectl show-cache`` output."""
    names = {(m.group(1) or m.group(2)).rstrip(".").lower() for m in _NAME.finditer(text)}
    return sorted(names)


class PsutilSource:
    """This machine, through psutil."""

    def processes(self) -> Iterable[Process]:
        import psutil

        for proc in psutil.process_iter(["pid", "name", "exe", "cmdline", "username"]):
            info = proc.info
            yield Process(
                int(info["pid"]),
                info.get("name") or "",
                info.get("exe") or "",
                " ".join(info.get("cmdline") or [])[:2000],
                info.get("username") or "",
            )

    def connections(self) -> Iterable[Connection]:
        import psutil

        try:
            conns = psutil.net_connections(kind="inet")
        except (psutil.AccessDenied, OSError):
            return
        for c in conns:
            if not c.raddr:
                continue
            local = f"{c.laddr.ip}:{c.laddr.port}" if c.laddr else ""
            yield Connection(c.pid, local, c.raddr.ip, c.raddr.port, c.status)

    def hosts_file(self) -> Path:
        return hosts_path()

    def dns_cache(self) -> Iterable[str]:
        command = ["ipconfig", "/displaydns"] if sys.platform == "win32" else ["resolvectl", "show-cache"]
        try:
            out = subprocess.run(command, capture_output=True, timeout=20, check=False)  # noqa: S603
        except (OSError, subprocess.SubprocessError):
            return []
        return parse_dns_cache(out.stdout.decode("utf-8", "replace"))
