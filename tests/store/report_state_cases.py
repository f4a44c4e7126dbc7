"""The current state of every target, and reports built from it, run once per database backend.

Not collected directly: ``test_report_state.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), like ``store_cases.py``.
Regression cases for issue 9: defect 3 (``report`` after ``retest`` graded one check), defect 4
(a retest reused the settings of the run where the finding last failed) and the report side of
defect 2 (an interrupted run's report).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django
from canhgac.console.store.errors import RunNotFinishedError

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-state-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from canhgac import i18n  # noqa: E402
from canhgac.catalog import load_catalog  # noqa: E402
from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import RunStatus  # noqa: E402
from canhgac.engine.results import (  # noqa: E402
    CheckResult,
    ErrorReason,
    Outcome,
    Provenance,
    Status,
    errored,
    failed,
    passed,
)
from canhgac.engine.settings import ScanSettings  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.reports.exports import to_csv, to_json  # noqa: E402
from canhgac.reports.grading import grade_report, load_scoring  # noqa: E402
from canhgac.reports.html import render_html  # noqa: E402
from canhgac.services import reporting  # noqa: E402
from canhgac.services.retest import retest_target  # noqa: E402

ALL = queries.ViewerScope.everything()
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF, DMARC = "mail.spf.present", "mail.dmarc.policy"
PROVINCE = {"code": "KG", "name": "Tỉnh Kiên Giang"}
A, B = "SO-A", "SO-B"


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English for the cases that match them."""
    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def domain(name: str, agency: str = A) -> Target:
    return Target(kind=TargetKind.DOMAIN, name=name, agency=agency)


def result(check_id: str, target: Target, outcome: Outcome, discriminator: str = "") -> CheckResult:
    return CheckResult(
        check_id=check_id, target=target, status=outcome.status, message=outcome.message,
        evidence=outcome.evidence, error_reason=outcome.error_reason,
        discriminator=discriminator or outcome.discriminator,
        observed_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), duration_ms=1.0,
    )


def spf_fail(target: Target) -> CheckResult:
    return result(SPF, target, failed("missing"))


def spf_ok(target: Target) -> CheckResult:
    return result(SPF, target, passed("pass", record="v=spf1 -all"))


def dmarc_ok(target: Target) -> CheckResult:
    return result(DMARC, target, passed("pass", policy="reject", source="_dmarc"))


def run(*results: CheckResult, status: RunStatus = RunStatus.FINISHED, planned: int | None = None,
        whole: bool = False, agencies: tuple[str, ...] = (), settings: ScanSettings | None = None,
        ) -> models.ScanRun:
    """A stored run: ``whole`` scans the inventory (it names the province), else a retest."""
    filters = services.RunFilters(
        agencies=agencies, extra={"province": PROVINCE if whole or agencies else None})
    started = services.start_run(
        provenance=PROVENANCE, filters=filters,
        parameters=(settings or ScanSettings()).model_dump(mode="json"),
        target_count=planned if planned is not None else len({r.target.key for r in results}),
    )
    services.record_results(started, results)
    services.finish_run(started, status)
    return started


def state() -> dict[tuple[str, str, str], tuple[str, int]]:
    """(check, target, discriminator) -> (status, run id) of the current state."""
    return {
        (r.check_id, r.target_key, r.discriminator): (r.status, r.run_id)
        for r in queries.current_results(ALL)
    }


def province(*agencies: tuple[str, tuple[str, ...]]) -> None:
    services.sync_agencies(
        [{"code": code, "name": f"Sở {code}", "domains": domains} for code, domains in agencies])


a, b, c = domain("a.gov.vn"), domain("b.gov.vn"), domain("c.gov.vn", agency=B)


def test_report_after_retest_current_state_keeps_every_target() -> None:
    """Defect 3: a retest updates the state of its one check instead of replacing the report."""
    first = run(spf_fail(a), dmarc_ok(a), spf_ok(b), whole=True)
    retest = run(spf_ok(a))
    assert state() == {
        (SPF, a.key, ""): ("pass", retest.pk),
        (DMARC, a.key, ""): ("pass", first.pk),
        (SPF, b.key, ""): ("pass", first.pk),
    }
    runs = queries.state_runs(ALL, queries.current_results(ALL).values_list("run_id", "target_key"))
    assert [(s.run.pk, s.results, s.targets) for s in runs] == [(retest.pk, 1, 1), (first.pk, 2, 2)]


def test_report_after_narrow_scan_updates_only_what_it_scanned() -> None:
    """Defect 3: ``scan -a``/``-f`` narrows what changes, not what the report shows."""
    first = run(spf_fail(a), spf_fail(c), whole=True)
    narrow = run(spf_ok(c), agencies=(B,))
    assert state() == {(SPF, a.key, ""): ("fail", first.pk), (SPF, c.key, ""): ("pass", narrow.pk)}
    assert {r.agency_code for r in queries.current_results(queries.ViewerScope.agencies([B]))} == {B}


