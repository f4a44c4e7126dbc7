"""The duty roster's and the delivery outbox's API operations through Django's test client, once
per backend (run by ``test_api_backends.py``): ``GET /watch/roster`` (who holds each role now,
every shift, the gaps), ``POST /watch/roster`` (the CSV uploaded, the CSIRT only, logged with
the token; a wrong line is a 422 naming it and stores nothing), ``GET /watch/deliveries`` (paged
and filtered like the findings) and ``POST /watch/deliveries/{id}/requeue``; an agency officer
is refused every one of them (403) and a leader may read but not write.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-watch-people-api-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import Api, World, build_world, error_of  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from watch_people_support import People, seed_people  # noqa: E402

from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.delivery_models import DutyShift, WatchDelivery  # noqa: E402

setup_test_environment()

GOOD = """person,role,start,end,email
Hoàng Thị Mai,on-duty,2027-02-05 08:00,2027-02-05 20:00,mai@stttt.gov.vn
"""


@pytest.fixture
def world() -> Iterator[World]:
    yield from build_world()


@pytest.fixture
def people(world: World) -> People:
    assert world.watch is not None
    return seed_people(world.watch.hijack, world.watch.grouped)


def _json(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.content[:800])
    return json.loads(answer.content)


def _upload(world: World, user: str, text: bytes, name: str = "tet.csv", **form: str) -> Any:
    return Client(REMOTE_ADDR="192.0.2.20").post(
        "/api/v1/watch/roster",
        {"file": SimpleUploadedFile(name, text, content_type="text/csv"), **form},
        headers={"Authorization": f"Bearer {world.tokens[user]}"},
    )


def test_the_operations_are_in_the_schema(world: World) -> None:
    paths = _json(Client().get("/api/v1/openapi.json"))["paths"]
    assert set(paths["/api/v1/watch/roster"]) == {"get", "post"}
    assert set(paths["/api/v1/watch/deliveries"]) == {"get"}
    assert set(paths["/api/v1/watch/deliveries/{delivery_id}/requeue"]) == {"post"}
    names = {p["name"] for p in paths["/api/v1/watch/deliveries"]["get"]["parameters"]}
    assert names == {"status", "channel", "alert", "limit", "offset"}
    upload = paths["/api/v1/watch/roster"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"] and "201" in upload["responses"]


def test_the_roster_for_the_csirt_and_leaders(world: World, people: People) -> None:
    for name in ("admin", "analyst", "leader"):
        body = _json(Api(world.tokens[name]).get("/watch/roster"))
        now = {h["role"]: [s["person"] for s in h["shifts"]] for h in body["now"]}
        assert now == {
            "on-duty": ["Nguyễn Văn An"],
            "backup": ["Trần Thị Bình"],
            "lead": ["Lê Văn Lâm"],
            "head": ["Phạm Hùng"],
        }, name
    assert len(body["shifts"]) == 6 and body["shifts"][0]["person"] in (
        "Đỗ Văn Dũng",
        "Lê Văn Lâm",
        "Phạm Hùng",
    )
    an = next(s for s in body["shifts"] if s["person"] == "Nguyễn Văn An")
    assert (an["email"], an["phone"], an["telegram"], an["source"]) == (
        "an@stttt.gov.vn",
        "0912345678",
        "123456789",
        "tet-2027.csv",
    )
    first = body["gaps"][0]
    assert (datetime.fromisoformat(first["start"]), datetime.fromisoformat(first["end"])) == people.gap
    assert len(body["gaps"]) == 2


def test_an_officer_is_refused_the_roster_and_the_outbox(world: World, people: People) -> None:
    officer = Api(world.tokens["officer_b"])
    for path in ("/watch/roster", "/watch/deliveries", f"/watch/deliveries?alert={people.sent}"):
        error = error_of(officer.get(path), 403)
        assert error["code"] == "forbidden" and "an@stttt.gov.vn" not in json.dumps(error), path
    error_of(_upload(world, "officer_b", GOOD.encode()), 403)
    error_of(officer.post(f"/watch/deliveries/{people.failed}/requeue", {}), 403)
    error_of(Api().get("/watch/roster"), 401)
    error_of(Api().get("/watch/deliveries"), 401)
    assert WatchDelivery.objects.get(pk=people.failed).status == "failed"


def test_the_csirt_imports_a_roster_by_token(world: World, people: People) -> None:
    body = _json(_upload(world, "analyst", GOOD.encode(), "tet-2027.csv"), 201)
    assert body == {"file": "tet-2027.csv", "imported": 1}
    assert list(DutyShift.objects.values_list("person", flat=True)) == ["Hoàng Thị Mai"]  # replaced
    added = _json(_upload(world, "admin", GOOD.encode(), "tet-2027.csv", append="true"), 201)
    assert added["imported"] == 1 and DutyShift.objects.count() == 2
    logged = list(SecurityEvent.objects.filter(kind="watch.roster_imported").order_by("pk"))
    assert [e.actor for e in logged] == ["analyst", "admin"]
    assert logged[0].detail["via"].startswith("token:") and logged[1].detail["append"] is True
    error_of(_upload(world, "leader", GOOD.encode()), 403)
    bad = error_of(
        _upload(
            world, "analyst", (GOOD + "Tú,trực đêm,2027-02-06 08:00,2027-02-06 20:00,tu@a.vn\n").encode()
        ),
        422,
    )
    assert "dòng 3" in bad["message"] and "tet.csv" in bad["message"] and "\n" not in bad["message"]
    error_of(_upload(world, "analyst", b"\xff\xfe\x00"), 422)
    error_of(
        Client().post(
            "/api/v1/watch/roster", {}, headers={"Authorization": f"Bearer {world.tokens['admin']}"}
        ),
        422,
    )
    assert (
        DutyShift.objects.count() == 2
        and SecurityEvent.objects.filter(kind="watch.roster_imported").count() == 2
    )


def test_the_outbox_paged_and_filtered(world: World, people: People) -> None:
    api = Api(world.tokens["leader"])
    body = _json(api.get("/watch/deliveries"))
    assert body["total"] == 4 and [d["id"] for d in body["items"]] == [
        people.uncertain,
        people.pending,
        people.failed,
        people.sent,
    ]  # newest first
    assert (
        body["counts"] == {"pending": 1, "sending": 0, "sent": 2, "failed": 1} and body["next_offset"] is None
    )
    failed = body["items"][2]
    assert (failed["status"], failed["channel"], failed["attempts"], failed["next_attempt_at"]) == (
        "failed",
        "telegram",
        9,
        None,
    )
    assert "blocked" in failed["last_error"] and failed["event"] == "alert.escalated"
    assert body["items"][0]["uncertain"] == 1
    first = _json(api.get("/watch/deliveries", limit=3))
    assert len(first["items"]) == 3 and first["next_offset"] == 3
    rest = _json(api.get("/watch/deliveries", limit=3, offset=3))
    assert [d["id"] for d in rest["items"]] == [people.sent] and rest["next_offset"] is None
    assert [d["id"] for d in _json(api.get("/watch/deliveries", status="failed"))["items"]] == [people.failed]
    assert _json(api.get("/watch/deliveries", channel="email"))["total"] == 2
    alert = WatchDelivery.objects.get(pk=people.sent).alert_id
    assert _json(api.get("/watch/deliveries", alert=alert))["total"] == 3
    assert _json(api.get("/watch/deliveries", alert=999_999))["total"] == 0
    for bad in (
        {"status": "lost"},
        {"channel": "fax"},
        {"alert": 0},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
    ):
        error_of(api.get("/watch/deliveries", **bad), 422)


def test_the_csirt_requeues_a_given_up_message(world: World, people: People) -> None:
    error_of(Api(world.tokens["leader"]).post(f"/watch/deliveries/{people.failed}/requeue", {}), 403)
    api = Api(world.tokens["analyst"])
    body = _json(api.post(f"/watch/deliveries/{people.failed}/requeue", {}))
    assert (body["id"], body["status"], body["attempts"]) == (people.failed, "pending", 0)
    assert body["next_attempt_at"] is not None
    assert error_of(api.post(f"/watch/deliveries/{people.failed}/requeue", {}), 409)["code"] == "conflict"
    error_of(api.post(f"/watch/deliveries/{people.sent}/requeue", {}), 409)
    error_of(api.post("/watch/deliveries/999999/requeue", {}), 404)
    error_of(api.post("/watch/deliveries/9223372036854775808/requeue", {}), 404)
    (logged,) = SecurityEvent.objects.filter(kind="watch.delivery_requeued")
    assert logged.actor == "analyst" and logged.detail["via"].startswith("token:")
    assert logged.detail["attempts"] == 9
