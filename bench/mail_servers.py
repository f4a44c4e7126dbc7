"""Benchmark: N lab mail hosts, canhgac's mail-server scan vs sslyze's CLI vs nmap's scripts.

The lab SMTP hosts (bench/mail_lab_proc.py, aiosmtpd with STARTTLS) and the lab DNS
(bench/dns_server_proc.py: MX, A and PTR records) run in processes of their own. The three
tools scan the same endpoints in the same run, one after the other, each in its own child
process (the Python ones under the loopback guard): wall time, CPU time (user+sys) and peak
RSS from ``wait4``. Their verdicts per endpoint (address:port) are then compared: protocols
offered, certificate trusted and expired, open relay. Writes a section of docs/benchmarks.md.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bench import harness, lab_procs, report_md, tools
from bench.lab_tls import key_for, profile_for
from bench.mail_verdicts import (
    Comparison,
    Endpoint,
    canhgac_verdicts,
    compare,
    ground_truth,
    nmap_verdicts,
    sslyze_verdicts,
)
from bench.measure import ToolRun, run_tool

if TYPE_CHECKING:
    import argparse

SUFFIX = "mailbench.gov.test"
RESOLVER = "127.97.0.1"


# ---------------------------------------------------------------------------------------------
# The lab


def build_plan(n: int) -> list[dict[str, Any]]:
    """N mail hosts, one agency domain each, with a deterministic mix of planted cases.

    Addresses 127.26.X.Y; every 10th host has a second address (127.27.X.Y, two A records);
    every 5th also listens on 587. TLS: half modern (TLS 1.2+1.3), 1 in 8 each TLS 1.0+,
    TLS 1.1+, TLS 1.2 only; 1 in 16 TLS 1.3 only; 1 in 50 without STARTTLS. Certificates:
    1 in 10 expired, 1 in 10 self-signed, the rest from the lab CA; 1 in 12 is an open relay.
    """
    plan = []
    for i in range(n):
        domain = f"agency{i:03d}.{SUFFIX}"
        x, y = divmod(i, 250)
        addresses = [f"127.26.{x}.{y + 1}"]
        if i % 10 == 9:
            addresses.append(f"127.27.{x}.{y + 1}")
        tls = "none" if i % 50 == 49 else profile_for(i)
        plan.append({
            "domain": domain,
            "name": f"mail.{domain}",
            "addresses": addresses,
            "ports": [25, 587] if i % 5 == 2 else [25],
            "tls": tls,
            "cert": {3: "expired", 6: "self-signed"}.get(i % 10, "ca"),
            "key": key_for(i),
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
    return harness.inventory(
        (
            f"M{i:03d}",
            f"Agency {i}",
            f"domains: [{{name: {host['domain']}, mail_hosts: [{{host: {host['name']}, "
            f"ports: [{', '.join(str(p) for p in host['ports'])}]}}]}}]",
        )
        for i, host in enumerate(plan)
    )


def endpoints(plan: list[dict[str, Any]]) -> list[Endpoint]:
    return [(h, a, p) for h in plan for a in h["addresses"] for p in h["ports"]]


# ---------------------------------------------------------------------------------------------
# The run


def main(argv: list[str]) -> int:
    ap = harness.options("mail-servers")
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--delay", type=float, default=0.0, help="lab DNS answer delay (s)")
    ap.add_argument("--sslyze-hosts", type=int, default=None,
                    help="sslyze scans the first M hosts only (default: all); scaled linearly")
    ap.add_argument("--nmap-hosts", type=int, default=None,
                    help="nmap scans the first M hosts only (default: all); scaled linearly")
    args = harness.parse(ap, argv, timeout=400)
    nmap = tools.nmap_path()
    plan = build_plan(args.hosts)
    with harness.work_dir("canhgac-bench-mail-", keep=args.keep) as work:
        return scan_and_report(args, work, plan, nmap)


def scan_and_report(args: argparse.Namespace, work: Path, plan: list[dict[str, Any]], nmap: str) -> int:
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "zones.json").write_text(json.dumps(build_zones(plan)))
    (work / "inventory.yaml").write_text(inventory_yaml(plan))
    all_endpoints = endpoints(plan)
    ssl_plan = plan[: args.sslyze_hosts or len(plan)]
    nmap_plan = plan[: args.nmap_hosts or len(plan)]
    ssl_endpoints, nmap_endpoints = endpoints(ssl_plan), endpoints(nmap_plan)
    env = harness.tool_env(work)
    lab, listeners = lab_procs.start("lab mail servers", "bench.mail_lab_proc", str(work / "plan.json"), str(work))
    dns, dns_port, _ = lab_procs.start_dns(work / "zones.json", (RESOLVER,), str(args.delay))
    print(f"lab: {listeners[0]} SMTP listeners for {len(plan)} hosts; DNS on {RESOLVER}:{dns_port}", flush=True)
    procs = [psutil.Process(lab.pid), psutil.Process(dns.pid)]
    ca = work / "ca.pem"
    try:
        ours = run_tool(procs, "canhgac scan", tools.canhgac_scan(
            work / "inventory.yaml",
            "--resolver", f"{RESOLVER}:{dns_port}", *tools.families(("mail.smtp", "mail.tls")),
            "--ca-file", str(ca), "--no-store", "--json-out", str(work / "canhgac.jsonl"),
        ), len(all_endpoints), env=env, timeout=args.timeout)
        sslyze = run_tool(
            procs, "sslyze" + report_md.subset(ssl_endpoints, all_endpoints, "endpoints"),
            tools.sslyze_scan(ca, work / "sslyze.json", (f"{h['name']}:{p}{{{a}}}" for h, a, p in ssl_endpoints),
                              starttls="smtp"),
            len(ssl_endpoints), env=env, timeout=args.timeout,
        )
        nmap_addresses = [a for h in nmap_plan for a in h["addresses"]]
        assert all(a.startswith("127.") for a in nmap_addresses)
        nmap_run = run_tool(procs, "nmap" + report_md.subset(nmap_endpoints, all_endpoints, "endpoints"), [
            nmap, "-Pn", "-n", "-p", "25,587", "--script", "smtp-open-relay,ssl-enum-ciphers",
            "-oX", str(work / "nmap.xml"), *nmap_addresses,
        ], len(nmap_endpoints), env=env, timeout=args.timeout)
    finally:
        lab_procs.stop(lab, dns)
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
    report_md.write_section(args.out, "mail-servers", body, after="mail-domains")
    ok = all(t.m.returncode == 0 for t in (ours, sslyze, nmap_run))
    return 0 if ok else 1


def _versions(nmap: str) -> dict[str, str]:
    return {
        "nmap": tools.nmap_version(nmap),
        "sslyze": version("sslyze"),
        "nassl": version("nassl"),
        "canhgac": version("canhgac"),
    }


def render(
    args: argparse.Namespace,
    plan: list[dict[str, Any]],
    eps: list[Endpoint],
    ours: ToolRun,
    sslyze: ToolRun,
    nmap: ToolRun,
    comparisons: list[Comparison],
    statuses: Counter[str],
    truth: Comparison,
    versions: dict[str, str],
) -> str:
    n_ep = len(eps)
    ow, oc = ours.m.wall_s, ours.m.cpu_s
    sw, sc = sslyze.scaled(n_ep)
    nw, nc = nmap.scaled(n_ep)
    profiles = Counter(h["tls"] for h in plan)
    certs = Counter(h["cert"] for h in plan if h["tls"] != "none")
    relays = sum(h["open_relay"] for h in plan)
    addresses = sum(len(h["addresses"]) for h in plan)
    lines = [
        "## Mail servers: canhgac vs sslyze vs nmap",
        "",
        report_md.machine_line() + f", canhgac {versions['canhgac']}, "
        f"sslyze {versions['sslyze']} (nassl {versions['nassl']}), Nmap {versions['nmap']} (Debian package).",
        "",
        report_md.command_line(
            "mail-servers", hosts=args.hosts, sslyze_hosts=args.sslyze_hosts or None, nmap_hosts=args.nmap_hosts or None
        ),
        "",
        f"{len(plan)} lab mail hosts (aiosmtpd with STARTTLS, one process) on {addresses} loopback addresses, "
        f"{n_ep} SMTP endpoints (port 25 on every address, 587 too on 1 host in 5). TLS profiles: "
        + report_md.counts(profiles.most_common())
        + "; certificates: " + report_md.counts(certs.most_common())
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
        *report_md.tool_table((ours, sslyze, nmap), n_ep, "endpoints"),
        "",
        f"**Ratios (wall): sslyze / canhgac {sw / ow:.1f}×, nmap / canhgac {nw / ow:.1f}×.** "
        f"CPU: canhgac {oc:.1f} s, sslyze {sc:.1f} s, nmap {nc:.1f} s"
        + (" (scaled)" if sslyze.targets != n_ep or nmap.targets != n_ep else "") + ".",
        "",
        f"canhgac result statuses: {report_md.counts(statuses.most_common())}. "
        f"canhgac's protocols against what the lab planted: {truth.agree} of {n_ep} endpoints agree"
        + (f"; differ: {'; '.join(truth.disagree[:10])}" if truth.disagree else "") + ".",
        "",
        "Verdicts per endpoint:",
        "",
        *report_md.header("verdict", "compared with", "endpoints", "agree", "disagree", "no verdict (see below)"),
    ]
    for c in comparisons:
        total = c.agree + len(c.disagree) + c.missing
        lines.append(report_md.row(c.aspect.replace("_", " "), c.other, total, c.agree, len(c.disagree), c.missing))
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
            why.append(f"{k} on port {port} where only {c.other} has one")
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
