"""The reads the console's benchmark made faster give the same answers: a page's keys in the
severity order placed among the ranks (``queries.findings_window``) equal slicing the fully
sorted list, and the state stamp (``queries.stamp.state_stamp``) moves with every write a dashboard
reads. Run once per backend by ``test_list_speed.py`` (SQLite, and PostgreSQL when
``CANHGAC_TEST_DATABASE_URL`` is set), like ``store_cases.py``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-store-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.console.store import queries, services  # noqa: E402
from canhgac.console.store.models import RunStatus, Triage  # noqa: E402
from canhgac.console.store.queries import ViewerScope, state_stamp  # noqa: E402
from canhgac.engine.results import CheckResult, Provenance, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402

ALL = queries.ViewerScope.everything()
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
# four ranks, and one check the catalog no longer has (unranked: after every known rank)
RANKS = {"mail.spf.present": 4, "mail.dmarc.policy": 3, "web.hsts": 3, "dns.caa.present": 1}
CHECKS = (*RANKS, "gone.check")
AGENCIES = ("SO-A", "SO-B", "SO-C")


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _scan(fail_every: int = 1) -> None:
    results = []
    for n in range(40):
        agency = AGENCIES[n % len(AGENCIES)]
        target = Target(kind=TargetKind.DOMAIN, name=f"d{n}.gov.vn", agency=agency)
        for i, check_id in enumerate(CHECKS):
            outcome = failed("missing") if (n + i) % fail_every == 0 else passed("pass")
            results.append(CheckResult(check_id=check_id, target=target, status=outcome.status,
                                       message=outcome.message, observed_at=datetime(2025, 1, 2, tzinfo=UTC)))
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("scope", [ALL, queries.ViewerScope.agencies(["SO-B", "SO-C"])])
def test_page_keys_in_the_severity_order_equal_the_sorted_list(reverse: bool,
                                                               scope: queries.ViewerScope) -> None:
    _scan()
    _scan(fail_every=3)  # some fixed: every lifecycle
    wanted = queries.FindingFilter(lifecycles=frozenset({"new", "open", "fixed", "reopened"}),
                                   sort=queries.FindingSort.SEVERITY, reverse=reverse, severity_rank=RANKS)
    every = list(queries.filtered_findings(scope, wanted).values_list("fingerprint", flat=True))
    assert len(every) == len(set(every)) > 50
    for size in (1, 7, 50):
        for start in range(0, len(every) + size, size):
            window = queries.findings_window(scope, wanted, start, size)
            assert [f.fingerprint for f in window.rows] == every[start:start + size]
            assert (window.total, window.start) == (len(every), start)
    beyond = queries.findings_window(scope, wanted, 10**9, 50)
    assert (beyond.rows, beyond.total, beyond.start) == ([], len(every), 10**9)
    last = queries.findings_window(scope, wanted, 10**9, 50, last_if_beyond=True)
    assert last.start == (len(every) - 1) // 50 * 50
    assert [f.fingerprint for f in last.rows] == every[last.start:]


def test_page_keys_of_the_other_orders_are_the_sorted_lists_slices() -> None:
    _scan()
    for sort in queries.FindingSort:
        wanted = queries.FindingFilter(sort=sort, severity_rank=RANKS, check_ids=frozenset(CHECKS[:3]))
        every = list(queries.filtered_findings(ALL, wanted).values_list("fingerprint", flat=True))
        window = queries.findings_window(ALL, wanted, 5, 9)
        assert [f.fingerprint for f in window.rows] == every[5:14] and window.total == len(every)


def test_the_state_stamp_moves_with_every_write_the_dashboard_reads() -> None:
    services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]}])
    stamps = [state_stamp(ViewerScope.everything())]
    assert state_stamp(ViewerScope.everything()) == stamps[-1]  # reading changes nothing
    _scan()
    stamps.append(state_stamp(ViewerScope.everything()))
    fingerprint = next(iter(queries.findings(ALL).values_list("fingerprint", flat=True)))
    services.triage(fingerprint, triage=Triage.CONFIRMED, actor="hung")
    stamps.append(state_stamp(ViewerScope.everything()))
    services.triage(fingerprint, triage=Triage.CONFIRMED, actor="hung", note="seen again")
    stamps.append(state_stamp(ViewerScope.everything()))
    services.sync_agencies([{"code": "SO-A", "name": "Sở A mới", "domains": ["a.gov.vn"]}])
    stamps.append(state_stamp(ViewerScope.everything()))
    services.sync_agencies([{"code": "SO-A", "name": "Sở A mới", "domains": ["a.gov.vn", "b.gov.vn"]}])
    stamps.append(state_stamp(ViewerScope.everything()))
    services.start_run(provenance=PROVENANCE)  # a run that started (its results may add services)
    stamps.append(state_stamp(ViewerScope.everything()))
    assert len(set(stamps)) == len(stamps)
