"""The syslog listener with the real formats and the built-in rules (no fakes): sshd failures
sent over TCP raise ``logs.auth.brute-force``; an nginx access line sent the way nginx's
``access_log syslog:`` does is read by the web format (a scanner's user agent is detected)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from canhgac.logs.detection import Detection
from canhgac.logs.detector import RuleDetector, load_rules
from canhgac.logs.live import LiveConfig, LiveStats, run_live
from canhgac.logs.syslog_server import Endpoint, SyslogServerConfig


def NOW() -> datetime:  # noqa: N802 (a fixed clock: classic syslog years are read against it)
    return datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_syslog_messages_reach_the_real_parsers_and_rules() -> None:
    got: list[Detection] = []

    async def sink(found: list[Detection]) -> None:
        got.extend(found)

    stop = asyncio.Event()
    ready: list[LiveStats] = []
    config = LiveConfig(syslog=SyslogServerConfig(tcp=(Endpoint("127.0.0.1", 0),), loopback_only=True),
                        handle_signals=False)
    task = asyncio.ensure_future(run_live(config, RuleDetector(load_rules()), sink, stop, NOW,
                                          ready=ready.append))
    await until(lambda: bool(ready))
    port = int(ready[0].listening[0].rsplit(":", 1)[1])
    _r, w = await asyncio.open_connection("127.0.0.1", port)
    for i in range(12):
        w.write(b"<38>Dec  7 21:59:%02d mx1 sshd[%d]: Failed password for invalid user admin from "
                b"198.51.100.7 port %d ssh2\n" % (i, 900 + i, 40000 + i))
    w.write(b'<190>Dec  7 21:59:30 web1 nginx: 203.0.113.5 - - [07/Dec/2026:21:59:30 +0000] '
            b'"GET /index.php?id=1 HTTP/1.1" 200 512 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"\n')
    await w.drain()
    w.close()
    await until(lambda: {"logs.auth.brute-force", "logs.web.scanner"} <= {d.rule_id for d in got})
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    assert stats.sources["syslog:mx1/sshd"].records == 12
    assert stats.sources["syslog:web1/nginx"].records == 1
    scanner = next(d for d in got if d.rule_id == "logs.web.scanner")
    assert scanner.clients == ("203.0.113.5",)
