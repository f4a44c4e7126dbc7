"""The account campaign's pages in a real browser: Playwright driving Debian's headless
``chromium`` against ``canhgac serve --no-watch`` on a seeded store (two agencies, one scan, three
leaked accounts of B and one of A).

The analyst reaches the overview from the navigation and reads each agency's counts. B's officer
opens B's page (A's answers 404), is refused an evidence step without a note or file, records the
password step with a screenshot file, the sessions step with a note and the second factor by
attestation, and sees the case closed and the share rise; downloads the head's letter (Word) and
a holder's .eml. The analyst reopens the case. No page may make the browser report an error.
Screenshots (``build/test-artifacts/console``): ``campaign-overview-{vi,en}.png``,
``campaign-agency-vi.png`` (also ``-narrow``), ``campaign-agency-closed-vi.png``,
``campaign-agency-reopened-vi.png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browser_support import NARROW, NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEED = """
import sys, datetime as dt, hashlib, hmac
from datetime import UTC, datetime
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from django.utils import timezone
from canhgac.console.store import services
from canhgac.console.store.leak_models import LeakedAccount
from canhgac.console.store.models import RunStatus
from canhgac.engine.results import CheckResult, Provenance, failed
from canhgac.engine.targets import Target, TargetKind
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
run = services.start_run(provenance=Provenance(canhgac_version="0.1.0", catalog_version="sha256:test"),
                         filters=services.RunFilters(extra={"province": {"code": "P", "name": "Tỉnh Thử"}}))
target = Target(kind=TargetKind.DOMAIN, name="alpha.gov.vn", agency="SO-A")
outcome = failed("missing")
services.record_results(run, [CheckResult(check_id="mail.spf.present", target=target, status=outcome.status,
                                          message=outcome.message, evidence=outcome.evidence,
                                          observed_at=datetime.now(UTC))])
services.finish_run(run, RunStatus.FINISHED)
for address, code, breach, day, service in (
    ("le.c@beta.gov.vn", "SO-B", "Combo 2024", dt.date(2024, 3, 1), ""),
    ("le.c@beta.gov.vn", "SO-B", "LinkedIn", dt.date(2016, 5, 17), "linkedin.com"),
    ("tran.d@beta.gov.vn", "SO-B", "Combo 2024", dt.date(2024, 3, 1), ""),
    ("pham.e@beta.gov.vn", "SO-B", "Forum VN", dt.date(2023, 1, 9), "forum.example.vn"),
    ("an.b@alpha.gov.vn", "SO-A", "Forum VN", dt.date(2023, 1, 9), "forum.example.vn"),
):
    LeakedAccount.objects.create(address=address, agency_code=code, breach=breach, breach_date=day,
                                 service=service, secret_kind="password",
                                 secret_hmac=hmac.new(b"k", address.encode(), hashlib.sha256).hexdigest(),
                                 sha1_prefix="ABCDE", imported_at=timezone.now())
"""
B1 = "le.c@beta.gov.vn"


console = console_fixture("campaign", SEED)


def test_the_overview_from_the_navigation(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.click("nav >> text=Chiến dịch")
    page.wait_for_url("**/campaign/")
    assert page.locator("#campaign-agencies tbody tr").count() == 2
    assert page.locator("#total-affected .tile-num").inner_text() == "4"
    assert "0 %" in page.locator("#agency-SO-B").inner_text()
    session.shot(shots, "campaign-overview-vi")
    session.language("en")
    assert "Share closed" in page.locator("#campaign-agencies").inner_text()
    session.shot(shots, "campaign-overview-en")
    session.language("vi")


def test_an_officer_closes_a_case_and_writes_letters(session: Session, shots: Path, tmp_path: Path) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    other = page.goto(f"{session.base}/campaign/SO-A/")
    assert other is not None and other.status == 404
    page.goto(f"{session.base}/campaign/")
    assert "SO-A" not in page.locator("main").inner_text()
    page.click("#agency-SO-B a")
    page.wait_for_url("**/campaign/SO-B/")
    session.shot(shots, "campaign-agency-vi")
    page.set_viewport_size(NARROW)
    session.shot(shots, "campaign-agency-vi-narrow")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.select_option("#id_address", B1)
    page.select_option("#id_step", "password")
    page.click("#step-submit")  # evidence without a note or a file
    page.wait_for_load_state()
    assert "bằng chứng" in page.locator("#campaign-error").inner_text()
    shot = tmp_path / "doi-mat-khau.png"
    shot.write_bytes(PNG)
    page.select_option("#id_address", B1)
    page.select_option("#id_step", "password")
    page.fill("#id_note", "Đã đổi mật khẩu tại chỗ, kiểm tra đăng nhập bằng mật khẩu cũ bị từ chối.")
    page.set_input_files("#id_file", str(shot))
    page.click("#step-submit")
    page.wait_for_url("**saved=step**")
    page.select_option("#id_address", B1)
    page.select_option("#id_step", "sessions")
    page.fill("#id_note", "Đã đăng xuất mọi phiên trên webmail và điện thoại.")
    page.click("#step-submit")
    page.wait_for_url("**saved=step**")
    page.select_option("#id_address", B1)
    page.select_option("#id_step", "second-factor")
    page.check("input[name=how][value=attestation]")
    page.fill("#id_statement", "Tôi, cán bộ CNTT Sở Beta, xác nhận tài khoản đã bật xác thực hai yếu tố.")
    page.click("#step-submit")
    page.wait_for_url("**saved=step**")
    row = page.locator(f"tr[id='case-{B1}']")
    assert "đã đóng" in row.inner_text() and "doi-mat-khau.png" in row.inner_text()
    assert "Đã đóng 1 trên 3" in page.locator("#campaign-share").inner_text()
    session.shot(shots, "campaign-agency-closed-vi")
    with page.expect_download() as download:
        page.select_option("#id_kind", "head")
        page.click("#letter-docx")
    import docx

    letter = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any("Thủ trưởng" in p.text for p in letter.paragraphs)
    with page.expect_download() as download:
        page.select_option("#id_kind", "user")
        page.select_option("#id_letter_address", B1)
        page.click("#letter-eml")
    assert b"Subject:" in Path(download.value.path()).read_bytes()
    page.goto(f"{session.base}/campaign/SO-B/")
    assert page.locator("#campaign-letters tbody tr").count() == 2


def test_the_csirt_reopens_the_case(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/campaign/SO-B/")
    page.select_option("#id_reopen_address", B1)
    page.fill("#id_reason", "Người dùng báo vẫn nhận được mã đăng nhập lạ.")
    page.click("#reopen-submit")
    page.wait_for_url("**saved=reopened**")
    assert "đang mở" in page.locator(f"tr[id='case-{B1}']").inner_text()
    session.shot(shots, "campaign-agency-reopened-vi")
