"""Fakes for the live-mode tests: a tiny parser registry and a detector that records what it saw.

The real formats (``canhgac.logs.formats``) and rules (``canhgac.logs.detector``) are built in
parallel; these stand in with the same interfaces, so follow/syslog/live are tested on their own.
Fake line format: ``FAIL <client> <account>`` is an authentication failure, ``OK ...`` a
well-formed line no rule reads, anything else malformed. A failure for account ``attacker`` is
a detection.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO

from canhgac.logs.detection import Detection, evidence_of
from canhgac.logs.live_parsers import LineParserLike, Parsers
from canhgac.logs.records import LogEvent, LogFamily, LogRecord, MalformedLineError, ParseContext


class FakeParser:
    name = "fake"
    family = LogFamily.AUTH
    syslog_borne = True

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        word, _, rest = line.partition(" ")
        if word == "OK":
            return None
        if word != "FAIL":
            raise MalformedLineError(line[:80])
        client, _, account = rest.partition(" ")
        return LogRecord(datetime.now(UTC), LogEvent.AUTH_FAILURE, self.family, ctx.source, line_no,
                         line, client=client, account=account, service="fake")

    def parse_message(self, time: datetime, host: str, program: str, message: str,
                      ctx: ParseContext, line_no: int) -> LogRecord | None:
        record = self.parse(message, ctx, line_no)
        if record is None:
            return None
        return LogRecord(time, record.event, record.family, ctx.source, line_no, message,
                         client=record.client, account=record.account, service=program)


class FakeWebParser:
    """``<client> <method> <target> <status>``: an access line (nginx over syslog)."""

    name = "nginx"
    family = LogFamily.WEB
    syslog_borne = False

    def parse(self, line: str, ctx: ParseContext, line_no: int) -> LogRecord | None:
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            raise MalformedLineError(line[:80])
        return LogRecord(datetime.now(UTC), LogEvent.HTTP_REQUEST, self.family, ctx.source, line_no,
                         line, client=parts[0], method=parts[1], target=parts[2],
                         status=int(parts[3]), service="nginx")

    def parse_message(self, time: datetime, host: str, program: str, message: str,
                      ctx: ParseContext, line_no: int) -> LogRecord | None:
        raise NotImplementedError


def fake_parsers() -> Parsers:
    fake, web = FakeParser(), FakeWebParser()
    formats: dict[str, LineParserLike] = {"fake": fake, "nginx": web}

    def for_program(program: str) -> LineParserLike | None:
        return fake if program.split("/")[0] in ("sshd", "postfix", "dovecot") else None

    def detect(sample: Sequence[str]) -> str | None:
        return "fake" if any(s.startswith(("FAIL", "OK")) for s in sample) else None

    return Parsers(formats, for_program, detect)


class RecordingDetector:
    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self.seen_sources: dict[str, int] = {}
        self.ticks = 0

    def feed(self, record: LogRecord) -> list[Detection]:
        self.records.append(record)
        if record.account != "attacker":
            return []
        return [Detection("logs.auth.brute-force", "high", f"client={record.client}",
                          record.source, record.time, record.time, 1, (record.client,),
                          (record.account,), (evidence_of(record),))]

    def seen(self, source: str, time: datetime) -> None:
        self.seen_sources[source] = self.seen_sources.get(source, 0) + 1

    def tick(self, now: datetime) -> list[Detection]:
        self.ticks += 1
        return []

    def finish(self) -> list[Detection]:
        return []


class LineReader:
    """Lines of a child's output, read by a thread, so a test waits with a timeout instead of
    hanging on ``readline`` when the child never writes."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")

    def next(self, timeout: float = 60) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from the child in {timeout} s") from None

    def rest(self) -> str:
        out = []
        while (line := self.next()) != "":
            out.append(line)
        return "".join(out)
