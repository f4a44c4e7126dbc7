"""Running a blocking client library (impacket) from the async probes, within a deadline.

The call runs in a daemon thread of its own (never the loop's shared executor, which a stuck
call could starve). At the deadline the probe stops waiting, calls ``abort`` (which closes the
client's socket, waking a blocked ``recv``) and reports a DEADLINE failure; the thread then ends
on its own as soon as its socket fails. The client's sockets also carry ``read_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from canhgac.engine.facts.services import ProbeError, ProbeFailure

T = TypeVar("T")
# impacket logs what it meets in a server's answers (unknown tokens, failed parses) at error
# level; those are facts the probe reports, not errors of canhgac: keep them out of stderr.
logging.getLogger("impacket").setLevel(logging.CRITICAL)


async def run_blocking(call: Callable[[], T], deadline: float, abort: Callable[[], None]) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result = call()
        except BaseException as exc:  # handed to the awaiting coroutine, never lost
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, None, exc)
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=work, name="canhgac-probe", daemon=True).start()
    limit = asyncio.timeout(deadline)
    try:
        async with limit:
            return await asyncio.shield(future)
    except TimeoutError as exc:
        if not limit.expired():  # the library's own socket timeout (socket.timeout is TimeoutError)
            raise ProbeError(ProbeFailure.TIMEOUT, f"no reply within the read timeout: {exc}") from exc
        with contextlib.suppress(Exception):
            abort()
        raise ProbeError(ProbeFailure.DEADLINE, f"no answer within {deadline:g}s") from exc
