"""Options every command accepts before or after its name: ``canhgac --lang en report`` and
``canhgac report --lang en`` mean the same, and a value given after the name wins.

They are defined once (:func:`_global_options`' signature) and added to every command of the
tree by :class:`GlobalOptionsGroup`, the root group's class. Each records what was typed; the
state every command reads (:class:`~canhgac.cli.common.CliState`) is then resolved from the
command line, the environment and the defaults by :func:`resolve`, which also says where each
value came from (``canhgac config show`` prints it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from canhgac.cli.common import DEFAULT_WORKSPACE, CliState, ExitCode, fail
from canhgac.cli.translated import TranslatedGroup
from canhgac.i18n import N_, set_language
from canhgac.i18n import gettext as _

GLOBAL_PANEL = N_("Global options")  # a msgid: the help screen translates it when drawn
LANGUAGES = ("vi", "en")
_GIVEN = "canhgac.given"  # ctx.meta key (meta is shared by a context and its sub-contexts)
# Where each global setting may come from besides the command line (None: nowhere else).
ENVIRONMENT = {
    "workspace": "CANHGAC_WORKSPACE",
    "database_url": "CANHGAC_DATABASE_URL",
    "config": "CANHGAC_CONFIG",
    "lang": "CANHGAC_LANG",
}


class Source:
    """Where a setting's value came from, as ``config show`` names it."""

    FLAG = "flag"
    ENVIRONMENT = "environment"
    DEFAULT = "default"
    CONFIG = "canhgac.toml"


def _record(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """Keep a value typed on the command line; one typed after a command's name updates the
    state at once (so the options parsed after it, and their errors, already see it)."""
    source = ctx.get_parameter_source(param.name or "")
    if ctx.resilient_parsing or source is None or source.name != "COMMANDLINE" or param.name is None:
        return value
    if param.name == "lang":
        set_language(_language(value))
    ctx.meta.setdefault(_GIVEN, {})[param.name] = value
    if isinstance(ctx.find_root().obj, CliState):
        settle(ctx)
    return value


_OPTION: dict[str, Any] = {"is_eager": True, "expose_value": False, "callback": _record,
                           "rich_help_panel": GLOBAL_PANEL}


def _global_options(
    workspace: Annotated[str | None, typer.Option(
        "--workspace", metavar="PATH",
        help=N_("Workspace folder (store, reports, canhgac.toml). Env: CANHGAC_WORKSPACE"), **_OPTION)] = None,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help=N_("Database URL (PostgreSQL at scale). Env: CANHGAC_DATABASE_URL"), **_OPTION)] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE",
        help=N_("Settings file (default: WORKSPACE/canhgac.toml). Env: CANHGAC_CONFIG"), **_OPTION)] = None,
    create: Annotated[bool, typer.Option(
        "--create", help=N_("Create the workspace's store if it does not exist (scan and demo always do)"),
        **_OPTION)] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", help=N_("Language of messages and reports: vi or en. Env: CANHGAC_LANG"), **_OPTION)] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=N_("Log details to stderr"), **_OPTION)] = False,
) -> None:
    """Never called: its signature is the one definition of the global options."""


def global_params() -> list[Any]:
    """A fresh set of the global options' parameters, as Typer builds them from the signature."""
    holder = typer.Typer(add_completion=False)
    holder.command()(_global_options)
    return list(typer.main.get_command(holder).params)


class GlobalOptionsGroup(TranslatedGroup):
    """The root group: every command of the tree, itself included, accepts the global options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pending: list[Any] = [self]
        while pending:
            command = pending.pop()
            command.params.extend(global_params())
            if isinstance(command, TyperGroup):
                pending.extend(command.commands.values())


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise typer.BadParameter(_("{value} is not a language canhgac speaks: use vi or en").format(value=value))
    return value


def resolve(given: Mapping[str, Any], env: Mapping[str, str], *, catalog_dir: Path | None = None) -> CliState:
    """The state the command line (``given``), then the environment, then the defaults make;
    each global setting's source is in ``CliState.sources``. An empty value counts as unset."""
    sources: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for name, variable in ENVIRONMENT.items():
        typed = given.get(name)
        if typed is not None:
            values[name], sources[name] = str(typed), Source.FLAG
        elif env.get(variable):
            values[name], sources[name] = env[variable], Source.ENVIRONMENT
        else:
            values[name], sources[name] = None, Source.DEFAULT
    workspace = values["workspace"]
    if workspace is not None and not workspace.strip():
        raise fail(_("--workspace is empty: name a folder (default: ./canhgac-workspace)"), ExitCode.REFUSED)
    language = values["lang"] or LANGUAGES[0]
    if language not in LANGUAGES:
        raise fail(_("CANHGAC_LANG={value} is not a language canhgac speaks: use vi or en").format(
            value=language), ExitCode.REFUSED)
    config = values["config"]
    if config is not None and not config.strip():
        raise fail(_("--config is empty: name a file, or leave it out to use WORKSPACE/canhgac.toml"))
    sources["create"] = Source.FLAG if given.get("create") else Source.DEFAULT
    return CliState(
        workspace=Path(workspace if workspace is not None else DEFAULT_WORKSPACE),
        database_url=values["database_url"],
        lang=language,
        catalog_dir=catalog_dir,
        create=bool(given.get("create")),
        config_file=Path(config) if config is not None else None,
        verbose=bool(given.get("verbose")),
        sources=sources,
    )


def settle(ctx: typer.Context, *, catalog_dir: Path | None = None) -> CliState:
    """Resolve the state from what has been typed so far and make it the one commands read;
    set the language and the log level it asks for."""
    root = ctx.find_root()
    previous = root.obj if isinstance(root.obj, CliState) else None
    keep = catalog_dir if catalog_dir is not None else (previous.catalog_dir if previous else None)
    state = resolve(ctx.meta.get(_GIVEN, {}), os.environ, catalog_dir=keep)
    set_language(state.lang)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO if state.verbose else logging.WARNING)
    root.obj = state
    return state
