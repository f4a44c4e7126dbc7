"""The watch on a real store: state and alerts in one transaction, restarts without duplicate or
lost alerts, grouping rebuilt after a restart, acknowledgement, maintenance windows.

Not collected directly: ``test_watch_store.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

# The cases are coroutines (the scheduler runs on their loop) that also read the store between two
# stretches of fake time, when the scheduler's store thread is idle: allowed here, not in the daemon.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-watch-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from watch_support import START, ScriptedProber, down, http, up  # noqa: E402

from canhgac.console.store import models, outbox, queries, watch_store  # noqa: E402
from canhgac.console.store.watch_store import AlertNotFoundError, DjangoWatchStore  # noqa: E402
from canhgac.watch.clock import FakeClock  # noqa: E402
from canhgac.watch.facts import ProbeFacts  # noqa: E402
from canhgac.watch.monitors import Monitor  # noqa: E402
from canhgac.watch.rules import AlertPolicy  # noqa: E402
from canhgac.watch.scheduler import Scheduler, SchedulerOptions  # noqa: E402

ALL = queries.ViewerScope.everything()
URL = "https://portal.so-a.gov.test/"
POLICY = AlertPolicy(failures_to_alert={"http": 3}, successes_to_recover=2, group_window=900)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    for model in (
        models.WatchAlertEntry,
        models.WatchAlertMember,
        models.WatchAlert,
        models.WatchMonitor,
        models.WatchMaintenance,
        models.Event,
    ):
        model.objects.all().delete()


def failing_between(start: datetime, end: datetime) -> Any:
    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        return down(monitor.target) if start <= now < end else up(monitor.target)

    return script


async def run_for(
    seconds: float, monitors: list[Monitor], clock: FakeClock, prober: ScriptedProber, store: Any = None
) -> Scheduler:
    """One daemon's life: start from the store, check for ``seconds`` of fake time, stop."""
    sched = Scheduler(
        monitors,
        store or DjangoWatchStore(),
        prober,
        clock=clock,
        policy=POLICY,
        options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=0),
    )
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(seconds, sched.settle)
    sched.stop()
    await clock.advance(0, sched.settle)
    await task
    return sched


def events(kind: str) -> list[models.Event]:
    return list(queries.events(ALL, kind=kind))


async def test_restarts_neither_duplicate_nor_lose_alerts() -> None:
    clock = FakeClock(START)
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(minutes=20)))
    await run_for(5 * 60, [http(URL)], clock, prober)
    (alert,) = queries.watch_alerts(ALL)
    assert alert.status == "open" and alert.problem == "down"
    assert [e.kind for e in alert.timeline.all()] == ["opened"]
    assert len(events("alert.opened")) == 1
    await run_for(10 * 60, [http(URL)], clock, prober)  # a second daemon: still down
    assert queries.watch_alerts(ALL).count() == 1 and len(events("alert.opened")) == 1
    await run_for(10 * 60, [http(URL)], clock, prober)  # a third: it recovers
    (alert,) = queries.watch_alerts(ALL)
    assert alert.status == "recovered" and alert.recovered_at is not None
    assert [e.kind for e in alert.timeline.all()] == ["opened", "recovered"]
    assert len(events("alert.recovered")) == 1
    (row,) = queries.watch_monitors(ALL)
    assert row.health == "up" and row.alert_key == "" and row.checks >= 20 and row.baseline is None


async def test_a_failed_commit_keeps_neither_state_nor_alert_and_the_next_check_opens_it_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock(START)
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))
    real_write = outbox.write
    broken = {"left": 1}

    def failing_write(rows: Any) -> int:
        if broken["left"]:
            broken["left"] -= 1
            raise RuntimeError("the database went away")
        return real_write(rows)

    monkeypatch.setattr(outbox, "write", failing_write)
    sched = await run_for(3 * 60 + 61, [http(URL)], clock, prober)
    assert sched.store_failures == 1  # the opening check's transaction failed whole...
    (alert,) = queries.watch_alerts(ALL)  # ...and the next check opened the alert, once
    assert len(events("alert.opened")) == 1
    row = queries.watch_monitors(ALL).get()
    assert row.alert_key == alert.key and row.failures == sched.checks_done


