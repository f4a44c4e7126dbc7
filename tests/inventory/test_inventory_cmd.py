"""``canhgac inventory check`` and ``import-csv`` through Typer's test runner (exit codes 0 and 2)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from canhgac.cli.inventory_cmd import app
from canhgac.inventory.loader import load_inventory

runner = CliRunner()


def test_check_valid_file_prints_summary(sample_path: Path) -> None:
    result = runner.invoke(app, ["check", str(sample_path)])
    assert result.exit_code == 0, result.output
    assert "Tỉnh Kiên Giang (KG)" in result.output
    assert "Agencies: providers" in result.output and "Domains" in result.output
    assert "is a valid inventory" in result.output


def test_check_invalid_file_lists_problems_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "version: 1\nprovince: {code: KG, name: KG}\nagencies:\n"
        "  - {code: A1, name: A1, kind: other, domains: [a..gov.vn]}\n"
        "  - {code: A2, name: A2, kind: other, parent: A9}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "1 problem(s) found" in result.output
    assert (
        f"{path}:4:49: agencies[0].domains[0].name: 'a..gov.vn' is not a valid domain name" in result.output
    )


def test_check_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_import_csv_writes_a_loadable_inventory(tmp_path: Path) -> None:
    csv_path = tmp_path / "ds.csv"
    csv_path.write_text("Mã;Tên;Tên miền\nSTTTT;Sở TT&TT;stttt.kiengiang.gov.vn\n", encoding="utf-8-sig")
    out = tmp_path / "inventory.yaml"
    args = [
        "import-csv",
        str(csv_path),
        "--out",
        str(out),
        "--province-code",
        "KG",
        "--province-name",
        "Tỉnh Kiên Giang",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert load_inventory(out).agency("STTTT").domains[0].name == "stttt.kiengiang.gov.vn"
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_import_csv_bad_row_exits_2(tmp_path: Path) -> None:
    csv_path = tmp_path / "ds.csv"
    csv_path.write_text("code,name,domains\nA1,One,a..gov.vn\n", encoding="utf-8")
    out = tmp_path / "inventory.yaml"
    result = runner.invoke(
        app,
        ["import-csv", str(csv_path), "--out", str(out), "--province-code", "KG", "--province-name", "KG"],
    )
    assert result.exit_code == 2
    assert f"{csv_path}:2:3: domains: 'a..gov.vn' is not a valid domain name" in result.output
    assert not out.exists()
