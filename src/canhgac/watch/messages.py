"""An alert said to a person: one channel-neutral message (subject and plain text) per alert
event, in the recipient's language (Vietnamese by default).

It carries what the person on duty needs to act from a phone at 3 a.m.: the agency, the asset,
what changed, since when, how severe, and how to acknowledge (the signed link, or the CLI).
Pure: the caller gives the alert's facts and the link already made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canhgac.catalog.schema import Severity
from canhgac.i18n import N_, language, translate
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime, format_number
from canhgac.watch.labels import label
from canhgac.watch.problems import describe

EVENT_HEADLINES = {
    "alert.opened": N_("Alert"),
    "alert.grouped": N_("Alert widened"),
    "alert.flapping": N_("Flapping"),
    "alert.recovered": N_("Recovered"),
    "alert.acknowledged": N_("Acknowledged"),
    "alert.escalated": N_("Escalated"),
}
DELIVERED_KINDS = (
    "alert.opened", "alert.grouped", "alert.flapping", "alert.recovered", "alert.escalated",
    "alert.acknowledged",
)


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """What one alert event says, gathered from the stored alert."""

    alert_id: int
    event: str  # alert.opened, alert.grouped, ...
    problem: str
    severity: str
    values: Mapping[str, Any]
    agencies: Sequence[str]
    targets: Sequence[str]  # the monitors the alert lists (their targets)
    since: datetime  # the alert's opening
    at: datetime  # when this event happened
    added: str = ""  # the monitor an alert.grouped event added
    link: str = ""  # the signed acknowledgement link ("" when the console's URL is not configured)
    link_expires: datetime | None = None
    step: int = 0  # alert.escalated: 0 the people on duty (first told, or a hand-over), 1+ escalation
    role: str = ""  # alert.escalated: the recipient's role in the roster
    minutes: float = 0  # alert.escalated: the policy's minutes per step
    by: str = ""  # alert.acknowledged: who acknowledged it


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str


def _severity(value: str, lang: str) -> str:
    try:
        return Severity(value).label(lang)
    except ValueError:
        return value


def render(notice: AlertNotice, lang: str = "vi") -> Message:
    """The message for ``notice`` in ``lang``."""
    with language(lang):
        event = "alert.opened" if notice.event == "alert.escalated" and notice.step == 0 else notice.event
        headline = translate(EVENT_HEADLINES.get(event, N_("Alert")))
        what = describe(notice.problem, notice.values)
        agencies = ", ".join(notice.agencies) or "-"
        severity = _severity(notice.severity, lang)
        subject = f"[canhgac] {headline} #{notice.alert_id} · {severity} · {agencies}: {what}"
        lines = [
            f"{headline} #{notice.alert_id} ({severity})",
            _("Agency: {agencies}").format(agencies=agencies),
            _("Asset: {targets}").format(targets=", ".join(notice.targets) or "-"),
            _("What changed: {what}").format(what=what),
            _("Since: {since}").format(since=format_datetime(notice.since, seconds=True)),
        ]
        if notice.event == "alert.escalated" and notice.step > 0:
            lines.append(
                _("Not acknowledged after {minutes} minutes: sent to you as {role}.").format(
                    minutes=format_number(notice.minutes * notice.step, decimals=2),
                    role=label("role", notice.role),
                )
            )
        elif notice.event == "alert.escalated" and notice.role:
            lines.append(_("You are on duty as {role}.").format(role=label("role", notice.role)))
        if notice.event == "alert.grouped" and notice.added:
            lines.append(_("Added to this alert: {monitor}").format(monitor=notice.added))
        if notice.event == "alert.recovered":
            lines.append(_("Recovered at: {at}").format(at=format_datetime(notice.at, seconds=True)))
        elif notice.event == "alert.acknowledged":
            taken = _("Acknowledged by {who} at {at}: they are handling it, nobody else needs to.")
            lines.append(taken.format(who=notice.by or "-", at=format_datetime(notice.at, seconds=True)))
        elif notice.link:
            expires = format_datetime(notice.link_expires, seconds=True) if notice.link_expires else ""
            lines += [
                "",
                _("Acknowledge (this link works once, until {expires}):").format(expires=expires),
                notice.link,
            ]
        if notice.event not in ("alert.recovered", "alert.acknowledged"):
            lines.append(_("Or on the CLI: canhgac alerts ack {id}").format(id=notice.alert_id))
        return Message(subject[:250], "\n".join(lines) + "\n")
