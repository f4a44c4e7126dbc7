"""``canhgac report`` (HTML/JSON/CSV of a run) and ``canhgac schema`` (generated JSON schemas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast

import typer
from pydantic import BaseModel

from canhgac.cli.common import ExitCode, console, fail, open_store, state
from canhgac.engine.results import CheckResult
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.reports.model import Language, ReportInput
from canhgac.services.reporting import (
    FORMATS,
    NoRunError,
    ReportFolderUnusableError,
    ReportOutputError,
    UnknownAgencyError,
    UnknownProviderError,
    write_reports,
)

REPORT_HELP = N_("Write the province report: the current state of every target (latest result per target and "
                 "check across runs, with the runs it comes from), or one run with --run.")
SCHEMA_HELP = N_("Print the JSON schema of a result or of a report input (generated from the models).")


def report(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option(help=N_("Report this run alone (default: the current state of every target, across runs)"))] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help=N_("html, json or csv; repeat for several (default: all)"))] = None,
    out: Annotated[Path | None, typer.Option(help=N_("Folder for the files (default: WORKSPACE/reports)"))] = None,
    provider: Annotated[str | None, typer.Option(help=N_("Only what this provider's declared ranges expose (directive task 4)"))] = None,
    agency: Annotated[str | None, typer.Option(help=N_("Only this agency's results: a report its head can be sent"))] = None,
) -> None:
    """Write the province report: the current state of every target (latest result per target and
    check across runs, with the runs it comes from), or one run with --run."""
    st = state(ctx)
    formats = tuple(fmt or FORMATS)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise fail(_("unknown format(s): {formats}").format(formats=", ".join(bad)))
    if agency and provider:
        raise fail(_("--agency and --provider select different reports: give one of them"))
    open_store(st)
    try:
        paths = write_reports(run, out or st.workspace / "reports", lang=cast(Language, st.lang), formats=formats,
                              catalog=st.catalog(), provider=provider, agency=agency)
    except ReportFolderUnusableError as exc:
        raise fail(str(exc), ExitCode.UNAVAILABLE) from None
    except (NoRunError, UnknownProviderError, UnknownAgencyError, ReportOutputError) as exc:
        raise fail(str(exc)) from None
    for path in paths:
        console.print(_("Report written: {path}").format(path=path))


def schema(
    what: Annotated[str, typer.Argument(help=N_("result or report"))] = "result",
) -> None:
    """Print the JSON schema of a result or of a report input (generated from the models)."""
    models: dict[str, type[BaseModel]] = {"result": CheckResult, "report": ReportInput}
    if what not in models:
        raise fail(_("unknown schema: {name}").format(name=what))
    typer.echo(json.dumps(models[what].model_json_schema(), indent=2, ensure_ascii=False))
