"""Issue 16, item 3: ``canhgac creds pwned-import|pwned-check|serve``, and the console's password
policy checking against ``creds serve`` on loopback. No output nor log line ever holds the
password or its full hash."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from pwned_corpus_support import corpus, password, write_ordered
from typer.testing import CliRunner

from canhgac.cli.main import app

RUNNER = CliRunner()
ROWS = corpus(2000)
_CANHGAC = "import sys; from canhgac.cli.main import run; sys.argv[0] = 'canhgac'; run()"
LEAKED = password(11)
LEAKED_SHA1 = hashlib.sha1(LEAKED.encode()).hexdigest().upper()
# leaked, and long and unusual enough for the console's other rules: only the corpus refuses it
LONG_LEAKED = "mùa nước nổi 2017 ở Cần Thơ"
ROWS[hashlib.sha1(LONG_LEAKED.encode()).hexdigest().upper()] = 42


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    text = write_ordered(folder / "pwned.txt", ROWS)
    done = RUNNER.invoke(app, ["--lang", "en", "creds", "pwned-import", str(text), "-o",
                               str(folder / "p.store")])
    assert done.exit_code == 0, done.output
    assert "2,001" in done.output and "in hash order" in done.output
    return folder / "p.store"


def _no_secret(text: str) -> None:
    assert LEAKED not in text and LEAKED_SHA1 not in text and LEAKED_SHA1.lower() not in text


def test_check_reads_stdin_and_prints_the_count(store: Path) -> None:
    check = ["creds", "pwned-check", "--store", str(store)]
    done = RUNNER.invoke(app, ["--lang", "en", *check], input=LEAKED + "\n")
    assert done.exit_code == 1
    assert f"Seen {ROWS[LEAKED_SHA1]:,} times" in done.output
    _no_secret(done.output)
    done = RUNNER.invoke(app, ["--lang", "vi", *check], input="a fresh one\n")
    assert done.exit_code == 0 and "Không" in done.output


def test_check_against_a_bloom_store_says_probably(store: Path, tmp_path: Path) -> None:
    bloom = tmp_path / "b.store"
    text = write_ordered(tmp_path / "c.txt", ROWS)
    done = RUNNER.invoke(app, ["--lang", "en", "creds", "pwned-import", str(text), "-o", str(bloom),
                               "--bloom", "0.001"])
    assert done.exit_code == 0 and "Expected false-positive rate" in done.output
    done = RUNNER.invoke(app, ["--lang", "en", "creds", "pwned-check", "--store", str(bloom)],
                         input=LEAKED + "\n")
    assert done.exit_code == 1 and "Probably seen" in done.output


def test_the_password_is_never_an_argument() -> None:
    done = RUNNER.invoke(app, ["creds", "pwned-check", "--store", "x", LEAKED])
    assert done.exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    (["creds", "pwned-import", "/nonexistent/pwned.txt", "-o", "{tmp}/x.store"], "no such file"),
    (["creds", "pwned-check", "--store", "{tmp}/missing.store"], "no such store"),
    (["creds", "pwned-check", "--store", "{tmp}/short.store"], "truncated"),
    (["creds", "pwned-check"], "--store"),
    (["creds", "serve", "{tmp}/short.store"], "truncated"),
    (["creds", "serve", "--host", "192.0.2.1", "{tmp}/short.store"], "--public"),
    (["creds", "pwned-import", "{tmp}/junk.txt", "-o", "{tmp}/x.store", "--bloom", "2"], "false-positive"),
])
def test_failures_are_one_line(store: Path, tmp_path: Path, args: list[str], message: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CANHGAC_PWNED_STORE", raising=False)
    monkeypatch.delenv("CANHGAC_PWNED_URL", raising=False)
    (tmp_path / "short.store").write_bytes(store.read_bytes()[:10_000])
    (tmp_path / "junk.txt").write_text("x\n")
    done = RUNNER.invoke(app, ["--lang", "en", *(a.format(tmp=tmp_path) for a in args)], input="pw\n")
    assert done.exit_code in (2, 4), done.output
    assert message in done.output and "Traceback" not in done.output
    assert len([line for line in done.output.splitlines() if line.strip()]) == 1, done.output


@pytest.fixture(scope="module")
def served(store: Path) -> Iterator[str]:
    """``canhgac creds serve`` in its own process, on a loopback port the system chose."""
    proc = subprocess.Popen([sys.executable, "-c", _CANHGAC, "--lang", "en", "creds", "serve", "--port", "0",
                             str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**_clean_env(), "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/range/", line)
    assert found, line + (proc.stderr.read() if proc.stderr else "")
    yield f"http://127.0.0.1:{found.group(1)}"
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    _no_secret(out + err)


def _policy(**options: object) -> list[object]:
    return password_validation.get_password_validators(
        [{"NAME": "canhgac.console.store.passwords.PwnedPasswordValidator", "OPTIONS": options}])


def test_the_console_policy_refuses_a_leaked_password_through_the_range_service(
        served: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    policy = _policy(range_url=served)
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(LEAKED, password_validators=policy)
    assert refused.value.error_list[0].code == "password_pwned"
    _no_secret(str(refused.value.messages))
    password_validation.validate_password("Tr0ub4dor&3-not-leaked", password_validators=policy)
    _no_secret(caplog.text)


_CONSOLE_POLICY = """
import sys
from canhgac.console.bootstrap import setup_django
setup_django()
from canhgac.console.store.accounts import PasswordRejectedError, check_password
for password in sys.stdin.read().split("\\n"):
    try:
        check_password("officer", password)
        print("accepted")
    except PasswordRejectedError as exc:
        print("refused:", " | ".join(exc.reasons))
