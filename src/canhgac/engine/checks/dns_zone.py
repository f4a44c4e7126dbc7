"""DNS hygiene of an agency zone: DNSSEC chain, zone transfer, name server health, CAA.

Pure functions of :class:`ZoneFacts`. A domain that is not a zone apex is not applicable
here: the zone it lives in is judged when the inventory declares it.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

import dns.dnssec
import dns.exception
import dns.name
import dns.rdata
import dns.rdataset
import dns.rrset

from canhgac.engine.checks.lookups import caa_evidence, judge_caa
from canhgac.engine.facts.zone import AxfrState, ProbeState, ServerProbe, ZoneFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

ASN_NOTE = "not assessed: no ASN data is available offline"


def _not_apex(facts: ZoneFacts) -> Outcome | None:
    if facts.apex:
        return None
    return not_applicable("not-zone-apex", {"domain": facts.domain}, domain=facts.domain)


def _where(probe: ServerProbe) -> str:
    return f"{probe.host} ({probe.address})"


# --- DNSSEC ---------------------------------------------------------------------------


def _parse(rdtype: str, texts: tuple[str, ...]) -> list[Any]:
    return [dns.rdata.from_text("IN", rdtype, t) for t in texts]


def _ds_matches(zone: dns.name.Name, key: Any, ds: Any) -> bool:
    try:
        return bool(dns.dnssec.make_ds(zone, key, ds.digest_type, validating=True) == ds)
    except (dns.exception.DNSException, ValueError):
        return False  # digest type unknown or refused by policy: it cannot vouch for the key


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _dnssec_evidence(keys: list[Any], ds: list[Any], sigs: list[Any]) -> dict[str, Any]:
    return {
        "dnskeys": [
            {"key_tag": dns.dnssec.key_id(k), "algorithm": int(k.algorithm), "flags": k.flags}
            for k in keys
        ],
        "ds": [d.to_text() for d in ds],
        "signatures": [
            {"key_tag": s.key_tag, "inception": _iso(s.inception), "expiration": _iso(s.expiration)}
            for s in sigs
        ],
    }


def _judge_signatures(
    zone: dns.name.Name, keys: list[Any], anchored: list[Any], sigs: list[Any], now: float,
    evidence: dict[str, Any],
) -> Outcome:
    """The DNSKEY RRset must validate under a key that a DS record vouches for."""
    tags = {dns.dnssec.key_id(k) for k in anchored}
    relevant = [s for s in sigs if s.key_tag in tags and s.signer == zone]
    tag_text = ", ".join(str(t) for t in sorted(tags))
    if not relevant:
        return failed("bad-signature", evidence, key_tags=tag_text, detail="no RRSIG by that key")
    if all(s.expiration < now for s in relevant):
        latest = max(s.expiration for s in relevant)
        return failed("expired-signature", evidence, key_tags=tag_text, expired=_iso(latest))
    rrset = dns.rrset.from_rdata_list(zone, 0, keys)
    sigset = dns.rrset.from_rdata_list(zone, 0, relevant)
    keyring = {zone: dns.rdataset.from_rdata_list(0, anchored)}
    try:
        dns.dnssec.validate(rrset, sigset, keyring, now=now)  # type: ignore[arg-type]
    except dns.exception.DNSException as exc:
        return failed("bad-signature", evidence, key_tags=tag_text, detail=str(exc) or "invalid")
    return passed("signed", evidence, key_tags=tag_text)


@check("dns.dnssec.signed", target=TargetKind.DOMAIN, needs=ZoneFacts)
def dnssec_signed(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    d = facts.dnssec
    for label, status in (("DNSKEY", d.dnskey_status), ("DS", d.ds_status)):
        if status.is_failure:
            return errored(status.error_reason, f"{label} {facts.domain}: {d.detail or status}")
    try:
        keys, ds, sigs = _parse("DNSKEY", d.dnskeys), _parse("DS", d.ds), _parse("RRSIG", d.dnskey_signatures)
    except (dns.exception.DNSException, ValueError) as exc:
        return errored(ErrorReason.DNS_MALFORMED, f"unparsable DNSSEC record: {exc}")
    evidence = _dnssec_evidence(keys, ds, sigs)
    if not keys and not ds:
        return failed("unsigned", evidence, domain=facts.domain)
    if not ds:
        return failed("no-ds", evidence, domain=facts.domain)
    if not keys:
        return failed("no-dnskey", evidence, domain=facts.domain)
    zone = dns.name.from_text(facts.domain + ".")
    anchored = [k for k in keys if any(_ds_matches(zone, k, r) for r in ds)]
    if not anchored:
        ds_tags = ", ".join(str(r.key_tag) for r in ds)
        key_tags = ", ".join(str(dns.dnssec.key_id(k)) for k in keys)
        return failed("ds-mismatch", evidence, ds_tags=ds_tags, key_tags=key_tags)
    return _judge_signatures(zone, keys, anchored, sigs, facts.observed_at, evidence)


# --- zone transfer ------------------------------------------------------------------------

_UNTESTED_AXFR = {
    AxfrState.NOT_TRIED: ErrorReason.OUT_OF_SCOPE,
    AxfrState.TIMEOUT: ErrorReason.TIMEOUT,
    AxfrState.MALFORMED: ErrorReason.PROTOCOL,
}


@check("dns.axfr.open", target=TargetKind.DOMAIN, needs=ZoneFacts)
def axfr_open(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    evidence: dict[str, Any] = {
        "servers": [
            {"host": p.host, "address": p.address, "axfr": p.axfr.value,
             "first_records": list(p.axfr_records)}
            for p in facts.probes
        ]
    }
    opened = [p for p in facts.probes if p.axfr is AxfrState.OPEN]
    if opened:
        return failed("open", evidence, servers=", ".join(_where(p) for p in opened))
    if not facts.probes:
        if facts.hosts and all(h.unresolvable for h in facts.hosts):  # dns.ns.lame's finding
            hosts = ", ".join(h.name for h in facts.hosts)
            return not_applicable("no-ns-address", {**evidence, "hosts": hosts}, hosts=hosts)
        return errored(ErrorReason.CONNECTION, "no name server address to test", evidence)
    untested = [p for p in facts.probes if p.axfr in _UNTESTED_AXFR]
    if untested:
        where = ", ".join(f"{_where(p)}: {p.axfr.value}" for p in untested)
        return errored(_UNTESTED_AXFR[untested[0].axfr], f"transfer not tested on {where}", evidence)
    return passed("refused", evidence, count=len(facts.probes))


# --- name server consistency --------------------------------------------------------------


def _probe_error(probes: tuple[ServerProbe, ...]) -> Outcome:
    reasons = {
        ProbeState.OUT_OF_SCOPE: ErrorReason.OUT_OF_SCOPE,
        ProbeState.TIMEOUT: ErrorReason.TIMEOUT,
        ProbeState.REFUSED: ErrorReason.DNS_REFUSED,
        ProbeState.SERVFAIL: ErrorReason.DNS_SERVFAIL,
        ProbeState.MALFORMED: ErrorReason.DNS_MALFORMED,
    }
    reason = next((reasons[p.state] for p in probes if p.state in reasons), ErrorReason.PROTOCOL)
    where = ", ".join(f"{_where(p)}: {p.state.value}" for p in probes) or "no address"
    return errored(reason, f"no name server answered authoritatively ({where})")


@check("dns.ns.consistency", target=TargetKind.DOMAIN, needs=ZoneFacts)
def ns_consistency(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    answering = [p for p in facts.probes if p.state is ProbeState.AUTHORITATIVE]
    if not answering:
        return _probe_error(facts.probes)
    evidence: dict[str, Any] = {
        "serials": {_where(p): p.serial for p in answering},
        "ns_sets": {_where(p): list(p.ns_names) for p in answering if p.ns_names},
        "delegation": list(facts.ns_names),
        "delegation_source": "the resolver's NS answer",
    }
    serials = sorted({p.serial for p in answering if p.serial is not None})
    if len(serials) > 1:
        return failed("serial-mismatch", evidence, serials=", ".join(map(str, serials)))
    ns_sets = {p.ns_names for p in answering if p.ns_names}
    if len(ns_sets) > 1:
        texts = sorted(" ".join(s) for s in ns_sets)
        return failed("ns-mismatch", evidence, sets=" | ".join(texts))
    zone_set = next(iter(ns_sets), None)
    if zone_set is not None and set(zone_set) != set(facts.ns_names):
        return failed(
            "delegation-mismatch", evidence,
            delegation=" ".join(facts.ns_names), zone=" ".join(zone_set),
        )
    # servers never asked (outside the scope): their copy may differ; never pass over them
    skipped = [p for p in facts.probes if not p.contacted]
    if skipped:
        where = ", ".join(_where(p) for p in skipped)
        return errored(ErrorReason.OUT_OF_SCOPE, f"not asked (outside the scope): {where}",
                       {**evidence, "not_asked": [_where(p) for p in skipped]})
    serial = serials[0] if serials else ""
    return passed("consistent", evidence, serial=serial, count=len(answering))


# --- lame delegation ----------------------------------------------------------------------


def _lame_entries(facts: ZoneFacts) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [
        {"host": h.name, "problem": "unresolvable", "registrable": h.registrable,
         "registrable_exists": not h.registrable_missing}
        for h in facts.hosts
        if h.unresolvable
    ]
    entries += [
        {"host": p.host, "address": p.address, "problem": p.state.value, "detail": p.detail}
        for p in facts.probes
        if p.contacted and p.state is not ProbeState.AUTHORITATIVE
    ]
    return entries


def _network_down(facts: ZoneFacts) -> bool:
    """Every contacted server timed out and the resolver failed too: the network, not the zone."""
    contacted = [p for p in facts.probes if p.contacted]
    return (
        bool(contacted)
        and all(p.state is ProbeState.TIMEOUT for p in contacted)
        and not any(h.unresolvable for h in facts.hosts)
        and facts.resolver_soa.is_failure
    )


@check("dns.ns.lame", target=TargetKind.DOMAIN, needs=ZoneFacts)
def ns_lame(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    lame = _lame_entries(facts)
    unknown = [f"{h.name}: {h.failure.value}" for h in facts.hosts if h.lookup_failed]
    unknown += [f"{_where(p)}: out of scope" for p in facts.probes if not p.contacted]
    evidence: dict[str, Any] = {"lame": lame, "untested": unknown,
                                "resolver_soa": facts.resolver_soa.value}
    if lame and _network_down(facts):
        return errored(ErrorReason.TIMEOUT, "no name server and not the resolver answered", evidence)
    missing = sorted({h.registrable for h in facts.hosts if h.registrable_missing})
    if missing:
        return failed("ns-domain-missing", evidence, domains=", ".join(missing))
    if lame:
        names = ", ".join(e["host"] + (f" ({e['address']})" if "address" in e else "") for e in lame)
        return failed("lame", evidence, servers=names, count=len(lame))
    if unknown:
        reason = (ErrorReason.OUT_OF_SCOPE if any(not p.contacted for p in facts.probes)
                  else next(h.failure.error_reason for h in facts.hosts if h.lookup_failed))
        return errored(reason, "could not test " + "; ".join(unknown), evidence)
    return passed("authoritative", evidence, count=len(facts.probes))


# --- diversity ----------------------------------------------------------------------------


def _network(address: str) -> str:
    prefix = 24 if ipaddress.ip_address(address).version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@check("dns.ns.diversity", target=TargetKind.DOMAIN, needs=ZoneFacts)
def ns_diversity(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    usable = [h for h in facts.hosts if h.addresses]
    networks = sorted({_network(a) for h in usable for a in h.addresses})
    evidence: dict[str, Any] = {
        "name_servers": {h.name: list(h.addresses) for h in facts.hosts},
        "networks": networks,
        "asn": ASN_NOTE,
    }
    if len(facts.ns_names) < 2:
        return failed("too-few", evidence, count=len(facts.ns_names))
    failures = [h for h in facts.hosts if h.lookup_failed]
    if failures and (len(usable) < 2 or len(networks) < 2):
        names = ", ".join(h.name for h in failures)
        return errored(failures[0].failure.error_reason, f"addresses unknown for {names}", evidence)
    if len(usable) < 2:
        return failed("too-few", evidence, count=len(usable))
    if len(networks) < 2:
        return failed("single-network", evidence, network=networks[0])
    return passed("diverse", evidence, count=len(usable), networks=len(networks))


# --- CAA ------------------------------------------------------------------------------------

@check("dns.caa.present", target=TargetKind.DOMAIN, needs=ZoneFacts)
def caa_present(facts: ZoneFacts, params: CheckParams) -> Outcome:
    if (na := _not_apex(facts)) is not None:
        return na
    return judge_caa(facts.caa, caa_evidence(facts.caa), missing={"domain": facts.domain})
