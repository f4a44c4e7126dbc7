"""Serve benchmark zones from a separate process, so the server's CPU is not the scanner's.

Usage: python -m bench.dns_server_proc ZONES.json ADDRESS[,ADDRESS...] DELAY
Prints ``READY <port> rcvbuf=<bytes>`` once every address listens on the same port, then
serves until killed.

Each UDP socket's receive buffer is enlarged after start. With the kernel default
(net.core.rmem_default, typically 208 KiB) a burst of a few hundred queries in flight
overflows the server's buffer (each small datagram is charged ~1 KiB), the kernel drops
them (``RcvbufErrors`` in /proc/net/snmp) and the scanner waits out its 2 s timeout and
retries. A production resolver is sized for its load; the benchmark's server is sized too,
so that what is measured is the scanner, not the lab server's socket.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

from canhgac.lab.dns_server import LabDnsServer
from canhgac.netguard import install_loopback_guard

RCVBUF = 8 << 20  # asked for; the kernel caps it at net.core.rmem_max (and doubles it)


def enlarge_buffers(server: LabDnsServer) -> int:
    """Enlarge the server's UDP receive buffer; returns the size the kernel granted.

    LabDnsServer keeps its transport private (``_udp``); the lab module is not ours to
    change, so this reads it and fails loudly if it ever moves.
    """
    transport = server._udp  # private on purpose upstream; see docstring
    if transport is None:
        raise RuntimeError("lab DNS server has no UDP transport: its internals changed")
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))


async def serve(zones: dict[str, str], addresses: list[str], delay: float) -> None:
    first = LabDnsServer(zones=zones, address=addresses[0], port=0, delay=delay)
    await first.__aenter__()
    servers = [first]
    for address in addresses[1:]:
        server = LabDnsServer(zones=zones, address=address, port=first.port, delay=delay)
        await server.__aenter__()
        servers.append(server)
    granted = min(enlarge_buffers(s) for s in servers)
    print(f"READY {first.port} rcvbuf={granted}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    install_loopback_guard()
    zones = json.loads(open(sys.argv[1], encoding="utf-8").read())
    asyncio.run(serve(zones, sys.argv[2].split(","), float(sys.argv[3])))


if __name__ == "__main__":
    main()
