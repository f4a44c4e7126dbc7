"""Family net.drift: ports newly open since the previous scan; the evidence lists every open
port with what answers there (the host's inventory, and the next scan's baseline).
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.checks.net_services import HOST
from canhgac.engine.facts.services import HostServiceFacts, ServiceReading
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed


def _listening(reading: ServiceReading) -> dict[str, Any]:
    """What answers on one open port, as the report's services table shows it."""
    out: dict[str, Any] = {"port": reading.port, "service": reading.service.value}
    out.update({k: v for k in ("product", "version", "tls") if (v := getattr(reading, k))})
    return out


@check("net.ports.new", target=HOST, needs=HostServiceFacts)
def ports_new(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    # every open port with what answers there: the host's inventory, and the next scan's baseline
    services = {str(p): r.service.value for p in facts.open_ports if (r := facts.on(p)) is not None}
    listening = [_listening(r) for p in facts.open_ports if (r := facts.on(p)) is not None]
    base = {"address": facts.address, "open_ports": list(facts.open_ports), "services": services,
            "listening": listening}
    if facts.known_ports is None:
        return not_applicable("no-baseline", base)
    new = sorted(set(facts.open_ports) - set(facts.known_ports))
    ev = {
        **base,
        "previous": list(facts.known_ports),
        "new": new,
        "new_services": {str(p): services[str(p)] for p in new if str(p) in services},
    }
    if new:
        names = ", ".join(f"{p} ({r.service.value})" if (r := facts.on(p)) else str(p) for p in new)
        return failed("new", ev, ports=names)
    return passed("pass", ev, count=len(facts.open_ports))
