"""The ``canhgac`` command: global options, then one sub-command per job."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from canhgac import __version__
from canhgac.cli.common import ExitCode, err_console, fail
from canhgac.cli.failures import describe
from canhgac.cli.global_options import LANGUAGES, GlobalOptionsGroup, settle
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_, set_language


def _terminate_like_ctrl_c(signum: int, frame: object) -> None:
    """SIGTERM outside async work (start-up, opening the store) ends as Ctrl-C does, exit 130;
    during a scan ``run_async`` handles both signals itself."""
    raise KeyboardInterrupt


class CanhgacApp(TranslatedTyper):
    """The Typer app, with known failures (``cli.failures``) turned into one line and an exit code."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
        if os.environ.get("CANHGAC_LANG") in LANGUAGES:  # a help screen may come before --lang is read
            set_language(os.environ["CANHGAC_LANG"])
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            failure = describe(exc)
            if failure is None:
                raise
            logging.getLogger("canhgac.cli").info("%s", failure.message, exc_info=exc)  # details: -v
            if failure.code is ExitCode.INTERRUPTED:
                err_console.print(f"[yellow]{escape(failure.message)}[/]", soft_wrap=True)
            else:
                fail(failure.message)  # prints the one line
            sys.exit(int(failure.code))


app = CanhgacApp(
    name="canhgac",
    help=N_("canhgac: scan and watch the security of a province's state agencies."),
    cls=GlobalOptionsGroup,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (docs/cli.md)
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"canhgac {__version__}")
        raise typer.Exit


@app.callback()
def main(
    ctx: typer.Context,
    catalog: Annotated[Path | None, typer.Option("--catalog", envvar="CANHGAC_CATALOG_DIR", help=N_("Catalog data folder (default: the packaged catalog). Env: CANHGAC_CATALOG_DIR"))] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version"))] = False,
) -> None:
    """canhgac: scan and watch the security of a province's state agencies."""
    settle(ctx, catalog_dir=catalog)  # the global options (cli/global_options.py), before the command's own


def _mount() -> None:
    from canhgac.cli import (
        alerts_cmd,
        catalog_cmd,
        compliance_cmd,
        config_cmd,
        creds_cmd,
        demo_cmd,
        duty_cmd,
        events_cmd,
        findings_cmd,
        forms_cmd,
        incidents_cmd,
        indicators_cmd,
        inventory_cmd,
        lab_cmd,
        logs_cmd,
        migrate_cmd,
        report_cmd,
        scan_cmd,
        serve_cmd,
        sweep_cmd,
        users_cmd,
        vulns_cmd,
        watch_cmd,
        worker_cmd,
    )

    app.command("scan", help=scan_cmd.HELP)(scan_cmd.scan)
    app.command("retest", help=findings_cmd.RETEST_HELP)(findings_cmd.retest)
    app.command("report", help=report_cmd.REPORT_HELP)(report_cmd.report)
    app.command("demo", help=demo_cmd.HELP)(demo_cmd.demo)
    app.command("schema", help=report_cmd.SCHEMA_HELP)(report_cmd.schema)
    app.command("serve", help=serve_cmd.HELP)(serve_cmd.serve_command)
    app.command("migrate", help=migrate_cmd.HELP)(migrate_cmd.migrate)
    app.command("worker", help=worker_cmd.HELP)(worker_cmd.worker)
    app.command("sweep", help=sweep_cmd.HELP, context_settings=sweep_cmd.CONTEXT, add_help_option=False)(sweep_cmd.sweep)
    app.add_typer(inventory_cmd.app, name="inventory", help=N_("Check and import inventories."))
    app.add_typer(catalog_cmd.app, name="catalog", help=N_("Browse checks and frameworks."))
    app.add_typer(lab_cmd.app, name="lab", help=N_("The built-in demo lab (loopback only)."))
    app.add_typer(findings_cmd.app, name="findings", help=N_("List and triage findings."))
    app.add_typer(events_cmd.app, name="events", help=N_("The event outbox (findings opened/fixed, scans ended)."))
    app.add_typer(users_cmd.app, name="users", help=N_("Console users, roles and the security log."))
    app.add_typer(vulns_cmd.app, name="vulns", help=N_("Offline vulnerability data (import OSV/NVD, look up a version)."))
    app.add_typer(watch_cmd.app, name="watch", help=N_("The holiday watch: monitors, checks every minute, alerts."))
    app.add_typer(alerts_cmd.app, name="alerts", help=N_("The watch's alerts: list, acknowledge, messages sent."))
    app.add_typer(incidents_cmd.app, name="incidents", help=N_("Incidents: open, timeline, state, links, who was told, the 5-day clock."))
    app.add_typer(indicators_cmd.app, name="indicators", help=N_("Indicator packs for the sweep (STIX, MISP, lists); an incident's indicators shared with TLP."))
    app.add_typer(duty_cmd.app, name="duty", help=N_("The duty roster: import the CSV, who is on duty now."))
    app.add_typer(compliance_cmd.app, name="compliance", help=N_("The directive's compliance: status per agency and item, answers, approvals, the province summary."))
    app.add_typer(forms_cmd.app, name="forms", help=N_("Official documents as DOCX: forms 03, 04 and 05 of Circular 20/2017."))
    app.add_typer(creds_cmd.app, name="creds", help=N_("Credentials: breach imports and leaked accounts, the offline Pwned Passwords service, the password-policy audit."))
    app.add_typer(logs_cmd.app, name="logs", help=N_("Log anomaly detection: scan agencies' web, mail and login logs for attacks, store them, alert."))
    app.add_typer(config_cmd.app, name="config", help=N_("The effective settings (flags, environment, canhgac.toml)."))


_mount()


def run() -> None:
    """Console-script entry point; the program is named canhgac in usage lines and shell completion
    however it was started."""
    app(prog_name="canhgac")
