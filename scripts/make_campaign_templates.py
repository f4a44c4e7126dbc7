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

from docx_layout import closing_cells, docx_bytes, masthead, new_document, para, row_table, signature, title

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "canhgac" / "creds" / "campaign" / "data" / "thu-thong-bao.docx"


def lines(doc: DocumentObject, name: str) -> None:
    """One justified paragraph per line of the list ``name``."""
    para(doc, "{%p for line in " + name + " %}", after=0)
    para(doc, "{{ line }}", align="justify", indent=1)
    para(doc, "{%p endfor %}", after=0)


def letter() -> DocumentObject:
    doc = new_document()
    masthead(doc, motto="{{ t.motto }}", motto_line="{{ t.motto_line }}", number="{{ t.number }}")
    title(doc, ["{{ t.title }}"], "{{ t.subtitle }}")
    para(doc, "{{ t.to }}", align="center", after=6)
    lines(doc, "body")
    row_table(
        doc,
        (1.0, 5.6, 3.6, 2.6, 3.7),
        ("{{ t.h0 }}", "{{ t.h1 }}", "{{ t.h2 }}", "{{ t.h3 }}", "{{ t.h4 }}"),
        ("{{ r.no }}", "{{ r.c1 }}", "{{ r.c2 }}", "{{ r.c3 }}", "{{ r.c4 }}"),
        "r in rows",
        (1, 2),
    )
    para(doc, "", after=3)
    lines(doc, "steps")
    lines(doc, "after")
    left, right = closing_cells(doc)
    para(left, "{{ t.recipients }}", bold=True, italic=True, size=12, before=12, after=0)
    para(left, "{%p for line in copies %}", size=11, after=0)
    para(left, "- {{ line }}", size=11, after=0)
    para(left, "{%p endfor %}", size=11, after=0)
    signature(right, "{{ t.sign }}")
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
