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

canhgac's open ports and services are read from its store's discovered assets (each host's open
ports with the service identified there, ``queries.host_services``), as the report and the drift
baseline read them; result statuses come from its JSON lines. A port stored without a service
name is counted as "not identified".
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bench import harness, lab_procs, report_md, tools
from bench.measure import ToolRun, run_tool
from bench.tool_outputs import canhgac_results, nmap_open_ports

if TYPE_CHECKING:
    import argparse

NETWORK = "127.88.1"
RANGE = f"{NETWORK}.0/24"

# The lab's kinds: (canhgac.lab.services_plan.Plant value, the service both tools should name,
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
    "https": "https", "https-alt": "https", "domain": "dns", "docker": "docker",
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
    return harness.inventory([("PORTS", "Ports bench agency", f"ranges: [{RANGE}]")])


# ---------------------------------------------------------------------------------------------
# What each tool found: "address:port" -> service name ("" when open without a name)


Found = dict[str, str]


def canhgac_found(path: Path, workspace: Path) -> tuple[Found, set[str], Counter[str], Counter[str]]:
    """(port -> service from the stored assets, every open port, result statuses, errors by check)."""
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for r in canhgac_results(path):
        statuses[r["status"]] += 1
        if r["status"] == "error":
            errors[r["check_id"]] += 1
    from canhgac.console.bootstrap import setup_django

    setup_django(workspace=workspace)
    from canhgac.console.store import queries

    services: Found = {}
    for found in queries.host_services(queries.ViewerScope.everything()):
        name = "" if found.service == "unknown" else found.service
        services[f"{found.address}:{found.port}"] = "https" if name == "http" and found.tls else name
    return services, set(services), statuses, errors


def nmap_found(path: Path) -> tuple[Found, dict[str, str]]:
    """(port -> service, port -> nmap's own name/product as shown in the mapping table)."""
    out: Found = {}
    raw: dict[str, str] = {}
    for where, port in nmap_open_ports(path):
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


def main(argv: list[str]) -> int:
    ap = harness.options("ports")
    ap.add_argument("--addresses", type=int, default=36, help="lab addresses with services (at most 240)")
    ap.add_argument("--rate", type=float, default=1000, help="connection attempts per second, both tools")
    ap.add_argument("--no-default-nmap", action="store_true", help="skip nmap's default-timing run")
    args = harness.parse(ap, argv, timeout=300)
    if not 1 <= args.addresses <= 240:
        raise SystemExit("--addresses must be 1..240")
    nmap = tools.nmap_path()
    with harness.work_dir("canhgac-bench-ports-", keep=args.keep) as work:
        return scan_and_report(args, work, nmap)


