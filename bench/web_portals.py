"""Benchmark: N lab web portals, canhgac's web checks vs Mozilla's HTTP Observatory vs sslyze.

The lab portals (bench/web_lab_proc.py: the lab's PortalSite with planted cases, on ports 443
and 80 of a loopback address each) and the lab DNS (bench/dns_server_proc.py) run in processes
of their own. In the same run, one after the other, each in its own child process:

- canhgac: ``canhgac scan`` with the checks whose ids start web.headers, web.cookies, web.hsts,
  web.https and web.tls (``--check`` each; under the loopback guard);
- the HTTP Observatory (npm ``@mdn/mdn-http-observatory``, installed with ``--ignore-scripts``
  into bench/out/observatory, an empty HSTS preload list): its ``scan()`` for every portal,
  several at a time, in one Node process (bench/run_observatory.mjs, with a loopback guard that
  also answers its name lookups); optionally its CLI, one process per portal, on a few portals;
- sslyze's CLI on every portal's HTTPS endpoint (under the loopback guard).

Wall time, CPU time (user+sys) and peak RSS of each tool's process tree come from ``wait4``.
Their verdicts per portal are then compared where two tools judge the same thing. Writes a
section between the ``bench:web-portals`` markers of docs/benchmarks.md (or, while that page
has no such markers, to /tmp/bench-web-portals.md).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bench import harness, lab_procs, report_md, tools
from bench.lab_tls import key_for, profile_for
from bench.measure import ToolRun, run_tool
from bench.observatory_env import installed_version, observatory_package
from bench.web_report import WebRun, render, write_section
from bench.web_verdicts import (
    VERDICTS,
    canhgac_verdicts,
    compare,
    observatory_verdicts,
    planned,
    sslyze_verdicts,
)

if TYPE_CHECKING:
    import argparse

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = "webbench.gov.test"
RESOLVER = "127.96.0.1"
# Check-id prefixes (the catalog families are wider: web.headers also holds CORS and risky
# methods, web.transport also CAA; the workload stays the one measured since session 1)
FAMILIES = ("web.headers", "web.cookies", "web.hsts", "web.https", "web.tls")
# The checks whose collector makes no TLS analysis (web.hsts and web.https share theirs with
# web.tls, which analyses TLS on every address): the nearest canhgac gets to the Observatory's work
HTTP_FAMILIES = ("web.headers", "web.cookies")
# sslyze's side: the TLS checks alone (their collector also fetches the http:// and https:// entry
# and looks up CAA, which sslyze does not do)
TLS_FAMILIES = ("web.tls",)


def check_ids(prefixes: tuple[str, ...]) -> list[str]:
    """The registered check ids under these dotted prefixes (``web.tls`` → ``web.tls.*``)."""
    from canhgac.engine.builtin import builtin_registry

    ids = builtin_registry().checks
    return sorted(i for i in ids if any(i == p or i.startswith(p + ".") for p in prefixes))

COOKIES = ("PHPSESSID", "JSESSIONID", "ASP.NET_SessionId", "")  # "": a Joomla-style 32-hex name
# The planted cases, (case, every, at): portal N has the case when N % every == at
LAB_PLANTS = (  # canhgac.lab.web_plan.Plant values
    ("no-hsts", 9, 1),
    ("no-security-headers", 11, 2),
    ("weak-cookie", 10, 8),
    ("no-https-redirect", 15, 9),
    ("cert-expired", 10, 3),
)
EXTRAS = (  # the benchmark's own (bench/web_lab_proc.py's Extra)
    ("hsts-short", 9, 5),
    ("csp-unsafe-inline", 11, 7),
    ("xfo-only", 13, 4),
    ("no-referrer-policy", 7, 3),
    ("cookie-no-httponly", 10, 4),
)


# ---------------------------------------------------------------------------------------------
# The lab


def build_plan(n: int) -> list[dict[str, Any]]:
    """N portals with a deterministic mix of planted cases (independent cycles, so they combine).

    Lab plants (canhgac.lab.web_plan.Plant): no HSTS 1 in 9, no CSP/X-Frame-Options/nosniff
    1 in 11, weak session cookie (no Secure, HttpOnly, SameSite) 1 in 10, http:// not redirected
    1 in 15, expired certificate 1 in 10. The benchmark's own (bench/web_lab_proc.py): HSTS
    max-age of one day 1 in 9, CSP with 'unsafe-inline' 1 in 11, X-Frame-Options without CSP
    frame-ancestors 1 in 13, no Referrer-Policy 1 in 7, session cookie without HttpOnly 1 in
    10, self-signed certificate 1 in 20. TLS: half TLS 1.2+1.3, 1 in 8 each TLS 1.0+, TLS 1.1+,
    TLS 1.2 only, 1 in 16 TLS 1.3 only.
    """
    plan = []
    for i in range(n):
        x, y = divmod(i, 250)
        plants = [case for case, every, at in LAB_PLANTS if i % every == at]
        extras = [case for case, every, at in EXTRAS if i % every == at]
        cert = "expired" if "cert-expired" in plants else "self-signed" if i % 20 == 6 else "ca"
        cookie = COOKIES[(i // 3) % 4] or f"{i:032x}"
        plan.append(
            {
                "number": i,
                "host": f"www.agency{i:03d}.{SUFFIX}",
                "name": f"Cổng thông tin điện tử - Cơ quan {i}",
                "address": f"127.47.{x}.{y + 1}",
                "plants": plants,
                "extras": extras,
                "cookie": cookie,
                "tls": profile_for(i),
                "cert": cert,
                "key": key_for(i),
            }
        )
    return plan


def build_zones(plan: list[dict[str, Any]]) -> dict[str, str]:
    head = (
        f"@ 300 IN SOA ns1.{SUFFIX}. hostmaster.{SUFFIX}. 2026112501 3600 600 604800 300\n"
        f"@ 300 IN NS ns1.{SUFFIX}.\nns1 300 IN A {RESOLVER}\n"
        '@ 300 IN CAA 0 issue "letsencrypt.org"\n'
    )
    records = [f"{p['host'].removesuffix('.' + SUFFIX)} 300 IN A {p['address']}\n" for p in plan]
    return {SUFFIX: head + "".join(records)}


def inventory_yaml(plan: list[dict[str, Any]]) -> str:
    return harness.inventory(
        (f"W{p['number']:03d}", f"Agency {p['number']}", f"portals: [https://{p['host']}/]") for p in plan
    )


# ---------------------------------------------------------------------------------------------
# The run


def main(argv: list[str]) -> int:
    ap = harness.options("web-portals")
    ap.add_argument("--portals", type=int, default=300)
    ap.add_argument(
        "--sslyze-portals",
        type=int,
        default=None,
        help="sslyze scans the first M portals only (default: all); scaled linearly",
    )
    ap.add_argument(
        "--observatory-portals",
        type=int,
        default=None,
        help="the Observatory scans the first M portals only (default: all); scaled linearly",
    )
    ap.add_argument(
        "--observatory-concurrency",
        type=int,
        default=16,
        help="Observatory scans at once in its one Node process",
    )
    ap.add_argument(
        "--observatory-cli-portals",
        type=int,
        default=10,
        help="also time the Observatory's CLI (one Node process per portal, one after the "
        "other) on the first K portals; 0: skip",
    )
    args = harness.parse(ap, argv, timeout=400)
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed (Debian: apt-get install -y nodejs npm)")
    package = observatory_package()
    plan = build_plan(args.portals)
    with harness.work_dir("canhgac-bench-web-", keep=args.keep) as work:
        return scan_and_report(args, work, plan, node, package)


def scan_and_report(args: argparse.Namespace, work: Path, plan: list[dict[str, Any]], node: str, package: Path) -> int:
    hosts = [p["host"] for p in plan]
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "zones.json").write_text(json.dumps(build_zones(plan)))
    (work / "inventory.yaml").write_text(inventory_yaml(plan))
    obs_plan = plan[: args.observatory_portals or len(plan)]
    ssl_plan = plan[: args.sslyze_portals or len(plan)]
    cli_plan = plan[: args.observatory_cli_portals]
    (work / "hosts.json").write_text(json.dumps({p["host"]: p["address"] for p in plan}))
    (work / "obs-hosts.json").write_text(json.dumps({p["host"]: p["address"] for p in obs_plan}))
    assert all(p["address"].startswith("127.") for p in plan)
    env = harness.tool_env(work)
    ca = work / "ca.pem"
    node_env = dict(env, NODE_EXTRA_CA_CERTS=str(ca), NODE_OPTIONS="")
    guard = ROOT / "bench" / "run_observatory.mjs"
    lab, started = lab_procs.start("lab portals", "bench.web_lab_proc", str(work / "plan.json"), str(work))
    dns, dns_port, _ = lab_procs.start_dns(work / "zones.json", (RESOLVER,), "0")
    print(f"lab: {started[0]} portals; DNS on {RESOLVER}:{dns_port}", flush=True)
    procs = [psutil.Process(lab.pid), psutil.Process(dns.pid)]

    def canhgac(label: str, prefixes: tuple[str, ...], json_out: str) -> ToolRun:
        return run_tool(procs, label, tools.canhgac_scan(
            work / "inventory.yaml",
            "--resolver", f"{RESOLVER}:{dns_port}", "--nameserver-port", str(dns_port), *tools.checks(check_ids(prefixes)),
            "--ca-file", str(ca), "--no-store", "--json-out", str(work / json_out),
        ), len(plan), env=env, timeout=args.timeout)

    cli: ToolRun | None = None
    try:
        ours = canhgac("canhgac scan", FAMILIES, "canhgac.jsonl")
        ours_http = canhgac("canhgac scan, web.headers + web.cookies", HTTP_FAMILIES, "canhgac-http.jsonl")
        ours_tls = canhgac("canhgac scan, web.tls", TLS_FAMILIES, "canhgac-tls.jsonl")
        obs = run_tool(
            procs,
            "HTTP Observatory" + report_md.subset(obs_plan, plan, "portals"),
            [node, str(guard), str(package), str(work / "obs-hosts.json"), str(work / "observatory.json"),
             str(args.observatory_concurrency)],
            len(obs_plan),
            env=node_env,
            timeout=args.timeout,
        )
        if cli_plan:
            loop = "; ".join(
                f"OBSERVATORY_HOSTS={shlex.quote(str(work / 'hosts.json'))} {shlex.quote(node)} --import "
                f"{shlex.quote(guard.as_uri())} {shlex.quote(str(package / 'src' / 'scan.js'))} {p['host']} "
                f"> {shlex.quote(str(work / ('cli-' + p['host'] + '.json')))}"
                for p in cli_plan
            )
            cli = run_tool(
                procs,
                f"HTTP Observatory CLI ({len(cli_plan)} portals)",
                ["sh", "-c", loop],
                len(cli_plan),
                env=node_env,
                timeout=args.timeout,
            )
        sslyze = run_tool(
            procs,
            "sslyze" + report_md.subset(ssl_plan, plan, "portals"),
            tools.sslyze_scan(ca, work / "sslyze.json", (f"{p['host']}:443{{{p['address']}}}" for p in ssl_plan)),
            len(ssl_plan),
            env=env,
            timeout=args.timeout,
        )
    finally:
        lab_procs.stop(lab, dns)
    ours_v, statuses, errors = canhgac_verdicts(work / "canhgac.jsonl")
    obs_v, obs_errors, grades = observatory_verdicts(work / "observatory.json")
    ssl_v = sslyze_verdicts(work / "sslyze.json", {p["address"]: p["host"] for p in plan})
    truth = planned(plan)
    obs_hosts, ssl_hosts = [p["host"] for p in obs_plan], [p["host"] for p in ssl_plan]
    comparisons = [
        compare(
            ours_v,
            obs_v if other == "observatory" else ssl_v,
            other,
            name,
            obs_hosts if other == "observatory" else ssl_hosts,
        )
        for name, (_, other) in VERDICTS.items()
    ]
    body = render(WebRun(
        args=args,
        plan=plan,
        ours=ours,
        ours_http=ours_http,
        ours_tls=ours_tls,
        obs=obs,
        cli=cli,
        sslyze=sslyze,
        comparisons=comparisons,
        vs_plan={name: compare(truth, ours_v, "canhgac", name, hosts) for name in VERDICTS},
        obs_vs_plan={
            name: compare(truth, obs_v, "observatory", name, obs_hosts)
            for name, (_, other) in VERDICTS.items()
            if other == "observatory"
        },
        statuses=statuses,
        errors=errors,
        obs_errors=obs_errors,
        grades=grades,
        cli_ok=sum(1 for p in cli_plan if _cli_ok(work / f"cli-{p['host']}.json")),
        versions=_versions(node, package),
    ))
    print(body)
    written = write_section(args.out, body)
    print(f"section written to {written}")
    ok = all(t.m.returncode == 0 for t in (ours, ours_http, obs, sslyze)) and not obs_errors
    return 0 if ok else 1


def _cli_ok(path: Path) -> bool:
    try:
        return "tests" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def _versions(node: str, package: Path) -> dict[str, str]:
    return {
        "node": subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "observatory": installed_version(package),
        "sslyze": version("sslyze"),
        "nassl": version("nassl"),
        "canhgac": version("canhgac"),
    }
