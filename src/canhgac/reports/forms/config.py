"""The ``[forms]`` table of ``canhgac.toml``: who issues the official documents, who signs them,
the authorities they go to, how a document number is written, the reporting deadlines, and the
template files a province uses instead of the packaged ones. Nothing of it is in code, because
it changes: on 01/03/2025 state management of information security moved from the Ministry of
Information and Communications to the Ministry of Public Security (shared/guidance §0).

    [forms]
    number-pattern = "{number}/BC-SKHCN"      # {number}: the data's document number; {year}
    filed-as = "VT, CSIRT"                    # the issuer's own copy: "Lưu: VT, CSIRT."
    initial-report-days = 5                   # form 03: within 5 days of detection
    half-year-due = "20/06"                   # form 05, half-year: before 20 June
    annual-due = "15/12"                      # form 05, annual: before 15 December
    form03 = "/etc/canhgac/mau-03.docx"       # optional: a template replacing the packaged one
    form03-to = ["national-coordinator", "response-unit", "line-authority"]
    summary-recommendations = "…"             # form 05 §4 when made from the store (a default)
    summary-helpers = ["VNPT Kiên Giang"]     # form 05 §2: listed besides the incidents' helpers
    summary-foreign-helpers = []              # form 05 §3

    [forms.issuer]
    parent = "UBND TỈNH KIÊN GIANG"
    name = "Sở Khoa học và Công nghệ"
    place = "Kiên Giang"                      # the date line: "Kiên Giang, ngày … tháng … năm …"

    [forms.signer]
    authority = "KT. GIÁM ĐỐC"
    title = "PHÓ GIÁM ĐỐC"
    name = "Nguyễn Văn A"

    [forms.authorities.national-coordinator]
    name = "…"
    address = "…"
    email = "…"

Pure: :func:`forms_config` builds the value from the table; :func:`read_forms_config` reads the
file (the only I/O here).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from canhgac.i18n import gettext as _
from canhgac.i18n import validation
from canhgac.reports.forms.blocks import Email

SECTION = "forms"
AUTHORITIES = ("national-coordinator", "response-unit", "line-authority")


class FormsConfigError(ValueError):
    """The ``[forms]`` table cannot be used; the message names the key."""


def _dashed(name: str) -> str:
    return name.replace("_", "-")


class _Table(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_dashed, populate_by_name=True, str_strip_whitespace=True
    )


class Authority(_Table):
    name: str = Field(default="", max_length=500)
    address: str = Field(default="", max_length=500)
    email: Email = Field(default="", max_length=200)


# The authorities as shared/guidance states them after the 2025 transfer; addresses and e-mail
# are the province's to fill in (they are not in the guidance, and must not be guessed).
DEFAULT_AUTHORITIES: dict[str, Authority] = {
    # state management of information security and national coordination: Ministry of Public
    # Security, Department A05, since 01/03/2025 (formerly the MIC's Authority of Information
    # Security / VNCERT)
    "national-coordinator": Authority(
        name="Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an"
    ),
    # the specialised response unit at the province's level: the provincial police's PA05
    "response-unit": Authority(
        name="Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (PA05), Công an tỉnh"
    ),
    # the line authority (cơ quan chủ quản) of the province's systems
    "line-authority": Authority(name="Ủy ban nhân dân tỉnh"),
}


# form 05's "recommendations" when the settings give none: a sentence a CSIRT can sign as is
DEFAULT_RECOMMENDATIONS = (
    "Đề nghị cơ quan điều phối quốc gia tiếp tục chia sẻ thông tin cảnh báo, mã độc và chỉ dấu "
    "tấn công; hỗ trợ đào tạo, diễn tập ứng cứu sự cố cho đội ứng cứu sự cố của tỉnh."
)


class IssuerConfig(_Table):
    parent: str = Field(default="", max_length=200)
    name: str = Field(default="", max_length=500)
    place: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=60)
    email: Email = Field(default="", max_length=200)
    member_code: str = Field(default="", max_length=60)  # form 05's network member code


class SignerConfig(_Table):
    authority: str = Field(default="", max_length=100)
    title: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=100)


def _day_month(value: str) -> tuple[int, int]:
    try:
        day, month = (int(part) for part in value.split("/"))
        dt.date(2024, month, day)  # a leap year: 29/02 is a day
    except ValueError:
        raise ValueError(_("expected a day and month, like 20/06")) from None
    return day, month


class FormsConfig(_Table):
    """The ``[forms]`` table as a value (every key has a default)."""

    issuer: IssuerConfig = IssuerConfig()
    signer: SignerConfig = SignerConfig()
    authorities: dict[str, Authority] = Field(default_factory=lambda: dict(DEFAULT_AUTHORITIES))
    number_pattern: str = Field(default="{number}", min_length=1, max_length=100)
    filed_as: str = Field(default="VT", min_length=1, max_length=60)
    initial_report_days: int = Field(default=5, ge=1, le=60)
    half_year_due: str = "20/06"
    annual_due: str = "15/12"
    form03: str = ""
    form04: str = ""
    form05: str = ""
    form03_to: tuple[str, ...] = ("national-coordinator", "response-unit", "line-authority")
    form04_to: tuple[str, ...] = ("national-coordinator", "response-unit", "line-authority")
    form05_to: tuple[str, ...] = ("national-coordinator",)
    # form 05's narrative parts when made from the store: what the incidents do not say
    summary_recommendations: str = Field(default=DEFAULT_RECOMMENDATIONS, max_length=20_000)
    summary_helpers: tuple[str, ...] = Field(default=(), max_length=200)  # always listed
    summary_foreign_helpers: tuple[str, ...] = Field(default=(), max_length=200)

    @field_validator("authorities", mode="before")
    @classmethod
    def _merged(cls, value: Any) -> Any:
        """A configured authority replaces the default of the same key; the others stay."""
        if not isinstance(value, Mapping):
            return value
        unknown = sorted(set(value) - set(AUTHORITIES))
        if unknown:
            raise ValueError(
                _("unknown authority {key} (known: {keys})").format(
                    key=unknown[0], keys=", ".join(AUTHORITIES)
                )
            )
        return {**DEFAULT_AUTHORITIES, **value}

    @field_validator("half_year_due", "annual_due")
    @classmethod
    def _due(cls, value: str) -> str:
        _day_month(value)
        return value

    @field_validator("number_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            value.format(number="1", year="2026")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                _("use only {number} and {year} in the pattern").format(number="{number}", year="{year}")
            ) from None
        if "{number}" not in value:
            raise ValueError(_("the pattern must contain {number}").format(number="{number}"))
        return value

    @field_validator("form03_to", "form04_to", "form05_to")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if key not in AUTHORITIES:
                raise ValueError(
                    _("unknown authority {key} (known: {keys})").format(key=key, keys=", ".join(AUTHORITIES))
                )
        return value

    def template(self, form: str) -> Path | None:
        """The replacement template configured for ``form``, None for the packaged one."""
        value = {"03": self.form03, "04": self.form04, "05": self.form05}[form]
        return Path(value) if value else None

    def number(self, number: str | int, year: int) -> str:
        """The document number and symbol: ``15`` → ``15/BC-SKHCN`` (a number that already has a
        symbol, ``15/BC-SKHCN``, is kept as given)."""
        text = str(number).strip()
        return text if "/" in text else self.number_pattern.format(number=text, year=year)

    def initial_report_due(self, detected_at: dt.datetime) -> dt.datetime:
        """When form 03 is due at the latest: the configured days after detection."""
        return detected_at + dt.timedelta(days=self.initial_report_days)

    def summary_due(self, kind: str, year: int) -> dt.date:
        """The day form 05 must be sent before: ``half-year`` or ``year`` of ``year``."""
        day, month = _day_month(self.half_year_due if kind == "half-year" else self.annual_due)
        return dt.date(year, month, day)

    def recipients(self, form: str) -> list[dict[str, str]]:
        """The default addressees of ``form``, as the data's ``document.to`` takes them (an
        authority without a configured name is left out)."""
        keys = {"03": self.form03_to, "04": self.form04_to, "05": self.form05_to}[form]
        chosen = [self.authorities[key] for key in keys if self.authorities[key].name]
        return [{"name": a.name, "address": a.address, "email": a.email} for a in chosen]


def forms_config(data: Mapping[str, Any], *, base: Path) -> FormsConfig:
    """The ``[forms]`` table ``data`` as a value; template paths relative to ``base`` (the
    settings file's folder)."""
    raw = dict(data)
    for key in ("form03", "form04", "form05"):
        if isinstance(raw.get(key), str) and raw[key]:
            raw[key] = str(base / Path(raw[key]).expanduser())
    try:
        return FormsConfig.model_validate(raw)
    except ValidationError as exc:
        raise FormsConfigError(validation.summary(exc)) from None


def read_forms_config(path: Path) -> FormsConfig:
    """The ``[forms]`` table of the settings file at ``path`` (the defaults when there is no file
    or no table); :class:`FormsConfigError` names the file and what is wrong."""
    if not path.is_file():
        return FormsConfig()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormsConfigError(f"{path}: {exc}") from None
    table = data.get(SECTION, {})
    if not isinstance(table, dict):
        raise FormsConfigError(
            f"{path}: " + _("{section} must be a table: [{section}]").format(section=SECTION)
        )
    try:
        return forms_config(table, base=path.parent)
    except FormsConfigError as exc:
        raise FormsConfigError(f"{path}: {SECTION}: {exc}") from None
