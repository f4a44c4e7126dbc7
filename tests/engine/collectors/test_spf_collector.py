"""collect_spf and the mail.spf.* checks against the lab DNS server on a random 127.x address.

The server holds the parent zone ``gov.test`` (so names under unregistered ``*.gov.test``
domains are NXDOMAIN), the agency zone and a provider zone; each test names the domain to
scan and the faults to inject.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Mapping

import pytest

from canhgac.engine.checks import mail_spf
from canhgac.engine.collectors import mail_domain
from canhgac.engine.collectors import spf as spf_collector
from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.collectors.spf import MAX_RECORDS, collect_spf
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.spf import SpfFacts, Stop
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.runner import ScanPlan, scan_target
from canhgac.engine.scope import Scope
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer

REGISTRY = build_registry([mail_spf, spf_collector, mail_domain])  # softfail-unenforced needs DMARC
AGENCY = "example.gov.test"
SOA = "@ IN SOA ns.{z}. hostmaster.{z}. 1 3600 600 86400 300\n@ IN NS ns.{z}.\nns IN A 127.0.0.1\n"


def _zone(origin: str, body: str) -> str:
    return "$TTL 300\n" + SOA.format(z=origin) + body


def _txt(text: str) -> str:
    """A TXT rdata of quoted 255-byte character-strings."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


LONG_SPF = "v=spf1 " + " ".join(f"ip4:198.51.{i}.0/24" for i in range(80)) + " -all"
FANOUT = " ".join(f"include:{i}.l{{next}}.{AGENCY}" for i in range(8))

AGENCY_ZONE = _zone(AGENCY, f"""
@ IN MX 10 mail
mail IN A 127.0.0.1
@ IN TXT "google-site-verification=abc123"
@ IN TXT "v=spf1 mx include:_spf.provider.test include:_spf.{AGENCY} -all"
_spf IN TXT "v=spf1 ip4:198.51.100.0/24 a:mail.{AGENCY} ~all"
nomail IN MX 0 .
nomail IN TXT "v=spf1 -all"
two IN TXT "v=spf1 mx -all"
two IN TXT "v=spf1 include:_spf.provider.test -all"
spf10 IN TXT "v=spf10 -all"
open IN TXT "v=spf1 include:_open.provider.test -all"
loop IN TXT "v=spf1 include:loop2.{AGENCY} -all"
loop2 IN TXT "v=spf1 ip4:192.0.2.1 redirect=loop.{AGENCY}"
voids IN TXT "v=spf1 a:nx1.{AGENCY} a:nx2.{AGENCY} mx:nx3.{AGENCY} exists:empty.{AGENCY} -all"
empty IN TXT "not spf"
gone IN TXT "v=spf1 include:_spf.gone.gov.test -all"
stale IN TXT "v=spf1 include:_spf.old.{AGENCY} -all"
slow IN TXT "v=spf1 include:_slow.provider.test -all"
broken IN TXT "v=spf1 include:_garbled.provider.test -all"
badsyntax IN TXT "v=spf1 include:_bad.provider.test -all"
long IN TXT {_txt(LONG_SPF)}
deep IN TXT "v=spf1 include:d1.{AGENCY} -all"
""" + "".join(f'd{i} IN TXT "v=spf1 include:d{i + 1}.{AGENCY} -all"\n' for i in range(1, 14))
  + f'fan IN TXT "v=spf1 {FANOUT.format(next=1)} -all"\n'
  + "".join(f'*.l{n} IN TXT "v=spf1 {FANOUT.format(next=n + 1)} -all"\n' for n in range(1, 8)))

PROVIDER_ZONE = _zone("provider.test", """
_spf IN TXT "v=spf1 include:_n1.provider.test include:_n2.provider.test ~all"
_n1 IN TXT "v=spf1 ip4:203.0.113.0/24 ip4:40.92.0.0/15 ~all"
_n2 IN TXT "v=spf1 ip6:2001:db8::/36 ~all"
_open IN TXT "v=spf1 +all"
_slow IN TXT "v=spf1 -all"
_garbled IN TXT "v=spf1 -all"
_bad IN TXT "v=spf1 ipv4:203.0.113.1 -all"
""")

ZONES = {
    "gov.test": _zone("gov.test", ""),
    AGENCY: AGENCY_ZONE,
    "provider.test": PROVIDER_ZONE,
}
FAULTS: Mapping[tuple[str, str], Fault] = {
    ("_slow.provider.test", "TXT"): Fault.DROP,
    ("_garbled.provider.test", "TXT"): Fault.MALFORMED,
    (f"servfail.{AGENCY}", "TXT"): Fault.SERVFAIL,
    (f"garbage.{AGENCY}", "*"): Fault.GARBAGE,
}


