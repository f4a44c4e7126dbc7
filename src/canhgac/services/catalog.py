"""The checks this installation runs, for the CLI and the console (the engine's built-in registry)."""

from __future__ import annotations

from canhgac.engine.builtin import builtin_registry

__all__ = ["builtin_registry"]
