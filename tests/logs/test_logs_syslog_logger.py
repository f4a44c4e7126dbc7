"""A real sender: util-linux ``logger`` sends RFC 5424 and RFC 3164 messages over UDP and TCP
(LF framing, and octet counting with ``--octet-count``) to the listener on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime

import pytest

from canhgac.logs.syslog_parse import parse_syslog
from canhgac.logs.syslog_server import Endpoint, SyslogServer, SyslogServerConfig

LOGGER = shutil.which("logger")
pytestmark = pytest.mark.skipif(LOGGER is None, reason="util-linux logger is not installed")

CASES = [
    ("udp", ["--udp", "--rfc5424"]),
    ("udp", ["--udp", "--rfc3164"]),
    ("tcp", ["--tcp", "--rfc5424"]),
    ("tcp", ["--tcp", "--rfc3164"]),
    ("tcp", ["--tcp", "--rfc5424", "--octet-count"]),
]


@pytest.mark.parametrize(("transport", "flags"), CASES)
async def test_logger_reaches_the_listener(transport: str, flags: list[str]) -> None:
    got: list[tuple[bytes, str]] = []
    server = SyslogServer(SyslogServerConfig(**{transport: (Endpoint("127.0.0.1", 0),)},  # type: ignore[arg-type]
                                             loopback_only=True), lambda d, s: got.append((d, s)))
    await server.start()
    try:
        port = server.bound[0][1].port
        assert LOGGER is not None
        proc = await asyncio.create_subprocess_exec(
            LOGGER, "--server", "127.0.0.1", "--port", str(port), *flags, "-t", "sshd",
            "-p", "auth.warning", "Failed password for root from 203.0.113.9 port 4242 ssh2")
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        for _ in range(500):
            if got:
                break
            await asyncio.sleep(0.01)
    finally:
        await server.close()
    assert len(got) == 1, got
    data, sender = got[0]
    m = parse_syslog(data, received=datetime.now(UTC), sender=sender, tz=UTC)
    assert m.program == "sshd"
    assert (m.facility, m.severity) == (4, 4)
    assert m.message == "Failed password for root from 203.0.113.9 port 4242 ssh2"
    assert m.rfc5424 == ("--rfc5424" in flags)
    assert abs((m.time - datetime.now(UTC)).total_seconds()) < 3600 * 24
