"""``canhgac sweep`` hands its arguments to the sweep's own command line unchanged."""

from __future__ import annotations

from pathlib import Path

from sweep_support import EICAR, run_child
from typer.testing import CliRunner

from canhgac.cli.main import app

RUNNER = CliRunner()


def test_canhgac_sweep_runs_the_sweep(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "eicar.com").write_bytes(EICAR)
    out = tmp_path / "r.json"
    done = RUNNER.invoke(
        app,
        [
            "--lang",
            "en",
            "sweep",
            str(tmp_path / "tree"),
            "--no-system",
            "--cpu-cap",
            "100",
            "--key",
            str(tmp_path / "k"),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 1, done.output
    assert "EICAR_Test_File" in done.output and out.exists()


def test_canhgac_sweep_help_and_refusals(tmp_path: Path) -> None:
    helped = RUNNER.invoke(app, ["--lang", "en", "sweep", "--help"])
    assert helped.exit_code == 0 and "--quarantine" in helped.output and "--pack" in helped.output
    refused = RUNNER.invoke(
        app,
        [
            "--lang",
            "en",
            "sweep",
            "pack",
            "verify",
            str(tmp_path / "none.zip"),
            "--pubkey",
            str(tmp_path / "none.pub"),
        ],
    )
    assert refused.exit_code == 2


def test_the_standalone_sweep_sends_import_to_the_console_and_checks_upload_first(tmp_path: Path) -> None:
    done = run_child(["import", str(tmp_path / "r.json")])
    assert done.returncode == 2 and "canhgac sweep import" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    out = tmp_path / "r.json"
    args = [str(tmp_path), "--no-system", "--out", str(out), "--upload", "ftp://x", "--token-file", "t"]
    bad_url = run_child(args)
    assert bad_url.returncode == 2 and "http://" in bad_url.stderr and not out.exists()  # before the sweep
    helped = run_child(["--help"])
    assert "--upload" in helped.stdout and "--agency" in helped.stdout and "--token-file" in helped.stdout
