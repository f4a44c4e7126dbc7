"""``canhgac duty import|now`` end to end in a fresh interpreter: the roster imported, who is on
duty at a moment, a bad CSV refused in one line naming its line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = (
    "from canhgac.netguard import install_loopback_guard\ninstall_loopback_guard()\n"
    "import sys\nfrom canhgac.cli.main import app\nsys.argv[0] = 'canhgac'\napp()\n"
)
ROSTER = """person,role,start,end,email,telegram,phone
Nguyễn Văn An,on-duty,2027-02-05 08:00,2027-02-05 20:00,an@stttt.test,111,0912345678
Trần Thị Bình,backup,2027-02-05 08:00,2027-02-06 08:00,binh@stttt.test,,
Cường,on-duty,2027-02-05 20:00,2027-02-06 08:00,cuong@stttt.test,,
"""


def _cli(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", CLI, "--workspace", str(ws), *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_import_the_roster_and_see_who_is_on_duty(tmp_path: Path) -> None:
    ws, csv = tmp_path / "ws", tmp_path / "tet.csv"
    csv.write_text(ROSTER, encoding="utf-8")
    done = _cli(ws, "--create", "--lang", "en", "duty", "import", str(csv))
    assert done.returncode == 0 and "3 shifts imported from tet.csv" in done.stdout, done.stderr
    morning = _cli(ws, "--lang", "en", "duty", "now", "--at", "2027-02-05T09:00+07:00")
    assert morning.returncode == 0, morning.stderr
    assert "Nguyễn Văn An" in morning.stdout and "Trần Thị Bình" in morning.stdout
    assert "Cường" not in morning.stdout
    assert morning.stdout.index("on duty") < morning.stdout.index("backup")
    evening = _cli(ws, "duty", "now", "--at", "2027-02-05T21:00+07:00")
    assert "Cường" in evening.stdout and "trực chính" in evening.stdout
    assert "Nguyễn Văn An" not in evening.stdout
    again = _cli(ws, "--lang", "en", "duty", "import", str(csv))  # the same file again: replaced, not doubled
    assert "3 shifts imported" in again.stdout
    once = _cli(ws, "--lang", "en", "duty", "now", "--at", "2027-02-05T09:00+07:00")
    assert once.stdout.count("Trần Thị Bình") == 1
    nobody = _cli(ws, "--lang", "en", "duty", "now", "--at", "2030-01-01T00:00+07:00")
    assert nobody.returncode == 0 and "Nobody is on duty" in nobody.stdout


def test_a_bad_roster_is_one_line_and_nothing_is_imported(tmp_path: Path) -> None:
    ws, csv = tmp_path / "ws", tmp_path / "bad.csv"
    csv.write_text(ROSTER.replace("backup", "chef"), encoding="utf-8")
    done = _cli(ws, "--create", "--lang", "en", "duty", "import", str(csv))
    assert done.returncode == 2 and "bad.csv: line 3: unknown role 'chef'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    naive = _cli(ws, "--lang", "en", "duty", "now", "--at", "2027-02-05 09:00")
    assert naive.returncode == 2 and "time zone" in naive.stderr
    assert "Nobody is on duty" in _cli(ws, "--lang", "en", "duty", "now").stdout
