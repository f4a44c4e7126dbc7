"""The layout of a Vietnamese administrative document (Decree 30/2020/NĐ-CP), shared by the
scripts that write the packaged DOCX templates (``make_form_templates.py``: forms 03, 04, 05;
``make_compliance_template.py``: the province summary): A4, Times New Roman 13 pt; the masthead
(the issuing body top left and the national motto top right, each over a short rule; the number
under the issuer and the place and date under the motto); the title; "Kính gửi"; tables; "Nơi
nhận" bottom left and the signature bottom right; and the byte-stable DOCX writer (every zip
entry dated 1980-01-01, fixed core properties), so a rebuild of a template is identical.

Build-time only (python-docx); the templates it writes are data the package reads with docxtpl.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

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

FONT = "Times New Roman"
SIZE = 13
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


def masthead(
    doc: DocumentObject,
    *,
    motto: str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    motto_line: str = "Độc lập - Tự do - Hạnh phúc",
    number: str = "Số: {{ doc.number }}",
) -> None:
    """Issuer and number (left), national motto and place/date (right); a template whose motto and
    number are values passes them as Jinja tags."""
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
    para(right, motto, bold=True, size=12, align="center", after=0)
    para(right, motto_line, bold=True, size=13, align="center", after=0)
    rule(right, 5.6, widths[1])
    number_cell, place = t.rows[1].cells
    para(number_cell, number, align="center", before=4)
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


def closing_cells(doc: DocumentObject) -> tuple[_Cell, _Cell]:
    """The closing block's two cells, kept whole on one page: Nơi nhận (left), the signature (right)."""
    widths = (7.5, 9.0)
    t = table(doc, widths, rows=1, visible=False)
    left, right = t.rows[0].cells
    set_widths(t.rows[0].cells, widths)
    keep_whole(t)
    first_cell_paragraph(left)
    first_cell_paragraph(right)
    return left, right


def signature(right: _Cell, sign: str = "(Ký, ghi rõ họ tên và đóng dấu)") -> None:
    """The signer's authority and title, ``sign``, room to sign, and the signer's name."""
    para(right, "{{ doc.signer_authority }}", bold=True, align="center", before=12, after=0)
    para(right, "{{ doc.signer_title }}", bold=True, align="center", after=0)
    para(right, sign, italic=True, size=12, align="center", after=0)
    for _ in range(3):
        para(right, "", after=0)
    para(right, "{{ doc.signer_name }}", bold=True, align="center", after=0)


def closing(doc: DocumentObject) -> None:
    """Nơi nhận (left) and the signature (right)."""
    left, right = closing_cells(doc)
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, before=12, after=0)
    para(left, "- Như trên;", size=11, after=0)
    para(left, "{%p for c in doc.copies %}", size=11, after=0)
    para(left, "- {{ c }};", size=11, after=0)
    para(left, "{%p endfor %}", size=11, after=0)
    para(left, "- Lưu: {{ doc.filed_as }}.", size=11, after=0)
    signature(right)


def keep_whole(t: Table) -> None:
    """The closing block never splits across pages (the signer's name stays with the title)."""
    for row in t.rows:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(el)


def repeat_header(t: Table) -> None:
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def row_table(
    doc: DocumentObject,
    widths: Sequence[float],
    heads: Sequence[str],
    body: Sequence[str],
    loop: str,
    left: Sequence[int],
) -> Table:
    """A bordered table: a header row repeated on each page, then one row per item of ``loop``
    (docxtpl's ``{%tr for %}``); the columns of ``left`` are left-aligned, the others centred."""
    t = table(doc, widths, rows=4)
    cells_of = [row.cells for row in t.rows]
    for cells in cells_of:
        set_widths(cells, widths)
        for cell in cells:
            first_cell_paragraph(cell)
    for cell, text in zip(cells_of[0], heads, strict=True):
        para(cell, text, bold=True, size=11, align="center", after=0)
    repeat_header(t)
    para(cells_of[1][0], "{%tr for " + loop + " %}", size=11, after=0)
    for i, (cell, text) in enumerate(zip(cells_of[2], body, strict=True)):
        para(cell, text, size=11, align="left" if i in left else "center", after=0)
    para(cells_of[3][0], "{%tr endfor %}", size=11, after=0)
    return t


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