async def test_a_crash_between_two_flushes_loses_only_the_checks_not_committed_and_they_run_again() -> None:
    clock = FakeClock(START)
    portals = [http(f"https://p{i}.gov.test/", agency=f"A{i}") for i in range(5)]  # one cause: grouped
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))
    sched = Scheduler(
        portals,
        DjangoWatchStore(),
        prober,
        clock=clock,
        policy=POLICY,
        options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=60, commit_batch=3),
    )
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(60)  # every first check judged: a batch of three flushed, two left waiting
    for _ in range(500):
        if sched.checks_done == 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()  # the process dies between two flushes
    await asyncio.gather(task, return_exceptions=True)
    assert sorted(m.checks for m in queries.watch_monitors(ALL)) == [0, 0, 1, 1, 1]
    await run_for(4 * 60, portals, clock, prober)  # the next daemon: the lost checks simply run again
    assert sorted(m.checks for m in queries.watch_monitors(ALL)) == [4, 4, 5, 5, 5]
    (alert,) = queries.watch_alerts(ALL)
    assert len(events("alert.opened")) == 1 and len(events("alert.grouped")) == 4
    assert {m.monitor_key for m in alert.members.all()} == {m.key for m in portals}


async def test_checks_committed_in_one_batch_write_every_state_and_their_alerts_in_order() -> None:
    clock = FakeClock(START)
    portals = [http(f"https://q{i}.gov.test/", agency=f"B{i}") for i in range(6)]
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))
    store = DjangoWatchStore()
    batches: list[int] = []
    real = store.commit_many

    def counted(checks: Any) -> None:
        real(checks)
        batches.append(len(checks))

    store.commit_many = counted  # type: ignore[method-assign]
    sched = Scheduler(
        portals, store, prober, clock=clock, policy=POLICY,
        options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=0.05),
    )
    await sched.start()
    task = asyncio.create_task(sched.run())
    for _ in range(3):  # three rounds, each judged at once and committed as one batch
        await clock.advance(60)
        await sched.settle()
    sched.stop()
    await clock.advance(0, sched.settle)
    await task
    assert batches == [6, 6, 6] and sched.store_failures == 0
    rows = list(queries.watch_monitors(ALL))
    assert {r.checks for r in rows} == {3} and {r.failures for r in rows} == {3}
    assert {r.health for r in rows} == {"down"}
    (alert,) = queries.watch_alerts(ALL)
    assert {r.alert_key for r in rows} == {alert.key}
    opened, grouped = events("alert.opened"), events("alert.grouped")
    assert len(opened) == 1 and len(grouped) == 5
    assert opened[0].pk < min(e.pk for e in grouped)  # the opening first, in the same transaction


async def test_an_alert_opened_twice_by_key_exists_once() -> None:
    store, monitor = DjangoWatchStore(), http(URL)
    from canhgac.watch.rules import MonitorState, OpenAlert

    action = OpenAlert(f"{monitor.key}@x", monitor.key, "down", "high", {"target": URL}, "", START)
    store.sync_monitors([monitor])
    store.commit(monitor, MonitorState(monitor.key, alert=action.alert), [action])
    store.commit(monitor, MonitorState(monitor.key, alert=action.alert), [action])
    assert models.WatchAlert.objects.count() == 1 and len(events("alert.opened")) == 1


