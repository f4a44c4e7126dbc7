"""Benchmark: N lab web portals, canhgac's web checks vs Mozilla's HTTP Observatory vs sslyze.

The lab portals (bench/web_lab_proc.py: the lab's PortalSite with planted cases, on ports 443
and 80 of a loopback address each) and the lab DNS (bench/dns_server_proc.py) run in processes
of their own. In the same run, one after the other, each in its own child process:

- canhgac: ``canhgac scan`` with the web.headers, web.cookies, web.hsts, web.https and web.tls
  families (under the loopback guard);
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

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

from bench.measure import Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = "webbench.gov.test"
RESOLVER = "127.96.0.1"
OBSERVATORY_PACKAGE = "@mdn/mdn-http-observatory"
OBSERVATORY_VERSION = "1.4.8"
OBSERVATORY_HOME = ROOT / "bench" / "out" / "observatory"
FALLBACK_OUT = Path("/tmp/bench-web-portals.md")
BEGIN, END = "<!-- bench:web-portals:begin -->", "<!-- bench:web-portals:end -->"
FAMILIES = ("web.headers", "web.cookies", "web.hsts", "web.https", "web.tls")
# The families whose collector makes no TLS analysis (web.hsts and web.https share theirs with
# web.tls, which analyses TLS on every address): the nearest canhgac gets to the Observatory's work
HTTP_FAMILIES = ("web.headers", "web.cookies")

PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
CANHGAC_PROTOCOLS = {
    "SSLv2": "SSL 2.0",
    "SSLv3": "SSL 3.0",
    "TLSv1": "TLS 1.0",
    "TLSv1.0": "TLS 1.0",
    "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2",
    "TLSv1.3": "TLS 1.3",
}
SSLYZE_PROTOCOLS = {
    "ssl_2_0_cipher_suites": "SSL 2.0",
    "ssl_3_0_cipher_suites": "SSL 3.0",
    "tls_1_0_cipher_suites": "TLS 1.0",
    "tls_1_1_cipher_suites": "TLS 1.1",
    "tls_1_2_cipher_suites": "TLS 1.2",
    "tls_1_3_cipher_suites": "TLS 1.3",
}
SSLYZE_CUSTOM_STORE = "Supplied CA file"  # sslyze's name for --certinfo_ca_file's store
EXPIRED_ERROR = "cert is not valid at validation time"
PROFILE_PROTOCOLS = {
    "modern": ("TLS 1.2", "TLS 1.3"),
    "tls10": ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls11": ("TLS 1.1", "TLS 1.2", "TLS 1.3"),
    "tls12only": ("TLS 1.2",),
    "tls13only": ("TLS 1.3",),
}
COOKIES = ("PHPSESSID", "JSESSIONID", "ASP.NET_SessionId", "")  # "": a Joomla-style 32-hex name


# ---------------------------------------------------------------------------------------------
# The lab


def build_plan(n: int) -> list[dict[str, Any]]:
    """N portals with a deterministic mix of planted cases (independent cycles, so they combine).

    Lab plants (canhgac.lab.web_lab.Plant): no HSTS 1 in 9, no CSP/X-Frame-Options/nosniff
    1 in 11, weak session cookie (no Secure, HttpOnly, SameSite) 1 in 10, http:// not redirected
    1 in 15, expired certificate 1 in 10. The benchmark's own (bench/web_lab_proc.py): HSTS
    max-age of one day 1 in 9, CSP with 'unsafe-inline' 1 in 11, X-Frame-Options without CSP
    frame-ancestors 1 in 13, no Referrer-Policy 1 in 7, session cookie without HttpOnly 1 in
    10, self-signed certificate 1 in 20. TLS: half TLS 1.2+1.3, 1 in 8 each TLS 1.0+, TLS 1.1+,
    TLS 1.2 only, 1 in 16 TLS 1.3 only.
    """
    tls_cycle = ("modern", "tls10", "modern", "tls12only", "modern", "tls11", "modern", "tls13only")
    plan = []
    for i in range(n):
        x, y = divmod(i, 250)
        plants, extras = [], []
        if i % 9 == 1:
            plants.append("no-hsts")
        if i % 9 == 5:
            extras.append("hsts-short")
        if i % 11 == 2:
            plants.append("no-security-headers")
        if i % 11 == 7:
            extras.append("csp-unsafe-inline")
        if i % 13 == 4:
            extras.append("xfo-only")
        if i % 7 == 3:
            extras.append("no-referrer-policy")
        if i % 10 == 8:
            plants.append("weak-cookie")
        if i % 10 == 4:
            extras.append("cookie-no-httponly")
        if i % 15 == 9:
            plants.append("no-https-redirect")
        cert = "ca"
        if i % 10 == 3:
            plants.append("cert-expired")
            cert = "expired"
        elif i % 20 == 6:
            cert = "self-signed"
        tls = tls_cycle[i % 8]
        if tls == "tls13only" and i % 16 != 7:
            tls = "modern"
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
                "tls": tls,
                "cert": cert,
                "key": "rsa2048" if i % 4 == 0 else "ec256",
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
    lines = [
        "version: 1",
        'province: {code: BENCH, name: "Bench"}',
        "scope: {public_suffixes: [gov.test], loopback_only: true}",
        "agencies:",
    ]
    for p in plan:
        lines += [
            f"  - code: W{p['number']:03d}",
            f'    name: "Agency {p["number"]}"',
            "    kind: department",
            f"    portals: [https://{p['host']}/]",
        ]
    return "\n".join(lines) + "\n"


def _start(cmd: list[str], what: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        raise SystemExit(f"{what} did not start")
    return proc, line[1:]


# ---------------------------------------------------------------------------------------------
# The HTTP Observatory's installation


def observatory_package() -> Path:
    """Install the Observatory into bench/out/observatory once (npm, ``--ignore-scripts``).

    Its postinstall script downloads Chromium's HSTS preload list and IANA's TLD list from the
    internet; with ``--ignore-scripts`` it does not, and the scanner needs the preload list
    file (conf/hsts-preload.json). The lab's names are on no preload list: an empty one ({}).
    """
    package = OBSERVATORY_HOME / "node_modules" / "@mdn" / "mdn-http-observatory"
    npm = shutil.which("npm")
    if not (package / "package.json").exists():
        if npm is None:
            raise SystemExit("npm is not installed (Debian: apt-get install -y nodejs npm)")
        OBSERVATORY_HOME.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(OBSERVATORY_HOME),
                f"{OBSERVATORY_PACKAGE}@{OBSERVATORY_VERSION}",
            ],
            check=True,
        )
    preload = package / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}\n", encoding="utf-8")
    return package


# ---------------------------------------------------------------------------------------------
# Verdicts per portal

# The verdicts two tools share: name -> (label, which tools judge it)
VERDICTS = {
    "hsts": ("HSTS present, max-age ≥ 180 days", "observatory"),
    "csp": ("CSP restricts scripts", "observatory"),
    "frame": ("framing restricted (X-Frame-Options or frame-ancestors)", "observatory"),
    "nosniff": ("X-Content-Type-Options: nosniff", "observatory"),
    "referrer": ("Referrer-Policy set and safe", "observatory"),
    "cookies": ("cookie flags (Secure; HttpOnly on session cookies)", "observatory"),
    "redirect": ("http:// redirects to https://", "observatory"),
    "protocols": ("TLS protocols offered", "sslyze"),
    "trusted": ("certificate chain trusted", "sslyze"),
    "expired": ("certificate expired", "sslyze"),
}
CANHGAC_CHECKS = {
    "web.hsts": "hsts",
    "web.headers.csp": "csp",
    "web.headers.frame": "frame",
    "web.headers.content-type-options": "nosniff",
    "web.headers.referrer-policy": "referrer",
    "web.cookies.flags": "cookies",
    "web.https.redirect": "redirect",
}
OBSERVATORY_TESTS = {
    "strict-transport-security": "hsts",
    "content-security-policy": "csp",
    "x-frame-options": "frame",
    "x-content-type-options": "nosniff",
    "referrer-policy": "referrer",
    "cookies": "cookies",
    "redirection": "redirect",
}

Verdict = dict[str, Any]  # verdict name -> value (bool or tuple); "notes": name -> text
Verdicts = dict[str, Verdict]  # host -> its verdicts


def _host(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0].split(":")[0]


def canhgac_verdicts(path: Path) -> tuple[Verdicts, Counter[str], Counter[str]]:
    out: Verdicts = {}
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    if not path.exists():
        return out, statuses, errors
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        statuses[r["status"]] += 1
        check, ev = r["check_id"], r.get("evidence") or {}
        v = out.setdefault(
            _host(r["target"]["name"] if isinstance(r.get("target"), dict) else r["target"]), {}
        )
        notes = v.setdefault("notes", {})
        if r["status"] == "error":
            errors[f"{check}: {r.get('error_reason')}"] += 1
        name = CANHGAC_CHECKS.get(check)
        if name is not None:
            if r["status"] in ("pass", "fail"):
                v[name] = r["status"] == "pass"
            elif name == "redirect" and r["status"] == "not_applicable":
                v[name] = True
            notes[name] = (r.get("message") or {}).get("key") or r["status"]
        elif check in ("web.tls.protocols", "web.tls.cert-trusted", "web.tls.cert-expired"):
            for e in ev.get("endpoints", []):
                state = e.get("verdict")
                if check == "web.tls.protocols" and isinstance(e.get("protocols"), dict):
                    v["protocols"] = tuple(
                        sorted(CANHGAC_PROTOCOLS[k] for k, ok in e["protocols"].items() if ok)
                    )
                elif check == "web.tls.cert-trusted" and state not in (
                    None,
                    "not_applicable",
                    "error",
                    "untested",
                ):
                    v["trusted"] = state == "trusted"
                    notes["trusted"] = state
                elif check == "web.tls.cert-expired" and state in ("ok", "fault"):
                    v["expired"] = state == "fault"
    return out, statuses, errors


# Observatory results that mean the thing is there and right (its own pass flag also passes
# some absences: referrer-policy-not-implemented, cookies-not-found, redirection-not-needed...)
OBSERVATORY_OK = {
    "hsts": {"hsts-implemented-max-age-at-least-six-months", "hsts-preloaded"},
    "referrer": {"referrer-policy-private"},
}


def observatory_verdicts(path: Path) -> tuple[Verdicts, Counter[str], Counter[str]]:
    out: Verdicts = {}
    errors: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    if not path.exists():
        return out, errors, grades
    for host, r in json.loads(path.read_text(encoding="utf-8")).items():
        if "error" in r:
            errors[r["error"][:120]] += 1
            continue
        grades[r["scan"].get("grade") or "?"] += 1
        v: Verdict = {"notes": {}}
        for test, name in OBSERVATORY_TESTS.items():
            t = r["tests"].get(test)
            if t is None:
                continue
            result = t.get("result")
            v["notes"][name] = result
            ok = OBSERVATORY_OK.get(name)
            v[name] = result in ok if ok is not None else bool(t.get("pass"))
        out[host] = v
    return out, errors, grades


def sslyze_verdicts(path: Path, hosts_by_address: dict[str, str]) -> Verdicts:
    out: Verdicts = {}
    if not path.exists():
        return out
    doc = json.loads(path.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    for s in doc.get("server_scan_results", []):
        loc = s["server_location"]
        host = hosts_by_address.get(loc["ip_address"], loc["hostname"])
        if s.get("connectivity_status") != "COMPLETED":
            out[host] = {
                "protocols": (),
                "notes": {"protocols": str(s.get("connectivity_error_trace"))[:200]},
            }
            continue
        res = s["scan_result"]
        accepted = []
        for key, name in SSLYZE_PROTOCOLS.items():
            attempt = res.get(key) or {}
            if attempt.get("status") == "COMPLETED" and attempt["result"]["accepted_cipher_suites"]:
                accepted.append(name)
        v: Verdict = {"protocols": tuple(sorted(accepted)), "notes": {}}
        cert = res.get("certificate_info") or {}
        if cert.get("status") == "COMPLETED":
            deployment = cert["result"]["certificate_deployments"][0]
            custom = [
                p
                for p in deployment["path_validation_results"]
                if p["trust_store"]["name"] == SSLYZE_CUSTOM_STORE
            ]
            leaf = deployment["received_certificate_chain"][0]
            v["expired"] = datetime.fromisoformat(leaf["not_valid_after"]) < now
            if custom:
                error = str(custom[0].get("validation_error") or "")
                # canhgac judges the chain and the dates apart; sslyze's path validation fails an
                # expired leaf from a trusted CA: that one counts as trusted (and expired)
                v["trusted"] = custom[0]["was_validation_successful"] or (
                    v["expired"] and EXPIRED_ERROR in error
                )
                v["notes"]["trusted"] = error[:120]
        out[host] = v
    return out


def planned(plan: list[dict[str, Any]]) -> Verdicts:
    """What the lab planted, as the verdicts canhgac's checks should reach."""
    out: Verdicts = {}
    for p in plan:
        has = set(p["plants"]) | set(p["extras"])
        out[p["host"]] = {
            "hsts": not has & {"no-hsts", "hsts-short"},
            "csp": not has & {"no-security-headers", "csp-unsafe-inline"},
            "frame": "no-security-headers" not in has,
            "nosniff": "no-security-headers" not in has,
            "referrer": "no-referrer-policy" not in has,
            "cookies": not has & {"weak-cookie", "cookie-no-httponly"},
            "redirect": "no-https-redirect" not in has,
            "protocols": PROFILE_PROTOCOLS[p["tls"]],
            "trusted": p["cert"] != "self-signed",
            "expired": p["cert"] == "expired",
            "notes": {},
        }
    return out


