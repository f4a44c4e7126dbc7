"""``canhgac sweep``: the host sweep (docs/sweep.md). Its options are the sweep's own command
line (``canhgac.sweep.cli``, argparse), the same as ``python -m canhgac.sweep`` on an agency PC
where canhgac is installed without the console; this command hands them over unchanged."""

from __future__ import annotations

import sys

import typer

from canhgac.i18n import N_

HELP = N_(
    "Sweep this computer for malware and APT traces (hashes, names, YARA, processes, "
    "connections, persistence, web shells); pack bundles: sweep pack keygen|build|verify; results "
    "into the store: sweep import FILE..., sweep unpin AGENCY HOST. "
    "Options: canhgac sweep --help."
)
CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def sweep(ctx: typer.Context) -> None:
    if ctx.args[:1] in (["import"], ["unpin"]):  # the console's side: the store, not this computer
        from canhgac.cli.common import state
        from canhgac.cli.sweep_import_cmd import import_main, unpin_main

        main = import_main if ctx.args[0] == "import" else unpin_main
        code = main(state(ctx), ctx.args[1:])
        sys.stdout.flush()
        raise typer.Exit(code)
    from canhgac.services.sweep import run_command

    code = run_command(ctx.args)
    sys.stdout.flush()
    raise typer.Exit(code)
