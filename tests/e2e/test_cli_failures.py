"""Defect 7 of issue 9, "Tracebacks instead of messages": each hostile condition ends in one
line naming what to change, a non-zero exit (docs/cli.md), and nothing already stored lost.

Read-only workspaces are made read-only for real: a read-only bind mount in a private mount
namespace when running as root (root ignores permission bits), permission bits otherwise. A
full disk is SQLite's own "database or disk is full", from a page budget set on the store's
connections (``PRAGMA max_page_count``), which behaves as a full file system does.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e_support import CLI_TIMEOUT, GUARD_MARK, GUARD_PRELUDE, CliRun, read_results, run_cli

from canhgac.services.scan import BATCH

UNREACHABLE_RESOLVER = "127.0.0.9:9"
AGENCIES = 60  # x 35 domain checks: 2100 results, four batches
INVENTORY = "".join(
    ["version: 1\n", 'province: {code: KG, name: "Tỉnh Kiên Giang"}\n',
     "scope: {public_suffixes: [gov.test], loopback_only: true}\n", "agencies:\n"]
    + [f'  - code: A{i}\n    name: "Sở {i}"\n    kind: department\n    domains: [d{i}.gov.test]\n'
       for i in range(AGENCIES)]
)
FAST = ("--resolver", UNREACHABLE_RESOLVER, "--timeout", "0.2")

# The CLI, with every SQLite connection of the store limited to CANHGAC_TEST_MAX_PAGES pages.
_CLI_ON_A_SMALL_DISK = """
import os
from django.db.backends.signals import connection_created

def _small_disk(sender, connection, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count = %d" % int(os.environ["CANHGAC_TEST_MAX_PAGES"]))

connection_created.connect(_small_disk)
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""
_CLI = """
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""
_STORE = """
import json, sys
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
setup_django(database_url=None, workspace=Path(sys.argv[1]).resolve())
migrate()
from django.db import connection
from canhgac.console.store import services
from canhgac.console.store.models import Finding, Result, ScanRun
if sys.argv[2] == "plant-finding":
    from canhgac.engine.results import CheckResult, Message, Provenance, Status
    from canhgac.engine.targets import Target, TargetKind
    from datetime import UTC, datetime
    run = services.start_run(provenance=Provenance(canhgac_version="0", catalog_version="t"))
    target = Target(kind=TargetKind.DOMAIN, name="d0.gov.test", agency="A0")
    services.record_results(run, [CheckResult(check_id="mail.spf.present", target=target, status=Status.FAIL,
                                              message=Message(key="missing"), observed_at=datetime.now(UTC))])
    services.finish_run(run)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA page_count")
    pages = cursor.fetchone()[0]
print(json.dumps({
    "pages": pages,
    "runs": {str(r.pk): {"status": r.status, "rows": Result.objects.filter(run=r).count()}
             for r in ScanRun.objects.order_by("pk")},
    "findings": {f.fingerprint: f.triage for f in Finding.objects.all()},
}))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    return env | {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "1000"} | extra


def _run(code: str, args: Sequence[str | Path], *, prefix: Sequence[str] = (), cwd: Path | None = None,
         **env: str) -> CliRun:
    text = tuple(str(a) for a in args)
    done = subprocess.run([*prefix, sys.executable, "-c", GUARD_PRELUDE + code, *text], capture_output=True,
                          text=True, encoding="utf-8", env=_env(**env), cwd=cwd, timeout=CLI_TIMEOUT,
                          check=False)
    run = CliRun(text, done.returncode, done.stdout, done.stderr)
    assert GUARD_MARK not in run.stderr, run.describe()
    return run


def store(workspace: Path, action: str = "read") -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _STORE, str(workspace), action], capture_output=True,
                          text=True, env=_env(), timeout=CLI_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    return found


def one_error_line(run: CliRun) -> str:
    """The command's only line on stderr (besides the workspace it opened): an error, never a traceback."""
    lines = run.stderr_lines
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.describe()
    return lines[0]


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return path


def test_tracebacks_instead_of_messages_json_out_in_a_missing_folder(tmp_path: Path, inventory: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.jsonl"
    scan = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "scan", inventory, *FAST,
                   "--json-out", target, columns=1000)
    assert scan.code == 2, scan.describe()
    line = one_error_line(scan)
    assert f"cannot write --json-out {target}: No such file or directory" in line
    assert not (tmp_path / "ws").exists()  # refused before the store was opened, before any packet


