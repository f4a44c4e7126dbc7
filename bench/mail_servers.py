"""Benchmark: N lab mail hosts, canhgac's mail-server scan vs sslyze's CLI vs nmap's scripts.

The lab SMTP hosts (bench/mail_lab_proc.py, aiosmtpd with STARTTLS) and the lab DNS
(bench/dns_server_proc.py: MX, A and PTR records) run in processes of their own. The three
tools scan the same endpoints in the same run, one after the other, each in its own child
process (the Python ones under the loopback guard): wall time, CPU time (user+sys) and peak
RSS from ``wait4``. Their verdicts per endpoint (address:port) are then compared: protocols
offered, certificate trusted and expired, open relay. Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench.measure import Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = "mailbench.gov.test"
RESOLVER = "127.97.0.1"
PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
# How each tool names a protocol version
CANHGAC_PROTOCOLS = {
    "SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.0": "TLS 1.0",
    "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3",
}
SSLYZE_PROTOCOLS = {
    "ssl_2_0_cipher_suites": "SSL 2.0", "ssl_3_0_cipher_suites": "SSL 3.0",
    "tls_1_0_cipher_suites": "TLS 1.0", "tls_1_1_cipher_suites": "TLS 1.1",
    "tls_1_2_cipher_suites": "TLS 1.2", "tls_1_3_cipher_suites": "TLS 1.3",
}
NMAP_PROTOCOLS = {
    "SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLSv1.0": "TLS 1.0", "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3",
}
SSLYZE_CUSTOM_STORE = "Supplied CA file"  # sslyze's name for --certinfo_ca_file's store
EXPIRED_ERROR = "cert is not valid at validation time"
# TLS profile -> protocols the lab server offers (what every tool should find)
PROFILE_PROTOCOLS = {
    "modern": ("TLS 1.2", "TLS 1.3"),
    "tls10": ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls11": ("TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls12only": ("TLS 1.2",),
    "tls13only": ("TLS 1.3",),
    "none": (),
}


# ---------------------------------------------------------------------------------------------
# The lab


def build_plan(n: int) -> list[dict[str, Any]]:
    """N mail hosts, one agency domain each, with a deterministic mix of planted cases.

    Addresses 127.26.X.Y; every 10th host has a second address (127.27.X.Y, two A records);
    every 5th also listens on 587. TLS: half modern (TLS 1.2+1.3), 1 in 8 each TLS 1.0+,
    TLS 1.1+, TLS 1.2 only; 1 in 16 TLS 1.3 only; 1 in 50 without STARTTLS. Certificates:
    1 in 10 expired, 1 in 10 self-signed, the rest from the lab CA; 1 in 12 is an open relay.
    """
    tls_cycle = ("modern", "tls10", "modern", "tls12only", "modern", "tls11", "modern", "tls13only")
    plan = []
    for i in range(n):
        domain = f"agency{i:03d}.{SUFFIX}"
        x, y = divmod(i, 250)
        addresses = [f"127.26.{x}.{y + 1}"]
        if i % 10 == 9:
            addresses.append(f"127.27.{x}.{y + 1}")
        tls = tls_cycle[i % 8]
        if tls == "tls13only" and i % 16 != 7:
            tls = "modern"
        if i % 50 == 49:
            tls = "none"
        plan.append({
            "domain": domain,
            "name": f"mail.{domain}",
            "addresses": addresses,
            "ports": [25, 587] if i % 5 == 2 else [25],
            "tls": tls,
            "cert": {3: "expired", 6: "self-signed"}.get(i % 10, "ca"),
            "key": "rsa2048" if i % 4 == 0 else "ec256",
            "open_relay": i % 12 == 5,
        })
    return plan


def _soa(origin: str) -> str:
    return f"@ 300 IN SOA ns1.{SUFFIX}. hostmaster.{SUFFIX}. 2026112501 3600 600 604800 300\n"


def build_zones(plan: list[dict[str, Any]]) -> dict[str, str]:
    zones: dict[str, str] = {}
    reverse = [_soa("127.in-addr.arpa"), f"@ 300 IN NS ns1.{SUFFIX}.\n"]
    for host in plan:
        records = [_soa(host["domain"]), f"@ 300 IN NS ns1.{SUFFIX}.\n", "@ 300 IN MX 10 mail\n"]
        records += [f"mail 300 IN A {a}\n" for a in host["addresses"]]
        zones[host["domain"]] = "".join(records)
        for a in host["addresses"]:
            owner = ".".join(reversed(a.split(".")[1:]))
            reverse.append(f"{owner} 300 IN PTR {host['name']}.\n")
    zones[SUFFIX] = _soa(SUFFIX) + f"@ 300 IN NS ns1.{SUFFIX}.\nns1 300 IN A {RESOLVER}\n"
    zones["127.in-addr.arpa"] = "".join(reverse)
    return zones


def inventory_yaml(plan: list[dict[str, Any]]) -> str:
    lines = [
        "version: 1",
        'province: {code: BENCH, name: "Bench"}',
        "scope: {public_suffixes: [gov.test], loopback_only: true}",
        "agencies:",
    ]
    for i, host in enumerate(plan):
        ports = ", ".join(str(p) for p in host["ports"])
        lines += [
            f"  - code: M{i:03d}",
            f'    name: "Agency {i}"',
            "    kind: department",
            f"    domains: [{{name: {host['domain']}, mail_hosts: [{{host: {host['name']}, ports: [{ports}]}}]}}]",
        ]
    return "\n".join(lines) + "\n"


def endpoints(plan: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, int]]:
    return [(h, a, p) for h in plan for a in h["addresses"] for p in h["ports"]]


def _start(cmd: list[str], what: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        raise SystemExit(f"{what} did not start")
    return proc, line[1:]


# ---------------------------------------------------------------------------------------------
# Verdicts per endpoint


@dataclass
class Verdict:
    protocols: tuple[str, ...] | None = None  # None: the tool has no verdict here
    trusted: bool | None = None
    expired: bool | None = None
    open_relay: bool | None = None
    note: str = ""


Verdicts = dict[str, Verdict]  # "address:port" -> what the tool found


def canhgac_verdicts(path: Path) -> tuple[Verdicts, Counter[str]]:
    """Per endpoint, from the mail.tls.* and mail.smtp.open-relay results' evidence."""
    out: Verdicts = {}
    statuses: Counter[str] = Counter()
    if not path.exists():
        return out, statuses
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        statuses[r["status"]] += 1
        check, ev = r["check_id"], r.get("evidence") or {}
        if check in ("mail.tls.protocols", "mail.tls.cert-trusted", "mail.tls.cert-expired"):
            for e in ev.get("endpoints", []):
                v = out.setdefault(e["endpoint"].split()[0], Verdict())  # "127.26.0.2:25 STARTTLS/smtp"
                state = e.get("verdict")
                if check == "mail.tls.protocols" and isinstance(e.get("protocols"), dict):
                    v.protocols = tuple(sorted(CANHGAC_PROTOCOLS[k] for k, ok in e["protocols"].items() if ok))
                elif check == "mail.tls.cert-trusted" and state not in (None, "not_applicable", "error"):
                    v.trusted = state == "trusted"
                    if state != "trusted":
                        v.note = state
                elif check == "mail.tls.cert-expired" and state in ("ok", "fault"):
                    v.expired = state == "fault"
            for where in ev.get("no_starttls", []):
                out.setdefault(where, Verdict()).protocols = ()
        elif check == "mail.smtp.open-relay":
            for e in ev.get("endpoints", []):
                if e.get("state") in ("ok", "fault"):
                    out.setdefault(e["endpoint"], Verdict()).open_relay = e["state"] == "fault"
    return out, statuses
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        statuses[r["status"]] += 1
        check, ev = r["check_id"], r.get("evidence") or {}
        if check in ("mail.tls.protocols", "mail.tls.cert-trusted", "mail.tls.cert-expired"):
            for e in ev.get("endpoints", []):
                v = out.setdefault(f"{e['address']}:{e['port']}", Verdict())
                if check == "mail.tls.protocols":
                    accepted = e.get("protocols_accepted", e.get("protocols"))
                    if isinstance(accepted, dict):
                        accepted = [k for k, ok in accepted.items() if ok]
                    if accepted is not None:
                        v.protocols = tuple(sorted(CANHGAC_PROTOCOLS.get(p, p) for p in accepted))
                elif check == "mail.tls.cert-trusted":
                    v.trusted = e["verdict"] == "pass" if e["verdict"] in ("pass", "fail") else None
                else:
                    v.expired = e["verdict"] == "fail" if e["verdict"] in ("pass", "fail") else None
            for where in ev.get("no_starttls", []):
                out.setdefault(where, Verdict()).protocols = ()
        elif check == "mail.smtp.open-relay":
            for s in ev.get("sessions", ev.get("endpoints", [])):
                where = f"{s['address']}:{s['port']}"
                relay = s.get("open_relay", s.get("relay"))
                if relay is not None:
                    out.setdefault(where, Verdict()).open_relay = bool(relay)
    return out, statuses


