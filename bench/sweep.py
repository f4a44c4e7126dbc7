"""Benchmark: the host sweep (issue 17) against ClamAV's ``clamscan``, the ``yara`` CLI and a
Loki-style Python loop, with the same rules on the same generated tree, in the same run.

1. A generated tree (``--files`` small files of 2-64 KiB, ``--large`` files of 0.5-2 MiB,
   random bytes with text runs; a few planted hits) and a generated rule set of ``--rules``
   YARA rules (two strings each, text and hex, ``any of them``: what ClamAV's YARA subset and
   the ``yara`` CLI read too), ``--names`` signature-base filename indicators and 1,000 hashes.
2. Each tool on the tree, page cache warm (one untimed read first), one core each:
   ``python -m canhgac.sweep`` (a child: wall, CPU, peak RSS), ``yara -r -p 1``, ``clamscan -r
   -d rules.yar`` (only the generated rules loaded), and the Loki-style loop (each file read,
   MD5/SHA-1/SHA-256, a ``re.search`` per filename indicator, yara-x on the bytes).
3. The filename matcher alone: paths/s with ``--names`` indicators, against the regex loop.
4. yara-x against yara-python (``CANHGAC_BENCH_YARA_PYTHON``: a Python with yara-python, made
   outside the project's venv as no wheel exists in the lock), same rules, same bytes.
5. One large file: read whole + ``scan(bytes)`` against chunked hashing + ``scan_file``.

Rates are per second of the tool's own CPU time (the machine is shared); wall figures in brackets.
Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, report_md

ROOT = Path(__file__).resolve().parents[1]
ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789"


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHA) for _ in range(n))


def make_rules(rng: random.Random, count: int) -> tuple[str, list[bytes]]:
    """``count`` rules; returns the text and a few of their strings (to plant)."""
    parts = []
    plant: list[bytes] = []
    for i in range(count):
        text = "cg" + _word(rng, 12)
        hexes = bytes(rng.randrange(256) for _ in range(10))
        hexstr = " ".join(f"{b:02X}" for b in hexes)
        parts.append(
            f'rule gen_{i:05d}\n{{\n  strings:\n    $t = "{text}"\n    $h = {{ {hexstr} }}\n'
            f"  condition:\n    any of them\n}}\n"
        )
        if i % 1000 == 0:
            plant.append(text.encode())
    return "".join(parts), plant


def make_names(rng: random.Random, count: int) -> list[str]:
    out = []
    for i in range(count):
        w = _word(rng, 8)
        out.append(
            [rf"\\{w}\.exe$", rf"[\\/]{w}[0-9]{{2}}\.dll$", rf"\\temp\\{w}\.(?:bat|ps1)$", rf"{w}\.php$"][
                i % 4
            ]
        )
    return out


def make_tree(root: Path, rng: random.Random, small: int, large: int, plant: list[bytes]) -> tuple[int, int]:
    total = 0
    files = 0
    exts = ["exe", "dll", "php", "js", "ps1", "bin", "dat", "sh", ""]
    for i in range(small + large):
        d = root / f"d{i % 97:02d}" / f"s{i % 13}"
        d.mkdir(parents=True, exist_ok=True)
        size = rng.randrange(2048, 65536) if i < small else rng.randrange(512 * 1024, 2 * 1024 * 1024)
        data = bytearray(rng.randbytes(size))
        for off in range(0, size, 4096):  # text runs, as real files have
            run = _word(rng, 48).encode()
            data[off : off + len(run)] = run
        if i % max(1, (small + large) // len(plant)) == 0 and plant:
            s = plant[(i // 7) % len(plant)]
            data[100 : 100 + len(s)] = s
        ext = exts[i % len(exts)]
        (d / (f"f{i}.{ext}" if ext else f"f{i}")).write_bytes(bytes(data))
        total += size
        files += 1
    return files, total


def _child(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "rc": p.returncode,
        "maxrss_mb": after.ru_maxrss / 1024,
        "stdout": p.stdout.decode("utf-8", "replace"),
        "stderr": p.stderr.decode("utf-8", "replace")[-2000:],
    }


def _compare_yara(work: Path, empty: Path, tree: Path, timeout: float, fixed: dict[str, float],
                  results: dict[str, Any]) -> None:
    """The ``yara`` CLI and ``clamscan`` with the same rules on the same tree, where installed."""
    if shutil.which("yara"):
        fixed["yara"] = _child(
            ["yara", "-r", "-p", "1", "-w", str(work / "rules.yar"), str(empty)], timeout
        )["cpu"]
        results["yara"] = _child(
            ["yara", "-r", "-p", "1", "-w", str(work / "rules.yar"), str(tree)], timeout
        )
        results["yara"]["hits"] = len(results["yara"]["stdout"].splitlines())
    if shutil.which("clamscan"):
        fixed["clamscan"] = _child(
            ["clamscan", "-r", "--no-summary", "-d", str(work / "rules.yar"), str(empty)], timeout
        )["cpu"]
        results["clamscan"] = _child(
            [
                "clamscan",
                "-r",
                "-i",
                "--no-summary",
                "-d",
                str(work / "rules.yar"),
                "--max-filesize=100M",
                "--max-scansize=100M",
                str(tree),
            ],
            timeout,
        )
        results["clamscan"]["hits"] = results["clamscan"]["stdout"].count("FOUND")


def loki_loop(tree: Path, rules_text: str, names: list[str]) -> dict[str, Any]:
    """Loki's structure: per file, a regex search per filename IOC, the file read, three hashes,
    YARA on the bytes (yara-x here, the same engine as the sweep)."""
    import yara_x

    t, c = time.monotonic(), time.process_time()
    rules = yara_x.compile(rules_text)
    regexes = [re.compile(n, re.IGNORECASE) for n in names]
    fixed = time.process_time() - c
    files = size = hits = 0
    for dirpath, _dirs, filenames in os.walk(tree):
        for fn in filenames:
            path = os.path.join(dirpath, fn)
            for rx in regexes:
                if rx.search(path):
                    hits += 1
            with open(path, "rb") as fh:
                data = fh.read()
            hashlib.md5(data).hexdigest()
            hashlib.sha1(data).hexdigest()
            hashlib.sha256(data).hexdigest()
            hits += len(rules.scan(data).matching_rules)
            files += 1
            size += len(data)
    return {
        "wall": time.monotonic() - t,
        "cpu": time.process_time() - c,
        "files": files,
        "bytes": size,
        "hits": hits,
        "fixed": fixed,
    }


def name_rates(names: list[str], rng: random.Random) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "src"))
    from canhgac.sweep.names import NameIndicator, NameMatcher

    t = time.process_time()
    matcher = NameMatcher([NameIndicator(n) for n in names])
    build = time.process_time() - t
    paths = [
        f"C:\\Users\\u{rng.randrange(100)}\\AppData\\Local\\{_word(rng, 10)}\\{_word(rng, 8)}.{rng.choice(['exe', 'dll', 'txt'])}"
        if i % 2
        else f"/home/u{rng.randrange(100)}/.cache/{_word(rng, 10)}/{_word(rng, 8)}.so"
        for i in range(100_000)
    ]
    t = time.process_time()
    found = sum(len(matcher.match(p)) for p in paths)
    one = time.process_time() - t
    regexes = [re.compile(n, re.IGNORECASE) for n in names]
    t = time.process_time()
    for p in paths[:500]:
        for rx in regexes:
            rx.search(p)
    loop = time.process_time() - t
    return {"build_s": build, "matcher_per_s": len(paths) / one, "loop_per_s": 500 / loop, "found": found}


_YP = """
import sys, time, yara, json, os
rules_path, tree = sys.argv[1], sys.argv[2]
t = time.process_time(); r = yara.compile(filepath=rules_path); comp = time.process_time() - t
t = time.process_time(); n = 0; size = 0
for d, _s, fs in os.walk(tree):
    for f in fs:
        data = open(os.path.join(d, f), "rb").read(); r.match(data=data); n += 1; size += len(data)
