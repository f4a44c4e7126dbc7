"""``canhgac incidents report 03|04 ID -o FILE``: form 04 written from an incident's records and
read back with python-docx; what form 03 lacks, an unknown form or incident, one line (exit 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import docx
from test_incidents_cli import BATCH, _env

FORMS = """
[forms]
number-pattern = "{number}/BC-SKHCN"
[forms.issuer]
parent = "UBND tỉnh Kiên Giang"
name = "Sở Khoa học và Công nghệ"
place = "Kiên Giang"
address = "Số 01 Trần Hưng Đạo, Rạch Giá"
phone = "0297 3 862 999"
email = "csirt@kiengiang.gov.vn"
[forms.signer]
title = "Phó Giám đốc"
name = "Lê Hoàng Đức"
"""


def test_the_reports_of_an_incident(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "canhgac.toml").write_text(FORMS, encoding="utf-8")
    out = tmp_path / "bc.docx"
    commands = [
        [
            "incidents",
            "open",
            "--agency",
            "SO-A",
            "--title",
            "Cổng bị thay đổi giao diện",
            "--detected",
            "2026-03-02 09:00",
            "--reporter",
            "Anh Nam 0912345678",
        ],
        ["incidents", "note", "1", "Đã cô lập máy chủ", "--kind", "progress"],
        ["incidents", "report", "04", "1", "-o", str(out), "--number", "21", "--record"],
        ["incidents", "report", "03", "1", "-o", str(tmp_path / "x.docx"), "--number", "20"],
        ["incidents", "report", "05", "1", "-o", str(tmp_path / "y.docx")],
        ["incidents", "report", "04", "99", "-o", str(tmp_path / "z.docx")],
        ["incidents", "show", "1"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", BATCH, str(ws)],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.splitlines()[-1])
    assert answers[2][0] == 0, answers[2]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
    cells = "\n".join(
        c.text for t in docx.Document(io.BytesIO(out.read_bytes())).tables for r in t.rows for c in r.cells
    )
    assert "21/BC-SKHCN" in text + cells and "Cổng bị thay đổi giao diện" in cells
    assert "Báo cáo diễn biến ngày" in text + cells and "Sở A" in cells
    code, _out, err = answers[3]
    assert (
        code == 2 and "contact.name" in err and "Traceback" not in err and not (tmp_path / "x.docx").exists()
    )
    assert answers[4][0] == 2 and "05" in answers[4][2]
    assert answers[5][0] == 2 and "99" in answers[5][2]
    assert "21/BC-SKHCN" in answers[6][1]  # --record: the timeline says it was made
