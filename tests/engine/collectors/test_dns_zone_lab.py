"""collect_zone against a lab cluster: a resolver plus name servers on 127.x addresses, one port.

The resolver address holds the parent zone ``gov.test`` and the agency zones; each NS address
holds its own copy (or none, or a stale one). Every test picks fresh random addresses.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import dns.asyncquery
import dns.dnssec
import dns.zone
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from dns.dnssectypes import Algorithm

from canhgac.engine.checks import dns_zone
from canhgac.engine.collectors import zone
from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.collectors.zone import collect_zone
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.zone import AxfrState, ProbeState, ZoneFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab import keys
from canhgac.lab.dns_server import Fault, LabDnsCluster, ServerSpec

ZONE = "example.gov.test"
REGISTRY = build_registry([dns_zone, zone])


class Net:
    """Random loopback addresses for one test: the resolver and two NS in separate /24s."""

    def __init__(self) -> None:
        b, c = random.randint(1, 254), random.randint(0, 250)
        self.resolver = f"127.{b}.{c}.1"
        self.ns1 = f"127.{b}.{c + 1}.11"
        self.ns2 = f"127.{b}.{c + 2}.12"


def child(ns1: str, ns2: str, *, serial: int = 2025010101, extra: str = "") -> str:
    return f"""$TTL 300
@ IN SOA ns1.{ZONE}. hostmaster.{ZONE}. {serial} 3600 600 86400 300
@ IN NS ns1.{ZONE}.
@ IN NS ns2.{ZONE}.
ns1 IN A {ns1}
ns2 IN A {ns2}
www IN A 127.0.0.1
{extra}
"""


def parent(net: Net, *, extra: str = "") -> str:
    return f"""$TTL 300
