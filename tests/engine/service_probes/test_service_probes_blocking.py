"""run_blocking: a blocking library call within a deadline; its own socket timeout is TIMEOUT,
the deadline's expiry DEADLINE (with the abort called), its result or error handed back."""

from __future__ import annotations

import threading
import time

import pytest

from canhgac.engine.facts.services import ProbeError, ProbeFailure
from canhgac.engine.service_probes.blocking import run_blocking


async def test_result_and_error_are_handed_back() -> None:
    assert await run_blocking(lambda: 42, 1.0, lambda: None) == 42

    def broken() -> int:
        raise ValueError("parser met garbage")

    with pytest.raises(ValueError, match="garbage"):
        await run_blocking(broken, 1.0, lambda: None)


async def test_library_socket_timeout_is_a_timeout_not_the_deadline() -> None:
    def times_out() -> None:
        raise TimeoutError("timed out")  # what socket.timeout is

    with pytest.raises(ProbeError) as caught:
        await run_blocking(times_out, 5.0, lambda: None)
    assert caught.value.failure is ProbeFailure.TIMEOUT


async def test_deadline_expiry_aborts_the_call() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(ProbeError) as caught:
        await run_blocking(lambda: release.wait(10), 0.3, release.set)
    assert caught.value.failure is ProbeFailure.DEADLINE and release.is_set()
    assert time.monotonic() - started < 1.0
