"""Benchmark: the offline Pwned Passwords store (issue 16, item 3: pwned lookup ≥ 100,000/s per
core warm and ≤ 2 disk reads cold on a 100-million-hash store, import of it ≤ 10 min).

On generated corpora (random hashes in the downloadable format, sorted, CRLF), in one run:

1. **Import** of the ordered corpus (``--hashes``, one pass), in a child process (its time and
   peak memory); 100 M extrapolated linearly (one pass, bounded memory: the rate is per line).
2. **Warm lookups** per core (one thread): ``count`` (mmap), ``count_direct`` (two
   ``pread``), and ``is_pwned(password)`` (SHA-1 included), half present, half absent.
3. **A 100 M-density slice**: ``--dense`` hashes (100 M / 256) all under the prefix ``00``, i.e.
   the bucket sizes of a 100 M store (about 95 records, 2 KiB) without writing 2 GB; warm and
   cold lookups there (its pages are fewer than a real 100 M store's: warm figures flatter it
   on a machine whose memory could not hold 2 GB, cold ones do not).
4. **Cold lookups**: the store's pages dropped from the page cache (``posix_fadvise DONTNEED``)
   before each lookup; disk reads counted per lookup from ``/proc/self/io`` (read calls,
   bytes read from storage) for ``count_direct``, and major page faults for ``count``.
5. **Baselines on the same text**: ``look`` (binary search in the sorted text, one process per
   query), ``grep -F -f`` (one pass for a batch of queries), and ``LC_ALL=C sort`` of a shuffled
   subset against canhgac's import of the same file (its external sort).
6. **Bloom mode** on the subset: size, time, measured false-positive rate.

Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import harness, report_md

if TYPE_CHECKING:
    import argparse

TARGET = 100_000_000
_IMPORT = """
import json, sys, time
from pathlib import Path
from canhgac.creds.pwned import HashKind, import_corpus
bloom = float(sys.argv[3]) if sys.argv[3] else None
r = import_corpus([Path(sys.argv[1])], Path(sys.argv[2]), bloom_fpr=bloom, kind=HashKind(sys.argv[4]))
# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
import resource
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": r.seconds, "entries": r.entries, "bytes": r.store_bytes, "sorted": r.sorted_input,
                  "fpr": r.fpr, "maxrss_kb": hwm, "cpu": use.ru_utime + use.ru_stime}))
