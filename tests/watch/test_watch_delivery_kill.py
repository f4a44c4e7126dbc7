"""Issue 14's delivery guarantee, end to end: alerts queued while the mail channel is down survive
a SIGKILL of the delivery process, and once the channel is back every alert reaches every
recipient exactly once.

``canhgac watch deliver`` runs as a real subprocess against a store in a temporary workspace and
an SMTP server on 127.0.0.1 that is not started yet (connection refused). Alerts are opened before
it starts, while it runs, and while it is dead; it is killed (SIGKILL) after it has tried and
failed, restarted, and only then the sink (aiosmtpd, STARTTLS and AUTH required) starts. The sink
must receive one message per (alert, recipient): none lost, none doubled.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink

PRELUDE = "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
CLI = PRELUDE + "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
SEED = PRELUDE + """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]))
migrate()
from canhgac.console.store.watch_store import DjangoWatchStore
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.rules import Health, MonitorState, OpenAlert
for n in range(int(sys.argv[2]), int(sys.argv[3])):
    url = f"https://portal-{n}.so-a.gov.test/"
    monitor = Monitor(MonitorKind.HTTP, url, "SO-A", 60.0)
    at = datetime(2027, 2, 6, tzinfo=UTC) + timedelta(minutes=n)
    key = f"{monitor.key}@{at.isoformat()}"
    opened = OpenAlert(key, monitor.key, "down", "high", {"target": url, "reason": "refused"}, "", at)
    DjangoWatchStore().commit(monitor, MonitorState(monitor.key, health=Health.DOWN, alert=key), [opened])
"""
RECIPIENTS = ("an@stttt.test", "binh@stttt.test")
DEADLINE = 60.0


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "CANHGAC_TEST_SMTP_PASSWORD": PASSWORD}


def _settings(workspace: Path, port: int, ca_file: Path, recipients: tuple[str, ...] = RECIPIENTS,
              timeout: float = 2) -> None:
    people = "".join(
        f'[[watch.recipients]]\nname = "Người {i}"\nemail = "{address}"\n\n'
        for i, address in enumerate(recipients)
    )
    (workspace / "canhgac.toml").write_text(
        f"""[watch]
console-url = "http://127.0.0.1:8000"
retry-first = 0.5
retry-max = 1.5
poll = 0.2

[watch.email]
host = "127.0.0.1"
port = {port}
sender = "canhgac@stttt.test"
user = "{USER}"
password-env = "CANHGAC_TEST_SMTP_PASSWORD"
ca-file = "{ca_file}"
timeout = {timeout}

{people}""",
        encoding="utf-8",
    )


def _seed(workspace: Path, start: int, end: int) -> None:
    done = subprocess.run([sys.executable, "-c", SEED, str(workspace), str(start), str(end)],
                          capture_output=True, text=True, env=_env(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def _deliver(workspace: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", CLI, "--workspace", str(workspace), "--lang", "en",
                                 "watch", "deliver"], stdout=out, stderr=out, env=_env())


def _rows(workspace: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(workspace / "canhgac.sqlite3", timeout=10) as db:
        return list(db.execute("SELECT status, attempts FROM store_watchdelivery"))


def _uncertain(workspace: Path) -> list[int]:
    with sqlite3.connect(workspace / "canhgac.sqlite3", timeout=10) as db:
        return [n for (n,) in db.execute("SELECT uncertain FROM store_watchdelivery")]


def _wait(what: str, ok: object, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if ok():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; log:\n{log.read_text(errors='replace')[-4000:]}")


def test_alerts_queued_while_the_channel_is_down_survive_a_kill_and_arrive_once(tmp_path: Path) -> None:
    workspace, log = tmp_path / "ws", tmp_path / "deliver.log"
    workspace.mkdir()
    tls, port = pki(tmp_path), free_port()
    _settings(workspace, port, tls.ca_file)
    _seed(workspace, 0, 5)  # queued before the delivery process starts

    first = _deliver(workspace, log)
    try:
        _wait("attempts against the closed port", lambda: sum(a for _s, a in _rows(workspace)) >= 4, log)
        _seed(workspace, 5, 8)  # opened while it runs and the channel is down
        _wait("the new alerts queued", lambda: len(_rows(workspace)) == 16, log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    assert not any(status == "sent" for status, _a in _rows(workspace))
    tried = sum(a for _s, a in _rows(workspace))
    _seed(workspace, 8, 10)  # opened while no delivery process runs

    second = _deliver(workspace, log)
    try:
        _wait("retries after the restart", lambda: sum(a for _s, a in _rows(workspace)) > tried + 1, log)
        with smtp_sink(tls, port) as sink:
            _wait("every delivery sent", lambda: all(s == "sent" for s, _a in _rows(workspace))
                  and len(_rows(workspace)) == 20, log)
            time.sleep(1.5)  # would anything come twice?
            received = list(sink.received)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    assert second.returncode == 0, log.read_text(errors="replace")[-3000:]

    per_recipient = Counter((r.to[0], r.mail["Subject"].split(" · ")[0]) for r in received)
    expected = {(to, f"[canhgac] Cảnh báo #{n}") for to in RECIPIENTS for n in range(1, 11)}
    assert set(per_recipient) == expected
    assert all(count == 1 for count in per_recipient.values()), per_recipient
    assert len({r.message_id for r in received}) == len(received) == 20

    cli = [sys.executable, "-c", CLI, "--workspace", str(workspace)]
    listed = subprocess.run([*cli, "alerts", "deliveries", "--format", "json"], capture_output=True,
                            text=True, env=_env(), timeout=60, check=False)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 20 and {r["status"] for r in rows} == {"sent"}
    assert all(r["attempts"] >= 2 for r in rows if r["alert"] == 1)  # the first one was tried while down
    table = subprocess.run([*cli, "alerts", "deliveries"], capture_output=True, text=True,
                           env=_env() | {"COLUMNS": "200"}, timeout=60, check=False)
    assert table.returncode == 0 and "Tin cảnh báo" in table.stdout, table.stderr


def test_the_residual_window_killed_after_the_server_took_it_sends_again(tmp_path: Path) -> None:
    """docs/watch.md's honest limit: killed after the server queued a message and before the
    "sent" commit, the delivery is sent again when its lease expires (at least once), with the
    same Message-ID, and counted uncertain. Not exactly once, and said so."""
    workspace, log = tmp_path / "ws", tmp_path / "deliver.log"
    workspace.mkdir()
    tls, port = pki(tmp_path), free_port()
    _settings(workspace, port, tls.ca_file, recipients=RECIPIENTS[:1], timeout=3)  # lease 2 × 3 + 5 s
    _seed(workspace, 0, 1)
    with smtp_sink(tls, port) as sink:
        sink.stall = 20.0  # the first message is queued, its "250" held back
        first = _deliver(workspace, log)
        try:
            _wait("the message queued at the sink, not yet acknowledged to the client",
                  lambda: len(sink.received) == 1 and _rows(workspace) == [("sending", 1)], log)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        second = _deliver(workspace, log)
        try:
            _wait("the lease expired and the message sent again",
                  lambda: _rows(workspace) == [("sent", 2)], log)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(15)
        received = list(sink.received)
    assert len(received) == 2 and received[0].message_id == received[1].message_id  # a recognisable copy
    assert _uncertain(workspace) == [1]
