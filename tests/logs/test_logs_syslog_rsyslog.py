"""A real forwarder: rsyslog (Debian's ``rsyslogd``) reads a log file with ``imfile`` and forwards
it with ``omfwd`` to the listener on 127.0.0.1, as an agency server would (docs/logs.md "Live"):
over TCP with octet counting and RFC 5424 (``RSYSLOG_SyslogProtocol23Format``), and over UDP in
rsyslog's default forward format (RFC 3164 with its precise timestamp).

``rsyslogd`` is the installed one, or an unpacked Debian package named by
``CANHGAC_TEST_RSYSLOGD`` (``apt-get download rsyslog libestr0 libfastjson4 liblognorm5`` and
``dpkg -x`` each into one folder: its ``usr/sbin/rsyslogd``); skipped when there is none."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.logs.syslog_parse import parse_syslog
from canhgac.logs.syslog_server import Endpoint, SyslogServer, SyslogServerConfig

RSYSLOGD = os.environ.get("CANHGAC_TEST_RSYSLOGD") or shutil.which("rsyslogd")
pytestmark = pytest.mark.skipif(RSYSLOGD is None, reason="rsyslogd is not installed "
                                "(or set CANHGAC_TEST_RSYSLOGD to an unpacked Debian rsyslog)")

LINES = [f"Failed password for root from 203.0.113.9 port {4000 + i} ssh2" for i in range(5)]


def command(conf: Path, work: Path) -> tuple[list[str], dict[str, str]]:
    assert RSYSLOGD is not None
    binary = Path(RSYSLOGD).resolve()
    root = binary.parents[2]  # <root>/usr/sbin/rsyslogd
    env = dict(os.environ)
    args = [str(binary), "-n", "-f", str(conf), "-i", str(work / "rsyslogd.pid")]
    modules = root / "usr" / "lib" / "x86_64-linux-gnu" / "rsyslog"
    if root != Path("/") and modules.is_dir():  # an unpacked package, not the installed one
        args += ["-M", str(modules)]
        env["LD_LIBRARY_PATH"] = str(root / "usr" / "lib" / "x86_64-linux-gnu")
    return args, env


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_rsyslog_forwards_a_followed_file_to_the_listener(tmp_path: Path, transport: str) -> None:
    got: list[tuple[bytes, str]] = []
    server = SyslogServer(SyslogServerConfig(**{transport: (Endpoint("127.0.0.1", 0),)},  # type: ignore[arg-type]
                                             loopback_only=True), lambda d, s: got.append((d, s)))
    await server.start()
    log, work, conf = tmp_path / "auth.log", tmp_path / "work", tmp_path / "rsyslog.conf"
    work.mkdir()
    log.touch()
    framing = ('TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"'
               if transport == "tcp" else 'template="RSYSLOG_ForwardFormat"')
    conf.write_text(
        f'global(workDirectory="{work}")\n'
        'module(load="imfile" PollingInterval="1")\n'
        f'input(type="imfile" File="{log}" Tag="sshd" Facility="auth" Severity="warning")\n'
        f'action(type="omfwd" target="127.0.0.1" port="{server.bound[0][1].port}" '
        f'protocol="{transport}" {framing})\n')
    args, env = command(conf, work)
    proc = await asyncio.create_subprocess_exec(*args, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.sleep(1)  # imfile starts watching
        log.write_text("".join(f"{line}\n" for line in LINES))
        for _ in range(3000):
            if len(got) >= len(LINES) or proc.returncode is not None:
                break
            await asyncio.sleep(0.01)
    finally:
        if proc.returncode is None:
            proc.terminate()
        assert proc.stderr is not None
        err = (await asyncio.wait_for(proc.stderr.read(), 30)).decode(errors="replace")
        await asyncio.wait_for(proc.wait(), 30)
        await server.close()
    assert len(got) == len(LINES), err
    for (data, sender), line in zip(got, LINES, strict=True):
        m = parse_syslog(data, received=datetime.now(UTC), sender=sender, tz=UTC)
        assert (m.program, m.facility, m.severity, m.message) == ("sshd", 4, 4, line)
        assert m.rfc5424 == (transport == "tcp")
        assert abs((m.time - datetime.now(UTC)).total_seconds()) < 600
