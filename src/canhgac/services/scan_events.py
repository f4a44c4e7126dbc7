"""What a running scan streams to its front end: each check's result and progress ticks."""

from __future__ import annotations

from canhgac.engine.runner import Event, Progress

__all__ = ["Event", "Progress"]
