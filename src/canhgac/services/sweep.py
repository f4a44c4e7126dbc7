"""The host sweep for the CLI: a facade, so that front ends depend on services only; the work
lives in ``canhgac.sweep`` (standalone, also ``python -m canhgac.sweep`` on an agency PC)."""

from __future__ import annotations

from collections.abc import Sequence


def run_command(argv: Sequence[str]) -> int:
    """``canhgac sweep ARGS``: the sweep's own command line (argparse), its exit code."""
    from canhgac.sweep.cli import main

    return main(list(argv))
