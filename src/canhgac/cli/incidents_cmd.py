"""``canhgac incidents``: open an incident (by hand, from a watch alert, a finding or a [TBSC]
e-mail), list and show them with the initial-report clock, write in the timeline, move the
state, link things, record who was told, flag the unit's capacity."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import display_zone, format_datetime

app = TranslatedTyper(no_args_is_help=True)
AT_HELP = N_("Date and time (ISO, e.g. 2027-02-05T08:30+07:00; without a zone: Vietnam time)")


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(
            _("{option} takes a date and time, e.g. 2027-02-05T08:30+07:00").format(option=option)
        ) from None
    return value.replace(tzinfo=display_zone()) if value.tzinfo is None else value


def _enum(kind: Any, text: str, option: str) -> Any:
    try:
        return kind.parse(text)
    except ValueError:
        raise fail(
            _("{option}: unknown value {value}: use one of {values}").format(
                option=option, value=text, values=", ".join(m.value for m in kind)
            )
        ) from None


def _format(fmt: str) -> str:
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    return fmt


def _ctx(ctx: typer.Context, writable: bool = False) -> Any:
    from canhgac.services import incidents

    st = state(ctx)
    open_store(st, writable=writable)
    try:
        return incidents.incident_settings(st.config_path())
    except incidents.IncidentSettingsError as exc:
        raise fail(str(exc)) from None


def _actor() -> Any:
    from canhgac.services.incidents import Actor

    return Actor(cli_actor())


def _left(left: timedelta) -> str:
    hours = int(abs(left).total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    text = (
        _("{days} d {hours} h").format(days=days, hours=hours) if days else _("{hours} h").format(hours=hours)
    )
    return text if left >= timedelta(0) else _("{time} late").format(time=text)


def _clock(row: Any) -> str:
    if row.reported_at is not None:
        return _("reported {at}").format(at=format_datetime(row.reported_at))
    return f"{row.clock.label()} ({_left(row.left)})"


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "agency": row.agency,
        "title": row.title,
        "state": row.state,
        "category": row.category,
        "severity": row.severity,
        "source": row.source,
        "detected_at": row.detected_at.isoformat(),
        "opened_at": row.opened_at.isoformat(),
        "report_due_at": row.report_due_at.isoformat(),
        "report_due_immediately": row.immediate,
        "reported_at": row.reported_at.isoformat() if row.reported_at else None,
        "beyond_capacity": row.beyond_capacity,
        "clock": row.clock.value,
        "seconds_left": int(row.left.total_seconds()),
    }


def _run(action: Any) -> Any:
    from canhgac.services import incidents

    try:
        return action()
    except (incidents.IncidentError, incidents.MailError) as exc:
        raise fail(str(exc)) from None


@app.command("list", help=N_("Incidents, newest first, with the initial report's clock."))
def list_incidents(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help=N_("Only incidents not closed"))] = False,
    overdue: Annotated[
        bool, typer.Option("--overdue", help=N_("Only those whose initial report is late"))
    ] = False,
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("Only this agency's incidents"))
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help=N_("At most this many incidents"))] = 200,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """Incidents, newest first, with the initial report's clock."""
    _format(fmt)
    from canhgac.services import incidents

    settings = _ctx(ctx)
    rows = incidents.incident_rows(
        incidents.viewer_scope(agency),
        open_only=open_only,
        overdue_only=overdue,
        limit=limit,
        rule=settings.rule,
    )
    if fmt == "json":
        typer.echo(json.dumps([_row_json(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(_("No incidents."))
        return
    table = Table(title=_("Incidents"))
    for col in (
        _("Id"),
        _("Agency"),
        _("Incident"),
        _("State"),
        _("Type"),
        _("Detected"),
        _("Initial report"),
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r.id),
            r.agency,
            r.title,
            incidents.State(r.state).label(),
            _category(r.category),
            format_datetime(r.detected_at),
            _clock(r),
        )
    console.print(table)


def _category(code: str) -> str:
    from canhgac.services import incidents

    found = next((c for c in incidents.CATEGORIES if c.code == code), None)
    return found.label() if found else (code or "-")


def _label(kind: Any, value: str) -> str:
    try:
        return str(kind(value).label())
    except ValueError:
        return value


def _detail_json(d: Any) -> dict[str, Any]:
    return {
        **_row_json(d.row),
        "description": d.description,
        "source_detail": d.source_detail,
        "opened_by": d.opened_by,
        "closed_at": d.closed_at.isoformat() if d.closed_at else None,
        "missing_initial_report": d.missing_parties,
        "details": d.details,
        "timeline": [
            {"kind": e.kind, "at": e.at.isoformat(), "author": e.author, "text": e.text, "detail": e.detail}
            for e in d.timeline
        ],
        "links": [
            {
                "kind": k.kind,
                "ref": k.ref,
                "note": k.note,
                "added_at": k.added_at.isoformat(),
                "added_by": k.added_by,
            }
            for k in d.links
        ],
        "notifications": [
            {
                "party": n.party,
                "recipient": n.recipient,
                "channel": n.channel,
                "sent_at": n.sent_at.isoformat(),
                "reference": n.reference,
                "initial_report": n.initial_report,
                "recorded_by": n.recorded_by,
            }
            for n in d.notifications
        ],
    }


def _entry_text(e: Any) -> str:
    from canhgac.services import incidents

    d = e.detail
    if e.kind == "state":
        moved = f"{_label(incidents.State, d.get('from', ''))} → {_label(incidents.State, d.get('to', ''))}"
        return f"{moved}: {e.text}" if e.text else moved
    if e.kind == "notification":
        text = _("{party}: {recipient} ({channel})").format(
            party=_label(incidents.Party, d.get("party", "")),
            recipient=d.get("recipient", ""),
            channel=_label(incidents.Channel, d.get("channel", "")),
        )
        return text + (" · " + _("initial report") if d.get("initial_report") else "")
    if e.kind == "link":
        return f"{_label(incidents.LinkKind, d.get('kind', ''))} {d.get('ref', '')} {e.text}".strip()
    if e.kind == "capacity":
        flag = (
            _("beyond the unit's capacity") if d.get("beyond_capacity") else _("within the unit's capacity")
        )
        return f"{flag}: {e.text}" if e.text else flag
    if e.kind == "reminder":
        return f"{d.get('event', '')} → {d.get('channel', '')} ({d.get('outcome', '')})"
    return str(e.text)


@app.command("show", help=N_("One incident: its details, clock, links, notifications and timeline."))
def show(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """One incident: its details, clock, links, notifications and timeline."""
    _format(fmt)
    from canhgac.services import incidents

    settings = _ctx(ctx)
    d = incidents.incident_detail(incidents.viewer_scope(None), incident_id, rule=settings.rule)
    if d is None:
        raise fail(_("no incident {id}: see `canhgac incidents list`").format(id=incident_id))
    if fmt == "json":
        typer.echo(json.dumps(_detail_json(d), ensure_ascii=False, indent=2, default=str))
        return
    r = d.row
    console.print(f"[bold]#{r.id} {r.title}[/bold]", markup=True, highlight=False)
    for name, value in (
        (_("Agency"), r.agency),
        (_("State"), incidents.State(r.state).label()),
        (_("Type"), _category(r.category)),
        (_("Severity"), r.severity),
        (_("Source"), f"{_label(incidents.Source, r.source)} {d.source_detail}".strip()),
        (_("Detected"), format_datetime(r.detected_at)),
        (_("Opened"), f"{format_datetime(r.opened_at)} {d.opened_by}"),
        (
            _("Initial report due"),
            format_datetime(r.report_due_at) + (" · " + _("immediately") if r.immediate else ""),
        ),
        (_("Initial report"), _clock(r)),
        (_("Not yet sent to"), ", ".join(_label(incidents.Party, p) for p in d.missing_parties) or "-"),
    ):
        console.print(f"{name}: {value}", markup=False, highlight=False)
    if d.description:
        console.print(d.description, markup=False, highlight=False)
    if d.links:
        table = Table(title=_("Links"))
        for col in (_("Kind"), _("Reference"), _("Note")):
            table.add_column(col, overflow="fold")
        for k in d.links:
            table.add_row(_label(incidents.LinkKind, k.kind), k.ref, k.note)
        console.print(table)
    table = Table(title=_("Timeline"))
    for col in (_("Time"), _("Entry"), _("Author"), _("Text")):
        table.add_column(col, overflow="fold")
    for e in d.timeline:
        table.add_row(format_datetime(e.at), _label(incidents.EntryKind, e.kind), e.author, _entry_text(e))
    console.print(table)


@app.command("open", help=N_("Record an incident: by hand (a phone call), from a watch alert or a finding."))
def open_(
    ctx: typer.Context,
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("The agency whose system is hit"))
    ] = None,
    title: Annotated[str, typer.Option("--title", help=N_("What happened, in a line"))] = "",
    description: Annotated[str, typer.Option("--description", help=N_("A short account (form 03)"))] = "",
    source: Annotated[str, typer.Option("--source", help=N_("phone, email or other"))] = "phone",
    reporter: Annotated[str, typer.Option("--reporter", help=N_("Who reported it (name, phone)"))] = "",
    detected: Annotated[str | None, typer.Option("--detected", help=AT_HELP)] = None,
    category: Annotated[str, typer.Option("--type", help=N_("The form-05 incident type"))] = "",
    severity: Annotated[
        str, typer.Option("--severity", help=N_("info, low, medium, high or critical"))
    ] = "medium",
    from_alert: Annotated[
        int | None, typer.Option("--from-alert", help=N_("Open from this watch alert"))
    ] = None,
    from_finding: Annotated[
        str | None, typer.Option("--from-finding", help=N_("Open from this finding"))
    ] = None,
    beyond: Annotated[
        bool, typer.Option("--beyond-capacity", help=N_("May be beyond the unit's capacity"))
    ] = False,
) -> None:
    """Record an incident: by hand (a phone call), from a watch alert or a finding."""
    from canhgac.services import incidents

    settings = _ctx(ctx, writable=True)
    scope, actor = incidents.viewer_scope(None), _actor()
    at = _time(detected, "--detected")
    if from_alert is not None:
        new_id = _run(
            lambda: incidents.open_from_alert(
                scope,
                settings,
                actor,
                from_alert,
                title=title,
                category_code=category,
                beyond_capacity=beyond,
            )
        )
    elif from_finding is not None:
        new_id = _run(
            lambda: incidents.open_from_finding(
                scope,
                settings,
                actor,
                from_finding,
                title=title,
                category_code=category,
                severity=severity,
                detected_at=at,
            )
        )
    else:
        if not agency or not title:
            raise fail(_("give --agency and --title (or --from-alert / --from-finding)"))
        kind = _enum(incidents.Source, source, "--source")
        new_id = _run(
            lambda: incidents.open_incident(
                scope,
                settings,
                actor,
                agency=agency,
                title=title,
                detected_at=at,
                source=kind,
                description=description,
                source_detail=reporter,
                category_code=category,
                severity=severity,
                beyond_capacity=beyond,
            )
        )
    _opened(new_id, settings)


def _opened(new_id: int, settings: Any) -> None:
    from canhgac.services import incidents

    d = incidents.incident_detail(incidents.viewer_scope(None), new_id, rule=settings.rule)
    due = format_datetime(d.row.report_due_at) if d else ""
    console.print(
        _("Incident {id} opened; initial report due by {due}.").format(id=new_id, due=due),
        markup=False,
        highlight=False,
    )


@app.command("import-mail", help=N_("Open an incident from a [TBSC] e-mail saved as a file (.eml)."))
def import_mail(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help=N_("The message file (RFC 5322)"))],
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("The agency (default: the sender's domain)"))
    ] = None,
) -> None:
    """Open an incident from a [TBSC] e-mail saved as a file (.eml)."""
    from canhgac.services import incidents

    settings = _ctx(ctx, writable=True)
    new_id = _run(
        lambda: incidents.import_mail(incidents.viewer_scope(None), settings, _actor(), path, agency=agency)
    )
    _opened(new_id, settings)


