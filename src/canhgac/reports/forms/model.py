"""What each form of Circular 20/2017/TT-BTTTT (annex I) holds, as typed values built from plain
data: :class:`InitialReport` (form 03), :class:`FinalReport` (form 04), :class:`PeriodSummary`
(form 05). shared/guidance §3 lists the fields; the mandatory ones are required here, so a value
that validates can be rendered with every mandatory field filled.

The incidents layer maps its records into these mappings (``InitialReport.model_validate({...})``);
the CLI reads them from a YAML or JSON file. The field names are the contract: docs/forms.md
documents each and where it comes from.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from canhgac.i18n import gettext as _
from canhgac.reports.forms.blocks import Block, Contact, DocumentHeader, LongText, Person, Text

FORMS = ("03", "04", "05")  # the forms this package renders, by their number in the annex


class Service(StrEnum):
    """Form 03 §"Thông tin bổ sung": the services the affected system runs."""

    WEB = "web"
    MAIL = "mail"
    DATABASE = "database"


class Measure(StrEnum):
    """Form 03: the security measures in place."""

    ANTIVIRUS = "antivirus"
    FIREWALL = "firewall"
    IDS = "ids"


class Method(StrEnum):
    """Form 03: how the incident was detected (besides a notice from someone, or another way)."""

    IDS = "ids"
    LOGS = "logs"


class Party(StrEnum):
    """Form 03: to whom the incident has already been notified."""

    NETWORK_MEMBER = "network-member"  # the network member responsible for the reporter
    ISP = "isp"  # the ISP serving the system
    NATIONAL_COORDINATOR = "national-coordinator"


class Attachment(StrEnum):
    """Form 03: what is sent with the report (besides something else, named)."""

    LOGS = "logs"
    MALWARE_SAMPLE = "malware-sample"


class IncidentType(StrEnum):
    """The incident types of form 05's table, in its order (shared/guidance §3.3)."""

    DOS = "dos"
    PHISHING = "phishing"
    MALWARE = "malware"
    INTRUSION = "intrusion"
    DEFACEMENT = "defacement"
    RANSOMWARE = "ransomware"
    DESTRUCTION = "destruction"
    ESPIONAGE = "espionage"
    COMBINED = "combined"
    OTHER = "other"


# Form 05's row labels, as the Circular words them (the document's text is Vietnamese by law)
INCIDENT_TYPE_LABELS: dict[IncidentType, str] = {
    IncidentType.DOS: "Tấn công từ chối dịch vụ",
    IncidentType.PHISHING: "Tấn công giả mạo",
    IncidentType.MALWARE: "Tấn công sử dụng mã độc",
    IncidentType.INTRUSION: "Truy cập trái phép, chiếm quyền điều khiển",
    IncidentType.DEFACEMENT: "Thay đổi giao diện",
    IncidentType.RANSOMWARE: "Mã hóa phần mềm, dữ liệu, thiết bị",
    IncidentType.DESTRUCTION: "Phá hoại thông tin, dữ liệu, phần mềm",
    IncidentType.ESPIONAGE: "Nghe trộm, gián điệp, lấy cắp thông tin, dữ liệu",
    IncidentType.COMBINED: "Tấn công tổng hợp",
    IncidentType.OTHER: "Các hình thức tấn công khác",
}

Level = Literal[1, 2, 3, 4, 5]


class AffectedSystem(Block):
    """The system the incident hit (forms 03 and 04). Only ``operator`` is mandatory."""

    operator: str = Text  # the unit running it (or the contractor that does)
    owner_agency: str = Field(default="", max_length=500)  # cơ quan chủ quản
    name: str = Field(default="", max_length=500)
    level: Level | None = None  # cấp độ 1-5 (Decree 85/2016), when known


