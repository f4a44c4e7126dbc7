"""``canhgac findings list|show|triage`` on a small real store, once per database backend: each
option as typed on the command line, the JSON and CSV parsed back, refusals as one line and
exit 2, and the triage history that ``findings show`` prints.

Not collected directly: ``test_findings_cli.py`` runs this module in a fresh process per backend;
the CLI is invoked in-process on the store this module set up (same URL and workspace).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-findings-cli-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.cli import common  # noqa: E402
from canhgac.cli.main import app  # noqa: E402
from canhgac.console.store import services  # noqa: E402
from canhgac.console.store.models import TriageChange  # noqa: E402
from canhgac.engine.results import CheckResult, Outcome, Provenance, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.reports.exports import CSV_COLUMNS  # noqa: E402
from canhgac.services.findings import ROW_FIELDS  # noqa: E402

RUNNER = CliRunner()
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
A, B = "SO-A", "SO-B"
dom_a = Target(kind=TargetKind.DOMAIN, name="a.example.vn", agency=A)
url_a = Target(kind=TargetKind.URL, name="https://a.example.vn/", agency=A)
dom_b = Target(kind=TargetKind.DOMAIN, name="b.example.vn", agency=B)
mx_b = Target(kind=TargetKind.MAIL_HOST, name="mx.b.example.vn", agency=B)


def result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, 2, tzinfo=UTC))


SPF_A = result("mail.spf.present", dom_a, failed("missing"))
CAA_A = result("dns.caa.present", dom_a, failed("missing", domain="a.example.vn"))
HSTS_A = result("web.hsts", url_a, failed("missing", {"header": "[bold]max-age=0[/]"}, url="https://a.example.vn/"))
SPF_B = result("mail.spf.present", dom_b, failed("missing"))
RELAY_B = result("mail.smtp.open-relay", mx_b,
                 failed("open", endpoints="mx.b.example.vn:25", detail="RCPT 250"))


def scan(*results: CheckResult) -> None:
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, results)
    services.finish_run(run)


@pytest.fixture(autouse=True)
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run 1 fails everything but HSTS; run 2 fixes B's SPF and finds A's HSTS."""
    monkeypatch.setattr(common.console, "width", 300)
    monkeypatch.setattr(common.err_console, "width", 300)
    monkeypatch.delenv("CANHGAC_ACTOR", raising=False)
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": "Sở A", "domains": ("a.example.vn",), "urls": ("https://a.example.vn/",)},
            {"code": B, "name": "Sở B", "domains": ("b.example.vn",), "mail_hosts": ("mx.b.example.vn",)},
        ])
        scan(SPF_A, CAA_A, SPF_B, RELAY_B)
        spf_fixed = result("mail.spf.present", dom_b, passed("pass", record="v=spf1 -all"))
        scan(SPF_A, CAA_A, HSTS_A, spf_fixed, RELAY_B)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _this_store(cli_defaults: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``cli_defaults`` cleared every CANHGAC_* variable: this process's store is the one
    ``setup_django`` configured above (Django cannot be set up again with another)."""
    monkeypatch.setenv("CANHGAC_DATABASE_URL", _URL)
    monkeypatch.setenv("CANHGAC_WORKSPACE", str(_WORKSPACE))


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return RUNNER.invoke(app, ["--workspace", str(_WORKSPACE), "--database-url", _URL, "--lang", "en", *args],
                         env=env)


def listed(*args: str) -> list[str]:
    """Fingerprints that ``findings list ARGS --format json`` prints, in its order."""
    done = cli("findings", "list", *args, "--format", "json")
    assert done.exit_code == 0, done.output
    return [obj["fingerprint"] for obj in json.loads(done.stdout)]


def ids(*found: CheckResult) -> set[str]:
    return {r.fingerprint for r in found}


def refused(done: Result) -> str:
    """The one error line of a refused command (exit 2), after the note naming the workspace."""
    assert done.exit_code == 2, done.output
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("Workspace: ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_the_table_lists_open_findings_with_a_count() -> None:
    done = cli("findings", "list")
    assert done.exit_code == 0, done.output
    for found in (SPF_A, CAA_A, HSTS_A, RELAY_B):
        assert found.fingerprint[:10] in done.stdout
    assert SPF_B.fingerprint[:10] not in done.stdout  # fixed
    assert "4 findings" in done.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (("--agency", B), {"RELAY_B"}),
    (("-a", f"{A},{B}", "--lifecycle", "fixed"), {"SPF_B"}),
    (("--all",), {"SPF_A", "CAA_A", "HSTS_A", "SPF_B", "RELAY_B"}),
    (("-l", "new"), {"HSTS_A"}),
    (("--severity", "high,critical"), {"SPF_A", "RELAY_B"}),
    (("-s", "low", "-s", "medium"), {"CAA_A", "HSTS_A"}),
    (("--min-severity", "high"), {"SPF_A", "RELAY_B"}),
    (("--family", "mail.spf", "--all"), {"SPF_A", "SPF_B"}),
    (("-f", "dns,web"), {"CAA_A", "HSTS_A"}),
    (("--clause", "CV430:1"), {"RELAY_B"}),
    (("--clause", "CV2132"), {"CAA_A", "HSTS_A"}),
    (("--text", "MX.B"), {"RELAY_B"}),
    (("--text", "max-age"), {"HSTS_A"}),
    (("--text", "Tên miền có bản ghi SPF", "--all"), {"SPF_A", "SPF_B"}),
    (("--triage", "untriaged", "--agency", A, "--min-severity", "medium"), {"SPF_A", "HSTS_A"}),
])
def test_each_filter_option(args: tuple[str, ...], expected: set[str]) -> None:
    named = {"SPF_A": SPF_A, "CAA_A": CAA_A, "HSTS_A": HSTS_A, "SPF_B": SPF_B, "RELAY_B": RELAY_B}
    assert set(listed(*args)) == ids(*(named[n] for n in expected))


def test_triage_filter_after_a_triage() -> None:
    assert cli("findings", "triage", CAA_A.fingerprint[:8], "--status", "false_positive",
               "--note", "CAA là tùy chọn ở đây").exit_code == 0
    assert listed("--triage", "false_positive") == [CAA_A.fingerprint]
    assert set(listed("-t", "untriaged,confirmed")) == ids(SPF_A, HSTS_A, RELAY_B)


def test_sorts_and_reverse() -> None:
    assert listed("--sort", "severity") == [r.fingerprint for r in (RELAY_B, SPF_A, HSTS_A, CAA_A)]
    assert listed("--sort", "severity", "--reverse") == [
        r.fingerprint for r in (CAA_A, HSTS_A, SPF_A, RELAY_B)]
    assert listed("--sort", "check") == [r.fingerprint for r in (CAA_A, RELAY_B, SPF_A, HSTS_A)]
    assert listed("--sort", "agency") == [r.fingerprint for r in (CAA_A, SPF_A, HSTS_A, RELAY_B)]
    assert listed("--sort", "first-seen")[-1] == HSTS_A.fingerprint
    assert listed("--sort", "first-seen", "--reverse")[0] == HSTS_A.fingerprint
    assert listed("--sort", "last-seen", "--all")[0] == SPF_B.fingerprint


def test_json_objects_have_the_documented_keys() -> None:
    done = cli("findings", "list", "--format", "json", "--agency", B, "--all")
    data = json.loads(done.stdout)
    assert [list(obj) for obj in data] == [list(ROW_FIELDS)] * 2
    relay = next(obj for obj in data if obj["check"] == "mail.smtp.open-relay")
    assert (relay["severity"], relay["agency_name"], relay["lifecycle"]) == ("critical", "Sở B", "open")
    assert relay["title"] == "Mail server does not relay for outsiders on any SMTP port (no open relay)"


def test_csv_has_the_reports_columns() -> None:
    done = cli("findings", "list", "--format", "csv", "--sort", "severity")
    assert done.exit_code == 0, done.output
    assert done.stdout_bytes.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(done.stdout_bytes.decode("utf-8-sig"))))
    assert tuple(table[0]) == CSV_COLUMNS
    column = {name: i for i, name in enumerate(CSV_COLUMNS)}
    assert [row[column["fingerprint"]] for row in table[1:]] == [
        r.fingerprint for r in (RELAY_B, SPF_A, HSTS_A, CAA_A)]
    assert table[1][column["clause"]] == "CV430 1; KG20 1; KG20 3"


def test_an_empty_list_in_each_format() -> None:
    assert "0 findings" in cli("findings", "list", "--triage", "false_positive").stdout
    assert json.loads(cli("findings", "list", "-t", "false_positive", "--format", "json").stdout) == []
    rows = cli("findings", "list", "-t", "false_positive", "--format", "csv").stdout_bytes.decode("utf-8-sig")
    assert rows.splitlines() == [",".join(CSV_COLUMNS)]


@pytest.mark.parametrize(("args", "said"), [
    (("--severity", "hgh"), "Error: --severity: unknown value hgh — did you mean: high?"),
    (("--min-severity", "urgent"), "Error: --min-severity: unknown value urgent — known values: info, low"),
    (("--lifecycle", "closed"), "Error: --lifecycle: unknown value closed — known values: new, open, fixed"),
    (("--triage", "accepted"), "Error: --triage: unknown value accepted — did you mean: accepted_risk?"),
    (("--family", "mail.spff"), "Error: --family: unknown value mail.spff — did you mean: mail.spf"),
    (("--clause", "CV999"),
     "Error: --clause: unknown value CV999 — frameworks: CV2132, CV3024, CV430, KG20, T18"),
    (("--agency", "SO-Z"), "Error: --agency: unknown value SO-Z — did you mean: SO-"),
    (("--sort", "date"), "Error: --sort: unknown value date — known values: severity, first-seen"),
    (("--format", "xml"), "Error: unknown format xml: use table, json or csv"),
    (("--all", "--lifecycle", "fixed"), "Error: --all and --lifecycle: give one of them"),
])
def test_unknown_values_are_one_line_and_exit_2(args: tuple[str, ...], said: str) -> None:
    assert refused(cli("findings", "list", *args)).startswith(said)


def test_triage_twice_then_show_the_history() -> None:
    fp = SPF_B.fingerprint
    first = cli("findings", "triage", fp[:8], "--status", "accepted_risk", "--assignee", "an.nv",
                "--note", "Máy chủ cũ", "--until", _days_ahead(30), "--actor", "lan")
    assert first.exit_code == 0, first.output
    second = cli("findings", "triage", fp[:8], "--status", "confirmed", env={"CANHGAC_ACTOR": "minh"})
    assert second.exit_code == 0, second.output
    assert [(c.actor, c.field) for c in TriageChange.objects.order_by("at", "pk")] == [
        ("lan", "triage"), ("lan", "assignee"), ("lan", "note"), ("lan", "accepted_until"),
        ("minh", "triage"), ("minh", "accepted_until")]
    shown = cli("findings", "show", fp[:10])
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert fp in out and "State: Fixed" in out and "Triage: Confirmed" in out and "Note: Máy chủ cũ" in out
    assert " (+07:00) by minh" in out.split("Last triaged:")[1].splitlines()[0]  # Vietnam's clock
    assert "First seen:" in out and "Last seen:" in out and "Fixed in: run #" in out
    history = out[out.index("History"):]
    lines = [line for line in history.splitlines() if " (+07:00) " in line and "│" in line]
    changes = [line.split("│")[2].strip() + " by " + line.split("│")[3].strip() for line in lines]
    assert changes[0].startswith("opened: New by run #")
    assert changes[1].startswith("lifecycle: New → Fixed by run #")
    until = _days_ahead(30)
    assert changes[2:] == ["triage: Not triaged → Accepted risk by lan", "assignee: — → an.nv by lan",
                           "note: — → “Máy chủ cũ” by lan", f"accepted until: — → {until} by lan",
                           "triage: Accepted risk → Confirmed by minh",
                           f"accepted until: {until} → — by minh"]


def _days_ahead(days: int) -> str:
    from django.utils.timezone import localdate

    return (localdate() + timedelta(days=days)).isoformat()


def test_an_accepted_risk_keeps_its_last_day() -> None:
    today = _days_ahead(0)
    done = cli("findings", "triage", RELAY_B.fingerprint[:8], "--status", "accepted_risk", "--until", today)
    assert done.exit_code == 0, done.output  # today is allowed: the last day it holds
    shown = cli("findings", "show", RELAY_B.fingerprint[:8])
    assert f"Accepted until: {today}" in shown.stdout and "Triage: Accepted risk" in shown.stdout
    document = json.loads(cli("findings", "show", RELAY_B.fingerprint[:8], "--format", "json").stdout)
    assert document["accepted_until"] == today and document["triage"] == "accepted_risk"
    (change,) = TriageChange.objects.filter(field="accepted_until")
    assert (change.before, change.after) == ("", today)


@pytest.mark.parametrize(("args", "said"), [
    (("--status", "accepted_risk"), "Error: An accepted risk needs the last day it is accepted."),
    (("--status", "accepted_risk", "--until", "2020-01-01"),
     "Error: The last day of an accepted risk cannot be in the past."),
    (("--status", "accepted_risk", "--until", "31/12/2099"),
     "Error: The last day must be a date (YYYY-MM-DD)."),
    (("--status", "confirmed", "--until", "2099-12-31"),
     "Error: --until is the last day of an accepted risk: use it with --status accepted_risk"),
    (("--status", "false_positive"), "Error: A false positive needs its reason in the note."),
    (("--status", "false_positive", "--note", "x" * 4001), "Error: The note is too long (at most 4000"),
])
def test_a_refused_triage_is_one_line_and_changes_nothing(args: tuple[str, ...], said: str) -> None:
    assert refused(cli("findings", "triage", RELAY_B.fingerprint[:8], *args)).startswith(said)
    assert not TriageChange.objects.exists()


def test_show_json_and_a_default_actor() -> None:
    done = cli("findings", "triage", HSTS_A.fingerprint, "--status", "confirmed")
    assert done.exit_code == 0, done.output
    shown = json.loads(cli("findings", "show", HSTS_A.fingerprint, "--format", "json").stdout)
    assert list(shown) == [*ROW_FIELDS, "evidence", "history"]
    assert shown["evidence"] == {"header": "[bold]max-age=0[/]"}
    triaged = [e for e in shown["history"] if e["kind"] == "triage"]
    assert len(triaged) == 1 and triaged[0]["actor"]  # the OS user (or its uid)
    assert [e["after"] for e in shown["history"] if e["kind"] == "lifecycle"] == ["new"]


def test_show_prints_stored_text_as_text_not_markup() -> None:
    shown = cli("findings", "show", HSTS_A.fingerprint)
    assert shown.exit_code == 0, shown.output
    assert "[bold]max-age=0[/]" in shown.stdout
    assert "Not triaged yet." in shown.stdout


def test_show_refuses_an_unknown_or_short_fingerprint() -> None:
    unknown = refused(cli("findings", "show", "abcdef12"))
    assert unknown.startswith("Error: no finding with fingerprint abcdef12")
    assert "at least 6 hex digits" in refused(cli("findings", "show", "ab"))
    assert refused(cli("findings", "show", "x", "--format", "csv")).startswith("Error: unknown format csv")

