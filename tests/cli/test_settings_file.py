"""The settings file, ``canhgac.toml`` (issue 12, item 3): its keys are scan's setting options,
values are checked as the flags' are, every mistake is one line naming the file and the key
(exit 2), and ``config show`` prints each effective setting with its source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from canhgac.cli.config_file import SECTION, SETTINGS_PANEL, key_of, setting_params
from canhgac.cli.main import app
from canhgac.i18n import set_language

RUNNER = CliRunner()


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")  # the conftest puts Vietnamese back


def workspace_with(tmp_path: Path, text: str | bytes) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    target = workspace / "canhgac.toml"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return workspace


def show(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return RUNNER.invoke(app, ["--lang", "en", "config", "show", "--format", "json", *map(str, args)],
                         env={"COLUMNS": "300", **(env or {})})


def settings(*args: str | Path, env: dict[str, str] | None = None) -> dict[str, tuple[Any, str]]:
    result = show(*args, env=env)
    assert result.exit_code == 0, result.output
    return {row["setting"]: (row["value"], row["source"]) for row in json.loads(result.stdout)}


def refused(*args: str | Path) -> str:
    """The one line an invalid file gives, exit 2, nothing on stdout."""
    result = show(*args)
    assert result.exit_code == 2 and result.stdout == "", result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def scan_command() -> Any:
    return typer.main.get_command(app).commands["scan"]  # type: ignore[attr-defined]


def test_the_keys_are_scans_setting_options_by_their_long_names() -> None:
    keys = {key_of(p) for p in setting_params(scan_command())}
    assert keys == {"resolver", "nameserver-port", "timeout", "concurrency", "dns-in-flight", "ca-file",
                    "ca-only", "dnsbl-zone", "no-dnsbl", "ehlo-name", "user-agent", "ports", "scan-rate"}
    selection = {"agency", "family", "check", "ignore-windows", "no-store", "json-out"}
    assert not keys & selection  # what to scan is chosen per run, not configured


def test_a_settings_file_gives_the_defaults_and_config_show_says_so(tmp_path: Path) -> None:
    workspace = workspace_with(
        tmp_path, '[scan]\nresolver = "10.10.0.53"\nca-file = "province-ca.pem"\nca-only = true\n'
        'ehlo-name = "csirt.kiengiang.gov.vn"\nuser-agent = "canhgac (CSIRT Kien Giang)"\n'
        'dnsbl-zone = ["bl.one.test", "bl.two.test"]\nconcurrency = 50\n')
    (workspace / "province-ca.pem").write_text("a PEM bundle\n", encoding="ascii")
    found = settings("--workspace", workspace)
    assert found["workspace"] == (str(workspace), "flag")
    assert found["config"] == (str(workspace / "canhgac.toml"), "default")
    assert found[f"{SECTION}.resolver"] == (["10.10.0.53"], "canhgac.toml")  # a lone string is a list of one
    # a relative path is read from the file's folder
    assert found[f"{SECTION}.ca-file"] == (str(workspace / "province-ca.pem"), "canhgac.toml")
    assert found[f"{SECTION}.ca-only"] == (True, "canhgac.toml")
    assert found[f"{SECTION}.ehlo-name"] == ("csirt.kiengiang.gov.vn", "canhgac.toml")
    assert found[f"{SECTION}.user-agent"] == ("canhgac (CSIRT Kien Giang)", "canhgac.toml")
    assert found[f"{SECTION}.dnsbl-zone"] == (["bl.one.test", "bl.two.test"], "canhgac.toml")
    assert found[f"{SECTION}.concurrency"] == (50, "canhgac.toml")
    assert found[f"{SECTION}.timeout"] == (2.0, "default")
    assert found[f"{SECTION}.ports"] == (None, "default")


def test_config_names_another_file_from_the_flag_or_the_environment(tmp_path: Path) -> None:
    other = tmp_path / "shared.toml"
    other.write_text("[scan]\nconcurrency = 7\n", encoding="utf-8")
    by_flag = settings("--config", other, "--workspace", tmp_path / "ws")
    assert by_flag["config"] == (str(other), "flag")
    assert by_flag[f"{SECTION}.concurrency"] == (7, "canhgac.toml")
    by_env = settings(env={"CANHGAC_CONFIG": str(other)})
    assert by_env["config"] == (str(other), "environment") and by_env[f"{SECTION}.concurrency"][0] == 7


def test_no_file_in_the_workspace_is_no_settings(tmp_path: Path) -> None:
    found = settings("--workspace", tmp_path / "nowhere")
    assert found["config"] == (None, "default")
    assert {source for name, (_, source) in found.items() if name.startswith(SECTION)} == {"default"}
    assert not (tmp_path / "nowhere").exists()  # showing settings creates nothing


def test_a_config_flag_naming_no_file_is_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    assert refused("--config", typo) == (
        f"Error: the settings file {typo} does not exist: check --config (or CANHGAC_CONFIG)")


@pytest.mark.parametrize(("text", "says"), [
    ("[scan]\nca_file = 'x.pem'\n",
     "scan.ca_file: unknown setting; did you mean ca-file? (known: ca-file, ca-only, "),
    ("[scan]\ntimeout = '2'\n", "scan.timeout: expected a number, not '2'"),
    ("[scan]\nconcurrency = 2.5\n", "scan.concurrency: expected a whole number, not 2.5"),
    ("[scan]\nconcurrency = true\n", "scan.concurrency: expected a whole number, not True"),
    ("[scan]\nca-only = 'yes'\n", "scan.ca-only: expected true or false, not 'yes'"),
    ("[scan]\nresolver = [53]\n", "scan.resolver: expected a string or a list of strings, not [53]"),
    ("[scan]\nehlo-name = 1\n", "scan.ehlo-name: expected a string, not 1"),
    ("[scan]\nca-file = 'missing.pem'\n", "scan.ca-file: file '{ws}/missing.pem' does not exist."),
    ("resolver = '10.0.0.1'\n", "unknown section or key resolver: settings go in [scan]"),
    ("scan = 3\n", "scan must be a table: [scan]"),
    ("[scan\n", "is not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 6)"),
    (b"[scan]\nehlo-name = '\xff'\n", "is not UTF-8 text"),
])
def test_a_mistake_in_the_file_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str | bytes, says: str
) -> None:
    workspace = workspace_with(tmp_path, text)
    line = refused("--workspace", workspace)
    where = workspace / "canhgac.toml"
    assert line.startswith(f"Error: {where}: "), line
    assert says.format(ws=workspace) in line


def test_config_show_as_a_table(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, "[scan]\nehlo-name = 'csirt.kiengiang.gov.vn'\n")
    result = RUNNER.invoke(app, ["config", "show", "--workspace", str(workspace), "--lang", "en"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "scan.ehlo-name" in line)
    assert "csirt.kiengiang.gov.vn" in row and "canhgac.toml" in row
    assert "Effective settings" in result.stdout


def test_every_setting_of_scan_is_in_its_panel_and_retest_shares_the_definitions() -> None:
    root: Any = typer.main.get_command(app)
    scan_keys = {key_of(p) for p in setting_params(root.commands["scan"])}
    retest_keys = {key_of(p) for p in root.commands["retest"].params
                   if getattr(p, "rich_help_panel", None) == SETTINGS_PANEL}
    assert retest_keys <= scan_keys and {"ca-file", "ca-only", "ehlo-name", "user-agent"} <= retest_keys


def test_the_files_schema_is_scans_setting_options() -> None:
    """The console reads the file through ``services.settings_file``: its keys and types are
    the CLI's setting options, so both take and refuse the same files."""
    from canhgac.cli.config_file import kind_of
    from canhgac.services.settings_file import SCAN_KEYS

    params = setting_params(scan_command())
    assert {key_of(p): kind_of(p) for p in params} == SCAN_KEYS


