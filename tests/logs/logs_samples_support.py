"""Shared by the sample-generator tests: which parsed records each planted campaign consists of."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from canhgac.lab.log_samples import SampleSet
from canhgac.lab.log_samples_base import Planted
from canhgac.logs.reader import read_records
from canhgac.logs.records import LogEvent, LogRecord, ParseStats

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def records(sample: SampleSet) -> dict[str, list[LogRecord]]:
    out: dict[str, list[LogRecord]] = {}
    for name, path in (("web", sample.web), ("mail", sample.mail), ("auth", sample.auth)):
        stats = ParseStats()
        out[name] = list(read_records(Path(path), fmt=None, tz=TZ, year=sample.year, stats=stats))
        assert stats.malformed == 0 and stats.binary == 0, (name, stats.examples)
    return out


def within(planted: Planted, recs: list[LogRecord]) -> list[LogRecord]:
    first = datetime.fromtimestamp(planted.first).astimezone(TZ) - timedelta(seconds=1)
    last = datetime.fromtimestamp(planted.last).astimezone(TZ) + timedelta(seconds=1)
    return [r for r in recs if first <= r.time <= last]


def matching(planted: Planted, recs: list[LogRecord]) -> list[LogRecord]:
    """The records of ``recs`` the planted campaign's rule counts."""
    keys = planted.keys
    rule = planted.rule_id
    rows = within(planted, recs)
    if rule == "logs.auth.success-after-failures":
        rows = [r for r in rows if r.event in (LogEvent.AUTH_FAILURE, LogEvent.AUTH_SUCCESS)]
    elif rule.startswith("logs.auth."):
        rows = [r for r in rows if r.event is LogEvent.AUTH_FAILURE]
    elif rule == "logs.mail.outbound-burst":
        rows = [r for r in rows if r.event is LogEvent.MAIL_SENT]
    elif rule.startswith("logs.web.") and rule != "logs.web.spike":
        rows = [r for r in rows if r.event is LogEvent.HTTP_REQUEST]
    for key in ("client", "account", "service"):
        if key in keys:
            rows = [r for r in rows if getattr(r, key) == keys[key]]
    if "path" in keys:
        rows = [r for r in rows if r.target.split("?")[0] == keys["path"] and r.method == "POST"]
    return rows
