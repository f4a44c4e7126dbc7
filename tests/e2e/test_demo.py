"""``canhgac demo`` from a fresh workspace: exit 0, exactly the planted failures in the JSON
report, a faultless control agency, no untestable result, a self-contained HTML report, and
Vietnamese by default."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import CliRun, run_cli

from canhgac.cli.common import DEFAULT_WORKSPACE
from canhgac.engine.results import Status
from canhgac.engine.targets import TargetKind
from canhgac.inventory.loader import loads_inventory
from canhgac.inventory.model import Inventory
from canhgac.lab.mail_lab import EXPECTED as MAIL_EXPECTED
from canhgac.lab.mail_lab import HOSTS as MAIL_HOSTS
from canhgac.lab.province import EXPECTED_FINDINGS as DNS_EXPECTED
from canhgac.lab.province import inventory_yaml
from canhgac.lab.services_plan import EXPECTED as SERVICES_EXPECTED
from canhgac.lab.services_plan import HOSTS as SERVICE_HOSTS
from canhgac.lab.web_plan import EXPECTED as WEB_EXPECTED
from canhgac.reports.exports import ReportExport

# every planted case: the domains' DNS, the mail servers', the portals', the exposed services'
EXPECTED_FINDINGS = DNS_EXPECTED + MAIL_EXPECTED + WEB_EXPECTED + SERVICES_EXPECTED

CONTROL_AGENCY = "STTTT"
PO_FILE = Path(__file__).parents[2] / "src/canhgac/locale/vi/LC_MESSAGES/canhgac.po"
README = Path(__file__).parents[2] / "README.md"
REPORT_TITLE = "Security posture report"

# Anything that would make the browser fetch from another host: a CDN script, a stylesheet,
# an image, a font (protocol-relative "//host/..." included).
EXTERNAL_REFERENCE = re.compile(r"""(?:(?:src|href)\s*=|url\()\s*["']?\s*(?:https?:)?//""", re.I)


@dataclass(frozen=True)
class DemoRun:
    cli: CliRun
    reports: Path

    def report_file(self, suffix: str) -> Path:
        files = sorted(self.reports.glob(f"*{suffix}"))
        assert len(files) == 1, f"expected one *{suffix} in {self.reports}: {files}"
        return files[0]

    def export(self) -> ReportExport:
        return ReportExport.model_validate_json(self.report_file(".json").read_text(encoding="utf-8"))


def _demo(workspace: Path, *options: str) -> DemoRun:
    cli = run_cli("--workspace", workspace, *options, "demo", columns=200)
    return DemoRun(cli, workspace / "demo" / "reports")


@pytest.fixture(scope="module")
def english_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    yield _demo(tmp_path_factory.mktemp("demo-en"), "--lang", "en")


@pytest.fixture(scope="module")
def vietnamese_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    # As a new user runs it: no --lang (Vietnamese is the default), no --workspace (the default
    # one, in the current folder). A free port rather than 53, the other start-up path.
    folder = tmp_path_factory.mktemp("demo-vi")
    cli = run_cli("demo", "--port", "0", columns=200, cwd=folder)
    yield DemoRun(cli, folder / DEFAULT_WORKSPACE / "demo" / "reports")


def _msgstr(msgid: str) -> str:
    """The Vietnamese translation of ``msgid`` in the shipped catalogue (single-line entries)."""
    text = PO_FILE.read_text(encoding="utf-8")
    match = re.search(rf'^msgid "{re.escape(msgid)}"\nmsgstr "([^"]+)"$', text, re.M)
    assert match is not None, f"{msgid!r} has no Vietnamese translation in {PO_FILE}"
    return match.group(1)


def test_demo_exits_0_and_says_every_planted_case_was_found(english_demo: DemoRun) -> None:
    assert english_demo.cli.code == 0, english_demo.cli.describe()
    total = len(EXPECTED_FINDINGS)
    summary = f"{total} of {total} planted cases found; 0 unexpected findings; 0 errors."
    assert summary in english_demo.cli.stdout


def test_the_json_report_fails_exactly_the_planted_cases(english_demo: DemoRun) -> None:
    export = english_demo.export()
    failures = sorted((r.check_id, r.target.name) for r in export.report.results if r.status is Status.FAIL)
    assert failures == sorted(EXPECTED_FINDINGS)  # as a list: no planted case reported twice either
    assert export.report.lang == "en"
    failing = {r.fingerprint for r in export.report.results if r.status is Status.FAIL}
    assert set(export.report.changes.new) == failing


def test_the_control_agency_is_faultless_and_nothing_is_untestable(english_demo: DemoRun) -> None:
    results = english_demo.export().report.results
    errors = [(r.check_id, r.target.name, r.message.values) for r in results if r.status is Status.ERROR]
    assert errors == []
    control = [r for r in results if r.agency == CONTROL_AGENCY]
    assert control, "the control agency was not scanned"
    assert {r.status for r in control} <= {Status.PASS, Status.NOT_APPLICABLE}
    assert sum(r.status is Status.PASS for r in control) > len(control) / 2
    inventory = loads_inventory(inventory_yaml())
    scanned = {(r.target.kind, r.agency, r.target.name) for r in results}
    domains = {(TargetKind.DOMAIN, a.code, d.name) for a in inventory.agencies for d in a.domains}
    urls = {(TargetKind.URL, a.code, u) for a in inventory.agencies for u in (*a.portals, *a.webmail)}
    # mail hosts: what the declared domains' MX name (PHUQUOC's second MX has no address at all)
    hosts = {(TargetKind.MAIL_HOST, p.domain_agency, p.host) for p in _mail_hosts(inventory)}
    hosts.add((TargetKind.MAIL_HOST, "PHUQUOC", "mail2.phuquoc.kiengiang.gov.test"))
    # exposed services: every planted address of the declared ranges, owned by the range's agency
    services = {(TargetKind.HOST, plan.agency, plan.address) for plan in SERVICE_HOSTS}
    assert scanned == domains | urls | hosts | services  # every declared target, and nothing else


@dataclass(frozen=True)
class _Host:
    domain_agency: str
    host: str


def _mail_hosts(inventory: Inventory) -> list[_Host]:
    by_domain = {d.name: a.code for a in inventory.agencies for d in a.domains}
    return [_Host(by_domain[plan.domain], plan.host) for plan in MAIL_HOSTS]


def test_the_html_report_is_self_contained(english_demo: DemoRun) -> None:
    html = english_demo.report_file(".html").read_text(encoding="utf-8")
    assert "<script src" not in html.lower()
    assert EXTERNAL_REFERENCE.findall(html) == []
    assert '<html lang="en">' in html and REPORT_TITLE in html
    csv = english_demo.report_file(".csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel


def test_vietnamese_is_the_default(vietnamese_demo: DemoRun) -> None:
    assert vietnamese_demo.cli.code == 0, vietnamese_demo.cli.describe()
    html_path = vietnamese_demo.report_file(".html")
    assert html_path.name.endswith("-vi.html")
    html = html_path.read_text(encoding="utf-8")
    assert '<html lang="vi">' in html
    for heading in (REPORT_TITLE, "Summary", "How grades are computed"):
        assert _msgstr(heading) in html
    assert REPORT_TITLE not in html
    assert "Báo cáo" in html
    assert vietnamese_demo.export().report.lang == "vi"


def test_concurrent_runs_collide_demo_exits_without_pending_task_noise(english_demo: DemoRun) -> None:
    # the lab's loop ends its open sessions before it closes: none is destroyed while pending
    assert "Task was destroyed but it is pending" not in english_demo.cli.stderr
    assert "Traceback" not in english_demo.cli.stderr


def readme_after_the_demo() -> list[str]:
    """The commands of the README's "After the demo" block, in order, without their comments."""
    section = README.read_text(encoding="utf-8").split("### After the demo\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("canhgac ")]


def test_the_demo_ends_with_the_readme_commands_that_read_its_store(vietnamese_demo: DemoRun) -> None:
    out = vietnamese_demo.cli.stdout.splitlines()
    printed = [line.strip() for line in out if line.startswith("  canhgac ")]
    assert printed == readme_after_the_demo()
    assert [shlex.split(c)[1:3] for c in printed] == [
        ["findings", "list"], ["events", "list"], ["report", "--workspace"]]


def test_the_readme_commands_after_the_demo_read_the_demos_findings(
    vietnamese_demo: DemoRun, tmp_path: Path
) -> None:
    here = tmp_path / "after-the-demo"  # a copy: the README's report must not add files to the fixture's
    shutil.copytree(vietnamese_demo.reports.parents[2], here)
    runs = [run_cli(*shlex.split(command)[1:], columns=300, cwd=here) for command in readme_after_the_demo()]
    for run in runs:
        assert run.code == 0, run.describe()
        opened = f"{here / DEFAULT_WORKSPACE / 'demo'}"
        assert [line for line in run.stderr.splitlines() if opened in line], run.describe()  # named on stderr
    listing, events, report = runs
    rows = [line for line in listing.stdout.splitlines() if re.match(r"│ [0-9a-f]{10} ", line)]
    assert len(rows) == len(EXPECTED_FINDINGS), listing.describe()
    for check_id, name in EXPECTED_FINDINGS:
        assert any(check_id in row and name in row for row in rows), (check_id, name)
    assert events.stdout.count("finding.opened") == len(EXPECTED_FINDINGS), events.describe()
    written = sorted((here / DEFAULT_WORKSPACE / "demo" / "reports").glob("canhgac-state-*.json"))
    assert len(written) == 1 and str(written[0].relative_to(here)) in report.stdout, report.describe()
    export = ReportExport.model_validate_json(written[0].read_text(encoding="utf-8"))
    failures = sorted((r.check_id, r.target.name) for r in export.report.results if r.status is Status.FAIL)
    assert failures == sorted(EXPECTED_FINDINGS)


def test_the_default_workspace_after_the_demo_is_refused_pointing_at_the_demos(
    vietnamese_demo: DemoRun, tmp_path: Path
) -> None:
    here = tmp_path / "after-the-demo"
    shutil.copytree(vietnamese_demo.reports.parents[2], here)
    for command in (("findings", "list"), ("report",), ("events", "list", "--format", "json")):
        run = run_cli(*command, "--lang", "en", cwd=here)
        assert run.code == 2, run.describe()
        assert run.stdout == "" and run.stderr.splitlines() == [
            f"Error: workspace {DEFAULT_WORKSPACE} holds no store yet; the demo's results are in "
            f"{DEFAULT_WORKSPACE}/demo: add --workspace {DEFAULT_WORKSPACE}/demo"], run.describe()
    assert sorted(p.name for p in (here / DEFAULT_WORKSPACE).iterdir()) == ["demo"]  # nothing created
    json.loads(run_cli("events", "list", "--format", "json", "--workspace", f"{DEFAULT_WORKSPACE}/demo",
                       cwd=here).stdout)  # stdout stays JSON: the workspace is named on stderr
