"""What schemathesis (``api_schemathesis_cases.py``) generates only by chance, sent on purpose to
every operation the OpenAPI schema lists, by every role and anonymously: a NUL byte, 5,000
characters and integers past 64 bits in each parameter, a NUL byte and 5,000 characters in each
text field of a JSON body, and bodies that are not JSON at all. PostgreSQL text holds no NUL and
its integers stop at 64 bits, so these inputs answered 500 there and not on SQLite (the triage
note's NUL, fixed). Each answer is checked as schemathesis checks its own (no server error; the
status code, content type and body the schema declares), and every operation must have been
answered past its door (200) and refused (401 anonymously, 404 or 422 on a value).

Not collected directly: ``test_api_backends.py`` runs it once per database backend.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-api-schema-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

import schemathesis  # noqa: E402
from api_support import B, seed_world  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from canhgac.console.store.queries import ViewerScope  # noqa: E402
from canhgac.services import incidents as _incidents  # noqa: E402

set_hypothesis_home_dir(_WORKSPACE / "hypothesis")  # not a .hypothesis/ in the checkout

WORLD = seed_world()


def _amber_pack() -> int:
    """An AMBER pack every role may read (``indicator_api_cases.py`` reaches the rest)."""
    from canhgac.console.store.indicator_models import IndicatorPack
    from canhgac.services import indicators

    indicators.import_data(indicators.PackAudience(csirt=True), b"203.0.113.9\n", "list.txt", name="amber",
                           actor="test")
    return int(IndicatorPack.objects.get(name="amber").pk)


def _b_detection() -> str:
    """A detection in B's logs every role may read (``logs_pages_cases.py`` reaches the rest)."""
    from datetime import UTC, datetime

    from canhgac.logs.detection import Detection
    from canhgac.services.log_store import fingerprint_of, store_detections

    at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    found = Detection("logs.auth.brute-force", "high", "client=198.51.100.7", "/var/log/auth.log", at, at, 5)
    store_detections([found], lambda _d: B, alerts=False)
    return fingerprint_of(B, found)


def _leaked_account() -> None:
    """A leaked account of B, so that B's campaign exists (``campaign_web_cases.py`` reaches the rest)."""
    import datetime as dt

    from django.utils import timezone

    from canhgac.console.store.leak_models import LeakedAccount

    LeakedAccount.objects.create(address="le.c@beta.gov.vn", agency_code=B, breach="Combo",
                                 secret_kind="password", breach_date=dt.date(2024, 3, 1),
                                 imported_at=timezone.now())


_leaked_account()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# A value of each parameter that names a row every role may read (B's, the run, B's launch)
assert WORLD.watch is not None
REAL = {"fingerprint": WORLD.fingerprints[B][0], "code": B, "run_id": WORLD.run_id,
        "launch_id": WORLD.launch_id, "alert_id": WORLD.watch.hijack,
        "delivery_id": 1,  # the outbox is empty here: watch_people_api_cases.py reaches its 200
        "incident_id": _incidents.open_incident(  # B's: every role may read it
            ViewerScope.everything(), _incidents.IncidentSettings(), _incidents.Actor("test"), agency=B,
            title="Cổng bị thay đổi giao diện"),
        "form": "03", "agency": B, "item": "5.plan-response", "file_id": 1,
        "pack_id": _amber_pack(), "record_id": 1, "detection_id": _b_detection()}
