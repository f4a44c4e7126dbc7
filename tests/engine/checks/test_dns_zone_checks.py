"""dns.* checks on hand-built ZoneFacts: exact statuses, message keys, and catalog text."""

from __future__ import annotations

import functools
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.name
import dns.rdata
import dns.rrset
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from dns.dnssectypes import Algorithm

from canhgac.catalog import load_catalog
from canhgac.catalog.schema import CatalogFile, CheckEntry
from canhgac.engine.checks import dns_zone
from canhgac.engine.collectors import zone
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.zone import (
    AxfrState,
    CaaFacts,
    CaaLookup,
    DnssecFacts,
    NsHost,
    ProbeState,
    ServerProbe,
    ZoneFacts,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Outcome, Status

ZONE = "example.gov.test"
NOW = 1_750_000_000.0
DAY = 86_400
OK = DnsStatus.OK
PARAMS = CheckParams()


@functools.cache
def catalog_entries() -> dict[str, CheckEntry]:
    path = Path(str(resources.files("canhgac.catalog") / "data" / "checks" / "dns.yaml"))
    parsed = CatalogFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return {e.id: e for e in parsed.checks}


def expect(check_id: str, outcome: Outcome, status: Status, key: str) -> Outcome:
    """Assert status and key, and that the catalog renders the message in both languages."""
    assert (outcome.status, outcome.message.key) == (status, key), outcome
    if key != "error":
        text = catalog_entries()[check_id].messages[key]
        for lang in ("vi", "en"):
            text.get(lang).format(**outcome.message.values)
    return outcome


def evidence(outcome: Outcome) -> dict[str, Any]:
    return dict(outcome.evidence)


# --- builders -------------------------------------------------------------------------------


def host(name: str, *addresses: str) -> NsHost:
    return NsHost(name, addresses, OK if addresses else DnsStatus.NODATA, DnsStatus.NODATA)


def probe(name: str, address: str, **kw: Any) -> ServerProbe:
    values: dict[str, Any] = {
        "state": ProbeState.AUTHORITATIVE, "serial": 2025010101, "ns_names": NS_NAMES,
        "ns_status": OK, "axfr": AxfrState.REFUSED,
    }
    values.update(kw)
    return ServerProbe(name, address, **values)


NS_NAMES = ("ns1.example.gov.test", "ns2.example.gov.test")


def signed(*, expired: bool = False, corrupt: bool = False, other_ds: bool = False) -> DnssecFacts:
    origin = dns.name.from_text(ZONE + ".")
    private = ec.generate_private_key(ec.SECP256R1())
    key = dns.dnssec.make_dnskey(private.public_key(), Algorithm.ECDSAP256SHA256, flags=257)
    inception, expiration = (NOW - 40 * DAY, NOW - DAY) if expired else (NOW - DAY, NOW + 30 * DAY)
    sig: dns.rdata.Rdata = dns.dnssec.sign(dns.rrset.from_rdata(origin, 3600, key), private, origin, key,
                          inception=inception, expiration=expiration)
    if corrupt:
        sig = sig.replace(signature=bytes(64))
    ds_key = key
    if other_ds:
        ds_key = dns.dnssec.make_dnskey(
            ec.generate_private_key(ec.SECP256R1()).public_key(), Algorithm.ECDSAP256SHA256, flags=257
        )
    ds = dns.dnssec.make_ds(origin, ds_key, "SHA256")
    return DnssecFacts(OK, (key.to_text(),), (sig.to_text(),), OK, (ds.to_text(),))


GOOD = ZoneFacts(
    domain=ZONE,
    apex=True,
    observed_at=NOW,
    ns_names=NS_NAMES,
    resolver_soa=OK,
    hosts=(host(NS_NAMES[0], "127.0.1.1"), host(NS_NAMES[1], "127.0.2.1")),
    probes=(probe(NS_NAMES[0], "127.0.1.1"), probe(NS_NAMES[1], "127.0.2.1")),
    dnssec=DnssecFacts(DnsStatus.NODATA, ds_status=DnsStatus.NXDOMAIN),
    caa=CaaFacts(owner=ZONE, records=('0 issue "ca.gov.test"',), lookups=(CaaLookup(ZONE, OK),)),
)


def with_probes(*probes: ServerProbe) -> ZoneFacts:
    return replace(GOOD, probes=probes)


# --- registry and catalog -----------------------------------------------------------------

IDS = ["dns.dnssec.signed", "dns.axfr.open", "dns.ns.consistency", "dns.ns.lame",
       "dns.ns.diversity", "dns.caa.present"]


def test_registry_and_catalog_agree() -> None:
    registry = build_registry([dns_zone, zone])
    assert sorted(registry.checks) == sorted(IDS)
    assert set(IDS) == set(catalog_entries())
    catalog = load_catalog()
    for entry in catalog_entries().values():
        assert entry.family == "dns.zone"
        assert "not-zone-apex" in entry.messages
        assert any(ref.framework.id == "CV2132" for ref in catalog.clauses_of(entry.id))


@pytest.mark.parametrize("check_id", IDS)
def test_not_a_zone_apex_is_not_applicable(check_id: str) -> None:
    spec = build_registry([dns_zone, zone]).checks[check_id]
    facts = ZoneFacts(domain="mail.example.gov.test", apex=False, observed_at=NOW)
    expect(check_id, spec.evaluate((facts,), PARAMS), Status.NOT_APPLICABLE, "not-zone-apex")


# --- DNSSEC -----------------------------------------------------------------------------------


def dnssec(facts: DnssecFacts) -> Outcome:
    return dns_zone.dnssec_signed(replace(GOOD, dnssec=facts), PARAMS)


def test_dnssec_valid_chain_passes() -> None:
    out = expect("dns.dnssec.signed", dnssec(signed()), Status.PASS, "signed")
    assert evidence(out)["dnskeys"][0]["algorithm"] == 13


def test_dnssec_unsigned() -> None:
    expect("dns.dnssec.signed", dnssec(GOOD.dnssec), Status.FAIL, "unsigned")


def test_dnssec_keys_without_ds() -> None:
    facts = replace(signed(), ds=(), ds_status=DnsStatus.NODATA)
    expect("dns.dnssec.signed", dnssec(facts), Status.FAIL, "no-ds")


def test_dnssec_ds_without_keys() -> None:
    facts = replace(signed(), dnskeys=(), dnskey_signatures=(), dnskey_status=DnsStatus.NODATA)
    expect("dns.dnssec.signed", dnssec(facts), Status.FAIL, "no-dnskey")


def test_dnssec_ds_for_another_key() -> None:
    expect("dns.dnssec.signed", dnssec(signed(other_ds=True)), Status.FAIL, "ds-mismatch")


def test_dnssec_ds_with_unknown_digest_type_does_not_match() -> None:
    good = signed()
    ds = dns.rdata.from_text("IN", "DS", good.ds[0])
    odd = ds.replace(digest_type=200)
    facts = replace(good, ds=(odd.to_text(),))
    expect("dns.dnssec.signed", dnssec(facts), Status.FAIL, "ds-mismatch")


def test_dnssec_corrupt_signature() -> None:
    expect("dns.dnssec.signed", dnssec(signed(corrupt=True)), Status.FAIL, "bad-signature")


def test_dnssec_missing_signature() -> None:
    facts = replace(signed(), dnskey_signatures=())
    expect("dns.dnssec.signed", dnssec(facts), Status.FAIL, "bad-signature")


def test_dnssec_expired_signature() -> None:
    out = expect("dns.dnssec.signed", dnssec(signed(expired=True)), Status.FAIL, "expired-signature")
    assert out.message.values["expired"].startswith("2025-06-")  # type: ignore[union-attr]


def test_dnssec_lookup_failure_is_an_error() -> None:
    facts = replace(signed(), ds_status=DnsStatus.SERVFAIL, ds=())
    out = expect("dns.dnssec.signed", dnssec(facts), Status.ERROR, "error")
    assert out.error_reason is ErrorReason.DNS_SERVFAIL


# --- AXFR -------------------------------------------------------------------------------------


def test_axfr_refused_everywhere_passes() -> None:
    expect("dns.axfr.open", dns_zone.axfr_open(GOOD, PARAMS), Status.PASS, "refused")


def test_axfr_open_on_one_server() -> None:
    records = (f"{ZONE}. 3600 IN SOA ns1 hostmaster 1 2 3 4 5",)
    facts = with_probes(GOOD.probes[0],
                        replace(GOOD.probes[1], axfr=AxfrState.OPEN, axfr_records=records))
    out = expect("dns.axfr.open", dns_zone.axfr_open(facts, PARAMS), Status.FAIL, "open")
    assert out.message.values["servers"] == "ns2.example.gov.test (127.0.2.1)"
    assert evidence(out)["servers"][1]["first_records"] == list(records)


@pytest.mark.parametrize(("state", "reason"), [(AxfrState.TIMEOUT, ErrorReason.TIMEOUT),
                                               (AxfrState.NOT_TRIED, ErrorReason.OUT_OF_SCOPE)])
def test_axfr_untested_server_is_an_error(state: AxfrState, reason: ErrorReason) -> None:
    facts = with_probes(GOOD.probes[0], replace(GOOD.probes[1], axfr=state))
    out = expect("dns.axfr.open", dns_zone.axfr_open(facts, PARAMS), Status.ERROR, "error")
    assert out.error_reason is reason


def test_axfr_without_any_address_is_an_error() -> None:
    expect("dns.axfr.open", dns_zone.axfr_open(with_probes(), PARAMS), Status.ERROR, "error")


def test_axfr_when_no_name_server_exists_is_not_applicable_not_an_error() -> None:
    """Issue 11 item 9: NS names that do not resolve at all leave no server to ask for a transfer;
    that is dns.ns.lame's finding, not an error of this check. A lookup that failed still is."""
    gone = tuple(NsHost(n, (), DnsStatus.NXDOMAIN, DnsStatus.NXDOMAIN) for n in NS_NAMES)
    nowhere = replace(GOOD, hosts=gone, probes=())
    out = expect("dns.axfr.open", dns_zone.axfr_open(nowhere, PARAMS), Status.NOT_APPLICABLE, "no-ns-address")
    assert out.message.values == {"hosts": ", ".join(NS_NAMES)}
    assert dns_zone.ns_lame(nowhere, PARAMS).status is Status.FAIL
    failing = replace(nowhere, hosts=(gone[0], NsHost(NS_NAMES[1], (), DnsStatus.TIMEOUT, DnsStatus.TIMEOUT)))
    out = dns_zone.axfr_open(failing, PARAMS)
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.CONNECTION)


