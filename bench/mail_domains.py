"""Benchmark: e-mail domain posture of N synthetic agency domains, canhgac vs checkdmarc.

Both tools query the same lab DNS server (a separate process, every answer delayed by
``--delay`` seconds to stand for a real resolver's latency) in the same run. Measured per tool:
wall time, CPU time (user+sys) and peak RSS of its process. Writes a section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.measure import Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
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
    lines = [
        "version: 1",
        'province: {code: BENCH, name: "Bench"}',
        "scope: {public_suffixes: [gov.test], loopback_only: true}",
        "agencies:",
    ]
    for i, d in enumerate(domains):
        lines += [
            f"  - code: A{i:04d}",
            f'    name: "Agency {i}"',
            "    kind: department",
            f"    domains: [{{name: {d}, dkim_selectors: [mail2024]}}]",
        ]
    return "\n".join(lines) + "\n"


def start_server(zones_path: Path, delay: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.dns_server_proc",
            str(zones_path),
            ",".join((RESOLVER, NS1, NS2)),
            str(delay),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        raise SystemExit("lab DNS server did not start")
    return proc, int(line[1])


def write_section(path: Path, body: str) -> None:
    begin, end = "<!-- bench:mail-domains:begin -->", "<!-- bench:mail-domains:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench mail-domains")
    ap.add_argument("--domains", type=int, default=500)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument(
        "--checkdmarc-domains",
        type=int,
        default=None,
        help="how many domains checkdmarc checks (default: all)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = ap.parse_args(argv)
    zones, domains = build_zones(args.domains)
    work = Path(tempfile.mkdtemp(prefix="canhgac-bench-"))
    (work / "zones.json").write_text(json.dumps(zones))
    (work / "inventory.yaml").write_text(inventory_yaml(domains))
    cd_domains = domains[: args.checkdmarc_domains or len(domains)]
    (work / "domains.txt").write_text("\n".join(cd_domains))
    server, port = start_server(work / "zones.json", args.delay)
    env = dict(os.environ, CANHGAC_WORKSPACE=str(work / "ws"))
    try:
        ours = measure(
            "canhgac scan",
            [
                sys.executable,
                "-m",
                "bench.run_canhgac",
                "--lang",
                "en",
                "scan",
                str(work / "inventory.yaml"),
                "--resolver",
                f"{RESOLVER}:{port}",
                "--nameserver-port",
                str(port),
                "--no-store",
                "--concurrency",
                "500",
                "--json-out",
                str(work / "canhgac.jsonl"),
            ],
            env=env,
        )
        theirs = measure(
            "checkdmarc",
            [
                sys.executable,
                "-m",
                "bench.run_checkdmarc",
                str(work / "domains.txt"),
                RESOLVER,
                str(port),
                str(work / "checkdmarc.json"),
            ],
            env=env,
        )
    finally:
        server.kill()
    results = (
        sum(1 for _ in open(work / "canhgac.jsonl", encoding="utf-8"))
        if ours.returncode == 0
        else 0
    )
    scale = len(domains) / len(cd_domains)
    theirs_wall = theirs.wall_s * scale
    body = render(args, ours, theirs, len(cd_domains), theirs_wall, results)
    print(body)
    write_section(args.out, body)
    return 0 if ours.returncode == 0 and theirs.returncode == 0 else 1


def render(
    args: argparse.Namespace,
    ours: Measurement,
    theirs: Measurement,
    cd_n: int,
    theirs_wall: float,
    results: int,
) -> str:
    note = (
        ""
        if cd_n == args.domains
        else (
            f" checkdmarc checked {cd_n} of the {args.domains} domains (it works through them one "
            f"at a time, so its time grows linearly); its wall time is scaled ×{args.domains / cd_n:g} "
            "for the ratio."
        )
    )
    return "\n".join(
        [
            "## E-mail domain posture: canhgac vs checkdmarc",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}.",
            f"Command: `python3 scripts/dev.py bench mail-domains --domains {args.domains} --delay {args.delay}`",
            "",
            f"{args.domains} synthetic agency domains served by the lab DNS server in its own process; "
            f"every answer delayed by {args.delay * 1000:.0f} ms. canhgac runs every domain check "
            f"({results} results: MX, SPF with nested includes, DMARC with org-domain fallback, DKIM over "
            "its selector list, MTA-STS, TLS-RPT, DNSSEC, NS consistency and AXFR on each name server, "
            "CAA); checkdmarc runs its default domain checks with TLS probing off." + note,
            "",
            "| tool | wall (s) | CPU (s) | peak RSS (MB) |",
            "|---|---|---|---|",
            ours.row(),
            theirs.row(),
            "",
            f"**Ratio (checkdmarc wall / canhgac wall): {theirs_wall / ours.wall_s:.1f}×** "
            f"(CPU: canhgac {ours.cpu_s:.1f} s vs checkdmarc {theirs.cpu_s:.1f} s).",
        ]
    )
