"""The demo province (Kiên Giang, lab edition): its zones, name-server layout and findings.

Every agency domain starts from one faultless baseline (delegated and signed zone, two name
servers in different /24s, MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, CAA); then each agency
but the control gets the faults planted for it. :data:`EXPECTED_FINDINGS` lists, explicitly,
every failure a full scan must report; anything else is a false positive.

Addresses: agency number N has ``ns1`` on 127.53.N.1 and ``ns2`` on 127.54.N.1, its mail
host on 127.25.N.1 and its MTA-STS host on 127.44.N.1. The lab resolver, 127.53.0.1,
holds every zone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources

from canhgac.lab import keys
from canhgac.lab.dns_server import ServerSpec
from canhgac.lab.names import ORG

RESOLVER_ADDRESS = "127.53.0.1"
ORG_DOMAIN = ORG  # the one province name the servers and plans share
SERIAL = 2024060101
STALE_SERIAL = 2024050101
DKIM_SELECTOR = "mail2024"

Records = dict[tuple[str, str], list[str]]  # (owner, TYPE) -> rdata texts; owner "@" = apex
Planter = Callable[[Records, str], None]

# Every planted failure, as (check id, domain). See the semantics assumed in the comments.
EXPECTED_FINDINGS: tuple[tuple[str, str], ...] = (
    # UBND: sp=none under p=reject; rua at a vendor that has not authorised it; AXFR open.
    ("mail.dmarc.subdomain-policy", "kiengiang.gov.test"),
    ("mail.dmarc.external-auth", "kiengiang.gov.test"),
    ("dns.axfr.open", "kiengiang.gov.test"),
    # SYT: +all; no own DMARC record, so the org's sp=none is its effective policy. The
    # inherited record's other faults (sp, external rua) are reported on the org domain only.
    ("mail.spf.pass-all", "soyte.kiengiang.gov.test"),
    ("mail.dmarc.policy", "soyte.kiengiang.gov.test"),
    # SGDDT: two SPF records (only the count is judged); p=none without rua. No sp, so the
    # subdomain policy falls back to p and is not a separate finding.
    ("mail.spf.single", "sogddt.kiengiang.gov.test"),
    ("mail.dmarc.policy", "sogddt.kiengiang.gov.test"),
    ("mail.dmarc.reporting", "sogddt.kiengiang.gov.test"),
    # SNV: 15 DNS-querying terms through nested includes; a ptr mechanism; ~all beside a
    # p=none DMARC record (with rua), so forged mail that fails SPF is still delivered.
    ("mail.spf.lookup-limit", "snv.kiengiang.gov.test"),
    ("mail.spf.ptr", "snv.kiengiang.gov.test"),
    ("mail.spf.softfail-unenforced", "snv.kiengiang.gov.test"),
    ("mail.dmarc.policy", "snv.kiengiang.gov.test"),
    # STC: include loop (cuts the lookup count); DMARC syntax error (p=rejectt).
    ("mail.spf.loop", "stc.kiengiang.gov.test"),
    ("mail.dmarc.syntax", "stc.kiengiang.gov.test"),
    # ... and an invalid p with a valid rua is applied as p=none (RFC 7489 6.3, 6.6.3).
    ("mail.dmarc.policy", "stc.kiengiang.gov.test"),
    # PHUQUOC: MX target is a CNAME; second MX host does not resolve; no DKIM key; both NS in
    # one /24; unsigned zone.
    ("mail.mx.hostname", "phuquoc.kiengiang.gov.test"),
    ("mail.mx.resolvable", "phuquoc.kiengiang.gov.test"),
    ("mail.dkim.present", "phuquoc.kiengiang.gov.test"),
    ("dns.ns.diversity", "phuquoc.kiengiang.gov.test"),
    ("dns.dnssec.signed", "phuquoc.kiengiang.gov.test"),
    # RACHGIA: SPF syntax error; 1024-bit DKIM key (the revoked selector "old" is correct
    # practice, not a finding); _mta-sts without an mta-sts host; no TLS-RPT. It has no CAA
    # of its own but inherits its parent's (RFC 8659 tree climbing): no finding.
    ("mail.spf.syntax", "rachgia.kiengiang.gov.test"),
    ("mail.dkim.key-strength", "rachgia.kiengiang.gov.test"),
    ("mail.mta-sts.dangling", "rachgia.kiengiang.gov.test"),
    ("mail.tlsrpt.record", "rachgia.kiengiang.gov.test"),
    # BQLKKT: stale ns2; lame ns3; three void lookups, one of them an include of a domain
    # nobody registered (dangling); ip4:10.0.0.0/8; pct=50; rua in a non-existent domain
    # (dangling, and so not authorised either).
    ("dns.ns.consistency", "bqlkkt.kiengiang.gov.test"),
    ("dns.ns.lame", "bqlkkt.kiengiang.gov.test"),
    ("mail.spf.void-lookups", "bqlkkt.kiengiang.gov.test"),
    ("mail.spf.dangling", "bqlkkt.kiengiang.gov.test"),
    ("mail.spf.broad-range", "bqlkkt.kiengiang.gov.test"),
    ("mail.dmarc.pct", "bqlkkt.kiengiang.gov.test"),
    ("mail.dmarc.dangling", "bqlkkt.kiengiang.gov.test"),
    ("mail.dmarc.external-auth", "bqlkkt.kiengiang.gov.test"),
    # XAVINHTHUAN: no MX at all (mail would fall back to the A record) and no SPF record.
    ("mail.mx.present", "vinhthuan.kiengiang.gov.test"),
    ("mail.spf.present", "vinhthuan.kiengiang.gov.test"),
    # ... so its own DMARC reports (rua=mailto:dmarc@vinhthuan...) can never be delivered.
    ("mail.dmarc.dangling", "vinhthuan.kiengiang.gov.test"),
    # BAOKG, its own registrable domain: no DMARC anywhere (no organisational fallback);
    # SPF ending in ?all; a malformed key at the second declared selector (the first is
    # good); an MTA-STS record whose id is invalid; no CAA anywhere up its tree.
    ("mail.dmarc.present", "baokiengiang.test"),
    ("mail.spf.policy", "baokiengiang.test"),
    ("mail.dkim.syntax", "baokiengiang.test"),
    ("mail.mta-sts.record", "baokiengiang.test"),
    ("dns.caa.present", "baokiengiang.test"),
)


@dataclass(frozen=True)
class Province:
    """The generated province: zone texts, which address serves what, and the inventory."""

    zones: dict[str, str]  # origin -> master-file text, current version
    servers: dict[str, ServerSpec]  # address -> what it serves (the resolver holds every zone)
    resolver: str
    signed: frozenset[str]
    inventory_yaml: str
    expected_findings: tuple[tuple[str, str], ...]


def _txt(value: str) -> str:
    """A TXT rdata with the value split in 255-byte character-strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255)) or '""'