@dataclass
class Comparison:
    name: str
    other: str
    agree: int = 0
    disagree: list[tuple[str, Any, Any, str, str]] = field(default_factory=list)  # host, ours, theirs, notes
    missing: list[tuple[str, str]] = field(default_factory=list)  # host, which side has none


def compare(ours: Verdicts, theirs: Verdicts, other: str, name: str, hosts: list[str]) -> Comparison:
    c = Comparison(name, other)
    for host in hosts:
        a, b = ours.get(host, {}), theirs.get(host, {})
        if name not in a or name not in b:
            side = "both" if name not in a and name not in b else ("canhgac" if name not in a else other)
            c.missing.append((host, side))
        elif a[name] == b[name]:
            c.agree += 1
        else:
            c.disagree.append(
                (host, a[name], b[name], a.get("notes", {}).get(name, ""), b.get("notes", {}).get(name, ""))
            )
    return c


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(value) + "}" if value else "no TLS"
    return "ok" if value is True else "fault" if value is False else str(value)


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class ToolRun:
    m: Measurement
    portals: int  # how many portals this tool was given
    lab_cpu_s: float


def lab_cpu(procs: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def run_tool(procs: list[psutil.Process], label: str, cmd: list[str], portals: int, **kw: Any) -> ToolRun:
    cpu0 = lab_cpu(procs)
    m = measure(label, cmd, **kw)
    print(m.row(), flush=True)
    return ToolRun(m, portals, lab_cpu(procs) - cpu0)


def write_section(path: Path, body: str) -> Path:
    """Between the markers of ``path``; where it has none, ``FALLBACK_OUT`` gets the section alone."""
    section = f"{BEGIN}\n{body}\n{END}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        path.write_text(head + section.rstrip("\n") + rest.split(END, 1)[1], encoding="utf-8")
        return path
    target = path if not path.exists() else FALLBACK_OUT
    target.write_text(section, encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench web-portals")
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
    ap.add_argument("--timeout", type=float, default=400, help="per tool, seconds")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed (Debian: apt-get install -y nodejs npm)")
    package = observatory_package()
    plan = build_plan(args.portals)
    hosts = [p["host"] for p in plan]
    work = Path(tempfile.mkdtemp(prefix="canhgac-bench-web-"))
    print(f"work directory: {work}", flush=True)
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "zones.json").write_text(json.dumps(build_zones(plan)))
    (work / "inventory.yaml").write_text(inventory_yaml(plan))
    obs_plan = plan[: args.observatory_portals or len(plan)]
    ssl_plan = plan[: args.sslyze_portals or len(plan)]
    cli_plan = plan[: args.observatory_cli_portals]
    (work / "hosts.json").write_text(json.dumps({p["host"]: p["address"] for p in plan}))
    (work / "obs-hosts.json").write_text(json.dumps({p["host"]: p["address"] for p in obs_plan}))
    assert all(p["address"].startswith("127.") for p in plan)
    env = dict(os.environ, CANHGAC_WORKSPACE=str(work / "ws"))
    ca = work / "ca.pem"
    node_env = dict(env, NODE_EXTRA_CA_CERTS=str(ca), NODE_OPTIONS="")
    guard = ROOT / "bench" / "run_observatory.mjs"
    lab, started = _start(
        [sys.executable, "-m", "bench.web_lab_proc", str(work / "plan.json"), str(work)], "lab portals"
    )
    dns, (dns_port, _) = _start(
        [sys.executable, "-m", "bench.dns_server_proc", str(work / "zones.json"), RESOLVER, "0"],
        "lab DNS server",
    )
    print(f"lab: {started[0]} portals; DNS on {RESOLVER}:{dns_port}", flush=True)
    procs = [psutil.Process(lab.pid), psutil.Process(dns.pid)]
    cli: ToolRun | None = None
    try:
        ours = run_tool(
            procs,
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
                f"{RESOLVER}:{dns_port}",
                "--nameserver-port",
                dns_port,
                *(a for f in FAMILIES for a in ("--family", f)),
                "--ca-file",
                str(ca),
                "--no-store",
                "--json-out",
                str(work / "canhgac.jsonl"),
            ],
            len(plan),
            env=env,
            timeout=args.timeout,
        )
        ours_http = run_tool(
            procs,
            "canhgac scan, web.headers + web.cookies",
            [
                sys.executable,
                "-m",
                "bench.run_canhgac",
                "--lang",
                "en",
                "scan",
                str(work / "inventory.yaml"),
                "--resolver",
                f"{RESOLVER}:{dns_port}",
                "--nameserver-port",
                dns_port,
                *(a for f in HTTP_FAMILIES for a in ("--family", f)),
                "--ca-file",
                str(ca),
                "--no-store",
                "--json-out",
                str(work / "canhgac-http.jsonl"),
            ],
            len(plan),
            env=env,
            timeout=args.timeout,
        )
        obs = run_tool(
            procs,
            "HTTP Observatory" + _subset(obs_plan, plan),
            [
                node,
                str(guard),
                str(package),
                str(work / "obs-hosts.json"),
                str(work / "observatory.json"),
                str(args.observatory_concurrency),
            ],
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
            "sslyze" + _subset(ssl_plan, plan),
            [
                sys.executable,
                "-m",
                "bench.run_sslyze",
                "--mozilla_config=disable",
                "--sslv2",
                "--sslv3",
                "--tlsv1",
                "--tlsv1_1",
                "--tlsv1_2",
                "--tlsv1_3",
                "--certinfo",
                f"--certinfo_ca_file={ca}",
                "--quiet",
                f"--json_out={work / 'sslyze.json'}",
                *(f"{p['host']}:443{{{p['address']}}}" for p in ssl_plan),
            ],
            len(ssl_plan),
            env=env,
            timeout=args.timeout,
        )
    finally:
        for proc in (lab, dns):
            proc.kill()
            proc.wait()
    ours_v, statuses, errors = canhgac_verdicts(work / "canhgac.jsonl")
    obs_v, obs_errors, grades = observatory_verdicts(work / "observatory.json")
    ssl_v = sslyze_verdicts(work / "sslyze.json", {p["address"]: p["host"] for p in plan})
    cli_ok = sum(1 for p in cli_plan if _cli_ok(work / f"cli-{p['host']}.json"))
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
    vs_plan = {name: compare(truth, ours_v, "canhgac", name, hosts) for name in VERDICTS}
    obs_vs_plan = {
        name: compare(truth, obs_v, "observatory", name, obs_hosts)
        for name, (_, other) in VERDICTS.items()
        if other == "observatory"
    }
    body = render(
        args,
        plan,
        ours,
        ours_http,
        obs,
        cli,
        sslyze,
        comparisons,
        vs_plan,
        obs_vs_plan,
        statuses,
        errors,
        obs_errors,
        grades,
        cli_ok,
        _versions(node, package),
    )
    print(body)
    written = write_section(args.out, body)
    print(f"section written to {written}")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    ok = all(t.m.returncode == 0 for t in (ours, ours_http, obs, sslyze)) and not obs_errors
    return 0 if ok else 1


