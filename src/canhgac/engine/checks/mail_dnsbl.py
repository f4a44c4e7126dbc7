"""DNS blocklist check: a listed mail server's mail is refused or filed as spam by receivers.

One result per host over every (address, live zone) pair: any listing fails; otherwise a zone
that could not be asked about this host (refused, unreachable, nonsense answers) makes the
result an error, since that address was not really tested. Zones that failed the run's
liveness test are not asked at all (the run warns once about each): the host is judged with
the others, and is not applicable, with the reasons, when none is live.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.dnsbl import DnsblFacts, ZoneVerdict
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, not_judged, passed
from canhgac.engine.targets import TargetKind


@check("mail.dnsbl.listed", target=TargetKind.MAIL_HOST, needs=DnsblFacts)
def dnsbl_listed(facts: DnsblFacts, params: CheckParams) -> Outcome:
    """Listed in a public blocklist: receivers reject or quarantine the agency's mail."""
    evidence: dict[str, Any] = {
        "addresses": facts.addresses.as_evidence(),
        "zones": list(facts.live_zones),
        "answers": [a.as_evidence() for a in facts.answers],
    }
    if facts.unavailable:
        evidence["unavailable_zones"] = [h.as_evidence() for h in facts.unavailable]
    if not facts.zones:
        return not_applicable("no-zones", evidence)
    if not facts.live_zones:
        # the run's warning says why; an open listing stays open (it was not looked at)
        return not_judged(ErrorReason.POLICY, "no-live-zone", evidence, zones=", ".join(facts.zones))
    if not facts.addresses.addresses:
        lookup = facts.addresses.failed_lookup
        if lookup is not None:
            return lookup_error(lookup, evidence)
        return not_applicable("no-address", evidence, host=facts.host)
    listed = [a for a in facts.answers if a.verdict is ZoneVerdict.LISTED]
    if listed:
        return failed("listed", evidence,
                      listings=", ".join(f"{a.address} in {a.zone} ({', '.join(a.codes)})" for a in listed))
    broken = [a for a in facts.answers if a.verdict is ZoneVerdict.ERROR]
    if broken:
        first = broken[0]
        return errored(first.error_reason or ErrorReason.INTERNAL,
                       f"{first.zone} for {first.address}: {first.detail}", evidence)
    asked = [a for a in facts.answers if a.verdict is ZoneVerdict.NOT_LISTED]
    if not asked:
        return not_applicable("no-zone-for-address", evidence, host=facts.host)
    return passed("pass", evidence, addresses=", ".join(dict.fromkeys(a.address for a in asked)),
                  zones=", ".join(facts.live_zones))
