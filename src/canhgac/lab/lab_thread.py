"""Run the built-in lab in a background thread with its own event loop.

The scan then runs in the caller's loop exactly as against real servers, and the lab keeps
answering while the CLI renders progress. Leaving the block stops the lab and then ends
whatever its loop still runs (sessions of clients that never hung up, their timers) the way
``asyncio.run`` does: cancelled and awaited, so that none is destroyed pending at exit.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canhgac.lab.runtime import Lab


class LabThread:
    def __init__(self, base_port: int | None = None) -> None:
        self._base_port = base_port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="canhgac-lab", daemon=True)
        self.lab: Lab | None = None

    def __enter__(self) -> Lab:
        from canhgac.lab.runtime import start_lab

        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(start_lab(self._base_port), self._loop)
        try:
            self.lab = future.result(timeout=60)
        except BaseException:
            self.__exit__(None, None, None)  # the loop and its thread end with a failed start too
            raise
        return self.lab

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.lab is not None:
                asyncio.run_coroutine_threadsafe(self.lab.stop(), self._loop).result(timeout=30)
        finally:
            asyncio.run_coroutine_threadsafe(_end_pending_tasks(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


async def _end_pending_tasks() -> None:
    """Cancel every other task of this loop, wait for them, and close its async generators."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
