"""The REST API's inventory operations through Django's test client, once per backend
(``test_api_backends.py``): the CSIRT's alone; the applied inventory; a file checked with its
problems' lines or compared and kept; applying exactly what was checked, refused when stale."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-api-inv-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import A, B, World, build_world, error_of  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from inventory_samples import BROKEN, GOOD  # noqa: E402

from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.models import Agency  # noqa: E402

setup_test_environment()


@pytest.fixture
def world() -> Iterator[World]:
    yield from build_world()


def _headers(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def _check(world: World, user: str, name: str, text: str | bytes) -> object:
    data = text.encode() if isinstance(text, str) else text
    return Client().post("/api/v1/inventory/check", {"file": SimpleUploadedFile(name, data)},
                         headers=_headers(world, user))


def _apply(world: World, user: str, document: object) -> object:
    return Client().post("/api/v1/inventory/apply", json.dumps({"document_id": document}),
                         content_type="application/json", headers=_headers(world, user))


def _body(answer: object, status: int = 200) -> dict:  # type: ignore[type-arg]
    assert answer.status_code == status, (answer.status_code, answer.content[:800])  # type: ignore[attr-defined]
    return json.loads(answer.content)  # type: ignore[attr-defined, no-any-return]


def test_only_the_csirt_works_on_the_inventory(world: World) -> None:
    for user in ("leader", "officer_b"):
        answer = Client().get("/api/v1/inventory", headers=_headers(world, user))
        assert error_of(answer, 403)["code"] == "forbidden"
        error_of(_check(world, user, "new.yaml", GOOD), 403)
        error_of(_apply(world, user, 1), 403)
    upload = {"file": SimpleUploadedFile("a.yaml", GOOD.encode())}
    anonymous = Client().post("/api/v1/inventory/check", upload)
    error_of(anonymous, 401)


def test_a_broken_file_answers_its_problems_with_their_lines(world: World) -> None:
    body = _body(_check(world, "analyst", "inventory.yaml", BROKEN))
    assert body["valid"] is False and body["document_id"] is None
    assert [(p["line"], p["field"]) for p in body["problems"]] == [
        (7, "agencies[0].domains[0].name"), (8, "agencies[1].code"), (10, "agencies[1].kind")]
    for name, data in (("inventory.txt", b"version: 1"), ("inventory.yaml", b"\xff\xfe\x80"),
                       ("inventory.yaml", b"")):
        answer = _body(_check(world, "analyst", name, data))
        assert answer["valid"] is False and answer["problems"], name
    error_of(Client().post("/api/v1/inventory/check", {}, headers=_headers(world, "analyst")), 422)


def test_a_checked_file_is_applied_and_becomes_the_inventory(world: World) -> None:
    error_of(Client().get("/api/v1/inventory", headers=_headers(world, "admin")), 404)
    body = _body(_check(world, "analyst", "new.yaml", GOOD))
    assert body["valid"] is True and body["agencies"] == 2
    assert body["added"] == ["SO-C"] and body["removed"] == [B] and body["unchanged"] == 0
    (change,) = body["changed"]
    assert change["code"] == A
    assert {"field": "name", "before": "Sở Alpha", "after": "Sở Alpha mới"} in change["fields"]
    assert "domain:alpha2.gov.vn" in change["assets_added"]
    assert Agency.objects.filter(code="SO-C").count() == 0  # checking changes nothing
    applied = _body(_apply(world, "analyst", body["document_id"]))
    assert applied["added"] == ["SO-C"] and applied["deactivated"] == [B]
    assert not Agency.objects.get(code=B).active
    current = _body(Client().get("/api/v1/inventory", headers=_headers(world, "admin")))
    assert current["content"] == GOOD and current["applied_by"] == "analyst" and current["agencies"] == 2
    assert SecurityEvent.objects.filter(kind="inventory.applied", actor="analyst").count() == 1
    assert error_of(_apply(world, "analyst", body["document_id"]), 404)["code"] == "not_found"  # once


def test_a_stale_apply_is_a_conflict_and_odd_ids_are_not_found(world: World) -> None:
    stale = _body(_check(world, "analyst", "new.yaml", GOOD))["document_id"]
    fresh = _body(_check(world, "admin", "other.yaml", GOOD.replace("Gamma", "Gamma 2")))["document_id"]
    _body(_apply(world, "admin", fresh))
    assert error_of(_apply(world, "analyst", stale), 409)["code"] == "conflict"
    assert Agency.objects.get(code="SO-C").name == "Sở Gamma 2"
    for value in (0, -1, 2**63, 10**30, 99999):
        assert _apply(world, "analyst", value).status_code in (404, 422), value
    for body in ("{}", '{"document_id": "x"}', "not json"):
        answer = Client().post("/api/v1/inventory/apply", body, content_type="application/json",
                               headers=_headers(world, "analyst"))
        assert answer.status_code in (400, 422), body
