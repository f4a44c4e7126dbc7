"""Family mail.transport: MTA-STS (RFC 8461) and SMTP TLS reporting (RFC 8460).

The records in DNS (present and well-formed, policy host resolving), and the MTA-STS policy a
sender would fetch over HTTPS (RFC 8461 3.2, 3.3, 4.1: reachable, valid, enforcing, covering
every MX host); the policy check is not applicable where the record checks already report the
fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.checks.mail_mx import confirm_failure, null_mx_guard
from canhgac.engine.facts.dns import DnsStatus, Lookup, has_address
from canhgac.engine.facts.mail_domain import MtaStsFacts, MxFacts, TlsRptFacts
from canhgac.engine.facts.mta_sts import MtaStsPolicyFacts
from canhgac.engine.facts.web import REDIRECT_STATUSES, FetchError
from canhgac.engine.mailauth.dkim import Problem
from canhgac.engine.mailauth.mtasts import parse_mta_sts, parse_tlsrpt
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind


class _Parsed(Protocol):
    """What the MTA-STS and TLS-RPT record parsers both return."""

    @property
    def text(self) -> str: ...

    @property
    def problems(self) -> tuple[Problem, ...]: ...

    @property
    def valid(self) -> bool: ...


P = TypeVar("P", bound=_Parsed)


def _single_record(
    lookup: Lookup, records: tuple[str, ...], parse: Callable[[str], P], mx: MxFacts
) -> Outcome | tuple[P, dict[str, Any]]:
    """The one well-formed record at a name, or the outcome when there is none (null MX: not
    applicable; lookup failed: error; absent, several or invalid: a finding)."""
    guard = null_mx_guard(mx)
    if guard is not None:
        return guard
    evidence: dict[str, Any] = {"lookup": lookup.as_evidence()}
    if lookup.failed:
        return lookup_error(lookup, evidence)
    if not records:
        return confirm_failure(mx, failed("missing", evidence, name=lookup.name))
    if len(records) > 1:
        return confirm_failure(mx, failed("multiple", evidence, name=lookup.name))
    record = parse(records[0])
    evidence["problems"] = [p.as_evidence() for p in record.problems]
    if not record.valid:
        codes = ", ".join(dict.fromkeys(p.code for p in record.problems))
        return confirm_failure(mx, failed("invalid", evidence, record=record.text[:200], problems=codes))
    return record, evidence


@check("mail.mta-sts.record", target=TargetKind.DOMAIN, needs=(MtaStsFacts, MxFacts))
def mta_sts_record(facts: MtaStsFacts, mx: MxFacts, params: CheckParams) -> Outcome:
    """Without MTA-STS, an attacker on the path can strip STARTTLS from mail to the agency."""
    found = _single_record(facts.record, facts.sts_records, parse_mta_sts, mx)
    if isinstance(found, Outcome):
        return found
    record, evidence = found
    return passed("pass", evidence, id=record.id or "")


@check("mail.mta-sts.dangling", target=TargetKind.DOMAIN, needs=MtaStsFacts)
def mta_sts_dangling(facts: MtaStsFacts, params: CheckParams) -> Outcome:
    """A published record whose policy host does not resolve: whoever takes the name serves
    the policy, and until then senders get none."""
    host_lookups = (facts.host_ipv4, facts.host_ipv6)
    evidence: dict[str, Any] = {
        "lookup": facts.record.as_evidence(),
        "host": [lk.as_evidence() for lk in host_lookups],
    }
    if facts.record.failed:
        return lookup_error(facts.record, evidence)
    if not facts.sts_records:
        return not_applicable("no-record", evidence)
    resolves = has_address(host_lookups)
    if resolves:
        return passed("pass", evidence, host=facts.policy_host)
    if resolves is None:
        return lookup_error(next(lk for lk in host_lookups if lk.failed), evidence)
    chain = next((lk.cnames for lk in host_lookups if lk.cnames), ())
    if chain:
        return failed("dangling-cname", evidence, host=facts.policy_host, target=chain[-1])
    return failed("dangling", evidence, host=facts.policy_host)


@check("mail.tlsrpt.record", target=TargetKind.DOMAIN, needs=(TlsRptFacts, MxFacts))
def tlsrpt_record(facts: TlsRptFacts, mx: MxFacts, params: CheckParams) -> Outcome:
    """TLS reports tell the agency when senders fail to reach it securely."""
    found = _single_record(facts.record, facts.tlsrpt_records, parse_tlsrpt, mx)
    if isinstance(found, Outcome):
        return found
    record, evidence = found
    return passed("pass", evidence, rua=", ".join(record.rua))


# what leaves the policy untested (an error); any other failure to fetch it is a finding
_UNTESTED = frozenset({FetchError.TIMEOUT, FetchError.DNS, FetchError.OUT_OF_SCOPE})


def _before_fetch(facts: MtaStsPolicyFacts) -> Outcome | None:
    evidence = facts.as_evidence()
    record = facts.record
    if record.failed:
        return lookup_error(record, evidence)
    if not facts.record_valid:
        return not_applicable("no-record", evidence)
    lookups = (facts.host_ipv4, facts.host_ipv6)
    if not any(lk.status is DnsStatus.OK for lk in lookups):
        failed_lookup = next((lk for lk in lookups if lk.failed), None)
        if failed_lookup is not None:
            return errored(failed_lookup.status.error_reason,
                           f"{failed_lookup.rdtype} {failed_lookup.name}: {failed_lookup.status}", evidence)
        return not_applicable("dangling", evidence, host=facts.policy_host)
    return None


def _judge_fetch(facts: MtaStsPolicyFacts) -> Outcome | None:
    fetched = facts.fetched
    evidence = facts.as_evidence()
    if fetched is None:
        return errored(ErrorReason.INTERNAL, "the policy was not fetched", evidence)
    url = fetched.url
    if fetched.tls_error is not None:  # senders never read an answer they could not verify
        key = "tls" if fetched.tls_verify_code is None else "certificate"
        detail = fetched.tls_error.partition(": ")[2] or fetched.tls_error  # without "certificate: "
        return failed(key, evidence, url=url, detail=detail)
    problem = fetched.error or fetched.body_error
    if problem is not None:
        if problem in _UNTESTED:
            return errored(problem.error_reason, f"{url}: {problem.value} {fetched.detail}".strip(), evidence)
        return failed("unreachable", evidence, url=url, detail=fetched.detail or problem.value)
    if fetched.status in REDIRECT_STATUSES:
        location = fetched.header("location") or ""
        return failed("redirect", evidence, url=url, status=fetched.status or 0, location=location[:500])
    if fetched.status != 200:
        return failed("status", evidence, url=url, status=fetched.status or 0)
    if fetched.truncated:
        return failed("too-large", evidence, url=url, limit=len(fetched.body))
    content_type = fetched.header("content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() != "text/plain":
        return failed("content-type", evidence, url=url, content_type=content_type or "-")
    return None


@check("mail.mta-sts.policy", target=TargetKind.DOMAIN, needs=MtaStsPolicyFacts)
def mta_sts_policy(facts: MtaStsPolicyFacts, params: CheckParams) -> Outcome:
    """A policy senders cannot fetch or parse, in testing mode, or not naming the MX, protects nothing."""
    outcome = _before_fetch(facts) or _judge_fetch(facts)
    if outcome is not None:
        return outcome
    policy = facts.policy
    evidence = facts.as_evidence()
    if policy is None or not policy.valid:
        codes = ", ".join(dict.fromkeys(p.code for p in policy.problems)) if policy else "unreadable"
        return failed("invalid", evidence, problems=codes)
    if policy.mode != "enforce":
        return failed("testing" if policy.mode == "testing" else "none", evidence, mode=policy.mode or "")
    if facts.mx.failed:
        detail = f"MX {facts.domain}: {facts.mx.detail or facts.mx.status}"
        return errored(facts.mx.status.error_reason, detail, evidence)
    uncovered = [h for h in facts.mx_hosts if not policy.covers(h)]
    if uncovered:
        return failed("mx-not-covered", evidence, hosts=", ".join(uncovered), patterns=", ".join(policy.mx))
    return passed("pass", evidence, mode=policy.mode, max_age=policy.max_age or 0)
