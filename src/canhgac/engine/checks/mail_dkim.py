"""DKIM checks (RFC 6376, RFC 8463, RFC 8301): a usable key at some selector, well-formed key
records, strong keys.

Selectors cannot be listed from DNS, so absence at the probed selectors is a finding only
with the list of what was probed; the inventory can declare an agency's real selectors.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.checks.mail_mx import confirm_failure, null_mx_guard
from canhgac.engine.facts.mail_domain import DkimFacts, MxFacts
from canhgac.engine.mailauth.dkim import DkimKey
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind


def _keys(facts: DkimFacts) -> list[tuple[str, DkimKey]]:
    return [(s.selector, key) for s in facts.selectors for key in s.keys]


def _selectors(pairs: list[tuple[str, DkimKey]]) -> str:
    return ", ".join(dict.fromkeys(sel for sel, _ in pairs))


def _evidence(facts: DkimFacts) -> dict[str, Any]:
    return {
        "probed": list(facts.probed),
        "found": [
            {"selector": s.selector, "name": s.lookup.name, "keys": [k.as_evidence() for k in s.keys]}
            for s in facts.selectors
            if s.keys
        ],
        "failed_lookups": [s.lookup.as_evidence() for s in facts.selectors if s.lookup.failed],
    }


def _lookup_error(facts: DkimFacts, evidence: dict[str, Any]) -> Outcome | None:
    failures = [s.lookup for s in facts.selectors if s.lookup.failed]
    if not failures:
        return None
    first = failures[0]
    detail = (f"{len(failures)} of {len(facts.selectors)} selector lookups failed "
              f"({first.name}: {first.status})")
    return errored(first.status.error_reason, detail, evidence)


@check("mail.dkim.present", target=TargetKind.DOMAIN, needs=(DkimFacts, MxFacts))
def dkim_present(facts: DkimFacts, mx: MxFacts, params: CheckParams) -> Outcome:
    """Without a DKIM key, receivers cannot tell the agency's own mail from forgeries."""
    guard = null_mx_guard(mx)
    if guard is not None:
        return guard
    evidence = _evidence(facts)
    usable = [(sel, key) for sel, key in _keys(facts) if key.usable]
    if usable:
        return passed("pass", evidence, selectors=_selectors(usable))
    error = _lookup_error(facts, evidence)
    if error is not None:
        return error
    revoked = [(sel, key) for sel, key in _keys(facts) if key.revoked]
    if revoked:
        return confirm_failure(mx, failed("only-revoked", evidence, selectors=_selectors(revoked)))
    return confirm_failure(mx, failed("missing", evidence, probed=", ".join(facts.probed)))


@check("mail.dkim.syntax", target=TargetKind.DOMAIN, needs=DkimFacts)
def dkim_syntax(facts: DkimFacts, params: CheckParams) -> Outcome:
    """A key record that does not parse makes every signature under it fail."""
    evidence = _evidence(facts)
    found = _keys(facts)
    invalid = [(sel, key) for sel, key in found if not key.valid]
    if invalid:
        codes = ", ".join(dict.fromkeys(p.code for _, key in invalid for p in key.problems))
        return failed("invalid", evidence, selectors=_selectors(invalid), problems=codes)
    # a selector that could not be looked up may hold the broken record: never pass over it
    error = _lookup_error(facts, evidence)
    if error is not None:
        return error
    if not found:
        return not_applicable("no-records", evidence)
    return passed("pass", evidence, selectors=_selectors(found))


def _describe(pairs: list[tuple[str, DkimKey]]) -> str:
    return ", ".join(f"{sel} ({key.algorithm} {key.bits})" for sel, key in pairs)


@check("mail.dkim.key-strength", target=TargetKind.DOMAIN, needs=DkimFacts)
def dkim_key_strength(facts: DkimFacts, params: CheckParams) -> Outcome:
    """RSA keys under 1024 bits are factorable (RFC 8301 3.2); 2048 is the recommended size.

    One check with two failure keys: ``weak`` (below the minimum, high) and
    ``below-recommended`` (medium, stated in the evidence's ``severity``).
    """
    usable = [(sel, key) for sel, key in _keys(facts) if key.usable]
    evidence = _evidence(facts)
    rsa = [(sel, key) for sel, key in usable if key.algorithm == "rsa" and key.bits is not None]
    weak = [(sel, key) for sel, key in rsa if (key.bits or 0) < params.dkim_min_rsa_bits]
    if weak:
        return failed("weak", {**evidence, "severity": "high"}, keys=_describe(weak),
                      minimum=params.dkim_min_rsa_bits)
    below = [(sel, key) for sel, key in rsa if (key.bits or 0) < params.dkim_recommended_rsa_bits]
    if below:
        return failed("below-recommended", {**evidence, "severity": "medium"}, keys=_describe(below),
                      recommended=params.dkim_recommended_rsa_bits)
    # not applicable only when every selector was really looked up: an outage is not a fix
    error = _lookup_error(facts, evidence)
    if error is not None:
        return error
    if not usable:
        return not_applicable("no-key", evidence)
    return passed("pass", evidence, keys=_describe(usable))