# --- consistency ------------------------------------------------------------------------------


def test_consistent_servers_pass() -> None:
    out = expect("dns.ns.consistency", dns_zone.ns_consistency(GOOD, PARAMS), Status.PASS, "consistent")
    assert out.evidence["serials"] == {
        "ns1.example.gov.test (127.0.1.1)": 2025010101, "ns2.example.gov.test (127.0.2.1)": 2025010101}


def test_different_serials() -> None:
    facts = with_probes(GOOD.probes[0], replace(GOOD.probes[1], serial=2024123101))
    out = expect("dns.ns.consistency", dns_zone.ns_consistency(facts, PARAMS), Status.FAIL,
                 "serial-mismatch")
    assert out.message.values["serials"] == "2024123101, 2025010101"


def test_servers_disagree_on_ns_set() -> None:
    facts = with_probes(GOOD.probes[0], replace(GOOD.probes[1], ns_names=NS_NAMES[:1]))
    expect("dns.ns.consistency", dns_zone.ns_consistency(facts, PARAMS), Status.FAIL, "ns-mismatch")


def test_zone_ns_set_differs_from_delegation() -> None:
    facts = replace(GOOD, ns_names=(*NS_NAMES, "ns3.old-provider.test"))
    expect("dns.ns.consistency", dns_zone.ns_consistency(facts, PARAMS), Status.FAIL,
           "delegation-mismatch")


