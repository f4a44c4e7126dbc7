"""The summary's DOCX template is data: the packaged file is what the script writes, and a
province's own template that names a value the summary lacks, or is not a Word file, is refused
in one line."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from canhgac.compliance import ProvinceSummary, TaskLine
from canhgac.reports.forms.config import FormsConfig
from canhgac.services import compliance_summary as cs

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ProvinceSummary(
    "20/UBND-VHXH, 08/01/2018",
    dt.date(2027, 2, 1),
    None,
    1,
    (TaskLine("1", "Nhiệm vụ <một> & hai", "Thủ trưởng", 1, 0, 0, 0, 0, 0, ()),),
)


def test_the_packaged_template_is_what_the_script_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_compliance_template.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_values_are_escaped_and_an_unset_header_prints_dotted_lines(tmp_path: Path) -> None:
    docx = cs.render_docx(SUMMARY, FormsConfig())
    path = tmp_path / "s.docx"
    path.write_bytes(docx)
    doc = Document(str(path))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert (
        "Nhiệm vụ <một> & hai" in cells
        and "…………/BC" in cells
        and "Chưa đặt ngày" in "\n".join(p.text for p in doc.paragraphs)
    )
    html = cs.render_html(SUMMARY, FormsConfig())
    assert "Nhiệm vụ &lt;một&gt; &amp; hai" in html


def test_a_template_with_an_unknown_value_or_not_a_word_file_is_refused(tmp_path: Path) -> None:
    own = Document()
    own.add_paragraph("{{ s.nonsense }}")
    path = tmp_path / "own.docx"
    own.save(str(path))
    with pytest.raises(cs.SummaryError, match="cannot be filled") as caught:
        cs.render_docx(SUMMARY, FormsConfig(), template=path)
    assert "\n" not in str(caught.value)
    text = tmp_path / "plain.docx"
    text.write_text("not a word file", encoding="utf-8")
    with pytest.raises(cs.SummaryError, match="not a Word"):
        cs.render_docx(SUMMARY, FormsConfig(), template=text)
    with pytest.raises(cs.SummaryError, match="no such file"):
        cs.render_docx(SUMMARY, FormsConfig(), template=tmp_path / "missing.docx")
