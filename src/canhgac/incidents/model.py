"""The value types of an incident: its states, sources, timeline kinds, the parties told, the
channels of a notice, the things it links to and the indicator types. Stored as text (a new
value needs no migration); each has a translatable label."""

from __future__ import annotations

from enum import StrEnum

from canhgac.i18n import N_, translate


class _Labelled(StrEnum):
    def label(self, lang: str | None = None) -> str:
        return translate(_LABELS[(type(self), self.value)], lang)

    def msgid(self) -> str:
        """The label's message id (translated later, in the reader's language)."""
        return _LABELS[(type(self), self.value)]

    @classmethod
    def parse(cls, text: str) -> _Labelled:
        """The member named ``text`` (its value, ``-`` read as ``_``); ValueError otherwise."""
        return cls(text.strip().lower().replace("-", "_"))


class State(_Labelled):
    NEW = "new"
    TRIAGE = "triage"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    CLOSED = "closed"


class Source(_Labelled):
    ALERT = "alert"
    FINDING = "finding"
    PHONE = "phone"
    EMAIL = "email"
    OTHER = "other"


class EntryKind(_Labelled):
    """One line of the timeline. ``progress``, ``plan`` and ``request`` are the reports of
    Decision 05/2017 Art. 11.2 (progress, the response plan, a request for direction)."""

    OPENED = "opened"
    PROGRESS = "progress"
    PLAN = "plan"
    REQUEST = "request"
    NOTE = "note"
    STATE = "state"
    NOTIFICATION = "notification"
    LINK = "link"
    CAPACITY = "capacity"
    REMINDER = "reminder"


WRITTEN_KINDS = (EntryKind.PROGRESS, EntryKind.PLAN, EntryKind.REQUEST, EntryKind.NOTE)


class Party(_Labelled):
    """Who must be told (Decision 05/2017 Art. 11.1, Circular 20/2017)."""

    OWNER_AGENCY = "owner_agency"
    RESPONSE_UNIT = "response_unit"
    NATIONAL_COORDINATOR = "national_coordinator"
    OTHER = "other"


REQUIRED_PARTIES = (Party.OWNER_AGENCY, Party.RESPONSE_UNIT, Party.NATIONAL_COORDINATOR)


class Channel(_Labelled):
    """How a notice went (Circular 20/2017: letter, fax, e-mail, message, paper or electronic
    document), and the phone for the first word."""

    EMAIL = "email"
    LETTER = "letter"
    FAX = "fax"
    PHONE = "phone"
    MESSAGE = "message"
    DOCUMENT = "document"
    OTHER = "other"


class LinkKind(_Labelled):
    ALERT = "alert"
    FINDING = "finding"
    ASSET = "asset"
    INDICATOR = "indicator"


class IndicatorType(_Labelled):
    IP = "ip"
    DOMAIN = "domain"
    URL = "url"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    FILENAME = "filename"
    OTHER = "other"


# (member, label) pairs, not a dict of members: members of two enums with one value compare
# equal (Channel.EMAIL == IndicatorType.EMAIL), so a dict would keep only the last label
_LABEL_PAIRS: tuple[tuple[StrEnum, str], ...] = (
    (State.NEW, N_("new")),
    (State.TRIAGE, N_("triage")),
    (State.CONTAINMENT, N_("containment")),
    (State.ERADICATION, N_("eradication")),
    (State.RECOVERY, N_("recovery")),
    (State.CLOSED, N_("closed")),
    (Source.ALERT, N_("watch alert")),
    (Source.FINDING, N_("finding")),
    (Source.PHONE, N_("phone call")),
    (Source.EMAIL, N_("e-mail")),
    (Source.OTHER, N_("other")),
    (EntryKind.OPENED, N_("opened")),
    (EntryKind.PROGRESS, N_("progress report")),
    (EntryKind.PLAN, N_("response plan")),
    (EntryKind.REQUEST, N_("request for direction")),
    (EntryKind.NOTE, N_("note")),
    (EntryKind.STATE, N_("state changed")),
    (EntryKind.NOTIFICATION, N_("notification")),
    (EntryKind.LINK, N_("link added")),
    (EntryKind.CAPACITY, N_("capacity")),
    (EntryKind.REMINDER, N_("reminder sent")),
    (Party.OWNER_AGENCY, N_("owner agency")),
    (Party.RESPONSE_UNIT, N_("specialised response unit")),
    (Party.NATIONAL_COORDINATOR, N_("national coordinator")),
    (Party.OTHER, N_("other party")),
    (Channel.EMAIL, N_("e-mail")),
    (Channel.LETTER, N_("official letter")),
    (Channel.FAX, N_("fax")),
    (Channel.PHONE, N_("phone")),
    (Channel.MESSAGE, N_("text message")),
    (Channel.DOCUMENT, N_("electronic document")),
    (Channel.OTHER, N_("other")),
    (LinkKind.ALERT, N_("watch alert")),
    (LinkKind.FINDING, N_("finding")),
    (LinkKind.ASSET, N_("asset")),
    (LinkKind.INDICATOR, N_("indicator")),
    (IndicatorType.IP, N_("IP address")),
    (IndicatorType.DOMAIN, N_("domain")),
    (IndicatorType.URL, N_("URL")),
    (IndicatorType.EMAIL, N_("e-mail address")),
    (IndicatorType.MD5, N_("MD5 hash")),
    (IndicatorType.SHA1, N_("SHA-1 hash")),
    (IndicatorType.SHA256, N_("SHA-256 hash")),
    (IndicatorType.FILENAME, N_("file name")),
    (IndicatorType.OTHER, N_("other")),
)
_LABELS: dict[tuple[type, str], str] = {(type(member), member.value): label for member, label in _LABEL_PAIRS}
