"""``canhgac events list``: the event outbox (findings opened/fixed/reopened, scans ended)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import console, fail, open_store, state
from canhgac.cli.labels import run_status_label
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime

app = TranslatedTyper(no_args_is_help=True)


@app.command("list", help=N_("Events in the order they were written (what the alerts and live pages will consume)."))
def list_events(
    ctx: typer.Context,
    since: Annotated[int, typer.Option("--since", help=N_("Only events after this id"))] = 0,
    kind: Annotated[str | None, typer.Option("--kind", help=N_("Only events of this kind, e.g. finding.opened"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", "-a", help=N_("Only this agency's events"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """Events in the order they were written (what the alerts and live pages will consume)."""
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    st = state(ctx)
    open_store(st)
    from canhgac.services import store

    if kind is not None and kind not in store.event_kinds():
        raise fail(_("unknown event kind {kind}; known kinds: {kinds}").format(
            kind=kind, kinds=", ".join(store.event_kinds())))
    rows = store.events(agency, since=since, kind=kind)
    if fmt == "json":
        typer.echo(json.dumps([
            {"id": e.pk, "kind": e.kind, "run": e.run_id, "agency": e.agency_code, "subject": e.subject,
             "payload": e.payload, "created_at": e.created_at.isoformat()}
            for e in rows
        ], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Events"))
    for col in (_("Id"), _("Time"), _("Kind"), _("Agency"), _("Run"), _("About")):
        table.add_column(col)
    for e in rows:
        status = e.payload.get("status")
        about = str(e.payload.get("target") or (run_status_label(str(status)) if status else e.subject))
        table.add_row(str(e.pk), format_datetime(e.created_at, seconds=True), e.kind, e.agency_code,
                      str(e.run_id or ""), about)
    console.print(table)