@app.command(
    "note", help=N_("Write in the timeline: a progress report, the response plan, a request or a note.")
)
def note(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    text: Annotated[str, typer.Argument(metavar="TEXT", help=N_("What to write"))],
    kind: Annotated[str, typer.Option("--kind", help=N_("progress, plan, request or note"))] = "progress",
) -> None:
    """Write in the timeline: a progress report, the response plan, a request or a note."""
    from canhgac.services import incidents

    _ctx(ctx, writable=True)
    entry = _enum(incidents.EntryKind, kind, "--kind")
    if entry not in incidents.WRITTEN_KINDS:
        raise fail(_("--kind: use progress, plan, request or note"))
    _run(lambda: incidents.note(incidents.viewer_scope(None), _actor(), incident_id, entry, text))
    console.print(_("Written in incident {id}'s timeline.").format(id=incident_id))


@app.command("move", help=N_("Move the incident to another state (triage, containment, … closed; reopen)."))
def move(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    target: Annotated[
        str, typer.Argument(metavar="STATE", help=N_("triage, containment, eradication, recovery or closed"))
    ],
    reason: Annotated[
        str, typer.Option("--reason", help=N_("Why (needed to go back, reopen or close early)"))
    ] = "",
) -> None:
    """Move the incident to another state (triage, containment, … closed; reopen)."""
    from canhgac.services import incidents

    _ctx(ctx, writable=True)
    wanted = _enum(incidents.State, target, "STATE")
    _run(lambda: incidents.move(incidents.viewer_scope(None), _actor(), incident_id, wanted, reason))
    console.print(_("Incident {id} is now {state}.").format(id=incident_id, state=wanted.label()))


