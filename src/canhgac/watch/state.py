"""Where the scheduler keeps monitor states and alerts: a protocol, and an in-memory store for
the pure tests. The real one is ``canhgac.console.store.watch_store.DjangoWatchStore``.

``commit`` must store the monitor's new state and apply its alert actions in one transaction,
so that an alert exists exactly when the state change that caused it does; opening an alert is
idempotent by its key (a check repeated after a crash opens nothing twice). ``commit_many`` does
the same for several checks, in their order, in one transaction: all of them kept, or none.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from canhgac.watch.edits import MonitorEdit
from canhgac.watch.grouping import OpenGroup
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import AlertAction, JoinAlert, MarkFlapping, MonitorState, OpenAlert, RecoverAlert

CheckCommit = tuple[Monitor, MonitorState, Sequence[AlertAction]]  # one check: its new state, its actions


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    start: datetime
    end: datetime
    agency: str = ""  # "" any
    monitor: str = ""  # a monitor key or its target; "" any of the agency's
    reason: str = ""

    def covers(self, monitor: Monitor, when: datetime) -> bool:
        if not self.start <= when < self.end:
            return False
        if self.agency and self.agency != monitor.agency:
            return False
        return not self.monitor or self.monitor in (monitor.key, monitor.target)


class WatchStore(Protocol):
    def sync_monitors(self, monitors: Sequence[Monitor]) -> None:
        """Record the monitors being watched (and that others are not any more)."""

    def load_states(self) -> dict[str, MonitorState]:
        """Every monitor's last committed state, by key."""

    def open_groups(self) -> list[OpenGroup]:
        """The open alerts that may group failures, with their members still down."""

    def maintenance_windows(self, now: datetime) -> Sequence[MaintenanceWindow]:
        """The maintenance windows not yet over at ``now`` (per agency or per monitor)."""

    def monitor_edits(self, seen: Mapping[str, int]) -> Sequence[MonitorEdit]:
        """The monitors edited by an operator whose revision is newer than ``seen`` (every
        edited monitor when ``seen`` is empty)."""

    def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
        """The new state and its alert actions, in one transaction."""

    def commit_many(self, checks: Sequence[CheckCommit]) -> None:
        """Several checks' states and actions, in order, in one transaction (all kept or none)."""

    def close(self) -> None:
        """Release what the store holds in the scheduler's store thread (its DB connection)."""


@dataclass
class MemoryAlert:
    key: str
    problem: str
    severity: str
    agency: str
    members: dict[str, bool] = field(default_factory=dict)  # monitor -> still down
    status: str = "open"
    timeline: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)
    cause: str = ""


class MemoryStore:
    def __init__(self, windows: Sequence[MaintenanceWindow] = ()) -> None:
        self.states: dict[str, MonitorState] = {}
        self.alerts: dict[str, MemoryAlert] = {}
        self.windows = list(windows)
        self.monitors: dict[str, Monitor] = {}
        self.commits = 0
        self.edits: dict[str, MonitorEdit] = {}  # what a console would have written, by key

    def sync_monitors(self, monitors: Sequence[Monitor]) -> None:
        self.monitors = {m.key: m for m in monitors}

    def load_states(self) -> dict[str, MonitorState]:
        return dict(self.states)

    def open_groups(self) -> list[OpenGroup]:
        return [
            OpenGroup(a.key, a.cause, a.timeline[0][1], {m for m, down in a.members.items() if down})
            for a in self.alerts.values()
            if a.status == "open" and a.cause
        ]

    def maintenance_windows(self, now: datetime) -> Sequence[MaintenanceWindow]:
        return [w for w in self.windows if w.end > now]

    def monitor_edits(self, seen: Mapping[str, int]) -> Sequence[MonitorEdit]:
        return [e for e in self.edits.values() if e.revision > seen.get(e.key, 0)]

    def close(self) -> None:
        pass

    def commit_many(self, checks: Sequence[CheckCommit]) -> None:
        """Each check's ``commit`` in turn; one that fails puts back what the others changed."""
        saved = dict(self.states), copy.deepcopy(self.alerts), self.commits  # states are immutable
        try:
            for monitor, state, actions in checks:
                self.commit(monitor, state, actions)
        except BaseException:
            self.states, self.alerts, self.commits = saved
            raise

    def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
        self.commits += 1
        self.states[state.key] = state
        for action in actions:
            self._apply(monitor, action)

    def _apply(self, monitor: Monitor, action: AlertAction) -> None:
        if isinstance(action, OpenAlert):
            if action.alert not in self.alerts:
                self.alerts[action.alert] = MemoryAlert(
                    action.alert,
                    action.problem,
                    action.severity,
                    monitor.agency,
                    {action.monitor: True},
                    timeline=[("opened", action.at, dict(action.values))],
                    cause=action.cause if action.groupable else "",
                )
        elif isinstance(action, JoinAlert):
            alert = self.alerts[action.alert]
            alert.members[action.monitor] = True
            alert.timeline.append(("grouped", action.at, {"monitor": action.monitor}))
        elif isinstance(action, MarkFlapping):
            if action.opened:
                self.alerts[action.alert] = MemoryAlert(
                    action.alert, "flapping", action.severity, monitor.agency, {action.monitor: True}
                )
            self.alerts[action.alert].timeline.append(("flapping", action.at, dict(action.values)))
        elif isinstance(action, RecoverAlert):
            alert = self.alerts[action.alert]
            alert.members[action.monitor] = False
            if any(alert.members.values()):
                alert.timeline.append(("member_recovered", action.at, {"monitor": action.monitor}))
            else:
                alert.status = "recovered"
                alert.timeline.append(("recovered", action.at, {}))
