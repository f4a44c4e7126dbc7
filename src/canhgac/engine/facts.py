"""Facts: what collectors observed, immutable and typed.

A fact is a frozen dataclass. Collectors produce facts; checks read them and never do I/O.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from canhgac.engine.results import ErrorReason


@runtime_checkable
class Fact(Protocol):
    """Marker protocol: every fact type is a frozen dataclass."""

    __dataclass_fields__: dict[str, object]


class CollectError(Exception):
    """Raised by a collector when the facts could not be gathered at all.

    Every check that needs those facts then yields ``error`` with this reason.
    """

    def __init__(self, reason: ErrorReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
