"""The official documents of one incident: the initial report (form 03) and the final report
(form 04) as DOCX, built from the incident's records, its agency in the inventory and the
``[forms]`` configuration, through ``canhgac.reports.forms`` (``build_form``, ``render_form``).

Shared by the console, the API and ``canhgac incidents report``: a document never depends on who
asked for it. A field the form requires and nothing provides is :class:`IncidentFormError`, one
line naming the field and where to fill it (the settings file's ``[forms]`` table, the
incident's details, the document's number), never a traceback.

The text of a document is Vietnamese by law (the templates hold it); the few values written here
from the records (the list of attached reports of form 04) are Vietnamese for the same reason.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from canhgac.i18n import gettext as _
from canhgac.incidents.lifecycle import is_handled
from canhgac.incidents.model import State
from canhgac.reports.forms import FormDataError, FormsConfig, FormTemplateError, build_form, render_form

if TYPE_CHECKING:
    from canhgac.console.store.incident_requests import Actor
    from canhgac.console.store.queries import ViewerScope

__all__ = ["INCIDENT_FORMS", "IncidentForm", "IncidentFormError", "form_data", "hint", "incident_form"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
INCIDENT_FORMS = ("03", "04")  # form 05 sums up a period: services.incident_summary

# the incident's notified parties (incidents.model.Party) as form 03's boxes (reports.forms.Party)
_NOTIFIED = {"national_coordinator": "national-coordinator", "response_unit": "network-member"}
# the [forms] addressees' keys as form 03's boxes: the report itself goes to them at once
_ADDRESSED = {"national-coordinator": "national-coordinator", "response-unit": "network-member"}
# what the timeline's reports are called in form 04's list of attached documents
_REPORT_NAMES = {
    "progress": "Báo cáo diễn biến",
    "plan": "Phương án ứng cứu",
    "request": "Văn bản xin ý kiến chỉ đạo",
}


class IncidentFormError(ValueError):
    """The document cannot be made: one line naming the field and where to fill it."""


@dataclass(frozen=True, slots=True)
class IncidentForm:
    form: str
    number: str  # the document's number as printed (after [forms] number-pattern)
    filename: str
    docx: bytes


def hint(message: str) -> str:
    """Where a field the form lacks is filled, for a person who sees only the message."""
    hints = (
        ("document.number", _("the document's number (from the register of outgoing documents)")),
        ("document.issuer", _("[forms.issuer] parent, name and place in the settings file")),
        ("document.signer", _("[forms.signer] title and name in the settings file")),
        ("document.to", _("the addressees in [forms.authorities] of the settings file")),
        ("reporter", _("[forms.issuer] name, address, phone and email in the settings file")),
        ("organisation", _("[forms.issuer] name, address, phone and email in the settings file")),
        ("contact", _("the incident's contact person (name, phone, e-mail) in its form details")),
        ("system", _("the affected system in the incident's form details")),
        ("details", _("the affected system in the incident's form details")),
        ("detection", _("how the incident was detected, in its form details")),
        ("notified", _("who was told: record a notification")),
    )
    wanted: list[str] = []
    for part in message.split("; "):
        field = part.partition(":")[0].strip()
        for prefix, hint in hints:
            if field.startswith(prefix) and hint not in wanted:
                wanted.append(hint)
                break
    if not wanted:
        return message
    return _("{problem}. Fill in: {hints}").format(problem=message, hints="; ".join(wanted))


def _local(at: dt.datetime) -> str:
    return at.astimezone(VIETNAM).isoformat(timespec="minutes")


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without empty ones (a missing field then reads "required, but missing")."""
    return {k: v for k, v in values.items() if v not in ("", None, [], {})}


def _public(values: list[str]) -> list[str]:
    """The addresses the form may list: Internet-facing ones only (an internal one stays home)."""
    kept = []
    for value in values:
        try:
            if ipaddress.ip_address(value).is_global:
                kept.append(value)
        except ValueError:
            continue
    return kept


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _system(found: Any, agency: Any) -> dict[str, Any]:
    given = dict(found.system or {})
    parent = agency.parent.name if agency is not None and agency.parent is not None else ""
    level = given.get("level")
    return _filled(
        {
            "operator": str(
                given.get("operator") or (agency.name if agency is not None else found.agency_code)
            ),
            "owner_agency": str(given.get("owner_agency") or parent),
            "name": str(given.get("name") or ""),
            "level": int(level) if isinstance(level, int | str) and str(level).isdigit() else None,
        }
    )


def _assets(found: Any) -> tuple[list[str], list[str]]:
    """The public addresses and domains the incident's asset links name."""
    ips, domains = [], []
    for link in found.links.all():
        if link.kind != "asset":
            continue
        kind, _sep, value = link.ref.partition(":")
        if kind == "domain":
            domains.append(value)
        elif kind in ("ip", "host"):
            ips.append(value)
    return ips, domains


def _details(found: Any) -> dict[str, Any]:
    given = dict(found.system or {})
    ips, domains = _assets(found)
    return _filled(
        {
            "security_provider": str(given.get("security_provider") or ""),
            "connectivity_provider": str(given.get("connectivity_provider") or ""),
            "os": str(given.get("os") or ""),
            "os_version": str(given.get("os_version") or ""),
            "services": [s for s in _text_list(given.get("services")) if s in ("web", "mail", "database")],
            "services_other": str(given.get("services_other") or ""),
            "measures": [
                m for m in _text_list(given.get("measures")) if m in ("antivirus", "firewall", "ids")
            ],
            "measures_other": str(given.get("measures_other") or ""),
            "public_ips": _text_list(given.get("public_ips")) or _public(ips),  # given: checked by the form
            "domains": _text_list(given.get("domains")) or domains,
            "purpose": str(given.get("purpose") or ""),
        }
    )


