"""The blocks every official document shares: who issues it (:class:`Issuer`), its number and
date, to whom it goes (:class:`Recipient`), who signs (:class:`Signer`) — :class:`DocumentHeader`
— and the contact block of a reporting organisation (:class:`Contact`).

Plain, frozen values built from plain data (a YAML/JSON mapping, or the incidents store mapped
into dicts): ``extra="forbid"`` so a misspelt key is an error, not a silently empty field. The
text is Vietnamese as the documents are; the models hold it as given.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from canhgac.i18n import gettext as _

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class Block(BaseModel):
    """A frozen value with no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Field(min_length=1, max_length=500)  # a mandatory one-line field
LongText = Field(min_length=1, max_length=20_000)  # a mandatory paragraph or more


def check_email(value: str) -> str:
    """``value`` when it is empty or looks like one e-mail address."""
    if value and not _EMAIL.match(value):
        raise ValueError(_("not an e-mail address"))
    return value


Email = Annotated[str, AfterValidator(check_email)]


class Issuer(Block):
    """The body that issues the document: top-left of the page.

    ``parent`` is its governing body, printed above it in capitals ("UBND TỈNH KIÊN GIANG");
    ``name`` the issuing body itself ("SỞ KHOA HỌC VÀ CÔNG NGHỆ"); ``place`` the place name of the
    date line ("Kiên Giang, ngày 07 tháng 12 năm 2026")."""

    parent: str = Field(default="", max_length=200)
    name: str = Text
    place: str = Field(min_length=1, max_length=100)


class Recipient(Block):
    """An addressee: "Kính gửi" and "Nơi nhận"."""

    name: str = Text
    address: str = Field(default="", max_length=500)
    email: Email = Field(default="", max_length=200)


class Signer(Block):
    """The signature block: ``authority`` is the signing formula above the title when the signer
    signs for someone ("KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN"; empty when the head signs),
    ``title`` the signer's own title ("PHÓ GIÁM ĐỐC"), ``name`` the full name."""

    authority: str = Field(default="", max_length=100)
    title: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)


class DocumentHeader(Block):
    """What makes a report an official document: issuer, number, date, addressees, signer.

    ``number`` is the full number and symbol ("15/BC-SKHCN"); ``to`` are the addressees of
    "Kính gửi"; ``copies`` are the other entries of "Nơi nhận" after them (the issuer's own file,
    "Lưu: VT, CSIRT", is always added last)."""

    issuer: Issuer
    number: str = Field(min_length=1, max_length=60)
    date: dt.date
    to: tuple[Recipient, ...] = Field(min_length=1, max_length=20)
    copies: tuple[str, ...] = Field(default=(), max_length=20)
    filed_as: str = Field(default="VT", min_length=1, max_length=60)
    signer: Signer


class Contact(Block):
    """An organisation or person with a mandatory address, phone and e-mail (form 03 §1, form 04)."""

    name: str = Text
    address: str = Text
    phone: str = Field(min_length=3, max_length=60)
    email: Email = Field(min_length=3, max_length=200)


class Person(Block):
    """The contact person of form 03: name, position (optional), phone and e-mail."""

    name: str = Text
    position: str = Field(default="", max_length=200)
    phone: str = Field(min_length=3, max_length=60)
    email: Email = Field(min_length=3, max_length=200)