def _dkim(bits: int) -> str:
    return _txt(f"v=DKIM1; k=rsa; p={keys.dkim_public_key_b64(bits)}")


def _zone_head(origin: str, ns: list[tuple[str, str]], serial: int = SERIAL) -> Records:
    records: Records = {
        ("@", "SOA"): [f"ns1.{origin}. hostmaster.{origin}. {serial} 3600 900 1209600 300"],
        ("@", "NS"): [f"{host}." for host, _ in ns],
    }
    for host, address in ns:
        if host.endswith("." + origin):
            records[(f"{host}.", "A")] = [address]
    return records


def _ns_for(domain: str, number: int) -> list[tuple[str, str]]:
    """The baseline name servers: ns1 and ns2 in different /24s."""
    return [(f"ns1.{domain}", f"127.53.{number}.1"), (f"ns2.{domain}", f"127.54.{number}.1")]


def _baseline(domain: str, number: int) -> Records:
    records = _zone_head(domain, _ns_for(domain, number))
    records.update(
        {
            ("@", "MX"): [f"10 mail.{domain}."],
            ("mail", "A"): [f"127.25.{number}.1"],
            ("@", "TXT"): [_txt("v=spf1 mx -all")],
            ("_dmarc", "TXT"): [_txt(f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}")],
            (f"{DKIM_SELECTOR}._domainkey", "TXT"): [_dkim(2048)],
            ("_mta-sts", "TXT"): [_txt("v=STSv1; id=20240101T000000")],
            ("mta-sts", "A"): [f"127.44.{number}.1"],
            ("_smtp._tls", "TXT"): [_txt(f"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}")],
            ("@", "CAA"): ['0 issue "letsencrypt.org"'],
        }
    )
    return records


def _ubnd(r: Records, d: str) -> None:
    r[("_dmarc", "TXT")] = [_txt("v=DMARC1; p=reject; sp=none; rua=mailto:reports@dmarc-vendor.test")]


def _soyte(r: Records, d: str) -> None:
    r[("@", "TXT")] = [_txt("v=spf1 +all")]
    del r[("_dmarc", "TXT")]


def _sogddt(r: Records, d: str) -> None:
    r[("@", "TXT")] = [_txt("v=spf1 mx -all"), _txt("v=spf1 a mx ~all")]
    r[("_dmarc", "TXT")] = [_txt("v=DMARC1; p=none")]


def _snv(r: Records, d: str) -> None:
    r[("@", "TXT")] = [_txt("v=spf1 mx ptr include:_spf.spf-vendor.test ~all")]
    r[("_dmarc", "TXT")] = [_txt(f"v=DMARC1; p=none; rua=mailto:dmarc@{d}")]


def _stc(r: Records, d: str) -> None:
    r[("@", "TXT")] = [_txt(f"v=spf1 mx include:_spf-a.{d} -all")]
    r[("_spf-a", "TXT")] = [_txt(f"v=spf1 include:_spf-b.{d} -all")]
    r[("_spf-b", "TXT")] = [_txt(f"v=spf1 include:_spf-a.{d} -all")]
    r[("_dmarc", "TXT")] = [_txt(f"v=DMARC1; p=rejectt; rua=mailto:dmarc@{d}")]


def _phuquoc(r: Records, d: str) -> None:
    r[("@", "NS")] = [f"ns1.{d}.", f"ns2.{d}."]
    r[(f"ns2.{d}.", "A")] = ["127.53.7.2"]  # same /24 as ns1
    r[("@", "MX")] = [f"10 mail.{d}.", f"20 mail2.{d}."]  # mail2 has no records at all
    r[("mail", "CNAME")] = [f"relay.{d}."]
    r[("relay", "A")] = r.pop(("mail", "A"))
    del r[(f"{DKIM_SELECTOR}._domainkey", "TXT")]


def _rachgia(r: Records, d: str) -> None:
    r[("@", "TXT")] = [_txt("v=spf1 ip4:300.1.1.1 -all")]
    r[(f"{DKIM_SELECTOR}._domainkey", "TXT")] = [_dkim(1024)]
    r[("old._domainkey", "TXT")] = [_txt("v=DKIM1; k=rsa; p=")]
    for key in [("mta-sts", "A"), ("_smtp._tls", "TXT"), ("@", "CAA")]:
        del r[key]


def _bqlkkt(r: Records, d: str) -> None:
    r[("@", "NS")].append(f"ns3.{d}.")
    r[(f"ns3.{d}.", "A")] = sorted(LAME_NS)
    r[("@", "TXT")] = [
        _txt(f"v=spf1 a:mail-old.{d} a:relay-old.{d} include:_spf.old-vendor.test ip4:10.0.0.0/8 mx -all")
    ]
    r[("_dmarc", "TXT")] = [
        _txt("v=DMARC1; p=reject; pct=50; rua=mailto:dmarc@reports.nonexistent-vendor.test")
    ]


def _congbao(r: Records, d: str) -> None:
    for key in [
        ("mail", "A"),
        (f"{DKIM_SELECTOR}._domainkey", "TXT"),
        ("_mta-sts", "TXT"),
        ("mta-sts", "A"),
        ("_smtp._tls", "TXT"),
    ]:
        del r[key]
    r[("@", "MX")] = ["0 ."]
    r[("@", "TXT")] = [_txt("v=spf1 -all")]
    r[("_dmarc", "TXT")] = [_txt(f"v=DMARC1; p=reject; rua=mailto:dmarc@stttt.{ORG_DOMAIN}")]


def _vinhthuan(r: Records, d: str) -> None:
    del r[("@", "MX")]
    del r[("@", "TXT")]


def _bao(r: Records, d: str) -> None:
    del r[("_dmarc", "TXT")]
    r[("@", "TXT")] = [_txt("v=spf1 mx ?all")]
    r[("s2024._domainkey", "TXT")] = [_txt("v=DKIM1; k=rsa; p=MIIBIjANBgkq!!not-base64!!")]
    r[("_mta-sts", "TXT")] = [_txt("v=STSv1; id=not a valid id!")]
    del r[("@", "CAA")]


def keep_baseline(r: Records, d: str) -> None:
    """Plants nothing: the control agency keeps the baseline untouched."""


# domain label under the org domain ("" = the org domain) -> (agency number, planted faults)
AGENCY_DOMAINS: dict[str, tuple[int, Planter]] = {
    "": (1, _ubnd),
    "stttt": (2, keep_baseline),
    "soyte": (3, _soyte),
    "sogddt": (4, _sogddt),
    "snv": (5, _snv),
    "stc": (6, _stc),
    "phuquoc": (7, _phuquoc),
    "rachgia": (8, _rachgia),
    "bqlkkt": (9, _bqlkkt),
    "congbao": (10, _congbao),
    "vinhthuan": (11, _vinhthuan),
}
# agencies on a registrable domain of their own (full domain -> number, planted faults)
OWN_DOMAINS: dict[str, tuple[int, Planter]] = {
    "baokiengiang.test": (12, _bao),
}
UNSIGNED = frozenset({f"phuquoc.{ORG_DOMAIN}"})
AXFR_OPEN = frozenset({ORG_DOMAIN})
LAME_NS = frozenset({"127.55.9.1"})
STALE_NS = {f"bqlkkt.{ORG_DOMAIN}": "127.54.9.1"}


def _vendor_zones() -> dict[str, Records]:
    spf = _zone_head("spf-vendor.test", _ns_for("spf-vendor.test", 202))
    spf[("_spf", "TXT")] = [
        _txt(
            "v=spf1 include:_net1.spf-vendor.test include:_net2.spf-vendor.test "
            "include:_net3.spf-vendor.test -all"
        )
    ]
    for net in (1, 2, 3):
        spf[(f"_net{net}", "TXT")] = [
            _txt(
                f"v=spf1 a:out{net}a.spf-vendor.test a:out{net}b.spf-vendor.test "
                f"a:out{net}c.spf-vendor.test -all"
            )
        ]
        for host in "abc":
            spf[(f"out{net}{host}", "A")] = [f"127.60.{net}.{ord(host)}"]
    dmarc = _zone_head("dmarc-vendor.test", _ns_for("dmarc-vendor.test", 203))
    dmarc[("@", "MX")] = ["10 mx.dmarc-vendor.test."]
    dmarc[("mx", "A")] = ["127.25.203.1"]
    # It has authorised another customer, not kiengiang.gov.test.
    dmarc[("other.gov.test._report._dmarc", "TXT")] = [_txt("v=DMARC1")]
    return {"spf-vendor.test": spf, "dmarc-vendor.test": dmarc}


def _delegate(parent: Records, child: str, ns: list[tuple[str, str]], signed: bool) -> None:
    owner = f"{child}."
    parent[(owner, "NS")] = [f"{host}." for host, _ in ns]
    for host, address in ns:
        parent.setdefault((f"{host}.", "A"), []).append(address)
    if signed:
        parent[(owner, "DS")] = [str(keys.ds_for(child))]  # str() is to_text(), typed


def _child_ns(records: Records, domain: str) -> list[tuple[str, str]]:
    """The NS hosts and addresses a child zone declares, for its parent's delegation."""
    hosts = [h.rstrip(".") for h in records[("@", "NS")]]
    return [(h, a) for h in hosts for a in records.get((f"{h}.", "A"), [])]


def _render(origin: str, records: Records) -> str:
    lines = [f"$ORIGIN {origin}.", "$TTL 3600"]
    for (owner, rdtype), rdatas in records.items():
        lines.extend(f"{owner} {rdtype} {rdata}" for rdata in rdatas)
    return "\n".join(lines) + "\n"


def _all_records(replanted: Mapping[str, Planter] | None = None) -> dict[str, Records]:
    zones: dict[str, Records] = {}
    named = {(f"{label}.{ORG_DOMAIN}" if label else ORG_DOMAIN): v for label, v in AGENCY_DOMAINS.items()}
    for domain, (number, plant) in {**named, **OWN_DOMAINS}.items():
        records = _baseline(domain, number)
        (replanted or {}).get(domain, plant)(records, domain)
        zones[domain] = records
    zones.update(_vendor_zones())
    from canhgac.lab import mail_lab, web_plan  # the servers' PTR, TLSA, blocklist, portal names

    added = [mail_lab.dns_additions(_zone_head), web_plan.dns_additions(_zone_head)]
    for origin, additions in ((o, a) for part in added for o, a in part.items()):
        zone = zones.setdefault(origin, {})
        for key, values in additions.items():
            zone.setdefault(key, []).extend(v for v in values if v not in zone.get(key, []))
    zones["gov.test"] = _zone_head("gov.test", _ns_for("gov.test", 200))
    zones["test"] = _zone_head("test", [("ns1.nic.test", "127.53.201.1"), ("ns2.nic.test", "127.54.201.1")])
    for child, records in list(zones.items()):
        parent = child.split(".", 1)[1] if "." in child else None
        if parent in zones:
            _delegate(zones[parent], child, _child_ns(records, child), child not in UNSIGNED)
    return zones


def _servers(
    texts: dict[str, str], records: dict[str, Records], signed: frozenset[str]
) -> dict[str, ServerSpec]:
    held: dict[str, dict[str, str]] = {RESOLVER_ADDRESS: dict(texts)}
    for origin, zone in records.items():
        for _host, address in _child_ns(zone, origin):
            held.setdefault(address, {})
        for host in zone[("@", "NS")]:
            for address in zone.get((host, "A"), []):
                if address in LAME_NS:
                    continue  # listed in the NS set, serves nothing: answers REFUSED
                text = texts[origin]
                if STALE_NS.get(origin) == address:
                    text = text.replace(f" {SERIAL} ", f" {STALE_SERIAL} ")
                held[address][origin] = text
    return {
        address: ServerSpec(
            zones=zones, sign=frozenset(zones) & signed, axfr_allowed=frozenset(zones) & AXFR_OPEN
        )
        for address, zones in held.items()
    }


def inventory_yaml() -> str:
    return resources.files("canhgac.lab").joinpath("data/inventory.yaml").read_text(encoding="utf-8")


def render_zone(domain: str, plant: Planter | None = None) -> str:
    """The master-file text of one zone of the province, as :func:`build_province` makes it.

    With ``plant``, an agency domain gets that planter instead of its own faults (it receives
    the faultless baseline records and the domain; :func:`keep_baseline` plants nothing).
    Hand the text to :meth:`canhgac.lab.runtime.Lab.replace_zone` to change a running lab.
    """
    domains = {*OWN_DOMAINS, *(f"{label}.{ORG_DOMAIN}" if label else ORG_DOMAIN for label in AGENCY_DOMAINS)}
    if plant is not None and domain not in domains:
        raise KeyError(f"{domain} is not an agency domain of the lab province")
    records = _all_records({domain: plant} if plant is not None else None)
    if domain not in records:
        raise KeyError(f"{domain} is not a zone of the lab province")
    return _render(domain, records[domain])


def planter_of(domain: str) -> Planter:
    """The faults :func:`build_province` plants on an agency domain (KeyError for another name)."""
    named = {(f"{label}.{ORG_DOMAIN}" if label else ORG_DOMAIN): v for label, v in AGENCY_DOMAINS.items()}
    return {**named, **OWN_DOMAINS}[domain][1]


def render_zones(replanted: Mapping[str, Planter]) -> dict[str, str]:
    """Every zone's text with ``replanted`` agency domains planted otherwise: a changed child's
    NS set changes its parent's delegation too (what :mod:`canhgac.lab.switches` serves)."""
    return {origin: _render(origin, zone) for origin, zone in _all_records(replanted).items()}


def build_province() -> Province:
    """Generate every zone and the per-address layout of the lab's name servers."""
    records = _all_records()
    texts = {origin: _render(origin, zone) for origin, zone in records.items()}
    signed = frozenset(texts) - UNSIGNED
    return Province(
        zones=texts,
        servers=_servers(texts, records, signed),
        resolver=RESOLVER_ADDRESS,
        signed=signed,
        inventory_yaml=inventory_yaml(),
        expected_findings=EXPECTED_FINDINGS,
    )
