"""Help screens and usage errors in the reader's language.

Why at render time: Typer fixes help texts when the commands are declared (at import), but
the language is known only once ``--lang``/``CANHGAC_LANG`` has been read, and the same command
objects serve both languages (tests invoke them in either, one after the other). So every help
text is an English msgid, marked with ``N_`` where it is declared, and the classes below
translate it each time a help screen or an error is drawn:

- ``format_help`` renders a translated copy of the command (its help, every parameter's help,
  the help of the sub-commands it lists), never changing the declared objects, with ``Usage:``
  in the reader's language;
- Typer's panel titles and markers (``Options``, ``[default: …]``) are module constants of
  ``typer.rich_utils``, computed in English at import: they are set to the current language
  while a help screen or an error is drawn, and put back when the command returns;
- usage errors (missing argument, unknown option or command, bad value, extra argument) are
  rebuilt from the exception's fields; a bad value that Typer's pydantic coercion refused is
  described by :mod:`canhgac.i18n.validation`.

:class:`TranslatedTyper` gives every group and command it declares these classes;
``tests/i18n/test_cli_vietnamese.py`` walks the command tree and fails on any other class, on a
help text missing from the catalogue, and on English left in a Vietnamese help screen.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from difflib import get_close_matches
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from typer import rich_utils
from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import (
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from canhgac.i18n import N_, translate, validation
from canhgac.i18n import gettext as _

# typer.rich_utils's constants (their English text is the msgid) and Click's help option.
TYPER_TEXT: dict[str, str] = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
HELP_OPTION_HELP = N_("Show this message and exit.")  # Click's own; translated like ours
# Typer's own help texts of the options it adds (shell completion).
TYPER_HELP = (
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)
_EXTRA_ARGUMENTS = "Got unexpected extra argument(s) ("  # Click's message, rebuilt below

C = TypeVar("C", bound=Command)


@contextmanager
def typer_text() -> Iterator[None]:
    """Typer's panel titles and markers in the current language inside the block."""
    saved = {name: getattr(rich_utils, name) for name in TYPER_TEXT}
    _set_typer_text()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)


def _set_typer_text() -> None:
    for name, msgid in TYPER_TEXT.items():
        setattr(rich_utils, name, translate(msgid))


class TranslatedUsageError(UsageError):
    """A usage error whose message is already in the reader's language."""


def _hint(param_hint: Sequence[str] | str | None, param: Parameter | None) -> str | None:
    """How the error names the parameter: ``'--out' / '-o'``, with its environment variable."""
    if param_hint is None and param is not None:
        if param.param_type_name != "option":
            return str(getattr(param, "get_error_hint", lambda: param.name)())
        hint = " / ".join(f"'{x}'" for x in param.opts)
        envvar = getattr(param, "envvar", None)
        if getattr(param, "show_envvar", False) and isinstance(envvar, str):
            hint += " " + _("(env var: '{name}')").format(name=envvar)
        return hint
    if param_hint is None or isinstance(param_hint, str):
        return param_hint
    return " / ".join(repr(x) for x in param_hint)


# Typer's refusals of a path option (typer/_param_types.py), e.g. "dir '/x' does not exist."
_PATH_PROBLEM = re.compile(
    r"^(?P<kind>file|dir|path) (?P<path>'.*') "
    r"(?P<problem>does not exist|is a file|is a directory|is not readable|is not writable)\.$"
)


def _path_problem(message: str) -> str | None:
    found = _PATH_PROBLEM.match(message)
    if found is None:
        return None
    path = found["path"]
    return {
        "does not exist": _("{path} does not exist"),
        "is a file": _("{path} is a file, not a folder"),
        "is a directory": _("{path} is a folder, not a file"),
        "is not readable": _("{path} cannot be read"),
        "is not writable": _("{path} cannot be written"),
    }[found["problem"]].format(path=path)


