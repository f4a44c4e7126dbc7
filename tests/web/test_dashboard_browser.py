"""The dashboard in a real browser: Playwright driving Debian's headless ``chromium`` against
``canhgac serve`` on a seeded store of six agencies and seven runs (one of two agencies only).

The analyst reads the trend chart (inline SVG, no script, no style attribute: the CSP would
report one) and its table, and the status per task and clause, in Vietnamese and English; an
officer sees their agency alone. Screenshots go to ``build/test-artifacts/console``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import seeded_console

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

# Six agencies; each (agency, check) fails until a run of its own (some never are fixed); the
# fourth run scans the first two agencies alone. Runs end a day apart.
SEED = """
import random, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.console.store import services
from canhgac.console.store.models import RunStatus, ScanRun
from canhgac.engine.results import CheckResult, Provenance, failed, passed
from canhgac.engine.targets import Target, TargetKind

AGENCIES = [("SYT", "Sở Y tế", "syt"), ("STTTT", "Sở Thông tin và Truyền thông", "stttt"),
            ("SGDDT", "Sở Giáo dục và Đào tạo", "sgddt"), ("STNMT", "Sở Tài nguyên và Môi trường", "stnmt"),
            ("UBND-RG", "Ủy ban nhân dân thành phố Rạch Giá", "rachgia"),
            ("BQLKKT", "Ban Quản lý Khu kinh tế", "bqlkkt")]
CHECKS = [("mail.spf.pass-all", "pass-all", "pass"), ("mail.dmarc.policy", "none", "pass"),
          ("mail.spf.present", "missing", "pass"), ("dns.dnssec.signed", "unsigned", "signed"),
          ("dns.caa.present", "missing", "present"), ("mail.mx.present", "missing", "pass")]
V = {"term": "+all", "policy": "reject", "source": "_dmarc", "owner": "o", "records": "r", "domain": "d",
     "record": "v=spf1 -all", "key_tags": "1", "endpoints": "25", "detail": "252", "hosts": "mx"}
services.sync_agencies([{"code": c, "name": n, "domains": [f"{d}.kiengiang.gov.vn"]} for c, n, d in AGENCIES])
pick = random.Random(13)
fixed_at = {(c, check): pick.choice([2, 3, 4, 5, 6, 7, 99, 99])
            for c, _n, _d in AGENCIES for check, _f, _p in CHECKS}
def result(code, name, check, outcome, kind=TargetKind.DOMAIN):
    target = Target(kind=kind, name=name, agency=code)
    return CheckResult(check_id=check, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2026, 11, 2, tzinfo=UTC))
start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
for index in range(1, 8):
    chosen = AGENCIES[:2] if index == 4 else AGENCIES
    extra = {"province": {"code": "KG", "name": "Tỉnh Kiên Giang"}}
    named = tuple(c for c, _n, _d in chosen) if index == 4 else ()
    run = services.start_run(provenance=Provenance(canhgac_version="0.1.0", catalog_version="sha256:test"),
                             filters=services.RunFilters(agencies=named, extra=extra))
    rows = []
    for code, _name, domain in chosen:
        for check, fail_key, pass_key in CHECKS:
            broken = index < fixed_at[(code, check)]
            rows.append(result(code, f"{domain}.kiengiang.gov.vn", check,
                               failed(fail_key, **V) if broken else passed(pass_key, **V)))
        vrfy = index < 5 or code == "SYT"
        rows.append(result(code, f"mail.{domain}.kiengiang.gov.vn", "mail.smtp.vrfy-enabled",
                           failed("vrfy", **V) if vrfy else passed("pass", **V), TargetKind.MAIL_HOST))
    services.record_results(run, rows)
    services.finish_run(run, RunStatus.FINISHED)
    ended = start + timedelta(days=index * 3, minutes=20)
    ScanRun.objects.filter(pk=run.pk).update(started_at=ended - timedelta(minutes=20), finished_at=ended)
"""


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    users = {"analyst": ("csirt-analyst",), "officer": ("agency-officer", "SYT", "STTTT")}
    with seeded_console(tmp_path_factory.mktemp("dashboard-console"), SEED, users) as base:
        yield base


def _switch(session: Session, lang: str) -> None:
    session.page.locator(f'header button[name="language"][value="{lang}"]').click()
    session.page.wait_for_load_state()


def test_the_trend_and_the_clause_status_in_vietnamese_and_english(session: Session, shots: Path) -> None:
    session.login("analyst")
    page = session.page
    assert page.locator("svg.trend-chart g.bar").count() == 7
    assert page.locator("svg.trend-chart circle.score-dot").count() == 7
    assert "Diễn biến qua 7 lượt quét gần nhất" in page.locator("section.trend h2").inner_text()
    page.locator("details.trend-table summary").click()
    assert page.locator("details.trend-table tbody tr").count() == 7
    not_yet = page.locator("#clause-KG20-5 td.not-yet")  # self-assessment: canhgac cannot judge it
    assert "Chưa được canhgac đánh giá" in not_yet.inner_text()
    session.shot(shots, "dashboard-trend-vi")
    page.locator("section.clauses").screenshot(path=str(shots / "dashboard-clauses-vi.png"))
    page.locator("section.trend").screenshot(path=str(shots / "dashboard-trend-section-vi.png"))
    page.locator("svg.trend-chart").screenshot(path=str(shots / "dashboard-chart-vi.png"))
    _switch(session, "en")
    assert "Trend over the last 7 scans" in page.locator("section.trend h2").inner_text()
    assert "Not assessed by canhgac yet" in page.locator("#clause-KG20-5 td.not-yet").inner_text()
    page.locator("#clause-CV430-3 td.n-not_met a").click()
    page.wait_for_url("**/findings/?clause=CV430%3A3")
    assert page.locator("table.findings tbody tr").count() > 0
    assert "mail server mail." in page.locator("table.findings").inner_text() or page.locator(
        "table.findings").inner_text().count(".kiengiang.gov.vn") > 0
    page.go_back()
    session.shot(shots, "dashboard-trend-en")
    page.locator("section.trend").screenshot(path=str(shots / "dashboard-trend-section-en.png"))
    _switch(session, "vi")


def test_an_officer_reads_the_trend_of_their_agencies(session: Session, shots: Path) -> None:
    session.login("officer")
    page = session.page
    text = page.locator("main").inner_text()
    assert "Sở Giáo dục" not in text and "Rạch Giá" not in text
    assert "Điểm của các cơ quan của bạn" in text
    session.shot(shots, "dashboard-trend-officer-vi")
