"""``canhgac serve`` runs the holiday watch in its own process on the store's inventory (the small
loopback province of ``watch_province_support``), says so, stores what it checks, delivers its alerts to
the person on duty through the settings file's [watch] channels (a local SMTP sink), and stops
it with the console on SIGTERM; ``--no-watch`` leaves it off, delivery too (as the test suite
does everywhere else)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_support import GUARD_MARK, _env, run_cli, start_cli

from watch_province_support import MONITORS, WatchProvince, province

__all__ = ["province"]  # the fixture

pytestmark = pytest.mark.timeout(300)

STORE_INVENTORY = """
import sys
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.inventory.loader import load_inventory
from canhgac.services.inventory_store import record_scanned_file
path = Path(sys.argv[2])
record_scanned_file(load_inventory(path), path, actor="test")
"""


def _workspace(tmp_path: Path, inventory: Path, resolver: str, ca: Path) -> Path:
    """A workspace whose store holds the province's inventory, with its scan settings."""
    ws = tmp_path / "ws"
    ws.mkdir()
    host, port = resolver.rsplit(":", 1)
    (ws / "canhgac.toml").write_text(
        f'[scan]\nresolver = ["{host}"]\nnameserver-port = {port}\nca-file = "{ca}"\nca-only = true\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", STORE_INVENTORY, str(ws), str(inventory)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return ws


def _serve(
    ws: Path, tmp_path: Path, *flags: str, wait_for: str, until: Callable[[], bool] | None = None
) -> str:
    """Serve until ``wait_for`` is in its error output and 8 more seconds (or, with ``until``, until
    it is true, at most 30 s), then SIGTERM; its error output."""
    from console_server_support import free_port

    log = tmp_path / "serve"
    process = start_cli(
        "--workspace", ws, "--lang", "en", "serve", "--port", str(free_port()), *flags, output=log
    )
    try:
        deadline = time.monotonic() + 120
        while wait_for not in log.with_suffix(".err").read_text(encoding="utf-8"):
            assert process.poll() is None and time.monotonic() < deadline, log.with_suffix(".err").read_text()
            time.sleep(0.2)
        if until is None:
            time.sleep(8)  # every monitor checked at least once (5 s interval)
        else:
            ends = time.monotonic() + 30
            while not until() and time.monotonic() < ends:
                time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    err = log.with_suffix(".err").read_text(encoding="utf-8")
    assert GUARD_MARK not in err and "Traceback" not in err, err[-3000:]
    return err


def test_serve_runs_the_watch_and_stops_it(province: WatchProvince, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    ws = _workspace(tmp_path, *province)
    err = _serve(ws, tmp_path, "--watch", "--watch-interval", "5", wait_for=f"Watching {MONITORS} monitors")
    assert "Watch stopped." in err
    status = run_cli("--workspace", ws, "--lang", "en", "watch", "status", columns=250)
    assert status.code == 0, status.describe()
    assert "www.so-a.gov.test" in status.stdout and "up" in status.stdout and "down" in status.stdout


def test_no_watch_leaves_it_off(province: WatchProvince, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    ws = _workspace(tmp_path, *province)
    err = _serve(ws, tmp_path, "--no-watch", wait_for="Started server process")
    assert "Watching" not in err and "Watch stopped" not in err and "Delivering" not in err
    status = run_cli("--workspace", ws, "--lang", "en", "watch", "status")
    assert "No monitors yet" in status.stdout, status.describe()


def test_without_an_inventory_the_console_serves_and_says_why(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    ws = tmp_path / "empty"
    err = _serve(ws, tmp_path, "--watch", "--create", wait_for="The watch is not running")
    assert "no inventory yet" in err


def test_serve_delivers_the_watch_alerts_to_the_person_on_duty(
    province: WatchProvince, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    sys.path.insert(0, str(Path(__file__).parents[1] / "watch"))
    from watch_sink_support import (
        ON_DUTY_ROSTER,
        PASSWORD,
        PASSWORD_ENV,
        email_settings,
        free_port,
        pki,
        smtp_sink,
    )

    ws = _workspace(tmp_path, *province)
    tls, port = pki(tmp_path), free_port()
    with (ws / "canhgac.toml").open("a", encoding="utf-8") as settings:
        settings.write(email_settings(port, tls.ca_file))
    (tmp_path / "tet.csv").write_text(ON_DUTY_ROSTER, encoding="utf-8")
    imported = run_cli("--workspace", ws, "duty", "import", tmp_path / "tet.csv")
    assert imported.code == 0, imported.describe()
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with smtp_sink(tls, port) as sink:
        err = _serve(ws, tmp_path, "--watch", "--watch-interval", "5",
                     wait_for="Delivering alerts to 0 recipients and the duty roster through email",
                     until=lambda: any("www.so-b.gov.test" in m.text for m in sink.received))
        received = list(sink.received)
    assert f"Watching {MONITORS} monitors" in err and "Watch stopped." in err
    assert received, f"serve's watch mailed nobody: {err[-3000:]}"
    # the portal that is down (on a busy machine another monitor may fail a check first)
    down = [m for m in received if "www.so-b.gov.test" in m.text]
    assert down, f"no alert about the portal that is down: {[m.text[:200] for m in received]}"
    first = down[0]
    assert first.to == ["truc-ban@stttt.test"]  # the person on duty, told by the console's process
    assert "www.so-b.gov.test" in first.text and "/alerts/ack/" in first.text
