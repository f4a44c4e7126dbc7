"""Settings read from the environment, the workspace secret key, and no import-time effects.

The settings module is executed afresh with ``runpy`` for each case; it does not import
Django, so these tests run in the main test process.
"""

from __future__ import annotations

import runpy
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SETTINGS = "canhgac.console.settings"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("CANHGAC_DATABASE_URL", "CANHGAC_SECRET_KEY", "CANHGAC_WORKSPACE", "CANHGAC_ALLOWED_HOSTS",
                 "CANHGAC_CONSOLE_TLS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module(SETTINGS)


def test_default_is_sqlite_in_the_workspace_with_a_private_generated_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = load(monkeypatch, CANHGAC_WORKSPACE=str(tmp_path))
    db = settings["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "canhgac.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["init_command"] == "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(settings["SECRET_KEY"]) >= 50
    assert key_file.read_text().strip() == settings["SECRET_KEY"]
    assert load(monkeypatch, CANHGAC_WORKSPACE=str(tmp_path))["SECRET_KEY"] == settings["SECRET_KEY"]


def test_workspace_defaults_to_canhgac_workspace_in_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load(monkeypatch)
    expected = tmp_path.resolve() / "canhgac-workspace" / "canhgac.sqlite3"
    assert settings["DATABASES"]["default"]["NAME"] == str(expected)


def test_environment_values_win_and_no_key_file_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = load(
        monkeypatch,
        CANHGAC_WORKSPACE=str(tmp_path / "ws"),
        CANHGAC_SECRET_KEY="from-the-environment",
        CANHGAC_DATABASE_URL="postgresql://canhgac:pw@127.0.0.1:5432/canhgac",
    )
    db = settings["DATABASES"]["default"]
    assert (db["ENGINE"], db["NAME"], db["HOST"]) == (
        "django.db.backends.postgresql",
        "canhgac",
        "127.0.0.1",
    )
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "ws").exists()


def test_locale_time_zone_and_apps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = load(monkeypatch, CANHGAC_WORKSPACE=str(tmp_path))
    assert settings["USE_TZ"] is True
    assert settings["TIME_ZONE"] == "Asia/Ho_Chi_Minh"
    assert settings["LANGUAGE_CODE"] == "vi"
    assert [code for code, _ in settings["LANGUAGES"]] == ["vi", "en"]
    assert settings["INSTALLED_APPS"] == [
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.sessions",
        "django.contrib.staticfiles",
        "axes",
        "django_otp",
        "django_otp.plugins.otp_totp",
        "canhgac.console.store",
        "canhgac.web",
    ]


def test_the_console_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = load(monkeypatch, CANHGAC_WORKSPACE=str(tmp_path))
    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert settings["SESSION_COOKIE_NAME"] == "canhgac_session"
    assert not settings["SESSION_COOKIE_SECURE"] and settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["CSRF_COOKIE_HTTPONLY"]


def test_the_console_behind_tls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = load(monkeypatch, CANHGAC_WORKSPACE=str(tmp_path), CANHGAC_CONSOLE_TLS="1",
                    CANHGAC_ALLOWED_HOSTS="console.example.gov.vn, ")
    assert settings["ALLOWED_HOSTS"] == ["console.example.gov.vn"]
    assert settings["SESSION_COOKIE_NAME"] == "__Host-canhgac_session"
    assert settings["CSRF_COOKIE_NAME"] == "__Host-canhgac_csrftoken"
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["LANGUAGE_COOKIE_SECURE"] and settings["SECURE_SSL_REDIRECT"]
    assert settings["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600  # what web.hsts asks of portals


def test_importing_the_console_and_findings_packages_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, canhgac.console, canhgac.console.bootstrap, canhgac.findings;"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
