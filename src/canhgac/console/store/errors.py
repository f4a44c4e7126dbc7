"""Errors of the findings store that a caller can act on (the CLI turns them into one line)."""

from __future__ import annotations


class StoreError(Exception):
    """A request the store cannot satisfy as asked."""


class RunNotRunningError(StoreError, ValueError):
    """Results or a finish were sent to a run that has already ended."""


class RunNotFinishedError(StoreError, ValueError):
    """A run still in progress was asked for what only an ended run has (a report, a diff)."""

    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"run {run_id} has not finished (it is {status})")
        self.run_id = run_id
        self.status = status


class InventoryApplyError(StoreError):
    """Why a checked document cannot be applied; ``reason`` is one of the class's constants."""

    NOT_FOUND = "not_found"  # no such checked document (or already applied)
    STALE = "stale"  # the inventory was changed since the document was compared with it

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
