"""OSV and NVD importers on hand-written samples in the real formats, the SQLite index, the bundled
data set, and hostile or malformed feed files (clear errors naming file and entry, never a crash)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from canhgac.engine.vulns import (
    FeedError,
    VulnIndex,
    VulnIndexError,
    bundled_advisories,
    create_index,
    load_feed,
    open_scan_index,
)
from canhgac.engine.vulns import feeds as feeds_module
from canhgac.engine.vulns.components import similar
from canhgac.engine.vulns.models import Level
from canhgac.i18n import language

DATA = Path(__file__).parents[2] / "data" / "vulns"
OSV = DATA / "osv-sample.json"
NVD = DATA / "nvd-sample.json"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are matched in English here (their Vietnamese: tests/i18n)."""
    with language("en"):
        yield


def ids(index: VulnIndex, component: str, version: str) -> list[str]:
    return sorted(cve for m in index.match(component, version) for cve in m.advisory.cve_ids)


def test_osv_sample_loads_with_ranges_and_scores() -> None:
    result = load_feed(OSV)
    assert result.format == "osv" and result.problems == ()
    assert result.skipped == 2  # the withdrawn record and the git-only one
    by_id = {a.id: a for a in result.advisories}
    joomla = by_id["GHSA-SAMPLE-joomla-23752"]
    assert joomla.cve_ids == ("CVE-2023-23752",)
    assert joomla.severity.score == 5.3 and joomla.severity.level is Level.MEDIUM
    assert joomla.affected[0].component == "joomla"
    assert by_id["GHSA-SAMPLE-drupal-7600"].severity.level is Level.CRITICAL  # database_specific word
    assert len(by_id["GHSA-SAMPLE-drupal-7600"].affected[0].ranges) == 4


def test_nvd_sample_loads_cpe_ranges_and_exact_versions() -> None:
    result = load_feed(NVD)
    assert result.format == "nvd" and result.problems == ()
    assert result.skipped == 1  # the rejected CVE
    by_id = {a.id: a for a in result.advisories}
    assert by_id["CVE-2021-42013"].affected[0].versions == ("2.4.49", "2.4.50")
    assert by_id["CVE-2023-23752"].affected[0].component == "joomla"  # cpe joomla\! unescaped and mapped
    assert [a.component for a in by_id["CVE-2017-7269"].affected] == ["microsoft-iis"]  # not the platform
    assert by_id["CVE-2019-9978"].affected[0].component == "cpe:warfareplugins:social_warfare"
    assert by_id["CVE-2021-41773"].severity.score == 7.5


def test_matcher_finds_planted_versions_and_not_fixed_ones() -> None:
    advisories = [*load_feed(OSV).advisories, *load_feed(NVD).advisories]
    with VulnIndex.in_memory(advisories) as index:
        assert ids(index, "joomla", "4.2.7") == ["CVE-2023-23752"]  # OSV and NVD copies merged
        assert ids(index, "joomla", "4.2.8") == []
        assert ids(index, "joomla", "3.10.11") == []
        assert ids(index, "apache-httpd", "2.4.49") == ["CVE-2021-41773", "CVE-2021-42013"]
        assert ids(index, "apache-httpd", "2.4.50") == ["CVE-2021-42013"]
        assert ids(index, "apache-httpd", "2.4.51") == []
        assert ids(index, "wordpress", "5.0.0") == ["CVE-2019-8942"]
        assert ids(index, "wordpress", "5.0.1") == []
        assert ids(index, "drupal", "7.57") == ["CVE-2018-7600"]
        assert ids(index, "drupal", "8.4.6") == []
        assert ids(index, "jquery", "3.3.1") == ["CVE-2019-11358", "CVE-2020-11022"]
        assert ids(index, "jquery", "3.5.0") == []
        assert ids(index, "microsoft-iis", "6.0") == ["CVE-2017-7269"]
        assert ids(index, "microsoft-iis", "10.0") == []
        worst = index.match("apache-httpd", "2.4.49")[0]
        assert worst.advisory.id == "CVE-2021-42013"  # most severe first


def test_index_persists_replaces_and_reopens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ws" / "vulns.sqlite3"
    with create_index(path) as index:
        seeded = index.count()
        assert seeded == len(bundled_advisories())
        index.add(load_feed(NVD).advisories, "nvd-sample.json")
        index.add(load_feed(NVD).advisories, "nvd-sample.json")  # again: replaced, not doubled
        total = index.count()
    assert total == seeded + 1  # only the plugin CVE is new; the others replace the bundled copies
    with open_scan_index(str(path)) as index:
        assert index.count() == total
        assert "CVE-2023-23752" in ids(index, "joomla", "4.2.7")
        with pytest.raises(sqlite3.OperationalError):
            index.add(load_feed(OSV).advisories, "x")  # scans open it read-only


def test_the_index_knows_which_products_it_names() -> None:
    with open_scan_index(None) as index:
        assert index.knows("joomla") and index.knows("apache-httpd")
        assert not index.knows("nosuch") and not index.knows("")
        known = [name for name, _count in index.components()]
    assert similar("jooomla", known)[0] == "joomla"
    assert similar("apache-http", known)[0] == "apache-httpd"
    assert similar("nosuch", known) == []


def test_similar_finds_a_product_under_its_prefixed_name() -> None:
    known = ["cpe:warfareplugins:social_warfare", "joomla", "osv:npm:lodash", "php"]
    assert similar("social-warfare", known) == ["cpe:warfareplugins:social_warfare"]
    assert similar("Social_Warfare", known) == ["cpe:warfareplugins:social_warfare"]
    assert similar("lodahs", known) == ["osv:npm:lodash"]
    assert similar("php", known) == ["php"]
    assert similar("warfare", known) == ["cpe:warfareplugins:social_warfare"]  # part of the product
    assert similar("xq", known) == []


