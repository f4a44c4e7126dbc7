"""Log detections into the findings store (issue 18, docs/logs.md, sections *Sources* and
*Alerts*): the one path for ``canhgac logs scan``, ``logs follow`` and ``logs listen``.

``store_detections`` takes detections (``canhgac.logs.detection.Detection``) with the agency of
each (``services.log_sources``) and:

1. refuses an agency that is not an active agency of the store or is outside the caller's scope
   (one line, nothing stored);
2. merges the detections of one fingerprint (the rule id is the check id, the agency's logs the
   target ``log:CODE``, the detection's ``discriminator`` the finding's) into one window;
3. leaves out those the store already holds with the same or a later window: scanning a file
   twice, or a rotated copy of it, stores nothing the second time;
4. records the rest as failing results of one run of kind ``logs`` (``filters.source``): the
   findings' lifecycle is the store's (new; seen again: still open, its evidence the new window;
   a detection never fixes itself, it is closed by triage), the outbox events in the same
   transaction;
5. checks the logs monitors of the agencies and rules it stored (``services.log_alerts``): a
   detection at or above the alert threshold opens the watch alert at once.

Evidence of a finding: the window (first and last line's time), how many lines matched, the
clients and accounts involved, the stream(s), the rule's values and the matching lines (capped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from canhgac.catalog.schema import Severity
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.engine.results import CheckResult, Message, Status, fingerprint
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import gettext as _
from canhgac.logs.detection import MAX_EVIDENCE, Detection, EvidenceLine
from canhgac.watch.log_alerts import LogAlertRule

FAMILY = "logs"
CHECK_PREFIX = "logs."
MESSAGE_KEY = "detected"
MAX_NAMES = 20  # clients and accounts kept per finding
MAX_RAW = 2048  # characters of an evidence line kept


class LogStoreError(ValueError):
    """Detections refused, in one line (an unknown agency, or one outside the caller's scope)."""


@dataclass(frozen=True, slots=True)
class StoredDetections:
    run_id: int | None  # None: nothing new to store
    detections: int  # offered
    stored: int  # results recorded (after merging and leaving out what the store had)
    opened: int  # findings opened or reopened
    seen_again: int  # findings still open, with a new window
    unchanged: int  # the store already held the same window
    unattributed: int  # detections of no agency (left out)
    alerts: tuple[int, ...] = ()  # watch alerts opened
    by_agency: dict[str, int] = field(default_factory=dict)  # results stored per agency


def target_of(agency: str) -> Target:
    return Target(kind=TargetKind.LOG, name=agency, agency=agency)


def fingerprint_of(agency: str, detection: Detection) -> str:
    return fingerprint(detection.rule_id, target_of(agency).key, detection.discriminator[:300])


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return -1


def merge(detections: Sequence[Detection]) -> Detection:
    """Detections of one rule and group as one window: the earliest start, the latest end, the
    counts added, the worst severity, names and lines joined (capped)."""
    if len(detections) == 1:
        return detections[0]
    ordered = sorted(detections, key=lambda d: (d.first_seen, d.last_seen))
    lines: list[EvidenceLine] = []
    seen: set[tuple[str, int, str]] = set()
    for d in ordered:
        for line in d.evidence:
            key = (line.source, line.line_no, line.raw)
            if key not in seen:
                seen.add(key)
                lines.append(line)
    if len(lines) > MAX_EVIDENCE:
        half = MAX_EVIDENCE // 2
        lines = lines[:half] + lines[-(MAX_EVIDENCE - half) :]
    values: dict[str, str | int | float] = {}
    for d in ordered:
        values.update(d.values)
    return Detection(
        rule_id=ordered[0].rule_id,
        severity=max((d.severity for d in ordered), key=_rank),
        group=ordered[0].group,
        source=ordered[0].source,
        first_seen=min(d.first_seen for d in ordered),
        last_seen=max(d.last_seen for d in ordered),
        count=sum(d.count for d in ordered),
        clients=tuple(dict.fromkeys(c for d in ordered for c in d.clients))[:MAX_NAMES],
        accounts=tuple(dict.fromkeys(a for d in ordered for a in d.accounts))[:MAX_NAMES],
        evidence=tuple(lines),
        values=values,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def evidence_of(detection: Detection) -> dict[str, Any]:
    """What a finding keeps of a detection (JSON)."""
    return {
        "rule": detection.rule_id,
        "severity": detection.severity,
        "group": detection.group[:300],
        "source": detection.source[:600],
        "sources": sorted({line.source[:600] for line in detection.evidence} | {detection.source[:600]})[:20],
        "first_seen": _aware(detection.first_seen).isoformat(),
        "last_seen": _aware(detection.last_seen).isoformat(),
        "count": int(detection.count),
        "clients": [c[:100] for c in detection.clients[:MAX_NAMES]],
        "accounts": [a[:320] for a in detection.accounts[:MAX_NAMES]],
        "values": {str(k)[:60]: v if isinstance(v, int | float) else str(v)[:300]
                   for k, v in list(detection.values.items())[:30]},
        "lines": [
            {
                "source": line.source[:600],
                "line_no": int(line.line_no),
                "time": _aware(line.time).isoformat(),
                "raw": line.raw[:MAX_RAW],
            }
            for line in detection.evidence[:MAX_EVIDENCE]
        ],
    }


def _message_values(detection: Detection) -> dict[str, str | int | float]:
    values: dict[str, str | int | float] = {
        k: v if isinstance(v, int | float) else str(v)[:300] for k, v in detection.values.items()
    }
    values.update({
        "count": int(detection.count),
        "group": detection.group[:300],
        "first_seen": _aware(detection.first_seen).isoformat(timespec="seconds"),
        "last_seen": _aware(detection.last_seen).isoformat(timespec="seconds"),
        "clients": ", ".join(detection.clients[:5]),
        "accounts": ", ".join(detection.accounts[:5]),
    })
    return values


def result_of(agency: str, detection: Detection, now: datetime) -> CheckResult:
    return CheckResult(
        check_id=detection.rule_id,
        target=target_of(agency),
        status=Status.FAIL,
        message=Message(key=MESSAGE_KEY, values=_message_values(detection)),
        evidence=evidence_of(detection),
        discriminator=detection.discriminator[:300],
        observed_at=now,
    )


def _check_agencies(codes: Iterable[str], scope: ViewerScope) -> None:
    from canhgac.console.store.queries.agencies import active_agency_codes

    active = set(active_agency_codes(ViewerScope.everything()))
    for code in sorted(set(codes)):
        if code not in active:
            raise LogStoreError(_("unknown agency {code}: not in the inventory").format(code=code[:64]))
        if not scope.allows(code):
            raise LogStoreError(_("agency {code} is outside what you may see").format(code=code))


def _fresh(merged: dict[str, tuple[str, Detection]]) -> tuple[dict[str, tuple[str, Detection]], int]:
    """The merged detections whose window the store does not hold yet, and how many it did."""
    from canhgac.console.store.log_queries import stored_windows

    stored = stored_windows(merged)
    fresh = {}
    for fp, (agency, detection) in merged.items():
        known = stored.get(fp)
        if known is not None and _aware(detection.last_seen) <= known:
            continue  # the same window (or an older one) again: nothing new
        fresh[fp] = (agency, detection)
    return fresh, len(merged) - len(fresh)


def store_detections(
    detections: Sequence[Detection],
    agency_of: Callable[[Detection], str | None],
    *,
    scope: ViewerScope | None = None,
    parameters: dict[str, Any] | None = None,
    alert_rule: LogAlertRule | None = None,
    alerts: bool = True,
) -> StoredDetections:
    """Store ``detections`` as findings of their agencies (the module's steps); LogStoreError
    in one line for an agency refused."""
    from canhgac.catalog import load_catalog
    from canhgac.console.store import services as store
    from canhgac.findings.reconcile import ChangeKind
    from canhgac.services.provenance import current_provenance

    groups: dict[str, list[tuple[str, Detection]]] = {}
    unattributed = 0
    for detection in detections:
        agency = agency_of(detection)
        if not agency:
            unattributed += 1
            continue
        groups.setdefault(fingerprint_of(agency, detection), []).append((agency, detection))
    _check_agencies({a for pairs in groups.values() for a, _ in pairs}, scope or ViewerScope.everything())
    merged = {fp: (pairs[0][0], merge([d for _, d in pairs])) for fp, pairs in groups.items()}
    fresh, unchanged = _fresh(merged)
    if not fresh:
        return StoredDetections(None, len(detections), 0, 0, 0, unchanged, unattributed)
    now = datetime.now(UTC)
    results = [result_of(agency, d, now) for agency, d in fresh.values()]
    agencies = tuple(sorted({agency for agency, _ in fresh.values()}))
    run = store.start_run(
        provenance=current_provenance(load_catalog()),
        parameters={"source": "logs", **(parameters or {})},
        filters=store.RunFilters(agencies=agencies, families=(FAMILY,), extra={"source": "logs"}),
        target_count=len(agencies),
    )
    store.record_results(run, results)
    counts = store.finish_run(run).counts()
    per_agency: dict[str, int] = {}
    for agency, _d in fresh.values():
        per_agency[agency] = per_agency.get(agency, 0) + 1
    opened_alerts: tuple[int, ...] = ()
    if alerts:
        from canhgac.services.log_alerts import check_monitors

        pairs = sorted({(agency, d.rule_id) for agency, d in fresh.values()})
        opened_alerts = tuple(check_monitors(pairs, rule=alert_rule or LogAlertRule()))
    return StoredDetections(
        run.pk,
        len(detections),
        len(results),
        counts[ChangeKind.NEW] + counts[ChangeKind.REOPENED],
        counts[ChangeKind.STILL_OPEN],
        unchanged,
        unattributed,
        opened_alerts,
        per_agency,
    )
