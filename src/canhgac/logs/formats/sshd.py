"""Login lines of ``auth.log`` / ``secure``: sshd's failures and successes, and PAM's
"authentication failure" of other remote services.

One failure record per attempt: ``Failed password for [invalid user ]NAME from ADDR port N ssh2``
(and ``keyboard-interactive/pam``); the lines around an attempt (``Invalid user NAME from ADDR``,
PAM's ``pam_unix(sshd:auth): authentication failure``, ``Connection closed by invalid user``...)
are ignored so that an attempt is not counted two or three times. rsyslog's
``message repeated 5 times: [ Failed password ...]`` counts once. Successes:
``Accepted password|publickey|keyboard-interactive/pam for NAME from ADDR port N``. PAM failure
lines of programs that do not log their own attempts (vsftpd, proftpd...) count when they name a
remote host (``rhost=``): a local ``su`` or ``sudo`` failure is not a network attack.
"""

from __future__ import annotations

from datetime import datetime

from canhgac.logs.records import LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

SSHD_PROGRAMS = frozenset({"sshd", "sshd-session", "sshd-auth"})
_FAILED_METHODS = ("password", "keyboard-interactive/pam", "keyboard-interactive")


def _user_from(rest: str) -> tuple[str, str]:
    """``NAME from ADDR port N ssh2`` -> (name, addr); the name may contain spaces."""
    at = rest.rfind(" from ")
    if at < 0:
        raise MalformedLineError("no 'from' address")
    user = rest[:at]
    tail = rest[at + 6 :]
    sp = tail.find(" ")
    addr = tail if sp < 0 else tail[:sp]
    if not addr:
        raise MalformedLineError("no address")
    return user, addr


def sshd_message(
    time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int, raw: str
) -> LogRecord | None:
    if message.startswith("message repeated "):
        open_ = message.find("[ ")
        if open_ < 0:
            return None
        message = message[open_ + 2 :].rstrip("]").rstrip()
    if message.startswith("Failed "):
        rest = message[7:]
        sp = rest.find(" for ")
        if sp < 0:
            raise MalformedLineError("no 'for'")
        if rest[:sp] not in _FAILED_METHODS:
            return None  # "Failed none" (method probing), "Failed publickey" (a key offered)
        rest = rest[sp + 5 :]
        if rest.startswith("invalid user "):
            rest = rest[13:]
        user, addr = _user_from(rest)
        return LogRecord(
            time,
            LogEvent.AUTH_FAILURE,
            LogFamily.AUTH,
            ctx.source,
            line_no,
            raw,
            client=addr,
            service="sshd",
            account=user,
        )
    if message.startswith("Accepted "):
        rest = message[9:]
        sp = rest.find(" for ")
        if sp < 0:
            raise MalformedLineError("no 'for'")
        user, addr = _user_from(rest[sp + 5 :])
        return LogRecord(
            time,
            LogEvent.AUTH_SUCCESS,
            LogFamily.AUTH,
            ctx.source,
            line_no,
            raw,
            client=addr,
            service="sshd",
            account=user,
        )
    return None


def _pam_value(message: str, key: str) -> str:
    at = message.find(key)
    if at < 0:
        return ""
    start = at + len(key)
    end = message.find(" ", start)
    return message[start:] if end < 0 else message[start:end]


def pam_message(
    time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int, raw: str
) -> LogRecord | None:
    """``pam_unix(vsftpd:auth): authentication failure; logname= uid=0 ... rhost=ADDR user=NAME``."""
    if "authentication failure;" not in message or not message.startswith("pam_"):
        return None
    open_ = message.find("(")
    close = message.find(":", open_ + 1)
    service = message[open_ + 1 : close] if 0 <= open_ < close else program
    if service in SSHD_PROGRAMS or service.startswith("dovecot"):
        return None  # sshd and Dovecot log their own attempts
    client = _pam_value(message, " rhost=")
    if not client:
        return None
    return LogRecord(
        time,
        LogEvent.AUTH_FAILURE,
        LogFamily.AUTH,
        ctx.source,
        line_no,
        raw,
        client=client,
        service=service,
        account=_pam_value(message, " user="),
    )
