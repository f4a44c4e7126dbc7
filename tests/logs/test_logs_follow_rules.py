"""``run_live`` with the real formats and the built-in rules (no fakes): a password-guessing run
written into a followed sshd ``auth.log`` raises ``logs.auth.brute-force`` through the sink."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from canhgac.logs.detection import Detection
from canhgac.logs.detector import RuleDetector, load_rules
from canhgac.logs.live import FollowedFile, LiveConfig, LiveStats, run_live


def NOW() -> datetime:  # noqa: N802 (a fixed clock: classic syslog years are read against it)
    return datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_brute_force_written_to_a_followed_auth_log_is_detected(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Dec  7 21:00:00 web1 sshd[1]: Server listening on 0.0.0.0 port 22.\n")
    got: list[Detection] = []

    async def sink(found: list[Detection]) -> None:
        got.extend(found)

    stop = asyncio.Event()
    ready: list[LiveStats] = []
    config = LiveConfig(files=(FollowedFile(log, "sshd", UTC),), poll_interval=0.02,
                        handle_signals=False)
    task = asyncio.ensure_future(run_live(config, RuleDetector(load_rules()), sink, stop, NOW,
                                          ready=ready.append))
    await until(lambda: bool(ready))
    with open(log, "a") as fh:  # noqa: ASYNC230 (a test writing a small file)
        fh.write("".join(f"Dec  7 21:59:{i:02d} web1 sshd[{900 + i}]: Failed password for root from "
                         f"203.0.113.9 port {40000 + i} ssh2\n" for i in range(12)))
    await until(lambda: any(d.rule_id == "logs.auth.brute-force" for d in got))
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    brute = next(d for d in got if d.rule_id == "logs.auth.brute-force")
    assert brute.clients == ("203.0.113.9",)
    assert brute.evidence[0].source == str(log)
    s = stats.sources[str(log)]
    assert (s.lines, s.records, s.malformed) == (12, 12, 0)
