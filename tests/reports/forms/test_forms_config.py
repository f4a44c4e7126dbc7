"""The [forms] table: defaults after the 2025 transfer, the province's values, deadlines, and
one-line refusals naming the key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from forms_readback import DATA, TODAY, fixture_data

from canhgac.i18n import DEFAULT_LANGUAGE, set_language
from canhgac.reports.forms import FormDataError, FormsConfig, FormsConfigError, build_form, read_forms_config
from canhgac.services.settings_file import read_table


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(DEFAULT_LANGUAGE)


def test_defaults_name_the_ministry_of_public_security_and_the_deadlines() -> None:
    config = FormsConfig()
    assert [r["name"] for r in config.recipients("05")] == [
        "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an"
    ]
    assert [r["name"] for r in config.recipients("03")][1:] == [
        "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (PA05), Công an tỉnh",
        "Ủy ban nhân dân tỉnh",
    ]
    detected = dt.datetime(2027, 2, 3, 22, 10, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert config.initial_report_due(detected) == detected + dt.timedelta(days=5)
    assert config.summary_due("half-year", 2027) == dt.date(2027, 6, 20)
    assert config.summary_due("year", 2027) == dt.date(2027, 12, 15)
    assert config.template("03") is None
    assert config.number(15, 2026) == "15"


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    assert read_forms_config(tmp_path / "canhgac.toml") == FormsConfig()


def test_the_province_file(tmp_path: Path) -> None:
    path = tmp_path / "canhgac.toml"
    path.write_text(
        '[forms]\nnumber-pattern = "{number}/BC-SKHCN-{year}"\ninitial-report-days = 1\n'
        'half-year-due = "15/06"\n'
        'form03 = "mau/mau-03.docx"\nform05-to = ["line-authority"]\n'
        '[forms.authorities.line-authority]\nname = "UBND tỉnh An Giang"\nemail = "ubnd@angiang.gov.vn"\n',
        encoding="utf-8",
    )
    config = read_forms_config(path)
    assert config.number(7, 2026) == "7/BC-SKHCN-2026"
    assert config.number("7/QĐ-UBND", 2026) == "7/QĐ-UBND"
    assert config.template("03") == tmp_path / "mau" / "mau-03.docx"  # relative to the file
    assert config.summary_due("half-year", 2026) == dt.date(2026, 6, 15)
    assert config.recipients("05") == [
        {"name": "UBND tỉnh An Giang", "address": "", "email": "ubnd@angiang.gov.vn"}
    ]
    assert config.authorities["national-coordinator"].name.endswith("(A05), Bộ Công an")  # the default kept
    assert read_table(path) == {}  # `canhgac scan` reads the same file and accepts [forms]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"', "colour: unknown field"),
        ('half-year-due = "31/02"', "half-year-due: expected a day and month, like 20/06"),
        ('number-pattern = "BC-{seq}"', "number-pattern: use only {number} and {year} in the pattern"),
        ('number-pattern = "BC"', "number-pattern: the pattern must contain {number}"),
        ('form03-to = ["police"]', "form03-to: unknown authority police"),
        ("initial-report-days = 0", "initial-report-days: must be at least 1"),
        ('[forms.authorities.ministry]\nname = "x"', "authorities: unknown authority ministry"),
        (
            '[forms.authorities.response-unit]\nemail = "no"',
            "authorities.response-unit.email: not an e-mail address",
        ),
    ],
)
def test_bad_table_is_one_line_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "canhgac.toml"
    path.write_text(f"[forms]\n{table}\n", encoding="utf-8")
    with pytest.raises(FormsConfigError) as caught:
        read_forms_config(path)
    assert str(caught.value).startswith(f"{path}: forms: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_configuration_fills_what_the_data_leaves_out() -> None:
    config = read_forms_config(DATA / "canhgac.toml").model_copy(
        update={
            "issuer": read_forms_config(DATA / "canhgac.toml").issuer.model_copy(
                update={
                    "address": "Số 01 Trần Hưng Đạo",
                    "phone": "0297 3 862 999",
                    "email": "csirt@kiengiang.gov.vn",
                    "member_code": "KG-01",
                }
            )
        }
    )
    data = fixture_data("05")
    del data["organisation"], data["member_code"], data["document"]["date"]
    report = build_form("05", data, config, today=TODAY)
    assert report.document.date == TODAY
    assert report.organisation.address == "Số 01 Trần Hưng Đạo" and report.member_code == "KG-01"
    assert report.document.signer.name == "Lê Hoàng Đức" and report.document.number == "42/BC-SKHCN"
    data = fixture_data("04")
    data["document"]["signer"] = {"title": "Giám đốc", "name": "Phạm Minh Châu"}  # the data wins
    assert build_form("04", data, config, today=TODAY).document.signer.name == "Phạm Minh Châu"


def test_an_unconfigured_signer_is_named() -> None:
    with pytest.raises(FormDataError, match=r"document\.signer: required, but missing"):
        build_form("04", fixture_data("04"), FormsConfig(), today=TODAY)
