"""Concurrent runs collide (issue 9, defect 6): demos, labs and test runs share one machine.

Every ``canhgac demo`` and ``canhgac lab up`` runs in a network namespace of its own, so two demos
started at once (sharing a workspace or not) each find every planted case and nothing else, a
lab-using test passes while a demo runs, and two ``lab up`` both get port 53. Where the lab runs
in the caller's namespace (``--no-netns``, or a kernel that refuses namespaces) a taken address
fails the run naming it. ``lab up`` stops every child on SIGTERM, and its ``redis-server`` dies
with it even on SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from e2e_lab_files import lab_files
from e2e_support import CliRun, read_results, run_cli, running_lab, start_cli

from canhgac.engine.results import Status
from canhgac.lab.mail_lab import EXPECTED as MAIL_EXPECTED
from canhgac.lab.province import EXPECTED_FINDINGS as DNS_EXPECTED
from canhgac.lab.services_plan import EXPECTED as SERVICES_EXPECTED
from canhgac.lab.web_plan import EXPECTED as WEB_EXPECTED

PLANTED = len(DNS_EXPECTED + MAIL_EXPECTED + WEB_EXPECTED + SERVICES_EXPECTED)
ALL_FOUND = f"{PLANTED} of {PLANTED} planted cases found; 0 unexpected findings; 0 errors."
DEMO_TIMEOUT = 400.0  # three demos on two busy cores; one alone takes 15-30 s
MAIL_ADDRESS = ("127.25.1.1", 25)  # the first mail host's SMTP server
ROOT_FOR_MAIL_PORTS = "the test's own lab binds port 25 in the test's namespace: root (or a user netns) only"


def _finish(process: subprocess.Popen[bytes], output: Path, timeout: float = DEMO_TIMEOUT) -> CliRun:
    code = process.wait(timeout)
    stdout = output.with_suffix(".out").read_text(encoding="utf-8")
    stderr = output.with_suffix(".err").read_text(encoding="utf-8")
    run = CliRun(tuple(str(a) for a in process.args), code, stdout, stderr)  # type: ignore[union-attr]
    assert not run.guard_refusals, run.describe()
    return run


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(encoding="utf-8") if path.exists() else ""
        if text in content:
            return content
        assert process.poll() is None, f"exited with {process.returncode} before printing {text!r}: {content}"
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not printed within {timeout} s")


def _demo_passed(run: CliRun) -> None:
    assert run.code == 0, run.describe()
    assert ALL_FOUND in run.stdout, run.describe()
    assert "Task was destroyed" not in run.stderr and "Traceback" not in run.stderr, run.describe()


@pytest.mark.timeout(DEMO_TIMEOUT + 30)
def test_concurrent_runs_collide_two_demos_at_once_find_every_planted_case(tmp_path: Path) -> None:
    shared, own = tmp_path / "shared", tmp_path / "own"
    starts = {name: start_cli("--workspace", workspace, "--lang", "en", "demo", output=tmp_path / name)
              for name, workspace in (("first", shared), ("second", shared), ("third", own))}
    runs = {name: _finish(process, tmp_path / name) for name, process in starts.items()}
    for run in runs.values():
        _demo_passed(run)
    # the two demos sharing a workspace took turns: one waited, each stored a run of its own
    waited = [name for name in ("first", "second") if "waiting for it to finish" in runs[name].stdout]
    assert len(waited) == 1, [runs[name].stdout[:300] for name in ("first", "second")]
    reports = sorted(p.name for p in (shared / "demo" / "reports").glob("*.json"))
    assert reports == ["canhgac-run1-en.json", "canhgac-run2-en.json"]
    assert sorted(p.name for p in (own / "demo" / "reports").glob("*.json")) == ["canhgac-run1-en.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_FOR_MAIL_PORTS)
@pytest.mark.timeout(DEMO_TIMEOUT + 30)
def test_concurrent_runs_collide_a_lab_test_passes_while_a_demo_runs(tmp_path: Path) -> None:
    demo = start_cli("--workspace", tmp_path / "demo-ws", "--lang", "en", "demo", output=tmp_path / "demo")
    try:
        _wait_for(tmp_path / "demo.out", "Lab started", demo)
        # the lab-using end-to-end test: this process's lab on the standard mail ports, scanned
        with running_lab() as running:
            # both labs up at once on the same addresses and ports (the demo's until it ends): the
            # collision this test is about; how long the demo's scan then takes is the machine's
            overlapped = demo.poll() is None
            inventory, flags = lab_files(tmp_path, running.lab)
            out = tmp_path / "mail.jsonl"
            scan = run_cli("--workspace", tmp_path / "scan-ws", "scan", inventory, *flags, "-f", "mail",
                           "--json-out", out)
            expected = {(c, d) for c, d in running.lab.expected_findings if c.startswith("mail.")}
        assert overlapped, "the demo ended before the test's lab started: they did not overlap"
        results = read_results(out)
        assert results, scan.describe()
        assert [(r.check_id, r.target.name) for r in results if r.status is Status.ERROR] == []
        assert {(r.check_id, r.target.name) for r in results if r.status is Status.FAIL} == expected
    finally:
        run = _finish(demo, tmp_path / "demo")
    _demo_passed(run)


def _lab_children(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def _gone(child: psutil.Process) -> bool:
    try:
        return child.status() == psutil.STATUS_ZOMBIE  # dead, waiting for init to reap it
    except psutil.NoSuchProcess:
        return True


def _lab_up(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    process = start_cli("--workspace", tmp_path / name, "--lang", "en", "lab", "up", output=tmp_path / name)
    _wait_for(tmp_path / f"{name}.out", "Lab running", process)
    return process


def test_concurrent_runs_collide_lab_up_sigterm_leaves_no_child(tmp_path: Path) -> None:
    first, second = _lab_up(tmp_path, "first"), _lab_up(tmp_path, "second")
    children = _lab_children(first)
    assert [child.name() for child in children] == ["redis-server"] * 2  # without and with a password
    for process in (first, second):
        process.send_signal(signal.SIGTERM)
    for process, name in ((first, "first"), (second, "second")):
        run = _finish(process, tmp_path / name, timeout=60)
        assert run.code == 0, run.describe()
        # each in its own namespace: both got port 53 on the same addresses
        assert "Resolver: 127.53.0.1:53; name servers on port 53." in run.stdout, run.describe()
        assert f"nsenter --target {process.pid} " in run.stdout, run.describe()
        assert "Stopping the lab." in run.stdout and run.stderr == "", run.describe()
    assert [child for child in children if not _gone(child)] == []


def test_concurrent_runs_collide_lab_up_sigkill_takes_its_redis_server_along(tmp_path: Path) -> None:
    lab = _lab_up(tmp_path, "killed")
    children = _lab_children(lab)
    assert [child.name() for child in children] == ["redis-server"] * 2  # without and with a password
    lab.kill()
    lab.wait(30)
    psutil.wait_procs(children, timeout=10)
    assert [child for child in children if not _gone(child)] == []


def test_concurrent_runs_collide_second_lab_up_in_one_workspace_is_refused(tmp_path: Path) -> None:
    first = _lab_up(tmp_path, "ws")
    try:
        second = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "lab", "up")
        assert second.code == 2, second.describe()
        folder = tmp_path / "ws" / "lab"
        refusal = f"Another `canhgac lab up` is using {folder}; give this one another --workspace."
        assert refusal in second.stderr, second.describe()
    finally:
        first.send_signal(signal.SIGTERM)
        assert _finish(first, tmp_path / "ws", timeout=60).code == 0


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_FOR_MAIL_PORTS)
def test_concurrent_runs_collide_busy_port_names_the_address(tmp_path: Path) -> None:
    with socket.socket() as holder:  # what another lab sharing this namespace would hold
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(MAIL_ADDRESS)
        holder.listen()
        run = run_cli("--workspace", tmp_path, "--lang", "en", "demo", "--no-netns", columns=400)
    assert run.code == 2, run.describe()
    cause = ("Error: Cannot start the lab: 127.25.1.1:25 is already in use, probably by another canhgac "
             "lab or demo in this network namespace (the lab is not in a private one: --no-netns).")
    assert cause in run.stderr, run.describe()
    assert "run as root" not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "Task was destroyed" not in run.stderr
