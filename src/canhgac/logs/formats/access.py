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

_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_TAIL = re.compile(r"\[([^\]]+)\] " + _QUOTED + r" (\d{3}) (\d+|-)(?: " + _QUOTED + " " + _QUOTED + ")?")


def split_request(request: str) -> tuple[str, str]:
    """``GET /a?b HTTP/1.1`` -> (``GET``, ``/a?b``); a request line that is not one (a TLS
    handshake sent to port 80, ``-`` for none) -> (``""``, the text)."""
    parts = request.split(" ")
    if (len(parts) == 3 and parts[2].startswith("HTTP/")) or len(parts) == 2:
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
        parts = line.split('"')
        n = len(parts)
        if (n != 7 and n != 3 and n < 9) or "\\" in line:
            fields = self._careful(line)  # escaped quotes, odd requests: the regex
        else:
            head = parts[0]
            bracket = head.find(" [")
            if bracket < 0 or head[-2:] != "] ":
                raise MalformedLineError("no [time]")
            if n == 3:
                fields = (head[:bracket], head[bracket + 2 : -2], parts[1], parts[2], "", "")
            elif parts[4] != " ":
                raise MalformedLineError("not an access-log line")
            else:
                fields = (head[:bracket], head[bracket + 2 : -2], parts[1], parts[2], parts[3], parts[5])
        who, stamp, request, numbers, referer, agent = fields
        head_ = who.split(" ")
        vhost = ""
        if len(head_) == 3:
            client, _ident, user = head_
        elif len(head_) == 4:
            vhost, client, _ident, user = head_
            colon = vhost.rfind(":")
            if colon > 0 and vhost[colon + 1 :].isdigit():
                vhost = vhost[:colon]
        else:
            raise MalformedLineError("not an access-log line")
        status_s, _, size = numbers.strip().partition(" ")
        if len(status_s) != 3 or not status_s.isdigit() or not (size == "-" or size.isdigit()):
            raise MalformedLineError("bad status or size")
        words = request.split(" ")
        if (len(words) == 3 and words[2][:5] == "HTTP/") or len(words) == 2:
            method, target = words[0], words[1]
            if not (method.isalpha() and method.isupper()):
                method, target = "", request
        else:
            method, target = "", request
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
            self._time(stamp),
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
            bytes_sent=0 if size == "-" else int(size),
            user_agent="" if agent == "-" else agent,
            referer="" if referer == "-" else referer,
            vhost=vhost,
        )

    @staticmethod
    def _careful(line: str) -> tuple[str, str, str, str, str, str]:
        bracket = line.find(" [")
        if bracket < 0:
            raise MalformedLineError("no [time]")
        m = _TAIL.match(line, bracket + 1)
        if m is None:
            raise MalformedLineError("not an access-log line")
        stamp, request, status_s, size, referer, agent = m.groups()
        return line[:bracket], stamp, request, f"{status_s} {size}", referer or "", agent or ""

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        raise NotImplementedError("access logs are not syslog-borne")
