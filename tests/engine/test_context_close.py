"""CollectContext.aclose: every registered closer runs once, in reverse order, despite failures."""

from __future__ import annotations

from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.scope import Scope


async def test_closers_run_once_in_reverse_order_even_when_one_fails() -> None:
    ctx = CollectContext(dns=DnsClient((ServerAddress("127.0.0.1", 53),)),
                         scope=Scope.build(domains=["agency.gov.test"], loopback_only=True))
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")

    async def broken() -> None:
        ran.append("broken")
        raise RuntimeError("a closer that fails")

    ctx.on_close(first)
    ctx.on_close(broken)
    await ctx.aclose()
    await ctx.aclose()  # nothing left to close
    assert ran == ["broken", "first"]
