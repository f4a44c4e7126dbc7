"""Version ordering for CMS and server versions, and CVSS v3 scoring of OSV vectors."""

from __future__ import annotations

import pytest

from canhgac.engine.vulns import VulnIndex, open_scan_index
from canhgac.engine.vulns.cvss import cvss3_base_score, rating
from canhgac.engine.vulns.models import Affected, VersionRange
from canhgac.engine.vulns.version import (
    ComponentVersion,
    VersionError,
    branch_bounds,
    is_version,
    parse_version,
)


def v(text: str) -> ComponentVersion:
    return parse_version(text)


@pytest.mark.parametrize(("lower", "higher"), [
    ("2.4.49", "2.4.50"),
    ("2.4.9", "2.4.49"),  # numeric, not lexical
    ("9.3.9", "9.3.10"),
    ("1.9.15", "1.18.0"),
    ("4.7.5.1", "4.7.5.2"),
    ("4.7.5", "4.7.5.2"),
    ("4.0.0-beta2", "4.0.0-rc1"),
    ("4.0.0-rc1", "4.0.0"),
    ("9.3.0-preview2", "9.3.0"),
    ("1.0.1", "1.0.1f"),  # a patch letter after the release
    ("1.0.1f", "1.0.1g"),
    ("1.0.1g", "1.0.2"),
    ("3.4.5", "3.4.6"),
    ("7.58", "8.0.0"),
])
def test_ordering(lower: str, higher: str) -> None:
    assert v(lower) < v(higher)
    assert v(higher) > v(lower)


@pytest.mark.parametrize(("a", "b"), [
    ("4.2", "4.2.0"),
    ("v4.2.7", "4.2.7"),
    ("Version 4.2.7", "4.2.7"),
    ("2.4.41-4ubuntu3", "2.4.41"),  # a distribution label is ignored...
    ("7.2.0 CE GA1", "7.2.0"),
    ("1:1.18.0-6ubuntu14", "1.18.0"),  # ...and so is a Debian epoch
])
def test_equal_versions(a: str, b: str) -> None:
    assert v(a) == v(b)
    assert hash(v(a)) == hash(v(b))


def test_labelled_versions_are_flagged() -> None:
    assert v("2.4.41-4ubuntu3").labelled
    assert not v("2.4.41").labelled


@pytest.mark.parametrize("bad", ["", "   ", "latest", "abc.def", "*", "-", "x" * 200])
def test_not_versions(bad: str) -> None:
    with pytest.raises(VersionError):
        parse_version(bad)
    assert not is_version(bad)


def test_range_semantics() -> None:
    fixed = VersionRange("4.0.0", fixed="4.2.8")
    assert fixed.contains(v("4.0.0")) and fixed.contains(v("4.2.7"))
    assert not fixed.contains(v("4.2.8")) and not fixed.contains(v("3.10.11"))
    last = VersionRange("0", last_affected="3.3.1")
    assert last.contains(v("3.3.1")) and not last.contains(v("3.4.0"))
    exclusive = VersionRange("2.4.0", introduced_exclusive=True, fixed="2.4.60")
    assert not exclusive.contains(v("2.4.0")) and exclusive.contains(v("2.4.1"))
    assert VersionRange("1.3.9").contains(v("99.0"))  # no end: every later version


def test_fix_for_picks_the_branch_fix() -> None:
    affected = Affected("drupal", (VersionRange("0", fixed="7.58"), VersionRange("8.4.0", fixed="8.4.6"),
                                   VersionRange("8.5.0", fixed="8.5.1")))
    assert affected.fix_for(v("7.57")) == "7.58"
    assert affected.fix_for(v("8.4.2")) == "8.4.6"
    assert affected.fixed_versions == ("7.58", "8.4.6", "8.5.1")
    listed = Affected("microsoft-iis", versions=("6.0",))
    assert listed.contains(v("6.0")) and not listed.contains(v("7.5"))
    assert listed.fix_for(v("6.0")) is None


@pytest.mark.parametrize(("vector", "score"), [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
    ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:H", 7.7),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0),
])
def test_cvss3_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize("vector", ["", "CVSS:2.0/AV:N", "AV:N/AC:L/Au:N/C:P/I:P/A:P",
                                    "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N"])
def test_unreadable_vectors_give_none(vector: str) -> None:
    assert cvss3_base_score(vector) is None


def test_rating() -> None:
    assert [rating(s) for s in (0.0, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0)] == [
        "none", "low", "medium", "medium", "high", "high", "critical", "critical"]


def test_issue11_branch_bounds_and_branch_matching() -> None:
    """Issue 11 item 2: a major.minor version matches a range when SOME version of the branch is in it."""
    low, high = branch_bounds("1.5")
    assert (str(low), str(high)) == ("1.5", "1.6")
    assert parse_version("1.5.26") < high and not parse_version("1.6.0a1") < high
    with pytest.raises(VersionError):
        branch_bounds("1.5.26")
    with open_scan_index(None) as index:
        assert isinstance(index, VulnIndex)
        assert [m.advisory.key for m in index.match_branch("joomla", "1.5")] == ["CVE-2015-8562"]
        assert [m.advisory.key for m in index.match_branch("joomla", "3.7")] == ["CVE-2017-8917"]
        assert index.match_branch("joomla", "4.4") == []
        assert index.match_branch("joomla", "3.3") == index.match("joomla", "3.3.6") != []