async def test_a_group_survives_a_restart() -> None:
    clock = FakeClock(START)
    first = [http(f"https://p{i}.gov.test/", agency=f"A{i}") for i in range(3)]
    late = http("https://late.gov.test/", agency="A9")

    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        if monitor.key == late.key and now < START + timedelta(minutes=5):
            return up(monitor.target, "10.0.0.99")
        return down(monitor.target, "10.0.0.7")

    prober = ScriptedProber(clock, script)
    await run_for(4 * 60, [*first, late], clock, prober)
    assert queries.watch_alerts(ALL).count() == 1, [
        (a.key, a.cause, a.problem) for a in queries.watch_alerts(ALL)
    ]
    (alert,) = queries.watch_alerts(ALL)
    assert {m.monitor_key for m in alert.members.all()} == {m.key for m in first}
    await run_for(4 * 60, [*first, late], clock, prober)  # the late one fails after the restart
    (alert,) = queries.watch_alerts(ALL)
    assert {m.monitor_key for m in alert.members.all()} == {m.key for m in [*first, late]}
    assert len(events("alert.grouped")) == 3
    officer = queries.ViewerScope.agencies({"A9"})
    (seen,) = queries.watch_alerts(officer)
    assert [m.agency_code for m in seen.members.all()] == ["A9"]  # only their own member shown


async def test_acknowledge_once_with_its_timeline_and_event() -> None:
    clock = FakeClock(START)
    await run_for(
        5 * 60, [http(URL)], clock, ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))
    )
    alert = queries.watch_alerts(ALL).get()
    first = watch_store.acknowledge(
        alert.pk, actor="truc-ban", channel="cli", note="đang xử lý", now=clock.now()
    )
    again = watch_store.acknowledge(alert.pk, actor="someone-else", channel="console", now=clock.now())
    assert first.changed and not again.changed and again.alert.acknowledged_by == "truc-ban"
    kinds = [e.kind for e in queries.watch_alert(ALL, alert.pk).timeline.all()]  # type: ignore[union-attr]
    assert kinds == ["opened", "acknowledged"] and len(events("alert.acknowledged")) == 1
    with pytest.raises(AlertNotFoundError):
        watch_store.acknowledge(alert.pk + 1000, actor="x", channel="cli")


async def test_a_stored_maintenance_window_holds_alerts_back() -> None:
    clock = FakeClock(START)
    watch_store.add_maintenance(
        start=START, end=START + timedelta(minutes=10), agency="SO-A", reason="nâng cấp"
    )
    prober = ScriptedProber(clock, failing_between(START, START + timedelta(hours=1)))
    await run_for(9 * 60, [http(URL)], clock, prober)
    assert queries.watch_alerts(ALL).count() == 0
    assert queries.watch_monitors(ALL).get().health == "down"
    await run_for(3 * 60, [http(URL)], clock, prober)
    assert queries.watch_alerts(ALL).count() == 1
    with pytest.raises(ValueError):
        watch_store.add_maintenance(start=START, end=START)


async def test_monitors_gone_from_the_inventory_are_no_longer_watched() -> None:
    store = DjangoWatchStore()
    a, b = http("https://a.gov.test/"), http("https://b.gov.test/")
    store.sync_monitors([a, b])
    store.sync_monitors([a])
    assert [m.key for m in queries.watch_monitors(ALL)] == [a.key]
    assert set(store.load_states()) == {a.key}


# --- the console's edits, read by a running daemon --------------------------------------------


async def _running(
    monitors: list[Monitor], clock: FakeClock, prober: ScriptedProber
) -> tuple[Scheduler, Any]:
    sched = Scheduler(
        monitors,
        DjangoWatchStore(),
        prober,
        clock=clock,
        policy=POLICY,
        options=SchedulerOptions(jitter=0, check_timeout=5, commit_linger=0),
    )
    await sched.start()
    return sched, asyncio.create_task(sched.run())


async def _stop(sched: Scheduler, task: Any, clock: FakeClock) -> None:
    sched.stop()
    await clock.advance(0, sched.settle)
    await task


