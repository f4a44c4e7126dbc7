"""The duty roster and the alert messages in a real browser: Playwright driving Debian's headless
``chromium`` against ``canhgac serve --no-watch`` on a seeded store (``watch_board_support``'s
alerts, ``watch_people_support``'s roster and outbox).

An analyst goes from the watch board to the roster, sees who is on duty now and the gap in the
day's lanes, imports a CSV with a wrong line (refused with its number, nothing imported) and a
good one; goes to the alert messages, filters them and queues a given-up message again; reads
both pages in English. The officer of one agency finds no link to either and is refused them.
No page may make the browser report an error (a CSP violation would). Screenshots in
Vietnamese and English, at desktop width and at a phone's (``-narrow``), go to
``build/test-artifacts/console``: ``watch-roster-{vi,en}[-narrow].png``,
``watch-deliveries-{vi,en}[-narrow].png``, ``watch-roster-error-vi.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

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
from watch_people_support import seed_people
rows = seed_watch()
seed_people(rows.hijack, rows.grouped)
""".replace("HERE_PATH", repr(str(HERE)))
BAD = (
    "họ tên;vai trò;bắt đầu;kết thúc;email\n"
    "Mai;trực chính;2027-02-05 08:00;2027-02-05 20:00;mai@a.vn\n"
    "Tú;trực đêm;2027-02-05 20:00;2027-02-06 08:00;tu@a.vn\n"
)
GOOD = (
    "person,role,start,end,email\nHoàng Thị Mai,on-duty,2027-02-05 08:00,2027-02-05 20:00,mai@stttt.gov.vn\n"
)


console = console_fixture("watch-people", SEED)


def _english(session: Session) -> None:
    session.page.locator("button[name=language][value=en]").click()
    session.page.wait_for_load_state()


def _vietnamese(session: Session) -> None:
    session.page.locator("button[name=language][value=vi]").click()
    session.page.wait_for_load_state()


def test_the_roster_from_the_board_and_a_csv_imported(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/watch/")
    page.click("#link-roster")
    page.wait_for_url("**/watch/roster/")
    assert "Nguyễn Văn An" in page.locator("#holder-on-duty").inner_text()
    assert "an@stttt.gov.vn" in page.locator("#holder-on-duty").inner_text()
    assert "Trần Thị Bình" in page.locator("#holder-backup").inner_text()
    assert page.locator("#gaps li").count() == 2
    assert page.locator("details.day rect.gap").count() >= 2  # both gaps in the days' lanes
    session.shots(shots, "watch-roster-vi")
    page.set_input_files(
        "#id_file", files=[{"name": "tet-2027.csv", "mimeType": "text/csv", "buffer": BAD.encode()}]
    )
    page.click("#import-form button.primary")
    page.wait_for_load_state()
    error = page.locator("#import-error").inner_text()
    assert "dòng 3" in error and "trực đêm" in error
    assert "Nguyễn Văn An" in page.locator("#holder-on-duty").inner_text()  # nothing imported
    page.locator("#import-error").scroll_into_view_if_needed()
    session.shot(shots, "watch-roster-error-vi")
    page.set_input_files(
        "#id_file", files=[{"name": "ca-dem.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}]
    )
    page.check("#import-form input[name=append]")
    page.click("#import-form button.primary")
    page.wait_for_url("**/watch/roster/?imported=1*")
    assert "ca-dem.csv" in page.locator("#import-saved").inner_text()
    assert "ca-dem.csv" in page.locator("#sources").inner_text()
    _english(session)
    assert "Duty roster" in page.locator("h1").inner_text()
    assert "Nobody on duty from" in page.locator("#gaps").inner_text()
    page.goto(f"{session.base}/watch/roster/")
    session.shots(shots, "watch-roster-en")
    _vietnamese(session)


def test_the_alert_messages_and_one_queued_again(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/watch/")
    page.click("#link-deliveries")
    page.wait_for_url("**/watch/deliveries/")
    assert page.locator("#deliveries tbody tr").count() == 4
    assert page.locator("#count-failed").inner_text() == "1"
    failed = page.locator("#deliveries tr.delivery-failed")
    assert "bot was blocked by the user" in failed.inner_text()
    session.shots(shots, "watch-deliveries-vi")
    page.select_option("#id_channel", "email")
    page.click("#delivery-filters button")
    page.wait_for_url("**channel=email*")
    assert page.locator("#deliveries tbody tr").count() == 2
    page.goto(f"{session.base}/watch/deliveries/")
    page.locator("#deliveries tr.delivery-failed form.requeue button").click()
    page.wait_for_url("**requeued=*")
    assert page.locator("#requeued").is_visible() and page.locator("#count-failed").inner_text() == "0"
    alert = page.locator("#deliveries tbody tr").first.locator("td a").first
    alert.click()
    page.wait_for_url("**/watch/alerts/*/")
    page.click("#link-alert-deliveries")
    page.wait_for_url("**/watch/deliveries/?alert=*")
    _english(session)
    assert "Alert messages" in page.locator("h1").inner_text()
    page.goto(f"{session.base}/watch/deliveries/")
    session.shots(shots, "watch-deliveries-en")
    _vietnamese(session)


def test_an_officer_has_neither_page(session: Session) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    page.goto(f"{session.base}/watch/")
    assert page.locator("#link-roster").count() == 0 and page.locator("#link-deliveries").count() == 0
    for path in ("/watch/roster/", "/watch/deliveries/"):
        answer = page.goto(f"{session.base}{path}")
        assert answer is not None and answer.status == 403, path
        assert "an@stttt.gov.vn" not in page.content()