def _cli_ok(path: Path) -> bool:
    try:
        return "tests" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def _subset(some: list[Any], every: list[Any]) -> str:
    return "" if len(some) == len(every) else f" ({len(some)} portals)"


def _versions(node: str, package: Path) -> dict[str, str]:
    return {
        "node": subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "observatory": json.loads((package / "package.json").read_text())["version"],
        "sslyze": version("sslyze"),
        "nassl": version("nassl"),
        "canhgac": version("canhgac"),
    }


# ---------------------------------------------------------------------------------------------
# The section

_HEX_SESSION = (
    'the Observatory calls a cookie a session cookie only when its name contains "sess" or "login"; '
    "canhgac also recognises session cookies named by a 32-hex hash (as Joomla names them), so such a "
    "cookie without HttpOnly fails canhgac's check and passes the Observatory's"
)
EXPLAIN = {
    ("hsts", "observatory", "hsts-invalid-cert"): (
        "the Observatory gives no HSTS credit when the certificate does not validate (a browser ignores "
        "HSTS then, RFC 6797 8.1); canhgac judges the header itself, notes the certificate problem in the "
        "evidence, and web.tls.cert-trusted / web.tls.cert-expired fail for it"
    ),
    ("redirect", "observatory", "redirection-invalid-cert"): (
        "the Observatory fails the redirection when the HTTPS certificate does not validate; canhgac "
        "judges the redirect chain and leaves the certificate to web.tls.cert-*"
    ),
    ("cookies", "observatory", "cookies-secure-with-httponly-sessions"): _HEX_SESSION,
    ("cookies", "observatory", "cookies-secure-with-httponly-sessions-and-samesite"): _HEX_SESSION,
}


