"""Incidents for the console's pages and the API: who may act, the list's filters and pages,
the clock's legal reading, and each action's form read into the values ``services.incidents``
takes (bad input is :class:`IncidentError`, one line naming the field).

Every write goes through ``services.incidents`` (the store's scoped, logged transactions); the
reads through ``services.incidents_view``. A viewer sees and acts on the incidents of the
agencies in their scope only (docs/incidents.md, Scoping): an agency officer acts on their own
agencies' incidents, a leader reads.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from canhgac.console.store.roles import Role
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import display_zone
from canhgac.incidents.categories import CATEGORIES
from canhgac.incidents.clock import ClockState, Counting, ReportingRule
from canhgac.services import incidents
from canhgac.services.incidents import (
    Actor,
    Channel,
    EntryKind,
    IncidentError,
    IncidentRow,
    IncidentSettings,
    LinkKind,
    Party,
    Source,
    State,
)

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope
    from canhgac.reports.forms import FormsConfig

PAGE_SIZE = 50
MAX_ROWS = 5000  # a province's incidents over years; the list is filtered in Python past this read
SEVERITIES = ("info", "low", "medium", "high", "critical")
HANDLED_BY = ("in_house", "domestic_help", "foreign_help")
DETECTION = ("ids", "logs", "notified", "other")
SERVICES = ("web", "mail", "database")
MEASURES = ("antivirus", "firewall", "ids")
ATTACHMENTS = ("logs", "malware-sample")
OPEN_SOURCES = (Source.PHONE, Source.EMAIL, Source.OTHER)  # by hand; alerts and findings have buttons

CLOCK_LABELS = {
    ClockState.RUNNING: N_("running"),
    ClockState.DUE_SOON: N_("due soon"),
    ClockState.IMMEDIATE: N_("report immediately"),
    ClockState.OVERDUE: N_("overdue"),
    ClockState.REPORTED: N_("reported"),
}
CHOICE_LABELS = {
    "ids": N_("intrusion detection system"),
    "logs": N_("log review"),
    "notified": N_("a notice from someone"),
    "other": N_("another way"),
    "web": N_("web"),
    "mail": N_("mail"),
    "database": N_("database"),
    "antivirus": N_("antivirus"),
    "firewall": N_("firewall"),
    "malware-sample": N_("malware sample"),
    "in_house": N_("in house"),
    "domestic_help": N_("with domestic help"),
    "foreign_help": N_("with foreign help"),
}


def may_handle_incidents(role: Role) -> bool:
    """Open incidents and act on them (within the role's scope): the CSIRT, and an agency's
    officer on their own agencies' incidents; leaders read."""
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST, Role.AGENCY_OFFICER)


def clock_label(state: ClockState | str, lang: str | None = None) -> str:
    return translate(CLOCK_LABELS[ClockState(state)], lang)


def choice_label(value: str, lang: str | None = None) -> str:
    return translate(CHOICE_LABELS[value], lang) if value in CHOICE_LABELS else value


def legal_reading(rule: ReportingRule, immediate: bool) -> str:
    """The rule the deadline comes from, as the incident's page says it."""
    if immediate:
        return _(
            "Beyond the unit's capacity: report immediately (Decision 05/2017/QĐ-TTg, Art. 11.2); "
            "overdue {hours} h after the flag."
        ).format(hours=f"{rule.immediate_grace.total_seconds() / 3600:g}")
    if rule.counting is Counting.WORKING:
        return _(
            "Within {days} working days of detection (Decision 05/2017/QĐ-TTg, Art. 11.1; Circular "
            "20/2017/TT-BTTTT), as this province counts them: weekends and public holidays skipped."
        ).format(days=rule.days)
    return _(
        "Within {days} days of detection (Decision 05/2017/QĐ-TTg, Art. 11.1; Circular 20/2017/TT-BTTTT), "
        "counted as the Civil Code counts a period: from the day after detection, ending at 24:00 of the "
        "last day, or of the next working day when that day is a weekend or a public holiday."
    ).format(days=rule.days)


