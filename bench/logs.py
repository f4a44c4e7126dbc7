"""Benchmark: log anomaly detection (issue 18) against ``fail2ban-regex`` and GoAccess, on the same
generated logs, in the same run.

1. ``canhgac.lab.log_samples`` writes an nginx access log and a Postfix/Dovecot mail log of
   ``--lines`` lines each (plus an sshd auth.log of a tenth), with ``--share`` attack traffic
   planted (3 % by default) and a manifest of every campaign.
2. canhgac in a child process per log: ``canhgac.logs.pipeline.scan_paths`` with every built-in
   rule (parsing included); when the pipeline is not importable (the rules are built in
   parallel), the child parses only, and the table says so. Lines/s per CPU second, peak RSS.
3. ``fail2ban-regex`` with its stock filters on the same files: ``nginx-botsearch`` (access log),
   ``postfix[mode=auth]`` and ``dovecot`` (mail log), ``sshd`` (auth log); a client counts as
   flagged when it has ``maxretry`` (5) matches within ``findtime`` (10 minutes), fail2ban's jail
   defaults. GoAccess (``--log-format=COMBINED``, JSON report) on the access log: statistics only.
4. Detections against the manifest: each planted campaign found or missed, and on the classes both
   tools cover, which attacker addresses canhgac and fail2ban each flag.
5. The parsers alone, in this process: microseconds per line per format over the first 200,000
   lines of each log, already in memory.
``--big N`` adds a memory run: canhgac on an N-line access log (10,000,000 for the issue's target).
Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness, measure, report_md

ROOT = Path(__file__).resolve().parents[1]
TZ = "Asia/Ho_Chi_Minh"
F2B_FILTERS = {"web": ["nginx-botsearch"], "mail": ["postfix[mode=auth]", "dovecot"], "auth": ["sshd"]}
SHARED = {  # planted classes fail2ban's stock filters also look for
    "web": ("logs.web.404-storm",),
    "mail": (
        "logs.auth.brute-force",
        "logs.auth.spraying",
        "logs.auth.success-after-failures",
        "logs.auth.account-attack",
    ),
    "auth": ("logs.auth.brute-force", "logs.auth.spraying", "logs.auth.success-after-failures"),
}

_CHILD = r"""
import dataclasses, json, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
paths = [Path(p) for p in sys.argv[2:]]
tz = ZoneInfo(%(tz)r)
out = {"mode": sys.argv[1]}
if sys.argv[1] == "scan":
    try:
        from canhgac.logs.detector import load_rules
        from canhgac.logs.pipeline import scan_paths
    except ImportError as exc:
        out["mode"] = "parse"
        out["why"] = str(exc)
if out["mode"] == "scan":
    found = open(sys.argv[-1] + ".detections.jsonl", "w", encoding="utf-8")
    def keep(batch):  # streamed out as found: the scan's memory is the detector's, not its output's
        for d in batch:
            found.write(json.dumps(
                {"rule_id": d.rule_id, "group": d.group, "clients": list(d.clients),
                 "accounts": list(d.accounts), "count": d.count, "first": d.first_seen.isoformat(),
                 "last": d.last_seen.isoformat()}) + "\n")
    result = scan_paths(paths, fmt=None, tz=tz, rules=load_rules(), on_detections=keep)
    found.close()  # the parent reads them (``run_canhgac``)
    out["stats"] = {k: dataclasses.asdict(v) for k, v in result.stats.items()}
else:
    from canhgac.logs.reader import read_records
    from canhgac.logs.records import ParseStats
    out["stats"] = {}
    for path in paths:
        stats = ParseStats()
        for _record in read_records(path, fmt=None, tz=tz, year=None, stats=stats):
            pass
        out["stats"][str(path)] = dataclasses.asdict(stats)