@app.command("link", help=N_("Link an alert, a finding, an asset or an indicator to the incident."))
def link(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    alert: Annotated[int | None, typer.Option("--alert", help=N_("A watch alert's id"))] = None,
    finding: Annotated[str | None, typer.Option("--finding", help=N_("A finding's fingerprint"))] = None,
    asset: Annotated[
        str | None, typer.Option("--asset", help=N_("An asset, KIND:VALUE (domain:a.gov.vn)"))
    ] = None,
    indicator: Annotated[
        str | None, typer.Option("--indicator", help=N_("An indicator, TYPE:VALUE (ip:203.0.113.5)"))
    ] = None,
    note_text: Annotated[str, typer.Option("--note", help=N_("A note on the link"))] = "",
) -> None:
    """Link an alert, a finding, an asset or an indicator to the incident."""
    from canhgac.services import incidents

    given = [
        (incidents.LinkKind.ALERT, None if alert is None else str(alert)),
        (incidents.LinkKind.FINDING, finding),
        (incidents.LinkKind.ASSET, asset),
        (incidents.LinkKind.INDICATOR, indicator),
    ]
    chosen = [(k, v) for k, v in given if v is not None]
    if len(chosen) != 1:
        raise fail(_("give exactly one of --alert, --finding, --asset, --indicator"))
    _ctx(ctx, writable=True)
    kind, ref = chosen[0]
    added = _run(
        lambda: incidents.link(incidents.viewer_scope(None), _actor(), incident_id, kind, ref, note_text)
    )
    message = _("Linked to incident {id}.") if added else _("Already linked to incident {id}.")
    console.print(message.format(id=incident_id))


