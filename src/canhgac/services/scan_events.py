"""What a running scan streams to its front end: each check's result and progress ticks (the
run's warnings arrive with the outcome, ``ScanOutcome.warnings``)."""

from __future__ import annotations

from canhgac.engine.results import CheckResult
from canhgac.engine.runner import Progress

Event = CheckResult | Progress

__all__ = ["Event", "Progress"]
