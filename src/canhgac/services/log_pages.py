"""The stored log detections for the console's ``/logs/`` pages, the API and ``canhgac logs list``:
reads only, always within the viewer's scope (``console.store.log_queries``), with each rule's
title from the catalog in the reader's language (the rule id when the catalog has no entry)."""

from __future__ import annotations

from typing import Any

from canhgac.console.store import log_queries as q
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.services.log_findings import rule_title

DetectionFilter = q.DetectionFilter
DetectionRow = q.DetectionRow
DetectionDetail = q.DetectionDetail
SEVERITIES = q.SEVERITIES

__all__ = [
    "SEVERITIES",
    "DetectionDetail",
    "DetectionFilter",
    "DetectionRow",
    "detail_json",
    "detection",
    "detections",
    "row_json",
    "rule_title",
    "rules_seen",
]


def detections(scope: ViewerScope, chosen: q.DetectionFilter, *, limit: int = 500) -> list[q.DetectionRow]:
    return q.detections(scope, chosen, limit=limit)


def detection(scope: ViewerScope, fingerprint: str) -> q.DetectionDetail | None:
    return q.detection(scope, fingerprint)


def rules_seen(scope: ViewerScope) -> list[str]:
    return q.rules_seen(scope)


def row_json(r: q.DetectionRow) -> dict[str, Any]:
    return {
        "id": r.fingerprint,
        "agency": r.agency,
        "rule": r.rule_id,
        "title": rule_title(r.rule_id),
        "severity": r.severity,
        "group": r.group,
        "first_seen": r.first_seen.isoformat() if r.first_seen else None,
        "last_seen": r.last_seen.isoformat() if r.last_seen else None,
        "count": r.count,
        "clients": list(r.clients),
        "accounts": list(r.accounts),
        "source": r.source,
        "lifecycle": r.lifecycle,
        "triage": r.triage,
        "stored_at": r.stored_at.isoformat(),
    }


def detail_json(d: q.DetectionDetail) -> dict[str, Any]:
    return {
        **row_json(d.row),
        "sources": list(d.sources),
        "values": dict(d.values),
        "lines": [
            {"source": x.source, "line_no": x.line_no, "time": x.time.isoformat() if x.time else None,
             "raw": x.raw}
            for x in d.lines
        ],
    }