@pytest.fixture
async def server() -> AsyncIterator[LabDnsServer]:
    address = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
    async with LabDnsServer(zones=ZONES, address=address, faults=FAULTS) as lab:
        yield lab
    assert lab.internal_errors == 0


def _ctx(server: LabDnsServer, timeout: float = 0.3) -> CollectContext:
    client = DnsClient((ServerAddress(server.address, server.port),), timeout=timeout, attempts=1)
    return CollectContext(dns=client, scope=Scope.build(domains=[AGENCY], loopback_only=True),
                          public_suffixes=PublicSuffixes(extra=("gov.test",)))


def _target(name: str) -> Target:
    return Target(kind=TargetKind.DOMAIN, name=name, agency="so-tt")


async def _collect(server: LabDnsServer, name: str) -> tuple[SpfFacts, CollectContext]:
    ctx = _ctx(server)
    return await collect_spf(_target(name), ctx), ctx


async def _verdicts(server: LabDnsServer, name: str) -> dict[str, tuple[Status, str]]:
    """Every mail.spf check through the runner: id -> (status, message key)."""
    ctx = _ctx(server)
    (item,) = ScanPlan.build(REGISTRY, [_target(name)]).items
    results = await scan_target(item, ctx, REGISTRY, timeout=10)
    return {r.check_id.removeprefix("mail.spf."): (r.status, r.message.key) for r in results}


PASS = (Status.PASS, "pass")


async def test_real_world_shape_all_pass_and_nested_lookups_counted(server: LabDnsServer) -> None:
    verdicts = await _verdicts(server, AGENCY)
    assert verdicts == {**dict.fromkeys(
        ["present", "single", "syntax", "policy", "pass-all", "lookup-limit", "void-lookups",
         "ptr", "loop", "broad-range", "dangling"], PASS),
        "softfail-unenforced": (Status.NOT_APPLICABLE, "not-softfail")}  # it ends in -all
    facts, _ = await _collect(server, AGENCY)
    outcome = REGISTRY.checks["mail.spf.lookup-limit"].evaluate((facts,), _ctx(server).params)
    # mx, include:_spf.provider.test (+ its 2 includes), include:_spf.example (+ its a:) = 6
    assert outcome.message.values == {"count": 6, "limit": 10}
    assert [c.domain for c in facts.root.children] == ["_spf.provider.test", f"_spf.{AGENCY}"]
    provider = facts.root.children[0]
    assert [c.domain for c in provider.children] == ["_n1.provider.test", "_n2.provider.test"]
    assert [(lk.term, lk.status) for lk in facts.root.lookups] == [("mx", DnsStatus.OK)]


async def test_null_mx_domain_still_judged_by_spf(server: LabDnsServer) -> None:
    verdicts = await _verdicts(server, f"nomail.{AGENCY}")
    assert verdicts.pop("softfail-unenforced") == (Status.NOT_APPLICABLE, "not-softfail")  # -all
    assert set(verdicts.values()) == {PASS}


async def test_missing_multiple_and_not_spf(server: LabDnsServer) -> None:
    verdicts = await _verdicts(server, f"spf10.{AGENCY}")
    assert verdicts["present"] == (Status.FAIL, "missing")
    assert {v for k, v in verdicts.items() if k != "present"} == {
        (Status.NOT_APPLICABLE, "no-record")}
    verdicts = await _verdicts(server, f"two.{AGENCY}")
    assert verdicts["single"] == (Status.FAIL, "multiple")
    assert verdicts["policy"] == (Status.NOT_APPLICABLE, "multiple")
    verdicts = await _verdicts(server, f"nothing-here.{AGENCY}")
    assert verdicts["present"] == (Status.FAIL, "missing")


async def test_pass_all_through_include(server: LabDnsServer) -> None:
    verdicts = await _verdicts(server, f"open.{AGENCY}")
    assert verdicts["pass-all"] == (Status.FAIL, "pass-all")
    assert verdicts["policy"] == PASS  # the terminal term is -all; the include passes everyone


async def test_loop_detected_and_terminated(server: LabDnsServer) -> None:
    facts, ctx = await _collect(server, f"loop.{AGENCY}")
    loop2 = facts.root.children[0]
    assert loop2.children[0].stop is Stop.LOOP
    assert ctx.dns.queries_sent < 10
    verdicts = await _verdicts(server, f"loop.{AGENCY}")
    assert verdicts["loop"] == (Status.FAIL, "loop")