def test_current_state_takes_every_result_of_the_latest_run_of_a_check() -> None:
    """A check with several results on a target (discriminators): the latest run's set, whole."""
    run(result(SPF, a, failed("missing"), "one"), result(SPF, a, failed("missing"), "two"), whole=True)
    latest = run(result(SPF, a, failed("missing"), "one"))
    assert state() == {(SPF, a.key, "one"): ("fail", latest.pk)}


def test_current_state_ignores_running_runs_and_keeps_what_an_interrupted_run_did_not_reach() -> None:
    first = run(spf_fail(a), spf_fail(b), whole=True)
    cut = run(spf_ok(a), status=RunStatus.INTERRUPTED, planned=2, whole=True)
    running = services.start_run(provenance=PROVENANCE, target_count=1)
    services.record_results(running, [spf_fail(a)])
    assert state() == {(SPF, a.key, ""): ("pass", cut.pk), (SPF, b.key, ""): ("fail", first.pk)}


def test_current_state_is_one_query() -> None:
    """Efficient at province scale: one query whatever the number of targets and runs."""
    run(*(spf_fail(domain(f"d{i}.gov.vn")) for i in range(40)), whole=True)
    run(*(spf_ok(domain(f"d{i}.gov.vn")) for i in range(0, 40, 3)))
    with CaptureQueriesContext(connection) as captured:
        rows = list(queries.current_results(ALL))
    assert len(captured.captured_queries) == 1
    assert len(rows) == 40
    assert sum(1 for r in rows if r.status == "pass") == 14


def test_report_after_retest_grades_the_whole_province() -> None:
    """Defect 3, as seen: ``retest; report`` wrote one agency, one check and no province title."""
    province((A, ("a.gov.vn", "b.gov.vn")), (B, ("c.gov.vn",)))
    first = run(spf_fail(a), dmarc_ok(a), spf_ok(b), spf_fail(c), whole=True)
    retest = run(spf_ok(a))
    report = reporting.report_input(lang="en")
    assert report.scope == "state"
    assert report.province.name == PROVINCE["name"]
    assert [x.code for x in report.agencies] == [A, B]
    assert sorted((r.check_id, r.target.key, r.status.value) for r in report.results) == [
        (DMARC, a.key, "pass"), (SPF, a.key, "pass"), (SPF, b.key, "pass"), (SPF, c.key, "fail")]
    assert [(r.id, r.kind) for r in report.runs] == [(str(retest.pk), "retest"), (str(first.pk), "scan")]
    assert report.missing == {}
    grades = grade_report(report, load_catalog(), load_scoring())
    assert [g.agency for g in grades.agencies] == [A, B]
    html = render_html(report, load_catalog(), load_scoring())
    assert "Tỉnh Kiên Giang" in html and "Scans behind this report" in html
    one_run = reporting.report_input(retest.pk, lang="en")
    assert one_run.scope == "run" and len(one_run.results) == 1
    assert one_run.province.name == PROVINCE["name"]  # a retest names no province: the latest does


def test_report_of_interrupted_run_says_so_and_counts_no_missing_target() -> None:
    """Defect 2, report side: an interrupted run is reportable, says so first, and grades an
    agency with declared targets left unscanned incomplete (never better for missing results)."""
    province((A, ("a.gov.vn", "b.gov.vn")), (B, ("c.gov.vn",)))
    cut = run(spf_ok(a), dmarc_ok(a), spf_ok(c), status=RunStatus.INTERRUPTED, planned=3, whole=True)
    report = reporting.report_input(cut.pk, lang="en")
    assert report.run.interrupted and report.run.scanned_targets == 2 and report.run.planned_targets == 3
    assert report.missing == {A: (b.key,)}
    policy = load_scoring()
    grades = grade_report(report, load_catalog(), policy)
    assert grades.agency(A).grade == policy.incomplete_grade
    assert grades.agency(A).missing == (b.key,)
    assert grades.agency(B).grade != policy.incomplete_grade
    summary = render_html(report, load_catalog(), policy).split('<section id="method">')[0]
    assert f"Scan {cut.pk} was interrupted" in summary
    assert "2 of 3 planned targets have results" in summary
    vi = render_html(report.model_copy(update={"lang": "vi"}), load_catalog(), policy)
    assert f"Lượt quét {cut.pk} đã bị ngắt" in vi.split('<section id="method">')[0]


@pytest.mark.usefixtures("english")
def test_report_of_a_running_run_is_refused_with_a_message() -> None:
    running = services.start_run(provenance=PROVENANCE, target_count=1)
    with pytest.raises(RunNotFinishedError) as refused:
        reporting.report_input(running.pk)
    assert (refused.value.run_id, refused.value.status) == (running.pk, "running")


