"""The incident pages in a real browser: Playwright driving Debian's headless ``chromium``
against ``canhgac serve --no-watch`` on a seeded store (two agencies, the watch's alerts, an
overdue incident of A with its timeline and notifications, a [forms] table in canhgac.toml).

An analyst reaches the incidents from the navigation, sees the overdue badge, filters the list
(htmx swaps the results), opens an incident by hand, writes a progress report, records a
notification, downloads its initial report (form 03) as DOCX and reads it back; reads both pages
in English. B's officer sees B's incidents only and is answered 404 for A's. Opening from a watch
alert's page lands on the new incident. No page may make the browser report an error.
Screenshots in Vietnamese and English, at desktop width and at a phone's (``-narrow``), go to
``build/test-artifacts/console``: ``incidents-{vi,en}[-narrow].png``,
``incident-{vi,en}[-narrow].png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")
docx = pytest.importorskip("docx")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

HERE = Path(__file__).parent
FORMS = """
[forms]
number-pattern = "{number}/BC-SKHCN"
[forms.issuer]
parent = "UBND tỉnh Kiên Giang"
name = "Sở Khoa học và Công nghệ"
place = "Kiên Giang"
address = "Số 01 Trần Hưng Đạo, Rạch Giá"
phone = "0297 3 862 999"
email = "csirt@kiengiang.gov.vn"
[forms.signer]
authority = "KT. Giám đốc"
title = "Phó Giám đốc"
name = "Lê Hoàng Đức"
"""
SEED = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
sys.path.insert(0, HERE_PATH)
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
(Path(sys.argv[1]) / "canhgac.toml").write_text(FORMS, encoding="utf-8")
from canhgac.console.store import services
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
from watch_board_support import seed_watch
seed_watch()
from canhgac.services import incidents as i
scope, settings, actor = i.viewer_scope(None), i.IncidentSettings(), i.Actor("cli:seed")
now = datetime.now(UTC)
late = i.open_incident(scope, settings, actor, agency="SO-A", title="Máy chủ một cửa bị mã hóa dữ liệu",
                       detected_at=now - timedelta(days=9), category_code="encryption", severity="critical",
                       description="Toàn bộ tệp trên máy chủ bị đổi đuôi .lockbit; có thư đòi tiền chuộc.",
                       source_detail="Anh Hùng, phòng CNTT, 0913 222 333")
i.move(scope, actor, late, i.State.TRIAGE)
i.move(scope, actor, late, i.State.CONTAINMENT)
i.note(scope, actor, late, i.EntryKind.PLAN, "Ngắt máy chủ khỏi mạng, giữ nguyên ổ đĩa để phân tích.")
i.link(scope, actor, late, i.LinkKind.INDICATOR, "ip:185.220.101.4", "máy chủ điều khiển")
i.notify(scope, actor, late, party=i.Party.OWNER_AGENCY, recipient="Văn phòng UBND tỉnh",
         channel=i.Channel.PHONE, sent_at=now - timedelta(days=8))
soon = i.open_incident(scope, settings, actor, agency="SO-B", title="Cổng thông tin bị thay đổi giao diện",
                       detected_at=now - timedelta(days=4, hours=12), category_code="defacement",
                       severity="high")
from canhgac.console.store.incident_models import Incident
Incident.objects.filter(pk=soon).update(report_due_at=now + timedelta(hours=6))  # due soon, whatever the day
""".replace("HERE_PATH", repr(str(HERE))).replace("FORMS", repr(FORMS))


console = console_fixture("incidents", SEED)


def test_the_list_an_incident_and_its_initial_report(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.click("nav >> text=Sự cố")
    page.wait_for_url("**/incidents/")
    rows = page.locator("#incidents tbody tr")
    assert rows.count() == 2
    assert "quá hạn" in page.locator("tr.clock-overdue .badge").inner_text()
    assert "sắp đến hạn" in page.locator("tr.clock-due_soon .badge").inner_text()
    session.shots(shots, "incidents-vi", top=True)
    page.select_option("select[name=agency]", "SO-B")  # htmx swaps the results
    page.wait_for_url("**/incidents/?agency=SO-B")
    page.wait_for_function("document.querySelectorAll('#incidents tbody tr').length === 1")
    page.goto(f"{session.base}/incidents/")
    page.click("#open-incident summary")
    page.select_option("#id_agency", "SO-B")
    page.fill("#id_title", "Tài khoản thư điện tử của giám đốc bị chiếm quyền")
    page.fill("#id_reporter", "Chị Lan, văn thư, 0912 555 666")
    page.select_option("#id_type", "unauthorised_access")
    page.click("#open-incident button.primary")
    page.wait_for_url("**/incidents/*/?saved=opened")
    assert "Tài khoản thư điện tử" in page.locator("h1").inner_text()
    assert "Bộ luật Dân sự" in page.locator("#legal-reading").inner_text()
    page.select_option("#id_kind", "progress")
    page.fill("#id_text", "Đã đổi mật khẩu, bật xác thực hai lớp.")
    page.click("#entry button.primary")
    page.wait_for_url("**saved=entry*")
    page.select_option("#id_party", "national_coordinator")
    page.fill("#id_to", "Cục A05, Bộ Công an")
    page.fill("#id_reference", "12/BC-SKHCN")
    page.check("#notify input[name=initial_report]")
    page.click("#notify button.primary")
    page.wait_for_url("**saved=notified*")
    assert "Cục A05" in page.locator("#notifications").inner_text()
    assert "Đã đổi mật khẩu" in page.locator("#incident-timeline").inner_text()
    page.click("#details summary")
    page.fill("#id_cn", "Nguyễn Thị Lan")
    page.fill("#id_cph", "0912 555 666")
    page.fill("#id_ce", "lan@beta.gov.vn")
    page.click("#details button.primary")
    page.wait_for_url("**saved=details*")
    page.fill("#id_number03", "12")
    with page.expect_download() as download:
        page.click("#form03 button.primary")
    data = Path(download.value.path()).read_bytes()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    tables = "\n".join(
        c.text for t in docx.Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells
    )
    assert "12/BC-SKHCN" in text + tables and "Nguyễn Thị Lan" in tables and "Sở Beta" in tables
    page.goto(page.url.split("?")[0])
    assert "mẫu 03" in page.locator("#incident-timeline").inner_text()
    session.shots(shots, "incident-vi", top=True)
    session.language("en")
    assert "Incident #" in page.locator("h1").inner_text()
    assert "Civil Code" in page.locator("#legal-reading").inner_text()
    session.shots(shots, "incident-en", top=True)
    page.goto(f"{session.base}/incidents/")
    assert "overdue" in page.locator("tr.clock-overdue .badge").inner_text()
    session.shots(shots, "incidents-en", top=True)
    session.language("vi")


def test_an_incident_from_a_watch_alert(session: Session) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/watch/alerts/")
    page.locator("table a[href^='/watch/alerts/']").first.click()
    page.wait_for_url("**/watch/alerts/*/")
    page.click("#open-incident-from-alert")
    page.wait_for_url("**/incidents/*/?saved=opened")
    assert "Cảnh báo #" in page.locator("#links").inner_text()


def test_an_officer_sees_their_agency_only(session: Session, console: str) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    page.goto(f"{session.base}/incidents/")
    text = page.locator("main").inner_text()
    assert "SO-B" in text and "SO-A" not in text and "mã hóa" not in text
    answer = page.goto(f"{session.base}/incidents/1/")
    assert answer is not None and answer.status == 404
