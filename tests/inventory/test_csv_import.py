"""Importing an Excel CSV export: encodings, delimiters, Vietnamese headers, row errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from canhgac.inventory.csv_import import fold, import_csv
from canhgac.inventory.loader import InventoryError, dump_inventory, loads_inventory
from canhgac.inventory.model import AgencyKind

VI_HEADER = "Mã;Tên đơn vị;Loại;Đơn vị cấp trên;Tên miền;Người liên hệ;Email;Điện thoại;Dải IP;Cổng thông tin"
VI_ROWS = [
    "UBND;Ủy ban nhân dân tỉnh;Khác;;kiengiang.gov.vn;;;;;",
    "stttt;Sở Thông tin và Truyền thông;Sở;UBND;stttt.kiengiang.gov.vn; ; ;;;",
    'PHU_QUOC;UBND thành phố Phú Quốc;Thành phố;UBND;"phuquoc.kiengiang.gov.vn; sởtttt.gov.vn";'
    "Nguyễn Văn A;a@phuquoc.kiengiang.gov.vn;0297 3846 123;203.0.113.0/28;https://phuquoc.kiengiang.gov.vn/",
]


def write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "agencies.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def load(path: Path) -> object:
    return import_csv(path, province_code="KG", province_name="Tỉnh Kiên Giang")


def problems(path: Path) -> list[str]:
    with pytest.raises(InventoryError) as info:
        load(path)
    prefix = str(path.parent) + "/"
    return [str(p).removeprefix(prefix) for p in info.value.problems]


def test_fold_headers() -> None:
    assert fold("Tên miền") == "ten_mien"
    assert fold(" Đơn vị cấp trên ") == "don_vi_cap_tren"
    assert fold("CONTACT-EMAIL") == "contact_email"


def test_vietnamese_headers_semicolons_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\r\n".join([VI_HEADER, *VI_ROWS]) + "\r\n", bom=True)
    inv = import_csv(path, province_code="KG", province_name="Tỉnh Kiên Giang")
    assert [a.code for a in inv.agencies] == ["UBND", "STTTT", "PHU_QUOC"]
    assert [a.kind for a in inv.agencies] == [
        AgencyKind.OTHER,
        AgencyKind.DEPARTMENT,
        AgencyKind.DISTRICT,
    ]
    pq = inv.agency("PHU_QUOC")
    assert [d.name for d in pq.domains] == ["phuquoc.kiengiang.gov.vn", "xn--stttt-5c2b.gov.vn"]
    assert pq.parent == "UBND" and pq.ranges == ("203.0.113.0/28",)
    assert pq.contacts[0].email == "a@phuquoc.kiengiang.gov.vn"
    assert pq.contacts[0].phone == "0297 3846 123"
    assert inv.agency("STTTT").contacts == ()
    assert loads_inventory(dump_inventory(inv)) == inv


def test_english_headers_with_commas(tmp_path: Path) -> None:
    text = (
        "code,name,kind,domains,contact_name,contact_email\n"
        'VNPT,VNPT Kiên Giang,provider,vnpt-kg.vn,"Trần B",b@vnpt-kg.vn\n'
        "\n"
        "STTTT,Sở TT&TT,department,stttt.kiengiang.gov.vn,,\n"
    )
    inv = load(write(tmp_path, text))
    assert [a.code for a in inv.agencies] == ["VNPT", "STTTT"]  # type: ignore[attr-defined]


def test_bad_rows_name_their_csv_line_and_column(tmp_path: Path) -> None:
    text = "\n".join(
        [
            VI_HEADER,
            VI_ROWS[0],
            "STTTT;Sở;Sở;UBND;stttt..gov.vn;;a@;;;",
            'BAD;"Tên có\nxuống dòng";bộ;NOPE;;;;;10.0.0.0/8;',
        ]
    )
    assert problems(write(tmp_path, text)) == [
        "agencies.csv:3:5: Tên miền: 'stttt..gov.vn' is not a valid domain name (two dots in a "
        "row); write it like 'stttt.kiengiang.gov.vn'",
        "agencies.csv:3:6: Người liên hệ: required field 'name' is missing; add it",
        "agencies.csv:3:7: Email: 'a@' is not a valid e-mail address; write it like "
        "'ten@stttt.kiengiang.gov.vn'",
        "agencies.csv:4:3: Loại: 'bộ' is not allowed here; use one of 'department', 'district', "
        "'commune', 'provider', 'other'",
        "agencies.csv:4:9: Dải IP: '10.0.0.0/8' is too broad (16,777,216 addresses); declare only "
        "the agency's own block",
    ]  # cross-references (the unknown parent NOPE) are checked once the fields are valid


def test_duplicate_codes_are_placed_on_the_second_row(tmp_path: Path) -> None:
    text = "code,name\nA1,One\nA1,Two\n"
    assert problems(write(tmp_path, text)) == [
        "agencies.csv:3:1: code: agency code 'A1' is used twice (first at agencies[0]); codes must be unique"
    ]


def test_header_problems(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "Mã,Tên,Ghi chú,Mã\nA1,One,x,A1\n"))
    assert found[0].startswith("agencies.csv:1:3: unknown column 'Ghi chú'; known columns: code/ma_don_vi")
    assert found[1] == "agencies.csv:1:4: column 'Mã' repeats column code; keep one of them"
    assert problems(write(tmp_path, "Mã,Email\nA1,a@b.vn\n")) == [
        "agencies.csv:1: the header has no 'name' column (also accepted: ten, ten_don_vi)"
    ]


def test_row_with_too_many_cells(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "code,name\nA1,One,extra\n")) == [
        "agencies.csv:2: this row has 3 cells but the header has 2; check quotes"
    ]


def test_not_utf8_is_reported_clearly(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.csv"
    path.write_bytes("code,name\nA1,Kiên Giang\n".encode("cp1258"))
    (found,) = problems(path)
    assert found.startswith("cp1258.csv:2: the file is not UTF-8")
    assert "CSV UTF-8 (Comma delimited)" in found


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "code,name\n\n")) == ["agencies.csv: no agency rows below the header"]
    with pytest.raises(InventoryError, match="file not found"):
        load(tmp_path / "missing.csv")


def test_bad_province_option(tmp_path: Path) -> None:
    path = write(tmp_path, "code,name\nA1,One\n")
    with pytest.raises(InventoryError) as info:
        import_csv(path, province_code="kg", province_name="Kiên Giang")
    assert str(info.value).startswith(f"{path}: --province-code: 'kg' is not a valid code")


def test_unknown_parent_is_placed(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "code,name,parent\nA1,One,\nA2,Two,nope\n")) == [
        "agencies.csv:3:3: parent: parent 'NOPE' is not an agency code in this file; add that "
        "agency or fix the spelling"
    ]
