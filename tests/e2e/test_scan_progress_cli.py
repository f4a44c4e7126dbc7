"""Issue 12 item 4: ``canhgac scan`` shows the range port scan as a phase of its own, counted in
(address, port) probes, before the checks' bar; in a log or a pipe it draws nothing at all.

One agency declares a loopback /30 (two addresses) with one real listener; the port list is
that port and 19 closed ones, at 40 probes a second, so the port scan lasts about a second.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import CliRun, run_cli
from loopback_support import free_port, random_loopback

PROBES = 40  # 2 addresses × 20 ports


@pytest.fixture
def scan_args(tmp_path: Path) -> Iterator[list[str]]:
    base = random_loopback(second=(100, 199), last=(0, 0)).rsplit(".", 1)[0]
    first, second = f"{base}.1", f"{base}.2"
    ports = [free_port(first, second) for _ in range(20)]
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "version: 1\nprovince: {code: LAB, name: Lab}\nscope: {loopback_only: true}\nagencies:\n"
        f'  - {{code: SO-A, name: "Sở A", kind: department, ranges: ["{base}.0/30"]}}\n', encoding="utf-8")
    with socket.socket() as listener:  # open, and closes each connection at once
        listener.bind((first, ports[0]))
        listener.listen(64)
        threading.Thread(target=_close_each, args=(listener,), daemon=True).start()
        yield ["--lang", "en", "--workspace", str(tmp_path / "ws"), "scan", str(inventory), "--no-store",
               "--resolver", "127.0.0.1:1", "--check", "net.ports.new",
               "--ports", ",".join(map(str, ports)), "--scan-rate", str(PROBES)]


def _close_each(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:  # the listener was closed: the test is over
            return
        conn.close()


def _ok(run: CliRun) -> CliRun:
    assert run.code == 0, run.describe()
    return run


def test_in_a_pipe_the_scan_writes_its_summary_and_no_progress(scan_args: list[str]) -> None:
    run = _ok(run_cli(*scan_args))
    assert run.stdout.splitlines()[0].strip() == "Scan results", run.describe()  # no line left by a bar
    assert "\x1b" not in run.stdout + run.stderr and "\r" not in run.stdout + run.stderr
    assert "1 results: 0 failed, 0 could not be tested." in run.stdout
    assert run.stderr == ""  # stderr is left to errors


def test_on_a_terminal_the_port_scan_is_a_phase_before_the_checks(scan_args: list[str]) -> None:
    run = _ok(run_cli(*scan_args, env_extra={"TTY_COMPATIBLE": "1"}, columns=160))
    drawn = run.stdout
    assert "Port scan of the declared ranges" in drawn, run.describe()
    assert f"/{PROBES}" in drawn and "2 addresses × 20 ports" in drawn
    assert drawn.index("Port scan of the declared ranges") < drawn.index("Scan results")
    assert run.stderr == ""
