"""``canhgac incidents`` end to end in a fresh interpreter: open by phone and from a [TBSC] file,
note, move, link, notify until the clock stops, list and show (table and JSON), and bad input
refused in one line (exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = (
    "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
    "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
)
# One interpreter per test: the store seeded, then every command run in-process (Typer's runner),
# each answer as (exit code, stdout, stderr); an interpreter start per command is seconds.
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
services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]},
                        {"code": "SO-B", "name": "Sở B", "domains": ["b.gov.vn"]}])
from typer.testing import CliRunner
from canhgac.cli.main import app
runner, answers = CliRunner(), []
for args in json.loads(sys.stdin.read()):
    done = runner.invoke(app, ["--workspace", str(ws), *args])
    crashed = done.exception is not None and not isinstance(done.exception, SystemExit)
    err = done.stderr + (repr(done.exception) if crashed else "")
    answers.append([99 if crashed else done.exit_code, done.stdout, err])
print(json.dumps(answers))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}


def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
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
    return [(code, out, err) for code, out, err in json.loads(done.stdout.splitlines()[-1])]


def _cli(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )


MAIL = """From: Phòng CNTT <cntt@a.gov.vn>
Date: Mon, 02 Mar 2026 08:15:00 +0700
Subject: [TBSC] Cổng thông tin bị thay đổi giao diện

Trang chủ hiển thị nội dung lạ.
"""
EN = ["--lang", "en", "incidents"]


def test_an_incident_from_phone_call_to_closing(tmp_path: Path) -> None:
    notify = [
        "notify",
        "1",
        "--to",
        "X",
        "--via",
        "email",
        "--at",
        "2026-03-03T10:00+07:00",
        "--initial-report",
        "--ref",
        "05/BC-CSIRT",
        "--party",
    ]
    answers = _batch(
        tmp_path / "ws",
        [
            *EN,
            "open",
            "--agency",
            "SO-A",
            "--title",
            "Portal defaced",
            "--detected",
            "2026-03-02T09:00",
            "--reporter",
            "Anh Nam 0912345678",
            "--type",
            "defacement",
        ],
        ["incidents", "note", "1", "Đã cô lập máy chủ", "--kind", "plan"],
        ["incidents", "move", "1", "containment"],
        ["incidents", "link", "1", "--indicator", "ip:203.0.113.5", "--note", "C2"],
        *([*EN, *notify, party] for party in ("owner-agency", "response-unit", "national-coordinator")),
        ["incidents", "show", "1", "--format", "json"],
        [*EN, "show", "1"],
        ["incidents", "list"],
    )
    assert [code for code, _out, _err in answers] == [0] * len(answers), answers
    opened = answers[0][1]
    assert "Incident 1 opened; initial report due by 10 Mar 2026, 00:00 (+07:00)" in opened, opened
    assert "the 5-day clock stopped" in answers[6][1] and "the 5-day clock stopped" not in answers[5][1]
    shown = json.loads(answers[7][1])
    assert (shown["clock"], shown["state"], shown["category"]) == ("reported", "containment", "defacement")
    assert shown["reported_at"] == "2026-03-03T03:00:00+00:00" and shown["missing_initial_report"] == []
    # the timeline is in the order things happened: the notices are dated --at (March 2026), before
    # the entries written now
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds == ["notification"] * 3 + ["opened", "plan", "state", "link"]
    assert shown["links"][0]["ref"] == "ip:203.0.113.5" and shown["source"] == "phone"
    assert "Portal defaced" in answers[8][1] and "national coordinator" in answers[8][1]
    assert "Portal defaced" in answers[9][1] and "đã báo cáo" in answers[9][1]  # Vietnamese by default


def test_a_tbsc_file_and_bad_input_are_one_line_errors(tmp_path: Path) -> None:
    eml, broken = tmp_path / "tbsc.eml", tmp_path / "broken.eml"
    eml.write_text(MAIL, encoding="utf-8")
    broken.write_bytes(b"\x00\x01garbage")
    refused = (
        (("import-mail", str(broken)), "broken.eml: this is not an e-mail message"),
        (("import-mail", str(tmp_path / "none.eml")), "none.eml: No such file"),
        (("move", "1", "new"), "already in state new"),
        (("move", "1", "closed"), "needs a reason"),
        (("move", "1", "sideways"), "STATE: unknown value sideways"),
        (("show", "99"), "no incident 99"),
        (("open", "--agency", "SO-Z", "--title", "x"), "no agency SO-Z"),
        (("open", "--agency", "SO-A", "--title", "x", "--detected", "tomorrow"), "--detected takes a date"),
        (("link", "1", "--indicator", "colour:red"), "an indicator is TYPE:VALUE"),
        (("notify", "1", "--party", "police", "--to", "x"), "--party: unknown value police"),
        (("list", "--format", "xml"), "unknown format xml"),
    )
    ws = tmp_path / "ws"
    answers = _batch(
        ws,
        [*EN, "import-mail", str(eml)],
        ["incidents", "list", "--format", "json"],
        *([*EN, *args] for args, _says in refused),
        ["incidents", "types"],
    )
    code, out, err = answers[0]
    assert code == 0 and "Incident 1 opened" in out, err
    rows = json.loads(answers[1][1])
    assert (rows[0]["agency"], rows[0]["source"], rows[0]["clock"]) == ("SO-A", "email", "overdue")
    for (args, says), (code, _out, err) in zip(refused, answers[2:], strict=False):
        assert code == 2 and says in err, (args, code, err)
    assert answers[-1][0] == 0 and "Thay đổi giao diện" in answers[-1][1]
    # the real entry point: one line, no traceback
    real = _cli(ws, "--lang", "en", "incidents", "import-mail", str(broken))
    assert real.returncode == 2 and "Traceback" not in real.stderr
    assert real.stderr.strip().splitlines()[-1].startswith("Error: ") and "broken.eml" in real.stderr