@app.command(
    "notify", help=N_("Record who was told of the incident, how and when (--initial-report: form 03).")
)
def notify(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    party: Annotated[
        str, typer.Option("--party", help=N_("owner-agency, response-unit, national-coordinator or other"))
    ],
    to: Annotated[str, typer.Option("--to", help=N_("Who exactly (name, office, address)"))],
    via: Annotated[
        str, typer.Option("--via", help=N_("email, letter, fax, phone, message, document or other"))
    ] = "email",
    at: Annotated[str | None, typer.Option("--at", help=AT_HELP)] = None,
    reference: Annotated[str, typer.Option("--ref", help=N_("The document's number or message id"))] = "",
    initial: Annotated[
        bool, typer.Option("--initial-report", help=N_("It carried the initial report"))
    ] = False,
) -> None:
    """Record who was told of the incident, how and when (--initial-report: form 03)."""
    from canhgac.services import incidents

    _ctx(ctx, writable=True)
    who = _enum(incidents.Party, party, "--party")
    how = _enum(incidents.Channel, via, "--via")
    when = _time(at, "--at")
    stopped = _run(
        lambda: incidents.notify(
            incidents.viewer_scope(None),
            _actor(),
            incident_id,
            party=who,
            recipient=to,
            channel=how,
            sent_at=when,
            reference=reference,
            initial_report=initial,
        )
    )
    console.print(_("Recorded: {party} told.").format(party=who.label()))
    if stopped:
        console.print(_("The initial report has reached every party: the 5-day clock stopped."))


