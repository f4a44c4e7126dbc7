"""Checks on a domain's MX set: present (or a valid null MX), resolvable, real host names."""

from __future__ import annotations

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.mail_domain import MxFacts, MxHost
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import (
    Outcome,
    failed,
    not_applicable,
    passed,
)
from canhgac.engine.targets import TargetKind


def _lookup_error(facts: MxFacts) -> Outcome:
    return lookup_error(facts.lookup)


def _hosts(hosts: tuple[MxHost, ...]) -> list[dict[str, object]]:
    return [h.as_evidence() for h in hosts]


def _names(hosts: list[MxHost]) -> str:
    return ", ".join(h.exchange or "." for h in hosts)


def _host_error(hosts: list[MxHost], evidence: dict[str, object]) -> Outcome:
    return lookup_error(next(lk for h in hosts for lk in h.lookups if lk.failed), evidence)


def _real_hosts(facts: MxFacts) -> Outcome | list[MxHost]:
    """The exchanges to judge, or the outcome when there are none (lookup failed, no MX,
    null MX). Root names in a broken null MX are mail.mx.present's finding, skipped here."""
    if facts.lookup.failed:
        return _lookup_error(facts)
    if not facts.hosts:
        return not_applicable("no-mx", {"lookup": facts.lookup.as_evidence()})
    hosts = [h for h in facts.hosts if not h.is_root]
    if not hosts:
        return not_applicable("null-mx", {"mx": _hosts(facts.hosts)})
    return hosts


@check("mail.mx.present", target=TargetKind.DOMAIN, needs=MxFacts)
def mx_present(facts: MxFacts, params: CheckParams) -> Outcome:
    """Without MX, senders fall back to the domain's A record (RFC 5321 5.1)."""
    if facts.lookup.failed:
        return _lookup_error(facts)
    evidence = {"mx": _hosts(facts.hosts), "lookup": facts.lookup.as_evidence()}
    if not facts.hosts:
        key = "domain-missing" if facts.lookup.status is DnsStatus.NXDOMAIN else "missing"
        return failed(key, evidence, domain=facts.domain)
    if facts.null_mx:
        return passed("null-mx", evidence)
    roots = [h for h in facts.hosts if h.is_root]
    if roots and len(facts.hosts) > 1:
        return failed("null-mixed", evidence, hosts=_names(list(facts.hosts)))
    if roots:
        return failed("null-invalid", evidence, preference=roots[0].preference)
    return passed("pass", evidence, hosts=_names(list(facts.hosts)))


@check("mail.mx.resolvable", target=TargetKind.DOMAIN, needs=MxFacts)
def mx_resolvable(facts: MxFacts, params: CheckParams) -> Outcome:
    """An exchange without an address makes mail to the domain queue and bounce."""
    hosts = _real_hosts(facts)
    if isinstance(hosts, Outcome):
        return hosts
    broken = [h for h in hosts if h.resolvable is False]
    unknown = [h for h in hosts if h.resolvable is None]
    evidence = {"mx": _hosts(facts.hosts), "unresolvable": [h.exchange for h in broken]}
    if broken:
        return failed("unresolvable", evidence, hosts=_names(broken))
    if unknown:
        return _host_error(unknown, evidence)
    return passed("pass", evidence, count=len(hosts))


def _bad_name(host: MxHost) -> str | None:
    if host.is_ip_literal:
        return "ip-literal"
    if host.alias_chain:
        return "alias"
    return None


@check("mail.mx.hostname", target=TargetKind.DOMAIN, needs=MxFacts)
def mx_hostname(facts: MxFacts, params: CheckParams) -> Outcome:
    """MX must name a host, not an address or an alias (RFC 2181 10.3, RFC 5321 5.1)."""
    hosts = _real_hosts(facts)
    if isinstance(hosts, Outcome):
        return hosts
    offenders = [(h, reason) for h in hosts if (reason := _bad_name(h)) is not None]
    evidence = {
        "mx": _hosts(facts.hosts),
        "offending": [{"exchange": h.exchange, "problem": r, "cnames": list(h.alias_chain)}
                      for h, r in offenders],
    }
    if offenders:
        return failed("offending", evidence, hosts=_names([h for h, _ in offenders]))
    # Alias detection rides on the address lookups; if all failed, nothing is known.
    undecided = [h for h in hosts if all(lk.failed for lk in h.lookups)]
    if undecided:
        return _host_error(undecided, evidence)
    return passed("pass", evidence, hosts=_names(hosts))


def null_mx_guard(facts: MxFacts) -> Outcome | None:
    """Not applicable: the domain says it does no mail (RFC 7505), so sending checks do not apply."""
    if facts.mail_disabled:
        return not_applicable("null-mx", {"mx": _hosts(facts.hosts)})
    return None


def confirm_failure(facts: MxFacts, outcome: Outcome) -> Outcome:
    """A sending check's failure stands only if the domain is known to do mail.

    When the MX lookup failed, the domain may carry a null MX, so the verdict is an error.
    """
    return _lookup_error(facts) if facts.mail_disabled is None else outcome
