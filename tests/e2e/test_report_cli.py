"""``canhgac report`` from the command line: what it refuses, in one line and without a trace.

Regression tests of issue 9, defect 7 (``report --out EXISTING_FILE`` was a traceback). The
store is seeded in a subprocess (Django is configured once per process), then the CLI runs in
another. (A run still running is refused by ``services.reporting``: ``tests/store``.)
"""

from __future__ import annotations

from pathlib import Path

from e2e_support import CliRun, run_cli, run_guarded

_SEED = """
from datetime import UTC, datetime
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
migrate()
from canhgac.console.store import services
from canhgac.console.store.models import RunStatus
from canhgac.engine.results import CheckResult, Provenance, passed
from canhgac.engine.targets import Target, TargetKind
provenance = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ("a.gov.test",)}])
outcome = passed("pass", record="v=spf1 -all")
spf = CheckResult(
    check_id="mail.spf.present", target=Target(kind=TargetKind.DOMAIN, name="a.gov.test", agency="SO-A"),
    status=outcome.status, message=outcome.message, observed_at=datetime(2025, 1, 2, tzinfo=UTC),
)
done = services.start_run(provenance=provenance, target_count=1,
                          filters=services.RunFilters(extra={"province": {"code": "T", "name": "Tỉnh T"}}))
services.record_results(done, [spf])
services.finish_run(done, RunStatus.FINISHED)
"""


def _seeded(workspace: Path) -> None:
    seeded = run_guarded(_SEED, workspace)
    assert seeded.code == 0, seeded.describe()


def _one_line_error(run: CliRun) -> str:
    assert run.code == 2, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    lines = run.stderr_lines  # besides the workspace it opened
    assert len(lines) == 1, run.describe()
    return lines[0]


def test_report_out_existing_file_is_a_one_line_error(tmp_path: Path) -> None:
    _seeded(tmp_path)
    existing = tmp_path / "report.html"
    existing.write_text("an earlier report", encoding="utf-8")
    refused = run_cli("--workspace", tmp_path, "--lang", "en", "report", "--out", existing, columns=300)
    assert _one_line_error(refused) == (
        f"Error: --out {existing} is a file; --out names the folder the report files go to: give a folder")
    assert existing.read_text(encoding="utf-8") == "an earlier report"
    written = run_cli("--workspace", tmp_path, "--lang", "en", "report", "--format", "json",
                      "--out", tmp_path / "out", columns=300)
    assert written.code == 0, written.describe()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["canhgac-state-run1-en.json"]


def test_report_of_an_unknown_run_is_a_one_line_error(tmp_path: Path) -> None:
    _seeded(tmp_path)
    missing = run_cli("--workspace", tmp_path, "--lang", "en", "report", "--run", "9", columns=300)
    assert _one_line_error(missing) == "Error: there is no run 9 in the store"