@app.command(
    "capacity", help=N_("Flag the incident as possibly beyond the unit's capacity: report immediately.")
)
def capacity(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The incident's id"))],
    within: Annotated[bool, typer.Option("--off", help=N_("Lift the flag: the 5-day period again"))] = False,
    reason: Annotated[str, typer.Option("--reason", help=N_("Why"))] = "",
) -> None:
    """Flag the incident as possibly beyond the unit's capacity: report immediately."""
    from canhgac.services import incidents

    settings = _ctx(ctx, writable=True)
    due = _run(
        lambda: incidents.capacity(
            incidents.viewer_scope(None), settings, _actor(), incident_id, not within, reason
        )
    )
    console.print(
        _("Incident {id}: initial report due by {due}.").format(id=incident_id, due=format_datetime(due))
    )


@app.command("types", help=N_("The incident types of form 05 (for --type)."))
def types() -> None:
    """The incident types of form 05 (for --type)."""
    from canhgac.services import incidents

    table = Table(title=_("Incident types (form 05)"))
    for col in (_("Row"), _("Code"), _("Type")):
        table.add_column(col)
    for c in incidents.CATEGORIES:
        table.add_row(str(c.row), c.code, translate(c.label_msgid))
    console.print(table)


@app.command(
    "report",
    help=N_(
        "Write an incident's initial report (form 03) or final report (form 04), or the half-year or "
        "annual summary of incidents (form 05, --period), as DOCX."
    ),
)
def report(
    ctx: typer.Context,
    form: Annotated[str, typer.Argument(metavar="FORM", help=N_(
        "03 (initial report), 04 (final report) or 05 (half-year or annual summary)"))],
    incident_id: Annotated[int | None, typer.Argument(metavar="[ID]", help=N_(
        "The incident's id (forms 03 and 04)"))] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=N_("The .docx file to write"))] = None,
    number: Annotated[str, typer.Option("--number", help=N_(
        "The document's number (form 03: default the incident's initial report reference)"))] = "",
    record: Annotated[bool, typer.Option("--record", help=N_("Write in the timeline that the document was made"))]
    = False,
    period: Annotated[str | None, typer.Option("--period", help=N_(
        "Form 05: the year (2026) or half-year (2026H1, 2026H2), in Vietnam's time; default the "
        "report due next"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", help=N_(
        "Form 05: count only this agency's incidents"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("Form 05: also print the counts (table or json)"))]
    = "table",
) -> None:
    """Form 03 or 04 of one incident, or form 05 of a period, from the records and the settings
    file's [forms] table."""
    from canhgac.services import incidents
    from canhgac.services.forms import FormsConfigError, forms_settings
    from canhgac.services.incident_forms import IncidentFormError, incident_form

    wanted = form.strip().removeprefix("0").zfill(2)
    if wanted not in ("03", "04", "05"):
        raise fail(_("unknown form {form}: use 03, 04 (an incident) or 05 (a period)").format(form=form))
    if output is None:
        raise fail(_("say where to write the document: --output FILE.docx"))
    if wanted == "05":
        if incident_id is not None:
            raise fail(_("form 05 sums up a period: give --period, not an incident"))
        _report_05(ctx, output, period, agency, number, _format(fmt))
        return
    if incident_id is None:
        raise fail(_("form {form} is an incident's: give its id").format(form=wanted))
    _ctx(ctx, writable=record)
    try:
        config = forms_settings(state(ctx).config_path())
    except FormsConfigError as exc:
        raise fail(str(exc)) from None
    try:
        made = incident_form(incidents.viewer_scope(None), incident_id, wanted, config, number=number,
                             record=_actor() if record else None)
    except incidents.IncidentNotFoundError:
        raise fail(_("no incident {id}: see `canhgac incidents list`").format(id=incident_id)) from None
    except (IncidentFormError, incidents.IncidentError) as exc:
        raise fail(str(exc)) from None
    _write(output, made.docx)
    console.print(_("form {form} number {number} written to {path}").format(
        form=wanted, number=made.number, path=output), markup=False, highlight=False)


