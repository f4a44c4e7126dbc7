"""The values a form's template sees: each form's model turned into text the document prints, in
Vietnamese conventions (dd/mm/yyyy, hh:mm, 1.200.000, ☒/☐ for a ticked or empty box).

A template (packaged, or a province's replacement) uses these names and nothing else;
:data:`FIELDS` lists every name per form and which are mandatory, so a replacement template can
be checked before it is used (``templates.check_template``). docs/forms.md documents them.

Multi-line text (a description, the result of the response) is given as a ``docxtpl.Listing``:
its line breaks stay line breaks in the document, and it is escaped like every other value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from docxtpl import Listing  # type: ignore[import-untyped]

from canhgac.reports.forms.blocks import Contact, DocumentHeader, Person
from canhgac.reports.forms.model import (
    INCIDENT_TYPE_LABELS,
    AffectedSystem,
    Attachment,
    FinalReport,
    InitialReport,
    Measure,
    Method,
    Party,
    PeriodSummary,
    Service,
    TypeCount,
)

TICKED, EMPTY = "☒", "☐"


def box(ticked: bool) -> str:
    return TICKED if ticked else EMPTY


def vi_date(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def vi_time(value: dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def vi_number(value: int) -> str:
    """``1200000`` → ``1.200.000`` (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def date_line(place: str, day: dt.date) -> str:
    """``Kiên Giang, ngày 07 tháng 12 năm 2026``: as Decree 30/2020/NĐ-CP writes the date of a
    document, a day below 10 and the months 1 and 2 take a leading zero (``ngày 05 tháng 02``),
    the other months do not (``tháng 6``)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _header(doc: DocumentHeader) -> dict[str, Any]:
    return {
        "issuer_parent": doc.issuer.parent.upper(),
        "issuer_name": doc.issuer.name.upper(),
        "number": doc.number,
        "place_date": date_line(doc.issuer.place, doc.date),
        "to": [{"name": r.name, "address": r.address, "email": r.email} for r in doc.to],
        "copies": list(doc.copies),
        "filed_as": doc.filed_as,
        "signer_authority": doc.signer.authority.upper(),
        "signer_title": doc.signer.title.upper(),
        "signer_name": doc.signer.name,
    }


def _contact(value: Contact | Person) -> dict[str, str]:
    out = {"name": value.name, "phone": value.phone, "email": value.email}
    if isinstance(value, Contact):
        out["address"] = value.address
    else:
        out["position"] = value.position
    return out


def _system(value: AffectedSystem) -> dict[str, str]:
    return {
        "operator": value.operator,
        "owner_agency": value.owner_agency,
        "name": value.name,
        "level": "" if value.level is None else str(value.level),
    }


def initial_context(report: InitialReport) -> dict[str, Any]:
    """Form 03's values."""
    d, det = report.details, report.detection
    return {
        "doc": _header(report.document),
        "reporter": _contact(report.reporter),
        "contact": _contact(report.contact),
        "system": _system(report.system),
        "incident": {
            "summary": Listing(report.incident.summary),
            "detected_date": vi_date(report.incident.detected_at.date()),
            "detected_time": vi_time(report.incident.detected_at),
            "handled": box(report.incident.handled),
            "unhandled": box(not report.incident.handled),
        },
        "detection": {
            "ids": box(Method.IDS in det.methods),
            "logs": box(Method.LOGS in det.methods),
            "notice": box(bool(det.notified_by)),
            "notified_by": det.notified_by,
            "other_box": box(bool(det.other)),
            "other": det.other,
        },
        "notified": {
            "network_member": box(Party.NETWORK_MEMBER in report.notified),
            "isp": box(Party.ISP in report.notified),
            "national_coordinator": box(Party.NATIONAL_COORDINATOR in report.notified),
        },
        "details": {
            "security_provider": d.security_provider,
            "connectivity_provider": d.connectivity_provider,
            "os": d.os,
            "os_version": d.os_version,
            "web": box(Service.WEB in d.services),
            "mail": box(Service.MAIL in d.services),
            "database": box(Service.DATABASE in d.services),
            "services_other_box": box(bool(d.services_other)),
            "services_other": d.services_other,
            "antivirus": box(Measure.ANTIVIRUS in d.measures),
            "firewall": box(Measure.FIREWALL in d.measures),
            "ids": box(Measure.IDS in d.measures),
            "measures_other_box": box(bool(d.measures_other)),
            "measures_other": d.measures_other,
            "public_ips": ", ".join(d.public_ips),
            "domains": ", ".join(d.domains),
            "purpose": d.purpose,
        },
        "attachments": {
            "logs": box(Attachment.LOGS in report.attachments),
            "malware_sample": box(Attachment.MALWARE_SAMPLE in report.attachments),
            "other_box": box(bool(report.attachments_other)),
            "other": report.attachments_other,
        },
        "confidential": {"yes": box(report.confidential is True), "no": box(report.confidential is False)},
        "support_request": Listing(report.support_request),
        "reported_at": f"{vi_date(report.reported_at.date())} {vi_time(report.reported_at)}",
    }


def final_context(report: FinalReport) -> dict[str, Any]:
    """Form 04's values."""
    ref = report.initial_report
    return {
        "doc": _header(report.document),
        "reporter": _contact(report.reporter),
        "initial_report": {"number": ref.number, "date": vi_date(ref.date) if ref.date else ""},
        "system": _system(report.system),
        "incident": {
            "title": report.incident.title,
            "detected_date": vi_date(report.incident.detected_at.date()),
            "detected_time": vi_time(report.incident.detected_at),
        },
        "result": Listing(report.result),
        "attachments": list(report.attachments),
    }


def _row(index: int, row: TypeCount) -> dict[str, str]:
    return {
        "index": str(index),
        "label": INCIDENT_TYPE_LABELS[row.type],
        "count": vi_number(row.count),
        "self_handled": vi_number(row.self_handled),
        "with_domestic_help": vi_number(row.with_domestic_help),
        "with_foreign_help": vi_number(row.with_foreign_help),
        "support_requested": vi_number(row.support_requested),
        "damage": "" if row.damage_vnd is None else vi_number(row.damage_vnd),
    }


def summary_context(report: PeriodSummary) -> dict[str, Any]:
    """Form 05's values: the ten rows in the form's order and their total."""
    table = report.table()
    total = {
        name: vi_number(sum(getattr(row, name) for row in table))
        for name in ("count", "self_handled", "with_domestic_help", "with_foreign_help", "support_requested")
    }
    damages = [row.damage_vnd for row in table if row.damage_vnd is not None]
    total["damage"] = vi_number(sum(damages)) if damages else ""
    p = report.period
    return {
        "doc": _header(report.document),
        "period": {
            "kind": "06 tháng" if p.kind == "half-year" else "01 năm",
            "title": (f"06 THÁNG NĂM {p.end.year}" if p.kind == "half-year" else f"NĂM {p.end.year}"),
            "start": f"{p.start.month:02d}/{p.start.year}",
            "end": f"{p.end.month:02d}/{p.end.year}",
        },
        "organisation": _contact(report.organisation),
        "member_code": report.member_code,
        "scope": report.scope,
        "rows": [_row(i, row) for i, row in enumerate(table, start=1)],
        "total": total,
        "helpers": list(report.helpers),
        "foreign_helpers": list(report.foreign_helpers),
        "recommendations": Listing(report.recommendations),
    }


_DOC = {
    "doc.issuer_parent": False,
    "doc.issuer_name": True,
    "doc.number": True,
    "doc.place_date": True,
    "doc.to[].name": True,
    "doc.to[].address": False,
    "doc.to[].email": False,
    "doc.copies[]": False,
    "doc.filed_as": True,
    "doc.signer_authority": False,
    "doc.signer_title": True,
    "doc.signer_name": True,
}
_CONTACT = ("name", "address", "phone", "email")

# every name a form's template may use -> whether the template must use it (the form's mandatory
# fields, shared/guidance §3, and what makes the document official)
FIELDS: dict[str, dict[str, bool]] = {
    "03": {
        **_DOC,
        **{f"reporter.{k}": True for k in _CONTACT},
        "contact.name": True,
        "contact.position": False,
        "contact.phone": True,
        "contact.email": True,
        "system.operator": True,
        "system.owner_agency": False,
        "system.name": False,
        "system.level": False,
        "incident.summary": True,
        "incident.detected_date": True,
        "incident.detected_time": True,
        "incident.handled": True,
        "incident.unhandled": True,
        **{f"detection.{k}": True for k in ("ids", "logs", "notice", "notified_by", "other_box", "other")},
        **{f"notified.{k}": True for k in ("network_member", "isp", "national_coordinator")},
        **{
            f"details.{k}": False
            for k in (
                "security_provider",
                "connectivity_provider",
                "os",
                "os_version",
                "web",
                "mail",
                "database",
                "services_other_box",
                "services_other",
                "antivirus",
                "firewall",
                "ids",
                "measures_other_box",
                "measures_other",
                "public_ips",
                "domains",
                "purpose",
            )
        },
        **{f"attachments.{k}": False for k in ("logs", "malware_sample", "other_box", "other")},
        "confidential.yes": False,
        "confidential.no": False,
        "support_request": False,
        "reported_at": True,
    },
    "04": {
        **_DOC,
        **{f"reporter.{k}": True for k in _CONTACT},
        "initial_report.number": False,
        "initial_report.date": False,
        "system.operator": True,
        "system.owner_agency": False,
        "system.name": False,
        "system.level": False,
        "incident.title": False,
        "incident.detected_date": True,
        "incident.detected_time": True,
        "result": False,
        "attachments[]": False,
    },
    "05": {
        **_DOC,
        **{f"period.{k}": True for k in ("kind", "start", "end")},
        "period.title": False,
        **{f"organisation.{k}": True for k in ("name", "address")},
        "organisation.phone": False,
        "organisation.email": False,
        "member_code": True,
        "scope": False,
        **{
            f"rows[].{k}": True
            for k in (
                "label",
                "count",
                "self_handled",
                "with_domestic_help",
                "with_foreign_help",
                "support_requested",
                "damage",
            )
        },
        "rows[].index": False,
        **{
            f"total.{k}": True
            for k in (
                "count",
                "self_handled",
                "with_domestic_help",
                "with_foreign_help",
                "support_requested",
                "damage",
            )
        },
        "helpers[]": True,
        "foreign_helpers[]": True,
        "recommendations": True,
    },
}

BUILDERS = {"03": initial_context, "04": final_context, "05": summary_context}


def context(form: InitialReport | FinalReport | PeriodSummary) -> dict[str, Any]:
    """The template values of any of the three forms."""
    if isinstance(form, InitialReport):
        return initial_context(form)
    if isinstance(form, FinalReport):
        return final_context(form)
    return summary_context(form)