# --- settings ------------------------------------------------------------------------------


def page_settings() -> IncidentSettings:
    """The ``[incidents]`` table of the console's settings file (IncidentSettingsError)."""
    from canhgac.services.console_scan import settings_path

    return incidents.incident_settings(settings_path())


def page_forms_config() -> FormsConfig:
    """The ``[forms]`` table of the console's settings file (FormsConfigError)."""
    from canhgac.services.console_scan import settings_path
    from canhgac.services.forms import forms_settings

    return forms_settings(settings_path())


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListRequest:
    agency: str = ""
    state: str = ""  # a State, or "open"
    category: str = ""
    overdue: bool = False
    alert: str = ""  # the incidents linked to this watch alert (its page links here)
    finding: str = ""  # ... or to this finding (a full fingerprint)
    page: int = 1

    def link(self, **changed: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "agency": self.agency,
            "state": self.state,
            "type": self.category,
            "overdue": "1" if self.overdue else "",
            "alert": self.alert,
            "finding": self.finding,
            "page": self.page,
        } | changed
        if values.get("page") == 1:
            values.pop("page")
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


def list_request(query: Mapping[str, str]) -> ListRequest:
    """The list's filters from a query string; an unknown value is no filter."""
    state = str(query.get("state", ""))[:20]
    category = str(query.get("type", ""))[:40]
    page = str(query.get("page", "1"))
    alert, finding = str(query.get("alert", "")), str(query.get("finding", ""))
    return ListRequest(
        agency=str(query.get("agency", "")).strip()[:64],
        state=state if state in {s.value for s in State} | {"open"} else "",
        category=category if category in {c.code for c in CATEGORIES} | {"none"} else "",
        overdue=str(query.get("overdue", "")) in ("1", "true", "on"),
        alert=alert if alert.isdigit() and len(alert) <= 18 else "",
        finding=finding if re.fullmatch(r"[0-9a-f]{32}", finding) else "",
        page=int(page) if page.isdigit() and 0 < len(page) <= 6 and int(page) > 0 else 1,
    )


def filtered_rows(
    scope: ViewerScope, wanted: ListRequest, *, now: datetime | None = None, rule: ReportingRule | None = None
) -> list[IncidentRow]:
    """The incidents the viewer may see, newest first, as ``wanted`` filters them."""
    if wanted.agency:  # never wider than the viewer's scope; a NUL (no code has one) reaches no database
        scope = scope.narrowed([wanted.agency.replace("\x00", "")])
    rows = incidents.incident_rows(
        scope,
        open_only=wanted.state == "open",
        overdue_only=wanted.overdue,
        limit=MAX_ROWS,
        now=now,
        rule=rule,
    )
    if wanted.state and wanted.state != "open":
        rows = [r for r in rows if r.state == wanted.state]
    if wanted.category:
        rows = [r for r in rows if r.category == ("" if wanted.category == "none" else wanted.category)]
    if wanted.alert or wanted.finding:
        from canhgac.console.store import queries

        kind, ref = ("alert", wanted.alert) if wanted.alert else ("finding", wanted.finding)
        linked = set(queries.incidents_linked(scope, kind, ref).values_list("pk", flat=True))
        rows = [r for r in rows if r.id in linked]
    return rows


# --- the actions' forms --------------------------------------------------------------------


def _text(form: Mapping[str, Any], name: str, limit: int) -> str:
    value = form.get(name, "")
    value = value[-1] if isinstance(value, list) and value else value
    text = str(value or "").strip()
    if "\x00" in text:
        raise IncidentError(_("{field}: a NUL character is not allowed").format(field=name))
    if len(text) > limit:
        raise IncidentError(_("{field}: at most {limit} characters").format(field=name, limit=limit))
    return text


