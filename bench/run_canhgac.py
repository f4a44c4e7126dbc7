"""Run ``canhgac scan`` in this process under the loopback guard (the benchmark's child).

With ``CANHGAC_BENCH_DNS_STATS=PATH`` set, every DNS question the scan sends is tallied
(by outcome, and how many went over TCP) and the tally is written to PATH as JSON on exit,
so the benchmark can show that no answer was lost. The tally wraps ``DnsClient._ask`` from
outside; it costs a dict update per query.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections import Counter
from typing import Any

from canhgac.netguard import install_loopback_guard


def count_dns(path: str) -> None:
    from canhgac.engine.dns import DnsClient

    tally: Counter[str] = Counter()
    ask = DnsClient._ask

    async def counted(self: DnsClient, *args: Any, **kwargs: Any) -> Any:
        answer = await ask(self, *args, **kwargs)
        tally["queries"] += 1
        tally[f"status:{answer.status.value}"] += 1
        if answer.used_tcp:
            tally["tcp"] += 1
        return answer

    DnsClient._ask = counted  # type: ignore[method-assign]

    def write() -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(dict(tally), fh)

    atexit.register(write)


if __name__ == "__main__":
    install_loopback_guard()
    if os.environ.get("CANHGAC_BENCH_DNS_STATS"):
        count_dns(os.environ["CANHGAC_BENCH_DNS_STATS"])
    from canhgac.cli.main import app

    sys.exit(app(sys.argv[1:], standalone_mode=True))
