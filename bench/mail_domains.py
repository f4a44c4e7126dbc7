"""Benchmark: e-mail domain posture of N synthetic agency domains, canhgac vs checkdmarc.

Both tools query the same lab DNS server (a separate process, every answer delayed by
``--delay`` seconds to stand for a real resolver's latency) in the same run. Measured per tool:
wall time, CPU time (user+sys) and peak RSS of its process. Writes a section of
docs/benchmarks.md.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import dns.version
import psutil
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import harness, lab_procs, report_md, tools
from bench.checkdmarc_env import checkdmarc_python, child_env, installed_version
from bench.measure import Measurement, run_tool
from bench.tool_outputs import canhgac_results

if TYPE_CHECKING:
    import argparse
    import subprocess

SUFFIX = "bench.gov.test"
RESOLVER = "127.98.0.1"
NS1, NS2 = "127.98.1.1", "127.98.2.1"
VENDORS = 4


def _soa(origin: str) -> str:
    return f"@ 300 IN SOA ns1.{origin}. hostmaster.{origin}. 2026112501 3600 600 604800 300\n"


def _dkim_value() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    b64 = base64.b64encode(der).decode()
    chunks = " ".join(f'"{b64[i : i + 200]}"' for i in range(0, len(b64), 200))
    return f'"v=DKIM1; k=rsa; p=" {chunks}'


def build_zones(n: int) -> tuple[dict[str, str], list[str]]:
    """N agency zones delegated from SUFFIX, plus SPF vendor zones with nested includes.

    The mix is realistic: most domains are decent, some have the usual faults (no DMARC,
    p=none, ~all vs -all, a missing DKIM key), so both tools take their full code paths.
    """
    dkim = _dkim_value()
    zones: dict[str, str] = {}
    parent = [_soa(SUFFIX), f"@ 300 IN NS ns1.{SUFFIX}.\n", f"ns1 300 IN A {NS1}\n"]
    domains = []
    for i in range(n):
        label = f"agency{i:04d}"
        d = f"{label}.{SUFFIX}"
        domains.append(d)
        parent += [
            f"{label} 300 IN NS ns1.{d}.\n",
            f"{label} 300 IN NS ns2.{d}.\n",
            f"ns1.{label} 300 IN A {NS1}\n",
            f"ns2.{label} 300 IN A {NS2}\n",
        ]
        vendor = f"_spf.vendor{i % VENDORS}.test"
        all_q = "-all" if i % 3 else "~all"
        rec = [
            _soa(d),
            "@ 300 IN NS ns1\n",
            "@ 300 IN NS ns2\n",
            f"ns1 300 IN A {NS1}\n",
            f"ns2 300 IN A {NS2}\n",
            "@ 300 IN MX 10 mail\n",
            "mail 300 IN A 127.98.3.1\n",
            f'@ 300 IN TXT "v=spf1 mx include:{vendor} {all_q}"\n',
            '@ 300 IN CAA 0 issue "letsencrypt.org"\n',
        ]
        if i % 7:
            policy = "none" if i % 5 == 0 else "quarantine"
            rec.append(f'_dmarc 300 IN TXT "v=DMARC1; p={policy}; rua=mailto:dmarc@{d}"\n')
        if i % 4:
            rec.append(f"mail2024._domainkey 300 IN TXT {dkim}\n")
        if i % 2:
            rec += [
                '_mta-sts 300 IN TXT "v=STSv1; id=20260101T000000"\n',
                "mta-sts 300 IN A 127.98.3.2\n",
                f'_smtp._tls 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{d}"\n',
            ]
        zones[d] = "".join(rec)
    zones[SUFFIX] = "".join(parent)
    for v in range(VENDORS):
        z = f"vendor{v}.test"
        zones[z] = (
            _soa(z)
            + f"@ 300 IN NS ns1.{z}.\n"
            + f"ns1 300 IN A {NS1}\n"
            + f'_spf 300 IN TXT "v=spf1 include:_net1.{z} include:_net2.{z} ~all"\n'
            + '_net1 300 IN TXT "v=spf1 ip4:127.98.10.0/24 ip4:127.98.11.0/24 ~all"\n'
            + f'_net2 300 IN TXT "v=spf1 ip6:2001:db8:{v}::/48 a:relay.{z} ~all"\n'
            + "relay 300 IN A 127.98.12.1\n"
        )
    return zones, domains


def inventory_yaml(domains: list[str]) -> str:
    return harness.inventory(
        (f"A{i:04d}", f"Agency {i}", f"domains: [{{name: {d}, dkim_selectors: [mail2024]}}]")
        for i, d in enumerate(domains)
    )


def domain_families() -> list[str]:
    """The check families that run on a domain target (``mail.spf``, ``dns.zone``...).

    ``canhgac scan`` also scans the MX hosts themselves (SMTP, IMAP/POP3, TLS, blocklists);
    that is not what checkdmarc does nor what this benchmark is about, so the scan is
    narrowed to the domain checks with ``--family``. Taken from the registry, so a new
    domain check is benchmarked without editing this file.
    """
    from canhgac.engine.builtin import builtin_registry
    from canhgac.engine.targets import TargetKind

    return sorted({spec.family for spec in builtin_registry().for_kind(TargetKind.DOMAIN)})


def udp_drops(port: int) -> int | None:
    """Datagrams the kernel dropped on the lab server's UDP sockets (Linux: /proc/net/udp).

    Counted per socket (the ``drops`` column), so other traffic on the host does not count.
    """
    total, found = 0, False
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            rows = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                total += int(fields[-1])
                found = True
    return total if found else None


@dataclass
class Side:
    """What happened around one tool's run: lab server CPU, UDP drops."""

    server_cpu_s: float
    udp_drops: int | None


