"""Reads of the leaked accounts, each scoped: an agency officer reads their agency's accounts only.

No answer carries a keyed hash or a prefix: what leaves here is the address, the breach (name,
date, service), whether a password leaked, the agency's answer, and reuse as counts. The counts
of other agencies sharing a password are numbers only, never their addresses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from canhgac.console.store.leak_models import BreachImport, LeakedAccount
from canhgac.console.store.queries.scope import ViewerScope


@dataclass(frozen=True, slots=True)
class LeakSighting:
    breach: str
    date: dt.date
    service: str
    password_leaked: bool


@dataclass(frozen=True, slots=True)
class LeakedAccountView:
    address: str
    agency: str
    sightings: tuple[LeakSighting, ...]
    still_works: bool | None
    same_agency_sharing: int  # other accounts of the agency with an equal leaked password
    other_agencies_sharing: int  # other agencies with an account using it
    other_agency_accounts: int


def leaked_accounts(scope: ViewerScope, agency: str | None = None) -> list[LeakedAccountView]:
    """The scope's leaked accounts, by agency then address, with reuse counted over every agency."""
    rows = scope.filter(LeakedAccount.objects.all())
    if agency is not None:
        rows = rows.filter(agency_code=agency)
    per: dict[tuple[str, str], list[tuple[str, dt.date, str, str, bool | None]]] = defaultdict(list)
    secrets: set[str] = set()
    for address, code, breach, date, service, digest, works in rows.order_by(
        "agency_code", "address"
    ).values_list("address", "agency_code", "breach", "breach_date", "service", "secret_hmac", "still_works"):
        per[(code, address)].append((breach, date, service, digest, works))
        if digest:
            secrets.add(digest)
    holders: dict[str, set[tuple[str, str]]] = defaultdict(set)  # digest -> (agency, address), every agency
    for chunk in _chunks(sorted(secrets)):
        for digest, code, address in LeakedAccount.objects.filter(secret_hmac__in=chunk).values_list(
            "secret_hmac", "agency_code", "address"
        ):
            holders[digest].add((code, address))
    found = []
    for (code, address), items in per.items():
        sharing: set[tuple[str, str]] = set()
        for _b, _d, _s, digest, _w in items:
            if digest:
                sharing |= holders[digest]
        sharing.discard((code, address))
        same = sum(1 for c, _a in sharing if c == code)
        others = {c for c, _a in sharing if c != code}
        answers = [w for *_x, w in items if w is not None]
        sightings = sorted(
            {LeakSighting(b, d, s, bool(g)) for b, d, s, g, _w in items},
            key=lambda x: (x.date, x.breach, x.service, x.password_leaked),
        )
        found.append(
            LeakedAccountView(
                address,
                code,
                tuple(sightings),
                any(answers) if answers else None,
                same,
                len(others),
                len(sharing) - same,
            )
        )
    return found


def leak_counts(scope: ViewerScope) -> dict[str, int]:
    """Agency code -> how many distinct leaked accounts it has (the scope's agencies)."""
    counts: dict[str, set[str]] = defaultdict(set)
    for code, address in scope.filter(LeakedAccount.objects.all()).values_list("agency_code", "address"):
        counts[code].add(address)
    return {code: len(addresses) for code, addresses in counts.items()}


@dataclass(frozen=True, slots=True)
class BreachImportView:
    file_name: str
    source: str
    breach_date: dt.date
    service: str
    offset: int
    size: int
    counts: dict[str, int]
    finished: bool


def breach_imports(scope: ViewerScope) -> list[BreachImportView]:
    """Every file imported and how far: files and counts are the CSIRT's; an officer sees none."""
    if not scope.is_everything:
        return []
    return [
        BreachImportView(
            r.file_name,
            r.source,
            r.breach_date,
            r.service,
            r.offset,
            r.size,
            dict(r.counts),
            r.finished_at is not None,
        )
        for r in BreachImport.objects.order_by("-updated_at")
    ]


def breach_data_imported(scope: ViewerScope) -> bool:
    """Whether any breach file was imported: a fact every viewer may know (no agency's rows), so
    an officer's compliance page measures the campaign as the CSIRT's does."""
    return BreachImport.objects.exists()


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
