"""The settings file, ``canhgac.toml``: the scan settings a CSIRT would otherwise retype.

    [scan]
    resolver = ["10.10.0.53", "10.10.0.54"]
    ca-file = "province-ca.pem"            # relative to this file's folder
    ehlo-name = "csirt.kiengiang.gov.vn"
    concurrency = 50

    [console]
    security-contact = "mailto:csirt@kiengiang.gov.vn"   # the console's security.txt

It is ``WORKSPACE/canhgac.toml``, or the file ``--config`` / ``CANHGAC_CONFIG`` names. The keys
of ``[scan]`` are the long names of ``canhgac scan``'s options in its "Scan settings" panel
(:func:`~canhgac.cli.scan_options.setting`): a new setting option is configurable with nothing
else to write. Each value is checked and converted as the flag's would be; an unknown key, a
wrong type or a bad value is one line naming the file and the key (exit 2). A flag on the
command line wins over the file, the file over the built-in default. ``retest`` does not read
it: a retest reuses the settings stored with the run it repeats. The file itself is read and
checked by ``services.settings_file``, which a scan launched from the console uses too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from canhgac.cli.common import CliState, err_console, fail
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services.settings_file import (
    CONSOLE_KEYS,
    CONSOLE_SECTION,
    SCAN_KEYS,
    Kind,
    SettingsFileError,
    read_table,
    read_tables,
)
from canhgac.services.settings_file import SECTION as SECTION  # the file's table, for config show

COMMAND = "scan"  # the command whose setting options are the file's keys, and the one that reads it
SETTINGS_PANEL = N_("Scan settings")  # the help panel that marks an option as a setting (scan_options.setting)
_LOADED = "canhgac.settings-file"  # ctx.meta: the file's values, read once per command
_FROM_FILE = "canhgac.from-settings-file"  # ctx.meta: the keys the command took from the file


def setting_params(command: Any) -> list[Any]:
    """The options of ``command`` that are settings (and so keys of the file's ``[scan]``)."""
    return [p for p in command.params if getattr(p, "rich_help_panel", None) == SETTINGS_PANEL]


def key_of(param: Any) -> str:
    """A setting's key in the file: its long option name without the dashes."""
    return str(next(o for o in param.opts if o.startswith("--")))[2:]


def kind_of(param: Any) -> Kind:
    """The TOML type a setting option takes in the file (``services.settings_file.Kind``)."""
    annotation = param.type_descriptor.annotation
    if param.multiple:
        return Kind.STRINGS
    return {bool: Kind.BOOL, int: Kind.INT, float: Kind.FLOAT, Path: Kind.PATH}.get(annotation, Kind.STR)


def console_setting(st: CliState, key: str) -> str | None:
    """A ``[console]`` value of the settings file (a string), or None when the file or key is absent.
    The whole file is checked, as a scan's settings would be (the console launches scans with them)."""
    path = st.config_path()
    if not path.is_file():
        return None
    try:
        tables = read_tables(path, {SECTION: SCAN_KEYS, CONSOLE_SECTION: CONSOLE_KEYS})
    except SettingsFileError as exc:
        raise fail(str(exc)) from None
    value = tables[CONSOLE_SECTION].get(key)
    return None if value is None else str(value)


def read_settings(path: Path, params: Sequence[Any], ctx: typer.Context) -> dict[str, Any]:
    """The settings the file gives, by option name, each converted as its flag's value would be.

    The file is read and its values' types checked by ``services.settings_file`` (the console
    reads it there too); the flag's own type then converts each value."""
    by_key = {key_of(p): p for p in params}
    try:
        table = read_table(path, {key: kind_of(p) for key, p in by_key.items()})
    except SettingsFileError as exc:
        raise fail(str(exc)) from None
    values: dict[str, Any] = {}
    for key, value in table.items():
        param = by_key[key]
        try:
            values[param.name] = param.get_runtime_param().coerce(value, param=param, ctx=ctx)
        except typer.BadParameter as exc:
            raise fail(str(SettingsFileError(path, key, exc.message))) from None
    return values


def file_settings(st: CliState, params: Sequence[Any], ctx: typer.Context) -> dict[str, Any]:
    """What the settings file gives: nothing when the workspace has none; a ``--config`` that
    names no file is refused."""
    path = st.config_path()
    if not path.is_file():
        if st.config_file is not None:
            raise fail(_("the settings file {path} does not exist: check --config (or CANHGAC_CONFIG)").format(
                path=path))
        return {}
    return read_settings(path, params, ctx)


def from_settings_file(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A setting left off the command line takes the file's value (flags win over the file)."""
    source = ctx.get_parameter_source(param.name or "")
    st = ctx.find_root().obj
    if (ctx.resilient_parsing or source is None or source.name != "DEFAULT" or ctx.info_name != COMMAND
            or not isinstance(st, CliState)):
        return value
    if _LOADED not in ctx.meta:  # once: every global option (the workspace, --config) is known by now
        ctx.meta[_LOADED] = file_settings(st, setting_params(ctx.command), ctx)
    loaded: dict[str, Any] = ctx.meta[_LOADED]
    if param.name not in loaded:
        return value
    ctx.meta.setdefault(_FROM_FILE, []).append(key_of(param))
    return loaded[param.name]


def say_settings_file(ctx: typer.Context) -> None:
    """Name on stderr the settings this command took from the file, if any."""
    keys = ctx.meta.get(_FROM_FILE)
    st = ctx.find_root().obj
    if keys and isinstance(st, CliState):
        err_console.print(_("Settings from {path}: {keys}").format(path=st.config_path(), keys=", ".join(sorted(keys))),
                          style="dim", markup=False, highlight=False, soft_wrap=True)
