"""The findings store's behaviour, run once per database backend.

Not collected directly (no ``test_`` prefix): ``test_store_backends.py`` runs this module in a
fresh process per backend, because Django can be configured only once per process. The
database comes from ``CANHGAC_STORE_CASES_DATABASE_URL`` (default: a temporary SQLite file),
so ``pytest tests/store/store_cases.py`` also works on its own.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from canhgac import i18n
from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-store-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or (f"sqlite:///{_WORKSPACE / 'store.sqlite3'}")
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from canhgac.catalog.loader import Catalog  # noqa: E402
from canhgac.catalog.schema import CheckEntry, Severity, Text  # noqa: E402
from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import Finding, RunStatus, Triage  # noqa: E402
from canhgac.engine.results import (  # noqa: E402
    CheckResult,
    ErrorReason,
    Outcome,
    Provenance,
    Status,
    errored,
    failed,
    fingerprint,
    not_applicable,
    passed,
)
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.findings.reconcile import ChangeKind, Lifecycle  # noqa: E402

ALL = queries.ViewerScope.everything()
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF, DMARC = "mail.spf.present", "mail.dmarc.policy"


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    """Each case sees an empty store: everything it writes is rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def domain(name: str, agency: str = "SO-TTTT") -> Target:
    return Target(kind=TargetKind.DOMAIN, name=name, agency=agency)


def result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        target=target,
        status=outcome.status,
        message=outcome.message,
        evidence=outcome.evidence,
        error_reason=outcome.error_reason,
        discriminator=outcome.discriminator,
        observed_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        duration_ms=12.5,
    )


def scan(*results: CheckResult, status: RunStatus = RunStatus.FINISHED) -> models.ScanRun:
    run = services.start_run(provenance=PROVENANCE, target_count=len(results))
    services.record_results(run, results)
    services.finish_run(run, status)
    return run


def state(target: Target, check_id: str = SPF) -> Finding:
    return Finding.objects.get(fingerprint=fingerprint(check_id, target.key))


def fail(target: Target, check_id: str = SPF) -> CheckResult:
    return result(check_id, target, failed("missing"))


def ok(target: Target, check_id: str = SPF) -> CheckResult:
    return result(check_id, target, passed("pass", record="v=spf1 -all"))


def test_migrations_apply_and_match_the_models() -> None:
    tables = set(connection.introspection.table_names())
    expected = {"store_agency", "store_asset", "store_scanrun", "store_result", "store_finding"}
    assert expected | {"store_findingchange"} <= tables
    call_command("makemigrations", "store", check=True, dry_run=True, verbosity=0)


def test_enums_mirror_the_engine_and_reconciliation() -> None:
    assert set(models.TargetKind.values) == {k.value for k in TargetKind}
    assert set(models.ResultStatus.values) == {s.value for s in Status}
    stored = {k.value for k in ChangeKind} - {ChangeKind.UNCHANGED.value}
    assert set(models.ChangeKind.values) == stored


def test_setup_django_refuses_another_database_later() -> None:
    setup_django(database_url=_URL)  # the same one: a no-op
    with pytest.raises(RuntimeError, match="another database"):
        setup_django(database_url="sqlite:///elsewhere.sqlite3")


def test_a_runs_results_are_stored_as_observed() -> None:
    a, b = domain("a.gov.vn"), domain("b.gov.vn", agency="UBND-X")
    broken = errored(ErrorReason.DNS_SERVFAIL, "SERVFAIL from 127.0.0.1", {"qname": "b.gov.vn"})
    run = services.start_run(
        provenance=PROVENANCE,
        parameters={"spf_max_dns_lookups": 10},
        filters=services.RunFilters(agencies=("SO-TTTT",), families=("mail-spf",)),
        target_count=2,
        resolver="127.0.0.53:53",
    )
    stored = services.record_results(
        run,
        [
            result(SPF, a, failed("too_many_lookups", {"record": "v=spf1 ~all"}, count=12)),
            result(SPF, b, broken),
            result(DMARC, a, not_applicable("no_mail")),
        ],
    )
    assert stored == 3
    assert run.result_count == 3
    row = queries.results_of_run(ALL, run, status=models.ResultStatus.FAIL).get()
    assert (row.check_id, row.target_key, row.target_kind) == (SPF, "domain:a.gov.vn", "domain")
    assert row.message_key == "too_many_lookups"
    assert row.message_values == {"count": 12}
    assert row.evidence == {"record": "v=spf1 ~all"}
    assert row.fingerprint == fingerprint(SPF, "domain:a.gov.vn")
    assert row.observed_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    error = queries.results_of_run(queries.ViewerScope.agencies({"UBND-X"}), run).get()
    assert (error.status, error.error_reason) == ("error", "dns_servfail")
    run.refresh_from_db()
    assert run.provenance["catalog_version"] == "sha256:test"
    assert run.filters == {"agencies": ["SO-TTTT"], "families": ["mail-spf"]}
    assert (run.resolver, run.target_count, run.status) == ("127.0.0.53:53", 2, "running")


