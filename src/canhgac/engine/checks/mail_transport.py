"""Transport security records: MTA-STS (RFC 8461) and SMTP TLS reporting (RFC 8460).

Only the DNS side is judged here; fetching the MTA-STS policy over HTTPS is a later check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.checks.mail_mx import confirm_failure, null_mx_guard
from canhgac.engine.collectors.mail_domain import Lookup, MtaStsFacts, MxFacts, TlsRptFacts, has_address
from canhgac.engine.mailauth.dkim import Problem
from canhgac.engine.mailauth.mtasts import parse_mta_sts, parse_tlsrpt
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed
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
