"""``/compliance``: the directive's compliance for scripts, scoped exactly as the console's pages
(``services.compliance_pages`` over ``services.compliance``): the province grid with each agency's
status per task and item (filtered by agency, task and status), one agency's items, an item's
answer with its files and history, an answer with evidence files (multipart), the CSIRT's review,
an evidence file, and the province summary as DOCX or HTML.

Another agency's items, answers and files answer 404, exactly as an agency that does not exist.
Agency officers answer for their own agencies and the CSIRT for any; only the CSIRT reviews;
leaders read and download the summary, officers may not (403). Answers, reviews and downloads
are logged in the security log with the user and address.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict, field_validator

from canhgac.i18n import gettext as _
from canhgac.services import compliance_pages as pages
from canhgac.services.console_scan import workspace
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["compliance"])
ERRORS = {**COMMON_ERRORS, 409: ErrorBody}  # 409: the settings file's [forms] or the template cannot be used
MAX_ID = 2**62
ComplianceStatus = StrEnum("ComplianceStatus", {s.name: s.value for s in pages.STATUSES})  # type: ignore[misc]


class ComplianceAnswerValue(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class ComplianceDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


def _binary(description: str, content_type: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


class ComplianceHolidayParams(Schema):
    holiday: dt.date | None = None  # the holiday's first day (YYYY-MM-DD): due days count back from it

    @field_validator("holiday", mode="before")
    @classmethod
    def _a_day_written_out(cls, value: Any) -> Any:
        """YYYY-MM-DD only (pydantic would take a number as seconds since 1970)."""
        if value is None:
            return None
        if not isinstance(value, str | dt.date) or (
            isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
        ):
            raise ValueError(_("a day like 2027-02-05"))
        return value


class ComplianceGridParams(ComplianceHolidayParams):
    agency: str = Field("", max_length=64)
    task: str = Field("", max_length=8)  # a task id ("1"…"5"): its items are the columns
    status: ComplianceStatus | None = None  # type: ignore[valid-type]  # agencies with this status in a column


class ComplianceEvidenceOut(Schema):
    kind: str  # finding (a fingerprint), alert (an id), answer (an id), campaign (the agency's code)
    ref: str


class ComplianceCellOut(Schema):
    item: str
    task: str
    title: str
    kind: str  # clause, watch, campaign, sweep, answer
    status: str
    why: str  # in the caller's language
    due: dt.date | None
    evidence: list[ComplianceEvidenceOut]
    review: str  # submitted, approved, rejected; "" when not answered or not an answer item


class ComplianceAgencyGridOut(Schema):
    agency: str
    name: str
    tasks: dict[str, str]  # task id -> the agency's status on it
    items: list[ComplianceCellOut]  # the chosen task's items, or every item


class ComplianceGridOut(Schema):
    source: str
    today: dt.date
    holiday: dt.date | None
    counts: dict[str, int]  # status -> cells shown (tasks, or the chosen task's items)
    agencies: list[ComplianceAgencyGridOut]


class ComplianceAgencyOut(Schema):
    agency: str
    name: str
    today: dt.date
    holiday: dt.date | None
    tasks: dict[str, str]
    counts: dict[str, int]  # status -> items
    items: list[ComplianceCellOut]


class ComplianceFileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


class ComplianceHistoryOut(Schema):
    action: str  # answered, approved, rejected
    answer: str
    text: str
    actor: str
    at: dt.datetime


class ComplianceCurrentAnswerOut(Schema):
    id: int
    answer: str
    note: str
    review: str
    review_reason: str
    answered_by: str
    answered_at: dt.datetime
    reviewed_by: str
    reviewed_at: dt.datetime | None
    files: list[ComplianceFileOut]
    history: list[ComplianceHistoryOut]


class ComplianceItemAnswerOut(Schema):
    agency: str
    item: ComplianceCellOut
    question: str
    evidence_expected: str
    evidence_required: bool
    answer: ComplianceCurrentAnswerOut | None  # None: not answered yet (or not an answer item)


class ComplianceReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: ComplianceDecision
    reason: str = Field("", max_length=2000)  # needed to reject


def _acting(request: HttpRequest) -> pages.Acting:
    who = viewer(request)
    return pages.Acting(who.username, who.role, who.scope, client_address(request))


def _lang(request: HttpRequest) -> Any:
    return viewer(request).language if viewer(request).language in ("vi", "en") else "vi"


def _row_cell(row: pages.ItemRow, lang: str) -> dict[str, Any]:
    return {
        "item": row.item.id,
        "task": row.task.id,
        "title": row.item.title.get(lang),
        "kind": row.item.kind.value,
        "status": row.cell.status.value,
        "why": row.cell.explain(lang),
        "due": row.cell.due,
        "evidence": [{"kind": e.kind, "ref": e.ref} for e in row.evidence],
        "review": row.review,
    }


def _no_agency(code: str) -> ApiError:
    return ApiError(404, _("there is no agency {code} among the agencies you may see").format(code=code[:64]))


def _no_item(code: str, item: str) -> ApiError:
    return ApiError(
        404, _("no item {item} for agency {code} that you may see").format(item=item[:64], code=code[:64])
    )


@router.get(
    "/compliance/summary.docx",
    response={200: bytes, **ERRORS},
    openapi_extra=_binary("The province summary (DOCX)", pages.SUMMARY_FORMATS["docx"]),
    summary="The province summary as DOCX",
)
def summary_docx(request: HttpRequest, params: Query[ComplianceHolidayParams]) -> HttpResponse:
    """The summary for the People's Committee (the CSIRT and the leaders): per task, how many
    agencies have done it, and every late item with who answers for it."""
    return _summary(request, "docx", params.holiday)


@router.get(
    "/compliance/summary.html",
    response={200: bytes, **ERRORS},
    openapi_extra=_binary("The province summary (HTML)", "text/html"),
    summary="The province summary as HTML",
)
def summary_html(request: HttpRequest, params: Query[ComplianceHolidayParams]) -> HttpResponse:
    """The same document as one self-contained HTML page."""
    return _summary(request, "html", params.holiday)


def _summary(request: HttpRequest, fmt: str, holiday: dt.date | None) -> HttpResponse:
    who = _acting(request)
    if not pages.may_summarise(who.role):
        raise ApiError(403, _("the province summary is for the CSIRT and the leaders"))
    try:
        name, content_type, data = pages.summary_file(
            who, fmt, lang=_lang(request), today=pages.today(), holiday=holiday
        )
    except pages.ComplianceError as exc:
        raise ApiError(409, str(exc)) from None
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/compliance",
    response={200: ComplianceGridOut, **ERRORS},
    summary="Every agency's status on the directive",
)
def get_grid(request: HttpRequest, params: Query[ComplianceGridParams]) -> dict[str, Any]:
    """The province grid the console shows: each agency of the caller's scope, its status on each
    task and each item (the chosen task's items with ``task``), with why, due day and evidence."""
    who = viewer(request)
    lang = _lang(request)
    wanted = pages.GridRequest.read(
        {"agency": params.agency, "task": params.task, "status": params.status.value if params.status else ""}
    )
    wanted = pages.GridRequest(wanted.agency, wanted.task, wanted.status, params.holiday)
    shown = pages.grid(who.scope, wanted, lang=lang, today=pages.today())
    return {
        "source": shown.source,
        "today": shown.today,
        "holiday": shown.holiday,
        "counts": {s.value: n for s, n in shown.counts.items()},
        "agencies": [
            {
                "agency": row.agency,
                "name": row.name,
                "tasks": pages.grid_task_statuses(shown, row.agency),
                "items": [_row_cell(r, lang) for r in pages.grid_items(shown, row.agency, wanted.task)],
            }
            for row in shown.rows
        ],
    }


@router.get(
    "/compliance/{agency}",
    response={200: ComplianceAgencyOut, **ERRORS},
    summary="One agency's items of the directive",
)
def get_agency(
    request: HttpRequest, agency: Path[str], params: Query[ComplianceHolidayParams]
) -> dict[str, Any]:
    """Every item of one agency: status, why, evidence (findings, alerts, answers), due day."""
    who = viewer(request)
    lang = _lang(request)
    page = pages.agency_page(who.scope, agency, lang=lang, today=pages.today(), holiday=params.holiday)
    if page is None:
        raise _no_agency(agency)
    return {
        "agency": page.code,
        "name": page.name,
        "today": page.today,
        "holiday": page.holiday,
        "tasks": {t.id: s.value for t, s in page.task_statuses},
        "counts": {s.value: n for s, n in page.counts.items()},
        "items": [_row_cell(r, lang) for r in page.rows],
    }


def _item_answer(
    request: HttpRequest, agency: str, item: str, holiday: dt.date | None = None
) -> dict[str, Any]:
    who = viewer(request)
    lang = _lang(request)
    page = pages.item_page(who.scope, agency, item, lang=lang, today=pages.today(), holiday=holiday)
    if page is None:
        raise _no_item(agency, item)
    a = page.answer
    return {
        "agency": page.code,
        "item": _row_cell(page.row, lang),
        "question": page.question,
        "evidence_expected": page.evidence_expected,
        "evidence_required": page.row.item.evidence == "required",
        "answer": None
        if a is None
        else {
            "id": a.id,
            "answer": a.answer,
            "note": a.note,
            "review": a.review,
            "review_reason": a.review_reason,
            "answered_by": a.answered_by,
            "answered_at": a.answered_at,
            "reviewed_by": a.reviewed_by,
            "reviewed_at": a.reviewed_at,
            "files": [
                {
                    "id": f.id,
                    "name": f.name,
                    "size": f.size,
                    "content_type": f.content_type,
                    "sha256": f.sha256,
                    "uploaded_by": f.uploaded_by,
                    "uploaded_at": f.uploaded_at,
                }
                for f in a.files
            ],
            "history": [
                {"action": h.action, "answer": h.answer, "text": h.text, "actor": h.actor, "at": h.at}
                for h in a.history
            ],
        },
    }


@router.get(
    "/compliance/{agency}/{item}/answer",
    response={200: ComplianceItemAnswerOut, **ERRORS},
    summary="An item's answer, files and history",
)
def get_answer(
    request: HttpRequest, agency: Path[str], item: Path[str], params: Query[ComplianceHolidayParams]
) -> dict[str, Any]:
    """One item of one agency: its status, the catalog's question, the current answer with its
    evidence files and the history of answers and reviews (``answer`` null: not answered)."""
    return _item_answer(request, agency, item, params.holiday)


@router.post(
    "/compliance/{agency}/{item}/answer",
    response={201: ComplianceItemAnswerOut, 400: ErrorBody, **ERRORS},
    summary="Answer an item, with evidence files",
)
def post_answer(
    request: HttpRequest,
    agency: Path[str],
    item: Path[str],
    answer: Form[ComplianceAnswerValue],
    note: Form[str] = "",
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    """multipart/form-data: ``answer`` (yes, partly, no), ``note``, ``files`` (repeated; PDF,
    Office, OpenDocument, PNG, JPEG or UTF-8 text, at most 20 MB each, 10 per answer). New files
    replace the answer's files, none keeps them; the answer goes to the CSIRT for review. A
    refused file or answer is a 422 in one line."""
    who = _acting(request)
    if not pages.may_answer(who.role):
        raise ApiError(403, _("your role may not answer the directive's items"))
    _item_answer(request, agency, item)  # 404 for another agency's, an unknown item
    uploads = list(files or [])
    if len(uploads) > pages.MAX_FILES:
        raise ApiError(422, _("at most {count} evidence files per answer").format(count=pages.MAX_FILES))
    if len(note) > 20_000:
        raise ApiError(422, _("the note is longer than {count} characters").format(count=20_000))
    try:
        pages.answer(
            who,
            agency,
            item,
            value=answer.value,
            note=note,
            files=[(u.name or "", u.read(pages.MAX_BYTES + 1)) for u in uploads],
            workspace=workspace(),
            now=dt.datetime.now(dt.UTC),
        )
    except (pages.ComplianceError, pages.EvidenceError) as exc:
        raise ApiError(422, str(exc)) from None
    return Status(201, _item_answer(request, agency, item))


@router.post(
    "/compliance/{agency}/{item}/review",
    response={200: ComplianceItemAnswerOut, 400: ErrorBody, **ERRORS},
    summary="Approve or reject an answer (the CSIRT)",
)
def post_review(
    request: HttpRequest, agency: Path[str], item: Path[str], decided: ComplianceReviewIn
) -> dict[str, Any]:
    """Only the answer waiting for review can be decided; a rejection needs a reason."""
    who = _acting(request)
    if not pages.may_review(who.role):
        raise ApiError(403, _("only the CSIRT approves or rejects answers"))
    _item_answer(request, agency, item)
    try:
        pages.review(
            who,
            agency,
            item,
            approve=decided.decision is ComplianceDecision.APPROVE,
            reason=decided.reason,
            now=dt.datetime.now(dt.UTC),
        )
    except pages.ComplianceError as exc:
        raise ApiError(422, str(exc)) from None
    return _item_answer(request, agency, item)


@router.get(
    "/compliance/{agency}/{item}/files/{file_id}",
    response={200: bytes, **ERRORS},
    openapi_extra=_binary("The evidence file, as uploaded", "application/octet-stream"),
    summary="An evidence file of an answer",
)
def get_file(request: HttpRequest, agency: Path[str], item: Path[str], file_id: Path[int]) -> HttpResponse:
    """The file's bytes (its digest verified), as an attachment; the download is logged."""
    who = _acting(request)
    if not 0 < file_id <= MAX_ID:
        raise ApiError(404, _("no evidence file {id}").format(id=file_id))
    try:
        found = pages.evidence_file(who, agency, item, file_id, workspace=workspace())
    except (pages.EvidenceError, OSError):
        found = None
    if found is None:
        raise ApiError(404, _("no evidence file {id}").format(id=file_id))
    row, data = found
    response = HttpResponse(data, content_type=row.content_type)
    response["Content-Disposition"] = "attachment; filename=\"evidence\"; filename*=UTF-8''" + _quoted(
        row.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
