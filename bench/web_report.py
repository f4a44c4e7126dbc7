"""The web-portals benchmark's section of docs/benchmarks.md: the tools' figures, their verdicts
compared per portal, the disagreements explained, and notes on how each tool was run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import report_md
from bench.observatory_env import OBSERVATORY_PACKAGE
from bench.web_verdicts import VERDICTS, Comparison, show

if TYPE_CHECKING:
    import argparse

    from bench.measure import ToolRun

NAME = "web-portals"
FALLBACK_OUT = Path("/tmp/bench-web-portals.md")

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


@dataclass(frozen=True)
class WebRun:
    """What the section reports: the tools' runs and what their verdicts came to."""

    args: argparse.Namespace
    plan: list[dict[str, Any]]
    ours: ToolRun
    ours_http: ToolRun
    ours_tls: ToolRun
    obs: ToolRun
    cli: ToolRun | None
    sslyze: ToolRun
    comparisons: list[Comparison]
    vs_plan: dict[str, Comparison]
    obs_vs_plan: dict[str, Comparison]
    statuses: Counter[str]
    errors: Counter[str]
    obs_errors: Counter[str]
    grades: Counter[str]
    cli_ok: int
    versions: dict[str, str]


def write_section(path: Path, body: str) -> Path:
    """Between the markers of ``path``; where it has none, ``FALLBACK_OUT`` gets the section alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new = report_md.replace_section(text, NAME, body)
    if new is not None:
        path.write_text(new, encoding="utf-8")
        return path
    target = path if not path.exists() else FALLBACK_OUT
    target.write_text(report_md.section(NAME, body) + "\n", encoding="utf-8")
    return target


def _target_line(http_ratio: float, tls_ratio: float, wall: float, n: int) -> str:
    """The issue's target: the portals in under 60 s on 2 cores, faster than both tools."""
    met = http_ratio > 1 and tls_ratio > 1 and wall < 60
    verdict = "met" if met else "NOT met"
    return (f"Target (all {n} portals under 60 s wall on 2 cores, faster than both on their own job): "
            f"{verdict}, {wall:.1f} s.")


