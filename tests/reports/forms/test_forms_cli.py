"""``canhgac forms render`` and ``canhgac forms check-template``: a DOCX written from a data
file with the settings file's [forms] table, and every refusal on one line with exit 2."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from forms_readback import DATA, ReadBack
from typer.testing import CliRunner

from canhgac.cli.main import app
from canhgac.i18n import DEFAULT_LANGUAGE, set_language
from canhgac.reports.forms import packaged_template

RUNNER = CliRunner()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("CANHGAC_WORKSPACE", "CANHGAC_DATABASE_URL", "CANHGAC_CONFIG", "CANHGAC_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    level = logging.getLogger().level
    yield
    set_language(DEFAULT_LANGUAGE)
    logging.getLogger().setLevel(level)


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, ["--lang", "en", "--config", str(DATA / "canhgac.toml"), *args])
    return result.exit_code, result.output


def test_render_writes_the_form(tmp_path: Path) -> None:
    code, out = run("forms", "render", "03", str(DATA / "form03.yaml"), "-o", str(tmp_path / "bc.docx"))
    assert code == 0, out
    assert "Form 03 (15/BC-SKHCN) written to" in out
    doc = ReadBack((tmp_path / "bc.docx").read_bytes())
    assert "Số: 15/BC-SKHCN" in doc.lines and "Lê Hoàng Đức" in doc.lines


def test_render_reads_json_and_names_the_default_file(tmp_path: Path) -> None:
    data = {
        "document": {"number": 3, "date": "2026-12-20"},
        "reporter": {
            "name": "Sở Y tế",
            "address": "Rạch Giá",
            "phone": "0297 1",
            "email": "syt@kiengiang.gov.vn",
        },
        "system": {"operator": "Sở Y tế"},
        "incident": {"detected_at": "2026-12-10T10:00:00+07:00"},
    }
    (tmp_path / "f4.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out = run("forms", "render", "4", "f4.json")
    assert code == 0, out
    assert "Thay đổi" not in ReadBack((tmp_path / "mau-04.docx").read_bytes()).text
    assert "Sở Y tế" in ReadBack((tmp_path / "mau-04.docx").read_bytes()).lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("forms", "render", "07", "x.yaml"), "unknown form 07: use 03, 04 or 05"),
        (("forms", "render", "03", "absent.yaml"), "absent.yaml: cannot be read: No such file or directory"),
        (
            ("forms", "render", "03", "bad.yaml"),
            "bad.yaml: not valid YAML or JSON: line 2, column 1: did not find expected node content",
        ),
        (("forms", "render", "03", "list.yaml"), "list.yaml: the data must be a mapping of fields"),
        (
            ("forms", "render", "04", "short.yaml"),
            "short.yaml: reporter: required, but missing; system: required",
        ),
    ],
)
def test_render_refusals_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "bad.yaml").write_text("a: [\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    (tmp_path / "short.yaml").write_text("document: {number: 1}\n", encoding="utf-8")
    code, out = run(*args)
    assert code == 2
    assert out.startswith("Error: ") and message in out
    assert out.count("\n") == 1, out


def test_render_with_a_refused_template(tmp_path: Path) -> None:
    code, out = run(
        "forms", "render", "03", str(DATA / "form03.yaml"), "--template", str(packaged_template("04"))
    )
    assert code == 2
    assert "form 03: missing mandatory tags: contact.email" in out and out.count("\n") == 1


def test_check_template_finds_the_form() -> None:
    code, out = run("forms", "check-template", str(packaged_template("05")))
    assert code == 0, out
    assert "a usable template of form 05." in out
    code, out = run("forms", "check-template", str(packaged_template("05")), "--form", "03")
    assert code == 2 and "form 03: missing mandatory tags:" in out


def test_a_bad_settings_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "canhgac.toml").write_text('[forms]\nannual-due = "32/12"\n', encoding="utf-8")
    result = RUNNER.invoke(
        app,
        [
            "--lang",
            "en",
            "--config",
            str(tmp_path / "canhgac.toml"),
            "forms",
            "render",
            "05",
            str(DATA / "form05.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert "canhgac.toml: forms: annual-due: expected a day and month, like 20/06" in result.output
