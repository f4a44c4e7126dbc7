"""Issue 12 item 4: a large inventory is checked agency by agency, with progress; here 5,000
agencies of the synthetic national inventory (the benchmark's generator), no timing asserted."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from canhgac.cli.inventory_cmd import app
from canhgac.inventory.loader import InventoryError, LoadProgress, check_inventory, load_inventory
from canhgac.inventory.model import AgencyKind
from canhgac.inventory.summary import InventorySummary
from canhgac.lab.large_inventory import write_inventory

AGENCIES = 5_000


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_inventory(tmp_path_factory.mktemp("national") / "inventory.yaml", AGENCIES)


def test_the_check_counts_what_a_full_load_holds(national: Path) -> None:
    summary = check_inventory(national)
    assert summary == InventorySummary.of(load_inventory(national))
    assert summary.agencies == AGENCIES
    # every agency: a contact, a domain and a portal; every 5th a mail host, every 10th a range
    assert (summary.domains, summary.portals, summary.contacts) == (AGENCIES,) * 3
    assert (summary.mail_hosts, summary.ranges) == (AGENCIES // 5, AGENCIES // 10)
    assert summary.kinds[AgencyKind.COMMUNE] > summary.kinds[AgencyKind.DISTRICT] > 0
    assert summary.outside_loopback == []  # not a loopback-only inventory: nothing to warn about


def test_progress_is_told_as_the_file_is_read(national: Path) -> None:
    heard: list[LoadProgress] = []
    check_inventory(national, progress=heard.append)
    size = national.stat().st_size
    assert len(heard) > 10  # about once per 64 KiB read
    assert all(p.bytes_total == size for p in heard)
    assert [p.bytes_read for p in heard] == sorted(p.bytes_read for p in heard)
    assert [p.agencies for p in heard] == sorted(p.agencies for p in heard)
    assert heard[0].agencies < AGENCIES and heard[0].bytes_read < size  # heard before the end
    assert heard[-1] == LoadProgress(AGENCIES, size, size)


def test_a_problem_deep_in_the_file_is_placed_and_the_reading_goes_on(tmp_path: Path, national: Path) -> None:
    lines = national.read_text(encoding="utf-8").splitlines(keepends=True)
    line = lines.index("  - code: P009-H05-X07\n")
    lines[line] = lines[line].lower()
    lines[-1] = lines[-1].replace('portals: ["https://', 'portals: ["ftp://')  # and the last agency
    broken = tmp_path / "broken.yaml"
    broken.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InventoryError) as info:
        check_inventory(broken)
    found = [str(p).removeprefix(str(tmp_path) + "/") for p in info.value.problems]
    assert len(found) == 2 and found[0].startswith(
        f"broken.yaml:{line + 1}:11: agencies[") and "'p009-h05-x07' is not a valid code" in found[0]
    assert found[1].startswith(f"broken.yaml:{len(lines)}:15: agencies[{AGENCIES - 1}].portals[0]: 'ftp://")


def test_the_command_prints_the_summary_and_no_progress_without_a_terminal(national: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(national)])
    assert result.exit_code == 0, result.output
    assert "Agencies: total" in result.output and f"{AGENCIES:,}" in result.output  # English digits
    assert "\x1b" not in result.output and "Checking the inventory" not in result.output
    assert " ".join(result.output.split()).endswith("is a valid inventory.")  # a long path wraps