async def test_void_lookups(server: LabDnsServer) -> None:
    facts, _ = await _collect(server, f"voids.{AGENCY}")
    assert [(lk.name, lk.status) for lk in facts.root.lookups] == [
        (f"nx1.{AGENCY}", DnsStatus.NXDOMAIN), (f"nx2.{AGENCY}", DnsStatus.NXDOMAIN),
        (f"nx3.{AGENCY}", DnsStatus.NXDOMAIN), (f"empty.{AGENCY}", DnsStatus.NODATA)]
    verdicts = await _verdicts(server, f"voids.{AGENCY}")
    assert verdicts["void-lookups"] == (Status.FAIL, "too-many")
    assert verdicts["dangling"] == (Status.FAIL, "dangling")  # registered: the agency's own zone


async def test_dangling_include_with_unregistered_domain(server: LabDnsServer) -> None:
    facts, _ = await _collect(server, f"gone.{AGENCY}")
    (gone,) = facts.root.children
    assert (gone.status, gone.registrable, gone.registrable_status) == (
        DnsStatus.NXDOMAIN, "gone.gov.test", DnsStatus.NXDOMAIN)
    verdicts = await _verdicts(server, f"gone.{AGENCY}")
    assert verdicts["dangling"] == (Status.FAIL, "unregistered")
    verdicts = await _verdicts(server, f"stale.{AGENCY}")
    assert verdicts["dangling"] == (Status.FAIL, "dangling")


async def test_include_that_times_out_is_error_not_pass(server: LabDnsServer) -> None:
    started = time.perf_counter()
    verdicts = await _verdicts(server, f"slow.{AGENCY}")
    assert time.perf_counter() - started < 5
    assert verdicts["present"] == PASS and verdicts["policy"] == PASS
    for name in ("syntax", "pass-all", "lookup-limit", "void-lookups", "ptr", "loop", "dangling"):
        assert verdicts[name] == (Status.ERROR, "error"), name


async def test_malformed_answer_in_include_is_error(server: LabDnsServer) -> None:
    facts, _ = await _collect(server, f"broken.{AGENCY}")
    assert facts.root.children[0].status is DnsStatus.MALFORMED
    verdicts = await _verdicts(server, f"broken.{AGENCY}")
    assert verdicts["pass-all"] == (Status.ERROR, "error")


async def test_syntax_error_in_included_record(server: LabDnsServer) -> None:
    verdicts = await _verdicts(server, f"badsyntax.{AGENCY}")
    assert verdicts["syntax"] == (Status.FAIL, "include-invalid")
    assert verdicts["policy"] == PASS


async def test_servfail_on_the_domain_makes_every_check_error(server: LabDnsServer) -> None:
    with pytest.raises(CollectError) as caught:
        await _collect(server, f"servfail.{AGENCY}")
    assert caught.value.reason is ErrorReason.DNS_SERVFAIL
    ctx = _ctx(server)
    (item,) = ScanPlan.build(REGISTRY, [_target(f"servfail.{AGENCY}")]).items
    results = await scan_target(item, ctx, REGISTRY, timeout=10)
    assert len(results) == 12
    assert {(r.status, r.error_reason) for r in results} == {(Status.ERROR,
                                                             ErrorReason.DNS_SERVFAIL)}


async def test_garbage_answer_on_the_domain_raises(server: LabDnsServer) -> None:
    with pytest.raises(CollectError) as caught:
        await _collect(server, f"garbage.{AGENCY}")
    assert caught.value.reason in (ErrorReason.DNS_MALFORMED, ErrorReason.TIMEOUT)


async def test_long_record_over_tcp(server: LabDnsServer) -> None:
    facts, ctx = await _collect(server, f"long.{AGENCY}")
    assert len(LONG_SPF) > 1232
    assert facts.root.records[0].text == LONG_SPF and facts.root.records[0].ok
    answer = await ctx.dns.query(f"long.{AGENCY}", "TXT")  # cached: the collector's own answer
    assert answer.used_tcp


async def test_deep_chain_stops_at_depth_ten(server: LabDnsServer) -> None:
    facts, _ = await _collect(server, f"deep.{AGENCY}")
    depths = [len(path) for path, node in facts.root.walk() if node.stop is Stop.DEPTH]
    assert depths == [11]
    verdicts = await _verdicts(server, f"deep.{AGENCY}")
    assert verdicts["lookup-limit"] == (Status.FAIL, "too-many")


async def test_exponential_fanout_hits_the_hard_cap(server: LabDnsServer) -> None:
    started = time.perf_counter()
    facts, ctx = await _collect(server, f"fan.{AGENCY}")
    assert time.perf_counter() - started < 5
    assert facts.truncated
    fetched = sum(1 for _, n in facts.root.walk() if n.fetched and n is not facts.root)
    assert fetched == MAX_RECORDS
    assert ctx.dns.queries_sent <= MAX_RECORDS + 1
    verdicts = await _verdicts(server, f"fan.{AGENCY}")
    assert verdicts["lookup-limit"] == (Status.FAIL, "too-many")
    assert verdicts["void-lookups"] == (Status.ERROR, "error")
