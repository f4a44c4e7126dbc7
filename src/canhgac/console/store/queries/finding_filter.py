"""Findings as a list asks for them: filtered by lifecycle, triage, check and text, then sorted,
all in the database.

The filter arrives resolved: names a user typed (a family, a clause, a severity) are turned into
check ids by the caller, which knows the catalog (the packaged one or the CSIRT's own copy); the
severity order for sorting comes the same way, as a rank per check id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.utils import timezone

from canhgac.console.store.models import Finding
from canhgac.console.store.queries.findings import OPEN_LIFECYCLES
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.findings.reconcile import Lifecycle as State
from canhgac.findings.triage import ACCEPTED_RISK, UNTRIAGED


class FindingSort(StrEnum):
    """List orders; each has tie-breakers down to the fingerprint, so the order is total."""

    SEVERITY = "severity"  # worst first
    FIRST_SEEN = "first-seen"  # oldest first
    LAST_SEEN = "last-seen"  # longest unseen first
    AGENCY = "agency"  # agency, check, target
    CHECK = "check"  # check, agency, target


_TIES = ("agency_code", "check_id", "target_key", "fingerprint")
_KEYS: dict[FindingSort, tuple[str, ...]] = {
    FindingSort.SEVERITY: ("-severity_rank", *_TIES),
    FindingSort.FIRST_SEEN: ("first_seen_run__started_at", "first_seen_run_id", *_TIES),
    FindingSort.LAST_SEEN: ("last_seen_run__started_at", "last_seen_run_id", *_TIES),
    FindingSort.AGENCY: _TIES,
    FindingSort.CHECK: ("check_id", "agency_code", "target_key", "fingerprint"),
}
_LOADED = ("last_result", "first_seen_run", "last_seen_run", "acceptance")  # what a row shows
EVERY_LIFECYCLE = frozenset(state.value for state in State)
UNRANKED = -1  # a stored check the catalog no longer has: after every known severity


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What to list. ``None`` means "any"; the default lists open findings by agency.

    ``text`` matches, ignoring case, the target key, the check id, the last result's evidence,
    and the checks in ``titled`` (those whose catalog title contains it, found by the caller).
    """

    lifecycles: frozenset[str] = frozenset(state.value for state in OPEN_LIFECYCLES)
    triage: frozenset[str] | None = None
    check_ids: frozenset[str] | None = None
    text: str = ""
    titled: frozenset[str] = frozenset()
    sort: FindingSort = FindingSort.AGENCY
    reverse: bool = False
    severity_rank: Mapping[str, int] = field(default_factory=dict)  # check id -> rank, worse higher


def filtered_findings(scope: ViewerScope, wanted: FindingFilter) -> QuerySet[Finding]:
    """The findings ``wanted`` describes, of the agencies ``scope`` allows, in its order."""
    rows = _matching(scope, wanted)
    if wanted.sort is FindingSort.SEVERITY:
        rows = rows.annotate(severity_rank=_rank(wanted.severity_rank))
    order = [_order(key, wanted.reverse) for key in _KEYS[wanted.sort]]
    return rows.select_related(*_LOADED).order_by(*order)


@dataclass(frozen=True, slots=True)
class FindingWindow:
    """A window of ``filtered_findings``: its rows, in order, and how many match in all."""

    rows: list[Finding]
    total: int  # findings matching the filter
    start: int  # the position of the first row (the last page's when the one asked is beyond it)


def findings_window(scope: ViewerScope, wanted: FindingFilter, start: int, size: int, *,
                    last_if_beyond: bool = False) -> FindingWindow:
    """The ``size`` findings from position ``start`` of ``filtered_findings(scope, wanted)``
    and their total; ``last_if_beyond`` moves a window past the end back to the last full page.

    The keys are sorted alone, then only the window's rows are read with what a row shows (the
    last result without its evidence, which only a finding's own page needs). The severity
    order's rank is computed from the catalog per row, so no index holds it: rather than rank and
    sort every matching finding, the findings are counted per check (which is also the total),
    the window is placed among the severity ranks, and only the ranks it spans are read, each in
    the order of its tie-breakers (an index's order). The same order as sorting by rank,
    position for position.
    """
    rows = _matching(scope, wanted)
    per_check: dict[str, int] | None = None
    if wanted.sort is FindingSort.SEVERITY:
        per_check = dict(rows.values_list("check_id").annotate(n=Count("pk")).order_by())
        total = sum(per_check.values())
    else:
        total = rows.count()
    if last_if_beyond and size > 0 and start >= total > 0:
        start = (total - 1) // size * size
    if per_check is None:
        ordered = filtered_findings(scope, wanted).values_list("fingerprint", flat=True)
        keys = list(ordered[start:start + size])
    else:
        keys = _severity_window(rows, per_check, wanted, start, size)
    loaded = {f.fingerprint: f for f in scope.filter(Finding.objects.filter(fingerprint__in=keys))
              .select_related(*_LOADED).defer("last_result__evidence")}
    return FindingWindow([loaded[fp] for fp in keys if fp in loaded], total, start)


