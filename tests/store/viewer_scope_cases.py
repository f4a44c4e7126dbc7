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
from datetime import UTC, datetime
from pathlib import Path

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
    "page_fingerprints": lambda v, s: {  # the keys' agencies, looked up unscoped to see a leak
        f.agency_code for sort in queries.FindingSort for f in queries.findings_by_fingerprints(
            ALL, queries.page_fingerprints(v, queries.FindingFilter(
                lifecycles=frozenset({"new", "open", "fixed", "reopened"}), sort=sort), 0, 100))},
    "page_of_findings": lambda v, s: {
        f.agency_code for f in queries.page_of_findings(v, queries.FindingFilter(
            lifecycles=frozenset({"new", "open", "fixed", "reopened"})), 0, 100)},
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
    assert public == set(CASES)
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