async def test_a_new_mx_accepted_in_the_console_becomes_the_baseline_and_the_alert_recovers() -> None:
    from canhgac.console.store import watch_edits
    from canhgac.watch.facts import DnsFacts
    from canhgac.watch.monitors import MonitorKind

    domain = "so-a.gov.test"
    moved = {"at": START + timedelta(minutes=10)}

    def script(monitor: Monitor, now: datetime) -> ProbeFacts:
        mx = "10 mx.new.gov.test." if now >= moved["at"] else "10 mx.so-a.gov.test."
        return DnsFacts(domain, (("MX", (mx,)), ("NS", ("ns1.so-a.gov.test.",))))

    clock = FakeClock(START)
    prober = ScriptedProber(clock, script)
    sched, task = await _running([Monitor(MonitorKind.DNS, domain, "SO-A", 60.0)], clock, prober)
    await clock.advance(15 * 60, sched.settle)  # the MX moved at 10 min: a possible hijack
    (alert,) = queries.watch_alerts(ALL)
    row = models.WatchMonitor.objects.get()
    assert (alert.problem, alert.status, row.health) == ("dns_hijack", "open", "down")
    assert row.baseline == {"MX": ["10 mx.so-a.gov.test."], "NS": ["ns1.so-a.gov.test."]}
    watch_edits.accept_baseline(row.pk, actor="admin", address="192.0.2.1", now=clock.now())
    await clock.advance(5 * 60, sched.settle)  # the running daemon reads it at its next check
    await _stop(sched, task, clock)
    alert.refresh_from_db()
    row.refresh_from_db()
    assert alert.status == "recovered" and row.health == "up"
    assert row.baseline == {"MX": ["10 mx.new.gov.test."], "NS": ["ns1.so-a.gov.test."]}
    steps = [e.kind for e in alert.timeline.all()]
    assert steps == ["opened", "baseline_accepted", "recovered"]
    assert len(events("alert.opened")) == 1  # the new MX opened nothing more
    clock2 = FakeClock(clock.now())  # a restart does not forget the accepted MX again
    await run_for(
        5 * 60, [Monitor(MonitorKind.DNS, domain, "SO-A", 60.0)], clock2, ScriptedProber(clock2, script)
    )
    row.refresh_from_db()
    assert (
        row.baseline == {"MX": ["10 mx.new.gov.test."], "NS": ["ns1.so-a.gov.test."]} and row.health == "up"
    )
    assert queries.watch_alerts(ALL).count() == 1


async def test_a_monitor_disabled_and_slowed_in_the_console_is_so_in_the_running_daemon() -> None:
    from canhgac.console.store import watch_edits

    clock = FakeClock(START)
    prober = ScriptedProber(clock, lambda m, now: up(m.target))
    other = "https://other.so-a.gov.test/"
    sched, task = await _running([http(URL), http(other)], clock, prober)
    await clock.advance(5 * 60, sched.settle)
    row = models.WatchMonitor.objects.get(key=f"http:{URL}")
    watch_edits.edit_monitor(row.pk, enabled=False, interval=60.0, holiday=None, actor="admin", address="")
    await clock.advance(60, sched.settle)  # read at the next check (the other monitor's)
    before = len([k for k, _ in prober.calls if k == row.key])
    await clock.advance(10 * 60, sched.settle)
    assert len([k for k, _ in prober.calls if k == row.key]) == before  # no probe while disabled
    assert len([k for k, _ in prober.calls if k == f"http:{other}"]) >= 15
    watch_edits.edit_monitor(row.pk, enabled=True, interval=300.0, holiday=None, actor="admin", address="")
    await clock.advance(30 * 60, sched.settle)
    await _stop(sched, task, clock)
    again = len([k for k, _ in prober.calls if k == row.key]) - before
    assert 5 <= again <= 7  # every 5 minutes from the edit
    assert sched.defined[row.key].interval == 300.0
    clock2 = FakeClock(clock.now())  # a restart from the inventory keeps the console's definition
    await run_for(60, [http(URL)], clock2, ScriptedProber(clock2, lambda m, now: up(m.target)))
    row.refresh_from_db()
    assert (row.enabled, row.interval, row.edited_by) == (True, 300.0, "admin")