"""


def test_the_consoles_own_policy_consults_the_range_service_named_by_its_settings(
        served: str, tmp_path: Path) -> None:
    """The console as configured (settings from the environment, Django set up), through
    ``accounts.check_password``, the call behind its account and password pages."""
    env = {**_clean_env(), "CANHGAC_WORKSPACE": str(tmp_path), "CANHGAC_PWNED_URL": served,
           "CANHGAC_SECRET_KEY": "test-only-not-a-secret"}
    done = subprocess.run([sys.executable, "-c", _CONSOLE_POLICY],
                          input=f"{LEAKED}-long-enough\n{LONG_LEAKED}", capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "accepted",  # pw-11-long-enough: not in the corpus
        "refused: Mật khẩu này có trong các vụ lộ lọt dữ liệu đã biết: hãy chọn mật khẩu khác.",
    ]
    assert LONG_LEAKED not in done.stdout + done.stderr
    _no_secret(done.stdout + done.stderr)


def test_the_policy_from_the_store_and_when_off_or_down(store: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValidationError):
        password_validation.validate_password(LEAKED, password_validators=_policy(store=str(store)))
    password_validation.validate_password(LEAKED, password_validators=_policy())  # not configured: off
    down = "http://127.0.0.1:9"
    with caplog.at_level(logging.WARNING):
        password_validation.validate_password(LEAKED, password_validators=_policy(range_url=down, timeout=2))
    assert "unavailable" in caplog.text
    _no_secret(caplog.text)
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(
            LEAKED, password_validators=_policy(range_url=down, timeout=2, refuse_on_error=True))
    assert refused.value.error_list[0].code == "password_pwned_unavailable"


def test_settings_add_the_validator_only_when_configured(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    import runpy

    monkeypatch.setenv("CANHGAC_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("CANHGAC_PWNED_STORE", raising=False)
    monkeypatch.delenv("CANHGAC_PWNED_URL", raising=False)
    names = [v["NAME"] for v in runpy.run_module("canhgac.console.settings")["AUTH_PASSWORD_VALIDATORS"]]
    assert not any("Pwned" in n for n in names)
    monkeypatch.setenv("CANHGAC_PWNED_URL", "http://127.0.0.1:8787")
    added = runpy.run_module("canhgac.console.settings")["AUTH_PASSWORD_VALIDATORS"][-1]
    assert added["NAME"].endswith("PwnedPasswordValidator")
    assert added["OPTIONS"] == {"store": None, "range_url": "http://127.0.0.1:8787", "refuse_on_error": False}
