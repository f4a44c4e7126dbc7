"""The findings pages through Django's test client, on a small real store, once per backend.

Not collected directly: ``test_findings_pages_backends.py`` runs this module in a fresh process
per backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set). Agency A has
three findings (one fixed by the second run), agency B one; B's officer must never reach A's
findings, by list, by URL or by a triage form.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-findings-pages-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from web_store_support import A_NAME, B_NAME, PROVENANCE, A, B, create_users  # noqa: E402
from web_store_support import logged_in as _client  # noqa: E402
from web_store_support import result as _result  # noqa: E402

from canhgac.console.store import services  # noqa: E402
from canhgac.console.store.models import Finding, RiskAcceptance, RunStatus, TriageChange  # noqa: E402
from canhgac.engine.results import CheckResult, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.services.finding_pages import PER_PAGE  # noqa: E402
from canhgac.services.reporting import report_input  # noqa: E402

setup_test_environment()
UNTIL = "2099-12-31"
EVIDENCE = {"txt": ["google-site-verification=a1"]}
ROW = re.compile(r'<tr id="finding-([0-9a-f]{32})">')


@dataclass(frozen=True)
class World:
    a: tuple[str, ...]  # A's fingerprints: SPF (open), DMARC (open), HSTS-less web (fixed)
    b: str  # B's one finding


def _domain(code: str, name: str) -> Target:
    return Target(kind=TargetKind.DOMAIN, name=name, agency=code)


def _run(results: list[CheckResult]) -> None:
    run = services.start_run(provenance=PROVENANCE, filters=services.RunFilters(
        extra={"province": {"code": "P", "name": "Tỉnh Thử"}}))
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)


def _fingerprint(check_id: str, target: str) -> str:
    return Finding.objects.get(check_id=check_id, target_key=f"domain:{target}").fingerprint


@pytest.fixture
def world() -> Iterator[World]:
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": A_NAME, "domains": ["alpha.gov.vn", "mail.alpha.gov.vn"]},
            {"code": B, "name": B_NAME, "domains": ["beta.gov.vn"]},
        ])
        alpha, alpha2, beta = (_domain(A, "alpha.gov.vn"), _domain(A, "mail.alpha.gov.vn"),
                               _domain(B, "beta.gov.vn"))
        _run([
            _result("mail.spf.present", alpha, failed("missing", EVIDENCE)),
            _result("mail.dmarc.policy", alpha, failed("none", source="_dmarc.alpha.gov.vn")),
            _result("mail.spf.present", alpha2, failed("missing")),
            _result("mail.spf.present", beta, failed("missing")),
        ])
        _run([  # the second run: alpha2's SPF is fixed, the others still fail
            _result("mail.spf.present", alpha, failed("missing", EVIDENCE), 9),
            _result("mail.dmarc.policy", alpha, failed("none", source="_dmarc.alpha.gov.vn"), 9),
            _result("mail.spf.present", alpha2, passed("pass", record="v=spf1 -all"), 9),
            _result("mail.spf.present", beta, failed("missing"), 9),
        ])
        create_users()
        a = (_fingerprint("mail.spf.present", "alpha.gov.vn"),
             _fingerprint("mail.dmarc.policy", "alpha.gov.vn"),
             _fingerprint("mail.spf.present", "mail.alpha.gov.vn"))
        yield World(a, _fingerprint("mail.spf.present", "beta.gov.vn"))
        transaction.set_rollback(True)


def _text(answer: object) -> str:
    return answer.content.decode(errors="replace")  # type: ignore[attr-defined]


def _rows(answer: object) -> list[str]:
    assert answer.status_code == 200, _text(answer)[:800]  # type: ignore[attr-defined]
    return ROW.findall(_text(answer))


# --- the list --------------------------------------------------------------------------------

def test_the_list_shows_open_findings_in_vietnamese_worst_first(world: World) -> None:
    page = _client("analyst").get("/findings/")
    text = _text(page)
    assert '<html lang="vi">' in text and "Phát hiện" in text and "Mức độ" in text
    spf_a, dmarc_a, _fixed = world.a
    assert set(_rows(page)) == {spf_a, dmarc_a, world.b}  # the fixed one is not open
    assert "Tên miền có bản ghi SPF" in text and 'href="/findings/' + spf_a + '/"' in text
    assert 'aria-current="page">Phát hiện</a>' in text  # the navigation's link


def test_filters_narrow_the_list(world: World) -> None:
    client = _client("analyst")
    spf_a, dmarc_a, fixed_a = world.a
    assert set(_rows(client.get(f"/findings/?agency={A}"))) == {spf_a, dmarc_a}
    assert set(_rows(client.get("/findings/?lifecycle=fixed"))) == {fixed_a}
    assert set(_rows(client.get("/findings/?lifecycle=all"))) == {*world.a, world.b}
    assert set(_rows(client.get("/findings/?family=mail.dmarc"))) == {dmarc_a}
    assert set(_rows(client.get("/findings/?q=beta"))) == {world.b}
    assert set(_rows(client.get("/findings/?q=google-site-verification"))) == {spf_a}  # the evidence
    assert set(_rows(client.get("/findings/?triage=confirmed"))) == set()
    assert "Không có phát hiện nào khớp" in _text(client.get("/findings/?triage=confirmed"))
    severities = {r for s in ("critical", "high", "medium", "low", "info")
                  for r in _rows(client.get(f"/findings/?severity={s}"))}
    assert severities == {spf_a, dmarc_a, world.b}  # each finding has exactly one severity
    clause = _rows(client.get("/findings/?clause=CV430"))
    assert set(clause) <= {spf_a, dmarc_a, world.b} and clause


def test_a_tampered_filter_value_is_refused_on_one_line(world: World) -> None:
    client = _client("analyst")
    for query in ("severity=urgent", "family=mail.nope", "lifecycle=gone", "triage=maybe",
                  "clause=CV999:1", "sort=random", "agency=SO-NONE"):
        page = client.get(f"/findings/?{query}")
        assert page.status_code == 200 and 'id="filter-error"' in _text(page), query
        assert _rows(page) == [], query
    assert _rows(client.get("/findings/?page=x&order=sideways")) != []  # ignored, not an error


def test_sorting_by_each_column_and_reversed(world: World) -> None:
    client = _client("analyst")
    spf_a, dmarc_a, _fixed = world.a
    by_agency = _rows(client.get("/findings/?sort=agency"))
    assert by_agency[-1] == world.b and set(by_agency[:2]) == {spf_a, dmarc_a}
    assert _rows(client.get("/findings/?sort=agency&order=desc")) == list(reversed(by_agency))
    by_check = _rows(client.get("/findings/?sort=check"))
    assert by_check[0] == dmarc_a  # mail.dmarc.policy before mail.spf.present
    for sort in ("severity", "first-seen", "last-seen"):
        rows = _rows(client.get(f"/findings/?sort={sort}"))
        assert sorted(rows) == sorted([spf_a, dmarc_a, world.b]), sort
        assert _rows(client.get(f"/findings/?sort={sort}&order=desc")) == list(reversed(rows)), sort


def test_pages_of_fifty_with_a_count(world: World) -> None:
    targets = [_domain(A, f"h{i:03d}.alpha.gov.vn") for i in range(PER_PAGE * 2 + 7)]
    services.sync_agencies([
        {"code": A, "name": A_NAME, "domains": ["alpha.gov.vn", "mail.alpha.gov.vn"]
         + [t.name for t in targets]},
        {"code": B, "name": B_NAME, "domains": ["beta.gov.vn"]},
    ])
    _run([_result("mail.spf.present", t, failed("missing"), 10) for t in targets])
    client = _client("analyst")
    first = client.get(f"/findings/?agency={A}&sort=agency")
    total = len(targets) + 2
    assert f"{total} phát hiện" in _text(first) and "trang 1 / 3" in _text(first)
    seen = [*_rows(first)]
    assert len(seen) == PER_PAGE and 'rel="next"' in _text(first)
    for number in (2, 3):
        seen += _rows(client.get(f"/findings/?agency={A}&sort=agency&page={number}"))
    assert len(seen) == total and len(set(seen)) == total  # every finding once, none twice
    beyond = client.get(f"/findings/?agency={A}&sort=agency&page=99")
    assert _rows(beyond) == seen[2 * PER_PAGE:]  # asked beyond the end: the last page


def test_an_htmx_request_gets_the_results_region_only(world: World) -> None:
    client = _client("analyst")
    swap = client.get(f"/findings/?agency={A}", HTTP_HX_REQUEST="true")
    text = _text(swap)
    assert "<html" not in text and 'hx-get="/findings/"' in text and len(_rows(swap)) == 2
    assert "HX-Request" in swap["Vary"]
    restore = client.get("/findings/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in _text(restore)  # going back in history needs the whole page
    full = _text(client.get("/findings/"))
    assert 'method="get" action="/findings/"' in full  # the form works without JavaScript too


# --- one finding -----------------------------------------------------------------------------

def test_the_finding_page_has_evidence_remediation_and_history(world: World) -> None:
    client = _client("analyst")
    spf_a, _dmarc, fixed_a = world.a
    page = _text(client.get(f"/findings/{spf_a}/"))
    assert "google-site-verification=a1" in page  # the evidence
    assert "v=spf1" in page and "<p>" in page  # the remediation, Markdown rendered
    assert page.count('<tr class="hist-lifecycle">') == 2  # opened (new), then still open
    fixed = _text(client.get(f"/findings/{fixed_a}/"))
    assert fixed.count('<tr class="hist-lifecycle">') == 2 and "Đã khắc phục" in fixed
    assert client.get(f"/findings/{spf_a[:8]}/").status_code == 200  # a unique prefix, as the CLI
    for bad in ("0" * 32, "not-a-fingerprint", spf_a + "00", "%00"):
        assert client.get(f"/findings/{bad}/").status_code == 404, bad


# --- triage ----------------------------------------------------------------------------------

def test_triage_one_finding_is_audited_and_shown_in_its_history(world: World) -> None:
    client = _client("analyst")
    spf_a = world.a[0]
    answer = client.post(f"/findings/{spf_a}/triage/", {"status": "confirmed", "assignee": "lan",
                                                        "note": "đang xử lý"})
    assert answer.status_code == 302 and answer["Location"] == f"/findings/{spf_a}/?saved=1"
    finding = Finding.objects.get(fingerprint=spf_a)
    assert (finding.triage, finding.assignee, finding.note, finding.triaged_by) == (
        "confirmed", "lan", "đang xử lý", "analyst")
    changes = TriageChange.objects.filter(finding=finding)
    assert sorted(changes.values_list("field", flat=True)) == ["assignee", "note", "triage"]
    page = _text(client.get(answer["Location"]))
    assert page.count('<tr class="hist-triage">') == 3 and "Đã xác nhận" in page
    assert "Đã lưu phân loại" in page


def test_a_false_positive_needs_its_reason(world: World) -> None:
    client = _client("analyst")
    spf_a = world.a[0]
    refused = client.post(f"/findings/{spf_a}/triage/", {"status": "false_positive", "note": " "})
    assert refused.status_code == 400 and "cần lý do" in _text(refused)
    assert Finding.objects.get(fingerprint=spf_a).triage == "untriaged"
    assert client.post(f"/findings/{spf_a}/triage/", {"status": "maybe"}).status_code == 400
    long = client.post(f"/findings/{spf_a}/triage/", {"status": "confirmed", "assignee": "x" * 151})
    assert long.status_code == 400
    done = client.post(f"/findings/{spf_a}/triage/", {"status": "false_positive",
                                                      "note": "bản ghi SPF nằm ở tên miền cha"})
    assert done.status_code == 302 and Finding.objects.get(fingerprint=spf_a).triage == "false_positive"


def test_an_accepted_risk_needs_its_last_day_and_lapses_after_it(world: World) -> None:
    client = _client("analyst")
    spf_a, dmarc_a, _fixed = world.a
    url = f"/findings/{spf_a}/triage/"
    for until, refusal in (("", "cần ngày cuối"), ("31/12/2099", "YYYY-MM-DD"), ("2001-01-01", "quá khứ")):
        answer = client.post(url, {"status": "accepted_risk", "accepted_until": until})
        assert answer.status_code == 400 and refusal in _text(answer), until
    assert client.post(url, {"status": "accepted_risk", "accepted_until": UNTIL}).status_code == 302
    finding = Finding.objects.get(fingerprint=spf_a)
    assert (finding.triage, finding.accepted_until) == ("accepted_risk", date(2099, 12, 31))
    audit = TriageChange.objects.get(finding=finding, field="accepted_until")
    assert (audit.before, audit.after) == ("", UNTIL)
    assert "chấp nhận đến hết 31/12/2099" in _text(client.get(f"/findings/{spf_a}/"))
    assert set(_rows(client.get("/findings/?triage=accepted_risk"))) == {spf_a}
    # the last day passed (set directly: the form refuses a past day)
    RiskAcceptance.objects.filter(finding=finding).update(until=date.today() - timedelta(days=2))
    assert _rows(client.get("/findings/?triage=accepted_risk")) == []
    assert spf_a in _rows(client.get("/findings/?triage=untriaged"))
    page = _text(client.get(f"/findings/{spf_a}/"))
    assert "Chưa phân loại" in page and "việc chấp nhận đã hết hạn" in page
    report = report_input(None, "vi")  # the reports and the dashboard grade it as untriaged
    assert report.triage[spf_a].state.value == "untriaged"
    assert client.post(url, {"status": "confirmed"}).status_code == 302  # another state clears the day
    assert Finding.objects.get(pk=finding.pk).accepted_until is None and not RiskAcceptance.objects.exists()
    assert dmarc_a not in _rows(client.get("/findings/?triage=accepted_risk"))


def test_triage_many_from_the_list(world: World) -> None:
    client = _client("admin")
    spf_a, dmarc_a, _fixed = world.a
    Finding.objects.filter(fingerprint=dmarc_a).update(assignee="hung")
    answer = client.post("/findings/triage/", {
        "fingerprint": [spf_a, dmarc_a], "status": "accepted_risk", "assignee": "", "note": "",
        "accepted_until": UNTIL, "next": f"/findings/?agency={A}&sort=check"})
    assert answer.status_code == 302 and answer["Location"] == f"/findings/?agency={A}&sort=check&saved=2"
    rows = {f.fingerprint: f for f in Finding.objects.filter(fingerprint__in=[spf_a, dmarc_a])}
    accepted = {(f.triage, f.accepted_until) for f in rows.values()}
    assert accepted == {("accepted_risk", date(2099, 12, 31))}
    assert rows[dmarc_a].assignee == "hung"  # blank in the bulk form: each keeps its own
    assert TriageChange.objects.filter(finding__fingerprint__in=[spf_a, dmarc_a], field="triage").count() == 2
    assert "Đã lưu phân loại cho 2 phát hiện" in _text(client.get(answer["Location"]))
    assert 'class="notice"' not in _text(client.get("/findings/?saved=HACKED"))  # digits only
    nothing = client.post("/findings/triage/", {"status": "confirmed"})
    assert nothing.status_code == 400 and "Chọn ít nhất một phát hiện" in _text(nothing)
    foreign = client.post("/findings/triage/", {"fingerprint": [spf_a], "status": "confirmed",
                                                "next": "https://evil.example/findings/"})
    assert foreign.status_code == 302 and foreign["Location"].startswith("/findings/?")


def test_leaders_read_but_may_not_triage(world: World) -> None:
    leader = _client("leader")
    spf_a = world.a[0]
    page = _text(leader.get("/findings/"))
    assert len(_rows(leader.get("/findings/"))) == 3
    assert 'name="fingerprint"' not in page and 'id="bulk-triage"' not in page
    assert 'action="/findings/' + spf_a + '/triage/"' not in _text(leader.get(f"/findings/{spf_a}/"))
    assert leader.post(f"/findings/{spf_a}/triage/", {"status": "confirmed"}).status_code == 403
    many = leader.post("/findings/triage/", {"fingerprint": [spf_a], "status": "confirmed"})
    assert many.status_code == 403
    assert not TriageChange.objects.exists()


def test_an_officer_never_reaches_another_agencys_finding(world: World) -> None:
    officer = _client("officer_b")
    assert _rows(officer.get("/findings/?lifecycle=all")) == [world.b]
    every = list(Finding.objects.values_list("fingerprint", flat=True))
    assert len(every) == 4
    for fingerprint in every:
        if fingerprint == world.b:
            continue
        for url in (f"/findings/{fingerprint}/", f"/findings/{fingerprint[:8]}/"):
            answer = officer.get(url)
            assert answer.status_code == 404 and A_NAME not in _text(answer), url
        assert officer.post(f"/findings/{fingerprint}/triage/", {"status": "confirmed"}).status_code == 404
    mixed = officer.post("/findings/triage/", {"fingerprint": [world.b, world.a[0]], "status": "confirmed"})
    assert mixed.status_code == 404  # all or nothing: B's finding was not changed either
    assert not TriageChange.objects.exists()
    refused = _text(officer.get(f"/findings/?agency={A}"))
    assert A_NAME not in refused and 'id="filter-error"' in refused
    assert f'value="{A}"' not in refused  # A is not among the agency choices
    own = officer.post(f"/findings/{world.b}/triage/", {"status": "confirmed"})
    assert own.status_code == 302 and Finding.objects.get(fingerprint=world.b).triage == "confirmed"


def test_triage_needs_its_csrf_token(world: World) -> None:
    from django.contrib.auth import get_user_model

    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.10")
    client.force_login(get_user_model().objects.get(username="analyst"),
                       backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/findings/").status_code == 200  # logged in
    assert client.post(f"/findings/{world.b}/triage/", {"status": "confirmed"}).status_code == 403
    many = client.post("/findings/triage/", {"fingerprint": [world.b], "status": "confirmed"})
    assert many.status_code == 403
    assert client.get(f"/findings/{world.b}/triage/").status_code == 405
    assert not TriageChange.objects.exists()


def test_english_on_request(world: World) -> None:
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/findings/"})
    page = _text(client.get("/findings/"))
    assert '<html lang="en">' in page and "Findings" in page and "3 findings" in page