def scan_and_report(args: argparse.Namespace, work: Path, nmap: str) -> int:
    plan = build_plan(args.addresses)
    ports = port_list()
    spec = ",".join(map(str, ports))
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "inventory.yaml").write_text(inventory_yaml())
    env = harness.tool_env(work)
    lab, ready = lab_procs.start("the lab", "bench.ports_lab_proc", str(work / "plan.json"))
    redis_kind = ready[1].replace("-", " ") if len(ready) > 1 else "?"
    print(f"lab: {ready[0]} listeners on {args.addresses} addresses ({redis_kind})", flush=True)
    labp = [psutil.Process(lab.pid)]
    rate = f"{args.rate:g}"
    assert RANGE.startswith("127.")
    nmap_cmd = [nmap, "-sT", "-sV", "-Pn", "-n", "-p", spec]
    runs: dict[str, ToolRun] = {}
    try:
        runs["canhgac"] = run_tool(labp, "canhgac scan", tools.canhgac_scan(
            # a ranges-only scan resolves no name, but loopback_only refuses the system's resolver
            work / "inventory.yaml", "--resolver", "127.0.0.1", "--family", "net", "--ports", spec,
            "--scan-rate", rate,
            "--json-out", str(work / "canhgac.jsonl"),
        ), env=env, timeout=args.timeout)
        runs["nmap"] = run_tool(labp, f"nmap -sT -sV --max-rate {rate}", [
            *nmap_cmd, "--max-rate", rate, "-oX", str(work / "nmap.xml"), RANGE,
        ], env=env, timeout=args.timeout)
        if not args.no_default_nmap:
            runs["nmap-default"] = run_tool(labp, "nmap -sT -sV (default timing)", [
                *nmap_cmd, "-oX", str(work / "nmap-default.xml"), RANGE,
            ], env=env, timeout=args.timeout)
    finally:
        rest = lab_procs.terminate(lab)
    lab_errors = next((json.loads(line[7:]) for line in rest.splitlines() if line.startswith("ERRORS ")), None)
    ours, ours_open, statuses, errors = canhgac_found(work / "canhgac.jsonl", work / "ws")
    theirs, raw = nmap_found(work / "nmap.xml")
    default_theirs, _ = nmap_found(work / "nmap-default.xml")
    truth: Found = {f"{s['address']}:{s['port']}": s["service"] for s in plan}
    body = render(args, plan, ports, runs, ours, ours_open, statuses, errors, theirs, raw, default_theirs,
                  truth, redis_kind, _versions(nmap), lab_errors)
    print(body)
    report_md.write_section(args.out, "ports", body)
    return 0 if all(r.m.returncode == 0 for r in runs.values()) else 1


