"""The dashboard's trend and status per clause through Django's test client, once per backend.

Not collected directly: ``test_dashboard_backends.py`` runs this module in a fresh process per
backend. Three runs: a whole scan, a scan of agency A alone, a whole scan again; B's SPF
finding is triaged false positive (it stays open, but the score leaves it out). The expected
figures below are worked out by hand from the scoring policy (scoring.yaml: critical 40, high
15, medium 6, low 2 risk points; score = 100 × 100 / (100 + risk points)).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-dashboard-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.core.cache import caches  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from web_store_support import A_NAME, B_NAME, PROVENANCE, A, B, create_users  # noqa: E402
from web_store_support import logged_in as _client  # noqa: E402
from web_store_support import result as _result  # noqa: E402

from canhgac.console.store import services  # noqa: E402
from canhgac.console.store.models import Finding, RunStatus  # noqa: E402
from canhgac.engine.results import CheckResult, ErrorReason, errored, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.services.store import triage  # noqa: E402

setup_test_environment()
SEVERITIES = ("critical", "high", "medium", "low", "info")
WEB = ("web.exposure.admin", "web.exposure.server-status", "web.defacement", "web.third-party-scripts",
       "web.security-txt")  # every automated check of CV2132:5
V = {  # values for the checks' messages
    "term": "+all", "policy": "none", "source": "_dmarc", "owner": "o", "records": "r", "domain": "d",
     "record": "v=spf1", "key_tags": "1", "endpoints": "e", "detail": "d", "count": 3, "site": "s",
     "found": "f", "paths": "p", "keywords": 5, "url": "u", "contact": "c", "expires": "x"}


@dataclass(frozen=True)
class World:
    runs: tuple[int, int, int]


def _run(results: list[CheckResult], agencies: tuple[str, ...] = ()) -> int:
    run = services.start_run(provenance=PROVENANCE, filters=services.RunFilters(
        agencies=agencies, extra={"province": {"code": "P", "name": "Tỉnh Thử"}}))
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)
    return int(run.pk)


@pytest.fixture
def world() -> Iterator[World]:
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": A_NAME, "domains": ["alpha.gov.vn"]},
            {"code": B, "name": B_NAME, "domains": ["beta.gov.vn"]},
        ])
        alpha = Target(kind=TargetKind.DOMAIN, name="alpha.gov.vn", agency=A)
        beta = Target(kind=TargetKind.DOMAIN, name="beta.gov.vn", agency=B)
        mx = Target(kind=TargetKind.MAIL_HOST, name="mx.alpha.gov.vn", agency=A)
        portal = Target(kind=TargetKind.URL, name="https://alpha.gov.vn/", agency=A)
        first = _run([
            _result("mail.spf.pass-all", alpha, failed("pass-all", **V)),  # critical
            _result("mail.dmarc.policy", alpha, failed("none", **V)),  # high
            _result("dns.caa.present", alpha, failed("missing", **V)),  # low
            _result("mail.spf.present", beta, failed("missing", **V)),  # high
            _result("dns.dnssec.signed", beta, passed("signed", **V)),
        ])
        second = _run([  # agency A alone: B's state carries over
            _result("mail.spf.pass-all", alpha, passed("pass", **V), 5),
            _result("mail.dmarc.policy", alpha, failed("none", **V), 5),
            _result("dns.caa.present", alpha, failed("missing", **V), 5),
        ], agencies=(A,))
        third = _run([
            _result("mail.spf.pass-all", alpha, passed("pass", **V), 9),
            _result("mail.dmarc.policy", alpha, failed("none", **V), 9),
            _result("dns.caa.present", alpha, passed("present", **V), 9),
            _result("mail.smtp.vrfy-enabled", mx, failed("vrfy", **V), 9),  # low, CV430:1
            *(_result(check, portal, passed("pass", **V), 9) for check in WEB),
            _result("mail.spf.present", beta, failed("missing", **V), 9),
            _result("dns.dnssec.signed", beta, failed("unsigned", **V), 9),  # medium
            _result("mail.dmarc.policy", beta, errored(ErrorReason.TIMEOUT, "no answer"), 9),
            _result("mail.mx.present", beta, errored(ErrorReason.TIMEOUT, "no answer"), 9),  # CV430:1
        ])
        create_users()
        spf_b = Finding.objects.get(check_id="mail.spf.present", target_key="domain:beta.gov.vn")
        triage(spf_b.fingerprint, state="false_positive", actor="test", assignee=None, note=None)
        yield World((first, second, third))
        transaction.set_rollback(True)


def _page(username: str, lang: str = "vi") -> str:
    client = _client(username)
    if lang != "vi":
        client.post("/account/language/", {"language": lang, "next": "/dashboard/"})
    answer = client.get("/dashboard/")
    assert answer.status_code == 200
    return answer.content.decode()


def _trend(page: str) -> dict[int, list[str]]:
    """The trend table: run id -> its cells' text."""
    rows = re.findall(r'<tr id="trend-run-(\d+)">(.*?)</tr>', page, re.S)
    cell = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    return {int(run): [re.sub(r"<[^>]+>", "", c).strip() for c in cell.findall(cells)] for run, cells in rows}


