"""``canhgac watch run`` delivers too, in real time: the daemon watching a small loopback province
(SO-B's portal at an address where nothing listens) mails the certificate alert it opens to the
person on duty of the imported roster, through a local SMTP sink (STARTTLS and AUTH), within the
interval + 10 s; nobody acknowledges, and the backup gets it when the escalation's minutes are
up. A broken [watch] table is one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink

from watch_province_support import WatchProvince, province

__all__ = ["province"]  # the fixture (watch_province_support: the small loopback province)
CLI = (
    "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
    "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
)
INTERVAL = 5
ESCALATION = 15  # seconds (escalation-minutes = 0.25)
ROSTER = """person,role,start,end,email
Trực ban An,on-duty,2020-01-01 00:00,2099-01-01 00:00,truc-ban@stttt.test
Dự phòng Bình,backup,2020-01-01 00:00,2099-01-01 00:00,du-phong@stttt.test
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200",
                  "CANHGAC_TEST_SMTP_PASSWORD": PASSWORD}


def _settings(ws: Path, port: int, ca_file: Path) -> None:
    ws.mkdir(parents=True, exist_ok=True)
    (ws / "canhgac.toml").write_text(f"""[watch]
console-url = "http://127.0.0.1:8000"
poll = 0.5
escalation-minutes = 0.25

[watch.email]
host = "127.0.0.1"
port = {port}
sender = "canhgac@stttt.test"
user = "{USER}"
password-env = "CANHGAC_TEST_SMTP_PASSWORD"
ca-file = "{ca_file}"

[[watch.recipients]]
name = "Cán bộ Sở A"
email = "so-a@stttt.test"
agencies = ["SO-A"]
""", encoding="utf-8")


def test_the_daemon_mails_the_alert_it_opens_within_the_interval(
    province: WatchProvince, tmp_path: Path
) -> None:
    inventory, resolver, ca = province
    ws, err = tmp_path / "ws", tmp_path / "daemon.err"
    tls, port = pki(tmp_path), free_port()
    _settings(ws, port, tls.ca_file)
    (tmp_path / "tet.csv").write_text(ROSTER, encoding="utf-8")
    args = [sys.executable, "-c", CLI, "--workspace", str(ws), "--create", "duty", "import",
            str(tmp_path / "tet.csv")]
    imported = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=120, check=False)
    assert imported.returncode == 0, imported.stderr
    with smtp_sink(tls, port) as sink, err.open("wb") as err_file:
        daemon = subprocess.Popen(
            [sys.executable, "-c", CLI, "--workspace", str(ws), "--lang", "en", "watch", "run",
             "--inventory", str(inventory), "--interval", str(INTERVAL), "--resolver", resolver,
             "--ca-file", str(ca), "--ca-only"],
            stdout=subprocess.DEVNULL, stderr=err_file, env=_env())
        try:
            deadline = time.monotonic() + 90  # a loaded machine takes seconds to import and migrate
            while "Watching" not in err.read_text(encoding="utf-8"):
                assert daemon.poll() is None and time.monotonic() < deadline, err.read_text(encoding="utf-8")
                time.sleep(0.1)
            ready = time.monotonic()
            while not sink.received and time.monotonic() < ready + INTERVAL + 10:
                time.sleep(0.1)
            first_at = time.monotonic()
            while len({r.to[0] for r in sink.received}) < 2 and time.monotonic() < first_at + ESCALATION + 9:
                time.sleep(0.1)
            backup_at = time.monotonic()
            received = list(sink.received)
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(30)
    said = err.read_text(encoding="utf-8")
    assert code == 0 and "Delivering alerts to 1 recipient and the duty roster through email" in said, said
    assert received, f"no alert mailed within {INTERVAL + 10} s: {said}"
    first = received[0]
    assert first.to == ["truc-ban@stttt.test"]  # on duty; the SO-A officer is not told about SO-B
    assert "Cơ quan: SO-B" in first.text and "www.so-b.gov.test" in first.text
    assert "/alerts/ack/" in first.text and "trực chính" in first.text
    backup = [r for r in received if r.to == ["du-phong@stttt.test"]]
    assert len(backup) == 1, f"the backup was not told within {ESCALATION + 10} s: {said}"
    assert backup_at - first_at >= ESCALATION - 3  # not before its time (the loop looks every 0.5 s)
    assert "Không được xác nhận sau 0,25 phút" in backup[0].text
    assert "trực dự phòng" in backup[0].text
    assert {r.to[0] for r in received} == {"truc-ban@stttt.test", "du-phong@stttt.test"}


def test_a_broken_watch_table_is_one_clear_line(province: WatchProvince, tmp_path: Path) -> None:
    inventory, resolver, _ = province
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "canhgac.toml").write_text('[watch.email]\nhost = "h"\nsender = "a@b"\npassword = "x"\n',
                                     encoding="utf-8")
    for command in (["watch", "run", "--inventory", str(inventory), "--resolver", resolver],
                    ["watch", "deliver"]):
        args = [sys.executable, "-c", CLI, "--workspace", str(ws), "--create", "--lang", "en", *command]
        done = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "never written in the settings file" in done.stderr and "canhgac.toml" in done.stderr
