"""run_async: asyncio.run whose main task never holds the (possibly huge) result.

Plain ``asyncio.run`` formats ``repr(main task)``, result included, when it restores the SIGINT
handler on leaving (CPython 3.11): twice per run here, a second of CPU for a province's results.
"""

from __future__ import annotations

import asyncio

import pytest

from canhgac.cli.common import run_async


class Counted:
    """A result that counts how often it is printed."""

    printed = 0

    def __repr__(self) -> str:
        Counted.printed += 1
        return "Counted()"


async def _work() -> Counted:
    await asyncio.sleep(0)
    return Counted()


def test_result_comes_back_without_being_printed() -> None:
    Counted.printed = 0
    assert isinstance(run_async(_work()), Counted)
    assert Counted.printed == 0


def test_errors_propagate() -> None:
    async def broken() -> None:
        raise ValueError("scan failed")

    with pytest.raises(ValueError, match="scan failed"):
        run_async(broken())
