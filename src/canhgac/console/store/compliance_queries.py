"""Reads of the directive's compliance, each scoped: answers and their files and history, and what
the watch knows of each agency (watched monitors, open alerts), and each agency's officers.

Every function takes a ``ViewerScope`` first and filters by it, so an agency officer never reads
another agency's answers, files or history.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count

from canhgac.compliance import Answer, AnswerFact, Review
from canhgac.console.store.account_models import ConsoleAccount, UserAgency
from canhgac.console.store.compliance_models import ComplianceAnswer, ComplianceEvidence, ComplianceHistory
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.roles import Role
from canhgac.console.store.watch_models import WatchAlertMember, WatchMonitor


def answer_facts(scope: ViewerScope) -> dict[str, dict[str, AnswerFact]]:
    """Agency code -> item id -> its current answer, for the status computation."""
    rows = scope.filter(ComplianceAnswer.objects.all()).annotate(n_files=Count("files"))
    found: dict[str, dict[str, AnswerFact]] = defaultdict(dict)
    for row in rows.values_list("pk", "agency_code", "item", "answer", "review", "n_files"):
        pk, agency, item, answer, review, n_files = row
        try:
            found[agency][item] = AnswerFact(int(pk), Answer(answer), Review(review), int(n_files))
        except ValueError:  # a value this version does not know: not counted, never a pass
            continue
    return found


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    id: int
    name: str
    stored_as: str
    sha256: str
    size: int
    content_type: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryRow:
    action: str
    answer: str
    text: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AnswerView:
    id: int
    agency: str
    item: str
    answer: str
    note: str
    review: str
    review_reason: str
    answered_by: str
    answered_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    files: tuple[EvidenceRow, ...]
    history: tuple[HistoryRow, ...]


def answer_view(scope: ViewerScope, agency: str, item: str) -> AnswerView | None:
    """One agency's answer to one item with its files and history; None when there is none or
    the scope may not see it."""
    if not scope.allows(agency):
        return None
    row = ComplianceAnswer.objects.filter(agency_code=agency, item=item).first()
    if row is None:
        return None
    files = tuple(
        EvidenceRow(f.pk, f.name, f.stored_as, f.sha256, f.size, f.content_type, f.uploaded_by, f.uploaded_at)
        for f in ComplianceEvidence.objects.filter(answer=row).order_by("id")
    )
    history = tuple(
        HistoryRow(h.action, h.answer, h.text, h.actor, h.at)
        for h in ComplianceHistory.objects.filter(agency_code=agency, item=item).order_by("at", "id")
    )
    return AnswerView(
        row.pk,
        agency,
        item,
        row.answer,
        row.note,
        row.review,
        row.review_reason,
        row.answered_by,
        row.answered_at,
        row.reviewed_by,
        row.reviewed_at,
        files,
        history,
    )


def waiting_review(scope: ViewerScope) -> list[tuple[str, str, datetime]]:
    """(agency, item, answered at) of the answers waiting for the CSIRT, oldest first."""
    rows = scope.filter(ComplianceAnswer.objects.filter(review=Review.SUBMITTED.value))
    return [
        (a, i, t)
        for a, i, t in rows.order_by("answered_at").values_list("agency_code", "item", "answered_at")
    ]


def watched_monitors(scope: ViewerScope) -> Counter[str]:
    """Agency code -> how many watched monitors it has."""
    rows = scope.filter(WatchMonitor.objects.filter(watched=True))
    return Counter(
        dict(rows.values_list("agency_code").annotate(n=Count("id")).values_list("agency_code", "n"))
    )


def open_alerts(scope: ViewerScope) -> dict[str, tuple[int, ...]]:
    """Agency code -> the ids of the open alerts that list one of its monitors."""
    rows = scope.filter(WatchAlertMember.objects.filter(alert__status="open"))
    found: dict[str, set[int]] = defaultdict(set)
    for agency, alert_id in rows.values_list("agency_code", "alert_id"):
        found[agency].add(int(alert_id))
    return {agency: tuple(sorted(ids)) for agency, ids in found.items()}


def officers(scope: ViewerScope) -> dict[str, tuple[str, ...]]:
    """Agency code -> the usernames (with full names when known) of its active officers."""
    officer_ids = ConsoleAccount.objects.filter(role=Role.AGENCY_OFFICER.value).values("user_id")
    rows = scope.filter(
        UserAgency.objects.filter(user_id__in=officer_ids, user__is_active=True), "agency__code"
    ).values_list("agency__code", "user__username", "user__first_name", "user__last_name")
    found: dict[str, list[str]] = defaultdict(list)
    for code, username, first, last in rows.order_by("agency__code", "user__username"):
        full = f"{first} {last}".strip()
        found[code].append(f"{full} ({username})" if full else username)
    return {code: tuple(names) for code, names in found.items()}


def user_role(username: str) -> tuple[Role, tuple[str, ...]] | None:
    """The role and agencies of an active console user; None when there is no such user."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    account = ConsoleAccount.objects.filter(user=user).first()
    if account is None:
        return None
    try:
        role = Role(account.role)
    except ValueError:
        return None
    codes = tuple(
        UserAgency.objects.filter(user=user).order_by("agency__code").values_list("agency__code", flat=True)
    )
    return role, codes
