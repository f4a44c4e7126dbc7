"""Django settings, read from the environment when Django loads this module.

``CANHGAC_DATABASE_URL`` selects the database (default: SQLite in the workspace);
``CANHGAC_SECRET_KEY`` the signing key (default: one generated once and kept in the
workspace, mode 0600). ``CANHGAC_WORKSPACE`` is the workspace folder
(default ``./canhgac-workspace``). Loading settings is Django's explicit act, so creating the
workspace and its key file here is the intended effect, not an import-time surprise.

The web console (``canhgac serve``, docs/console.md) reads three more: ``CANHGAC_ALLOWED_HOSTS``
(comma-separated host names the console answers to; default the loopback names),
``CANHGAC_CONSOLE_TLS`` (``1`` when a TLS proxy fronts it: cookies Secure and ``__Host-``,
HSTS) and ``CANHGAC_SECURITY_CONTACT`` (the contact of its security.txt; none: no file). The
CLI loads the same settings, so one ``migrate`` creates every table.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url

KEY_FILE_NAME = "secret_key"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


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
        options = config.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        # write-ahead log: readers (the console) never wait for the writer (the watch), and a
        # commit is an append, synced at checkpoints: a crash of the process loses nothing, a
        # power cut at most the last commits, state and alerts together (the next check redoes
        # them). The rollback journal's two syncs per commit held the watch to ~100 checks a second.
        store = Path(config["NAME"])
        if _read_only_file(store):
            # a WAL database is read beside its -shm file, which a read-only folder cannot
            # gain: while a writer (another user's console) has it open, its -shm is there and
            # is shared; with none, the file is read as it is (immutable: no writer can come
            # through this process, and none runs). Writes fail as the folder's read-only.
            shared = store.with_name(store.name + "-shm").exists()
            read_only = "?mode=ro" + ("" if shared else "&immutable=1")
            config["NAME"] = f"file:{quote(str(store.resolve()))}{read_only}"
        else:
            options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    return config


def _read_only_file(path: Path) -> bool:
    """A store file that exists in a folder this process cannot write (a read-only workspace)."""
    return path.is_file() and not os.access(path.parent, os.W_OK)


def _allowed_hosts() -> list[str]:
    given = [h.strip() for h in os.environ.get("CANHGAC_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return given or list(LOOPBACK_HOSTS)


_WORKSPACE = workspace_dir()
_TLS = os.environ.get("CANHGAC_CONSOLE_TLS", "") == "1"

SECRET_KEY = _secret_key(_WORKSPACE)
DEBUG = False
ALLOWED_HOSTS: list[str] = _allowed_hosts()
DATABASES = {"default": _database(_WORKSPACE)}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # what every process of one console shares (serve --workers): the dashboard's rendered body
    "shared": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(_WORKSPACE / "cache"),
        "TIMEOUT": 2 * 86400,
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
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
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True

# --- the web console (canhgac serve); docs/console.md says why each setting ---
ROOT_URLCONF = "canhgac.web.urls"
MIDDLEWARE = [
    "canhgac.web.middleware.SecurityHeadersMiddleware",  # outermost: static files and errors too
    "canhgac.web.middleware.NulBytesMiddleware",  # before anything reads the database
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "canhgac.web.middleware.UserLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.jinja2.Jinja2",  # one template engine: Jinja2, as reports
    "DIRS": [],
    "APP_DIRS": False,
    "OPTIONS": {"environment": "canhgac.web.jinja.environment"},
}]
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # served from the package's static folder: no collectstatic step
WHITENOISE_AUTOREFRESH = False
WHITENOISE_ALLOW_ALL_ORIGINS = False  # the console's files are for its own pages
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username or address first
    "django.contrib.auth.backends.ModelBackend",
]
# Django's validators, worded in canhgac's catalogue (console/store/passwords.py)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "canhgac.console.store.passwords.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username"]}},
    {"NAME": "canhgac.console.store.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "canhgac.console.store.passwords.CommonPasswordValidator"},
    {"NAME": "canhgac.console.store.passwords.NumericPasswordValidator"},
]
# not in the breached-password corpus: an offline store, else a range service
# (docs/credentials.md); off by default
if os.environ.get("CANHGAC_PWNED_STORE") or os.environ.get("CANHGAC_PWNED_URL"):
    AUTH_PASSWORD_VALIDATORS.append({
        "NAME": "canhgac.console.store.passwords.PwnedPasswordValidator",
        "OPTIONS": {"store": os.environ.get("CANHGAC_PWNED_STORE") or None,
                    "range_url": os.environ.get("CANHGAC_PWNED_URL") or None,
                    "refuse_on_error": os.environ.get("CANHGAC_PWNED_REFUSE_ON_ERROR", "") == "1"},
    })
LOGIN_URL = "login"
# a set-password link (console/store/account_passwords.py) holds 72 hours, and only until used
PASSWORD_RESET_TIMEOUT = 72 * 3600
CSRF_FAILURE_VIEW = "canhgac.web.views.errors.csrf_failure"
# sessions: in the database, 8 hours, gone with the browser; cookies out of scripts' reach
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
_COOKIE_PREFIX = "__Host-" if _TLS else ""  # __Host-: Secure, whole site, this host only
SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}canhgac_session"
CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}canhgac_csrftoken"
LANGUAGE_COOKIE_NAME = f"{_COOKIE_PREFIX}canhgac_language"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = _TLS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if _TLS else 0  # sent only on HTTPS requests
SECURE_SSL_REDIRECT = _TLS  # behind the proxy, a request that did not come over TLS is sent there
SECURITY_CONTACT = os.environ.get("CANHGAC_SECURITY_CONTACT", "")  # security.txt (services/security_txt.py)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# login throttling (django-axes): 5 failures lock the username, and the address, for 15 minutes
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "canhgac.web.client.client_address"
AXES_LOCKOUT_CALLABLE = "canhgac.web.views.auth.locked_out"
AXES_VERBOSE = False
# TOTP (django-otp): the issuer an authenticator app shows beside the account
OTP_TOTP_ISSUER = "canhgac"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"axes": {"level": "WARNING"}},
}
