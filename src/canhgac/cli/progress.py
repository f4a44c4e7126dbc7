"""How long commands show how far they are: one transient bar per phase on a terminal; in logs
and pipes, where a bar would leave control characters, a plain line on stderr now and then.

The phases come from the layers below as plain events (the engine's discovery stages, the
scan's targets, the inventory reader's bytes and agencies); this module only renders them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from canhgac.cli.common import err_console

LINE_INTERVAL = 10.0  # seconds between two progress lines when there is no terminal


class PhaseProgress:
    """Phases of one command, each with a label, a count and an optional note.

    On a terminal (``console.is_terminal``) each phase is a line of a transient bar, removed
    when the command ends. Elsewhere nothing is drawn: a line ``label: count — note`` is written
    to ``lines`` (stderr) when ``interval`` seconds have passed since the start or the last line,
    so a short command prints nothing and a long one leaves a few readable lines in its log.
    """

    def __init__(
        self,
        console: Console,
        *,
        lines: Console | None = None,
        interval: float = LINE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lines = lines if lines is not None else err_console
        self._interval = interval
        self._clock = clock
        self._next_line = clock() + interval
        self._tasks: dict[str, TaskID] = {}
        self._bar: Progress | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
                console=console,
                transient=True,
            )

    def __enter__(self) -> PhaseProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(
        self, phase: str, label: str, done: int, total: int | None, *, note: str = "", percent: bool = False
    ) -> None:
        """Phase ``phase`` (shown as ``label``) has ``done`` of ``total`` (None: not yet known)
        units done; ``percent`` shows the share instead of the counts (e.g. bytes of a file)."""
        if self._bar is not None:
            task = self._tasks.get(phase)
            if task is None:
                task = self._tasks[phase] = self._bar.add_task(label, total=total, count="", note="")
            count = _count(done, total, percent)
            self._bar.update(task, description=label, total=total, completed=done, count=count, note=note)
            return
        now = self._clock()
        if now >= self._next_line:
            self._next_line = now + self._interval
            line = f"{label}: {_count(done, total, percent)}" + (f" — {note}" if note else "")
            self._lines.print(line, markup=False, highlight=False, soft_wrap=True)

    def end(self, phase: str) -> None:
        """The phase is over: its line leaves the bar (nothing to do without a terminal)."""
        task = self._tasks.pop(phase, None)
        if self._bar is not None and task is not None:
            self._bar.remove_task(task)


def _count(done: int, total: int | None, percent: bool) -> str:
    if total is None:
        return str(done)
    if percent:
        return f"{100 * done // total if total else 100}%"
    return f"{done}/{total}"
