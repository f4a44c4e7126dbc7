"""The host sweep's results end to end against ``canhgac serve`` on loopback: the real sweep (a
child process, ``python -m canhgac.sweep``) uploads its signed result with an agency officer's
token; the CLI imports a carried file; refusals, an unreachable console and a TLS failure are one
line each with the result file kept; then the coverage, agency and host pages in Debian's
headless Chromium (Playwright), screenshots in ``/tmp/sweepin-*.png`` and the test artifacts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session
from console_server_support import _env, free_port, served_console

sys.path.insert(0, str(Path(__file__).parents[1] / "sweep"))
from sweep_support import EICAR, run_child

pytestmark = pytest.mark.timeout(400)

SEED = """
import sys
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
ws = Path(sys.argv[1])
setup_django(workspace=ws)
migrate()
from canhgac.console.store import accounts, api_tokens, services
from canhgac.console.store.roles import Role
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
for name, role, agencies in (("analyst", Role.CSIRT_ANALYST, []), ("officer", Role.AGENCY_OFFICER, ["SO-B"])):
    accounts.create_account(name, sys.argv[2], role, agencies, actor="seed")
    token = api_tokens.issue_token(name, "sweep", actor="seed").plaintext
    (ws / f"{name}.token").write_text(token + "\\n", encoding="utf-8")
