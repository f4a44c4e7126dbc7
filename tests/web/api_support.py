"""A small store for the API cases (``api_cases.py``, ``api_schema_cases.py``,
``api_schemathesis_cases.py``, ``watch_api_cases.py``): two agencies, A (two findings) and B (one,
B's parent is A), one run over both, the watch's rows (``watch_board_support``), a user of each
role and a token for each. Imported after ``setup_django``;
``build_world``'s fixture rolls everything back, ``seed_world`` commits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client
from watch_board_support import WatchRows, seed_watch
from web_store_support import USERS, A, B, seed_two_agencies

from canhgac.console.store import api_tokens
from canhgac.console.store.launch_models import ScanLaunch
from canhgac.console.store.models import Finding


@dataclass(frozen=True)
class World:
    run_id: int
    tokens: dict[str, str]  # user -> plaintext token
    fingerprints: dict[str, list[str]]  # agency -> its findings' fingerprints
    launch_id: int = 0  # a queued retest of B's first finding (the scans API)
    watch: WatchRows | None = None  # the watch's monitors, alerts and window (the watch API)


def seed_world() -> World:
    """The two agencies' store, a token for each user, committed (for a case module that calls
    the WSGI application itself: Django's handler closes a connection left in a transaction)."""
    run = seed_two_agencies()
    tokens = {name: api_tokens.issue_token(name, f"{name} script", actor="test").plaintext
              for name in USERS}
    prints = {code: sorted(Finding.objects.filter(agency_code=code).values_list("fingerprint", flat=True))
              for code in (A, B)}
    # a retest of B's first finding, queued (nothing runs it here): every role may read it
    launch = ScanLaunch.objects.create(created_at=run.started_at, requested_by="admin", kind="retest",
                                       agency=B, fingerprint=prints[B][0])
    return World(run.pk, tokens, prints, launch.pk, seed_watch())


def build_world() -> Iterator[World]:
    """``seed_world`` inside a transaction the fixture rolls back."""
    with transaction.atomic():
        yield seed_world()
        transaction.set_rollback(True)


class Api:
    """The test client calling ``/api/v1`` as one caller (a token, or none)."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client(REMOTE_ADDR="192.0.2.20")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    @classmethod
    def as_user(cls, name: str) -> Api:
        """A caller with a new token of user ``name`` (who must exist)."""
        return cls(api_tokens.issue_token(name, f"{name} script", actor="test").plaintext)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", headers=self.headers)

    def upload(self, path: str, form: dict[str, Any]) -> Any:
        """A multipart form (files as open file objects or ``SimpleUploadedFile``)."""
        return self.client.post(f"/api/v1{path}", form, headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                 headers=self.headers)


def error_of(answer: Any, status: int) -> dict[str, Any]:
    """The error body of ``answer``, asserting its status and the one error shape."""
    assert answer.status_code == status, (answer.status_code, answer.content[:500])
    assert answer["Content-Type"].startswith("application/json")
    body = json.loads(answer.content)
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    assert isinstance(body["error"]["code"], str) and body["error"]["message"], body
    return dict(body["error"])


def error_line(answer: Any, status: int) -> str:
    """The error message of ``answer`` (status asserted): one line, never empty."""
    message = str(error_of(answer, status)["message"])
    assert "\n" not in message
    return message