def test_bad_index_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(VulnIndexError, match="no vulnerability index"):
        open_scan_index(str(tmp_path / "missing.sqlite3"))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(VulnIndexError, match=r"junk\.sqlite3"):
        open_scan_index(str(junk))
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(VulnIndexError, match=r"other\.sqlite3"):
        open_scan_index(str(other))


def test_damaged_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    create_index(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE advisory SET data = '{broken' WHERE id = 'CVE-2023-23752'")
    db.commit()
    db.close()
    with open_scan_index(str(path)) as index, pytest.raises(VulnIndexError, match="CVE-2023-23752"):
        index.match("joomla", "4.2.7")


def test_bundled_data_is_well_formed_and_cited() -> None:
    advisories = bundled_advisories()
    assert 30 <= len(advisories) <= 60
    assert len({a.id for a in advisories}) == len(advisories)
    wanted = {"joomla", "wordpress", "drupal", "dotnetnuke", "liferay-portal", "apache-httpd", "nginx",
              "microsoft-iis", "php", "jquery"}
    assert {c for a in advisories for c in a.components()} == wanted
    for adv in advisories:
        assert adv.id.startswith("CVE-") and adv.source.startswith("https://")
        assert adv.summary and adv.severity.level is not Level.UNKNOWN
        assert all(a.ranges or a.versions for a in adv.affected)


def test_bundled_index_matches_the_demo_plants() -> None:
    with open_scan_index(None) as index:
        assert ids(index, "joomla", "4.2.7") == ["CVE-2023-23752"]
        assert ids(index, "joomla", "4.2.8") == []
        assert "CVE-2021-41773" in ids(index, "apache-httpd", "2.4.49")
        assert ids(index, "apache-httpd", "2.4.62") == []
        assert ids(index, "wordpress", "4.7.1") == ["CVE-2017-1001000", "CVE-2019-8942"]
        assert ids(index, "liferay-portal", "7.2.0") == ["CVE-2020-7961"]
        assert ids(index, "php", "8.3.8") == []


# --- hostile and malformed feeds --------------------------------------------------------


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not JSON"),
    (b"\xff\xfe\x00garbage\x80", "not UTF-8"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ({"hello": "world"}, "neither an OSV nor an NVD"),
    ("42", "neither an OSV nor an NVD"),
])
def test_unusable_files_name_the_file(tmp_path: Path, content: object, expected: str) -> None:
    path = write(tmp_path, "feed.json", content)
    with pytest.raises(FeedError, match=expected) as caught:
        load_feed(path)
    assert "feed.json" in str(caught.value)


def test_missing_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FeedError, match=r"absent\.json: cannot read"):
        load_feed(tmp_path / "absent.json")
    monkeypatch.setattr(feeds_module, "MAX_FEED_BYTES", 10)
    with pytest.raises(FeedError, match="more than"):
        load_feed(write(tmp_path, "big.json", {"vulns": []}))


def test_forced_format_on_the_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="not an NVD"):
        load_feed(write(tmp_path, "x.json", "42"), "nvd")
    with pytest.raises(FeedError, match="unknown format"):
        load_feed(OSV, "csv")


def test_malformed_osv_entries_are_named_and_skipped(tmp_path: Path) -> None:
    jquery = {"ecosystem": "npm", "name": "jquery"}
    records = [
        *json.loads(OSV.read_text(encoding="utf-8"))[:1],
        {"summary": "no id"},
        {"id": "BAD-RANGE", "affected": [
            {"package": jquery, "ranges": [{"type": "SEMVER", "events": [{"introduced": "zzz"}]}]}]},
        {"id": "BAD-EVENT", "affected": [{"package": jquery,
                                          "ranges": [{"type": "SEMVER", "events": [{"broken": "1"}]}]}]},
        "a string",
        {"id": "BAD-AFFECTED", "affected": "everything"},
    ]
    result = load_feed(write(tmp_path, "osv.json", records))
    assert [a.id for a in result.advisories] == ["GHSA-SAMPLE-joomla-23752"]
    labels = [p.entry for p in result.problems]
    assert labels == ["#2", "#3 (BAD-RANGE)", "#4 (BAD-EVENT)", "#5", "#6 (BAD-AFFECTED)"]
    assert all("osv.json" in str(p) for p in result.problems)


def test_malformed_nvd_entries_are_named_and_skipped(tmp_path: Path) -> None:
    good = json.loads(NVD.read_text(encoding="utf-8"))["vulnerabilities"][2]
    bad_cpe = {"cve": {"id": "CVE-2000-0001", "configurations": [{"nodes": [{"cpeMatch": [
        {"vulnerable": True, "criteria": "not-a-cpe"}]}]}]}}
    bad_version = {"cve": {"id": "CVE-2000-0002", "configurations": [{"nodes": [{"cpeMatch": [
        {"vulnerable": True, "criteria": "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*",
         "versionEndExcluding": "??"}]}]}]}}
    bad_nodes = {"cve": {"id": "CVE-2000-0003", "configurations": [{"nodes": "x"}]}}
    doc = {"vulnerabilities": [good, bad_cpe, bad_version, bad_nodes, {"nope": 1}, None]}
    result = load_feed(write(tmp_path, "nvd.json", doc))
    assert [a.id for a in result.advisories] == ["CVE-2023-23752"]
    assert [p.entry for p in result.problems] == [
        "#2 (CVE-2000-0001)", "#3 (CVE-2000-0002)", "#4 (CVE-2000-0003)", "#5", "#6"]
    assert "not-a-cpe" in result.problems[0].problem
