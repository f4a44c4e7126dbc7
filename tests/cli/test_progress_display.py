"""Issue 12 item 4: long commands show progress — a bar per phase on a terminal; in logs and
pipes no control characters, only a plain line on stderr every so often."""

from __future__ import annotations

import io

from rich.console import Console

from canhgac.cli.progress import PhaseProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def consoles(terminal: bool) -> tuple[Console, io.StringIO, Console, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return (Console(file=out, force_terminal=terminal, width=120), out,
            Console(file=err, force_terminal=False, width=120), err)


def test_without_a_terminal_nothing_is_drawn_and_a_line_comes_every_interval() -> None:
    screen, out, lines, err = consoles(terminal=False)
    clock = Clock()
    with PhaseProgress(screen, lines=lines, interval=10.0, clock=clock) as progress:
        progress.update("port_scan", "Port scan", 0, 600, note="2 addresses × 300 ports")
        clock.now += 9.9
        progress.update("port_scan", "Port scan", 120, 600, note="2 addresses × 300 ports")
        assert err.getvalue() == ""  # a short phase prints nothing
        clock.now += 0.2
        progress.update("port_scan", "Port scan", 150, 600, note="2 addresses × 300 ports")
        clock.now += 1.0
        progress.update("port_scan", "Port scan", 300, 600)
        progress.end("port_scan")
        clock.now += 10.0
        progress.update("inventory", "Checking", 512, 2048, note="1000 agencies", percent=True)
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        "Port scan: 150/600 — 2 addresses × 300 ports",
        "Checking: 25% — 1000 agencies",
    ]


def test_on_a_terminal_each_phase_is_a_line_of_the_bar_and_nothing_goes_to_stderr() -> None:
    screen, out, lines, err = consoles(terminal=True)
    with PhaseProgress(screen, lines=lines) as progress:
        progress.update("port_scan", "Port scan of the declared ranges", 3, 6, note="2 addresses × 3 ports")
        progress.update("targets", "Scanning", 0, None)
        progress.end("port_scan")
        progress.update("targets", "Scanning", 1, 4, note="127.0.0.1")
    drawn = out.getvalue()
    assert "\x1b[" in drawn  # a live display: cursor movements
    assert "Scanning" in drawn and "1/4" in drawn and "127.0.0.1" in drawn
    assert err.getvalue() == ""
