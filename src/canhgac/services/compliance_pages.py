"""The directive's compliance for the console's pages and the API: the province grid (filtered by
agency, task and status), one agency's items, one item with its answer, files and history, the
writes (an officer's answer with evidence files, the CSIRT's review), evidence downloads and the
province summary as DOCX or HTML.

Nothing is computed twice: the statuses are ``services.compliance.compliance_status``'s (the CLI's
own call), the writes ``services.compliance``'s (scoped and logged by the store), the summary
``services.compliance_summary``'s. This module only chooses what a page shows, reads forms and
checks who may act. A viewer sees the agencies of their scope only; another agency reads exactly
as one that does not exist (``None`` here, a 404 above).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from canhgac.compliance import Cell, Compliance, Item, ItemKind, Status, Task
from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.compliance_files import MAX_FILES, read_file
from canhgac.console.store.roles import Role, works_for_csirt
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _
from canhgac.services import compliance
from canhgac.services.compliance import ComplianceActor, ComplianceError, EvidenceError

if TYPE_CHECKING:
    from pathlib import Path

    from canhgac.console.store.compliance_queries import AnswerView, EvidenceRow
    from canhgac.console.store.queries import ViewerScope
    from canhgac.reports.model import Language

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "AgencyPage",
    "ComplianceError",
    "EvidenceError",
    "Grid",
    "GridRequest",
    "ItemPage",
    "ItemRow",
    "agency_page",
    "answer",
    "evidence_file",
    "grid",
    "item_page",
    "may_answer",
    "may_review",
    "may_summarise",
    "parse_holiday",
    "review",
    "summary_file",
]

MAX_BYTES = compliance.MAX_BYTES
AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ITEM_ID = re.compile(r"[0-9]+\.[a-z0-9-]{1,60}")
STATUSES = tuple(Status)
SUMMARY_FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
ANSWER_LABELS = {"yes": N_("yes"), "partly": N_("partly"), "no": N_("no")}
REVIEW_LABELS = {
    "submitted": N_("waiting for the CSIRT"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
ACTION_LABELS = {"answered": N_("answered"), "approved": N_("approved"), "rejected": N_("rejected")}
KIND_LABELS = {
    ItemKind.CLAUSE: N_("from the scans"),
    ItemKind.WATCH: N_("from the watch"),
    ItemKind.CAMPAIGN: N_("credential campaign"),
    ItemKind.SWEEP: N_("host sweep"),
    ItemKind.ANSWER: N_("answered by the agency"),
}


def today() -> dt.date:
    """The day on Vietnam's clock: what is due and late is counted in it."""
    from canhgac.i18n.formats import display_zone

    return dt.datetime.now(display_zone()).date()


def may_answer(role: Role) -> bool:
    """An agency's officer answers for their own agencies; the CSIRT may answer for any (the
    services refuse every other role)."""
    return role in (Role.AGENCY_OFFICER, Role.CSIRT_ADMIN, Role.CSIRT_ANALYST)


def may_review(role: Role) -> bool:
    """Only the CSIRT approves or rejects."""
    return works_for_csirt(role)


def may_summarise(role: Role) -> bool:
    """The province summary is for the CSIRT and the leaders (it lists every agency)."""
    return works_for_csirt(role) or role is Role.LEADER


def label(group: str, value: str, lang: str | None = None) -> str:
    """A stored word of the compliance (status, answer, review, history action, item kind) in the
    reader's language; an unknown word as it is."""
    if group == "status":
        try:
            return Status(value).label(lang)
        except ValueError:
            return value
    table: Mapping[str, str] = {
        "answer": ANSWER_LABELS,
        "review": REVIEW_LABELS,
        "action": ACTION_LABELS,
        "kind": {k.value: v for k, v in KIND_LABELS.items()},
    }.get(group, {})
    return translate(table[value], lang) if value in table else value


