"""The REST API through Django's test client, on a small real store, once per backend.

Not collected directly: ``test_api_backends.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set). B's officer must never
read or triage A's rows, whatever identifier they try; every refusal has the one error body.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-api-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import A, Api, B, World, build_world, error_of  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from typer.testing import CliRunner  # noqa: E402
from web_store_support import A_NAME, B_NAME  # noqa: E402

from canhgac.console.store import accounts, api_tokens  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.api_token_models import ApiToken  # noqa: E402
from canhgac.console.store.models import Finding, TriageChange  # noqa: E402

setup_test_environment()


@pytest.fixture
def world() -> Iterator[World]:
    yield from build_world()


def _json(answer: object, status: int = 200) -> dict:  # type: ignore[type-arg]
    assert answer.status_code == status, (answer.status_code, answer.content[:800])  # type: ignore[attr-defined]
    return json.loads(answer.content)  # type: ignore[attr-defined, no-any-return]


def _operations() -> list[tuple[str, str]]:
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    return [(method.upper(), path.removeprefix("/api/v1")) for path, ops in schema["paths"].items()
            for method in ops]


# --- authentication ---------------------------------------------------------------------------

def test_every_operation_refuses_an_anonymous_caller_with_the_error_body(world: World) -> None:
    operations = _operations()
    # main's 11, the scans' 3, the watch's 4 (watch_api_cases.py), the roster's and the outbox's 4
    # (watch_people_api_cases.py), the incidents' 13 (incident_api_cases.py, indicator_api_cases.py),
    # the indicator packs' 3 and an incident's indicators (indicator_api_cases.py), the compliance's 8
    # (compliance_web_cases.py), form 05's 1 (tests/incidents/incident_summary_cases.py and
    # test_incident_summary_browser.py), the account campaign's 10 (campaign_web_cases.py), the
    # sweep's 2 (sweep_results_cases.py), the log detections' 2 (logs_pages_cases.py)
    assert len(operations) == 62
    fingerprint = world.fingerprints[A][0]
    for method, path in operations:
        url = (path.replace("{fingerprint}", fingerprint).replace("{run_id}", str(world.run_id))
               .replace("{launch_id}", "1").replace("{alert_id}", "1").replace("{delivery_id}", "1")
               .replace("{incident_id}", "1").replace("{form}", "03")
               .replace("{code}", A).replace("{pack_id}", "1").replace("{detection_id}", fingerprint))
        for api in (Api(), Api("cg_0000_not-a-token"), Api("garbage")):
            send = {"GET": api.get, "PATCH": api.patch}.get(method, api.post)
            answer = send(url) if method == "GET" else send(url, {"status": "confirmed"})
            error = error_of(answer, 401)
            assert error["code"] == "unauthenticated" and answer["WWW-Authenticate"].startswith("Bearer")


def test_the_schema_is_public_and_the_docs_page_is_off(world: World) -> None:
    schema = _json(Client().get("/api/v1/openapi.json"))
    assert schema["info"]["title"] == "canhgac API" and "bearer" in json.dumps(schema["components"]).lower()
    assert A_NAME not in json.dumps(schema)
    error_of(Client().get("/api/v1/docs"), 404)
    error_of(Api(world_token := world.tokens["admin"]).get("/docs"), 404)
    assert world_token


def test_unknown_paths_and_methods_answer_in_the_error_body(world: World) -> None:
    api = Api(world.tokens["admin"])
    assert error_of(api.get("/nothing/here"), 404)["code"] == "not_found"
    answer = api.client.delete("/api/v1/agencies", headers=api.headers)
    assert error_of(answer, 405)["code"] == "method_not_allowed" and answer["Allow"] == "GET"
    assert error_of(api.post("/findings/" + world.fingerprints[A][0] + "/triage", "{not json"), 400)


def test_tokens_are_stored_hashed_and_shown_once(world: World) -> None:
    plain = world.tokens["analyst"]
    assert plain.startswith("cg_")
    secret = plain.split("_", 2)[2]  # urlsafe: it may hold "_" itself
    with connection.cursor() as cursor:
        for table in (ApiToken._meta.db_table, SecurityEvent._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            dump = repr(cursor.fetchall())
            assert plain not in dump and secret not in dump, table
    token = ApiToken.objects.get(user__username="analyst")
    assert token.digest == api_tokens.digest(plain) and len(token.digest) == 64
    (created,) = SecurityEvent.objects.filter(kind="token.created", username="analyst")
    assert created.detail == {"token": token.key_id, "name": "analyst script"} and created.actor == "test"


def test_a_token_works_and_its_use_is_noted(world: World) -> None:
    assert ApiToken.objects.get(user__username="admin").last_used_at is None
    body = _json(Api(world.tokens["admin"]).get("/agencies"))
    assert [a["code"] for a in body["items"]] == [A, B] and body["items"][1]["parent"] == A
    assert ApiToken.objects.get(user__username="admin").last_used_at is not None
    forged = world.tokens["admin"][:-2] + ("AA" if not world.tokens["admin"].endswith("AA") else "BB")
    error_of(Api(forged).get("/agencies"), 401)  # right id, wrong secret


def test_a_revoked_token_and_a_disabled_user_are_refused(world: World) -> None:
    analyst = Api(world.tokens["analyst"])
    assert analyst.get("/agencies").status_code == 200
    key_id = ApiToken.objects.get(user__username="analyst").key_id
    assert api_tokens.revoke_token(key_id, actor="admin") == "analyst"
    error_of(analyst.get("/agencies"), 401)
    (revoked,) = SecurityEvent.objects.filter(kind="token.revoked")
    assert revoked.username == "analyst" and revoked.actor == "admin" and revoked.detail["token"] == key_id
    with pytest.raises(accounts.AccountError):
        api_tokens.revoke_token(key_id, actor="admin")  # already revoked
    leader = Api(world.tokens["leader"])
    accounts.set_active("leader", False, actor="admin")
    error_of(leader.get("/agencies"), 401)
    with pytest.raises(accounts.AccountError):
        api_tokens.issue_token("leader", actor="admin")  # no token for a disabled user
    accounts.set_active("leader", True, actor="admin")
    assert leader.get("/agencies").status_code == 200  # the same token, its user enabled again


def test_a_token_carries_its_users_current_role(world: World) -> None:
    officer = Api(world.tokens["officer_b"])
    assert [a["code"] for a in _json(officer.get("/agencies"))["items"]] == [B]
    accounts.set_role("officer_b", accounts.Role.AGENCY_OFFICER, [A, B], actor="admin")
    assert [a["code"] for a in _json(officer.get("/agencies"))["items"]] == [A, B]


def test_the_cli_adds_lists_and_revokes_tokens(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from canhgac.cli import common
    from canhgac.cli.failures import describe
    from canhgac.cli.main import app

    monkeypatch.setattr(common.console, "width", 300)
    monkeypatch.setenv("CANHGAC_DATABASE_URL", _URL)
    monkeypatch.setenv("CANHGAC_WORKSPACE", str(_WORKSPACE))
    runner = CliRunner()
    base = ["--workspace", str(_WORKSPACE), "--database-url", _URL, "--lang", "en", "users", "token"]
    added = runner.invoke(app, [*base, "add", "leader", "--name", "board export"])
    assert added.exit_code == 0, added.output
    plain = added.stdout.strip().splitlines()[-1]
    assert plain.startswith("cg_") and "shown only once" in added.stdout
    assert _json(Api(plain).get("/agencies"))["total"] == 2
    listing = runner.invoke(app, [*base, "list", "leader"])
    key_id = plain.removeprefix("cg_").split("_")[0]
    assert listing.exit_code == 0 and key_id in listing.stdout and "board export" in listing.stdout
    assert plain.split("_", 2)[2] not in listing.stdout  # the secret (urlsafe: it may hold "_")
    revoked = runner.invoke(app, [*base, "revoke", key_id])
    assert revoked.exit_code == 0, revoked.output
    error_of(Api(plain).get("/agencies"), 401)
    unknown = runner.invoke(app, [*base, "add", "nobody"])  # the runner bypasses the app's failure handler:
    failure = describe(unknown.exception)  # this is the line and exit code `canhgac` prints
    assert failure is not None and failure.code == 2 and "nobody" in failure.message


# --- sessions ---------------------------------------------------------------------------------

def _session(username: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf, REMOTE_ADDR="192.0.2.21")
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_a_console_session_works_and_writes_need_the_csrf_token(world: World) -> None:
    client = _session("analyst", csrf=True)
    assert _json(client.get("/api/v1/agencies"))["total"] == 2
    url = f"/api/v1/findings/{world.fingerprints[A][0]}/triage"
    refused = client.post(url, json.dumps({"status": "confirmed"}), content_type="application/json")
    assert error_of(refused, 403)["code"] == "forbidden"
    assert not TriageChange.objects.exists()
    client.get("/login/")  # sets the CSRF cookie, as the console's pages do
    token = client.cookies["canhgac_csrftoken"].value
    done = client.post(url, json.dumps({"status": "confirmed"}), content_type="application/json",
                       headers={"X-CSRFToken": token})
    assert _json(done)["triage"] == "confirmed"
    event = SecurityEvent.objects.get(kind="api.triage")
    assert event.detail["via"] == "session" and event.address == "192.0.2.21"


def test_a_session_owing_its_totp_step_is_refused(world: World) -> None:
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = _session("analyst")
    assert client.get("/api/v1/agencies").status_code == 200
    user = get_user_model().objects.get(username="analyst")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)  # enrolled: this session owes a code
    error_of(client.get("/api/v1/agencies"), 401)
    accounts.set_totp_required("leader", True, actor="admin")
    error_of(_session("leader").get("/api/v1/agencies"), 401)  # must enrol first


# --- reading ----------------------------------------------------------------------------------

def test_findings_are_listed_with_a_total_and_pages(world: World) -> None:
    api = Api(world.tokens["analyst"])
    every = _json(api.get("/findings", sort="check"))
    assert every["total"] == 3 and len(every["items"]) == 3 and every["next_offset"] is None
    assert {f["fingerprint"] for f in every["items"]} == set(world.fingerprints[A] + world.fingerprints[B])
    seen = []
    offset: int | None = 0
    while offset is not None:
        page = _json(api.get("/findings", sort="check", limit=2, offset=offset))
        assert page["total"] == 3 and len(page["items"]) <= 2
        seen += [f["fingerprint"] for f in page["items"]]
        offset = page["next_offset"]
    # the order is total: pages neither skip nor repeat
    assert seen == [f["fingerprint"] for f in every["items"]]
    assert _json(api.get("/findings", offset=50))["items"] == []


def test_findings_filters_narrow_the_list(world: World) -> None:
    api = Api(world.tokens["analyst"])
    assert _json(api.get("/findings", agency=B))["total"] == 1
    assert _json(api.get("/findings", agency=f"{A},{B}"))["total"] == 3
    spf = _json(api.get("/findings", text="spf"))
    assert {f["check"] for f in spf["items"]} == {"mail.spf.present"} and spf["total"] == 2
    assert _json(api.get("/findings", lifecycle="fixed"))["total"] == 0
    assert _json(api.get("/findings", triage="accepted_risk"))["total"] == 0
    assert _json(api.get("/findings", family="mail"))["total"] == 3
    critical = _json(api.get("/findings", severity=["critical"]))["total"]
    assert critical + _json(api.get("/findings", severity=["info", "low", "medium", "high"]))["total"] == 3
    assert _json(api.get("/findings", min_severity="info"))["total"] == 3


@pytest.mark.parametrize(("name", "value"), [
    ("severity", "urgent"), ("min_severity", "HIGH!"), ("lifecycle", "closed"), ("triage", "ignored"),
    ("sort", "random"), ("limit", "0"), ("limit", "501"), ("offset", "-1"), ("limit", "ten"),
    ("family", "nosuchfamily"), ("clause", "CV999:1"), ("agency", "SO-Z"), ("all", "maybe"),
    ("text", "x" * 201),
])
def test_an_unknown_filter_value_is_a_422_with_the_error_body(world: World, name: str, value: str) -> None:
    error = error_of(Api(world.tokens["analyst"]).get("/findings", **{name: value}), 422)
    assert error["code"] == "invalid", error
    assert name in error["message"] and f"--{name}" not in error["message"], error  # the API's names
    if "detail" in error:
        assert error["detail"][0]["loc"][:2] == ["query", name], error


def test_filters_that_exclude_each_other_are_named_as_the_api_names_them(world: World) -> None:
    error = error_of(Api(world.tokens["analyst"]).get("/findings", all="true", lifecycle="new"), 422)
    assert "all" in error["message"] and "lifecycle" in error["message"] and "--" not in error["message"]


def test_a_nul_byte_is_refused_before_the_database(world: World) -> None:
    """PostgreSQL text holds no NUL: a NUL in a path is not found, in a parameter invalid."""
    api = Api(world.tokens["analyst"])
    assert error_of(api.get("/findings", text="a\x00b"), 422)["code"] == "invalid"
    assert error_of(api.get("/findings", **{"agency\x00": A}), 422)["code"] == "invalid"
    assert error_of(api.get("/findings/ab\x00cd"), 404)["code"] == "not_found"
    for field in ("note", "assignee"):  # a JSON body's text too (the note was a 500 on PostgreSQL)
        body = {"status": "confirmed", field: "a\x00b"}
        error = error_of(api.post(f"/findings/{world.fingerprints[A][0]}/triage", body), 422)
        assert error["detail"][0]["loc"][-1] == field, error
    assert error_of(api.post(f"/findings/{world.fingerprints[A][0]}/triage\x00", {"status": "confirmed"}),
                    404)["code"] == "not_found"


def test_one_finding_has_its_evidence_and_history(world: World) -> None:
    api = Api(world.tokens["analyst"])
    fingerprint = world.fingerprints[B][0]
    found = _json(api.get(f"/findings/{fingerprint}"))
    assert found["agency"] == B and found["check"] == "mail.spf.present"
    assert found["history"][0]["kind"] == "lifecycle"
    assert found["history"][0]["run"] == world.run_id
    # full fingerprints only
    assert error_of(api.get(f"/findings/{fingerprint[:8]}"), 404)["code"] == "not_found"
    error_of(api.get("/findings/" + "0" * 32), 404)


def test_runs_are_listed_and_counted_over_the_callers_agencies(world: World) -> None:
    admin, officer = Api(world.tokens["admin"]), Api(world.tokens["officer_b"])
    runs = _json(admin.get("/runs"))
    assert runs["total"] == 1
    assert (runs["items"][0]["id"], runs["items"][0]["kind"]) == (world.run_id, "scan")
    full = _json(admin.get(f"/runs/{world.run_id}"))
    assert full["results"] == 3 and full["targets_per_agency"] == {A: 1, B: 1}
    own = _json(officer.get(f"/runs/{world.run_id}"))
    assert own["results"] == 1 and own["targets_per_agency"] == {B: 1} and own["warnings"] == []
    assert own["planned_targets"] is None and full["planned_targets"] is not None  # the whole run's plan
    assert _json(officer.get("/runs"))["items"][0]["planned_targets"] is None
    assert _json(admin.get("/runs", status="failed"))["total"] == 0
    for missing in ("999999", "0", "-1", str(2**70)):
        assert error_of(admin.get(f"/runs/{missing}"), 404)
    error_of(admin.get("/runs/abc"), 422)


def test_reports_are_the_report_json_scoped_to_the_caller(world: World) -> None:
    leader, officer = Api(world.tokens["leader"]), Api(world.tokens["officer_b"])
    province = _json(leader.get("/reports/province.json", lang="en"))
    assert {a["code"] for a in province["report"]["agencies"]} == {A, B}
    assert province["report"]["lang"] == "en"
    assert "grades" in province
    assert error_of(officer.get("/reports/province.json"), 403)["code"] == "forbidden"
    own = _json(officer.get(f"/reports/agency/{B}.json"))
    assert [a["code"] for a in own["report"]["agencies"]] == [B]
    assert A_NAME not in json.dumps(own, ensure_ascii=False)
    error_of(leader.get("/reports/province.json", run="999"), 404)
    error_of(leader.get("/reports/province.json", lang="fr"), 422)


# --- triage -----------------------------------------------------------------------------------

def test_triage_is_recorded_with_its_audit_rows_and_security_event(world: World) -> None:
    api = Api(world.tokens["analyst"])
    fingerprint = world.fingerprints[A][0]
    until = (date.today() + timedelta(days=90)).isoformat()
    decision = {"status": "accepted_risk", "assignee": "hung", "note": "bù trừ bằng tường lửa",
                "accepted_until": until}
    done = _json(api.post(f"/findings/{fingerprint}/triage", decision))
    assert (done["triage"], done["assignee"], done["note"], done["triaged_by"]) == (
        "accepted_risk", "hung", "bù trừ bằng tường lửa", "analyst")
    changes = TriageChange.objects.filter(finding__fingerprint=fingerprint).order_by("field")
    assert [(c.field, c.after, c.actor) for c in changes] == [
        ("accepted_until", until, "analyst"), ("assignee", "hung", "analyst"),
        ("note", "bù trừ bằng tường lửa", "analyst"), ("triage", "accepted_risk", "analyst")]
    assert {h["field"] for h in done["history"] if h["kind"] == "triage"} >= {"triage", "assignee", "note"}
    event = SecurityEvent.objects.get(kind="api.triage")
    key_id = ApiToken.objects.get(user__username="analyst").key_id
    assert event.detail == {"fingerprint": fingerprint, "triage": "accepted_risk", "via": f"token:{key_id}"}
    kept = _json(api.post(f"/findings/{fingerprint}/triage", {"status": "confirmed"}))
    assert kept["assignee"] == "hung"  # left out: kept


def test_leaders_are_read_only_and_bad_decisions_are_422(world: World) -> None:
    fingerprint = world.fingerprints[A][0]
    leader = Api(world.tokens["leader"])
    refused = leader.post(f"/findings/{fingerprint}/triage", {"status": "confirmed"})
    assert error_of(refused, 403)["code"] == "forbidden"
    admin = Api(world.tokens["admin"])
    past = (date.today() - timedelta(days=2)).isoformat()
    for body in ({}, {"status": "fixed"}, {"status": "confirmed", "owner": "x"}, {"status": 3},
                 {"status": "confirmed", "assignee": "x" * 151}, [], "null",
                 {"status": "false_positive"},  # the pages' rules: a false positive needs its reason,
                 {"status": "accepted_risk"},  # an accepted risk its last day, not in the past
                 {"status": "accepted_risk", "accepted_until": past},
                 {"status": "accepted_risk", "accepted_until": "next year"}):
        error_of(admin.post(f"/findings/{fingerprint}/triage", body), 422)
    assert not TriageChange.objects.exists()
    assert Finding.objects.get(fingerprint=fingerprint).triage == "untriaged"


def test_an_officer_can_neither_read_nor_triage_another_agencys_rows(world: World) -> None:
    officer = Api(world.tokens["officer_b"])
    for fingerprint in world.fingerprints[A]:  # every one of A's findings, by its exact fingerprint
        assert error_of(officer.get(f"/findings/{fingerprint}"), 404)["code"] == "not_found"
        refused = officer.post(f"/findings/{fingerprint}/triage", {"status": "false_positive", "note": "x"})
        error_of(refused, 404)
        for prefix in (fingerprint[:6], fingerprint[:16], fingerprint.upper()):
            error_of(officer.get(f"/findings/{prefix}"), 404)
    assert not TriageChange.objects.exists()
    assert set(Finding.objects.values_list("triage", flat=True)) == {"untriaged"}
    for code in (A, A.lower(), f"{A}%00", "..%2F" + A):
        error_of(officer.get(f"/reports/agency/{code}.json"), 404)
    error_of(officer.get("/findings", agency=A), 422)
    quiet = [officer.get("/agencies"), officer.get("/findings", all="true"), officer.get("/runs"),
             officer.get(f"/runs/{world.run_id}"), officer.get(f"/reports/agency/{B}.json")]
    echoing = [officer.get("/findings", agency=A), officer.get(f"/findings/{world.fingerprints[A][0]}")]
    for answer in quiet + echoing:  # the refusals may echo what was asked, never anything else of A
        text = json.dumps(json.loads(answer.content), ensure_ascii=False)
        assert A_NAME not in text and "alpha.gov.vn" not in text
        assert A not in text or answer in echoing, text[:300]
        assert not any(fp in text for fp in world.fingerprints[A]) or answer in echoing
    assert _json(officer.get("/agencies"))["items"][0]["parent"] is None  # B's parent is A: not named
    own = _json(officer.get("/findings"))
    assert own["total"] == 1 and own["items"][0]["agency"] == B and own["items"][0]["agency_name"] == B_NAME
    done = _json(officer.post(f"/findings/{world.fingerprints[B][0]}/triage", {"status": "confirmed"}))
    assert done["triage"] == "confirmed" and done["triaged_by"] == "officer_b"
