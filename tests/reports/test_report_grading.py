"""Grading on hand-built inputs: exact scores, bands, deductions, exclusions, clause statuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from report_builders import report, result

from canhgac.catalog import Catalog, Mode, Severity
from canhgac.engine.results import Status
from canhgac.engine.targets import TargetKind
from canhgac.reports.grading import (
    ClauseStatus,
    ScoringPolicy,
    clause_verdict,
    grade_report,
)
from canhgac.reports.model import Triage, TriageState

P, F, E, NA = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE


def _clause(catalog: Catalog, clause_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in catalog.frameworks["FW"].clauses if c.id == clause_id)


def test_packaged_policy_values(policy: ScoringPolicy) -> None:
    assert policy.penalties == {
        Severity.CRITICAL: 40, Severity.HIGH: 15, Severity.MEDIUM: 6, Severity.LOW: 2,
        Severity.INFO: 1,
    }
    assert policy.half_score_points == 100
    assert [(b.grade, b.min_score) for b in policy.bands] == [
        ("A", 90), ("B", 75), ("C", 60), ("D", 40), ("F", 0)
    ]
    assert policy.excluded_triage == {TriageState.ACCEPTED_RISK, TriageState.FALSE_POSITIVE}


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (90, "A"), (89, "B"), (75, "B"), (74, "C"), (60, "C"), (59, "D"), (40, "D"),
     (39, "F"), (0, "F")],
)
def test_band_edges(policy: ScoringPolicy, score: int, grade: str) -> None:
    assert policy.grade_for(score) == grade


def test_score_comes_from_the_risk_points_shown(catalog: Catalog, policy: ScoringPolicy) -> None:
    results = [
        result("t.mail.spf", "a", F),
        result("t.mail.dmarc", "a", F),
        result("t.mail.dkim", "a", P, key="pass"),
        result("t.info.banner", "a", F, key="shown", banner="nginx/1.0"),
        result("t.web.header", "a", F, target="https://a.gov.vn/", kind=TargetKind.URL, header="CSP"),
    ]
    grade = grade_report(report(results), catalog, policy).agency("a")
    assert [(d.check_id, d.points) for d in grade.deductions] == [
        ("t.mail.spf", 15), ("t.mail.dmarc", 6), ("t.web.header", 2), ("t.info.banner", 1)
    ]
    assert [d.area for d in grade.deductions] == ["mail", "mail", "web", "info"]
    assert grade.deductions[2].target == "url:https://a.gov.vn/"
    assert grade.risk_points == 15 + 6 + 2 + 1 == 24
    assert grade.score == pytest.approx(100 * 100 / (100 + 24))  # 80.6
    assert grade.grade == "B"
    assert (grade.counts.passed, grade.counts.failed, grade.counts.errored) == (1, 4, 0)
    assert grade.coverage == 1.0


def test_each_failed_target_costs_and_score_never_reaches_zero(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    results = [result("t.mail.dkim", "b", F, target=f"d{i}.b.gov.vn") for i in range(3)]
    grade = grade_report(report(results), catalog, policy).agency("b")
    assert [d.points for d in grade.deductions] == [40, 40, 40]
    assert grade.risk_points == 120
    assert grade.score == pytest.approx(100 * 100 / 220)  # 45.5
    assert grade.grade == "D"
    worse = [result("t.mail.dkim", "b", F, target=f"d{i}.b.gov.vn") for i in range(30)]
    worst = grade_report(report(worse), catalog, policy).agency("b")
    assert 0 < worst.score < grade.score and worst.grade == "F"


def test_accepted_risk_and_false_positive_are_listed_not_counted(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    spf = result("t.mail.spf", "c", F)
    dmarc = result("t.mail.dmarc", "c", F)
    dkim = result("t.mail.dkim", "c", F)
    triage = {
        spf.fingerprint: Triage(state=TriageState.ACCEPTED_RISK, note="legacy relay"),
        dmarc.fingerprint: Triage(state=TriageState.FALSE_POSITIVE),
        dkim.fingerprint: Triage(state=TriageState.CONFIRMED, assignee="an"),
    }
    grades = grade_report(report([spf, dmarc, dkim], triage=triage), catalog, policy)
    grade = grades.agency("c")
    assert [d.check_id for d in grade.deductions] == ["t.mail.dkim"]
    assert {(d.check_id, d.triage) for d in grade.excluded} == {
        ("t.mail.spf", TriageState.ACCEPTED_RISK),
        ("t.mail.dmarc", TriageState.FALSE_POSITIVE),
    }
    assert grade.score == pytest.approx(100 * 100 / 140)  # 71.4
    assert grade.grade == "C"
    assert grades.excluded_findings == 2
    assert grades.findings_by_severity[Severity.CRITICAL] == 1
    assert grades.findings_by_severity[Severity.HIGH] == 0


def test_errors_are_not_passes(catalog: Catalog, policy: ScoringPolicy) -> None:
    only_errors = [result("t.mail.spf", "d", E), result("t.mail.dkim", "d", E)]
    half = [result("t.mail.spf", "e", P, key="pass", record="v=spf1 -all"),
            result("t.mail.dkim", "e", E)]
    mostly = [result("t.mail.spf", "g", P, key="pass", record="v=spf1 -all"),
              result("t.mail.dkim", "g", E), result("t.mail.dmarc", "g", E)]
    grades = grade_report(report(only_errors + half + mostly), catalog, policy)
    d, e, g = grades.agency("d"), grades.agency("e"), grades.agency("g")
    assert (d.score, d.coverage, d.grade, d.deductions) == (100, 0.0, "?", ())
    assert (e.coverage, e.grade) == (0.5, "A")
    assert g.coverage == pytest.approx(1 / 3)
    assert g.grade == "?"
    assert d.counts.errored == 2


def test_agency_with_only_not_applicable_is_incomplete(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    grades = grade_report(report([result("t.mail.dkim", "h", NA, key="no-mail")]), catalog, policy)
    assert grades.agency("h").coverage is None
    assert grades.agency("h").grade == "?"


def test_listed_agency_without_results_is_graded_incomplete(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    grades = grade_report(
        report([result("t.mail.spf", "a", F)], agencies=("a", "quiet")), catalog, policy
    )
    assert [g.agency for g in grades.agencies] == ["a", "quiet"]
    assert grades.agency("quiet").grade == "?"
    assert grades.agency("quiet").clauses[0].status is ClauseStatus.NOT_ASSESSED


@pytest.mark.parametrize(
    ("clause_id", "results", "status"),
    [
        ("1", [("t.mail.spf", P), ("t.mail.dmarc", P)], ClauseStatus.MET),
        ("1", [("t.mail.spf", P), ("t.mail.dmarc", F)], ClauseStatus.NOT_MET),
        ("1", [("t.mail.spf", E), ("t.mail.dmarc", F)], ClauseStatus.NOT_MET),
        ("1", [("t.mail.spf", P), ("t.mail.dmarc", E)], ClauseStatus.PARTIAL),
        ("1", [("t.mail.spf", P)], ClauseStatus.PARTIAL),
        ("1", [], ClauseStatus.NOT_ASSESSED),
        ("1", [("t.mail.spf", E), ("t.mail.dmarc", E)], ClauseStatus.NOT_ASSESSED),  # nothing tested
        ("1", [("t.mail.spf", E)], ClauseStatus.NOT_ASSESSED),
        ("2", [("t.mail.dkim", NA)], ClauseStatus.NOT_APPLICABLE),
        ("2", [("t.mail.dkim", NA), ("t.mail.dkim", P)], ClauseStatus.MET),
        ("3", [("t.mail.spf", F)], ClauseStatus.SELF_ASSESSMENT),
        ("5", [("t.info.banner", P)], ClauseStatus.MET),
    ],
)
def test_clause_status(
    catalog: Catalog, clause_id: str, results: list[tuple[str, Status]], status: ClauseStatus
) -> None:
    rs = [
        result(check, "a", st, key="pass", target=f"d{i}.a.gov.vn", record="r", banner="b")
        for i, (check, st) in enumerate(results)
    ]
    verdict = clause_verdict("FW", _clause(catalog, clause_id), rs, catalog, {})
    assert verdict.status is status


def test_clause_says_why(catalog: Catalog) -> None:
    rs = [
        result("t.mail.spf", "a", F, target="x.a.gov.vn"),
        result("t.mail.spf", "a", F, target="y.a.gov.vn"),
        result("t.mail.dmarc", "a", E, target="x.a.gov.vn"),
    ]
    verdict = clause_verdict("FW", _clause(catalog, "1"), rs, catalog, {})
    assert verdict.status is ClauseStatus.NOT_MET
    assert [(f.check_id, f.targets) for f in verdict.failed] == [
        ("t.mail.spf", ("domain:x.a.gov.vn", "domain:y.a.gov.vn"))
    ]
    assert [(e.check_id, e.targets) for e in verdict.errored] == [
        ("t.mail.dmarc", ("domain:x.a.gov.vn",))
    ]
    self_assessed = clause_verdict("FW", _clause(catalog, "5"), rs, catalog, {})
    assert self_assessed.questions == ("t.sa.password",)
    assert self_assessed.untested == ("t.info.banner",)


def test_clause_ignores_false_positive_but_not_accepted_risk(catalog: Catalog) -> None:
    spf = result("t.mail.spf", "a", F)
    dmarc = result("t.mail.dmarc", "a", P, key="pass")
    clause = _clause(catalog, "1")
    fp = {spf.fingerprint: Triage(state=TriageState.FALSE_POSITIVE)}
    accepted = {spf.fingerprint: Triage(state=TriageState.ACCEPTED_RISK)}
    assert clause_verdict("FW", clause, [spf, dmarc], catalog, fp).status is ClauseStatus.MET
    assert (
        clause_verdict("FW", clause, [spf, dmarc], catalog, accepted).status
        is ClauseStatus.NOT_MET
    )


def test_province_distribution_and_weakest_clauses(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    results = [
        # a: fails clause 1 and 2 -> 15 + 40 = 55 risk points, 100 × 100 / 155 = 64.5 (C)
        result("t.mail.spf", "a", F), result("t.mail.dmarc", "a", P, key="pass"),
        result("t.mail.dkim", "a", F),
        # b: fails clause 1 only -> 6 risk points, 100 × 100 / 106 = 94.3 (A)
        result("t.mail.spf", "b", P, key="pass", record="v=spf1 -all"),
        result("t.mail.dmarc", "b", F), result("t.mail.dkim", "b", P, key="pass"),
        # c: passes everything it was tested on -> 100 (A)
        result("t.mail.spf", "c", P, key="pass", record="v=spf1 -all"),
        result("t.mail.dmarc", "c", P, key="pass"), result("t.mail.dkim", "c", E),
    ]
    grades = grade_report(report(results), catalog, policy)
    assert [(g.agency, round(g.score, 1), g.grade) for g in grades.agencies] == [
        ("a", 64.5, "C"), ("b", 94.3, "A"), ("c", 100, "A")
    ]
    assert [g.agency for g in grades.ranked] == ["a", "b", "c"]
    assert grades.distribution == {"A": 2, "B": 0, "C": 1, "D": 0, "F": 0, "?": 0}
    assert [(w.verdict.clause, w.count(ClauseStatus.NOT_MET)) for w in grades.weakest] == [
        ("1", 2), ("2", 1)
    ]
    by_clause = {s.verdict.clause: s for s in grades.clauses}
    assert by_clause["2"].agencies == {  # c's only result of clause 2 is an error: nothing was tested
        "a": ClauseStatus.NOT_MET, "b": ClauseStatus.MET, "c": ClauseStatus.NOT_ASSESSED
    }
    assert by_clause["2"].verdict.status is ClauseStatus.NOT_MET
    assert by_clause["4"].verdict.status is ClauseStatus.NOT_ASSESSED
    assert grades.findings_by_severity == {
        Severity.CRITICAL: 1, Severity.HIGH: 1, Severity.MEDIUM: 1, Severity.LOW: 0,
        Severity.INFO: 0,
    }


@pytest.mark.parametrize(
    "bands",
    [
        [{"grade": "A", "min_score": 90}, {"grade": "B", "min_score": 95},
         {"grade": "F", "min_score": 0}],
        [{"grade": "A", "min_score": 90}, {"grade": "F", "min_score": 10}],
        [],
    ],
)
def test_policy_rejects_bad_bands(bands: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        ScoringPolicy.model_validate(
            {
                "penalties": {s.value: 1 for s in Severity},
                "half_score_points": 100,
                "bands": bands,
                "min_coverage": 0.5,
                "incomplete_grade": "?",
                "excluded_triage": [],
            }
        )


def test_policy_needs_every_severity() -> None:
    with pytest.raises(ValidationError, match="penalties lack"):
        ScoringPolicy.model_validate(
            {
                "penalties": {"high": 15},
                "half_score_points": 100,
                "bands": [{"grade": "A", "min_score": 0}],
                "min_coverage": 0.5,
                "incomplete_grade": "?",
                "excluded_triage": [],
            }
        )


def test_interrupted_run_missing_targets_never_improve_a_grade(
    catalog: Catalog, policy: ScoringPolicy
) -> None:
    """Issue 9, defect 2 (report side): a declared target without a result is not covered.

    Agency "a" passes on the one domain that was scanned; its second domain has no result (an
    interrupted run). Without the missing target it would be an A; with it, it is incomplete,
    and never better than the same agency with every target scanned and one failing.
    """
    scanned = [result("t.mail.spf", "a", P, key="pass", record="v=spf1 -all")]
    base = report(scanned)
    partial = base.model_copy(update={"missing": {"a": ("domain:two.a.gov.vn",)}})
    assert grade_report(base, catalog, policy).agency("a").grade == "A"
    graded = grade_report(partial, catalog, policy).agency("a")
    assert (graded.grade, graded.missing) == (policy.incomplete_grade, ("domain:two.a.gov.vn",))
    assert graded.score == 100  # printed, an upper bound: the missing target may still fail
    # every automated domain check of the missing domain counts as untested, not as covered
    domain_checks = sum(
        1 for c in catalog.checks.values() if c.target == "domain" and c.mode is Mode.AUTOMATED)
    assert domain_checks > 0
    assert graded.counts.untested == domain_checks
    assert graded.coverage == pytest.approx(1 / (1 + domain_checks))


@pytest.mark.parametrize("points", [{"info": 0}, {"half_score_points": 0}])
def test_policy_refuses_a_finding_that_costs_nothing(points: dict[str, int]) -> None:
    """Issue 12 item 7: fixing any finding must raise the score, so nothing may cost 0."""
    penalties = {s.value: 1 for s in Severity} | {k: v for k, v in points.items() if k != "half_score_points"}
    with pytest.raises(ValidationError, match="at least 1"):
        ScoringPolicy.model_validate(
            {
                "penalties": penalties,
                "half_score_points": points.get("half_score_points", 100),
                "bands": [{"grade": "A", "min_score": 0}],
                "min_coverage": 0.5,
                "incomplete_grade": "?",
                "excluded_triage": [],
            }
        )