class SystemDetails(Block):
    """Form 03's optional "additional information about the system"."""

    security_provider: str = Field(default="", max_length=500)
    connectivity_provider: str = Field(default="", max_length=500)
    os: str = Field(default="", max_length=200)
    os_version: str = Field(default="", max_length=200)
    services: frozenset[Service] = frozenset()
    services_other: str = Field(default="", max_length=500)
    measures: frozenset[Measure] = frozenset()
    measures_other: str = Field(default="", max_length=500)
    public_ips: tuple[str, ...] = Field(default=(), max_length=500)
    domains: tuple[str, ...] = Field(default=(), max_length=500)
    purpose: str = Field(default="", max_length=2000)

    @field_validator("public_ips")
    @classmethod
    def _public_only(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        """The form asks for Internet-facing addresses only: an internal one must not leave."""
        for value in values:
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                raise ValueError(_("{value} is not an IP address").format(value=value)) from None
            if not address.is_global:
                raise ValueError(
                    _(
                        "{value} is not a public address: the form lists Internet-facing addresses only"
                    ).format(value=value)
                )
        return values


class Detection(Block):
    """Form 03: how it was detected (at least one way)."""

    methods: frozenset[Method] = frozenset()
    notified_by: str = Field(default="", max_length=500)  # "a notice received from ..."
    other: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _some(self) -> Self:
        if not (self.methods or self.notified_by or self.other):
            raise ValueError(_("say how the incident was detected: methods, notified_by or other"))
        return self


class InitialIncident(Block):
    """Form 03's description of the incident."""

    summary: str = LongText
    detected_at: dt.datetime  # date and time of detection, as the reporter's clock says
    handled: bool  # its current state: handled (True) or not yet


class InitialReport(Block):
    """Form 03: the initial incident report (Báo cáo ban đầu sự cố mạng), due within the
    configured days (5) of detection, at once when beyond the unit's capacity."""

    document: DocumentHeader
    reporter: Contact  # the reporting organisation (or person)
    contact: Person
    system: AffectedSystem
    incident: InitialIncident
    detection: Detection
    notified: frozenset[Party] = Field(min_length=1)
    details: SystemDetails = SystemDetails()
    attachments: frozenset[Attachment] = frozenset()
    attachments_other: str = Field(default="", max_length=500)
    confidential: bool | None = None  # must the report be kept confidential? None: not said
    support_request: str = Field(default="", max_length=20_000)
    reported_at: dt.datetime


class InitialReference(Block):
    """Form 04: the initial report this final report closes (number and date)."""

    number: str = Field(default="", max_length=60)
    date: dt.date | None = None


class FinalIncident(Block):
    title: str = Field(default="", max_length=2000)  # tên/mô tả sự cố
    detected_at: dt.datetime


class FinalReport(Block):
    """Form 04: the final report of the response (Báo cáo kết thúc ứng phó sự cố)."""

    document: DocumentHeader
    reporter: Contact
    initial_report: InitialReference = InitialReference()
    system: AffectedSystem
    incident: FinalIncident
    result: str = Field(default="", max_length=50_000)  # what happened, how it was resolved, measures
    attachments: tuple[str, ...] = Field(default=(), max_length=100)  # progress reports, plan, logs...


class TypeCount(Block):
    """One row of form 05's table: incidents of one type in the period and who handled them.
    ``damage_vnd`` is the estimated damage in đồng (None: not estimated)."""

    type: IncidentType
    count: int = Field(ge=0)
    self_handled: int = Field(default=0, ge=0)
    with_domestic_help: int = Field(default=0, ge=0)
    with_foreign_help: int = Field(default=0, ge=0)
    support_requested: int = Field(default=0, ge=0)  # support asked of the national coordinator
    damage_vnd: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _within(self) -> Self:
        for name in ("self_handled", "with_domestic_help", "with_foreign_help", "support_requested"):
            if getattr(self, name) > self.count:
                raise ValueError(
                    _("{type}: {field} is more than the {count} incidents of the type").format(
                        type=self.type.value, field=name, count=self.count
                    )
                )
        return self


class Period(Block):
    """Form 05's period (from month/year to month/year): six months or one year."""

    kind: Literal["half-year", "year"]
    start: dt.date  # its first day
    end: dt.date  # its last day

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(_("the period ends before it starts"))
        return self


class PeriodSummary(Block):
    """Form 05: the half-year or annual summary of incidents received and handled (Báo cáo tổng
    hợp), due before the configured days (20 June, 15 December). One row per incident type that
    occurred; types left out are printed with zeros, so the table always has the ten rows."""

    document: DocumentHeader
    period: Period
    organisation: Contact  # the network member reporting (name, address, phone, e-mail)
    member_code: str = Field(default="", max_length=60)  # mã thành viên mạng lưới
    scope: str = Field(default="", max_length=500)  # "only the incidents of Sở A": an agency's own
    rows: tuple[TypeCount, ...] = Field(default=(), max_length=len(IncidentType))
    helpers: tuple[str, ...] = Field(default=(), max_length=200)  # domestic organisations that helped
    foreign_helpers: tuple[str, ...] = Field(default=(), max_length=200)
    recommendations: str = Field(default="", max_length=20_000)

    @field_validator("rows")
    @classmethod
    def _once(cls, rows: tuple[TypeCount, ...]) -> tuple[TypeCount, ...]:
        seen: set[IncidentType] = set()
        for row in rows:
            if row.type in seen:
                raise ValueError(_("the type {type} has two rows").format(type=row.type.value))
            seen.add(row.type)
        return rows

    def table(self) -> list[TypeCount]:
        """The ten rows in the form's order, a zero row for each type not given."""
        given = {row.type: row for row in self.rows}
        return [given.get(kind, TypeCount(type=kind, count=0)) for kind in IncidentType]


Form = InitialReport | FinalReport | PeriodSummary
MODELS: dict[str, type[InitialReport] | type[FinalReport] | type[PeriodSummary]] = {
    "03": InitialReport,
    "04": FinalReport,
    "05": PeriodSummary,
}
