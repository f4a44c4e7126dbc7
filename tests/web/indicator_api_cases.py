"""The indicator packs' API and the incident API's links, notifications, capacity and details,
through Django's test client, once per backend (``test_indicator_api_backends.py``):

- packs listed and read by TLP: B's officer and the leader never see a RED or AMBER+STRICT
  pack (404 as for none), the CSIRT sees all; a page of indicators filtered by type;
- an import by the CSIRT (201, logged), refused to an officer (403); a malformed STIX or MISP
  upload is a 422 whose message is one line, nothing stored;
- ``/incidents/{id}/indicators`` as STIX (parsed with ``stix2``) and MISP with the TLP chosen,
  logged; B's officer gets 404 for A's incident, a leader 403, a confidential incident refuses a
  level below RED;
- links, notifications (the clock stops once all three parties have the initial report),
  capacity (immediate deadline) and the forms' details read and set, each 404 for B's officer on
  A's incident; the one row shape: ``IncidentOut``'s fields are ``IncidentRow.out()``'s keys.
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

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-indicator-api-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

import stix2  # noqa: E402
from api_support import A, Api, B, World, build_world, error_of  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.indicator_models import IndicatorPack  # noqa: E402
from canhgac.console.store.roles import Role  # noqa: E402
from canhgac.services import incidents, indicators  # noqa: E402
from canhgac.services.incidents_view import IncidentRow  # noqa: E402

setup_test_environment()

DATA = Path(__file__).parent.parent / "indicators" / "data"
CSIRT = indicators.PackAudience.of_role(Role.CSIRT_ANALYST)
FORMS_TOML = """
[forms.issuer]
name = "Sở Khoa học và Công nghệ"
email = "csirt@kiengiang.gov.vn"
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    config = tmp_path / "canhgac.toml"
    config.write_text(FORMS_TOML, encoding="utf-8")
    monkeypatch.setenv("CANHGAC_CONFIG", str(config))
    yield from build_world()


def _json(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.content[:800])
    return json.loads(answer.content)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _packs() -> dict[str, int]:
    for name, path, level in (("amber pack", "stix_bundle_sample.json", None),
                              ("red pack", "misp_event_sample.json", indicators.Tlp.RED),
                              ("strict pack", "misp_event_sample.json", indicators.Tlp.AMBER_STRICT)):
        indicators.import_data(CSIRT, (DATA / path).read_bytes(), path, name=name, tlp=level, actor="seed")
    return dict(IndicatorPack.objects.values_list("name", "pk"))


def _incident(agency: str, *refs: str, confidential: bool = False) -> int:
    scope, actor = incidents.viewer_scope(None), incidents.Actor("seed")
    new = incidents.open_incident(scope, incidents.IncidentSettings(), actor, agency=agency,
                                  title=f"Máy chủ {agency} liên lạc với C2",
                                  detected_at=datetime.now(UTC) - timedelta(days=1))
    for ref in refs:
        incidents.link(scope, actor, new, incidents.LinkKind.INDICATOR, ref, "C2")
    if confidential:
        incidents.set_details(scope, actor, new, {"confidential": True})
    return new


