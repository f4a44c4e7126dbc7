"""nginx and Apache access logs: combined, common and vhost_combined, detected per line.

- common: ``ADDR IDENT USER [07/Dec/2026:22:10:01 +0700] "GET /path?q HTTP/1.1" 200 512``
- combined (nginx's default ``log_format combined``, Apache's ``combined``): the same plus
  ``"REFERER" "USER-AGENT"``; fields nginx configurations often append after it (``$request_time``,
  ``"$http_x_forwarded_for"``) are accepted and ignored.
- vhost_combined (Apache): ``HOST:PORT`` before the address.

Every line is a request (``http.request``), or a login attempt when it hits a known login
endpoint (:mod:`canhgac.logs.formats.webauth`). Times carry their own offset. The request target
is kept as sent (still %-encoded: rules decode it once).
"""

from __future__ import annotations

import re
from datetime import datetime

from canhgac.logs.formats.timeparse import ClfTime
from canhgac.logs.formats.webauth import classify
from canhgac.logs.records import MAX_RAW, LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_TAIL = re.compile(r"\[([^\]]+)\] " + _QUOTED + r" (\d{3}) (\d+|-)(?: " + _QUOTED + " " + _QUOTED + ")?")


def split_request(request: str) -> tuple[str, str]:
    """``GET /a?b HTTP/1.1`` -> (``GET``, ``/a?b``); a request line that is not one (a TLS
    handshake sent to port 80, ``-`` for none) -> (``""``, the text)."""
    parts = request.split(" ")
    if len(parts) == 3 and parts[2].startswith("HTTP/") or len(parts) == 2:
        method = parts[0]
        if method.isalpha() and method.isupper():
            return method, parts[1]
    return "", request


class AccessLog:
    """One access-log format (``nginx`` or ``apache``: the same reader, named for the service)."""

    family = LogFamily.WEB
    syslog_borne = False

    def __init__(self, name: str) -> None:
        self.name = name
        self._time = ClfTime()

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        bracket = line.find(" [")
        if bracket < 0:
            raise MalformedLineError("no [time]")
        head = line[:bracket].split(" ")
        vhost = ""
        if len(head) == 3:
            client, _ident, user = head
        elif len(head) == 4:
            vhost, client, _ident, user = head
            colon = vhost.rfind(":")
            if colon > 0 and vhost[colon + 1 :].isdigit():
                vhost = vhost[:colon]
        else:
            raise MalformedLineError("not an access-log line")
        m = _TAIL.match(line, bracket + 1)
        if m is None:
            raise MalformedLineError("not an access-log line")
        stamp, request, status_s, size, referer, agent = m.groups()
        method, target = split_request(request)
        status = int(status_s)
        if user == "-":
            user = ""
        event = LogEvent.HTTP_REQUEST
        service = self.name
        if method == "POST" or status == 401:
            login = classify(method, target, status, user)
            if login is not None:
                event, service = login
        return LogRecord(
            self._time(stamp), event, LogFamily.WEB, ctx.source, line_no,
            line if len(line) <= MAX_RAW else line[:MAX_RAW],
            client=client, service=service, account=user, method=method, target=target,
            status=status, bytes_sent=0 if size == "-" else int(size),
            user_agent=agent if agent is not None and agent != "-" else "",
            referer=referer if referer is not None and referer != "-" else "", vhost=vhost,
        )

    def parse_message(self, time: datetime, host: str, program: str, message: str,
                      ctx: ParseContext, line_no: int) -> LogRecord | None:
        raise NotImplementedError("access logs are not syslog-borne")
