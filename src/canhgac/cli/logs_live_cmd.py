"""``canhgac logs follow`` and ``canhgac logs listen``: the live modes of log detection.

Both build a :class:`~canhgac.logs.live.LiveConfig` from their options and run
:func:`~canhgac.logs.live.run_live` until Ctrl-C or SIGTERM (file positions saved). What happens
to each detection is the caller's choice: the ``logs`` group (``cli/logs_cmd.py``) registers
these commands with :func:`register_live_commands` and a sink factory (the store's, which records
findings and raises watch alerts); the default sink prints each detection as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from canhgac.cli.common import ExitCode, StoppedError, err_console, fail, run_async
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services.live_logs import (
    Detection,
    Detector,
    Endpoint,
    FollowedFile,
    LiveConfig,
    LiveStats,
    OnDetections,
    SenderRule,
    SyslogServerConfig,
    detection_json,
    rule_detector,
    run_live,
)


@dataclass(frozen=True)
class SinkOptions:
    """What the live commands' options say about where detections go (the store's sink reads
    them; the JSON-lines sink has no use for them)."""

    agency: str | None = None  # every detection is this agency's (else: the inventory's sources)
    inventory: Path | None = None  # the inventory declaring the log sources (else: the store's)
    alert_min_severity: str = "medium"  # detections at least this severe raise a watch alert


SinkFactory = Callable[[typer.Context, SinkOptions], OnDetections]
DetectorFactory = Callable[[], Detector]  # the rules: built-in plus CANHGAC_LOG_RULES
AgencyOption = Annotated[str | None, typer.Option("--agency", help=N_(
    "The agency of every detection (default: by the inventory's declared log sources)"))]
InventoryOption = Annotated[Path | None, typer.Option("--inventory", "-i", help=N_(
    "Inventory YAML file (default: the one applied in the store)"))]
SeverityOption = Annotated[str, typer.Option("--alert-min-severity", help=N_(
    "Detections at least this severe raise a watch alert"))]


def json_lines_sink(ctx: typer.Context, options: SinkOptions) -> OnDetections:
    """The default sink: each detection as one JSON line on standard output."""

    async def sink(found: list[Detection]) -> None:
        for d in found:
            sys.stdout.write(json.dumps(detection_json(d), ensure_ascii=False) + "\n")
        sys.stdout.flush()

    return sink


def _zone(name: str | None) -> tzinfo:
    if name is None:
        return datetime.now().astimezone().tzinfo or UTC
    try:
        return UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(_("unknown time zone {zone}: use a name such as Asia/Ho_Chi_Minh").format(
            zone=name)) from None


def _endpoints(values: Sequence[str]) -> tuple[Endpoint, ...]:
    try:
        return tuple(Endpoint.parse(v) for v in values)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _senders(values: Sequence[str]) -> dict[str, SenderRule]:
    out = {}
    for v in values:
        addr, sep, rest = v.partition("=")
        name, _colon, fmt = rest.partition(":")
        if not sep or not addr or not name:
            raise fail(_("--sender {value}: expected ADDRESS=NAME or ADDRESS=NAME:FORMAT").format(
                value=v))
        out[addr] = SenderRule(source=name, fmt=fmt or None)
    return out


def _summary(stats: LiveStats) -> None:
    for source, s in sorted(stats.sources.items()):
        err_console.print(_("{source}: lines {lines}, records {records}, malformed {malformed}, "
                            "binary {binary}, ignored {ignored}").format(
            source=source, lines=s.lines, records=s.records, malformed=s.malformed,
            binary=s.binary, ignored=s.ignored), soft_wrap=True, highlight=False)
    for key, n in sorted(stats.dropped.items()):
        err_console.print(_("{source}: messages dropped (not syslog): {count}").format(
            source=key, count=n), soft_wrap=True, highlight=False)
    c = stats.syslog
    if c.messages or c.overlong or c.garbage or c.refused or c.idle_closed or c.tls_failed:
        err_console.print(_("syslog: messages {messages}, too long {overlong}, garbled frames "
                            "{garbage}, connections refused {refused}, closed idle {idle}, "
                            "failed TLS handshakes {tls}").format(
            messages=c.messages, overlong=c.overlong, garbage=c.garbage, refused=c.refused,
            idle=c.idle_closed, tls=c.tls_failed), soft_wrap=True, highlight=False)
    err_console.print(_("Detections: {count}.").format(count=stats.detections), highlight=False)
    if stats.sink_errors:
        err_console.print(_("Batches of detections that could not be handed on: {count} ({error})").format(
            count=stats.sink_errors, error=stats.last_sink_error), soft_wrap=True, highlight=False)


def _run(ctx: typer.Context, config: LiveConfig, options: SinkOptions,
         sink_factory: SinkFactory, detector_factory: DetectorFactory) -> None:
    try:
        detector = detector_factory()
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    sink = sink_factory(ctx, options)

    def ready(stats: LiveStats) -> None:
        for where in stats.listening:
            err_console.print(_("Listening for syslog: {where}").format(where=where), highlight=False)
        if config.files:
            err_console.print(_("Following files: {count} (Ctrl-C to stop).").format(
                count=len(config.files)), highlight=False)

    async def main() -> LiveStats:
        return await run_live(config, detector, sink, asyncio.Event(), ready=ready)

    try:
        stats = run_async(main())
    except ValueError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(str(exc), ExitCode.UNAVAILABLE) from None
    except StoppedError:
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    finally:
        close = getattr(sink, "close", None)
        if callable(close):
            close()  # the store's sink: its thread ends once the last batch is stored
    _summary(stats)


def register_live_commands(app: typer.Typer, sink_factory: SinkFactory = json_lines_sink,
                           detector_factory: DetectorFactory = rule_detector) -> None:
    """Add ``follow`` and ``listen`` to the ``logs`` group, detections going to the sink."""

    @app.command("follow", help=N_(
        "Follow log files as they grow (rotation included) and report attacks as they happen."))
    def follow(
        ctx: typer.Context,
        files: Annotated[list[Path], typer.Argument(metavar="FILE...", help=N_(
            "Log files to follow (they may not exist yet)"))],
        fmt: Annotated[str | None, typer.Option("--format", help=N_(
            "The files' format (nginx, apache, iis, postfix, dovecot, sshd...); default: detect"))] = None,
        tz: Annotated[str | None, typer.Option("--tz", help=N_(
            "Time zone of times written without an offset; default: this computer's"))] = None,
        state_file: Annotated[Path | None, typer.Option("--state", help=N_(
            "File keeping the read positions, so a restart resumes without loss"))] = None,
        from_start: Annotated[bool, typer.Option("--from-start", help=N_(
            "Read existing files from their start (default: only new lines)"))] = False,
        poll: Annotated[float, typer.Option("--poll", min=0.01, help=N_(
            "Seconds between two looks at the files"))] = 0.25,
        agency: AgencyOption = None,
        inventory: InventoryOption = None,
        alert_min_severity: SeverityOption = "medium",
    ) -> None:
        zone = _zone(tz)
        config = LiveConfig(
            files=tuple(FollowedFile(p, fmt, zone) for p in files), state_file=state_file,
            start_at_end=not from_start, poll_interval=poll)
        _run(ctx, config, SinkOptions(agency, inventory, alert_min_severity), sink_factory,
             detector_factory)

    @app.command("listen", help=N_(
        "Receive syslog (RFC 3164/5424 over UDP, TCP, TLS) from agency servers and report attacks."))
    def listen(
        ctx: typer.Context,
        udp: Annotated[list[str] | None, typer.Option("--udp", metavar="HOST:PORT", help=N_(
            "Listen for syslog over UDP here (repeatable)"))] = None,
        tcp: Annotated[list[str] | None, typer.Option("--tcp", metavar="HOST:PORT", help=N_(
            "Listen for syslog over TCP here (repeatable)"))] = None,
        tls: Annotated[list[str] | None, typer.Option("--tls", metavar="HOST:PORT", help=N_(
            "Listen for syslog over TLS here (repeatable; needs --cert and --key)"))] = None,
        cert: Annotated[Path | None, typer.Option("--cert", help=N_(
            "TLS: the server's certificate chain (PEM)"))] = None,
        key: Annotated[Path | None, typer.Option("--key", help=N_(
            "TLS: the server's private key (PEM)"))] = None,
        client_ca: Annotated[Path | None, typer.Option("--client-ca", help=N_(
            "TLS: require client certificates signed by this CA (PEM)"))] = None,
        tz: Annotated[str | None, typer.Option("--tz", help=N_(
            "Time zone of the senders' RFC 3164 times; default: this computer's"))] = None,
        sender: Annotated[list[str] | None, typer.Option("--sender", metavar="ADDRESS=NAME[:FORMAT]",
            help=N_("Name a sender's source (and force its format) (repeatable)"))] = None,
        max_connections: Annotated[int, typer.Option("--max-connections", min=1, help=N_(
            "At most this many TCP/TLS connections at once"))] = 256,
        idle_timeout: Annotated[float, typer.Option("--idle-timeout", min=1, help=N_(
            "Close TCP/TLS connections silent for this many seconds"))] = 300.0,
        agency: AgencyOption = None,
        inventory: InventoryOption = None,
        alert_min_severity: SeverityOption = "medium",
    ) -> None:
        if not (udp or tcp or tls):
            raise fail(_("give at least one of --udp, --tcp, --tls"))
        if tls and (cert is None or key is None):
            raise fail(_("--tls needs --cert and --key"))
        server = SyslogServerConfig(
            udp=_endpoints(udp or []), tcp=_endpoints(tcp or []), tls=_endpoints(tls or []),
            cert=cert, key=key, client_ca=client_ca, max_connections=max_connections,
            idle_timeout=idle_timeout)
        config = LiveConfig(syslog=server, syslog_tz=_zone(tz), senders=_senders(sender or []))
        _run(ctx, config, SinkOptions(agency, inventory, alert_min_severity), sink_factory,
             detector_factory)
