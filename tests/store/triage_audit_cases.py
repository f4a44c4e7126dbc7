"""The triage audit log (``TriageChange``), run once per database backend: written in the
decision's transaction, append-only, and its migration applied to a store that predates it.

Not collected directly: ``test_triage_audit.py`` runs this module in a fresh process per backend.
The migration case comes last: it migrates the schema back and forth outside a transaction.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-audit-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.db.models import ProtectedError  # noqa: E402

from canhgac.console.store import queries, services  # noqa: E402
from canhgac.console.store.models import AppendOnlyError, Finding, Triage, TriageChange  # noqa: E402
from canhgac.engine.results import CheckResult, Provenance, failed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402

PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF = "mail.spf.present"


def spf_fail(name: str) -> CheckResult:
    outcome = failed("missing")
    return CheckResult(check_id=SPF, target=Target(kind=TargetKind.DOMAIN, name=name, agency="SO-A"),
                       status=outcome.status, message=outcome.message,
                       observed_at=datetime(2025, 1, 2, tzinfo=UTC))


def scan(*results: CheckResult) -> None:
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, results)
    services.finish_run(run)


@pytest.fixture
def finding() -> Iterator[Finding]:
    with transaction.atomic():
        services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ("a.gov.vn",)}])
        scan(spf_fail("a.gov.vn"))
        yield Finding.objects.get()
        transaction.set_rollback(True)


def changes(finding: Finding) -> list[tuple[str, str, str, str]]:
    return [(c.actor, c.field, c.before, c.after)
            for c in TriageChange.objects.filter(finding=finding).order_by("at", "pk")]


def test_each_changed_field_is_one_row_with_who_and_when(finding: Finding) -> None:
    before = datetime.now(UTC)
    services.triage(finding.fingerprint, triage=Triage.FALSE_POSITIVE, actor="lan", assignee="an.nv")
    assert changes(finding) == [("lan", "triage", "untriaged", "false_positive"),
                                ("lan", "assignee", "", "an.nv")]
    row = TriageChange.objects.filter(finding=finding).first()
    assert row is not None and before <= row.at <= datetime.now(UTC)
    finding.refresh_from_db()
    assert row.at == finding.triaged_at


def test_a_decision_that_changes_nothing_is_still_recorded(finding: Finding) -> None:
    services.triage(finding.fingerprint, triage=Triage.CONFIRMED, actor="lan")
    services.triage(finding.fingerprint, triage=Triage.CONFIRMED, actor="minh")
    assert changes(finding) == [("lan", "triage", "untriaged", "confirmed"),
                                ("minh", "triage", "confirmed", "confirmed")]


def test_the_log_is_written_in_the_decisions_transaction(
    finding: Finding, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(TriageChange.objects), "bulk_create", refuse)
    with pytest.raises(RuntimeError, match="disk full"):
        services.triage(finding.fingerprint, triage=Triage.ACCEPTED_RISK, actor="lan", note="x")
    finding.refresh_from_db()
    assert (finding.triage, finding.note, finding.triaged_by) == ("untriaged", "", "")  # nothing half-done


def test_rows_cannot_be_edited_or_deleted(finding: Finding) -> None:
    services.triage(finding.fingerprint, triage=Triage.CONFIRMED, actor="lan")
    row = TriageChange.objects.get(finding=finding)
    row.after = "false_positive"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        TriageChange.objects.filter(finding=finding).update(actor="someone else")
    with pytest.raises(AppendOnlyError):
        TriageChange.objects.all().delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).delete()
    assert changes(finding) == [("lan", "triage", "untriaged", "confirmed")]


def test_a_scoped_triage_refuses_another_agencys_finding(finding: Finding) -> None:
    with pytest.raises(queries.FindingNotFoundError):
        services.triage(finding.fingerprint, triage=Triage.CONFIRMED, actor="lan",
                        scope=queries.ViewerScope.agencies({"SO-B"}))
    assert changes(finding) == []


def test_the_migration_applies_to_a_store_that_predates_the_log() -> None:
    """Last: back to 0006 (no audit table), a finding stored there, then forward again."""
    call_command("migrate", "store", "0006_run_warnings", verbosity=0, interactive=False)
    assert "store_triagechange" not in connection.introspection.table_names()
    services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ("old.gov.vn",)}])
    scan(spf_fail("old.gov.vn"))
    migrate()
    applied = MigrationRecorder(connection).applied_migrations()
    assert ("store", "0007_triage_changes") in applied
    old = Finding.objects.get(target_key="domain:old.gov.vn")
    assert list(TriageChange.objects.filter(finding=old)) == []  # no history invented for the past
    services.triage(old.fingerprint, triage=Triage.CONFIRMED, actor="lan")
    assert changes(old) == [("lan", "triage", "untriaged", "confirmed")]
