"""What ``canhgac demo`` prints last (issue 12, item 1): the commands that read its store, as they
are to be typed; the console's joins them once a ``serve`` command exists."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import typer

from canhgac.cli.common import CliState
from canhgac.cli.demo_cmd import next_commands
from canhgac.cli.global_options import Source
from canhgac.cli.main import app


def demo_state(workspace: str, **sources: str) -> CliState:
    return CliState(workspace=Path(workspace), database_url=None, lang="en", sources=sources)


def test_the_commands_name_the_demos_workspace() -> None:
    root = typer.main.get_command(app)
    assert next_commands(demo_state("canhgac-workspace/demo"), root) == [
        "canhgac findings list --workspace canhgac-workspace/demo",
        "canhgac events list --workspace canhgac-workspace/demo",
        "canhgac report --workspace canhgac-workspace/demo",
    ]


def test_a_language_given_as_a_flag_and_an_awkward_path_are_kept() -> None:
    root = typer.main.get_command(app)
    printed = next_commands(demo_state("my work/demo", lang=Source.FLAG), root)
    assert printed[0] == "canhgac findings list --workspace 'my work/demo' --lang en"
    from_env = next_commands(demo_state("ws/demo", lang=Source.ENVIRONMENT), root)  # inherited anyway
    assert from_env[0].endswith("--workspace ws/demo")


def test_the_console_is_offered_once_it_exists() -> None:
    root = SimpleNamespace(commands={"findings": None, "events": None, "report": None, "serve": None})
    assert next_commands(demo_state("ws/demo"), root)[-1] == "canhgac serve --workspace ws/demo"
