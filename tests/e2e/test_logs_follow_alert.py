"""Issue 18 end to end, in real time and separate processes: an SSH brute force written into a
log that ``canhgac logs follow`` follows reaches the on-duty person's mailbox within 5 s.

The agency SO-A declares its ``auth.log`` in the inventory (applied to the store); the duty
roster names the person on duty; ``canhgac watch deliver`` delivers the watch's alerts through
the settings file's ``[watch.email]`` (a local SMTP sink with STARTTLS and AUTH,
``watch_sink_support``); ``canhgac logs follow`` reads the log, stores the detection as SO-A's
finding and opens its alert at once (docs/logs.md, "Alerts"). The test appends ten failed
passwords from one address at once and times the mail from the moment they are written.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from e2e_support import GUARD_MARK, _env, run_cli, start_cli

pytestmark = pytest.mark.timeout(300)

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "watch"))
from watch_sink_support import (  # noqa: E402
    ON_DUTY_ROSTER,
    PASSWORD,
    PASSWORD_ENV,
    email_settings,
    free_port,
    pki,
    smtp_sink,
)

BUDGET = 5.0  # seconds from the attack written to the alert in the mailbox (the bound)
INVENTORY = """version: 1
province: {{code: LAB, name: "Tỉnh thử nghiệm"}}
scope: {{public_suffixes: [gov.test], loopback_only: true}}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    domains: [so-a.gov.test]
    logs:
      - {{path: "{log}", format: sshd, timezone: Asia/Ho_Chi_Minh}}
  - code: SO-B
    name: "Sở B"
    kind: department
    domains: [so-b.gov.test]
"""
STORE_INVENTORY = """
import sys
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.inventory.loader import load_inventory
from canhgac.services.inventory_store import apply_file
path = Path(sys.argv[2])
apply_file(load_inventory(path), path, actor="test")  # as ``canhgac scan -i`` leaves the store
"""


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    err = log.with_suffix(".err")
    while text not in (said := err.read_text(encoding="utf-8") if err.exists() else ""):
        assert process.poll() is None, f"exited {process.returncode}: {said[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in: {said[-3000:]}"
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes], log: Path) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    err = log.with_suffix(".err").read_text(encoding="utf-8")
    assert GUARD_MARK not in err and "Traceback" not in err, err[-3000:]
    return err


def _attack(when: datetime) -> str:
    """Ten failed passwords for root from one address, as Debian's sshd writes them (local time)."""
    stamp = f"{when:%b} {when.day:2d} {when:%H:%M:%S}"  # syslog's day, padded with a space
    return "".join(
        f"{stamp} so-a-web sshd[{4100 + n}]: Failed password for root from 203.0.113.77"
        f" port {40000 + n} ssh2\n"
        for n in range(10)
    )


def test_an_attack_in_a_followed_log_reaches_the_on_duty_mailbox_within_5_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoneinfo import ZoneInfo

    auth_log = tmp_path / "so-a" / "auth.log"
    auth_log.parent.mkdir()
    auth_log.write_text("", encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(log=auth_log), encoding="utf-8")
    ws = tmp_path / "ws"
    ws.mkdir()
    done = subprocess.run([sys.executable, "-c", STORE_INVENTORY, str(ws), str(inventory)], env=_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    tls, port = pki(tmp_path), free_port()
    (ws / "canhgac.toml").write_text(email_settings(port, tls.ca_file), encoding="utf-8")
    (tmp_path / "tet.csv").write_text(ON_DUTY_ROSTER, encoding="utf-8")
    imported = run_cli("--workspace", ws, "duty", "import", tmp_path / "tet.csv")
    assert imported.code == 0, imported.describe()
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    with smtp_sink(tls, port) as sink:
        deliver_log, follow_log = tmp_path / "deliver", tmp_path / "follow"
        deliver = start_cli("--workspace", ws, "--lang", "en", "watch", "deliver", output=deliver_log)
        follow = start_cli("--workspace", ws, "--lang", "en", "logs", "follow", auth_log,
                           "--state", tmp_path / "positions.json", output=follow_log)
        try:
            _wait_for(deliver_log, "Delivering alerts", deliver)
            _wait_for(follow_log, "Following files: 1", follow)
            time.sleep(0.5)  # the follower's first look at the file has been taken
            with auth_log.open("a", encoding="utf-8") as out:
                out.write(_attack(datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))))
            written = time.monotonic()
            while not sink.received and time.monotonic() - written < 30:
                time.sleep(0.05)
            elapsed = time.monotonic() - written
            received = list(sink.received)
        finally:
            follow_err = _stop(follow, follow_log)
            _stop(deliver, deliver_log)

    assert received, f"nobody was told: {follow_err[-3000:]}"
    first = received[0]
    assert first.to == ["truc-ban@stttt.test"]
    assert "203.0.113.77" in first.text or "logs.auth.brute-force" in first.text, first.text[:1000]
    assert elapsed <= BUDGET, f"the alert took {elapsed:.2f} s (bound {BUDGET} s)"
    print(f"attack written -> on-duty mailbox: {elapsed:.2f} s")
    findings = run_cli("--workspace", ws, "--lang", "en", "logs", "list", columns=250)
    assert findings.code == 0, findings.describe()
    assert "logs.auth.brute-force" in findings.stdout and "SO-A" in findings.stdout
