"""Where each agency stands on each item of the directive: a pure function of what the store
knows (clause verdicts and open findings from scans, watched monitors and open alerts, officers'
answers and the CSIRT's decisions) and of the day.

Statuses: ``done``, ``partly``, ``not_done``, ``late`` (not done and past its due day),
``not_measured`` (canhgac cannot judge it yet: no scan result, no monitor, a capability still to
come — never a pass), ``not_applicable`` (the scans found nothing the item applies to). Each cell
carries why and its evidence (finding fingerprints, alert ids, answer ids).

Computed item by item over every agency at once (the per-item work — due day, the clause's check
set — is done once, not once per agency), so 300 agencies × 100 items is a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from canhgac.compliance.model import Directive, Item, ItemKind, Task
from canhgac.i18n import N_, translate


class Status(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    LATE = "late"
    NOT_MEASURED = "not_measured"
    NOT_APPLICABLE = "not_applicable"

    def label(self, lang: str | None = None) -> str:
        return translate(_STATUS_LABELS[self], lang)


_STATUS_LABELS = {
    Status.DONE: N_("done"),
    Status.PARTLY: N_("partly done"),
    Status.NOT_DONE: N_("not done"),
    Status.LATE: N_("late"),
    Status.NOT_MEASURED: N_("not measured yet"),
    Status.NOT_APPLICABLE: N_("not applicable"),
}


class Answer(StrEnum):
    """An officer's answer to a self-assessment item."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Review(StrEnum):
    """The CSIRT's decision on an answer."""

    SUBMITTED = "submitted"  # waiting for the CSIRT
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class AnswerFact:
    answer_id: int
    answer: Answer
    review: Review
    evidence_files: int = 0


@dataclass(frozen=True, slots=True)
class AgencyFacts:
    """What the store knows of one agency, as plain values."""

    code: str
    clauses: Mapping[str, str] = field(default_factory=dict)  # "CV430:3" -> a clause verdict value
    findings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # check id -> open fingerprints
    monitors: int = 0  # watched monitors
    open_alerts: tuple[int, ...] = ()
    answers: Mapping[str, AnswerFact] = field(default_factory=dict)  # item id -> its current answer
    breach_data: bool = False  # breach data was imported (canhgac creds import): campaigns are measured
    cases: tuple[int, int] = (0, 0)  # the campaign's leaked accounts and, of them, the cases closed
    swept_hosts: int = 0  # computers with an imported sweep result (canhgac sweep import, --upload)
    sweep_hits: tuple[str, ...] = ()  # open sweep.host.* findings (fingerprints)


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # finding, alert, answer
    ref: str


@dataclass(frozen=True, slots=True)
class Cell:
    agency: str
    item: str
    status: Status
    why: str  # a key of WHY
    evidence: tuple[Evidence, ...] = ()
    due: dt.date | None = None

    def explain(self, lang: str | None = None) -> str:
        return translate(WHY[self.why], lang)


WHY = {
    "clause.met": N_("every check of the clause passed"),
    "clause.not_met": N_("open findings on the clause's checks"),
    "clause.partial": N_("nothing failed, but some checks could not be tested"),
    "clause.not_assessed": N_("no scan result for the clause's checks yet"),
    "clause.not_applicable": N_("the scans found nothing the clause applies to"),
    "watch.none": N_("no monitor watches this agency's systems"),
    "watch.quiet": N_("watched, and no alert is open"),
    "watch.alerts": N_("watched, with open alerts"),
    "campaign.later": N_("the leaked-credential campaign is not in canhgac yet"),
    "campaign.none": N_("no breach data imported yet (canhgac creds import)"),
    "campaign.open": N_("leaked-account findings are open"),
    "campaign.clean": N_("breach data imported, and no leaked-account finding is open"),
    "campaign.cases_open": N_("no leaked account's case is closed yet (password, sessions, second factor)"),
    "campaign.some_closed": N_("some leaked accounts' cases are closed, others are still open"),
    "campaign.closed": N_("every leaked account's case is closed (password, sessions, second factor)"),
    "sweep.none": N_("no computer of the agency has been swept yet (canhgac sweep --upload or import)"),
    "sweep.hits": N_("host sweep hits are open"),
    "sweep.clean": N_("computers swept, and no sweep hit is open"),
    "answer.none": N_("not answered"),
    "answer.submitted": N_("answered, waiting for the CSIRT's approval"),
    "answer.approved": N_("answered and approved by the CSIRT"),
    "answer.rejected": N_("the CSIRT rejected the answer"),
}

