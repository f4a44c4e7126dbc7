"""Exchange message tracking logs (``MSGTRK*.LOG``): which mailbox sent how many messages to how
many recipients.

A CSV file whose ``#Fields:`` directive names the columns (``date-time,client-ip,...,source,
event-id,...,recipient-count,...,sender-address,...``), read per source like IIS's. The rules read
two events: ``RECEIVE`` from ``STOREDRIVER`` (a message a mailbox submitted: Outlook, OWA,
ActiveSync) becomes ``mail.sent`` with the sender as the account and ``recipient-count``; a
``RECEIVE`` from ``SMTP`` becomes ``mail.received``. ``date-time`` is ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
from datetime import datetime

from canhgac.logs.formats.fields import FieldLayouts
from canhgac.logs.formats.timeparse import IsoTime
from canhgac.logs.records import MAX_RAW, LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext

_WANTED = (
    "date-time",
    "client-ip",
    "source",
    "event-id",
    "recipient-count",
    "sender-address",
    "original-client-ip",
)


class ExchangeTracking:
    name = "exchange"
    family = LogFamily.MAIL
    syslog_borne = False

    def __init__(self) -> None:
        self._layouts = FieldLayouts(_WANTED, ",")
        self._time = IsoTime()

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        if self._layouts.directive(line, ctx.source) or not line:
            return None
        layout = self._layouts.get(ctx.source)
        if layout is None:
            raise MalformedLineError("no #Fields directive before the first line")
        if ",RECEIVE," not in line:
            return None  # DELIVER, SEND, EXPAND, HAREDIRECT...: not read by the rules
        try:
            values = next(csv.reader([line]))
        except csv.Error as exc:
            raise MalformedLineError(str(exc)) from None
        count, ix = layout
        if len(values) != count or min(ix[:4]) < 0:
            raise MalformedLineError("not the #Fields layout")
        if values[ix[3]] != "RECEIVE":
            return None
        source = values[ix[2]]
        if source == "STOREDRIVER":
            event = LogEvent.MAIL_SENT
        elif source == "SMTP":
            event = LogEvent.MAIL_RECEIVED
        else:
            return None
        recipients = values[ix[4]] if ix[4] >= 0 else ""
        sender = values[ix[5]] if ix[5] >= 0 else ""
        client = (values[ix[6]] if ix[6] >= 0 else "") or values[ix[1]]
        return LogRecord(
            self._time(values[ix[0]]),
            event,
            LogFamily.MAIL,
            ctx.source,
            line_no,
            line if len(line) <= MAX_RAW else line[:MAX_RAW],
            client=client,
            service="exchange",
            account=sender if event is LogEvent.MAIL_SENT else "",
            sender=sender,
            recipients=int(recipients) if recipients.isdigit() else 0,
        )

    def parse_message(
        self, time: datetime, host: str, program: str, message: str, ctx: ParseContext, line_no: int
    ) -> LogRecord | None:
        raise NotImplementedError("Exchange message tracking logs are not syslog-borne")
