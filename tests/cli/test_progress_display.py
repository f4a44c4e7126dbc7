"""Issue 12 item 4: long commands show progress — a bar per phase on a terminal; in logs and
pipes nothing at all (no control characters, stderr left to errors)."""

from __future__ import annotations

import io

from rich.console import Console

from canhgac.cli.progress import PhaseProgress


def screen(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=120), out


def test_without_a_terminal_nothing_is_written() -> None:
    console, out = screen(terminal=False)
    with PhaseProgress(console) as progress:
        progress.update("port_scan", "Port scan", 0, 600, note="2 addresses × 300 ports")
        progress.update("port_scan", "Port scan", 600, 600)
        progress.end("port_scan")
        progress.update("inventory", "Checking", 512, 2048, note="1000 agencies", percent=True)
    assert out.getvalue() == ""


def test_on_a_terminal_each_phase_is_a_line_of_the_bar() -> None:
    console, out = screen(terminal=True)
    with PhaseProgress(console) as progress:
        progress.update("port_scan", "Port scan of the declared ranges", 3, 6, note="2 addresses × 3 ports")
        progress.update("targets", "Scanning", 0, None)
        progress.end("port_scan")
        progress.update("targets", "Scanning", 1, 4, note="127.0.0.1")
        progress.update("inventory", "Checking", 512, 2048, note="1000 agencies", percent=True)
    drawn = out.getvalue()
    assert "\x1b[" in drawn  # a live display: cursor movements
    assert "Scanning" in drawn and "1/4" in drawn and "127.0.0.1" in drawn
    assert "25%" in drawn and "1000 agencies" in drawn