# the reports' clause verdicts (reports.grading.ClauseStatus values) as item statuses
_CLAUSE = {
    "met": Status.DONE,
    "not_met": Status.NOT_DONE,
    "partial": Status.PARTLY,
    "not_assessed": Status.NOT_MEASURED,
    "not_applicable": Status.NOT_APPLICABLE,
    "self_assessment": Status.NOT_MEASURED,
}
_CLAUSE_WHY = {
    "met": "clause.met",
    "not_met": "clause.not_met",
    "partial": "clause.partial",
    "not_applicable": "clause.not_applicable",
}
_ANSWERED = {Answer.YES: Status.DONE, Answer.PARTLY: Status.PARTLY, Answer.NO: Status.NOT_DONE}
_OPEN = (Status.NOT_DONE, Status.PARTLY)  # what turns late after the due day


@dataclass(frozen=True, slots=True)
class Compliance:
    """Every agency × item cell, with the directive it was computed for."""

    directive: Directive
    agencies: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    today: dt.date
    holiday: dt.date | None

    def cell(self, agency: str, item: str) -> Cell:
        return self.cells[(agency, item)]

    def row(self, agency: str) -> tuple[Cell, ...]:
        return tuple(self.cells[(agency, item.id)] for item in self.directive.items)

    def task_status(self, agency: str, task: Task) -> Status:
        return task_status([self.cells[(agency, item.id)].status for item in task.items])

    def task_counts(self, task: Task) -> Counter[Status]:
        """How many agencies stand where on ``task``."""
        return Counter(self.task_status(code, task) for code in self.agencies)

    def late(self, task: Task) -> tuple[Cell, ...]:
        """The task's late cells, agency by agency."""
        return tuple(
            self.cells[(code, item.id)]
            for code in self.agencies
            for item in task.items
            if self.cells[(code, item.id)].status is Status.LATE
        )


def task_status(statuses: Sequence[Status]) -> Status:
    """An agency's status on a task from its items': late if any item is late, not done if any
    is not done, partly if any is partly or some items could not be measured while others are
    done; done when every measured item is done and nothing is unmeasured."""
    found = set(statuses)
    for worst in (Status.LATE, Status.NOT_DONE, Status.PARTLY):
        if worst in found:
            return worst
    measured = found - {Status.NOT_MEASURED, Status.NOT_APPLICABLE}
    if not measured:
        return Status.NOT_APPLICABLE if found == {Status.NOT_APPLICABLE} else Status.NOT_MEASURED
    return Status.PARTLY if Status.NOT_MEASURED in found else Status.DONE


def compute(
    directive: Directive,
    clause_checks: Mapping[str, frozenset[str]],
    agencies: Sequence[AgencyFacts],
    *,
    today: dt.date,
    holiday: dt.date | None = None,
) -> Compliance:
    """Every agency's status on every item. ``clause_checks`` gives the automated checks of each
    clause an item names ("CV430:3" -> its check ids): the findings counted as its evidence."""
    cells: dict[tuple[str, str], Cell] = {}
    for item in directive.items:
        due = item.due(holiday)
        overdue = due is not None and today > due
        for cell in _column(item, clause_checks.get(item.clause, frozenset()), agencies, due):
            if overdue and cell.status in _OPEN:
                cell = Cell(cell.agency, cell.item, Status.LATE, cell.why, cell.evidence, due)
            cells[(cell.agency, item.id)] = cell
    return Compliance(directive, tuple(a.code for a in agencies), cells, today, holiday)


def _column(
    item: Item, checks: frozenset[str], agencies: Sequence[AgencyFacts], due: dt.date | None
) -> list[Cell]:
    if item.kind is ItemKind.CLAUSE:
        return [_clause_cell(item, checks, a, due) for a in agencies]
    if item.kind is ItemKind.WATCH:
        return [_watch_cell(item, a, due) for a in agencies]
    if item.kind is ItemKind.ANSWER:
        return [_answer_cell(item, a, due) for a in agencies]
    if item.kind is ItemKind.CAMPAIGN:
        return [_campaign_cell(item, a, due) for a in agencies]
    return [_sweep_cell(item, a, due) for a in agencies]


