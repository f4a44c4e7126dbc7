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
from browser_support import CHROMIUM
from console_server_support import add_user, served_console
from e2e_support import run_cli

playwright = pytest.importorskip("playwright.sync_api")

PASSWORD = "gió mùa đông bắc 2025"
OFFICER_AGENCY = "SYT"
USERS = {"admin": ("csirt-admin", ()), "analyst": ("csirt-analyst", ()), "leader": ("leader", ()),
         "officer": ("agency-officer", (OFFICER_AGENCY,))}

# the module's first test also waits for the demo (about 35 s alone, minutes on a loaded machine)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (Debian package: chromium)"),
    pytest.mark.timeout(400),
]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's store with one user per role, served; yields the console's base URL."""
    workspace = tmp_path_factory.mktemp("console-demo")
    done = run_cli("--workspace", workspace, "demo", columns=200)
    assert done.code in (0, 1), done.describe()  # tests/e2e/test_demo.py holds it to its cases
    assert "users add admin --role csirt-admin" in done.stdout  # the demo says how to open the console
    store = workspace / "demo"
    for name, (role, agencies) in USERS.items():
        add_user(store, name, role, PASSWORD, *agencies)
    with served_console(store) as base:
        yield base


class Session:
    """One browser context (its own cookies) and page, collecting the browser's error reports."""

    def __init__(self, browser: object, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message: object) -> None:
        """Errors the browser reports (a CSP violation is one); a page's own 4xx status is not,
        its sub-resources' are (``_response``)."""
        text = str(message.text)  # type: ignore[attr-defined]
        if message.type == "error" and not text.startswith("Failed to load resource"):  # type: ignore[attr-defined]
            self.errors.append(text)

    def _response(self, response: object) -> None:
        request = response.request  # type: ignore[attr-defined]
        if response.status >= 400 and request.resource_type != "document":  # type: ignore[attr-defined]
            self.errors.append(f"{response.status} {request.url}")  # type: ignore[attr-defined]

    def login(self, name: str, lands: str = "**/dashboard/") -> None:
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#id_username", name)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button.primary")
        self.page.wait_for_url(lands)

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 20_000, f"{path} looks blank"
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser: object, console: str) -> Iterator[Session]:
    opened = Session(browser, console)
    yield opened
    assert opened.errors == []  # no CSP violation, no failed script, no missing file
    opened.close()


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
