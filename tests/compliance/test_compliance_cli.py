"""``canhgac compliance`` end to end in a fresh interpreter: status (table and JSON), an officer's
answer with a file, refused for another agency, the CSIRT's approval turning the item done, the
summary written as DOCX and HTML, and bad input refused in one line (no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docx import Document

BATCH = """
import json, sys
from pathlib import Path
from canhgac.netguard import install_loopback_guard
install_loopback_guard()
from canhgac.console.bootstrap import migrate, setup_django
ws = Path(sys.argv[1]); ws.mkdir(parents=True, exist_ok=True)
setup_django(database_url=f"sqlite:///{ws / 'canhgac.sqlite3'}", workspace=ws)
migrate()
from canhgac.console.store import services
from canhgac.console.store.accounts import create_account
from canhgac.console.store.roles import Role
services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]},
                        {"code": "SO-B", "name": "Sở B", "domains": ["b.gov.vn"]}])
create_account("officer.a", "a-Long-pass-phrase-9", Role.AGENCY_OFFICER, ["SO-A"], actor="test")
from typer.testing import CliRunner
from canhgac.cli.main import app
runner, answers = CliRunner(), []
for args in json.loads(sys.stdin.read()):
    done = runner.invoke(app, ["--lang", "en", "--workspace", str(ws), *args])
    crashed = done.exception is not None and not isinstance(done.exception, SystemExit)
    err = done.stderr + (repr(done.exception) if crashed else "")
    answers.append([99 if crashed else done.exit_code, done.stdout, err])
print(json.dumps(answers))
"""


def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}
    done = subprocess.run(
        [sys.executable, "-c", BATCH, str(ws)],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [(code, out, err) for code, out, err in json.loads(done.stdout.splitlines()[-1])]


def test_status_answer_approve_and_summary_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"%PDF-1.7\n%%EOF\n")
    fake = tmp_path / "plan2.pdf"
    fake.write_bytes(b"MZ not a pdf")
    item = "5.plan-response"
    answers = _batch(
        ws,
        ["compliance", "status", "--format", "json", "--holiday", "2027-02-05", "--today", "2027-02-01"],
        [
            "compliance",
            "answer",
            "SO-A",
            item,
            "yes",
            "-f",
            str(plan),
            "--note",
            "signed",
            "--as",
            "officer.a",
        ],
        ["compliance", "answer", "SO-B", item, "yes", "--file", str(plan), "--as", "officer.a"],
        ["compliance", "answer", "SO-A", item, "yes", "--file", str(fake), "--as", "officer.a"],
        ["compliance", "approve", "SO-A", item, "--as", "officer.a"],
        ["compliance", "approve", "SO-A", item],
        ["compliance", "status", "--agency", "SO-A", "--format", "json", "--as", "officer.a"],
        ["compliance", "status", "--agency", "SO-B", "--format", "json", "--as", "officer.a"],
        ["compliance", "show", "SO-A", item],
        ["compliance", "status", "-a", "SO-A"],
        ["compliance", "summary", "-o", str(tmp_path / "t.docx"), "--holiday", "2027-02-05"],
        ["compliance", "summary", "-o", str(tmp_path / "t.html")],
        ["compliance", "summary", "-o", str(tmp_path / "t.pdf")],
        ["compliance", "status", "--holiday", "05/02/2027"],
        ["compliance", "answer", "SO-A", "9.none", "yes"],
    )
    (
        first,
        answered,
        other,
        fake_file,
        officer_approves,
        approved,
        mine,
        theirs,
        show,
        table,
        docx,
        html,
        pdf,
        bad_day,
        bad_item,
    ) = answers
    assert first[0] == 0
    cells = json.loads(first[1])["cells"]
    assert {c["agency"] for c in cells} == {"SO-A", "SO-B"} and len(cells) == 2 * 17
    cell = next(c for c in cells if c["agency"] == "SO-A" and c["item"] == item)
    assert (cell["status"], cell["due"], cell["task"]) == ("late", "2027-01-29", "5")
    assert answered[0] == 0, answered[2]
    assert other[0] == 2 and "no agency SO-B among the agencies you may act for" in other[2]
    assert fake_file[0] == 2 and "not a .pdf file" in fake_file[2]
    assert officer_approves[0] == 2 and "only the CSIRT" in officer_approves[2]
    assert approved[0] == 0, approved[2]
    mine_cells = json.loads(mine[1])["cells"]
    assert {c["agency"] for c in mine_cells} == {"SO-A"}
    done = next(c for c in mine_cells if c["item"] == item)
    assert done["status"] == "done" and done["evidence"][0]["kind"] == "answer"
    assert json.loads(theirs[1])["cells"] == []  # --agency never widens an officer's scope
    assert show[0] == 0 and "approved" in show[1] and "application/pdf" in show[1]
    assert table[0] == 0 and "not measured yet" in table[1]
    for code, _out, err in (docx, html):
        assert code == 0, err
    doc = Document(str(tmp_path / "t.docx"))
    assert any("Kết quả thực hiện Công văn 20/UBND-VHXH" in p.text for p in doc.paragraphs)
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "Không có nội dung trễ hạn" in page and "Chưa đặt ngày bắt đầu kỳ nghỉ" in page  # no --holiday
    for code, out, err in (pdf, bad_day, bad_item):
        assert code == 2 and "Traceback" not in out + err and err.strip(), (code, out, err)
    assert "unknown item 9.none" in bad_item[2]
