"""The incidents' API operations through Django's test client, once per backend (run by
``test_incident_api_backends.py``): opening by hand and from a watch alert (201), the list paged
and filtered within each caller's scope (B's officer never sees A's incident, which answers 404
by every operation), timeline entries and moves (refused values in the error body, leaders 403),
every write logged in the security log, and forms 03 and 04 as DOCX read back with python-docx.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-incident-api-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

import docx  # noqa: E402
from api_support import A, Api, B, World, build_world, error_of  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from web_store_support import A_NAME  # noqa: E402

from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.incident_models import Incident  # noqa: E402

setup_test_environment()

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
title = "Phó Giám đốc"
name = "Lê Hoàng Đức"
"""


@pytest.fixture
def world() -> Iterator[World]:
    yield from build_world()


def _json(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.content[:800])
    return json.loads(answer.content)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _open(api: Api, agency: str = B, days_ago: float = 1, **more: Any) -> dict[str, Any]:
    detected = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    body = {
        "agency": agency,
        "title": f"Cổng {agency} bị thay đổi giao diện",
        "detected_at": detected,
        "reporter": "Anh Nam 0912345678",
        "type": "defacement",
        "severity": "high",
        "description": "Trang chủ hiển thị nội dung lạ.",
        **more,
    }
    return _json(api.post("/incidents", body), 201)  # type: ignore[no-any-return]


def test_the_operations_are_in_the_schema(world: World) -> None:
    paths = _json(Client().get("/api/v1/openapi.json"))["paths"]
    assert set(paths["/api/v1/incidents"]) == {"get", "post"}
    assert set(paths["/api/v1/incidents/{incident_id}"]) == {"get"}
    assert set(paths["/api/v1/incidents/{incident_id}/entries"]) == {"post"}
    assert set(paths["/api/v1/incidents/{incident_id}/move"]) == {"post"}
    assert set(paths["/api/v1/incidents/{incident_id}/forms/{form}"]) == {"get"}
    names = {p["name"] for p in paths["/api/v1/incidents"]["get"]["parameters"]}
    assert names == {"agency", "state", "open", "type", "overdue", "alert", "limit", "offset"}
    assert "201" in paths["/api/v1/incidents"]["post"]["responses"]


def test_opening_and_reading_within_each_scope(world: World) -> None:
    analyst = Api(world.tokens["analyst"])
    theirs = _open(analyst, A, days_ago=20)
    assert theirs["agency"] == A and theirs["clock"] == "overdue" and theirs["seconds_left"] < 0
    assert theirs["timeline"][0]["kind"] == "opened" and theirs["state"] == "new"
    officer = Api(world.tokens["officer_b"])
    own = _open(officer, B)
    assert own["clock"] in ("running", "due_soon") and own["missing_parties"] == [
        "owner_agency",
        "response_unit",
        "national_coordinator",
    ]
    every = _json(analyst.get("/incidents"))
    assert every["total"] == 2 and [i["id"] for i in every["items"]] == [own["id"], theirs["id"]]
    mine = _json(officer.get("/incidents"))
    assert [i["id"] for i in mine["items"]] == [own["id"]]
    text = json.dumps(mine, ensure_ascii=False)
    assert A not in text and A_NAME not in text
    error_of(officer.get(f"/incidents/{theirs['id']}"), 404)
    error_of(officer.post(f"/incidents/{theirs['id']}/entries", {"kind": "note", "text": "x"}), 404)
    error_of(officer.post(f"/incidents/{theirs['id']}/move", {"state": "triage"}), 404)
    error_of(officer.get(f"/incidents/{theirs['id']}/forms/03"), 404)
    error_of(officer.post("/incidents", {"agency": A, "title": "x"}), 422)
    assert _json(officer.get("/incidents", agency=A))["total"] == 0
    error_of(analyst.get("/incidents/999999"), 404)
    error_of(analyst.get(f"/incidents/{2**63 + 5}"), 404)
    overdue = _json(analyst.get("/incidents", overdue="true"))
    assert [i["id"] for i in overdue["items"]] == [theirs["id"]]
    page = _json(analyst.get("/incidents", limit=1))
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next_offset"] == 1
    assert _json(analyst.get("/incidents", limit=1, offset=1))["next_offset"] is None
    assert _json(analyst.get("/incidents", type="encryption"))["total"] == 0
    error_of(analyst.get("/incidents", state="nonsense"), 422)
    (first, second) = _events("incident.opened")
    assert first.actor == "analyst" and second.actor == "officer_b" and first.address == "192.0.2.20"


