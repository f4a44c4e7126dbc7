"""``canhgac alerts``: the watch's alerts (``list``), acknowledging one (``ack``), and the messages
sent about them (``deliveries``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime

app = TranslatedTyper(no_args_is_help=True)


def _severity(value: str) -> str:
    from canhgac.catalog.schema import Severity

    try:
        return Severity(value).label()
    except ValueError:
        return value


def alerts_table(rows: list[Any], title: str) -> Table:
    from canhgac.services.watch import label

    table = Table(title=title)
    for col in (
        _("Id"),
        _("Opened"),
        _("Severity"),
        _("Status"),
        _("Alert"),
        _("Agencies"),
        _("Monitors"),
        _("Acknowledged"),
    ):
        table.add_column(col, overflow="fold")
    for a in rows:
        ack = f"{a.acknowledged_by} {format_datetime(a.acknowledged_at)}" if a.acknowledged_at else ""
        table.add_row(
            str(a.id),
            format_datetime(a.opened_at, seconds=True),
            _severity(a.severity),
            label("status", a.status),
            a.problem,
            ", ".join(a.agencies),
            str(len(a.members)),
            ack,
        )
    return table


def _json(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "problem": a.problem,
        "severity": a.severity,
        "status": a.status,
        "opened_at": a.opened_at.isoformat(),
        "recovered_at": a.recovered_at.isoformat() if a.recovered_at else None,
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "acknowledged_by": a.acknowledged_by,
        "agencies": list(a.agencies),
        "monitors": [m.monitor_key for m in a.members],
        "timeline": [
            {"step": t.kind, "at": t.at.isoformat(), "actor": t.actor, "detail": t.detail} for t in a.timeline
        ],
    }


@app.command("list", help=N_("The watch's alerts, newest first, with their timeline in JSON."))
def list_alerts(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help=N_("Only alerts still open"))] = False,
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("Only alerts listing this agency"))
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help=N_("At most this many alerts"))] = 200,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """The watch's alerts, newest first, with their timeline in JSON."""
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    from canhgac.services.watch import alert_rows, viewer_scope

    open_store(state(ctx))
    rows = alert_rows(viewer_scope(agency), open_only=open_only, limit=limit)
    if fmt == "json":
        typer.echo(json.dumps([_json(a) for a in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(_("No alerts."))
        return
    console.print(alerts_table(rows, _("Alerts")))


@app.command("ack", help=N_("Acknowledge an alert: you are handling it (recorded in its timeline)."))
def ack(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(metavar="ID", help=N_("The alert's id (canhgac alerts list)"))],
    note: Annotated[str, typer.Option("--note", help=N_("What you are doing about it"))] = "",
) -> None:
    """Acknowledge an alert: you are handling it (recorded in its timeline)."""
    from canhgac.services.watch import AlertNotFoundError, acknowledge_alert, viewer_scope

    open_store(state(ctx), writable=True)
    actor = cli_actor()
    try:
        row, already = acknowledge_alert(viewer_scope(None), alert_id, actor=actor, note=note)
    except AlertNotFoundError:
        raise fail(_("no alert {id}: see `canhgac alerts list`").format(id=alert_id)) from None
    if already:
        console.print(
            _("Alert {id} was already acknowledged by {who} at {at}.").format(
                id=row.id,
                who=row.acknowledged_by,
                at=format_datetime(row.acknowledged_at, seconds=True) if row.acknowledged_at else "",
            )
        )
        return
    console.print(_("Alert {id} acknowledged by {who}.").format(id=row.id, who=actor))


@app.command(
    "deliveries",
    help=N_("The alert messages queued, sent or given up, per recipient and channel (newest first)."),
)
def deliveries(
    ctx: typer.Context,
    alert_id: Annotated[int | None, typer.Option("--alert", help=N_("Only this alert's messages"))] = None,
    limit: Annotated[int, typer.Option(min=1, help=N_("At most this many messages"))] = 200,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """The alert messages queued, sent or given up, per recipient and channel (newest first)."""
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    from canhgac.services.watch_delivery import delivery_rows

    open_store(state(ctx))
    rows = delivery_rows(alert_id, limit)
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        console.print(_("No alert messages yet."))
        return
    table = Table(title=_("Alert messages"))
    for col in (_("Id"), _("Alert"), _("Event"), _("Channel"), _("Recipient"), _("Status"), _("Attempts"),
                _("Sent"), _("Last error")):
        table.add_column(col, overflow="fold")
    for d in rows:
        sent = format_datetime(d["sent_at"], seconds=True) if d["sent_at"] else ""
        attempts = str(d["attempts"]) + (f" ({d['uncertain']}?)" if d["uncertain"] else "")
        table.add_row(str(d["id"]), str(d["alert"]), d["event"], d["channel"], d["recipient"], d["status"],
                      attempts, sent, d["last_error"])
    console.print(table)
