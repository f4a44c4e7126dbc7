"""The ``watch`` section of docs/benchmarks.md: the run's figures, each target met or missed,
and Uptime Kuma's documented limits beside them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import report_md

if TYPE_CHECKING:
    import argparse

    from bench.watch import Side, SizeRun
    from bench.watch_lab import Lab

LATE_P99_S = 2.0
CPU_SHARE_5000 = 0.5  # of one core
REFERENCE = "about 2 ms of CPU per probe, 5,000 monitors at 17 % of one core"

UPTIME_KUMA = (
    "**Uptime Kuma**, for scale: it publishes no figure for how many monitors one instance "
    "carries. Its setup screen calls SQLite \"recommended for small-scale deployments\" "
    "(`src/lang/en.json`, key `setupDatabaseSQLite`, "
    "https://github.com/louislam/uptime-kuma/blob/master/src/lang/en.json) and v2 adds MariaDB for "
    "larger ones; asked what a normal number of monitors is, a maintainer answered that it depends "
    "on the machine, some users hitting a limit around 100 monitors and others running several "
    "hundred (https://github.com/louislam/uptime-kuma/issues/3075); with about 100 HTTP and ping "
    "monitors on a 4-core VM at 100 % CPU the advice was to lengthen the interval to 60 s and prune "
    "the history (https://github.com/louislam/uptime-kuma/issues/2751); 1,400 ping monitors at "
    "60 s on a 16-vCPU server load its dashboard in 10-15 s "
    "(https://github.com/louislam/uptime-kuma/issues/5641). Its minimum interval is 20 s. It was "
    "not run here (a Node.js application outside Debian's packages)."
)


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _side_row(side: Side, interval: float) -> str:
    use = side.use
    if side.label == "canhgac":
        r = side.extra
        timing = (f"lateness p50 {r['lateness_p50']:.3f} s, p99 {r['lateness_p99']:.3f} s, "
                  f"max {r['lateness_max']:.2f} s; {r['late_over_2s']} checks over 2 s late; after the first "
                  f"interval p50 {r.get('lateness_p50_steady', 0):.3f} s, p99 {r.get('lateness_p99_steady', 0):.3f} s")
    else:
        r = side.extra
        timing = (f"scrape interval p50 {r.get('interval_p50', 0):.3f} s, p99 {r.get('interval_p99', 0):.3f} s "
                  f"(set: {interval:g} s)")
    return report_md.row(
        side.label, side.monitors, f"{side.probes:,.0f}", f"{side.up:,.0f}", f"{use.cpu_share():.0%}",
        f"{use.cpu_share(since=interval):.0%}", f"{side.cpu_ms_per_probe:.2f}",
        f"{side.steady_ms_per_probe(interval):.2f}", f"{use.peak_rss_mb:.0f}",
        timing, f"{side.lab.cpu_share():.0%}", " → ".join(side.loadavg),
    )


def _workers(args: argparse.Namespace) -> str:
    """How the benchmark's watch fingerprinted new pages (``--page-workers``)."""
    n = int(getattr(args, "page_workers", 1))
    if n == 0:
        return "none: `--page-workers 0`, new pages fingerprinted on the event loop"
    return (f"{n} process{'es' if n > 1 else ''} fingerprinting new pages off the event loop, "
            "`watch run`'s default; its CPU counted with the watch's")