print(json.dumps({"compile": comp, "scan": time.process_time() - t, "bytes": size}))
"""
_YX = (
    _YP.replace("import sys, time, yara,", "import sys, time, yara_x,")
    .replace("r = yara.compile(filepath=rules_path)", "r = yara_x.compile(open(rules_path).read())")
    .replace("r.match(data=data)", "r.scan(data)")
)


def big_file(path: Path, rules_text: str) -> dict[str, float]:
    import yara_x

    rules = yara_x.compile(rules_text)
    scanner = yara_x.Scanner(rules)
    path.write_bytes(random.Random(7).randbytes(64 * 1024 * 1024))
    path.read_bytes()
    out = {}
    for label in ("memory", "scan_file"):
        c = time.process_time()
        m, s1, s2 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
        if label == "memory":
            data = path.read_bytes()
            m.update(data)
            s1.update(data)
            s2.update(data)
            scanner.scan(data)
        else:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    m.update(chunk)
                    s1.update(chunk)
                    s2.update(chunk)
            scanner.scan_file(str(path))
        out[label] = 64 / (time.process_time() - c)
    return out


def main(argv: list[str]) -> int:
    ap = harness.options("sweep")
    ap.add_argument("--files", type=int, default=3000, help="small files (2-64 KiB)")
    ap.add_argument("--large", type=int, default=120, help="large files (0.5-2 MiB)")
    ap.add_argument("--rules", type=int, default=6000, help="generated YARA rules")
    ap.add_argument("--names", type=int, default=10000, help="generated filename indicators")
    args = harness.parse(ap, argv, timeout=1800)
    rng = random.Random(17)
    load_before = os.getloadavg()
    with harness.work_dir("canhgac-bench-sweep-", keep=args.keep) as work:
        rules_text, plant = make_rules(rng, args.rules)
        names = make_names(rng, args.names)
        (work / "rules.yar").write_text(rules_text)
        (work / "filename-iocs.txt").write_text("".join(f"{n};70\n" for n in names))
        (work / "hash-iocs.txt").write_text(
            "".join(f"{rng.randbytes(32).hex()};generated\n" for _ in range(1000))
        )
        tree = work / "tree"
        files, total = make_tree(tree, rng, args.files, args.large, plant)
        for d, _s, fs in os.walk(tree):  # warm the page cache for every tool alike
            for f in fs:
                Path(d, f).read_bytes()
        mb = total / 1e6
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        results: dict[str, dict[str, Any]] = {}
        empty = work / "empty"
        empty.mkdir()

        def canhgac_cmd(target: Path) -> list[str]:
            return [
                sys.executable,
                "-m",
                "canhgac.sweep",
                str(target),
                "--no-system",
                "--no-starter",
                "--all-types",
                "--cpu-cap",
                "100",
                "--max-size",
                "100",
                "--key",
                str(work / "k.pem"),
                "--out",
                str(work / "r.json"),
                "--pack",
                str(work / "rules.yar"),
                "--pack",
                str(work / "filename-iocs.txt"),
                "--pack",
                str(work / "hash-iocs.txt"),
            ]

        fixed: dict[str, float] = {"canhgac": _child(canhgac_cmd(empty), args.timeout, env)["cpu"]}
        results["canhgac"] = _child(canhgac_cmd(tree), args.timeout, env)
        body = json.loads((work / "r.json").read_text())["body"]
        results["canhgac"]["hits"] = len(body["hits"])
        results["canhgac"]["timings"] = body["timings"]
        results["canhgac"]["timings_cpu"] = body["timings_cpu"]
        try:
            _compare_yara(work, empty, tree, args.timeout, fixed, results)
        except subprocess.TimeoutExpired as exc:  # a tool slower than --timeout: its row left out
            print(f"{exc.cmd[0]} took longer than {args.timeout:.0f} s: its row is left out", file=sys.stderr)
            for table in (fixed, results):
                table.pop(str(exc.cmd[0]), None)
        results["loki"] = loki_loop(tree, rules_text, names)
        fixed["loki"] = results["loki"]["fixed"]
        rates = name_rates(names, rng)
        yp = os.environ.get("CANHGAC_BENCH_YARA_PYTHON", "/tmp/yarapy-venv/bin/python")
        engines: dict[str, Any] = {}
        if Path(yp).exists():
            p = subprocess.run(
                [yp, "-c", _YP, str(work / "rules.yar"), str(tree)], capture_output=True, check=False
            )
            if p.returncode == 0:
                engines["yara-python"] = json.loads(p.stdout)
        p = subprocess.run(
            [sys.executable, "-c", _YX, str(work / "rules.yar"), str(tree)], capture_output=True, check=False
        )
        if p.returncode == 0:
            engines["yara-x"] = json.loads(p.stdout)
        big = big_file(work / "big.bin", rules_text)
        yara_v = (
            subprocess.run(["yara", "--version"], capture_output=True, text=True, check=False).stdout.strip()
            if shutil.which("yara")
            else "-"
        )
        clam_v = (
            subprocess.run(
                ["clamscan", "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
            if shutil.which("clamscan")
            else "-"
        )
    load_after = os.getloadavg()

    def rate(r: dict[str, Any]) -> str:
        return f"{mb / r['cpu']:.1f} MB/s, {files / r['cpu']:,.0f} files/s ({mb / r['wall']:.1f} MB/s, {files / r['wall']:,.0f} files/s wall)"

    lines = [
        "## Host sweep: canhgac sweep vs clamscan, yara CLI and a Loki-style loop",
        "",
        f"{report_md.machine_line()}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        "(a shared machine: rates are per second of each tool's own CPU time, wall-clock ones in brackets). "
        f"yara {yara_v}, {clam_v}.",
        report_md.command_line(
            "sweep", files=args.files, large=args.large, rules=args.rules, names=args.names
        ),
        "",
        f"Generated tree: {files:,} files, {mb:.0f} MB (random bytes with text runs; {args.files:,} of 2-64 KiB, "
        f"{args.large} of 0.5-2 MiB), page cache warm. Rules: {args.rules:,} generated YARA rules (a text and a hex "
        f"string each, `any of them`), {args.names:,} filename indicators (regexes, signature-base format), 1,000 hashes.",
        "",
        *report_md.header(
            "Tool (one core)",
            "Rate per CPU second (wall)",
            "CPU (s)",
            "Wall (s)",
            "Fixed CPU (s): start, rules",
            "Steady rate (CPU − fixed)",
            "Hits",
        ),
    ]
    labels = {
        "canhgac": "`canhgac sweep` (hashes + names + YARA, read once; yara-x)",
        "yara": "`yara -r -p 1` (YARA only)",
        "clamscan": "`clamscan -d rules.yar` (YARA only)",
        "loki": "Loki-style Python loop (regex per name IOC, 3 hashes, yara-x)",
    }
    for key, r in results.items():
        steady = max(r["cpu"] - fixed.get(key, 0.0), 1e-6)
        r["steady"] = steady
        lines.append(
            report_md.row(
                labels[key],
                rate(r),
                f"{r['cpu']:.1f}",
                f"{r['wall']:.1f}",
                f"{fixed.get(key, 0.0):.2f}",
                f"{mb / steady:.1f} MB/s, {files / steady:,.0f} files/s",
                r.get("hits", ""),
            )
        )
    c = results["canhgac"]
    lines += [
        "",
        "canhgac sweep against each (CPU time, whole run / steady part): "
        + ", ".join(
            f"{results[k]['cpu'] / c['cpu']:.1f}× / {results[k]['steady'] / c['steady']:.1f}× {k}"
            for k in ("yara", "clamscan", "loki")
            if k in results
        )
        + " (above 1: canhgac faster).",
        f"canhgac sweep CPU per phase (s): {c['timings_cpu']} (compile_rules includes the filename matcher).",
        f"canhgac sweep peak RSS {c['maxrss_mb']:.0f} MB; its phases: {c['timings']}.",
        "",
        f"Filename matcher, {args.names:,} indicators: **{rates['matcher_per_s']:,.0f} paths/s** per core "
        f"(built in {rates['build_s']:.2f} s), against {rates['loop_per_s']:,.0f} paths/s for a `re.search` loop over "
        f"the same indicators ({rates['matcher_per_s'] / rates['loop_per_s']:.0f}×).",
        "",
    ]
    if engines:
        lines.append(
            "YARA engines, same rules, same bytes (process CPU): "
            + "; ".join(
                f"{k}: compile {v['compile']:.2f} s, scan {v['bytes'] / 1e6 / v['scan']:.1f} MB/s"
                for k, v in engines.items()
            )
            + "."
        )
    lines.append(
        f"One 64 MiB file, hashes + YARA: read whole + `scan(bytes)` {big['memory']:.0f} MB/s, "
        f"chunked hashing + `scan_file` {big['scan_file']:.0f} MB/s (CPU)."
    )
    body_md = "\n".join(lines)
    print(body_md)
    report_md.write_section(args.out, "sweep", body_md, after="pwned")
    return 0
