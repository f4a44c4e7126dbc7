"""Grouping: failures with a common cause (one address range, the resolver) within a short
window become one alert listing every monitor, not one alert each. Pure bookkeeping.

The first monitor to fail opens the alert; another whose failure has the same cause, while that
alert is open and younger than ``window`` seconds, joins it. The group lasts while one of its
members is still down; the scheduler rebuilds it from the store's open alerts after a restart.
The scheduler routes and commits in its store thread, one check after the other, and restores
the groups when a commit fails, so they always say what the store holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from canhgac.watch.rules import AlertAction, JoinAlert, OpenAlert, RecoverAlert


@dataclass
class OpenGroup:
    alert: str
    cause: str
    opened_at: datetime
    down: set[str] = field(default_factory=set)  # members not recovered


class Groups:
    def __init__(self, window: float, groups: list[OpenGroup] | None = None) -> None:
        self.window = timedelta(seconds=window)
        self.by_alert: dict[str, OpenGroup] = {g.alert: g for g in groups or ()}

    def snapshot(self) -> dict[str, OpenGroup]:
        return {k: OpenGroup(g.alert, g.cause, g.opened_at, set(g.down)) for k, g in self.by_alert.items()}

    def restore(self, saved: dict[str, OpenGroup]) -> None:
        self.by_alert = saved

    def route(self, action: AlertAction) -> AlertAction:
        """The action as it applies given the open groups (an opening may become a join), and
        the groups updated for it."""
        if isinstance(action, OpenAlert) and action.groupable:
            for group in self.by_alert.values():
                if group.cause == action.cause and action.at - group.opened_at <= self.window and group.down:
                    group.down.add(action.monitor)
                    return JoinAlert(group.alert, action.monitor, action.problem, action.values, action.at)
            self.by_alert[action.alert] = OpenGroup(action.alert, action.cause, action.at, {action.monitor})
        elif isinstance(action, RecoverAlert):
            found = self.by_alert.get(action.alert)
            if found is not None:
                found.down.discard(action.monitor)
                if not found.down:
                    del self.by_alert[action.alert]
        return action
