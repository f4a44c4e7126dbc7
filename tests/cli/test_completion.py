"""Shell completion (issue 12, item 3): ``canhgac --show-completion`` / ``--install-completion``
(Typer's), and the command answering a shell's completion request, global options after a
command's name included. Each request is a fresh process, as the shell makes it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_CANHGAC = "import sys; from canhgac.cli.main import run; sys.argv[0] = 'canhgac'; run()"


def canhgac(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CANHGAC_", "_CANHGAC_"))}
    return subprocess.run([sys.executable, "-c", _CANHGAC, *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60, check=False)


def complete(shell: str, line: str) -> list[str]:
    """What ``canhgac`` proposes for the last word of ``line`` (the protocol the scripts speak)."""
    words = line.split(" ")
    if shell == "bash":
        done = canhgac(_CANHGAC_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
        return done.stdout.split()
    done = canhgac(_CANHGAC_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS=line)
    return done.stdout.split('"')


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script_for_a_shell(shell: str) -> None:
    done = canhgac("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert done.returncode == 0, done.stderr
    assert f"_CANHGAC_COMPLETE=complete_{shell}" in done.stdout and "canhgac" in done.stdout


def test_completes_commands_sub_commands_and_options() -> None:
    assert complete("bash", "canhgac rep") == ["report"]
    assert complete("bash", "canhgac findings l") == ["list"]
    assert complete("bash", "canhgac config ") == ["show"]
    assert complete("bash", "canhgac scan inventory.yaml --ca-o") == ["--ca-only"]
    assert "list" in complete("zsh", "canhgac findings l")


def test_completes_global_options_after_a_command() -> None:
    assert complete("bash", "canhgac report --la") == ["--lang"]
    assert complete("bash", "canhgac findings list --work") == ["--workspace"]
