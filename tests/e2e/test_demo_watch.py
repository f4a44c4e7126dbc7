"""``canhgac demo --watch``: the lab, a mail sink and the watch in the demo's own network namespace;
the defaced portal's alert reaches the person on duty, is escalated to the backup and its recovery
is told, each in time, and the demo says so and exits 0; in Vietnamese by default. Bad options
are one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_support import run_cli

pytestmark = pytest.mark.timeout(300)


def test_the_watch_demo_shows_the_alert_travelling(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = run_cli("--workspace", ws, "--lang", "en", "demo", "--watch", "--escalation-minutes", "0.25",
                   columns=200)
    assert done.code == 0, done.describe()
    out = done.stdout
    assert "watching 7 monitors of STTTT every 5 s (blocklists hourly), escalation after 0.25 min" in out
    assert "the portal https://www.stttt.kiengiang.gov.test/ is defaced" in out
    assert "truc-ban@csirt.kiengiang.gov.test received: [canhgac] " in out
    assert "du-phong@csirt.kiengiang.gov.test received: [canhgac] " in out
    rows = {m[1].strip(): (float(m[2]), float(m[3]))
            for m in re.finditer(r"│ ([^│]+?)\s*│ ([\d.]+)\s*│ ([\d.]+)\s*│[^│]*│ on time", out)}
    assert len(rows) == 3, out
    assert all(after <= allowed for after, allowed in rows.values()), rows
    assert "the watch works" in out
    assert (ws / "demo-watch" / "canhgac.sqlite3").is_file()
    # the same alert, stored: read back from the demo's store
    listed = run_cli("--workspace", ws / "demo-watch", "--lang", "en", "alerts", "list", "--format", "json")
    assert listed.code == 0 and '"status": "recovered"' in listed.stdout, listed.describe()
    assert "shows signs of defacement" in listed.stdout


def test_bad_watch_demo_options_are_one_line(tmp_path: Path) -> None:
    done = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "demo", "--watch", "--interval", "1")
    assert done.code == 2 and "Traceback" not in done.stderr, done.describe()
    assert "--interval" in done.stderr
    assert not (tmp_path / "ws" / "demo-watch").exists()
