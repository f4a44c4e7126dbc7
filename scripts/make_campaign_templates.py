#!/usr/bin/env python3
"""Write the packaged DOCX template of the account-hygiene campaign's notification letter (issue
16, item 4) into ``src/canhgac/creds/campaign/data/thu-thong-bao.docx``, in the administrative
layout of ``docx_layout.py``: masthead, title, addressee, body, a table, recipients and signature.

One template serves both letters (to an account's holder, to the agency's head) and both
languages: every text is a value the services fill (``services/campaign_letters.py``,
translated through gettext), so the file holds layout only.

Usage: python3 scripts/make_campaign_templates.py            write the file
       python3 scripts/make_campaign_templates.py --check    exit 1 when the committed file differs
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.document import Document as DocumentObject

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx_layout import (
    docx_bytes,
    first_cell_paragraph,
    keep_whole,
    new_document,
    para,
    row_table,
    rule,
    set_widths,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "canhgac" / "creds" / "campaign" / "data" / "thu-thong-bao.docx"


def letter() -> DocumentObject:
    doc = new_document()
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
    para(right, "{{ t.motto }}", bold=True, size=12, align="center", after=0)
    para(right, "{{ t.motto_line }}", bold=True, size=13, align="center", after=0)
    rule(right, 5.6, widths[1])
    number, place = t.rows[1].cells
    para(number, "{{ t.number }}", align="center", before=4)
    para(place, "{{ doc.place_date }}", italic=True, align="center", before=4)
    para(doc, "{{ t.title }}", bold=True, size=14, align="center", before=14, after=0)
    para(doc, "{{ t.subtitle }}", italic=True, size=12, align="center", after=8)
    para(doc, "{{ t.to }}", align="center", after=6)
    para(doc, "{%p for line in body %}", after=0)
    para(doc, "{{ line }}", align="justify", indent=1)
    para(doc, "{%p endfor %}", after=0)
    row_table(
        doc,
        (1.0, 5.6, 3.6, 2.6, 3.7),
        ("{{ t.h0 }}", "{{ t.h1 }}", "{{ t.h2 }}", "{{ t.h3 }}", "{{ t.h4 }}"),
        ("{{ r.no }}", "{{ r.c1 }}", "{{ r.c2 }}", "{{ r.c3 }}", "{{ r.c4 }}"),
        "r in rows",
        (1, 2),
    )
    para(doc, "", after=3)
    para(doc, "{%p for line in steps %}", after=0)
    para(doc, "{{ line }}", align="justify", indent=1)
    para(doc, "{%p endfor %}", after=0)
    para(doc, "{%p for line in after %}", after=0)
    para(doc, "{{ line }}", align="justify", indent=1)
    para(doc, "{%p endfor %}", after=0)
    widths = (7.5, 9.0)
    c = table(doc, widths, rows=1, visible=False)
    left, right = c.rows[0].cells
    set_widths(c.rows[0].cells, widths)
    keep_whole(c)
    first_cell_paragraph(left)
    first_cell_paragraph(right)
    para(left, "{{ t.recipients }}", bold=True, italic=True, size=12, before=12, after=0)
    para(left, "{%p for line in copies %}", size=11, after=0)
    para(left, "- {{ line }}", size=11, after=0)
    para(left, "{%p endfor %}", size=11, after=0)
    para(right, "{{ doc.signer_authority }}", bold=True, align="center", before=12, after=0)
    para(right, "{{ doc.signer_title }}", bold=True, align="center", after=0)
    para(right, "{{ t.sign }}", italic=True, size=12, align="center", after=0)
    for _ in range(3):
        para(right, "", after=0)
    para(right, "{{ doc.signer_name }}", bold=True, align="center", after=0)
    return doc


def main(argv: list[str]) -> int:
    data = docx_bytes(letter())
    if "--check" in argv:
        if not OUT.exists() or OUT.read_bytes() != data:
            print(f"out of date (run scripts/make_campaign_templates.py): {OUT.relative_to(ROOT)}")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
