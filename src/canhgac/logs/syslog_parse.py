"""Reading the header of one syslog message: RFC 5424 and RFC 3164 (BSD).

The listener (``syslog_server``) hands over one message's bytes; :func:`parse_syslog` splits off
what the transport added — priority, time, host, program (app-name or tag), process id — and
returns the message text that the format parsers read (``postfix/smtpd[123]: `` already gone).
Structured data (RFC 5424) is skipped, a UTF-8 byte-order mark before the message dropped.

RFC 3164 as senders really write it: ``<PRI>Mmm dd hh:mm:ss host tag[pid]: msg``, also without
the host (a local ``logger``), and with rsyslog's precise ISO timestamp instead of ``Mmm dd``.
A classic timestamp has no year and no zone: the year is the one that puts the time nearest to
the moment the message was received (a December line received on 1 January is last year's), the
zone is the sender's configured one. A message without a valid ``<PRI>`` is refused
(:class:`SyslogFormatError`): every syslog sender (rsyslog, syslog-ng, nginx, logger, Postfix
via the local daemon) writes one, so without it the bytes are garbage, counted by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

BOM = b"\xef\xbb\xbf"
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_PRI = re.compile(rb"<(\d{1,3})>")
_BSD_TIME = re.compile(rb"([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)? ")
_ISO_TIME = re.compile(
    rb"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) ")
_TAG = re.compile(rb"([^\s\[\]:]{1,64})(?:\[([^\]\s]{0,32})\])?: ?")
# after a host, a tag may end with a space instead of ":" (rsyslog imfile's Tag="sshd")
_TAG_AFTER_HOST = re.compile(rb"([^\s\[\]:]{1,64})(?:\[([^\]\s]{0,32})\])?(?:: ?| )")


class SyslogFormatError(ValueError):
    """Bytes that are not a syslog message (no valid priority): dropped and counted."""


@dataclass(frozen=True, slots=True)
class SyslogMessage:
    facility: int
    severity: int
    time: datetime  # aware UTC: the header's time, or the reception time when it had none
    host: str  # the header's host name, or the sender's address when it had none
    program: str  # app-name (RFC 5424) or tag (RFC 3164), without ``[pid]``; "" when none
    procid: str
    message: str
    rfc5424: bool


def parse_syslog(data: bytes, *, received: datetime, sender: str, tz: tzinfo) -> SyslogMessage:
    """Split one message (bytes without framing). ``received`` is aware; ``sender`` is the
    peer's address (the host when the header has none); ``tz`` the zone of RFC 3164 times."""
    m = _PRI.match(data)
    if m is None or int(m[1]) > 191:
        raise SyslogFormatError("no syslog priority")
    pri = int(m[1])
    rest = data[m.end():]
    if rest[:2] == b"1 ":
        return _parse_5424(pri, rest[2:], received, sender)
    return _parse_3164(pri, rest, received, sender, tz)


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _parse_5424(pri: int, rest: bytes, received: datetime, sender: str) -> SyslogMessage:
    parts = rest.split(b" ", 5)
    if len(parts) < 6:
        raise SyslogFormatError("RFC 5424 header cut short")
    stamp, host, app, procid, _msgid, tail = parts
    time = _iso_time(stamp + b" ") if stamp != b"-" else None
    msg = _skip_structured_data(tail)
    if msg.startswith(BOM):
        msg = msg[len(BOM):]
    return SyslogMessage(
        pri >> 3, pri & 7, time or received.astimezone(UTC),
        sender if host == b"-" else _text(host), "" if app == b"-" else _text(app),
        "" if procid == b"-" else _text(procid), _message(msg), True)


def _skip_structured_data(tail: bytes) -> bytes:
    """What follows the structured data: ``-`` or ``[id k="v" ...]...`` (``\\"``, ``\\]``
    escaped inside values)."""
    if tail.startswith(b"-"):
        return tail[2:] if tail[1:2] == b" " else tail[1:]
    i, n = 0, len(tail)
    while i < n and tail[i:i + 1] == b"[":
        quoted = False
        i += 1
        while i < n:
            c = tail[i:i + 1]
            if c == b"\\" and quoted:
                i += 2
                continue
            if c == b'"':
                quoted = not quoted
            elif c == b"]" and not quoted:
                break
            i += 1
        i += 1
    if i > n:
        raise SyslogFormatError("RFC 5424 structured data not closed")
    return tail[i + 1:] if tail[i:i + 1] == b" " else tail[i:]


def _iso_time(b: bytes) -> datetime | None:
    m = _ISO_TIME.match(b)
    if m is None:
        raise SyslogFormatError("bad RFC 5424 timestamp")
    frac = m[7] or b""
    micro = int((frac[1:] + b"000000")[:6]) if frac else 0
    zone = m[8]
    offset = timedelta(0) if zone == b"Z" else (
        (1 if zone[:1] == b"+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        local = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), micro)
    except ValueError:
        raise SyslogFormatError("bad timestamp") from None
    return (local - offset).replace(tzinfo=UTC)


def _parse_3164(pri: int, rest: bytes, received: datetime, sender: str,
                tz: tzinfo) -> SyslogMessage:
    time: datetime | None = None
    m = _BSD_TIME.match(rest)
    if m is not None:
        time = _bsd_time(m, received, tz)
        rest = rest[m.end():]
    elif _ISO_TIME.match(rest):
        end = rest.index(b" ")
        time = _iso_time(rest[: end + 1])
        rest = rest[end + 1:]
    host = sender
    tag = _TAG.match(rest)
    if time is not None and tag is None:  # "host tag: msg": the first word is the host
        word, sep, after = rest.partition(b" ")
        if sep and word and b":" not in word[-1:] and b"[" not in word:
            host, rest = _text(word), after
            tag = _TAG_AFTER_HOST.match(rest)
    program = procid = ""
    if tag is not None:
        program, procid = _text(tag[1]), _text(tag[2] or b"")
        rest = rest[tag.end():]
    if rest.startswith(BOM):
        rest = rest[len(BOM):]
    return SyslogMessage(pri >> 3, pri & 7, time or received.astimezone(UTC), host, program,
                         procid, _message(rest), False)


_BSD_CACHE: dict[tuple[bytes, tzinfo, int, int], datetime] = {}  # senders repeat each second


def _bsd_time(m: re.Match[bytes], received: datetime, tz: tzinfo) -> datetime:
    key = (m[0], tz, received.year, received.month)
    found = _BSD_CACHE.get(key)
    if found is None:
        if len(_BSD_CACHE) >= 4096:
            _BSD_CACHE.clear()
        found = _BSD_CACHE[key] = _bsd_time_uncached(m, received, tz)
    return found


def _bsd_time_uncached(m: re.Match[bytes], received: datetime, tz: tzinfo) -> datetime:
    month = _MONTHS.get(m[1].decode("ascii", "replace"))
    if month is None:
        raise SyslogFormatError("bad RFC 3164 month")
    here = received.astimezone(tz)
    best: datetime | None = None
    for year in (here.year - 1, here.year, here.year + 1):
        try:
            t = datetime(year, month, int(m[2]), int(m[3]), int(m[4]), int(m[5]), tzinfo=tz)
        except ValueError:
            continue
        if best is None or abs(t - here) < abs(best - here):
            best = t
    if best is None:
        raise SyslogFormatError("bad RFC 3164 date")
    return best.astimezone(UTC)


def _message(b: bytes) -> str:
    return _text(b.rstrip(b"\r\n\x00"))
