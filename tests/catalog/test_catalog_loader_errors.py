"""Broken catalog data fails loudly, and every error names the file at fault."""

from __future__ import annotations

import pytest
from catalog_builders import CatalogBuilder, clause, entry, framework

from canhgac.catalog import CatalogError, load_catalog


@pytest.fixture(autouse=True)
def _in_english(english: None) -> None:
    """The messages are checked in English (their Vietnamese is checked by tests/i18n)."""


def _error(root_files: dict[str, object], build_catalog: CatalogBuilder) -> str:
    root = build_catalog(root_files)
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    return str(caught.value)


def test_valid_minimal_catalog_loads(build_catalog: CatalogBuilder) -> None:
    root = build_catalog({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/FW.yaml": framework("FW", [clause("1", ["x.one"])]),
    })
    catalog = load_catalog(root)
    assert set(catalog.checks) == {"x.one"}
    assert catalog.frameworks["FW"].clauses[0].checks == ("x.one",)


def test_duplicate_id_across_files(build_catalog: CatalogBuilder) -> None:
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "checks/b.yaml": {"checks": [entry("x.one")]},
    }, build_catalog)
    assert "b.yaml" in message
    assert "x.one is defined twice" in message


def test_duplicate_id_in_one_file(build_catalog: CatalogBuilder) -> None:
    message = _error({"checks/a.yaml": {"checks": [entry("x.one"), entry("x.one")]}}, build_catalog)
    assert "a.yaml" in message
    assert "defined twice" in message


def test_unknown_check_in_clause(build_catalog: CatalogBuilder) -> None:
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/FW.yaml": framework("FW", [clause("2", ["x.one", "x.missing"])]),
    }, build_catalog)
    assert "FW.yaml" in message
    assert "clause 2" in message
    assert "x.missing" in message


@pytest.mark.parametrize("field", ["title", "rationale", "remediation"])
def test_missing_language_in_check(build_catalog: CatalogBuilder, field: str) -> None:
    message = _error(
        {"checks/a.yaml": {"checks": [entry("x.one", **{field: {"vi": "Chỉ có tiếng Việt"}})]}},
        build_catalog,
    )
    assert "a.yaml" in message
    assert f"{field}.en" in message


def test_empty_language_text_in_message(build_catalog: CatalogBuilder) -> None:
    bad = entry("x.one", messages={"pass": {"vi": "Đạt", "en": ""}})
    message = _error({"checks/a.yaml": {"checks": [bad]}}, build_catalog)
    assert "a.yaml" in message
    assert "messages.pass.en" in message


def test_missing_language_in_framework_clause(build_catalog: CatalogBuilder) -> None:
    broken = clause("1", ["x.one"])
    broken["text"] = {"en": "English only"}
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/FW.yaml": framework("FW", [broken]),
    }, build_catalog)
    assert "FW.yaml" in message
    assert "text.vi" in message


def test_automated_clause_with_only_self_assessment_checks(build_catalog: CatalogBuilder) -> None:
    sa = entry("x.asked", mode="self_assessment", question={"vi": "Đã làm chưa?", "en": "Done?"})
    message = _error({
        "checks/a.yaml": {"checks": [sa]},
        "frameworks/FW.yaml": framework("FW", [clause("3", ["x.asked"], coverage="automated")]),
    }, build_catalog)
    assert "FW.yaml" in message
    assert "clause 3 says automated" in message


def test_self_assessment_without_question(build_catalog: CatalogBuilder) -> None:
    message = _error(
        {"checks/a.yaml": {"checks": [entry("x.asked", mode="self_assessment")]}}, build_catalog
    )
    assert "a.yaml" in message
    assert "has no question" in message


def test_invalid_yaml_names_the_file(build_catalog: CatalogBuilder) -> None:
    message = _error({"checks/broken.yaml": "checks:\n  - id: [unclosed\n"}, build_catalog)
    assert "broken.yaml" in message
    assert "not valid YAML" in message


def test_invalid_yaml_in_framework_names_the_file(build_catalog: CatalogBuilder) -> None:
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/BAD.yaml": "id: BAD\nclauses: {oops\n",
    }, build_catalog)
    assert "BAD.yaml" in message


def test_unknown_field_is_rejected(build_catalog: CatalogBuilder) -> None:
    message = _error({"checks/a.yaml": {"checks": [entry("x.one", severty="high")]}}, build_catalog)
    assert "a.yaml" in message
    assert "severty" in message


def test_duplicate_clause_id(build_catalog: CatalogBuilder) -> None:
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/FW.yaml": framework("FW", [clause("1", ["x.one"]), clause("1", ["x.one"])]),
    }, build_catalog)
    assert "FW.yaml" in message
    assert "clause 1 appears twice" in message


def test_duplicate_framework_id(build_catalog: CatalogBuilder) -> None:
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one")]},
        "frameworks/A.yaml": framework("FW", [clause("1", ["x.one"])]),
        "frameworks/B.yaml": framework("FW", [clause("1", ["x.one"])]),
    }, build_catalog)
    assert "B.yaml" in message
    assert "framework FW is defined twice" in message


def test_empty_catalog(build_catalog: CatalogBuilder) -> None:
    message = _error({}, build_catalog)
    assert "no check entries found" in message


def test_check_entry_citing_a_framework_clause_is_refused(build_catalog: CatalogBuilder) -> None:
    """Regression: references and clause lists held the check → clause mapping twice, and 18
    pairs drifted apart. The clause lists are the one mapping; a citation is refused."""
    message = _error({
        "checks/a.yaml": {"checks": [entry("x.one", references=[{"doc": "FW", "clause": "1"}])]},
        "frameworks/FW.yaml": framework("FW", [clause("1", ["x.one"])]),
    }, build_catalog)
    assert "a.yaml" in message
    assert "x.one cites FW:1" in message
    assert "frameworks/FW.yaml" in message


def test_references_to_standards_are_kept(build_catalog: CatalogBuilder) -> None:
    root = build_catalog({
        "checks/a.yaml": {"checks": [entry("x.one", references=[{"doc": "RFC7208", "clause": "5"}])]},
        "frameworks/FW.yaml": framework("FW", [clause("1", ["x.one"]), clause("2", ["x.one"])]),
    })
    catalog = load_catalog(root)
    assert [r.doc for r in catalog.checks["x.one"].references] == ["RFC7208"]
    assert [ref.key for ref in catalog.clauses_of("x.one")] == ["FW:1", "FW:2"]


@pytest.mark.parametrize("family", ["mail-spf", "Mail.spf", "mail..spf", "mail_spf", ""])
def test_family_must_be_spelled_with_dots(build_catalog: CatalogBuilder, family: str) -> None:
    message = _error({"checks/a.yaml": {"checks": [entry("x.one", family=family)]}}, build_catalog)
    assert "a.yaml" in message
    assert "family" in message