def parse_holiday(text: str) -> dt.date | None:
    """The holiday's first day from ``YYYY-MM-DD`` ("" is none); ComplianceError otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ComplianceError(
            _("holiday: {value} is not a date like 2027-02-05").format(value=text[:40])
        ) from None


def _known_item(item_id: str) -> Item | None:
    if not ITEM_ID.fullmatch(item_id):
        return None
    try:
        return compliance.directive().item(item_id)
    except KeyError:
        return None


# --- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GridRequest:
    """What the grid shows: an agency, a task (its items become the columns), a status (agencies
    with that status in a column), the holiday the due days count back from."""

    agency: str = ""
    task: str = ""
    status: str = ""
    holiday: dt.date | None = None

    @classmethod
    def read(cls, values: Mapping[str, str]) -> GridRequest:
        """From a query string; unknown values are left out (ComplianceError for a bad date)."""
        agency = str(values.get("agency", "")).strip()[:64]
        task = str(values.get("task", "")).strip()[:8]
        status = str(values.get("status", "")).strip()
        return cls(
            agency=agency if AGENCY_CODE.fullmatch(agency) else "",
            task=task if any(t.id == task for t in compliance.directive().tasks) else "",
            status=status if status in {s.value for s in STATUSES} else "",
            holiday=parse_holiday(str(values.get("holiday", ""))),
        )

    def link(self, **changed: str) -> str:
        """The grid's query string with ``changed`` values."""
        from urllib.parse import urlencode

        values = {
            "agency": self.agency,
            "task": self.task,
            "status": self.status,
            "holiday": self.holiday.isoformat() if self.holiday else "",
            **changed,
        }
        query = urlencode({k: v for k, v in values.items() if v})
        return f"?{query}" if query else ""


@dataclass(frozen=True, slots=True)
class Column:
    id: str  # a task id, or an item id when a task is chosen
    title: str
    task: Task


@dataclass(frozen=True, slots=True)
class GridRow:
    agency: str
    name: str
    statuses: tuple[Status, ...]  # one per column


@dataclass(frozen=True, slots=True)
class Grid:
    columns: tuple[Column, ...]
    rows: tuple[GridRow, ...]
    counts: Mapping[Status, int]  # over the cells shown
    agencies: tuple[tuple[str, str], ...]  # every agency of the scope (the filter's choices)
    tasks: tuple[Task, ...]
    today: dt.date
    holiday: dt.date | None
    source: str
    status: Compliance  # every cell, for the API's per-item values

    @property
    def cells(self) -> int:
        return sum(len(r.statuses) for r in self.rows)


def _names(scope: ViewerScope, codes: Sequence[str]) -> dict[str, str]:
    from canhgac.console.store import queries

    return {a.code: a.name for a in queries.agencies(scope, codes)}


def grid(scope: ViewerScope, wanted: GridRequest, *, lang: Language, today: dt.date) -> Grid:
    """The province grid: agencies × tasks (or × the chosen task's items), each an agency's
    status on it, computed once by ``compliance_status`` over the viewer's scope."""
    status = compliance.compliance_status(scope, lang=lang, today=today, holiday=wanted.holiday)
    plan = status.directive
    names = _names(scope, status.agencies)
    chosen = next((t for t in plan.tasks if t.id == wanted.task), None)
    if chosen is None:
        columns = tuple(Column(t.id, t.title.get(lang), t) for t in plan.tasks)
    else:
        columns = tuple(Column(i.id, i.title.get(lang), chosen) for i in chosen.items)
    rows = []
    for code in status.agencies:
        if wanted.agency and code != wanted.agency:
            continue
        if chosen is None:
            statuses = tuple(status.task_status(code, c.task) for c in columns)
        else:
            statuses = tuple(status.cell(code, c.id).status for c in columns)
        if wanted.status and wanted.status not in statuses:
            continue
        rows.append(GridRow(code, names.get(code, code), statuses))
    counts = Counter(s for r in rows for s in r.statuses)
    return Grid(
        columns=columns,
        rows=tuple(rows),
        counts={s: counts.get(s, 0) for s in STATUSES},
        agencies=tuple((c, names.get(c, c)) for c in status.agencies),
        tasks=plan.tasks,
        today=today,
        holiday=wanted.holiday,
        source=plan.source,
        status=status,
    )


def grid_items(shown: Grid, code: str, task: str = "") -> tuple[ItemRow, ...]:
    """One grid row's items (those of ``task`` when given) with their cells, for the API."""
    status = shown.status
    return tuple(
        ItemRow(t, i, status.cell(code, i.id), "", _links(status.cell(code, i.id)))
        for t in status.directive.tasks
        if not task or t.id == task
        for i in t.items
    )


def grid_task_statuses(shown: Grid, code: str) -> dict[str, str]:
    """Task id -> one grid row's status on it."""
    return {t.id: shown.status.task_status(code, t).value for t in shown.status.directive.tasks}


# --- one agency, one item -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    kind: str  # finding, alert, answer
    ref: str


def _links(cell: Cell) -> tuple[EvidenceLink, ...]:
    return tuple(EvidenceLink(e.kind, e.ref) for e in cell.evidence)


