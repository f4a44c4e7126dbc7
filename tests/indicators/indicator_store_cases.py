"""Indicator packs on a real store: an import stored and merged on re-import, the TLP rule (RED
and AMBER+STRICT packs hidden from everyone but the CSIRT's staff, and their names not taken
over), a file's marking never lowered, an incident's indicators exported as STIX and MISP and
imported back unchanged, the incident's scope kept, and the security log's entries.

Not collected directly: ``test_indicator_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stix2  # type: ignore[import-untyped]

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-indicators-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from canhgac.console.store import indicator_queries, queries, services  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.incident_models import Incident, IncidentEntry, IncidentLink  # noqa: E402
from canhgac.console.store.indicator_models import IndicatorPack, PackIndicator  # noqa: E402
from canhgac.console.store.roles import Role  # noqa: E402
from canhgac.incidents.holidays import HolidayCalendar  # noqa: E402
from canhgac.services import incidents, indicators  # noqa: E402
from canhgac.services.incidents_settings import IncidentSettings  # noqa: E402

DATA = Path(__file__).parent / "data"
CSIRT = indicators.PackAudience.of_role(Role.CSIRT_ANALYST)
OFFICER = indicators.PackAudience.of_role(Role.AGENCY_OFFICER)
LEADER = indicators.PackAudience.of_role(Role.LEADER)
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
SETTINGS = IncidentSettings(holidays=HolidayCalendar(years={2026: "announced"}))


@pytest.fixture(autouse=True)
def _store() -> Iterator[None]:
    services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]},
                            {"code": "SO-B", "name": "Sở B", "domains": ["b.gov.vn"]}])
    yield
    for model in (PackIndicator, IndicatorPack, IncidentLink, SecurityEvent):
        model.objects.all().delete()
    IncidentEntry.objects.all()._raw_delete(IncidentEntry.objects.db)  # append-only by design
    Incident.objects.all().delete()


def _import(audience: indicators.PackAudience, path: Path, **kw: object) -> indicators.ImportResult:
    return indicators.import_file(audience, path, actor="cli:tester", now=NOW, **kw)  # type: ignore[arg-type]


def test_an_import_is_stored_and_merged_on_reimport() -> None:
    sample = DATA / "misp_event_sample.json"
    first = _import(CSIRT, sample)
    assert (first.name, first.tlp, first.added, first.merged) == (
        "Phishing wave against provincial agencies (sample)", indicators.Tlp.AMBER, 12, False)
    assert first.skipped_count == 4 and first.duplicates == 1
    again = _import(CSIRT, sample)
    assert (again.added, again.already, again.merged) == (0, 12, True)
    assert PackIndicator.objects.count() == 12
    pack = IndicatorPack.objects.get()
    assert len(pack.digests) == 1 and pack.skipped_count == 4 and pack.skipped[0]["reason"]
    log = list(SecurityEvent.objects.filter(kind="indicators.imported").order_by("pk"))
    assert [e.detail["added"] for e in log] == [12, 0] and log[0].actor == "cli:tester"
    assert log[0].detail["tlp"] == "amber" and len(log[0].detail["sha256"]) == 64


def test_restricted_packs_are_for_the_csirt_only() -> None:
    _import(CSIRT, DATA / "stix_bundle_sample.json", name="amber pack")
    _import(CSIRT, DATA / "misp_event_sample.json", name="red pack", tlp=indicators.Tlp.RED)
    strict = _import(CSIRT, DATA / "misp_event_sample.json", name="strict pack",
                     tlp=indicators.Tlp.AMBER_STRICT)
    assert strict.tlp is indicators.Tlp.AMBER_STRICT
    assert [r.name for r in indicators.pack_rows(CSIRT)] == ["amber pack", "red pack", "strict pack"]
    for other in (OFFICER, LEADER):
        assert [r.name for r in indicators.pack_rows(other)] == ["amber pack"]
        with pytest.raises(indicators.IndicatorError, match="no indicator pack"):
            indicators.pack_indicators(other, "red pack")
        assert not indicator_queries.pack_indicators(other, "strict pack").exists()
        assert {i.pack.name for i in indicator_queries.sweep_indicators(other)} == {"amber pack"}
    head, items = indicators.pack_indicators(CSIRT, "red pack")
    assert head.tlp is indicators.Tlp.RED and len(items) == 12
    # an officer may not take over (nor learn more of) a restricted pack by its name
    with pytest.raises(indicators.PackError, match="taken"):
        _import(OFFICER, DATA / "stix_bundle_sample.json", name="red pack")
    with pytest.raises(indicators.PackError, match="TLP:RED pack would be hidden"):
        _import(OFFICER, DATA / "stix_bundle_sample.json", name="new", tlp=indicators.Tlp.RED)
    assert PackIndicator.objects.filter(pack__name="red pack").count() == 12


def test_a_marking_is_never_lowered(tmp_path: Path) -> None:
    done = _import(CSIRT, DATA / "misp_event_sample.json", name="p", tlp=indicators.Tlp.CLEAR)
    assert done.tlp is indicators.Tlp.AMBER and done.stated_tlp is indicators.Tlp.AMBER
    listing = tmp_path / "more.txt"
    listing.write_text("203.0.113.77\n", encoding="utf-8")
    merged = _import(CSIRT, listing, name="p", tlp=indicators.Tlp.GREEN)
    assert merged.tlp is indicators.Tlp.AMBER and merged.added == 1


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    for content, message in ((b"nothing useful here\n", "no indicators"), (b"{", "not valid JSON")):
        path = tmp_path / "bad.txt"
        path.write_bytes(content)
        with pytest.raises(indicators.IndicatorError, match=message):
            _import(CSIRT, path)
    with pytest.raises(indicators.IndicatorError, match="not a file"):
        _import(CSIRT, tmp_path)
    assert not IndicatorPack.objects.exists()


def _incident(agency: str, *refs: str) -> int:
    links = tuple(incidents.LinkRequest(incidents.LinkKind.INDICATOR, ref, "seen in the web log")
                  for ref in refs)
    return incidents.open_incident(queries.ViewerScope.everything(), SETTINGS, incidents.Actor("cli:tester"),
                                   agency=agency, title="Webshell trên cổng", detected_at=NOW, links=links,
                                   now=NOW)


def _config(tmp_path: Path, name: str = "Sở Khoa học và Công nghệ") -> Path:
    path = tmp_path / "canhgac.toml"
    path.write_text(f'[forms.issuer]\nname = "{name}"\nemail = "csirt@kiengiang.gov.vn"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["stix", "misp"])
def test_an_incident_exported_and_imported_back(tmp_path: Path, fmt: str) -> None:
    refs = ("ip:198.51.100.7", "domain:shell.example.net", "sha256:" + "ab" * 32, "filename:cmd.aspx",
            "url:http://shell.example.net/cmd.aspx", "email:x@shell.example.net", "other:a rumour")
    incident = _incident("SO-A", *refs)
    done = indicators.export_incident(queries.ViewerScope.everything(), _config(tmp_path), incident, fmt,
                                      tlp=None, actor="cli:tester", now=NOW)
    assert done.count == 6 and done.tlp is indicators.Tlp.AMBER
    assert [s.where for s in done.skipped] == ["other:a rumour"]
    if fmt == "stix":
        bundle = stix2.parse(done.text, allow_custom=False)
        assert next(o for o in bundle.objects if o.type == "identity").name == "Sở Khoa học và Công nghệ"
    out = tmp_path / f"incident.{fmt}.json"
    out.write_text(done.text, encoding="utf-8")
    back = _import(CSIRT, out)
    assert back.added == 6 and back.skipped_count == 0 and back.tlp is indicators.Tlp.AMBER
    _head, items = indicators.pack_indicators(CSIRT, back.name)
    assert {f"{i.kind.value}:{i.value}" for i in items} == {
        "ipv4:198.51.100.7", "domain:shell.example.net", "sha256:" + "ab" * 32, "filename:cmd.aspx",
        "url:http://shell.example.net/cmd.aspx", "email:x@shell.example.net"}
    event = SecurityEvent.objects.get(kind="indicators.exported")
    assert event.detail == {"incident": incident, "agency": "SO-A", "format": fmt, "tlp": "amber",
                            "indicators": 6}


def test_exports_keep_the_incident_scope_and_need_a_named_csirt(tmp_path: Path) -> None:
    incident = _incident("SO-A", "ip:198.51.100.8")
    empty = _incident("SO-A")
    only_b = queries.ViewerScope.agencies({"SO-B"})
    with pytest.raises(indicators.IndicatorError, match=f"no incident {incident}"):
        indicators.export_incident(only_b, _config(tmp_path), incident, "stix", tlp=None, actor="t")
    with pytest.raises(indicators.IndicatorError, match="no indicators to share"):
        indicators.export_incident(queries.ViewerScope.everything(), _config(tmp_path), empty, "misp",
                                   tlp=None, actor="t")
    with pytest.raises(indicators.IndicatorError, match=r"\[forms.issuer\]"):
        indicators.export_incident(queries.ViewerScope.everything(), tmp_path / "none.toml", incident, "misp",
                                   tlp=None, actor="t")
    red = indicators.export_incident(queries.ViewerScope.everything(), _config(tmp_path), incident, "misp",
                                     tlp=indicators.Tlp.RED, actor="t")
    assert '"tlp:red"' in red.text
    Incident.objects.filter(pk=incident).update(confidential=True)
    assert indicators.export_incident(queries.ViewerScope.everything(), _config(tmp_path), incident, "stix",
                                      tlp=None, actor="t").tlp is indicators.Tlp.RED
    assert not SecurityEvent.objects.filter(kind="indicators.exported", detail__incident=empty).exists()
