"""The event outbox: what ``finish_run`` writes, once, and how consumers read it.

Not collected directly: ``test_events.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), like ``store_cases.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-events-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.console.store import models, outbox, queries, services  # noqa: E402
from canhgac.console.store.models import Event, EventKind, RunStatus  # noqa: E402
from canhgac.engine.results import (  # noqa: E402
    CheckResult,
    ErrorReason,
    Outcome,
    Provenance,
    errored,
    failed,
    not_judged,
    passed,
)
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.findings.reconcile import Change, ChangeKind, Lifecycle  # noqa: E402

PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF, DMARC, DKIM = "mail.spf.present", "mail.dmarc.policy", "mail.dkim.strength"
A, B = "SO-A", "SO-B"
ALL = queries.ViewerScope.everything()
FINISHED, INTERRUPTED = EventKind.SCAN_FINISHED.value, EventKind.SCAN_INTERRUPTED.value
FAILED = EventKind.SCAN_FAILED.value
OPENED, FIXED = EventKind.FINDING_OPENED.value, EventKind.FINDING_FIXED.value
REOPENED = EventKind.FINDING_REOPENED.value


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def domain(name: str, agency: str = A) -> Target:
    return Target(kind=TargetKind.DOMAIN, name=name, agency=agency)


def result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, error_reason=outcome.error_reason,
                       observed_at=datetime(2025, 1, 2, tzinfo=UTC))


def scan(*results: CheckResult, status: RunStatus = RunStatus.FINISHED) -> models.ScanRun:
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, results)
    services.finish_run(run, status)
    return run


def fp(check_id: str, target: Target) -> str:
    return result(check_id, target, passed("x")).fingerprint


def written(since: int = 0) -> list[tuple[str, int | None, str]]:
    """Every event after ``since``: (kind, run, subject), sorted (a list: a duplicate shows)."""
    return sorted((e.kind, e.run_id, e.subject) for e in queries.events(ALL, since=since))


X, Y, Z = domain("x.gov.vn"), domain("y.gov.vn", B), domain("z.gov.vn")


def test_a_rescan_that_fixes_one_case_and_opens_another_writes_exactly_those_events_once() -> None:
    first = scan(result(SPF, X, failed("spf.missing")), result(SPF, Y, passed("spf.ok")))
    assert written() == sorted([(OPENED, first.pk, fp(SPF, X)), (FINISHED, first.pk, "")])
    mark = Event.objects.latest("pk").pk
    second = scan(result(SPF, X, passed("spf.ok")), result(SPF, Y, failed("spf.missing")))
    assert written(mark) == sorted([
        (FIXED, second.pk, fp(SPF, X)), (OPENED, second.pk, fp(SPF, Y)), (FINISHED, second.pk, "")])
    opened_y = queries.events(ALL, since=mark, kind=OPENED).get()
    assert opened_y.agency_code == B
    assert opened_y.payload == {"fingerprint": fp(SPF, Y), "check_id": SPF, "target": "domain:y.gov.vn",
                                "before": None, "after": "new"}
    finished = queries.events(ALL, since=mark, kind=FINISHED).get()
    assert finished.payload["changes"] == {"new": 1, "fixed": 1, "reopened": 0}
    assert finished.agency_code == ""


def test_an_interrupted_run_and_the_run_that_completes_it_write_each_event_once() -> None:
    first = scan(result(SPF, X, failed("spf.missing")), result(SPF, Z, failed("spf.missing")))
    mark = Event.objects.latest("pk").pk
    # interrupted after storing X's result only: X is fixed, Z (not reached) stays open
    cut = scan(result(SPF, X, passed("spf.ok")), status=RunStatus.INTERRUPTED)
    # the next run completes the work: Z fixed, Y opened; X passes again and moves nowhere
    done = scan(result(SPF, X, passed("spf.ok")), result(SPF, Z, passed("spf.ok")),
                result(SPF, Y, failed("spf.missing")))
    assert written(mark) == sorted([
        (FIXED, cut.pk, fp(SPF, X)), (INTERRUPTED, cut.pk, ""),
        (FIXED, done.pk, fp(SPF, Z)), (OPENED, done.pk, fp(SPF, Y)), (FINISHED, done.pk, ""),
    ])
    assert first.pk < cut.pk < done.pk
    # a reconciliation written again (a retried finish) adds nothing
    before = Event.objects.count()
    change = Change(fp(SPF, Y), ChangeKind.NEW, None, Lifecycle.NEW)
    facts = {change.fingerprint: outbox.FindingFacts(SPF, Y.key, B)}
    outbox.record_run(done, RunStatus.FINISHED, [change], facts)
    assert Event.objects.count() == before


def test_a_run_an_error_stopped_is_closed_as_failed_writes_scan_failed_once_and_is_reportable() -> None:
    scan(result(SPF, X, failed("spf.missing")), result(SPF, Z, failed("spf.missing")))
    mark = Event.objects.latest("pk").pk
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, [result(SPF, X, passed("spf.ok"))])
    services.interrupt_run(run, RunStatus.FAILED)  # e.g. the disk filled up after one batch
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert written(mark) == sorted([(FIXED, run.pk, fp(SPF, X)), (FAILED, run.pk, "")])
    assert run.pk in {r.pk for r in queries.reportable_runs(ALL)}
    with pytest.raises(ValueError, match="interrupted or failed"):
        services.interrupt_run(services.start_run(provenance=PROVENANCE), RunStatus.FINISHED)


def test_a_runs_warnings_are_kept_with_it_and_in_its_ending_event() -> None:
    zone = "DNS blocklist zen.spamhaus.org failed its liveness test and is not used in this run: …"
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, [result(SPF, X, passed("spf.ok"))])
    services.finish_run(run, RunStatus.FINISHED, warnings=[zone])
    run.refresh_from_db()
    assert run.warnings == [zone]
    assert queries.events(ALL, kind=FINISHED).get(run=run).payload["warnings"] == [zone]
    quiet = scan(result(SPF, X, passed("spf.ok")))
    assert quiet.warnings == []
    assert queries.events(ALL, kind=FINISHED).get(run=quiet).payload["warnings"] == []
    cut = services.start_run(provenance=PROVENANCE)
    services.interrupt_run(cut, warnings=["range refused"])
    cut.refresh_from_db()
    assert (cut.status, cut.warnings) == (RunStatus.INTERRUPTED, ["range refused"])


def test_a_result_that_could_not_judge_leaves_an_open_finding_open_and_writes_no_event() -> None:
    scan(result(SPF, X, failed("spf.missing")))
    mark = Event.objects.latest("pk").pk
    blind = scan(result(SPF, X, not_judged(ErrorReason.POLICY, "no-live-zone")))
    assert written(mark) == [(FINISHED, blind.pk, "")]
    assert models.Finding.objects.get(fingerprint=fp(SPF, X)).lifecycle == "new"  # as it was


def test_a_reopened_finding_is_an_event_and_a_still_open_one_is_not() -> None:
    scan(result(SPF, X, failed("spf.missing")))
    scan(result(SPF, X, passed("spf.ok")))
    mark = Event.objects.latest("pk").pk
    again = scan(result(SPF, X, failed("spf.missing")))
    still = scan(result(SPF, X, failed("spf.missing")))
    assert written(mark) == sorted([(REOPENED, again.pk, fp(SPF, X)), (FINISHED, again.pk, ""),
                                    (FINISHED, still.pk, "")])


def test_a_severity_change_of_an_open_finding_is_an_event() -> None:
    scan(result(DKIM, X, failed("weak", {"severity": "medium"})))
    mark = Event.objects.latest("pk").pk
    run = scan(result(DKIM, X, failed("weak", {"severity": "high"})))
    same = scan(result(DKIM, X, failed("weak", {"severity": "high"})))
    assert written(mark) == sorted([(EventKind.FINDING_SEVERITY_CHANGED.value, run.pk, fp(DKIM, X)),
                                    (FINISHED, run.pk, ""), (FINISHED, same.pk, "")])
    changed = queries.events(ALL, since=mark, kind=EventKind.FINDING_SEVERITY_CHANGED.value).get()
    assert (changed.payload["before"], changed.payload["after"]) == ("medium", "high")


def test_a_target_whose_every_result_is_an_error_is_unreachable() -> None:
    down = errored(ErrorReason.TIMEOUT, "no answer")
    run = scan(result(SPF, X, down), result(DMARC, X, down),
               result(SPF, Y, down), result(DMARC, Y, passed("dmarc.ok")))
    assert written() == sorted([(EventKind.TARGET_UNREACHABLE.value, run.pk, X.key),
                                (FINISHED, run.pk, "")])
    unreachable = queries.events(ALL, kind=EventKind.TARGET_UNREACHABLE.value).get()
    assert (unreachable.agency_code, unreachable.payload) == (A, {"target": X.key, "results": 2})


def test_consume_moves_the_cursor_only_after_the_handler_succeeded() -> None:
    scan(result(SPF, X, failed("spf.missing")), result(SPF, Y, failed("spf.missing")))
    ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 3

    def broken(events: Sequence[Event]) -> None:
        raise RuntimeError("channel down")

    with pytest.raises(RuntimeError, match="channel down"):
        outbox.consume("alerts", broken, batch=2)
    assert models.EventCursor.objects.filter(consumer="alerts", last_event_id__gt=0).count() == 0
    seen: list[list[int]] = []
    assert outbox.consume("alerts", lambda events: seen.append([e.pk for e in events]), batch=2) == 3
    assert seen == [ids[:2], ids[2:]]
    assert models.EventCursor.objects.get(consumer="alerts").last_event_id == ids[-1]
    assert outbox.consume("alerts", lambda events: seen.append([]), batch=2) == 0
    # another consumer has its own cursor
    assert outbox.consume("live", lambda events: None) == 3


def test_an_event_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(outbox.UnknownEventKindError, match=r"no\.such"):
        outbox.write([Event(kind="no.such", subject="", payload={}, created_at=datetime.now(UTC))])
    with pytest.raises(outbox.UnknownEventKindError):
        outbox.event("no.such", None, "", "", {})


def _cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from canhgac.cli.main import app

    done = CliRunner().invoke(app, ["--workspace", str(_WORKSPACE), "--lang", "en", "events", "list", *args])
    # stdout holds the listing alone (the workspace opened is named on stderr); errors are on stderr
    return done.exit_code, done.stdout if done.exit_code == 0 else done.stderr


def test_events_list_shows_the_outbox_filtered_as_asked() -> None:
    first = scan(result(SPF, X, failed("spf.missing")), result(SPF, Y, failed("spf.missing")))
    code, out = _cli("--format", "json", "--kind", OPENED, "--agency", B)
    assert code == 0, out
    listed = json.loads(out)
    assert [(e["kind"], e["run"], e["agency"], e["subject"]) for e in listed] == [
        (OPENED, first.pk, B, fp(SPF, Y))]
    last = Event.objects.latest("pk").pk
    code, out = _cli("--format", "json", "--since", str(last - 1))
    assert [e["id"] for e in json.loads(out)] == [last]
    code, out = _cli()
    assert code == 0 and "scan.finished" in out and "domain:x.gov.vn" in out


def test_events_list_refuses_an_unknown_kind_in_one_line() -> None:
    code, out = _cli("--kind", "finding.exploded")
    assert code != 0
    assert "unknown event kind finding.exploded; known kinds: finding.opened" in out
    assert "Traceback" not in out