"""
_CLI = """
from canhgac.netguard import install_loopback_guard
install_loopback_guard()
from canhgac.cli.main import app
sys.argv[0] = "canhgac"
app()
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("sweep-console")
    done = subprocess.run(
        [sys.executable, "-c", SEED, str(ws), PASSWORD],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return ws


@pytest.fixture(scope="module")
def console(workspace: Path) -> Iterator[str]:
    with served_console(workspace) as base:
        yield base


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "www").mkdir(parents=True)
    (tree / "eicar.com").write_bytes(EICAR)
    (tree / "www" / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    return tree


def _sweep(
    tmp_path: Path, tree: Path, *extra: str, key: str = "host.key"
) -> subprocess.CompletedProcess[str]:
    return run_child(
        [
            str(tree),
            "--no-system",
            "--cpu-cap",
            "100",
            "--key",
            str(tmp_path / key),
            "--out",
            str(tmp_path / "result.json"),
            *extra,
        ],
        timeout=300,
    )


def _coverage(base: str, token: str) -> list[dict[str, object]]:
    request = urllib.request.Request(
        f"{base}/api/v1/sweep/coverage", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        found: list[dict[str, object]] = json.loads(answer.read())
    return found


def test_the_sweep_uploads_its_result(console: str, workspace: Path, tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    token = workspace / "officer.token"
    done = _sweep(tmp_path, tree, "--agency", "SO-B", "--upload", console, "--token-file", str(token))
    assert done.returncode == 1, done.stderr  # hits: the EICAR file
    assert "Uploaded:" in done.stdout and "SO-B" in done.stdout and "1 findings opened" in done.stdout
    assert (tmp_path / "result.json").exists()  # kept for a USB carry too
    again = _sweep(
        tmp_path,
        tree,
        "--agency",
        "SO-B",
        "--upload",
        f"{console}/api/v1/sweep/results",
        "--token-file",
        str(token),
    )
    assert again.returncode == 1 and "Uploaded:" in again.stdout, again.stderr
    rows = _coverage(console, token.read_text().strip())
    assert [(r["agency"], r["hosts"], r["hits_open"]) for r in rows] == [("SO-B", 1, 1)]
    # the EICAR file removed: the next sweep (same pack) fixes the finding
    (tree / "eicar.com").unlink()
    clean = _sweep(tmp_path, tree, "--agency", "SO-B", "--upload", console, "--token-file", str(token))
    assert clean.returncode == 0 and "1 fixed" in clean.stdout, clean.stdout + clean.stderr
    rows = _coverage(console, token.read_text().strip())
    assert [(r["agency"], r["hits_open"]) for r in rows] == [("SO-B", 0)]


def test_upload_refusals_and_failures_are_one_line_and_keep_the_file(
    console: str, workspace: Path, tmp_path: Path
) -> None:
    tree = _tree(tmp_path)
    token = str(workspace / "officer.token")
    other_agency = _sweep(tmp_path, tree, "--agency", "SO-A", "--upload", console, "--token-file", token)
    assert (
        other_agency.returncode == 3 and "HTTP 403" in other_agency.stderr and "SO-A" in other_agency.stderr
    )
    assert "is kept" in other_agency.stderr and (tmp_path / "result.json").exists()
    bad = tmp_path / "bad.token"
    bad.write_text("cg_nothing\n", encoding="utf-8")
    refused = _sweep(tmp_path, tree, "--agency", "SO-B", "--upload", console, "--token-file", str(bad))
    assert refused.returncode == 3 and "HTTP 401" in refused.stderr
    closed = f"http://127.0.0.1:{free_port()}"
    unreachable = _sweep(tmp_path, tree, "--agency", "SO-B", "--upload", closed, "--token-file", token)
    assert unreachable.returncode == 3 and "cannot reach" in unreachable.stderr
    tls = _sweep(
        tmp_path,
        tree,
        "--agency",
        "SO-B",
        "--upload",
        console.replace("http:", "https:"),
        "--token-file",
        token,
    )
    assert tls.returncode == 3 and "TLS failure" in tls.stderr
    for done in (other_agency, refused, unreachable, tls):
        errors = [line for line in done.stderr.splitlines() if line.startswith("canhgac sweep:")]
        assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    no_token = _sweep(tmp_path, tree, "--upload", console, "--token-file", str(tmp_path / "missing"))
    assert no_token.returncode == 2 and "token file" in no_token.stderr  # refused before the sweep
    # a new key for a pinned computer (a reinstall): 409 until the CSIRT unpins
    moved = _sweep(
        tmp_path,
        _tree(tmp_path / "n"),
        "--agency",
        "SO-B",
        "--upload",
        console,
        "--token-file",
        token,
        key="new-host.key",
    )
    assert moved.returncode == 3 and "HTTP 409" in moved.stderr and "unpin" in moved.stderr


def _cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**_env(), "CANHGAC_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + _CLI, "--workspace", str(workspace), "--lang", "en", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def test_a_carried_result_is_imported_by_the_cli(console: str, workspace: Path, tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    done = _sweep(tmp_path, tree, key="usb.key")
    assert done.returncode == 1, done.stderr
    carried = tmp_path / "result.json"
    first = _cli(workspace, "sweep", "import", str(carried), "--agency", "SO-A")
    assert first.returncode == 1 and "1 hits, 1 findings opened" in first.stdout, first.stdout + first.stderr
    again = _cli(workspace, "sweep", "import", str(carried), "--agency", "SO-A")
    assert again.returncode == 1 and "already imported" in again.stdout  # its hits still count
    broken = tmp_path / "broken.json"
    broken.write_text(carried.read_text()[:200], encoding="utf-8")
    refused = _cli(workspace, "sweep", "import", str(broken))
    assert (
        refused.returncode == 2
        and "not a sweep result file" in refused.stderr
        and "Traceback" not in refused.stderr
    )
    shutil.copy(carried, workspace / "carried.json")


@NEEDS_CHROMIUM
def test_coverage_pages_in_a_browser(console: str, workspace: Path, session: Session, shots: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    page = session.page
    session.login("analyst")
    page.click("nav >> text=Rà quét máy")
    page.wait_for_url("**/sweep/")
    table = page.locator("#sweep-coverage").inner_text()
    assert "Sở Alpha" in table and "Sở Beta" in table
    _save(session, shots, "sweep-coverage-vi")
    page.click("#agency-SO-A a")
    page.wait_for_url("**/sweep/SO-A/")
    page.click("#sweep-hosts tbody tr a")
    page.wait_for_url("**/sweep/hosts/*/")
    assert "EICAR_Test_File" in page.locator("#sweep-hits").inner_text()
    assert page.locator("#unpin").count() == 1
    _save(session, shots, "sweep-host-vi")
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert "Hits of the last sweep" in page.content()
    _save(session, shots, "sweep-host-en")
    officer = Session(session.context.browser, session.base)
    try:
        officer.login("officer", lands="**/agencies/SO-B/")
        officer.page.goto(f"{session.base}/sweep/")
        text = officer.page.locator("#sweep-coverage").inner_text()
        assert "Sở Beta" in text and "Sở Alpha" not in text
        answer = officer.page.goto(f"{session.base}/sweep/SO-A/")
        assert answer is not None and answer.status == 404
        _save(officer, shots, "sweep-coverage-officer-vi")
    finally:
        officer.close()


def _save(session: Session, shots: Path, name: str) -> None:
    path = session.shot(shots, name)
    shutil.copy(path, Path("/tmp") / f"sweepin-{name}.png")