@ IN SOA ns.gov.test. hostmaster.gov.test. 1 3600 600 86400 300
@ IN NS ns.gov.test.
ns IN A {net.resolver}
example IN NS ns1.{ZONE}.
example IN NS ns2.{ZONE}.
ns1.example IN A {net.ns1}
ns2.example IN A {net.ns2}
{extra}
"""


def cluster(net: Net, zones: Mapping[str, str], *, sign: frozenset[str] = frozenset(),
            ns: Mapping[str, ServerSpec] | None = None) -> LabDnsCluster:
    """The resolver holds ``zones``; each NS address holds the child zone unless told otherwise."""
    specs = {net.resolver: ServerSpec(zones=zones, sign=sign)}
    default = ServerSpec(zones={ZONE: zones[ZONE]}, sign=sign & {ZONE})
    specs.update({net.ns1: default, net.ns2: default})
    specs.update(ns or {})
    return LabDnsCluster(specs)


async def collect(lab: LabDnsCluster, net: Net, name: str = ZONE, *, wait: float = 1.0) -> ZoneFacts:
    client = DnsClient((ServerAddress(net.resolver, lab.port),), timeout=wait, attempts=1)
    ctx = CollectContext(
        dns=client,
        scope=Scope.build(domains=["gov.test"], loopback_only=True),
        public_suffixes=PublicSuffixes(extra=("gov.test",)),
        settings=ScanSettings(nameserver_port=lab.port, dns_timeout=wait),
    )
    facts = await collect_zone(Target(kind=TargetKind.DOMAIN, name=name, agency="so-tttt"), ctx)
    assert lab.internal_errors == 0
    return facts


def judge(facts: ZoneFacts) -> dict[str, Outcome]:
    return {cid: spec.evaluate((facts,), CheckParams()) for cid, spec in REGISTRY.checks.items()}


def verdicts(facts: ZoneFacts) -> dict[str, tuple[Status, str]]:
    return {cid: (o.status, o.message.key) for cid, o in judge(facts).items()}


CAA = '@ IN CAA 0 issue "ca.gov.test"'


async def test_healthy_signed_zone_passes_everything() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2, extra=CAA)}
    async with cluster(net, zones, sign=frozenset({ZONE})) as lab:
        facts = await collect(lab, net)
    assert facts.apex and {p.state for p in facts.probes} == {ProbeState.AUTHORITATIVE}
    assert verdicts(facts) == {
        "dns.dnssec.signed": (Status.PASS, "signed"),
        "dns.axfr.open": (Status.PASS, "refused"),
        "dns.ns.consistency": (Status.PASS, "consistent"),
        "dns.ns.lame": (Status.PASS, "authoritative"),
        "dns.ns.diversity": (Status.PASS, "diverse"),
        "dns.caa.present": (Status.PASS, "present"),
    }


async def test_unsigned_zone_without_caa() -> None:
    net = Net()
    async with cluster(net, {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}) as lab:
        facts = await collect(lab, net)
    results = verdicts(facts)
    assert results["dns.dnssec.signed"] == (Status.FAIL, "unsigned")
    assert results["dns.caa.present"] == (Status.FAIL, "missing")
    assert [lk.name for lk in facts.caa.lookups] == [ZONE, "gov.test", "test"]


def presigned_child(net: Net) -> str:
    """The child zone signed with its lab key, served as plain text (no DS added anywhere)."""
    signed = dns.zone.from_text(child(net.ns1, net.ns2), origin=ZONE + ".", relativize=False)
    keys.sign(signed)
    return signed.to_text()


async def test_ds_for_another_key_is_a_mismatch() -> None:
    net = Net()
    stranger = dns.dnssec.make_dnskey(
        ec.generate_private_key(ec.SECP256R1()).public_key(), Algorithm.ECDSAP256SHA256, flags=257
    )
    wrong_ds = dns.dnssec.make_ds(ZONE + ".", stranger, "SHA256").to_text()
    zones = {"gov.test": parent(net, extra=f"example IN DS {wrong_ds}"), ZONE: presigned_child(net)}
    async with cluster(net, zones) as lab:
        facts = await collect(lab, net)
    assert verdicts(facts)["dns.dnssec.signed"] == (Status.FAIL, "ds-mismatch")


async def test_signed_zone_without_ds_at_the_parent() -> None:
    net = Net()
    async with cluster(net, {"gov.test": parent(net), ZONE: presigned_child(net)}) as lab:
        facts = await collect(lab, net)
    assert verdicts(facts)["dns.dnssec.signed"] == (Status.FAIL, "no-ds")


async def test_open_zone_transfer_on_one_server() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}
    open_ns = ServerSpec(zones={ZONE: zones[ZONE]}, axfr_allowed=frozenset({ZONE}))
    async with cluster(net, zones, ns={net.ns2: open_ns}) as lab:
        facts = await collect(lab, net)
    assert [p.axfr for p in facts.probes] == [AxfrState.REFUSED, AxfrState.OPEN]
    out = judge(facts)["dns.axfr.open"]
    assert (out.status, out.message.key) == (Status.FAIL, "open")
    assert out.message.values["servers"] == f"ns2.{ZONE} ({net.ns2})"
    first = facts.probes[1].axfr_records[0]
    assert first.startswith(f"{ZONE}. 300 IN SOA ns1.{ZONE}.")


async def test_name_servers_with_different_serials() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}
    stale = ServerSpec(zones={ZONE: child(net.ns1, net.ns2, serial=2024120101)})
    async with cluster(net, zones, ns={net.ns2: stale}) as lab:
        facts = await collect(lab, net)
    out = judge(facts)["dns.ns.consistency"]
    assert (out.status, out.message.key) == (Status.FAIL, "serial-mismatch")
    assert out.evidence["serials"] == {f"ns1.{ZONE} ({net.ns1})": 2025010101,
                                       f"ns2.{ZONE} ({net.ns2})": 2024120101}


async def test_refusing_and_silent_servers_are_lame() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}
    refusing = ServerSpec(zones={"other.test": child(net.ns1, net.ns2).replace(ZONE, "other.test")})
    silent = ServerSpec(zones={ZONE: zones[ZONE]}, faults={(ZONE, "*"): Fault.DROP})
    async with cluster(net, zones, ns={net.ns1: refusing, net.ns2: silent}) as lab:
        facts = await collect(lab, net, wait=0.3)
    assert [p.state for p in facts.probes] == [ProbeState.REFUSED, ProbeState.TIMEOUT]
    out = judge(facts)["dns.ns.lame"]
    assert (out.status, out.message.key, out.message.values["count"]) == (Status.FAIL, "lame", 2)
    assert verdicts(facts)["dns.ns.consistency"][0] is Status.ERROR


async def test_name_servers_in_one_slash_24() -> None:
    net = Net()
    net.ns2 = net.ns1.rsplit(".", 1)[0] + ".12"
    async with cluster(net, {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}) as lab:
        facts = await collect(lab, net)
    out = judge(facts)["dns.ns.diversity"]
    assert (out.status, out.message.key) == (Status.FAIL, "single-network")
    assert out.message.values["network"] == net.ns1.rsplit(".", 1)[0] + ".0/24"


async def test_caa_found_by_climbing_to_the_parent_zone() -> None:
    net = Net()
    sub = f"so.{ZONE}"
    sub_zone = (f"$TTL 300\n@ IN SOA ns1.{ZONE}. hostmaster.{ZONE}. 7 3600 600 86400 300\n"
                f"@ IN NS ns1.{ZONE}.\n@ IN NS ns2.{ZONE}.\n")
    delegation = f"so IN NS ns1.{ZONE}.\nso IN NS ns2.{ZONE}.\n{CAA}"
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2, extra=delegation), sub: sub_zone}
    ns = ServerSpec(zones={ZONE: zones[ZONE], sub: sub_zone})
    async with cluster(net, zones, ns={net.ns1: ns, net.ns2: ns}) as lab:
        facts = await collect(lab, net, sub)
    out = judge(facts)["dns.caa.present"]
    assert (out.status, out.message.key, out.message.values["owner"]) == (Status.PASS, "present", ZONE)
    assert [lk.name for lk in facts.caa.lookups] == [sub, ZONE]


async def test_out_of_scope_name_server_is_never_contacted(monkeypatch: pytest.MonkeyPatch) -> None:
    net = Net()
    contacted: list[str] = []
    real_tcp, real_udp = dns.asyncquery.tcp, dns.asyncquery.udp_with_fallback

    async def spy_tcp(q: Any, where: str, *args: Any, **kw: Any) -> Any:
        contacted.append(where)
        return await real_tcp(q, where, *args, **kw)

    async def spy_udp(q: Any, where: str, *args: Any, **kw: Any) -> Any:
        contacted.append(where)
        return await real_udp(q, where, *args, **kw)

    monkeypatch.setattr(dns.asyncquery, "tcp", spy_tcp)
    monkeypatch.setattr(dns.asyncquery, "udp_with_fallback", spy_udp)
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, "192.0.2.1")}
    async with cluster(net, zones) as lab:
        facts = await collect(lab, net)
    far = [p for p in facts.probes if p.address == "192.0.2.1"]
    assert len(far) == 1 and far[0].state is ProbeState.OUT_OF_SCOPE
    assert "loopback-only" in far[0].detail and far[0].axfr is AxfrState.NOT_TRIED
    assert "192.0.2.1" not in contacted and net.ns1 in contacted
    out = judge(facts)["dns.ns.lame"]
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.OUT_OF_SCOPE)


async def test_name_server_in_a_vanished_domain() -> None:
    net = Net()
    tld = "$TTL 300\n@ IN SOA ns.test. h.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n"
    zone_text = child(net.ns1, net.ns2).replace(f"@ IN NS ns2.{ZONE}.", "@ IN NS ns.gone-dns.test.")
    zones = {"test": tld, "gov.test": parent(net), ZONE: zone_text}
    async with cluster(net, zones) as lab:
        facts = await collect(lab, net)
    gone = next(h for h in facts.hosts if h.name == "ns.gone-dns.test")
    assert gone.unresolvable and gone.registrable_missing
    assert verdicts(facts)["dns.ns.lame"] == (Status.FAIL, "ns-domain-missing")


async def test_name_that_is_not_a_zone_apex() -> None:
    net = Net()
    async with cluster(net, {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}) as lab:
        facts = await collect(lab, net, f"www.{ZONE}")
    assert not facts.apex
    assert set(verdicts(facts).values()) == {(Status.NOT_APPLICABLE, "not-zone-apex")}


async def test_resolver_failure_on_the_first_lookup_is_a_collect_error() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}
    resolver = ServerSpec(zones=zones, faults={(ZONE, "NS"): Fault.SERVFAIL})
    async with cluster(net, zones, ns={net.resolver: resolver}) as lab:
        with pytest.raises(CollectError) as caught:
            await collect(lab, net)
    assert caught.value.reason is ErrorReason.DNS_SERVFAIL


async def test_hostile_name_servers_are_lame_and_transfer_untested() -> None:
    net = Net()
    zones = {"gov.test": parent(net), ZONE: child(net.ns1, net.ns2)}
    garbage = ServerSpec(zones={ZONE: zones[ZONE]}, faults={(ZONE, "*"): Fault.GARBAGE})
    malformed = ServerSpec(zones={ZONE: zones[ZONE]}, faults={(ZONE, "*"): Fault.MALFORMED})
    async with cluster(net, zones, ns={net.ns1: garbage, net.ns2: malformed}) as lab:
        facts = await collect(lab, net, wait=0.3)
    assert {p.state for p in facts.probes} <= {ProbeState.MALFORMED, ProbeState.TIMEOUT}
    assert {p.axfr for p in facts.probes} <= {AxfrState.MALFORMED, AxfrState.TIMEOUT}
    results = verdicts(facts)
    assert results["dns.ns.lame"] == (Status.FAIL, "lame")
    assert results["dns.axfr.open"] == (Status.ERROR, "error")