def run_around(
    server: subprocess.Popen[str], port: int, label: str, cmd: list[str], env: dict[str, str]
) -> tuple[Measurement, Side]:
    """Measure a tool's run, and the lab server's CPU and UDP drops during it."""
    drops0 = udp_drops(port)
    run = run_tool([psutil.Process(server.pid)], label, cmd, env=env)
    drops1 = udp_drops(port)
    drops = None if drops0 is None or drops1 is None else drops1 - drops0
    return run.m, Side(run.lab_cpu_s, drops)


def canhgac_statuses(path: Path) -> tuple[Counter[str], Counter[str]]:
    """Result statuses, and (check, reason) for every error result."""
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for r in canhgac_results(path):
        statuses[r["status"]] += 1
        if r["status"] == "error":
            errors[f"{r['check_id']}: {r['error_reason']}"] += 1
    return statuses, errors


CD_SECTIONS = ("soa", "ns", "mx", "spf", "dmarc", "dnssec", "mta_sts", "smtp_tls_reporting", "bimi")


def checkdmarc_summary(path: Path) -> tuple[int, dict[str, Counter[str]]]:
    """Per checkdmarc section: how many domains came back valid/present, or with which error."""
    if not path.exists():
        return 0, {}
    results = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Counter[str]] = {s: Counter() for s in CD_SECTIONS}
    for r in results:
        for section in CD_SECTIONS:
            v = r.get(section)
            if section == "dnssec":
                out[section]["signed" if v else "unsigned"] += 1
            elif not isinstance(v, dict):
                out[section]["missing"] += 1
            elif "error" in v:
                out[section]["error: " + classify_cd_error(str(v["error"]))] += 1
            elif v.get("valid") is True:
                out[section]["valid"] += 1
            else:
                out[section]["answered"] += 1
    return len(results), out


def classify_cd_error(text: str) -> str:
    if "does not exist" in text or "answered REFUSED" in text or "NXDOMAIN" in text:
        return "record absent (NXDOMAIN, or REFUSED for a zone not served)"
    if "loopback guard" in text:
        return "HTTPS policy fetch refused by the loopback guard"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return "DNS timeout"
    return text[:80]


def main(argv: list[str]) -> int:
    ap = harness.options("mail-domains")
    ap.add_argument("--domains", type=int, default=500)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument(
        "--checkdmarc-domains",
        type=int,
        default=None,
        help="how many domains checkdmarc checks (default: all); its wall time is scaled linearly",
    )
    args = harness.parse(ap, argv, keep_help="keep the work directory (inputs and both outputs)")
    zones, domains = build_zones(args.domains)
    kept = " (zones, inventory, canhgac.jsonl, checkdmarc.json)"
    with harness.work_dir("canhgac-bench-", keep=args.keep, kept=kept) as work:
        return scan_and_report(args, work, zones, domains)


def scan_and_report(args: argparse.Namespace, work: Path, zones: dict[str, str], domains: list[str]) -> int:
    (work / "zones.json").write_text(json.dumps(zones))
    (work / "inventory.yaml").write_text(inventory_yaml(domains))
    cd_domains = domains[: args.checkdmarc_domains or len(domains)]
    (work / "domains.txt").write_text("\n".join(cd_domains))
    families = domain_families()
    cd_python = checkdmarc_python()  # its own venv (checkdmarc 6 needs cryptography>=50)
    server, port, rcvbuf = lab_procs.start_dns(work / "zones.json", (RESOLVER, NS1, NS2), str(args.delay))
    env = harness.tool_env(work, CANHGAC_BENCH_DNS_STATS=str(work / "canhgac-dns.json"))
    try:
        ours, ours_side = run_around(server, port, "canhgac scan", tools.canhgac_scan(
            work / "inventory.yaml",
            "--resolver", f"{RESOLVER}:{port}", "--nameserver-port", str(port), "--no-store",
            "--concurrency", "500", "--json-out", str(work / "canhgac.jsonl"), *tools.families(families),
        ), env)
        theirs, theirs_side = run_around(
            server, port,
            "checkdmarc" if len(cd_domains) == len(domains) else f"checkdmarc ({len(cd_domains)} domains)",
            [str(cd_python), "-m", "bench.run_checkdmarc", str(work / "domains.txt"), RESOLVER, str(port),
             str(work / "checkdmarc.json")],
            child_env(env),
        )
    finally:
        lab_procs.stop(server)
    statuses, errors = canhgac_statuses(work / "canhgac.jsonl")
    dns_path = work / "canhgac-dns.json"
    dns_stats = json.loads(dns_path.read_text()) if dns_path.exists() else {}
    cd_n, cd_summary = checkdmarc_summary(work / "checkdmarc.json")
    result = Run(
        args, ours, theirs, ours_side, theirs_side, len(cd_domains), rcvbuf, families,
        statuses, errors, dns_stats, cd_n, cd_summary, installed_version(cd_python),
    )
    body = render(result)
    print(body)
    report_md.write_section(args.out, "mail-domains", body)
    ok = ours.returncode == 0 and theirs.returncode == 0 and cd_n == len(cd_domains)
    return 0 if ok else 1


