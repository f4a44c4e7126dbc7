"""Only a serving console runs launches: a process that did not enable its worker (a test's
Django client, a script importing the app) leaves them queued and contacts nothing."""

from __future__ import annotations

import logging

import pytest

from canhgac.services import scan_worker


def test_a_launch_stays_queued_where_the_worker_was_not_enabled(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(scan_worker, "_enabled", set())
    monkeypatch.setattr(scan_worker, "worker", lambda: pytest.fail("no worker may be made"))
    with caplog.at_level(logging.INFO, logger="canhgac.services.scan_worker"):
        scan_worker.submit(7)
    assert "launch 7 stays queued" in caplog.text


def test_enabling_is_per_process_and_starts_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    started: list[bool] = []

    class Worker:
        def start(self) -> None:
            started.append(True)

    monkeypatch.setattr(scan_worker, "_enabled", set())
    monkeypatch.setattr(scan_worker, "worker", Worker)
    scan_worker.enable()
    assert scan_worker._enabled == {os.getpid()} and started == [True]  # it polls from now on
