"""``canhgac creds import -i FILE`` applies the file as ``canhgac scan FILE`` does: it becomes the
store's inventory and the store's agencies follow it, so accounts kept for an agency the store
did not list yet belong to a known agency (the console, the reports, the compliance items and
the next import without ``-i`` know it)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from breach_support import INVENTORY, combo, jsonl

_CANHGAC = "import sys; from canhgac.cli.main import run; sys.argv[0] = 'canhgac'; run()"
ARGS = ["creds", "import", "--source", "Combo 2017", "--date", "2017-12-01"]
NEW_AGENCY = "  - {code: SNV, name: Sở Nội vụ, kind: department, domains: [snv.kiengiang.gov.vn]}\n"


def _canhgac(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"CANHGAC_WORKSPACE": str(workspace), "CANHGAC_SECRET_KEY": "test key", "COLUMNS": "200"}
    command = [sys.executable, "-c", _CANHGAC, "--lang", "en", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)


def _query(workspace: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workspace / "canhgac.sqlite3") as db:
        return db.execute(sql).fetchall()


@pytest.mark.timeout(300)
def test_import_with_an_inventory_file_applies_its_agencies(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    made = combo(tmp_path / "combo.txt", lines=300)

    first = _canhgac(workspace, *ARGS, "-i", str(inventory), str(made.path))
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Inventory inventory.yaml applied: agencies added 3, no longer listed 0." in first.stderr
    agencies = {code for (code,) in _query(workspace, "SELECT code FROM store_agency WHERE active")}
    assert agencies == {"STTTT", "SYT", "STC"}
    findings = {code for (code,) in _query(workspace, "SELECT DISTINCT agency_code FROM store_finding")}
    assert findings == agencies  # every leaked account's finding names an agency the store lists
    applied = _query(workspace, "SELECT name FROM store_inventorydocument WHERE applied_at IS NOT NULL")
    assert applied == [("inventory.yaml",)]

    # the next import without -i reads the applied inventory
    notices = jsonl(tmp_path / "notify.jsonl")
    second = _canhgac(workspace, *ARGS, str(notices.path))
    assert second.returncode == 0, second.stderr[-3000:]
    kept = {a for (a,) in _query(workspace, "SELECT address FROM store_leakedaccount")}
    assert "le.c@syt.kiengiang.gov.vn" in kept

    # a file naming an agency the store did not know: added, and its account attributed to it
    grown = tmp_path / "grown.yaml"
    grown.write_text(INVENTORY + NEW_AGENCY, encoding="utf-8")
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("van.thu@snv.kiengiang.gov.vn:Moi-2020\n", encoding="utf-8")
    third = _canhgac(workspace, *ARGS, "-i", str(grown), str(fresh))
    assert third.returncode == 0, third.stderr[-3000:]
    assert "applied: agencies added 1, no longer listed 0." in third.stderr
    snv = _query(workspace, "SELECT agency_code FROM store_leakedaccount WHERE address LIKE '%snv%'")
    assert snv == [("SNV",)]
    assert ("SNV",) in _query(workspace, "SELECT code FROM store_agency WHERE active")
    assert ("SNV",) in _query(workspace, "SELECT DISTINCT agency_code FROM store_finding")
    # the same file again: recorded once, nothing added
    again = _canhgac(workspace, *ARGS, "-i", str(grown), str(fresh))
    assert again.returncode == 0 and "applied" not in again.stderr
    assert len(_query(workspace, "SELECT id FROM store_inventorydocument WHERE applied_at IS NOT NULL")) == 2