NOTES = [
    "Notes:",
    "",
    "- **What each tool does per portal.** canhgac (all five families): GET of http:// and https:// "
    "(redirects followed inside the scope), the HTTPS answer without following redirects (for HSTS), "
    "a CORS probe, OPTIONS and TRACE, A/AAAA and CAA lookups, and a TLS analysis of every address "
    "(protocol versions, cipher suites, forward secrecy, DH groups, the certificate: chain, name, "
    "dates, key, signature): 19 results per portal. The Observatory: GET of http:// and https:// "
    "(redirects followed), robots.txt, a CORS preflight, then 10 tests on the answers (CSP, cookies, "
    "CORS, redirection, Referrer-Policy, HSTS, SRI, X-Content-Type-Options, X-Frame-Options, "
    "CORP); it does no TLS analysis (it only notes whether the certificate validated). sslyze: "
    "the TLS analysis only (every protocol version's cipher suites, certificate information), "
    "no HTTP. web.hsts and web.https share their collector with web.tls (it analyses TLS on every "
    "address), so the only canhgac run without TLS analysis is the web.headers + web.cookies one.",
    "- **How the Observatory was run.** The npm package is `@mdn/mdn-http-observatory` (the unscoped "
    "name `mdn-http-observatory` does not exist on the registry). `npm install --ignore-scripts` skips "
    "its postinstall, which downloads Chromium's HSTS preload list and IANA's TLD list; the scanner "
    "needs `conf/hsts-preload.json`, which the harness writes empty (`{}`): the lab's names are on "
    "no preload list. Its CLI (`bin/wrapper.js`) sets `NODE_EXTRA_CA_CERTS` to the Mozilla bundle, "
    "overwriting ours, so the harness runs `src/scan.js` (the CLI itself) or imports "
    "`src/scanner/index.js` (`scan()`, what the CLI calls) with `NODE_EXTRA_CA_CERTS=ca.pem`. The "
    "Observatory resolves names with the system resolver; instead of editing /etc/hosts, "
    "`bench/run_observatory.mjs` (loaded first, or with `--import` for the CLI) replaces "
    "`dns.lookup` with a table of the lab's names (all 127.x addresses; any other name fails) and "
    "refuses any socket connect to a non-loopback address or an unknown name. The CLI scans one "
    "host per Node process; the main row runs `scan()` for all portals in one process, several at "
    "a time, which is the fastest way to run the Observatory, not the way it ships.",
    "- **No network latency.** Every answer comes from loopback at once, so the figures are CPU per "
    "portal more than waiting: the Observatory's one-process run takes about as long with 1 scan at a "
    "time as with 64 (its Node process is busy parsing the pages with jsdom), and canhgac's TLS "
    "analysis (about 19 handshakes per portal) is most of the difference between its two rows. On a "
    "real network, latency favours the tools that keep many portals in flight (canhgac; the "
    "Observatory's `scan()` as run here) over its CLI, which goes one portal at a time.",
    "- **Verdicts.** The Observatory's own pass flag also passes absences (no Referrer-Policy: "
    "`referrer-policy-not-implemented`, no cookies, no http:// at all); the comparison uses its "
    "result names: HSTS counts as present only for `hsts-implemented-max-age-at-least-six-months` "
    "(or preloaded), Referrer-Policy only for `referrer-policy-private`; the other five verdicts "
    "use its pass flag. canhgac's verdict is its check's pass/fail (`web.https.redirect`: "
    "https-only, not applicable, counts as ok). sslyze's `trusted` is path validation against "
    "the lab CA (`--certinfo_ca_file`), with an expired leaf from the lab CA counted as trusted "
    "and expired, as canhgac judges the two apart.",
]


