"""``canhgac logs scan`` and ``logs list`` on a real store, once per backend
(``test_logs_cli_backends.py``), the rules' pipeline a stand-in (``logs_cli_support``): exit 1
with detections, stored as findings of the agency (by ``--agency`` or by the inventory's declared
log path), the same file twice stores nothing more, a file of no agency or an unknown agency is
one line and exit 2, and ``logs list`` keeps to the agency asked.

Not collected directly: the backends' test runs this module in a fresh process.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-logs-cli-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from logs_cli_support import fake_scan_paths, write_log  # noqa: E402

from canhgac.cli import common  # noqa: E402
from canhgac.cli.main import app  # noqa: E402
from canhgac.console.store import models, services  # noqa: E402
from canhgac.services import log_scan  # noqa: E402

RUNNER = CliRunner()
A, B = "SO-A", "SO-B"


@pytest.fixture(autouse=True)
def store(monkeypatch: pytest.MonkeyPatch, cli_defaults: None) -> Iterator[None]:
    monkeypatch.setattr(common.console, "width", 300)
    monkeypatch.setattr(common.err_console, "width", 300)
    monkeypatch.setenv("CANHGAC_DATABASE_URL", _URL)
    monkeypatch.setenv("CANHGAC_WORKSPACE", str(_WORKSPACE))
    monkeypatch.setattr(log_scan, "default_scanner", lambda: (fake_scan_paths, None))
    services.sync_agencies([{"code": A, "name": "Sở A"}, {"code": B, "name": "Sở B"}])
    yield
    for model in (models.WatchAlertEntry, models.WatchAlertMember, models.WatchAlert, models.WatchMonitor,
                  models.Event, models.FindingChange, models.Finding, models.Result, models.ScanRun):
        model.objects.all().delete()


def cli(*args: str) -> Result:
    return RUNNER.invoke(app, ["--workspace", str(_WORKSPACE), "--database-url", _URL, "--lang", "en", *args])


def refused(done: Result, *words: str) -> str:
    assert done.exit_code == 2, done.output
    lines = [x for x in done.stderr.splitlines() if x.strip() and not x.startswith("Workspace: ")]
    assert len(lines) == 1 and "Traceback" not in done.output, done.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def logs_findings(agency: str | None = None) -> list[models.Finding]:
    rows = models.Finding.objects.filter(check_id__startswith="logs.")
    return list(rows.filter(agency_code=agency) if agency else rows)


def test_a_scan_stores_its_detections_once_however_often_the_file_is_scanned(tmp_path: Path) -> None:
    log = write_log(tmp_path / "auth.log", ("203.0.113.9", "198.51.100.7"))
    done = cli("logs", "scan", str(log), "--agency", A)
    assert done.exit_code == 1, done.output
    assert "client=203.0.113.9" in done.stdout and "2 detections opened" in done.stdout
    assert len(logs_findings(A)) == 2 and models.WatchAlert.objects.count() == 1  # one per agency and rule
    again = cli("logs", "scan", str(log), "--agency", A, "--json")
    assert again.exit_code == 1, again.output
    stored = json.loads(again.stdout)["stored"]
    assert (stored["opened"], stored["unchanged"], stored["run"]) == (0, 2, None)
    assert len(logs_findings()) == 2


def test_the_inventory_s_declared_path_names_the_agency(tmp_path: Path) -> None:
    folder = tmp_path / "so-b"
    folder.mkdir()
    log = write_log(folder / "auth.log")
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(f"""version: 1
province: {{code: PT, name: "P"}}
agencies:
  - {{code: {A}, name: "Sở A", kind: department}}
  - code: {B}
    name: "Sở B"
    kind: department
    logs: [{{path: "{folder}/*.log", format: sshd}}]
""", encoding="utf-8")
    done = cli("logs", "scan", str(log), "-i", str(inventory), "--no-store", "--json")
    assert done.exit_code == 1 and json.loads(done.stdout)["detections"][0]["agency"] == B, done.output
    stored = cli("logs", "scan", str(log), "-i", str(inventory))
    assert stored.exit_code == 1, stored.output
    assert len(logs_findings(B)) == 1 and logs_findings(A) == []
    stray = write_log(tmp_path / "stray.log")
    refused(cli("logs", "scan", str(stray), "-i", str(inventory)), "no agency declares", "stray.log",
            "--agency")


def test_an_unknown_agency_is_one_line_and_nothing_is_stored(tmp_path: Path) -> None:
    refused(cli("logs", "scan", str(write_log(tmp_path / "a.log")), "--agency", "SO-NONE"), "SO-NONE")
    assert logs_findings() == []


def test_list_keeps_to_the_agency_asked(tmp_path: Path) -> None:
    cli("logs", "scan", str(write_log(tmp_path / "a.log", ("203.0.113.9",))), "--agency", A)
    cli("logs", "scan", str(write_log(tmp_path / "b.log", ("198.51.100.7",))), "--agency", B)
    only_b = cli("logs", "list", "--agency", B, "--json")
    assert only_b.exit_code == 0, only_b.output
    assert [(r["agency"], r["group"]) for r in json.loads(only_b.stdout)] == [(B, "client=198.51.100.7")]
    table = cli("logs", "list")
    assert table.exit_code == 0
    assert "client=203.0.113.9" in table.stdout and "client=198.51.100.7" in table.stdout
    refused(cli("logs", "list", "--severity", "urgent"), "--severity")
