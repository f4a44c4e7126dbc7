"""``canhgac config show``: the settings a command would run with, and where each comes from
(a flag, the environment, the settings file ``canhgac.toml``, or canhgac's default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import CliState, console, fail, state, store_label
from canhgac.cli.config_file import COMMAND, SECTION, file_settings, key_of, setting_params
from canhgac.cli.global_options import Source
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _

app = TranslatedTyper(no_args_is_help=True)

# Where a setting came from, as the table says it (the JSON keeps the raw word).
_SOURCE_LABELS = {
    Source.FLAG: N_("flag"),
    Source.ENVIRONMENT: N_("environment"),
    Source.DEFAULT: N_("default"),
    Source.CONFIG: Source.CONFIG,  # the file's name
}


def _global_rows(st: CliState) -> list[tuple[str, Any, str]]:
    config = st.config_path()
    return [
        ("workspace", str(st.workspace), st.sources.get("workspace", Source.DEFAULT)),
        ("database-url", store_label(st, st.workspace) if st.database_url else None,
         st.sources.get("database_url", Source.DEFAULT)),
        ("config", str(config) if config.is_file() else None, st.sources.get("config", Source.DEFAULT)),
        ("lang", st.lang, st.sources.get("lang", Source.DEFAULT)),
    ]


def _setting_rows(ctx: typer.Context, st: CliState) -> list[tuple[str, Any, str]]:
    """Every scan setting: the file's value, else the option's default."""
    command = getattr(ctx.find_root().command, "commands", {}).get(COMMAND)
    if command is None:
        return []
    params = setting_params(command)
    given = file_settings(st, params, ctx)
    rows = []
    for param in params:
        if param.name in given:
            rows.append((f"{SECTION}.{key_of(param)}", given[param.name], Source.CONFIG))
        else:
            rows.append((f"{SECTION}.{key_of(param)}", param.default, Source.DEFAULT))
    return rows


def _plain(value: Any) -> Any:
    """A value as JSON holds it (paths as text, repeated options as lists)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None or value == [] or value == ():
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@app.command("show", help=N_("The effective settings and where each comes from: flag, environment, canhgac.toml "
                              "or default (\"-\": canhgac's built-in choice, see `canhgac scan --help`)."))
def show(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """The effective settings and where each comes from: flag, environment, canhgac.toml or default
    ("-": canhgac's built-in choice, see `canhgac scan --help`)."""
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    st = state(ctx)
    rows = _global_rows(st) + _setting_rows(ctx, st)
    if fmt == "json":
        typer.echo(json.dumps([{"setting": name, "value": _plain(value), "source": source}
                               for name, value, source in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Effective settings"))
    for col in (_("Setting"), _("Value"), _("Source")):
        table.add_column(col)
    for name, value, source in rows:
        table.add_row(name, _text(value), translate(_SOURCE_LABELS.get(source, source)))
    console.print(table)
