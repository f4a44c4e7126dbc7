"""Findings as front ends show them: a filtered, sorted list (table, JSON or CSV), and one
finding in detail with its history (first and last seen, lifecycle changes, triage changes).

Rows carry the catalog's texts in one language; the JSON shapes (:data:`ROW_FIELDS`, plus
``evidence`` and ``history`` for one finding) are documented in docs/findings.md and kept
stable; the CSV has the report's columns and goes through the report's writer. Reads go through
``canhgac.console.store.queries`` with the caller's scope; call after ``store.open_store``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from canhgac.catalog import Catalog, CatalogError
from canhgac.findings.triage import effective_triage
from canhgac.reports.exports import csv_document, iso_time
from canhgac.reports.view import clause_labels
from canhgac.services.finding_filters import FindingQuery, resolve

if TYPE_CHECKING:
    from canhgac.console.store.models import Finding
    from canhgac.console.store.queries import FindingHistory, ViewerScope

# the keys of each object of ``findings list --format json``, in this order
ROW_FIELDS = (
    "fingerprint", "agency", "agency_name", "check", "title", "severity", "target", "lifecycle",
    "triage", "assignee", "note", "status", "message", "remediation", "clauses", "first_seen",
    "last_seen", "first_seen_run", "last_seen_run", "fixed_in_run", "triaged_at", "triaged_by",
    "accepted_until",
)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding with its catalog texts in one language (the last result's status and message)."""

    fingerprint: str
    agency: str
    agency_name: str
    check: str
    title: str
    severity: str  # "" for a check the catalog no longer has
    target: str
    lifecycle: str
    triage: str
    assignee: str
    note: str
    status: str  # of the last decisive result: fail, or the pass that fixed it
    message: str
    remediation: str
    clauses: tuple[str, ...]  # "CV430:3", as `--clause` and `catalog show` take them
    first_seen: datetime
    last_seen: datetime
    first_seen_run: int
    last_seen_run: int
    fixed_in_run: int | None
    triaged_at: datetime | None
    triaged_by: str
    accepted_until: date | None = None  # an accepted risk's last day (lapsed: triage is untriaged)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a finding's history, oldest first: a lifecycle change made by a run, or a
    triage field changed by a person."""

    at: datetime
    kind: str  # "lifecycle" or "triage"
    field: str  # "lifecycle", or the triage field: triage, assignee, note
    before: str
    after: str
    run: int | None  # the run that moved the lifecycle
    actor: str  # who made the triage decision


@dataclass(frozen=True, slots=True)
class FindingDetail:
    row: FindingRow
    evidence: Mapping[str, Any]  # of the last decisive result
    history: tuple[HistoryEntry, ...]


def _message(catalog: Catalog, finding: Finding, lang: str) -> str:
    result = finding.last_result
    values = result.message_values if isinstance(result.message_values, dict) else {}
    try:
        return catalog.message(finding.check_id, result.message_key, values, lang)
    except CatalogError:  # a check or message the catalog in use does not have
        return result.message_key


def finding_row(finding: Finding, catalog: Catalog, lang: str, names: Mapping[str, str]) -> FindingRow:
    """One stored finding as a row in ``lang``; ``names``: agency names by code (``queries.agency_names``)."""
    from django.utils.timezone import localdate

    entry = catalog.checks.get(finding.check_id)
    return FindingRow(
        fingerprint=finding.fingerprint,
        agency=finding.agency_code,
        agency_name=names.get(finding.agency_code, finding.agency_code),
        check=finding.check_id,
        title=entry.title.get(lang) if entry else finding.check_id,
        severity=entry.severity.value if entry else "",
        target=finding.target_key,
        lifecycle=finding.lifecycle,
        triage=effective_triage(finding.triage, finding.accepted_until, localdate()),
        assignee=finding.assignee,
        note=finding.note,
        status=finding.last_result.status,
        message=_message(catalog, finding, lang),
        remediation=entry.remediation.get(lang) if entry else "",
        clauses=tuple(ref.key for ref in catalog.clauses_of(finding.check_id)),
        first_seen=finding.first_seen_run.started_at,
        last_seen=finding.last_seen_run.started_at,
        first_seen_run=finding.first_seen_run_id,
        last_seen_run=finding.last_seen_run_id,
        fixed_in_run=finding.fixed_in_run_id,
        triaged_at=finding.triaged_at,
        triaged_by=finding.triaged_by,
        accepted_until=finding.accepted_until,
    )


def finding_rows(query: FindingQuery, catalog: Catalog, lang: str,
                 scope: ViewerScope | None = None) -> list[FindingRow]:
    """The findings ``query`` asks for, in its order (``finding_filters.FilterError`` for an
    unknown or conflicting value); ``scope`` defaults to every agency."""
    from canhgac.console.store import queries

    viewer, wanted = resolve(query, catalog, scope or queries.ViewerScope.everything())
    names = queries.agency_names(viewer)
    return [finding_row(f, catalog, lang, names) for f in queries.filtered_findings(viewer, wanted)]


def finding_detail(fingerprint: str, catalog: Catalog, lang: str,
                   scope: ViewerScope | None = None) -> FindingDetail:
    """One finding (fingerprint or unique prefix) with its history; LookupError when there is
    none the viewer may see, or the prefix is ambiguous."""
    from canhgac.console.store import queries

    viewer = scope or queries.ViewerScope.everything()
    history = queries.finding_history(viewer, fingerprint)
    finding = history.finding
    row = finding_row(finding, catalog, lang, queries.agency_names(viewer))
    evidence = finding.last_result.evidence if isinstance(finding.last_result.evidence, dict) else {}
    return FindingDetail(row, evidence, _entries(history))


def _entries(history: FindingHistory) -> tuple[HistoryEntry, ...]:
    entries = [HistoryEntry(s.at, "lifecycle", "lifecycle", s.before, s.after, s.run_id, "")
               for s in history.lifecycle]
    entries += [HistoryEntry(t.at, "triage", t.field, t.before, t.after, None, t.actor)
                for t in history.triage]
    return tuple(sorted(entries, key=lambda e: e.at))  # stable: lifecycle before triage at a tie


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def row_document(row: FindingRow) -> dict[str, Any]:
    """A row as a JSON object: the keys of :data:`ROW_FIELDS`, times in ISO 8601 UTC."""
    data = asdict(row)
    return {name: _plain(data[name]) for name in ROW_FIELDS}


def rows_json(rows: Sequence[FindingRow]) -> str:
    """``findings list --format json``: a list of :func:`row_document` objects."""
    return json.dumps([row_document(r) for r in rows], ensure_ascii=False, indent=2)


def detail_json(detail: FindingDetail) -> str:
    """``findings show --format json``: the row's object plus ``evidence`` and ``history``."""
    document = row_document(detail.row)
    document["evidence"] = dict(detail.evidence)
    document["history"] = [{name: _plain(value) for name, value in asdict(e).items()}
                           for e in detail.history]
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def rows_csv(rows: Sequence[FindingRow], catalog: Catalog) -> bytes:
    """``findings list --format csv``: the report's CSV columns and writer (UTF-8 with BOM)."""
    return csv_document(
        (r.agency, r.agency_name, r.target, r.check, clause_labels(catalog, r.check), r.severity,
         r.status, r.lifecycle, r.triage, r.assignee, iso_time(r.first_seen), iso_time(r.last_seen),
         r.fingerprint, r.message, r.remediation)
        for r in rows
    )


__all__ = [
    "ROW_FIELDS",
    "FindingDetail",
    "FindingRow",
    "HistoryEntry",
    "detail_json",
    "finding_detail",
    "finding_row",
    "finding_rows",
    "row_document",
    "rows_csv",
    "rows_json",
]
