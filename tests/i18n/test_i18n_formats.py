"""Numbers, dates, enum labels and pydantic errors in the reader's language (canhgac.i18n)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

import pytest
from english_leaks import vietnamese
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canhgac import i18n
from canhgac.catalog import Severity
from canhgac.engine.results import Status
from canhgac.engine.vulns.models import Level
from canhgac.engine.vulns.models import Severity as CvssSeverity
from canhgac.findings.reconcile import Lifecycle
from canhgac.i18n.formats import format_date, format_datetime, format_number, format_percent
from canhgac.i18n.validation import describe, summary
from canhgac.reports.model import TriageState


def test_numbers_group_thousands_the_readers_way() -> None:
    assert format_number(16777216, "vi") == "16.777.216"
    assert format_number(16777216, "en") == "16,777,216"
    assert format_number(60.62, "vi", decimals=1) == "60,6"
    assert format_number(100.0, "vi", decimals=1) == "100"
    assert format_number(7, "vi", decimals=1, fixed=True) == "7,0"
    assert format_number(Decimal("1234.5"), "en", decimals=1) == "1,234.5"
    assert format_percent(0.875, "vi") == "88%"
    with i18n.language("vi"):
        assert format_number(1627) == "1.627"  # the current language by default
    with i18n.language("en"):
        assert format_number(1627) == "1,627"


def test_dates_are_day_first_in_vietnamese_on_vietnams_clock() -> None:
    assert format_date(date(2026, 12, 7), "vi") == "07/12/2026"
    assert format_date(date(2026, 12, 7), "en") == "7 Dec 2026"
    late = datetime(2026, 12, 6, 20, 5, 9, tzinfo=UTC)  # already the 7th in Vietnam (UTC+7)
    assert format_date(late, "vi") == "07/12/2026"
    assert format_datetime(late, "vi") == "03:05 07/12/2026 (+07:00)"
    assert format_datetime(late, "en") == "7 Dec 2026, 03:05 (+07:00)"
    assert format_datetime(late, "vi", seconds=True) == "03:05:09 07/12/2026 (+07:00)"


@pytest.mark.parametrize("enum", [Severity, Status, Lifecycle, TriageState, Level])
def test_every_enum_value_has_a_vietnamese_and_an_english_label(enum: type[StrEnum]) -> None:
    translated = vietnamese()
    for member in enum:
        english = member.label("en")  # type: ignore[attr-defined]
        assert english != member.value and english in translated, (member, english)
        assert member.label("vi") == translated[english] != english  # type: ignore[attr-defined]
    with i18n.language("en"):
        assert next(iter(enum)).label() == next(iter(enum)).label("en")  # type: ignore[attr-defined]


def test_labels_read_as_a_reader_says_them() -> None:
    assert Severity.HIGH.label("vi") == "Cao"
    assert TriageState.ACCEPTED_RISK.label("vi") == "Chấp nhận rủi ro"
    assert Lifecycle.NEW.label("vi") == "Mới"
    assert Status.NOT_APPLICABLE.label("en") == "Not applicable"
    assert CvssSeverity(Level.HIGH, 7.5).label("vi") == "Cao (7,5)"
    assert CvssSeverity(Level.HIGH, 7.0).label("en") == "High (7.0)"
    assert CvssSeverity(Level.UNKNOWN).label("vi") == "Chưa rõ"


class _Kind(StrEnum):
    A = "a"
    B = "b"


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    port: Annotated[int, Field(ge=1, le=65535)]
    rate: Annotated[float, Field(gt=0)]
    flag: bool
    items: Annotated[list[int], Field(min_length=2)]
    kind: Literal["a", "b", "c"]
    mode: _Kind


def _errors(**data: object) -> ValidationError:
    base: dict[str, object] = {"name": "x", "port": 1, "rate": 1.0, "flag": True, "items": [1, 2],
                               "kind": "a", "mode": "a"}
    with pytest.raises(ValidationError) as caught:
        _Sample.model_validate({**base, **data})
    return caught.value


@pytest.mark.parametrize(("data", "vi", "en"), [
    ({"name": ["a"]}, "cần một chuỗi văn bản", "expected text"),
    ({"port": "abc"}, "cần một số nguyên", "expected a whole number"),
    ({"port": 70000}, "phải không quá 65.535", "must be at most 65,535"),
    ({"rate": -1}, "phải lớn hơn 0", "must be greater than 0"),
    ({"flag": "maybe"}, "cần true hoặc false", "expected true or false"),
    ({"items": [1]}, "phải có ít nhất 2 mục, không phải 1", "must have at least 2 item(s), not 1"),
    ({"kind": "z"}, "phải là một trong các giá trị 'a', 'b', 'c'", "must be one of 'a', 'b', 'c'"),
    ({"mode": "z"}, "phải là một trong các giá trị 'a', 'b'", "must be one of 'a', 'b'"),
    ({"extra": 1}, "trường không xác định", "unknown field"),
])
def test_pydantic_errors_become_plain_sentences(data: dict[str, object], vi: str, en: str) -> None:
    error = _errors(**data).errors()[0]
    with i18n.language("vi"):
        assert describe(error) == vi
    with i18n.language("en"):
        assert describe(error) == en


def test_a_validation_error_fits_on_one_line_without_pydantic_text() -> None:
    exc = _errors(port=0, rate=0, flag="x", name=[1])
    with i18n.language("vi"):
        line = summary(exc, limit=3, names={"port": "--port"})
    assert line == ("name: cần một chuỗi văn bản; --port: phải từ 1 trở lên; rate: phải lớn hơn 0; "
                    "và 1 lỗi khác")
    assert "\n" not in line and "pydantic" not in line and "Input should" not in line


def test_an_unknown_error_type_is_named_not_left_in_english() -> None:
    with i18n.language("vi"):
        assert describe({"type": "new_kind_of_error", "loc": ("x",), "msg": "Input is odd"}) == (
            "giá trị không hợp lệ (new_kind_of_error)")


def test_translate_looks_up_a_marked_msgid_in_either_language() -> None:
    marked = i18n.N_("Options")
    assert i18n.translate(marked, "vi") == "Tùy chọn"
    assert i18n.translate(marked, "en") == "Options"
    assert i18n.translate("not a msgid", "vi") == "not a msgid"
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.translate(marked, "fr")


def test_language_block_restores_the_previous_language() -> None:
    before = i18n.current_language()
    with i18n.language("en"):
        assert i18n.gettext("Summary") == "Summary"
        with i18n.language("vi"):
            assert i18n.gettext("Summary") == "Tóm tắt"
        assert i18n.current_language() == "en"
    assert i18n.current_language() == before
