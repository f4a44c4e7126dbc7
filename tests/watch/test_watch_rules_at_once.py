"""A certain problem (a defacer's words, a sudden rewrite, a changed NS or MX) opens its alert at
the first check that sees it; a flaky one (no answer) still waits for its failures in a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from watch_support import START, http

from canhgac.watch.judge import Verdict
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.problems import Problem
from canhgac.watch.rules import AlertPolicy, Health, MonitorState, OpenAlert, step

URL = "https://portal.so-a.gov.test/"


def _up(monitor: Monitor) -> MonitorState:
    state = MonitorState(monitor.key)
    return step(state, Verdict(True), START, monitor, AlertPolicy()).state


@pytest.mark.parametrize(
    ("monitor", "problem"),
    [
        (http(URL), Problem.DEFACED),
        (http(URL), Problem.CONTENT_DRIFT),
        (Monitor(MonitorKind.DNS, "so-a.gov.test", "SO-A", 60.0), Problem.DNS_HIJACK),
    ],
)
def test_a_certain_problem_opens_at_its_first_check(monitor: Monitor, problem: Problem) -> None:
    later = START + timedelta(seconds=60)
    done = step(_up(monitor), Verdict.failed(problem, None), later, monitor, AlertPolicy())
    assert done.state.health is Health.DOWN
    assert [type(a) for a in done.actions] == [OpenAlert]


def test_no_answer_still_waits_for_three_failures_in_a_row() -> None:
    monitor, policy = http(URL), AlertPolicy()
    state = _up(monitor)
    for n in range(1, 4):
        done = step(state, Verdict.failed(Problem.DOWN, None, reason="refused"),
                    START + timedelta(seconds=60 * n), monitor, policy)
        state = done.state
        assert bool(done.actions) is (n == 3), n
    assert state.health is Health.DOWN


def test_a_province_may_make_every_problem_wait() -> None:
    monitor = http(URL)
    policy = AlertPolicy(at_once=frozenset())
    done = step(_up(monitor), Verdict.failed(Problem.DEFACED, None, match="hacked by"),
                START + timedelta(seconds=60), monitor, policy)
    assert done.state.health is Health.UP and not done.actions
