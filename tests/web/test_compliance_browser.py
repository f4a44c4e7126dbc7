"""The directive's compliance pages in a real browser: Playwright driving Debian's headless
``chromium`` against ``canhgac serve --no-watch`` on a seeded store (two agencies, one scan with
a failed and a passed mail check, the watch's monitors and alerts).

The analyst reaches the grid from the navigation, sets the holiday's first day (htmx swaps the
results: the grid now shows what is late) and reads the legend and counts. B's officer opens an
item of B, is refused an empty file and a file over the limit in one line each, answers "yes"
with a PDF and sees the answer waiting for the CSIRT; A's pages answer 404. The analyst approves
the answer and the item turns done, with its history. No page may make the browser report an
error. Screenshots in Vietnamese and English, at desktop width and at a phone's (``-narrow``), go
to ``build/test-artifacts/console``: ``compliance-grid-{vi,en}[-narrow].png``,
``compliance-item-{vi,en}[-narrow].png``, ``compliance-agency-vi[-narrow].png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

HERE = Path(__file__).parent
ITEM = "5.plan-response"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SEED = """
import sys
from datetime import UTC, datetime
from pathlib import Path
sys.path.insert(0, HERE_PATH)
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.console.store import services
from canhgac.console.store.models import RunStatus
from canhgac.engine.results import CheckResult, Provenance, failed, passed
from canhgac.engine.targets import Target, TargetKind
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
run = services.start_run(provenance=Provenance(canhgac_version="0.1.0", catalog_version="sha256:test"),
                         filters=services.RunFilters(extra={"province": {"code": "P", "name": "Tỉnh Thử"}}))
def result(check, code, name, outcome):
    target = Target(kind=TargetKind.DOMAIN, name=name, agency=code)
    return CheckResult(check_id=check, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime.now(UTC))
services.record_results(run, [
    result("mail.spf.present", "SO-A", "alpha.gov.vn", failed("missing")),
    result("mail.spf.present", "SO-B", "beta.gov.vn", passed("v=spf1 -all")),
])
services.finish_run(run, RunStatus.FINISHED)
from watch_board_support import seed_watch
seed_watch()
""".replace("HERE_PATH", repr(str(HERE)))


console = console_fixture("compliance", SEED)


def test_the_grid_with_its_holiday_legend_and_counts(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.click("nav >> text=Tuân thủ")
    page.wait_for_url("**/compliance/")
    assert page.locator("#compliance-grid tbody tr").count() == 2
    assert "chưa đo được" in page.locator("#compliance-legend").inner_text()
    assert page.locator("#count-late .tile-num").inner_text() == "0"
    page.fill("input[name=holiday]", "2020-02-05")
    page.click("form.compliance-filters button")  # htmx swaps the results
    page.wait_for_url("**/compliance/?holiday=2020-02-05")
    page.wait_for_function("document.querySelector('#count-late .tile-num').textContent !== '0'")
    assert page.locator("#compliance-grid .cs-late").count() >= 2
    session.shots(shots, "compliance-grid-vi", top=True)
    page.select_option("select[name=agency]", "SO-A")
    page.wait_for_url("**agency=SO-A**")
    page.wait_for_function("document.querySelectorAll('#compliance-grid tbody tr').length === 1")
    page.click("#agency-SO-A a")
    page.wait_for_url("**/compliance/SO-A/**")
    assert page.locator("#item-1\\.mail-sender-auth .cs").count() == 1
    session.shots(shots, "compliance-agency-vi", top=True)
    session.language("en")
    page.goto(f"{session.base}/compliance/?holiday=2020-02-05")
    assert "not measured yet" in page.locator("#compliance-legend").inner_text()
    session.shots(shots, "compliance-grid-en", top=True)
    session.language("vi")


def test_an_officer_answers_with_a_file(session: Session, shots: Path, tmp_path: Path) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    answer = page.goto(f"{session.base}/compliance/SO-A/{ITEM}/")
    assert answer is not None and answer.status == 404
    page.goto(f"{session.base}/compliance/")
    assert "SO-A" not in page.locator("main").inner_text()
    page.goto(f"{session.base}/compliance/SO-B/{ITEM}/")
    assert "Chưa trả lời" in page.locator("#answer").inner_text()
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    page.check("input[name=answer][value=yes]")
    page.set_input_files("#id_files", str(empty))
    page.click("#answer-submit")
    page.wait_for_load_state()
    error = page.locator("#compliance-error").inner_text()
    assert "rong.pdf" in error and "\n" not in error.strip()
    plan = tmp_path / "ke-hoach-ung-cuu.pdf"
    plan.write_bytes(PDF)
    page.check("input[name=answer][value=yes]")
    page.fill("#id_note", "Kế hoạch ứng cứu sự cố đã được Giám đốc ký ngày 10/01.")
    page.set_input_files("#id_files", str(plan))
    page.click("#answer-submit")
    page.wait_for_url("**saved=answered**")
    assert "ke-hoach-ung-cuu.pdf" in page.locator("#answer-files").inner_text()
    assert "một phần" in page.locator("#item-status-chip").inner_text()  # waiting for the CSIRT
    session.shots(shots, "compliance-item-answered-vi", top=True)


def test_the_csirt_approves_and_the_item_turns_done(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/compliance/SO-B/{ITEM}/")
    page.click("#reject")
    page.wait_for_load_state()
    assert page.locator("#compliance-error").count() == 1  # a rejection needs a reason
    page.fill("#id_reason", "Đủ chữ ký, đúng mẫu.")
    page.click("#approve")
    page.wait_for_url("**saved=approved**")
    assert "hoàn tất" in page.locator("#item-status-chip").inner_text()
    assert page.locator("#answer-history tr.history-approved").count() == 1
    with page.expect_download() as download:
        page.click("#answer-files a")
    assert Path(download.value.path()).read_bytes() == PDF
    session.shots(shots, "compliance-item-vi", top=True)
    session.language("en")
    assert "done" in page.locator("#item-status-chip").inner_text()
    session.shots(shots, "compliance-item-en", top=True)
    page.goto(f"{session.base}/compliance/?agency=SO-B&task=5")
    assert page.locator("#agency-SO-B .cs-done").count() >= 1
    session.language("vi")
