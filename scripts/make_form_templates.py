#!/usr/bin/env python3
"""Write the packaged DOCX templates of forms 03, 04 and 05 (Circular 20/2017/TT-BTTTT, annex I)
into ``src/canhgac/reports/forms/data/``, in the layout of a Vietnamese administrative document
(Decree 30/2020/NĐ-CP) that ``docx_layout.py`` (beside this script) draws: the masthead, the
title, "Kính gửi", the body, "Nơi nhận" and the signature. This script holds only what each form
says.

The templates are data: a province may change the committed files (or point ``[forms] form03 =
"..."`` at its own) without running this script. The script exists so that the packaged files
can be reviewed as code and rebuilt byte for byte (the zip entries carry a fixed date).

Usage: python3 scripts/make_form_templates.py            write the three files
       python3 scripts/make_form_templates.py --check    exit 1 when a committed file differs
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from docx.document import Document as DocumentObject

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx_layout import (
    addressees,
    closing,
    docx_bytes,
    field_table,
    first_cell_paragraph,
    heading,
    masthead,
    new_document,
    para,
    row_table,
    set_widths,
    title,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "canhgac" / "reports" / "forms" / "data"
BASIS = "Thông tư số 20/2017/TT-BTTTT ngày 12/9/2017 của Bộ trưởng Bộ Thông tin và Truyền thông"


def options(where: DocumentObject, lines: Sequence[str]) -> None:
    for line in lines:
        para(where, line, after=1, indent=0.6)


# --- the three forms -----------------------------------------------------------------------------


def form03() -> DocumentObject:
    doc = new_document()
    masthead(doc)
    title(doc, ["BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG"], f"(Mẫu 03, Phụ lục I ban hành kèm theo {BASIS})")
    addressees(doc)
    heading(doc, "1. Thông tin về tổ chức, cá nhân báo cáo sự cố")
    field_table(
        doc,
        [
            ("Tên tổ chức/cá nhân (*)", "{{ reporter.name }}"),
            ("Địa chỉ (*)", "{{ reporter.address }}"),
            ("Điện thoại (*)", "{{ reporter.phone }}"),
            ("Thư điện tử (*)", "{{ reporter.email }}"),
        ],
    )
    heading(doc, "2. Người liên hệ")
    field_table(
        doc,
        [
            ("Họ và tên (*)", "{{ contact.name }}"),
            ("Chức vụ", "{{ contact.position }}"),
            ("Điện thoại (*)", "{{ contact.phone }}"),
            ("Thư điện tử (*)", "{{ contact.email }}"),
        ],
    )
    heading(doc, "3. Thông tin chi tiết về hệ thống bị sự cố")
    field_table(
        doc,
        [
            ("Tên đơn vị vận hành hệ thống thông tin (*)", "{{ system.operator }}"),
            ("Cơ quan chủ quản", "{{ system.owner_agency }}"),
            ("Tên hệ thống thông tin", "{{ system.name }}"),
            ("Phân loại cấp độ của hệ thống thông tin", "{{ system.level }}"),
            ("Tổ chức cung cấp dịch vụ an toàn thông tin (nếu có)", "{{ details.security_provider }}"),
            ("Nhà cung cấp dịch vụ kết nối (nếu có)", "{{ details.connectivity_provider }}"),
        ],
    )
    heading(doc, "4. Mô tả sơ bộ về sự cố (*)")
    para(doc, "{{ incident.summary }}", align="justify", indent=1)
    field_table(
        doc,
        [
            ("Ngày phát hiện sự cố (*)", "{{ incident.detected_date }}"),
            ("Thời gian phát hiện (*)", "{{ incident.detected_time }}"),
            (
                "Hiện trạng sự cố (*)",
                "{{ incident.handled }} Đã được xử lý      {{ incident.unhandled }} Chưa được xử lý",
            ),
        ],
    )
    heading(doc, "5. Cách thức phát hiện (*)")
    options(
        doc,
        [
            "{{ detection.ids }} Qua hệ thống phát hiện xâm nhập",
            "{{ detection.logs }} Kiểm tra dữ liệu nhật ký (log file)",
            "{{ detection.notice }} Nhận được thông báo từ: {{ detection.notified_by }}",
            "{{ detection.other_box }} Khác: {{ detection.other }}",
        ],
    )
    heading(doc, "6. Đã gửi thông báo sự cố cho (*)")
    options(
        doc,
        [
            "{{ notified.network_member }} Thành viên mạng lưới ứng cứu sự cố chịu trách nhiệm về "
            "tổ chức, cá nhân báo cáo",
            "{{ notified.isp }} Nhà cung cấp dịch vụ Internet (ISP) cung cấp dịch vụ cho hệ thống",
            "{{ notified.national_coordinator }} Cơ quan điều phối quốc gia",
        ],
    )
    heading(doc, "7. Thông tin bổ sung về hệ thống bị sự cố")
    field_table(
        doc,
        [
            ("Hệ điều hành, phiên bản", "{{ details.os }} {{ details.os_version }}"),
            (
                "Các dịch vụ có trên hệ thống",
                "{{ details.web }} Máy chủ web   {{ details.mail }} Máy chủ thư điện tử   "
                "{{ details.database }} Máy chủ cơ sở dữ liệu   {{ details.services_other_box }} Khác: "
                "{{ details.services_other }}",
            ),
            (
                "Các biện pháp bảo đảm an toàn thông tin đã triển khai",
                "{{ details.antivirus }} Phần mềm chống virus   {{ details.firewall }} Tường lửa   "
                "{{ details.ids }} Hệ thống phát hiện xâm nhập   {{ details.measures_other_box }} Khác: "
                "{{ details.measures_other }}",
            ),
            ("Địa chỉ IP công khai của hệ thống (không ghi địa chỉ IP nội bộ)", "{{ details.public_ips }}"),
            ("Tên miền của hệ thống", "{{ details.domains }}"),
            ("Mục đích chính của hệ thống", "{{ details.purpose }}"),
            (
                "Thông tin gửi kèm",
                "{{ attachments.logs }} Nhật ký hệ thống   {{ attachments.malware_sample }} Mẫu "
                "virus/mã độc   {{ attachments.other_box }} Khác: {{ attachments.other }}",
            ),
            (
                "Thông tin về sự cố phải được giữ bí mật",
                "{{ confidential.yes }} Có      {{ confidential.no }} Không",
            ),
        ],
    )
    heading(doc, "8. Kiến nghị, đề xuất hỗ trợ ứng cứu sự cố")
    para(doc, "{{ support_request }}", align="justify", indent=1)
    heading(doc, "9. Thời gian thực hiện báo cáo sự cố (*)")
    para(doc, "{{ reported_at }}", indent=1)
    para(
        doc,
        "Ghi chú: các mục có dấu (*) là bắt buộc; khi gửi bằng thư điện tử, tiêu đề thư bắt đầu bằng [TBSC].",
        italic=True,
        size=11,
        before=4,
        keep=True,
    )
    closing(doc)
    return doc


def form04() -> DocumentObject:
    doc = new_document()
    masthead(doc)
    title(doc, ["BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ"], f"(Mẫu 04, Phụ lục I ban hành kèm theo {BASIS})")
    addressees(doc)
    heading(doc, "1. Thông tin về tổ chức, cá nhân báo cáo sự cố")
    field_table(
        doc,
        [
            ("Tên tổ chức/cá nhân (*)", "{{ reporter.name }}"),
            ("Địa chỉ (*)", "{{ reporter.address }}"),
            ("Điện thoại (*)", "{{ reporter.phone }}"),
            ("Thư điện tử (*)", "{{ reporter.email }}"),
        ],
    )
    heading(doc, "2. Ký hiệu báo cáo ban đầu sự cố")
    field_table(
        doc, [("Số, ký hiệu", "{{ initial_report.number }}"), ("Ngày báo cáo", "{{ initial_report.date }}")]
    )
    heading(doc, "3. Thông tin về hệ thống bị sự cố")
    field_table(
        doc,
        [
            ("Tên đơn vị vận hành hệ thống thông tin (*)", "{{ system.operator }}"),
            ("Cơ quan chủ quản", "{{ system.owner_agency }}"),
            ("Tên hệ thống thông tin", "{{ system.name }}"),
            ("Phân loại cấp độ của hệ thống thông tin", "{{ system.level }}"),
        ],
    )
    heading(doc, "4. Thông tin về sự cố")
    field_table(
        doc,
        [
            ("Tên, mô tả sự cố", "{{ incident.title }}"),
            ("Ngày phát hiện sự cố (*)", "{{ incident.detected_date }}"),
            ("Thời gian phát hiện (*)", "{{ incident.detected_time }}"),
        ],
    )
    heading(doc, "5. Kết quả xử lý sự cố")
    para(
        doc,
        "(Mô tả sự cố đã xảy ra, cách thức đã khắc phục và đề xuất biện pháp để xử lý nhanh, giảm thiểu "
        "rủi ro, thiệt hại đối với các sự cố tương tự.)",
        italic=True,
        size=11,
        indent=1,
    )
    para(doc, "{{ result }}", align="justify", indent=1)
    heading(doc, "6. Các tài liệu đính kèm")
    para(doc, "{%p for a in attachments %}", after=0)
    para(doc, "- {{ a }}", indent=0.6, after=1)
    para(doc, "{%p endfor %}", after=0)
    para(doc, "Ghi chú: các mục có dấu (*) là bắt buộc.", italic=True, size=11, before=4, keep=True)
    closing(doc)
    return doc


def form05() -> DocumentObject:
    doc = new_document()
    masthead(doc)
    title(
        doc,
        ["BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ", "{{ period.title }}"],
        f"(Mẫu 05, Phụ lục I ban hành kèm theo {BASIS})",
    )
    addressees(doc)
    para(
        doc,
        "Kỳ báo cáo: {{ period.kind }}, từ tháng {{ period.start }} đến tháng {{ period.end }}.",
        indent=1,
    )
    para(doc, "{%p if scope %}", after=0)
    para(doc, "Phạm vi: {{ scope }}.", indent=1)
    para(doc, "{%p endif %}", after=0)
    field_table(
        doc,
        [
            ("Tên tổ chức (*)", "{{ organisation.name }}"),
            ("Địa chỉ (*)", "{{ organisation.address }}"),
            ("Điện thoại", "{{ organisation.phone }}"),
            ("Thư điện tử", "{{ organisation.email }}"),
            ("Mã thành viên mạng lưới (*)", "{{ member_code }}"),
        ],
    )
    heading(doc, "1. Tình hình sự cố đã tiếp nhận và xử lý")
    widths = (0.9, 4.4, 1.6, 1.6, 1.9, 1.9, 1.8, 2.4)
    heads = (
        "TT",
        "Loại sự cố",
        "Số lượng",
        "Tự xử lý",
        "Có hỗ trợ của tổ chức khác",
        "Có hỗ trợ của tổ chức nước ngoài",
        "Đề nghị hỗ trợ",
        "Ước tính thiệt hại (đồng)",
    )
    body = (
        "{{ row.index }}",
        "{{ row.label }}",
        "{{ row.count }}",
        "{{ row.self_handled }}",
        "{{ row.with_domestic_help }}",
        "{{ row.with_foreign_help }}",
        "{{ row.support_requested }}",
        "{{ row.damage }}",
    )
    t = row_table(doc, widths, heads, body, "row in rows", (1,))
    total = t.add_row().cells
    set_widths(total, widths)
    for cell in total:
        first_cell_paragraph(cell)
    totals = (
        "",
        "Tổng cộng",
        "{{ total.count }}",
        "{{ total.self_handled }}",
        "{{ total.with_domestic_help }}",
        "{{ total.with_foreign_help }}",
        "{{ total.support_requested }}",
        "{{ total.damage }}",
    )
    for i, (cell, text) in enumerate(zip(total, totals, strict=True)):
        para(cell, text, bold=True, size=11, align="left" if i == 1 else "center", after=0)
    lists = (
        ("2. Danh sách tổ chức đã hỗ trợ xử lý sự cố", "helpers", "h"),
        ("3. Danh sách tổ chức nước ngoài đã hỗ trợ xử lý sự cố", "foreign_helpers", "f"),
    )
    for head, name, var in lists:
        heading(doc, head)
        para(doc, f"{{%p for {var} in {name} %}}", after=0)
        para(doc, f"- {{{{ {var} }}}}", indent=0.6, after=1)
        para(doc, "{%p endfor %}", after=0)
        para(doc, f"{{%p if not {name} %}}", after=0)
        para(doc, "Không có.", indent=0.6, after=1)
        para(doc, "{%p endif %}", after=0)
    heading(doc, "4. Kiến nghị, đề xuất")
    para(doc, "{{ recommendations }}", align="justify", indent=1)
    closing(doc)
    return doc


FORMS: dict[str, Callable[[], DocumentObject]] = {"03": form03, "04": form04, "05": form05}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for form, build in FORMS.items():
        path = OUT / f"mau-{form}.docx"
        data = docx_bytes(build())
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    if stale:
        print("out of date (run scripts/make_form_templates.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
