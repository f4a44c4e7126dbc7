"""The watch's alert channels for the CLI (``watch run`` delivers too; ``watch deliver`` only
delivers): the ``[watch]`` table of the settings file, and the delivery loop on the store. The
loop also warns of incidents' initial reports and reminds of the half-year and annual summary
(form 05): :func:`read_reminders` reads their ``[incidents]`` (and ``[forms]``) settings from
the same file.

A facade: the loop and the clients live in ``canhgac.watch`` (``delivery``, ``senders``), the
outbox's tables and writes in ``console.store`` (``delivery_store``). Import after the store is
open (``canhgac.services.store.open_store``).
"""

from __future__ import annotations

import asyncio
import contextlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.i18n import ngettext
from canhgac.i18n.formats import format_number
from canhgac.incidents.clock import ReportingRule
from canhgac.incidents.summary import SummaryReminders
from canhgac.watch.channel_config import SECTION, ChannelConfig, ChannelConfigError, channel_config
from canhgac.watch.clock import Clock
from canhgac.watch.delivery import Deliverer, RetryPolicy
from canhgac.watch.outgoing import Sender

__all__ = [
    "ChannelConfig",
    "ChannelConfigError",
    "DeliverySummary",
    "ReminderSettingsError",
    "Reminders",
    "channels_line",
    "deliverer",
    "delivery_rows",
    "read_channels",
    "read_reminders",
    "run_delivery",
]


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    sent: int
    failures: int


class ReminderSettingsError(ValueError):
    """The ``[incidents]`` or ``[forms]`` table cannot be used by the delivery loop: one line."""


@dataclass(frozen=True, slots=True)
class Reminders:
    """What the delivery loop's incident warnings follow: the initial report's rule
    (``due-soon-hours``, ``immediate-grace-hours``) and the form-05 reminders."""

    rule: ReportingRule = field(default_factory=ReportingRule)
    summary: SummaryReminders = field(default_factory=SummaryReminders)


def _day_month(text: str) -> tuple[int, int]:
    day, month = (int(part) for part in text.split("/"))
    return day, month


def read_reminders(path: Path) -> Reminders:
    """The ``[incidents]`` table (and ``[forms]``'s due days) of the settings file at ``path``:
    the defaults when there is no file or no table; :class:`ReminderSettingsError` names the
    file and what is wrong."""
    from canhgac.reports.forms import FormsConfigError, read_forms_config
    from canhgac.services.incidents_settings import IncidentSettingsError, incident_settings

    try:
        settings = incident_settings(path)
        forms = read_forms_config(path)
    except (IncidentSettingsError, FormsConfigError) as exc:
        raise ReminderSettingsError(str(exc)) from None
    return Reminders(
        settings.rule,
        SummaryReminders(
            settings.summary_reminder_days,
            settings.summary_recipients,
            _day_month(forms.half_year_due),
            _day_month(forms.annual_due),
        ),
    )


def read_channels(path: Path) -> ChannelConfig | None:
    """The ``[watch]`` table of the settings file at ``path`` (None: no file or no table);
    :class:`ChannelConfigError` names the file and what is wrong."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChannelConfigError(f"{path}: {exc}") from None
    table = data.get(SECTION)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ChannelConfigError(
            f"{path}: " + _("{section} must be a table: [{section}]").format(section=SECTION)
        )
    try:
        return channel_config(table, base=path.parent)
    except ChannelConfigError as exc:
        raise ChannelConfigError(f"{path}: {SECTION}: {exc}") from None


def channels_line(config: ChannelConfig) -> str:
    """Who is told and through which channels, in one line (``watch run``, ``watch deliver``, ``serve``)."""
    configured = [c for c in ("email", "telegram", "webhook") if getattr(config, c) is not None]
    n = len(config.recipients)
    return ngettext(
        "Delivering alerts to {n} recipient and the duty roster through {channels}.",
        "Delivering alerts to {n} recipients and the duty roster through {channels}.",
        n,
    ).format(n=format_number(n), channels=", ".join(configured) or "-")


def deliverer(
    config: ChannelConfig,
    *,
    clock: Clock | None = None,
    clients: dict[str, Sender] | None = None,
    owner: str | None = None,
    reminders: Reminders | None = None,
) -> Deliverer:
    """The delivery loop on the store with the configured channels' clients; the incidents'
    warnings and reminders follow ``reminders`` (:func:`read_reminders`; the defaults when None)."""
    from canhgac.console.store.delivery_store import DjangoDeliveryStore
    from canhgac.watch.senders import senders

    reminders = reminders or Reminders()
    policy = RetryPolicy(
        first=config.retry_first, most=config.retry_max, give_up=config.give_up_hours * 3600
    )
    return Deliverer(
        DjangoDeliveryStore(config, rule=reminders.rule, summary=reminders.summary),
        senders(config) if clients is None else clients,
        clock=clock,
        policy=policy,
        poll=config.poll,
        lease=config.lease_seconds(),
        owner=owner,
    )


async def run_delivery(
    config: ChannelConfig,
    *,
    on_ready: Callable[[int], None] | None = None,
    reminders: Reminders | None = None,
) -> DeliverySummary:
    """Deliver until cancelled (SIGINT/SIGTERM in the CLI)."""
    loop = deliverer(config, reminders=reminders)
    if on_ready is not None:
        on_ready(len(config.recipients))
    with contextlib.suppress(asyncio.CancelledError):
        await loop.run()
    return DeliverySummary(loop.sent_count, loop.failures)


def delivery_rows(alert_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The delivery outbox, newest first (``canhgac alerts deliveries``: the CLI sees everything)."""
    from canhgac.console.store import queries

    scope = queries.ViewerScope.everything()
    return [
        {
            "id": d.pk,
            "alert": d.alert_id,
            "event": d.kind,
            "channel": d.channel,
            "recipient": d.recipient,
            "status": d.status,
            "attempts": d.attempts,
            "uncertain": d.uncertain,
            "next_attempt_at": d.next_attempt_at,
            "sent_at": d.sent_at,
            "last_error": d.last_error,
        }
        for d in queries.watch_deliveries(scope, alert_id=alert_id, limit=limit)
    ]
