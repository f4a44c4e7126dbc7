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
it: a retest reuses the settings stored with the run it repeats.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from canhgac.cli.common import CliState, err_console, fail
from canhgac.i18n import N_
from canhgac.i18n import gettext as _

SECTION = "scan"
CONSOLE_SECTION = "console"  # read by ``canhgac serve`` (console_setting); its keys are CONSOLE_KEYS
CONSOLE_KEYS = ("security-contact",)
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


def _problem(path: Path, key: str | None, problem: str) -> typer.Exit:
    where = f"{path}: {SECTION}.{key}" if key else str(path)
    return fail(f"{where}: {problem}")


def _expected(raw: Any, param: Any) -> tuple[Any, str | None]:
    """``raw`` as the option takes it (a lone string for a repeatable option becomes a list), or
    what was expected instead. TOML's own types must match: ``timeout = "2"`` is refused."""
    annotation = param.type_descriptor.annotation
    if param.multiple:
        items = [raw] if isinstance(raw, str) else raw
        ok = isinstance(items, list) and all(isinstance(item, str) for item in items)
        return items, None if ok else _("a string or a list of strings")
    if annotation is bool:
        return raw, None if isinstance(raw, bool) else _("true or false")
    if annotation is int:
        return raw, None if isinstance(raw, int) and not isinstance(raw, bool) else _("a whole number")
    if annotation is float:
        return raw, None if isinstance(raw, int | float) and not isinstance(raw, bool) else _("a number")
    return raw, None if isinstance(raw, str) else _("a string")


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise _problem(path, None, _("cannot be read: {error}").format(error=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise _problem(path, None, _("is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, None, _("is not valid TOML: {error}").format(error=exc)) from None


def console_setting(st: CliState, key: str) -> str | None:
    """A ``[console]`` value of the settings file (a string), or None when the file or key is absent."""
    path = st.config_path()
    if not path.is_file():
        return None
    table = _load(path).get(CONSOLE_SECTION, {})
    if not isinstance(table, dict):
        raise fail(f"{path}: " + _("{section} must be a table: [{section}]").format(section=CONSOLE_SECTION))
    unknown = sorted(set(table) - set(CONSOLE_KEYS))
    if unknown:
        raise fail(f"{path}: {CONSOLE_SECTION}.{unknown[0]}: " + _("unknown setting{hint} (known: {keys})").format(
            hint="", keys=", ".join(CONSOLE_KEYS)))
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(f"{path}: {CONSOLE_SECTION}.{key}: " + _("expected {expected}, not {value!r}").format(
            expected=_("a string"), value=value))
    return value


def read_settings(path: Path, params: Sequence[Any], ctx: typer.Context) -> dict[str, Any]:
    """The settings the file gives, by option name, each converted as its flag's value would be."""
    data = _load(path)
    extra = sorted(set(data) - {SECTION, CONSOLE_SECTION})
    if extra:
        raise _problem(path, None, _("unknown section or key {key}: settings go in [{section}]").format(
            key=extra[0], section=SECTION))
    table = data.get(SECTION, {})
    if not isinstance(table, dict):
        raise _problem(path, None, _("{section} must be a table: [{section}]").format(section=SECTION))
    by_key = {key_of(p): p for p in params}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        param = by_key.get(key)
        if param is None:
            close = difflib.get_close_matches(key, by_key, n=1)
            hint = _("; did you mean {key}?").format(key=close[0]) if close else ""
            raise _problem(path, key, _("unknown setting{hint} (known: {keys})").format(
                hint=hint, keys=", ".join(sorted(by_key))))
        value, expected = _expected(raw, param)
        if expected is not None:
            raise _problem(path, key, _("expected {expected}, not {value!r}").format(expected=expected, value=raw))
        if param.type_descriptor.annotation is Path and isinstance(value, str) and value:
            value = str(path.parent / Path(value).expanduser())  # relative to the file, as a reader expects
        try:
            values[param.name] = param.get_runtime_param().coerce(value, param=param, ctx=ctx)
        except typer.BadParameter as exc:
            raise _problem(path, key, exc.message) from None
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