def _required(form: Mapping[str, Any], name: str, limit: int) -> str:
    text = _text(form, name, limit)
    if not text:
        raise IncidentError(_("{field}: required").format(field=name))
    return text


def _choice(form: Mapping[str, Any], name: str, kind: Any, allowed: Sequence[Any] | None = None) -> Any:
    text = _text(form, name, 40)
    try:
        value = kind.parse(text)
    except ValueError:
        value = None
    if value is None or (allowed is not None and value not in allowed):
        values = ", ".join(m.value for m in (allowed or list(kind)))
        raise IncidentError(
            _("{field}: unknown value {value}: use one of {values}").format(
                field=name, value=text[:40], values=values
            )
        )
    return value


def _flag(form: Mapping[str, Any], name: str) -> bool:
    value = form.get(name, "")
    value = value[-1] if isinstance(value, list) and value else value
    return value is True or str(value).lower() in ("1", "on", "true", "yes")


def _many(form: Mapping[str, Any], name: str, allowed: Sequence[str]) -> list[str]:
    value = form.get(name, [])
    values = [value] if isinstance(value, str) else list(value or [])
    chosen = [str(v) for v in values if str(v)]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise IncidentError(
            _("{field}: unknown value {value}: use one of {values}").format(
                field=name, value=unknown[0][:40], values=", ".join(allowed)
            )
        )
    return [v for v in allowed if v in chosen]


def parse_time(raw: str, field: str) -> datetime | None:
    """A form's date and time (``2027-02-06T22:00``, Vietnam's clock unless an offset is given)."""
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(
            _("{field}: '{value}' is not a date and time; write it like 2027-02-06T22:00").format(
                field=field, value=text[:40]
            )
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=display_zone())


def _not_future(at: datetime | None, field: str, now: datetime) -> datetime | None:
    if at is not None and at > now:
        raise IncidentError(_("{field}: this time is in the future").format(field=field))
    return at


def open_from_form(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime | None = None,
) -> int:
    """Open an incident: from a watch alert (``alert``), a finding (``finding``), or by hand."""
    now = now or datetime.now(UTC)
    category = _text(form, "type", 40)
    beyond = _flag(form, "beyond_capacity")
    alert = _text(form, "alert", 20)
    if alert:
        if not alert.isdigit():
            raise IncidentError(_("no alert {id}").format(id=alert))
        return incidents.open_from_alert(
            scope,
            settings,
            actor,
            int(alert),
            title=_text(form, "title", 300),
            category_code=category,
            beyond_capacity=beyond,
            now=now,
        )
    finding = _text(form, "finding", 64)
    if finding:
        if not re.fullmatch(r"[0-9a-f]{6,32}", finding):
            raise IncidentError(_("no finding {fingerprint}").format(fingerprint=finding))
        return incidents.open_from_finding(
            scope, settings, actor, finding, title=_text(form, "title", 300), category_code=category, now=now
        )
    detected = _not_future(parse_time(_text(form, "detected", 40), "detected"), "detected", now)
    source = _choice(form, "source", Source, OPEN_SOURCES) if _text(form, "source", 40) else Source.PHONE
    return incidents.open_incident(
        scope,
        settings,
        actor,
        agency=_required(form, "agency", 64),
        title=_required(form, "title", 300),
        detected_at=detected,
        source=source,
        description=_text(form, "description", 20_000),
        source_detail=_text(form, "reporter", 600),
        category_code=category,
        severity=_text(form, "severity", 16) or "medium",
        beyond_capacity=beyond,
        now=now,
    )


def write_entry(scope: ViewerScope, actor: Actor, incident_id: int, form: Mapping[str, Any]) -> None:
    kind = _choice(form, "kind", EntryKind, incidents.WRITTEN_KINDS)
    incidents.note(scope, actor, incident_id, kind, _required(form, "text", 20_000))


