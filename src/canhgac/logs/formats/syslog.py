"""The syslog prefix of mail and login logs, and the base of the formats that sit behind it.

Postfix, Dovecot and sshd write through syslog, so their files read
``Dec  7 22:10:01 mail postfix/smtpd[123]: message`` (classic: no year, no zone) or, with
rsyslog's high-precision format, ``2026-12-07T22:10:01.123456+07:00 mail postfix/smtpd[123]:
message``. Dovecot's own log file (``log_path``) drops the host: ``Dec 07 22:10:01 imap-login:
Info: ...``. This module splits that prefix once; the message goes to the parser of the program
that wrote it, so one ``mail.log`` with Postfix and Dovecot lines (Debian's default) is read by
either format. The syslog listener splits the header itself and calls ``parse_message``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from canhgac.logs.formats.timeparse import IsoTime, SyslogTime
from canhgac.logs.records import MAX_RAW, LogFamily, LogRecord, MalformedLineError, ParseContext

MessageParser = Callable[[datetime, str, str, str, ParseContext, int, str], LogRecord | None]
"""``(time, host, program, message, ctx, line_no, raw) -> record``: one syslog-borne format."""


class SyslogHeader:
    """Splits ``stamp host program[pid]: message``; keeps the time caches of one reader."""

    __slots__ = ("_classic", "_iso")

    def __init__(self) -> None:
        self._iso = IsoTime()
        self._classic = SyslogTime()

    def split(self, line: str, ctx: ParseContext) -> tuple[datetime, str, str, str]:
        """``(time, host, program, message)``; raises MalformedLineError."""
        if line[:1].isdigit():  # RFC 3339 (rsyslog's RSYSLOG_FileFormat, journald short-iso)
            sp = line.find(" ")
            if sp < 19:
                raise MalformedLineError("no time stamp")
            time = self._iso(line[:sp], ctx.tz)
            rest = line[sp + 1 :]
        else:
            if len(line) < 17 or line[15] != " ":
                raise MalformedLineError("no syslog time stamp")
            time = self._classic(line[:15], ctx.source, ctx.year, ctx.tz)
            rest = line[16:]
        colon = rest.find(": ")
        if colon < 0:
            if rest.endswith(":"):
                colon = len(rest) - 1
            else:
                raise MalformedLineError("no program tag")
        head = rest[:colon]
        sp = head.find(" ")
        if sp < 0:  # Dovecot's own log file: no host
            host, tag = "", head
        else:
            host, tag = head[:sp], head[sp + 1 :]
            if " " in tag:
                raise MalformedLineError("no program tag")
        bracket = tag.find("[")
        program = tag[:bracket] if bracket >= 0 else tag
        if not program:
            raise MalformedLineError("no program tag")
        return time, host, program, rest[colon + 2 :]


def cut(raw: str) -> str:
    return raw if len(raw) <= MAX_RAW else raw[:MAX_RAW]


class SyslogBorne:
    """A format whose lines are syslog messages: ``parse`` splits the prefix and hands the message
    to the parser of the program that wrote it (any syslog-borne format, not only this one);
    ``parse_message`` reads a message whose header the listener already split."""

    name = ""
    family = LogFamily.MAIL
    syslog_borne = True

    def __init__(self, dispatch: Callable[[str, str], MessageParser | None]) -> None:
        self._dispatch = dispatch
        self._header = SyslogHeader()

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        time, host, program, message = self._header.split(line, ctx)
        handler = self._dispatch(program, message)
        if handler is None:
            return None
        return handler(time, host, program, message, ctx, line_no, cut(line))

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        handler = self._dispatch(program, message)
        if handler is None:
            return None
        raw = f"{host} {program}: {message}" if host else f"{program}: {message}"
        return handler(time, host, program, message, ctx, line_no, cut(raw))