EXTREMES = ["a\x00b", "x" * 5000, "9223372036854775808", "-9223372036854775809", "1" + "0" * 26]
TEXT_EXTREMES = ["a\x00b", "x" * 5000]
RAW_BODIES = ["{broken json", "", "null", "[]", '"text"', "7"]
CALLERS = {"anonymous": None, **{name: f"Bearer {token}" for name, token in WORLD.tokens.items()}}
# operations whose success needs an upload or an earlier step (a file checked before it is
# applied, an inventory applied before it is read; a window's real dates; a roster's upload, a
# message given up): inventory_api_cases.py, watch_api_cases.py and watch_people_api_cases.py
# reach their 2xx
NEEDS_STATE = frozenset({"GET /api/v1/inventory", "POST /api/v1/inventory/check",
                         "POST /api/v1/inventory/apply", "POST /api/v1/scans",
                         "POST /api/v1/watch/maintenance", "POST /api/v1/watch/roster",
                         "POST /api/v1/watch/deliveries/{delivery_id}/requeue",
                         # an incident's body needs an agency or an alert, a move a state after the
                         # current one, a form the [forms] settings: incident_api_cases.py
                         "POST /api/v1/incidents", "POST /api/v1/incidents/{incident_id}/move",
                         "GET /api/v1/incidents/{incident_id}/forms/{form}",
                         # an upload, an incident with indicators and [forms.issuer], a link's real
                         # reference, a flag's boolean: indicator_api_cases.py
                         "POST /api/v1/indicators/packs", "GET /api/v1/incidents/{incident_id}/indicators",
                         "POST /api/v1/incidents/{incident_id}/links",
                         "POST /api/v1/incidents/{incident_id}/capacity",
                         # an answer is multipart with files, a review needs an answer, a file an
                         # upload: compliance_web_cases.py
                         "POST /api/v1/compliance/{agency}/{item}/answer",
                         "POST /api/v1/compliance/{agency}/{item}/review",
                         "GET /api/v1/compliance/{agency}/{item}/files/{file_id}",
                         # form 05 needs the [forms] settings too: test_incident_summary_browser.py
                         "GET /api/v1/forms/05",
                         # a step is multipart, a reopening needs a done step, a file an upload, a
                         # letter an account named, sending (one or all) a relay: campaign_web_cases.py
                         "POST /api/v1/campaign/{agency}/steps", "POST /api/v1/campaign/{agency}/reopen",
                         "GET /api/v1/campaign/{agency}/files/{record_id}",
                         "POST /api/v1/campaign/{agency}/letters",
                         "POST /api/v1/campaign/{agency}/letters/send",
                         "POST /api/v1/campaign/{agency}/letters/send-all",
                         # a signed sweep result: sweep_results_cases.py
                         "POST /api/v1/sweep/results"})


def _operations() -> list[Any]:
    return [result.ok() for result in SCHEMA.get_all_operations()]


def _body_schema(operation: Any) -> dict[str, Any] | None:
    """The operation's JSON body schema, as the OpenAPI document states it."""
    declared = SCHEMA.raw_schema["paths"][operation.path][operation.method.lower()]
    body = declared.get("requestBody", {}).get("content", {}).get("application/json")
    return _resolved(body["schema"]) if body else None


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA.raw_schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _minimal(body: dict[str, Any]) -> dict[str, Any]:
    """A body holding only its required fields, each at its first allowed value."""
    properties = body.get("properties", {})
    return {name: _resolved(properties[name]).get("enum", ["x"])[0] for name in body.get("required", ())}


def _cases(operation: Any) -> list[dict[str, Any]]:
    """The operation's cases: each parameter at each extreme (the others as the store has them),
    each text field of its JSON body at each text extreme, then its raw bodies."""
    path = {p.name: REAL[p.name] for p in operation.path_parameters}
    body = _body_schema(operation)
    base: dict[str, Any] = {"path_parameters": path}
    if body is not None:
        base["body"] = _minimal(body)
    cases = [base]
    for parameter in [*operation.path_parameters, *operation.query]:
        for value in EXTREMES:
            if parameter.location == "path":
                cases.append({**base, "path_parameters": {**path, parameter.name: value}})
            else:
                cases.append({**base, "query": {parameter.name: value}})
    if body is not None:
        for name, field in body.get("properties", {}).items():
            if "string" in str(field) and "enum" not in _resolved(field):
                cases += [{**base, "body": {**base["body"], name: value}} for value in TEXT_EXTREMES]
        cases += [{**base, "body": raw, "media_type": "text/plain"} for raw in RAW_BODIES]
    return cases


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_answers_extreme_inputs_as_its_schema_says(caller: str) -> None:
    authorization = CALLERS[caller]
    headers = {"Authorization": authorization} if authorization else {}
    reached: dict[str, set[int]] = {}
    operations = _operations()
    takes_input = {op.label for op in operations if len(_cases(op)) > 1}
    for operation in operations:
        for values in _cases(operation):
            case = operation.Case(**values)
            raw = values.get("media_type") == "text/plain"
            sent = {**headers, "Content-Type": "application/json"} if raw else headers
            response = case.call(headers=sent)
            label = f"{caller} {operation.label} {values!r:.160}"
            assert response.status_code < 500, (label, response.text[:300])
            case.validate_response(response, headers=sent)
            reached.setdefault(operation.label, set()).add(response.status_code)
    assert len(reached) == len(operations) >= 8
    for label, statuses in reached.items():  # the probe got past the doors of every operation
        if caller == "anonymous":
            assert 401 in statuses and not any(200 <= s < 300 for s in statuses), (label, statuses)
        else:
            assert statuses & {200, 202, 403} or label in NEEDS_STATE, (label, statuses)
            assert label not in takes_input or statuses & {404, 422}, (label, statuses)
