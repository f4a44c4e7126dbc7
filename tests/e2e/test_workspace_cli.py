"""Which store a command opens (issue 12, items 1 and 3), with the CLI in a subprocess.

A command that only reads the store refuses a workspace without one (a typo, or the demo's
results looked for one level up) instead of creating an empty store, unless ``--create``; every
command that opens a store names it on stderr, so stdout stays clean JSON; ``scan`` creates its
store, takes its settings from ``canhgac.toml`` (flags winning) and stores what it used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import WORKSPACE_NOTE, CliRun, run_cli, run_guarded

UNREACHABLE_RESOLVER = "127.0.0.9:9"  # nothing listens there: every DNS answer is an error, fast
INVENTORY = """\
version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
scope: {public_suffixes: [gov.test], loopback_only: true}
agencies:
  - code: A1
    name: "Sở Thử nghiệm"
    kind: department
    domains: [a1.gov.test]
"""
READ_COMMANDS = [
    ("findings", "list"),
    ("findings", "triage", "3f2a9c", "--status", "confirmed"),
    ("report",),
    ("events", "list", "--format", "json"),
    ("retest", "3f2a9c"),
]
_STORED_SETTINGS = """
from pathlib import Path
from canhgac.console.bootstrap import setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
from canhgac.console.store.models import ScanRun
print(json.dumps(ScanRun.objects.order_by("-pk").first().parameters))
"""


def only_error(run: CliRun) -> str:
    assert run.code == 2 and run.stdout == "", run.describe()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.describe()
    return lines[0]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_read_command_refuses_a_workspace_that_does_not_exist(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    typo = tmp_path / "canhgac-workspce"
    run = run_cli(*command, "--workspace", typo, "--lang", "en", columns=300)
    assert only_error(run) == (f"Error: workspace {typo} does not exist; run `canhgac demo` or "
                               "`canhgac scan INVENTORY` first, or pass --create")
    assert not typo.exists()


def test_a_folder_without_a_store_is_refused_too(tmp_path: Path) -> None:
    run = run_cli("--lang", "en", "--workspace", tmp_path, "findings", "list", columns=300)
    assert only_error(run) == (f"Error: workspace {tmp_path} holds no store yet; run `canhgac demo` or "
                               "`canhgac scan INVENTORY` first, or pass --create")
    assert list(tmp_path.iterdir()) == []


def test_create_makes_the_store_and_the_workspace_is_named_on_stderr_only(tmp_path: Path) -> None:
    workspace = tmp_path / "new"
    run = run_cli("events", "list", "--format", "json", "--workspace", workspace, "--create", "--lang", "en")
    assert run.code == 0, run.describe()
    assert json.loads(run.stdout) == []  # stdout is the JSON alone
    assert run.stderr.splitlines() == [f"{WORKSPACE_NOTE}{workspace.resolve()}"]
    assert (workspace / "canhgac.sqlite3").is_file()
    again = run_cli("--workspace", workspace, "findings", "list", "--lang", "en", columns=200)
    assert again.code == 0 and f"{WORKSPACE_NOTE}{workspace.resolve()}" in again.stderr, again.describe()


def stored_settings(workspace: Path) -> dict[str, object]:
    run = run_guarded("import json\n" + _STORED_SETTINGS, workspace)
    assert run.code == 0, run.describe()
    found: dict[str, object] = json.loads(run.stdout)
    return found


def test_scan_takes_its_settings_from_canhgac_toml_and_flags_win(tmp_path: Path) -> None:
    inventory = tmp_path / "province.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "province-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    settings_file = workspace / "canhgac.toml"
    settings_file.write_text(
        f'[scan]\nresolver = "{UNREACHABLE_RESOLVER}"\ntimeout = 0.2\nca-file = "province-ca.pem"\n'
        'ca-only = true\nehlo-name = "from-file.csirt.test"\nuser-agent = "canhgac (CSIRT test)"\n'
        'dnsbl-zone = ["bl.file.test"]\nconcurrency = 3\n', encoding="utf-8")
    run = run_cli("--lang", "en", "scan", inventory, "-f", "mail.spf", "--workspace", workspace,
                  "--ehlo-name", "from-flag.csirt.test", "--no-ca-only", columns=300)
    assert run.code == 3, run.describe()  # stored, every result an error (the resolver does not answer)
    assert (f"Settings from {settings_file}: ca-file, concurrency, dnsbl-zone, resolver, timeout, user-agent"
            in run.stderr), run.describe()
    assert f"{WORKSPACE_NOTE}{workspace.resolve()}" in run.stderr
    used = stored_settings(workspace)
    assert used["resolvers"] == [UNREACHABLE_RESOLVER] and used["dns_timeout"] == 0.2
    assert used["concurrency"] == 3
    assert used["ca_file"] == str(workspace / "province-ca.pem") and used["ca_only"] is False  # the flag won
    assert used["mail"]["ehlo_name"] == "from-flag.csirt.test"  # type: ignore[index]
    assert used["mail"]["dnsbl_zones"] == ["bl.file.test"]  # type: ignore[index]
    assert used["web"]["user_agent"] == "canhgac (CSIRT test)"  # type: ignore[index]


def test_a_broken_settings_file_stops_the_scan_before_its_store_exists(tmp_path: Path) -> None:
    inventory = tmp_path / "province.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "canhgac.toml").write_text("[scan]\nresolvers = ['127.0.0.1']\n", encoding="utf-8")
    run = run_cli("--workspace", workspace, "--lang", "en", "scan", inventory, columns=400)
    assert only_error(run).startswith(
        f"Error: {workspace / 'canhgac.toml'}: scan.resolvers: unknown setting; did you mean resolver?")
    assert sorted(p.name for p in workspace.iterdir()) == ["canhgac.toml"]


def test_ca_only_without_a_ca_file_is_refused(tmp_path: Path) -> None:
    inventory = tmp_path / "province.yaml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    run = run_cli("--workspace", tmp_path / "ws", "--lang", "en", "scan", inventory, "--ca-only")
    assert only_error(run) == "Error: --ca-only trusts the --ca-file bundle alone: give --ca-file too"
    assert not (tmp_path / "ws").exists()


def test_retest_does_not_read_the_settings_file(tmp_path: Path) -> None:
    # a broken file that a scan would refuse while parsing its options: retest never looks at it
    (tmp_path / "canhgac.toml").write_text("[scan]\ntimeout = 'soon'\n", encoding="utf-8")
    run = run_cli("--workspace", tmp_path, "--lang", "en", "retest", "3f2a9c", "--timeout", "1", columns=300)
    assert only_error(run).startswith(f"Error: workspace {tmp_path} holds no store yet; "), run.describe()