def _catalog() -> Catalog:
    def entry(check_id: str, family: str) -> CheckEntry:
        text = Text(vi="văn bản", en="text")
        return CheckEntry(
            id=check_id,
            family=family,
            severity=Severity.HIGH,
            title=text,
            rationale=text,
            remediation=text,
        )

    checks = {SPF: entry(SPF, "mail.spf"), DMARC: entry(DMARC, "mail.dmarc")}
    return Catalog(checks=checks, frameworks={}, version="test")


def test_results_filter_by_family_through_the_catalog() -> None:
    a = domain("a.gov.vn")
    run = scan(fail(a), fail(a, DMARC))
    only_spf = queries.results_of_run(ALL, run, family="mail.spf", catalog=_catalog())
    assert [r.check_id for r in only_spf] == [SPF]
    with pytest.raises(ValueError, match="catalog"):
        queries.results_of_run(ALL, run, family="mail.spf")


def test_lifecycle_new_open_fixed_reopened() -> None:
    a, b = domain("a.gov.vn"), domain("b.gov.vn")
    first = scan(fail(a), fail(b))
    assert state(a).lifecycle == Lifecycle.NEW
    assert state(a).first_seen_run == first
    second = scan(fail(a), fail(b))
    assert state(a).lifecycle == Lifecycle.OPEN
    assert (state(a).first_seen_run, state(a).last_seen_run) == (first, second)
    third = scan(ok(a), fail(b))
    assert state(a).lifecycle == Lifecycle.FIXED
    assert (state(a).fixed_in_run, state(a).last_seen_run) == (third, second)
    assert state(a).last_result.status == "pass"
    fourth = scan(fail(a), fail(b))
    assert state(a).lifecycle == Lifecycle.REOPENED
    assert (state(a).fixed_in_run, state(a).last_seen_run) == (None, fourth)
    assert state(b).lifecycle == Lifecycle.OPEN
    assert Finding.objects.count() == 2


def test_not_applicable_fixes_like_a_pass() -> None:
    a = domain("a.gov.vn")
    scan(fail(a))
    scan(result(SPF, a, not_applicable("no_mail")))
    assert state(a).lifecycle == Lifecycle.FIXED


def test_error_result_or_filtered_out_check_leaves_the_finding_open() -> None:
    a, b = domain("a.gov.vn"), domain("b.gov.vn")
    first = scan(fail(a), fail(b), fail(a, DMARC))
    scan(fail(a), fail(b), fail(a, DMARC))
    outcome_run = services.start_run(provenance=PROVENANCE)
    timeout = errored(ErrorReason.TIMEOUT, "no answer in 2 s")
    services.record_results(outcome_run, [result(SPF, a, timeout), ok(b)])  # DMARC not run
    outcome = services.finish_run(outcome_run, RunStatus.INTERRUPTED)
    assert state(a).lifecycle == Lifecycle.OPEN
    assert state(a, DMARC).lifecycle == Lifecycle.OPEN
    assert state(b).lifecycle == Lifecycle.FIXED
    assert state(a).last_result.run_id != outcome_run.pk  # the error is not a verdict
    assert state(a).first_seen_run == first
    kinds = {c.fingerprint: c.kind for c in outcome.changes}
    assert kinds[state(a).fingerprint] is ChangeKind.UNCHANGED
    assert kinds[state(a, DMARC).fingerprint] is ChangeKind.UNCHANGED
    assert outcome.counts()[ChangeKind.FIXED] == 1


