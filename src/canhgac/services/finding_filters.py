"""What a user asks ``findings list`` for, checked and resolved into the query layer's filter.

Every name is checked against what exists (the catalog's severities, families and framework
clauses, the store's agencies, the lifecycle and triage states, the sort orders); an unknown one
is refused with the closest known names, never silently matched to nothing. Families, clauses
and severities become check ids here, because the catalog (packaged, or the CSIRT's own copy)
holds them; the filtering and sorting themselves happen in the database
(``queries.filtered_findings``). Import freely: Django is loaded only by :func:`resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from canhgac.catalog import Catalog, Severity
from canhgac.catalog.families import UnknownNameError, suggest
from canhgac.findings.reconcile import OPEN_STATES, Lifecycle
from canhgac.i18n import gettext as _
from canhgac.reports.model import TriageState

if TYPE_CHECKING:
    from canhgac.console.store.queries import FindingFilter, ViewerScope

SORTS = ("severity", "first-seen", "last-seen", "agency", "check")
TRIAGE_STATES = tuple(state.value for state in TriageState)
LIFECYCLES = tuple(state.value for state in Lifecycle)
SEVERITIES = tuple(s.value for s in Severity)  # least severe first
LISTED_AT_MOST = 12  # more known values than this: the message points elsewhere instead


class FilterError(ValueError):
    """Options of ``findings list`` that cannot be used as given; the message says what to change."""


class UnknownValueError(FilterError):
    """A filter value nobody knows; the message (one line) names the closest known values, or
    every known value when there are few."""

    def __init__(self, option: str, value: str, known: Sequence[str], hint: str = "", *,
                 close_ones: bool = True) -> None:
        self.option, self.value = option, value
        close = suggest(value, known) or [k for k in known if k.lower() == value.lower()]
        if not close_ones:
            close = []
        text = _("{option}: unknown value {value}").format(option=option, value=value)
        if close:
            text += " — " + _("did you mean: {names}?").format(names=", ".join(close))
        elif len(known) <= LISTED_AT_MOST:
            text += " — " + _("known values: {names}").format(names=", ".join(known))
        elif hint:
            text += " — " + hint
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class FindingQuery:
    """The options of ``findings list`` as typed (lists already split at commas)."""

    agencies: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    min_severity: str | None = None
    lifecycles: tuple[str, ...] = ()  # none given: the open ones (new, open, reopened)
    include_fixed: bool = False  # every lifecycle (``--all``)
    triage: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    text: str = ""
    sort: str = "agency"
    reverse: bool = False


def split_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """Repeated options and comma lists alike: ``["high,critical", "low"]`` → three values."""
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())


def _state_name(value: str) -> str:
    return value.strip().lower().replace("-", "_")


def _states(option: str, values: Sequence[str], known: Sequence[str]) -> frozenset[str]:
    chosen = set()
    for value in values:
        name = _state_name(value)
        if name not in known:
            raise UnknownValueError(option, value, known)
        chosen.add(name)
    return frozenset(chosen)


def _lifecycles(query: FindingQuery) -> frozenset[str]:
    if query.include_fixed and query.lifecycles:
        raise FilterError(_("--all and --lifecycle: give one of them (--all is every lifecycle)"))
    if query.include_fixed:
        return frozenset(LIFECYCLES)
    if not query.lifecycles:
        return frozenset(state.value for state in OPEN_STATES)
    return _states("--lifecycle", query.lifecycles, LIFECYCLES)


def _severity_checks(query: FindingQuery, catalog: Catalog) -> frozenset[str] | None:
    if not query.severities and query.min_severity is None:
        return None
    wanted = set(_states("--severity", query.severities, SEVERITIES)) if query.severities else set(SEVERITIES)
    if query.min_severity is not None:
        floor = next(iter(_states("--min-severity", (query.min_severity,), SEVERITIES)))
        wanted &= set(SEVERITIES[SEVERITIES.index(floor):])
    return frozenset(e.id for e in catalog.checks.values() if e.severity.value in wanted)


def _family_checks(families: Sequence[str], catalog: Catalog) -> frozenset[str] | None:
    if not families:
        return None
    try:
        return frozenset(e.id for e in catalog.select(families=families))
    except UnknownNameError as exc:  # none close: point to where the families are listed
        known = exc.suggestions or sorted({e.family for e in catalog.checks.values()})
        raise UnknownValueError("--family", exc.name, known, _("see `canhgac catalog list`")) from None


def clause_checks(names: Sequence[str], catalog: Catalog) -> frozenset[str] | None:
    """The checks evidencing the named clauses: ``CV430:3`` (or ``CV430 3``, as reports print
    it) is one clause, ``CV430`` every clause of the framework."""
    if not names:
        return None
    frameworks = {fw.id.upper(): fw for fw in catalog.frameworks.values()}
    every = [f"{fw.id}:{c.id}" for fw in catalog.frameworks.values() for c in fw.clauses]
    chosen: set[str] = set()
    for raw in names:
        fw_id, _sep, clause_id = raw.strip().replace(" ", ":", 1).partition(":")
        framework = frameworks.get(fw_id.strip().upper())
        if framework is None:
            known = sorted(fw.id for fw in catalog.frameworks.values())
            raise UnknownValueError("--clause", raw, [*known, *every],
                                    _("frameworks: {ids}").format(ids=", ".join(known)))
        clauses = [c for c in framework.clauses if not clause_id.strip() or c.id == clause_id.strip()]
        if not clauses:
            raise UnknownValueError("--clause", raw, [f"{framework.id}:{c.id}" for c in framework.clauses],
                                    close_ones=False)  # a framework's clauses are few: all of them
        chosen.update(check for clause in clauses for check in clause.checks)
    return frozenset(chosen)


def _agencies(values: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    for code in values:
        if code not in known:
            raise UnknownValueError("--agency", code, known, _("see `canhgac inventory`"))
    return tuple(values)


def titled_checks(text: str, catalog: Catalog) -> frozenset[str]:
    """Checks whose title, in either language, contains ``text`` (ignoring case)."""
    wanted = text.strip().casefold()
    if not wanted:
        return frozenset()
    return frozenset(e.id for e in catalog.checks.values()
                     if wanted in e.title.vi.casefold() or wanted in e.title.en.casefold())


def resolve(query: FindingQuery, catalog: Catalog, scope: ViewerScope) -> tuple[ViewerScope, FindingFilter]:
    """The scope narrowed to ``query.agencies`` and the query layer's filter; raises
    :class:`UnknownValueError` for the first unknown value."""
    from canhgac.console.store import queries

    if query.sort not in SORTS:
        raise UnknownValueError("--sort", query.sort, SORTS)
    lifecycles = _lifecycles(query)
    triage = _states("--triage", query.triage, TRIAGE_STATES) if query.triage else None
    check_ids: frozenset[str] | None = None
    for selected in (_severity_checks(query, catalog), _family_checks(query.families, catalog),
                     clause_checks(query.clauses, catalog)):
        if selected is not None:
            check_ids = selected if check_ids is None else check_ids & selected
    narrowed = scope
    if query.agencies:
        known = [a.code for a in queries.agencies(scope)]
        narrowed = scope.narrowed(_agencies(query.agencies, known))
    wanted = queries.FindingFilter(
        lifecycles=lifecycles,
        triage=triage,
        check_ids=check_ids,
        text=query.text,
        titled=titled_checks(query.text, catalog),
        sort=queries.FindingSort(query.sort),
        reverse=query.reverse,
        severity_rank={e.id: e.severity.rank for e in catalog.checks.values()},
    )
    return narrowed, wanted


__all__ = [
    "LIFECYCLES",
    "SEVERITIES",
    "SORTS",
    "TRIAGE_STATES",
    "FilterError",
    "FindingQuery",
    "UnknownValueError",
    "clause_checks",
    "resolve",
    "split_values",
    "titled_checks",
]