def move_to(scope: ViewerScope, actor: Actor, incident_id: int, form: Mapping[str, Any]) -> None:
    state = _choice(form, "state", State)
    incidents.move(scope, actor, incident_id, state, _text(form, "reason", 2000))


def add_link(scope: ViewerScope, actor: Actor, incident_id: int, form: Mapping[str, Any]) -> bool:
    kind = _choice(form, "kind", LinkKind)
    return incidents.link(
        scope, actor, incident_id, kind, _required(form, "ref", 700), _text(form, "note", 500)
    )


def record_notification(
    scope: ViewerScope, actor: Actor, incident_id: int, form: Mapping[str, Any], now: datetime | None = None
) -> bool:
    now = now or datetime.now(UTC)
    return incidents.notify(
        scope,
        actor,
        incident_id,
        party=_choice(form, "party", Party),
        recipient=_required(form, "to", 300),
        channel=_choice(form, "via", Channel) if _text(form, "via", 40) else Channel.EMAIL,
        sent_at=_not_future(parse_time(_text(form, "at", 40), "at"), "at", now),
        reference=_text(form, "reference", 100),
        initial_report=_flag(form, "initial_report"),
        now=now,
    )


def set_capacity(
    scope: ViewerScope, settings: IncidentSettings, actor: Actor, incident_id: int, form: Mapping[str, Any]
) -> datetime:
    return incidents.capacity(
        scope, settings, actor, incident_id, not _flag(form, "off"), _text(form, "reason", 2000)
    )


def _addresses(text: str) -> list[str]:
    values = [v for v in re.split(r"[\s,;]+", text) if v]
    for value in values:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise IncidentError(
                _("public_ips: {value} is not an IP address").format(value=value[:60])
            ) from None
    return values


