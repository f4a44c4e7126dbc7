"""``canhgac lab break|restore|switches`` talk to the running ``canhgac lab up`` of the same
workspace (in its own network namespace) through its control socket; every mistake is one line:
an unknown switch or agency, no lab running. Vietnamese by default."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from e2e_support import error_lines, run_cli, start_cli

pytestmark = pytest.mark.timeout(300)


def test_lab_break_and_restore_reach_the_lab_that_runs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    nothing = run_cli("--workspace", ws, "--lang", "en", "lab", "restore")
    assert nothing.code != 0 and error_lines(nothing.stderr) == [
        f"Error: No lab is running in {ws / 'lab'}: start one with `canhgac lab up` "
        "(with the same --workspace)."
    ], nothing.describe()
    unknown = run_cli("--workspace", ws, "--lang", "en", "lab", "break", "fire", "--agency", "STTTT")
    assert unknown.code != 0 and error_lines(unknown.stderr) == [
        "Error: Unknown switch fire: choose one of portal-down, deface, mx, ns, cert-lapse, cert-expiring."]
    up = start_cli("--workspace", ws, "--lang", "en", "lab", "up", output=tmp_path / "lab")
    try:
        deadline = time.monotonic() + 120
        while "lab restore" not in (tmp_path / "lab.out").read_text(encoding="utf-8"):
            assert up.poll() is None and time.monotonic() < deadline, (tmp_path / "lab.err").read_text()
            time.sleep(0.2)
        broke = run_cli("--workspace", ws, "--lang", "en", "lab", "break", "deface", "--agency", "STTTT")
        assert broke.code == 0, broke.describe()
        assert "Switched on: deface for STTTT (https://www.stttt.kiengiang.gov.test/)." in broke.stdout
        mx = run_cli("--workspace", ws, "--lang", "en", "lab", "break", "mx", "-a", "SYT")
        assert mx.code == 0 and "mx SYT (soyte.kiengiang.gov.test)" in mx.stdout, mx.describe()
        stranger = run_cli("--workspace", ws, "--lang", "en", "lab", "break", "ns", "--agency", "NOPE")
        assert stranger.code != 0 and len(error_lines(stranger.stderr)) == 1, stranger.describe()
        assert "The lab has no agency NOPE; its agencies: BAOKG," in stranger.stderr
        on = run_cli("--workspace", ws, "lab", "switches")  # Vietnamese by default
        assert on.code == 0 and "deface STTTT" in on.stdout and "mx SYT" in on.stdout, on.describe()
        assert "Switches on" not in on.stdout
        back = run_cli("--workspace", ws, "--lang", "en", "lab", "restore", "--agency", "SYT")
        assert back.code == 0 and "Put back: mx for SYT" in back.stdout and "deface STTTT" in back.stdout
        rest = run_cli("--workspace", ws, "--lang", "en", "lab", "restore")
        assert rest.code == 0 and "No switch is on" in rest.stdout, rest.describe()
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(60)
    assert code == 0, (tmp_path / "lab.err").read_text(encoding="utf-8")
    assert not (ws / "lab" / "control.sock").exists()
    after = run_cli("--workspace", ws, "--lang", "en", "lab", "switches")
    assert after.code != 0 and "No lab is running" in after.stderr
