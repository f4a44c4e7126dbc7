"""The pure part of the watch's leases (issue 19): which partition a monitor is in, and one
process's round: keep, take up to the fair share, name the surplus."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from canhgac.watch.leases import Lease, LeaseOptions, decide, fair_share, partition_of, slot_after_gain
from canhgac.watch.monitors import Monitor, MonitorKind

NOW = datetime(2027, 2, 5, tzinfo=UTC)
LATER = NOW + timedelta(seconds=10)


def rows(holders: list[str], expires: datetime = LATER) -> list[Lease]:
    return [Lease(p, h, 3, expires if h else None) for p, h in enumerate(holders)]


def test_a_monitors_partition_is_stable_and_spread() -> None:
    keys = [f"http:https://p{i}.gov.test/" for i in range(6400)]
    first = [partition_of(k, 64) for k in keys]
    assert first == [partition_of(k, 64) for k in keys]  # the same in every process, every start
    counts = Counter(first)
    assert len(counts) == 64 and min(counts.values()) > 50 and max(counts.values()) < 150


def test_a_partition_is_not_a_band_of_the_interval() -> None:
    """The partition reads other bytes of the digest than the slot's offset: a process holding
    a quarter of the partitions has checks all over the interval, not in one quarter of it."""
    monitors = [Monitor(MonitorKind.HTTP, f"https://p{i}.gov.test/", "A") for i in range(4000)]
    offsets = [m.offset(60.0) for m in monitors if partition_of(m.key, 4) == 0]
    quarters = Counter(int(o // 15) for o in offsets)
    assert set(quarters) == {0, 1, 2, 3} and min(quarters.values()) > len(offsets) / 8


def test_the_first_process_takes_everything_and_the_second_waits_for_the_surplus() -> None:
    alone = decide(rows([""] * 8), ["a"], "a", NOW, 8)
    assert alone.take == {p: 3 for p in range(8)} and not alone.keep and not alone.surplus
    held = rows(["a"] * 8)
    second = decide(held, ["a", "b"], "b", NOW, 8)
    assert not second.take and not second.keep  # nothing free: a gives up its surplus first
    first = decide(held, ["a", "b"], "a", NOW, 8)
    assert first.keep == {p: 3 for p in range(8)} and first.surplus == (4, 5, 6, 7)
    released = rows(["a"] * 4 + [""] * 4)
    assert decide(released, ["a", "b"], "b", NOW, 8).take == {4: 3, 5: 3, 6: 3, 7: 3}


def test_expired_leases_of_a_dead_process_are_taken_up_to_the_fair_share() -> None:
    leases = [Lease(p, "a" if p < 3 else "dead", 5, LATER if p < 3 else NOW - timedelta(seconds=1))
              for p in range(6)]
    taken = decide(leases, ["a", "c"], "a", NOW, 6)  # a and c alive, the dead one's row expired
    assert taken.keep == {0: 5, 1: 5, 2: 5} and not taken.take  # a has its share
    c = decide(leases, ["a", "c"], "c", NOW, 6)
    assert c.take == {3: 5, 4: 5, 5: 5}


def test_its_own_expired_lease_is_kept_while_nobody_took_it() -> None:
    leases = [Lease(0, "a", 9, NOW - timedelta(seconds=30))]
    assert decide(leases, ["a"], "a", NOW, 1).keep == {0: 9}


def test_the_shares_add_up_to_the_partitions_exactly() -> None:
    live = ["w3", "w1", "w2"]
    assert [fair_share(64, live, w) for w in ("w1", "w2", "w3")] == [22, 21, 21]
    assert fair_share(64, [], "alone") == 64
    assert fair_share(2, ["a", "b", "c"], "c") == 0  # more processes than partitions: some idle
    options = LeaseOptions(partitions=64, ttl=15)
    assert options.renew_every == 5 and options.takeover == 20


def test_a_gained_monitor_keeps_its_slot_unless_it_would_miss_an_interval() -> None:
    first = NOW + timedelta(seconds=50)  # its usual slot, 50 s ahead; interval 60, takeover 20
    recent = NOW - timedelta(seconds=5)
    assert slot_after_gain(first, NOW, recent, 60, 0.5, 20) == first  # 55 s after its last check
    overdue = NOW - timedelta(seconds=30)  # its holder died before checking it again
    assert slot_after_gain(first, NOW, overdue, 60, 0.5, 20) == NOW + timedelta(seconds=20)
    assert slot_after_gain(first, NOW, None, 60, 0.0, 20) == NOW  # never checked: at its place
    soon = NOW + timedelta(seconds=10)
    assert slot_after_gain(soon, NOW, overdue, 60, 0.9, 20) == soon  # its slot is within the budget
