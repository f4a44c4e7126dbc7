#!/usr/bin/env python3
"""Write the packaged DOCX templates of forms 03, 04 and 05 (Circular 20/2017/TT-BTTTT, annex I)
into ``src/canhgac/reports/forms/data/``, in the layout of a Vietnamese administrative document
(Decree 30/2020/NĐ-CP): A4, Times New Roman 13 pt, the issuing body top left and the national
motto top right, each over a short rule; the number under the issuer and the place and date under
the motto; the title; "Kính gửi"; the body; "Nơi nhận" bottom left and the signature bottom right.

The templates are data: a province may change the committed files (or point ``[forms] form03 =
"..."`` at its own) without running this script. The script exists so that the packaged files
can be reviewed as code and rebuilt byte for byte (the zip entries carry a fixed date).

Usage: python3 scripts/make_form_templates.py            write the three files
       python3 scripts/make_form_templates.py --check    exit 1 when a committed file differs
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "canhgac" / "reports" / "forms" / "data"
FONT = "Times New Roman"
SIZE = 13
BASIS = "Thông tư số 20/2017/TT-BTTTT ngày 12/9/2017 của Bộ trưởng Bộ Thông tin và Truyền thông"
Container = DocumentObject | _Cell


# --- paragraphs and runs -----------------------------------------------------------------------


def para(
    where: Container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = SIZE,
    align: str = "left",
    before: float = 0,
    after: float = 3,
    indent: float = 0,
    keep: bool = False,
) -> Paragraph:
    """A paragraph of one run (so a Jinja tag in ``text`` is never split across runs)."""
    p = where.add_paragraph()
    p.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), 1.1
    if indent:
        fmt.first_line_indent = Cm(indent)
    if keep:
        fmt.keep_with_next = True
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return p


def rule(where: _Cell, width_cm: float, cell_cm: float) -> None:
    """The short solid rule under the issuer and under the motto: a bottom border on an empty,
    narrow paragraph centred in its cell."""
    p = para(where, after=0, size=4)
    side = max((cell_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.line_spacing = Pt(2)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    p._p.get_or_add_pPr().append(border)


def first_cell_paragraph(cell: _Cell) -> None:
    """A new cell holds one empty paragraph: remove it so the cell starts with ours."""
    cell._tc.remove(cell.paragraphs[0]._p)


# --- tables ------------------------------------------------------------------------------------


def _borders(table: Table, visible: bool) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if visible else "nil")
        if visible:
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def table(where: DocumentObject, widths: Sequence[float], *, rows: int = 0, visible: bool = True) -> Table:
    t = where.add_table(rows=rows, cols=len(widths))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _borders(t, visible)
    for i, width in enumerate(widths):
        t.columns[i].width = Cm(width)
    return t


def set_widths(row_cells: Sequence[_Cell], widths: Sequence[float]) -> None:
    for cell, width in zip(row_cells, widths, strict=True):
        cell.width = Cm(width)


def field_table(where: DocumentObject, rows: Sequence[tuple[str, str]]) -> None:
    """A two-column table of label | value; a label ending in (*) is a mandatory field."""
    widths = (6.2, 10.3)
    t = table(where, widths)
    for label, value in rows:
        cells = t.add_row().cells
        set_widths(cells, widths)
        for cell, text in zip(cells, (label, value), strict=True):
            first_cell_paragraph(cell)
            para(cell, text, after=1, size=12 if cell is cells[0] else SIZE)


def heading(where: DocumentObject, text: str) -> None:
    para(where, text, bold=True, before=6, after=3, keep=True)


# --- the frame every form shares ---------------------------------------------------------------


def new_document() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(SIZE)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    style.element.get_or_add_rPr().append(lang)
    for empty in list(doc.paragraphs):  # the default document's empty first paragraph
        empty._p.getparent().remove(empty._p)
    props = doc.core_properties
    props.author = props.last_modified_by = "canhgac"
    props.created = props.modified = datetime(2026, 12, 7)
    props.revision = 1
    return doc


def masthead(doc: DocumentObject) -> None:
    """Issuer and number (left), national motto and place/date (right)."""
    widths = (6.9, 9.6)
    t = table(doc, widths, rows=2, visible=False)
    left, right = t.rows[0].cells
    set_widths(t.rows[0].cells, widths)
    set_widths(t.rows[1].cells, widths)
    for cell in (*t.rows[0].cells, *t.rows[1].cells):
        first_cell_paragraph(cell)
    para(left, "{{ doc.issuer_parent }}", size=12, align="center", after=0)
    para(left, "{{ doc.issuer_name }}", bold=True, size=12, align="center", after=0)
    rule(left, 2.2, widths[0])
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align="center", after=0)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, align="center", after=0)
    rule(right, 5.6, widths[1])
    number, place = t.rows[1].cells
    para(number, "Số: {{ doc.number }}", align="center", before=4)
    para(place, "{{ doc.place_date }}", italic=True, align="center", before=4)


def title(doc: DocumentObject, lines: Sequence[str], subtitle: str) -> None:
    for i, line in enumerate(lines):
        para(doc, line, bold=True, size=14, align="center", before=14 if i == 0 else 0, after=0)
    para(doc, subtitle, italic=True, size=12, align="center", after=8)


def addressees(doc: DocumentObject) -> None:
    """ "Kính gửi: X." on one line for one addressee; else "Kính gửi:" over a list, one per line."""
    para(doc, "{%p if doc.to|length == 1 %}", after=0)
    para(doc, "Kính gửi: {{ doc.to[0].name }}.", align="center", after=6)
    para(doc, "{%p else %}", after=0)
    head = para(doc, "Kính gửi:", after=0, keep=True)
    head.paragraph_format.left_indent = Cm(1.5)
    para(doc, "{%p for t in doc.to %}", after=0)
    item = para(doc, "- {{ t.name }}{{ ';' if not loop.last else '.' }}", after=0)
    item.paragraph_format.left_indent = Cm(3.2)
    item.paragraph_format.first_line_indent = Cm(-0.3)
    para(doc, "{%p endfor %}", after=0)
    para(doc, "", after=4)
    para(doc, "{%p endif %}", after=0)


def closing(doc: DocumentObject) -> None:
    """Nơi nhận (left) and the signature (right)."""
    widths = (7.5, 9.0)
    t = table(doc, widths, rows=1, visible=False)
    left, right = t.rows[0].cells
    set_widths(t.rows[0].cells, widths)
    _whole(t)
    first_cell_paragraph(left)
    first_cell_paragraph(right)
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, before=12, after=0)
    para(left, "- Như trên;", size=11, after=0)
    para(left, "{%p for c in doc.copies %}", size=11, after=0)
    para(left, "- {{ c }};", size=11, after=0)
    para(left, "{%p endfor %}", size=11, after=0)
    para(left, "- Lưu: {{ doc.filed_as }}.", size=11, after=0)
    para(right, "{{ doc.signer_authority }}", bold=True, align="center", before=12, after=0)
    para(right, "{{ doc.signer_title }}", bold=True, align="center", after=0)
    para(right, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, size=12, align="center", after=0)
    for _ in range(3):
        para(right, "", after=0)
    para(right, "{{ doc.signer_name }}", bold=True, align="center", after=0)


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
    t = table(doc, widths, rows=4)
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
    cells_of = [row.cells for row in t.rows]
    for cells in cells_of:
        set_widths(cells, widths)
        for cell in cells:
            first_cell_paragraph(cell)
    for cell, text in zip(cells_of[0], heads, strict=True):
        para(cell, text, bold=True, size=11, align="center", after=0)
    _repeat_header(t)
    para(cells_of[1][0], "{%tr for row in rows %}", size=11, after=0)
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
    for i, (cell, text) in enumerate(zip(cells_of[2], body, strict=True)):
        para(cell, text, size=11, align="left" if i == 1 else "center", after=0)
    para(cells_of[3][0], "{%tr endfor %}", size=11, after=0)
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


def _whole(t: Table) -> None:
    """The closing block never splits across pages (the signer's name stays with the title)."""
    for row in t.rows:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(el)


def _repeat_header(t: Table) -> None:
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


FORMS: dict[str, Callable[[], DocumentObject]] = {"03": form03, "04": form04, "05": form05}


def docx_bytes(doc: DocumentObject) -> bytes:
    """The document's bytes with every zip entry dated 1980-01-01, so a rebuild is identical."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


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
