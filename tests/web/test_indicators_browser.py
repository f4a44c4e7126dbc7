"""The indicator pages and an incident's export in a real browser: Playwright driving Debian's
headless ``chromium`` against ``canhgac serve --no-watch`` on a seeded store (two agencies, an
incident of A with two linked indicators, ``[forms.issuer]`` in canhgac.toml).

An analyst reaches the packs from the navigation, imports a STIX bundle through the form (a
malformed one first: one line on the page, nothing stored), views the pack, filters it by type,
downloads its CSV; then exports the incident's indicators from its page as STIX 2.1 (parsed
with ``stix2``) and MISP with the TLP chosen. B's officer sees no RED pack and gets 404 for
it and for A's incident. No page may make the browser report an error. Screenshots in
Vietnamese and English, at desktop width and at a phone's (``-narrow``), go to
``build/test-artifacts/console``: ``indicator-packs-{vi,en}[-narrow].png``,
``indicator-pack-{vi,en}[-narrow].png``, ``incident-export-{vi,en}.png``,
``incident-export-vi-narrow.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import NARROW, NEEDS_CHROMIUM, Session
from console_server_support import console_fixture

playwright = pytest.importorskip("playwright.sync_api")
stix2 = pytest.importorskip("stix2")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(300)]

HERE = Path(__file__).parent
DATA = HERE.parent / "indicators" / "data"
SEED = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(workspace=Path(sys.argv[1]))
migrate()
(Path(sys.argv[1]) / "canhgac.toml").write_text(
    '[forms.issuer]\\nname = "Sở Khoa học và Công nghệ"\\nemail = "csirt@kiengiang.gov.vn"\\n',
    encoding="utf-8")
from canhgac.console.store import services
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
from canhgac.services import incidents as i, indicators
scope, settings, actor = i.viewer_scope(None), i.IncidentSettings(), i.Actor("cli:seed")
late = i.open_incident(scope, settings, actor, agency="SO-A", title="Máy chủ một cửa bị mã hóa dữ liệu",
                       detected_at=datetime.now(UTC) - timedelta(days=2), category_code="encryption",
                       severity="critical")
i.link(scope, actor, late, i.LinkKind.INDICATOR, "ip:185.220.101.4", "máy chủ điều khiển")
i.link(scope, actor, late, i.LinkKind.INDICATOR, "domain:update-check.example.net", "tên miền C2")
csirt = indicators.PackAudience(csirt=True)
indicators.import_data(csirt, b"203.0.113.9\\nbad.example.org\\n", "vncert.txt", name="vncert-do",
                       tlp=indicators.Tlp.RED, actor="seed")
"""


console = console_fixture("indicators", SEED)


def test_import_view_and_export(session: Session, shots: Path, tmp_path: Path) -> None:
    page = session.page
    session.login("analyst")
    page.click("nav >> text=Dấu hiệu")
    page.wait_for_url("**/indicators/")
    assert "vncert-do" in page.locator("#packs").inner_text()
    broken = tmp_path / "hong.stix.json"
    broken.write_text('{"type": "bundle", "objects": [', encoding="utf-8")
    page.set_input_files("#id_file", str(broken))
    page.click("#import-pack button.primary")
    error = page.locator("#import-error").inner_text()
    assert "Không nhập gì cả" in error and "\n" not in error.strip()
    assert page.locator("#packs tbody tr").count() == 1
    page.set_input_files("#id_file", str(DATA / "stix_bundle_sample.json"))
    page.fill("#id_name", "webshells-2026-12")
    page.fill("#id_source", "CSIRT đối tác")
    page.select_option("#id_tlp", "green")
    page.click("#import-pack button.primary")
    page.wait_for_url("**/indicators/*/?added=*")
    assert "Đã nhập" in page.locator("#imported").inner_text()
    assert "webshells-2026-12" in page.locator("h1").inner_text()
    total = int(page.locator("#indicators tbody tr").count())
    assert total > 1
    session.shots(shots, "indicator-pack-vi")
    first_type = page.locator("#id_type option").nth(1).get_attribute("value")
    page.select_option("#id_type", first_type)
    page.click("#pack-filter button")
    page.wait_for_url(f"**type={first_type}*")
    assert 0 < page.locator("#indicators tbody tr").count() <= total
    with page.expect_download() as download:
        page.click("#pack-export")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("type,value,note") and len(csv_text.splitlines()) == total + 1
    page.goto(f"{session.base}/indicators/")
    assert page.locator("#packs tbody tr").count() == 2
    session.shots(shots, "indicator-packs-vi")

    page.goto(f"{session.base}/incidents/1/")
    page.select_option("#id_export_format", "stix")
    page.select_option("#id_export_tlp", "amber+strict")
    with page.expect_download() as download:
        page.click("#indicators button.primary")
    assert download.value.suggested_filename == "incident-1-amber-strict.stix.json"
    bundle = stix2.parse(Path(download.value.path()).read_text(encoding="utf-8"), allow_custom=False)
    patterns = sorted(o.pattern for o in bundle.objects if o.type == "indicator")
    assert patterns == ["[domain-name:value = 'update-check.example.net']",
                        "[ipv4-addr:value = '185.220.101.4']"]
    marking = next(o for o in bundle.objects if o.type == "marking-definition")
    assert marking.name == "TLP:AMBER+STRICT"
    page.select_option("#id_export_format", "misp")
    page.select_option("#id_export_tlp", "green")
    with page.expect_download() as download:
        page.click("#indicators button.primary")
    event = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))["Event"]
    assert {a["value"] for a in event["Attribute"]} == {"185.220.101.4", "update-check.example.net"}
    assert event["Tag"][0]["name"] == "tlp:green"
    page.locator("#indicators").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "incident-export-vi.png"))
    page.set_viewport_size(NARROW)
    page.locator("#indicators").screenshot(path=str(shots / "incident-export-vi-narrow.png"))
    page.set_viewport_size({"width": 1400, "height": 900})

    session.language("en")
    assert "Export indicators" in page.locator("#indicators").inner_text()
    page.locator("#indicators").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "incident-export-en.png"))
    page.goto(f"{session.base}/indicators/")
    assert "Indicator packs" in page.locator("h1").inner_text()
    session.shots(shots, "indicator-packs-en")
    page.locator("#packs a", has_text="webshells").click()
    page.wait_for_url("**/indicators/*/")
    session.shots(shots, "indicator-pack-en")
    session.language("vi")


def test_an_officer_sees_no_red_pack(session: Session) -> None:
    page = session.page
    session.login("officer", lands="**/agencies/SO-B/")
    page.goto(f"{session.base}/indicators/")
    text = page.locator("#packs").inner_text()
    assert "vncert-do" not in text and "TLP:RED" not in text and "webshells-2026-12" in text
    assert page.locator("#import-pack").count() == 0
    answer = page.goto(f"{session.base}/indicators/1/")
    assert answer is not None and answer.status == 404
    answer = page.goto(f"{session.base}/incidents/1/")
    assert answer is not None and answer.status == 404
