"""Benchmark: ``canhgac inventory check`` of a synthetic national inventory (191,000 agencies by
default, ``canhgac.lab.large_inventory``) against loading the same file with PyYAML alone.

No other tool validates a canhgac inventory, so the baseline is what a script that only parses
the file would do: ``yaml.safe_load`` (the pure-Python loader) and ``yaml.load`` with libyaml's
``CSafeLoader`` — no validation, no positions, no summary. Each runs in a child process of its
own: wall time, CPU time (user+sys) and peak RSS from ``wait4``. ``--before-src DIR`` also
measures the canhgac found in DIR (``src`` of a worktree of an earlier commit), for before/after
figures. Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import yaml

from bench import harness, report_md
from bench.measure import Measurement, measure
from canhgac.lab.large_inventory import write_inventory

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

NAIVE = {
    "yaml.safe_load (pure Python)": "import sys, yaml; yaml.safe_load(open(sys.argv[1], 'rb'))",
    "yaml.load, CSafeLoader (libyaml)": "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)",
}


def main(argv: list[str]) -> int:
    ap = harness.options("inventory")
    ap.add_argument("--agencies", type=int, default=191_000, help="agencies in the generated inventory")
    ap.add_argument("--before-src", type=str, default=None,
                    help="also measure the canhgac package found in this folder (an earlier commit's src)")
    ap.add_argument("--no-naive", action="store_true", help="skip the PyYAML-only loads")
    args = harness.parse(ap, argv, timeout=3600)
    with harness.work_dir("canhgac-bench-inventory-", keep=args.keep, kept=" (the inventory)") as work:
        return check_and_report(args, work)


def check_and_report(args: argparse.Namespace, work: Path) -> int:
    path = write_inventory(work / "inventory.yaml", args.agencies)
    size_mb = path.stat().st_size / 1e6
    print(f"inventory: {args.agencies} agencies, {size_mb:.1f} MB", flush=True)
    runs: list[Measurement] = [_canhgac("canhgac inventory check", path, work, args.timeout, None)]
    if args.before_src:
        runs.append(_canhgac("canhgac inventory check, before", path, work, args.timeout, args.before_src))
    if not args.no_naive:
        for label, code in NAIVE.items():
            runs.append(_shown(measure(label, [sys.executable, "-c", code, str(path)], timeout=args.timeout)))
    body = render(args, size_mb, runs)
    print(body)
    report_md.write_section(args.out, "inventory", body, after="ports")
    return 0 if all(m.returncode == 0 for m in runs) else 1


def _canhgac(label: str, path: Path, work: Path, timeout: float, src: str | None) -> Measurement:
    """Time the check; its summary must count every agency (the generator's file is valid)."""
    env = harness.tool_env(work)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = work / f"check-{'before' if src else 'now'}.txt"
    cmd = [sys.executable, "-m", "bench.run_canhgac", "--lang", "en", "inventory", "check", str(path)]
    m = _shown(measure(label, cmd, env=env, stdout_path=str(out), timeout=timeout))
    if m.returncode == 0 and "is a valid inventory" not in out.read_text(encoding="utf-8"):
        raise SystemExit(f"{label}: the check did not say the inventory is valid (see {out})")
    return m


def _shown(m: Measurement) -> Measurement:
    print(m.row(), flush=True)
    return m


def render(args: argparse.Namespace, size_mb: float, runs: list[Measurement]) -> str:
    ours = runs[0]
    rows = report_md.header("run", "wall (s)", "CPU (s)", "peak RSS (MB)", "wall, CPU, RSS / canhgac's")
    for m in runs:
        ratios = (m.wall_s / ours.wall_s, m.cpu_s / ours.cpu_s, m.peak_rss_mb / ours.peak_rss_mb)
        rows.append(report_md.row(m.label, *m.figures(), ", ".join(f"{r:.2f}×" for r in ratios)))
    failed = [m.label for m in runs if m.returncode != 0]
    lines = [
        "## Inventory check at national scale: canhgac vs loading the YAML alone",
        "",
        report_md.machine_line() + f", PyYAML {yaml.__version__} (libyaml: {yaml.__with_libyaml__}).",
        "",
        report_md.command_line("inventory", agencies=args.agencies,
                               before_src="DIR" if args.before_src else None),
        "",
        f"A synthetic national inventory (`canhgac.lab.large_inventory`): {args.agencies} agencies, "
        f"{size_mb:.1f} MB of YAML; every agency with a contact, a domain and a portal, every 5th with "
        "declared mail hosts, every 10th with a range, every 50th with its own scan policy. canhgac runs "
        "`canhgac --lang en inventory check FILE` (validation of every field, the file-wide rules, the "
        "summary); the PyYAML rows only parse the file into Python objects "
        "(`python -c 'import yaml; yaml.safe_load(open(FILE))'`, and the same with "
        "`yaml.load(..., Loader=yaml.CSafeLoader)`), which is less than the check does. The machine's "
        "2 cores may be shared with other work: CPU time is the steadier figure."
        + (f" The \"before\" row is the canhgac in `{args.before_src}` (`--before-src`)." if args.before_src
           else ""),
        "",
        *rows,
    ]
    if failed:
        lines += ["", "Did not finish (exit code not 0, or the timeout): " + ", ".join(failed) + "."]
    return "\n".join(lines)
