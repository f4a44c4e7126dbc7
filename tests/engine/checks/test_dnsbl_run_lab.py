"""mail.dnsbl.listed over a whole run: each blocklist zone is tested once, a zone that fails is
one run warning (not an error on every mail host), and the hosts are judged with the others.

A lab DNS server on loopback plays the resolver; it counts the questions it is asked, so the
test sees that a zone's RFC 5782 test entries are asked once per run however many hosts there
are, and that a dead zone is never asked about a host.
"""

from __future__ import annotations

from collections import Counter

import dns.message
from loopback_support import random_loopback

from canhgac.engine.checks import mail_dnsbl
from canhgac.engine.collectors import dnsbl as dnsbl_collectors
from canhgac.engine.options import MailOptions
from canhgac.engine.registry import build_registry
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.runner import Event, InProcessExecutor, Progress, RunWarning, ScanPlan
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer

SOA = "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
HOSTS = {"mail1": "127.25.1.1", "mail2": "127.25.1.2", "mail3": "127.25.1.3", "listed": "127.25.2.1"}
GOV = SOA + "".join(f"{name} IN A {address}\n" for name, address in HOSTS.items())
BLOCKLIST = SOA + "2.0.0.127 IN A 127.0.0.2\n1.2.25.127 IN A 127.0.0.2\n"
ZONES = {
    "gov.test": GOV,
    "bl.lab.test": BLOCKLIST,
    "zen.spamhaus.org": SOA + "* IN A 127.255.255.254\n",  # refuses this "public" resolver
    "dead.lab.test": SOA,
}


class CountingDnsServer(LabDnsServer):
    """The lab server, counting each question (name, type) it receives."""

    asked: Counter[tuple[str, str]]

    def _fault_for(self, query: dns.message.Message) -> Fault | None:
        if not hasattr(self, "asked"):
            self.asked = Counter()
        if len(query.question) == 1:
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.asked[(name, dns.rdatatype.to_text(question.rdtype))] += 1
        return super()._fault_for(query)


async def run(zones: tuple[str, ...]) -> tuple[list[Event], CountingDnsServer]:
    registry = build_registry([dnsbl_collectors, mail_dnsbl])
    targets = [Target(kind=TargetKind.MAIL_HOST, name=f"{h}.gov.test", agency="STTTT") for h in HOSTS]
    async with CountingDnsServer(zones=ZONES, address=random_loopback()) as server:
        settings = ScanSettings(
            resolvers=(f"{server.address}:{server.port}",), dns_timeout=0.5, dns_attempts=1,
            scope=ScopeSettings(domains=("gov.test",), loopback_only=True),
            mail=MailOptions(dnsbl_zones=zones), concurrency=4,
        )
        plan = ScanPlan.build(registry, targets)
        events = [e async for e in InProcessExecutor().run(plan, settings, registry)]
        assert server.internal_errors == 0
    return events, server


async def test_failing_zones_are_one_warning_each_and_hosts_are_judged_with_the_live_one() -> None:
    events, server = await run(("zen.spamhaus.org", "bl.lab.test", "dead.lab.test"))
    warnings = [e for e in events if isinstance(e, RunWarning)]
    assert sorted(w.key for w in warnings) == ["dnsbl:dead.lab.test", "dnsbl:zen.spamhaus.org"]
    results = {e.target.name: e for e in events if isinstance(e, CheckResult)}
    assert {name: r.status for name, r in results.items()} == {
        "mail1.gov.test": Status.PASS, "mail2.gov.test": Status.PASS, "mail3.gov.test": Status.PASS,
        "listed.gov.test": Status.FAIL,
    }
    assert results["mail1.gov.test"].message.values["zones"] == "bl.lab.test"
    # each zone's test entries asked once for the run; the failed zones never about a host
    for zone in ("zen.spamhaus.org", "bl.lab.test", "dead.lab.test"):
        assert server.asked[(f"2.0.0.127.{zone}", "A")] == 1, zone
        assert server.asked[(f"1.0.0.127.{zone}", "A")] == 1, zone
    # the hosts' addresses are 127.25.x.y: their questions hold ".25.127."
    asked_about_hosts = {name.split(".", 4)[4] for name, _ in server.asked if ".25.127." in name}
    assert asked_about_hosts == {"bl.lab.test"}
    # a warning comes right after the target that raised it, before its progress tick
    first = events.index(warnings[0])
    assert isinstance(events[first - 1], CheckResult) and isinstance(events[-1], Progress)


async def test_no_live_zone_is_not_applicable_on_every_host_with_one_warning_per_zone() -> None:
    events, _ = await run(("zen.spamhaus.org", "dead.lab.test"))
    results = [e for e in events if isinstance(e, CheckResult)]
    assert {(r.status, r.message.key) for r in results} == {(Status.NOT_APPLICABLE, "no-live-zone")}
    assert len(results) == len(HOSTS)
    assert len([e for e in events if isinstance(e, RunWarning)]) == 2
