"""A scoped query never returns another agency's rows: one case per public query.

Not collected directly: ``test_scope.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), like ``store_cases.py``.
The store holds two agencies; the last run observed only agency A, so run queries are tested
too. Each case reports which agencies its answer shows; B's officer must see B only, and the
CSIRT (every agency) must see A as well, so a case that filters nothing cannot pass.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-scope-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import RunStatus, ScanRun  # noqa: E402
from canhgac.console.store.queries import ViewerScope  # noqa: E402
from canhgac.engine.results import CheckResult, Outcome, Provenance, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402

PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF, DMARC, PORTS = "mail.spf.present", "mail.dmarc.policy", "net.ports.new"
A, B = "SO-A", "SO-B"
ALL = ViewerScope.everything()
ONLY_B = ViewerScope.agencies({B})


@dataclass(frozen=True)
class Store:
    first: ScanRun  # observed A and B
    last: ScanRun  # observed A only, as did the run before it
    fingerprint_of: dict[str, str]  # agency -> its SPF finding's fingerprint


def _result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, 2, tzinfo=UTC))


def _run(province: str, *results: CheckResult) -> ScanRun:
    run = services.start_run(provenance=PROVENANCE,
                             filters=services.RunFilters(extra={"province": {"code": "P", "name": province}}))
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)
    return run


@pytest.fixture
def store() -> Iterator[Store]:
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": "Sở A", "domains": ["a.gov.vn"], "ranges": ["192.0.2.0/28"]},
            {"code": B, "name": "Sở B", "domains": ["b.gov.vn"], "ranges": ["198.51.100.0/28"]},
        ])
        domain = {code: Target(kind=TargetKind.DOMAIN, name=f"{code.lower()}.gov.vn", agency=code)
                  for code in (A, B)}
        host = {A: Target(kind=TargetKind.HOST, name="192.0.2.1", agency=A),
                B: Target(kind=TargetKind.HOST, name="198.51.100.1", agency=B)}
        ports = passed("net.ports.new.none", {"open_ports": [22]})
        first = _run("Tỉnh B", *(_result(SPF, domain[c], failed("spf.missing")) for c in (A, B)),
                     *(_result(PORTS, host[c], ports) for c in (A, B)))
        _run("Tỉnh A", _result(SPF, domain[A], failed("spf.missing")))
        last = _run("Tỉnh A", _result(SPF, domain[A], passed("spf.ok")), _result(PORTS, host[A], ports),
                    _result(DMARC, domain[A], failed("dmarc.missing")))
        fingerprints = {c: _result(SPF, domain[c], passed("x")).fingerprint for c in (A, B)}
        _watch_rows()
        _incident_rows()
        _launch_and_inventory_rows(first, last)
        yield Store(first, last, fingerprints)
        transaction.set_rollback(True)


def _run_agencies(runs: Iterable[ScanRun | None]) -> set[str]:
    """Whose runs these are: B for a run that observed B (B's officer may see it), A for a run
    that observed only A."""
    ids = [r.pk for r in runs if r is not None]
    with_b = set(models.Result.objects.filter(run_id__in=ids, agency_code=B).values_list("run_id", flat=True))
    return {B if pk in with_b else A for pk in ids}


def _finding(scope: ViewerScope, fingerprint: str) -> set[str]:
    try:
        return {queries.finding_by_fingerprint(scope, fingerprint).agency_code}
    except queries.FindingNotFoundError:
        return set()


def _history(scope: ViewerScope, fingerprint: str) -> set[str]:
    try:
        return {queries.finding_history(scope, fingerprint).finding.agency_code}
    except queries.FindingNotFoundError:
        return set()


def _province(scope: ViewerScope, s: Store) -> set[str]:
    return {A} if queries.latest_province(scope)["name"] == "Tỉnh A" else {B}


def _watch_rows() -> None:
    """A monitor, an alert and a maintenance window of each agency, and one alert grouping both."""
    at = datetime(2027, 2, 5, tzinfo=UTC)
    for code in (A, B):
        key = f"http:https://www.{code.lower()}.gov.vn/"
        models.WatchMonitor.objects.create(key=key, kind="http", target=key[5:], agency_code=code)
        alert = models.WatchAlert.objects.create(key=f"{key}@x", problem="down", severity="high",
                                                 monitor_key=key, agency_code=code, opened_at=at)
        models.WatchAlertMember.objects.create(alert=alert, monitor_key=key, agency_code=code, joined_at=at)
        models.WatchMaintenance.objects.create(agency_code=code, start=at, end=at, created_at=at)
    both = models.WatchAlert.objects.create(key="grouped", problem="down", severity="high",
                                            monitor_key="m", agency_code=A, cause="net:192.0.2.0/24",
                                            opened_at=at)
    for code in (A, B):
        models.WatchAlertMember.objects.create(alert=both, monitor_key=f"m-{code}", agency_code=code,
                                               joined_at=at)
    # the CSIRT's own rows: a message about B's alert and a shift of the roster
    event = models.Event.objects.create(kind="alert.opened", subject="b-opened", agency_code=B, payload={},
                                        created_at=at)
    b_alert = models.WatchAlert.objects.get(agency_code=B, monitor_key__startswith="http:")
    models.WatchDelivery.objects.create(event=event, alert=b_alert, kind="alert.opened", channel="email",
                                        recipient="Trực ban", address="truc-ban@csirt.vn", subject="s",
                                        body="b", token="t" * 32, created_at=at, next_attempt_at=at)
    models.DutyShift.objects.create(person="Trực ban", role="on-duty", start=at, end=at, imported_at=at)


def _incident_rows() -> None:
    """An incident of each agency, each linked to the same indicator."""
    from canhgac.console.store.incident_models import Incident, IncidentLink

    at = datetime(2027, 2, 5, tzinfo=UTC)
    for code in (A, B):
        incident = Incident.objects.create(agency_code=code, title="x", source="phone", detected_at=at,
                                           opened_at=at, updated_at=at, report_due_at=at)
        IncidentLink.objects.create(incident=incident, kind="indicator", ref="ip:203.0.113.5", added_at=at)


def _launch_and_inventory_rows(first: ScanRun, last: ScanRun) -> None:
    """A console launch of each agency (A's made the last run, observed by A alone; B's the first,
    observed by both), one of the whole province, and an applied and a checked inventory."""
    from canhgac.console.store.inventory_models import InventoryDocument

    at = datetime(2027, 2, 5, tzinfo=UTC)
    models.ScanLaunch.objects.create(created_at=at, requested_by="x", kind="scan", agency=A, run=last)
    models.ScanLaunch.objects.create(created_at=at, requested_by="x", kind="scan", agency=B, run=first)
    models.ScanLaunch.objects.create(created_at=at, requested_by="x", kind="scan")
    for applied in (at, None):
        InventoryDocument.objects.create(content="version: 1", sha256="0" * 64, name="p.yaml", source="cli",
                                         checked_at=at, applied_at=applied, agency_count=2)


def _checked(scope: ViewerScope) -> set[str]:
    """An inventory document lists every agency (A's too): only the CSIRT's scope reads one."""
    from canhgac.console.store.inventory_models import InventoryDocument

    pk = InventoryDocument.objects.filter(applied_at__isnull=True).values_list("pk", flat=True).first()
    return {A} if pk is not None and queries.checked_inventory(scope, pk) is not None else set()


def _all(model: str, field: str) -> list[Any]:
    """Every row's ``field``, unscoped (the keys a scoped lookup is then tried with)."""
    return list(getattr(models, model).objects.values_list(field, flat=True))


def _alert_members(rows: Iterable[models.WatchAlert]) -> set[str]:
    return {m.agency_code for alert in rows for m in alert.members.all()}


# query name -> what its answer shows, as agency codes
CASES: dict[str, Callable[[ViewerScope, Store], set[str]]] = {
    "active_agency_codes": lambda v, s: set(queries.active_agency_codes(v)),
    "agencies": lambda v, s: {a.code for a in queries.agencies(v)},
    "agency_by_code": lambda v, s: {a.code for a in [queries.agency_by_code(v, A)] if a is not None},
    "declared_assets": lambda v, s: {
        c for c, _k, _v in queries.declared_assets(v, [A, B], ["domain", "range"])},
    "findings": lambda v, s: {f.agency_code for f in queries.findings(v, include_fixed=True)},
    "open_findings": lambda v, s: {f.agency_code for f in queries.open_findings(v)},
    "findings_by_fingerprints": lambda v, s: {
        f.agency_code for f in queries.findings_by_fingerprints(v, s.fingerprint_of.values())},
    "open_findings_per_agency": lambda v, s: set(queries.open_findings_per_agency(v)),
    "finding_by_fingerprint": lambda v, s: _finding(v, s.fingerprint_of[A])
    | _finding(v, s.fingerprint_of[B]),
    "agency_names": lambda v, s: set(queries.agency_names(v)),
    "findings_window": lambda v, s: {
        f.agency_code for sort in queries.FindingSort for f in queries.findings_window(
            v, queries.FindingFilter(lifecycles=frozenset({"new", "open", "fixed", "reopened"}), sort=sort),
            0, 100).rows},
    "filtered_findings": lambda v, s: {
        f.agency_code for f in queries.filtered_findings(v, queries.FindingFilter(
            lifecycles=frozenset({"new", "open", "fixed", "reopened"})))},
    "finding_history": lambda v, s: _history(v, s.fingerprint_of[A]) | _history(v, s.fingerprint_of[B]),
    "change_summary": lambda v, s: {
        c.finding.agency_code for c in queries.change_summary(v, None, s.last).changes},
    "current_results": lambda v, s: {r.agency_code for r in queries.current_results(v)},
    "results_of_run": lambda v, s: {r.agency_code for r in queries.results_of_run(v, s.first)},
    "run_target_counts": lambda v, s: set(queries.run_target_counts(v, s.first)),
    "open_ports_baseline": lambda v, s: {A if k.startswith("host:192.0.2.") else B
                                         for k in queries.open_ports_baseline(v)},
    "latest_reportable_run": lambda v, s: _run_agencies([queries.latest_reportable_run(v)]),
    "latest_finished_run": lambda v, s: _run_agencies([queries.latest_finished_run(v)]),
    "reportable_runs": lambda v, s: _run_agencies(queries.reportable_runs(v)),
    "previous_finished_run": lambda v, s: _run_agencies([queries.previous_finished_run(v, s.last)]),
    "run_by_id": lambda v, s: _run_agencies([queries.run_by_id(v, s.last.pk)]),
    "latest_run_of": lambda v, s: _run_agencies([queries.latest_run_of(v, s.fingerprint_of[A])]),
    "state_runs": lambda v, s: _run_agencies(
        r.run for r in queries.state_runs(v, [(s.first.pk, "x"), (s.last.pk, "y")])),
    "latest_province": _province,
    "host_services": lambda v, s: {h.agency for h in queries.host_services(v)}
    | {h.agency for h in queries.host_services(v, run=s.first)},
    "events": lambda v, s: {e.agency_code or A for e in queries.events(v)},
    "watch_monitors": lambda v, s: {m.agency_code for m in queries.watch_monitors(v)},
    "watch_alerts": lambda v, s: _alert_members(queries.watch_alerts(v)),
    "watch_alert": lambda v, s: _alert_members(
        a for a in (queries.watch_alert(v, pk)
                    for pk in models.WatchAlert.objects.values_list("pk", flat=True))
        if a is not None),
    "maintenance_windows": lambda v, s: {w.agency_code for w in queries.maintenance_windows(v)},
    "watch_monitor": lambda v, s: {m.agency_code for m in (
        queries.watch_monitor(v, pk) for pk in _all("WatchMonitor", "pk")) if m is not None},
    "watch_monitor_by_key": lambda v, s: {m.agency_code for m in (
        queries.watch_monitor_by_key(v, key) for key in _all("WatchMonitor", "key")) if m is not None},
    "monitor_keys_of": lambda v, s: {
        m.agency_code for m in queries.monitor_keys_of(v, _all("WatchMonitor", "key")).values()},
    "alert_history": lambda v, s: _alert_members(queries.alert_history(v))
    | _alert_members(queries.alert_history(v, agency=A))
    | _alert_members(queries.alert_history(v, status="open")),
    "maintenance_window": lambda v, s: {w.agency_code for w in (
        queries.maintenance_window(v, pk) for pk in _all("WatchMaintenance", "pk")) if w is not None},
    # the CSIRT's own people and addresses: a viewer of every agency only (A: "another agency's")
    "watch_deliveries": lambda v, s: {A} if list(queries.watch_deliveries(v)) else set(),
    "duty_shifts": lambda v, s: {A} if list(queries.duty_shifts(v)) else set(),
    "duty_sources": lambda v, s: {A} if queries.duty_sources(v) else set(),
    "watch_delivery": lambda v, s: {A} if any(
        queries.watch_delivery(v, pk) is not None for pk in _all("WatchDelivery", "pk")) else set(),
    "applied_inventory": lambda v, s: {A} if queries.applied_inventory(v) is not None else set(),
    "applied_inventories": lambda v, s: {A} if queries.applied_inventories(v) else set(),
    "checked_inventory": lambda v, s: _checked(v),
    "launches": lambda v, s: {launch.agency or A for launch in queries.launches(v)},
    "open_launches": lambda v, s: {launch.agency or A for launch in queries.open_launches(v)},
    "launch_by_id": lambda v, s: {launch.agency or A for launch in (
        queries.launch_by_id(v, pk) for pk in models.ScanLaunch.objects.values_list("pk", flat=True))
        if launch is not None},
    "launches_of_runs": lambda v, s: {
        launch.agency for launch in queries.launches_of_runs(v, [s.first.pk, s.last.pk]).values()},
    "all_runs": lambda v, s: _run_agencies(queries.all_runs(v)),
    "run_change_counts": lambda v, s: {A} if queries.run_change_counts(v, s.last) else set(),
    "incidents": lambda v, s: {i.agency_code for i in queries.incidents(v)},
    "incident": lambda v, s: {i.agency_code for i in (
        queries.incident(v, pk) for pk in _all("Incident", "pk")) if i is not None},
    "incidents_linked": lambda v, s: {
        i.agency_code for i in queries.incidents_linked(v, "indicator", "ip:203.0.113.5")},
    "finding_transitions": lambda v, s: {t.agency for t in queries.finding_transitions(
        v, [s.first, s.last], {SPF: "high", DMARC: "medium", PORTS: "low"}, (), date(2025, 1, 3))},
}

# queries whose answer holds no agency's rows, only a number every viewer may know; they still
# take the scope first, so that a caller cannot tell them from the others
NO_AGENCY_ROWS = {
    "launches_ahead": "a queued launch's place in the console's one queue",
    "state_stamp": "a digest of every agency's state (a cache key)",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_scoped_query_never_returns_another_agencys_rows(name: str, store: Store) -> None:
    shows = CASES[name]
    assert shows(ONLY_B, store) <= {B}
    assert A in shows(ALL, store)  # the case can fail: unscoped, A's rows are there


def test_an_empty_scope_sees_nothing(store: Store) -> None:
    nobody = ViewerScope.agencies(())
    assert list(queries.findings(nobody, include_fixed=True)) == []
    assert queries.latest_reportable_run(nobody) is None
    assert list(queries.current_results(nobody)) == []


def test_every_public_query_has_a_scope_case() -> None:
    """A new query must be added here, so it cannot skip the scope."""
    public = {name for name in queries.__all__
              if inspect.isfunction(getattr(queries, name))}
    assert public == set(CASES) | set(NO_AGENCY_ROWS)
    for name in public:
        first = next(iter(inspect.signature(getattr(queries, name)).parameters))
        assert first == "scope", name


def test_narrowing_never_widens_a_scope() -> None:
    assert ONLY_B.narrowed([A, B]) == ONLY_B
    assert ONLY_B.narrowed([A]) == ViewerScope.agencies(())
    assert ALL.narrowed([A]) == ViewerScope.agencies({A})
    assert ALL.narrowed(None) == ALL




@pytest.mark.parametrize("target", [
    Target(kind=TargetKind.DOMAIN, name="a.gov.vn", agency=A),
    Target(kind=TargetKind.URL, name="https://a.gov.vn:8443/x", agency=A),
    Target(kind=TargetKind.SERVICE, name="2001:db8::1", agency=A, port=8080),
    Target(kind=TargetKind.HOST, name="2001:db8::2", agency=A),
    Target(kind=TargetKind.MAIL_HOST, name="mx.a.gov.vn", agency=A),
])
def test_a_stored_row_reads_back_as_the_result_it_stores(target: Target, store: Store) -> None:
    from canhgac.console.store.mapping import check_result, result_row

    original = _result(SPF, target, failed("spf.missing", {"record": "v=spf1 +all"}, count=2))
    assert Target.from_key(target.key, target.agency) == target
    row = result_row(store.first, original)
    row.save()
    row.refresh_from_db()
    assert check_result(row) == original
