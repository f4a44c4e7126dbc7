"""What a running scan streams to its front end: discovery's stages, the plan's size, then each
check's result and progress ticks, in that order (the run's warnings arrive with the outcome,
``ScanOutcome.warnings``)."""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.engine.discovery import DiscoveryProgress, DiscoveryStage
from canhgac.engine.results import CheckResult
from canhgac.engine.runner import Progress

__all__ = ["DiscoveryProgress", "DiscoveryStage", "Event", "Planned", "Progress", "ScanEvent"]


@dataclass(frozen=True, slots=True)
class Planned:
    """Discovery is over: the plan has ``targets`` targets, and the first of them starts now."""

    targets: int


Event = CheckResult | Progress  # what the run streams to the front end
ScanEvent = DiscoveryProgress | Planned | CheckResult | Progress
