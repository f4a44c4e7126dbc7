"""Django settings, read from the environment when Django loads this module.

``CANHGAC_DATABASE_URL`` selects the database (default: SQLite in the workspace);
``CANHGAC_SECRET_KEY`` the signing key (default: one generated once and kept in the
workspace, mode 0600). ``CANHGAC_WORKSPACE`` is the workspace folder
(default ``./canhgac-workspace``). Loading settings is Django's explicit act, so creating the
workspace and its key file here is the intended effect, not an import-time surprise.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

KEY_FILE_NAME = "secret_key"


def workspace_dir() -> Path:
    return Path(os.environ.get("CANHGAC_WORKSPACE") or "canhgac-workspace").resolve()


def _secret_key(workspace: Path) -> str:
    """The key from the environment, else the workspace's key file, created 0600 when absent."""
    from_env = os.environ.get("CANHGAC_SECRET_KEY")
    if from_env:
        return from_env
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / KEY_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        key = secrets.token_urlsafe(50)
        handle.write(key + "\n")
    return key


def _database(workspace: Path) -> dict[str, Any]:
    url = os.environ.get("CANHGAC_DATABASE_URL")
    if not url:
        workspace.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{workspace / 'canhgac.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # one writer at a time, decided when the transaction starts, not half-way through it
        config.setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    return config


_WORKSPACE = workspace_dir()

SECRET_KEY = _secret_key(_WORKSPACE)
DEBUG = False
ALLOWED_HOSTS: list[str] = []
DATABASES = {"default": _database(_WORKSPACE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "canhgac.console.store",
]
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