def test_triage_survives_rescans_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    a = domain("a.gov.vn")
    scan(fail(a))
    fp = state(a).fingerprint
    with caplog.at_level(logging.INFO, logger="canhgac.audit"):
        services.triage(
            fp[:8], triage=Triage.ACCEPTED_RISK, assignee="anh.nv", note="Máy chủ cũ", actor="csirt"
        )
    event = next(r for r in caplog.records if r.name == "canhgac.audit")
    assert (event.__dict__["event"], event.__dict__["actor"]) == ("finding.triage", "csirt")
    assert event.__dict__["triage_after"] == "accepted_risk"
    scan(fail(a))
    scan(ok(a))
    scan(fail(a))
    after = state(a)
    assert after.lifecycle == Lifecycle.REOPENED
    assert (after.triage, after.assignee, after.note) == ("accepted_risk", "anh.nv", "Máy chủ cũ")
    assert (after.triaged_by, after.triaged_at is not None) == ("csirt", True)
    services.triage(fp, triage=Triage.CONFIRMED, actor="csirt")
    assert (state(a).triage, state(a).note) == ("confirmed", "Máy chủ cũ")
    with pytest.raises(ValueError, match="actor"):
        services.triage(fp, triage=Triage.CONFIRMED, actor=" ")


def test_finding_by_fingerprint_or_unique_prefix() -> None:
    a = domain("a.gov.vn")
    scan(fail(a), fail(domain("b.gov.vn")))
    fp = state(a).fingerprint
    assert queries.finding_by_fingerprint(ALL, fp.upper()).fingerprint == fp
    assert queries.finding_by_fingerprint(ALL, fp[:10]).fingerprint == fp
    with i18n.language("en"), pytest.raises(queries.FindingNotFoundError, match="at least"):
        queries.finding_by_fingerprint(ALL, fp[:3])
    with i18n.language("en"), pytest.raises(queries.FindingNotFoundError, match="hex"):
        queries.finding_by_fingerprint(ALL, "zz%%zz__")
    with i18n.language("en"), pytest.raises(queries.FindingNotFoundError, match="no finding"):
        queries.finding_by_fingerprint(ALL, "0" * 32)
    with pytest.raises(queries.FindingNotFoundError, match="ít nhất 6 chữ số thập lục phân"):
        queries.finding_by_fingerprint(ALL, fp[:3])  # Vietnamese by default


def test_ambiguous_prefix_is_refused() -> None:
    a = domain("a.gov.vn")
    run = scan(fail(a))
    twin = state(a)
    fp = twin.fingerprint
    Finding.objects.create(
        fingerprint=fp[:20] + ("1" if fp[20] == "0" else "0") + fp[21:],
        check_id=DMARC,
        target_key=twin.target_key,
        agency_code=twin.agency_code,
        lifecycle=Lifecycle.OPEN,
        first_seen_run=run,
        last_seen_run=run,
        last_result=twin.last_result,
    )
    with i18n.language("en"), pytest.raises(queries.AmbiguousFingerprintError, match="several"):
        queries.finding_by_fingerprint(ALL, twin.fingerprint[:20])


def test_open_findings_per_agency_and_runs_in_order() -> None:
    a, b, c = domain("a.gov.vn"), domain("b.gov.vn"), domain("c.gov.vn", agency="UBND-X")
    first = scan(fail(a), fail(b), fail(c))
    assert queries.previous_finished_run(ALL, first) is None
    second = scan(ok(a), fail(b), fail(c))
    scan(fail(a), status=RunStatus.FAILED)  # not a finished run
    assert queries.latest_finished_run(ALL) == second
    assert queries.previous_finished_run(ALL, second) == first
    assert queries.open_findings_per_agency(ALL) == {"SO-TTTT": 2, "UBND-X": 1}
    only_x = queries.ViewerScope.agencies({"UBND-X"})
    assert [f.target_key for f in queries.open_findings(only_x)] == ["domain:c.gov.vn"]
    assert len(queries.open_findings(ALL)) == 3


