"""Benchmark: the password-policy audit (issue 16, item 5), on generated data only, against
lil-pwny, the tool a CSIRT would otherwise run on a domain's NT hashes.

``python -m bench pwaudit [--accounts N] [--store-hashes M] [--lil-pwny PATH]``: an NTLM corpus of
random hashes (plus the planted ones) in the downloadable format, a secretsdump-style dump of
random accounts of which 1 % hold a pwned password and 1 % share one, then, on one core:

1. the corpus imported into a store (once per corpus: the audit then reads the store);
2. NT hashes looked up in the store per second (``PwnedStore.count``, warm);
3. the whole audit (two passes, every check) in accounts per second, with the default user-name
   variants and with ``--suffix ''`` (the name check is most of the cost: an MD4 per variant);
4. one salted hash (SHA512-CRYPT, 5,000 rounds) tried against the candidates: tries per second,
   i.e. what the time cap buys;
5. **lil-pwny** 3.2.0 (PyPI; ``--lil-pwny``, e.g. ``/tmp/pwnyvenv/bin/lil-pwny`` from
   ``python3 -m venv /tmp/pwnyvenv && /tmp/pwnyvenv/bin/pip install lil-pwny==3.2.0``) on the same
   accounts (``user:nthash``, its input) and the same corpus text, with ``-d`` (shared
   passwords): it scans the whole corpus text in blocks with every core on each run; its wall
   time and its processes' CPU.

Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import harness, report_md

if TYPE_CHECKING:
    import argparse

EMPTY_LM = "aad3b435b51404eeaad3b435b51404ee"


def main(argv: list[str]) -> int:
    ap = harness.options("pwaudit")
    ap.add_argument("--accounts", type=int, default=50_000)
    ap.add_argument("--store-hashes", type=int, default=1_000_000)
    ap.add_argument("--lil-pwny", type=Path, default=None, help="lil-pwny's executable (a throw-away venv's)")
    args = harness.parse(ap, argv)
    with harness.work_dir("canhgac-bench-pwaudit-", keep=args.keep, kept=" (corpus, dump, store)") as work:
        return run(args, work)


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(args: argparse.Namespace, work: Path) -> int:
    from canhgac.creds.audit import AuditOptions, audit_files, default_suffixes, hashing
    from canhgac.creds.pwned import HashKind, import_corpus, open_store

    rng = random.Random(16)
    r: dict[str, Any] = {"load_before": _load()}
    pwned = [hashing.nt_hash(f"bench-pwned-{i}") for i in range(1000)]
    rows = {os.urandom(16).hex().upper(): rng.randint(1, 1000) for _ in range(args.store_hashes)}
    rows.update({h.hex().upper(): 42 for h in pwned})
    text = work / "ntlm.txt"
    text.write_text("".join(f"{h}:{c}\r\n" for h, c in sorted(rows.items())), encoding="ascii")
    cpu, wall = time.process_time(), time.perf_counter()
    import_corpus([text], work / "ntlm.store", kind=HashKind.NTLM)
    r["import"] = (time.process_time() - cpu, time.perf_counter() - wall)
    store = open_store(work / "ntlm.store")
    shared = hashing.nt_hash("bench-shared").hex()
    dump, plain = work / "dump.ntds", work / "ad.txt"
    with dump.open("w", encoding="ascii") as f, plain.open("w", encoding="ascii") as p:
        for i in range(args.accounts):
            roll = rng.random()
            nt = pwned[i % 1000].hex() if roll < 0.01 else shared if roll < 0.02 else os.urandom(16).hex()
            f.write(f"BENCH\\user{i:07}:{1000 + i}:{EMPTY_LM}:{nt}::: (status=Enabled)\n")
            p.write(f"user{i:07}:{nt}\n")
    probes = [bytes.fromhex(h) for h in list(rows)[:100_000:2]] + [os.urandom(16) for _ in range(50_000)]
    cpu = time.process_time()
    r["hits"] = sum(1 for d in probes if store.count(d))
    r["lookups"] = len(probes) / (time.process_time() - cpu)
    print(f"store: {len(rows):,} NT hashes; {r['lookups']:,.0f} lookups/s warm ({r['hits']:,} hits)", flush=True)
    r["audits"] = []
    for label, suffixes in (("default name variants", default_suffixes()), ("`--suffix ''`", ("",))):
        cpu, wall = time.process_time(), time.perf_counter()
        report = audit_files([dump], AuditOptions(ntlm_store=store, suffixes=suffixes))
        took = (time.process_time() - cpu, time.perf_counter() - wall)
        kinds = report.kinds()
        r["audits"].append((label, took, kinds["weak"], kinds["shared"]))
        print(f"audit, {label}: {took}, weak {kinds['weak']:,}, shared {kinds['shared']:,}", flush=True)
    if hashing.CRYPT is not None:
        stored = hashing.CRYPT.crypt("Not-In-Any-List-1", "$6$benchsalt$")
        words = [f"cand-{i}" for i in range(200)]
        cpu = time.process_time()
        for w in words:
            hashing.crypt_check(stored, w)
        r["crypt"] = len(words) / (time.process_time() - cpu)
    if args.lil_pwny is not None:
        r["lil_pwny"] = _lil_pwny(args.lil_pwny, text, plain, work)
        print(f"lil-pwny: {r['lil_pwny']}", flush=True)
    r["load_after"] = _load()
    body = render(args, r, len(rows))
    print(body)
    report_md.write_section(args.out, "pwaudit", body, after="breach")
    return 0


def _lil_pwny(exe: Path, corpus: Path, accounts: Path, work: Path) -> dict[str, Any]:
    before, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run([str(exe), "-hibp", str(corpus), "-ad", str(accounts), "-d", "-output", "json"],
                          capture_output=True, text=True, check=False, cwd=work)
    result: dict[str, Any] = {"cpu": _children_cpu() - before, "wall": time.perf_counter() - wall,
                              "code": done.returncode}
    for key, marker in (("pwned", "Passwords matching HIBP: "), ("names", "variation of the username: "),
                        ("shared", "multiple user accounts): ")):
        at = done.stdout.rfind(marker)
        result[key] = int(done.stdout[at + len(marker):].split('"')[0]) if at >= 0 else -1
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    result["version"] = (version.stdout or version.stderr).strip().split()[-1] if version.returncode == 0 else "?"
    return result


def render(args: argparse.Namespace, r: dict[str, Any], hashes: int) -> str:
    n = args.accounts
    lines = [
        "## Password-policy audit: canhgac creds audit vs lil-pwny",
        "",
        report_md.machine_line() + f"; load average {r['load_before']} before, {r['load_after']} after "
        "(a shared machine: other jobs ran; canhgac's rates per second of its own CPU time, wall-clock in brackets).",
        report_md.command_line("pwaudit", accounts=n, store_hashes=args.store_hashes,
                               lil_pwny=args.lil_pwny) + ", under `nice -n 10` (the machine is shared).",
        "",
        f"Generated data: an NTLM corpus of {hashes:,} random hashes in the downloadable format (`HASH:COUNT`), "
        f"{n:,} secretsdump-style accounts (1 % with a pwned password, 1 % sharing one); lil-pwny reads the same "
        "accounts as `user:nthash` lines, its input.",
        "",
        *report_md.header("Measure", "canhgac", "lil-pwny (what a CSIRT would otherwise run)"),
        report_md.row(f"Corpus made ready ({hashes:,} hashes)",
                      f"import into a store once: {r['import'][0]:.1f} s CPU ({r['import'][1]:.1f} s wall)",
                      "none: it reads the text on every run"),
        report_md.row("NT hashes looked up in the store, warm", f"{r['lookups']:,.0f}/s", ""),
    ]
    pwny = r.get("lil_pwny")
    for i, (label, (cpu, wall), weak, shared) in enumerate(r["audits"]):
        other = ""
        if i == 0 and pwny is not None:
            other = (f"{pwny['version']}, `-d`: {n / pwny['wall']:,.0f} accounts/s wall ({pwny['wall']:.1f} s, "
                     f"{pwny['cpu']:.1f} s CPU over both cores); pwned {pwny['pwned']:,}, user-name variants "
                     f"{pwny['names']:,}, shared groups {pwny['shared']:,}"
                     + ("" if pwny["code"] == 0 else f", exit {pwny['code']}"))
        elif i == 0:
            other = "not run (`--lil-pwny` not given)"
        lines.append(report_md.row(
            f"Whole audit of {n:,} accounts, {label}",
            f"{n / cpu:,.0f} accounts/s ({n / wall:,.0f}/s wall; {cpu:.1f} s CPU); weak {weak:,}, shared {shared:,}",
            other))
    if "crypt" in r:
        lines.append(report_md.row("SHA512-CRYPT, 5,000 rounds, one try", f"{r['crypt']:,.0f} tries/s",
                                   "not checked (NT hashes only)"))
    lines += [
        "",
        "canhgac judges every account for every kind (empty, user name and its variants, pwned, common, shared, "
        "LM hash, history reuse) in two streaming passes over the dump, against a store it imported once; "
        "lil-pwny compares the accounts with the corpus by reading the whole corpus text on every run, with every "
        "core, and reports pwned passwords, its own user-name variations and shared passwords (printing each "
        "matched account's full NT hash, which canhgac never does). canhgac counts weak accounts, lil-pwny pwned "
        "ones, and its shared figure is groups where canhgac's is accounts. The user-name check dominates "
        "canhgac's cost (an MD4 per variant); `--suffix ''` shows the audit without it. lil-pwny ran from a "
        "throw-away venv, not the project's.",
    ]
    return "\n".join(lines)
