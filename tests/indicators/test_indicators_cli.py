"""``canhgac indicators`` end to end in a fresh interpreter: an incident's indicators exported as
STIX and MISP, imported back as packs, listed and shown (table and JSON), and bad input refused
in one line (exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import stix2  # type: ignore[import-untyped]

# One interpreter: the store seeded with an incident, then every command run in-process (Typer's
# runner), each answer as (exit code, stdout, stderr).
BATCH = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from canhgac.netguard import install_loopback_guard
install_loopback_guard()
from canhgac.i18n import set_language
from canhgac.console.bootstrap import migrate, setup_django
ws = Path(sys.argv[1]); ws.mkdir(parents=True, exist_ok=True)
setup_django(database_url=f"sqlite:///{ws / 'canhgac.sqlite3'}", workspace=ws)
migrate()
from canhgac.console.store import services
services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]}])
from canhgac.services import incidents
links = tuple(incidents.LinkRequest(incidents.LinkKind.INDICATOR, ref, "C2")
              for ref in ("ip:198.51.100.7", "domain:c2.example.net", "md5:0cc175b9c0f1b6a831c399e269772661"))
incidents.open_incident(incidents.viewer_scope(None), incidents.incident_settings(None), incidents.Actor("t"),
                        agency="SO-A", title="Mã độc trên máy chủ", links=links)
from typer.testing import CliRunner
from canhgac.cli.main import app
runner, answers = CliRunner(), []
for args in json.loads(sys.stdin.read()):
    set_language("en")
    done = runner.invoke(app, ["--workspace", str(ws), "--lang", "en", *args])
    crashed = done.exception is not None and not isinstance(done.exception, SystemExit)
    err = done.stderr + (repr(done.exception) if crashed else "")
    answers.append([99 if crashed else done.exit_code, done.stdout, err])
print(json.dumps(answers))
"""


def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}
    done = subprocess.run([sys.executable, "-c", BATCH, str(ws)], input=json.dumps(commands),
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [(code, out, err) for code, out, err in json.loads(done.stdout.splitlines()[-1])]


def test_export_import_list_show_and_refusals(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "canhgac.toml").write_text('[forms.issuer]\nname = "CSIRT Kiên Giang"\n', encoding="utf-8")
    stix, misp = tmp_path / "i1.stix.json", tmp_path / "i1.misp.json"
    listing = tmp_path / "partner.csv"
    listing.write_text("type,value,note\nip,198.51.100.7,partner\nsha1,zz,\n", encoding="utf-8")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    answers = _batch(
        ws,
        ["indicators", "export", "--incident", "1", "--format", "stix", "-o", str(stix)],
        ["indicators", "export", "--incident", "1", "--format", "misp", "--tlp", "TLP:RED", "-o", str(misp)],
        ["indicators", "import", str(stix), "--name", "i1-stix"],
        ["indicators", "import", str(misp), "--name", "i1-misp", "--tlp", "green"],
        ["indicators", "import", str(listing), "--name", "partner", "--tlp", "clear"],
        ["indicators", "list"],
        ["indicators", "list", "--format", "json"],
        ["indicators", "show", "i1-stix", "--format", "json"],
        ["indicators", "show", "partner"],
        ["indicators", "import", str(deep)],
        ["indicators", "import", str(tmp_path / "missing.json")],
        ["indicators", "export", "--incident", "9", "--format", "stix", "-o", str(tmp_path / "x")],
        ["indicators", "export", "--incident", "1", "--format", "yaml", "-o", str(tmp_path / "x")],
        ["indicators", "export", "--incident", "1", "--format", "stix", "--tlp", "blue",
         "-o", str(tmp_path / "x")],
        ["indicators", "show", "nope"],
    )
    codes = [code for code, _out, _err in answers]
    assert codes == [0] * 9 + [2] * 6, answers
    assert "3 indicators of incident 1" in answers[0][1] and "TLP:AMBER" in answers[0][1]
    bundle = stix2.parse(stix.read_text(encoding="utf-8"), allow_custom=False)
    assert {o.type for o in bundle.objects} == {"identity", "marking-definition", "indicator", "report"}
    assert json.loads(misp.read_text(encoding="utf-8"))["Event"]["Tag"] == [{"name": "tlp:red"}]
    assert "3 indicators added" in answers[2][1]
    assert "TLP:RED" in answers[3][1] and "never lowered" in answers[3][2]
    assert "1 indicators added" in answers[4][1] and "line 3" in answers[4][2]
    assert [p["name"] for p in json.loads(answers[6][1])] == ["i1-misp", "i1-stix", "partner"]
    shown = json.loads(answers[7][1])
    assert shown["tlp"] == "amber" and {i["type"] for i in shown["items"]} == {"ipv4", "domain", "md5"}
    assert "198.51.100.7" in answers[8][1]
    for _code, _out, err in answers[9:]:
        lines = [line for line in err.splitlines() if not line.startswith("Workspace:")]
        assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "nested too deeply" in answers[9][2] and "not a file" in answers[10][2]
    assert "no incident 9" in answers[11][2] and "stix" in answers[12][2] and "blue" in answers[13][2]
