"""schemathesis against the API's own OpenAPI schema, in-process: the schema is read from the
Django WSGI application and every operation it lists (new ones too, with no change here) is
called with generated requests (schemathesis's examples, coverage and fuzzing phases):

- as the CSIRT admin and as B's agency officer, by token: no server error, the status code,
  content type and body of every answer as the schema declares them (schemathesis's default
  checks, but ``positive_data_acceptance``: the API answers 422 to some schema-valid requests
  the schema cannot express — an unknown agency code, ``all`` with ``lifecycle``, a false
  positive without its reason — and documents that 422); for the officer, no answer carries
  agency A's code, name, domain or findings, except an error echoing what the request sent;
- with no credentials, a token nobody issued, another scheme and a forged session cookie:
  always 401 with the documented error body — but 404 when the path routes to no operation,
  and 422 when a parameter holds a NUL byte (``NulBytesMiddleware`` refuses it before any view).

Path and query parameters draw half the time from the store's real identifiers (both agencies'
codes and fingerprints, the run's id) so that requests reach real rows, A's for the officer too.
Deterministic (fixed seed, derandomized, no example database) and bounded in examples.
Not collected directly: ``test_api_backends.py`` runs it in a fresh process per backend.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-api-schemathesis-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

set_hypothesis_home_dir(_WORKSPACE / "hypothesis")  # its caches, not a .hypothesis/ in the checkout

import schemathesis  # noqa: E402
from api_support import A, B, seed_world  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402
from web_store_support import A_NAME  # noqa: E402

from canhgac.web.api import urls as api_urls  # noqa: E402

WORLD = seed_world()
assert WORLD.watch is not None
APP = get_wsgi_application()
SEED = 13
# What B's officer must never read: A's code, name and domain, and A's findings.
A_SECRETS = (A, A_NAME, "alpha.gov.vn", *WORLD.fingerprints[A])
REFUSED = {  # header name and value of each unauthenticated caller
    "no credentials": None,
    "unknown token": ("Authorization", "Bearer cg_0000000000_not-a-token-anyone-issued"),
    "other scheme": ("Authorization", "Basic YWRtaW46bMO6YSBjaMOtbg=="),
    "forged session": ("Cookie", f"{settings.SESSION_COOKIE_NAME}=0123456789abcdefghijklmnopqrstuv"),
}


def _config(mode: str, max_examples: int, *, coverage: bool = True) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"mode": mode, "deterministic": True, "max-examples": max_examples,
                       "database": "none", "with-security-parameters": False},
        "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"enabled": False}},  # see the module's docstring
        "dictionaries": {
            "fingerprints": {"values": WORLD.fingerprints[A] + WORLD.fingerprints[B]},
            "codes": {"values": [A, B]},
            "runs": {"values": [WORLD.run_id]},
            "launches": {"values": [WORLD.launch_id]},
            "alerts": {"values": [WORLD.watch.grouped, WORLD.watch.hijack, WORLD.watch.alert_a]},
        },
        "parameters": {
            "path.fingerprint": {"dictionary": "fingerprints", "probability": 0.5},
            "path.code": {"dictionary": "codes", "probability": 0.5},
            "path.run_id": {"dictionary": "runs", "probability": 0.5},
            "path.launch_id": {"dictionary": "launches", "probability": 0.5},
            "path.alert_id": {"dictionary": "alerts", "probability": 0.5},
            "query.run": {"dictionary": "runs", "probability": 0.5},
            "query.agency": {"dictionary": "codes", "probability": 0.5},
        },
    })


def _load(config: schemathesis.Config) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=config)


# The admin's requests are valid and invalid ones, with schemathesis's coverage phase (every
# boundary and every kind of wrong value of each parameter); the officer's and the refused
# callers' are valid ones (scope and refusal do not hang on a parameter's validity), fewer.
ADMIN_SCHEMA = _load(_config("all", 15))
OFFICER_SCHEMA = _load(_config("positive", 20, coverage=False))
REFUSED_SCHEMA = _load(_config("positive", 5, coverage=False))


def _sent(response: Any, case: Any) -> str:
    """What the request carried, as text: its decoded URL and JSON body."""
    body = "" if case.body is None else json.dumps(case.body, ensure_ascii=False, default=str)
    return unquote(str(response.request.url)) + body


def _as_text(response: Any) -> str:
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return str(response.text)


def no_other_agency(ctx: Any, response: Any, case: Any) -> bool | None:
    """B's officer reads nothing of A: a success never names A; an error names only what the
    request itself sent (an unknown code or fingerprint is echoed back)."""
    text, sent = _as_text(response), _sent(response, case)
    shown = [s for s in A_SECRETS if s in text and (response.status_code < 400 or s not in sent)]
    assert not shown, f"B's officer got {response.status_code} naming A's {shown}: {text[:300]}"
    return None


@ADMIN_SCHEMA.parametrize()
def test_admin_requests_answered_as_the_schema_says(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {WORLD.tokens['admin']}"})


# The officer's answers to paths naming a row of A or of B: (operation, agency) -> statuses
OFFICER_REACHED: dict[tuple[str, str], set[int]] = {}
OWNER = {**{fp: A for fp in WORLD.fingerprints[A]}, **{fp: B for fp in WORLD.fingerprints[B]}, A: A, B: B}


@OFFICER_SCHEMA.parametrize()
def test_officer_requests_answered_as_the_schema_says_within_scope(case: Any) -> None:
    response = case.call_and_validate(headers={"Authorization": f"Bearer {WORLD.tokens['officer_b']}"},
                                      additional_checks=[no_other_agency])
    for value in (case.path_parameters or {}).values():
        if value in OWNER:
            OFFICER_REACHED.setdefault((case.operation.label, OWNER[value]), set()).add(response.status_code)


def test_the_officer_reached_rows_of_both_agencies() -> None:
    """The generated requests named rows of both agencies on every operation that takes one:
    B's were found, A's were 'not found' (unless the officer's role may not use the operation
    at all); runs after the generated tests, in file order."""
    if not OFFICER_REACHED:
        pytest.skip("needs the officer's generated requests of this module's run")
    with_rows = {label for label, _agency in OFFICER_REACHED}
    operations = [result.ok() for result in OFFICER_SCHEMA.get_all_operations()]
    assert with_rows == {op.label for op in operations
                         if {p.name for p in op.path_parameters} & {"fingerprint", "code"}}
    for label in with_rows:
        of_a, of_b = OFFICER_REACHED.get((label, A), set()), OFFICER_REACHED.get((label, B), set())
        assert of_b - {404}, (label, of_b)  # B's rows are found (or the role refused: 403)
        assert not any(200 <= s < 300 for s in of_a), (label, of_a)
        assert 404 in of_a or of_b == {403}, (label, of_a)  # A's are not found, as if absent


def _form_holds_nul(request: Any, path: str) -> bool:
    """A multipart body whose form fields (not its files) hold a NUL byte in a name or a value, as
    Django reads it: schemathesis adds fields of its own to an upload's form."""
    kind = str(request.headers.get("Content-Type", ""))
    if request.method != "POST" or not kind.startswith("multipart/form-data"):
        return False
    form = RequestFactory().generic("POST", path, data=request.body or b"", content_type=kind).POST
    return any("\x00" in key or any("\x00" in value for value in form.getlist(key)) for key in form)


def _refusal(response: Any) -> int:
    """The status refusing an unauthenticated request: 401, but 404 when its path reaches no
    operation (a path parameter holding '/' reaches the API's catch-all) or holds a NUL byte,
    and 422 when its query or its form holds one (``NulBytesMiddleware`` answers these before
    any view)."""
    url = urlsplit(str(response.request.url))
    path = unquote(url.path)
    try:
        routed = resolve(path).func is not api_urls.not_found
    except Resolver404:
        routed = False
    if not routed or "\x00" in path:
        return 404
    if "\x00" in unquote(url.query) or _form_holds_nul(response.request, path):
        return 422
    return 401


@REFUSED_SCHEMA.parametrize()
def test_unauthenticated_requests_refused_with_the_error_body(case: Any) -> None:
    for name, header in REFUSED.items():
        headers = dict([header]) if header else None
        response = case.call(headers=headers)
        expected = _refusal(response)
        assert response.status_code == expected, (name, response.status_code, response.text[:300])
        case.validate_response(response, headers=headers)  # documented status, content type, body
        assert set(response.json()) == {"error"}, (name, response.text[:300])
        if expected == 401:
            assert response.headers["www-authenticate"] == ['Bearer realm="canhgac"'], name
