"""Postfix's log lines that the rules read: SMTP AUTH failures and successes, and each message an
authenticated account sent, with its recipient count.

- ``postfix/smtpd[..]: warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: ...``:
  a failed SMTP AUTH (failures of the authentication server itself, "Connection lost to
  authentication server", are not the client's and are left out, as fail2ban does).
- ``postfix/smtpd[..]: 4F9D21A0B: client=host[198.51.100.7], sasl_method=LOGIN,
  sasl_username=an@agency.gov.vn``: a successful login (one per message submitted); the queue id
  is remembered.
- ``postfix/qmgr[..]: 4F9D21A0B: from=<an@agency.gov.vn>, size=1234, nrcpt=3 (queue active)``:
  the message enters the queue; joined with the remembered ``client=`` line it becomes a sent
  message of that account (``mail.sent``, with ``recipients``), or a received one when the client
  did not authenticate. Queue ids are remembered per source, at most ``MAX_QUEUE`` at once.
Every other Postfix line is well formed and ignored (``connect from``, ``cleanup``, deliveries...).
"""

from __future__ import annotations

from datetime import datetime

from canhgac.logs.records import LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

MAX_QUEUE = 50_000  # queue ids awaiting their qmgr line; the oldest are forgotten beyond this


def _client(text: str) -> str:
    """``unknown[203.0.113.5]`` / ``host[2001:db8::1]:587`` -> the address."""
    open_ = text.find("[")
    close = text.find("]", open_ + 1)
    if open_ < 0 or close < 0:
        raise MalformedLineError("no client address")
    addr = text[open_ + 1 : close]
    return addr[5:] if addr.startswith("IPv6:") else addr


def _field(text: str, name: str) -> str:
    """The value of ``name=value`` in a comma-separated Postfix list (``""`` when absent)."""
    at = text.find(name)
    if at < 0:
        return ""
    start = at + len(name)
    end = text.find(",", start)
    return (text[start:] if end < 0 else text[start:end]).strip()


class PostfixMessages:
    """Reads the message part of Postfix's lines; remembers queue ids between lines."""

    def __init__(self) -> None:
        self._queue: dict[str, tuple[str, str, str]] = {}  # source\0qid -> (client, user, program)

    def __call__(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int, raw: str
    ) -> LogRecord | None:
        if message.startswith("warning: "):
            if "authentication failed" not in message or "SASL" not in message:
                return None
            if "Connection lost to authentication server" in message:
                return None
            rest = message[9:]
            user = _field(rest, "sasl_username=")
            return LogRecord(
                time,
                LogEvent.AUTH_FAILURE,
                LogFamily.MAIL,
                ctx.source,
                line_no,
                raw,
                client=_client(rest.split(": ", 1)[0]),
                service=program,
                account=user,
            )
        colon = message.find(": ")
        if colon < 5 or not message[:colon].isalnum():
            return None  # not a queue-id line: connect/disconnect, NOQUEUE, statistics...
        body = message[colon + 2 :]
        if body.startswith("client="):
            return self._client_line(time, program, message[:colon], body, ctx, line_no, raw)
        if body.startswith("from=<") and "nrcpt=" in body:
            return self._queued(time, program, message[:colon], body, ctx, line_no, raw)
        return None

    def _client_line(
        self, time: datetime, program: str, qid: str, body: str, ctx: ParseContext, line_no: int, raw: str
    ) -> LogRecord | None:
        client = _client(body)
        user = _field(body, "sasl_username=")
        queue = self._queue
        if len(queue) >= MAX_QUEUE:
            del queue[next(iter(queue))]
        queue[ctx.source + "\0" + qid] = (client, user, program)
        if not user:
            return None
        return LogRecord(
            time,
            LogEvent.AUTH_SUCCESS,
            LogFamily.MAIL,
            ctx.source,
            line_no,
            raw,
            client=client,
            service=program,
            account=user,
        )

    def _queued(
        self, time: datetime, program: str, qid: str, body: str, ctx: ParseContext, line_no: int, raw: str
    ) -> LogRecord | None:
        known = self._queue.pop(ctx.source + "\0" + qid, None)
        if known is None:
            return None  # local submission, bounce, or a retry of a deferred message
        end = body.find(">", 6)
        if end < 0:
            raise MalformedLineError("no sender")
        sender = body[6:end]
        count = _field(body, "nrcpt=").split(" ", 1)[0]
        if not count.isdigit():
            raise MalformedLineError("bad nrcpt")
        client, user, smtpd = known
        event = LogEvent.MAIL_SENT if user else LogEvent.MAIL_RECEIVED
        return LogRecord(
            time,
            event,
            LogFamily.MAIL,
            ctx.source,
            line_no,
            raw,
            client=client,
            service=smtpd,
            account=user,
            sender=sender,
            recipients=int(count),
        )
