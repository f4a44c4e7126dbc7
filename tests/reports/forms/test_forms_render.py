"""Each form rendered from its fixture and read back from the DOCX: every mandatory field of
shared/guidance §3 is there, with its value, diacritics intact; the document carries the
administrative frame (motto, issuer, number, place and date, addressees, recipients, signature)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from forms_readback import TODAY, ReadBack, fixture_config, fixture_data, rendered

from canhgac.i18n import DEFAULT_LANGUAGE, set_language
from canhgac.reports.forms import FormDataError, build_form


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(DEFAULT_LANGUAGE)


def _frame(doc: ReadBack, number: str, date_line: str) -> None:
    lines = doc.lines
    assert lines[:6] == [
        "UBND TỈNH KIÊN GIANG",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}",
        date_line,
    ]
    assert "Nơi nhận:" in lines and "- Như trên;" in lines and "- Lưu: VT, CSIRT." in lines
    tail = lines[lines.index("Nơi nhận:") :]
    assert tail[-4:] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "(Ký, ghi rõ họ tên và đóng dấu)", "Lê Hoàng Đức"]


def _addressees(doc: ReadBack, names: list[str]) -> None:
    start = doc.lines.index("Kính gửi:")
    assert doc.lines[start + 1 : start + 1 + len(names)] == [
        f"- {name}{'.' if i == len(names) - 1 else ';'}" for i, name in enumerate(names)
    ]


A05 = "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an"
PA05 = "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (PA05), Công an tỉnh"
REPORTER = {
    "Tên tổ chức/cá nhân (*)": "Đội Ứng cứu sự cố máy tính tỉnh Kiên Giang",
    "Địa chỉ (*)": "Số 01 đường Trần Hưng Đạo, phường Vĩnh Thanh Vân, thành phố Rạch Giá",
    "Điện thoại (*)": "0297 3 862 999",
    "Thư điện tử (*)": "csirt@kiengiang.gov.vn",
}


def test_form03_initial_report_reads_back_every_mandatory_field() -> None:
    doc = ReadBack(rendered("03"))
    _frame(doc, "15/BC-SKHCN", "Kiên Giang, ngày 07 tháng 12 năm 2026")
    assert "BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG" in doc.lines
    _addressees(doc, [A05, PA05, "Ủy ban nhân dân tỉnh"])
    assert doc.fields("1. Thông tin về tổ chức") == REPORTER
    assert doc.fields("2. Người liên hệ") == {
        "Họ và tên (*)": "Trần Thị Bích Ngọc",
        "Chức vụ": "Trưởng nhóm ứng cứu",
        "Điện thoại (*)": "0913 456 789",
        "Thư điện tử (*)": "ngoc.ttb@kiengiang.gov.vn",
    }
    system = doc.fields("3. Thông tin chi tiết về hệ thống")
    assert system["Tên đơn vị vận hành hệ thống thông tin (*)"] == "Ủy ban nhân dân huyện Châu Thành"
    assert system["Cơ quan chủ quản"] == "Ủy ban nhân dân tỉnh Kiên Giang"
    assert system["Phân loại cấp độ của hệ thống thông tin"] == "2"
    summary = doc.lines.index("4. Mô tả sơ bộ về sự cố (*)")
    assert doc.lines[summary + 1 : summary + 3] == [  # the line break of the data kept
        "Trang chủ của cổng thông tin bị thay đổi giao diện, hiển thị nội dung xuyên tạc.",
        "Nguy cơ lan sang các trang con; dữ liệu công dân chưa bị ảnh hưởng.",
    ]
    incident = doc.fields("Nguy cơ lan sang")
    assert incident == {
        "Ngày phát hiện sự cố (*)": "05/12/2026",
        "Thời gian phát hiện (*)": "07:45",
        "Hiện trạng sự cố (*)": "☐ Đã được xử lý      ☒ Chưa được xử lý",
    }
    for line in (
        "☐ Qua hệ thống phát hiện xâm nhập",
        "☒ Kiểm tra dữ liệu nhật ký (log file)",
        "☒ Nhận được thông báo từ: Người dân báo qua đường dây nóng",
        "☐ Khác:",
        "☐ Thành viên mạng lưới ứng cứu sự cố chịu trách nhiệm về tổ chức, cá nhân báo cáo",
        "☒ Nhà cung cấp dịch vụ Internet (ISP) cung cấp dịch vụ cho hệ thống",
        "☒ Cơ quan điều phối quốc gia",
    ):
        assert line in doc.lines
    extra = doc.fields("7. Thông tin bổ sung")
    assert extra["Hệ điều hành, phiên bản"] == "Ubuntu Server 22.04 LTS"
    assert extra["Các dịch vụ có trên hệ thống"].split() == [
        "☒",
        "Máy",
        "chủ",
        "web",
        "☐",
        "Máy",
        "chủ",
        "thư",
        "điện",
        "tử",
        "☒",
        "Máy",
        "chủ",
        "cơ",
        "sở",
        "dữ",
        "liệu",
        "☐",
        "Khác:",
    ]
    assert (
        "☒ Khác: Tường lửa ứng dụng web (WAF)"
        in extra["Các biện pháp bảo đảm an toàn thông tin đã triển khai"]
    )
    assert extra["Địa chỉ IP công khai của hệ thống (không ghi địa chỉ IP nội bộ)"] == "203.162.10.25"
    assert extra["Tên miền của hệ thống"] == "chauthanh.kiengiang.gov.vn"
    assert "☒ Khác: Ảnh chụp màn hình trang bị thay đổi" in extra["Thông tin gửi kèm"]
    assert extra["Thông tin về sự cố phải được giữ bí mật"].split() == ["☒", "Có", "☐", "Không"]
    assert "Đề nghị hỗ trợ phân tích mã độc và rà soát lỗ hổng của hệ quản trị nội dung." in doc.lines
    when = doc.lines.index("9. Thời gian thực hiện báo cáo sự cố (*)")
    assert doc.lines[when + 1] == "07/12/2026 09:15"
    assert "[TBSC]" in doc.text
    assert "- Giám đốc Sở (để báo cáo);" in doc.lines
    assert "{{" not in doc.text and "{%" not in doc.text


def test_form04_final_report_reads_back_every_mandatory_field() -> None:
    doc = ReadBack(rendered("04"))
    _frame(doc, "17/BC-SKHCN", "Kiên Giang, ngày 20 tháng 12 năm 2026")
    assert "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ" in doc.lines
    _addressees(doc, [A05, PA05, "Ủy ban nhân dân tỉnh"])
    assert doc.fields("1. Thông tin về tổ chức") == REPORTER
    assert doc.fields("2. Ký hiệu báo cáo ban đầu") == {
        "Số, ký hiệu": "15/BC-SKHCN",
        "Ngày báo cáo": "07/12/2026",
    }
    assert doc.fields("3. Thông tin về hệ thống")["Tên đơn vị vận hành hệ thống thông tin (*)"] == (
        "Ủy ban nhân dân huyện Châu Thành"
    )
    assert doc.fields("4. Thông tin về sự cố") == {
        "Tên, mô tả sự cố": "Thay đổi giao diện cổng thông tin điện tử huyện Châu Thành",
        "Ngày phát hiện sự cố (*)": "05/12/2026",
        "Thời gian phát hiện (*)": "07:45",
    }
    assert (
        "Đã khôi phục từ bản sao lưu ngày 04/12/2026, vá lỗ hổng, đổi toàn bộ mật khẩu quản trị." in doc.lines
    )
    start = doc.lines.index("6. Các tài liệu đính kèm")
    assert doc.lines[start + 1 : start + 4] == [
        "- Báo cáo diễn biến ngày 08/12/2026",
        "- Phương án ứng cứu cụ thể",
        "- Nhật ký máy chủ web (access.log)",
    ]
    assert "{{" not in doc.text and "{%" not in doc.text


def test_form05_summary_reads_back_the_table_and_its_total() -> None:
    doc = ReadBack(rendered("05"))
    _frame(doc, "42/BC-SKHCN", "Kiên Giang, ngày 15 tháng 6 năm 2026")
    assert doc.lines[6:8] == ["BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ", "06 THÁNG NĂM 2026"]
    assert f"Kính gửi: {A05}." in doc.lines  # one addressee: on the line itself
    assert "Kỳ báo cáo: 06 tháng, từ tháng 01/2026 đến tháng 06/2026." in doc.lines
    org = doc.fields("Kỳ báo cáo")
    assert org["Tên tổ chức (*)"] == "Đội Ứng cứu sự cố máy tính tỉnh Kiên Giang"
    assert org["Mã thành viên mạng lưới (*)"] == "KG-CSIRT-091"
    table = next(t for t in doc.tables if t[0][0] == "TT")
    assert table[0][1:] == [
        "Loại sự cố",
        "Số lượng",
        "Tự xử lý",
        "Có hỗ trợ của tổ chức khác",
        "Có hỗ trợ của tổ chức nước ngoài",
        "Đề nghị hỗ trợ",
        "Ước tính thiệt hại (đồng)",
    ]
    assert [row[:2] for row in table[1:11]] == [
        [str(i), label]
        for i, label in enumerate(
            [
                "Tấn công từ chối dịch vụ",
                "Tấn công giả mạo",
                "Tấn công sử dụng mã độc",
                "Truy cập trái phép, chiếm quyền điều khiển",
                "Thay đổi giao diện",
                "Mã hóa phần mềm, dữ liệu, thiết bị",
                "Phá hoại thông tin, dữ liệu, phần mềm",
                "Nghe trộm, gián điệp, lấy cắp thông tin, dữ liệu",
                "Tấn công tổng hợp",
                "Các hình thức tấn công khác",
            ],
            start=1,
        )
    ]
    assert table[3][2:] == ["7", "5", "1", "1", "1", "15.000.000"]  # malware
    assert table[4][2:] == ["0", "0", "0", "0", "0", ""]  # a type with no row in the data
    assert table[11] == ["", "Tổng cộng", "23", "18", "4", "1", "1", "16.200.000"]
    helpers = doc.lines.index("2. Danh sách tổ chức đã hỗ trợ xử lý sự cố")
    assert doc.lines[helpers + 1 : helpers + 3] == ["- VNPT Kiên Giang", "- Công ty TNHH An Toàn Số Miền Tây"]
    foreign = doc.lines.index("3. Danh sách tổ chức nước ngoài đã hỗ trợ xử lý sự cố")
    assert doc.lines[foreign + 1] == "Không có."
    assert "Đề nghị tổ chức diễn tập ứng cứu sự cố cấp tỉnh trong quý III." in doc.lines


def test_the_date_line_follows_decree_30() -> None:
    from canhgac.reports.forms.context import date_line

    assert date_line("Rạch Giá", dt.date(2027, 2, 5)) == "Rạch Giá, ngày 05 tháng 02 năm 2027"
    assert date_line("Rạch Giá", dt.date(2027, 3, 5)) == "Rạch Giá, ngày 05 tháng 3 năm 2027"
    assert date_line("Rạch Giá", dt.date(2027, 1, 31)) == "Rạch Giá, ngày 31 tháng 01 năm 2027"


def test_annual_summary_title() -> None:
    data = fixture_data("05")
    data["period"] = {"kind": "year", "start": "2026-01-01", "end": "2026-12-31"}
    doc = ReadBack(rendered("05", data))
    assert "NĂM 2026" in doc.lines and "Kỳ báo cáo: 01 năm, từ tháng 01/2026 đến tháng 12/2026." in doc.lines


def test_text_is_escaped_never_markup() -> None:
    data = fixture_data("04")
    data["incident"]["title"] = 'A & B <w:p/> "trích" {{ doc.number }}'
    doc = ReadBack(rendered("04", data))
    assert doc.fields("4. Thông tin về sự cố")["Tên, mô tả sự cố"] == 'A & B <w:p/> "trích" {{ doc.number }}'


@pytest.mark.parametrize(
    ("form", "change", "message"),
    [
        ("03", lambda d: d.pop("reporter"), "reporter: required, but missing"),
        ("03", lambda d: d["contact"].update(email="không phải thư"), "contact.email: not an e-mail address"),
        (
            "03",
            lambda d: d["details"].update(public_ips=["10.1.2.3"]),
            "details.public_ips: 10.1.2.3 is not a public address",
        ),
        ("03", lambda d: d.update(detection={}), "detection: say how the incident was detected"),
        ("03", lambda d: d.update(notified=[]), "notified: must have at least 1 item(s)"),
        ("03", lambda d: d["system"].update(level=7), "system.level"),
        ("04", lambda d: d["incident"].pop("detected_at"), "incident.detected_at: required, but missing"),
        ("05", lambda d: d["rows"].append({"type": "dos", "count": 1}), "rows: the type dos has two rows"),
        (
            "05",
            lambda d: d["rows"][0].update(self_handled=99),
            "phishing: self_handled is more than the 12 incidents",
        ),
        ("05", lambda d: d["rows"][0].update(type="spam"), "rows[0].type: must be one of"),
        ("05", lambda d: d["period"].update(end="2025-01-01"), "period: the period ends before it starts"),
    ],
)
@pytest.mark.usefixtures("english")
def test_bad_data_is_one_line(form: str, change: object, message: str) -> None:
    data = fixture_data(form)
    change(data)  # type: ignore[operator]
    with pytest.raises(FormDataError) as caught:
        build_form(form, data, fixture_config(), today=TODAY)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