def test_opening_from_a_watch_alert(world: World) -> None:
    assert world.watch is not None
    analyst = Api(world.tokens["analyst"])
    made = _json(analyst.post("/incidents", {"alert": world.watch.alert_a}), 201)
    assert made["source"] == "alert" and made["agency"] == A
    assert {"kind": "alert", "ref": str(world.watch.alert_a)}.items() <= made["links"][0].items()
    linked = _json(analyst.get("/incidents", alert=world.watch.alert_a))
    assert [i["id"] for i in linked["items"]] == [made["id"]]
    error_of(analyst.post("/incidents", {"alert": 999999}), 422)
    error_of(analyst.post("/incidents", {"title": "no agency"}), 422)


def test_entries_and_moves(world: World) -> None:
    analyst = Api(world.tokens["analyst"])
    made = _open(analyst)
    base = f"/incidents/{made['id']}"
    written = _json(analyst.post(f"{base}/entries", {"kind": "plan", "text": "Cô lập máy chủ"}))
    assert written["timeline"][-1]["kind"] == "plan" and written["timeline"][-1]["text"] == "Cô lập máy chủ"
    moved = _json(analyst.post(f"{base}/move", {"state": "containment"}))
    assert moved["state"] == "containment"
    refused = error_of(analyst.post(f"{base}/move", {"state": "triage"}), 422)
    assert refused["message"]
    error_of(analyst.post(f"{base}/entries", {"kind": "state", "text": "x"}), 422)
    error_of(analyst.post(f"{base}/entries", {"kind": "note", "text": ""}), 422)
    closed = _json(analyst.post(f"{base}/move", {"state": "closed"}))
    assert closed["state"] == "closed" and closed["closed_at"]
    leader = Api(world.tokens["leader"])
    assert _json(leader.get(base))["id"] == made["id"]
    error_of(leader.post(f"{base}/entries", {"kind": "note", "text": "x"}), 403)
    error_of(leader.post("/incidents", {"agency": B, "title": "x"}), 403)
    error_of(leader.get(f"{base}/forms/03"), 403)
    assert [e.actor for e in _events("incident.written")] == ["analyst"]
    assert len(_events("incident.changed")) == 2


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def test_the_forms_as_docx(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analyst = Api(world.tokens["analyst"])
    made = _open(analyst)
    monkeypatch.delenv("CANHGAC_CONFIG", raising=False)
    missing = error_of(analyst.get(f"/incidents/{made['id']}/forms/03", number="7"), 409)
    assert "[forms.issuer]" in missing["message"] or "[forms.signer]" in missing["message"]
    config = tmp_path / "canhgac.toml"
    config.write_text(FORMS_TOML, encoding="utf-8")
    monkeypatch.setenv("CANHGAC_CONFIG", str(config))
    lacking = error_of(analyst.get(f"/incidents/{made['id']}/forms/03", number="7"), 409)
    assert "contact.name" in lacking["message"]
    row = Incident.objects.get(pk=made["id"])
    row.contact = {"name": "Trần Văn Bình", "phone": "0912 000 111", "email": "binh@beta.gov.vn"}
    row.result = "Đã khôi phục từ bản sao lưu."
    row.save()
    answer = analyst.get(f"/incidents/{made['id']}/forms/03", number="7")
    assert answer.status_code == 200 and answer["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    text = _docx_text(answer.content)
    for expected in (
        "7/BC-SKHCN",
        "Trang chủ hiển thị nội dung lạ.",
        "Trần Văn Bình",
        "binh@beta.gov.vn",
        "Anh Nam 0912345678",
    ):
        assert expected in text, expected
    final = analyst.get(f"/incidents/{made['id']}/forms/04", number="9")
    assert final.status_code == 200
    text = _docx_text(final.content)
    assert "9/BC-SKHCN" in text and "Đã khôi phục từ bản sao lưu." in text
    assert f"Cổng {B} bị thay đổi giao diện" in text
    error_of(analyst.get(f"/incidents/{made['id']}/forms/05"), 422)
