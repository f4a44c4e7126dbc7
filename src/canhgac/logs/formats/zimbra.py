"""Zimbra's ``/opt/zimbra/log/audit.log``: every login to webmail, IMAP, POP3 and ActiveSync.

Zimbra is common on Vietnamese government mail servers. Lines read::

    2026-12-07 09:15:45,087 INFO  [qtp1-23:https://mail.x.gov.vn/service/soap/AuthRequest]
        [name=an@x.gov.vn;oip=203.0.113.5;ua=ZimbraWebClient;] security - cmd=Auth;
        account=an@x.gov.vn; protocol=soap;

(one line), with ``error=authentication failed for [an@x.gov.vn], invalid password;`` at the end
of a failure (level WARN). The client is ``oip`` (the original address, behind Zimbra's proxy),
else ``ip``. ``cmd=AdminAuth`` is the admin console's login. Times are the server's local time
without an offset: the context's zone applies.
"""

from __future__ import annotations

from datetime import datetime

from canhgac.logs.formats.timeparse import IsoTime
from canhgac.logs.records import MAX_RAW, LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

_SERVICES = {
    "soap": "webmail",
    "http_basic": "webmail",
    "imap": "imap",
    "pop3": "pop3",
    "zsync": "activesync",
}


def _attr(text: str, key: str, end: str) -> str:
    at = text.find(key)
    if at < 0:
        return ""
    start = at + len(key)
    stop = text.find(end, start)
    return (text[start:] if stop < 0 else text[start:stop]).strip()


class ZimbraAudit:
    name = "zimbra"
    family = LogFamily.MAIL
    syslog_borne = False

    def __init__(self) -> None:
        self._time = IsoTime()

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        if len(line) < 24 or line[4] != "-" or line[19] != ",":
            raise MalformedLineError("not a Zimbra log line")
        marker = line.find(" security - cmd=")
        if marker < 0:
            return None
        cmd = _attr(line[marker:], "cmd=", ";")
        if cmd not in ("Auth", "AdminAuth"):
            return None
        time = self._time(line[:19], ctx.tz)
        context = line[:marker]
        client = _attr(context, "oip=", ";") or _attr(context, "[ip=", ";") or _attr(context, ";ip=", ";")
        client = client.split(",", 1)[0].strip()
        body = line[marker:]
        account = _attr(body, "account=", ";")
        protocol = _attr(body, "protocol=", ";")
        service = "zimbra/admin" if cmd == "AdminAuth" else "zimbra/" + _SERVICES.get(protocol, protocol)
        event = LogEvent.AUTH_FAILURE if "error=authentication failed" in body else LogEvent.AUTH_SUCCESS
        if "error=" in body and event is LogEvent.AUTH_SUCCESS:
            return None  # another error (account locked, maintenance): not a password guess
        return LogRecord(
            time,
            event,
            LogFamily.MAIL,
            ctx.source,
            line_no,
            line if len(line) <= MAX_RAW else line[:MAX_RAW],
            client=client,
            service=service,
            account=account,
        )

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        raise NotImplementedError("Zimbra's audit log is not syslog-borne")
