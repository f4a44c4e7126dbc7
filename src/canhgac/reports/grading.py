"""Grading: the scoring policy (data, ``catalog/data/scoring.yaml``) and one pure function.

``grade_report`` turns a ``ReportInput`` into agency scores with the deductions that explain
them, clause verdicts per framework, and the province summary. Failed results add risk points by
severity; the score, 100 × H / (H + risk), never reaches 0, so agencies stay ordered and fixing
any finding raises the score (docs/reports.md says why this model). Nothing here does I/O except
``load_scoring``, which reads the policy file once at the edge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from canhgac.catalog import Catalog, Clause, Mode, Severity
from canhgac.engine.results import CheckResult, Status
from canhgac.reports.model import ReportInput, Triage, TriageState
from canhgac.yamlio import safe_load

UNTRIAGED = Triage()  # a finding nobody judged (one value, not one per result)


class Band(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    grade: str
    min_score: int


class ScoringPolicy(BaseModel):
    """How findings become risk points, risk points a score, and a score a grade (scoring.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    penalties: dict[Severity, int]
    half_score_points: int  # the risk points at which the score is 50
    bands: tuple[Band, ...]
    min_coverage: float
    incomplete_grade: str
    excluded_triage: frozenset[TriageState]
    weakest_clauses: int = 5

    @model_validator(mode="after")
    def _consistent(self) -> ScoringPolicy:
        missing = set(Severity) - set(self.penalties)
        if missing:
            raise ValueError(f"penalties lack severities {sorted(missing)}")
        if min(self.penalties.values()) < 1 or self.half_score_points < 1:
            # every finding must cost something, so that fixing any one raises the score
            raise ValueError("every penalty and half_score_points must be at least 1")
        mins = [b.min_score for b in self.bands]
        if not mins or mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("bands must be listed best first with strictly falling min_score")
        if mins[-1] != 0:
            raise ValueError("the last band must start at 0 so that every score gets a grade")
        return self

    def grade_for(self, score: float) -> str:
        return next(b.grade for b in self.bands if score >= b.min_score)

    def score_for(self, risk_points: int) -> float:
        """100 with no risk, 50 at ``half_score_points``, ever closer to 0 and never reaching it:
        so more risk always means a lower score, however many findings an agency has."""
        return 100 * self.half_score_points / (self.half_score_points + risk_points)

    @property
    def grade_labels(self) -> tuple[str, ...]:
        return (*(b.grade for b in self.bands), self.incomplete_grade)


def load_scoring(path: Path | None = None) -> ScoringPolicy:
    """Read the scoring policy; the packaged ``scoring.yaml`` unless a path is given."""
    source = path or Path(str(resources.files("canhgac.catalog") / "data" / "scoring.yaml"))
    return ScoringPolicy.model_validate(safe_load(source.read_text(encoding="utf-8")))


class Deduction(BaseModel):
    """One failed result and the points it cost (or would have cost, when excluded)."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    check_id: str
    target: str
    severity: Severity
    points: int
    triage: TriageState = TriageState.UNTRIAGED
    area: str = ""  # the first part of the check's family: mail, web, net, dns...


class StatusCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: int = 0
    failed: int = 0
    errored: int = 0
    not_applicable: int = 0
    untested: int = 0  # checks never run: every automated check of each declared target without results

    @property
    def coverage(self) -> float | None:
        """Share of applicable checks that could be tested; None when nothing applied."""
        tested = self.passed + self.failed
        total = tested + self.errored + self.untested
        return tested / total if total else None


class ClauseStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    PARTIAL = "partial"
    NOT_ASSESSED = "not_assessed"
    NOT_APPLICABLE = "not_applicable"
    SELF_ASSESSMENT = "self_assessment"


class CheckTargets(BaseModel):
    """A check and the targets on which it had a given outcome."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    targets: tuple[str, ...]


class ClauseVerdict(BaseModel):
    """A clause's status and why: the checks that failed, errored or had no result."""

    model_config = ConfigDict(frozen=True)

    framework: str
    clause: str
    status: ClauseStatus
    failed: tuple[CheckTargets, ...] = ()
    errored: tuple[CheckTargets, ...] = ()
    untested: tuple[str, ...] = ()  # automated checks with no result at all
    questions: tuple[str, ...] = ()  # self-assessment / workflow entries of the clause


class AgencyGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency: str
    risk_points: int  # the sum of the counted deductions' points
    score: float  # policy.score_for(risk_points), unrounded so that every point shows
    grade: str
    coverage: float | None
    counts: StatusCounts
    deductions: tuple[Deduction, ...]  # what the score subtracts, worst first
    excluded: tuple[Deduction, ...]  # accepted risk / false positive: listed, not counted
    clauses: tuple[ClauseVerdict, ...]
    missing: tuple[str, ...] = ()  # declared targets with no result: the grade is incomplete


class ClauseSummary(BaseModel):
    """A clause across the province: its verdict on all results and per agency."""

    model_config = ConfigDict(frozen=True)

    verdict: ClauseVerdict
    agencies: dict[str, ClauseStatus]

    def count(self, status: ClauseStatus) -> int:
        return sum(1 for s in self.agencies.values() if s is status)


class ProvinceGrades(BaseModel):
    model_config = ConfigDict(frozen=True)

    agencies: tuple[AgencyGrade, ...]
    distribution: dict[str, int]  # grade label -> number of agencies
    findings_by_severity: dict[Severity, int]  # failed results that count, by severity
    excluded_findings: int
    clauses: tuple[ClauseSummary, ...]
    weakest: tuple[ClauseSummary, ...]

    def agency(self, code: str) -> AgencyGrade:
        return next(a for a in self.agencies if a.agency == code)

    @property
    def ranked(self) -> tuple[AgencyGrade, ...]:
        """Worst first (lowest score; incomplete before complete at equal score): the order a
        leader reads to decide whom to call first."""
        return tuple(sorted(self.agencies, key=lambda a: (a.score, not a.missing, a.agency)))


def grade_report(report: ReportInput, catalog: Catalog, policy: ScoringPolicy) -> ProvinceGrades:
    """Grade every agency, every framework clause, and the province, from the results alone."""
    by_agency: dict[str, list[CheckResult]] = defaultdict(list)
    for result in report.results:
        by_agency[result.agency].append(result)
    codes = [a.code for a in report.agencies]
    codes += sorted(set(by_agency) - set(codes))
    grades = tuple(
        _grade_agency(code, by_agency[code], report.triage, catalog, policy,
                      report.missing.get(code, ()))
        for code in codes
    )
    by_check = _by_check(report.results)
    statuses = [_statuses(g) for g in grades]
    clauses = tuple(
        ClauseSummary(
            verdict=clause_verdict(fw_id, clause, _of_checks(by_check, clause), catalog, report.triage),
            agencies={g.agency: of[(fw_id, clause.id)] for g, of in zip(grades, statuses, strict=True)},
        )
        for fw_id, fw in catalog.frameworks.items()
        for clause in fw.clauses
    )
    counted = [d for g in grades for d in g.deductions]
    return ProvinceGrades(
        agencies=grades,
        distribution={
            label: sum(1 for g in grades if g.grade == label) for label in policy.grade_labels
        },
        findings_by_severity={
            sev: sum(1 for d in counted if d.severity is sev) for sev in reversed(Severity)
        },
        excluded_findings=sum(len(g.excluded) for g in grades),
        clauses=clauses,
        weakest=_weakest(clauses, policy.weakest_clauses),
    )


def _grade_agency(
    code: str,
    results: Sequence[CheckResult],
    triage: Mapping[str, Triage],
    catalog: Catalog,
    policy: ScoringPolicy,
    missing: Sequence[str] = (),
) -> AgencyGrade:
    """Score and grade one agency; declared targets without results make the grade incomplete
    (a missing result can only hide a deduction, so the score is then an upper bound) and count
    every automated check of their kind as untested in the coverage."""
    counts = _count(results).model_copy(update={"untested": _untested(missing, catalog)})
    deductions: list[Deduction] = []
    excluded: list[Deduction] = []
    by_check = _by_check(results)
    for r in results:
        if r.status is not Status.FAIL:
            continue
        severity = catalog.check(r.check_id).severity
        state = triage.get(r.fingerprint, UNTRIAGED).state
        item = Deduction(
            fingerprint=r.fingerprint,
            check_id=r.check_id,
            target=r.target.key,
            severity=severity,
            points=policy.penalties[severity],
            triage=state,
            area=catalog.check(r.check_id).family.split(".")[0],
        )
        (excluded if state in policy.excluded_triage else deductions).append(item)
    worst_first = sorted(deductions, key=lambda d: (-d.points, d.check_id, d.target))
    risk = sum(d.points for d in deductions)
    score = policy.score_for(risk)
    coverage = counts.coverage
    complete = coverage is not None and coverage >= policy.min_coverage and not missing
    return AgencyGrade(
        agency=code,
        risk_points=risk,
        score=score,
        grade=policy.grade_for(score) if complete else policy.incomplete_grade,
        coverage=coverage,
        counts=counts,
        deductions=tuple(worst_first),
        excluded=tuple(excluded),
        clauses=tuple(
            clause_verdict(fw_id, clause, _of_checks(by_check, clause), catalog, triage)
            for fw_id, fw in catalog.frameworks.items()
            for clause in fw.clauses
        ),
        missing=tuple(missing),
    )


def _by_check(results: Iterable[CheckResult]) -> dict[str, list[CheckResult]]:
    grouped: dict[str, list[CheckResult]] = defaultdict(list)
    for r in results:
        grouped[r.check_id].append(r)
    return grouped


def _of_checks(by_check: Mapping[str, list[CheckResult]], clause: Clause) -> list[CheckResult]:
    """The results of a clause's checks: all that ``clause_verdict`` reads of a larger set (a
    clause is judged on each agency's results and the province's: grouped once, not rescanned)."""
    return [r for check_id in dict.fromkeys(clause.checks) for r in by_check.get(check_id, ())]


def _untested(missing: Sequence[str], catalog: Catalog) -> int:
    """How many automated checks the declared targets without results would have run."""
    per_kind: dict[str, int] = defaultdict(int)
    for entry in catalog.checks.values():
        if entry.mode is Mode.AUTOMATED:
            per_kind[entry.target] += 1
    return sum(per_kind.get(key.partition(":")[0], 0) for key in missing)


def _count(results: Iterable[CheckResult]) -> StatusCounts:
    tally = {status: 0 for status in Status}
    for r in results:
        tally[r.status] += 1
    return StatusCounts(
        passed=tally[Status.PASS],
        failed=tally[Status.FAIL],
        errored=tally[Status.ERROR],
        not_applicable=tally[Status.NOT_APPLICABLE],
    )


def clause_verdict(
    framework: str,
    clause: Clause,
    results: Iterable[CheckResult],
    catalog: Catalog,
    triage: Mapping[str, Triage],
) -> ClauseVerdict:
    """Judge one clause on a set of results (one agency's, or the whole province's).

    A failure marked false positive does not count against the clause; an accepted risk does
    (the requirement is still not met, someone chose to live with it).
    """
    automated = [c for c in clause.checks if catalog.check(c).mode is Mode.AUTOMATED]
    questions = tuple(c for c in clause.checks if c not in automated
                      and catalog.check(c).mode is not Mode.DETECTION)
    tested = set(automated)
    relevant = [r for r in results if r.check_id in tested]
    failed = _targets_by_check(
        r
        for r in relevant
        if r.status is Status.FAIL
        and triage.get(r.fingerprint, UNTRIAGED).state is not TriageState.FALSE_POSITIVE
    )
    errored = _targets_by_check(r for r in relevant if r.status is Status.ERROR)
    seen = {r.check_id for r in relevant}
    untested = tuple(c for c in automated if c not in seen)
    if not automated:
        status = ClauseStatus.SELF_ASSESSMENT
    elif failed:
        status = ClauseStatus.NOT_MET
    elif all(r.status is Status.ERROR for r in relevant):  # no result, or none that tested
        status = ClauseStatus.NOT_ASSESSED
    elif errored or untested:
        status = ClauseStatus.PARTIAL
    elif all(r.status is Status.NOT_APPLICABLE for r in relevant):
        status = ClauseStatus.NOT_APPLICABLE
    else:
        status = ClauseStatus.MET
    return ClauseVerdict(
        framework=framework,
        clause=clause.id,
        status=status,
        failed=failed,
        errored=errored,
        untested=untested,
        questions=questions,
    )


def _targets_by_check(results: Iterable[CheckResult]) -> tuple[CheckTargets, ...]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for r in results:
        grouped[r.check_id].add(r.target.key)
    return tuple(
        CheckTargets(check_id=c, targets=tuple(sorted(t))) for c, t in sorted(grouped.items())
    )


def _statuses(grade: AgencyGrade) -> dict[tuple[str, str], ClauseStatus]:
    """An agency's status per (framework, clause), the first verdict of each."""
    found: dict[tuple[str, str], ClauseStatus] = {}
    for v in grade.clauses:
        found.setdefault((v.framework, v.clause), v.status)
    return found


def _weakest(clauses: Sequence[ClauseSummary], limit: int) -> tuple[ClauseSummary, ...]:
    """Clauses the most agencies fail, then the most are only partly tested on."""
    failing = [c for c in clauses if c.count(ClauseStatus.NOT_MET)]
    ranked = sorted(
        failing,
        key=lambda c: (
            -c.count(ClauseStatus.NOT_MET),
            -c.count(ClauseStatus.PARTIAL),
            c.verdict.framework,
            c.verdict.clause,
        ),
    )
    return tuple(ranked[:limit])
