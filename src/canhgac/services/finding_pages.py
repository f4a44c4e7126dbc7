"""The console's findings list: a GET form's values turned into the query layer's filter, one
page of rows, and the choices the form offers.

The form's values are checked by the same resolver as ``findings list`` (``finding_filters``),
so a tampered value is a one-line refusal, never a silent match of nothing. Pagination is
LIMIT/OFFSET over the query's total order (every sort ends at the unique fingerprint) with one
count (``queries.findings_window``): the database sorts the filtered rows' keys alone (not their
joined evidence), then the page loads and builds its ``PER_PAGE`` rows only. The agency
choices are the viewer's own (``queries.agencies(scope)``): another agency's code is refused
like one that does not exist, without echoing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from canhgac.catalog import Catalog
from canhgac.i18n import gettext as _
from canhgac.services.dashboard import console_catalog
from canhgac.services.finding_filters import (
    LIFECYCLES,
    SEVERITIES,
    SORTS,
    TRIAGE_STATES,
    FilterError,
    FindingQuery,
    resolve,
)

# the row builder of ``findings list``, shared so the page and the CLI say the same
from canhgac.services.findings import FindingRow, finding_row

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

PER_PAGE = 50
ALL_LIFECYCLES = "all"
DEFAULT_SORT = "severity"
TEXT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ListRequest:
    """The list's GET form as typed: one value per filter ("" for any), the sort and the page."""

    agency: str = ""
    severity: str = ""
    family: str = ""
    lifecycle: str = ""  # "": the open ones (new, open, reopened); "all": every lifecycle
    triage: str = ""
    clause: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    order: str = ""  # "desc" reverses the sort
    page: int = 1

    def link(self, **changes: object) -> str:
        """This request's query string with ``changes`` (defaults left out), for links."""
        changed = replace(self, **changes)  # type: ignore[arg-type]
        default = ListRequest()
        pairs = [(f.name, getattr(changed, f.name)) for f in fields(self)
                 if getattr(changed, f.name) != getattr(default, f.name)]
        return "?" + urlencode(pairs) if pairs else "?"

    def sorted_by(self, sort: str) -> str:
        """The link of a column header: sort by it, or reverse it when it is the sort already."""
        order = "" if sort != self.sort or self.order == "desc" else "desc"
        return self.link(sort=sort, order=order, page=1)


def list_request(params: Mapping[str, str]) -> ListRequest:
    """The form's values from a query string (anything else in it is ignored)."""
    def value(name: str, default: str = "") -> str:
        return str(params.get(name, default) or default).strip()[:TEXT_LIMIT]

    try:
        page = max(1, int(value("page", "1")))
    except ValueError:
        page = 1
    return ListRequest(agency=value("agency"), severity=value("severity"), family=value("family"),
                       lifecycle=value("lifecycle"), triage=value("triage"), clause=value("clause"),
                       q=value("q"), sort=value("sort", DEFAULT_SORT),
                       order="desc" if value("order") == "desc" else "", page=min(page, 10**6))


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the form's selects offer: the viewer's agencies, the catalog's families and clauses."""

    agencies: tuple[Choice, ...]
    severities: tuple[str, ...]  # worst first
    families: tuple[str, ...]
    clauses: tuple[tuple[str, tuple[Choice, ...]], ...]  # per framework: "CV430:3" and its title
    lifecycles: tuple[str, ...]
    triage: tuple[str, ...]
    sorts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingsPage:
    request: ListRequest
    rows: tuple[FindingRow, ...]
    total: int  # findings matching the filters
    page: int  # the page shown (the last one when the request asked beyond it)
    pages: int
    error: str  # a refused filter value, one line; no rows then
    choices: FilterChoices

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PER_PAGE + len(self.rows)


def _choices(catalog: Catalog, names: Mapping[str, str], lang: str) -> FilterChoices:
    clauses = tuple(
        (fw.id, tuple(Choice(f"{fw.id}:{c.id}", f"{fw.id} {c.id} — {c.title.get(lang)}") for c in fw.clauses))
        for fw in sorted(catalog.frameworks.values(), key=lambda f: f.id)
    )
    return FilterChoices(
        agencies=tuple(Choice(code, f"{code} · {name}") for code, name in sorted(names.items())),
        severities=tuple(reversed(SEVERITIES)),
        families=tuple(sorted({e.family for e in catalog.checks.values()})),
        clauses=clauses,
        lifecycles=LIFECYCLES,
        triage=TRIAGE_STATES,
        sorts=SORTS,
    )


def _query(request: ListRequest) -> FindingQuery:
    every = request.lifecycle == ALL_LIFECYCLES
    return FindingQuery(
        agencies=(request.agency,) if request.agency else (),
        severities=(request.severity,) if request.severity else (),
        lifecycles=(request.lifecycle,) if request.lifecycle and not every else (),
        include_fixed=every,
        triage=(request.triage,) if request.triage else (),
        families=(request.family,) if request.family else (),
        clauses=(request.clause,) if request.clause else (),
        text=request.q,
        sort=request.sort,
        reverse=request.order == "desc",
    )


def findings_page(scope: ViewerScope, request: ListRequest, lang: str) -> FindingsPage:
    """One page of the findings ``request`` asks for, of the agencies ``scope`` allows."""
    from canhgac.console.store import queries

    catalog = console_catalog()
    names = queries.agency_names(scope)
    choices = _choices(catalog, names, lang)
    if request.agency and request.agency not in names:  # not echoed: it may be another agency's
        return FindingsPage(request, (), 0, 1, 1, _("Unknown agency."), choices)
    try:
        narrowed, wanted = resolve(_query(request), catalog, scope)
    except FilterError as exc:
        return FindingsPage(request, (), 0, 1, 1, str(exc), choices)
    # a page beyond the last shows the last (a link kept while findings were fixed)
    window = queries.findings_window(narrowed, wanted, (request.page - 1) * PER_PAGE, PER_PAGE,
                                     last_if_beyond=True)
    rows = tuple(finding_row(f, catalog, lang, names) for f in window.rows)
    pages = max(1, -(-window.total // PER_PAGE))
    return FindingsPage(request, rows, window.total, window.start // PER_PAGE + 1, pages, "", choices)


__all__ = [
    "ALL_LIFECYCLES",
    "PER_PAGE",
    "Choice",
    "FilterChoices",
    "FindingsPage",
    "ListRequest",
    "findings_page",
    "list_request",
]
