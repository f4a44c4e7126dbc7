"""Form 05's console page in a real browser: Playwright driving Debian's headless ``chromium``
against ``canhgac serve --no-watch`` on a seeded store (two agencies; incidents of 2026 on the
year's edges in Vietnam's time; a [forms] table in canhgac.toml).

An analyst follows the incidents list's link, picks the year, sees the counts per type and the
total, downloads the DOCX and reads it back; the same counts come from ``GET /api/v1/forms/05``
with the console session; the page in English. B's officer counts B's incidents only and is
answered 404 for A. Screenshots in ``build/test-artifacts/console``:
``summary-05-{vi,en}.png``, ``summary-05-vi-narrow.png``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")
docx = pytest.importorskip("docx")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

FORMS = """
[forms]
number-pattern = "{number}/BC-SKHCN"
[forms.issuer]
parent = "UBND tỉnh Kiên Giang"
name = "Đội Ứng cứu sự cố máy tính tỉnh Kiên Giang"
place = "Kiên Giang"
address = "Số 01 Trần Hưng Đạo, Rạch Giá"
phone = "0297 3 862 999"
email = "csirt@kiengiang.gov.vn"
member-code = "KG-CSIRT-091"
[forms.signer]
title = "Phó Giám đốc"
name = "Lê Hoàng Đức"
"""
SEED = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
(Path(sys.argv[1]) / "canhgac.toml").write_text(FORMS, encoding="utf-8")
from canhgac.console.store import services
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
from canhgac.services import incidents as i
scope, settings, actor = i.viewer_scope(None), i.IncidentSettings(), i.Actor("cli:seed")
for agency, at, kind, handled in (
    ("SO-A", datetime(2026, 12, 31, 16, 30, tzinfo=UTC), "malware", "foreign_help"),  # 23:30, 31/12 VN
    ("SO-A", datetime(2025, 12, 31, 17, 30, tzinfo=UTC), "spoofing", "in_house"),  # 00:30, 1/1/2026 VN
    ("SO-B", datetime(2026, 7, 1, 3, 0, tzinfo=UTC), "defacement", "domestic_help"),
    ("SO-B", datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "defacement", "in_house"),  # 2027 in Vietnam
):
    pk = i.open_incident(scope, settings, actor, agency=agency, title=f"{kind} {at:%d/%m}", detected_at=at,
                         category_code=kind, now=at)
    i.set_details(scope, actor, pk, {"handled_by": handled, "estimated_damage": "2 triệu"})
""".replace("FORMS", repr(FORMS))


console = console_fixture("summary05", SEED)


def _cells(page: object, row: str) -> list[str]:
    return [c.strip() for c in page.locator(f"#{row} > *").all_inner_texts()]  # type: ignore[attr-defined]


def test_the_year_on_the_page_in_the_docx_and_from_the_api(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/incidents/")
    page.click("#summary-link")
    page.wait_for_url("**/incidents/report-05/")
    page.select_option("select[name=period]", "2026")
    page.fill("input[name=number]", "42")
    page.click("#summary-form button:not(.primary)")
    page.wait_for_url("**period=2026*")
    assert _cells(page, "summary-total")[2:] == ["3", "1", "1", "1", "0", "6.000.000"]
    assert _cells(page, "summary-malware")[2] == "1" and _cells(page, "summary-defacement")[2] == "1"
    assert "15/12/2026" in page.locator("#summary-due").inner_text()
    session.shot(shots, "summary-05-vi")
    page.set_viewport_size({"width": 390, "height": 844})
    session.shot(shots, "summary-05-vi-narrow")
    page.set_viewport_size({"width": 1400, "height": 900})
    with page.expect_download() as download:
        page.click("#summary-download")
    data = Path(download.value.path()).read_bytes()
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    text = "\n".join([*(p.text for p in document.paragraphs), *cells])
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "TT")
    assert "42/BC-SKHCN" in text and "từ tháng 01/2026 đến tháng 12/2026" in text
    assert [c.text for c in table.rows[-1].cells][2:] == ["3", "1", "1", "1", "0", "6.000.000"]
    answer = page.goto(f"{session.base}/api/v1/forms/05?period=2026&format=json")
    assert answer is not None and answer.status == 200
    counted = json.loads(page.locator("body").inner_text())
    assert counted["total"]["count"] == 3 and counted["due"] == "2026-12-15"
    assert counted["by_agency"] == {"SO-A": {"malware": 1, "spoofing": 1}, "SO-B": {"defacement": 1}}
    page.goto(f"{session.base}/incidents/report-05/?period=2026")
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert "Incident summary (form 05)" in page.locator("h1").inner_text()
    session.shot(shots, "summary-05-en")
    page.locator("button[name=language][value=vi]").click()
    page.wait_for_load_state()


def test_an_officer_counts_their_agency_only(session: Session) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    page.goto(f"{session.base}/incidents/report-05/?period=2026")
    assert _cells(page, "summary-total")[2] == "1"
    assert "SO-A" not in page.locator("#summary-agencies").inner_text()
    answer = page.goto(f"{session.base}/incidents/report-05/?period=2026&agency=SO-A")
    assert answer is not None and answer.status == 404
    answer = page.goto(f"{session.base}/api/v1/forms/05?period=2026&agency=SO-A&format=json")
    assert answer is not None and answer.status == 404
    answer = page.goto(f"{session.base}/api/v1/forms/05?period=2026&format=json")
    assert answer is not None and json.loads(page.locator("body").inner_text())["total"]["count"] == 1
