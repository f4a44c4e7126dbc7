"""``canhgac sweep`` hands its arguments to the sweep's own command line unchanged."""

from __future__ import annotations

from pathlib import Path

from sweep_support import EICAR
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
