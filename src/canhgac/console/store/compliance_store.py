"""Writes of the directive's self-assessment: an officer's answer with its evidence files, and the
CSIRT's approval or rejection. Each write is scoped (an officer answers only for their own
agencies; an agency outside the scope reads exactly like one that does not exist), appends to the
item's history and to the security log, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction

from canhgac.compliance import Answer, Item, ItemKind, Review
from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.compliance_files import MAX_FILES, CheckedFile, store_file
from canhgac.console.store.compliance_models import ComplianceAnswer, ComplianceEvidence, ComplianceHistory
from canhgac.console.store.errors import StoreError
from canhgac.console.store.models import Agency
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.i18n import gettext as _


class ComplianceError(StoreError):
    """A self-assessment write refused: one line saying why."""


@dataclass(frozen=True, slots=True)
class ComplianceActor:
    name: str  # a console user, or cli:<os user>
    address: str = ""  # the client's address for web acts


def _visible_agency(scope: ViewerScope, code: str, actor: ComplianceActor, item: str) -> None:
    if scope.allows(code) and Agency.objects.filter(code=code, active=True).exists():
        return
    record_event(
        SecurityEventKind.COMPLIANCE_REFUSED,
        actor=actor.name,
        address=actor.address,
        detail={"agency": code, "item": item, "reason": "agency"},
    )
    raise ComplianceError(_("there is no agency {code} among the agencies you may act for").format(code=code))


def record_answer(
    scope: ViewerScope,
    actor: ComplianceActor,
    *,
    agency: str,
    item: Item,
    answer: Answer,
    note: str,
    files: Sequence[CheckedFile],
    workspace: Path,
    now: datetime,
) -> int:
    """Answer ``item`` for ``agency`` (replacing a previous answer, which goes back to the CSIRT
    for review); new ``files`` replace the answer's files, none keeps them. Returns the answer's id."""
    _visible_agency(scope, agency, actor, item.id)
    if item.kind is not ItemKind.ANSWER:
        raise ComplianceError(_("item {item} is judged by canhgac, not answered").format(item=item.id))
    if len(files) > MAX_FILES:
        raise ComplianceError(_("at most {count} evidence files per answer").format(count=MAX_FILES))
    with transaction.atomic():
        row = ComplianceAnswer.objects.select_for_update().filter(agency_code=agency, item=item.id).first()
        kept = 0 if row is None or files else row.files.count()
        if item.evidence == "required" and answer is not Answer.NO and not files and not kept:
            raise ComplianceError(
                _("item {item} needs an evidence file for this answer").format(item=item.id)
            )
        if row is None:
            row = ComplianceAnswer(agency_code=agency, item=item.id)
        row.answer, row.note = answer.value, note
        row.review, row.review_reason = Review.SUBMITTED.value, ""
        row.answered_by, row.answered_at = actor.name[:150], now
        row.reviewed_by, row.reviewed_at = "", None
        row.save()
        if files:
            row.files.all().delete()
            for checked in files:
                ComplianceEvidence.objects.create(
                    answer=row,
                    name=checked.name,
                    stored_as=store_file(workspace, agency, checked),
                    sha256=checked.sha256,
                    size=checked.size,
                    content_type=checked.content_type,
                    uploaded_by=actor.name[:150],
                    uploaded_at=now,
                )
        digests = list(row.files.order_by("id").values_list("sha256", flat=True))
        ComplianceHistory.objects.create(
            agency_code=agency,
            item=item.id,
            action="answered",
            answer=answer.value,
            text=note,
            files=digests,
            actor=actor.name[:150],
            at=now,
        )
        record_event(
            SecurityEventKind.COMPLIANCE_ANSWERED,
            actor=actor.name,
            address=actor.address,
            detail={"agency": agency, "item": item.id, "answer": answer.value, "files": digests},
        )
    return int(row.pk)


def record_review(
    scope: ViewerScope,
    actor: ComplianceActor,
    *,
    agency: str,
    item: str,
    approve: bool,
    reason: str,
    now: datetime,
) -> int:
    """Approve or reject ``agency``'s answer to ``item``; a rejection needs a reason. Only an
    answer waiting for review can be decided (a new answer starts a new review)."""
    _visible_agency(scope, agency, actor, item)
    if not approve and not reason.strip():
        raise ComplianceError(_("a rejection needs a reason"))
    with transaction.atomic():
        row = ComplianceAnswer.objects.select_for_update().filter(agency_code=agency, item=item).first()
        if row is None:
            raise ComplianceError(_("{agency} has not answered item {item}").format(agency=agency, item=item))
        if row.review != Review.SUBMITTED.value:
            raise ComplianceError(
                _("the answer of {agency} to item {item} was already decided ({review})").format(
                    agency=agency, item=item, review=row.review
                )
            )
        decision = Review.APPROVED if approve else Review.REJECTED
        row.review, row.review_reason = decision.value, reason.strip()
        row.reviewed_by, row.reviewed_at = actor.name[:150], now
        row.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at"])
        ComplianceHistory.objects.create(
            agency_code=agency,
            item=item,
            action=decision.value,
            answer=row.answer,
            text=reason.strip(),
            files=list(row.files.order_by("id").values_list("sha256", flat=True)),
            actor=actor.name[:150],
            at=now,
        )
        record_event(
            SecurityEventKind.COMPLIANCE_REVIEWED,
            actor=actor.name,
            address=actor.address,
            detail={"agency": agency, "item": item, "decision": decision.value, "reason": reason.strip()},
        )
    return int(row.pk)
