"""The alert rules, as one pure step: a monitor's state and a check's verdict in, the new state
and what to do about alerts out. Fake-clock tested; the scheduler commits both at once.

- **Consecutive failures**: a monitor is DOWN after ``failures_to_alert[kind]`` failed checks in
  a row, or at the first one whose problem is certain rather than a flaky probe's (a defacer's
  words on the page, a sudden rewrite, a changed NS or MX: ``AT_ONCE``), UP again after
  ``successes_to_recover`` passed ones (the first check of an unknown monitor that passes makes it
  UP at once).
- **Level-triggered alerts**: a DOWN monitor with no open alert gets one; an UP monitor with an
  open alert gets its recovery. A restart, a maintenance window ending, a crash between two
  checks: the next check says what is due, so nothing is missed and nothing is doubled.
- **Flapping**: ``flap_changes`` flips of the raw result within ``flap_window`` make the monitor
  FLAPPING: one flapping alert (or the open alert marked so), then silence until no flip for
  ``stable_after``; it then settles UP (recovery) or DOWN (the alert stays open).
- **Maintenance**: no alert is opened (the state is still tracked); a recovery is still told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from canhgac.watch.judge import Verdict
from canhgac.watch.monitors import Monitor
from canhgac.watch.problems import Problem


class Health(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
    FLAPPING = "flapping"


# a blocklist listing is checked hourly and is no flaky probe; a scan's findings are reconciled
DEFAULT_FAILURES = {"http": 3, "tls_cert": 1, "dns": 2, "smtp": 3, "blocklist": 1, "findings": 1, "logs": 1}
# what a page or a zone says, not whether it answered: a second look adds nothing but a delay
# (the bound: a defaced page in the on-duty mailbox within one interval and 10 s)
AT_ONCE = frozenset({Problem.DEFACED.value, Problem.CONTENT_DRIFT.value, Problem.DNS_HIJACK.value})


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    failures_to_alert: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FAILURES))
    successes_to_recover: int = 2
    flap_changes: int = 6
    flap_window: float = 1800.0  # seconds
    stable_after: float = 900.0  # seconds without a flip to leave FLAPPING
    group_window: float = 300.0  # seconds: failures with a common cause join the first one's alert
    severities: Mapping[str, str] = field(default_factory=dict)  # problem -> severity
    at_once: frozenset[str] = AT_ONCE  # problems that make a monitor DOWN at their first check

    def failures_for(self, kind: str, problem: str = "") -> int:
        if problem in self.at_once:
            return 1
        return max(1, self.failures_to_alert.get(kind, 3))

    def severity(self, problem: str) -> str:
        return self.severities.get(problem, "medium")


@dataclass(frozen=True, slots=True)
class MonitorState:
    key: str
    health: Health = Health.UNKNOWN
    failures: int = 0  # failed checks in a row
    successes: int = 0  # passed checks in a row
    last_ok: bool | None = None  # the raw result of the last check
    since: datetime | None = None  # when ``health`` last changed
    down_since: datetime | None = None  # first failed check of the current failing run
    problem: str = ""  # of the last failed check
    values: Mapping[str, Any] = field(default_factory=dict)
    cause: str = ""
    flips: tuple[datetime, ...] = ()  # raw result changes inside the flapping window
    alert: str = ""  # key of the open alert about this monitor ("" none)
    checked_at: datetime | None = None
    checks: int = 0
    latency: float | None = None
    baseline: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class OpenAlert:
    alert: str  # idempotency key: the monitor and the start of its failing run
    monitor: str
    problem: str
    severity: str
    values: Mapping[str, Any]
    cause: str
    at: datetime
    groupable: bool = False


@dataclass(frozen=True, slots=True)
class JoinAlert:
    """A failure with the same cause as an open alert: the monitor is listed in it."""

    alert: str
    monitor: str
    problem: str
    values: Mapping[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class RecoverAlert:
    alert: str
    monitor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MarkFlapping:
    """The monitor flaps: its open alert says so (``opened``: no alert was open, this one is new)."""

    alert: str
    monitor: str
    severity: str
    values: Mapping[str, Any]
    at: datetime
    opened: bool


AlertAction = OpenAlert | JoinAlert | RecoverAlert | MarkFlapping


@dataclass(frozen=True, slots=True)
class Step:
    state: MonitorState
    actions: tuple[AlertAction, ...] = ()


def alert_key(monitor: str, since: datetime, what: str = "") -> str:
    return f"{what}{monitor}@{since.isoformat()}"


def _health(
    state: MonitorState, new: MonitorState, ok: bool, monitor: Monitor, policy: AlertPolicy
) -> Health:
    failures, successes, problem = new.failures, new.successes, new.problem
    if failures >= policy.failures_for(monitor.kind.value, problem):
        return Health.DOWN
    if ok and (successes >= policy.successes_to_recover or state.health is Health.UNKNOWN):
        return Health.UP
    return state.health


def step(
    state: MonitorState,
    verdict: Verdict,
    now: datetime,
    monitor: Monitor,
    policy: AlertPolicy,
    *,
    in_maintenance: bool = False,
) -> Step:
    ok = verdict.ok
    window = timedelta(seconds=policy.flap_window)
    flips = tuple(t for t in state.flips if now - t <= window)
    if state.last_ok is not None and state.last_ok != ok:
        flips += (now,)
    failures, successes = (0, state.successes + 1) if ok else (state.failures + 1, 0)
    new = replace(
        state,
        failures=failures,
        successes=successes,
        last_ok=ok,
        flips=flips,
        checked_at=now,
        checks=state.checks + 1,
        latency=verdict.latency,
        down_since=None if ok else (state.down_since or now),
        problem="" if ok else (verdict.problem.value if verdict.problem else ""),
        values={} if ok else dict(verdict.values),
        cause="" if ok else verdict.cause,
        baseline=verdict.baseline if verdict.baseline is not None else state.baseline,
    )
    if state.health is Health.FLAPPING:
        return _while_flapping(state, new, now, monitor, policy)
    if len(flips) >= policy.flap_changes and not in_maintenance:
        return _start_flapping(new, now, monitor, policy)
    health = _health(state, new, ok, monitor, policy)
    if health is not state.health:
        new = replace(new, health=health, since=now)
    if health is Health.UP and state.alert:
        return Step(replace(new, alert=""), (RecoverAlert(state.alert, state.key, now),))
    if health is Health.DOWN and not state.alert and not in_maintenance and not ok:
        return _open(new, now, policy)
    return Step(new)


def _open(new: MonitorState, now: datetime, policy: AlertPolicy) -> Step:
    from canhgac.watch.problems import RULES

    problem = Problem(new.problem)
    key = alert_key(new.key, new.down_since or now)
    action = OpenAlert(
        key,
        new.key,
        problem.value,
        policy.severity(problem.value),
        new.values,
        new.cause,
        now,
        RULES[problem].groupable and bool(new.cause),
    )
    return Step(replace(new, alert=key), (action,))


def _start_flapping(new: MonitorState, now: datetime, monitor: Monitor, policy: AlertPolicy) -> Step:
    values = {"target": monitor.target, "changes": len(new.flips), "minutes": round(policy.flap_window / 60)}
    key = new.alert or alert_key(new.key, now, "flapping:")
    action = MarkFlapping(key, new.key, policy.severity(Problem.FLAPPING.value), values, now, not new.alert)
    return Step(replace(new, health=Health.FLAPPING, since=now, alert=key), (action,))


def _while_flapping(
    state: MonitorState, new: MonitorState, now: datetime, monitor: Monitor, policy: AlertPolicy
) -> Step:
    quiet = not new.flips or now - new.flips[-1] >= timedelta(seconds=policy.stable_after)
    if not quiet:
        return Step(new)
    if new.last_ok and new.successes >= policy.successes_to_recover:
        actions = (RecoverAlert(state.alert, state.key, now),) if state.alert else ()
        return Step(replace(new, health=Health.UP, since=now, alert=""), actions)
    if not new.last_ok and new.failures >= policy.failures_for(monitor.kind.value, new.problem):
        return Step(replace(new, health=Health.DOWN, since=now))  # the flapping alert stays open
    return Step(new)
