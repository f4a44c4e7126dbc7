"""The reports page and its downloads through Django's test client, on the store of
``console_cases`` (agencies A and B, B's officer), once per backend (``test_report_page_backends``).

Downloads are the CLI's own files, go to the roles allowed, and are logged; an officer gets
only their own agencies' reports, whichever agency code or format they ask for.
"""

from __future__ import annotations

import json

from console_cases import A_NAME, B_NAME, A, B, World, _client, _events, _text, world

from canhgac.console.store.models import Agency
from canhgac.console.store.queries import ViewerScope
from canhgac.services.dashboard import console_catalog
from canhgac.services.reporting import FORMATS, render_reports

__all__ = ["world"]  # the fixture


def test_the_csirt_and_leaders_download_the_province_report_as_the_cli_writes_it(world: World) -> None:
    expected = dict(render_reports(None, lang="vi", catalog=console_catalog(),
                                   scope=ViewerScope.everything()))
    for name in ("admin", "analyst", "leader"):
        client = _client(name)
        page = _text(client.get("/reports/"))
        assert 'id="report-province"' in page
        assert f'id="report-{A}"' in page and f'id="report-{B}"' in page
        for fmt in FORMATS:
            answer = client.get(f"/reports/province/{fmt}/")
            assert answer.status_code == 200, (name, fmt)
            filename = f"canhgac-state-run{world.run_id}-vi.{fmt}"
            assert answer["Content-Disposition"] == f'attachment; filename="{filename}"'
            content = expected[filename]
            content = content if isinstance(content, bytes) else content.encode()
            assert answer.content == content, (name, fmt)
        body = json.loads(client.get("/reports/province/json/").content)
        assert {a["code"] for a in body["report"]["agencies"]} == {A, B}


def test_an_agency_report_holds_that_agency_alone(world: World) -> None:
    answer = _client("analyst").get(f"/reports/agencies/{B}/html/")
    assert answer.status_code == 200
    filename = f"canhgac-state-run{world.run_id}-vi-agency-{B}.html"
    assert answer["Content-Disposition"] == f'attachment; filename="{filename}"'
    page = answer.content.decode()
    assert B_NAME in page and "beta.gov.vn" in page
    assert A_NAME not in page and "alpha.gov.vn" not in page  # B's parent is A: dropped too


def test_every_download_is_logged_as_an_export(world: World) -> None:
    client = _client("leader")
    client.get("/reports/province/csv/")
    client.get(f"/reports/agencies/{A}/json/")
    client.get("/reports/agencies/SO-NONE/json/")  # refused: not an export
    events = _events("export")
    assert [(e.username, e.actor, e.address) for e in events] == [("leader", "leader", "192.0.2.10")] * 2
    assert [e.detail for e in events] == [
        {"report": "province", "agency": "", "format": "csv",
         "file": f"canhgac-state-run{world.run_id}-vi.csv"},
        {"report": "agency", "agency": A, "format": "json",
         "file": f"canhgac-state-run{world.run_id}-vi-agency-{A}.json"},
    ]
    log = _text(_client("admin").get("/security-log/?kind=export"))
    assert log.count('<tr class="ev-export">') == 2


def test_an_officer_downloads_only_their_own_agencies_reports(world: World) -> None:
    officer = _client("officer_b")
    page = _text(officer.get("/reports/"))
    assert f'id="report-{B}"' in page and 'id="report-province"' not in page
    assert A not in page and A_NAME not in page
    codes = [*Agency.objects.values_list("code", flat=True), "SO-NONE", A.lower(), f"{B}.", ".."]
    for code in codes:
        for fmt in FORMATS:
            answer = officer.get(f"/reports/agencies/{code}/{fmt}/")
            if code == B:
                assert answer.status_code == 200, fmt
                text = answer.content.decode()
                assert B in text and A not in text and A_NAME not in text and "alpha.gov.vn" not in text, fmt
            else:
                assert answer.status_code == 404, (code, fmt)  # another agency is as one that does not exist
    for fmt in FORMATS:
        assert officer.get(f"/reports/province/{fmt}/").status_code == 404, fmt
    assert {e.detail["agency"] for e in _events("export")} == {B}


def test_unknown_formats_and_anonymous_downloads_are_refused(world: World) -> None:
    analyst = _client("analyst")
    for url in ("/reports/province/pdf/", f"/reports/agencies/{A}/xlsx/", f"/reports/agencies/{A}/HTML/"):
        assert analyst.get(url).status_code == 404, url
    for url in ("/reports/", "/reports/province/html/", f"/reports/agencies/{A}/csv/"):
        answer = _client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/?next="), url
    assert _events("export") == []
