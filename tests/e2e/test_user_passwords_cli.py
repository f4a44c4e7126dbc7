"""``canhgac users set-password|password-link`` and the security contact of ``canhgac serve``, as a
CSIRT administrator types them (each in a fresh interpreter, on a workspace's SQLite store)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_support import error_lines, run_cli, run_guarded
from test_users_cli import GOOD, STDIN, users, workspace

__all__ = ["workspace"]  # the fixture

NEW = "gió chướng cuối năm 2026"
LINK = re.compile(r"^/account/set-password/[A-Za-z0-9_-]+/[0-9a-z]+-[0-9a-f]+/$")
# The link's page through Django's test client, in the workspace's process: its status and the
# password check of the user afterwards.
OPEN_LINK = """
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(workspace=Path(sys.argv[1]).resolve())
from django.test import Client
from django.test.utils import setup_test_environment
from django.contrib.auth import get_user_model
setup_test_environment()
client = Client()
path, password = sys.argv[2], sys.argv[3]
print(client.get(path).status_code)
print(client.post(path, {"new_password": password, "new_password2": password}).status_code)
print(get_user_model().objects.get(username="lan").check_password(password))
"""


def _add_lan(workspace: Path) -> None:
    added = users(workspace, "add", "lan", "--role", "csirt-analyst", STDIN, stdin=GOOD + "\n")
    assert added.returncode == 0, added.stdout + added.stderr


def test_an_administrator_sets_a_password_and_the_log_says_who(workspace: Path) -> None:
    _add_lan(workspace)
    done = users(workspace, "set-password", "lan", STDIN, stdin=NEW + "\n", lang="en")
    assert done.returncode == 0 and "The password of lan is set." in done.stdout, done.stderr
    typed = users(workspace, "set-password", "lan", stdin=f"{GOOD}x\n{GOOD}x\n", lang="en")  # asked twice
    assert typed.returncode == 0, typed.stdout + typed.stderr
    log = users(workspace, "log", "--kind", "password.changed", lang="en").stdout
    assert log.count("password.changed") == 2 and "cli:" in log and "via=administrator" in log


def test_a_password_link_is_printed_once_and_works_once(workspace: Path) -> None:
    _add_lan(workspace)
    made = users(workspace, "password-link", "lan", lang="en")
    assert made.returncode == 0, made.stderr
    path = made.stdout.strip()
    assert LINK.match(path), made.stdout  # the path alone on stdout: a script can take it
    assert "72 hours" in made.stderr and "lan" in made.stderr
    used = run_guarded(OPEN_LINK, workspace, path, NEW)
    assert used.code == 0, used.describe()
    assert used.stdout.split() == ["200", "302", "True"]
    again = run_guarded(OPEN_LINK, workspace, path, "một mật khẩu khác hẳn 42")
    assert again.stdout.split() == ["400", "400", "False"]  # used: refused, the password kept
    log = users(workspace, "log", lang="en").stdout
    assert "password.link_created" in log and "password.set_by_link" in log


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("set-password", "nobody", STDIN), GOOD + "\n", "không có người dùng nobody"),
    (("set-password", "lan", STDIN), "ngắn quá\n", "quá ngắn: cần ít nhất 12 ký tự"),
    (("password-link", "nobody"), "", "không có người dùng nobody"),
])
def test_refusals_are_one_line(workspace: Path, args: tuple[str, ...], stdin: str, message: str) -> None:
    _add_lan(workspace)
    done = users(workspace, *args, stdin=stdin)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(error_lines(done.stderr)) == 1, done.stderr


def test_no_link_for_a_disabled_user(workspace: Path) -> None:
    _add_lan(workspace)
    assert users(workspace, "disable", "lan").returncode == 0
    done = users(workspace, "password-link", "lan", lang="en")
    assert done.returncode == 2 and "lan is disabled: enable the account" in done.stderr
    assert "password.link_created" not in users(workspace, "log", lang="en").stdout


@pytest.mark.parametrize(("settings", "args", "message"), [
    ("", ("--security-contact", "csirt@example.gov.vn"), "is neither a mailto: address nor an https: URL"),
    ("", ("--security-contact", "http://csirt.example.gov.vn/"), "is neither a mailto: address"),
    ('[console]\nsecurity-contact = "javascript:alert(1)"\n', (), "is neither a mailto: address"),
    ("[console]\nsecurity-contact = 42\n", (), "console.security-contact: expected a string, not 42"),
    ('[console]\ncontact = "mailto:a@example.gov.vn"\n', (), "console.contact: unknown setting"),
])
def test_serve_refuses_a_malformed_security_contact(tmp_path: Path, settings: str, args: tuple[str, ...],
                                                     message: str) -> None:
    if settings:
        (tmp_path / "canhgac.toml").write_text(settings, encoding="utf-8")
    done = run_cli("--workspace", tmp_path, "--lang", "en", "serve", *args)
    assert done.code == 2 and message in done.stderr, done.describe()
    assert len(error_lines(done.stderr)) == 1, done.stderr
    assert not (tmp_path / "canhgac.sqlite3").exists()  # refused before anything was opened


def test_a_console_section_does_not_trouble_the_scan_settings(tmp_path: Path) -> None:
    (tmp_path / "canhgac.toml").write_text('[console]\nsecurity-contact = "mailto:csirt@example.gov.vn"\n'
                                           "[scan]\ntimeout = 3.0\n", encoding="utf-8")
    done = run_cli("--workspace", tmp_path, "--lang", "en", "scan", tmp_path / "missing.yaml")
    assert "canhgac.toml: timeout" in done.stderr, done.describe()  # [scan] read, [console] left alone
    assert "missing.yaml: file not found" in done.stderr
