"""SPF checks (RFC 7208, guidance 430/BTTTT-CATTT clause 3): pure functions of SpfFacts
(and, for mail.spf.softfail-unenforced, of the DMARC policy that decides what ``~all`` is worth).

Only mail.spf.present judges a domain without a record, only mail.spf.single judges several
records and only mail.spf.syntax judges a record that does not parse; the other checks are
then not applicable. A part of the tree that could not be read (a DNS failure, a target
built from sender macros) turns a would-be pass into an error, never into a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.mail_domain import DmarcFacts
from canhgac.engine.facts.spf import Reach, SpfFacts, SpfNode, Stop, TermLookup
from canhgac.engine.mailauth.spf import DNS_TERMS, Mechanism, Qualifier, Term
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

MAX_LISTED = 30  # items listed in evidence; the count is always given in full
MAX_MX_ADDRESS_LOOKUPS = 10  # RFC 7208 4.6.4: one mx term may query at most 10 addresses


def _evidence(facts: SpfFacts, **extra: Any) -> dict[str, Any]:
    root = facts.root
    return {"domain": facts.domain, "records": [r.text for r in root.records], **extra}


def _gate(facts: SpfFacts) -> Outcome | None:
    """Not applicable when there is no single parsable record to judge."""
    records = facts.root.records
    if not records:
        return not_applicable("no-record", _evidence(facts))
    if len(records) > 1:
        return not_applicable("multiple", _evidence(facts), count=len(records))
    if not records[0].ok:
        return not_applicable("unparsable", _evidence(facts))
    return None


def _blocked(facts: SpfFacts, *, own_only: bool = False) -> Outcome | None:
    """An error for the first part of the tree that could not be read, if any."""
    org = facts.root.registrable
    for _, node in facts.root.walk():
        if own_only and node.registrable != org:
            continue
        if node.fetched and node.status.is_failure:
            detail = f"TXT {node.domain} (via {node.term}): {node.detail or node.status.value}"
            return errored(node.status.error_reason, detail, _evidence(facts))
        if node.stop is Stop.MACRO:
            detail = f"{node.term} depends on the sender (macros); it cannot be followed"
            return errored(ErrorReason.PROTOCOL, detail, _evidence(facts))
        if node.stop in (Stop.DEPTH, Stop.CAP):
            detail = f"{node.term} not followed: collection stopped ({node.stop.value} limit)"
            return errored(ErrorReason.POLICY, detail, _evidence(facts))
    return None


def _listed(items: list[str]) -> list[str]:
    return items[:MAX_LISTED]


@check("mail.spf.present", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_present(facts: SpfFacts, params: CheckParams) -> Outcome:
    records = facts.root.records
    if not records:
        return failed("missing", _evidence(facts, dns_status=facts.root.status.value))
    return passed("pass", _evidence(facts), record=records[0].text)


@check("mail.spf.single", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_single(facts: SpfFacts, params: CheckParams) -> Outcome:
    count = len(facts.root.records)
    if count == 0:
        return not_applicable("no-record", _evidence(facts))
    if count > 1:
        return failed("multiple", _evidence(facts), count=count)
    return passed("pass", _evidence(facts))


@check("mail.spf.syntax", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_syntax(facts: SpfFacts, params: CheckParams) -> Outcome:
    if not facts.root.records:
        return not_applicable("no-record", _evidence(facts))
    errors = [e for r in facts.root.records for e in r.errors]
    if errors:
        listed = [{"term": e.term, "problem": e.problem.value, "detail": e.detail} for e in errors]
        evidence = _evidence(facts, errors=listed[:MAX_LISTED], error_count=len(errors))
        return failed(errors[0].problem.value, evidence, term=errors[0].term, count=len(errors))
    for path, node in facts.root.walk():
        broken = [e for r in node.records for e in r.errors]
        if node.reach is not Reach.ROOT and (broken or len(node.records) > 1):
            term = broken[0].term if broken else ""
            problem = broken[0].problem.value if broken else "multiple-records"
            evidence = _evidence(facts, include=node.domain, chain=[*path, node.domain],
                                 include_records=[r.text for r in node.records], problem=problem)
            return failed("include-invalid", evidence, domain=node.domain, term=term or problem)
    return _blocked(facts) or passed("pass", _evidence(facts))


def _effective_policy(root: SpfNode) -> tuple[str, list[str], SpfNode]:
    """Follow the redirect chain to the terminal ``all``: (policy, chain of domains, last)."""
    node, chain = root, [root.domain]
    while True:
        record = node.usable
        assert record is not None  # callers pass usable nodes; the loop only moves to usable ones
        terminal = record.first_all()
        if terminal is not None:
            return terminal.qualifier.value + "all", chain, node
        target = next((c for c in node.children if c.reach is Reach.REDIRECT), None)
        if target is None:
            return "none", chain, node
        chain.append(target.domain)
        if target.stop is Stop.MACRO:
            return "unknown", chain, target
        if target.fetched and target.status.is_failure:
            return "error", chain, target
        if target.usable is None:  # loop, depth, missing or broken record: a permerror
            return "broken", chain, target
        node = target


@check("mail.spf.policy", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_policy(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    policy, chain, last = _effective_policy(facts.root)
    evidence = _evidence(facts, policy=policy, chain=chain)
    values = {"policy": policy, "chain": " → ".join(chain)}
    if policy in ("-all", "~all"):
        return passed("pass", evidence, **values)
    if policy == "error":
        return errored(last.status.error_reason, f"TXT {last.domain}: {last.status.value}", evidence)
    if policy == "unknown":
        return errored(ErrorReason.PROTOCOL, f"redirect {last.term} uses sender macros", evidence)
    if policy == "+all":  # one fault, one finding: mail.spf.pass-all reports it (critical)
        return not_applicable("covered-by-pass-all", evidence, **values)
    key = {"?all": "neutral", "none": "no-all"}.get(policy, "redirect-broken")
    return failed(key, evidence, target=last.domain, **values)


def _enforced_by(dmarc: DmarcFacts) -> tuple[str, dict[str, Any]]:
    """(what DMARC makes of mail that fails SPF, its evidence): the effective policy ("none",
    "quarantine", "reject"; an inherited record gives its sp, else its p, RFC 7489 6.6.3), or
    "no-dmarc" (no record) or "ignored" (several records, or one receivers ignore)."""
    discovery = dmarc.discovery
    record = discovery.record
    evidence: dict[str, Any] = {
        "dmarc_record": record.text if record else None,
        "dmarc_source": discovery.record_domain if record else None,
        "dmarc_inherited": discovery.inherited,
        "dmarc_lookups": [lk.as_evidence() for lk in (dmarc.own, dmarc.org) if lk is not None],
    }
    if discovery.state == "multiple" or (record is not None and not record.usable):
        return "ignored", evidence
    if record is None:
        return "no-dmarc", evidence
    policy = record.applied_subdomain_policy if discovery.inherited else record.applied_policy
    return policy or "none", evidence


@check("mail.spf.softfail-unenforced", target=TargetKind.DOMAIN, needs=(SpfFacts, DmarcFacts))
def spf_softfail_unenforced(spf: SpfFacts, dmarc: DmarcFacts, params: CheckParams) -> Outcome:
    """``~all`` only marks forged mail; only an enforcing DMARC policy turns that into rejection
    or quarantine. ``~all`` beside ``p=none`` or no DMARC at all leaves forged mail delivered."""
    if (gate := _gate(spf)) is not None:
        return gate
    policy, chain, last = _effective_policy(spf.root)
    if policy == "error":
        return errored(last.status.error_reason, f"TXT {last.domain}: {last.status.value}",
                       _evidence(spf, policy=policy, chain=chain))
    if policy == "unknown":
        return errored(ErrorReason.PROTOCOL, f"redirect {last.term} uses sender macros",
                       _evidence(spf, policy=policy, chain=chain))
    if policy != "~all":  # -all rejects by itself; the weaker endings are mail.spf.policy's
        return not_applicable("not-softfail", _evidence(spf, policy=policy, chain=chain), policy=policy)
    if dmarc.discovery.state == "error":
        return lookup_error(dmarc.discovery.lookup, _evidence(spf, policy=policy, chain=chain))
    enforced, dmarc_evidence = _enforced_by(dmarc)
    evidence = _evidence(spf, policy=policy, chain=chain, dmarc_policy=enforced, **dmarc_evidence)
    source = dmarc.discovery.record_domain
    if enforced in ("quarantine", "reject"):
        return passed("pass", evidence, dmarc_policy=enforced, source=source)
    if enforced == "none":
        return failed("dmarc-none", evidence, source=source, record=str(evidence["dmarc_record"])[:200])
    if enforced == "ignored":
        return failed("dmarc-ignored", evidence, source=source)
    return failed("no-dmarc", evidence, domain=spf.domain)


def _passes_everyone(term: Mechanism) -> bool:
    """A pass-qualified term that matches every sender of an address family."""
    if term.qualifier is not Qualifier.PASS:
        return False
    if term.name == "all":
        return True
    if term.name in ("ip4", "ip6"):
        return term.prefix == 0
    return term.name in ("a", "mx") and 0 in (term.cidr4, term.cidr6)


def _find_pass_all(node: SpfNode) -> tuple[list[str] | None, bool]:
    """(path to a reached term that authorises every sender, whether some part was unreadable)."""
    record = node.usable
    if record is None:
        return None, False
    children = {c.position: c for c in node.children}
    unknown = False
    for position, term in record.reachable():
        here = f"{node.domain}: {term.text}"
        if isinstance(term, Mechanism) and _passes_everyone(term):
            return [here], unknown
        follows = term.name == "redirect" or (
            isinstance(term, Mechanism) and term.name == "include"
            and term.qualifier is Qualifier.PASS
        )
        child = children.get(position)
        if not follows or child is None:
            continue
        if child.stop is Stop.MACRO or (child.fetched and child.status.is_failure):
            unknown = True
            continue
        found, child_unknown = _find_pass_all(child)
        unknown = unknown or child_unknown
        if found is not None:
            return [here, *found], unknown
    return None, unknown


@check("mail.spf.pass-all", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_pass_all(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    found, unknown = _find_pass_all(facts.root)
    if found is not None:
        return failed("pass-all", _evidence(facts, chain=found), term=found[-1])
    if unknown:
        return _blocked(facts) or errored(ErrorReason.PROTOCOL, "part of the tree is unreadable")
    return passed("pass", _evidence(facts))


def _reached(facts: SpfFacts) -> Iterator[tuple[SpfNode, Term]]:
    """Every term an evaluation can reach in the tree's usable records, with its node, in tree order."""
    for _, node in facts.root.walk():
        record = node.usable
        if record is not None:
            for _, term in record.reachable():
                yield node, term


