"""The watch's API operations through Django's test client, once per backend (run by
``test_api_backends.py``): monitors and alerts within each caller's scope (B's officer reads
B's monitors and B's members of a grouped alert, nothing of A), acknowledgement by the CSIRT
(logged once with the token that did it; 403 for officers and leaders, 404 for another agency's
alert), maintenance windows planned by administrators with refused values in the error body,
and the operations documented in the OpenAPI schema.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-watch-api-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import A, Api, B, World, build_world, error_of  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from watch_board_support import A_PORTAL, B_DOMAIN, B_MAIL, B_PORTAL  # noqa: E402
from web_store_support import A_NAME  # noqa: E402

from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.watch_models import WatchAlert, WatchMaintenance  # noqa: E402

setup_test_environment()


@pytest.fixture
def world() -> Iterator[World]:
    yield from build_world()


def _json(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.content[:800])
    return json.loads(answer.content)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def test_the_operations_are_in_the_schema(world: World) -> None:
    schema = _json(Client().get("/api/v1/openapi.json"))
    paths = schema["paths"]
    assert set(paths["/api/v1/watch/monitors"]) == {"get"} and set(paths["/api/v1/watch/alerts"]) == {"get"}
    assert set(paths["/api/v1/watch/alerts/{alert_id}/ack"]) == {"post"}
    assert set(paths["/api/v1/watch/maintenance"]) == {"post"}
    ack = paths["/api/v1/watch/alerts/{alert_id}/ack"]["post"]
    assert ack["tags"] == ["watch"] and {"200", "400", "401", "403", "404", "422"} <= set(ack["responses"])
    assert "201" in paths["/api/v1/watch/maintenance"]["post"]["responses"]
    names = {p["name"] for p in paths["/api/v1/watch/alerts"]["get"]["parameters"]}
    assert names == {"agency", "status", "since", "until", "page"}


def test_monitors_and_alerts_within_each_scope(world: World) -> None:
    assert world.watch is not None
    admin = _json(Api(world.tokens["admin"]).get("/watch/monitors"))
    assert admin["total"] == 5 and {m["agency"] for m in admin["items"]} == {A, B}
    assert admin["items"][0]["health"] == "down"  # worst first
    dns = next(m for m in admin["items"] if m["target"] == B_DOMAIN)
    assert dns["problem"] == "dns_hijack" and dns["alert_id"] == world.watch.hijack
    assert "có thể tên miền bị chiếm quyền" in dns["message"]  # the token's user speaks Vietnamese
    officer = Api(world.tokens["officer_b"])
    mine = _json(officer.get("/watch/monitors"))
    assert {m["target"] for m in mine["items"]} == {B_PORTAL, B_MAIL, B_DOMAIN}
    alerts = _json(officer.get("/watch/alerts"))
    assert alerts["total"] == 3 and world.watch.alert_a not in {a["id"] for a in alerts["items"]}
    text = json.dumps(alerts, ensure_ascii=False)
    for secret in (A, A_NAME, "alpha.gov.vn", A_PORTAL):
        assert secret not in text, secret
    grouped = next(a for a in alerts["items"] if a["id"] == world.watch.grouped)
    assert [m["monitor"] for m in grouped["members"]] == [f"http:{B_PORTAL}"] and grouped["agencies"] == [B]
    assert _json(officer.get("/watch/alerts", agency=A))["total"] == 0
    everything = _json(Api(world.tokens["leader"]).get("/watch/alerts"))
    assert everything["total"] == 4
    recovered = _json(Api(world.tokens["analyst"]).get("/watch/alerts", status="recovered", agency=B))
    assert [a["id"] for a in recovered["items"]] == [world.watch.alert_b]
    period = _json(Api(world.tokens["analyst"]).get("/watch/alerts", since="2026-02-04", until="2026-02-05"))
    assert {a["id"] for a in period["items"]} == {world.watch.grouped, world.watch.hijack}
    error_of(Api(world.tokens["analyst"]).get("/watch/alerts", status="nonsense"), 422)
    error_of(Api(world.tokens["analyst"]).get("/watch/alerts", since="2027-13-01"), 422)


def test_the_csirt_acknowledges_by_token_once(world: World) -> None:
    assert world.watch is not None
    api = Api(world.tokens["analyst"])
    first = _json(api.post(f"/watch/alerts/{world.watch.hijack}/ack", {"note": "đang xử lý"}))
    assert first["changed"] is True and first["alert"]["acknowledged_by"] == "analyst"
    assert first["alert"]["timeline"][-1]["step"] == "acknowledged"
    assert first["alert"]["timeline"][-1]["text"] == "đang xử lý"
    second = _json(api.post(f"/watch/alerts/{world.watch.hijack}/ack", {}))
    assert second["changed"] is False
    (logged,) = _events("watch.alert_acknowledged")
    assert logged.actor == "analyst" and logged.detail["via"].startswith("token:")
    assert logged.detail["channel"] == "api"


def test_acknowledging_is_refused_as_the_pages_refuse_it(world: World) -> None:
    assert world.watch is not None
    officer = Api(world.tokens["officer_b"])
    assert error_of(officer.post(f"/watch/alerts/{world.watch.hijack}/ack", {}), 403)["code"] == "forbidden"
    for alert in (world.watch.alert_a, 999_999):  # A's alert is "not found", as one that does not exist
        assert error_of(officer.post(f"/watch/alerts/{alert}/ack", {}), 404)["code"] == "not_found"
    error_of(Api(world.tokens["leader"]).post(f"/watch/alerts/{world.watch.hijack}/ack", {}), 403)
    admin = Api(world.tokens["admin"])
    error_of(admin.post(f"/watch/alerts/{world.watch.hijack}/ack", {"note": "x" * 501}), 422)
    error_of(admin.post(f"/watch/alerts/{world.watch.hijack}/ack", {"other": 1}), 422)
    error_of(admin.post("/watch/alerts/9223372036854775808/ack", {}), 404)
    error_of(Api().post(f"/watch/alerts/{world.watch.hijack}/ack", {}), 401)
    assert WatchAlert.objects.get(pk=world.watch.hijack).acknowledged_at is None
    assert not _events("watch.alert_acknowledged")


def test_administrators_plan_maintenance_windows(world: World) -> None:
    start = datetime.now(UTC) + timedelta(days=1)
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(), "agency": B,
            "reason": "thay máy chủ"}
    created = _json(Api(world.tokens["admin"]).post("/watch/maintenance", body), 201)
    assert (created["agency"], created["monitor"], created["created_by"]) == (B, "", "admin")
    assert WatchMaintenance.objects.get(pk=created["id"]).reason == "thay máy chủ"
    (logged,) = _events("watch.maintenance_added")
    assert logged.detail["via"].startswith("token:") and logged.detail["window"] == created["id"]
    one = _json(Api(world.tokens["admin"]).post("/watch/maintenance", {**body, "agency": "",
                                                                        "monitor": f"dns:{B_DOMAIN}"}), 201)
    assert (one["agency"], one["monitor"]) == (B, f"dns:{B_DOMAIN}")
    for name in ("analyst", "leader", "officer_b"):
        error_of(Api(world.tokens[name]).post("/watch/maintenance", body), 403)
    admin = Api(world.tokens["admin"])
    refused = {
        "past": {**body, "start": "2020-01-01T00:00:00+07:00", "end": "2020-01-01T02:00:00+07:00"},
        "naive": {**body, "start": "2099-01-01T00:00:00", "end": "2099-01-01T02:00:00"},
        "reversed": {**body, "end": body["start"], "start": body["end"]},
        "unknown agency": {**body, "agency": "SO-NONE"},
        "unknown monitor": {**body, "monitor": "http:https://nowhere.gov.vn/"},
        "unicode digits": {**body, "agency": "", "monitor": "²³"},
    }
    for why, sent in refused.items():
        error = error_of(admin.post("/watch/maintenance", sent), 422)
        assert "\n" not in error["message"], why
    error_of(admin.post("/watch/maintenance", {**body, "extra": 1}), 422)
    error_of(admin.post("/watch/maintenance", {"start": "x", "end": "y"}), 422)
    assert WatchMaintenance.objects.count() == 3  # the seeded one and the two created
