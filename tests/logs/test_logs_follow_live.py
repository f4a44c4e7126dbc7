"""``run_live`` following files: an attack line written to a followed file reaches
``on_detections`` (the path under the 5 s alert budget), lines are counted per source, the
detector hears ``seen`` and ``tick``, positions are saved on stop and a restart resumes without
loss or duplication; SIGTERM stops a real process cleanly with its positions saved."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from logs_live_support import LineReader, RecordingDetector, fake_parsers

from canhgac.logs.detection import Detection
from canhgac.logs.live import FollowedFile, LiveConfig, LiveStats, run_live

HERE = Path(__file__).parent


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


async def test_an_attack_written_to_a_followed_file_reaches_the_sink(tmp_path: Path) -> None:
    log, other, state = tmp_path / "auth.log", tmp_path / "detect.log", tmp_path / "state.json"
    append(log, "FAIL 192.0.2.1 history-is-skipped\n")
    detector = RecordingDetector()
    got: list[Detection] = []

    async def sink(found: list[Detection]) -> None:
        got.extend(found)

    config = LiveConfig(files=(FollowedFile(log, "fake"), FollowedFile(other, None, source="x")),
                        state_file=state, poll_interval=0.02, tick_interval=0.05,
                        handle_signals=False)
    stop = asyncio.Event()
    ready: list[LiveStats] = []
    task = asyncio.ensure_future(run_live(config, detector, sink, stop, parsers=fake_parsers(),
                                          ready=ready.append))
    await until(lambda: bool(ready))
    append(log, "FAIL 203.0.113.9 alice\nOK fine\n\x00\x01binary\ngarbage\n")
    append(log, "FAIL 198.51.100.4 attacker\n")
    await until(lambda: bool(got))
    append(other, "OK detected format\nFAIL 192.0.2.2 bob\n")
    await until(lambda: len(detector.records) == 3 and detector.ticks > 0)
    stop.set()
    stats = await asyncio.wait_for(task, 10)

    assert [d.rule_id for d in got] == ["logs.auth.brute-force"]
    assert got[0].evidence[0].source == str(log)
    assert got[0].evidence[0].line_no == 5  # counted from where following began
    s = stats.sources[str(log)]
    assert (s.lines, s.records, s.ignored, s.binary, s.malformed) == (5, 2, 1, 1, 1)
    assert (stats.sources["x"].lines, stats.sources["x"].records) == (2, 1)
    assert detector.seen_sources[str(log)] >= 1
    saved = json.loads(state.read_text())["files"]
    assert saved[str(log)]["offset"] == log.stat().st_size

    # restart: only what was written while stopped, once
    append(log, "FAIL 203.0.113.10 carol\n")
    detector2 = RecordingDetector()
    stop2 = asyncio.Event()
    task = asyncio.ensure_future(run_live(config, detector2, sink, stop2, parsers=fake_parsers()))
    await until(lambda: len(detector2.records) == 1)
    append(log, "FAIL 203.0.113.11 dave\n")
    await until(lambda: len(detector2.records) == 2)
    stop2.set()
    await asyncio.wait_for(task, 10)
    assert [r.account for r in detector2.records] == ["carol", "dave"]
    assert [r.line_no for r in detector2.records] == [6, 7]


async def test_an_unknown_format_is_counted_not_fatal(tmp_path: Path) -> None:
    log = tmp_path / "odd.log"
    config = LiveConfig(files=(FollowedFile(log),), poll_interval=0.02, handle_signals=False)
    stop = asyncio.Event()
    ready: list[LiveStats] = []
    task = asyncio.ensure_future(run_live(config, RecordingDetector(), _nothing, stop,
                                          parsers=fake_parsers(), ready=ready.append))
    await until(lambda: bool(ready))
    append(log, "what is this\nno idea\n")
    await until(lambda: str(log) in ready[0].sources)
    stop.set()
    stats = await asyncio.wait_for(task, 10)
    s = stats.sources[str(log)]
    assert (s.lines, s.malformed) == (2, 2)
    assert s.examples == ["what is this"]  # the format was not recognised: lines counted


async def _nothing(found: list[Detection]) -> None:
    return None


SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from canhgac.logs.live import FollowedFile, LiveConfig, run_live
    from logs_live_support import LineReader, RecordingDetector, fake_parsers

    async def sink(found):
        for d in found:
            print("DETECTION", d.group, flush=True)

    async def main():
        log, state = Path(sys.argv[1]), Path(sys.argv[2])
        config = LiveConfig(files=(FollowedFile(log, "fake"),), state_file=state,
                            poll_interval=0.02, save_interval=3600)
        stats = await run_live(config, RecordingDetector(), sink, asyncio.Event(),
                               parsers=fake_parsers(), ready=lambda s: print("READY", flush=True))
        print("STOPPED", stats.sources[str(log)].lines, flush=True)

    asyncio.run(main())
""")


def test_sigterm_stops_cleanly_with_positions_saved(tmp_path: Path) -> None:
    log, state = tmp_path / "auth.log", tmp_path / "state.json"
    log.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")]), *sys.path])}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(log), str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        out = LineReader(proc.stdout)
        assert out.next().strip() == "READY"
        append(log, "FAIL 198.51.100.4 attacker\nOK x\n")
        assert out.next().strip() == "DETECTION client=198.51.100.4"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert out.rest().strip() == "STOPPED 2"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert json.loads(state.read_text())["files"][str(log)]["offset"] == log.stat().st_size
