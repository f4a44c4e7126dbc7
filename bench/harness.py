"""The frame of a benchmark run: the options every benchmark has (``--timeout``, ``--out``,
``--keep``), its work directory, the inventory its canhgac scan reads and the environment its
tools run in."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def options(name: str) -> argparse.ArgumentParser:
    """The command line of ``python -m bench NAME``; add the benchmark's own options, then :func:`parse`."""
    return argparse.ArgumentParser(prog=f"python -m bench {name}")


def parse(
    ap: argparse.ArgumentParser,
    argv: list[str],
    *,
    timeout: float | None = None,
    keep_help: str = "keep the work directory",
) -> argparse.Namespace:
    """Add the common options (``--timeout`` only with a default per tool) and parse ``argv``."""
    if timeout is not None:
        ap.add_argument("--timeout", type=float, default=timeout, help="per tool, seconds")
    ap.add_argument("--out", type=Path, default=DOCS,
                    help="the page whose section is rewritten (default: docs/benchmarks.md)")
    ap.add_argument("--keep", action="store_true", help=keep_help)
    return ap.parse_args(argv)


@contextmanager
def work_dir(prefix: str, *, keep: bool, kept: str = "") -> Iterator[Path]:
    """A fresh temporary directory for the run's inputs and the tools' outputs.

    Removed when the run ends normally, unless ``keep`` (then its path is printed, with
    ``kept``, a note on what is in it); left in place when the run fails, to look into.
    """
    work = Path(tempfile.mkdtemp(prefix=prefix))
    print(f"work directory: {work}", flush=True)
    yield work
    if keep:
        print(f"kept {work}{kept}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def tool_env(work: Path, **extra: str) -> dict[str, str]:
    """The environment of the tools' processes: canhgac's workspace inside the work directory."""
    return dict(os.environ, CANHGAC_WORKSPACE=str(work / "ws"), **extra)


def inventory(agencies: Iterable[tuple[str, str, str]]) -> str:
    """A loopback-only inventory (YAML) of ``(code, name, what)`` agencies, all departments;
    ``what`` is the agency's last line (``domains: [...]``, ``portals: [...]``, ``ranges: [...]``)."""
    lines = [
        "version: 1",
        'province: {code: BENCH, name: "Bench"}',
        "scope: {public_suffixes: [gov.test], loopback_only: true}",
        "agencies:",
    ]
    for code, name, what in agencies:
        lines += [f"  - code: {code}", f'    name: "{name}"', "    kind: department", f"    {what}"]
    return "\n".join(lines) + "\n"
