"""The incident pages through Django's test client, on the store of ``console_cases`` (agencies A
and B, the watch's alerts), once per backend (``test_incident_pages_backends``): opening by hand,
from a watch alert and from a finding; the list's filters and clock badges; the detail with its
legal reading; every action (timeline entry, move, link, notification, details, capacity) logged
in the security log with the user and address and refused without a CSRF token; B's officer
acting on B's incidents only (A's answer 404 for every URL); leaders read and may not act; the
official documents (forms 03 and 04) as DOCX read back with python-docx, and what they lack said
on the page in one line.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from console_cases import World, _client, _text, world
from django.test import Client
from web_store_support import A_NAME, A, B

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.incident_models import Incident, IncidentEntry
from canhgac.console.store.models import Finding

__all__ = ["world"]  # the fixture

FORMS_TOML = """
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


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:1500])
    return _text(answer)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _open(client: Client, **form: str) -> int:
    answer = client.post("/incidents/", form)
    assert answer.status_code == 302, (answer.status_code, _text(answer)[:1500])
    location = answer["Location"]
    assert location.endswith("?saved=opened"), location
    return int(location.split("/")[2])


def _by_hand(client: Client, agency: str = B, **more: str) -> int:
    detected = (datetime.now(UTC) - timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    return _open(
        client,
        agency=agency,
        title=f"Cổng {agency} bị thay đổi giao diện",
        detected=detected,
        source="phone",
        reporter="Anh Nam 0912345678",
        type="defacement",
        severity="high",
        description="Trang chủ hiển thị nội dung lạ.",
        **more,
    )


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


@pytest.fixture
def forms_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "canhgac.toml"
    path.write_text(FORMS_TOML, encoding="utf-8")
    monkeypatch.setenv("CANHGAC_CONFIG", str(path))
    return path


# --- opening -------------------------------------------------------------------------------------


def test_the_csirt_opens_an_incident_by_hand_and_reads_it(world: World) -> None:
    client = _client("analyst")
    page = _ok(client.get("/incidents/"))
    assert 'aria-current="page">Sự cố</a>' in page and 'id="open-incident"' in page
    assert "Không có sự cố nào khớp." in page
    new = _by_hand(client)
    detail = _ok(client.get(f"/incidents/{new}/"))
    assert f"Sự cố #{new}: Cổng {B} bị thay đổi giao diện" in detail
    assert "Thay đổi giao diện" in detail and "Anh Nam 0912345678" in detail
    assert (
        'id="legal-reading"' in detail
        and "Quyết định 05/2017/QĐ-TTg" in detail
        and "Bộ luật Dân sự" in detail
    )
    assert 'id="clock-state">đang chạy<' in detail or 'id="clock-state">sắp đến hạn<' in detail
    assert "Chưa gửi cho:" in detail
    (opened,) = _events("incident.opened")
    assert opened.actor == "analyst" and opened.address == "192.0.2.10"
    listed = _ok(client.get("/incidents/"))
    assert f'id="incident-{new}"' in listed and "badge clock-" in listed


def test_refused_values_are_one_line_on_the_list(world: World) -> None:
    client = _client("analyst")
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page = _ok(client.post("/incidents/", {"agency": B, "title": "x", "detected": future}), 400)
    assert 'id="incident-error"' in page and "detected" in page
    page = _ok(client.post("/incidents/", {"agency": B, "title": "x", "detected": "hôm qua"}), 400)
    assert "2027-02-06T22:00" in page
    page = _ok(client.post("/incidents/", {"agency": "SO-NONE", "title": "x"}), 400)
    assert 'id="incident-error"' in page
    assert Incident.objects.count() == 0


def test_opening_from_a_watch_alert_and_from_a_finding(world: World) -> None:
    client = _client("analyst")
    alert = _ok(client.get(f"/watch/alerts/{world.watch.alert_a}/"))
    assert 'id="open-incident-from-alert"' in alert and f"/incidents/?alert={world.watch.alert_a}" in alert
    new = _open(client, alert=str(world.watch.alert_a))
    row = Incident.objects.get(pk=new)
    assert row.agency_code == A and row.source == "alert"
    linked = _ok(client.get(f"/incidents/?alert={world.watch.alert_a}"))
    assert f'id="incident-{new}"' in linked and 'id="filter-alert"' in linked
    fingerprint = Finding.objects.filter(agency_code=A).values_list("fingerprint", flat=True)[0]
    finding = _ok(client.get(f"/findings/{fingerprint}/"))
    assert 'id="open-incident-from-finding"' in finding
    other = _open(client, finding=fingerprint)
    detail = _ok(client.get(f"/incidents/{other}/"))
    assert f'href="/findings/{fingerprint}/"' in detail
    assert f'id="incident-{other}"' in _ok(client.get(f"/incidents/?finding={fingerprint}"))
    assert f'id="incident-{new}"' not in _ok(client.get(f"/incidents/?finding={fingerprint}"))
    page = _ok(client.post("/incidents/", {"alert": "999999"}), 400)
    assert "999999" in page


# --- the list's filters --------------------------------------------------------------------------


def test_the_list_filters_and_badges(world: World) -> None:
    client = _client("analyst")
    late = _open(
        client,
        agency=A,
        title="Mã hóa máy chủ",
        type="encryption",
        detected=(datetime.now(UTC) - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M+00:00"),
    )
    fresh = _by_hand(client)
    page = _ok(client.get("/incidents/?overdue=1"))
    assert f'id="incident-{late}"' in page and f'id="incident-{fresh}"' not in page
    assert 'badge clock-overdue">quá hạn<' in page
    by_agency = _ok(client.get(f"/incidents/?agency={B}"))
    assert f'id="incident-{fresh}"' in by_agency and f'id="incident-{late}"' not in by_agency
    by_type = _ok(client.get("/incidents/?type=encryption"))
    assert f'id="incident-{late}"' in by_type and f'id="incident-{fresh}"' not in by_type
    _ok(client.post(f"/incidents/{fresh}/move/", {"state": "triage"}), 302)
    by_state = _ok(client.get("/incidents/?state=triage"))
    assert f'id="incident-{fresh}"' in by_state and f'id="incident-{late}"' not in by_state
    partial = _ok(client.get("/incidents/?state=triage", HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and f'id="incident-{fresh}"' in partial
    assert (
        _ok(client.get("/incidents/?state=nonsense&type=x&page=abc&agency=SO-NONE")).count('id="incident-')
        == 0
    )
    english = _client("analyst")
    english.post("/account/language/", {"language": "en", "next": "/incidents/"})
    page = _ok(english.get("/incidents/?overdue=1"))
    assert 'badge clock-overdue">overdue<' in page and ">Incidents</a>" in page


# --- actions -------------------------------------------------------------------------------------


def test_every_action_is_written_and_logged(world: World) -> None:
    client = _client("analyst")
    new = _by_hand(client)
    base = f"/incidents/{new}"
    _ok(client.post(f"{base}/entries/", {"kind": "plan", "text": "Cô lập máy chủ web"}), 302)
    _ok(client.post(f"{base}/move/", {"state": "containment"}), 302)
    back = _ok(client.post(f"{base}/move/", {"state": "triage"}), 400)  # back needs a reason
    assert 'id="error-move"' in back
    _ok(client.post(f"{base}/link/", {"kind": "indicator", "ref": "ip:203.0.113.5", "note": "C2"}), 302)
    bad_link = _ok(client.post(f"{base}/link/", {"kind": "indicator", "ref": "nonsense"}), 400)
    assert 'id="error-link"' in bad_link
    for party in ("owner_agency", "response_unit"):
        _ok(
            client.post(
                f"{base}/notify/",
                {
                    "party": party,
                    "to": "Sở Beta",
                    "via": "email",
                    "initial_report": "1",
                    "reference": "15/BC-SKHCN",
                },
            ),
            302,
        )
    last = client.post(
        f"{base}/notify/",
        {"party": "national_coordinator", "to": "A05", "via": "letter", "initial_report": "1"},
    )
    assert last.status_code == 302 and last["Location"].endswith("?saved=reported#notify")
    _ok(client.post(f"{base}/capacity/", {"reason": "mã hóa toàn bộ"}), 302)
    detail = _ok(client.get(f"{base}/"))
    assert "Cô lập máy chủ web" in detail and "ip:203.0.113.5" in detail and "C2" in detail
    assert 'id="clock-state">đã báo cáo<' in detail and 'id="missing-parties"' not in detail
    assert detail.count("<tr><td data-label") == 3  # who was told
    assert "vượt quá khả năng" in detail
    for kind in ("incident.written", "incident.changed", "incident.linked", "incident.notified"):
        assert _events(kind), kind
        assert all(e.actor == "analyst" and e.address == "192.0.2.10" for e in _events(kind)), kind
    kinds = list(IncidentEntry.objects.filter(incident_id=new).values_list("kind", flat=True))
    assert {"opened", "plan", "state", "link", "notification", "capacity"} <= set(kinds)


def test_the_form_details_are_saved_once(world: World) -> None:
    client = _client("analyst")
    new = _by_hand(client)
    form = {
        "title": f"Cổng {B} bị thay đổi giao diện",
        "description": "Trang chủ hiển thị nội dung lạ.",
        "type": "defacement",
        "severity": "high",
        "contact_name": "Trần Văn Bình",
        "contact_phone": "0912 000 111",
        "contact_email": "binh@beta.gov.vn",
        "system_name": "Cổng TTĐT",
        "system_level": "3",
        "services": ["web", "database"],
        "public_ips": "14.160.32.5",
        "detection_methods": ["logs"],
        "result": "Đã khôi phục từ bản sao lưu.",
    }
    saved = client.post(f"/incidents/{new}/details/", form)
    assert saved.status_code == 302 and "saved=details" in saved["Location"]
    row = Incident.objects.get(pk=new)
    assert row.contact["email"] == "binh@beta.gov.vn" and row.system["level"] == 3
    assert row.system["services"] == ["web", "database"] and row.detection_methods == ["logs"]
    again = client.post(f"/incidents/{new}/details/", form)
    assert "saved=unchanged" in again["Location"]
    assert len(_events("incident.changed")) == 1
    bad = _ok(client.post(f"/incidents/{new}/details/", {**form, "contact_email": "không phải"}), 400)
    assert 'id="error-details"' in bad and "contact_email" in bad
    bad = _ok(client.post(f"/incidents/{new}/details/", {**form, "public_ips": "máy chủ"}), 400)
    assert "public_ips" in bad


def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    client = _client("analyst")
    new = _by_hand(client)
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.10")
    strict.cookies = client.cookies
    for url, form in (
        (f"/incidents/{new}/entries/", {"kind": "note", "text": "x"}),
        (f"/incidents/{new}/move/", {"state": "triage"}),
        ("/incidents/", {"agency": B, "title": "x"}),
        (f"/incidents/{new}/forms/03/", {"number": "1"}),
    ):
        assert strict.post(url, form).status_code == 403, url
    assert Incident.objects.count() == 1 and not _events("incident.written")


# --- scope and roles -----------------------------------------------------------------------------


def test_an_officer_acts_on_their_own_agency_only(world: World) -> None:
    analyst = _client("analyst")
    theirs = _by_hand(analyst, A)
    officer = _client("officer_b")
    own = _by_hand(officer, B)
    page = _ok(officer.get("/incidents/"))
    assert f'id="incident-{own}"' in page and f'id="incident-{theirs}"' not in page
    assert A_NAME not in page and f">{A}<" not in page
    for url in (f"/incidents/{theirs}/",):
        assert officer.get(url).status_code == 404
    for action in ("entries", "move", "link", "notify", "details", "capacity", "forms/03"):
        assert (
            officer.post(f"/incidents/{theirs}/{action}/", {"kind": "note", "text": "x"}).status_code == 404
        )
    refused = _ok(officer.post("/incidents/", {"agency": A, "title": "x"}), 400)
    assert 'id="incident-error"' in refused
    _ok(officer.post(f"/incidents/{own}/entries/", {"kind": "progress", "text": "Đã khôi phục"}), 302)
    assert Incident.objects.filter(agency_code=A).count() == 1


def test_leaders_read_and_may_not_act(world: World) -> None:
    new = _by_hand(_client("analyst"))
    leader = _client("leader")
    page = _ok(leader.get(f"/incidents/{new}/"))
    assert 'id="entry"' not in page and 'id="form03"' not in page and 'id="open-incident"' not in page
    assert 'id="open-incident"' not in _ok(leader.get("/incidents/"))
    assert leader.post(f"/incidents/{new}/entries/", {"kind": "note", "text": "x"}).status_code == 403
    assert leader.post("/incidents/", {"agency": B, "title": "x"}).status_code == 403
    assert leader.post(f"/incidents/{new}/forms/03/", {"number": "1"}).status_code == 403
    assert not _events("incident.written")


# --- the official documents ----------------------------------------------------------------------


def test_the_initial_and_final_reports_as_docx(world: World, forms_config: Path) -> None:
    client = _client("analyst")
    new = _by_hand(client)
    missing = _ok(client.post(f"/incidents/{new}/forms/03/", {"number": "15", "record": "1"}), 400)
    assert 'id="error-form03"' in missing and "contact.name" in missing and "Người liên hệ" not in missing[:0]
    assert "chi tiết" in missing  # where to fill it, in the reader's language
    client.post(
        f"/incidents/{new}/details/",
        {
            "title": f"Cổng {B} bị thay đổi giao diện",
            "description": "Trang chủ hiển thị nội dung lạ.",
            "type": "defacement",
            "severity": "high",
            "contact_name": "Trần Văn Bình",
            "contact_phone": "0912 000 111",
            "contact_email": "binh@beta.gov.vn",
            "system_name": "Cổng TTĐT",
            "public_ips": "14.160.32.5",
            "detection_methods": ["logs"],
            "result": "Đã khôi phục từ bản sao lưu.",
        },
    )
    answer = client.post(f"/incidents/{new}/forms/03/", {"number": "15", "record": "1"})
    assert answer.status_code == 200, _text(answer)[:1500]
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert f'filename="incident-{new}-form-03-15-BC-SKHCN.docx"' in answer["Content-Disposition"]
    text = _docx_text(answer.content)
    for expected in (
        "15/BC-SKHCN",
        "Trang chủ hiển thị nội dung lạ.",
        "Trần Văn Bình",
        "binh@beta.gov.vn",
        "Cổng TTĐT",
        "14.160.32.5",
        "Sở Beta",
        "Sở Khoa học và Công nghệ",
    ):
        assert expected in text, expected
    entry = IncidentEntry.objects.filter(incident_id=new, kind="note").order_by("-pk").first()
    assert entry is not None and "15/BC-SKHCN" in entry.text
    client.post(f"/incidents/{new}/entries/", {"kind": "progress", "text": "Đã cô lập"})
    final = client.post(f"/incidents/{new}/forms/04/", {"number": "21"})
    assert final.status_code == 200, _text(final)[:1500]
    text = _docx_text(final.content)
    for expected in (
        "21/BC-SKHCN",
        f"Cổng {B} bị thay đổi giao diện",
        "Đã khôi phục từ bản sao lưu.",
        "Báo cáo diễn biến",
    ):
        assert expected in text, expected
    assert client.post(f"/incidents/{new}/forms/05/", {"number": "1"}).status_code == 404


def test_a_missing_issuer_is_named_not_a_crash(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("[forms]\n", encoding="utf-8")
    monkeypatch.setenv("CANHGAC_CONFIG", str(empty))
    client = _client("analyst")
    new = _by_hand(client)
    page = _ok(client.post(f"/incidents/{new}/forms/04/", {"number": "3"}), 400)
    assert 'id="error-form04"' in page and "[forms.issuer]" in page and "[forms.signer]" in page
