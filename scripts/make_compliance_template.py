#!/usr/bin/env python3
"""Write the packaged DOCX template of the directive's province summary (the report to the
People's Committee on what agencies did for 20/UBND-VHXH) into
``src/canhgac/compliance/data/tong-hop-KG20.docx``, in the same administrative layout as the
forms: the masthead, addressees, tables and signature block of ``scripts/docx_layout.py``.

The template is data: a province may change the committed file (or point
``canhgac compliance summary --template`` at its own) without running this script.

Usage: python3 scripts/make_compliance_template.py            write the file
       python3 scripts/make_compliance_template.py --check    exit 1 when the committed file differs
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.document import Document as DocumentObject

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx_layout import (
    addressees,
    closing,
    docx_bytes,
    heading,
    masthead,
    new_document,
    para,
    row_table,
    title,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "canhgac" / "compliance" / "data" / "tong-hop-KG20.docx"


def summary() -> DocumentObject:
    doc = new_document()
    masthead(doc)
    title(
        doc,
        ["BÁO CÁO", "Kết quả thực hiện Công văn {{ s.source }}"],
        "(về tăng cường bảo đảm an toàn thông tin dịp nghỉ lễ, Tết)",
    )
    addressees(doc)
    para(
        doc,
        "Đến ngày {{ s.date }}, trên tổng số {{ s.agencies }} cơ quan, đơn vị, kết quả thực hiện "
        "từng nhiệm vụ như sau (số liệu tổng hợp tự động từ kết quả rà quét, giám sát và tự đánh "
        "giá đã được Đội ứng cứu sự cố phê duyệt). {{ s.deadline }}",
        align="justify",
        indent=1,
    )
    heading(doc, "1. Kết quả theo từng nhiệm vụ")
    row_table(
        doc,
        (1.5, 4.5, 3.3, 1.4, 1.4, 1.4, 1.4, 1.6),
        ("Nhiệm vụ", "Nội dung", "Trách nhiệm", "Đã xong", "Một phần", "Chưa xong", "Trễ hạn", "Chưa đo"),
        (
            "{{ t.id }}",
            "{{ t.title }}",
            "{{ t.responsible }}",
            "{{ t.done }}",
            "{{ t.partly }}",
            "{{ t.not_done }}",
            "{{ t.late }}",
            "{{ t.not_measured }}",
        ),
        "t in tasks",
        (1, 2),
    )
    para(
        doc,
        "“Chưa đo”: canhgac chưa có dữ liệu để đánh giá (chưa rà quét, chưa giám sát, hoặc chức năng "
        "chưa triển khai); không được tính là đã thực hiện.",
        italic=True,
        size=11,
        before=3,
    )
    heading(doc, "2. Các nội dung trễ hạn và cơ quan chịu trách nhiệm")
    para(doc, "{%p if late %}", after=0)
    row_table(
        doc,
        (0.9, 1.5, 4.0, 4.9, 2.4, 2.8),
        ("TT", "Nhiệm vụ", "Cơ quan, đơn vị", "Nội dung trễ hạn", "Hạn", "Cán bộ đầu mối"),
        ("{{ l.no }}", "{{ l.task }}", "{{ l.agency }}", "{{ l.item }}", "{{ l.due }}", "{{ l.officers }}"),
        "l in late",
        (2, 3, 5),
    )
    para(doc, "{%p else %}", after=0)
    para(doc, "Không có nội dung trễ hạn.", indent=1)
    para(doc, "{%p endif %}", after=0)
    heading(doc, "3. Đề xuất")
    para(
        doc,
        "Đề nghị Ủy ban nhân dân tỉnh chỉ đạo thủ trưởng các cơ quan, đơn vị có nội dung trễ hạn "
        "khẩn trương hoàn thành và báo cáo kết quả về Đội ứng cứu sự cố máy tính tỉnh.",
        align="justify",
        indent=1,
    )
    closing(doc)
    return doc


def main(argv: list[str]) -> int:
    data = docx_bytes(summary())
    if "--check" in argv:
        if not OUT.exists() or OUT.read_bytes() != data:
            print(f"out of date (run scripts/make_compliance_template.py): {OUT.relative_to(ROOT)}")
            return 1
        return 0
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
