"""One parsed log line, the same shape whatever the format, and what parsing counted.

Every parser (``canhgac.logs.formats``) returns :class:`LogRecord` values; the detection rules
read only these fields, so a rule written for "authentication failures" fires on sshd, Postfix
SMTP AUTH, Dovecot IMAP/POP and webmail logins alike. Times are always timezone-aware UTC: a
parser converts from the log's own offset, or from the zone it was told the log is written in
(:class:`ParseContext`) when the line carries none (classic syslog, IIS W3C in local time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

MAX_RAW = 2048  # characters of a line kept as evidence; longer lines are cut


class LogEvent(StrEnum):
    """What a line says happened, normalised across formats."""

    HTTP_REQUEST = "http.request"  # a web server answered a request (access logs)
    AUTH_FAILURE = "auth.failure"  # a login was refused (wrong password, unknown user)
    AUTH_SUCCESS = "auth.success"  # a login succeeded
    MAIL_SENT = "mail.sent"  # a message left (or was accepted from an authenticated account)
    MAIL_RECEIVED = "mail.received"  # a message arrived from outside
    OTHER = "other"  # a well-formed line with nothing any rule reads


class LogFamily(StrEnum):
    """Which kind of log a format is: rules and the silence check are per family."""

    WEB = "web"
    MAIL = "mail"
    AUTH = "auth"


@dataclass(slots=True)
class LogRecord:
    """One line of a log, normalised. Fields that a format lacks stay empty (``""``/``0``).

    Treated as immutable, but not ``frozen``: a frozen dataclass sets each field through
    ``object.__setattr__``, which made building a record about 3 times slower (6.1 against
    1.9 us measured) — most of a line's parsing budget at 100,000 lines a second."""

    time: datetime  # aware, UTC
    event: LogEvent
    family: LogFamily
    source: str  # the stream: a file's path, or ``syslog:<host>/<app>``
    line_no: int  # 1-based within the source (0 when unknown, e.g. a syslog datagram)
    raw: str  # the line as read, at most MAX_RAW characters
    client: str = ""  # the remote address (IPv4/IPv6 text, no port), "" when the line has none
    service: str = ""  # the program: ``nginx``, ``sshd``, ``postfix/smtpd``, ``dovecot/imap``...
    account: str = ""  # user name, SASL login or mailbox, as written in the log
    # web access logs
    method: str = ""
    target: str = ""  # the request target as sent: path plus query string, still %-encoded
    status: int = 0
    bytes_sent: int = 0
    user_agent: str = ""
    referer: str = ""
    vhost: str = ""
    # mail logs
    sender: str = ""
    recipients: int = 0  # how many recipients a sent message had


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs and the line cannot say: the source's name, the zone a line without an
    offset is written in, and the year a line without one belongs to (classic syslog)."""

    source: str
    tz: tzinfo
    year: int


class MalformedLineError(ValueError):
    """A line that is not in the format the parser reads (counted, never fatal)."""


@dataclass(slots=True)
class ParseStats:
    """What reading one source counted: every line lands in exactly one bucket."""

    lines: int = 0
    records: int = 0  # parsed into a LogRecord
    ignored: int = 0  # well-formed, but nothing any rule reads (e.g. Postfix's "disconnect from")
    malformed: int = 0  # not in the format (MalformedLineError), or not valid UTF-8 text
    binary: int = 0  # NUL bytes or mostly unprintable: skipped
    examples: list[str] = field(default_factory=list)  # a few malformed lines, cut, for the report

    def merge(self, other: ParseStats) -> None:
        self.lines += other.lines
        self.records += other.records
        self.ignored += other.ignored
        self.malformed += other.malformed
        self.binary += other.binary
        room = 5 - len(self.examples)
        if room > 0:
            self.examples.extend(other.examples[:room])
