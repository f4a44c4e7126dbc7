"""DNS over TCP is identified at once (routers and domain controllers expose 53/tcp)."""

from __future__ import annotations

import random
import time

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Service
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.lab.dns_resolver import DnsTcpResolverResponder


def _address() -> str:
    return f"127.{random.randint(100, 200)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def test_a_dns_server_on_tcp_is_recognised_quickly() -> None:
    server = DnsTcpResolverResponder(_address(), 53)  # its usual port: DNS is asked first
    await server.start()
    try:
        started = time.monotonic()
        reading = await identify(server.address, server.port, ProbeOptions(NetworkLimits(read_timeout=1.0)))
        elapsed = time.monotonic() - started
    finally:
        await server.stop()
    assert reading.service is Service.DNS
    assert dict(reading.info)["recursion_available"] == "yes"
    # the passive banner wait (1 s here) then one DNS exchange; before: every other protocol's
    # read timeout in turn (about 22 s with the default 10 s)
    assert elapsed < 2.0
