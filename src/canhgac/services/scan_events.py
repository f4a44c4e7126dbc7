"""What a running scan streams to its front end: discovery's stages, the plan's size, each
check's result and progress ticks, in that order."""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.engine.discovery import DiscoveryProgress, DiscoveryStage
from canhgac.engine.results import CheckResult
from canhgac.engine.runner import Event, Progress

__all__ = ["DiscoveryProgress", "DiscoveryStage", "Event", "Planned", "Progress", "ScanEvent"]


@dataclass(frozen=True, slots=True)
class Planned:
    """Discovery is over: the plan has ``targets`` targets, and the first of them starts now."""

    targets: int


ScanEvent = DiscoveryProgress | Planned | CheckResult | Progress