def _figures(cells: list[str]) -> tuple[list[int], int, str, str, int]:
    """Per severity, total, score, grade, agencies with results (after run, ended, scope)."""
    return [int(c) for c in cells[3:8]], int(cells[8]), cells[9], cells[10], int(cells[11])


def _clause(page: str, key: str) -> dict[str, int] | str:
    """A clause's row: the count per status, or the text of a clause canhgac cannot assess."""
    framework, clause = key.split(":")
    row = re.search(rf'<tr id="clause-{framework}-{clause}">(.*?)</tr>', page, re.S)
    assert row is not None, key
    if "not-yet" in row.group(1):
        text = re.search(r'class="not-yet">(.*?)</td>', row.group(1), re.S)
        return re.sub(r"<[^>]+>", "", text.group(1)) if text else ""
    cells = re.findall(r'<td class="num n-(\w+)[^"]*">(.*?)</td>', row.group(1), re.S)
    return {status: int(re.sub(r"<[^>]+>", "", text)) for status, text in cells}


def test_the_trend_gives_the_state_after_each_run(world: World) -> None:
    first, second, third = world.runs
    trend = _trend(_page("analyst"))
    assert list(trend) == [third, second, first]  # latest first in the table
    # after run 1: A critical + high + low (57 points: 63,7), B high but false positive (100)
    assert _figures(trend[first]) == ([1, 2, 0, 1, 0], 4, "81,8", "B", 2)
    # after A's own scan: A's critical is fixed (17 points: 85,5); B's SPF carries over
    assert _figures(trend[second]) == ([0, 2, 0, 1, 0], 3, "92,7", "A", 2)
    assert "một phần danh mục" in trend[second][2]
    # after run 3: A high + low (85,5), B medium (94,3) and its false positive still open
    assert _figures(trend[third]) == ([0, 2, 1, 1, 0], 4, "89,9", "B", 2)


