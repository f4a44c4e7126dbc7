"""``canhgac watch run`` delivers too, in real time: the daemon watching a small loopback province
(SO-B's portal at an address where nothing listens) mails the certificate alert it opens to the
person on duty of the imported roster, through a local SMTP sink (STARTTLS and AUTH), within the
interval + 10 s; nobody acknowledges, and the backup gets it when the escalation's minutes are
up. A broken [watch] table is one clear line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from loopback_support import random_loopback
from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink

from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route

T = TypeVar("T")
CLI = (
    "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
    "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
)
INVENTORY = """version: 1
province: {{code: LAB, name: "Tỉnh thử nghiệm"}}
scope: {{public_suffixes: [gov.test], loopback_only: true}}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    portals: ["https://www.so-a.gov.test:{port}/"]
  - code: SO-B
    name: "Sở B"
    kind: department
    portals: ["https://www.so-b.gov.test:{port}/"]
"""
INTERVAL = 5
ESCALATION = 15  # seconds (escalation-minutes = 0.25)
ROSTER = """person,role,start,end,email
Trực ban An,on-duty,2020-01-01 00:00,2099-01-01 00:00,truc-ban@stttt.test
Dự phòng Bình,backup,2020-01-01 00:00,2099-01-01 00:00,du-phong@stttt.test
"""


class _Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    folder = tmp_path_factory.mktemp("watch-delivery-province")
    web, dead = random_loopback(), random_loopback()
    background = _Loop()
    site = LabHttpsServer(address=web, cert=certificate("www.so-a.gov.test", CertSpec()),
                          routes={"/": Route.text("<html><title>Sở A</title></html>",
                                                  content_type="text/html; charset=utf-8")})
    background.run(site.start())
    zone = (f"$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
            f"www.so-a IN A {web}\nwww.so-b IN A {dead}\n")
    dns = LabDnsServer(zones={"gov.test": zone}, address=random_loopback())
    background.run(dns.start())
    inventory = folder / "inventory.yaml"
    inventory.write_text(INVENTORY.format(port=site.port), encoding="utf-8")
    try:
        yield inventory, f"{dns.address}:{dns.port}", lab_ca().write_ca(folder)
    finally:
        background.run(dns.stop())
        background.run(site.stop())
        background.close()


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
    province: tuple[Path, str, Path], tmp_path: Path
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


def test_a_broken_watch_table_is_one_clear_line(province: tuple[Path, str, Path], tmp_path: Path) -> None:
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
