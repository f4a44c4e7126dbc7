"""A process-wide loopback guard: refuse any socket traffic to an address off this machine.

Installed by the test suite, the demo and the benchmarks (which also run third-party tools in
the same process), so that a bug or a tool's own network habit cannot reach another host.
The scope guard (canhgac.engine.scope) is the product's rule; this is the lab's safety net.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_installed = False


class NetworkGuardError(OSError):
    """Traffic to a non-loopback address was attempted under the loopback guard."""


def _host_of(address: Any) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # AF_UNIX paths and the like


def _check(address: Any) -> None:
    host = _host_of(address)
    if host is None:
        return
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        if host in ("localhost", "localhost.localdomain"):
            return
        raise NetworkGuardError(f"loopback guard: refusing to contact host name {host!r}") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not (ip.is_loopback or ip.is_unspecified):
        raise NetworkGuardError(f"loopback guard: refusing to contact {ip}")


def install_loopback_guard() -> None:
    """Patch socket connect/sendto and getaddrinfo so only loopback can be reached. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex
    orig_sendto = socket.socket.sendto
    orig_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        _check(address)
        orig_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return orig_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check(args[-1])
        return orig_sendto(self, data, *args)  # type: ignore[call-overload, no-any-return]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            name = host.decode() if isinstance(host, bytes) else str(host)
            _check((name, 0))
        return orig_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    socket.socket.sendto = sendto  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo
