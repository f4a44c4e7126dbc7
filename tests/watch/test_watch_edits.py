"""Accepting a new baseline is forgetting what the problem compared (``watch/edits.py``): pure."""

from __future__ import annotations

import pytest

from canhgac.watch.edits import PAGE_KEYS, acceptable, forget


@pytest.mark.parametrize(
    ("problem", "values", "keys"),
    [
        ("dns_hijack", {"record": "MX"}, ("MX",)),
        ("dns_drift", {"record": "SPF"}, ("SPF",)),
        ("dns_hijack", {}, ()),  # no record said: nothing to accept
        ("content_drift", {"similarity": 12}, PAGE_KEYS),
        ("starttls_missing", {}, ("starttls",)),
        ("down", {"reason": "refused"}, ()),  # not a change against a baseline
        ("cert_expired", {}, ()),
        ("defaced", {"match": "hacked by"}, ()),  # a defacement is never a baseline
        ("nonsense", {}, ()),
    ],
)
def test_what_accepting_forgets(problem: str, values: dict[str, object], keys: tuple[str, ...]) -> None:
    assert acceptable(problem, values) == keys


def test_forget_keeps_the_rest() -> None:
    baseline = {"MX": ["10 mx.a."], "NS": ["ns1.a."], "A": ["192.0.2.1"]}
    assert forget(baseline, ("MX",)) == {"NS": ["ns1.a."], "A": ["192.0.2.1"]}
    assert baseline["MX"] == ["10 mx.a."]  # not changed in place
    assert forget(None, ("MX",)) is None
    assert forget({"starttls": True}, ("starttls",)) == {}


async def test_a_check_in_flight_cannot_bring_the_old_baseline_back() -> None:
    """The new MX is accepted while a check of the domain is in flight (judged against the old
    baseline): what that check commits has the MX forgotten, and the next checks keep the new one
    (the next slot's check waits for that commit, then starts from it)."""
    import asyncio
    from collections.abc import Sequence
    from datetime import timedelta

    from watch_support import START, up

    from canhgac.watch.clock import FakeClock
    from canhgac.watch.edits import MonitorEdit
    from canhgac.watch.facts import DnsFacts, ProbeFacts
    from canhgac.watch.monitors import Monitor, MonitorKind
    from canhgac.watch.rules import AlertAction, AlertPolicy, Health, MonitorState
    from canhgac.watch.scheduler import Scheduler, SchedulerOptions
    from canhgac.watch.state import MemoryStore

    class Recording(MemoryStore):
        """Every committed baseline of the domain, in order."""

        def __init__(self) -> None:
            super().__init__()
            self.baselines: list[dict[str, object] | None] = []

        def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
            super().commit(monitor, state, actions)
            if monitor.kind is MonitorKind.DNS:
                self.baselines.append(dict(state.baseline) if state.baseline is not None else None)

    clock, store = FakeClock(START), Recording()
    domain = Monitor(MonitorKind.DNS, "so-a.gov.test", "SO-A", 60.0)
    portal = Monitor(MonitorKind.HTTP, "https://www.so-a.gov.test/", "SO-A", 5.0)
    gate = asyncio.Event()
    gate.set()
    waiting: list[bool] = []
    moved = START + timedelta(minutes=5)

    async def prober(monitor: Monitor) -> ProbeFacts:
        if monitor.kind is MonitorKind.HTTP:
            return up(monitor.target)
        if not gate.is_set():
            waiting.append(True)
        await gate.wait()
        mx = "10 mx.new.gov.test." if clock.now() >= moved else "10 mx.old.gov.test."
        return DnsFacts(monitor.target, (("MX", (mx,)),))

    sched = Scheduler(
        [domain, portal],
        store,
        prober,
        clock=clock,
        policy=AlertPolicy(failures_to_alert={"dns": 2}),
        options=SchedulerOptions(jitter=0, check_timeout=600, commit_linger=0),
    )
    await sched.start()
    task = asyncio.create_task(sched.run())
    await clock.advance(10 * 60, sched.settle)
    state = store.states[domain.key]
    assert state.health is Health.DOWN and state.baseline == {"MX": ["10 mx.old.gov.test."]}
    gate.clear()  # the domain's next check hangs in its probe...
    due = sched.defined[domain.key].offset(60.0)
    await clock.advance(60 - (clock.now() - START).total_seconds() % 60 + due + 1)
    assert waiting  # the domain's check is in flight, with the old baseline
    store.edits[domain.key] = MonitorEdit(domain.key, 1, True, 60.0, None, ("MX",), 1)
    await clock.advance(15)  # ...the portal's checks read the edit meanwhile, in the store's thread:
    for _ in range(1000):  # its answer takes real time on a loaded machine (the fake clock cannot wait)
        if domain.key in sched._forgets:
            break
        await asyncio.sleep(0.01)
    assert domain.key in sched._forgets
    before = len(store.baselines)
    gate.set()  # the stale check commits, judged against the old MX
    await clock.advance(3 * 60, sched.settle)
    stale, *later = store.baselines[before:]
    assert "MX" not in (stale or {})  # committed without the old MX
    assert later and all(b == {"MX": ["10 mx.new.gov.test."]} for b in later)  # then the new one kept
    sched.stop()
    await clock.advance(0, sched.settle)
    await task
    final = store.states[domain.key]
    assert final.baseline == {"MX": ["10 mx.new.gov.test."]} and final.health is Health.UP
    assert domain.key not in sched._forgets
    assert [a.status for a in store.alerts.values()] == ["recovered"]
