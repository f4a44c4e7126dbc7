"""The console in a real browser: Playwright driving Debian's headless ``chromium`` against
``canhgac serve`` on the demo's store (issue 13's end-to-end tests, first part).

Each role logs in and sees what it may; the officer of one agency sees that agency alone; the
language switch holds across logins; no page makes the browser report an error (a CSP
violation would be one). Screenshots of each page are written to the test's temporary folder
and copied to ``build/test-artifacts/console`` (or ``$CANHGAC_TEST_ARTIFACTS/console``) for a
person to look at. Playwright's own browser download is never used (``executable_path``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session
from console_server_support import add_user, served_console

from demo_store_support import demo_store

playwright = pytest.importorskip("playwright.sync_api")

OFFICER_AGENCY = "SYT"
USERS = {"admin": ("csirt-admin", ()), "analyst": ("csirt-analyst", ()), "leader": ("leader", ()),
         "officer": ("agency-officer", (OFFICER_AGENCY,))}

# the session's first module to ask waits for the demo (about 35 s alone, minutes on a loaded machine)
pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(400)]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's store with one user per role, served; yields the console's base URL."""
    demo = demo_store(tmp_path_factory, "console-demo")
    assert demo.code in (0, 1), demo.described  # tests/e2e/test_demo.py holds it to its cases
    assert "users add admin --role csirt-admin" in demo.stdout  # the demo says how to open the console
    store = demo.store
    for name, (role, agencies) in USERS.items():
        add_user(store, name, role, PASSWORD, *agencies)
    with served_console(store) as base:
        yield base


def test_the_login_page_in_vietnamese(session: Session, shots: Path) -> None:
    session.page.goto(f"{session.base}/dashboard/")
    assert session.page.url.endswith("/login/?next=%2Fdashboard%2F")
    assert session.page.locator("html").get_attribute("lang") == "vi"
    assert session.page.locator("h1").inner_text() == "Đăng nhập bảng điều khiển canhgac"
    session.shot(shots, "login-vi")


def test_a_wrong_password_is_refused(session: Session) -> None:
    session.page.goto(f"{session.base}/login/")
    session.page.fill("#id_username", "analyst")
    session.page.fill("#id_password", "not the password at all")
    session.page.click("button.primary")
    assert "Sai tên đăng nhập hoặc mật khẩu" in session.page.locator(".error").inner_text()


@pytest.mark.parametrize("name", ["admin", "analyst", "leader"])
def test_the_csirt_and_leaders_see_every_agency(session: Session, shots: Path, name: str) -> None:
    session.login(name)
    rows = session.page.locator("table.agencies tbody tr")
    assert rows.count() == 12
    assert session.page.locator("h1").inner_text() == "Tỉnh Kiên Giang (phòng lab)"
    log_link = session.page.locator("nav a", has_text="Nhật ký an ninh")
    assert log_link.count() == (1 if name == "admin" else 0)
    if name == "admin":
        session.page.locator("#agency-BQLKKT details summary").click()
        assert session.page.locator("#agency-BQLKKT ul.deductions li").count() > 0
        session.shot(shots, "dashboard-admin-vi")
        session.page.locator("#agency-VNPTKG a").click()
        session.page.wait_for_url("**/agencies/VNPTKG/")
        assert session.page.locator("table.services tbody tr").count() > 0  # its open services
        session.shot(shots, "agency-VNPTKG-admin-vi")


def test_an_officer_lands_on_their_agency_page(session: Session, shots: Path) -> None:
    session.login("officer", lands=f"**/agencies/{OFFICER_AGENCY}/")
    assert session.page.locator("h1").inner_text() == "SYT · Sở Y tế"
    clauses = session.page.locator("section.clause")
    assert clauses.count() >= 3  # findings grouped under 430, 2132 and the directive's clauses
    first_clause = session.page.locator("section.clause h3").first.inner_text()
    assert first_clause.startswith(("CV430", "CV2132", "KG20"))
    finding = session.page.locator("details.finding").first
    finding.locator("summary").click()
    assert finding.locator("dd.fix").inner_text().strip() != ""  # remediation
    assert session.page.locator("h2", has_text="Tài sản").count() == 1
    session.shot(shots, "agency-SYT-officer-vi")
    session.page.goto(f"{session.base}/agencies/UBND/")
    assert session.page.locator("h1").inner_text() == "Không tìm thấy trang"  # another agency's page


def test_an_officer_sees_their_agency_alone(session: Session, shots: Path) -> None:
    session.login("officer", lands=f"**/agencies/{OFFICER_AGENCY}/")
    session.page.goto(f"{session.base}/dashboard/")
    rows = session.page.locator("table.agencies tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("id") == f"agency-{OFFICER_AGENCY}"
    assert "Sở Y tế" in rows.first.inner_text()
    assert "UBND" not in rows.first.inner_text()  # its parent is another agency: not named
    session.page.locator(f"#agency-{OFFICER_AGENCY} details summary").click()
    session.shot(shots, "dashboard-officer-SYT-vi")
    session.page.goto(f"{session.base}/security-log/")
    assert "Không được phép" in session.page.locator("h1").inner_text()


def test_the_security_log_shows_the_logins(session: Session, shots: Path) -> None:
    session.login("admin")
    session.page.locator("nav a", has_text="Nhật ký an ninh").click()
    session.page.wait_for_url("**/security-log/")
    assert session.page.locator("table.log tbody tr.ev-user-created").count() == len(USERS)
    assert session.page.locator("table.log tbody tr.ev-login").count() >= 1
    session.page.select_option("#id_kind", "login.failed")
    session.page.click("form.filters button")
    session.page.wait_for_url("**/security-log/?kind=login.failed*")  # the filtered page, not the last
    assert session.page.locator("table.log tbody tr.ev-login-failed").count() >= 1
    session.shot(shots, "security-log-vi")


def test_the_language_switch_holds_across_logins(session: Session, shots: Path, browser: object) -> None:
    session.login("leader")
    session.page.locator("button[name=language][value=en]").click()
    session.page.wait_for_url("**/dashboard/")
    assert session.page.locator("html").get_attribute("lang") == "en"
    assert session.page.locator("table.agencies caption").inner_text() == "Agencies, worst first"
    session.shot(shots, "dashboard-leader-en")
    session.page.locator("button", has_text="Log out").click()
    session.page.wait_for_url("**/login/")
    again = Session(browser, session.base)  # a new browser: no language cookie, the account's choice
    try:
        again.login("leader")
        assert again.page.locator("html").get_attribute("lang") == "en"
        again.page.locator("button[name=language][value=vi]").click()
        assert again.page.locator("html").get_attribute("lang") == "vi"
        assert again.errors == []
    finally:
        again.close()


def test_totp_enrolment_page(session: Session, shots: Path) -> None:
    session.login("analyst")
    session.page.goto(f"{session.base}/account/totp/")
    qr = session.page.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the QR code loaded (CSP allows it)
    assert len(session.page.locator("code.key").inner_text().replace(" ", "")) == 32
    session.shot(shots, "totp-enrol-vi")
