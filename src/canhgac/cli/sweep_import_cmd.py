"""``canhgac sweep import FILE... [--agency CODE]`` and ``canhgac sweep unpin AGENCY HOST``: the
CSIRT's side of the host sweep's results (docs/sweep.md, section *Results*), on the workspace's
store. Each file is verified, pinned, stored once and judged (``services.sweep_results``); a
refused file is one line and the others are still imported. Exit: 0 imported (or already), 1 a
file has hits (imported now or before), 2 a file was refused."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Sequence
from pathlib import Path

from canhgac.cli.common import CliState, ExitCode, console, err_console, open_store
from canhgac.i18n import gettext as _


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description, add_help=False)
    p._positionals.title = _("Arguments")
    p._optionals.title = _("Options")
    p.add_argument("-h", "--help", action="help", help=_("Show this message and exit."))
    return p


def _say_error(message: str) -> None:
    err_console.print(_("Error") + ": " + message, markup=False, highlight=False, soft_wrap=True)


def import_main(st: CliState, argv: Sequence[str]) -> int:
    p = _parser(
        "canhgac sweep import",
        _("Import sweep result files into the store: hits become findings of the computer's agency."),
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=_("The result files (.json)"))
    p.add_argument("--agency", metavar="CODE", help=_("The agency, when the result does not declare one"))
    args = p.parse_args(list(argv))
    open_store(st, writable=True)
    from canhgac.services.sweep_results import MAX_BYTES, SweepImportError, import_result

    actor = f"cli:{getpass.getuser()}"
    code = int(ExitCode.OK)
    for path in args.files:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
            done = import_result(data, str(path), scope=None, actor=actor, via="cli", agency=args.agency)
        except OSError as exc:
            _say_error(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc))
            code = int(ExitCode.REFUSED)
            continue
        except SweepImportError as exc:
            _say_error(str(exc))
            code = int(ExitCode.REFUSED)
            continue
        if done.duplicate:
            line = _("{path}: already imported ({host} of {agency}), nothing changed")
        elif not done.newest:
            line = _(
                "{path}: {host} of {agency} stored, {hits} hits; an older sweep than the last one: "
                "findings unchanged"
            )
        else:
            line = _("{path}: {host} of {agency}, {hits} hits, {opened} findings opened, {fixed} fixed")
        console.print(
            line.format(
                path=path,
                host=done.host,
                agency=done.agency,
                hits=done.hits,
                opened=done.opened,
                fixed=done.fixed,
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if done.pinned:
            console.print(_("  key pinned for {host}").format(host=done.host), markup=False, highlight=False)
        if done.hits and code == ExitCode.OK:
            code = int(ExitCode.FINDINGS)
    return code


def unpin_main(st: CliState, argv: Sequence[str]) -> int:
    p = _parser(
        "canhgac sweep unpin",
        _("Forget a computer's pinned key: its next result pins a new one (after a reinstall)."),
    )
    p.add_argument("agency", metavar="AGENCY", help=_("The agency's code"))
    p.add_argument("host", metavar="HOST", help=_("The computer's host name"))
    args = p.parse_args(list(argv))
    open_store(st, writable=True)
    from canhgac.services.sweep_results import unpin

    if not unpin(None, args.agency, args.host, f"cli:{getpass.getuser()}"):
        _say_error(_("no swept computer {host} of {agency}").format(host=args.host, agency=args.agency))
        return int(ExitCode.REFUSED)
    console.print(
        _("The key of {host} of {agency} is forgotten: its next result pins a new one.").format(
            host=args.host.lower(), agency=args.agency
        ),
        markup=False,
        highlight=False,
    )
    return int(ExitCode.OK)
