"""The log formats canhgac reads, one module each, and their registry.

A format is a :class:`LineParser`: it turns one line into a
:class:`~canhgac.logs.records.LogRecord`, returns None for a well-formed line no rule reads, and
raises :class:`~canhgac.logs.records.MalformedLineError` for a line that is not in the format.
Parsers are streaming and keep only bounded state (the field list of an IIS or Exchange file,
Postfix queue ids awaiting their ``qmgr`` line, the year of a classic syslog file), keyed by the
context's source so that several files can be read through one parser.

Formats whose lines are syslog messages (Postfix, Dovecot, sshd) share one reader of the syslog
prefix that hands each message to the parser of the program that wrote it: a ``mail.log`` with
Postfix and Dovecot lines, or an ``auth.log`` with sshd and PAM lines, is read whole whichever of
these formats it is given. The syslog listener, which splits the header itself, calls
``parse_message`` of the parser :func:`parser_for_program` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from canhgac.logs.formats.access import AccessLog
from canhgac.logs.formats.dovecot import dovecot_message
from canhgac.logs.formats.exchange import ExchangeTracking
from canhgac.logs.formats.iis import IisLog
from canhgac.logs.formats.postfix import PostfixMessages
from canhgac.logs.formats.sshd import SSHD_PROGRAMS, pam_message, sshd_message
from canhgac.logs.formats.syslog import MessageParser, SyslogBorne
from canhgac.logs.formats.zimbra import ZimbraAudit
from canhgac.logs.records import LogFamily, LogRecord, ParseContext

__all__ = ["FORMATS", "LineParser", "make_parser", "parser_for_program"]


class LineParser(Protocol):
    name: str
    family: LogFamily
    syslog_borne: bool

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        """One line, without its line end. None: well-formed, nothing a rule reads."""
        ...

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        """Syslog-borne formats: the message after ``program[pid]: ``; others raise
        NotImplementedError."""
        ...


class _Dispatch:
    """program -> the message parser of a syslog-borne format (one Postfix queue memory each)."""

    def __init__(self) -> None:
        self._postfix = PostfixMessages()

    def __call__(self, program: str, message: str) -> MessageParser | None:
        if program.startswith("postfix"):
            return self._postfix
        if program in SSHD_PROGRAMS:
            return sshd_message
        if program.startswith("dovecot") or program.endswith("-login"):
            return dovecot_message
        if message.startswith("pam_"):
            return pam_message
        return None


class _Syslog(SyslogBorne):
    def __init__(self, name: str, family: LogFamily, dispatch: _Dispatch) -> None:
        super().__init__(dispatch)
        self.name = name
        self.family = family


NAMES = ("nginx", "apache", "iis", "postfix", "dovecot", "sshd", "exchange", "zimbra")


def make_parser(name: str) -> LineParser:
    """A new parser of the format ``name`` with its own state; KeyError for an unknown name."""
    if name in ("nginx", "apache"):
        return AccessLog(name)
    if name == "iis":
        return IisLog()
    if name == "exchange":
        return ExchangeTracking()
    if name == "zimbra":
        return ZimbraAudit()
    families = {"postfix": LogFamily.MAIL, "dovecot": LogFamily.MAIL, "sshd": LogFamily.AUTH}
    return _Syslog(name, families[name], _Dispatch())


FORMATS: Mapping[str, LineParser] = MappingProxyType({name: make_parser(name) for name in NAMES})


def parser_for_program(program: str) -> LineParser | None:
    """The format of a syslog program tag: ``postfix/smtpd`` -> postfix, ``sshd`` -> sshd,
    ``dovecot`` -> dovecot; None for a program no format reads."""
    if program.startswith("postfix"):
        return FORMATS["postfix"]
    if program in SSHD_PROGRAMS:
        return FORMATS["sshd"]
    if program.startswith("dovecot") or program.endswith("-login"):
        return FORMATS["dovecot"]
    return None
