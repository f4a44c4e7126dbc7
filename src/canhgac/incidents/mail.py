"""An incident notice received by e-mail (Circular 20/2017, form 03's note: the subject starts
with ``[TBSC]``), read from an RFC 5322 message file: who sent it, when, the subject and the
body's text.

Pure: bytes in, a value out, or :class:`MailError` with one line saying what is wrong.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from canhgac.i18n import gettext as _

TAG = "[TBSC]"
MAX_BYTES = 25 * 1024 * 1024
_TAGS = re.compile(r"<[^>]+>")


class MailError(ValueError):
    """The message cannot be read as a [TBSC] notice, in one line."""


@dataclass(frozen=True, slots=True)
class IncidentMail:
    sender_name: str
    sender_address: str
    sent_at: datetime  # UTC
    subject: str  # with the [TBSC] tag
    title: str  # the subject without the tag
    body: str
    message_id: str


def _clean(text: str) -> str:
    """Raw 8-bit bytes the parser kept as surrogates (a message without a charset, a header
    written in UTF-8 without encoding) read as UTF-8, anything undecodable replaced."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, AttributeError):  # the header parser's own failures
        return ""
    return _clean(" ".join(str(value or "").split()))


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"  # none declared: today's mail is UTF-8
    try:
        text = payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = payload.decode("utf-8", "replace")
    text = _clean(text)
    if part.get_content_subtype() == "html":
        text = html.unescape(_TAGS.sub(" ", text))
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def parse_mail(data: bytes) -> IncidentMail:
    """The notice in ``data``; :class:`MailError` when it is no mail, lacks From, Date or a
    subject starting with [TBSC]."""
    if len(data) > MAX_BYTES:
        raise MailError(_("the message is larger than 25 MB"))
    if not data.strip() or b"\x00" in data[:4096]:
        raise MailError(_("this is not an e-mail message (RFC 5322)"))
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MailError(_("this is not an e-mail message (RFC 5322): no headers"))
    sender = _header(message, "From")
    if not sender:
        raise MailError(_("the message has no From header"))
    try:
        addresses: tuple[Address, ...] = message["From"].addresses
    except (AttributeError, ValueError, IndexError):
        addresses = ()
    if not addresses or "@" not in addresses[0].addr_spec:
        raise MailError(_("the From header {value!r} holds no e-mail address").format(value=sender))
    date_text = _header(message, "Date")
    if not date_text:
        raise MailError(_("the message has no Date header"))
    try:
        sent = parsedate_to_datetime(date_text)
    except (TypeError, ValueError, IndexError):
        raise MailError(_("the Date header {value!r} is not a date").format(value=date_text)) from None
    if sent.tzinfo is None:
        raise MailError(_("the Date header {value!r} has no time zone").format(value=date_text))
    subject = _header(message, "Subject")
    if not subject.upper().startswith(TAG):
        raise MailError(_("the subject {value!r} does not start with [TBSC]").format(value=subject))
    title = subject[len(TAG) :].strip(" :-–") or subject
    return IncidentMail(
        sender_name=_clean(addresses[0].display_name),
        sender_address=addresses[0].addr_spec.lower(),
        sent_at=sent.astimezone(UTC),
        subject=subject,
        title=title,
        body=_body(message),
        message_id=_header(message, "Message-ID"),
    )
