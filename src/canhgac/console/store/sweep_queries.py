"""Reads of the host sweep's results, always within a viewer's scope: coverage per agency (hosts
swept, the last sweep, the pack it used, open hits), an agency's computers, one computer with
its runs, and what reconciliation and the compliance item need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max

from canhgac.console.store.models import Agency, Finding
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.sweep_models import SweepHost, SweepRun
from canhgac.findings.reconcile import OPEN_STATES

CHECK_PREFIX = "sweep.host."
_OPEN = sorted(s.value for s in OPEN_STATES)


def target_name(agency: str, host: str) -> str:
    """The endpoint target's name of a computer: ``AGENCY/hostname`` (host names repeat across agencies)."""
    return f"{agency}/{host}"


def _open_hits(scope: ViewerScope) -> dict[str, int]:
    rows = scope.filter(Finding.objects.filter(check_id__startswith=CHECK_PREFIX, lifecycle__in=_OPEN))
    counts: dict[str, int] = defaultdict(int)
    for key in rows.values_list("target_key", flat=True):
        counts[key.partition(":")[2]] += 1
    return counts


@dataclass(frozen=True, slots=True)
class HostRow:
    id: int
    agency: str
    name: str
    os: str
    last_swept_at: datetime | None
    pack_version: str
    runs: int
    hits_open: int
    pinned: bool


@dataclass(frozen=True, slots=True)
class AgencyCoverage:
    code: str
    name: str
    hosts: int
    last_swept_at: datetime | None
    pack_version: str  # of the newest sweep
    hits_open: int
    stale: int  # computers whose last sweep is older than the limit
    hosts_rows: tuple[HostRow, ...] = field(default_factory=tuple)


def host_rows(scope: ViewerScope, agency: str | None = None) -> list[HostRow]:
    hosts = scope.filter(SweepHost.objects.all())
    if agency is not None:
        hosts = hosts.filter(agency_code=agency)
    hosts = hosts.annotate(n=Count("runs")).order_by("agency_code", "name")
    last_pack: dict[int, str] = {}
    for host_id, pack in (
        SweepRun.objects.filter(host__in=hosts)
        .order_by("host_id", "ended_at")
        .values_list("host_id", "pack_version")
    ):
        last_pack[host_id] = pack
    open_hits = _open_hits(scope)
    return [
        HostRow(
            h.pk,
            h.agency_code,
            h.name,
            str(h.facts.get("os", "")) if isinstance(h.facts, dict) else "",
            h.last_swept_at,
            last_pack.get(h.pk, ""),
            int(h.n),  # type: ignore[attr-defined]
            open_hits.get(target_name(h.agency_code, h.name), 0),
            bool(h.public_key),
        )
        for h in hosts
    ]


def coverage(scope: ViewerScope, *, stale_before: datetime) -> list[AgencyCoverage]:
    """Every active agency of the scope with its sweep coverage, by code."""
    rows = host_rows(scope)
    by_agency: dict[str, list[HostRow]] = defaultdict(list)
    for row in rows:
        by_agency[row.agency].append(row)
    found = []
    for code, name in (
        scope.filter(Agency.objects.filter(active=True), "code").order_by("code").values_list("code", "name")
    ):
        hosts = by_agency.get(code, [])
        newest = max(
            (h for h in hosts if h.last_swept_at), key=lambda h: h.last_swept_at or stale_before, default=None
        )
        found.append(
            AgencyCoverage(
                code,
                name,
                len(hosts),
                newest.last_swept_at if newest else None,
                newest.pack_version if newest else "",
                sum(h.hits_open for h in hosts),
                sum(1 for h in hosts if h.last_swept_at is None or h.last_swept_at < stale_before),
                tuple(hosts),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class HostDetail:
    row: HostRow
    facts: dict[str, Any]
    public_key: str
    pinned_at: datetime | None
    unpinned_by: str
    runs: list[SweepRun]


def host_detail(scope: ViewerScope, host_id: int) -> HostDetail | None:
    host = scope.filter(SweepHost.objects.filter(pk=host_id)).first()
    if host is None:
        return None
    row = next(r for r in host_rows(scope, host.agency_code) if r.id == host.pk)
    runs = list(SweepRun.objects.filter(host=host).order_by("-ended_at", "-pk")[:50])
    facts = host.facts if isinstance(host.facts, dict) else {}
    return HostDetail(row, facts, host.public_key, host.pinned_at, host.unpinned_by, runs)


def host_by_name(scope: ViewerScope, agency: str, name: str) -> SweepHost | None:
    return scope.filter(SweepHost.objects.filter(agency_code=agency, name=name)).first()


@dataclass(frozen=True, slots=True)
class OpenHit:
    """An open hit finding of a computer, as its last result recorded it."""

    check_id: str
    discriminator: str
    kind: str  # the sweep's check (hash, yara, process...)
    where: str
    pack_version: str


def open_hits(agency: str, host: str) -> dict[str, OpenHit]:
    """The computer's open hit findings by fingerprint (reconciliation's input, not a page's:
    the import has decided the agency already)."""
    key = f"endpoint:{target_name(agency, host)}"
    rows = Finding.objects.filter(target_key=key, check_id__startswith=CHECK_PREFIX, lifecycle__in=_OPEN)
    found = {}
    for fp, check, disc, evidence in rows.values_list(
        "fingerprint", "check_id", "last_result__discriminator", "last_result__evidence"
    ):
        ev = evidence if isinstance(evidence, dict) else {}
        found[fp] = OpenHit(
            check, disc, str(ev.get("check", "")), str(ev.get("where", "")), str(ev.get("pack_version", ""))
        )
    return found


@dataclass(frozen=True, slots=True)
class SweepFacts:
    """One agency's sweep state for the compliance item."""

    hosts: int
    last_swept_at: datetime | None
    open_hits: tuple[str, ...]  # fingerprints


def sweep_facts(scope: ViewerScope) -> dict[str, SweepFacts]:
    hosts = dict(
        scope.filter(SweepHost.objects.filter(runs__isnull=False))
        .values("agency_code")
        .annotate(n=Count("id", distinct=True), last=Max("last_swept_at"))
        .values_list("agency_code", "n")
    )
    last = dict(
        scope.filter(SweepHost.objects.all())
        .values("agency_code")
        .annotate(last=Max("last_swept_at"))
        .values_list("agency_code", "last")
    )
    hits: dict[str, list[str]] = defaultdict(list)
    rows = scope.filter(Finding.objects.filter(check_id__startswith=CHECK_PREFIX, lifecycle__in=_OPEN))
    for code, fp in rows.values_list("agency_code", "fingerprint"):
        hits[code].append(fp)
    return {
        code: SweepFacts(int(n), last.get(code), tuple(sorted(hits.get(code, ()))))
        for code, n in hosts.items()
    }
