"""Defect 2 of issue 9, "Ctrl-C and SIGTERM lose results": a real scan of the lab, stopped
mid-way, keeps every result it completed.

The scan runs as a CLI subprocess writing ``--json-out`` as results arrive (the results it
has seen); once past the first stored batch it is sent SIGINT, SIGTERM or SIGKILL. The store
must then hold exactly the results seen (SIGINT, SIGTERM) and the run must end
``interrupted`` — at once for a signal, at the next start of any command for SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_lab_files import lab_files
from e2e_support import CLI_TIMEOUT, GUARD_MARK, GUARD_PRELUDE, CliRun, RunningLab, run_cli, running_lab

from canhgac.services.scan import BATCH

SEEN_BEFORE_SIGNAL = BATCH + 100  # one batch stored during the scan, the next one pending
_CLI = """
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""
_DUMP_RUNS = """
import json, sys
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
from canhgac.console.store.models import Result, ScanRun
print(json.dumps({
    str(r.pk): {"status": r.status, "result_count": r.result_count,
                "rows": Result.objects.filter(run=r).count(), "owner_pid": r.owner_pid}
    for r in ScanRun.objects.order_by("pk")
}))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "250"}


def stored_runs(workspace: Path) -> dict[str, dict[str, object]]:
    """Every run in the workspace's store, read directly (no command that would close runs)."""
    done = subprocess.run([sys.executable, "-c", _DUMP_RUNS, str(workspace)], capture_output=True,
                          text=True, env=_env(), timeout=CLI_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    runs: dict[str, dict[str, object]] = json.loads(done.stdout)
    return runs


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def scan_then_signal(workspace: Path, lab: RunningLab, signum: int) -> tuple[CliRun, int]:
    """Start a scan of the lab, send ``signum`` once it has seen SEEN_BEFORE_SIGNAL results;
    the finished command and how many results it had seen (written to --json-out)."""
    inventory, flags = lab_files(workspace, lab.lab)
    seen = workspace / "seen.jsonl"
    args = ("--workspace", str(workspace), "--lang", "en", "scan", str(inventory), *flags,
            "--concurrency", "4", "--json-out", str(seen))
    proc = subprocess.Popen([sys.executable, "-c", GUARD_PRELUDE + _CLI, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=_env())
    try:
        deadline = time.monotonic() + CLI_TIMEOUT
        while _lines(seen) < SEEN_BEFORE_SIGNAL and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    run = CliRun(args, proc.returncode, stdout, stderr)
    assert GUARD_MARK not in stderr, run.describe()
    return run, _lines(seen)


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with running_lab() as running:
        yield running


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_lose_no_results(tmp_path: Path, lab: RunningLab, signum: int) -> None:
    scan, seen = scan_then_signal(tmp_path, lab, signum)
    assert scan.code == 130, scan.describe()
    runs = stored_runs(tmp_path)
    assert list(runs) == ["1"]
    run = runs["1"]
    assert run["status"] == "interrupted"
    assert run["rows"] == run["result_count"] == seen, (run, seen)  # every result seen is stored
    assert seen >= SEEN_BEFORE_SIGNAL
    kept = f"Interrupted: {seen} results stored, run #1 closed as interrupted."
    assert kept in scan.stderr, scan.describe()
    assert "Traceback" not in scan.stderr


def test_ctrl_c_and_sigterm_lose_no_results_sigkill_run_is_closed_at_next_start(
    tmp_path: Path, lab: RunningLab
) -> None:
    """SIGKILL cannot be caught: the run stays ``running`` with the batches already stored, and
    the next command that opens the store closes it (its process is gone)."""
    scan, seen = scan_then_signal(tmp_path, lab, signal.SIGKILL)
    assert scan.code == -signal.SIGKILL
    before = stored_runs(tmp_path)["1"]
    assert before["status"] == "running"
    stored = before["rows"]
    assert isinstance(stored, int) and stored % BATCH == 0 and BATCH <= stored <= seen
    listing = run_cli("--workspace", tmp_path, "--lang", "en", "findings", "list", columns=250)
    assert listing.code == 0, listing.describe()
    message = f"Run #1 was left running by process {before['owner_pid']}@"
    assert message in listing.stderr, listing.describe()
    assert f"closed as interrupted with its {stored} stored results." in listing.stderr
    after = stored_runs(tmp_path)["1"]
    assert after["status"] == "interrupted" and after["rows"] == stored
    report = run_cli("--workspace", tmp_path, "--lang", "en", "report", "--run", "1", "--format", "json",
                     columns=250)
    assert report.code == 0, report.describe()  # an interrupted run is reportable, no ValueError


def test_ctrl_c_and_sigterm_lose_no_results_report_of_a_live_run_is_one_line(
    tmp_path: Path, lab: RunningLab
) -> None:
    """A run still running in another process is neither closed nor reported: one line, exit 2."""
    inventory, flags = lab_files(tmp_path, lab.lab)
    seen = tmp_path / "seen.jsonl"
    args = ("--workspace", str(tmp_path), "--lang", "en", "scan", str(inventory), *flags,
            "--concurrency", "2", "--json-out", str(seen))
    proc = subprocess.Popen([sys.executable, "-c", GUARD_PRELUDE + _CLI, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=_env())
    try:
        deadline = time.monotonic() + CLI_TIMEOUT
        while _lines(seen) < 20 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None
        report = run_cli("--workspace", tmp_path, "--lang", "en", "report", "--run", "1", columns=250)
        assert stored_runs(tmp_path)["1"]["status"] == "running"  # the live run was left alone
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=CLI_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert report.code == 2, report.describe()
    errors = [line for line in report.stderr.splitlines() if line.strip()]
    assert errors == [f"Workspace: {tmp_path.resolve()}",  # which store was opened, then the one error line
                      "Error: run #1 is still running: report it once it has ended, or choose another --run"]
    assert proc.returncode == 130