def details_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The forms' details (``services.incidents.set_details``'s values) from the details form."""
    level = _text(form, "system_level", 2)
    if level and level not in {"1", "2", "3", "4", "5"}:
        raise IncidentError(_("system_level: a level from 1 to 5"))
    email = _text(form, "contact_email", 200)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise IncidentError(_("contact_email: not an e-mail address"))
    handled_by = _text(form, "handled_by", 32)
    if handled_by and handled_by not in HANDLED_BY:
        raise IncidentError(
            _("handled_by: unknown value {value}: use one of {values}").format(
                value=handled_by, values=", ".join(HANDLED_BY)
            )
        )
    severity = _text(form, "severity", 16) or "medium"
    contact = {
        "name": _text(form, "contact_name", 200),
        "position": _text(form, "contact_position", 200),
        "phone": _text(form, "contact_phone", 60),
        "email": email,
    }
    system: dict[str, Any] = {
        "name": _text(form, "system_name", 500),
        "level": int(level) if level else None,
        "operator": _text(form, "system_operator", 500),
        "owner_agency": _text(form, "system_owner_agency", 500),
        "security_provider": _text(form, "security_provider", 500),
        "connectivity_provider": _text(form, "connectivity_provider", 500),
        "os": _text(form, "os", 200),
        "os_version": _text(form, "os_version", 200),
        "services": _many(form, "services", SERVICES),
        "services_other": _text(form, "services_other", 500),
        "measures": _many(form, "measures", MEASURES),
        "measures_other": _text(form, "measures_other", 500),
        "public_ips": _addresses(_text(form, "public_ips", 5000)),
        "domains": [v for v in re.split(r"[\s,;]+", _text(form, "domains", 5000)) if v],
        "purpose": _text(form, "purpose", 2000),
    }
    return {
        "title": _required(form, "title", 300),
        "description": _text(form, "description", 20_000),
        "category": _text(form, "type", 40),
        "severity": severity,
        "contact": {k: v for k, v in contact.items() if v},
        "system": {k: v for k, v in system.items() if v not in ("", None, [])},
        "detection_methods": _many(form, "detection_methods", DETECTION),
        "attachments": _many(form, "attachments", ATTACHMENTS),
        "confidential": _flag(form, "confidential"),
        "support_request": _text(form, "support_request", 20_000),
        "initial_report_ref": _text(form, "initial_report_ref", 100),
        "result": _text(form, "result", 50_000),
        "handled_by": handled_by,
        "support_from_coordinator": _flag(form, "support_from_coordinator"),
        "helpers": [v.strip() for v in _text(form, "helpers", 5000).splitlines() if v.strip()],
        "estimated_damage": _text(form, "estimated_damage", 300),
    }


def save_details(scope: ViewerScope, actor: Actor, incident_id: int, form: Mapping[str, Any]) -> list[str]:
    """Set what the details form changed (one timeline entry lists it); the fields changed."""
    detail = incidents.incident_detail(scope, incident_id)
    if detail is None:
        raise incidents.IncidentNotFoundError(_("no incident {id}").format(id=incident_id))
    wanted = details_from_form(form)
    current = {
        **detail.details,
        "title": detail.row.title,
        "description": detail.description,
        "category": detail.row.category,
        "severity": detail.row.severity,
    }
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        incidents.set_details(scope, actor, incident_id, changed)
    return sorted(changed)


_SYSTEM_FORM = {"name": "system_name", "level": "system_level", "operator": "system_operator",
                "owner_agency": "system_owner_agency"}  # the rest of ``system`` keeps its name


def details_form(detail: incidents.IncidentDetail) -> dict[str, Any]:
    """The details form as the incident holds it now (the inverse of :func:`details_from_form`),
    so a change of some fields (the API's) is read and checked as the page's form is."""
    d = detail.details
    contact, system = d.get("contact") or {}, d.get("system") or {}
    form: dict[str, Any] = {
        "title": detail.row.title, "description": detail.description, "type": detail.row.category,
        "severity": detail.row.severity,
        **{f"contact_{k}": str(contact.get(k) or "") for k in ("name", "position", "phone", "email")},
        "detection_methods": list(d.get("detection_methods") or []),
        "attachments": list(d.get("attachments") or []),
        "confidential": bool(d.get("confidential")),
        "support_from_coordinator": bool(d.get("support_from_coordinator")),
        "helpers": "\n".join(d.get("helpers") or []),
        **{k: str(d.get(k) or "") for k in ("support_request", "initial_report_ref", "result", "handled_by",
                                             "estimated_damage")},
    }
    for key in ("name", "level", "operator", "owner_agency", "security_provider", "connectivity_provider",
                "os", "os_version", "services_other", "measures_other", "purpose"):
        value = system.get(key)
        form[_SYSTEM_FORM.get(key) or key] = "" if value is None else str(value)
    for key in ("services", "measures"):
        form[key] = list(system.get(key) or [])
    for key in ("public_ips", "domains"):
        form[key] = " ".join(system.get(key) or [])
    return form


def change_details(
    scope: ViewerScope, actor: Actor, incident_id: int, changes: Mapping[str, Any]
) -> list[str]:
    """Set some of the details (the API's ``PATCH``: ``contact`` and ``system`` merged key by
    key, lists whole, ``category`` the form-05 type), checked as the details form is; the
    fields changed."""
    detail = incidents.incident_detail(scope, incident_id)
    if detail is None:
        raise incidents.IncidentNotFoundError(_("no incident {id}").format(id=incident_id))
    form = details_form(detail)
    for name, value in changes.items():
        if name == "contact":
            form.update({f"contact_{k}": v for k, v in dict(value).items()})
        elif name == "system":
            for key, item in dict(value).items():
                if key in ("public_ips", "domains"):
                    item = " ".join(item or [])
                elif key == "level":
                    item = "" if item is None else str(item)
                form[_SYSTEM_FORM.get(key) or key] = item
        elif name == "category":
            form["type"] = value
        elif name == "helpers":
            form["helpers"] = "\n".join(value or [])
        else:
            form[name] = value
    return save_details(scope, actor, incident_id, form)