def _detection(found: Any) -> dict[str, Any]:
    methods = set(_text_list(found.detection_methods))
    other = ""
    if "other" in methods or found.source in ("alert", "finding"):
        other = {"alert": "Cảnh báo của hệ thống giám sát", "finding": "Kết quả rà quét lỗ hổng"}.get(
            found.source, "Khác"
        )
        if found.source_detail and found.source in ("alert", "finding"):
            other = f"{other} ({found.source_detail})"
    notified_by = ""
    if "notified" in methods or found.source in ("phone", "email"):
        notified_by = found.source_detail or found.agency_code
    return _filled({"methods": sorted(methods & {"ids", "logs"}), "notified_by": notified_by, "other": other})


def _notified(found: Any, config: FormsConfig) -> list[str]:
    parties = {_NOTIFIED[n.party] for n in found.notifications.all() if n.party in _NOTIFIED}
    parties |= {_ADDRESSED[k] for k in config.form03_to if k in _ADDRESSED and config.authorities[k].name}
    return sorted(parties)


def _first_initial_report(found: Any) -> Any:
    sent = sorted((n for n in found.notifications.all() if n.initial_report), key=lambda n: n.sent_at)
    return sent[0] if sent else None


def form_data(
    found: Any, agency: Any, form: str, number: str, config: FormsConfig, now: dt.datetime
) -> dict[str, Any]:
    """The data of form ``form`` for the incident row ``found`` (with its links, notifications
    and timeline) of ``agency`` (the inventory's row, or None): the mapping docs/forms.md
    describes, filled from the records."""
    document = _filled({"number": number.strip(), "date": now.astimezone(VIETNAM).date().isoformat()})
    if form == "03":
        attachments = _text_list(found.attachments)
        data: dict[str, Any] = {
            "document": document,
            "contact": _filled(
                {k: str((found.contact or {}).get(k) or "") for k in ("name", "position", "phone", "email")}
            ),
            "system": _system(found, agency),
            "incident": {
                "summary": found.description or found.title,
                "detected_at": _local(found.detected_at),
                "handled": is_handled(State(found.state)),
            },
            "detection": _detection(found),
            "notified": _notified(found, config),
            "details": _details(found),
            "attachments": [a for a in attachments if a in ("logs", "malware-sample")],
            "attachments_other": ", ".join(a for a in attachments if a not in ("logs", "malware-sample")),
            "confidential": bool(found.confidential),
            "support_request": found.support_request
            or "\n".join(e.text for e in found.timeline.all() if e.kind == "request" and e.text),
            "reported_at": _local(now),
        }
        return data
    first = _first_initial_report(found)
    reports = [
        f"{_REPORT_NAMES[e.kind]} ngày {e.at.astimezone(VIETNAM):%d/%m/%Y}"
        for e in found.timeline.all()
        if e.kind in _REPORT_NAMES
    ]
    closing = [
        e.detail.get("reason", "")
        for e in found.timeline.all()
        if e.kind == "state" and (e.detail or {}).get("to") == "closed"
    ]
    return {
        "document": document,
        "initial_report": _filled(
            {
                "number": found.initial_report_ref or (first.reference if first else ""),
                "date": first.sent_at.astimezone(VIETNAM).date().isoformat() if first else "",
            }
        ),
        "system": _system(found, agency),
        "incident": {"title": found.title, "detected_at": _local(found.detected_at)},
        "result": found.result or (closing[-1] if closing else ""),
        "attachments": reports[:100],
    }


def incident_form(
    scope: ViewerScope,
    incident_id: int,
    form: str,
    config: FormsConfig,
    *,
    number: str = "",
    now: dt.datetime | None = None,
    record: Actor | None = None,
) -> IncidentForm:
    """Form ``form`` (03 or 04) of the incident the viewer may see, as DOCX bytes; with
    ``record``, a ``note`` entry in its timeline says who made which document and its number.
    ``number`` defaults, for form 03, to the incident's initial report reference."""
    from canhgac.console.store import queries
    from canhgac.console.store.incident_requests import IncidentNotFoundError

    if form not in INCIDENT_FORMS:
        raise IncidentFormError(_("unknown form {form}: an incident has forms 03 and 04").format(form=form))
    found = queries.incident(scope, incident_id)
    if found is None:
        raise IncidentNotFoundError(_("no incident {id}").format(id=incident_id))
    now = now or dt.datetime.now(dt.UTC)
    agency = queries.agencies(scope, [found.agency_code]).first()
    number = number.strip() or (found.initial_report_ref if form == "03" else "")
    try:
        report = build_form(
            form,
            form_data(found, agency, form, number, config, now),
            config,
            today=now.astimezone(VIETNAM).date(),
        )
        docx = render_form(report, config)
    except FormDataError as exc:
        raise IncidentFormError(hint(str(exc))) from None
    except FormTemplateError as exc:
        raise IncidentFormError(str(exc)) from None
    printed = report.document.number
    if record is not None:
        from canhgac.services import incidents
        from canhgac.services.incidents import EntryKind

        what = _("initial report (form 03)") if form == "03" else _("final report (form 04)")
        incidents.note(
            scope,
            record,
            incident_id,
            EntryKind.NOTE,
            _("{what} number {number} made").format(what=what, number=printed),
            now,
        )
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in printed)[:60]
    return IncidentForm(form, printed, f"incident-{incident_id}-form-{form}-{safe}.docx", docx)