def test_tracebacks_instead_of_messages_workspace_naming_a_file(tmp_path: Path, inventory: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me", encoding="utf-8")
    for args in (("findings", "list"), ("scan", str(inventory), *FAST), ("report",)):
        run = run_cli("--lang", "en", "--workspace", a_file, *args, columns=1000)
        assert run.code == 2, run.describe()
        assert one_error_line(run) == (
            f"Error: the workspace {a_file} is a file, not a folder: give --workspace a folder")
    assert a_file.read_text(encoding="utf-8") == "keep me"


def test_tracebacks_instead_of_messages_empty_workspace(tmp_path: Path) -> None:
    run = _run(_CLI, ("--lang", "en", "--workspace", "", "findings", "list"), cwd=tmp_path)
    assert run.code == 2, run.describe()
    assert one_error_line(run) == "Error: --workspace is empty: name a folder (default: ./canhgac-workspace)"
    assert list(tmp_path.iterdir()) == []  # no store, no secret key in the current folder


@contextmanager
def read_only(folder: Path) -> Iterator[tuple[str, ...]]:
    """Make ``folder`` read-only for the commands run with the returned prefix."""
    if os.geteuid() == 0:  # root writes through permission bits: a read-only mount instead
        if shutil.which("unshare") is None:
            pytest.skip("root without unshare(1): no way to make a folder read-only")
        script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
        yield ("unshare", "-m", "sh", "-c", script, "sh")
        return
    modes = {p: p.stat().st_mode for p in (folder, *folder.rglob("*"))}
    for path, mode in modes.items():
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield ()
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_tracebacks_instead_of_messages_read_only_workspace(tmp_path: Path, inventory: Path) -> None:
    workspace = tmp_path / "ws"
    planted = store(workspace, "plant-finding")
    findings = planted["findings"]
    assert isinstance(findings, dict) and len(findings) == 1
    fingerprint = next(iter(findings))
    base = ("--lang", "en", "--workspace", workspace)
    with read_only(workspace) as prefix:
        report = _run(_CLI, (*base, "report"), prefix=prefix)
        triage = _run(_CLI, (*base, "findings", "triage", fingerprint[:10], "--status", "confirmed"),
                      prefix=prefix)
        scan = _run(_CLI, (*base, "scan", inventory, *FAST), prefix=prefix)
    assert report.code == 4, report.describe()
    folder = workspace / "reports"
    assert one_error_line(report).startswith(f"Error: cannot create the report folder {folder}: ")
    assert one_error_line(report).endswith("make it writable or choose another --out")
    assert triage.code == 4, triage.describe()
    assert one_error_line(triage) == ("Error: the database cannot be used: attempt to write a readonly "
                                      "database; make the workspace writable, or choose another --workspace")
    assert scan.code == 4, scan.describe()
    assert one_error_line(scan) == (f"Error: the workspace {workspace} is read-only: make it writable or "
                                    "choose another --workspace")
    assert store(workspace) == planted  # nothing lost, nothing changed


def test_tracebacks_instead_of_messages_full_disk(tmp_path: Path, inventory: Path) -> None:
    """The disk fills up mid-scan: what was stored stays, the run is closed as failed."""
    workspace = tmp_path / "ws"
    empty = store(workspace)
    assert isinstance(empty["pages"], int)
    seen = tmp_path / "seen.jsonl"
    budget = empty["pages"] + 130  # the agencies, the run and about one batch of results
    scan = _run(_CLI_ON_A_SMALL_DISK, ("--lang", "en", "--workspace", workspace, "scan", inventory, *FAST,
                                       "--json-out", seen), CANHGAC_TEST_MAX_PAGES=str(budget))
    assert scan.code == 4, scan.describe()
    after = store(workspace)
    runs = after["runs"]
    assert isinstance(runs, dict) and list(runs) == ["1"]
    stored = runs["1"]["rows"]
    assert runs["1"]["status"] == "failed"
    assert stored % BATCH == 0 and BATCH <= stored < len(read_results(seen)), (stored, scan.describe())
    assert one_error_line(scan) == (
        "Error: the database cannot be used: database or disk is full; free space on the workspace's disk, "
        f"or choose another --workspace — {stored} results stored, run #1 closed as failed.")


def test_tracebacks_instead_of_messages_unreachable_postgresql(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    for args in (("findings", "list"), ("report",)):
        run = run_cli("--lang", "en", "--workspace", tmp_path / "ws", "--database-url",
                      "postgresql://postgres@127.0.0.1:1/x", *args, columns=1000)
        assert run.code == 4, run.describe()
        line = one_error_line(run)
        assert line.startswith("Error: the database cannot be used: connection failed: "), line
        assert "port 1 failed: Connection refused" in line
        assert line.endswith("check --database-url (or CANHGAC_DATABASE_URL) and that the database server "
                             "is running")
