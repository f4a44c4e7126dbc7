"""``canhgac users …`` and ``canhgac serve``'s refusals, as a CSIRT administrator types them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import GUARD_PRELUDE, error_lines, run_cli, run_guarded

_CLI = """
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""
GOOD = "nắng sớm trên sông 2025"
SEED = """
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]).resolve())
migrate()
from canhgac.console.store import services
services.sync_agencies([{"code": "SYT", "name": "Sở Y tế"}, {"code": "STC", "name": "Sở Tài chính"}])
"""
HASH = """
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(workspace=Path(sys.argv[1]).resolve())
from django.contrib.auth import get_user_model
print(get_user_model().objects.get(username=sys.argv[2]).password.split("$")[0])
"""


def users(workspace: Path, *args: str, stdin: str = "", lang: str = "vi") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CANHGAC_DATABASE_URL", "CANHGAC_WORKSPACE")}
    env |= {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-c", GUARD_PRELUDE + _CLI, "--workspace", str(workspace), "--lang", lang, "users",
         *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    seeded = run_guarded(SEED, tmp_path)
    assert seeded.code == 0, seeded.describe()
    return tmp_path


def test_add_list_change_disable_and_the_log(workspace: Path) -> None:
    added = users(workspace, "add", "lan", "--role", "agency-officer", "-a", "SYT", "--password-stdin",
                  stdin=GOOD + "\n")
    assert added.returncode == 0 and "Đã tạo người dùng lan với vai trò agency-officer." in added.stdout
    stored = run_guarded(HASH, workspace, "lan")
    assert stored.stdout.strip() == "pbkdf2_sha256"  # Django's production hasher, salted
    changed = users(workspace, "set-role", "lan", "--role", "agency-officer", "-a", "SYT", "-a", "STC")
    assert changed.returncode == 0
    assert users(workspace, "require-totp", "lan").returncode == 0
    assert users(workspace, "disable", "lan").returncode == 0
    listed = users(workspace, "list", lang="en").stdout
    line = next(row for row in listed.splitlines() if " lan " in row)
    assert "agency-officer" in line and "STC, SYT" in line and " no " in line and "required" in line
    log = users(workspace, "log", lang="en").stdout
    for kind in ("user.created", "user.role_changed", "user.totp_required", "user.disabled"):
        assert kind in log, kind
    assert "cli:" in log  # who did it: the operating-system user at the CLI
    only = users(workspace, "log", "--kind", "user.disabled", lang="en").stdout
    assert "user.disabled" in only and "user.created" not in only


def test_the_password_is_asked_twice(workspace: Path) -> None:
    # a mismatch asks again; the prompt falls back to standard input without a terminal
    typed = f"{GOOD}\n{GOOD}x\n{GOOD}\n{GOOD}\n"
    done = users(workspace, "add", "hung", "--role", "csirt-analyst", stdin=typed, lang="en")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The two passwords differ" in done.stderr
    assert "User hung created" in done.stdout


STDIN = "--password-stdin"


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("add", "a1", "--role", "csirt-analyst", STDIN), "ngắn quá\n", "quá ngắn: cần ít nhất 12 ký tự"),
    (("add", "a2", "--role", "csirt-analyst", STDIN), "password1234\n", "mật khẩu phổ biến"),
    (("add", "a3", "--role", "root", STDIN), GOOD + "\n", "không có vai trò root"),
    (("add", "a4", "--role", "agency-officer", STDIN), GOOD + "\n", "ít nhất một cơ quan"),
    (("add", "a5", "--role", "agency-officer", "-a", "SO-Z", STDIN), GOOD + "\n", "SO-Z"),
    (("add", "a6", "--role", "leader", "-a", "SYT", STDIN), GOOD + "\n", "không gắn với cơ quan"),
    (("set-role", "nobody", "--role", "leader"), "", "không có người dùng nobody"),
    (("disable", "nobody"), "", "không có người dùng nobody"),
])
def test_refusals_are_one_line(workspace: Path, args: tuple[str, ...], stdin: str, message: str) -> None:
    done = users(workspace, *args, stdin=stdin)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(error_lines(done.stderr)) == 1, done.stderr


def test_a_taken_name_is_refused_before_the_password(workspace: Path) -> None:
    assert users(workspace, "add", "lan", "--role", "leader", STDIN, stdin=GOOD + "\n").returncode == 0
    again = users(workspace, "add", "lan", "--role", "leader")  # no password typed: refused first
    assert again.returncode == 2 and "người dùng lan đã tồn tại" in again.stderr


def test_serve_says_in_one_line_that_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("--workspace", tmp_path, "--lang", "en", "serve", "--port", str(port))
    assert done.code == 4, done.describe()
    assert f"cannot listen on 127.0.0.1 port {port}" in done.stderr and "Traceback" not in done.stderr
    assert "canhgac console:" not in done.stdout  # nothing announced that is not listening


def test_serve_refuses_plain_http_on_a_reachable_address(tmp_path: Path) -> None:
    done = run_cli("--workspace", tmp_path, "--lang", "en", "serve", "--host", "0.0.0.0")
    assert done.code == 2 and "would send passwords over plain HTTP" in done.stderr
    assert not (tmp_path / "canhgac.sqlite3").exists()  # refused before anything was opened