def _severity_window(rows: QuerySet[Finding], per_check: dict[str, int], wanted: FindingFilter,
                     start: int, size: int) -> list[str]:
    ranks: dict[int, list[str]] = {}
    for check_id in per_check:
        ranks.setdefault(wanted.severity_rank.get(check_id, UNRANKED), []).append(check_id)
    order = [_order(key, wanted.reverse) for key in _TIES]
    keys: list[str] = []
    passed = 0  # findings of the ranks before this one
    for rank in sorted(ranks, reverse=not wanted.reverse):
        count = sum(per_check[c] for c in ranks[rank])
        if passed + count > start and passed < start + size:
            first, last = max(0, start - passed), min(count, start + size - passed)
            of_rank = rows.filter(check_id__in=sorted(ranks[rank])).order_by(*order)
            keys += of_rank.values_list("fingerprint", flat=True)[first:last]
        passed += count
        if passed >= start + size:
            break
    return keys


def _matching(scope: ViewerScope, wanted: FindingFilter) -> QuerySet[Finding]:
    """The findings ``wanted`` describes, unordered."""
    rows = scope.filter(Finding.objects.all())
    if not wanted.lifecycles >= EVERY_LIFECYCLE:  # every lifecycle: no filter, so an index holds the order
        rows = rows.filter(lifecycle__in=sorted(wanted.lifecycles))
    if wanted.triage is not None:
        rows = rows.filter(_triage_matches(wanted.triage, timezone.localdate()))
    if wanted.check_ids is not None:
        rows = rows.filter(check_id__in=sorted(wanted.check_ids))
    text = wanted.text.strip()
    if text:
        rows = rows.filter(_text_matches(text, wanted.titled))
    return rows


def _triage_matches(states: frozenset[str], today: date) -> Q:
    """The triage states as they hold ``today``: an accepted risk past its last day is
    untriaged (``findings.triage.effective_triage``, the same rule in SQL)."""
    lapsed = Q(triage=ACCEPTED_RISK, acceptance__until__lt=today)
    found = Q(triage__in=sorted(states))
    if ACCEPTED_RISK in states:
        found &= ~lapsed
    if UNTRIAGED in states:
        found |= lapsed
    return found


def _text_matches(text: str, titled: frozenset[str]) -> Q:
    """Case-insensitive substring of the target, check id, catalog title or evidence.

    Evidence is stored as JSON: SQLite keeps non-ASCII letters as ``\\uXXXX`` escapes, so the
    escaped spelling of ``text`` is looked for too.
    """
    escaped = json.dumps(text)[1:-1]
    found = (Q(target_key__icontains=text) | Q(check_id__icontains=text)
             | Q(last_result__evidence__icontains=text))
    if escaped != text:
        found |= Q(last_result__evidence__icontains=escaped)
    if titled:
        found |= Q(check_id__in=sorted(titled))
    return found


def _rank(ranks: Mapping[str, int]) -> Case:
    by_rank: dict[int, list[str]] = {}
    for check_id, rank in ranks.items():
        by_rank.setdefault(rank, []).append(check_id)
    whens = [When(check_id__in=sorted(ids), then=Value(rank)) for rank, ids in sorted(by_rank.items())]
    return Case(*whens, default=Value(UNRANKED), output_field=IntegerField())


def _order(key: str, reverse: bool) -> OrderBy:
    descending = key.startswith("-")
    expression = F(key.lstrip("-"))
    return expression.asc() if descending == reverse else expression.desc()
