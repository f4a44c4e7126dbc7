"""The watch's lease table on a real store (issue 19): rounds take, renew and balance; a take
never succeeds twice for one token, even from processes racing; the fenced commit refuses a
stale holder whole; a clean exit releases; live processes with another partition count refuse.

Not collected directly: ``test_watch_lease_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-leases-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import connection  # noqa: E402

from canhgac.console.store import models  # noqa: E402
from canhgac.console.store.watch_leases import DjangoLeasedWatchStore, holders  # noqa: E402
from canhgac.watch.leases import (  # noqa: E402
    Holder,
    LeaseLostError,
    LeaseOptions,
    PartitionCountError,
    partition_of,
)
from canhgac.watch.monitors import Monitor, MonitorKind  # noqa: E402
from canhgac.watch.rules import MonitorState, OpenAlert  # noqa: E402

NOW = datetime(2027, 2, 5, tzinfo=UTC)
OPTIONS = LeaseOptions(partitions=8, ttl=15)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    for model in (models.WatchLease, models.WatchHolder, models.WatchAlertEntry, models.WatchAlertMember,
                  models.WatchAlert, models.WatchMonitor, models.Event):
        model.objects.all().delete()


def holder(name: str) -> Holder:
    return Holder(name, "host", 1, NOW)


def test_rounds_take_balance_release_and_leave() -> None:
    store, a, b = DjangoLeasedWatchStore(), holder("a"), holder("b")
    first = store.lease_round(a, NOW, OPTIONS)
    assert first.held == {p: 1 for p in range(8)} and not first.surplus and first.live == 1
    second = store.lease_round(b, NOW + timedelta(seconds=1), OPTIONS)
    assert second.held == {} and second.live == 2  # everything held: b waits for a's surplus
    again = store.lease_round(a, NOW + timedelta(seconds=5), OPTIONS)
    assert again.surplus == (4, 5, 6, 7) and again.held == first.held  # renewed until released
    store.release(a, {p: again.held[p] for p in again.surplus}, NOW + timedelta(seconds=6))
    taken = store.lease_round(b, NOW + timedelta(seconds=7), OPTIONS)
    assert taken.held == {4: 2, 5: 2, 6: 2, 7: 2}  # each change of hands: a new token
    views = {v.holder: v for v in holders(NOW + timedelta(seconds=8))}
    assert views["a"].held == 4 and views["b"].held == 4 and views["a"].alive
    store.leave(a, NOW + timedelta(seconds=9))
    assert not models.WatchLease.objects.filter(holder="a").exists()
    assert set(models.WatchHolder.objects.values_list("holder", flat=True)) == {"b"}


def test_a_dead_process_s_leases_are_taken_after_the_ttl_with_new_tokens() -> None:
    store, a, b = DjangoLeasedWatchStore(), holder("a"), holder("b")
    store.lease_round(a, NOW, OPTIONS)
    assert store.lease_round(b, NOW + timedelta(seconds=14), OPTIONS).held == {}  # a's leases still run
    later = store.lease_round(b, NOW + timedelta(seconds=16), OPTIONS)  # a stopped renewing
    assert later.held == {p: 2 for p in range(8)} and later.live == 1
    assert not holders(NOW + timedelta(seconds=16))[-1].alive


def test_the_fenced_commit_refuses_a_stale_holder_and_writes_nothing() -> None:
    store, a, b = DjangoLeasedWatchStore(), holder("a"), holder("b")
    monitor = Monitor(MonitorKind.HTTP, "https://p.gov.test/", "SO-A")
    store.sync_monitors([monitor])
    tokens = store.lease_round(a, NOW, OPTIONS).held
    part = partition_of(monitor.key, OPTIONS.partitions)
    store.commit_fenced(lambda: [(monitor, MonitorState(monitor.key, checks=1), ())], "a", tokens, 8)
    assert models.WatchMonitor.objects.get().checks == 1
    store.lease_round(b, NOW + timedelta(seconds=20), OPTIONS)  # a paused past its lease: b took all
    opened = OpenAlert(f"{monitor.key}@x", monitor.key, "down", "high", {}, "", NOW)
    with pytest.raises(LeaseLostError) as lost:
        store.commit_fenced(
            lambda: [(monitor, MonitorState(monitor.key, checks=99, alert=opened.alert), [opened])],
            "a", tokens, 8, groupable=True)
    assert lost.value.partitions == (part,)
    assert models.WatchMonitor.objects.get().checks == 1 and not models.WatchAlert.objects.exists()


def test_live_processes_with_another_partition_count_refuse_a_newcomer() -> None:
    store = DjangoLeasedWatchStore()
    store.lease_round(holder("a"), NOW, OPTIONS)
    with pytest.raises(PartitionCountError) as refused:
        store.lease_round(holder("b"), NOW + timedelta(seconds=1), LeaseOptions(partitions=16, ttl=15))
    assert (refused.value.mine, refused.value.theirs) == (16, 8)
    assert not models.WatchHolder.objects.filter(holder="b").exists()


def test_processes_racing_for_partitions_never_hold_one_token_twice() -> None:
    """Four processes (threads, each its own connection) run rounds at once, their clocks moving
    past each other's leases; every (partition, token) ever held has exactly one holder."""
    DjangoLeasedWatchStore().lease_round(holder("seed"), NOW - timedelta(hours=1), OPTIONS)
    seen: dict[tuple[int, int], set[str]] = defaultdict(set)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def process(name: str) -> None:
        store, me = DjangoLeasedWatchStore(), holder(name)
        try:
            for n in range(25):
                result = store.lease_round(me, NOW + timedelta(seconds=n * 7), OPTIONS)
                with lock:
                    for p, token in result.held.items():
                        seen[(p, token)].add(name)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=process, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert seen and not twice, twice