"""


def main(argv: list[str]) -> int:
    ap = harness.options("pwned")
    ap.add_argument("--hashes", type=int, default=10_000_000, help="hashes in the ordered corpus")
    ap.add_argument("--dense", type=int, default=TARGET // 256,
                    help="hashes in the 100 M-density slice (prefix 00); 0: skip")
    ap.add_argument("--ntlm", type=int, default=1_000_000, help="hashes of the NTLM corpus; 0: skip")
    ap.add_argument("--subset", type=int, default=1_000_000, help="hashes of the shuffled subset (sort, Bloom)")
    ap.add_argument("--lookups", type=int, default=300_000, help="warm lookups per measure")
    ap.add_argument("--cold", type=int, default=300, help="cold lookups")
    ap.add_argument("--look", type=int, default=300, help="queries through `look` (one process each)")
    args = harness.parse(ap, argv)
    with harness.work_dir("canhgac-bench-pwned-", keep=args.keep, kept=" (corpora, stores)") as work:
        return run(args, work)


def _generate(path: Path, hashes: int, *, dense: bool = False, seed: int = 16, size: int = 20) -> list[bytes]:
    """A sorted corpus of random hashes of ``size`` bytes (20: SHA-1, 16: NTLM; ``HASH:COUNT``
    CRLF), all under ``00`` when ``dense``; returns about 20,000 of its hashes."""
    rng = random.Random(seed)
    heads = range(256) if dense else range(65536)
    per, extra = divmod(hashes, len(heads))
    every = max(1, hashes // 20_000)
    samples: list[bytes] = []
    written = 0
    with path.open("w", newline="") as out:
        for head in heads:
            k = per + (1 if head < extra else 0)
            width = size - 2
            raw = rng.randbytes(width * k)
            tails = sorted(raw[i:i + width] for i in range(0, width * k, width))
            prefix = f"00{head:02X}" if dense else f"{head:04X}"
            lines = []
            for tail in tails:
                text = prefix + tail.hex().upper()
                lines.append(f"{text}:{rng.randint(1, 9999)}\r\n")
                written += 1
                if written % every == 0:
                    samples.append(bytes.fromhex(text))
            out.write("".join(lines))
    return samples


def _import(text: Path, store: Path, bloom: float | None = None, kind: str = "sha1") -> dict[str, Any]:
    import json

    cmd = [sys.executable, "-c", _IMPORT, str(text), str(store), str(bloom) if bloom else "", kind]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(harness.ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    began = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - began
    return result


def _queries(samples: list[bytes], n: int, *, dense: bool = False, size: int = 20) -> list[bytes]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(rng.choice(samples))
        else:
            q = bytearray(rng.randbytes(size))
            if dense:
                q[0] = 0
            out.append(bytes(q))
    return out


def _rate(fn: Any, items: list[Any]) -> tuple[float, float]:
    """Calls per second of this process's CPU time (per core, what a shared machine's load
    changes least) and per second of wall time."""
    for item in items[:2000]:
        fn(item)  # warm the pages and the code
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.process_time() - cpu), len(items) / (time.perf_counter() - wall)


def _io() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/io").read_text().splitlines():
        key, value = line.split(":")
        values[key] = int(value)
    return values


def _cold(store_path: Path, queries: list[bytes]) -> dict[str, dict[str, float]]:
    """Per cold lookup, for ``count``, ``count_direct`` and ``bucket`` (the range API's read):
    disk reads (read calls plus major page faults: with the store's pages dropped, each is a
    request to the disk) and KiB read from storage."""
    from canhgac.creds.pwned import PwnedStore

    first, second = _io(), _io()
    own = second["syscr"] - first["syscr"]  # the read calls of reading /proc/self/io itself
    ways: dict[str, Any] = {
        "count": lambda s, d: s.count(d),
        "direct": lambda s, d: s.count_direct(d),
        "bucket": lambda s, d: s.bucket((d[0] << 12) | (d[1] << 4) | (d[2] >> 4)),
    }
    out: dict[str, dict[str, float]] = {}
    for name, fn in ways.items():
        calls = faults = kib = most = 0.0
        for digest in queries:
            with PwnedStore(store_path) as store:
                os.posix_fadvise(store.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
                majflt = resource.getrusage(resource.RUSAGE_SELF).ru_majflt
                before = _io()
                fn(store, digest)
                after = _io()
                fault = resource.getrusage(resource.RUSAGE_SELF).ru_majflt - majflt
                call = after["syscr"] - before["syscr"] - own
                faults, calls, most = faults + fault, calls + call, max(most, fault + call)
                kib += (after["read_bytes"] - before["read_bytes"]) / 1024
        n = len(queries)
        out[name] = {"reads": (calls + faults) / n, "calls": calls / n, "faults": faults / n, "kib": kib / n,
                     "max": most}
    return out


def _warm(store_path: Path, queries: list[bytes]) -> dict[str, tuple[float, float]]:
    from canhgac.creds.pwned import PwnedStore, is_pwned, range_body

    with PwnedStore(store_path) as store:
        passwords = [f"password-{i}" for i in range(len(queries))]
        prefixes = [(d[0] << 12) | (d[1] << 4) | (d[2] >> 4) for d in queries]
        return {
            "count": _rate(store.count, queries),
            "direct": _rate(store.count_direct, queries),
            "is_pwned": _rate(lambda p: is_pwned(p, store=store, hashed=False), passwords),
            "range": _rate(lambda p: range_body(store, p), prefixes[: len(prefixes) // 10]),
        }


def _timed(cmd: list[str], **kw: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    return time.monotonic() - began, done


def _look(text: Path, queries: list[bytes]) -> tuple[float, int]:
    found = 0
    began = time.monotonic()
    for q in queries:
        done = subprocess.run(["look", q.hex().upper(), str(text)], capture_output=True, text=True, check=False,
                              env=dict(os.environ, LC_ALL="C"))
        found += bool(done.stdout)
    return len(queries) / (time.monotonic() - began), found


def _grep(text: Path, queries: list[bytes], work: Path) -> tuple[float, int]:
    patterns = work / "queries.txt"
    patterns.write_text("".join(q.hex().upper() + ":\n" for q in queries))
    seconds, done = _timed(["grep", "-F", "-f", str(patterns), str(text)], env=dict(os.environ, LC_ALL="C"))
    return len(queries) / seconds, len(done.stdout.splitlines())


def _shuffled(text: Path, out: Path, n: int) -> None:
    with text.open() as src:
        lines = [line for _i, line in zip(range(n), src, strict=False)]
    random.Random(3).shuffle(lines)
    out.write_text("".join(lines), newline="")


def _false_positives(store_path: Path, trials: int) -> float:
    from canhgac.creds.pwned import PwnedStore

    rng = random.Random(11)
    with PwnedStore(store_path) as store:
        return sum(store.count(rng.randbytes(20)) for _i in range(trials)) / trials


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def run(args: argparse.Namespace, work: Path) -> int:
    sys.path.insert(0, str(harness.ROOT / "src"))
    load_before = _load()
    r: dict[str, Any] = {"load_before": load_before}
    text = work / "corpus.txt"
    began = time.monotonic()
    samples = _generate(text, args.hashes)
    r["generate"] = time.monotonic() - began
    r["text_mb"] = text.stat().st_size / 2**20
    print(f"corpus: {args.hashes:,} hashes, {r['text_mb']:.0f} MiB, {r['generate']:.0f} s", flush=True)
    store = work / "corpus.store"
    r["import"] = _import(text, store)
    print(f"import: {r['import']}", flush=True)
    queries = _queries(samples, args.lookups)
    r["warm"] = _warm(store, queries)
    print(f"warm: {r['warm']}", flush=True)
    r["cold"] = _cold(store, queries[:args.cold])
    print(f"cold: {r['cold']}", flush=True)
    r["look"] = _look(text, queries[:args.look])
    r["grep"] = _grep(text, queries[:1000], work)
    print(f"look: {r['look']}, grep: {r['grep']}", flush=True)
    if args.dense:
        dense_text = work / "dense.txt"
        dense_samples = _generate(dense_text, args.dense, dense=True, seed=17)
        dense = work / "dense.store"
        r["dense_import"] = _import(dense_text, dense)
        dense_queries = _queries(dense_samples, args.lookups, dense=True)
        r["dense_warm"] = _warm(dense, dense_queries)
        r["dense_cold"] = _cold(dense, dense_queries[:args.cold])
        print(f"dense: {r['dense_import']} {r['dense_warm']} {r['dense_cold']}", flush=True)
        dense_text.unlink()
    if args.ntlm:
        ntlm_text = work / "ntlm.txt"
        ntlm_samples = _generate(ntlm_text, args.ntlm, seed=18, size=16)
        ntlm = work / "ntlm.store"
        r["ntlm_import"] = _import(ntlm_text, ntlm, kind="ntlm")
        ntlm_queries = _queries(ntlm_samples, args.lookups, size=16)
        r["ntlm_warm"] = _warm(ntlm, ntlm_queries)
        r["ntlm_cold"] = _cold(ntlm, ntlm_queries[:args.cold])
        print(f"ntlm: {r['ntlm_import']} {r['ntlm_warm']} {r['ntlm_cold']}", flush=True)
        ntlm_text.unlink()
    subset = work / "subset.txt"
    _shuffled(text, subset, args.subset)
    r["sort"], _done = _timed(["sort", "-S", "256M", "--parallel=1", "-o", str(work / "sorted.txt"), str(subset)],
                              env=dict(os.environ, LC_ALL="C"))
    r["subset_import"] = _import(subset, work / "subset.store")
    r["bloom"] = _import(subset, work / "bloom.store", bloom=0.001)
    r["bloom_measured"] = _false_positives(work / "bloom.store", 200_000)
    print(f"sort {r['sort']:.1f} s, subset import {r['subset_import']}, bloom {r['bloom']} "
          f"measured {r['bloom_measured']}", flush=True)
    r["load_after"] = _load()
    body = render(args, r)
    print(body)
    report_md.write_section(args.out, "pwned", body, after="compliance")
    return 0


def _cold_text(c: dict[str, dict[str, float]]) -> str:
    names = {"count": "`count`", "direct": "`count_direct`", "bucket": "`bucket` (served range)"}
    return "; ".join(
        f"{label}: {c[k]['reads']:.2f} disk reads (max {c[k]['max']:.0f}; {c[k]['faults']:.2f} page faults + "
        f"{c[k]['calls']:.2f} read calls), {c[k]['kib']:.1f} KiB" for k, label in names.items())


def _per(rates: tuple[float, float]) -> str:
    return f"{rates[0]:,.0f}/s ({rates[1]:,.0f}/s wall)"


def render(args: argparse.Namespace, r: dict[str, Any]) -> str:
    imp, warm, cold = r["import"], r["warm"], r["cold"]
    rate = imp["entries"] / imp["cpu"]
    look_rate, look_found = r["look"]
    grep_rate, _grep_found = r["grep"]
    sub = r["subset_import"]
    lines = [
        "## Offline Pwned Passwords: import, lookups warm and cold, vs look / grep / sort",
        "",
        report_md.machine_line() + f"; load average {r['load_before']} before, {r['load_after']} after "
        "(a shared machine: other jobs ran, so rates are per second of the process's own CPU time, "
        "wall-clock ones in brackets).",
        report_md.command_line("pwned", hashes=args.hashes, dense=args.dense, ntlm=args.ntlm, subset=args.subset)
        + ", under `nice -n 10` (the machine is shared).",
        "",
        f"Generated corpus: {args.hashes:,} random SHA-1 hashes in the downloadable format (sorted, "
        f"`HASH:COUNT` CRLF), {r['text_mb']:.0f} MiB.",
        "",
        "| Measure | canhgac | Baseline on the same text | Ratio |",
        "|---|---|---|---|",
        report_md.row(f"Import of the ordered corpus, {args.hashes:,} hashes",
                      f"{imp['cpu']:.1f} s CPU ({imp['seconds']:.1f} s wall), {rate:,.0f} hashes/s, "
                      f"peak RSS {imp['maxrss_kb'] / 1024:.0f} MiB, store {imp['bytes'] / 2**20:,.0f} MiB",
                      "none needed by `look`/`grep` (they read the text)", ""),
    ]
    if args.hashes < TARGET:
        lines.append(report_md.row(
            "Import of 100 M (extrapolated, one pass: linear)",
            f"{TARGET / rate / 60:.1f} min of CPU, {TARGET * imp['seconds'] / imp['entries'] / 60:.1f} "
            "min wall at this load (target ≤ 10 min), store "
            f"{(4096 + 8 * 2**20 + TARGET * 22) / 2**30:.2f} GiB", "", ""))
    else:
        lines.append(report_md.row(
            f"Import of {args.hashes:,} (measured; target: 100 M ≤ 10 min)",
            f"{imp['seconds'] / 60:.1f} min wall, {imp['cpu'] / 60:.1f} min of CPU", "", ""))
    lines += [
        report_md.row(f"Sort of a shuffled subset, {args.subset:,} lines",
                      f"{sub['cpu']:.1f} s CPU ({sub['seconds']:.1f} s wall; external sort, peak RSS "
                      f"{sub['maxrss_kb'] / 1024:.0f} MiB)",
                      f"`LC_ALL=C sort -S 256M --parallel=1`: {r['sort']:.1f} s wall",
                      f"{r['sort'] / sub['seconds']:.2f}× sort's speed (wall)"),
        report_md.row("Warm lookups per core, `count` (index through the map, bucket in one pread)",
                      _per(warm["count"]),
                      f"`look` (a process per query): {look_rate:,.0f}/s wall; `grep -F -f` (1,000 queries, "
                      f"one pass): {grep_rate:,.0f}/s wall", f"{warm['count'][1] / look_rate:,.0f}× look, "
                      f"{warm['count'][1] / grep_rate:,.0f}× grep (wall)"),
        report_md.row("Warm lookups per core, `count_direct` (two pread)", _per(warm["direct"]), "", ""),
        report_md.row("Warm `is_pwned(password)` per core (SHA-1 included)", _per(warm["is_pwned"]), "", ""),
        report_md.row("Warm range answers per core (`range_body`: bucket, formatting)", _per(warm["range"]), "", ""),
        report_md.row(f"Cold lookup, {args.cold} queries, page cache dropped before each", _cold_text(cold), "", ""),
    ]
    if "dense_warm" in r:
        dw, dc, di = r["dense_warm"], r["dense_cold"], r["dense_import"]
        lines += [
            report_md.row(f"100 M-density slice ({args.dense:,} hashes under prefix 00): warm",
                          f"`count` {_per(dw['count'])}, `count_direct` {_per(dw['direct'])}, `is_pwned` "
                          f"{_per(dw['is_pwned'])}", "", ""),
            report_md.row("100 M-density slice: cold", _cold_text(dc), "", ""),
            report_md.row("100 M-density slice: import",
                          f"{di['cpu']:.1f} s CPU ({di['entries'] / di['cpu']:,.0f} hashes/s)", "", ""),
        ]
    if "ntlm_warm" in r:
        nw, nc, ni = r["ntlm_warm"], r["ntlm_cold"], r["ntlm_import"]
        lines += [
            report_md.row(f"NTLM corpus, {args.ntlm:,} hashes (`--ntlm`, 32 hex): import",
                          f"{ni['cpu']:.1f} s CPU ({ni['entries'] / ni['cpu']:,.0f} hashes/s), store "
                          f"{ni['bytes'] / 2**20:,.0f} MiB", "", ""),
            report_md.row("NTLM: warm", f"`count` {_per(nw['count'])}, `count_direct` {_per(nw['direct'])}, "
                          f"`is_pwned(password)` (MD4 included) {_per(nw['is_pwned'])}", "", ""),
            report_md.row("NTLM: cold", _cold_text(nc), "", ""),
        ]
    bloom = r["bloom"]
    plain_records = sub["bytes"] - 4096 - 8 * 2**20
    lines += [
        report_md.row(f"Bloom mode, {args.subset:,} hashes, asked rate 0.001",
                      f"{bloom['bytes'] / 2**20:.1f} MiB ({bloom['bytes'] * 8 / bloom['entries']:.1f} bits/hash; "
                      f"sorted records: {plain_records / 2**20:.1f} MiB + 8 MiB index), {bloom['cpu']:.1f} s CPU; "
                      f"expected rate {bloom['fpr']:.2e}, measured {r['bloom_measured']:.2e} (200,000 absent)",
                      "", ""),
        "",
        f"`look` found {look_found} of {args.look} queries (half are present). Disk reads are counted "
        "from `/proc/self/io` (`syscr`, `read_bytes`) "
        "and major page faults (`ru_majflt`) around each lookup after `posix_fadvise(DONTNEED)` on the store: "
        "with the pages dropped, each read call and each major fault is one request to the disk. `count` and "
        "`bucket` fault in the index page (read-ahead off) and read the bucket in one `pread`; "
        "`count_direct` makes two `pread` calls. "
        "Half the queries are absent: in the sparse store most of their buckets are empty, so only the "
        "index page is read.",
    ]
    return "\n".join(lines)
