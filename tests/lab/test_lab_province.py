"""The demo province: the lab starts and stops cleanly, its zones load and carry the baseline
and the planted faults, and EXPECTED_FINDINGS is consistent with the inventory."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket

import dns.asyncquery
import dns.dnssec
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.xfr
import dns.zone
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus
from canhgac.lab import Lab, start_lab
from canhgac.lab.province import EXPECTED_FINDINGS, build_province
from canhgac.lab.runtime import LabAddressInUseError

CONTROL = "stttt.kiengiang.gov.test"
CHECK_IDS = {
    "mail.mx.present",
    "mail.mx.resolvable",
    "mail.mx.hostname",
    "mail.spf.present",
    "mail.spf.single",
    "mail.spf.syntax",
    "mail.spf.policy",
    "mail.spf.pass-all",
    "mail.spf.lookup-limit",
    "mail.spf.void-lookups",
    "mail.spf.ptr",
    "mail.spf.loop",
    "mail.spf.broad-range",
    "mail.spf.dangling",
    "mail.spf.softfail-unenforced",
    "mail.dmarc.present",
    "mail.dmarc.syntax",
    "mail.dmarc.policy",
    "mail.dmarc.subdomain-policy",
    "mail.dmarc.pct",
    "mail.dmarc.reporting",
    "mail.dmarc.external-auth",
    "mail.dmarc.dangling",
    "mail.dkim.present",
    "mail.dkim.syntax",
    "mail.dkim.key-strength",
    "mail.mta-sts.record",
    "mail.mta-sts.dangling",
    "mail.tlsrpt.record",
    "dns.dnssec.signed",
    "dns.axfr.open",
    "dns.ns.consistency",
    "dns.ns.lame",
    "dns.ns.diversity",
    "dns.caa.present",
}


@pytest.fixture
async def lab():
    running = await start_lab(0)
    yield running
    await running.stop()
    assert running.internal_errors == 0


def _client(lab: Lab) -> DnsClient:
    return DnsClient((lab.resolver,), timeout=1.0, attempts=1)


def _inventory_domains(lab: Lab) -> list[str]:
    inventory = yaml.safe_load(lab.inventory_yaml)
    return [d["name"] for agency in inventory["agencies"] for d in agency["domains"]]


async def test_lab_starts_and_releases_its_ports():
    # a hang guard, not a speed test (start-up time is measured by the benchmarks)
    lab = await asyncio.wait_for(start_lab(0), 60)
    port = lab.nameserver_port
    assert lab.resolver == ServerAddress("127.53.0.1", port)
    await lab.stop()
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind(("127.53.0.1", port))  # free again


async def test_default_port_is_53_or_a_fallback():
    lab = await start_lab()
    try:
        assert lab.nameserver_port == 53 or lab.nameserver_port > 1024
        assert (await _client(lab).query(CONTROL, "SOA")).ok
    finally:
        await lab.stop()


async def test_inventory_has_the_agreed_shape(lab):
    inventory = yaml.safe_load(lab.inventory_yaml)
    assert inventory["scope"] == {"public_suffixes": ["gov.test"], "loopback_only": True}
    codes = {a["code"]: a for a in inventory["agencies"]}
    assert set(codes) == {
        "UBND",
        "STTTT",
        "SYT",
        "SGDDT",
        "SNV",
        "STC",
        "PHUQUOC",
        "RACHGIA",
        "BQLKKT",
        "XAVINHTHUAN",
        "BAOKG",
        "VNPTKG",
    }
    assert codes["VNPTKG"]["kind"] == "provider" and codes["VNPTKG"]["domains"] == []
    assert "control" in codes["STTTT"]["tags"]
    for agency in inventory["agencies"]:
        assert agency["contacts"] and agency["kind"] in {
            "department",
            "district",
            "commune",
            "provider",
            "other",
        }
        assert agency["parent"] is None or agency["parent"] in codes
        assert all("mail2024" in d["dkim_selectors"] for d in agency["domains"])


async def test_every_domain_is_served_by_the_resolver_and_its_name_servers(lab):
    client = _client(lab)
    for domain in _inventory_domains(lab):
        assert (await client.query(domain, "SOA")).ok, domain
        ns = await client.query(domain, "NS")
        for host in ns.records:
            address = (await client.query(host, "A")).records[0]
            direct = await client.query_server(ServerAddress(address, lab.nameserver_port), domain, "SOA")
            if host != "ns3.bqlkkt.kiengiang.gov.test.":
                assert direct.ok and direct.authoritative, (domain, host)


async def test_signed_zones_chain_from_the_parent_ds(lab):
    province = build_province()
    client = _client(lab)
    for domain in _inventory_domains(lab):
        dnskey = await client.query(domain, "DNSKEY", dnssec=True)
        ds = await client.query(domain, "DS", dnssec=True)
        if domain not in province.signed:
            assert dnskey.status is DnsStatus.NODATA and ds.status is DnsStatus.NODATA
            continue
        origin = dns.name.from_text(domain)
        assert dns.dnssec.make_ds(origin, dnskey.rdata[0], "SHA256") == ds.rdata[0]
        soa = await client.query(domain, "SOA", dnssec=True)
        keys = {origin: dns.rdataset.from_rdata_list(dnskey.ttl, list(dnskey.rdata))}
        sigs = dns.rdataset.from_rdata_list(soa.ttl, list(soa.signatures))
        dns.dnssec.validate(
            (origin, dns.rdataset.from_rdata_list(soa.ttl, list(soa.rdata))), (origin, sigs), keys
        )


async def test_the_control_has_the_whole_baseline(lab):
    client = _client(lab)
    expected = {
        ("MX", CONTROL): "10 mail.stttt.kiengiang.gov.test.",
        ("TXT", CONTROL): "v=spf1 mx -all",
        ("TXT", f"_dmarc.{CONTROL}"): "v=DMARC1; p=reject; rua=mailto:dmarc@stttt.kiengiang.gov.test",
        ("TXT", f"_mta-sts.{CONTROL}"): "v=STSv1; id=20240101T000000",
        ("TXT", f"_smtp._tls.{CONTROL}"): "v=TLSRPTv1; rua=mailto:tlsrpt@stttt.kiengiang.gov.test",
        ("CAA", CONTROL): '0 issue "letsencrypt.org"',
        ("A", f"mail.{CONTROL}"): "127.25.2.1",
        ("A", f"mta-sts.{CONTROL}"): "127.44.2.1",
    }
    for (rdtype, name), value in expected.items():
        answer = await client.query(name, rdtype)
        seen = answer.txt_strings() if rdtype == "TXT" else answer.records
        assert seen == (value,), (name, rdtype)
    dkim = (await client.query(f"mail2024._domainkey.{CONTROL}", "TXT")).txt_strings()[0]
    assert dkim.startswith("v=DKIM1; k=rsa; p=")
    key = load_der_public_key(base64.b64decode(dkim.split("p=", 1)[1]))
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    ns_addresses = [
        ipaddress.ip_address((await client.query(h, "A")).records[0])
        for h in (await client.query(CONTROL, "NS")).records
    ]
    assert len({ipaddress.ip_network(f"{a}/24", strict=False) for a in ns_addresses}) == 2


@pytest.mark.parametrize(
    ("name", "rdtype", "expected"),
    [
        ("kiengiang.gov.test", "_dmarc", "v=DMARC1; p=reject; sp=none; rua=mailto:reports@dmarc-vendor.test"),
        ("soyte.kiengiang.gov.test", "@", "v=spf1 +all"),
        ("snv.kiengiang.gov.test", "@", "v=spf1 mx ptr include:_spf.spf-vendor.test ~all"),
        ("snv.kiengiang.gov.test", "_dmarc", "v=DMARC1; p=none; rua=mailto:dmarc@snv.kiengiang.gov.test"),
        ("stc.kiengiang.gov.test", "_dmarc", "v=DMARC1; p=rejectt; rua=mailto:dmarc@stc.kiengiang.gov.test"),
        ("rachgia.kiengiang.gov.test", "@", "v=spf1 ip4:300.1.1.1 -all"),
        ("rachgia.kiengiang.gov.test", "old._domainkey", "v=DKIM1; k=rsa; p="),
        (
            "bqlkkt.kiengiang.gov.test",
            "_dmarc",
            "v=DMARC1; p=reject; pct=50; rua=mailto:dmarc@reports.nonexistent-vendor.test",
        ),
        ("congbao.kiengiang.gov.test", "@", "v=spf1 -all"),
    ],
)
async def test_planted_records(lab, name, rdtype, expected):
    owner = name if rdtype == "@" else f"{rdtype}.{name}"
    assert (await _client(lab).query(owner, "TXT")).txt_strings() == (expected,)


@pytest.mark.parametrize(
    ("name", "rdtype", "status"),
    [
        ("_dmarc.soyte.kiengiang.gov.test", "TXT", DnsStatus.NXDOMAIN),
        ("kiengiang.gov.test._report._dmarc.dmarc-vendor.test", "TXT", DnsStatus.NXDOMAIN),
        ("nonexistent-vendor.test", "SOA", DnsStatus.NXDOMAIN),
        ("old-vendor.test", "SOA", DnsStatus.NXDOMAIN),
        ("mail2.phuquoc.kiengiang.gov.test", "A", DnsStatus.NXDOMAIN),
        ("mail2024._domainkey.phuquoc.kiengiang.gov.test", "TXT", DnsStatus.NXDOMAIN),
        ("mta-sts.rachgia.kiengiang.gov.test", "A", DnsStatus.NXDOMAIN),
        ("_smtp._tls.rachgia.kiengiang.gov.test", "TXT", DnsStatus.NXDOMAIN),
        ("rachgia.kiengiang.gov.test", "CAA", DnsStatus.NODATA),
        ("phuquoc.kiengiang.gov.test", "DNSKEY", DnsStatus.NODATA),
    ],
)
async def test_planted_absences(lab, name, rdtype, status):
    assert (await _client(lab).query(name, rdtype)).status is status


async def test_planted_mail_and_name_server_faults(lab):
    client = _client(lab)
    assert len((await client.query("sogddt.kiengiang.gov.test", "TXT")).txt_strings()) == 2
    mail = await client.query("mail.phuquoc.kiengiang.gov.test", "A")
    assert mail.cnames == ("relay.phuquoc.kiengiang.gov.test",)
    assert (await client.query("congbao.kiengiang.gov.test", "MX")).records == ("0 .",)
    port = lab.nameserver_port
    serials = []
    for address in ("127.53.9.1", "127.54.9.1"):
        soa = await client.query_server(ServerAddress(address, port), "bqlkkt.kiengiang.gov.test", "SOA")
        serials.append(soa.rdata[0].serial)  # type: ignore[attr-defined]
    assert serials[0] > serials[1]
    lame = await client.query_server(ServerAddress("127.55.9.1", port), "bqlkkt.kiengiang.gov.test", "SOA")
    assert lame.status is DnsStatus.REFUSED


async def test_axfr_is_open_only_for_the_org_domain(lab):
    open_zone = dns.zone.Zone("kiengiang.gov.test.")
    await dns.asyncquery.inbound_xfr("127.53.1.1", open_zone, port=lab.nameserver_port, timeout=2)
    assert open_zone.get_rdataset("_dmarc", "TXT") is not None
    with pytest.raises(dns.xfr.TransferError):
        await dns.asyncquery.inbound_xfr(
            "127.53.2.1", dns.zone.Zone(f"{CONTROL}."), port=lab.nameserver_port, timeout=2
        )


async def test_snv_spf_has_more_than_ten_lookups_all_resolving(lab):
    client = _client(lab)
    pending, lookups = ["snv.kiengiang.gov.test"], 0
    while pending:
        record = (await client.query(pending.pop(), "TXT")).txt_strings()[0]
        for term in record.split()[1:]:
            kind, _, target = term.partition(":")
            if kind in ("include", "a", "mx", "ptr", "exists"):
                lookups += 1
            if kind == "include":
                pending.append(target)
            if kind == "a" and target:
                assert (await client.query(target, "A")).ok, target
    assert lookups > 10


def test_expected_findings_name_known_checks_and_inventory_domains():
    province = build_province()
    inventory = yaml.safe_load(province.inventory_yaml)
    domains = {d["name"] for a in inventory["agencies"] for d in a["domains"]}
    assert province.expected_findings == EXPECTED_FINDINGS
    assert len(set(EXPECTED_FINDINGS)) == len(EXPECTED_FINDINGS)
    assert {check for check, _ in EXPECTED_FINDINGS} <= CHECK_IDS
    flagged = {domain for _, domain in EXPECTED_FINDINGS}
    assert flagged <= domains
    assert domains - flagged == {CONTROL, "congbao.kiengiang.gov.test"}
    assert set(province.zones) >= domains | {"gov.test", "test", "spf-vendor.test", "dmarc-vendor.test"}


async def test_two_labs_can_run_at_once():
    first = await start_lab(0)
    try:
        second = await start_lab(0, mail=False)  # the mail servers' standard ports are the first's
    except BaseException:
        await first.stop()
        raise
    try:
        assert first.nameserver_port != second.nameserver_port
        answers = await asyncio.gather(
            _client(first).query(CONTROL, "MX"), _client(second).query(CONTROL, "MX")
        )
        assert all(a.ok for a in answers)
    finally:
        await first.stop()
        await second.stop()


async def test_concurrent_runs_collide_a_taken_address_is_named_not_a_privilege_problem():
    first = await start_lab(0)
    try:
        if first.mail is None:
            pytest.skip(f"the mail servers need their standard ports: {first.mail_error}")
        with pytest.raises(LabAddressInUseError) as caught:
            await start_lab(0)  # a second lab in the same network namespace
        assert caught.value.address == "127.25.1.1:25"  # the first mail host's SMTP server
        assert "address already in use" in caught.value.detail
    finally:
        await first.stop()
    second = await start_lab(0)  # every server of the failed start was stopped: all free again
    await second.stop()
    assert second.mail is not None
