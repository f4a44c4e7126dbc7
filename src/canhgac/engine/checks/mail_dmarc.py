"""DMARC checks (RFC 7489): record present, well-formed, enforcing, fully applied, reported.

Policy discovery (own record, else the organisational domain's) happens once in the facts;
every check here judges the record discovery settled on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.dns import Lookup
from canhgac.engine.facts.mail_domain import DmarcDiscovery, DmarcFacts
from canhgac.engine.mailauth.dmarc import POLICIES, DmarcRecord
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind


def _discovery_error(discovery: DmarcDiscovery) -> Outcome:
    return lookup_error(discovery.lookup)


def _evidence(discovery: DmarcDiscovery, **extra: Any) -> dict[str, Any]:
    record = discovery.record
    return {
        "record": record.text if record else None,
        "source": discovery.record_domain,
        "inherited": discovery.inherited,
        **extra,
    }


def _found(discovery: DmarcDiscovery) -> Outcome | DmarcRecord:
    """The record discovery settled on, usable or not; without one, the outcome of every check
    but present: an error when discovery failed, else not applicable."""
    if discovery.state == "error":
        return _discovery_error(discovery)
    if discovery.record is None:
        return not_applicable("no-record", {"lookup": discovery.lookup.as_evidence()})
    return discovery.record


def _record(facts: DmarcFacts) -> Outcome | tuple[DmarcRecord, DmarcDiscovery]:
    """The usable record, or the outcome every check but present/syntax gives without one."""
    discovery = facts.discovery
    record = _found(discovery)
    if isinstance(record, Outcome):
        return record
    if not record.usable:
        return not_applicable("unparsable", _evidence(discovery), record=record.text[:200])
    return record, discovery


def _own_record(facts: DmarcFacts) -> Outcome | tuple[DmarcRecord, DmarcDiscovery]:
    """Like ``_record``, for checks of the record's content: an inherited record is judged on
    the organisational domain that publishes it, once, not again on every subdomain."""
    found = _record(facts)
    if isinstance(found, Outcome):
        return found
    _, discovery = found
    if discovery.inherited:
        return not_applicable("inherited", _evidence(discovery), source=discovery.record_domain)
    return found


Check = Callable[[DmarcFacts, CheckParams], Outcome]
RecordJudge = Callable[[DmarcFacts, DmarcRecord, DmarcDiscovery], Outcome]


def _judge_with(find: Callable[[DmarcFacts], Outcome | tuple[DmarcRecord, DmarcDiscovery]],
                judge: RecordJudge) -> Check:
    @functools.wraps(judge)
    def run(facts: DmarcFacts, params: CheckParams) -> Outcome:
        found = find(facts)
        return found if isinstance(found, Outcome) else judge(facts, *found)

    return run


def _on_record(judge: RecordJudge) -> Check:
    """A check of the record discovery settled on, which the judge is given; without a usable
    record the check gives ``_record``'s outcome and the judge is not asked."""
    return _judge_with(_record, judge)


def _on_own_record(judge: RecordJudge) -> Check:
    """Like ``_on_record``, for the checks of the record's content (see ``_own_record``)."""
    return _judge_with(_own_record, judge)


def _effective_policy(record: DmarcRecord, discovery: DmarcDiscovery) -> str:
    """Own record: p. Inherited from the org domain: its sp, else its p (RFC 7489 6.6.3)."""
    policy = record.applied_subdomain_policy if discovery.inherited else record.applied_policy
    return policy or "none"


@check("mail.dmarc.present", target=TargetKind.DOMAIN, needs=DmarcFacts)
def dmarc_present(facts: DmarcFacts, params: CheckParams) -> Outcome:
    """Without a DMARC record receivers have no instruction against forged From: addresses."""
    discovery = facts.discovery
    if discovery.state == "error":
        return _discovery_error(discovery)
    lookups = [lk.as_evidence() for lk in (facts.own, facts.org) if lk is not None]
    if discovery.state == "multiple":
        return failed("multiple", {"lookups": lookups}, name=discovery.lookup.name)
    if discovery.record is None:
        return failed("missing", {"lookups": lookups}, domain=facts.domain)
    evidence = _evidence(discovery, lookups=lookups)
    if discovery.inherited:
        return passed("inherited", evidence, source=discovery.record_domain,
                      record=discovery.record.text[:200])
    return passed("pass", evidence, record=discovery.record.text[:200])


@check("mail.dmarc.syntax", target=TargetKind.DOMAIN, needs=DmarcFacts)
def dmarc_syntax(facts: DmarcFacts, params: CheckParams) -> Outcome:
    """A malformed record may be ignored by receivers (RFC 7489 6.3, 6.6.3)."""
    discovery = facts.discovery
    record = _found(discovery)
    if isinstance(record, Outcome):
        return record
    if discovery.inherited:
        return not_applicable("inherited", _evidence(discovery), source=discovery.record_domain)
    evidence = _evidence(discovery, problems=[p.as_evidence() for p in record.problems],
                         unknown_tags=list(record.unknown_tags))
    if record.problems:
        codes = ", ".join(dict.fromkeys(p.code for p in record.problems))
        return failed("invalid", evidence, problems=codes, source=discovery.record_domain)
    return passed("pass", evidence, source=discovery.record_domain)


