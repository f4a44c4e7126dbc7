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
from typing import TYPE_CHECKING, Any

from canhgac.i18n import gettext as _
from canhgac.logs.detection import Detection
from canhgac.services.log_findings import (
    aware,
    evidence_of,
    fingerprint_of,
    merge,
    result_of,
    target_of,
)
from canhgac.watch.log_alerts import LogAlertRule

if TYPE_CHECKING:
    from canhgac.console.store.queries.scope import ViewerScope

FAMILY = "logs"
CHECK_PREFIX = "logs."

__all__ = ["LogStoreError", "StoredDetections", "evidence_of", "fingerprint_of", "store_detections",
           "target_of"]


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


def _check_agencies(codes: Iterable[str], scope: ViewerScope | None) -> None:
    from canhgac.console.store.queries.agencies import active_agency_codes
    from canhgac.console.store.queries.scope import ViewerScope as Scope

    active = set(active_agency_codes(Scope.everything()))
    allowed = scope or Scope.everything()
    for code in sorted(set(codes)):
        if code not in active:
            raise LogStoreError(_("unknown agency {code}: not in the inventory").format(code=code[:64]))
        if not allowed.allows(code):
            raise LogStoreError(_("agency {code} is outside what you may see").format(code=code))


def _fresh(merged: dict[str, tuple[str, Detection]]) -> tuple[dict[str, tuple[str, Detection]], int]:
    """The merged detections whose window the store does not hold yet, and how many it did."""
    from canhgac.console.store.log_queries import stored_windows

    stored = stored_windows(merged)
    fresh = {}
    for fp, (agency, detection) in merged.items():
        known = stored.get(fp)
        if known is not None and aware(detection.last_seen) <= known:
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
    _check_agencies({a for pairs in groups.values() for a, _ in pairs}, scope)
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
