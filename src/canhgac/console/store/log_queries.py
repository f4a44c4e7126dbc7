"""Reads of the log detections (findings of ``logs.*`` checks on an agency's logs, target
``log:CODE``), always within a viewer's scope: the console's ``/logs/`` list and detail, the API
and ``canhgac logs list``; plus what storing (the windows held) and the alerts (a rule's active
detections) need.

A detection is a finding: its lifecycle and triage are the findings store's; what the detection
saw (window, count, clients, accounts, lines) is its last result's evidence
(``services.log_store.evidence_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from canhgac.console.store.models import Finding
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.findings.reconcile import OPEN_STATES
from canhgac.findings.triage import effective_triage

CHECK_PREFIX = "logs."
TARGET_PREFIX = "log:"
CLOSED_TRIAGE = ("false_positive", "accepted_risk")
SEVERITIES = ("info", "low", "medium", "high", "critical")
_OPEN = sorted(s.value for s in OPEN_STATES)


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DetectionRow:
    """One stored detection as the list shows it."""

    fingerprint: str
    agency: str
    rule_id: str
    severity: str
    group: str
    first_seen: datetime | None
    last_seen: datetime | None
    count: int
    clients: tuple[str, ...]
    accounts: tuple[str, ...]
    source: str
    lifecycle: str
    triage: str
    stored_at: datetime  # when the store took its last window


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    source: str
    line_no: int
    time: datetime | None
    raw: str


@dataclass(frozen=True, slots=True)
class DetectionDetail:
    row: DetectionRow
    sources: tuple[str, ...]
    values: Mapping[str, Any]
    lines: tuple[EvidenceRow, ...]
    first_stored_run: int
    last_stored_run: int


@dataclass(frozen=True, slots=True)
class DetectionFilter:
    agency: str = ""
    rule: str = ""
    severity: str = ""  # at least this severity
    open_only: bool = True


def _rows(scope: ViewerScope) -> QuerySet[Finding]:
    return scope.filter(
        Finding.objects.filter(check_id__startswith=CHECK_PREFIX, target_key__startswith=TARGET_PREFIX)
    ).select_related("last_result")


def _row(f: Finding) -> DetectionRow:
    ev = f.last_result.evidence if isinstance(f.last_result.evidence, dict) else {}
    return DetectionRow(
        f.fingerprint,
        f.agency_code,
        f.check_id,
        str(ev.get("severity") or ""),
        str(ev.get("group") or f.last_result.discriminator),
        _time(ev.get("first_seen")),
        _time(ev.get("last_seen")),
        int(ev.get("count") or 0),
        tuple(str(c) for c in ev.get("clients") or ()),
        tuple(str(a) for a in ev.get("accounts") or ()),
        str(ev.get("source") or ""),
        f.lifecycle,
        f.triage,
        f.last_result.observed_at,
    )


def detections(scope: ViewerScope, chosen: DetectionFilter, *, limit: int = 500) -> list[DetectionRow]:
    """The detections the filter keeps, the most recent window first (at most ``limit``)."""
    rows = _rows(scope)
    if chosen.agency:
        rows = rows.filter(agency_code=chosen.agency)
    if chosen.rule:
        rows = rows.filter(check_id=chosen.rule)
    if chosen.open_only:
        rows = rows.filter(lifecycle__in=_OPEN)
    found = [_row(f) for f in rows.order_by("-last_result__observed_at", "fingerprint")[: max(limit, 0) * 4]]
    if chosen.severity in SEVERITIES:
        least = SEVERITIES.index(chosen.severity)
        found = [r for r in found if r.severity in SEVERITIES and SEVERITIES.index(r.severity) >= least]
    found.sort(key=lambda r: (r.last_seen or r.stored_at, r.fingerprint), reverse=True)
    return found[:limit]


def rules_seen(scope: ViewerScope) -> list[str]:
    """The rule ids of the detections the viewer may see (the filter's choices)."""
    return sorted(_rows(scope).order_by().values_list("check_id", flat=True).distinct())


def detection(scope: ViewerScope, fingerprint: str) -> DetectionDetail | None:
    if not fingerprint or len(fingerprint) > 64 or "\x00" in fingerprint:
        return None
    f = _rows(scope).filter(fingerprint=fingerprint).first()
    if f is None:
        return None
    ev = f.last_result.evidence if isinstance(f.last_result.evidence, dict) else {}
    lines = tuple(
        EvidenceRow(str(x.get("source") or ""), int(x.get("line_no") or 0), _time(x.get("time")),
                    str(x.get("raw") or ""))
        for x in ev.get("lines") or ()
        if isinstance(x, dict)
    )
    values = ev.get("values") if isinstance(ev.get("values"), dict) else {}
    return DetectionDetail(
        _row(f), tuple(str(s) for s in ev.get("sources") or ()), values or {}, lines,
        f.first_seen_run_id, f.last_seen_run_id,
    )


def stored_windows(fingerprints: Iterable[str]) -> dict[str, datetime]:
    """The last line's time of each stored detection among ``fingerprints`` (storing's input:
    the caller has checked the agencies already)."""
    wanted = list(fingerprints)
    out: dict[str, datetime] = {}
    for start in range(0, len(wanted), 500):
        rows = Finding.objects.filter(fingerprint__in=wanted[start : start + 500]).values_list(
            "fingerprint", "last_result__evidence"
        )
        for fp, evidence in rows:
            seen = _time(evidence.get("last_seen")) if isinstance(evidence, dict) else None
            if seen is not None:
                out[fp] = seen
    return out


@dataclass(frozen=True, slots=True)
class RuleDetection:
    """A detection of one agency and rule, for the logs monitor (``watch.log_alerts``)."""

    fingerprint: str
    group: str
    severity: str
    count: int
    last_seen: datetime
    stored_at: datetime
    closed: bool


def rule_detections(agency: str, rule_id: str, today: date, since: datetime) -> list[RuleDetection]:
    """The agency's detections of ``rule_id`` stored since ``since``, read with the agency's scope."""
    scope = ViewerScope.everything().narrowed([agency])
    rows = (
        _rows(scope)
        .filter(check_id=rule_id, last_result__observed_at__gte=since)
        .select_related("acceptance")
        .order_by("fingerprint")
    )
    out = []
    for f in rows:
        row = _row(f)
        triage = effective_triage(f.triage, f.accepted_until, today)
        closed = f.lifecycle not in _OPEN or triage in CLOSED_TRIAGE
        out.append(RuleDetection(f.fingerprint, row.group, row.severity, row.count,
                                 row.last_seen or row.stored_at, row.stored_at, closed))
    return out