def render(run: WebRun) -> str:
    args, plan, versions = run.args, run.plan, run.versions
    ours, ours_http, obs, cli, sslyze = run.ours, run.ours_http, run.obs, run.cli, run.sslyze
    ours_tls = run.ours_tls
    n = len(plan)
    ow, oc = ours.m.wall_s, ours.m.cpu_s
    bw, bc = obs.scaled(n)
    sw, sc = sslyze.scaled(n)
    count = Counter(x for p in plan for x in (*p["plants"], *p["extras"]))
    clean = sum(1 for p in plan if not p["plants"] and not p["extras"] and p["cert"] == "ca")
    profiles = Counter(p["tls"] for p in plan)
    certs = Counter(p["cert"] for p in plan)
    lines = [
        "## Web portals: canhgac vs the HTTP Observatory vs sslyze",
        "",
        report_md.machine_line() + f", canhgac {versions['canhgac']}, "
        f"MDN HTTP Observatory {versions['observatory']} (npm `{OBSERVATORY_PACKAGE}`, Node.js "
        f"{versions['node']}), sslyze {versions['sslyze']} (nassl {versions['nassl']}).",
        "",
        report_md.command_line(
            "web-portals",
            portals=args.portals,
            observatory_portals=args.observatory_portals or None,
            sslyze_portals=args.sslyze_portals or None,
        ),
        "",
        f"{n} lab portals (the lab's `PortalSite`, one process), each on ports 443 and 80 of its own "
        "loopback address, with an A record in the lab DNS (another process). Planted: "
        + report_md.counts(count.most_common())
        + f"; {clean} portals plant nothing. TLS profiles: "
        + report_md.counts(profiles.most_common())
        + "; certificates: "
        + report_md.counts(certs.most_common())
        + ". The lab processes share the 2 cores with the tool being measured; their CPU during each "
        "run is in the last column.",
        "",
        "Tools and commands (the work directory's paths shortened):",
        "",
        "- canhgac: `canhgac scan inventory.yaml --check ID ...` with every check whose id starts "
        "web.headers, web.cookies, web.hsts, web.https or web.tls, `--resolver 127.96.0.1:PORT --nameserver-port PORT "
        "--ca-file ca.pem --no-store --json-out canhgac.jsonl`; then again with the web.headers and web.cookies "
        "checks only (the Observatory's side), and with the web.tls checks only (sslyze's side)",
        "- HTTP Observatory: `NODE_EXTRA_CA_CERTS=ca.pem node bench/run_observatory.mjs PACKAGE hosts.json "
        f"observatory.json {args.observatory_concurrency}`: the package's `scan()` (what its CLI calls) "
        f"for every portal, {args.observatory_concurrency} at a time, in one Node process",
        *(
            [
                f"- HTTP Observatory CLI: `OBSERVATORY_HOSTS=hosts.json node --import bench/run_observatory.mjs "
                f"PACKAGE/src/scan.js HOST` for the first {cli.targets} portals, one after the other "
                f"({run.cli_ok} of {cli.targets} gave a result)"
            ]
            if cli
            else []
        ),
        "- sslyze: `python -m sslyze --mozilla_config=disable --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 "
        "--tlsv1_3 --certinfo --certinfo_ca_file=ca.pem --quiet --json_out=sslyze.json "
        "www.agency000.webbench.gov.test:443{127.47.0.1} ...` (all targets in one invocation)",
        "",
        *report_md.tool_table((ours, ours_http, ours_tls, obs, sslyze, *([cli] if cli else [])), n, "portals"),
        "",
        "**Ratios (wall), each tool against canhgac doing the same job:** "
        f"header and cookie checks, Observatory / canhgac {bw / ours_http.m.wall_s:.1f}× "
        f"(CPU {bc / ours_http.m.cpu_s:.1f}×); "
        f"TLS, sslyze / canhgac {sw / ours_tls.m.wall_s:.1f}× (CPU {sc / ours_tls.m.cpu_s:.1f}×); "
        f"both jobs, Observatory + sslyze / canhgac's one run of all five families {(bw + sw) / ow:.1f}×. "
        + _target_line(bw / ours_http.m.wall_s, sw / ours_tls.m.wall_s, ow, n)
        + f" CPU: canhgac {oc:.1f} s (all five families), Observatory {bc:.1f} s, sslyze {sc:.1f} s"
        + (" (scaled)" if obs.targets != n or sslyze.targets != n else "")
        + f". The Observatory alone against canhgac's whole run: {bw / ow:.1f}× (canhgac also analyses TLS, "
        "which the Observatory does not).",
    ]
    if cli:
        per = cli.m.wall_s / cli.targets
        lines += [
            "",
            f"The Observatory's CLI takes {per:.2f} s per portal ({cli.m.cpu_s / cli.targets:.2f} s CPU), "
            f"one Node process each: {per * n:.0f} s for {n} portals one after the other.",
        ]
    lines += [
        "",
        f"canhgac result statuses: {report_md.counts(run.statuses.most_common())}. "
        f"Error results: {report_md.counts(run.errors.most_common()) or 'none'}.",
        f"Observatory grades: {report_md.counts(sorted(run.grades.items()))}; scans that failed: "
        f"{', '.join(f'{k} ({v})' for k, v in run.obs_errors.most_common()) or 'none'}.",
        "",
        "Verdicts per portal (agree / disagree between the two tools; the last two columns: each tool "
        "against what the lab planted):",
        "",
        *report_md.header(
            "verdict", "compared with", "portals", "agree", "disagree", "no verdict", "canhgac = plan", "other = plan"
        ),
    ]
    for c in run.comparisons:
        mine = run.vs_plan[c.name]
        other = run.obs_vs_plan.get(c.name)
        lines.append(report_md.row(
            VERDICTS[c.name][0], c.other, c.total, c.agree, len(c.disagree), len(c.missing),
            f"{mine.agree}/{mine.total}", f"{other.agree}/{other.total}" if other else "—",
        ))
    cert_of = {p["host"]: p["cert"] for p in plan}
    for c in run.comparisons:
        if not c.disagree and not c.missing:
            continue
        lines += [
            "",
            f"{VERDICTS[c.name][0]} vs {c.other}: {len(c.disagree)} disagreements, "
            f"{len(c.missing)} without a verdict.",
        ]
        groups: dict[tuple[str, str], list[str]] = {}
        for host, a, b, na, nb in c.disagree:
            text = f"canhgac {show(a)} ({na}), {c.other} {show(b)} ({nb})"
            if cert_of[host] != "ca":
                text += f"; the portal's certificate is {cert_of[host]}"
            groups.setdefault((text, nb), []).append(host)
        for (text, nb), where in sorted(groups.items(), key=lambda g: -len(g[1])):
            note = _explain(c, nb)
            lines.append(f"- {len(where)}× {text}, e.g. {where[0]}" + (f". Why: {note}" if note else ""))
        sides = Counter(side for _, side in c.missing)
        for side, k in sides.most_common():
            lines.append(f"- {k}× no verdict from {side}, e.g. {next(h for h, s in c.missing if s == side)}")
    for name, c in run.vs_plan.items():
        if c.disagree:
            lines += [
                "",
                f"canhgac against the plan on {VERDICTS[name][0]}: "
                + "; ".join(
                    f"{h} planned {show(a)}, found {show(b)} ({nb})" for h, a, b, _, nb in c.disagree[:10]
                ),
            ]
    lines += ["", *NOTES]
    return "\n".join(lines)
