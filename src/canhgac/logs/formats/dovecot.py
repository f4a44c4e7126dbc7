"""Dovecot's login lines: IMAP, POP3, submission and ManageSieve logins that succeeded or failed.

The login processes write one line per connection, whichever password backend is used:
``imap-login: Login: user=<an@agency.gov.vn>, method=PLAIN, rip=203.0.113.5, lip=10.0.0.2, ...``
for a success, and for a failure one of (by Dovecot version)
``Disconnected (auth failed, 3 attempts in 12 secs): user=<..>, method=PLAIN, rip=..., ...``,
``Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<..>, ...``,
``Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=...``,
``Aborted login (auth failed, 1 attempts): ...``. One failure record per such line (a line that
says "3 attempts" counts once, as fail2ban counts it). The per-attempt lines of the auth process
(``auth: passwd-file(..): Password mismatch``, written with ``auth_verbose``) are ignored so that a
failure is not counted twice. Through syslog the program is ``dovecot`` and the message starts
with ``imap-login: ``; in Dovecot's own log file the program is ``imap-login`` itself.
"""

from __future__ import annotations

from datetime import datetime

from canhgac.logs.records import LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

_LEVELS = ("Info: ", "Warning: ", "Error: ", "Debug: ")


def _value(text: str, key: str, end: str) -> str:
    at = text.find(key)
    if at < 0:
        return ""
    start = at + len(key)
    stop = text.find(end, start)
    return text[start:] if stop < 0 else text[start:stop]


def dovecot_message(
    time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int, raw: str
) -> LogRecord | None:
    if program.endswith("-login"):
        process = program
    else:  # "dovecot": the message names the process
        colon = message.find(": ")
        process = message[:colon]
        if colon < 0 or not process.endswith("-login"):
            return None
        message = message[colon + 2 :]
    for level in _LEVELS:
        if message.startswith(level):
            message = message[len(level) :]
            break
    if message.startswith("Login: "):
        event = LogEvent.AUTH_SUCCESS
    elif "(auth failed," in message:
        event = LogEvent.AUTH_FAILURE
    else:
        return None
    client = _value(message, "rip=", ",")
    if not client:
        raise MalformedLineError("no rip=")
    user = _value(message, "user=<", ">")
    service = "dovecot/" + process[:-6]
    return LogRecord(
        time, event, LogFamily.MAIL, ctx.source, line_no, raw, client=client, service=service, account=user
    )
