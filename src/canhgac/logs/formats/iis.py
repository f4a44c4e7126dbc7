"""IIS access logs in W3C extended format (and so Exchange's Outlook on the web logins).

Each file starts with directives, ``#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query
s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status ...``, which say which fields the
space-separated lines carry; IIS writes them again after every restart, and they may differ
between sites. The field list is read per source (a file without one gets IIS's default list).
Values with spaces are written with ``+``; ``-`` is empty. ``date`` and ``time`` are in UTC: W3C
logs are always written in UTC, whatever "use local time for file naming" says (that option
changes only the file names), so the context's zone is not applied.
"""

from __future__ import annotations

from datetime import datetime

from canhgac.logs.formats.access import split_request
from canhgac.logs.formats.fields import FieldLayouts
from canhgac.logs.formats.timeparse import IsoTime
from canhgac.logs.formats.webauth import classify
from canhgac.logs.records import MAX_RAW, LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

DEFAULT_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)
_WANTED = (
    "date",
    "time",
    "c-ip",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "cs-username",
    "cs(user-agent)",
    "cs(referer)",
    "sc-status",
    "sc-bytes",
    "cs-host",
    "x-forwarded-for",
)


class IisLog:
    name = "iis"
    family = LogFamily.WEB
    syslog_borne = False

    def __init__(self) -> None:
        self._layouts = FieldLayouts(_WANTED, None)
        self._default = self._layouts.of(DEFAULT_FIELDS)
        self._time = IsoTime()

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        if self._layouts.directive(line, ctx.source) or not line:
            return None
        count, ix = self._layouts.get(ctx.source) or self._default
        values = line.split(" ")
        if len(values) != count or ix[0] < 0 or ix[1] < 0 or ix[9] < 0:
            raise MalformedLineError("not the #Fields layout")

        def get(i: int) -> str:
            if i < 0:
                return ""
            v = values[i]
            return "" if v == "-" else v

        time = self._time(values[ix[0]] + " " + values[ix[1]])
        status_s = values[ix[9]]
        if not status_s.isdigit():
            raise MalformedLineError("bad sc-status")
        status = int(status_s)
        method = get(ix[3])
        stem, query = get(ix[4]), get(ix[5])
        target = f"{stem}?{query}" if query else stem
        if not method and not stem:
            method, target = split_request(target)
        user = get(ix[6]).replace("+", " ")
        client = get(ix[12]).split(",", 1)[0] or get(ix[2])
        size = get(ix[10])
        event = LogEvent.HTTP_REQUEST
        service = "iis"
        if method == "POST" or status == 401:
            login = classify(method, target, status, user, iis=True)
            if login is not None:
                event, service = login
        return LogRecord(
            time,
            event,
            LogFamily.WEB,
            ctx.source,
            line_no,
            line if len(line) <= MAX_RAW else line[:MAX_RAW],
            client=client,
            service=service,
            account=user,
            method=method,
            target=target,
            status=status,
            bytes_sent=int(size) if size.isdigit() else 0,
            user_agent=get(ix[7]).replace("+", " "),
            referer=get(ix[8]),
            vhost=get(ix[11]),
        )

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        raise NotImplementedError("IIS logs are not syslog-borne")
