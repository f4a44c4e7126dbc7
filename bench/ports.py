"""Benchmark: a loopback /24 with lab services, canhgac's port scan and service identification vs
``nmap -sT -sV``.

The lab (bench/ports_lab_proc.py, the demo lab's own responders) runs in a process of its own and
serves 1 to 3 services on each of a few dozen addresses of 127.88.1.0/24, most on their usual
port, some on another (Redis on 7000, SSH on 2222...). An inventory declares the /24 as one
agency's range. canhgac (``canhgac scan --family net --ports LIST --scan-rate R``, under the
loopback guard) and nmap (``-sT -sV -Pn -n -p LIST --max-rate R``, then once more at nmap's
default timing, no rate cap) scan the same 254 addresses × 100 ports in the same run, one after
the other, each in its own child process: wall time, CPU time (user+sys) and peak RSS from
``wait4``. Open ports and identified services are compared per address:port, with each other and
with what the lab planted. Writes a section of docs/benchmarks.md.

canhgac's open ports and services are read from its results' evidence only: ``net.ports.new``
holds every host's ``open_ports``; the service of a port is in the ``ports`` entries
(``{"port", "service", ...}``) of the net.* checks that looked at it, and in ``net.ports.new``'s
``services`` (new ports only, so not in a run without a baseline). A port no check's evidence
names a service for is counted as "not in the evidence".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench.measure import Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
NETWORK = "127.88.1"
RANGE = f"{NETWORK}.0/24"
BEGIN, END = "<!-- bench:ports:begin -->", "<!-- bench:ports:end -->"

# The lab's kinds: (canhgac.lab.services_lab.Plant value, the service both tools should name,
# (its usual port, other ports it is also put on))
KINDS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("openssh-7.4", "ssh", (22, 2222)),
    ("ftp-anonymous", "ftp", (21, 2121)),
    ("redis-no-password", "redis", (6379, 7000)),
    ("mysql-root-empty-password", "mysql", (3306, 3307)),
    ("telnet", "telnet", (23, 2323)),
    ("postgres-trust", "postgresql", (5432, 5433)),
    ("smb1-unsigned", "smb", (445,)),
    ("mongodb-no-auth", "mongodb", (27017, 27018)),
    ("rdp-without-nla", "rdp", (3389, 3390)),
    ("elasticsearch-no-auth", "elasticsearch", (9200, 9201)),
    ("vnc-no-auth", "vnc", (5900, 5901)),
    ("apache-2.4.49-8080", "http", (8080, 80, 8888)),
    ("docker-api-2375", "docker", (2375,)),
    ("memcached", "memcached", (11211, 11212)),
    ("nothing", "https", (443, 8443)),
    ("dns-open-resolver", "dns", (53,)),
)
# Closed ports of the list: common ones that nothing in the lab listens on
FILLER = (
    7, 9, 13, 25, 37, 79, 81, 88, 110, 111, 113, 119, 135, 139, 143, 179, 389, 465, 514, 515, 548,
    554, 587, 631, 636, 873, 990, 993, 995, 1025, 1080, 1194, 1433, 1521, 1723, 1883, 2049, 2082,
    2083, 2181, 2376, 3000, 3128, 4369, 4443, 5000, 5060, 5222, 5601, 5672, 5984, 6000, 6443, 6666,
    7001, 8000, 8008, 8081, 8088, 8181, 8291, 8500, 8834, 9000, 9090, 9092, 9100, 9300, 9418,
    10000, 11214, 15672, 27019, 50000,
)
# nmap's service names -> this benchmark's (http is refined by the product: Elasticsearch, Docker)
NMAP_NAMES = {
    "ssh": "ssh", "ftp": "ftp", "telnet": "telnet", "microsoft-ds": "smb", "netbios-ssn": "smb",
    "ms-wbt-server": "rdp", "mysql": "mysql", "postgresql": "postgresql", "mongodb": "mongodb",
    "mongod": "mongodb", "redis": "redis", "memcached": "memcached", "vnc": "vnc", "http": "http",
    "https": "https", "domain": "dns", "docker": "docker",
}


def build_plan(addresses: int) -> list[dict[str, Any]]:
    """Services on ``addresses`` addresses (127.88.1.11 on), 1 to 3 each, of distinct kinds.

    Kinds go round :data:`KINDS`; every 4th service of a kind that has another port goes on one
    of those (cycling through them), the rest on the usual port.
    """
    plan: list[dict[str, Any]] = []
    turn = Counter[str]()
    k = 0
    for i in range(addresses):
        address = f"{NETWORK}.{11 + i}"
        for _ in range(1 + i % 3):
            kind, service, ports = KINDS[k % len(KINDS)]
            k += 1
            n = turn[kind]
            turn[kind] += 1
            port = ports[1 + (n // 4) % (len(ports) - 1)] if len(ports) > 1 and n % 4 == 3 else ports[0]
            plan.append({"address": address, "kind": kind, "service": service, "port": port})
    return plan


def port_list(size: int = 100) -> list[int]:
    """Every port the lab may use, then the closed common ones up to ``size``."""
    lab = {p for _, _, ps in KINDS for p in ps}
    return sorted(lab | set([p for p in FILLER if p not in lab][: size - len(lab)]))


def inventory_yaml() -> str:
    return "\n".join([
        "version: 1",
        'province: {code: BENCH, name: "Bench"}',
        "scope: {public_suffixes: [gov.test], loopback_only: true}",
        "agencies:",
        "  - code: PORTS",
        '    name: "Ports bench agency"',
        "    kind: department",
        f"    ranges: [{RANGE}]",
    ]) + "\n"


# ---------------------------------------------------------------------------------------------
# What each tool found: "address:port" -> service name ("" when open without a name)


Found = dict[str, str]


def canhgac_found(path: Path) -> tuple[Found, set[str], Counter[str], Counter[str]]:
    """(port -> service from the evidence, ports open without one, result statuses, errors by check)."""
    services: Found = {}
    opened: set[str] = set()
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    if not path.exists():
        return services, opened, statuses, errors
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        statuses[r["status"]] += 1
        if r["status"] == "error":
            errors[r["check_id"]] += 1
        ev = r.get("evidence") or {}
        address = ev.get("address") or str(r.get("target_key", r.get("target", ""))).split(":")[-1]
        if r["check_id"] == "net.ports.new":
            opened.update(f"{address}:{p}" for p in ev.get("open_ports", []))
            for p, name in (ev.get("services") or {}).items():
                if name != "unknown":
                    services[f"{address}:{p}"] = name
        for entry in ev.get("ports", []):
            if isinstance(entry, dict) and "port" in entry and entry.get("service") not in (None, "unknown"):
                services[f"{address}:{entry['port']}"] = entry["service"]
    for where in opened:
        services.setdefault(where, "")
    return services, opened, statuses, errors


def nmap_found(path: Path) -> tuple[Found, dict[str, str]]:
    """(port -> service, port -> nmap's own name/product as shown in the mapping table)."""
    out: Found = {}
    raw: dict[str, str] = {}
    if not path.exists():
        return out, raw
    for host in ET.parse(path).getroot().iter("host"):
        address = host.find("address").get("addr")  # type: ignore[union-attr]
        for port in host.iter("port"):
            state = port.find("state")
            if state is None or state.get("state") != "open":
                continue
            where = f"{address}:{port.get('portid')}"
            svc = port.find("service")
            name = svc.get("name", "") if svc is not None else ""
            product = svc.get("product", "") if svc is not None else ""
            tunnel = svc.get("tunnel", "") if svc is not None else ""
            shown = ("ssl/" if tunnel == "ssl" else "") + name + (f" ({product})" if product else "")
            mapped = NMAP_NAMES.get(name, name)
            if mapped == "http" and "elasticsearch" in product.lower():
                mapped = "elasticsearch"
            elif mapped == "http" and "docker" in product.lower():
                mapped = "docker"
            if tunnel == "ssl" and mapped == "http":
                mapped = "https"
            out[where], raw[where] = mapped, shown
    return out, raw


@dataclass
class Agreement:
    both: int = 0
    only_a: list[str] | None = None
    only_b: list[str] | None = None
    same: int = 0
    differ: list[str] | None = None


def agree_ports(a: Found, b: Found) -> Agreement:
    return Agreement(both=len(a.keys() & b.keys()), only_a=sorted(a.keys() - b.keys(), key=_key),
                     only_b=sorted(b.keys() - a.keys(), key=_key))


def _key(where: str) -> tuple[int, int]:
    address, port = where.rsplit(":", 1)
    return int(address.rsplit(".", 1)[1]), int(port)


# ---------------------------------------------------------------------------------------------
# The run


def write_section(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{BEGIN}\n{body}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def lab_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(p.cpu_times()[:2])
    return total


@dataclass
class ToolRun:
    m: Measurement
    lab_cpu_s: float


def run_tool(lab: psutil.Process, label: str, cmd: list[str], **kw: Any) -> ToolRun:
    cpu0 = lab_cpu(lab)
    m = measure(label, cmd, **kw)
    print(m.row(), flush=True)
    return ToolRun(m, lab_cpu(lab) - cpu0)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench ports")
    ap.add_argument("--addresses", type=int, default=36, help="lab addresses with services (at most 240)")
    ap.add_argument("--rate", type=float, default=1000, help="connection attempts per second, both tools")
    ap.add_argument("--no-default-nmap", action="store_true", help="skip nmap's default-timing run")
    ap.add_argument("--timeout", type=float, default=300, help="per tool, seconds")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)
    if not 1 <= args.addresses <= 240:
        raise SystemExit("--addresses must be 1..240")
    nmap = shutil.which("nmap")
    if nmap is None:
        raise SystemExit("nmap is not installed (Debian: apt-get install -y nmap)")
    plan = build_plan(args.addresses)
    ports = port_list()
    spec = ",".join(map(str, ports))
    work = Path(tempfile.mkdtemp(prefix="canhgac-bench-ports-"))
    print(f"work directory: {work}", flush=True)
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "inventory.yaml").write_text(inventory_yaml())
    env = dict(os.environ, CANHGAC_WORKSPACE=str(work / "ws"))
    lab = subprocess.Popen([sys.executable, "-m", "bench.ports_lab_proc", str(work / "plan.json")],
                           stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert lab.stdout is not None
    ready = lab.stdout.readline().split()
    if not ready or ready[0] != "READY":
        lab.kill()
        raise SystemExit("the lab did not start")
    redis_kind = ready[2].replace("-", " ") if len(ready) > 2 else "?"
    print(f"lab: {ready[1]} listeners on {args.addresses} addresses ({redis_kind})", flush=True)
    labp = psutil.Process(lab.pid)
    rate = f"{args.rate:g}"
    assert RANGE.startswith("127.")
    nmap_cmd = [nmap, "-sT", "-sV", "-Pn", "-n", "-p", spec]
    runs: dict[str, ToolRun] = {}
    try:
        runs["canhgac"] = run_tool(labp, "canhgac scan", [
            sys.executable, "-m", "bench.run_canhgac", "--lang", "en", "scan", str(work / "inventory.yaml"),
            "--family", "net", "--ports", spec, "--scan-rate", rate, "--no-store",
            "--json-out", str(work / "canhgac.jsonl"),
        ], env=env, timeout=args.timeout)
        runs["nmap"] = run_tool(labp, f"nmap -sT -sV --max-rate {rate}", [
            *nmap_cmd, "--max-rate", rate, "-oX", str(work / "nmap.xml"), RANGE,
        ], env=env, timeout=args.timeout)
        if not args.no_default_nmap:
            runs["nmap-default"] = run_tool(labp, "nmap -sT -sV (default timing)", [
                *nmap_cmd, "-oX", str(work / "nmap-default.xml"), RANGE,
            ], env=env, timeout=args.timeout)
    finally:
        lab.terminate()
        try:
            rest, _ = lab.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            lab.kill()
            rest, _ = lab.communicate()
    lab_errors = next((json.loads(line[7:]) for line in (rest or "").splitlines() if line.startswith("ERRORS ")), None)
    ours, ours_open, statuses, errors = canhgac_found(work / "canhgac.jsonl")
    theirs, raw = nmap_found(work / "nmap.xml")
    default_theirs, _ = nmap_found(work / "nmap-default.xml")
    truth: Found = {f"{s['address']}:{s['port']}": s["service"] for s in plan}
    body = render(args, plan, ports, runs, ours, ours_open, statuses, errors, theirs, raw, default_theirs,
                  truth, redis_kind, _versions(nmap), lab_errors)
    print(body)
    write_section(args.out, body)
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.m.returncode == 0 for r in runs.values()) else 1


