"""How long commands show how far they are: one transient bar per phase, on a terminal only.

In logs, pipes and cron mail nothing is drawn and nothing is written: a bar would leave control
characters there, and stderr stays what docs/cli.md promises, the one line of a failure. The
phases come from the layers below as plain events (the engine's discovery stages, the scan's
targets, the inventory reader's bytes and agencies); this module only renders them.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class PhaseProgress:
    """Phases of one command, each a line of a transient bar with a label, a count and a note,
    drawn on ``console`` when it is a terminal (else every call does nothing)."""

    def __init__(self, console: Console) -> None:
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
        if self._bar is None:
            return
        task = self._tasks.get(phase)
        if task is None:
            task = self._tasks[phase] = self._bar.add_task(label, total=total, count="", note="")
        self._bar.update(task, description=label, total=total, completed=done,
                         count=_count(done, total, percent), note=note)

    def end(self, phase: str) -> None:
        """The phase is over: its line leaves the bar."""
        task = self._tasks.pop(phase, None)
        if self._bar is not None and task is not None:
            self._bar.remove_task(task)


def _count(done: int, total: int | None, percent: bool) -> str:
    if total is None:
        return str(done)
    if percent:
        return f"{100 * done // total if total else 100}%"
    return f"{done}/{total}"
