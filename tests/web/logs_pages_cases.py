"""The log detections in the console and the API, once per backend (``test_logs_pages_backends.py``):
``/logs/`` lists the detections with their rule, severity, agency, group, window, count, clients
and accounts, filtered by agency, rule and severity; ``/logs/<id>/`` shows the evidence lines;
B's officer sees only B's (A's detection is a 404, on the page and in the API); the API's list
and detail answer in the same shapes within the caller's scope.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-logs-pages-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import A, Api, B, World, build_world, error_of  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from web_store_support import logged_in  # noqa: E402

from canhgac.i18n import language  # noqa: E402
from canhgac.logs.detection import Detection, EvidenceLine  # noqa: E402
from canhgac.services.log_store import fingerprint_of, store_detections  # noqa: E402

setup_test_environment()
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _detection(rule: str, group: str, client: str, severity: str, account: str = "") -> Detection:
    lines = tuple(EvidenceLine("/var/log/nginx/access.log", 10 + i, T0 + timedelta(seconds=i),
                               f'{client} - - [07/Dec/2026:08:00:0{i} +0700] '
                               '"GET /?id=1%27%20OR%201=1 HTTP/1.1" 200')
                  for i in range(3))
    return Detection(rule, severity, group, "/var/log/nginx/access.log", T0, T0 + timedelta(minutes=2), 3,
                     (client,), (account,) if account else (), lines)


SQLI_A = _detection("logs.web.sqli", "client=203.0.113.9", "203.0.113.9", "high")
BRUTE_B = _detection("logs.auth.brute-force", "client=198.51.100.7", "198.51.100.7", "medium",
                     "admin@beta.gov.vn")


@pytest.fixture
def world() -> Iterator[World]:
    with language("en"):
        for w in build_world():
            store_detections([SQLI_A], lambda _d: A, alerts=False)
            store_detections([BRUTE_B], lambda _d: B, alerts=False)
            yield w


def test_the_list_shows_every_column_and_filters(world: World) -> None:
    analyst = logged_in("analyst")
    page = analyst.get("/logs/").content.decode()
    assert "logs.web.sqli" in page and "logs.auth.brute-force" in page
    for text in ("client=203.0.113.9", "203.0.113.9", "admin@beta.gov.vn", A, B):
        assert text in page
    only_b = analyst.get("/logs/", {"agency": B}).content.decode()
    assert "client=198.51.100.7" in only_b and "client=203.0.113.9" not in only_b
    severe = analyst.get("/logs/", {"severity": "high"}).content.decode()
    assert "client=203.0.113.9" in severe and "client=198.51.100.7" not in severe
    by_rule = analyst.get("/logs/", {"rule": "logs.auth.brute-force"}).content.decode()
    assert "client=198.51.100.7" in by_rule and "client=203.0.113.9" not in by_rule


def test_the_detail_shows_the_evidence_lines(world: World) -> None:
    fp = fingerprint_of(A, SQLI_A)
    page = logged_in("analyst").get(f"/logs/{fp}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1%27%20OR%201=1" in text and "/var/log/nginx/access.log" in text
    assert 'id="detection-lines"' in text
    assert logged_in("analyst").get("/logs/0123456789abcdef0123456789abcdef/").status_code == 404


def test_an_officer_of_b_sees_only_b_on_the_pages_and_in_the_api(world: World) -> None:
    officer = logged_in("officer_b")
    page = officer.get("/logs/").content.decode()
    assert "client=198.51.100.7" in page and "client=203.0.113.9" not in page and "logs.web.sqli" not in page
    assert officer.get(f"/logs/{fingerprint_of(A, SQLI_A)}/").status_code == 404
    assert officer.get(f"/logs/{fingerprint_of(B, BRUTE_B)}/").status_code == 200
    api = Api(world.tokens["officer_b"])
    listed = api.get("/logs/detections")
    assert listed.status_code == 200
    assert [(d["agency"], d["group"]) for d in listed.json()] == [(B, "client=198.51.100.7")]
    assert api.get("/logs/detections", agency=A).json() == []
    error_of(api.get(f"/logs/detections/{fingerprint_of(A, SQLI_A)}"), 404)


def test_the_api_lists_and_details_within_the_caller_s_scope(world: World) -> None:
    api = Api(world.tokens["analyst"])
    rows = api.get("/logs/detections").json()
    assert {d["agency"] for d in rows} == {A, B}
    first = next(d for d in rows if d["agency"] == A)
    assert (first["rule"], first["severity"], first["count"], first["clients"]) == (
        "logs.web.sqli", "high", 3, ["203.0.113.9"])
    assert first["first_seen"].startswith("2026-12-07T01:00")
    detail = api.get(f"/logs/detections/{first['id']}").json()
    assert len(detail["lines"]) == 3 and detail["lines"][0]["line_no"] == 10
    assert [d["agency"] for d in api.get("/logs/detections", severity="high").json()] == [A]
