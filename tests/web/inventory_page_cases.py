"""The inventory page through Django's test client, on the store of ``console_cases``, once per
backend (``test_inventory_page_backends``): the CSIRT's alone; the store's inventory shown;
an uploaded file checked with its problems' lines, or compared with the store's inventory.
"""

from __future__ import annotations

import re

from console_cases import A_NAME, B_NAME, A, B, World, _client, _text, world
from django.core.files.uploadedfile import SimpleUploadedFile
from inventory_samples import BROKEN, GOOD

from canhgac.console.store.models import Agency

__all__ = ["world"]  # the fixture

def _upload(client: object, name: str, text: str | bytes) -> object:
    data = text.encode() if isinstance(text, str) else text
    return client.post("/inventory/", {"inventory": SimpleUploadedFile(name, data)})  # type: ignore[attr-defined]


def _problems(page: str) -> list[tuple[str, str, str]]:
    """(line, column, field) of each problem row."""
    table = page[page.index('<table class="problems">'):]
    table = table[:table.index("</table>")]
    row = r'<tr><td class="num">(\d*)</td><td class="num">(\d*)</td><td><code>([^<]*)</code>'
    return re.findall(row, table)


def test_only_the_csirt_reaches_the_inventory(world: World) -> None:
    for name in ("leader", "officer_b"):
        client = _client(name)
        assert client.get("/inventory/").status_code == 403, name
        assert _upload(client, "inventory.yaml", GOOD).status_code == 403, name
        assert "/inventory/" not in _text(client.get("/dashboard/"))  # not in their menu
    for name in ("admin", "analyst"):
        page = _text(_client(name).get("/inventory/"))
        assert 'href="/inventory/"' in page, name
    assert _client().get("/inventory/")["Location"].startswith("/login/?next=")


def test_the_current_inventory_is_the_stores(world: World) -> None:
    page = _text(_client("analyst").get("/inventory/"))
    assert f'id="inv-{A}"' in page and f'id="inv-{B}"' in page
    assert A_NAME in page and B_NAME in page and "alpha.gov.vn" in page and "beta.gov.vn" in page
    row_b = page[page.index(f'id="inv-{B}"'):]
    assert row_b[:row_b.index("</tr>")].count(A) == 1  # its parent


def test_a_broken_yaml_shows_each_problem_with_its_line(world: World) -> None:
    answer = _upload(_client("analyst"), "inventory.yaml", BROKEN)
    assert answer.status_code == 400
    page = _text(answer)
    assert "3 vấn đề trong inventory.yaml" in page
    rows = _problems(page)
    assert [(line, field) for line, _col, field in rows] == [
        ("7", "agencies[0].domains[0].name"), ("8", "agencies[1].code"), ("10", "agencies[1].kind")]
    assert "alpha..gov.vn" in page and "planet" in page
    assert "id=\"diff-" not in page  # no diff of a file that is not valid


def test_a_broken_csv_names_its_lines(world: World) -> None:
    csv = "Mã,Tên,Tên miền\nSO-A,Sở Alpha,alpha.gov.vn\nSO-C,Sở Gamma,gamma..gov.vn\n,Không mã,x.gov.vn\n"
    answer = _upload(_client("admin"), "agencies.csv", csv)
    assert answer.status_code == 400
    lines = [line for line, _col, _field in _problems(_text(answer))]
    assert lines == ["3", "4"]


def test_unreadable_uploads_are_refused_in_one_line(world: World) -> None:
    client = _client("analyst")
    for name, data, expected in (
        ("inventory.txt", b"version: 1", "tệp YAML"),
        ("inventory.yaml", b"\xff\xfe not utf-8 \x80", "UTF-8"),
        ("inventory.yaml", b"version: [1\n", "inventory.yaml"),
        ("inventory.yaml", b"", "inventory.yaml"),
    ):
        answer = _upload(client, name, data)
        assert answer.status_code == 400, name
        assert expected in _text(answer) and "Traceback" not in _text(answer), (name, data)
    assert client.post("/inventory/", {}).status_code == 400


def test_a_valid_file_is_compared_with_the_current_inventory(world: World) -> None:
    answer = _upload(_client("analyst"), "new.yaml", GOOD)
    assert answer.status_code == 200
    page = _text(answer)
    assert "new.yaml là danh mục hợp lệ" in page
    assert "1 thêm mới, 1 không còn trong danh mục, 1 thay đổi, 0 không đổi" in page
    assert 'id="diff-added-SO-C"' in page and "Sở Gamma" in page
    assert f'id="diff-removed-{B}"' in page
    changed = page[page.index(f'id="diff-changed-{A}"'):]
    changed = changed[:changed.index("</ul></li>")]
    assert "“Sở Alpha” → “Sở Alpha mới”" in changed
    assert "alpha2.gov.vn" in changed and "https://alpha.gov.vn/" in changed
    assert "alpha.gov.vn</code>" not in changed.replace("https://alpha.gov.vn/", "")  # kept: not listed
    assert Agency.objects.filter(code="SO-C").count() == 0  # nothing applied
    assert Agency.objects.get(code=B).active