def _versions(nmap: str) -> dict[str, str]:
    from importlib.metadata import version

    first = subprocess.run([nmap, "--version"], capture_output=True, text=True, check=False).stdout
    return {"nmap": first.split()[2] if first.startswith("Nmap version") else "?", "canhgac": version("canhgac")}


def _some(items: list[str], n: int = 12) -> str:
    return ", ".join(items[:n]) + (f" … (+{len(items) - n})" if len(items) > n else "")


def render(
    args: argparse.Namespace,
    plan: list[dict[str, Any]],
    ports: list[int],
    runs: dict[str, ToolRun],
    ours: Found,
    ours_open: set[str],
    statuses: Counter[str],
    errors: Counter[str],
    theirs: Found,
    raw: dict[str, str],
    default_theirs: Found,
    truth: Found,
    redis_kind: str,
    versions: dict[str, str],
    lab_errors: dict[str, int] | None,
) -> str:
    rate = f"{args.rate:g}"
    unusual = sum(1 for s in plan if s["port"] != next(k[2][0] for k in KINDS if k[0] == s["kind"]))
    kinds = Counter(s["service"] for s in plan)
    rows = ["| tool | wall (s) | CPU (s) | peak RSS (MB) | lab's CPU (s) |", "|---|---|---|---|---|"]
    rows += [f"| {r.m.label} | {r.m.wall_s:.2f} | {r.m.cpu_s:.2f} | {r.m.peak_rss_mb:.0f} | {r.lab_cpu_s:.2f} |"
             for r in runs.values()]
    ow = runs["canhgac"].m.wall_s
    ratio = f"**Ratio (wall): nmap at {rate}/s / canhgac {runs['nmap'].m.wall_s / ow:.2f}×"
    if "nmap-default" in runs:
        ratio += f"; nmap at its default timing / canhgac {runs['nmap-default'].m.wall_s / ow:.2f}×"
    ratio += (f".** CPU: canhgac {runs['canhgac'].m.cpu_s:.1f} s, nmap {runs['nmap'].m.cpu_s:.1f} s; "
              f"peak RSS: canhgac {runs['canhgac'].m.peak_rss_mb:.0f} MB, nmap {runs['nmap'].m.peak_rss_mb:.0f} MB.")
    cmd_args = "" if args.addresses == 36 else f" --addresses {args.addresses}"
    cmd_args += "" if args.rate == 1000 else f" --rate {rate}"
    lines = [
        "## Port scan and service identification: canhgac vs nmap -sT -sV",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, Python {platform.python_version()}, canhgac {versions['canhgac']}, "
        f"Nmap {versions['nmap']} (Debian package).",
        "",
        f"Command: `python3 scripts/dev.py bench ports{cmd_args}`",
        "",
        f"{RANGE} declared as one agency's range (scope `loopback_only`): 254 addresses × {len(ports)} ports. "
        f"The lab (the demo lab's responders, its own process) serves {len(plan)} services on "
        f"{args.addresses} addresses ({NETWORK}.11 on, 1 to 3 each), {unusual} of them on a port other "
        "than their usual one: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
        + f". Redis: {redis_kind}. The port list is every port the lab may use plus common closed ones "
        f"({len(ports)} in all). Both tools get the same rate cap, {rate} connection attempts per second; "
        "nmap is also run at its default timing (no cap). The lab shares the 2 cores with the tool "
        "being measured; its CPU during each run is in the last column. Lab responders' internal errors: "
        + (", ".join(f"{k} {v}" for k, v in lab_errors.items()) or "none" if lab_errors is not None else "unknown")
        + (" (the SSH responder raises `ProbeError` when a client closes before sending its identification "
           "line, as a connect scan does; see src/canhgac/lab/ssh_server.py)"
           if lab_errors and "SshResponder" in lab_errors else "") + ".",
        "",
        "Commands (the work directory's paths shortened; LIST is the 100 ports):",
        "",
        f"- canhgac: `canhgac scan inventory.yaml --family net --ports LIST --scan-rate {rate} --no-store "
        "--json-out canhgac.jsonl`",
        f"- nmap: `nmap -sT -sV -Pn -n -p LIST --max-rate {rate} -oX nmap.xml {RANGE}`",
        f"- nmap, default timing: `nmap -sT -sV -Pn -n -p LIST -oX nmap-default.xml {RANGE}`",
        "",
        *rows,
        "",
        ratio,
        "",
        f"canhgac result statuses: {', '.join(f'{k} {v}' for k, v in statuses.most_common())}"
        + (f"; errors by check: {', '.join(f'{k} {v}' for k, v in errors.most_common())}" if errors else "")
        + ".",
        "",
        "### Open ports (per address:port)",
        "",
        "| compared | both | only the first | only the second |",
        "|---|---|---|---|",
    ]
    ours_ports: Found = {w: "" for w in ours_open}
    pairs = [("canhgac vs nmap", ours_ports, theirs), ("canhgac vs lab plan", ours_ports, truth),
             ("nmap vs lab plan", theirs, truth)]
    if default_theirs:
        pairs.append(("nmap default timing vs nmap rate-capped", default_theirs, theirs))
    notes = []
    for name, a, b in pairs:
        g = agree_ports(a, b)
        lines.append(f"| {name} | {g.both} | {len(g.only_a or [])} | {len(g.only_b or [])} |")
        if g.only_a or g.only_b:
            notes.append(f"- {name}: only the first {_some(g.only_a or [])}; only the second {_some(g.only_b or [])}")
    lines += ["", *notes] if notes else []
    # services
    both_open = sorted(ours_ports.keys() & theirs.keys(), key=_key)
    same = [w for w in both_open if ours.get(w) and ours[w] == theirs[w]]
    missing = [w for w in both_open if not ours.get(w)]
    differ = [w for w in both_open if ours.get(w) and ours[w] != theirs[w]]
    vs_truth_ours = sum(1 for w, s in truth.items() if ours.get(w) == s)
    vs_truth_nmap = sum(1 for w, s in truth.items() if theirs.get(w) == s)
    lines += [
        "",
        "### Identified services",
        "",
        f"On the {len(both_open)} ports both found open: same service {len(same)}, different {len(differ)}, "
        f"canhgac's evidence names no service {len(missing)}. Against the lab plan ({len(truth)} services): "
        f"canhgac names {vs_truth_ours} right, nmap {vs_truth_nmap}.",
        "",
        "Mapping (what the lab planted, canhgac's name in the evidence, nmap's service name and product "
        "from the XML) with the ports per row:",
        "",
        "| planted | canhgac | nmap | ports | agree |",
        "|---|---|---|---|---|",
    ]
    table: Counter[tuple[str, str, str, bool]] = Counter()
    for w in sorted(truth.keys() | ours_ports.keys() | theirs.keys(), key=_key):
        nm = raw.get(w, "—" if w not in theirs else "(no name)")
        nm_short = nm.split(" (")[0] + (" (" + nm.split(" (", 1)[1].split(" ")[0].rstrip(")") + ")"
                                        if " (" in nm else "")
        a = ours.get(w, "—") if w in ours_ports or w in ours else "—"
        table[(truth.get(w, "—"), a or "(not in evidence)", nm_short, bool(ours.get(w)) and ours.get(w) == theirs.get(w))] += 1
    for (t, a, n, ok), count in sorted(table.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {t} | {a} | {n} | {count} | {'yes' if ok else 'no'} |")
    if differ:
        lines += ["", "Different names: " + _some([f"{w} canhgac {ours[w]}, nmap {raw.get(w, '')}" for w in differ])]
    if missing:
        lines += ["", "Open, no service in canhgac's evidence: " + _some(missing)]
    lines += ["", *EXPLAINED]
    return "\n".join(lines)


EXPLAINED = (
    "Disagreements explained (checked by hand on a run's outputs, kept with `--keep`):",
    "",
    "- https (443, 8443) and dns (TCP 53): canhgac's identification speaks neither TLS nor DNS over "
    "TCP (there is no such `Service`); its reading is `unknown` (the TLS server closes on the plain "
    "HTTP probe; the DNS responder stays silent until the deadline), so no check's evidence names the "
    "port. nmap names both (its SSL probe, then HTTP inside; its DNS probes).",
    "- elasticsearch (9200, 9201): nmap gets the JSON reply to its GET but no signature of its "
    "database matches the lab's reply (no `Server` header, an empty reason phrase), so it prints a "
    "fingerprint and takes the name of the port from nmap-services (`wap-wsp`, `wap-wsp-wtp`); canhgac "
    "reads the Elasticsearch document.",
    "- memcached: on some ports nmap's probes match its `achat` signature before the memcached one "
    "(the lab responder answers every unknown line with `ERROR`); canhgac asks `version`/`stats`.",
    "- Where canhgac does name a port, the name comes from whichever net.* check looked at that "
    "service (`ports` entries); `net.ports.new` names services only for ports new since the baseline, "
    "so a run without a baseline has no single per-port service list.",
)