def test_change_summary_between_runs() -> None:
    a, b, c, d = (domain(f"{x}.gov.vn") for x in "abcd")
    first = scan(fail(a), fail(b), fail(c), ok(d))
    second = scan(ok(a), fail(b), fail(c), fail(d))
    third = scan(fail(a), ok(b), fail(c), fail(d))
    kinds = {c.finding.target_key: c.kind for c in queries.change_summary(ALL, second, third).changes}
    assert kinds == {
        "domain:a.gov.vn": ChangeKind.REOPENED,
        "domain:b.gov.vn": ChangeKind.FIXED,
        "domain:c.gov.vn": ChangeKind.STILL_OPEN,
        "domain:d.gov.vn": ChangeKind.STILL_OPEN,
    }
    span = queries.change_summary(ALL, first, third)
    assert {c.finding.target_key: c.kind for c in span.changes} == {
        "domain:a.gov.vn": ChangeKind.STILL_OPEN,  # fixed, then failing again
        "domain:b.gov.vn": ChangeKind.FIXED,
        "domain:c.gov.vn": ChangeKind.STILL_OPEN,
        "domain:d.gov.vn": ChangeKind.NEW,
    }
    from_start = queries.change_summary(ALL, None, first)
    assert from_start.counts()[ChangeKind.NEW] == 3
    assert queries.change_summary(queries.ViewerScope.agencies({"UBND-X"}), second, third).changes == ()


def test_a_run_ends_once() -> None:
    run = scan(fail(domain("a.gov.vn")))
    with pytest.raises(services.RunNotRunningError):
        services.finish_run(run)
    with pytest.raises(services.RunNotRunningError):
        services.record_results(run, [ok(domain("a.gov.vn"))])
    with pytest.raises(ValueError, match="running"):
        services.finish_run(services.start_run(provenance=PROVENANCE), RunStatus.RUNNING)


def test_five_thousand_results_are_recorded_and_reconciled_in_batches() -> None:
    """Bounded in statements, not seconds (speed is the benchmarks' job): recording and
    reconciling 5,000 results must not cost a query per result."""
    targets = [domain(f"d{i}.tinh.gov.vn", agency=f"A{i % 50}") for i in range(2500)]
    evidence = {"record": "v=spf1 include:_spf.example.vn ~all", "lookups": [1, 2, 3]}
    many = [
        result(check, t, failed("missing", evidence) if i % 2 else passed("pass", evidence))
        for i, t in enumerate(targets)
        for check in (SPF, DMARC)
    ]
    with CaptureQueriesContext(connection) as queries:
        run = services.start_run(provenance=PROVENANCE, target_count=len(targets))
        assert services.record_results(run, iter(many)) == 5000
        outcome = services.finish_run(run)
    assert outcome.counts()[ChangeKind.NEW] == 2500
    assert models.Result.objects.filter(run=run).count() == 5000
    assert Finding.objects.filter(lifecycle=Lifecycle.NEW).count() == 2500
    print(f"5,000 results: {len(queries)} statements")
    assert len(queries) < 500, f"5,000 results took {len(queries)} statements"


def test_sync_agencies_mirrors_the_inventory() -> None:
    inventory: list[services.AgencyRecord | dict[str, Any]] = [
        {"code": "UBND", "name": "UBND tỉnh", "kind": "province", "domains": ["tinh.gov.vn"]},
        services.AgencyRecord(
            code="SO-TTTT",
            name="Sở Thông tin và Truyền thông",
            kind="department",
            parent="UBND",
            domains=("stttt.tinh.gov.vn",),
            mail_hosts=("mail.tinh.gov.vn",),
            urls=("https://stttt.tinh.gov.vn/",),
        ),
    ]
    summary = services.sync_agencies(inventory)
    assert summary.created == ("UBND", "SO-TTTT")
    assert summary.assets_added == 4
    so = models.Agency.objects.get(code="SO-TTTT")
    assert so.parent is not None and so.parent.code == "UBND"
    renamed = [
        {"code": "UBND", "name": "UBND tỉnh X", "kind": "province", "domains": ["tinh.gov.vn"]},
        {"code": "SO-YT", "name": "Sở Y tế", "parent": "UBND", "mail_hosts": ["mail.tinh.gov.vn"]},
    ]
    again = services.sync_agencies(renamed)
    assert (again.created, again.updated, again.deactivated) == (("SO-YT",), ("UBND",), ("SO-TTTT",))
    assert (again.assets_added, again.assets_removed) == (0, 2)
    moved = models.Asset.objects.get(kind="mail_host", value="mail.tinh.gov.vn")
    assert moved.agency.code == "SO-YT"
    assert not models.Agency.objects.get(code="SO-TTTT").active


