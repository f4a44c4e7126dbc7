"""Global options (issue 12, item 3): ``--lang``, ``--workspace``, ``-v`` and the others are
accepted before or after the command's name, the value after the name wins, every command of the
tree has them from one definition, and each setting says where it came from."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from canhgac.cli.common import CliState
from canhgac.cli.global_options import GLOBAL_PANEL, Source, resolve
from canhgac.cli.main import app
from canhgac.i18n import set_language, translate

RUNNER = CliRunner()
GLOBAL_FLAGS = {"--workspace", "--database-url", "--config", "--create", "--lang", "--verbose"}


def invoke(*args: str) -> Any:
    """``canhgac ARGS`` in-process, on a terminal wide enough that no message is folded."""
    return RUNNER.invoke(app, list(args), env={"COLUMNS": "250"})


def shown(*args: str) -> dict[str, dict[str, Any]]:
    """``canhgac ARGS`` ending in ``config show --format json``: each setting's value and source."""
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return {row["setting"]: row for row in json.loads(result.stdout)}


@pytest.mark.parametrize("args", [
    ("--lang", "en", "--workspace", "ws-a", "config", "show", "--format", "json"),
    ("config", "show", "--format", "json", "--lang", "en", "--workspace", "ws-a"),
    ("config", "--lang", "en", "show", "--workspace", "ws-a", "--format", "json"),
    ("--workspace", "elsewhere", "--lang", "vi", "config", "show", "--lang", "en", "--format", "json",
     "--workspace", "ws-a"),
])
def test_global_options_before_or_after_the_command_and_the_later_one_wins(args: tuple[str, ...]) -> None:
    settings = shown(*args)
    assert settings["workspace"] == {"setting": "workspace", "value": "ws-a", "source": Source.FLAG}
    assert settings["lang"] == {"setting": "lang", "value": "en", "source": Source.FLAG}


def test_the_language_given_after_the_command_is_the_language_of_its_errors() -> None:
    english = invoke("config", "show", "--format", "xml", "--lang", "en")
    assert english.exit_code == 2 and "unknown format xml: use table or json" in english.output
    vietnamese = invoke("--lang", "en", "config", "show", "--format", "xml", "--lang", "vi")
    assert vietnamese.exit_code == 2 and "unknown format xml: use table or json" not in vietnamese.output


def test_the_readme_example_report_lang_en_is_accepted(tmp_path: Path) -> None:
    # README: `canhgac report --run 12 --lang en --format html` failed with "No such option: --lang"
    result = invoke("report", "--run", "12", "--lang", "en", "--format", "pdf")
    # parsed, then refused in English
    assert result.exit_code == 2 and "unknown format(s): pdf" in result.output


def test_verbose_after_the_command_turns_on_details() -> None:
    invoke("config", "show", "--format", "json", "-v")
    assert logging.getLogger().level == logging.INFO
    invoke("config", "show", "--format", "json")
    assert logging.getLogger().level == logging.WARNING


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_unknown_language_is_refused_where_it_is_given(where: str) -> None:
    # The error is in the language in force when the value is read: the process's before the
    # command's name (made English here), the one --lang en gave after it.
    set_language("en")
    args = ["--lang", "fr", "config", "show"] if where == "before" else [
        "--lang", "en", "config", "show", "--lang", "fr"]
    result = invoke(*args)
    assert result.exit_code == 2 and "fr is not a language canhgac speaks: use vi or en" in result.output


def test_sources_flag_environment_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANHGAC_WORKSPACE", "from-env")
    monkeypatch.setenv("CANHGAC_LANG", "en")
    settings = shown("config", "show", "--format", "json", "--lang", "vi")
    workspace = settings["workspace"]
    assert (workspace["value"], workspace["source"]) == ("from-env", Source.ENVIRONMENT)
    assert (settings["lang"]["value"], settings["lang"]["source"]) == ("vi", Source.FLAG)
    assert settings["database-url"] == {"setting": "database-url", "value": None, "source": Source.DEFAULT}


def test_resolve_takes_the_command_line_then_the_environment_then_the_defaults() -> None:
    env = {"CANHGAC_WORKSPACE": "/srv/ws", "CANHGAC_LANG": "vi", "CANHGAC_DATABASE_URL": ""}
    st = resolve({"lang": "en"}, env)
    assert (st.workspace, st.lang, st.database_url, st.create) == (Path("/srv/ws"), "en", None, False)
    assert st.sources == {"workspace": Source.ENVIRONMENT, "lang": Source.FLAG,
                          "database_url": Source.DEFAULT, "config": Source.DEFAULT, "create": Source.DEFAULT}
    assert st.config_path() == Path("/srv/ws/canhgac.toml")
    named = resolve({"config": "/etc/canhgac.toml", "create": True}, {})
    assert named.config_path() == Path("/etc/canhgac.toml") and named.create
    assert resolve({}, {}).workspace == Path("canhgac-workspace")


@pytest.mark.parametrize(("given", "env", "says"), [
    ({"workspace": " "}, {}, "--workspace is empty"),
    ({}, {"CANHGAC_LANG": "de"}, "CANHGAC_LANG=de is not a language canhgac speaks"),
    ({"config": ""}, {}, "--config is empty"),
])
def test_resolve_refuses_empty_or_unknown_values(given: dict[str, str], env: dict[str, str], says: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    set_language("en")
    with pytest.raises(typer.Exit) as refused:
        resolve(given, env)
    assert refused.value.exit_code == 2 and says in capsys.readouterr().err


def _commands(command: Any, path: str = "canhgac") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, f"{path} {name}")
    return found


def test_every_command_of_the_tree_accepts_the_global_options_from_one_definition() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 20
    for path, command in commands:
        flags = {opt for p in command.params if getattr(p, "rich_help_panel", None) == GLOBAL_PANEL
                 for opt in p.opts}
        assert flags >= GLOBAL_FLAGS, path
        assert "-v" in flags, path


def test_a_command_lists_the_global_options_in_its_help() -> None:
    result = invoke("report", "--help")
    assert result.exit_code == 0
    panel = translate(GLOBAL_PANEL)  # the help screen is drawn in the reader's language (Vietnamese)
    assert panel == "Tùy chọn chung" and panel in result.output
    assert "--lang" in result.output and "--workspace" in result.output


def test_state_is_what_commands_read() -> None:
    seen: list[CliState] = []
    probe = typer.Typer()

    @probe.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = CliState(workspace=Path("ws"), database_url=None, lang="vi")
        seen.append(ctx.obj)

    @probe.command()
    def nothing() -> None:
        """A sub-app under a plain root (as some tests build one) keeps working without the options."""

    assert RUNNER.invoke(probe, ["nothing"]).exit_code == 0 and seen[0].sources == {}