def sslyze_verdicts(path: Path) -> Verdicts:
    out: Verdicts = {}
    if not path.exists():
        return out
    doc = json.loads(path.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    for s in doc.get("server_scan_results", []):
        loc = s["server_location"]
        where = f"{loc['ip_address']}:{loc['port']}"
        if s.get("connectivity_status") != "COMPLETED":
            out[where] = Verdict(protocols=(), note=f"connectivity: {s.get('connectivity_error_trace', '')}"[:200])
            continue
        res = s["scan_result"]
        accepted = []
        for key, name in SSLYZE_PROTOCOLS.items():
            attempt = res.get(key) or {}
            if attempt.get("status") == "COMPLETED" and attempt["result"]["accepted_cipher_suites"]:
                accepted.append(name)
        v = Verdict(protocols=tuple(sorted(accepted)))
        cert = (res.get("certificate_info") or {})
        if cert.get("status") == "COMPLETED":
            deployment = cert["result"]["certificate_deployments"][0]
            custom = [p for p in deployment["path_validation_results"]
                      if p["trust_store"]["name"] == SSLYZE_CUSTOM_STORE]
            leaf = deployment["received_certificate_chain"][0]
            v.expired = datetime.fromisoformat(leaf["not_valid_after"]) < now
            if custom:
                error = str(custom[0].get("validation_error") or "")
                # canhgac judges trust (the chain) and expiry apart; sslyze's path validation
                # fails an expired leaf from a trusted CA: that one counts as trusted-but-expired
                v.trusted = custom[0]["was_validation_successful"] or (v.expired and EXPIRED_ERROR in error)
                v.note = error[:120]
        out[where] = v
    return out


def nmap_verdicts(path: Path) -> Verdicts:
    out: Verdicts = {}
    if not path.exists():
        return out
    for host in ET.parse(path).getroot().iter("host"):
        address = host.find("address").get("addr")  # type: ignore[union-attr]
        for port in host.iter("port"):
            state = port.find("state")
            if state is None or state.get("state") != "open":
                continue
            v = Verdict(protocols=())
            for script in port.iter("script"):
                if script.get("id") == "ssl-enum-ciphers":
                    names = [t.get("key") for t in script.findall("table")]
                    v.protocols = tuple(sorted(NMAP_PROTOCOLS[k] for k in names if k in NMAP_PROTOCOLS))
                elif script.get("id") == "smtp-open-relay":
                    text = script.get("output", "")
                    v.open_relay = "is an open relay" in text
                    if not v.open_relay and "doesn't seem to be an open relay" not in text:
                        v.open_relay, v.note = None, text.strip()[:120]
            out[f"{address}:{port.get('portid')}"] = v
    return out


@dataclass
class Comparison:
    aspect: str
    other: str
    agree: int = 0
    disagree: list[str] = field(default_factory=list)
    missing: int = 0  # endpoints where one of the two has no verdict
    neither: list[str] = field(default_factory=list)  # ... of which neither side has one
    only_theirs: Counter[int] = field(default_factory=Counter)  # port -> verdicts canhgac lacks
    only_ours: list[str] = field(default_factory=list)


def compare(
    ours: Verdicts, theirs: Verdicts, other: str, aspect: str, wanted: list[str]
) -> Comparison:
    c = Comparison(aspect, other)
    for where in wanted:
        a = getattr(ours.get(where, Verdict()), aspect)
        b = getattr(theirs.get(where, Verdict()), aspect)
        if a is None or b is None:
            c.missing += 1
            if a is None and b is None:
                c.neither.append(where)
            elif a is None:
                c.only_theirs[int(where.rsplit(":", 1)[1])] += 1
            else:
                c.only_ours.append(where + ("" if where in theirs else f" ({other} did not report the port open)"))
        elif a == b:
            c.agree += 1
        else:
            note = theirs.get(where, Verdict()).note
            c.disagree.append(f"{where}: canhgac {_show(a)}, {other} {_show(b)}" + (f" ({note})" if note else ""))
    return c


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(value) + "}" if value else "no TLS"
    return str(value).lower()


# ---------------------------------------------------------------------------------------------
# The run


def write_section(path: Path, body: str) -> None:
    begin, end = "<!-- bench:mail-servers:begin -->", "<!-- bench:mail-servers:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:  # after the mail-domains section, before the hand-written notes
        anchor = "<!-- bench:mail-domains:end -->"
        if anchor in text:
            head, rest = text.split(anchor, 1)
            text = head + anchor + "\n\n" + section + rest
        else:
            text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def lab_cpu(procs: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in procs)


@dataclass
class ToolRun:
    m: Measurement
    endpoints: int  # how many endpoints this tool was given
    lab_cpu_s: float


def run_tool(procs: list[psutil.Process], label: str, cmd: list[str], n_endpoints: int, **kw: Any) -> ToolRun:
    cpu0 = lab_cpu(procs)
    m = measure(label, cmd, **kw)
    print(m.row(), flush=True)
    return ToolRun(m, n_endpoints, lab_cpu(procs) - cpu0)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench mail-servers")
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--delay", type=float, default=0.0, help="lab DNS answer delay (s)")
    ap.add_argument("--sslyze-hosts", type=int, default=None,
                    help="sslyze scans the first M hosts only (default: all); scaled linearly")
    ap.add_argument("--nmap-hosts", type=int, default=None,
                    help="nmap scans the first M hosts only (default: all); scaled linearly")
    ap.add_argument("--timeout", type=float, default=400, help="per tool, seconds")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)
    nmap = shutil.which("nmap")
    if nmap is None:
        raise SystemExit("nmap is not installed (Debian: apt-get install -y nmap)")
    plan = build_plan(args.hosts)
    work = Path(tempfile.mkdtemp(prefix="canhgac-bench-mail-"))
    print(f"work directory: {work}", flush=True)
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "zones.json").write_text(json.dumps(build_zones(plan)))
    (work / "inventory.yaml").write_text(inventory_yaml(plan))
    all_endpoints = endpoints(plan)
    ssl_plan = plan[: args.sslyze_hosts or len(plan)]
    nmap_plan = plan[: args.nmap_hosts or len(plan)]
    ssl_endpoints, nmap_endpoints = endpoints(ssl_plan), endpoints(nmap_plan)
    env = dict(os.environ, CANHGAC_WORKSPACE=str(work / "ws"))
    lab, listeners = _start([sys.executable, "-m", "bench.mail_lab_proc", str(work / "plan.json"), str(work)],
                            "lab mail servers")
    dns, (dns_port, _) = _start(
        [sys.executable, "-m", "bench.dns_server_proc", str(work / "zones.json"), RESOLVER, str(args.delay)],
        "lab DNS server",
    )
    print(f"lab: {listeners[0]} SMTP listeners for {len(plan)} hosts; DNS on {RESOLVER}:{dns_port}", flush=True)
    procs = [psutil.Process(lab.pid), psutil.Process(dns.pid)]
    ca = work / "ca.pem"
    try:
        ours = run_tool(procs, "canhgac scan", [
            sys.executable, "-m", "bench.run_canhgac", "--lang", "en", "scan", str(work / "inventory.yaml"),
            "--resolver", f"{RESOLVER}:{dns_port}", "--family", "mail.smtp", "--family", "mail.tls",
            "--ca-file", str(ca), "--no-store", "--json-out", str(work / "canhgac.jsonl"),
        ], len(all_endpoints), env=env, timeout=args.timeout)
        sslyze = run_tool(procs, "sslyze" + _subset(ssl_endpoints, all_endpoints), [
            sys.executable, "-m", "bench.run_sslyze", "--starttls=smtp", "--mozilla_config=disable",
            "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
            "--certinfo", f"--certinfo_ca_file={ca}", "--quiet", f"--json_out={work / 'sslyze.json'}",
            *(f"{h['name']}:{p}{{{a}}}" for h, a, p in ssl_endpoints),
        ], len(ssl_endpoints), env=env, timeout=args.timeout)
        nmap_addresses = [a for h in nmap_plan for a in h["addresses"]]
        assert all(a.startswith("127.") for a in nmap_addresses)
        nmap_run = run_tool(procs, "nmap" + _subset(nmap_endpoints, all_endpoints), [
            nmap, "-Pn", "-n", "-p", "25,587", "--script", "smtp-open-relay,ssl-enum-ciphers",
            "-oX", str(work / "nmap.xml"), *nmap_addresses,
        ], len(nmap_endpoints), env=env, timeout=args.timeout)
    finally:
        for proc in (lab, dns):
            proc.kill()
            proc.wait()
    ours_v, statuses = canhgac_verdicts(work / "canhgac.jsonl")
    ssl_v, nmap_v = sslyze_verdicts(work / "sslyze.json"), nmap_verdicts(work / "nmap.xml")
    ssl_where = [f"{a}:{p}" for _, a, p in ssl_endpoints]
    nmap_where = [f"{a}:{p}" for _, a, p in nmap_endpoints]
    comparisons = [
        compare(ours_v, ssl_v, "sslyze", "protocols", ssl_where),
        compare(ours_v, ssl_v, "sslyze", "trusted", ssl_where),
        compare(ours_v, ssl_v, "sslyze", "expired", ssl_where),
        compare(ours_v, nmap_v, "nmap", "protocols", nmap_where),
        compare(ours_v, nmap_v, "nmap", "open_relay", nmap_where),
    ]
    truth = ground_truth(all_endpoints)
    body = render(args, plan, all_endpoints, ours, sslyze, nmap_run, comparisons, statuses,
                  compare(truth, ours_v, "canhgac", "protocols", [f"{a}:{p}" for _, a, p in all_endpoints]),
                  _versions(nmap))
    print(body)
    write_section(args.out, body)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    ok = all(t.m.returncode == 0 for t in (ours, sslyze, nmap_run))
    return 0 if ok else 1


