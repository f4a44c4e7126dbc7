"""The watch's stored words (health, alert status, timeline steps, monitor kinds) as a reader
says them, in one place; an unknown value is shown as stored."""

from __future__ import annotations

from canhgac.i18n import N_, translate

_LABELS = {
    "health": {
        "unknown": N_("not checked yet"),
        "up": N_("up"),
        "down": N_("down"),
        "flapping": N_("flapping"),
    },
    "status": {"open": N_("open"), "recovered": N_("recovered")},
    "step": {
        "opened": N_("opened"),
        "grouped": N_("monitor added"),
        "flapping": N_("flapping"),
        "acknowledged": N_("acknowledged"),
        "escalated": N_("escalated"),
        "duty_notified": N_("sent to the people on duty"),
        "member_recovered": N_("monitor recovered"),
        "recovered": N_("recovered"),
        "baseline_accepted": N_("new baseline accepted"),
        "notified": N_("notified"),
        "delivery_failed": N_("could not be notified"),
    },
    "role": {
        "on-duty": N_("on duty"),
        "backup": N_("backup"),
        "lead": N_("team lead"),
        "head": N_("CSIRT head"),
    },
    "delivery": {
        "pending": N_("queued"),
        "sending": N_("sending"),
        "sent": N_("sent"),
        "failed": N_("given up"),
    },
    "channel": {"email": N_("e-mail"), "telegram": N_("Telegram"), "webhook": N_("webhook")},
    "event": {
        "alert.opened": N_("alert opened"),
        "alert.grouped": N_("monitor added to the alert"),
        "alert.flapping": N_("flapping"),
        "alert.acknowledged": N_("acknowledged"),
        "alert.escalated": N_("escalated"),
        "alert.recovered": N_("recovered"),
    },
    "kind": {
        "http": N_("web availability and content"),
        "tls_cert": N_("certificate"),
        "dns": N_("DNS records"),
        "smtp": N_("mail server"),
        "blocklist": N_("DNS blocklists"),
        "findings": N_("findings of a scheduled scan"),
        "logs": N_("attacks seen in the logs"),
    },
}


def label(group: str, value: str, lang: str | None = None) -> str:
    found = _LABELS.get(group, {}).get(value)
    return translate(found, lang) if found is not None else value