def _explain(c: Comparison, theirs_note: str) -> str:
    return EXPLAIN.get((c.name, c.other, theirs_note), "")


def render(
    args: argparse.Namespace,
    plan: list[dict[str, Any]],
    ours: ToolRun,
    ours_http: ToolRun,
    obs: ToolRun,
    cli: ToolRun | None,
    sslyze: ToolRun,
    comparisons: list[Comparison],
    vs_plan: dict[str, Comparison],
    obs_vs_plan: dict[str, Comparison],
    statuses: Counter[str],
    errors: Counter[str],
    obs_errors: Counter[str],
    grades: Counter[str],
    cli_ok: int,
    versions: dict[str, str],
) -> str:
    n = len(plan)
    rows = [
        "| tool | portals | wall (s) | CPU (s) | peak RSS (MB) | lab servers' CPU (s) |",
        "|---|---|---|---|---|---|",
    ]
    scaled: dict[str, tuple[float, float]] = {}
    for run in (ours, ours_http, obs, sslyze, *([cli] if cli else [])):
        m = run.m
        rows.append(
            f"| {m.label} | {run.portals} | {m.wall_s:.2f} | {m.cpu_s:.2f} | {m.peak_rss_mb:.0f} | "
            f"{run.lab_cpu_s:.2f} |"
        )
        k = n / run.portals
        scaled[m.label] = (m.wall_s * k, m.cpu_s * k)
        if run.portals != n:
            rows.append(
                f"| {m.label.split(' (')[0]}, scaled ×{k:.2f} to {n} portals | {n} | "
                f"{m.wall_s * k:.2f} | {m.cpu_s * k:.2f} | {m.peak_rss_mb:.0f} | |"
            )
    ow, oc = ours.m.wall_s, ours.m.cpu_s
    bw, bc = scaled[obs.m.label]
    sw, sc = scaled[sslyze.m.label]
    count = Counter(x for p in plan for x in (*p["plants"], *p["extras"]))
    clean = sum(1 for p in plan if not p["plants"] and not p["extras"] and p["cert"] == "ca")
    profiles = Counter(p["tls"] for p in plan)
    certs = Counter(p["cert"] for p in plan)
    lines = [
        "## Web portals: canhgac vs the HTTP Observatory vs sslyze",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, Python {platform.python_version()}, canhgac {versions['canhgac']}, "
        f"MDN HTTP Observatory {versions['observatory']} (npm `{OBSERVATORY_PACKAGE}`, Node.js "
        f"{versions['node']}), sslyze {versions['sslyze']} (nassl {versions['nassl']}).",
        "",
        "Command: `python3 scripts/dev.py bench web-portals --portals "
        f"{args.portals}"
        + (f" --observatory-portals {args.observatory_portals}" if args.observatory_portals else "")
        + (f" --sslyze-portals {args.sslyze_portals}" if args.sslyze_portals else "")
        + "`",
        "",
        f"{n} lab portals (the lab's `PortalSite`, one process), each on ports 443 and 80 of its own "
        "loopback address, with an A record in the lab DNS (another process). Planted: "
        + ", ".join(f"{k} {v}" for k, v in count.most_common())
        + f"; {clean} portals plant nothing. TLS profiles: "
        + ", ".join(f"{k} {v}" for k, v in profiles.most_common())
        + "; certificates: "
        + ", ".join(f"{k} {v}" for k, v in certs.most_common())
        + ". The lab processes share the 2 cores with the tool being measured; their CPU during each "
        "run is in the last column.",
        "",
        "Tools and commands (the work directory's paths shortened):",
        "",
        "- canhgac: `canhgac scan inventory.yaml --family web.headers --family web.cookies --family web.hsts "
        "--family web.https --family web.tls --resolver 127.96.0.1:PORT --nameserver-port PORT "
        "--ca-file ca.pem --no-store --json-out canhgac.jsonl`; then again with `--family web.headers "
        "--family web.cookies` only",
        "- HTTP Observatory: `NODE_EXTRA_CA_CERTS=ca.pem node bench/run_observatory.mjs PACKAGE hosts.json "
        f"observatory.json {args.observatory_concurrency}`: the package's `scan()` (what its CLI calls) "
        f"for every portal, {args.observatory_concurrency} at a time, in one Node process",
        *(
            [
                f"- HTTP Observatory CLI: `OBSERVATORY_HOSTS=hosts.json node --import bench/run_observatory.mjs "
                f"PACKAGE/src/scan.js HOST` for the first {cli.portals} portals, one after the other "
                f"({cli_ok} of {cli.portals} gave a result)"
            ]
            if cli
            else []
        ),
        "- sslyze: `python -m sslyze --mozilla_config=disable --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 "
        "--tlsv1_3 --certinfo --certinfo_ca_file=ca.pem --quiet --json_out=sslyze.json "
        "www.agency000.webbench.gov.test:443{127.47.0.1} ...` (all targets in one invocation)",
        "",
        *rows,
        "",
        f"**Ratios (wall): Observatory / canhgac {bw / ow:.1f}×, sslyze / canhgac {sw / ow:.1f}×, "
        f"Observatory + sslyze / canhgac {(bw + sw) / ow:.1f}×.** "
        f"CPU: canhgac {oc:.1f} s, Observatory {bc:.1f} s, sslyze {sc:.1f} s"
        + (" (scaled)" if obs.portals != n or sslyze.portals != n else "")
        + ". "
        f"canhgac on the header and cookie checks only (no TLS analysis): {ours_http.m.wall_s:.2f} s wall, "
        f"{ours_http.m.cpu_s:.2f} s CPU; Observatory / that {bw / ours_http.m.wall_s:.1f}×.",
    ]
    if cli:
        per = cli.m.wall_s / cli.portals
        lines += [
            "",
            f"The Observatory's CLI takes {per:.2f} s per portal ({cli.m.cpu_s / cli.portals:.2f} s CPU), "
            f"one Node process each: {per * n:.0f} s for {n} portals one after the other.",
        ]
    lines += [
        "",
        f"canhgac result statuses: {', '.join(f'{k} {v}' for k, v in statuses.most_common())}. "
        f"Error results: {', '.join(f'{k} {v}' for k, v in errors.most_common()) or 'none'}.",
        f"Observatory grades: {', '.join(f'{k} {v}' for k, v in sorted(grades.items()))}; scans that failed: "
        f"{', '.join(f'{k} ({v})' for k, v in obs_errors.most_common()) or 'none'}.",
        "",
        "Verdicts per portal (agree / disagree between the two tools; the last two columns: each tool "
        "against what the lab planted):",
        "",
        "| verdict | compared with | portals | agree | disagree | no verdict | canhgac = plan | other = plan |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        label = VERDICTS[c.name][0]
        total = c.agree + len(c.disagree) + len(c.missing)
        mine = vs_plan[c.name]
        other = obs_vs_plan.get(c.name)
        theirs = f"{other.agree}/{other.agree + len(other.disagree) + len(other.missing)}" if other else "—"
        lines.append(
            f"| {label} | {c.other} | {total} | {c.agree} | {len(c.disagree)} | {len(c.missing)} | "
            f"{mine.agree}/{mine.agree + len(mine.disagree) + len(mine.missing)} | {theirs} |"
        )
    cert_of = {p["host"]: p["cert"] for p in plan}
    for c in comparisons:
        if not c.disagree and not c.missing:
            continue
        lines += [
            "",
            f"{VERDICTS[c.name][0]} vs {c.other}: {len(c.disagree)} disagreements, "
            f"{len(c.missing)} without a verdict.",
        ]
        groups: dict[tuple[str, str], list[str]] = {}
        for host, a, b, na, nb in c.disagree:
            text = f"canhgac {_show(a)} ({na}), {c.other} {_show(b)} ({nb})"
            if cert_of[host] != "ca":
                text += f"; the portal's certificate is {cert_of[host]}"
            groups.setdefault((text, nb), []).append(host)
        for (text, nb), where in sorted(groups.items(), key=lambda g: -len(g[1])):
            note = _explain(c, nb)
            lines.append(f"- {len(where)}× {text}, e.g. {where[0]}" + (f". Why: {note}" if note else ""))
        sides = Counter(side for _, side in c.missing)
        for side, k in sides.most_common():
            lines.append(f"- {k}× no verdict from {side}, e.g. {next(h for h, s in c.missing if s == side)}")
    for name, c in vs_plan.items():
        if c.disagree:
            lines += [
                "",
                f"canhgac against the plan on {VERDICTS[name][0]}: "
                + "; ".join(
                    f"{h} planned {_show(a)}, found {_show(b)} ({nb})" for h, a, b, _, nb in c.disagree[:10]
                ),
            ]
    lines += ["", *NOTES]
    return "\n".join(lines)
