"""Loopback helpers for the engine's network tests: random 127.x addresses, a context for probes
of addresses (no DNS lookups), and a skip for machines without an IPv6 loopback.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import random
import socket

import pytest

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings


def random_loopback(second: tuple[int, int] = (1, 254), last: tuple[int, int] = (1, 254)) -> str:
    """A random ``127.x.y.z``, with x and z drawn from the ``second`` and ``last`` bounds (inclusive)."""
    return f"127.{random.randint(*second)}.{random.randint(0, 255)}.{random.randint(*last)}"


def free_port(*addresses: str) -> int:
    """A TCP port nobody listens on at any of ``addresses`` (nor on the wildcard address)."""
    while True:
        port = random.randint(20_000, 60_000)
        try:
            for address in addresses:
                with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
                    probe.bind((address, port))
        except OSError:
            continue
        return port


def network_context(*networks: str, net: NetworkLimits) -> CollectContext:
    """A context scoped to ``networks`` on loopback, for probes that never resolve a name."""
    return CollectContext(
        dns=DnsClient((ServerAddress("127.0.0.1", 53),), timeout=0.2, attempts=1),
        scope=Scope.build(networks=list(networks), loopback_only=True),
        settings=ScanSettings(net=net),
    )


def _ipv6_loopback(kind: socket.SocketKind) -> bool:
    try:
        with socket.socket(socket.AF_INET6, kind) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def needs_ipv6_loopback(kind: socket.SocketKind) -> pytest.MarkDecorator:
    """Skip the test where ``::1`` cannot be bound with ``kind`` sockets."""
    return pytest.mark.skipif(not _ipv6_loopback(kind), reason="no IPv6 loopback on this machine")