@pytest.mark.usefixtures("english")
def test_report_out_existing_file_is_a_one_line_error(tmp_path: Path) -> None:
    """Defect 7: ``report --out FILE`` was a traceback (mkdir on a file)."""
    run(spf_ok(a), whole=True)
    existing = tmp_path / "report.html"
    existing.write_text("kept", encoding="utf-8")
    with pytest.raises(reporting.ReportOutputError, match="is a file; --out names the folder") as caught:
        reporting.write_reports(None, existing)
    assert "\n" not in str(caught.value)
    assert existing.read_text(encoding="utf-8") == "kept"


def test_retest_reopens_fixed_finding_no_more_it_uses_the_latest_run_that_evaluated_it() -> None:
    """Defect 4: the settings come from the latest run that looked at the finding (here the one
    that found it fixed, with a CA file), not from the run where it last failed."""
    failing = run(spf_fail(a), whole=True, settings=ScanSettings())
    fixing = run(spf_ok(a), whole=True, settings=ScanSettings(ca_file="/lab/ca.pem"))
    fp = spf_fail(a).fingerprint
    target = retest_target(fp[:8])
    assert target.lifecycle == "fixed" and target.fixed_in_run == fixing.pk
    assert target.settings_run == fixing.pk != failing.pk
    assert target.settings.ca_file == "/lab/ca.pem"
    overridden = retest_target(fp, overrides={"ca_file": None, "dns_timeout": 0.5})
    assert overridden.settings.ca_file is None and overridden.settings.dns_timeout == 0.5
    with pytest.raises(ValueError, match="dns_timeout"):
        retest_target(fp, overrides={"dns_timeout": 0})
    with pytest.raises(ValueError, match="cannot override scope"):
        retest_target(fp, overrides={"scope": {}})


def test_status_names_match_the_report_model() -> None:
    from canhgac.reports.model import RunStatus as ReportedRunStatus

    assert {s.value for s in queries.REPORTABLE} == {s.value for s in ReportedRunStatus}
    assert Status.PASS.value == "pass"


def test_new_since_last_scan_tells_new_problems_from_targets_first_tested() -> None:
    """Issue 12 item 7: a finding is new only where the previous scan tested that target and
    check and it passed; where it errored or had no result, it is tested for the first time."""
    province((A, ("a.gov.vn", "b.gov.vn")), (B, ("c.gov.vn",)))
    run(spf_ok(a), result(SPF, b, errored(ErrorReason.TIMEOUT, "no answer")), whole=True)
    latest = run(spf_fail(a), spf_fail(b), spf_fail(c), whole=True)
    changes = reporting.report_input(latest.pk, lang="en").changes
    fp = {t: spf_fail(t).fingerprint for t in (a, b, c)}
    assert set(changes.new) == set(fp.values())
    assert set(changes.first_tested) == {fp[b], fp[c]}
    summary = render_html(reporting.report_input(latest.pk, lang="en"), load_catalog(), load_scoring())
    assert "2 findings are on targets or checks that scan could not test" in summary
    assert summary.count('<span class="chg chg-first_tested">First tested now</span>') == 2
    assert summary.count('<span class="chg chg-new">New</span>') == 1


def test_agency_report_holds_that_agency_alone() -> None:
    """Issue 12 item 8: ``report --agency CODE`` can be sent to the agency's head: no other
    agency's code, name, grade or finding anywhere in it (HTML, JSON, CSV)."""
    province((A, ("a.gov.vn", "b.gov.vn")), (B, ("c.gov.vn",)))
    run(spf_fail(a), dmarc_ok(a), spf_fail(c), whole=True)
    latest = run(spf_fail(a), spf_ok(b), spf_fail(c), dmarc_ok(c), whole=True)
    report = reporting.report_input(lang="vi", agency=B)
    assert [x.code for x in report.agencies] == [B]
    assert {r.agency for r in report.results} == {B}
    assert report.province.name == f"{PROVINCE['name']} — Sở {B}"
    catalog, policy = load_catalog(), load_scoring()
    for text in (render_html(report, catalog, policy), to_json(report, catalog, policy),
                 to_csv(report, catalog).decode("utf-8-sig")):
        assert A not in text and f"Sở {A}" not in text and "a.gov.vn" not in text
        assert spf_fail(a).fingerprint not in text
        assert B in text and "c.gov.vn" in text
    seen = report.seen[spf_fail(c).fingerprint]
    assert seen.first_seen < seen.last_seen == latest.started_at
    with pytest.raises(reporting.UnknownAgencyError, match="NOPE"):
        reporting.report_input(agency="NOPE")