def test_the_chart_is_inline_svg_with_a_title_a_description_and_no_style(world: World) -> None:
    first, second, _third = world.runs
    page = _page("analyst")
    svg = re.search(r"<svg class=\"trend-chart\".*?</svg>", page, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart and '<title id="trend-title">' in chart and '<desc id="trend-desc">' in chart
    assert f"#{second}*" in chart and f"#{first}<" in chart  # the narrow run is marked
    assert chart.count('class="seg seg-critical"') == 1 and chart.count('class="score-dot"') == 3
    assert "89,9 · B" in chart
    assert "style=" not in page and "<style" not in page and "<script>" not in page
    assert "<details class=\"trend-table\">" in page


def test_the_status_per_clause_counts_agencies_as_the_reports_judge_them(world: World) -> None:
    page = _page("analyst")
    # A fails DMARC; B's SPF failure is a false positive and its DMARC errored: partly tested
    assert _clause(page, "CV430:3") == {"met": 0, "not_met": 1, "partial": 1, "not_assessed": 0,
                                        "not_applicable": 0}
    # A's VRFY fails; B has only an error there: not assessed
    assert _clause(page, "CV430:1") == {"met": 0, "not_met": 1, "partial": 0, "not_assessed": 1,
                                        "not_applicable": 0}
    # every automated check of CV2132:5 passed on A's portal; B has no portal result
    assert _clause(page, "CV2132:5") == {"met": 1, "not_met": 0, "partial": 0, "not_assessed": 1,
                                         "not_applicable": 0}
    assert 'href="/findings/?clause=CV430%3A3"' in page


def test_a_task_canhgac_cannot_assess_says_so(world: World) -> None:
    page = _page("analyst")
    assert "Chưa được canhgac đánh giá" in _clause(page, "KG20:5")  # type: ignore[operator]
    assert isinstance(_clause(page, "KG20:1"), dict)
    assert isinstance(_clause(page, "KG20:2"), dict)  # the leaked-account checks judge task 2 now
    assert page.index('id="framework-KG20"') < page.index('id="framework-CV430"')  # the directive first
    english = _page("analyst", "en")
    assert "Not assessed by canhgac yet" in _clause(english, "KG20:5")  # type: ignore[operator]
    assert "Status per task and clause" in english and "The figures as a table" in english
    assert "Critical" in english and "Nghiêm trọng" not in english  # the labels follow the language


def test_the_findings_pages_labels_follow_the_language(world: World) -> None:
    client = _client("analyst")
    assert "Nghiêm trọng" in client.get("/findings/?lifecycle=all").content.decode()
    client.post("/account/language/", {"language": "en", "next": "/findings/"})
    english = client.get("/findings/?lifecycle=all").content.decode()
    assert "Critical" in english and "Nghiêm trọng" not in english


def test_an_officer_sees_only_their_agency_in_the_trend_and_the_clauses(world: World) -> None:
    first, _second, third = world.runs
    page = _page("officer_b")
    trend = _trend(page)
    assert list(trend) == [third, first]  # A's own scan observed nothing of B
    assert _figures(trend[first]) == ([0, 1, 0, 0, 0], 1, "100", "A", 1)
    assert _figures(trend[third]) == ([0, 1, 1, 0, 0], 2, "94,3", "A", 1)
    assert "Điểm của các cơ quan của bạn" in page and "Điểm của tỉnh" not in page
    for key in ("CV430:3", "CV430:1", "CV2132:5", "KG20:1", "KG20:3"):
        counts = _clause(page, key)
        assert isinstance(counts, dict) and sum(counts.values()) == 1, (key, counts)
    assert _clause(page, "CV430:3") == {"met": 0, "not_met": 0, "partial": 1, "not_assessed": 0,
                                        "not_applicable": 0}
    assert A not in page and A_NAME not in page and B_NAME in page


def test_the_findings_pages_name_targets_for_people(world: World) -> None:
    client = _client("analyst")
    page = client.get("/findings/?lifecycle=all").content.decode()
    assert "máy chủ thư mx.alpha.gov.vn" in page and "mail_host:" not in page and "domain:" not in page
    vrfy = Finding.objects.get(check_id="mail.smtp.vrfy-enabled")
    detail = _client("analyst").get(f"/findings/{vrfy.fingerprint}/").content.decode()
    assert "máy chủ thư mx.alpha.gov.vn" in detail and "mail_host:" not in detail
    api = client.get(f"/api/v1/findings/{vrfy.fingerprint}")
    assert api.status_code == 200 and "mail_host:mx.alpha.gov.vn" in api.content.decode()  # keys stay raw


def test_a_triage_decision_moves_the_scores_at_once(world: World) -> None:
    first, _second, third = world.runs
    assert _figures(_trend(_page("analyst"))[third])[2] == "89,9"  # computed, then kept
    dmarc_a = Finding.objects.get(check_id="mail.dmarc.policy", target_key="domain:alpha.gov.vn")
    triage(dmarc_a.fingerprint, state="accepted_risk", actor="test", assignee=None, note=None)
    trend = _trend(_page("analyst"))
    # A's high finding leaves the score: after run 3 A has 2 points (98,0), B 6 (94,3)
    assert _figures(trend[third]) == ([0, 2, 1, 1, 0], 4, "96,2", "A", 2)  # still open
    assert _figures(trend[first])[2:4] == ("85,2", "B")  # A 42 points (70,4), B 100


def _main(page: str) -> str:
    return page[page.index("<main>"):page.index("</main>")]


def test_the_body_is_rendered_once_per_state_and_scope_and_the_layout_per_user(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import canhgac.web.views.dashboard as view

    rendered: list[object] = []
    real = view.render_to_string
    monkeypatch.setattr(view, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    view._bodies.clear()
    caches["shared"].clear()
    admin, analyst = _page("admin"), _page("analyst")  # one scope (the province): one rendering
    assert rendered == ["console/_dashboard_body.html"]
    assert _main(admin) == _main(analyst)
    assert '<span class="who">admin' in admin and '<span class="who">analyst' in analyst
    officer = _page("officer_b")  # another scope: its own body, never the province's
    assert len(rendered) == 2 and A_NAME not in _main(officer) and A_NAME in _main(admin)
    spf_a = Finding.objects.get(check_id="mail.dmarc.policy", target_key="domain:alpha.gov.vn")
    triage(spf_a.fingerprint, state="confirmed", actor="test", assignee=None, note=None)
    after = _page("admin")  # the state changed: rendered again
    assert len(rendered) == 3
    view._bodies.clear()  # as another serving process of the console: read from the shared cache
    assert _main(_page("analyst")) == _main(after) and len(rendered) == 3
