"""``canhgac catalog``: list, show and frameworks, on a small sample catalog and on the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from catalog_builders import SAMPLE_DIR
from typer.testing import CliRunner

from canhgac.cli.catalog_cmd import app
from canhgac.cli.common import console

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps table cells to the terminal width; make it wide so texts stay whole."""
    monkeypatch.setattr(console, "width", 240)


def _run(*args: str, catalog: Path | None = SAMPLE_DIR, env: dict[str, str] | None = None) -> str:
    extra = ["--catalog", str(catalog)] if catalog is not None else []
    result = runner.invoke(app, [*args, *extra], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(*args: str, catalog: Path = SAMPLE_DIR) -> str:
    result = runner.invoke(app, [*args, "--catalog", str(catalog)])
    assert result.exit_code == 2, result.output
    return result.output


def test_list_shows_every_check_with_its_clauses(english: None) -> None:
    out = _run("list")
    for check_id in ("demo.spf.present", "demo.dmarc.policy", "demo.auth.mfa"):
        assert check_id in out
    assert "SAMPLE:1" in out
    assert "3 checks." in out


def test_list_in_vietnamese_by_default() -> None:
    out = _run("list")
    assert "Tên miền có bản ghi SPF" in out
    assert "Domain publishes an SPF record" not in out


def test_list_in_english(english: None) -> None:
    out = _run("list")
    assert "Domain publishes an SPF record" in out
    assert "Tên miền có bản ghi SPF" not in out


@pytest.mark.parametrize("name", ["demo.dmarc", "demo-dmarc"])
def test_list_by_family_in_either_spelling(english: None, name: str) -> None:
    """Regression: `--family` took `mail-spf` and `scan -f` `mail.spf`; the hyphen is an alias."""
    out = _run("list", "--family", name)
    assert "demo.dmarc.policy" in out
    assert "demo.spf.present" not in out
    assert "1 checks." in out


def test_list_by_family_group(english: None) -> None:
    out = _run("list", "--family", "demo")
    assert "3 checks." in out


def test_list_refuses_an_unknown_family_with_suggestions(english: None) -> None:
    """Regression: an unknown family listed nothing and exited 0."""
    out = _fails("list", "--family", "demo.dmarcc")
    assert "unknown check family: demo.dmarcc" in out
    assert "did you mean: demo.dmarc?" in out


def test_list_refuses_an_unknown_family_in_vietnamese() -> None:
    out = _fails("list", "--family", "demo.dmarcc")
    assert "họ kiểm tra" in out
    assert "demo.dmarc" in out


def test_show_suggests_close_names(english: None) -> None:
    out = _fails("show", "demo.spf.presnt")
    assert "did you mean: demo.spf.present?" in out


def test_show_check_lists_the_clauses_derived_from_the_frameworks(english: None) -> None:
    out = _run("show", "mail.dnsbl.listed", catalog=None)
    assert "CV430:1" in out
    assert "CV430:5" not in out


def test_list_by_mode(english: None) -> None:
    out = _run("list", "--mode", "self_assessment")
    assert "demo.auth.mfa" in out
    assert "demo.spf.present" not in out


def test_list_by_framework(english: None, build_catalog_with_extra: Path) -> None:
    out = _run("list", "--framework", "SAMPLE", catalog=build_catalog_with_extra)
    assert "demo.spf.present" in out
    assert "demo.outside" not in out


def test_list_unknown_framework_fails(english: None) -> None:
    assert "unknown framework: NOPE" in _fails("list", "--framework", "NOPE")


def test_list_rejects_unknown_mode() -> None:
    result = runner.invoke(app, ["list", "--mode", "sometimes", "--catalog", str(SAMPLE_DIR)])
    assert result.exit_code == 2


def test_catalog_folder_from_environment(english: None) -> None:
    out = _run("list", catalog=None, env={"CANHGAC_CATALOG_DIR": str(SAMPLE_DIR)})
    assert "demo.auth.mfa" in out
    assert "3 checks." in out


def test_broken_catalog_folder_is_reported_with_its_file(english: None, tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "bad.yaml").write_text("checks: [oops\n", encoding="utf-8")
    out = _fails("list", catalog=tmp_path)
    assert "bad.yaml" in out


def test_show_automated_check(english: None) -> None:
    out = _run("show", "demo.spf.present")
    assert "Domain publishes an SPF record" in out
    assert "Without SPF anyone can forge the domain." in out
    assert "Publish one SPF record." in out
    assert "RFC7208 4.5" in out
    assert "SAMPLE:1" in out
    assert "missing, pass" in out


def test_show_self_assessment_check(english: None) -> None:
    out = _run("show", "demo.auth.mfa")
    assert "Is multi-factor authentication on?" in out
    assert "A screenshot of the settings." in out


def test_show_clause(english: None) -> None:
    out = _run("show", "SAMPLE:1")
    assert "Sender authentication" in out
    assert "Publish SPF and DMARC." in out
    assert "Inferred: not yet confirmed against the official text." in out
    assert "demo.spf.present" in out
    assert "demo.dmarc.policy" in out
    assert "demo.auth.mfa" not in out


def test_show_confirmed_clause(english: None) -> None:
    out = _run("show", "SAMPLE:2")
    assert "Confirmed by Sở TTTT, 2024" in out
    assert "not yet confirmed" not in out


def test_show_framework(english: None) -> None:
    out = _run("show", "SAMPLE")
    assert "Sample e-mail guidance" in out
    assert "SAMPLE:1" in out
    assert "SAMPLE:2" in out


@pytest.mark.parametrize(
    ("item", "message"),
    [("nope.nothing", "no check, framework or clause named nope.nothing"),
     ("SAMPLE:9", "SAMPLE has no clause 9")],
)
def test_show_unknown_fails(english: None, item: str, message: str) -> None:
    assert message in _fails("show", item)


def test_frameworks(english: None) -> None:
    out = _run("frameworks")
    assert "SAMPLE" in out
    assert "1/MAU" in out
    assert "Automated 1" in out
    assert "Self-assessment 1" in out


def test_real_catalog_frameworks(english: None) -> None:
    out = _run("frameworks", catalog=None)
    for fw_id in ("KG20", "T18", "CV430", "CV2132"):
        assert fw_id in out


def test_real_catalog_clause_lists_its_checks(english: None) -> None:
    out = _run("show", "CV430:3", catalog=None)
    assert "mail.spf.present" in out
    assert "mail.dmarc.policy" in out
    assert "mail.filtering" in out


@pytest.fixture
def build_catalog_with_extra(tmp_path: Path) -> Path:
    """The sample catalog plus one check that no framework names."""
    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE_DIR, root)
    (root / "checks" / "extra.yaml").write_text(
        "checks:\n"
        "  - id: demo.outside\n"
        "    family: demo.extra\n"
        "    severity: low\n"
        "    title: {vi: 'Kiểm tra ngoài', en: Outside check}\n"
        "    rationale: {vi: 'Lý do', en: Why}\n"
        "    remediation: {vi: 'Cách sửa', en: Fix}\n",
        encoding="utf-8",
    )
    return root