@pytest.mark.parametrize(
    ("inventory", "message"),
    [
        ([{"code": "A", "name": "a"}, {"code": "A", "name": "b"}], "twice"),
        ([{"code": "A", "name": "a", "parent": "Z"}], "unknown parent"),
        (
            [
                {"code": "A", "name": "a", "domains": ["x.vn"]},
                {"code": "B", "name": "b", "domains": ["x.vn"]},
            ],
            "two agencies",
        ),
    ],
)
def test_sync_agencies_refuses_inconsistent_inventories(
    inventory: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        services.sync_agencies(inventory)
    assert not models.Agency.objects.exists()


def _dead_process() -> tuple[int, str]:
    """The pid and identity of a process that has ended."""
    import subprocess
    import sys

    from canhgac.console.store.ownership import started_token

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    token = started_token(child.pid)
    child.communicate(b"")
    return child.pid, token


def test_ctrl_c_and_sigterm_lose_results_abandoned_runs_are_closed_as_interrupted() -> None:
    """A run whose process died (SIGKILL, power loss) is closed with what it stored, reconciled;
    a live process's run, another host's, are left alone."""
    import socket

    here = socket.gethostname()
    killed = services.start_run(provenance=PROVENANCE)
    assert (killed.owner_host, killed.owner_pid) == (here, os.getpid())
    services.record_results(killed, [fail(domain("a.gov.vn"))])
    pid, token = _dead_process()
    models.ScanRun.objects.filter(pk=killed.pk).update(owner_pid=pid, owner_started=token)
    live = services.start_run(provenance=PROVENANCE)
    elsewhere = services.start_run(provenance=PROVENANCE)
    models.ScanRun.objects.filter(pk=elsewhere.pk).update(owner_host=f"not-{here}", owner_pid=pid)
    legacy = services.start_run(provenance=PROVENANCE)  # from before owners were recorded
    models.ScanRun.objects.filter(pk=legacy.pk).update(owner_host="", owner_pid=None, owner_started="")

    closed = services.close_abandoned_runs()

    assert [(c.run_id, c.result_count) for c in closed] == [(killed.pk, 1), (legacy.pk, 0)]
    statuses = dict(models.ScanRun.objects.values_list("pk", "status"))
    assert statuses == {killed.pk: RunStatus.INTERRUPTED, live.pk: RunStatus.RUNNING,
                        elsewhere.pk: RunStatus.RUNNING, legacy.pk: RunStatus.INTERRUPTED}
    assert state(domain("a.gov.vn")).lifecycle == Lifecycle.NEW  # its result was reconciled
    assert services.close_abandoned_runs() == []


def test_ctrl_c_and_sigterm_lose_results_a_reused_pid_is_not_the_owner() -> None:
    """The same pid with another start time (reused since, or a reboot) does not own the run."""
    run = services.start_run(provenance=PROVENANCE)
    models.ScanRun.objects.filter(pk=run.pk).update(owner_started="another-boot:123")
    if not run.owner_started:
        pytest.skip("this platform does not tell when a process started")
    assert [c.run_id for c in services.close_abandoned_runs()] == [run.pk]


def test_ctrl_c_and_sigterm_lose_results_a_full_disk_still_closes_the_run() -> None:
    """When the reconciliation cannot be written, the run is closed as interrupted without it."""
    if connection.vendor != "sqlite":
        pytest.skip("the disk is made full with SQLite's max_page_count")
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, [fail(domain(f"d{i}.gov.vn")) for i in range(400)])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")  # not one page more
    try:
        assert services.interrupt_run(run) is None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED and run.finished_at is not None
    assert run.results.count() == 400 and not Finding.objects.exists()