@dataclass(frozen=True, slots=True)
class ItemRow:
    task: Task
    item: Item
    cell: Cell
    review: str  # the answer's review state, "" when not answered (or not an answer item)
    evidence: tuple[EvidenceLink, ...]


@dataclass(frozen=True, slots=True)
class AgencyPage:
    code: str
    name: str
    rows: tuple[ItemRow, ...]
    counts: Mapping[Status, int]
    task_statuses: tuple[tuple[Task, Status], ...]
    today: dt.date
    holiday: dt.date | None


def _agency_status(
    scope: ViewerScope, code: str, *, lang: Language, today: dt.date, holiday: dt.date | None
) -> tuple[Compliance, str] | None:
    if not AGENCY_CODE.fullmatch(code) or not scope.allows(code):
        return None
    narrow = scope.narrowed([code])
    status = compliance.compliance_status(narrow, lang=lang, today=today, holiday=holiday)
    if code not in status.agencies:
        return None
    return status, _names(narrow, [code]).get(code, code)


def _reviews(scope: ViewerScope, code: str) -> dict[str, str]:
    from canhgac.console.store import compliance_queries as cq

    facts = cq.answer_facts(scope.narrowed([code])).get(code, {})
    return {item: fact.review.value for item, fact in facts.items()}


def agency_page(
    scope: ViewerScope, code: str, *, lang: Language, today: dt.date, holiday: dt.date | None = None
) -> AgencyPage | None:
    """Every item of one agency with its status, why, evidence and due day; None when the
    agency is not in ``scope`` or does not exist (the same answer)."""
    found = _agency_status(scope, code, lang=lang, today=today, holiday=holiday)
    if found is None:
        return None
    status, name = found
    reviews = _reviews(scope, code)
    rows = tuple(
        ItemRow(
            task,
            item,
            status.cell(code, item.id),
            reviews.get(item.id, "") if item.kind is ItemKind.ANSWER else "",
            tuple(EvidenceLink(e.kind, e.ref) for e in status.cell(code, item.id).evidence),
        )
        for task in status.directive.tasks
        for item in task.items
    )
    counts = Counter(r.cell.status for r in rows)
    return AgencyPage(
        code=code,
        name=name,
        rows=rows,
        counts={s: counts.get(s, 0) for s in STATUSES},
        task_statuses=tuple((t, status.task_status(code, t)) for t in status.directive.tasks),
        today=today,
        holiday=holiday,
    )


@dataclass(frozen=True, slots=True)
class ItemPage:
    code: str
    name: str
    row: ItemRow
    answer: AnswerView | None
    question: str  # the catalog's self-assessment question ("" for automated items)
    evidence_expected: str
    files: tuple[EvidenceRow, ...] = field(default=())


def item_page(
    scope: ViewerScope,
    code: str,
    item_id: str,
    *,
    lang: Language,
    today: dt.date,
    holiday: dt.date | None = None,
) -> ItemPage | None:
    """One agency's item: its status, the answer with its files and history, the catalog's
    question; None for an agency out of ``scope`` or unknown, or an unknown item."""
    item = _known_item(item_id)
    if item is None:
        return None
    found = _agency_status(scope, code, lang=lang, today=today, holiday=holiday)
    if found is None:
        return None
    status, name = found
    view = compliance.answer_view(scope, code, item.id) if item.kind is ItemKind.ANSWER else None
    cell = status.cell(code, item.id)
    row = ItemRow(
        status.directive.task_of(item.id),
        item,
        cell,
        view.review if view is not None else "",
        tuple(EvidenceLink(e.kind, e.ref) for e in cell.evidence),
    )
    question, expected = _question(item, lang)
    return ItemPage(code, name, row, view, question, expected, view.files if view else ())


def _question(item: Item, lang: str) -> tuple[str, str]:
    if item.kind is not ItemKind.ANSWER:
        return "", ""
    from canhgac.services.dashboard import console_catalog

    entry = console_catalog().checks.get(item.check)
    if entry is None:
        return "", ""
    return (
        entry.question.get(lang) if entry.question is not None else entry.title.get(lang),
        entry.evidence_expected.get(lang) if entry.evidence_expected is not None else "",
    )


# --- writes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Acting:
    """Who acts from a page or the API: the console user, their role, scope and address."""

    username: str
    role: Role
    scope: ViewerScope
    address: str = ""

    def viewer(self) -> compliance.Viewer:
        return compliance.Viewer(ComplianceActor(self.username, self.address), self.role, self.scope)


