"""Serve benchmark zones from a separate process, so the server's CPU is not the scanner's.

Usage: python -m bench.dns_server_proc ZONES.json ADDRESS[,ADDRESS...] DELAY
Prints ``READY <port>`` once every address listens on the same port, then serves until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys

from canhgac.lab.dns_server import LabDnsServer

from canhgac.netguard import install_loopback_guard


async def serve(zones: dict[str, str], addresses: list[str], delay: float) -> None:
    first = LabDnsServer(zones=zones, address=addresses[0], port=0, delay=delay)
    await first.__aenter__()
    servers = [first]
    for address in addresses[1:]:
        server = LabDnsServer(zones=zones, address=address, port=first.port, delay=delay)
        await server.__aenter__()
        servers.append(server)
    print(f"READY {first.port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    install_loopback_guard()
    zones = json.loads(open(sys.argv[1], encoding="utf-8").read())
    asyncio.run(serve(zones, sys.argv[2].split(","), float(sys.argv[3])))


if __name__ == "__main__":
    main()
