"""``canhgac compliance``: each agency's status on each item of the directive (from scans, the watch
and approved answers), an officer's answer with evidence files, the CSIRT's approval or
rejection, and the province summary for the People's Committee (DOCX or HTML)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _

app = TranslatedTyper(no_args_is_help=True)

AS_HELP = N_("Act as this console user (their role and agencies); default: the CSIRT")
HOLIDAY_HELP = N_(
    "First day of the holiday (YYYY-MM-DD): items are due before it; without it nothing is late"
)
AgencyArg = Annotated[str, typer.Argument(help=N_("Agency code"))]
ItemArg = Annotated[str, typer.Argument(help=N_("Item of the directive, e.g. 5.plan-response"))]
AsOpt = Annotated[str | None, typer.Option("--as", help=AS_HELP)]


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise fail(_("{option} takes a date, e.g. 2027-02-06").format(option=option)) from None


def _open(ctx: typer.Context, writable: bool = False) -> Any:
    open_store(state(ctx), writable=writable)
    from canhgac.services import compliance

    return compliance


def _viewer(compliance: Any, as_user: str | None, agency: str | None = None) -> Any:
    try:
        return compliance.viewer(cli_actor(), as_user, agency)
    except compliance.ComplianceError as exc:
        raise fail(str(exc)) from None


def _status(
    ctx: typer.Context, as_user: str | None, agency: str | None, holiday: str | None, today: str | None
) -> tuple[Any, Any, Any]:
    compliance = _open(ctx)
    who = _viewer(compliance, as_user, agency)
    try:
        result = compliance.compliance_status(
            who.scope,
            lang=state(ctx).lang,
            today=_day(today, "--today") or dt.date.today(),
            holiday=_day(holiday, "--holiday"),
        )
    except compliance.DirectiveError as exc:
        raise fail(str(exc)) from None
    return compliance, who, result


@app.command("status", help=N_("Each agency's status on each item of the directive, with its evidence."))
def status(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option("--agency", "-a", help=N_("Only this agency"))] = None,
    holiday: Annotated[str | None, typer.Option("--holiday", help=HOLIDAY_HELP)] = None,
    today: Annotated[
        str | None, typer.Option("--today", help=N_("Judge as of this day (YYYY-MM-DD)"))
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
    as_user: AsOpt = None,
) -> None:
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    _module, _who, result = _status(ctx, as_user, agency, holiday, today)
    lang = state(ctx).lang
    if fmt == "json":
        rows = [
            {
                "agency": cell.agency,
                "task": result.directive.task_of(cell.item).id,
                "item": cell.item,
                "status": cell.status.value,
                "why": cell.why,
                "due": cell.due.isoformat() if cell.due else None,
                "evidence": [{"kind": e.kind, "ref": e.ref} for e in cell.evidence],
            }
            for code in result.agencies
            for cell in result.row(code)
        ]
        typer.echo(
            json.dumps(
                {
                    "today": result.today.isoformat(),
                    "holiday": result.holiday.isoformat() if result.holiday else None,
                    "cells": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not result.agencies:
        console.print(_("No agency to show."))
        return
    table = Table(show_lines=False)
    for head in (_("Agency"), _("Item"), _("Status"), _("Why"), _("Due"), _("Evidence")):
        table.add_column(head)
    for code in result.agencies:
        for cell in result.row(code):
            evidence = ", ".join(f"{e.kind}:{e.ref[:12]}" for e in cell.evidence[:3])
            if len(cell.evidence) > 3:
                evidence += " " + _("(+{count} more)").format(count=len(cell.evidence) - 3)
            table.add_row(
                code,
                cell.item,
                cell.status.label(lang),
                cell.explain(lang),
                cell.due.isoformat() if cell.due else "",
                evidence,
            )
    console.print(table)


@app.command("answer", help=N_("Answer a self-assessment item for an agency, with evidence files."))
def answer(
    ctx: typer.Context,
    agency: AgencyArg,
    item: ItemArg,
    value: Annotated[str, typer.Argument(help=N_("yes, partly or no"))],
    note: Annotated[str, typer.Option("--note", help=N_("What was done, in a few words"))] = "",
    files: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help=N_("Evidence file (repeatable)"))
    ] = None,
    as_user: AsOpt = None,
) -> None:
    compliance = _open(ctx, writable=True)
    who = _viewer(compliance, as_user)
    loaded = []
    for path in files or []:
        try:
            if path.stat().st_size > compliance.MAX_BYTES:
                raise fail(
                    _("{file}: more than the limit of {limit} bytes").format(
                        file=path.name, limit=compliance.MAX_BYTES
                    )
                )
            loaded.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise fail(
                _("{file}: cannot be read: {error}").format(file=path, error=exc.strerror or exc)
            ) from None
    try:
        compliance.answer(
            who,
            agency=agency,
            item_id=item,
            answer_value=value,
            note=note,
            files=loaded,
            workspace=state(ctx).workspace.resolve(),
            now=dt.datetime.now(dt.UTC),
        )
    except (compliance.ComplianceError, compliance.EvidenceError) as exc:
        raise fail(str(exc)) from None
    console.print(
        _("Answer recorded for {agency}, item {item}: waiting for the CSIRT's review.").format(
            agency=agency, item=item
        )
    )


def _review(
    ctx: typer.Context, agency: str, item: str, approve: bool, reason: str, as_user: str | None
) -> None:
    compliance = _open(ctx, writable=True)
    who = _viewer(compliance, as_user)
    try:
        compliance.review(
            who, agency=agency, item_id=item, approve=approve, reason=reason, now=dt.datetime.now(dt.UTC)
        )
    except compliance.ComplianceError as exc:
        raise fail(str(exc)) from None


@app.command("approve", help=N_("Approve an agency's answer (the CSIRT)."))
def approve(
    ctx: typer.Context,
    agency: AgencyArg,
    item: ItemArg,
    note: Annotated[str, typer.Option("--note", help=N_("A remark kept with the decision"))] = "",
    as_user: AsOpt = None,
) -> None:
    _review(ctx, agency, item, True, note, as_user)
    console.print(_("Approved: {agency}, item {item}.").format(agency=agency, item=item))


@app.command("reject", help=N_("Reject an agency's answer, with the reason (the CSIRT)."))
def reject(
    ctx: typer.Context,
    agency: AgencyArg,
    item: ItemArg,
    reason: Annotated[str, typer.Option("--reason", help=N_("Why the answer is rejected"))],
    as_user: AsOpt = None,
) -> None:
    _review(ctx, agency, item, False, reason, as_user)
    console.print(_("Rejected: {agency}, item {item}.").format(agency=agency, item=item))


@app.command("show", help=N_("An agency's answer to an item: files and history."))
def show(ctx: typer.Context, agency: AgencyArg, item: ItemArg, as_user: AsOpt = None) -> None:
    compliance = _open(ctx)
    who = _viewer(compliance, as_user)
    view = compliance.answer_view(who.scope, agency, item)
    if view is None:
        raise fail(
            _("no answer of {agency} to item {item} that you may see").format(agency=agency, item=item)
        )
    console.print(
        _("Answer: {answer}; review: {review} {reason}").format(
            answer=view.answer, review=view.review, reason=view.review_reason
        )
    )
    for f in view.files:
        console.print(f"  {f.name}  {f.size} B  {f.content_type}  sha256:{f.sha256}")
    for h in view.history:
        console.print(f"  {h.at:%Y-%m-%d %H:%M}  {h.action}  {h.answer}  {h.actor}  {h.text}")


@app.command("summary", help=N_("The province summary for the People's Committee (DOCX or HTML)."))
def summary(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help=N_("File to write: .docx or .html"))],
    holiday: Annotated[str | None, typer.Option("--holiday", help=HOLIDAY_HELP)] = None,
    today: Annotated[
        str | None, typer.Option("--today", help=N_("Judge as of this day (YYYY-MM-DD)"))
    ] = None,
    number: Annotated[str, typer.Option("--number", help=N_("Document number, e.g. 15/BC-STTTT"))] = "",
    template: Annotated[Path | None, typer.Option("--template", help=N_("Your own DOCX template"))] = None,
) -> None:
    suffix = output.suffix.lower()
    if suffix not in (".docx", ".html"):
        raise fail(_("{file}: the summary is written as .docx or .html").format(file=output))
    _module, who, result = _status(ctx, None, None, holiday, today)
    from canhgac.services import compliance_summary as cs
    from canhgac.services.forms import FormsConfigError, forms_settings

    try:
        config = forms_settings(state(ctx).config_path())
    except FormsConfigError as exc:
        raise fail(str(exc)) from None
    value = cs.province_summary(who.scope, result, state(ctx).lang)
    try:
        data = (
            cs.render_docx(value, config, template=template, number=number)
            if suffix == ".docx"
            else cs.render_html(value, config, number=number).encode("utf-8")
        )
        output.write_bytes(data)
    except cs.SummaryError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(
            _("{file}: cannot be written: {error}").format(file=output, error=exc.strerror or exc)
        ) from None
    console.print(
        _("Wrote {file}: {agencies} agencies, {late} late items.").format(
            file=output, agencies=value.agencies, late=value.late_total
        )
    )