def _no_nul(text: str) -> None:
    """PostgreSQL text holds no NUL byte: refused in one line rather than a server error."""
    if "\x00" in text:
        raise ComplianceError(_("the text holds a NUL byte"))


def _refused(who: Acting, code: str, item: str, reason: str, error: str = "") -> None:
    detail = {"agency": code, "item": item, "reason": reason}
    if error:
        detail["error"] = error[:300]
    record_event(SecurityEventKind.COMPLIANCE_REFUSED, actor=who.username, address=who.address, detail=detail)


def answer(
    who: Acting,
    code: str,
    item_id: str,
    *,
    value: str,
    note: str,
    files: Sequence[tuple[str, bytes]],
    workspace: Path,
    now: dt.datetime,
) -> int:
    """Record an answer (``services.compliance.answer``); a refused evidence file is logged."""
    if len(files) > MAX_FILES:
        raise ComplianceError(_("at most {count} evidence files per answer").format(count=MAX_FILES))
    _no_nul(note)
    try:
        return compliance.answer(
            who.viewer(),
            agency=code,
            item_id=item_id,
            answer_value=value,
            note=note[:20_000],
            files=files,
            workspace=workspace,
            now=now,
        )
    except EvidenceError as exc:
        _refused(who, code, item_id, "file", str(exc))
        raise


def review(who: Acting, code: str, item_id: str, *, approve: bool, reason: str, now: dt.datetime) -> int:
    """Approve or reject (``services.compliance.review``: the CSIRT only, a rejection needs a reason)."""
    _no_nul(reason)
    return compliance.review(
        who.viewer(), agency=code, item_id=item_id, approve=approve, reason=reason[:2000], now=now
    )


def evidence_file(
    who: Acting, code: str, item_id: str, file_id: int, *, workspace: Path
) -> tuple[EvidenceRow, bytes] | None:
    """An evidence file of ``code``'s answer to ``item_id`` and its bytes (digest verified), the
    download logged; None when the caller may not see it or it does not exist (a refusal of
    another agency's file is logged too)."""
    item = _known_item(item_id)
    if item is None or not AGENCY_CODE.fullmatch(code):
        return None
    if not who.scope.allows(code):
        _refused(who, code, item.id, "agency")
        return None
    view = compliance.answer_view(who.scope, code, item.id)
    found = next((f for f in view.files if f.id == file_id), None) if view is not None else None
    if found is None:
        return None
    data = read_file(workspace, found.stored_as, found.sha256)
    record_event(
        SecurityEventKind.EXPORT,
        username=who.username,
        actor=who.username,
        address=who.address,
        detail={
            "report": "compliance-evidence",
            "agency": code,
            "item": item.id,
            "file": found.name,
            "sha256": found.sha256,
        },
    )
    return found, data


def summary_file(
    who: Acting, fmt: str, *, lang: Language, today: dt.date, holiday: dt.date | None = None
) -> tuple[str, str, bytes]:
    """The province summary as (file name, content type, bytes) in ``fmt`` (docx, html), from the
    settings file's ``[forms]``; the download logged. ComplianceError for a role that may not
    have it, or a settings file or template that cannot be used (one line)."""
    from canhgac.services import compliance_summary as cs
    from canhgac.services.console_scan import settings_path
    from canhgac.services.forms import FormsConfigError, forms_settings

    if not may_summarise(who.role):
        raise ComplianceError(_("the province summary is for the CSIRT and the leaders"))
    if fmt not in SUMMARY_FORMATS:
        raise ComplianceError(_("the summary is written as .docx or .html"))
    try:
        config = forms_settings(settings_path())
    except FormsConfigError as exc:
        raise ComplianceError(str(exc)) from None
    status = compliance.compliance_status(who.scope, lang=lang, today=today, holiday=holiday)
    summary = cs.province_summary(who.scope, status, lang)
    try:
        if fmt == "docx":
            data = cs.render_docx(summary, config)
        else:
            data = cs.render_html(summary, config).encode("utf-8")
    except cs.SummaryError as exc:
        raise ComplianceError(str(exc)) from None
    name = f"tong-hop-chi-thi-{today.isoformat()}.{fmt}"
    record_event(
        SecurityEventKind.EXPORT,
        username=who.username,
        actor=who.username,
        address=who.address,
        detail={
            "report": "compliance-summary",
            "format": fmt,
            "file": name,
            "holiday": holiday.isoformat() if holiday else "",
        },
    )
    return name, SUMMARY_FORMATS[fmt], data
