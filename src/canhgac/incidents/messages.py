"""The reminder about an incident's initial report, said to a person through the watch's
channels (e-mail, Telegram, webhook): due soon, due immediately (beyond the unit's capacity), or
overdue. One channel-neutral message, in the recipient's language. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canhgac.i18n import N_, language, translate
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime

REPORT_DUE = "incident.report_due"
REPORT_OVERDUE = "incident.report_overdue"
KINDS = (REPORT_DUE, REPORT_OVERDUE)
_HEADLINES = {
    REPORT_DUE: N_("Initial report due"),
    REPORT_OVERDUE: N_("Initial report overdue"),
}


@dataclass(frozen=True, slots=True)
class IncidentNotice:
    incident_id: int
    event: str  # one of KINDS
    title: str
    agency: str
    state: str  # the lifecycle's state
    detected_at: datetime
    deadline: datetime
    immediate: bool  # beyond the unit's capacity
    missing: tuple[str, ...]  # the parties not yet sent the initial report (labels' msgids)


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str


def render(notice: IncidentNotice, lang: str = "vi") -> Message:
    with language(lang):
        headline = translate(_HEADLINES.get(notice.event, N_("Initial report due")))
        subject = f"[canhgac] {headline} · #{notice.incident_id} · {notice.agency}: {notice.title}"
        lines = [
            f"{headline} · #{notice.incident_id}",
            _("Incident: {title}").format(title=notice.title),
            _("Agency: {agencies}").format(agencies=notice.agency or "-"),
            _("Detected: {at}").format(at=format_datetime(notice.detected_at)),
            _("Initial report due by: {at}").format(at=format_datetime(notice.deadline)),
        ]
        if notice.immediate:
            lines.append(
                _(
                    "The incident may be beyond the unit's capacity: report immediately "
                    "(Decision 05/2017/QĐ-TTg, Art. 11)."
                )
            )
        else:
            lines.append(
                _("Within 5 days of detection (Circular 20/2017/TT-BTTTT, Decision 05/2017/QĐ-TTg).")
            )
        if notice.missing:
            lines.append(
                _("Not yet sent to: {parties}").format(
                    parties=", ".join(translate(m) for m in notice.missing)
                )
            )
        lines.append(
            _("Record it: canhgac incidents notify {id} --initial-report …").format(id=notice.incident_id)
        )
        return Message(subject[:300], "\n".join(lines))
