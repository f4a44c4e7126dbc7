"""The API's request and response shapes (pydantic, via django-ninja): the OpenAPI schema is
generated from them. Finding rows have the keys of ``findings list --format json``."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from canhgac.services.api_views import Lifecycle, Severity, TriageState

MAX_LIMIT = 500
# Text the store keeps: PostgreSQL text cannot hold a NUL byte (a query string's NUL is refused
# before any view, by ``web.middleware.NulBytesMiddleware``; a JSON body's, here).
NO_NUL = r"^[^\x00]*$"


class SortOrder(StrEnum):
    SEVERITY = "severity"
    FIRST_SEEN = "first-seen"
    LAST_SEEN = "last-seen"
    AGENCY = "agency"
    CHECK = "check"


class EndedRunStatus(StrEnum):
    FINISHED = "finished"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class AgencyOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    active: bool


class AgencyList(Schema):
    items: list[AgencyOut]
    total: int


class FindingOut(Schema):
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
    status: str
    message: str
    remediation: str
    clauses: list[str]
    first_seen: datetime
    last_seen: datetime
    first_seen_run: int
    last_seen_run: int
    fixed_in_run: int | None
    triaged_at: datetime | None
    triaged_by: str


class FindingPage(Schema):
    items: list[FindingOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None  # None on the last page


class HistoryOut(Schema):
    at: datetime
    kind: str  # lifecycle or triage
    field: str
    before: str
    after: str
    run: int | None
    actor: str


class FindingDetailOut(FindingOut):
    evidence: dict[str, Any]
    history: list[HistoryOut]


class FindingParams(Schema):
    """``GET /findings`` filters; list filters repeat (``?severity=high&severity=critical``) or
    take comma lists (``?severity=high,critical``)."""

    agency: list[str] = Field(default_factory=list, max_length=100)
    severity: list[Severity] = Field(default_factory=list)
    min_severity: Severity | None = None
    lifecycle: list[Lifecycle] = Field(default_factory=list)
    all: bool = False  # every lifecycle, fixed findings too
    triage: list[TriageState] = Field(default_factory=list)
    family: list[str] = Field(default_factory=list, max_length=100)
    clause: list[str] = Field(default_factory=list, max_length=100)
    text: str = Field("", max_length=200)
    sort: SortOrder = SortOrder.AGENCY
    reverse: bool = False
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class TriageIn(Schema):
    """A triage decision, checked as on the pages: a false positive needs its reason in ``note``,
    an accepted risk its last day (``accepted_until``, today or later); ``assignee`` and
    ``note`` left out keep their values."""

    model_config = ConfigDict(extra="forbid")

    status: TriageState
    assignee: str | None = Field(None, max_length=150, pattern=NO_NUL)
    note: str | None = Field(None, max_length=4000, pattern=NO_NUL)
    accepted_until: date | None = None


class RunOut(Schema):
    id: int
    status: str
    kind: str  # scan, narrow or retest
    started_at: datetime
    finished_at: datetime | None
    planned_targets: int | None  # the whole run's plan: only to callers who see every agency


class RunPage(Schema):
    items: list[RunOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class RunDetailOut(RunOut):
    results: int  # of the agencies the caller may see
    targets_per_agency: dict[str, int]  # likewise
    warnings: list[str]  # about the run's set-up; only to callers who see every agency