def _dns_terms(facts: SpfFacts) -> list[str]:
    """Every reached term that costs a DNS lookup, as ``domain: term``, in tree order."""
    return [f"{node.domain}: {t.text}" for node, t in _reached(facts) if t.name in DNS_TERMS]


@check("mail.spf.lookup-limit", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_lookup_limit(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    terms = _dns_terms(facts)
    limit = params.spf_max_dns_lookups
    mx_heavy = [
        (f"{node.domain}: {lk.term}", lk.answers)
        for _, node in facts.root.walk() for lk in node.lookups
        if lk.rdtype == "MX" and lk.answers > MAX_MX_ADDRESS_LOOKUPS
    ]
    evidence = _evidence(facts, lookup_count=len(terms), limit=limit, lookups=_listed(terms),
                         mx_over_limit=[{"term": t, "mx_hosts": n} for t, n in mx_heavy],
                         truncated=facts.truncated)
    if len(terms) > limit:
        return failed("too-many", evidence, count=len(terms), limit=limit)
    if mx_heavy:
        return failed("mx-too-many", evidence, term=mx_heavy[0][0], count=mx_heavy[0][1])
    return _blocked(facts) or passed("pass", evidence, count=len(terms), limit=limit)


def _lookup_failed(failures: list[tuple[str, DnsStatus]], evidence: dict[str, Any]) -> Outcome:
    """The error for the first of the failed lookups (from ``_voids``)."""
    line, status = failures[0]
    return errored(status.error_reason, f"lookup failed: {line}", evidence)


def _voids(facts: SpfFacts) -> tuple[list[str], list[tuple[str, DnsStatus]]]:
    """(void lookups, failed lookups with their status), as ``domain: term -> name status``."""
    voids: list[str] = []
    failures: list[tuple[str, DnsStatus]] = []
    for _, node in facts.root.walk():
        if node.reach is not Reach.ROOT and node.fetched and node.status in (
            DnsStatus.NXDOMAIN, DnsStatus.NODATA
        ):
            voids.append(f"{node.term} -> {node.domain} TXT {node.status.value}")
        for lk in node.lookups:
            line = f"{node.domain}: {lk.term} -> {lk.name} {lk.rdtype} {lk.status.value}"
            if lk.void:
                voids.append(line)
            elif lk.status.is_failure:
                failures.append((line, lk.status))
    return voids, failures


@check("mail.spf.void-lookups", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_void_lookups(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    voids, failures = _voids(facts)
    limit = params.spf_max_void_lookups
    evidence = _evidence(facts, void_count=len(voids), limit=limit, void_lookups=_listed(voids),
                         failed_lookups=_listed([line for line, _ in failures]))
    if len(voids) > limit:
        return failed("too-many", evidence, count=len(voids), limit=limit)
    if failures:
        return _lookup_failed(failures, evidence)
    if facts.truncated:
        return errored(ErrorReason.POLICY, "the collection hit its hard cap", evidence)
    return _blocked(facts) or passed("pass", evidence, count=len(voids), limit=limit)


@check("mail.spf.ptr", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_ptr(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    uses = [f"{node.domain}: {t.text}" for node, t in _reached(facts) if t.name == "ptr"]
    if uses:
        return failed("used", _evidence(facts, terms=_listed(uses)), term=uses[0])
    return _blocked(facts) or passed("pass", _evidence(facts))


@check("mail.spf.loop", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_loop(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    for path, node in facts.root.walk():
        if node.stop is Stop.LOOP:
            chain = [*path, node.domain]
            return failed("loop", _evidence(facts, chain=chain, term=node.term),
                          domain=node.domain, chain=" → ".join(chain))
    return _blocked(facts) or passed("pass", _evidence(facts))


@check("mail.spf.broad-range", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_broad_range(facts: SpfFacts, params: CheckParams) -> Outcome:
    """Judges the agency's own records only: a provider's ranges are the provider's business."""
    if (gate := _gate(facts)) is not None:
        return gate
    widest = {"ip4": params.spf_broadest_ipv4_prefix, "ip6": params.spf_broadest_ipv6_prefix}
    broad = [f"{node.domain}: {t.text}" for node, t in _reached(facts)
             if node.registrable == facts.root.registrable
             and isinstance(t, Mechanism) and t.qualifier is Qualifier.PASS
             and t.name in widest and (t.prefix or 0) < widest[t.name]]
    evidence = _evidence(facts, broad_terms=_listed(broad), ipv4_limit=widest["ip4"],
                         ipv6_limit=widest["ip6"])
    if broad:
        return failed("broad", evidence, term=broad[0], count=len(broad))
    return _blocked(facts, own_only=True) or passed("pass", evidence)


def _dangling_entry(found: SpfNode | TermLookup, name: str) -> dict[str, str]:
    return {"term": found.term, "name": name, "status": found.status.value,
            "registrable": found.registrable,
            "registrable_status": (found.registrable_status or DnsStatus.OK).value}


def _dangling(facts: SpfFacts) -> list[dict[str, str]]:
    """Included or redirected domains without a record, and term lookups answered NXDOMAIN."""
    out: list[dict[str, str]] = []
    for _, node in facts.root.walk():
        if node.reach is not Reach.ROOT and node.fetched and not node.status.is_failure \
                and not node.records:
            out.append(_dangling_entry(node, node.domain))
        out.extend(_dangling_entry(lk, lk.name) for lk in node.lookups if lk.status is DnsStatus.NXDOMAIN)
    return out


@check("mail.spf.dangling", target=TargetKind.DOMAIN, needs=SpfFacts)
def spf_dangling(facts: SpfFacts, params: CheckParams) -> Outcome:
    if (gate := _gate(facts)) is not None:
        return gate
    items = _dangling(facts)
    evidence = _evidence(facts, dangling=items[:MAX_LISTED])
    free = next((i for i in items if i["registrable_status"] == DnsStatus.NXDOMAIN.value), None)
    if free is not None:
        return failed("unregistered", evidence, name=free["name"], registrable=free["registrable"])
    if items:
        return failed("dangling", evidence, name=items[0]["name"], count=len(items))
    failures = _voids(facts)[1]
    if failures:
        return _lookup_failed(failures, evidence)
    return _blocked(facts) or passed("pass", evidence)
