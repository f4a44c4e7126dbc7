"""``canhgac sweep``: the host sweep (docs/sweep.md). Its options are the sweep's own command
line (``canhgac.sweep.cli``, argparse), the same as ``python -m canhgac.sweep`` on an agency PC
where canhgac is installed without the console; this command hands them over unchanged."""

from __future__ import annotations

import sys

import typer

from canhgac.i18n import N_

HELP = N_(
    "Sweep this computer for malware and APT traces (hashes, names, YARA, processes, "
    "connections, persistence, web shells); pack bundles: sweep pack keygen|build|verify. "
    "Options: canhgac sweep --help."
)
CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def sweep(ctx: typer.Context) -> None:
    from canhgac.services.sweep import run_command

    code = run_command(ctx.args)
    sys.stdout.flush()
    raise typer.Exit(code)
