"""One UDP question to one address: scope check, one datagram, a bounded wait for the reply.

:func:`udp_exchange` asks the scope guard first (an address outside it gets ``out_of_scope`` and
no packet), sends exactly one datagram from a connected socket (so only the probed address can
answer, and an ICMP port-unreachable is reported as ``unreachable`` at once), and waits at most
``ctx.net.read_timeout`` for the reply. What arrives is bounded: at most :data:`MAX_DATAGRAMS`
datagrams and ``ctx.net.max_reply_bytes`` bytes are kept (a flood ends the wait early).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import MAX_TEXT, UdpOutcome
from canhgac.engine.scope import OutOfScopeError

MAX_DATAGRAMS = 32

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UdpExchange:
    outcome: UdpOutcome
    datagrams: tuple[bytes, ...] = ()
    bytes_sent: int = 0
    bytes_received: int = 0
    detail: str = ""


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, complete: Callable[[list[bytes]], bool], max_bytes: int) -> None:
        self.complete = complete
        self.max_bytes = max_bytes
        self.datagrams: list[bytes] = []
        self.kept = 0
        self.received = 0
        self.refused = False
        self.error = ""
        self.done = asyncio.Event()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.received += len(data)
        if self.done.is_set():
            return
        if len(self.datagrams) >= MAX_DATAGRAMS or self.kept + len(data) > self.max_bytes:
            self.error = "reply over the size bound"
            self.done.set()
            return
        self.datagrams.append(data)
        self.kept += len(data)
        if self.complete(self.datagrams):
            self.done.set()

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.refused = True
        else:
            self.error = f"{type(exc).__name__}: {exc}"[:MAX_TEXT]
        self.done.set()


async def udp_exchange(
    ctx: CollectContext, address: str, port: int, payload: bytes, complete: Callable[[list[bytes]], bool]
) -> UdpExchange:
    """Send ``payload`` once to address:port; gather replies until ``complete`` or the read timeout."""
    try:
        ctx.scope.require_address(address)
    except OutOfScopeError as exc:
        return UdpExchange(UdpOutcome.OUT_OF_SCOPE, detail=str(exc))
    loop = asyncio.get_running_loop()
    receiver = _Receiver(complete, ctx.net.max_reply_bytes)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: receiver, remote_addr=(address, port), family=family
        )
    except OSError as exc:
        return UdpExchange(UdpOutcome.ERROR, detail=f"{type(exc).__name__}: {exc}"[:MAX_TEXT])
    try:
        transport.sendto(payload)
        with contextlib.suppress(TimeoutError):  # the wait is bounded; what arrived is judged below
            await asyncio.wait_for(receiver.done.wait(), ctx.net.read_timeout)
    finally:
        transport.abort()
    got = tuple(receiver.datagrams)
    if got:
        outcome = UdpOutcome.ANSWERED if complete(list(got)) else UdpOutcome.MALFORMED
    elif receiver.refused:
        outcome = UdpOutcome.UNREACHABLE
    else:
        outcome = UdpOutcome.ERROR if receiver.error else UdpOutcome.NO_ANSWER
    return UdpExchange(outcome, got, len(payload), receiver.received, receiver.error)


async def ask(
    ctx: CollectContext, address: str, port: int, payload: bytes, parse: Callable[[bytes], T | None]
) -> tuple[UdpExchange, T | None]:
    """One question whose answer is one datagram that ``parse`` accepts."""
    exchange = await udp_exchange(
        ctx, address, port, payload, lambda dgs: any(parse(d) is not None for d in dgs)
    )
    return exchange, next((r for d in exchange.datagrams if (r := parse(d)) is not None), None)
