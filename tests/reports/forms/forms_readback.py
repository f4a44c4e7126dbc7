"""Shared by the form tests: the fixtures' data and configuration, a form rendered from them, and
the DOCX read back with python-docx (paragraphs in order, and each two-column table as label →
value), so a test asserts what a reader of the document sees."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx

from canhgac.reports.forms import FormsConfig, build_form, read_form_data, read_forms_config, render_form

DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2026, 12, 7)


def fixture_config() -> FormsConfig:
    return read_forms_config(DATA / "canhgac.toml")


def fixture_data(form: str) -> Any:
    return read_form_data(DATA / f"form{form}.yaml")


def rendered(form: str, data: Any = None, config: FormsConfig | None = None) -> bytes:
    config = config or fixture_config()
    report = build_form(form, fixture_data(form) if data is None else data, config, today=TODAY)
    return render_form(report, config)


class ReadBack:
    """What the DOCX shows: ``lines`` (every paragraph of the body and of every table cell, in
    order, stripped, empty ones left out), ``tables`` (each table as rows of cell texts) and
    ``after`` (the body paragraph just before a two-column table → that table as label → value;
    so the reporter's "Điện thoại (*)" and the contact's are told apart)."""

    def __init__(self, data: bytes) -> None:
        document = docx.Document(io.BytesIO(data))
        self.lines: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.after: dict[str, dict[str, str]] = {}
        self._last = ""
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = docx.text.paragraph.Paragraph(child, document).text
                self._line(text)
                self._last = self.lines[-1] if text.strip() else self._last
            elif tag == "tbl":
                self._table(docx.table.Table(child, document))
        self.text = "\n".join(self.lines)

    def _line(self, text: str) -> None:
        """A paragraph's lines (a line break inside it, ``<w:br/>``, reads as a new line)."""
        self.lines.extend(line.strip() for line in text.splitlines() if line.strip())

    def _table(self, table: docx.table.Table) -> None:
        rows = []
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            rows.append(cells)
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    self._line(paragraph.text)
        self.tables.append(rows)
        if all(len(cells) == 2 for cells in rows):
            self.after[self._last] = {cells[0]: cells[1] for cells in rows}

    def fields(self, heading: str) -> dict[str, str]:
        """The two-column table after the paragraph that starts with ``heading``."""
        found = [fields for line, fields in self.after.items() if line.startswith(heading)]
        assert len(found) == 1, f"one table after {heading!r}: {list(self.after)}"
        return found[0]