def _versions(nmap: str) -> dict[str, str]:
    return {"nmap": tools.nmap_version(nmap), "canhgac": version("canhgac")}


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
    rows = report_md.header("tool", "wall (s)", "CPU (s)", "peak RSS (MB)", "lab's CPU (s)")
    rows += [report_md.row(r.m.label, *r.m.figures(), f"{r.lab_cpu_s:.2f}") for r in runs.values()]
    ow = runs["canhgac"].m.wall_s
    ratio = f"**Ratio (wall): nmap at {rate}/s / canhgac {runs['nmap'].m.wall_s / ow:.2f}×"
    if "nmap-default" in runs:
        ratio += f"; nmap at its default timing / canhgac {runs['nmap-default'].m.wall_s / ow:.2f}×"
    ratio += (f".** CPU: canhgac {runs['canhgac'].m.cpu_s:.1f} s, nmap {runs['nmap'].m.cpu_s:.1f} s; "
              f"peak RSS: canhgac {runs['canhgac'].m.peak_rss_mb:.0f} MB, nmap {runs['nmap'].m.peak_rss_mb:.0f} MB.")
    lines = [
        "## Port scan and service identification: canhgac vs nmap -sT -sV",
        "",
        report_md.machine_line() + f", canhgac {versions['canhgac']}, Nmap {versions['nmap']} (Debian package).",
        "",
        report_md.command_line(
            "ports", addresses=None if args.addresses == 36 else args.addresses, rate=None if args.rate == 1000 else rate
        ),
        "",
        f"{RANGE} declared as one agency's range (scope `loopback_only`): 254 addresses × {len(ports)} ports. "
        f"The lab (the demo lab's responders, its own process) serves {len(plan)} services on "
        f"{args.addresses} addresses ({NETWORK}.11 on, 1 to 3 each), {unusual} of them on a port other "
        "than their usual one: " + report_md.counts(kinds.most_common())
        + f". Redis: {redis_kind}. The port list is every port the lab may use plus common closed ones "
        f"({len(ports)} in all). Both tools get the same rate cap, {rate} connection attempts per second; "
        "nmap is also run at its default timing (no cap). The lab shares the 2 cores with the tool "
        "being measured; its CPU during each run is in the last column. Lab responders' internal errors: "
        + (report_md.counts(lab_errors.items()) or "none" if lab_errors is not None else "unknown")
        + (" (the SSH responder raises `ProbeError` when a client closes before sending its identification "
           "line, as a connect scan does; see src/canhgac/lab/ssh_server.py)"
           if lab_errors and "SshResponder" in lab_errors else "") + ".",
        "",
        "Commands (the work directory's paths shortened; LIST is the 100 ports):",
        "",
        f"- canhgac: `canhgac scan inventory.yaml --resolver 127.0.0.1 --family net --ports LIST --scan-rate {rate} --no-store "
        "--json-out canhgac.jsonl`",
        f"- nmap: `nmap -sT -sV -Pn -n -p LIST --max-rate {rate} -oX nmap.xml {RANGE}`",
        f"- nmap, default timing: `nmap -sT -sV -Pn -n -p LIST -oX nmap-default.xml {RANGE}`",
        "",
        *rows,
        "",
        ratio,
        "",
        f"canhgac result statuses: {report_md.counts(statuses.most_common())}"
        + (f"; errors by check: {report_md.counts(errors.most_common())}" if errors else "")
        + ".",
        "",
        "### Open ports (per address:port)",
        "",
        *report_md.header("compared", "both", "only the first", "only the second"),
    ]
    ours_ports: Found = {w: "" for w in ours_open}
    pairs = [("canhgac vs nmap", ours_ports, theirs), ("canhgac vs lab plan", ours_ports, truth),
             ("nmap vs lab plan", theirs, truth)]
    if default_theirs:
        pairs.append(("nmap default timing vs nmap rate-capped", default_theirs, theirs))
    notes = []
    for name, a, b in pairs:
        g = agree_ports(a, b)
        lines.append(report_md.row(name, g.both, len(g.only_a or []), len(g.only_b or [])))
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
        f"canhgac identified no service {len(missing)}. Against the lab plan ({len(truth)} services): "
        f"canhgac names {vs_truth_ours} right, nmap {vs_truth_nmap}.",
        "",
        "Mapping (what the lab planted, canhgac's stored name, nmap's service name and product "
        "from the XML) with the ports per row:",
        "",
        *report_md.header("planted", "canhgac", "nmap", "ports", "agree"),
    ]
    table: Counter[tuple[str, str, str, bool]] = Counter()
    for w in sorted(truth.keys() | ours_ports.keys() | theirs.keys(), key=_key):
        nm = raw.get(w, "—" if w not in theirs else "(no name)")
        nm_short = nm.split(" (")[0] + (" (" + nm.split(" (", 1)[1].split(" ")[0].rstrip(")") + ")"
                                        if " (" in nm else "")
        name = ours.get(w, "—") if w in ours_ports or w in ours else "—"
        table[(truth.get(w, "—"), name or "(not identified)", nm_short, bool(ours.get(w)) and ours.get(w) == theirs.get(w))] += 1
    for (t, name, n, ok), count in sorted(table.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(report_md.row(t, name, n, count, "yes" if ok else "no"))
    if differ:
        lines += ["", "Different names: " + _some([f"{w} canhgac {ours[w]}, nmap {raw.get(w, '')}" for w in differ])]
    if missing:
        lines += ["", "Open, no service identified by canhgac: " + _some(missing)]
    lines += ["", *EXPLAINED]
    return "\n".join(lines)


EXPLAINED = (
    "Disagreements explained (checked by hand on a run's outputs, kept with `--keep`):",
    "",
    "- elasticsearch (9200, 9201): nmap gets the JSON reply to its GET but no signature of its "
    "database matches the lab's reply (no `Server` header, an empty reason phrase), so it prints a "
    "fingerprint and takes the name of the port from nmap-services (`wap-wsp`, `wap-wsp-wtp`); canhgac "
    "reads the Elasticsearch document.",
    "- memcached: on some ports nmap's probes match its `achat` signature before the memcached one "
    "(the lab responder answers every unknown line with `ERROR`); canhgac asks `version`/`stats`.",
    "- canhgac's names come from its store's discovered assets (every open port of each host with "
    "what answers there); HTTP inside TLS counts as https, as nmap's `ssl/http`.",
)
