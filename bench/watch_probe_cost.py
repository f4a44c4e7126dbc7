"""CPU of one HTTP(S) probe of the watch, alone: ``python -m bench.watch_probe_cost CA_FILE N URL...``.

Probes the URLs one after the other (no scheduler, no store) under the loopback guard, three
ways: with a client built for each check and every page parsed (as the watch did before), with
the prober's shared clients on a first visit (the page parsed), and again (the page unchanged:
its fingerprint remembered); prints one JSON line of CPU milliseconds per probe
(``time.process_time``: this process only; the targets are nginx's), HTTP and HTTPS apart.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from canhgac.netguard import install_loopback_guard


async def _measure(ca_file: str, n: int, urls: list[str]) -> dict[str, float]:
    from canhgac.engine.options import NetworkLimits
    from canhgac.engine.settings import ScanSettings, ScopeSettings
    from canhgac.watch.facts import HttpFacts
    from canhgac.watch.monitors import Monitor, MonitorKind
    from canhgac.watch.probes import EngineProber, probe_http

    settings = ScanSettings(resolvers=("127.0.0.1:53",), ca_file=ca_file, ca_only=True,
                            scope=ScopeSettings(networks=("127.0.0.0/8",), loopback_only=True),
                            net=NetworkLimits(http_min_interval=0.0))
    prober = EngineProber(settings)
    figures: dict[str, float] = {}
    for scheme in ("http", "https"):
        chosen = [u for u in urls if u.startswith(scheme + ":")][:n]
        monitors = [Monitor(MonitorKind.HTTP, u, "BENCH") for u in chosen]

        async def per_check_client(m: Monitor) -> HttpFacts:
            ctx = prober.context()
            try:
                return await probe_http(ctx, m.target)  # the run's own client, closed with ctx
            finally:
                await ctx.aclose()

        ways = (("per_check_client", per_check_client), ("shared_first_visit", prober), ("shared_unchanged", prober))
        for way, probe in ways:
            if way == "per_check_client":
                await probe(monitors[0])  # warm: imports, the verifying context
            started = time.process_time()
            for m in monitors:
                facts = await probe(m)
                assert isinstance(facts, HttpFacts) and facts.status == 200, facts
            figures[f"{scheme}_{way}_ms"] = round((time.process_time() - started) * 1000 / len(monitors), 3)
    await prober.aclose()
    return figures


if __name__ == "__main__":
    install_loopback_guard()
    print(json.dumps(asyncio.run(_measure(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))))
