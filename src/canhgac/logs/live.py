"""Live modes: follow files and receive syslog at once, parse, detect, hand detections on.

:func:`run_live` runs until ``stop`` is set (or SIGTERM/SIGINT arrives): it polls the followed
files (``follow``), listens for syslog (``syslog_server``), turns every line into a record with
the format parsers (``canhgac.logs.formats``), feeds the detector, tells it which sources are
alive (``detector.seen``, for the silence rule) and what time it is (``detector.tick``, every
second), and passes detections to ``on_detections`` as soon as they exist (a separate task, so
a slow sink never stalls reading). Positions are saved every few seconds and on the way out.

Latency from a line written to a followed file to ``on_detections``: one poll interval (0.25 s
by default) plus parsing; a syslog message is parsed as it arrives.

A syslog message goes to the parser of its program (``postfix/smtpd`` → postfix, ``sshd``,
``dovecot``; ``nginx``/``apache2``/``httpd`` → the web parser reading the message as an
access-log line); the source is ``syslog:<host>/<program>`` (the program's first part:
``postfix/smtpd`` → ``postfix``), unless the sender's address is mapped to a name and format in
:attr:`LiveConfig.senders`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from canhgac.logs.detection import Detection, Detector
from canhgac.logs.follow import MAX_LINE, FileFollower, Position, load_positions, save_positions
from canhgac.logs.live_parsers import LineParserLike, ParserSource, SyslogParser, default_parsers
from canhgac.logs.records import ParseContext, ParseStats
from canhgac.logs.syslog_parse import SyslogFormatError, parse_syslog
from canhgac.logs.syslog_server import SyslogCounters, SyslogServer, SyslogServerConfig

OnDetections = Callable[[list[Detection]], Awaitable[None]]
MAX_SOURCES = 4096  # distinct syslog sources counted apart; the rest per sender address


@dataclass(frozen=True, slots=True)
class FollowedFile:
    path: Path
    fmt: str | None = None  # a format name (``canhgac.logs.formats``); None: detect
    tz: tzinfo = UTC  # the zone of times written without an offset
    source: str | None = None  # the source's name; default: the path as given


@dataclass(frozen=True, slots=True)
class SenderRule:
    """How to read what one syslog sender (an address) sends."""

    source: str | None = None  # name of the source instead of ``syslog:<host>/<program>``
    fmt: str | None = None  # this format for every message, whatever the program
    tz: tzinfo | None = None  # the zone of its RFC 3164 times


@dataclass(frozen=True, slots=True)
class LiveConfig:
    files: tuple[FollowedFile, ...] = ()
    state_file: Path | None = None  # where file positions are kept between runs
    syslog: SyslogServerConfig = field(default_factory=SyslogServerConfig)
    syslog_tz: tzinfo = UTC  # the zone of RFC 3164 times (senders' clocks)
    senders: Mapping[str, SenderRule] = field(default_factory=dict)
    start_at_end: bool = True  # files that exist at the first start: only new lines
    poll_interval: float = 0.25
    tick_interval: float = 1.0
    save_interval: float = 5.0
    max_line: int = MAX_LINE
    handle_signals: bool = True  # SIGTERM/SIGINT set ``stop`` (when run in the main thread)


@dataclass(slots=True)
class LiveStats:
    sources: dict[str, ParseStats] = field(default_factory=dict)  # lines, records, malformed...
    dropped: dict[str, int] = field(default_factory=dict)  # per source (or syslog:<address>)
    cut: dict[str, int] = field(default_factory=dict)  # overlong file lines cut, per source
    rotations: dict[str, int] = field(default_factory=dict)  # per followed file
    syslog: SyslogCounters = field(default_factory=SyslogCounters)
    detections: int = 0
    sink_errors: int = 0  # on_detections calls that raised (the detections are lost)
    last_sink_error: str = ""
    listening: list[str] = field(default_factory=list)  # "tcp 127.0.0.1:6514" (real ports)


class _Live:
    def __init__(self, config: LiveConfig, detector: Detector, on_detections: OnDetections,
                 clock: Callable[[], datetime], parsers: ParserSource) -> None:
        self.config = config
        self.detector = detector
        self.on_detections = on_detections
        self.clock = clock
        self.parsers = parsers
        self.stats = LiveStats()
        self.seen = getattr(detector, "seen", None)
        self.pending: list[Detection] = []
        self.wake = asyncio.Event()
        self.followers: list[tuple[FollowedFile, str, FileFollower]] = []
        self.file_parsers: dict[str, LineParserLike | None] = {}
        self.contexts: dict[str, ParseContext] = {}
        self.syslog_parsers: dict[tuple[str, str], SyslogParser | None] = {}

    # --------------------------------------------------------------- helpers

    def source_stats(self, source: str) -> ParseStats:
        s = self.stats.sources.get(source)
        if s is None:
            s = self.stats.sources[source] = ParseStats()
        return s

    def context(self, source: str, tz: tzinfo, now: datetime) -> ParseContext:
        ctx = self.contexts.get(source)
        year = now.astimezone(tz).year
        if ctx is None or ctx.year != year or ctx.tz is not tz:
            if len(self.contexts) >= 2 * MAX_SOURCES:
                self.contexts.clear()
            ctx = self.contexts[source] = ParseContext(source, tz, year)
        return ctx

    def emit(self, found: list[Detection]) -> None:
        if found:
            self.pending.extend(found)
            self.stats.detections += len(found)
            self.wake.set()

    async def deliver(self, stop: asyncio.Event) -> None:
        """Hand detections to the sink as they come (until stopped and none are left)."""
        while True:
            if not self.pending:
                if stop.is_set():
                    return
                waiter = asyncio.ensure_future(self.wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()
                self.wake.clear()
                continue
            batch, self.pending = self.pending, []
            try:
                await self.on_detections(batch)
            except Exception as exc:  # a sink failure must not end live reading
                self.stats.sink_errors += 1
                self.stats.last_sink_error = f"{type(exc).__name__}: {exc}"[:300]

    # ----------------------------------------------------------------- files

    def open_files(self) -> None:
        saved: dict[str, Position] = {}
        if self.config.state_file is not None:
            saved = load_positions(self.config.state_file)
        for ff in self.config.files:
            key = str(ff.path)
            follower = FileFollower(ff.path, saved=saved.get(key), max_line=self.config.max_line,
                                    start_at_end=self.config.start_at_end)
            source = ff.source or key
            self.followers.append((ff, source, follower))
            if ff.fmt is not None:
                self.file_parsers[source] = self.parsers.by_name(ff.fmt)

    def save(self) -> None:
        if self.config.state_file is None:
            return
        positions = {str(ff.path): pos for ff, _, f in self.followers
                     if (pos := f.position()) is not None}
        save_positions(self.config.state_file, positions)

    async def poll_files(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        last_save = loop.time()
        while not stop.is_set():
            busy = False
            for ff, source, follower in self.followers:
                lines = follower.poll()
                if lines:
                    busy = True
                    self.file_lines(ff, source, lines)
                    await asyncio.sleep(0)  # let syslog and the sink run between files
                self.stats.cut[source] = follower.cut
                self.stats.rotations[source] = follower.rotations
            if loop.time() - last_save >= self.config.save_interval:
                self.save()
                last_save = loop.time()
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.config.poll_interval)

    def file_lines(self, ff: FollowedFile, source: str, lines: list[tuple[int, bytes]]) -> None:
        now = self.clock()
        stats = self.source_stats(source)
        if self.seen is not None:
            self.seen(source, now)
        parser = self.file_parsers.get(source)
        if parser is None:  # detect from the first lines (again at each batch until known)
            fmt = self.parsers.detect([raw.decode("utf-8", "replace") for _, raw in lines[:50]])
            parser = self.file_parsers[source] = self.parsers.by_name(fmt) if fmt else None
        if parser is None:  # format not recognised: counted, never fatal
            stats.lines += len(lines)
            stats.malformed += len(lines)
            if not stats.examples:
                stats.examples.append(lines[0][1][:200].decode("utf-8", "replace"))
            return
        ctx = self.context(source, ff.tz, now)
        feed = self.detector.feed
        for record in self.parsers.parse_lines(lines, parser, ctx, stats):
            self.emit(feed(record))

    # ---------------------------------------------------------------- syslog

    def syslog_message(self, data: bytes, sender: str) -> None:
        now = self.clock()
        rule = self.config.senders.get(sender)
        tz = (rule.tz if rule and rule.tz else None) or self.config.syslog_tz
        try:
            msg = parse_syslog(data, received=now, sender=sender, tz=tz)
        except SyslogFormatError:
            key = f"syslog:{sender}"
            if key not in self.stats.dropped and len(self.stats.dropped) >= MAX_SOURCES:
                key = "syslog:+"
            self.stats.dropped[key] = self.stats.dropped.get(key, 0) + 1
            return
        app = msg.program.split("/", 1)[0] or "-"
        source = rule.source if rule and rule.source else f"syslog:{msg.host}/{app}"
        if source not in self.stats.sources and len(self.stats.sources) >= MAX_SOURCES:
            source = f"syslog:{sender}/+"  # a sender inventing names cannot grow memory
        stats = self.source_stats(source)
        if self.seen is not None:
            self.seen(source, now)
        fmt = rule.fmt if rule else None
        which = (fmt or "", msg.program)
        if which not in self.syslog_parsers:
            if len(self.syslog_parsers) >= MAX_SOURCES:
                self.syslog_parsers.clear()
            self.syslog_parsers[which] = self.parsers.for_syslog(msg.program, fmt)
        parser = self.syslog_parsers[which]
        stats.lines += 1
        if parser is None:
            stats.ignored += 1  # a program no format reads (cron, kernel...)
            return
        ctx = self.context(source, tz, now)
        record = self.parsers.parse_message(parser, msg, ctx, stats)
        if record is not None:
            self.emit(self.detector.feed(record))

    # ------------------------------------------------------------------ time

    async def ticks(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.tick_interval)
            if not stop.is_set():
                self.emit(self.detector.tick(self.clock()))


def _install_signals(stop: asyncio.Event) -> list[signal.Signals]:
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            continue
        installed.append(signum)
    return installed


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def run_live(config: LiveConfig, detector: Detector, on_detections: OnDetections,
                   stop: asyncio.Event, clock: Callable[[], datetime] = _utcnow, *,
                   parsers: ParserSource | None = None,
                   ready: Callable[[LiveStats], None] | None = None) -> LiveStats:
    """Follow and listen until ``stop``; return what was counted. Raises ValueError (a bad
    state file, listener settings, format name) or OSError (an address that cannot be bound)
    before anything is read. ``ready`` is called once listening (``stats.listening`` then has
    the real ports); ``parsers`` replaces the format registry (tests)."""
    live = _Live(config, detector, on_detections, clock, parsers or default_parsers())
    server: SyslogServer | None = None
    c = config.syslog
    try:
        live.open_files()
        if c.udp or c.tcp or c.tls:
            server = SyslogServer(c, live.syslog_message)
            live.stats.syslog = server.counters
            await server.start()
            live.stats.listening = [f"{t} {ep}" for t, ep in server.bound]
    except BaseException:
        for _, _, follower in live.followers:
            follower.close()
        raise
    installed = _install_signals(stop) if config.handle_signals else []
    tasks = [asyncio.ensure_future(live.deliver(stop))]
    try:
        if ready is not None:
            ready(live.stats)
        tasks.append(asyncio.ensure_future(live.ticks(stop)))
        if live.followers:
            tasks.append(asyncio.ensure_future(live.poll_files(stop)))
        await stop.wait()
    finally:
        stop.set()
        loop = asyncio.get_running_loop()
        for signum in installed:
            loop.remove_signal_handler(signum)
        if server is not None:
            await server.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        live.save()
        for _, _, follower in live.followers:
            follower.close()
    return live.stats