@dataclass
class Run:
    args: argparse.Namespace
    ours: Measurement
    theirs: Measurement
    ours_side: Side
    theirs_side: Side
    cd_domains: int
    rcvbuf: int
    families: list[str]
    statuses: Counter[str]
    errors: Counter[str]
    dns_stats: dict[str, int]
    cd_results: int
    cd_summary: dict[str, Counter[str]]
    cd_version: str


def _counts(c: Counter[str]) -> str:
    return report_md.counts(c.most_common()) or "none"


def render(run: Run) -> str:
    args, ours, theirs = run.args, run.ours, run.theirs
    n, cd_n = args.domains, run.cd_domains
    scale = n / cd_n
    theirs_wall = theirs.wall_s * scale
    scaled = cd_n != n
    note = (
        ""
        if not scaled
        else (
            f" checkdmarc checked {cd_n} of the {n} domains (it works through them one "
            f"at a time, so its time grows linearly); its wall time is scaled ×{scale:g} "
            "for the ratio."
        )
    )
    results = sum(run.statuses.values())
    dns_counts = run.dns_stats
    dns_line = (
        f"canhgac sent {dns_counts.get('queries', 0)} DNS queries through its DnsClient ({dns_counts.get('tcp', 0)} "
        "over TCP; AXFR attempts are not counted); outcomes: "
        + _counts(Counter({k.removeprefix("status:"): v for k, v in dns_counts.items() if k.startswith("status:")}))
        + "."
    )
    drops = ", ".join(
        f"{label} {'n/a' if side.udp_drops is None else side.udp_drops}"
        for label, side in (("during canhgac", run.ours_side), ("during checkdmarc", run.theirs_side))
    )
    cd_lines = [
        f"- `{section}`: {_counts(c)}" for section, c in run.cd_summary.items()
    ]
    return "\n".join(
        [
            "## E-mail domain posture: canhgac vs checkdmarc",
            "",
            report_md.machine_line(processor=True) + f", dnspython {dns.version.version}; checkdmarc "
            f"{run.cd_version} in its own virtualenv (bench/out/checkdmarc-venv).",
            "",
            report_md.command_line(
                "mail-domains", domains=n, delay=args.delay, checkdmarc_domains=cd_n if scaled else None
            ),
            "",
            f"{n} synthetic agency domains served by the lab DNS server in its own process; "
            f"every answer delayed by {args.delay * 1000:.0f} ms. canhgac runs every domain check "
            f"({results} results; `--family` {', '.join(run.families)}; the MX hosts' own "
            "checks, SMTP/IMAP/POP3/TLS/blocklists, are left out); checkdmarc runs its default domain checks with TLS probing off."
            + note,
            "",
            *report_md.header("tool", "wall (s)", "CPU (s)", "peak RSS (MB)"),
            ours.row(),
            theirs.row(),
            *(
                [f"| checkdmarc, scaled ×{scale:g} to {n} domains | {theirs_wall:.2f} | "
                 f"{theirs.cpu_s * scale:.2f} | {theirs.peak_rss_mb:.0f} |"]
                if scaled
                else []
            ),
            "",
            f"**Ratio (checkdmarc wall / canhgac wall): {theirs_wall / ours.wall_s:.1f}×** "
            f"(CPU: canhgac {ours.cpu_s:.1f} s vs checkdmarc {theirs.cpu_s * scale:.1f} s"
            + (" scaled" if scaled else "")
            + ").",
            "",
            f"Lab DNS server CPU (same 2 cores, its own process): {run.ours_side.server_cpu_s:.1f} s "
            f"during canhgac, {run.theirs_side.server_cpu_s:.1f} s during checkdmarc. Its UDP receive "
            f"buffer was enlarged to {run.rcvbuf // 1024} KiB; UDP datagrams dropped for a full "
            f"buffer on the server's sockets (/proc/net/udp drops): {drops}.",
            "",
            f"canhgac result statuses: {_counts(run.statuses)}. Error results: {_counts(run.errors)}.",
            dns_line,
            "",
            f"checkdmarc returned {run.cd_results} domain results; per section:",
            *cd_lines,
        ]
    )

