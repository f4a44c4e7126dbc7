"""The directive's compliance (issue 15, item 3): its tasks as data, each agency's status on
each item computed from scans, the watch and officers' approved answers, and the province
summary as a value. Pure: no Django, no I/O but reading the tasks file (docs/compliance.md)."""

from __future__ import annotations

from canhgac.compliance.model import (
    Directive,
    DirectiveError,
    Item,
    ItemKind,
    Task,
    clause_of,
    load_directive,
)
from canhgac.compliance.status import (
    AgencyFacts,
    Answer,
    AnswerFact,
    Cell,
    Compliance,
    Evidence,
    Review,
    Status,
    compute,
    task_status,
)
from canhgac.compliance.summary import LateLine, ProvinceSummary, TaskLine, summarise

__all__ = [
    "AgencyFacts",
    "Answer",
    "AnswerFact",
    "Cell",
    "Compliance",
    "Directive",
    "DirectiveError",
    "Evidence",
    "Item",
    "ItemKind",
    "LateLine",
    "ProvinceSummary",
    "Review",
    "Status",
    "Task",
    "TaskLine",
    "clause_of",
    "compute",
    "load_directive",
    "summarise",
    "task_status",
]
