"""Leaked agency accounts (issue 16, directive 20/UBND-VHXH tasks 2 and 3): judged from the
facts ``canhgac creds import`` stored, never from a scan.

- ``creds.account.leaked-recent`` (critical): the account is in a breach at most
  ``creds_recent_days`` old, or the agency answered that the leaked password still works;
- ``creds.account.leaked`` (high): the account is in older breaches only;
- ``creds.mailbox.public-service``: the official address was registered on a social network,
  forum or other public site (the breach's service, categorised by the curated list);
- ``creds.password.reused``: the same leaked password on several accounts of the agency or in
  other agencies (equal keyed hashes, counted by the services layer).

Evidence names breaches, dates, services and counts only: never a password or a hash.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.facts.creds import AccountExposure, Sighting
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

_PUBLIC = ("social", "forum", "public")
_SHOWN = 20  # breaches listed in evidence; the count says how many there are


def _evidence(sightings: tuple[Sighting, ...]) -> dict[str, Any]:
    ordered = sorted(sightings, key=lambda s: (s.date, s.breach), reverse=True)
    return {
        "breaches": [
            {"breach": s.breach, "date": s.date.isoformat(), "service": s.service} for s in ordered[:_SHOWN]
        ],
        "breach_count": len(sightings),
    }


def _recent(fact: AccountExposure, params: CheckParams) -> list[Sighting]:
    return [s for s in fact.sightings if (fact.today - s.date).days <= params.creds_recent_days]


@check("creds.account.leaked-recent", target=TargetKind.ACCOUNT, needs=AccountExposure)
def leaked_recent(fact: AccountExposure, params: CheckParams) -> Outcome:
    if not fact.sightings:
        return not_applicable("no-leak")
    recent = _recent(fact, params)
    if fact.still_works:
        return failed("still-works", _evidence(fact.sightings), breaches=len(fact.sightings))
    if recent:
        newest = max(s.date for s in recent)
        return failed(
            "recent",
            _evidence(fact.sightings),
            breaches=len(fact.sightings),
            date=newest.isoformat(),
            days=params.creds_recent_days,
        )
    return passed("pass", days=params.creds_recent_days)


@check("creds.account.leaked", target=TargetKind.ACCOUNT, needs=AccountExposure)
def leaked(fact: AccountExposure, params: CheckParams) -> Outcome:
    if not fact.sightings or fact.still_works or _recent(fact, params):
        return not_applicable("judged-as-recent")  # creds.account.leaked-recent holds it
    newest = max(s.date for s in fact.sightings)
    return failed("old", _evidence(fact.sightings), breaches=len(fact.sightings), date=newest.isoformat())


@check("creds.mailbox.public-service", target=TargetKind.ACCOUNT, needs=AccountExposure)
def public_service(fact: AccountExposure, params: CheckParams) -> Outcome:
    found = tuple(s for s in fact.sightings if s.category in _PUBLIC)
    if not found:
        return passed("pass")
    services = sorted({s.service or s.breach for s in found})
    evidence = {**_evidence(found), "categories": sorted({s.category for s in found})}
    return failed("registered", evidence, services=", ".join(services[:_SHOWN]), count=len(services))


@check("creds.password.reused", target=TargetKind.ACCOUNT, needs=AccountExposure)
def reused(fact: AccountExposure, params: CheckParams) -> Outcome:
    if not any(s.password_leaked for s in fact.sightings):
        return not_applicable("no-password")
    if not fact.same_agency_sharing and not fact.other_agencies_sharing:
        return passed("pass")
    evidence = {
        "same_agency_accounts": fact.same_agency_sharing,
        "other_agencies": fact.other_agencies_sharing,
        "other_agency_accounts": fact.other_agency_accounts,
    }
    if fact.other_agencies_sharing:
        return failed(
            "across-agencies",
            evidence,
            accounts=fact.same_agency_sharing,
            agencies=fact.other_agencies_sharing,
            others=fact.other_agency_accounts,
        )
    return failed("in-agency", evidence, accounts=fact.same_agency_sharing)
