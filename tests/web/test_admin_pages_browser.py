"""The reports, users and inventory pages in a real browser (Debian's ``chromium`` through
Playwright) against ``canhgac serve`` on the demo's store: a report downloaded, an officer's
reports limited to their agency, a user created through the form, a broken inventory's
problems read off the page and a valid one's diff. Screenshots go where
``test_console_browser`` puts its own (``build/test-artifacts/console``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session
from test_console_browser import OFFICER_AGENCY, console

__all__ = ["console"]  # the demo's console, shared (browser, shots and session: conftest.py)

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(400)]

BROKEN = b"""version: 1
province: {code: KG, name: "T\xe1\xbb\x89nh Ki\xc3\xaan Giang"}
agencies:
  - code: STTTT
    name: "S\xe1\xbb\x9f TTTT"
    kind: department
    domains: [stttt..gov.test]
  - code: SYT
    name: "S\xe1\xbb\x9f Y t\xe1\xba\xbf"
    kind: hospital
"""


def test_the_csirt_downloads_the_province_report(session: Session, shots: Path) -> None:
    session.login("admin")
    session.page.locator("nav a", has_text="Báo cáo").click()
    session.page.wait_for_url("**/reports/")
    assert session.page.locator("table.reports tbody tr").count() == 12
    session.shot(shots, "reports-admin-vi")
    with session.page.expect_download() as started:
        session.page.locator("#report-province a", has_text="JSON").click()
    download = started.value
    assert re.fullmatch(r"canhgac-state-run\d+-vi\.json", download.suggested_filename)
    body = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert len(body["report"]["agencies"]) == 12
    with session.page.expect_download() as started:
        session.page.locator(f"#report-{OFFICER_AGENCY} a", has_text="HTML").click()
    assert started.value.suggested_filename.endswith(f"-agency-{OFFICER_AGENCY}.html")
    session.page.goto(f"{session.base}/security-log/?kind=export")
    assert session.page.locator("table.log tbody tr.ev-export").count() == 2


def test_an_officer_downloads_only_their_agencys_report(session: Session, shots: Path) -> None:
    session.login("officer", lands=f"**/agencies/{OFFICER_AGENCY}/")
    session.page.goto(f"{session.base}/reports/")
    rows = session.page.locator("table.reports tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("id") == f"report-{OFFICER_AGENCY}"
    assert session.page.locator("#report-province").count() == 0
    session.shot(shots, "reports-officer-SYT-vi")
    with session.page.expect_download() as started:
        rows.first.locator("a", has_text="CSV").click()
    text = Path(started.value.path()).read_text(encoding="utf-8-sig")
    assert OFFICER_AGENCY in text and "UBND" not in text
    answer = session.page.goto(f"{session.base}/reports/agencies/UBND/csv/")
    assert answer is not None and answer.status == 404


def test_an_administrator_creates_a_user(session: Session, shots: Path) -> None:
    session.login("admin")
    session.page.locator("nav a", has_text="Người dùng").click()
    session.page.wait_for_url("**/users/")
    session.page.fill("#id_username", "hoa")
    session.page.select_option("#id_role", "agency-officer")
    session.page.check(f"input[name=agencies][value={OFFICER_AGENCY}]")
    session.page.fill("#id_password", "123")
    session.page.fill("#id_password2", "123")
    session.page.click("#new-user button.primary")
    assert "Mật khẩu này quá ngắn" in session.page.locator("#new-user").inner_text()
    session.shot(shots, "users-refused-vi")
    session.page.fill("#id_password", PASSWORD)
    session.page.fill("#id_password2", PASSWORD)
    session.page.click("#new-user button.primary")
    session.page.wait_for_url("**/users/hoa/")
    assert session.page.locator("#user-agencies").inner_text() == OFFICER_AGENCY
    session.page.locator("button[value=require-totp]").click()
    session.page.wait_for_url("**/users/hoa/")
    assert session.page.locator("#user-totp").inner_text() == "bắt buộc, chưa đăng ký"
    session.shot(shots, "user-hoa-vi")


def test_a_broken_inventory_shows_its_problems_and_a_valid_ones_diff(session: Session, shots: Path) -> None:
    session.login("analyst")
    session.page.locator("nav a", has_text="Danh mục").click()
    session.page.wait_for_url("**/inventory/")
    assert session.page.locator("table#current tbody tr").count() == 12
    session.page.set_input_files("#id_inventory", files=[
        {"name": "inventory.yaml", "mimeType": "application/yaml", "buffer": BROKEN}])
    session.page.click("#upload button.primary")
    rows = session.page.locator("table.problems tbody tr")
    assert rows.count() == 2
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(2)]
    assert [(c[0], c[2]) for c in cells] == [("7", "agencies[0].domains[0].name"), ("10", "agencies[1].kind")]
    assert "stttt..gov.test" in cells[0][3] and "hospital" in cells[1][3]
    session.shot(shots, "inventory-broken-vi")
    valid = BROKEN.replace(b"stttt..gov.test", b"stttt.kiengiang.gov.test")
    valid = valid.replace(b"hospital", b"department")
    session.page.set_input_files("#id_inventory", files=[
        {"name": "inventory.yaml", "mimeType": "application/yaml", "buffer": valid}])
    session.page.click("#upload button.primary")
    assert session.page.locator("table.problems").count() == 0
    assert session.page.locator("li.diff-removed[id^=diff-removed-]").count() == 10  # 12 agencies, 2 kept
    assert session.page.locator("#diff-changed-SYT").count() == 1
    session.shot(shots, "inventory-diff-vi")
