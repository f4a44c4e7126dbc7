"""``canhgac watch run|status`` and ``canhgac alerts list|ack`` end to end: the daemon in a
subprocess watches a small loopback province, stops cleanly on SIGTERM, and what it stored is
read back and acknowledged; bad input is one clear line."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from e2e_support import GUARD_MARK, run_cli, start_cli

from watch_province_support import MONITORS, WatchProvince, province

__all__ = ["province"]  # the fixture (watch_province_support: the small loopback province)

def _en(ws: Path, *args: str | Path) -> tuple[str | Path, ...]:
    """The arguments of ``canhgac --workspace WS --lang en ARGS...``: one command, in English."""
    return ("--workspace", ws, "--lang", "en", *args)


def test_the_daemon_watches_stops_on_sigterm_and_its_alerts_are_acknowledged(
    province: WatchProvince, tmp_path: Path
) -> None:
    inventory, resolver, ca = province
    ws = tmp_path / "ws"
    watch = _en(ws, "watch", "run", "--inventory", inventory, "--interval", "5", "--resolver", resolver,
                "--ca-file", ca, "--ca-only")
    daemon = start_cli(*watch, output=tmp_path / "daemon")
    try:
        started = time.monotonic() + 90  # a loaded machine takes seconds to import and migrate
        while "Watching" not in (tmp_path / "daemon.err").read_text(encoding="utf-8"):
            assert daemon.poll() is None and time.monotonic() < started, "the daemon did not start"
            time.sleep(0.2)
        time.sleep(8)  # every monitor checked at least once (5 s interval), SO-B's certificate alert opened
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(30)
    err = (tmp_path / "daemon.err").read_text(encoding="utf-8")
    assert code == 0, err
    assert f"Watching {MONITORS} monitors" in err and "Watch stopped:" in err and GUARD_MARK not in err
    assert "Traceback" not in err

    status = run_cli(*_en(ws, "watch", "status"), columns=250)
    assert status.code == 0, status.describe()
    assert "www.so-a.gov.test" in status.stdout and "www.so-b.gov.test" in status.stdout
    assert "up" in status.stdout and "down" in status.stdout and "Open alerts" in status.stdout

    listed = run_cli(*_en(ws, "alerts", "list", "--format", "json"))
    assert listed.code == 0, listed.describe()
    alerts = json.loads(listed.stdout)
    cert = next(a for a in alerts if "certificate" in a["problem"])
    assert (
        cert["agencies"] == ["SO-B"] and cert["status"] == "open" and cert["timeline"][0]["step"] == "opened"
    )

    acked = run_cli(*_en(ws, "alerts", "ack", str(cert["id"]), "--note", "on it"))
    assert acked.code == 0 and f"Alert {cert['id']} acknowledged" in acked.stdout, acked.describe()
    again = run_cli(*_en(ws, "alerts", "ack", str(cert["id"])))
    assert again.code == 0 and "already acknowledged" in again.stdout
    missing = run_cli(*_en(ws, "alerts", "ack", "99999"))
    assert missing.code != 0 and "no alert 99999" in missing.stderr

    planned = run_cli(*_en(ws, "watch", "maintenance", "add", "--agency", "SO-B",
                           "--start", "2027-02-05T00:00+07:00", "--end", "2027-02-05T06:00+07:00",
                           "--reason", "upgrade"))
    assert planned.code == 0 and "Maintenance window 1 planned" in planned.stdout, planned.describe()
    windows = run_cli(*_en(ws, "watch", "maintenance", "list"), columns=250)
    assert windows.code == 0 and "SO-B" in windows.stdout and "upgrade" in windows.stdout, windows.describe()
    backwards = run_cli(*_en(ws, "watch", "maintenance", "add", "--start", "2027-02-05T06:00+07:00",
                             "--end", "2027-02-05T00:00+07:00"))
    assert backwards.code != 0 and "must end after it starts" in backwards.stderr

    vietnamese = run_cli("--workspace", ws, "alerts", "list", columns=250)
    assert vietnamese.code == 0 and "Cảnh báo" in vietnamese.stdout, vietnamese.describe()


def test_bad_input_is_one_clear_line(province: WatchProvince, tmp_path: Path) -> None:
    inventory, resolver, _ = province
    ws = tmp_path / "ws"
    nothing = run_cli(*_en(ws, "--create", "watch", "run", "--resolver", resolver))
    assert nothing.code != 0 and "no inventory has been applied" in nothing.stderr, nothing.describe()
    naive = run_cli(*_en(ws, "watch", "run", "--inventory", inventory, "--holiday-start", "2027-02-05",
                         "--holiday-end", "2027-02-10"))
    assert naive.code != 0 and "time zone" in naive.stderr, naive.describe()
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nagencies: [\n", encoding="utf-8")
    bad = run_cli(*_en(ws, "watch", "run", "--inventory", broken))
    assert bad.code != 0 and "Traceback" not in bad.stderr and "broken.yaml" in bad.stderr, bad.describe()
    empty = run_cli(*_en(ws, "watch", "status"))
    assert empty.code == 0 and "No monitors yet" in empty.stdout