def _write(output: Path, data: bytes) -> None:
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror or exc}") from None


def _summary_table(counts: Any) -> None:
    """Form 05's table as the document has it, in the reader's language."""
    from canhgac.services.incident_summary import summary_table

    table = Table(title=_("Incident summary (form 05)"))
    for col in ("#", _("Type"), _("Incidents"), _("Handled in-house"), _("With help from other organisations"),
                _("With foreign help"), _("Support asked"), _("Estimated damage (VND)")):
        table.add_column(col)

    def cells(row: Any) -> list[str]:
        damage = "" if row.damage_vnd is None else f"{row.damage_vnd:,}".replace(",", ".")
        return [str(row.count), str(row.self_handled), str(row.with_domestic_help), str(row.with_foreign_help),
                str(row.support_requested), damage]

    for number, label, row in summary_table(counts):
        table.add_row(number, label, *cells(row))
    console.print(table)


def _report_05(ctx: typer.Context, output: Path, period_text: str | None, agency: str | None, number: str,
               fmt: str) -> None:
    """Form 05 of the period (default: the one due next) from the stored incidents."""
    from datetime import UTC

    from canhgac.services import incidents
    from canhgac.services.forms import FormsConfigError, forms_settings
    from canhgac.services.incident_forms import IncidentFormError
    from canhgac.services.incident_summary import (
        PeriodError,
        current_period,
        parse_period,
        summary_form,
        summary_json,
    )

    _ctx(ctx)
    try:
        config = forms_settings(state(ctx).config_path())
    except FormsConfigError as exc:
        raise fail(str(exc)) from None
    now = datetime.now(UTC)
    try:
        period = parse_period(period_text) if period_text else current_period(
            now, config.summary_due("half-year", now.astimezone(display_zone()).year))
    except PeriodError as exc:
        raise fail(str(exc)) from None
    try:
        made = summary_form(incidents.viewer_scope(None), period, config, agency=agency, number=number, now=now)
    except IncidentFormError as exc:
        raise fail(str(exc)) from None
    _write(output, made.docx)
    if fmt == "json":
        typer.echo(json.dumps(summary_json(made.counts, period, config, agency), ensure_ascii=False, indent=2))
        return
    _summary_table(made.counts)
    due = made.due
    console.print(_("form 05 of {period} ({count} incidents) number {number} written to {path}; due before "
                    "{due}").format(period=period.label, count=made.counts.total.count, number=made.number,
                                    path=output, due=f"{due.day:02d}/{due.month:02d}/{due.year}"),
                  markup=False, highlight=False, soft_wrap=True)
    if made.counts.unclassified:
        console.print(_("{n} incidents have no type yet: counted as \"other\" (set one: canhgac incidents "
                        "show ID, the form details)").format(n=made.counts.unclassified),
                      style="yellow", markup=False, highlight=False, soft_wrap=True)