def test_the_console_section_is_left_to_serve(tmp_path: Path) -> None:
    """``[console]`` (``canhgac serve``'s own settings) is not a scan setting, nor a mistake."""
    from canhgac.services.settings_file import read_table

    path = tmp_path / "canhgac.toml"
    path.write_text('[scan]\ntimeout = 5\n[console]\nsecurity-contact = "mailto:csirt@example.gov.vn"\n',
                    encoding="utf-8")
    assert read_table(path) == {"timeout": 5}


def test_the_console_section_is_checked_by_the_same_reader(tmp_path: Path) -> None:
    """``canhgac serve`` reads ``[console]`` with ``[scan]`` in one read of the file, and refuses
    its mistakes in the scan settings' words (one line naming the file, the table and the key)."""
    from canhgac.services.settings_file import (
        CONSOLE_KEYS,
        CONSOLE_SECTION,
        SCAN_KEYS,
        SettingsFileError,
        read_tables,
    )

    schemas = {SECTION: SCAN_KEYS, CONSOLE_SECTION: CONSOLE_KEYS}
    path = tmp_path / "canhgac.toml"
    path.write_text('[scan]\ntimeout = 5\n[console]\nsecurity-contact = "mailto:csirt@example.gov.vn"\n',
                    encoding="utf-8")
    assert read_tables(path, schemas) == {"scan": {"timeout": 5},
                                          "console": {"security-contact": "mailto:csirt@example.gov.vn"}}
    for text, problem in (
        ("[console]\ncontact = 1\n", "console.contact: unknown setting"),
        ("[console]\nsecurity-contact = 42\n", "console.security-contact: expected a string"),
        ("console = 1\n", "console must be a table: [console]"),
        ("[scan]\ntimeout = 'x'\n[console]\n", "scan.timeout: expected a number"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsFileError) as refused:
            read_tables(path, schemas)
        assert problem in str(refused.value) and "\n" not in str(refused.value), text
