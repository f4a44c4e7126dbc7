"""Facts about the host a result comes from: name, OS, addresses."""

from __future__ import annotations

import platform
import socket
from typing import Any


def facts() -> dict[str, Any]:
    addresses: list[str] = []
    try:
        import psutil

        for name, addrs in psutil.net_if_addrs().items():
            for a in addrs:
                if a.family in (socket.AF_INET, socket.AF_INET6) and not a.address.startswith(
                    ("127.", "::1", "fe80")
                ):
                    addresses.append(f"{name}:{a.address.split('%')[0]}")
    except Exception:  # noqa: S110 - facts are best effort; a result is written regardless
        pass
    return {
        "name": socket.gethostname(),
        "os": platform.system(),
        "os_release": platform.release(),
        "os_version": platform.version(),
        "machine": platform.machine(),
        "addresses": sorted(addresses),
    }
