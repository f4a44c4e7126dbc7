"""Rescans against a running lab: an agency fixes a planted case, the next scan marks that
finding fixed and every other one still open, triage survives, a retest says "fixed" or
"still failing" through its exit code, and the report lists what was fixed.

Regression tests of issue 9: after a retest, ``report`` shows the current state of the whole
province (defect 3); a retest of a fixed finding uses the settings of the latest run that
evaluated it and says it is confirming a fix (defect 4).

The whole story runs once (module fixture, CLI subprocesses sharing one workspace, the lab in
this process changed between scans); each test then checks one part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_lab_files import lab_files
from e2e_support import CliRun, read_results, run_cli, running_lab, stored_findings, stored_inventories

from canhgac.engine.results import CheckResult, Status
from canhgac.lab.mail_lab import EXPECTED as MAIL_EXPECTED
from canhgac.lab.province import EXPECTED_FINDINGS as DNS_EXPECTED
from canhgac.lab.province import Records, render_zone
from canhgac.lab.services_plan import EXPECTED as SERVICES_EXPECTED
from canhgac.lab.web_plan import EXPECTED as WEB_EXPECTED
from canhgac.reports.exports import ReportExport

# the story runs about 15 CLI subprocesses in its fixture (counted in the first test's time)
pytestmark = pytest.mark.timeout(360)

# every planted case: the domains' DNS, the mail servers', the portals', the exposed services'
EXPECTED_FINDINGS = DNS_EXPECTED + MAIL_EXPECTED + WEB_EXPECTED + SERVICES_EXPECTED

SYT = "soyte.kiengiang.gov.test"
SGDDT = "sogddt.kiengiang.gov.test"
SNV = "snv.kiengiang.gov.test"
FIXED_BY_RESCAN = ("mail.spf.pass-all", SYT)  # fixed in the lab, then rescanned
FIXED_BY_RETEST = ("mail.spf.single", SGDDT)  # fixed in the lab, then retested alone
STILL_FAILING = ("mail.dmarc.policy", SYT)  # SYT still has no DMARC record of its own
TRIAGED = ("mail.spf.ptr", SNV)
WEAK_KEY = ("mail.dkim.key-strength", "rachgia.kiengiang.gov.test")  # RACHGIA's 1024-bit key
TRIAGE_NOTE = "Nhà cung cấp thư cũ cần ptr đến hết quý 3; accepted until the migration"
TRIAGE_ASSIGNEE = "hung"
PROVIDER = "VNPTKG"  # hosts agencies' systems in 127.60.0.0/27
CERT_TRUST = ("web.tls.cert-trusted", "https://www.snv.kiengiang.gov.test/")


def syt_spf_fixed(records: Records, domain: str) -> None:
    """SYT replaced ``v=spf1 +all`` by the baseline ``v=spf1 mx -all``; still no DMARC record."""
    del records[("_dmarc", "TXT")]


def sgddt_spf_fixed(records: Records, domain: str) -> None:
    """SGDDT removed its second SPF record; its DMARC record is still p=none without rua."""
    records[("_dmarc", "TXT")] = ['"v=DMARC1; p=none"']


@dataclass
class Story:
    """What each step of the rescan story returned."""

    workspace: Path
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict)  # (check, domain) -> fp
    first_scan: list[CheckResult] = field(default_factory=list)
    second_scan: list[CheckResult] = field(default_factory=list)
    steps: dict[str, CliRun] = field(default_factory=dict)
    after_rescan: dict[str, dict[str, str]] = field(default_factory=dict)
    after_retests: dict[str, dict[str, str]] = field(default_factory=dict)
    after_outage: dict[str, dict[str, str]] = field(default_factory=dict)
    after_ca_retests: dict[str, dict[str, str]] = field(default_factory=dict)
    rescan_run: str = ""
    no_ca_run: str = ""
    untrusted: str = ""  # fingerprint of SNV's portal certificate, untrusted without the lab CA
    inventory_file: Path | None = None
    inventories: list[dict[str, object]] = field(default_factory=list)  # the store's documents

    def fp(self, case: tuple[str, str]) -> str:
        return self.fingerprints[case]

    def report(self, folder: str) -> ReportExport:
        files = sorted((self.workspace / folder).glob("*.json"))
        assert len(files) == 1, files
        return ReportExport.model_validate_json(files[0].read_text(encoding="utf-8"))


def _ok(run: CliRun) -> CliRun:
    assert run.code == 0, run.describe()
    return run


def _run_number(scan: CliRun) -> str:
    match = re.search(r"Saved as run #(\d+)\.", scan.stdout)
    assert match is not None, scan.describe()
    return match.group(1)


def _retest_run(retest: CliRun) -> str:
    match = re.search(r"\(run #(\d+)\)", retest.stdout)
    assert match is not None, retest.describe()
    return match.group(1)


def _failures(results: list[CheckResult]) -> list[tuple[str, str]]:
    return sorted((r.check_id, r.target.name) for r in results if r.status is Status.FAIL)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    workspace = tmp_path_factory.mktemp("rescan")
    story = Story(workspace)
    base = ("--workspace", str(workspace), "--lang", "en")

    def cli(*args: str | Path) -> CliRun:
        return run_cli(*base, *args, columns=250)

    with running_lab() as running:
        lab = running.lab
        inventory, target = lab_files(workspace, lab)
        assert lab.mail is not None, lab.mail_error

        story.steps["scan1"] = _ok(cli("scan", inventory, *target, "--json-out", workspace / "scan1.jsonl"))
        story.first_scan = read_results(workspace / "scan1.jsonl")
        story.fingerprints = {
            (r.check_id, r.target.name): r.fingerprint for r in story.first_scan if r.status is Status.FAIL
        }
        story.steps["list1"] = _ok(cli("findings", "list"))
        story.steps["triage"] = _ok(cli(
            "findings", "triage", story.fp(TRIAGED)[:8], "--status", "accepted_risk",
            "--assignee", TRIAGE_ASSIGNEE, "--note", TRIAGE_NOTE, "--until", "2099-12-31",
        ))

        running.replace_zone(SYT, render_zone(SYT, syt_spf_fixed))
        story.steps["scan2"] = _ok(cli("scan", inventory, *target, "--json-out", workspace / "scan2.jsonl"))
        story.second_scan = read_results(workspace / "scan2.jsonl")
        story.rescan_run = _run_number(story.steps["scan2"])
        story.after_rescan = stored_findings(workspace)
        story.steps["list2"] = _ok(cli("findings", "list", "--all"))
        story.steps["report2"] = _ok(cli("report", "--run", story.rescan_run, "--out", workspace / "report2"))

        running.replace_zone(SGDDT, render_zone(SGDDT, sgddt_spf_fixed))
        story.steps["retest_failing"] = cli("retest", story.fp(STILL_FAILING))
        story.steps["retest_fixed"] = cli("retest", story.fp(FIXED_BY_RETEST))
        story.after_retests = stored_findings(workspace)
        story.steps["no_family"] = cli("scan", inventory, *target, "--family", "no.such.family")
        latest = workspace / "report-latest"
        story.steps["report_latest"] = _ok(cli("report", "--format", "json", "--out", latest))
        story.steps["report_latest_html"] = _ok(
            cli("report", "--format", "html", "--out", workspace / "latest-html"))
        story.steps["report_provider"] = _ok(cli("report", "--provider", PROVIDER, "--format", "json",
                                                 "--out", workspace / "report-provider"))

        # Defect 4: SNV's portal is scanned without the lab CA (its certificate is then untrusted),
        # retested with --ca-file (fixed), and retested again with no option at all.
        no_ca = tuple(a for a in target if a not in ("--ca-file", str(workspace / "ca.pem")))
        story.steps["scan_no_ca"] = _ok(cli("scan", inventory, *no_ca, "-a", "SNV", "-c", CERT_TRUST[0]))
        story.no_ca_run = _run_number(story.steps["scan_no_ca"])
        untrusted = stored_findings(workspace)
        story.untrusted = next(
            fp for fp, row in untrusted.items()
            if row["check_id"] == CERT_TRUST[0] and row["agency"] == "SNV")
        story.steps["retest_ca"] = cli("retest", story.untrusted, "--ca-file", workspace / "ca.pem")
        story.steps["retest_again"] = cli("retest", story.untrusted[:8])
        story.after_ca_retests = stored_findings(workspace)
    # Last, the resolver goes away (the lab is stopped): nothing can be tested, nothing is fixed.
    story.steps["outage"] = cli("scan", inventory, "--agency", "RACHGIA", "--resolver", "127.0.0.9:9",
                                "--timeout", "0.2")
    assert story.steps["outage"].code == 3, story.steps["outage"].describe()  # stored, but incomplete
    story.after_outage = stored_findings(workspace)
    story.inventory_file = Path(inventory)
    story.inventories = stored_inventories(workspace)
    yield story


def test_every_scan_records_its_inventory_once_for_the_console(story: Story) -> None:
    """Six scans of one unchanged file leave one applied document: the file, as given (the
    console's scans load it); retests record none."""
    import getpass
    import hashlib

    assert story.inventory_file is not None
    text = story.inventory_file.read_text(encoding="utf-8")
    assert len(story.inventories) == 1
    doc = story.inventories[0]
    assert doc["content"] == text and doc["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert doc["source"] == "cli" and doc["applied"] and doc["applied_by"] == f"cli:{getpass.getuser()}"
    from canhgac.inventory.loader import loads_inventory

    assert doc["name"] == story.inventory_file.name and doc["agencies"] == len(loads_inventory(text).agencies)


def test_the_first_scan_finds_the_planted_cases(story: Story) -> None:
    assert _failures(story.first_scan) == sorted(EXPECTED_FINDINGS)
    errors = [
        (r.check_id, r.target.name, r.message.values) for r in story.first_scan if r.status is Status.ERROR
    ]
    assert errors == []
    total = len(EXPECTED_FINDINGS)
    assert f"Findings: {total} new, 0 still open, 0 fixed, 0 reopened." in story.steps["scan1"].stdout
    # The list shows each open finding by a fingerprint prefix.
    assert story.fp(FIXED_BY_RESCAN)[:10] in story.steps["list1"].stdout
    assert "Finding " + story.fp(TRIAGED)[:10] + " is now Accepted risk." in story.steps["triage"].stdout


def test_the_rescan_marks_the_fixed_case_fixed_and_the_rest_still_open(story: Story) -> None:
    assert _failures(story.second_scan) == sorted(set(EXPECTED_FINDINGS) - {FIXED_BY_RESCAN})
    pass_all = next(r for r in story.second_scan if r.fingerprint == story.fp(FIXED_BY_RESCAN))
    assert pass_all.status is Status.PASS
    total = len(EXPECTED_FINDINGS)
    summary = f"Findings: 0 new, {total - 1} still open, 1 fixed, 0 reopened."
    assert summary in story.steps["scan2"].stdout
    lifecycles = {fp: row["lifecycle"] for fp, row in story.after_rescan.items()}
    assert set(lifecycles) == set(story.fingerprints.values())
    assert lifecycles.pop(story.fp(FIXED_BY_RESCAN)) == "fixed"
    assert set(lifecycles.values()) == {"open"}


def test_triage_survives_the_rescan(story: Story) -> None:
    triaged = story.after_rescan[story.fp(TRIAGED)]
    assert triaged["triage"] == "accepted_risk"
    assert triaged["note"] == TRIAGE_NOTE and triaged["assignee"] == TRIAGE_ASSIGNEE
    assert triaged["lifecycle"] == "open"  # accepted, not fixed: it still fails
    others = [row["triage"] for fp, row in story.after_rescan.items() if fp != story.fp(TRIAGED)]
    assert set(others) == {"untriaged"}
    assert story.after_retests[story.fp(TRIAGED)] == triaged
    listing = story.steps["list2"].stdout
    triaged_line = next(line for line in listing.splitlines() if story.fp(TRIAGED)[:10] in line)
    assert "Accepted risk" in triaged_line and TRIAGE_ASSIGNEE in triaged_line


def test_the_report_of_the_rescan_lists_the_fixed_finding(story: Story) -> None:
    export = story.report("report2")
    assert export.report.run.id == story.rescan_run
    assert export.report.changes.fixed == (story.fp(FIXED_BY_RESCAN),)
    assert export.report.changes.new == () and export.report.changes.reopened == ()
    assert export.report.triage[story.fp(TRIAGED)].note == TRIAGE_NOTE
    assert len(list((story.workspace / "report2").glob("*.html"))) == 1


def test_a_retest_exits_1_while_the_case_still_fails(story: Story) -> None:
    retest = story.steps["retest_failing"]
    assert retest.code == 1, retest.describe()
    assert "still failing" in retest.stdout
    assert story.after_retests[story.fp(STILL_FAILING)]["lifecycle"] == "open"


def test_a_retest_exits_0_once_the_case_is_fixed(story: Story) -> None:
    retest = story.steps["retest_fixed"]
    assert retest.code == 0, retest.describe()
    assert "fixed" in retest.stdout
    assert story.after_retests[story.fp(FIXED_BY_RETEST)]["lifecycle"] == "fixed"
    # A retest re-runs one check on one target: nothing else moved.
    before = {fp: row["lifecycle"] for fp, row in story.after_rescan.items()}
    after = {fp: row["lifecycle"] for fp, row in story.after_retests.items()}
    assert {fp for fp in after if after[fp] != before[fp]} == {story.fp(FIXED_BY_RETEST)}


def test_report_after_retest_shows_the_current_state_of_the_whole_province(story: Story) -> None:
    """Defect 3: ``retest; report`` wrote one agency, one check and no province title."""
    latest = story.report("report-latest").report
    assert latest.scope == "state"
    assert latest.province.name == "Tỉnh Kiên Giang (phòng lab)"
    expected = {r.fingerprint: r.status for r in story.second_scan}
    expected[story.fp(FIXED_BY_RETEST)] = Status.PASS  # what the retest changed, and only that
    assert {r.fingerprint: r.status for r in latest.results} == expected
    assert {a.code for a in latest.agencies} >= {r.agency for r in story.second_scan}
    assert latest.missing == {}  # every declared domain and portal has its results
    retests = [_retest_run(story.steps["retest_fixed"]), _retest_run(story.steps["retest_failing"])]
    assert [(r.id, r.kind) for r in latest.runs] == [
        (retests[0], "retest"), (retests[1], "retest"), (story.rescan_run, "scan")]
    # the changes since the whole-inventory scan before the latest one: the rescan's fix and the retest's
    assert set(latest.changes.fixed) == {story.fp(FIXED_BY_RESCAN), story.fp(FIXED_BY_RETEST)}
    html = next((story.workspace / "latest-html").glob("*.html")).read_text(encoding="utf-8")
    assert "<h1>Tỉnh Kiên Giang (phòng lab)</h1>" in html
    assert "Scans behind this report" in html


def test_report_provider_after_retest_shows_every_hosted_service(story: Story) -> None:
    """Defect 3: ``report --provider`` after a retest showed the retested check only."""
    provider = story.report("report-provider").report
    hosted = {r.fingerprint for r in story.second_scan if r.target.name.startswith("127.60.0.")}
    assert hosted and {r.fingerprint for r in provider.results} == hosted
    assert provider.province.name.endswith(f"({PROVIDER})")


def test_report_after_scan_with_family_matching_nothing_saves_no_run(story: Story) -> None:
    """Defect 3: ``scan -f NOMATCH`` saved a 0-result "finished" run that became the report."""
    refused = story.steps["no_family"]
    assert refused.code == 2, refused.describe()
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("Error: unknown check family: no.such.family"), refused.describe()
    assert "Saved as run" not in refused.stdout
    latest = story.report("report-latest").report
    assert latest.run.id == _retest_run(story.steps["retest_fixed"])


def test_retest_reopens_fixed_finding_no_more(story: Story) -> None:
    """Defect 4: a retest used the settings of the run where the finding last failed (here
    without the lab CA) and reported a fixed finding reopened."""
    override = story.steps["retest_ca"]
    assert override.code == 0, override.describe()
    assert f"Using the settings of run #{story.no_ca_run}, overridden: ca_file." in override.stdout
    assert f"{CERT_TRUST[0]} url:{CERT_TRUST[1]}: fixed" in override.stdout
    again = story.steps["retest_again"]
    assert again.code == 0, again.describe()
    fixed_in = _retest_run(override)
    fp = story.untrusted[:10]
    assert f"Finding {fp} is fixed since run #{fixed_in}; retesting to confirm." in again.stdout
    assert f"Using the settings of run #{fixed_in}." in again.stdout
    assert f"{CERT_TRUST[0]} url:{CERT_TRUST[1]}: still fixed" in again.stdout
    assert story.after_ca_retests[story.untrusted]["lifecycle"] == "fixed"


def test_an_unreachable_resolver_fixes_nothing(story: Story) -> None:
    """Nothing could be tested, so nothing moved: not even RACHGIA's weak DKIM key, whose check
    once answered not_applicable (which fixes a finding) when every selector lookup failed."""
    assert "0 failed" in story.steps["outage"].stdout
    assert story.after_outage[story.fp(WEAK_KEY)]["lifecycle"] == "open"
    assert story.after_outage == story.after_ca_retests
