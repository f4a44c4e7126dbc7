"""``canhgac serve --workers 2``: two spawned processes answer the requests on one socket, and
the supervising ``serve`` process runs the scans they queue, once each, in order.

A scan launched through the API lands in whichever serving process accepted the request; the
launch's row shows the supervisor as the process that ran it (``launches.start_launch``).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from console_server_support import add_user, served_console
from e2e_support import run_cli
from loopback_support import free_port, random_loopback

pytestmark = pytest.mark.timeout(240)


def _close_each(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:  # closed: the test is over
            return
        conn.close()


def _call(url: str, token: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    method = "POST" if body is not None else "GET"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(json.loads(answer.read()))


def test_workers_answer_requests_and_the_supervisor_runs_the_scans_they_queue(tmp_path: Path) -> None:
    base = random_loopback(second=(100, 199), last=(0, 0)).rsplit(".", 1)[0]
    port = free_port(f"{base}.1")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "canhgac.toml").write_text(
        f'[scan]\nresolver = ["127.0.0.1:1"]\nports = "{port}"\nscan-rate = 50.0\nno-dnsbl = true\n',
        encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "version: 1\nprovince: {code: LAB, name: Lab}\nscope: {loopback_only: true}\nagencies:\n"
        f'  - {{code: SO-A, name: "Sở A", kind: department, ranges: ["{base}.0/30"]}}\n', encoding="utf-8")
    with socket.socket() as listener:
        listener.bind((f"{base}.1", port))
        listener.listen(64)
        threading.Thread(target=_close_each, args=(listener,), daemon=True).start()
        first = run_cli("--lang", "en", "--workspace", workspace, "scan", inventory, "--check",
                        "net.ports.new")
        assert first.code == 0, first.describe()  # the store holds the inventory now
        add_user(workspace, "admin", "csirt-admin", "a-long-enough-password-1")
        issued = run_cli("--workspace", workspace, "users", "token", "add", "admin")
        assert issued.code == 0, issued.describe()
        token = issued.stdout.strip().splitlines()[-1]
        with served_console(workspace, "--workers", "2") as url:
            supervisor = _serving(workspace)
            deadline = time.monotonic() + 60
            while len(_children(supervisor)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            serving = _children(supervisor)
            assert len(serving) == 2
            launches = [_call(f"{url}/api/v1/scans", token, {"agency": "SO-A"}) for _ in range(3)]
            for launch in launches:
                state = _until_ended(f"{url}/api/v1/scans/launches/{launch['id']}", token)
                assert state["state"] == "finished", state
    _, alive = psutil.wait_procs(serving, timeout=20)  # SIGTERM to serve stops its workers too
    assert not alive
    rows = sqlite3.connect(workspace / "canhgac.sqlite3").execute(
        "SELECT id, owner_pid, started_at FROM store_scanlaunch ORDER BY id").fetchall()
    assert [row[1] for row in rows] == [supervisor.pid] * 3  # run by the supervisor, whoever queued
    assert [row[2] for row in rows] == sorted(row[2] for row in rows)  # one after another, in order


def _serving(workspace: Path) -> psutil.Process:
    """The ``canhgac serve`` process of this workspace (the test's own child)."""
    for process in psutil.Process().children(recursive=True):
        if "serve" in process.cmdline() and str(workspace) in process.cmdline():
            return process
    raise AssertionError("no canhgac serve process")


def _children(supervisor: psutil.Process) -> list[psutil.Process]:
    return [p for p in supervisor.children() if any("spawn_main" in part for part in p.cmdline())]


def _until_ended(url: str, token: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = _call(url, token)
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.3)
    raise AssertionError(f"the launch did not end: {state}")
