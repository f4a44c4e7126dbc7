"""The markdown the benchmarks write: a benchmark's section of docs/benchmarks.md between its
``<!-- bench:NAME:begin -->`` / ``<!-- bench:NAME:end -->`` markers, and the pieces every
section is made of (the machine line, the command line, table rows, counts)."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from bench.measure import ToolRun


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"


def section(name: str, body: str) -> str:
    begin, end = markers(name)
    return f"{begin}\n{body}\n{end}"


def replace_section(text: str, name: str, body: str) -> str | None:
    """``text`` with the section between ``name``'s markers replaced; None without the markers."""
    begin, end = markers(name)
    if begin not in text or end not in text:
        return None
    head, rest = text.split(begin, 1)
    return head + section(name, body) + rest.split(end, 1)[1]


def write_section(path: Path, name: str, body: str, *, after: str | None = None) -> None:
    """Replace ``name``'s section of ``path``. A page without its markers gets the section after
    the section ``after`` (when given and present), else at its end."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    new = replace_section(text, name, body)
    if new is None:
        anchor = markers(after)[1] if after else None
        if anchor and anchor in text:
            head, rest = text.split(anchor, 1)
            new = head + anchor + "\n\n" + section(name, body) + rest
        else:
            new = text.rstrip() + "\n\n" + section(name, body) + "\n"
    path.write_text(new, encoding="utf-8")


def machine_line(*, processor: bool = False) -> str:
    """``Run <date> UTC on <machine>, <n> cores, Linux <release>, Python <version>``: how every
    section starts; the benchmark adds its tools' versions."""
    cpu = f" ({platform.processor() or platform.machine()})" if processor else ""
    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores{cpu}, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def command_line(name: str, **options: object) -> str:
    """``Command: `python3 scripts/dev.py bench NAME --an-option VALUE ...` ``; a None option is left out."""
    flags = "".join(f" --{k.replace('_', '-')} {v}" for k, v in options.items() if v is not None)
    return f"Command: `python3 scripts/dev.py bench {name}{flags}`"


def counts(pairs: Iterable[tuple[Any, int]]) -> str:
    """``a 3, b 1`` (empty when there are none): pass ``Counter.most_common()`` for most first."""
    return ", ".join(f"{k} {v}" for k, v in pairs)


def subset(some: Sequence[Any], every: Sequence[Any], unit: str) -> str:
    """`` (M unit)`` after a tool's label when it was given only some of the targets."""
    return "" if len(some) == len(every) else f" ({len(some)} {unit})"


def row(*cells: object) -> str:
    """A table row; an empty cell is written ``| |``."""
    return "|" + "|".join(f" {c} " if c != "" else " " for c in map(str, cells)) + "|"


def header(*titles: str) -> list[str]:
    return [row(*titles), "|" + "---|" * len(titles)]


def tool_table(runs: Iterable[ToolRun], total: int, unit: str) -> list[str]:
    """Every tool's figures and the lab's CPU meanwhile; a tool given fewer than ``total``
    targets gets a second row with its times scaled linearly to ``total``."""
    rows = header("tool", unit, "wall (s)", "CPU (s)", "peak RSS (MB)", "lab servers' CPU (s)")
    for run in runs:
        m = run.m
        rows.append(row(m.label, run.targets, *m.figures(), f"{run.lab_cpu_s:.2f}"))
        if run.targets != total:
            wall, cpu = run.scaled(total)
            rows.append(
                row(
                    f"{m.label.split(' (')[0]}, scaled ×{total / run.targets:.2f} to {total} {unit}",
                    total, f"{wall:.2f}", f"{cpu:.2f}", f"{m.peak_rss_mb:.0f}", "",
                )
            )
    return rows