def test_the_same_inventory_shows_no_difference(world: World) -> None:
    same = f"""version: 1
province: {{code: PT, name: "Tỉnh Thử"}}
agencies:
  - {{code: {A}, name: "{A_NAME}", kind: other, domains: [alpha.gov.vn]}}
  - {{code: {B}, name: "{B_NAME}", kind: other, parent: {A}, domains: [beta.gov.vn]}}
"""
    Agency.objects.update(kind="other")
    page = _text(_upload(_client("analyst"), "same.yaml", same))
    assert 'id="diff-none"' in page
    assert "0 thêm mới, 0 không còn trong danh mục, 0 thay đổi, 2 không đổi" in page


def _document_id(page: str) -> int:
    found = re.search(r'name="document" value="(\d+)"', page)
    assert found, "no apply form"
    return int(found.group(1))


def _apply(client: object, document: object) -> object:
    return client.post("/inventory/", {"action": "apply", "document": document})  # type: ignore[attr-defined]


def test_a_checked_file_is_applied_as_compared(world: World) -> None:
    from canhgac.console.store.account_models import SecurityEvent
    from canhgac.services.inventory_store import current_inventory

    client = _client("analyst")
    document = _document_id(_text(_upload(client, "new.yaml", GOOD)))
    answer = _apply(client, document)
    assert answer.status_code == 200
    page = _text(answer)
    assert 'id="applied"' in page and "new.yaml" in page
    assert Agency.objects.get(code="SO-C").active and Agency.objects.get(code="SO-C").parent.code == A
    assert not Agency.objects.get(code=B).active  # no longer listed: inactive, kept
    assert Agency.objects.get(code=A).name == "Sở Alpha mới"
    stored = current_inventory()
    assert stored is not None and stored.name == "new.yaml" and stored.applied_by == "analyst"
    assert stored.source == "console" and [a.code for a in stored.inventory.agencies] == [A, "SO-C"]
    event = SecurityEvent.objects.get(kind="inventory.applied")
    assert event.actor == "analyst" and event.detail["added"] == ["SO-C"]
    assert event.detail["deactivated"] == [B]
    assert 'id="history"' in page and "new.yaml" in page[page.index('id="history"'):]
    # the same document cannot be applied twice
    again = _apply(client, document)
    assert again.status_code == 400 and 'id="apply-refused"' in _text(again)


def test_a_csv_upload_is_applied_as_the_yaml_it_became(world: World) -> None:
    from canhgac.services.inventory_store import current_inventory

    csv = "Mã,Tên,Tên miền\nSO-A,Sở Alpha,alpha.gov.vn\nSO-C,Sở Gamma,gamma.gov.vn\n"
    client = _client("admin")
    answer = _apply(client, _document_id(_text(_upload(client, "agencies.csv", csv))))
    assert answer.status_code == 200
    stored = current_inventory()
    assert stored is not None and stored.name == "agencies.csv"
    assert {a.code for a in stored.inventory.agencies} == {"SO-A", "SO-C"}


def test_an_apply_after_another_change_is_refused(world: World) -> None:
    first = _client("analyst")
    second = _client("admin")
    stale = _document_id(_text(_upload(first, "new.yaml", GOOD)))
    fresh = _document_id(_text(_upload(second, "other.yaml", GOOD.replace("Sở Gamma", "Sở Gamma 2"))))
    assert _apply(second, fresh).status_code == 200
    answer = _apply(first, stale)
    assert answer.status_code == 400
    assert "kiểm tra lại" in _text(answer)
    assert Agency.objects.get(code="SO-C").name == "Sở Gamma 2"  # the stale one changed nothing


def test_tampered_or_forbidden_applies_change_nothing(world: World) -> None:
    document = _document_id(_text(_upload(_client("analyst"), "new.yaml", GOOD)))
    for name in ("leader", "officer_b"):
        assert _apply(_client(name), document).status_code == 403, name
    analyst = _client("analyst")
    for value in ("", "x", "-1", "99999", "1e9", str(document + 1000)):
        answer = _apply(analyst, value)
        assert answer.status_code == 400, value
        assert "Traceback" not in _text(answer)
    assert Agency.objects.filter(code="SO-C").count() == 0
    assert _client().post("/inventory/", {"action": "apply", "document": document}).status_code in (302, 403)
