"""A scan launched from the console in a real browser (Debian's ``chromium`` through Playwright)
against ``canhgac serve`` and the built-in lab on loopback: an analyst launches a scan of one
lab agency, follows its live progress (htmx polling) to the end, and reads the run's summary
and provenance; then retests one finding from its page. The console's scan takes the
workspace's ``canhgac.toml`` (the lab's resolver, name-server port, CA file and blocklist zone)
and the store's inventory, as ``canhgac scan`` would. Screenshots go to
``build/test-artifacts/console``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session, checked_session
from console_server_support import add_user, served_console
from e2e_lab_files import lab_files
from e2e_support import run_cli, running_lab

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [NEEDS_CHROMIUM, pytest.mark.timeout(400)]

AGENCY = "SYT"  # one lab agency: a domain, a portal, a small range


@dataclass(frozen=True)
class Console:
    base: str
    workspace: Path


def _settings_file(workspace: Path, flags: tuple[str, ...]) -> None:
    """canhgac.toml with the lab's scan flags (``e2e_lab_files.lab_files``) as [scan] keys."""
    pairs = list(zip(flags[::2], flags[1::2], strict=True))
    zones = [v for k, v in pairs if k == "--dnsbl-zone"]
    values = {k[2:]: v for k, v in pairs if k != "--dnsbl-zone"}
    lines = ["[scan]",
             f'resolver = ["{values["resolver"]}"]',
             f'nameserver-port = {values["nameserver-port"]}',
             f'timeout = {float(values["timeout"])}',
             f'dns-in-flight = {values["dns-in-flight"]}',
             f'ca-file = "{values["ca-file"]}"',
             "dnsbl-zone = [" + ", ".join(f'"{z}"' for z in zones) + "]"]
    (workspace / "canhgac.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The lab running, a workspace whose store holds its inventory (a first CLI scan of one
    family), an analyst, and the console served on it."""
    workspace = tmp_path_factory.mktemp("console-scans")
    with running_lab() as running:
        inventory, flags = lab_files(workspace, running.lab)
        _settings_file(workspace, flags)
        first = run_cli("--workspace", workspace, "scan", inventory, "--family", "mail.spf", columns=200)
        assert first.code in (0, 1, 3), first.describe()
        add_user(workspace, "analyst", "csirt-analyst", PASSWORD)
        with served_console(workspace) as base:
            yield Console(base, workspace)


@pytest.fixture
def session(browser: object, console: Console) -> Iterator[Session]:
    with checked_session(browser, console.base) as opened:
        yield opened


def _wait_until_under_way(page: object, seconds: float = 120.0) -> None:
    """Until the launch has stored results (or has ended, on a fast machine); read from Python:
    the console's CSP refuses the string evaluation ``wait_for_function`` would use."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.locator("#launch-summary").count():  # type: ignore[attr-defined]
            return
        results = page.locator("#launch-results")  # type: ignore[attr-defined]
        if results.count() and results.inner_text() not in ("", "0"):
            return
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    raise AssertionError("the launch stored no result in time")


def test_an_analyst_launches_a_scan_and_follows_it_to_the_end(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.locator("nav a", has_text="Lượt quét").click()
    page.wait_for_url("**/scans/")
    assert page.locator(f"#id_agency option[value={AGENCY}]").count() == 1
    assert page.locator("table.runs tbody tr").count() == 1  # the CLI's first scan
    assert "Dòng lệnh (CLI)" in page.locator("table.runs tbody tr").first.inner_text()
    session.shot(shots, "scans-vi")
    page.select_option("#id_agency", AGENCY)
    page.click("#launch button.primary")
    page.wait_for_url(re.compile(r".*/scans/launches/\d+/$"))
    assert page.locator("#progress[hx-trigger]").count() == 1  # htmx polls while it runs
    _wait_until_under_way(page)
    session.shot(shots, "scan-launch-running-vi")
    page.wait_for_selector("#launch-summary", timeout=240_000)  # htmx swapped the final fragment in
    assert page.locator("#launch-state").inner_text() == "đã kết thúc"
    assert page.locator("#progress[hx-trigger]").count() == 0  # polling stopped
    assert int(page.locator("#sum-results").inner_text()) > 0
    assert int(page.locator("#sum-new").inner_text()) > 0  # every family but mail.spf is new to SYT
    assert int(page.locator("#sum-open").inner_text()) > 0  # SYT's SPF findings, still open
    session.shot(shots, "scan-launch-finished-vi")
    page.click("#link-run")
    page.wait_for_url(re.compile(r".*/scans/runs/\d+/$"))
    assert page.locator("#run-launcher").inner_text().startswith("analyst")
    assert page.locator("#run-version").inner_text().strip() != "—"
    assert page.locator("#run-catalog").inner_text().startswith("sha256:")
    assert '"nameserver_port"' in page.locator("#run-settings").inner_text()
    session.shot(shots, "scan-run-vi")
    page.goto(f"{session.base}/scans/")
    assert page.locator("table.runs tbody tr").count() == 2
    assert page.locator("table.runs tbody tr").first.inner_text().count("analyst") == 1


def test_an_analyst_retests_one_finding_from_its_page(session: Session, shots: Path) -> None:
    page = session.page
    session.login("analyst")
    page.goto(f"{session.base}/findings/?agency={AGENCY}&family=mail.spf")
    page.locator("table.findings tbody tr a[href^='/findings/']").first.click()
    page.wait_for_url(re.compile(r".*/findings/[0-9a-f]{32}/$"))
    fingerprint = page.url.rstrip("/").rsplit("/", 1)[1]
    session.shot(shots, "finding-retest-button-vi")
    page.click("#retest button.primary")
    page.wait_for_url(re.compile(r".*/scans/launches/\d+/$"))
    assert fingerprint[:12] in page.locator("h1").inner_text()
    page.wait_for_selector("#launch-summary", timeout=120_000)
    assert page.locator("#launch-state").inner_text() == "đã kết thúc"
    assert int(page.locator("#sum-results").inner_text()) == 1  # its one check on its one target
    assert page.locator("#link-findings").get_attribute("href") == f"/findings/{fingerprint}/"
    session.shot(shots, "retest-finished-vi")
