"""The error a collector raises when it could not gather its facts at all."""

from __future__ import annotations

from canhgac.engine.results import ErrorReason


class CollectError(Exception):
    """Raised by a collector when the facts could not be gathered at all.

    Every check that needs those facts then yields ``error`` with this reason.
    """

    def __init__(self, reason: ErrorReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
