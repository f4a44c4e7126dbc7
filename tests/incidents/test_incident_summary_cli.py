"""``canhgac incidents report 05 --period … -o FILE``: form 05 of the stored incidents from the
command line (the year's edge in Vietnam's time, the counts as JSON, the DOCX read back), and
what it refuses in one line (exit 2): a bad period, an incident's id, another agency."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import docx
from test_incident_report_cli import FORMS
from test_incidents_cli import BATCH, _env


def test_form_05_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "canhgac.toml").write_text(FORMS, encoding="utf-8")
    out = tmp_path / "tong-hop.docx"
    opened = [
        ["incidents", "open", "--agency", agency, "--title", title, "--detected", at, "--type", kind]
        for agency, title, at, kind in (
            ("SO-A", "Mã độc", "2025-12-31 23:30", "malware"),  # Vietnam time: 2025's last half hour
            ("SO-B", "Giao diện", "2025-12-31T17:30+00:00", "defacement"),  # 00:30, 1 January 2026 in Vietnam
            ("SO-B", "Giả mạo", "2025-03-02 09:00", "spoofing"),
        )
    ]
    commands = [
        *opened,
        ["incidents", "report", "05", "--period", "2025", "-o", str(out), "--number", "42",
         "--format", "json"],
        ["incidents", "report", "05", "--period", "2025", "--agency", "SO-B", "-o", str(tmp_path / "b.docx")],
        ["incidents", "report", "05", "--period", "2026Q3", "-o", str(tmp_path / "x.docx")],
        ["incidents", "report", "05", "1", "-o", str(tmp_path / "y.docx")],
        ["incidents", "report", "05", "--period", "2025", "--agency", "SO-Z", "-o", str(tmp_path / "z.docx")],
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
    assert all(a[0] == 0 for a in answers[:3]), answers[:3]
    code, stdout, _err = answers[3]
    assert code == 0
    counted = json.loads(stdout[stdout.index("{") :])
    assert counted["total"]["count"] == 2 and counted["due"] == "2025-12-15"
    assert counted["by_agency"] == {"SO-A": {"malware": 1}, "SO-B": {"spoofing": 1}}
    document = docx.Document(io.BytesIO(out.read_bytes()))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Số: 42/BC-SKHCN" in cells and "Tổng cộng" in cells
    code, stdout, _err = answers[4]
    assert code == 0 and "2025" in stdout and "15/12/2025" in stdout
    b = docx.Document(io.BytesIO((tmp_path / "b.docx").read_bytes()))
    assert any("Phạm vi: các sự cố của Sở B (SO-B)." in p.text for p in b.paragraphs)
    for code, _out, err in answers[5:]:
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) <= 3, err
    assert "2026Q3" in answers[5][2] and "--period" in answers[6][2] and "SO-Z" in answers[7][2]
    assert not (tmp_path / "x.docx").exists() and not (tmp_path / "z.docx").exists()
