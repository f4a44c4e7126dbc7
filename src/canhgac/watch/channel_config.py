"""Where the watch's alerts go: the ``[watch]`` table of ``canhgac.toml``, as a typed value.

    [watch]
    console-url = "https://canhgac.stttt.gov.vn"   # base of the acknowledgement links
    link-hours = 24                                 # an acknowledgement link expires after this
    retry-first = 30                                # seconds before the first retry, doubled each time
    retry-max = 1800                                # never more than this between two attempts
    give-up-hours = 24                              # an alert not delivered by then is given up
    escalation-minutes = 15                         # unacknowledged: backup, then lead, then head

    [watch.email]                                   # SMTP, STARTTLS required before AUTH
    host = "mail.stttt.gov.vn"
    port = 587
    sender = "canhgac@stttt.gov.vn"
    user = "canhgac"
    password-env = "CANHGAC_SMTP_PASSWORD"          # or password-file = "/etc/canhgac/smtp-password"

    [watch.telegram]
    token-env = "CANHGAC_TELEGRAM_TOKEN"            # or token-file
    api-url = "https://api.telegram.org"            # a local stand-in in tests

    [watch.webhook]
    secret-env = "CANHGAC_WEBHOOK_SECRET"           # optional: an HMAC-SHA256 signature header

    [[watch.recipients]]
    name = "Nguyễn Văn An"
    email = "an@stttt.gov.vn"
    telegram = "123456789"                          # a chat id
    webhook = "https://chat.stttt.gov.vn/hooks/canhgac"
    language = "vi"
    agencies = ["SO-A"]                             # optional: only alerts listing these agencies

    [watch.scans]                                   # scheduled full scans (docs/watch.md)
    at = "01:30"                                    # nightly, inside each agency's scan window
    times = { "SO-YTE" = "03:00" }                  # optional: an agency's own time
    agencies = ["SO-A"]                             # optional: only these agencies
    min-severity = "critical"                       # a new finding at least this severe alerts
    exposed-families = ["net"]                      # and any new finding of these families

The recipients here are told of every alert (a CSIRT mailbox, an agency's officer); the people
on duty come from the roster (``canhgac duty import``) and are told by escalation.

Secrets never sit in this file or in the store: a password or token is read from the
environment variable or the file (outside the repository) the table names, when the value is
built. Pure: no I/O beyond reading those secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from canhgac.i18n import gettext as _
from canhgac.i18n import validation

SECTION = "watch"
CHANNELS = ("email", "telegram", "webhook")


class ChannelConfigError(ValueError):
    """The ``[watch]`` table cannot be used; the message names the key."""


def _dashed(name: str) -> str:
    return name.replace("_", "-")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_dashed, populate_by_name=True)


class EmailChannel(_Table):
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls"] = "starttls"  # never plain text: AUTH goes over TLS
    sender: str = Field(min_length=3)
    user: str = ""
    password_env: str = ""
    password_file: str = ""
    ca_file: str = ""  # trust this bundle (the province's CA) instead of the system's
    timeout: float = Field(default=20.0, gt=0, le=300)

    password: str = Field(default="", exclude=True, repr=False)  # resolved, never from the file


class TelegramChannel(_Table):
    token_env: str = ""
    token_file: str = ""
    api_url: str = "https://api.telegram.org"
    timeout: float = Field(default=20.0, gt=0, le=300)

    token: str = Field(default="", exclude=True, repr=False)


class WebhookChannel(_Table):
    secret_env: str = ""
    secret_file: str = ""
    timeout: float = Field(default=20.0, gt=0, le=300)

    secret: str = Field(default="", exclude=True, repr=False)


class Recipient(_Table):
    name: str = Field(min_length=1, max_length=150)
    email: str = ""
    telegram: str = ""
    webhook: str = ""
    language: Literal["vi", "en"] = "vi"
    agencies: tuple[str, ...] = ()

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and ("@" not in value or any(c in value for c in " \r\n<>,")):
            raise ValueError(_("not an e-mail address"))
        return value

    @field_validator("webhook")
    @classmethod
    def _webhook(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(_("not an http(s) URL"))
        return value

    def addresses(self) -> list[tuple[str, str]]:
        """(channel, address) for each channel this person has."""
        given = {"email": self.email, "telegram": self.telegram, "webhook": self.webhook}
        return [(channel, given[channel]) for channel in CHANNELS if given[channel]]

    def wants(self, agencies: set[str]) -> bool:
        return not self.agencies or bool(agencies & set(self.agencies))


HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ScansTable(_Table):
    """``[watch.scans]``: the watch launches a full scan of each agency every night at ``at``
    (its scan policy's local time), inside the agency's window, and alerts on what it opens."""

    enabled: bool = True
    at: str = Field(default="01:30", pattern=HH_MM)
    # an agency's own nightly time (e.g. a hospital's quiet hour), else ``at``
    times: dict[str, Annotated[str, Field(pattern=HH_MM)]] = Field(default_factory=dict)
    agencies: tuple[str, ...] = ()
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "critical"
    exposed_families: tuple[str, ...] = ("net",)
    findings_interval: float = Field(default=60.0, ge=5, le=3600)  # seconds between two reads

    @property
    def at_time(self) -> time:
        return _clock_time(self.at)

    def time_for(self, agency: str) -> time:
        """The agency's nightly time: its own in ``times``, else ``at``."""
        return _clock_time(self.times.get(agency, self.at))


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class ChannelConfig(_Table):
    console_url: str = ""
    link_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    retry_first: float = Field(default=30.0, gt=0, le=3600)
    retry_max: float = Field(default=1800.0, gt=0, le=86400)
    give_up_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    poll: float = Field(default=2.0, gt=0, le=60)  # seconds between two looks at the queue
    escalation_minutes: float = Field(default=15.0, gt=0, le=24 * 60)  # one more role each time
    email: EmailChannel | None = None
    telegram: TelegramChannel | None = None
    webhook: WebhookChannel | None = None
    recipients: tuple[Recipient, ...] = ()
    scans: ScansTable | None = None  # [watch.scans]: scheduled full scans (absent: none)

    def lease_seconds(self) -> float:
        """How long a claimed delivery is held: longer than any send may take."""
        timeouts = [c.timeout for c in (self.email, self.telegram, self.webhook) if c is not None]
        return 2 * max(timeouts, default=20.0) + 5


def _secret(table: Mapping[str, Any], name: str, base: Path, environ: Mapping[str, str]) -> str:
    env, file = table.get(f"{name}-env", ""), table.get(f"{name}-file", "")
    if name in table:
        raise ChannelConfigError(
            _("{key}: a secret is never written in the settings file: use {key}-env or {key}-file").format(
                key=name
            )
        )
    if env:
        value = environ.get(str(env), "")
        if not value:
            raise ChannelConfigError(
                _("{key}-env: the environment variable {var} is not set").format(key=name, var=env)
            )
        return value
    if file:
        path = base / Path(str(file)).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ChannelConfigError(
                _("{key}-file: {path} cannot be read: {error}").format(key=name, path=path, error=exc)
            ) from None
    return ""


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    table = data.get(name)
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ChannelConfigError(_("{section} must be a table: [{section}]").format(section=f"watch.{name}"))
    return table


def channel_config(
    data: Mapping[str, Any], *, base: Path, environ: Mapping[str, str] | None = None
) -> ChannelConfig:
    """The ``[watch]`` table ``data`` as a value, its secrets read from the environment or the
    files it names (relative to ``base``, the settings file's folder)."""
    env = os.environ if environ is None else environ
    raw = dict(data)
    secrets: dict[str, dict[str, str]] = {}
    for channel, key in (("email", "password"), ("telegram", "token"), ("webhook", "secret")):
        table = _section(raw, channel)
        if table is not None:
            secrets[channel] = {key: _secret(table, key, base, env)}
    for channel in ("email", "telegram", "webhook"):
        table = _section(raw, channel)
        if table is not None and channel == "email" and table.get("ca-file"):
            raw[channel] = {**table, "ca-file": str(base / Path(str(table["ca-file"])).expanduser())}
    try:
        config = ChannelConfig.model_validate(raw)
    except ValidationError as exc:
        raise ChannelConfigError(validation.summary(exc)) from None
    updates = {
        channel: getattr(config, channel).model_copy(update=values) for channel, values in secrets.items()
    }
    config = config.model_copy(update=updates)
    if config.email is not None and config.email.user and not config.email.password:
        raise ChannelConfigError(_("email: a user needs password-env or password-file"))
    if config.telegram is not None and not config.telegram.token:
        raise ChannelConfigError(_("telegram: the bot's token-env or token-file is required"))
    for person in config.recipients:
        for channel, _address in person.addresses():
            if getattr(config, channel) is None:
                raise ChannelConfigError(
                    _(
                        "recipient {name} has a {channel} address but [watch.{channel}] is not configured"
                    ).format(name=person.name, channel=channel)
                )
    return config
