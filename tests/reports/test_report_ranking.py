"""Issue 12 item 7: grades that rank. Over a demo-like province, agencies are told apart (no
floor where most of them tie), the agency table is worst first, and fixing any one finding
strictly raises its agency's score."""

from __future__ import annotations

import re

import pytest
from demo_like import demo_like

from canhgac.catalog import load_catalog
from canhgac.engine.results import Status
from canhgac.reports.grading import ScoringPolicy, grade_report
from canhgac.reports.html import render_html


def test_demo_like_agencies_are_ordered_not_floored(policy: ScoringPolicy) -> None:
    grades = grade_report(demo_like(), load_catalog(), policy)
    scores = [g.score for g in grades.agencies]
    assert len(scores) == 12
    assert all(0 < s <= 100 for s in scores)
    with_findings = [g for g in grades.agencies if g.deductions]
    assert len({g.risk_points for g in with_findings}) == len({g.score for g in with_findings})
    assert len({round(s, 1) for s in scores}) >= 10  # the old floor left 10 of 12 at 0


def test_fixing_any_finding_strictly_raises_its_agency_score(policy: ScoringPolicy) -> None:
    catalog = load_catalog()
    report = demo_like()
    before = {g.agency: g.score for g in grade_report(report, catalog, policy).agencies}
    findings = [r for r in report.results if r.status is Status.FAIL]
    assert len(findings) > 50
    for finding in findings:
        # an agency's score depends on its own results alone: grade just that agency, for speed
        agency = tuple(a for a in report.agencies if a.code == finding.agency)
        own = tuple(r for r in report.results if r.agency == finding.agency)
        fixed = tuple(r.model_copy(update={"status": Status.PASS}) if r is finding else r for r in own)
        removed = tuple(r for r in own if r is not finding)
        for variant in (fixed, removed):
            alone = report.model_copy(update={"results": variant, "agencies": agency})
            after = grade_report(alone, catalog, policy)
            assert after.agency(finding.agency).score > before[finding.agency], finding.check_id


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_agency_table_is_worst_first(policy: ScoringPolicy, lang: str) -> None:
    catalog = load_catalog()
    report = demo_like(lang)
    grades = grade_report(report, catalog, policy)
    page = render_html(report, catalog, policy, grades)
    table = page[page.index('<table class="agencies">'):]
    table = table[:table.index("</table>")]
    codes = re.findall(r'href="#agency-([^"]+)"', table)
    expected = sorted(grades.agencies, key=lambda g: g.score)
    assert codes == [g.agency for g in expected]
    assert [g.agency for g in grades.ranked] == codes
    # the agency sections follow the same order
    sections = re.findall(r'<section class="agency" id="agency-([^"]+)"', page)
    assert sections == codes
    assert codes[-1] == "STTTT"  # the faultless control agency is last
