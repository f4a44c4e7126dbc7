"""Helpers shared by the lab's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

Server = TypeVar("Server", bound=Any)


@asynccontextmanager
async def running(server: Server) -> AsyncIterator[Server]:
    """``server`` started for the block, then stopped; it must have counted no internal error."""
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.internal_errors == 0
