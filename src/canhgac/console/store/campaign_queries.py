"""Reads of the account-hygiene campaign, each scoped: an agency officer reads their own
agencies' cases and letters only (another agency's reads exactly like one with no case).

The affected accounts are the leaked accounts (``LeakedAccount``: one per agency and address,
whatever the number of breaches); each case's steps are folded from its append-only records.
Nothing read here carries a password, a keyed hash or a prefix: a case is its address, its
breaches (name, date, service) and its steps.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from canhgac.console.store.campaign_models import CampaignLetter, CampaignRecord
from canhgac.console.store.leak_models import LeakedAccount
from canhgac.console.store.queries.agencies import agency_names
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.creds.campaign import STEPS, How, LetterChannel, LetterKind, Step, percent


@dataclass(frozen=True, slots=True)
class StepView:
    step: Step
    how: How | None = None  # None: never recorded
    actor: str = ""
    at: dt.datetime | None = None
    note: str = ""
    statement: str = ""
    file_name: str = ""
    file_sha256: str = ""
    record_id: int = 0

    @property
    def done(self) -> bool:
        return self.how in (How.EVIDENCE, How.ATTESTATION)


@dataclass(frozen=True, slots=True)
class Breach:
    name: str
    date: dt.date
    service: str
    held: str = "none"  # what of the password the breach held: password, hash or none (its kind only)


@dataclass(frozen=True, slots=True)
class CaseView:
    agency: str
    address: str
    breaches: tuple[Breach, ...]
    steps: tuple[StepView, ...]  # in the order of ``creds.campaign.STEPS``

    @property
    def closed(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def closed_at(self) -> dt.datetime | None:
        if not self.closed:
            return None
        return max((s.at for s in self.steps if s.at is not None), default=None)

    @property
    def reopened(self) -> bool:
        return any(s.how is How.REOPENED for s in self.steps)

    @property
    def latest_breach(self) -> dt.date | None:
        return max((b.date for b in self.breaches), default=None)


@dataclass(frozen=True, slots=True)
class AgencyCampaign:
    code: str
    name: str
    affected: int
    closed: int
    letters: int  # letters generated or sent (every channel)
    sent: int  # e-mails sent

    @property
    def percent(self) -> int:
        return percent(self.affected, self.closed)

    @property
    def open(self) -> int:
        return self.affected - self.closed


@dataclass(frozen=True, slots=True)
class LetterView:
    id: int
    agency: str
    kind: str
    address: str
    language: str
    channel: str
    recipient: str
    actor: str
    at: dt.datetime
    sent: bool
    error: str


def _step_views(rows: list[CampaignRecord]) -> dict[tuple[str, str], dict[Step, StepView]]:
    """Per (agency, address): each step's latest record."""
    found: dict[tuple[str, str], dict[Step, StepView]] = defaultdict(dict)
    for r in rows:  # in order: the latest wins
        try:
            step, how = Step(r.step), How(r.how)
        except ValueError:
            continue
        found[(r.agency_code, r.address)][step] = StepView(
            step, how, r.actor, r.at, r.note, r.statement, r.file_name, r.file_sha256, int(r.pk)
        )
    return found


def campaign_cases(
    scope: ViewerScope, agency: str | None = None, address: str | None = None
) -> list[CaseView]:
    """The scope's affected accounts (of one agency, one address), by agency then address."""
    leaks = scope.filter(LeakedAccount.objects.all())
    records = scope.filter(CampaignRecord.objects.all())
    if agency is not None:
        leaks, records = leaks.filter(agency_code=agency), records.filter(agency_code=agency)
    if address is not None:
        wanted = address.strip().lower()
        leaks, records = leaks.filter(address=wanted), records.filter(address=wanted)
    breaches: dict[tuple[str, str], set[Breach]] = defaultdict(set)
    for code, addr, name, date, service, kind in leaks.values_list(
        "agency_code", "address", "breach", "breach_date", "service", "secret_kind"
    ):
        breaches[(code, addr)].add(Breach(name, date, service, kind))
    steps = _step_views(list(records.order_by("at", "pk")))
    return [
        CaseView(
            code,
            addr,
            tuple(sorted(seen, key=lambda b: (b.date, b.name, b.service, b.held))),
            tuple(steps.get((code, addr), {}).get(s, StepView(s)) for s in STEPS),
        )
        for (code, addr), seen in sorted(breaches.items())
    ]


def campaign_case(scope: ViewerScope, agency: str, address: str) -> CaseView | None:
    found = campaign_cases(scope, agency, address)
    return found[0] if found else None


def closure_counts(scope: ViewerScope) -> dict[str, tuple[int, int]]:
    """Agency code -> (affected accounts, closed cases), for the scope's agencies with leaks."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in campaign_cases(scope):
        counts[case.agency][0] += 1
        counts[case.agency][1] += int(case.closed)
    return {code: (a, c) for code, (a, c) in counts.items()}


def campaign_overview(scope: ViewerScope) -> list[AgencyCampaign]:
    """Per agency of the scope with affected accounts: affected, closed, letters; by code."""
    names = agency_names(scope)
    letters: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code, sent in scope.filter(CampaignLetter.objects.all()).values_list("agency_code", "sent"):
        letters[code][0] += 1
        letters[code][1] += int(sent)
    return [
        AgencyCampaign(code, names.get(code, code), affected, closed, letters[code][0], letters[code][1])
        for code, (affected, closed) in sorted(closure_counts(scope).items())
    ]


def campaign_letters(scope: ViewerScope, agency: str, limit: int = 200) -> list[LetterView]:
    """The agency's letters, latest first."""
    rows = scope.filter(CampaignLetter.objects.filter(agency_code=agency)).order_by("-at", "-pk")[:limit]
    return [
        LetterView(
            int(r.pk),
            r.agency_code,
            r.kind,
            r.address,
            r.language,
            r.channel,
            r.recipient,
            r.actor,
            r.at,
            r.sent,
            r.error,
        )
        for r in rows
    ]


def evidence_record(scope: ViewerScope, agency: str, record_id: int) -> CampaignRecord | None:
    """A step record holding a file, if the scope may see its agency."""
    return (
        scope.filter(CampaignRecord.objects.filter(agency_code=agency, pk=record_id))
        .exclude(stored_as="")
        .first()
    )


def notified_addresses(scope: ViewerScope, agency: str) -> set[str]:
    """The agency's accounts whose holder was sent a letter by e-mail (the relay accepted it)."""
    rows = scope.filter(
        CampaignLetter.objects.filter(
            agency_code=agency, kind=LetterKind.USER.value, channel=LetterChannel.EMAIL.value, sent=True
        )
    )
    return set(rows.values_list("address", flat=True))
