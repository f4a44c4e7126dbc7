"""Family net.vulns: the versions services announce (SSH/FTP greetings, the MySQL handshake,
Redis INFO, HTTP Server headers...) matched against the offline vulnerability data.

Only what was judged passes: a host where a named product's version could not be read (a Redis
asking for a password before INFO, ``Server: nginx`` without a number) is not applicable with
those products named, even when its other versions match nothing.
"""

from __future__ import annotations

from canhgac.engine.checks.net_services import HOST, evidence, precheck
from canhgac.engine.facts.services import HostServiceFacts, ServiceVuln
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed

MAX_LISTED = 10


def _listing(vulns: tuple[ServiceVuln, ...]) -> str:
    parts = [f"{v.port} {v.product} {v.version}: {v.advisory} ({v.severity})" for v in vulns[:MAX_LISTED]]
    more = len(vulns) - MAX_LISTED
    return "; ".join(parts) + (f"; +{more}" if more > 0 else "")


@check("net.service.vulnerable", target=HOST, needs=HostServiceFacts)
def service_vulnerable(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    early = precheck(facts)
    if early is not None:
        return early
    versioned = [r for r in facts.readings if r.product and r.version]
    ev = evidence(facts, versioned, data_source=facts.vuln_source)
    if facts.vulns:
        ev["vulnerabilities"] = [v.as_evidence() for v in facts.vulns]
        return failed("vulnerable", ev, detail=_listing(facts.vulns), count=len(facts.vulns))
    if facts.vuln_error:
        return errored(ErrorReason.INTERNAL, f"vulnerability data: {facts.vuln_error}", ev)
    unknown = [r for r in facts.readings if r.product and not r.version]
    products = ", ".join(f"{r.port} {r.product} {r.version}" for r in versioned)
    if unknown:
        ev = evidence(facts, [*versioned, *unknown], data_source=facts.vuln_source)
        shown = ", ".join(f"{r.port} {r.product}" for r in unknown)
        return not_applicable("version-unknown", ev, products=shown[:300], judged=products[:300] or "—")
    if not versioned:
        return not_applicable("no-version", {"address": facts.address})
    return passed("pass", ev, products=products[:300], source=facts.vuln_source)