print(json.dumps(out))
"""


def timed(
    label: str, cmd: list[str], *, stdout_path: str, timeout: float, env: dict[str, str] | None = None
) -> measure.Measurement:
    """Wall, CPU and peak RSS of ``cmd``: the RSS from ``/usr/bin/time`` when installed (wait4's
    figure for a child forked from this process starts at this process's own size)."""
    rss_file = Path(stdout_path + ".rss")
    wrapper = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
    m = measure.measure(label, [*wrapper, *cmd], env=env, stdout_path=stdout_path, timeout=timeout)
    if wrapper and rss_file.exists():
        text = rss_file.read_text().strip().splitlines()
        if text and text[-1].isdigit():
            return measure.Measurement(label, m.wall_s, m.cpu_s, int(text[-1]) / 1024, m.returncode)
    return m


def one_line_copy(path: Path, work: Path) -> Path:
    """The first line of ``path`` alone: a tool's run on it is its start-up cost."""
    out = work / f"one-{path.name}"
    with path.open("rb") as fh:
        out.write_bytes(fh.readline())
    return out


def run_canhgac(
    paths: list[Path], work: Path, label: str, timeout: float
) -> tuple[measure.Measurement, dict[str, Any]]:
    script = work / "canhgac_child.py"
    script.write_text(_CHILD % {"tz": TZ})
    out = work / f"{label}.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    m = timed(
        f"canhgac {label}",
        [sys.executable, str(script), "scan", *map(str, paths)],
        env=env,
        stdout_path=str(out),
        timeout=timeout,
    )
    body = json.loads(out.read_text() or "{}") if m.returncode == 0 else {}
    found = Path(str(paths[-1]) + ".detections.jsonl")  # streamed out by the child as it scanned
    if body.get("mode") == "scan" and found.exists():
        with found.open(encoding="utf-8") as lines:
            body["detections"] = [json.loads(line) for line in lines]
        found.unlink()
    return m, body


_ROW = re.compile(r"^\['([^']+)',\s*(\d+)")


def run_fail2ban(
    path: Path, filt: str, work: Path, timeout: float
) -> tuple[measure.Measurement, list[tuple[str, int]]]:
    out = work / f"f2b-{re.sub(r'[^a-z0-9]+', '-', filt)}-{path.name}.txt"
    m = timed(
        f"fail2ban-regex {filt}",
        ["fail2ban-regex", "-o", "row", str(path), filt],
        stdout_path=str(out),
        timeout=timeout,
    )
    rows = []
    with out.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            hit = _ROW.match(line)
            if hit:
                rows.append((hit.group(1), int(hit.group(2))))
    return m, rows


def flagged(rows: list[tuple[str, int]], maxretry: int = 5, findtime: int = 600) -> set[str]:
    """The addresses a fail2ban jail with these defaults would ban."""
    times: dict[str, list[int]] = defaultdict(list)
    for ip, t in rows:
        times[ip].append(t)
    out = set()
    for ip, ts in times.items():
        ts.sort()
        if any(ts[i + maxretry - 1] - ts[i] <= findtime for i in range(len(ts) - maxretry + 1)):
            out.add(ip)
    return out


def found(attack: dict[str, Any], detections: list[dict[str, Any]]) -> bool:
    """Whether a detection of the attack's rule names every one of its keys (``key=value`` in
    its group, or the value among its clients or accounts: exactly, 203.0.113.1 is not .10)."""
    for d in detections:
        if d["rule_id"] != attack["rule_id"]:
            continue
        tokens = set(re.split(r"[\s,;]+", d["group"]))
        if all(
            f"{k}={v}" in tokens or v in d["clients"] or v in d["accounts"]
            for k, v in attack["keys"].items()
            if v
        ):
            return True
    return False


def parser_rates(paths: dict[str, Path], limit: int = 200_000) -> dict[str, float]:
    """Microseconds per line of the parsers alone (decode, parse, record), lines in memory."""
    sys.path.insert(0, str(ROOT / "src"))
    from zoneinfo import ZoneInfo

    from canhgac.logs.formats import make_parser
    from canhgac.logs.reader import parse_lines
    from canhgac.logs.records import ParseContext, ParseStats

    out = {}
    for name, fmt in (("web", "nginx"), ("mail", "postfix"), ("auth", "sshd")):
        with paths[name].open("rb") as fh:
            lines = [(i + 1, fh.readline()) for i in range(limit)]
        lines = [x for x in lines if x[1]]
        ctx = ParseContext(str(paths[name]), tz=ZoneInfo(TZ), year=2026)
        best = float("inf")
        for _ in range(3):
            parser = make_parser(fmt)
            stats = ParseStats()
            t = time.process_time()
            for _r in parse_lines(lines, parser, ctx, stats):
                pass
            best = min(best, time.process_time() - t)
        out[fmt] = best / len(lines) * 1e6
    return out


