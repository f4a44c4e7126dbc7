"""The watch board in a real browser: Playwright driving Debian's headless ``chromium`` against
``canhgac serve --no-watch`` on a seeded store (``watch_board_support``'s monitors and alerts).

An analyst opens the board from the navigation, sees it follow a change the store gets behind
its back (htmx polling its fragment, no reload), acknowledges an alert from it, and reads the
alert's timeline; an administrator accepts the new MX of the DNS monitor; the officer of one
agency sees theirs alone. No page may make the browser report an error (a CSP violation would).
Screenshots ``watch-board-vi.png``, ``watch-alert-vi.png``, ``watch-monitor-vi.png`` and
``watch-board-officer-vi.png`` go to ``build/test-artifacts/console``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import seeded_console

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

HERE = Path(__file__).parent
SEED = """
import sys
from pathlib import Path
sys.path.insert(0, HERE_PATH)
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
from canhgac.console.store import services
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
from watch_board_support import seed_watch
seed_watch()
""".replace("HERE_PATH", repr(str(HERE)))
RECOVER = """
import sys
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(workspace=Path(sys.argv[1]))
from canhgac.console.store.watch_models import WatchMonitor
WatchMonitor.objects.filter(target="https://www.beta.gov.vn/").update(health="up", last_ok=True, problem="")
"""


def _python(code: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CANHGAC_DATABASE_URL", "CANHGAC_WORKSPACE")}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("watch-console")


@pytest.fixture(scope="module")
def console(workspace: Path) -> Iterator[str]:
    users = {"admin": ("csirt-admin",), "analyst": ("csirt-analyst",), "officer": ("agency-officer", "SO-B")}
    with seeded_console(workspace, SEED, users) as base:
        yield base


def test_the_board_follows_the_store_and_an_alert_is_acknowledged(
    session: Session, workspace: Path, shots: Path
) -> None:
    page = session.page
    session.login("analyst")
    page.locator("nav a", has_text="Giám sát").click()
    page.wait_for_url("**/watch/")
    assert page.locator("#count-down").inner_text() == "3"
    alerts = page.locator("#open-alerts tbody tr")
    assert alerts.count() == 2
    hijack = alerts.filter(has_text="bản ghi MX của beta.gov.vn")
    assert "Nghiêm trọng" in hijack.inner_text() and "10 mx.evil.example." in hijack.inner_text()
    grouped = alerts.filter(has_text="www.alpha.gov.vn")
    assert "www.beta.gov.vn" in grouped.inner_text()  # one alert listing both agencies' portals
    session.shot(shots, "watch-board-vi")
    _python(RECOVER, str(workspace))  # the store changes behind the page's back...
    playwright.expect(page.locator("#count-down")).to_have_text("2", timeout=20_000)
    assert page.url.endswith("/watch/")  # ...and the board follows without a reload
    hijack.locator("form.ack button").click()
    page.wait_for_url("**/watch/")
    assert "analyst" in page.locator("#open-alerts tbody tr", has_text="bản ghi MX").inner_text()
    page.locator("#open-alerts tbody tr", has_text="bản ghi MX").locator("td.num a").click()
    page.wait_for_url("**/watch/alerts/*/")
    timeline = page.locator("#alert-timeline").inner_text()
    assert "mở" in timeline and "đã xác nhận" in timeline and "analyst" in timeline
    session.shot(shots, "watch-alert-vi")


def test_an_administrator_accepts_the_new_mx(session: Session, shots: Path) -> None:
    page = session.page
    session.login("admin")
    page.goto(f"{session.base}/watch/")
    page.locator("#monitors").get_by_role("link", name="beta.gov.vn", exact=True).click()
    page.wait_for_url("**/watch/monitors/*/")
    assert "có thể tên miền bị chiếm quyền" in page.locator("#monitor-problem").inner_text()
    session.shot(shots, "watch-monitor-vi")
    page.click("#accept-form button.primary")
    page.wait_for_url("**?saved=baseline")
    assert page.locator("#baseline-saved").is_visible()
    page.fill("#id_interval", "30")
    page.click("#edit-form button.primary")
    page.wait_for_url("**?saved=definition")
    assert "30" in page.locator("#monitor-interval").inner_text()


def test_an_officer_sees_only_their_agency(session: Session, shots: Path) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    page.goto(f"{session.base}/watch/")
    board = page.locator("#board").inner_text()
    assert "beta.gov.vn" in board and "alpha" not in board and "SO-A" not in board
    assert page.locator("form.ack").count() == 0
    session.shot(shots, "watch-board-officer-vi")