def _subset(some: list[Any], every: list[Any]) -> str:
    return "" if len(some) == len(every) else f" ({len(some)} endpoints)"


def ground_truth(eps: list[tuple[dict[str, Any], str, int]]) -> Verdicts:
    return {f"{a}:{p}": Verdict(protocols=PROFILE_PROTOCOLS[h["tls"]]) for h, a, p in eps}


def _versions(nmap: str) -> dict[str, str]:
    from importlib.metadata import version

    first = subprocess.run([nmap, "--version"], capture_output=True, text=True, check=False).stdout
    return {
        "nmap": first.split()[2] if first.startswith("Nmap version") else "?",
        "sslyze": version("sslyze"),
        "nassl": version("nassl"),
        "canhgac": version("canhgac"),
    }


def render(
    args: argparse.Namespace,
    plan: list[dict[str, Any]],
    eps: list[tuple[dict[str, Any], str, int]],
    ours: ToolRun,
    sslyze: ToolRun,
    nmap: ToolRun,
    comparisons: list[Comparison],
    statuses: Counter[str],
    truth: Comparison,
    versions: dict[str, str],
) -> str:
    n_ep = len(eps)
    rows = ["| tool | endpoints | wall (s) | CPU (s) | peak RSS (MB) | lab servers' CPU (s) |",
            "|---|---|---|---|---|---|"]
    scaled: dict[str, tuple[float, float]] = {}
    for run in (ours, sslyze, nmap):
        m = run.m
        rows.append(f"| {m.label} | {run.endpoints} | {m.wall_s:.2f} | {m.cpu_s:.2f} | {m.peak_rss_mb:.0f} | "
                    f"{run.lab_cpu_s:.2f} |")
        k = n_ep / run.endpoints
        scaled[m.label] = (m.wall_s * k, m.cpu_s * k)
        if run.endpoints != n_ep:
            rows.append(f"| {m.label.split(' ')[0]}, scaled ×{k:.2f} to {n_ep} endpoints | {n_ep} | "
                        f"{m.wall_s * k:.2f} | {m.cpu_s * k:.2f} | {m.peak_rss_mb:.0f} | |")
    ow, oc = ours.m.wall_s, ours.m.cpu_s
    sw, sc = scaled[sslyze.m.label]
    nw, nc = scaled[nmap.m.label]
    profiles = Counter(h["tls"] for h in plan)
    certs = Counter(h["cert"] for h in plan if h["tls"] != "none")
    relays = sum(h["open_relay"] for h in plan)
    addresses = sum(len(h["addresses"]) for h in plan)
    lines = [
        "## Mail servers: canhgac vs sslyze vs nmap",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, Python {platform.python_version()}, canhgac {versions['canhgac']}, "
        f"sslyze {versions['sslyze']} (nassl {versions['nassl']}), Nmap {versions['nmap']} (Debian package).",
        "",
        "Command: `python3 scripts/dev.py bench mail-servers --hosts "
        f"{args.hosts}"
        + (f" --sslyze-hosts {args.sslyze_hosts}" if args.sslyze_hosts else "")
        + (f" --nmap-hosts {args.nmap_hosts}" if args.nmap_hosts else "")
        + "`",
        "",
        f"{len(plan)} lab mail hosts (aiosmtpd with STARTTLS, one process) on {addresses} loopback addresses, "
        f"{n_ep} SMTP endpoints (port 25 on every address, 587 too on 1 host in 5). TLS profiles: "
        + ", ".join(f"{k} {v}" for k, v in profiles.most_common())
        + "; certificates: " + ", ".join(f"{k} {v}" for k, v in certs.most_common())
        + f"; {relays} open relays. Lab DNS (MX, A, PTR) in another process, answers delayed "
        f"{args.delay * 1000:.0f} ms. The lab processes share the 2 cores with the tool being measured; "
        "their CPU during each run is in the last column.",
        "",
        "Tools and commands (the work directory's paths shortened):",
        "",
        "- canhgac: `canhgac scan inventory.yaml --resolver 127.97.0.1:PORT --family mail.smtp "
        "--family mail.tls --ca-file ca.pem --no-store --json-out canhgac.jsonl`",
        "- sslyze: `python -m sslyze --starttls=smtp --mozilla_config=disable --sslv2 --sslv3 --tlsv1 "
        "--tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo --certinfo_ca_file=ca.pem --quiet --json_out=sslyze.json "
        "mail.agency000.mailbench.gov.test:25{127.26.0.1} ...` (all targets in one invocation)",
        "- nmap: `nmap -Pn -n -p 25,587 --script smtp-open-relay,ssl-enum-ciphers -oX nmap.xml "
        "127.26.0.1 ...` (every lab address)",
        "",
        *rows,
        "",
        f"**Ratios (wall): sslyze / canhgac {sw / ow:.1f}×, nmap / canhgac {nw / ow:.1f}×.** "
        f"CPU: canhgac {oc:.1f} s, sslyze {sc:.1f} s, nmap {nc:.1f} s"
        + (" (scaled)" if sslyze.endpoints != n_ep or nmap.endpoints != n_ep else "") + ".",
        "",
        f"canhgac result statuses: {', '.join(f'{k} {v}' for k, v in statuses.most_common())}. "
        f"canhgac's protocols against what the lab planted: {truth.agree} of {n_ep} endpoints agree"
        + (f"; differ: {'; '.join(truth.disagree[:10])}" if truth.disagree else "") + ".",
        "",
        "Verdicts per endpoint:",
        "",
        "| verdict | compared with | endpoints | agree | disagree | no verdict (see below) |",
        "|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        total = c.agree + len(c.disagree) + c.missing
        lines.append(f"| {c.aspect.replace('_', ' ')} | {c.other} | {total} | {c.agree} | {len(c.disagree)} | "
                     f"{c.missing} |")
    lines += ["", "Endpoints without a verdict:"]
    for c in comparisons:
        if not c.missing:
            continue
        why = []
        if c.neither and c.aspect in ("trusted", "expired"):
            why.append(f"{len(c.neither)} where neither tool has one (the endpoints without STARTTLS: "
                       "both report no TLS, so there is no certificate)")
        elif c.neither:
            why.append(f"{len(c.neither)} where neither tool has one: " + ", ".join(c.neither[:5]))
        for port, k in sorted(c.only_theirs.items()):
            why.append(f"{k} on port {port} where only {c.other} has one"
                       + (" (canhgac sends its relay probe on port 25 only; nmap's smtp-open-relay "
                          "also runs on 587)" if c.aspect == "open_relay" and port != 25 else ""))
        if c.only_ours:
            why.append(f"{len(c.only_ours)} where only canhgac has one: " + ", ".join(c.only_ours[:5]))
        lines.append(f"- {c.aspect.replace('_', ' ')} vs {c.other}: " + "; ".join(why) + ".")
    for c in comparisons:
        if c.disagree:
            lines += ["", f"Disagreements on {c.aspect.replace('_', ' ')} with {c.other} ({len(c.disagree)}):"]
            lines += [f"- {d}" for d in c.disagree[:15]]
            if len(c.disagree) > 15:
                lines.append(f"- … and {len(c.disagree) - 15} more")
    return "\n".join(lines)