def test_consistency_ignores_lame_servers_and_errors_when_none_answer() -> None:
    lame = replace(GOOD.probes[1], state=ProbeState.REFUSED, serial=None, ns_names=())
    ok = dns_zone.ns_consistency(with_probes(GOOD.probes[0], lame), PARAMS)
    expect("dns.ns.consistency", ok, Status.PASS, "consistent")
    none = dns_zone.ns_consistency(with_probes(lame), PARAMS)
    assert expect("dns.ns.consistency", none, Status.ERROR, "error").error_reason is ErrorReason.DNS_REFUSED


# --- lame delegation --------------------------------------------------------------------------


def lame(facts: ZoneFacts) -> Outcome:
    return dns_zone.ns_lame(facts, PARAMS)


def test_all_authoritative_passes() -> None:
    expect("dns.ns.lame", lame(GOOD), Status.PASS, "authoritative")


@pytest.mark.parametrize("state", [ProbeState.REFUSED, ProbeState.TIMEOUT, ProbeState.SERVFAIL,
                                   ProbeState.NOT_AUTHORITATIVE, ProbeState.NO_ZONE])
def test_one_lame_server(state: ProbeState) -> None:
    facts = with_probes(GOOD.probes[0], replace(GOOD.probes[1], state=state))
    out = expect("dns.ns.lame", lame(facts), Status.FAIL, "lame")
    assert out.message.values == {"servers": "ns2.example.gov.test (127.0.2.1)", "count": 1}