def render(args: argparse.Namespace, lab: Lab, cost: dict[str, float], runs: list[SizeRun], *,
           versions: str) -> str:
    lines = [
        "## Watch: HTTP(S) monitors on time in one process, vs Prometheus + blackbox_exporter",
        "",
        report_md.machine_line() + f", {versions}.",
        "",
        report_md.command_line("watch", monitors=args.monitors, seconds=f"{args.seconds:g}",
                               interval=f"{args.interval:g}"),
        "",
        f"Targets: nginx (the benchmark's own process, 2 workers) serving a 5 KB portal page on an HTTP and "
        f"an HTTPS port of {len(lab.addresses)} loopback addresses; monitor *i* has its own URL, one in five "
        "HTTPS (80 % HTTP / 20 % HTTPS), a certificate from a private CA that both sides verify. Each side "
        f"in turn, for {args.seconds:g} s from the moment it is ready (canhgac: monitors stored and "
        "planned; Prometheus: ready), checks every monitor every "
        f"{args.interval:g} s: **canhgac** is one process (`bench/watch_proc.py`: the watch's scheduler, "
        f"prober and SQLite store, as `canhgac watch run`; {args.concurrency} checks in flight at most) "
        f"and its page worker ({_workers(args)}), "
        "each check a GET, the page's fingerprint (defacement and drift) and its state committed "
        "(write-behind: the checks judged within 0.1 s in one transaction); **Prometheus + blackbox_exporter** is one job with the same URLs as targets "
        "(file_sd, `scrape_interval` the same), each scrape a probe of the exporter's `http_2xx` module. "
        "CPU is user+sys of the processes and their children (psutil, every second) per wall second: "
        "100 % is one core "
        "busy, the machine has two. *Steady* leaves out the first interval (canhgac parses each page "
        "once, then only when its bytes change; Prometheus fills its head block). "
        "Lateness: how long after its slot the scheduler started each check (its own clock); "
        "Prometheus has no such figure, its scrape intervals' spread is the nearest.",
        "",
        *report_md.header("watcher", "monitors", "probes in window", "up at the end", "CPU (of one core)",
                          "CPU steady", "CPU ms / probe", "CPU ms / probe steady", "peak RSS (MB)", "timing",
                          "nginx CPU",
                          "load average"),
    ]
    for run in runs:
        lines.append(_side_row(run.canhgac, args.interval))
        if run.prometheus is not None:
            lines.append(_side_row(run.prometheus, args.interval))
    lines += ["", "### Against the targets", ""]
    lines += _verdicts(args, runs)
    lines += [
        "",
        "### One probe alone",
        "",
        "CPU of one HTTP(S) probe in a loop (`bench/watch_probe_cost.py`: no scheduler, no store, "
        "this process only), before and after the prober shared its HTTP clients and remembered "
        "unchanged pages' fingerprints:",
        "",
        *report_md.header("probe", "client per check, page parsed (before)", "shared clients, first visit",
                          "shared clients, page unchanged"),
        report_md.row("HTTP", *(f"{cost[f'http_{w}_ms']:.2f} ms" for w in _WAYS)),
        report_md.row("HTTPS", *(f"{cost[f'https_{w}_ms']:.2f} ms" for w in _WAYS)),
        "",
        "Every check opens its own connection (and TLS handshake), as blackbox_exporter's probes do: a "
        "kept-alive connection would hide a server that no longer accepts new visitors. The HTTPS cost is "
        "mostly the handshake; the first visit's extra is the page's parse (title, text, links, MinHash "
        "sketch), paid again only when the page changes.",
        "",
        UPTIME_KUMA,
    ]
    return "\n".join(lines)


_WAYS = ("per_check_client", "shared_first_visit", "shared_unchanged")


def _verdicts(args: argparse.Namespace, runs: list[SizeRun]) -> list[str]:
    out = []
    for run in runs:
        c = run.canhgac
        late = c.extra["lateness_p99"]
        if run.monitors <= 5000:
            share = c.use.cpu_share()
            out.append(f"- {run.monitors:,} monitors: lateness p99 {late:.3f} s (target < {LATE_P99_S:g} s: "
                       f"{_mark(late < LATE_P99_S)}), CPU {share:.0%} of one core (target < "
                       f"{CPU_SHARE_5000:.0%}: {_mark(share < CPU_SHARE_5000)}).")
        else:
            settled = c.extra.get("lateness_p99_steady", late)
            out.append(f"- {run.monitors:,} monitors still on time: lateness p99 {late:.3f} s "
                       f"({_mark(late < LATE_P99_S)}, same bound); after the first interval, which "
                       f"fingerprints every page, p99 {settled:.3f} s ({_mark(settled < LATE_P99_S)}); "
                       f"CPU {c.use.cpu_share():.0%} of one core.")
        if run.prometheus is not None and run.prometheus.probes:
            p = run.prometheus
            ratio = c.cpu_ms_per_probe / p.cpu_ms_per_probe if p.cpu_ms_per_probe else 0.0
            mine, theirs = c.steady_ms_per_probe(args.interval), p.steady_ms_per_probe(args.interval)
            steady = mine / theirs if theirs else 0.0
            out.append(f"  CPU per probe over the whole window: canhgac {c.cpu_ms_per_probe:.2f} ms, Prometheus + "
                       f"blackbox_exporter {p.cpu_ms_per_probe:.2f} ms (ratio {ratio:.2f}; target: less: "
                       f"{_mark(c.cpu_ms_per_probe < p.cpu_ms_per_probe)}); after the first interval "
                       f"{mine:.2f} ms against {theirs:.2f} ms (ratio {steady:.2f}: {_mark(mine < theirs)}). "
                       f"The issue's reference for the latter on this machine kind: {REFERENCE}.")
    if args.seconds < 3 * args.interval:
        out.append(f"- The window covers {args.seconds / args.interval:.1f} intervals; the issue's figures "
                   "are for a window of at least three 60 s intervals.")
    return out
