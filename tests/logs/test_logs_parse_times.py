"""The time-stamp readers against the standard library, over many stamps in a row (their caches
of the last stamp and the last minute must never leak into the next line)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from canhgac.logs.formats.timeparse import ClfTime, IsoTime, SyslogTime
from canhgac.logs.records import MalformedLineError

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _times(seed: int, start: datetime = datetime(2026, 12, 31, 23, 58, tzinfo=UTC)) -> list[datetime]:
    rng = random.Random(seed)
    t = start
    out = []
    for _ in range(3000):
        t += timedelta(
            seconds=rng.choice([0, 0, 1, 1, 7, 59, 61, 3600]), microseconds=rng.choice([0, 250_000])
        )
        out.append(t)
    return out


def test_clf_matches_strptime() -> None:
    read = ClfTime()
    for t in _times(1):
        for offset in ("+0700", "-0330", "+0000"):
            local = t.astimezone(datetime.strptime(offset, "%z").tzinfo).replace(microsecond=0)
            text = local.strftime("%d/%b/%Y:%H:%M:%S %z")
            assert read(text) == datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z"), text


def test_iso_matches_fromisoformat() -> None:
    read = IsoTime()
    for t in _times(2):
        for text in (t.astimezone(HCM).isoformat(), t.strftime("%Y-%m-%dT%H:%M:%SZ")):
            expected = datetime.fromisoformat(text.replace("Z", "+00:00"))
            assert read(text) == expected, text
        naive = t.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
        assert read(naive, HCM) == datetime.strptime(naive, "%Y-%m-%d %H:%M:%S").replace(tzinfo=HCM)
        assert read(naive) == datetime.strptime(naive, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_syslog_matches_local_time_across_new_year() -> None:
    read = SyslogTime()
    for t in _times(3, datetime(2026, 12, 31, 16, 50, tzinfo=UTC)):  # 23:50 in Vietnam
        local = t.astimezone(HCM).replace(microsecond=0)
        text = f"{local:%b} {local.day:2d} {local:%H:%M:%S}"
        assert read(text, "auth.log", 2026, HCM) == local


@pytest.mark.parametrize(
    "text", ["07/Dec/2026:22:10:61 +0700", "07/Dec/2026:22:10:6x +0700", "07/Dec/2026:24:10:00 +0700"]
)
def test_clf_rejects(text: str) -> None:
    with pytest.raises(MalformedLineError):
        ClfTime()(text)


def test_leap_second_is_read() -> None:
    assert ClfTime()("31/Dec/2016:23:59:60 +0000") == datetime(2017, 1, 1, tzinfo=UTC)
    with pytest.raises(MalformedLineError):
        IsoTime()("2026-12-07T22:10:99Z")
    with pytest.raises(MalformedLineError):
        SyslogTime()("Dec  7 22:10:7x", "s", 2026, UTC)