def test_unresolvable_host_is_lame() -> None:
    gone = NsHost("ns2.example.gov.test", (), DnsStatus.NXDOMAIN, DnsStatus.NXDOMAIN,
                  "example.gov.test", DnsStatus.OK)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], gone), probes=GOOD.probes[:1])
    out = expect("dns.ns.lame", lame(facts), Status.FAIL, "lame")
    assert out.message.values["servers"] == "ns2.example.gov.test"


def test_host_in_a_vanished_domain_is_a_takeover_risk() -> None:
    gone = NsHost("ns.expired-dns.test", (), DnsStatus.NXDOMAIN, DnsStatus.NXDOMAIN,
                  "expired-dns.test", DnsStatus.NXDOMAIN)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], gone), probes=GOOD.probes[:1])
    out = expect("dns.ns.lame", lame(facts), Status.FAIL, "ns-domain-missing")
    assert out.message.values["domains"] == "expired-dns.test"


def test_all_timeouts_with_working_resolver_is_lame() -> None:
    facts = with_probes(*(replace(p, state=ProbeState.TIMEOUT) for p in GOOD.probes))
    assert expect("dns.ns.lame", lame(facts), Status.FAIL, "lame").message.values["count"] == 2


def test_all_timeouts_and_resolver_failing_is_an_error() -> None:
    facts = replace(with_probes(*(replace(p, state=ProbeState.TIMEOUT) for p in GOOD.probes)),
                    resolver_soa=DnsStatus.TIMEOUT)
    assert expect("dns.ns.lame", lame(facts), Status.ERROR, "error").error_reason is ErrorReason.TIMEOUT


def test_out_of_scope_server_is_untested() -> None:
    far = ServerProbe("ns2.example.gov.test", "192.0.2.1", ProbeState.OUT_OF_SCOPE)
    out = expect("dns.ns.lame", lame(with_probes(GOOD.probes[0], far)), Status.ERROR, "error")
    assert out.error_reason is ErrorReason.OUT_OF_SCOPE


def test_host_lookup_failure_is_untested() -> None:
    failing = NsHost("ns2.example.gov.test", (), DnsStatus.SERVFAIL, DnsStatus.SERVFAIL)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], failing), probes=GOOD.probes[:1])
    assert expect("dns.ns.lame", lame(facts), Status.ERROR, "error").error_reason is ErrorReason.DNS_SERVFAIL


# --- diversity --------------------------------------------------------------------------------


def diversity(facts: ZoneFacts) -> Outcome:
    return dns_zone.ns_diversity(facts, PARAMS)


def test_two_networks_pass() -> None:
    out = expect("dns.ns.diversity", diversity(GOOD), Status.PASS, "diverse")
    assert out.evidence["networks"] == ["127.0.1.0/24", "127.0.2.0/24"]
    assert "ASN" in str(out.evidence["asn"])