def _sweep_cell(item: Item, facts: AgencyFacts, due: dt.date | None) -> Cell:
    if facts.sweep_hits:
        found = tuple(Evidence("finding", fp) for fp in facts.sweep_hits)
        return Cell(facts.code, item.id, Status.NOT_DONE, "sweep.hits", found, due)
    if facts.swept_hosts == 0:
        return Cell(facts.code, item.id, Status.NOT_MEASURED, "sweep.none", (), due)
    return Cell(facts.code, item.id, Status.DONE, "sweep.clean", (), due)


def _campaign_cell(item: Item, facts: AgencyFacts, due: dt.date | None) -> Cell:
    if not item.checks:
        return Cell(facts.code, item.id, Status.NOT_MEASURED, "campaign.later", (), due)
    if not facts.breach_data:
        return Cell(facts.code, item.id, Status.NOT_MEASURED, "campaign.none", (), due)
    if item.closure:
        return _closure_cell(item, facts, due)
    found = tuple(
        Evidence("finding", fp) for check_id in item.checks for fp in facts.findings.get(check_id, ())
    )
    if found:
        return Cell(facts.code, item.id, Status.NOT_DONE, "campaign.open", found, due)
    return Cell(facts.code, item.id, Status.DONE, "campaign.clean", (), due)


def _closure_cell(item: Item, facts: AgencyFacts, due: dt.date | None) -> Cell:
    """Measured by the campaign's cases: done when every leaked account's case is closed, partly
    when some are; without cases, by the open findings as any campaign item."""
    affected, closed = facts.cases
    found = tuple(
        Evidence("finding", fp) for check_id in item.checks for fp in facts.findings.get(check_id, ())
    )
    if affected <= 0:
        if found:
            return Cell(facts.code, item.id, Status.NOT_DONE, "campaign.open", found, due)
        return Cell(facts.code, item.id, Status.DONE, "campaign.clean", (), due)
    if closed >= affected:
        return Cell(facts.code, item.id, Status.DONE, "campaign.closed", (), due)
    evidence = (*found, Evidence("campaign", facts.code))
    if closed:
        return Cell(facts.code, item.id, Status.PARTLY, "campaign.some_closed", evidence, due)
    return Cell(facts.code, item.id, Status.NOT_DONE, "campaign.cases_open", evidence, due)


def _clause_cell(item: Item, checks: frozenset[str], facts: AgencyFacts, due: dt.date | None) -> Cell:
    verdict = facts.clauses.get(item.clause, "not_assessed")
    status = _CLAUSE.get(verdict, Status.NOT_MEASURED)
    evidence: tuple[Evidence, ...] = ()
    if status is Status.NOT_DONE:
        evidence = tuple(
            Evidence("finding", fp)
            for check_id, fingerprints in sorted(facts.findings.items())
            if check_id in checks
            for fp in fingerprints
        )
    return Cell(facts.code, item.id, status, _CLAUSE_WHY.get(verdict, "clause.not_assessed"), evidence, due)


def _watch_cell(item: Item, facts: AgencyFacts, due: dt.date | None) -> Cell:
    if facts.monitors == 0:
        return Cell(facts.code, item.id, Status.NOT_MEASURED, "watch.none", (), due)
    if facts.open_alerts:
        alerts = tuple(Evidence("alert", str(a)) for a in facts.open_alerts)
        return Cell(facts.code, item.id, Status.PARTLY, "watch.alerts", alerts, due)
    return Cell(facts.code, item.id, Status.DONE, "watch.quiet", (), due)


def _answer_cell(item: Item, facts: AgencyFacts, due: dt.date | None) -> Cell:
    fact = facts.answers.get(item.id)
    if fact is None:
        return Cell(facts.code, item.id, Status.NOT_DONE, "answer.none", (), due)
    evidence = (Evidence("answer", str(fact.answer_id)),)
    if fact.review is Review.REJECTED:
        return Cell(facts.code, item.id, Status.NOT_DONE, "answer.rejected", evidence, due)
    if fact.review is Review.SUBMITTED:
        status = Status.NOT_DONE if fact.answer is Answer.NO else Status.PARTLY
        return Cell(facts.code, item.id, status, "answer.submitted", evidence, due)
    return Cell(facts.code, item.id, _ANSWERED[fact.answer], "answer.approved", evidence, due)