def _upload(api: Api, filename: str, data: bytes, **form: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post("/api/v1/indicators/packs", {"file": SimpleUploadedFile(filename, data), **form},
                           headers=api.headers)


def test_the_operations_are_in_the_schema(world: World) -> None:
    schema = _json(Client().get("/api/v1/openapi.json"))
    paths = schema["paths"]
    assert set(paths["/api/v1/indicators/packs"]) == {"get", "post"}
    assert set(paths["/api/v1/indicators/packs/{pack_id}"]) == {"get"}
    assert set(paths["/api/v1/incidents/{incident_id}/indicators"]) == {"get"}
    assert set(paths["/api/v1/incidents/{incident_id}/links"]) == {"get", "post"}
    assert set(paths["/api/v1/incidents/{incident_id}/notifications"]) == {"get", "post"}
    assert set(paths["/api/v1/incidents/{incident_id}/capacity"]) == {"get", "post"}
    assert set(paths["/api/v1/incidents/{incident_id}/details"]) == {"patch"}
    row_keys = set(IncidentRow.__dataclass_fields__) - {"left"} | {"seconds_left"}
    assert set(schema["components"]["schemas"]["IncidentOut"]["properties"]) == row_keys
    assert row_keys < set(schema["components"]["schemas"]["IncidentDetailOut"]["properties"])


def test_packs_are_read_within_the_tlp_audience(world: World) -> None:
    ids = _packs()
    analyst, officer, leader = (Api(world.tokens[n]) for n in ("analyst", "officer_b", "leader"))
    every = _json(analyst.get("/indicators/packs"))
    assert [p["name"] for p in every] == ["amber pack", "red pack", "strict pack"]
    for caller in (officer, leader):
        listed = _json(caller.get("/indicators/packs"))
        assert [p["name"] for p in listed] == ["amber pack"] and listed[0]["tlp"] == "amber"
        error_of(caller.get(f"/indicators/packs/{ids['red pack']}"), 404)
        error_of(caller.get(f"/indicators/packs/{ids['strict pack']}"), 404)
    red = _json(analyst.get(f"/indicators/packs/{ids['red pack']}"))
    assert red["pack"]["tlp"] == "red" and red["pack"]["version"] == 1
    assert red["total"] == len(red["items"]) > 0
    amber = _json(officer.get(f"/indicators/packs/{ids['amber pack']}"))
    kind = amber["types"][0]
    only = _json(officer.get(f"/indicators/packs/{ids['amber pack']}", type=kind))
    assert only["items"] and {i["type"] for i in only["items"]} == {kind} and only["total"] <= amber["total"]
    error_of(analyst.get("/indicators/packs/999999"), 404)
    error_of(analyst.get(f"/indicators/packs/{2**63 + 1}"), 404)
    error_of(analyst.get(f"/indicators/packs/{ids['amber pack']}", type="nonsense"), 422)


def test_imports_by_the_csirt_and_bad_files(world: World) -> None:
    analyst, officer = Api(world.tokens["analyst"]), Api(world.tokens["officer_b"])
    data = (DATA / "stix_bundle_sample.json").read_bytes()
    made = _json(_upload(analyst, "chia-se.stix.json", data, name="webshells", tlp="green", source="VNCERT"),
                 201)
    assert made["pack"]["name"] == "webshells" and made["pack"]["source"] == "VNCERT"
    assert made["added"] > 0 and made["merged"] is False and made["pack"]["count"] == made["added"]
    again = _json(_upload(analyst, "chia-se.stix.json", data, name="webshells"), 201)
    assert again["merged"] is True and again["added"] == 0 and again["already"] == made["added"]
    (logged, _second) = _events("indicators.imported")
    assert logged.actor == "analyst" and logged.address == "192.0.2.20"
    error_of(_upload(officer, "x.json", data, name="by officer"), 403)
    for name, bad in (("broken.stix.json", b'{"type": "bundle", "objects": [1, 2'),
                      ("wrong.misp.json", b'{"Event": "not an object"}'),
                      ("deep.json", b"[" * 200_000),
                      ("binary.json", b"\xff\xfe\x00garbage"),
                      ("nothing.json", b'{"type": "bundle", "objects": []}')):
        refused = error_of(_upload(analyst, name, bad), 422)
        assert "\n" not in refused["message"] and "Traceback" not in refused["message"], refused
    error_of(_upload(analyst, "x.json", data, tlp="purple"), 422)
    assert set(IndicatorPack.objects.values_list("name", flat=True)) == {"webshells"}


def test_an_incident_s_indicators_exported(world: World) -> None:
    theirs = _incident(A, "ip:185.220.101.4", "domain:c2.example.net")
    own = _incident(B, "sha256:" + "a" * 64)
    secret = _incident(B, "url:https://x.example/dl", confidential=True)
    bare = _incident(B)
    analyst, officer, leader = (Api(world.tokens[n]) for n in ("analyst", "officer_b", "leader"))
    answer = analyst.get(f"/incidents/{theirs}/indicators", format="stix", tlp="green")
    assert answer.status_code == 200 and answer["X-TLP"] == "TLP:GREEN"
    assert "attachment" in answer["Content-Disposition"]
    bundle = stix2.parse(answer.content.decode(), allow_custom=False)
    patterns = sorted(o.pattern for o in bundle.objects if o.type == "indicator")
    assert patterns == ["[domain-name:value = 'c2.example.net']", "[ipv4-addr:value = '185.220.101.4']"]
    misp = json.loads(officer.get(f"/incidents/{own}/indicators", format="misp").content)
    assert misp["Event"]["Attribute"][0]["value"] == "a" * 64
    assert {"name": "tlp:amber"}.items() <= misp["Event"]["Tag"][0].items()
    error_of(officer.get(f"/incidents/{theirs}/indicators"), 404)
    error_of(leader.get(f"/incidents/{theirs}/indicators"), 403)
    error_of(officer.get("/incidents/999999/indicators"), 404)
    low = error_of(officer.get(f"/incidents/{secret}/indicators", tlp="amber"), 409)
    assert "TLP:RED" in low["message"]
    assert analyst.get(f"/incidents/{secret}/indicators")["X-TLP"] == "TLP:RED"
    error_of(analyst.get(f"/incidents/{bare}/indicators"), 409)
    error_of(analyst.get(f"/incidents/{own}/indicators", format="csv"), 422)
    logged = _events("indicators.exported")
    assert [(e.actor, e.detail["incident"], e.detail["tlp"]) for e in logged] == [
        ("analyst", theirs, "green"), ("officer_b", own, "amber"), ("analyst", secret, "red")]


def test_links_notifications_capacity_and_details(world: World) -> None:
    analyst, officer, leader = (Api(world.tokens[n]) for n in ("analyst", "officer_b", "leader"))
    own, theirs = _incident(B), _incident(A)
    base = f"/incidents/{own}"
    link = {"kind": "indicator", "ref": "ip:203.0.113.5", "note": "C2"}
    linked = _json(officer.post(f"{base}/links", link))
    assert linked["links"][-1]["ref"] == "ip:203.0.113.5"
    assert [k["kind"] for k in _json(officer.get(f"{base}/links"))] == ["indicator"]
    error_of(officer.post(f"{base}/links", {"kind": "nonsense", "ref": "x"}), 422)
    assert _json(officer.get(f"{base}/notifications"))["missing_parties"] == [
        "owner_agency", "response_unit", "national_coordinator"]
    for party in ("owner_agency", "response_unit", "national_coordinator"):
        done = _json(officer.post(f"{base}/notifications", {"party": party, "recipient": f"{party}@gov.vn",
                                                           "reference": "12/BC", "initial_report": True}))
    assert done["clock"] == "reported" and done["reported_at"]
    told = _json(officer.get(f"{base}/notifications"))
    assert len(told["items"]) == 3 and told["missing_parties"] == [] and told["reported_at"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    late = {"party": "other", "recipient": "x", "sent_at": future}
    error_of(officer.post(f"{base}/notifications", late), 422)
    other = _incident(B)
    assert _json(analyst.get(f"/incidents/{other}/capacity"))["beyond_capacity"] is False
    flagged = _json(analyst.post(f"/incidents/{other}/capacity", {"beyond_capacity": True, "reason": "APT"}))
    assert flagged["beyond_capacity"] is True and flagged["immediate"] is True
    back = _json(analyst.post(f"/incidents/{other}/capacity", {"beyond_capacity": False}))
    assert back["immediate"] is False
    changed = _json(officer.patch(f"{base}/details", {
        "contact": {"name": "Trần Văn Bình", "email": "binh@beta.gov.vn"},
        "system": {"name": "Cổng một cửa", "level": 3, "public_ips": ["203.0.113.7"], "services": ["web"]},
        "detection_methods": ["ids"], "confidential": True, "helpers": ["VNCERT"], "category": "malware"}))
    details = changed["details"]
    assert details["contact"]["name"] == "Trần Văn Bình" and details["system"]["level"] == 3
    assert details["system"]["public_ips"] == ["203.0.113.7"] and details["confidential"] is True
    assert details["helpers"] == ["VNCERT"] and changed["category"] == "malware"
    kept = _json(officer.patch(f"{base}/details", {"contact": {"phone": "0912 000 111"}}))["details"]
    assert kept["contact"] == {"name": "Trần Văn Bình", "position": "", "phone": "0912 000 111",
                               "email": "binh@beta.gov.vn"}
    assert _json(officer.get(base))["details"]["system"]["name"] == "Cổng một cửa"
    error_of(officer.patch(f"{base}/details", {"contact": {"email": "not-an-address"}}), 422)
    error_of(officer.patch(f"{base}/details", {"system": {"public_ips": ["x.y"]}}), 422)
    error_of(officer.patch(f"{base}/details", {"detection_methods": ["guess"]}), 422)
    error_of(officer.patch(f"{base}/details", {"unknown": 1}), 422)
    for method, path, body in (("get", "links", None), ("post", "links", {"kind": "asset", "ref": "x"}),
                               ("get", "notifications", None),
                               ("post", "notifications", {"party": "other", "recipient": "x"}),
                               ("get", "capacity", None), ("post", "capacity", {"beyond_capacity": True}),
                               ("patch", "details", {"result": "x"})):
        call = getattr(officer, method)
        error_of(call(f"/incidents/{theirs}/{path}", *([body] if body is not None else [])), 404)
    error_of(leader.post(f"{base}/links", {"kind": "asset", "ref": "x"}), 403)
    error_of(leader.patch(f"{base}/details", {"result": "x"}), 403)
    assert _json(leader.get(f"{base}/notifications"))["reported_at"]