def _message(exc: UsageError) -> str:
    """The message of a Click/Typer usage error, rebuilt in the current language."""
    if isinstance(exc, MissingParameter):
        name = _hint(exc.param_hint, exc.param) or ""
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "")
        if kind == "argument":
            return _("Missing argument {name}.").format(name=name)
        if kind == "option":
            return _("Missing option {name}.").format(name=name)
        return _("Missing parameter {name}.").format(name=name)
    if isinstance(exc, NoSuchOption):
        message = _("No such option: {name}").format(name=exc.option_name)
        if exc.possibilities:
            message += " " + _("(Possible options: {names})").format(names=", ".join(sorted(exc.possibilities)))
        return message
    if isinstance(exc, BadParameter):
        cause = exc.__cause__
        problem = (validation.describe(cause.errors()[0]) if isinstance(cause, ValidationError)
                   else _path_problem(exc.message) or exc.message)
        hint = _hint(exc.param_hint, exc.param)
        if hint is None:
            return _("Invalid value: {problem}").format(problem=problem)
        return _("Invalid value for {name}: {problem}").format(name=hint, problem=problem)
    if exc.message.startswith(_EXTRA_ARGUMENTS):
        extra = exc.message.removeprefix(_EXTRA_ARGUMENTS).removesuffix(")")
        return _("Unexpected extra argument(s): {args}").format(args=extra)
    if exc.message == "Missing command.":
        return _("Missing command.")
    return exc.message


def translated_error(exc: UsageError) -> UsageError:
    """``exc`` in the reader's language (help requests and translated errors pass through)."""
    if isinstance(exc, NoArgsIsHelpError | TranslatedUsageError):
        return exc
    _set_typer_text()  # the error panel is drawn next; TranslatedMixin.main restores the constants
    return TranslatedUsageError(_message(exc), exc.ctx)


def _translated_param(param: Parameter) -> Parameter:
    """The parameter with its help and its help panel's title in the current language."""
    help_text, panel = getattr(param, "help", None), getattr(param, "rich_help_panel", None)
    if not help_text and not panel:
        return param
    twin = copy.copy(param)
    if help_text:
        twin.help = translate(help_text)  # type: ignore[attr-defined]
    if panel:
        twin.rich_help_panel = translate(panel)  # type: ignore[attr-defined]
    return twin


def _translated_summary(command: Any) -> Any:
    twin = copy.copy(command)
    twin.help = translate(command.help) if command.help else command.help
    twin.short_help = translate(command.short_help) if command.short_help else command.short_help
    return twin


def _translated_copy(command: C, ctx: Context) -> C:
    """A copy of ``command`` whose help texts are in the current language (for drawing only)."""
    twin = _translated_summary(command)
    twin.params = [_translated_param(p) for p in command.params]
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        twin._help_option = _translated_param(help_option)
    if isinstance(command, TyperGroup):
        twin.commands = {name: _translated_summary(sub) for name, sub in command.commands.items()}
    assert isinstance(twin, type(command))
    return twin


class TranslatedMixin:
    """What TranslatedCommand and TranslatedGroup add to Typer's classes."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        saved = {name: getattr(rich_utils, name) for name in TYPER_TEXT}
        try:
            return super().main(*args, **kwargs)  # type: ignore[misc]
        finally:
            for name, value in saved.items():
                setattr(rich_utils, name, value)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            parsed: list[str] = super().parse_args(ctx, args)  # type: ignore[misc]
        except UsageError as exc:
            raise translated_error(exc) from None
        return parsed

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage:") + " ")

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        assert isinstance(self, TyperCommand | TyperGroup)
        twin = _translated_copy(self, ctx)
        with typer_text():
            super(TranslatedMixin, twin).format_help(ctx, formatter)  # type: ignore[misc]  # Typer's own


class TranslatedCommand(TranslatedMixin, TyperCommand):
    """A command whose help screen and usage errors follow the current language."""


class TranslatedGroup(TranslatedMixin, TyperGroup):
    """A group whose help screen (with its sub-commands' help) and usage errors follow the
    current language."""

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            if isinstance(exc, TranslatedUsageError) or not args or args[0].startswith("-"):
                raise translated_error(exc) from None
            message = _("No such command '{name}'.").format(name=args[0])
            close = get_close_matches(args[0], list(self.commands))
            if close:
                message += " " + _("Did you mean {names}?").format(names=", ".join(close))
            _set_typer_text()
            raise TranslatedUsageError(message, ctx) from None

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise translated_error(exc) from None


class TranslatedTyper(typer.Typer):
    """``typer.Typer`` whose groups and commands are :class:`TranslatedGroup` and
    :class:`TranslatedCommand`: what every ``canhgac`` command module declares its app with."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", TranslatedGroup)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[Any], Any]:
        return super().command(name, cls=cls or TranslatedCommand, **kwargs)
