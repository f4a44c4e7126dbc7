"""``canhgac indicators``: import a STIX 2.1 bundle, a MISP event or a plain list as an indicator
pack for the host sweep, list and show the packs, and export an incident's indicators as STIX
2.1 or MISP with a TLP marking. The command line is the CSIRT's: it sees packs of every level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, err_console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime

app = TranslatedTyper(no_args_is_help=True)
TLP_HELP = N_("TLP 2.0 level: clear, green, amber, amber+strict, red")


def _tlp(text: str | None) -> Any:
    from canhgac.services.indicators import Tlp

    if text is None:
        return None
    try:
        return Tlp.parse(text)
    except ValueError:
        raise fail(_("unknown TLP level {value}: use clear, green, amber, amber+strict or red").format(
            value=text)) from None


def _format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise fail(_("unknown format {fmt}: use {formats}").format(fmt=fmt, formats=", ".join(allowed)))
    return fmt


def _services(ctx: typer.Context, writable: bool = False) -> Any:
    open_store(state(ctx), writable=writable)
    from canhgac.services import indicators

    return indicators


def _run(action: Any) -> Any:
    from canhgac.services import indicators

    try:
        return action()
    except (indicators.IndicatorError, indicators.PackError) as exc:
        raise fail(str(exc)) from None


@app.command("import", help=N_("Import a STIX 2.1 bundle, a MISP event (JSON), a CSV (type,value,note) "
                                "or a list (one value a line) as an indicator pack."))
def import_pack(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=N_("The file to import"), show_default=False)],
    name: Annotated[str | None, typer.Option("--name", help=N_("The pack's name (default: the report's "
                                                               "or event's name, else the file's)"))] = None,
    tlp: Annotated[str | None, typer.Option("--tlp", help=TLP_HELP)] = None,
    source: Annotated[str | None, typer.Option("--source", help=N_("Who shared it (default: the file's name)"))] = None,
) -> None:
    level = _tlp(tlp)
    svc = _services(ctx, writable=True)
    done = _run(lambda: svc.import_file(svc.PackAudience(csirt=True), file, name=name, tlp=level,
                                        source=source, actor=cli_actor()))
    console.print(_("Pack {name} ({tlp}, {format}): {added} indicators added, {already} already there, "
                    "{duplicates} duplicates merged, {skipped} skipped.").format(
        name=done.name, tlp=done.tlp.label, format=done.format, added=done.added, already=done.already,
        duplicates=done.duplicates, skipped=done.skipped_count), markup=False, soft_wrap=True)
    if level is not None and done.stated_tlp is not None and done.stated_tlp.rank > level.rank:
        err_console.print(_("The file is marked {stated}: kept, a marking is never lowered.").format(
            stated=done.stated_tlp.label), markup=False, soft_wrap=True)
    for skipped in done.skipped[:20]:
        err_console.print(f"  {skipped.where}: {skipped.reason}", markup=False, soft_wrap=True)
    if done.skipped_count > 20:
        err_console.print(_("  ... and {count} more").format(count=done.skipped_count - 20), markup=False)


@app.command("list", help=N_("The indicator packs, by name."))
def list_packs(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    _format(fmt, ("table", "json"))
    svc = _services(ctx)
    rows = svc.pack_rows(svc.PackAudience(csirt=True))
    if fmt == "json":
        console.print_json(json.dumps([_pack_json(r) for r in rows], ensure_ascii=False))
        return
    if not rows:
        console.print(_("No indicator packs yet: `canhgac indicators import FILE`."))
        return
    table = Table(_("Pack"), "TLP", _("Format"), _("Indicators"), _("Source"), _("Imported"), _("Skipped"))
    for r in rows:
        table.add_row(r.name, r.tlp.label, r.format, str(r.size), r.source,
                      f"{format_datetime(r.imported_at)} {r.imported_by}", str(r.skipped_count))
    console.print(table)


def _pack_json(r: Any) -> dict[str, Any]:
    return {"name": r.name, "tlp": r.tlp.value, "format": r.format, "source": r.source, "indicators": r.size,
            "imported_at": r.imported_at.isoformat(), "imported_by": r.imported_by,
            "updated_at": r.updated_at.isoformat(), "skipped": r.skipped_count}


@app.command("show", help=N_("One pack and its indicators."))
def show_pack(
    ctx: typer.Context,
    pack: Annotated[str, typer.Argument(help=N_("The pack's name"), show_default=False)],
    kind: Annotated[str | None, typer.Option("--type", help=N_("Only indicators of this type"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    from canhgac.services.indicators import Kind

    _format(fmt, ("table", "json"))
    wanted = None
    if kind is not None:
        try:
            wanted = Kind.parse(kind)
        except ValueError:
            raise fail(_("unknown type {type}: use one of {types}").format(
                type=kind, types=", ".join(k.value for k in Kind))) from None
    svc = _services(ctx)
    head, items = _run(lambda: svc.pack_indicators(svc.PackAudience(csirt=True), pack, kind=wanted))
    if fmt == "json":
        body = _pack_json(head) | {"items": [
            {"type": i.kind.value, "value": i.value, "note": i.note, "internal": i.internal} for i in items]}
        console.print_json(json.dumps(body, ensure_ascii=False))
        return
    console.print(f"{head.name} · {head.tlp.label} · {head.format} · {head.source}", markup=False)
    table = Table(_("Type"), _("Value"), _("Note"))
    for i in items:
        value = i.value if i.kind is not Kind.YARA else i.value.splitlines()[0][:80]
        flag = " " + _("(internal)") if i.internal else ""
        table.add_row(i.kind.label(), value + flag, i.note)
    console.print(table)


@app.command("export", help=N_("Export an incident's indicators as a STIX 2.1 bundle or a MISP event."))
def export_incident(
    ctx: typer.Context,
    incident: Annotated[int, typer.Option("--incident", help=N_("The incident's id"), show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help=N_("stix or misp"), show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help=N_("The file to write"), show_default=False)],
    tlp: Annotated[str | None, typer.Option("--tlp", help=N_(
        "TLP 2.0 level (default: amber; red for a confidential incident)"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", help=N_("Only this agency's incidents"))] = None,
) -> None:
    _format(fmt, ("stix", "misp"))
    level = _tlp(tlp)
    st = state(ctx)
    svc = _services(ctx, writable=True)
    from canhgac.services.incidents import viewer_scope

    done = _run(lambda: svc.export_incident(viewer_scope(agency), st.config_path(), incident, fmt,
                                            tlp=level, actor=cli_actor()))
    try:
        output.write_text(done.text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror or exc}") from None
    console.print(_("{count} indicators of incident {id} written to {path} ({tlp}).").format(
        count=done.count, id=incident, path=output, tlp=done.tlp.label), markup=False, soft_wrap=True)
    for skipped in done.skipped:
        err_console.print(_("  left out {ref}: {reason}").format(ref=skipped.where, reason=skipped.reason),
                          markup=False, soft_wrap=True)
