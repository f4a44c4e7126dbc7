"""``run_live`` with syslog listeners on 127.0.0.1: messages become records through the parser
of their program, under ``syslog:<host>/<program>``; nginx access lines over syslog go to the web
parser's ``parse``; senders can be named; garbage is dropped and counted per sender; a
detection reaches ``on_detections``; ``stop`` ends it all. The real formats are replaced by the
fakes of ``logs_live_support`` (same interfaces)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from logs_live_support import RecordingDetector, fake_parsers

from canhgac.logs.detection import Detection
from canhgac.logs.live import LiveConfig, LiveStats, SenderRule, run_live
from canhgac.logs.syslog_server import Endpoint, SyslogServerConfig

LOCAL = Endpoint("127.0.0.1", 0)


def NOW() -> datetime:  # noqa: N802 (a fixed clock: RFC 3164 years are read against it)
    return datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_syslog_messages_become_records_and_detections() -> None:
    detector = RecordingDetector()
    got: list[Detection] = []

    async def sink(found: list[Detection]) -> None:
        got.extend(found)

    stop = asyncio.Event()
    started: list[LiveStats] = []
    config = LiveConfig(
        syslog=SyslogServerConfig(udp=(LOCAL,), tcp=(LOCAL,), loopback_only=True),
        senders={"127.0.0.2": SenderRule(source="mx.agency", fmt="fake")},
        handle_signals=False, tick_interval=0.05)
    task = asyncio.ensure_future(run_live(config, detector, sink, stop, NOW,
                                          parsers=fake_parsers(), ready=started.append))
    await until(lambda: bool(started))
    where = {line.split()[0]: int(line.rsplit(":", 1)[1]) for line in started[0].listening}
    _r, w = await asyncio.open_connection("127.0.0.1", where["tcp"])
    w.write(b"<38>Dec  7 21:59:01 mail postfix/smtpd[9]: FAIL 203.0.113.9 alice\n"
            b"<38>1 2026-12-07T14:59:02Z web1 nginx - - - 203.0.113.9 GET /x 404\n"
            b"<38>Dec  7 21:59:03 mail cron[1]: nothing to read\n"
            b"<38>Dec  7 21:59:04 mail sshd[2]: not the fake format\n"
            b"definitely not syslog\n"
            b"<38>Dec  7 21:59:05 mail sshd[2]: \xff\xfe broken text\n"
            b"<38>Dec  7 21:59:06 mail sshd[2]: FAIL 198.51.100.4 attacker\n")
    await w.drain()
    w.close()
    loop = asyncio.get_running_loop()
    udp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                 local_addr=("127.0.0.2", 0),
                                                 remote_addr=("127.0.0.1", where["udp"]))
    udp.sendto(b"<38>Dec  7 21:59:07 whatever anyprogram: FAIL 192.0.2.1 bob")
    await until(lambda: len(detector.records) == 4 and bool(got))
    await until(lambda: detector.ticks > 0)
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    udp.close()

    by_source = {r.source: r for r in detector.records}
    assert set(by_source) == {"syslog:mail/postfix", "syslog:web1/nginx", "syslog:mail/sshd",
                              "mx.agency"}
    fail = by_source["syslog:mail/postfix"]
    assert (fail.client, fail.account, fail.service) == ("203.0.113.9", "alice", "postfix/smtpd")
    assert fail.time == datetime(2026, 12, 7, 21, 59, 1, tzinfo=UTC)  # UTC as configured
    assert by_source["syslog:web1/nginx"].status == 404
    assert [d.rule_id for d in got] == ["logs.auth.brute-force"]
    assert got[0].clients == ("198.51.100.4",)
    s = stats.sources
    assert (s["syslog:mail/cron"].lines, s["syslog:mail/cron"].ignored) == (1, 1)
    assert (s["syslog:mail/sshd"].lines, s["syslog:mail/sshd"].records,
            s["syslog:mail/sshd"].malformed) == (3, 1, 2)
    assert stats.dropped == {"syslog:127.0.0.1": 1}
    assert stats.detections == 1
    assert detector.seen_sources["syslog:mail/postfix"] == 1


async def test_a_failing_sink_is_counted_and_reading_goes_on() -> None:
    detector = RecordingDetector()
    calls: list[int] = []

    async def sink(found: list[Detection]) -> None:
        calls.append(len(found))
        raise RuntimeError("store down")

    stop = asyncio.Event()
    started: list[LiveStats] = []
    config = LiveConfig(syslog=SyslogServerConfig(tcp=(LOCAL,), loopback_only=True),
                        handle_signals=False)
    task = asyncio.ensure_future(run_live(config, detector, sink, stop, parsers=fake_parsers(),
                                          ready=started.append))
    await until(lambda: bool(started))
    p = int(started[0].listening[0].rsplit(":", 1)[1])
    for _ in range(2):
        before = len(calls)
        _r, w = await asyncio.open_connection("127.0.0.1", p)
        w.write(b"<38>Dec  7 21:59:06 mail sshd[2]: FAIL 198.51.100.4 attacker\n")
        await w.drain()
        w.close()
        await until(lambda: len(calls) > before)  # noqa: B023 (read at once, in this turn)
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    assert stats.sink_errors == 2 and "store down" in stats.last_sink_error


async def test_a_sender_inventing_hosts_and_programs_cannot_grow_the_counts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import canhgac.logs.live as live

    monkeypatch.setattr(live, "MAX_SOURCES", 3)
    stop = asyncio.Event()
    started: list[LiveStats] = []
    config = LiveConfig(syslog=SyslogServerConfig(tcp=(LOCAL,), loopback_only=True),
                        handle_signals=False)
    task = asyncio.ensure_future(run_live(config, RecordingDetector(), _nothing, stop, NOW,
                                          parsers=fake_parsers(), ready=started.append))
    await until(lambda: bool(started))
    p = int(started[0].listening[0].rsplit(":", 1)[1])
    _r, w = await asyncio.open_connection("127.0.0.1", p)
    w.write(b"".join(b"<38>Dec  7 21:59:06 host%d prog%d: OK\n" % (i, i) for i in range(50)))
    await w.drain()
    w.close()
    await until(lambda: sum(s.lines for s in started[0].sources.values()) == 50)
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    assert len(stats.sources) == 4
    assert stats.sources["syslog:127.0.0.1/+"].lines == 47


async def _nothing(found: list[Detection]) -> None:
    return None
