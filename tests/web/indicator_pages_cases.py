"""The indicator pages and the incident page's export through Django's test client, on the store
of ``console_cases`` (agencies A and B), once per backend (``test_indicator_pages_backends``):

- ``/indicators/`` lists what each role may see (B's officer and the leader: no RED or
  AMBER+STRICT pack, and 404 for their pages and exports); a pack's page filters by type and
  pages by 100; its CSV export reads back;
- the import form for the CSIRT (an officer 403), a malformed STIX or MISP file a one-line error
  on the page (400) and nothing stored, a CSRF token required;
- the incident page's export: STIX (parsed with ``stix2``) or MISP with the TLP chosen, logged;
  B's officer gets 404 for A's incident, a leader 403; a confidential incident below RED and an
  unknown level are one line on the page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stix2
from console_cases import World, _client, _text, world
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from web_store_support import A, B

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.indicator_models import IndicatorPack
from canhgac.console.store.roles import Role
from canhgac.services import incidents, indicators

__all__ = ["world"]  # the fixture

DATA = Path(__file__).parent.parent / "indicators" / "data"
CSIRT = indicators.PackAudience.of_role(Role.CSIRT_ANALYST)


@pytest.fixture(autouse=True)
def issuer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "canhgac.toml"
    config.write_text('[forms.issuer]\nname = "Sở Khoa học và Công nghệ"\n', encoding="utf-8")
    monkeypatch.setenv("CANHGAC_CONFIG", str(config))


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:1500])
    return _text(answer)


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


def test_packs_by_role(world: World) -> None:
    ids = _packs()
    page = _ok(_client("analyst").get("/indicators/"))
    assert 'aria-current="page">Dấu hiệu</a>' in page
    assert all(name in page for name in ids) and "TLP:RED" in page and 'id="import-pack"' in page
    for who in ("officer_b", "leader"):
        client = _client(who)
        page = _ok(client.get("/indicators/"))
        assert "amber pack" in page and "red pack" not in page and "strict pack" not in page
        assert 'id="import-pack"' not in page
        for name in ("red pack", "strict pack"):
            _ok(client.get(f"/indicators/{ids[name]}/"), 404)
            _ok(client.get(f"/indicators/{ids[name]}/export/"), 404)
    _ok(_client("analyst").get("/indicators/999999/"), 404)
    _ok(_client("analyst").get(f"/indicators/{2**63 + 1}/"), 404)


def test_a_pack_filtered_paged_and_exported(world: World) -> None:
    values = "\n".join(f"203.0.113.{i % 250 + 1}" if i < 250 else f"host{i}.example.net" for i in range(260))
    indicators.import_data(CSIRT, values.encode(), "list.txt", name="big", actor="seed")
    pack_id = IndicatorPack.objects.get(name="big").pk
    client = _client("officer_b")
    page = _ok(client.get(f"/indicators/{pack_id}/"))
    assert page.count("<code class=\"ref\">") == 100
    assert 'rel="next"' in page
    only = _ok(client.get(f"/indicators/{pack_id}/", {"type": "domain"}))
    assert only.count("<code class=\"ref\">") == 10 and "host250.example.net" in only
    last = _ok(client.get(f"/indicators/{pack_id}/", {"page": "99"}))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    _ok(client.get(f"/indicators/{pack_id}/", {"type": "nonsense", "page": "x"}))
    exported = client.get(f"/indicators/{pack_id}/export/")
    assert exported.status_code == 200 and exported["X-TLP"] == "TLP:AMBER"
    lines = exported.content.decode().splitlines()
    assert lines[0] == "type,value,note" and len(lines) == 261
    again = indicators.import_data(CSIRT, exported.content, "back.csv", name="back", actor="t")
    assert again.added == 260


def test_imports_from_the_page(world: World) -> None:
    client = _client("analyst")
    data = (DATA / "stix_bundle_sample.json").read_bytes()
    answer = client.post("/indicators/", {"file": SimpleUploadedFile("chia-se.json", data),
                                          "name": "webshells", "tlp": "green", "source": "VNCERT"})
    assert answer.status_code == 302 and "?added=" in answer["Location"]
    page = _ok(client.get(answer["Location"]))
    assert 'id="imported"' in page and "webshells" in page and "VNCERT" in page
    (logged,) = SecurityEvent.objects.filter(kind="indicators.imported")
    assert logged.actor == "analyst" and logged.address == "192.0.2.10"
    for name, bad in (("broken.json", b'{"type": "bundle", "objects": [1, 2'),
                      ("wrong.misp.json", b'{"Event": "not an object"}'),
                      ("deep.json", b"[" * 200_000),
                      ("empty.json", b'{"type": "bundle", "objects": []}')):
        page = _ok(client.post("/indicators/", {"file": SimpleUploadedFile(name, bad)}), 400)
        error = page.split('id="import-error">', 1)[1].split("</p>", 1)[0]
        assert "\n" not in error and "Traceback" not in page and "Không nhập gì cả" in error, error
    _ok(client.post("/indicators/", {}), 400)
    _ok(client.post("/indicators/", {"file": SimpleUploadedFile("x.json", data), "tlp": "purple"}), 400)
    _ok(_client("officer_b").post("/indicators/", {"file": SimpleUploadedFile("x.json", data)}), 403)
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.10")
    strict.cookies = client.cookies
    assert strict.post("/indicators/", {"file": SimpleUploadedFile("x.json", data)}).status_code == 403
    assert list(IndicatorPack.objects.values_list("name", flat=True)) == ["webshells"]


def test_an_incident_s_indicators_exported_from_its_page(world: World) -> None:
    theirs = _incident(A, "ip:185.220.101.4", "domain:c2.example.net")
    own = _incident(B, "sha256:" + "b" * 64)
    secret = _incident(B, "url:https://x.example/dl", confidential=True)
    bare = _incident(B)
    analyst, officer, leader = _client("analyst"), _client("officer_b"), _client("leader")
    page = _ok(analyst.get(f"/incidents/{theirs}/"))
    assert 'id="indicators"' in page and "TLP:AMBER</option>" in page
    assert 'id="indicators"' not in _ok(analyst.get(f"/incidents/{bare}/"))
    assert 'value="red" selected' in _ok(officer.get(f"/incidents/{secret}/"))
    answer = analyst.post(f"/incidents/{theirs}/indicators/", {"format": "stix", "tlp": "green"})
    assert answer.status_code == 200 and answer["X-TLP"] == "TLP:GREEN"
    bundle = stix2.parse(answer.content.decode(), allow_custom=False)
    assert len([o for o in bundle.objects if o.type == "indicator"]) == 2
    sent = officer.post(f"/incidents/{own}/indicators/", {"format": "misp", "tlp": "amber"})
    misp = json.loads(sent.content)
    assert misp["Event"]["Attribute"][0]["value"] == "b" * 64
    _ok(officer.post(f"/incidents/{theirs}/indicators/", {"format": "stix"}), 404)
    _ok(leader.post(f"/incidents/{own}/indicators/", {"format": "stix"}), 403)
    _ok(officer.get(f"/incidents/{own}/indicators/"), 405)
    low = _ok(officer.post(f"/incidents/{secret}/indicators/", {"format": "stix", "tlp": "amber"}), 400)
    assert 'id="error-indicators"' in low and "TLP:RED" in low
    _ok(officer.post(f"/incidents/{own}/indicators/", {"format": "stix", "tlp": "purple"}), 400)
    _ok(officer.post(f"/incidents/{own}/indicators/", {"format": "csv"}), 400)
    logged = SecurityEvent.objects.filter(kind="indicators.exported").order_by("pk")
    assert [(e.actor, e.address, e.detail["format"]) for e in logged] == [
        ("analyst", "192.0.2.10", "stix"), ("officer_b", "192.0.2.10", "misp")]
