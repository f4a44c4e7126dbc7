"""``canhgac logs scan`` refusing before it reads or stores anything (no store needed): a missing
file, a folder, an unknown zone or format, an unreadable file met mid-scan: one line, exit 2,
never a traceback; and ``--no-store`` showing what a file holds (the pipeline a stand-in,
``logs_cli_support``), with malformed and binary lines counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from logs_cli_support import fake_scan_paths, write_log
from typer.testing import CliRunner

from canhgac.cli import common
from canhgac.cli.main import app
from canhgac.services import log_scan

RUNNER = CliRunner()


def cli(tmp: Path, *args: str) -> object:
    return RUNNER.invoke(app, ["--workspace", str(tmp / "ws"), "--lang", "en", "logs", "scan", *args])


def one_line(done: object, *words: str) -> str:
    assert done.exit_code == 2, done.output  # type: ignore[attr-defined]
    lines = [x for x in done.stderr.splitlines() if x.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1 and "Traceback" not in done.output, done.stderr  # type: ignore[attr-defined]
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def test_a_missing_file_or_a_folder_is_one_line(tmp_path: Path) -> None:
    one_line(cli(tmp_path, str(tmp_path / "nope.log"), "--no-store"), "cannot read", "nope.log",
             "no such file")
    one_line(cli(tmp_path, str(tmp_path), "--no-store"), "not a regular file")
    assert not (tmp_path / "ws").exists()  # refused before the workspace was touched


def test_an_unknown_zone_or_format_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_log(tmp_path / "auth.log")
    one_line(cli(tmp_path, str(log), "--tz", "Mars/Base", "--no-store"), "unknown time zone", "Mars/Base")
    monkeypatch.setattr(log_scan, "known_formats", lambda: ("nginx", "postfix", "sshd"))
    one_line(cli(tmp_path, str(log), "--format", "klingon", "--no-store"), "unknown log format", "klingon",
             "nginx, postfix, sshd")
    one_line(cli(tmp_path, str(log), "--alert-min-severity", "urgent", "--no-store"), "--alert-min-severity")


def test_an_unreadable_file_met_mid_scan_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_log(tmp_path / "auth.log")

    def refusing(paths: object, **_: object) -> object:
        raise PermissionError(13, "Permission denied", str(log))

    monkeypatch.setattr(log_scan, "default_scanner", lambda: (refusing, None))
    one_line(cli(tmp_path, str(log), "--no-store"), "cannot read", "auth.log", "Permission denied")


def test_without_the_rules_installed_the_scan_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> object:
        raise log_scan.LogScanError("the log rules are not installed in this build of canhgac")

    monkeypatch.setattr(log_scan, "default_scanner", missing)
    one_line(cli(tmp_path, str(write_log(tmp_path / "a.log")), "--no-store"), "not installed")


def test_no_store_shows_detections_and_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log_scan, "default_scanner", lambda: (fake_scan_paths, None))
    monkeypatch.setattr(common.console, "width", 300)
    monkeypatch.setattr(common.err_console, "width", 300)
    log = write_log(tmp_path / "auth.log", ("203.0.113.9", "198.51.100.7"))
    done = cli(tmp_path, str(log), "--no-store", "--json")
    assert done.exit_code == 1, done.output  # type: ignore[attr-defined]
    report = json.loads(done.stdout)  # type: ignore[attr-defined]
    assert sorted(d["group"] for d in report["detections"]) == ["client=198.51.100.7", "client=203.0.113.9"]
    counts = report["sources"][str(log)]
    assert (counts["lines"], counts["malformed"], counts["binary"], counts["records"]) == (13, 1, 1, 11)
    assert report["stored"] is None and not (tmp_path / "ws").exists()
    table = cli(tmp_path, str(log), "--no-store")
    assert table.exit_code == 1 and "client=203.0.113.9" in table.stdout  # type: ignore[attr-defined]
    assert "1 malformed and 1 binary lines were skipped" in table.stderr  # type: ignore[attr-defined]
    clean = tmp_path / "clean.log"
    clean.write_text("Dec  7 08:01:00 mail sshd[1]: Accepted password for an from 10.0.0.1\n")
    quiet = cli(tmp_path, str(clean), "--no-store")
    assert quiet.exit_code == 0 and "No detection." in quiet.stdout  # type: ignore[attr-defined]
