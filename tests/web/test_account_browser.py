"""A user's own password and the administrator's set-password link in a real browser (Debian's
``chromium`` through Playwright) against ``canhgac serve`` on a fresh workspace: a user changes
their password from the header's link and logs in with the new one; an administrator makes a
link on a user's page and the user chooses their password with it; a used link answers its
page. Screenshots go where ``test_console_browser`` puts its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session, checked_session
from console_server_support import add_user, served_console

playwright = pytest.importorskip("playwright.sync_api")

NEW = "mưa dầm tháng bảy 2026"
pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(400)]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty workspace's console with an administrator, an analyst and a newcomer."""
    workspace = tmp_path_factory.mktemp("console-accounts")
    with served_console(workspace, "--create") as url:
        for name, role in (("admin", "csirt-admin"), ("lan", "csirt-analyst"), ("hoa", "leader")):
            add_user(workspace, name, role, PASSWORD)
        yield url


@pytest.fixture
def opened(browser: object, base: str) -> Iterator[Session]:
    with checked_session(browser, base) as session:
        yield session


def _log_in(session: Session, name: str, password: str) -> None:
    session.page.goto(f"{session.base}/login/")
    session.page.fill("#id_username", name)
    session.page.fill("#id_password", password)
    session.page.click("button.primary")


def test_a_user_changes_their_password_and_logs_in_with_it(opened: Session, shots: Path) -> None:
    page = opened.page
    _log_in(opened, "lan", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.locator(".account a", has_text="Mật khẩu").click()
    page.wait_for_url("**/account/password/")
    assert page.locator("h1").inner_text() == "Đổi mật khẩu của bạn"
    opened.shot(shots, "password-change-vi")
    page.fill("#id_current_password", "không phải mật khẩu này")
    page.fill("#id_new_password", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("button.primary")
    assert page.locator("p.error").inner_text() == "Mật khẩu hiện tại không đúng."
    page.fill("#id_current_password", PASSWORD)
    page.fill("#id_new_password", "password1234")
    page.fill("#id_new_password2", "password1234")
    page.click("button.primary")
    assert "mật khẩu phổ biến nhất" in page.locator("p.error").inner_text()
    opened.shot(shots, "password-change-refused-vi")
    page.fill("#id_current_password", PASSWORD)
    page.fill("#id_new_password", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("button.primary")
    page.wait_for_url("**/account/password/?changed=1")
    assert page.locator("#password-changed").is_visible()
    opened.shot(shots, "password-changed-vi")
    page.locator(".account button", has_text="Đăng xuất").click()
    page.wait_for_url("**/login/")
    _log_in(opened, "lan", PASSWORD)
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.locator("p.error").inner_text()
    _log_in(opened, "lan", NEW)
    page.wait_for_url("**/dashboard/")


def test_an_administrator_hands_over_a_link_and_the_user_chooses_a_password(
        browser: object, opened: Session, shots: Path) -> None:
    page = opened.page
    _log_in(opened, "admin", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"{opened.base}/users/hoa/")
    page.locator("button", has_text="Tạo liên kết đặt mật khẩu").click()
    link = page.locator("#password-link").inner_text()
    assert re.fullmatch(rf"{re.escape(opened.base)}/account/set-password/[^/]+/[^/]+/", link), link
    opened.shot(shots, "user-password-link-vi")
    newcomer = Session(browser, opened.base)
    try:
        newcomer.page.goto(link)
        assert "hoa" in newcomer.page.locator("section.card p").first.inner_text()
        newcomer.shot(shots, "password-set-vi")
        newcomer.page.fill("#id_new_password", NEW)
        newcomer.page.fill("#id_new_password2", NEW)
        newcomer.page.click("button.primary")
        newcomer.page.wait_for_url("**/login/?password=set")
        assert newcomer.page.locator("#password-set").is_visible()
        newcomer.shot(shots, "password-set-login-vi")
        _log_in(newcomer, "hoa", NEW)
        newcomer.page.wait_for_url("**/dashboard/")
        answer = newcomer.page.goto(link)
        assert answer is not None and answer.status == 400
        assert newcomer.page.locator("#link-invalid").is_visible()
        newcomer.shot(shots, "password-link-used-vi")
        assert newcomer.errors == []
    finally:
        newcomer.close()
