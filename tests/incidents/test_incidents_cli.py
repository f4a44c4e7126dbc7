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
SEED = (
    "import sys\nfrom pathlib import Path\nfrom canhgac.console.bootstrap import migrate, setup_django\n"
    "ws = Path(sys.argv[1]); ws.mkdir(parents=True, exist_ok=True)\n"
    "setup_django(database_url=f'sqlite:///{ws / \"canhgac.sqlite3\"}', workspace=ws)\nmigrate()\n"
    "from canhgac.console.store import services\n"
    "services.sync_agencies([{'code': 'SO-A', 'name': 'Sở A', 'domains': ['a.gov.vn']},"
    " {'code': 'SO-B', 'name': 'Sở B', 'domains': ['b.gov.vn']}])\n"
)
MAIL = """From: Phòng CNTT <cntt@a.gov.vn>
Date: Mon, 02 Mar 2026 08:15:00 +0700
Subject: [TBSC] Cổng thông tin bị thay đổi giao diện

Trang chủ hiển thị nội dung lạ.
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}


def _cli(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )


def _seed(ws: Path) -> None:
    subprocess.run([sys.executable, "-c", SEED, str(ws)], check=True, env=_env(), timeout=120)


def test_an_incident_from_phone_call_to_closing(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _seed(ws)
    opened = _cli(
        ws,
        "--lang",
        "en",
        "incidents",
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
    )
    assert opened.returncode == 0, opened.stderr
    assert (
        "Incident 1 opened; initial report due by 9 Mar 2026, 24:00" in opened.stdout
        or "Incident 1 opened; initial report due by 10 Mar 2026, 00:00 (+07:00)" in opened.stdout
    ), opened.stdout
    assert _cli(ws, "incidents", "note", "1", "Đã cô lập máy chủ", "--kind", "plan").returncode == 0
    assert _cli(ws, "incidents", "move", "1", "containment").returncode == 0
    assert _cli(ws, "incidents", "link", "1", "--indicator", "ip:203.0.113.5", "--note", "C2").returncode == 0
    for party in ("owner-agency", "response-unit", "national-coordinator"):
        done = _cli(
            ws,
            "--lang",
            "en",
            "incidents",
            "notify",
            "1",
            "--party",
            party,
            "--to",
            "X",
            "--via",
            "email",
            "--at",
            "2026-03-03T10:00+07:00",
            "--initial-report",
            "--ref",
            "05/BC-CSIRT",
        )
        assert done.returncode == 0, done.stderr
    assert "the 5-day clock stopped" in done.stdout
    shown = json.loads(_cli(ws, "incidents", "show", "1", "--format", "json").stdout)
    assert (
        shown["clock"] == "reported" and shown["state"] == "containment" and shown["category"] == "defacement"
    )
    assert shown["reported_at"] == "2026-03-03T03:00:00+00:00" and shown["missing_initial_report"] == []
    # the timeline is in the order things happened: the notices are dated --at (March), before the
    # entries written now
    assert [e["kind"] for e in shown["timeline"]] == ["notification"] * 3 + [
        "opened",
        "plan",
        "state",
        "link",
    ]
    assert shown["links"][0]["ref"] == "ip:203.0.113.5" and shown["source"] == "phone"
    table = _cli(ws, "--lang", "en", "incidents", "show", "1")
    assert "Portal defaced" in table.stdout and "national coordinator" in table.stdout
    vi = _cli(ws, "incidents", "list")
    assert vi.returncode == 0 and "Portal defaced" in vi.stdout


def test_a_tbsc_file_and_bad_input_are_one_line_errors(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _seed(ws)
    eml = tmp_path / "tbsc.eml"
    eml.write_text(MAIL, encoding="utf-8")
    done = _cli(ws, "--lang", "en", "incidents", "import-mail", str(eml))
    assert done.returncode == 0 and "Incident 1 opened" in done.stdout, done.stderr
    rows = json.loads(_cli(ws, "incidents", "list", "--format", "json").stdout)
    assert rows[0]["agency"] == "SO-A" and rows[0]["source"] == "email"
    assert rows[0]["clock"] == "overdue"  # March 2026 is long past
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"\x00\x01garbage")
    for args, says in (
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
    ):
        bad = _cli(ws, "--lang", "en", "incidents", *args)
        assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
        assert says in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert "Unknown" not in _cli(ws, "incidents", "types").stderr
