"""The province summary for the People's Committee, as a value: per task of the directive, how
many agencies have done it, are late, have not done it or could not be measured; who is
responsible; and the late items, agency by agency, with the officers to call. Pure: the DOCX and
HTML renderings (services/compliance_summary.py) read this value only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from canhgac.compliance.status import Compliance, Status


@dataclass(frozen=True, slots=True)
class LateLine:
    agency: str
    agency_name: str
    item: str
    item_title: str
    due: dt.date | None
    officers: tuple[str, ...]  # the agency's officers (who answers for it in canhgac)


@dataclass(frozen=True, slots=True)
class TaskLine:
    id: str
    title: str
    responsible: str
    done: int
    partly: int
    not_done: int
    late: int
    not_measured: int
    not_applicable: int
    late_items: tuple[LateLine, ...]


@dataclass(frozen=True, slots=True)
class ProvinceSummary:
    source: str  # the directive's number and date
    today: dt.date
    holiday: dt.date | None
    agencies: int
    tasks: tuple[TaskLine, ...]

    @property
    def late_total(self) -> int:
        return sum(len(t.late_items) for t in self.tasks)


def summarise(
    compliance: Compliance,
    names: Mapping[str, str],
    officers: Mapping[str, tuple[str, ...]],
    lang: str,
) -> ProvinceSummary:
    """The summary of ``compliance``; ``names`` and ``officers`` by agency code."""
    directive = compliance.directive
    tasks = []
    for task in directive.tasks:
        counts = compliance.task_counts(task)
        titles = {item.id: item.title.get(lang) for item in task.items}
        late = tuple(
            LateLine(
                agency=cell.agency,
                agency_name=names.get(cell.agency, cell.agency),
                item=cell.item,
                item_title=titles[cell.item],
                due=cell.due,
                officers=officers.get(cell.agency, ()),
            )
            for cell in compliance.late(task)
        )
        tasks.append(
            TaskLine(
                id=task.id,
                title=task.title.get(lang),
                responsible=task.responsible.get(lang),
                done=counts[Status.DONE],
                partly=counts[Status.PARTLY],
                not_done=counts[Status.NOT_DONE],
                late=counts[Status.LATE],
                not_measured=counts[Status.NOT_MEASURED],
                not_applicable=counts[Status.NOT_APPLICABLE],
                late_items=late,
            )
        )
    return ProvinceSummary(
        source=directive.source,
        today=compliance.today,
        holiday=compliance.holiday,
        agencies=len(compliance.agencies),
        tasks=tuple(tasks),
    )