@dataclass
class Row:
    label: str
    log: str
    lines: int
    m: measure.Measurement
    fixed_cpu: float  # the same tool on a one-line file: start-up, imports, filter compilation

    def cells(self) -> list[str]:
        steady = max(self.m.cpu_s - self.fixed_cpu, 1e-9)
        return [
            self.label,
            self.log,
            f"{self.lines / max(self.m.cpu_s, 1e-9):,.0f}",
            f"{self.lines / steady:,.0f}",
            f"{self.m.cpu_s:.1f}",
            f"{self.fixed_cpu:.2f}",
            f"{self.m.wall_s:.1f}",
            f"{self.m.peak_rss_mb:.0f}",
        ]


def _goaccess(path: Path, work: Path, timeout: float) -> measure.Measurement:
    return timed(
        "goaccess",
        [
            "goaccess",
            str(path),
            "--log-format=COMBINED",
            "--no-global-config",
            "-o",
            str(work / f"report-{path.name}.json"),
        ],
        stdout_path=str(work / f"goaccess-{path.name}.txt"),
        timeout=timeout,
    )


def _version(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        return f"{cmd[0]} not installed"
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return out.split("\n")[0].strip().rstrip(".")


def run_all(
    paths: dict[str, Path], lines: dict[str, int], work: Path, timeout: float
) -> tuple[list[Row], dict[str, dict[str, Any]], dict[str, list[tuple[str, int]]]]:
    """Every tool on every log it reads, and on a one-line copy for its start-up cost."""
    rows: list[Row] = []
    bodies: dict[str, dict[str, Any]] = {}
    f2b_rows: dict[str, list[tuple[str, int]]] = {}
    for name, path in paths.items():
        one = one_line_copy(path, work)
        fixed = run_canhgac([one], work, f"one-{name}", timeout)[0].cpu_s
        m, body = run_canhgac([path], work, name, timeout)
        bodies[name] = body
        label = "canhgac scan (parse + all rules)" if body.get("mode") == "scan" else "canhgac (parse only)"
        rows.append(Row(label, name, lines[name], m, fixed))
    if shutil.which("fail2ban-regex"):
        for name, filters in F2B_FILTERS.items():
            one = one_line_copy(paths[name], work)
            for filt in filters:
                fixed = run_fail2ban(one, filt, work, timeout)[0].cpu_s
                m, hits = run_fail2ban(paths[name], filt, work, timeout)
                f2b_rows.setdefault(name, []).extend(hits)
                rows.append(Row(f"fail2ban-regex {filt}", name, lines[name], m, fixed))
    if shutil.which("goaccess"):
        fixed = _goaccess(one_line_copy(paths["web"], work), work, timeout).cpu_s
        rows.append(
            Row(
                "GoAccess (statistics only)",
                "web",
                lines["web"],
                _goaccess(paths["web"], work, timeout),
                fixed,
            )
        )
    return rows, bodies, f2b_rows


def main(argv: list[str]) -> int:
    ap = harness.options("logs")
    ap.add_argument(
        "--lines", type=int, default=1_000_000, help="lines of the access log and of the mail log"
    )
    ap.add_argument("--share", type=float, default=0.03, help="share of attack traffic")
    ap.add_argument(
        "--big", type=int, default=0, help="also a memory run on an access log of this many lines"
    )
    args = harness.parse(ap, argv, timeout=3600)
    sys.path.insert(0, str(ROOT / "src"))
    from canhgac.lab.log_samples import write_samples

    load_before = os.getloadavg()
    with harness.work_dir("canhgac-bench-logs-", keep=args.keep) as work:
        t = time.process_time()
        sample = write_samples(
            work / "logs", web_lines=args.lines, mail_lines=args.lines, attack_share=args.share
        )
        gen_s = time.process_time() - t
        manifest = json.loads(sample.manifest.read_text())
        paths = {"web": sample.web, "mail": sample.mail, "auth": sample.auth}
        for p in paths.values():
            p.read_bytes()  # page cache warm for every tool alike
        rows, bodies, f2b_rows = run_all(paths, sample.lines, work, args.timeout)
        rates = parser_rates(paths)
        if args.big:
            big = write_samples(
                work / "big", web_lines=args.big, mail_lines=1000, auth_lines=1000, attack_share=args.share
            )
            fixed = run_canhgac([one_line_copy(big.web, work)], work, "one-big", args.timeout)[0].cpu_s
            m, _body = run_canhgac([big.web], work, "big", args.timeout)
            rows.append(Row(f"canhgac, {args.big:,}-line access log", "web", args.big, m, fixed))
            big.web.unlink()
        versions = (_version(["fail2ban-regex", "--version"]), _version(["goaccess", "--version"]))
    load_after = os.getloadavg()
    scanned = all(b.get("mode") == "scan" for b in bodies.values())
    out = [
        "## Log anomaly detection: canhgac logs vs fail2ban-regex and GoAccess",
        "",
        f"{report_md.machine_line()}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"(a shared machine: rates are per second of each tool's own CPU time). {versions[0]}, {versions[1]}.",
        report_md.command_line("logs", lines=args.lines, share=args.share, big=args.big or None),
        "",
        f"Generated by `canhgac.lab.log_samples` in {gen_s:.1f} s CPU: access log {sample.lines['web']:,} lines, "
        f"mail log {sample.lines['mail']:,}, auth log {sample.lines['auth']:,}; {len(sample.attacks)} planted "
        f"campaigns, {len(sample.benign)} benign look-alikes, {args.share:.0%} attack traffic (at least one "
        "campaign of each class). Peak RSS from `/usr/bin/time`.",
        "",
    ]
    if not scanned:
        why = next((b.get("why", "") for b in bodies.values() if b.get("why")), "")
        out += [f"**canhgac ran parsing only**: the detection pipeline was not importable ({why}).", ""]
    out += report_md.header(
        "Tool (one core)",
        "Log",
        "Lines/s per CPU s",
        "Steady lines/s (CPU − start-up)",
        "CPU (s)",
        "Start-up CPU (s)",
        "Wall (s)",
        "Peak RSS (MB)",
    )
    out += [report_md.row(*row.cells()) for row in rows]
    out += [
        "",
        "Parsers alone (decode + parse + record, lines in memory, best of 3): "
        + ", ".join(f"{fmt} {us:.2f} µs/line" for fmt, us in rates.items())
        + ".",
        "",
    ]
    if scanned:
        out += comparison(manifest, bodies, f2b_rows)
    body_md = "\n".join(out)
    print(body_md)
    report_md.write_section(args.out, "logs", body_md, after="sweep")
    return 0


def comparison(
    manifest: dict[str, Any], bodies: dict[str, dict[str, Any]], f2b_rows: dict[str, list[tuple[str, int]]]
) -> list[str]:
    out = [
        *report_md.header("Planted class", "Log", "Campaigns", "canhgac found", "fail2ban flagged (shared)")
    ]
    by_class: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for attack in manifest["attacks"]:
        by_class[(attack["rule_id"], attack["log"])].append(attack)
    banned = {name: flagged(rows) for name, rows in f2b_rows.items()}
    for (rule, log), attacks in sorted(by_class.items()):
        detections = bodies[log].get("detections", [])
        hits = sum(found(a, detections) for a in attacks)
        shared = ""
        if rule in SHARED.get(log, ()) and log in banned:
            clients = [a["keys"].get("client") for a in attacks if a["keys"].get("client")]
            if rule == "logs.auth.account-attack":
                clients = []
                shared = "(per account: fail2ban counts per address)"
            if clients:
                shared = f"{sum(c in banned[log] for c in clients)} of {len(clients)} attackers"
        out.append(report_md.row(rule, log, len(attacks), f"{hits} of {len(attacks)}", shared))
    planted_clients = {v for a in manifest["attacks"] for k, v in a["keys"].items() if k == "client"}
    extra_f2b = {name: len(ips - planted_clients) for name, ips in banned.items()}
    extra = {}
    for log, body in bodies.items():
        ours = [a for a in manifest["attacks"] if a["log"] == log]
        extra[log] = sum(1 for d in body.get("detections", []) if not any(found(a, [d]) for a in ours))
    out += [
        "",
        "Detections that match no planted campaign (false positives): canhgac "
        + ", ".join(f"{k} {v}" for k, v in extra.items())
        + "; addresses fail2ban would ban that planted no attack: "
        + ", ".join(f"{k} {v}" for k, v in extra_f2b.items())
        + ".",
    ]
    return out