def test_single_name_server() -> None:
    facts = replace(GOOD, ns_names=NS_NAMES[:1], hosts=GOOD.hosts[:1])
    assert expect("dns.ns.diversity", diversity(facts), Status.FAIL, "too-few").message.values["count"] == 1


def test_one_slash_24() -> None:
    facts = replace(GOOD, hosts=(host(NS_NAMES[0], "127.0.5.1"), host(NS_NAMES[1], "127.0.5.2")))
    out = expect("dns.ns.diversity", diversity(facts), Status.FAIL, "single-network")
    assert out.message.values["network"] == "127.0.5.0/24"


def test_ipv6_slash_48() -> None:
    same = replace(GOOD, hosts=(host(NS_NAMES[0], "2001:db8:1:1::1"), host(NS_NAMES[1], "2001:db8:1:2::1")))
    expect("dns.ns.diversity", diversity(same), Status.FAIL, "single-network")
    apart = replace(GOOD, hosts=(host(NS_NAMES[0], "2001:db8:1::1"), host(NS_NAMES[1], "2001:db8:2::1")))
    expect("dns.ns.diversity", diversity(apart), Status.PASS, "diverse")


def test_unresolvable_second_server_leaves_too_few() -> None:
    gone = NsHost(NS_NAMES[1], (), DnsStatus.NXDOMAIN, DnsStatus.NXDOMAIN)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], gone))
    assert expect("dns.ns.diversity", diversity(facts), Status.FAIL, "too-few").message.values["count"] == 1


def test_unknown_addresses_are_an_error_when_they_matter() -> None:
    failing = NsHost(NS_NAMES[1], (), DnsStatus.TIMEOUT, DnsStatus.TIMEOUT)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], failing))
    out = expect("dns.ns.diversity", diversity(facts), Status.ERROR, "error")
    assert out.error_reason is ErrorReason.TIMEOUT


# --- CAA --------------------------------------------------------------------------------------


def caa(facts: CaaFacts) -> Outcome:
    return dns_zone.caa_present(replace(GOOD, caa=facts), PARAMS)


def test_caa_at_the_domain() -> None:
    out = expect("dns.caa.present", caa(GOOD.caa), Status.PASS, "present")
    assert out.message.values["owner"] == ZONE


def test_caa_inherited_from_a_parent() -> None:
    lookups = (CaaLookup(ZONE, DnsStatus.NODATA), CaaLookup("gov.test", OK))
    facts = CaaFacts(owner="gov.test", records=('0 issue "ca.gov.test"',), lookups=lookups)
    out = expect("dns.caa.present", caa(facts), Status.PASS, "present")
    assert evidence(out)["lookups"] == [
        {"name": ZONE, "status": "nodata"}, {"name": "gov.test", "status": "ok"}]


def test_caa_missing_everywhere() -> None:
    facts = CaaFacts(lookups=(CaaLookup(ZONE, DnsStatus.NODATA), CaaLookup("test", DnsStatus.REFUSED)))
    expect("dns.caa.present", caa(facts), Status.FAIL, "missing")


def test_caa_lookup_failure_is_an_error() -> None:
    facts = CaaFacts(lookups=(CaaLookup(ZONE, DnsStatus.SERVFAIL),), failed_at=ZONE,
                     failure=DnsStatus.SERVFAIL)
    out = expect("dns.caa.present", caa(facts), Status.ERROR, "error")
    assert out.error_reason is ErrorReason.DNS_SERVFAIL


def test_caa_with_only_iodef_restricts_nothing() -> None:
    facts = CaaFacts(owner=ZONE, records=('0 iodef "mailto:csirt@example.gov.test"',))
    expect("dns.caa.present", caa(facts), Status.FAIL, "no-issue-property")


def test_error_reason_comes_from_the_failing_address_lookup() -> None:
    failing = NsHost(NS_NAMES[1], (), DnsStatus.NODATA, DnsStatus.SERVFAIL)
    facts = replace(GOOD, hosts=(GOOD.hosts[0], failing), probes=GOOD.probes[:1])
    out = expect("dns.ns.lame", lame(facts), Status.ERROR, "error")
    assert out.error_reason is ErrorReason.DNS_SERVFAIL
