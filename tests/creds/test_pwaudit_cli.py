"""Issue 16 item 5: ``canhgac creds audit``: table, JSON and CSV reports; no output, report file or
log line ever holds a planted password, a full hash or a hash prefix longer than five hex digits;
an unreadable file is one line of error."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from pathlib import Path

import pytest
from pwaudit_support import Plant, planted
from typer.testing import CliRunner

from canhgac.cli.main import app

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plant, list[Path], list[str]]:
    folder = tmp_path_factory.mktemp("pwaudit-cli")
    plant, files = planted(folder)
    ntlm, sha1 = plant.stores()
    args = [*map(str, files), "--pwned", str(ntlm), "--pwned", str(sha1), "-i", str(plant.inventory()),
            "--common", "70"]  # the planted common passwords are within the first 70: quicker
    return plant, files, args


def _run(*args: str, lang: str = "en") -> tuple[int, str]:
    done = RUNNER.invoke(app, ["--lang", lang, "creds", "audit", *args])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output


def _no_secret(plant: Plant, text: str) -> None:
    low = text.lower()
    for pw in plant.passwords:
        assert pw not in text, "a planted password was shown"
    for h in plant.hashes:
        assert h.lower() not in low, "a planted hash was shown"
        if all(c in "0123456789abcdef" for c in h.lower()):
            assert h.lower()[:6] not in low, "a hash prefix longer than 5 hex was shown"


Setup = tuple[Plant, list[Path], list[str]]


def test_every_output_is_free_of_passwords_and_hashes(setup: Setup, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    plant, _, args = setup
    caplog.set_level(logging.DEBUG)
    outputs = []
    for lang in ("en", "vi"):
        code, out = _run(*args, lang=lang)
        assert code == 1, out
        outputs.append(out)
    for fmt in ("json", "csv", "table"):
        report = tmp_path / f"report.{fmt}"
        code, out = _run(*args, "--format", fmt, "-o", str(report))
        assert code == 1 and "Report written" in out
        outputs += [out, report.read_text(encoding="utf-8")]
    outputs.append(caplog.text)
    for text in outputs:
        _no_secret(plant, text)
    assert "SOTTTT\\lan" in outputs[0] and "in breaches (" in outputs[0]
    assert "Phát hiện" in outputs[1] or "phát hiện" in outputs[1].lower()


def test_json_and_csv_reports(setup: Setup) -> None:
    plant, _, args = setup
    _, out = _run(*args, "--format", "json")
    data = json.loads(out)
    flagged = {a["account"]: {f["kind"] for f in a["findings"]}
               for g in data["agencies"] for a in g["flagged"]}
    for account, kinds in plant.expected.items():
        assert kinds <= flagged[account]
    stt = next(g for g in data["agencies"] if g["agency"] == "STTTT")
    assert stt["name"] == "Sở Thông tin và Truyền thông" and stt["in_inventory"]
    assert data["totals"]["findings"]["plaintext"] == 2
    assert data["files"][0]["malformed"] == 3 and data["pwned_stores"]["ntlm"]
    _, out = _run(*args, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"agency", "account", "finding", "count", "group_size"} <= set(rows[0])
    assert {(r["account"], r["finding"]) for r in rows} >= {
        ("SOTTTT\\hoa", "empty"), ("giang@sogd.example.gov.vn", "shared")}
    assert next(r for r in rows if r["finding"] == "shared")["group_size"] == "3"


def test_agency_and_netbios_options(setup: Setup) -> None:
    _, files, args = setup
    inv = args[args.index("-i") + 1]
    _, out = _run(str(files[1]), "--agency", "SGD", "-i", inv, "--format", "json")
    assert {g["key"] for g in json.loads(out)["agencies"]} == {"SGD"}
    _, out = _run(str(files[0]), "--netbios", "SOTTTT=SGD", "-i", inv, "--format", "json")
    assert {g["key"] for g in json.loads(out)["agencies"]} == {"SGD"}
    code, out = _run(str(files[0]), "--agency", "NOPE", "-i", inv)
    assert code == 2 and "no agency NOPE" in out
    code, out = _run(str(files[0]), "--netbios", "SOTTTT")
    assert code == 2 and "NAME=AGENCY" in out


def test_without_a_store_weak_is_not_checked_and_said(setup: Setup,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _, files, _ = setup
    monkeypatch.delenv("CANHGAC_PWNED_STORE", raising=False)
    code, out = _run(str(files[0]), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["totals"]["findings"]["weak"] == 0 and data["pwned_stores"]["ntlm"] is None
    _, out = _run(str(files[0]), "--common", "70")
    assert "none given" in out


def test_unreadable_or_missing_file_is_one_line(tmp_path: Path, setup: Setup) -> None:
    _, files, _ = setup
    for bad in (tmp_path / "missing.txt", tmp_path):
        code, out = _run(str(files[0]), str(bad))
        assert code == 2 and "Traceback" not in out
        assert len(out.strip().splitlines()) == 1 and str(bad) in out
    if os.geteuid() != 0:
        locked = tmp_path / "locked.txt"
        locked.write_text("x:31d6cfe0d16ae931b73c59d7e0c089c0\n")
        locked.chmod(0)
        code, out = _run(str(locked))
        assert code == 2 and len(out.strip().splitlines()) == 1
    before = files[1].read_bytes()
    code, out = _run(str(files[1]), "-o", str(files[1]), "--format", "json")
    assert code == 2 and "input file" in out and files[1].read_bytes() == before
    code, out = _run(str(files[0]), "--pwned", str(tmp_path / "no.store"))
    assert code == 4 and len(out.strip().splitlines()) == 1


def test_clean_file_exits_zero_and_utf16_is_read(tmp_path: Path) -> None:
    from pwaudit_support import nt

    dump = tmp_path / "clean.txt"
    line = f"CORP\\a:1001:aad3b435b51404eeaad3b435b51404ee:{nt('Clean-Pw-1')}:::\r\n"
    dump.write_text(line, encoding="utf-16")
    code, out = _run(str(dump), "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["files"][0]["accounts"] == 1 and data["totals"]["accounts_with_findings"] == 0
