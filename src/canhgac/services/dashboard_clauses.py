"""The dashboard's status per task of the directive and per clause of each framework: how many of
the viewer's agencies meet it, fall short, or were not assessed.

Every count is the reports' clause verdict (``reports.grading.clause_verdict``, which
``grade_report`` gives per agency), so the dashboard, the agency page and the printed report
say the same of a clause. A clause no automated check evidences (account hygiene, malware
sweeps, on-duty watch…) is not counted at all: canhgac cannot assess it yet, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.catalog import Catalog
from canhgac.reports.grading import ClauseStatus, ProvinceGrades
from canhgac.reports.model import Language

DIRECTIVE = "KG20"  # the province's directive (docs/catalog.md): listed first, its clauses are tasks


@dataclass(frozen=True, slots=True)
class ClauseLine:
    """One clause and how many of the viewer's agencies stand where on it."""

    framework: str
    clause: str
    title: str
    key: str  # "CV430:3": the findings list's ``clause`` filter
    coverage: str  # the catalog's: automated, partial (part is self-assessment), self_assessment
    assessed: bool  # False: no automated check evidences it, canhgac cannot assess it yet
    met: int
    not_met: int
    partial: int  # nothing failed, but some checks could not be tested
    not_assessed: int  # no result at all, or only errors
    not_applicable: int


@dataclass(frozen=True, slots=True)
class FrameworkStatus:
    id: str
    title: str
    source: str
    directive: bool
    lines: tuple[ClauseLine, ...]

    @property
    def unassessed(self) -> int:
        return sum(1 for line in self.lines if not line.assessed)


def clause_status(grades: ProvinceGrades, catalog: Catalog, lang: Language) -> tuple[FrameworkStatus, ...]:
    """Per framework (the directive first, then by id), per clause: the agencies' verdicts."""
    summaries = {(s.verdict.framework, s.verdict.clause): s for s in grades.clauses}
    frameworks = sorted(catalog.frameworks.values(), key=lambda fw: (fw.id != DIRECTIVE, fw.id))
    result = []
    for fw in frameworks:
        lines = []
        for clause in fw.clauses:
            summary = summaries[(fw.id, clause.id)]
            lines.append(ClauseLine(
                framework=fw.id, clause=clause.id, title=clause.title.get(lang),
                key=f"{fw.id}:{clause.id}", coverage=clause.coverage.value,
                assessed=summary.verdict.status is not ClauseStatus.SELF_ASSESSMENT,
                met=summary.count(ClauseStatus.MET),
                not_met=summary.count(ClauseStatus.NOT_MET),
                partial=summary.count(ClauseStatus.PARTIAL),
                not_assessed=summary.count(ClauseStatus.NOT_ASSESSED),
                not_applicable=summary.count(ClauseStatus.NOT_APPLICABLE),
            ))
        result.append(FrameworkStatus(fw.id, fw.title.get(lang), fw.source, fw.id == DIRECTIVE,
                                      tuple(lines)))
    return tuple(result)
