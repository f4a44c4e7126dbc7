"""The findings pages in a real browser: Playwright driving Debian's headless ``chromium`` against
``canhgac serve`` on a small seeded store (two agencies, 60 findings: two pages of 50).

An analyst filters the list (htmx swaps the results and pushes the address, the Back button
restores the previous list), pages through it, triages many findings from the list and one
finding on its page, and reads the audit trail in its history; the officer of one agency
sees theirs alone. No page may make the browser report an error (a CSP violation would).
Screenshots of the list and the finding page go to ``build/test-artifacts/console``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

# Seeds the workspace's store: SO-A with 55 SPF findings and one DMARC finding, SO-B with four.
SEED = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.console.store import services
from canhgac.console.store.models import RunStatus
from canhgac.engine.results import CheckResult, Provenance, failed
from canhgac.engine.targets import Target, TargetKind

hosts = {"SO-A": [f"h{i:02d}.alpha.gov.vn" for i in range(55)],
         "SO-B": [f"h{i}.beta.gov.vn" for i in range(4)]}
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn", *hosts["SO-A"]]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": hosts["SO-B"]}])
run = services.start_run(provenance=Provenance(canhgac_version="0.1.0", catalog_version="sha256:test"))
def result(check, name, agency, outcome):
    target = Target(kind=TargetKind.DOMAIN, name=name, agency=agency)
    return CheckResult(check_id=check, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, 2, tzinfo=UTC))
services.record_results(run, [
    result("mail.dmarc.policy", "alpha.gov.vn", "SO-A", failed("none", {"record": "v=DMARC1; p=none"},
                                                            source="_dmarc.alpha.gov.vn")),
    *(result("mail.spf.present", name, code, failed("missing", {"txt": [f"site-verification={name}"]}))
      for code, names in hosts.items() for name in names),
])
services.finish_run(run, RunStatus.FINISHED)
"""


console = console_fixture("findings-console", SEED)


def _rows(session: Session) -> object:
    return session.page.locator("table.findings tbody tr")


def test_filter_page_and_triage_many_from_the_list(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.locator("nav a", has_text="Phát hiện").click()
    page.wait_for_url("**/findings/")
    assert page.locator("#findings-count").inner_text().startswith("60 phát hiện")
    assert _rows(session).count() == 50 and page.locator("nav.pages").inner_text().count("trang 1 / 2") == 1
    page.locator("nav.pages a[rel=next]").click()
    page.wait_for_url("**/findings/?page=2")
    assert _rows(session).count() == 10
    page.select_option("select[name=agency]", "SO-B")  # htmx: the results swap, the address follows
    page.wait_for_url("**/findings/?agency=SO-B")
    assert page.locator("#findings-count").inner_text().startswith("4 phát hiện")
    assert _rows(session).count() == 4
    page.go_back()  # the previous list, restored
    page.wait_for_url("**/findings/?page=2")
    assert _rows(session).count() == 10
    page.go_forward()
    page.wait_for_url("**/findings/?agency=SO-B")
    boxes = page.locator("table.findings input[name=fingerprint]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("fieldset.bulk select[name=status]", "accepted_risk")
    page.fill("fieldset.bulk input[name=accepted_until]", "2099-12-31")
    page.fill("fieldset.bulk input[name=assignee]", "lan")
    page.fill("fieldset.bulk input[name=note]", "máy chủ sắp ngừng hoạt động")
    session.shot(shots, "findings-list-selected-vi")
    page.click("fieldset.bulk button.primary")
    page.wait_for_url("**saved=2")
    assert "Đã lưu phân loại cho 2 phát hiện" in page.locator("p.notice").inner_text()
    triaged = page.locator("table.findings tbody tr", has_text="Chấp nhận rủi ro")
    assert triaged.count() == 2 and "lan" in triaged.first.inner_text()
    page.select_option("select[name=triage]", "accepted_risk")
    page.wait_for_url("**triage=accepted_risk**")
    assert _rows(session).count() == 2
    session.shot(shots, "findings-list-vi")


def test_triage_one_finding_and_read_its_history(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/findings/?family=mail.dmarc")
    assert _rows(session).count() == 1
    page.locator("table.findings tbody tr a").first.click()
    page.wait_for_url("**/findings/*/")
    assert "v=DMARC1; p=none" in page.locator("#evidence").inner_text()
    assert page.locator("div.fix p").count() >= 1  # the remediation, rendered Markdown
    page.select_option("#id_status", "false_positive")
    page.click("form.triage button.primary")  # no reason: refused
    assert "cần lý do" in page.locator("p.error").inner_text()
    page.select_option("#id_status", "false_positive")
    page.fill("#id_assignee", "hung")
    page.fill("#id_note", "tên miền chỉ dùng cho web, đã có p=reject ở tên miền cha")
    page.click("form.triage button.primary")
    page.wait_for_url("**?saved=1")
    assert "Báo nhầm" in page.locator("#triage-state").inner_text()
    history = page.locator("table.history tbody tr.hist-triage")
    assert history.count() == 3  # the status, the assignee and the note, each audited
    assert "analyst" in history.first.inner_text()
    session.shot(shots, "finding-vi")


def test_an_officer_sees_only_their_agencys_findings(session: Session) -> None:
    session.login("officer", lands="**/agencies/SO-B/")
    session.page.goto(f"{session.base}/findings/")
    assert _rows(session).count() == 4
    assert "alpha" not in session.page.locator("table.findings").inner_text()