@check("mail.dmarc.policy", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_record
def dmarc_policy(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """p=none only monitors: forged mail is still delivered."""
    policy = _effective_policy(record, discovery)
    evidence = _evidence(discovery, policy=policy)
    if policy == "none":
        return failed("none", evidence, source=discovery.record_domain)
    return passed("pass", evidence, policy=policy, source=discovery.record_domain)


@check("mail.dmarc.subdomain-policy", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_own_record
def dmarc_subdomain_policy(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """An organisational record's sp= must not be weaker than its p=.

    sp= only acts in the organisational domain's record (RFC 7489 6.3); a subdomain's own
    record is not applicable, as its sp= never governs anything, and an inherited record is
    judged on the organisational domain itself.
    """
    if facts.domain != facts.org_domain:
        return not_applicable("subdomain-record", _evidence(discovery), org_domain=facts.org_domain)
    p = record.applied_policy or "none"
    sp = record.applied_subdomain_policy or "none"
    evidence = _evidence(discovery, p=p, sp=sp)
    if POLICIES.index(sp) < POLICIES.index(p):
        return failed("weaker", evidence, p=p, sp=sp, source=discovery.record_domain)
    return passed("pass", evidence, p=p, sp=sp)


@check("mail.dmarc.pct", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_own_record
def dmarc_pct(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """pct below 100 leaves the rest of the forged mail under the next weaker policy."""
    policy = _effective_policy(record, discovery)
    evidence = _evidence(discovery, pct=record.pct, policy=policy)
    if policy == "none":
        return not_applicable("policy-none", evidence)
    if record.pct is None:
        return failed("invalid", evidence)
    if record.pct < 100:
        return failed("partial", evidence, pct=record.pct, policy=policy)
    return passed("pass", evidence, policy=policy)


@check("mail.dmarc.reporting", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_own_record
def dmarc_reporting(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """Aggregate reports are how an agency sees who sends mail in its name."""
    addresses = [u.address for u in record.rua]
    evidence = _evidence(discovery, rua=addresses)
    if not record.rua_present:
        return failed("missing", evidence, source=discovery.record_domain)
    if not addresses:
        return failed("invalid", evidence, source=discovery.record_domain)
    return passed("pass", evidence, rua=", ".join(addresses))


def _lookup_error(lookups: list[Lookup | None], evidence: dict[str, Any]) -> Outcome:
    return lookup_error(next(lk for lk in lookups if lk is not None and lk.failed), evidence)


@check("mail.dmarc.external-auth", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_own_record
def dmarc_external_auth(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """Receivers drop reports to another organisation that did not authorise them (RFC 7489 7.1)."""
    external = [d for d in facts.destinations if d.external]
    evidence = _evidence(discovery, destinations=[d.as_evidence() for d in external])
    if not external:
        return not_applicable("no-external", evidence)
    missing = [d for d in external if d.authorized is False]
    if missing:
        names = ", ".join(f"{discovery.record_domain}._report._dmarc.{d.domain}" for d in missing)
        return failed("unauthorized", evidence,
                      destinations=", ".join(d.domain for d in missing), names=names)
    unknown = [d for d in external if d.authorized is None]
    if unknown:
        return _lookup_error([d.authorization for d in unknown], evidence)
    return passed("pass", evidence, destinations=", ".join(d.domain for d in external))


@check("mail.dmarc.dangling", target=TargetKind.DOMAIN, needs=DmarcFacts)
@_on_own_record
def dmarc_dangling(facts: DmarcFacts, record: DmarcRecord, discovery: DmarcDiscovery) -> Outcome:
    """Reports sent to a dead domain are lost, or read by whoever registers it."""
    dests = list(facts.destinations)
    dead = [d for d in dests if d.receives_mail is False]
    evidence = _evidence(discovery, destinations=[
        {**d.as_evidence(), "mx": d.mx.status.value, "a": d.ipv4.status.value,
         "registrable_domain": d.org_domain, "registrable_exists": not d.registrable_missing}
        for d in dests
    ])
    if not dests:
        return not_applicable("no-destinations", evidence)
    unregistered = [d for d in dead if d.registrable_missing]
    if unregistered:
        return failed("unregistered", evidence,
                      domains=", ".join(sorted({d.org_domain for d in unregistered})))
    if dead:
        return failed("dangling", evidence, domains=", ".join(d.domain for d in dead))
    unknown = [d for d in dests if d.receives_mail is None]
    if unknown:
        return _lookup_error([lk for d in unknown for lk in (d.mx, d.ipv4, d.ipv6)], evidence)
    return passed("pass", evidence, domains=", ".join(d.domain for d in dests))
