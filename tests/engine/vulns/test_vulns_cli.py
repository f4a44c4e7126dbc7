"""``canhgac vulns import|show`` on the hand-written samples and on broken files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from canhgac.cli import vulns_cmd
from canhgac.cli.common import CliState
from canhgac.engine.vulns import open_scan_index
from canhgac.i18n import set_language

DATA = Path(__file__).parents[2] / "data" / "vulns"
RUNNER = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables unfolded, so that ids and paths can be looked for in the output."""
    monkeypatch.setattr(vulns_cmd.console, "width", 300)
    monkeypatch.setattr(vulns_cmd.err_console, "width", 300)


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """The sub-app is run in English; later tests expect the default (Vietnamese) again."""
    yield
    set_language("vi")


def cli(workspace: Path) -> typer.Typer:
    """The vulns sub-app under a root that sets the workspace, as ``canhgac`` does."""
    root = typer.Typer()

    @root.callback()
    def main(ctx: typer.Context) -> None:
        set_language("en")  # as the real root does for --lang en
        ctx.obj = CliState(workspace=workspace, database_url=None, lang="en")

    root.add_typer(vulns_cmd.app, name="vulns")
    return root


def test_import_then_show(tmp_path: Path) -> None:
    app = cli(tmp_path)
    samples = [str(DATA / "osv-sample.json"), str(DATA / "nvd-sample.json")]
    result = RUNNER.invoke(app, ["vulns", "import", *samples])
    assert result.exit_code == 0, result.output
    assert "osv-sample.json" in result.output and "nvd-sample.json" in result.output
    with open_scan_index(str(tmp_path / "vulns.sqlite3")) as index:
        assert index.match("cpe:warfareplugins:social_warfare", "3.5.2")  # a sample-only CVE
    shown = RUNNER.invoke(app, ["vulns", "show", "Joomla", "4.2.7"])
    assert shown.exit_code == 0 and "CVE-2023-23752" in shown.output and "4.2.8" in shown.output
    fixed = RUNNER.invoke(app, ["vulns", "show", "apache", "2.4.62"])
    assert fixed.exit_code == 0 and "No known vulnerability" in fixed.output
    assert "none affects this version" in fixed.output
    plugin = RUNNER.invoke(app, ["vulns", "show", "social-warfare", "3.5.2"])
    assert plugin.exit_code == 2 and "cpe:warfareplugins:social_warfare" in plugin.stderr
    found = RUNNER.invoke(app, ["vulns", "show", "cpe:warfareplugins:social_warfare", "3.5.2"])
    assert found.exit_code == 0 and "CVE-2019-9978" in found.output


def test_a_product_outside_the_data_is_unknown_not_safe(tmp_path: Path) -> None:
    unknown = RUNNER.invoke(cli(tmp_path), ["vulns", "show", "nosuch", "1.0"])
    assert unknown.exit_code == 2
    assert "No known vulnerability" not in unknown.output
    lines = unknown.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: nosuch is not in the vulnerability data (bundled ")
    assert "nothing is known of it, which does not mean it is safe" in lines[0]
    assert "canhgac vulns import" in lines[0]
    typo = RUNNER.invoke(cli(tmp_path), ["vulns", "show", "jquerry", "1.0"])
    assert typo.exit_code == 2 and "did you mean: jquery?" in typo.stderr
    safe = RUNNER.invoke(cli(tmp_path), ["vulns", "show", "jquery", "99.0"])
    assert safe.exit_code == 0 and "No known vulnerability for jquery 99.0" in safe.output


def test_show_without_an_index_uses_the_bundled_data(tmp_path: Path) -> None:
    result = RUNNER.invoke(cli(tmp_path), ["vulns", "show", "apache-httpd", "2.4.49"])
    assert result.exit_code == 0 and "CVE-2021-41773" in result.output and "bundled" in result.output
    bad = RUNNER.invoke(cli(tmp_path), ["vulns", "show", "php", "latest"])
    assert bad.exit_code == 2 and "latest" in bad.output


def test_broken_files_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{oops", encoding="utf-8")
    result = RUNNER.invoke(cli(tmp_path), ["vulns", "import", str(broken)])
    assert result.exit_code == 2 and "broken.json" in result.output and "not JSON" in result.output
    assert not (tmp_path / "vulns.sqlite3").exists()


def test_malformed_entries_warn_or_fail_with_strict(tmp_path: Path) -> None:
    feed = tmp_path / "mixed.json"
    feed.write_text(json.dumps([{"id": "X-1", "affected": "bad"},
                                *json.loads((DATA / "osv-sample.json").read_text(encoding="utf-8"))[:1]]),
                    encoding="utf-8")
    strict = RUNNER.invoke(cli(tmp_path), ["vulns", "import", "--strict", str(feed)])
    assert strict.exit_code == 1 and "#1 (X-1)" in strict.output
    assert not (tmp_path / "vulns.sqlite3").exists()
    lenient = RUNNER.invoke(cli(tmp_path), ["vulns", "import", str(feed)])
    assert lenient.exit_code == 0 and "#1 (X-1)" in lenient.output
