"""The watch's writes: monitors synced from the daemon, each check's state with the alerts it
causes in one transaction (and their outbox events), acknowledgements, maintenance windows.

:class:`DjangoWatchStore` is the store the scheduler (``canhgac.watch.scheduler``) is given; it
implements ``canhgac.watch.state.WatchStore``. Opening an alert is idempotent by its key; an
event is written with each alert change (``alert.opened``, ``alert.grouped``, ``alert.flapping``,
``alert.recovered``, ``alert.acknowledged``) in the same transaction, for the channels to come.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone

from canhgac.console.store import outbox
from canhgac.console.store.models import EventKind
from canhgac.console.store.watch_models import (
    WatchAlert,
    WatchAlertEntry,
    WatchAlertMember,
    WatchMaintenance,
    WatchMonitor,
)
from canhgac.watch.edits import MonitorEdit
from canhgac.watch.grouping import OpenGroup
from canhgac.watch.monitors import Monitor
from canhgac.watch.rules import (
    AlertAction,
    Health,
    JoinAlert,
    MarkFlapping,
    MonitorState,
    OpenAlert,
    RecoverAlert,
)
from canhgac.watch.state import CheckCommit, MaintenanceWindow

OPEN, RECOVERED = "open", "recovered"
# what an edit in the console decides, kept over the inventory's values at each daemon start
CONSOLE_OWNED = frozenset({"enabled", "interval", "holiday_interval", "holiday_start", "holiday_end"})


class AlertNotFoundError(LookupError):
    """No alert with that id (or not one the viewer may see)."""


def _definition(m: Monitor) -> dict[str, Any]:
    holiday = m.holiday
    return {
        "kind": m.kind.value,
        "target": m.target,
        "port": m.port,
        "agency_code": m.agency,
        "interval": m.interval,
        "enabled": m.enabled,
        "watched": True,
        "holiday_interval": holiday.interval if holiday else None,
        "holiday_start": holiday.start if holiday else None,
        "holiday_end": holiday.end if holiday else None,
    }


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def state_of(row: WatchMonitor) -> MonitorState:
    return MonitorState(
        key=row.key,
        health=Health(row.health) if row.health in Health.__members__.values() else Health.UNKNOWN,
        failures=row.failures,
        successes=row.successes,
        last_ok=row.last_ok,
        since=row.since,
        down_since=row.down_since,
        problem=row.problem,
        values=dict(row.values or {}),
        cause=row.cause,
        flips=tuple(_dt(t) for t in row.flips or ()),
        alert=row.alert_key,
        checked_at=row.checked_at,
        checks=row.checks,
        latency=row.latency,
        baseline=row.baseline,
    )


STATE_FIELDS = (
    "health", "failures", "successes", "last_ok", "since", "down_since", "problem", "values", "cause",
    "flips", "alert_key", "checked_at", "checks", "latency", "baseline",
)


def _state_fields(state: MonitorState) -> dict[str, Any]:
    return {
        "health": state.health.value,
        "failures": state.failures,
        "successes": state.successes,
        "last_ok": state.last_ok,
        "since": state.since,
        "down_since": state.down_since,
        "problem": state.problem,
        "values": dict(state.values),
        "cause": state.cause[:100],
        "flips": [t.isoformat() for t in state.flips],
        "alert_key": state.alert,
        "checked_at": state.checked_at,
        "checks": state.checks,
        "latency": state.latency,
        "baseline": dict(state.baseline) if state.baseline is not None else None,
    }


def _event(
    kind: EventKind, alert: WatchAlert, agency: str, payload: Mapping[str, Any], suffix: str = ""
) -> None:
    outbox.write(
        [
            outbox.event(
                kind.value,
                None,
                f"{alert.key}{suffix}"[:600],
                agency,
                {"alert": alert.pk, "problem": alert.problem, "severity": alert.severity, **payload},
            )
        ]
    )


class DjangoWatchStore:
    """The scheduler's store on the Django models (call from one thread: the scheduler's)."""

    def sync_monitors(self, monitors: Sequence[Monitor]) -> None:
        with transaction.atomic():
            # a findings monitor is a scheduled scan's, a logs monitor the log detections'
            # (services.watch_scans, services.log_alerts), not the inventory's
            known = {row.key: row for row in WatchMonitor.objects.exclude(kind__in=("findings", "logs"))}
            fresh = []
            for monitor in monitors:
                row = known.pop(monitor.key, None)
                fields = _definition(monitor)
                if row is not None and row.edited_at is not None:  # the console's definition stays
                    fields = {k: v for k, v in fields.items() if k not in CONSOLE_OWNED}
                if row is None:
                    fresh.append(WatchMonitor(key=monitor.key, **fields))
                elif any(getattr(row, k) != v for k, v in fields.items()):
                    WatchMonitor.objects.filter(pk=row.pk).update(**fields)
            WatchMonitor.objects.bulk_create(fresh, batch_size=500)
            gone = [row.pk for row in known.values() if row.watched]
            if gone:
                WatchMonitor.objects.filter(pk__in=gone).update(watched=False)

    def close(self) -> None:
        connection.close()  # this thread's connection (the scheduler's store thread)

    def load_states(self) -> dict[str, MonitorState]:
        return {row.key: state_of(row) for row in WatchMonitor.objects.filter(watched=True)}

    def monitor_edits(self, seen: Mapping[str, int]) -> list[MonitorEdit]:
        from canhgac.console.store.watch_edits import monitor_edits

        return monitor_edits(seen)

    def open_groups(self) -> list[OpenGroup]:
        groups = []
        for alert in WatchAlert.objects.filter(status=OPEN).exclude(cause="").prefetch_related("members"):
            down = {m.monitor_key for m in alert.members.all() if m.down}
            groups.append(OpenGroup(alert.key, alert.cause, alert.opened_at, down))
        return groups

    def maintenance_windows(self, now: datetime) -> list[MaintenanceWindow]:
        return [
            MaintenanceWindow(w.start, w.end, w.agency_code, w.monitor, w.reason)
            for w in WatchMaintenance.objects.filter(end__gt=now).order_by("start")
        ]

    def commit(self, monitor: Monitor, state: MonitorState, actions: Sequence[AlertAction]) -> None:
        self.commit_many([(monitor, state, actions)])

    def commit_many(self, checks: Sequence[CheckCommit]) -> None:
        """Every check's state and alert actions, in order, in one transaction: the states in
        one prepared ``UPDATE`` run for all of them (a row missing is created), then each
        check's actions (an alert one check opens exists for the next one's join)."""
        with transaction.atomic():
            _write_states(checks)
            for monitor, _, actions in checks:
                for action in actions:
                    _apply(monitor, action)


def _state_columns() -> list[models.Field[Any, Any]]:
    fields = [WatchMonitor._meta.get_field(name) for name in STATE_FIELDS]
    return [f for f in fields if isinstance(f, models.Field)]


def _write_states(checks: Sequence[CheckCommit]) -> None:
    fields = _state_columns()
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column or f.name)} = %s" for f in fields)
    sql = f"UPDATE {quote(WatchMonitor._meta.db_table)} SET {sets} WHERE {quote('key')} = %s"  # noqa: S608
    rows = []
    for _, state, _ in checks:
        values = _state_fields(state)
        rows.append([f.get_db_prep_save(values[f.name], connection) for f in fields] + [state.key])
    with connection.cursor() as cursor:  # names from the model, quoted; every value a parameter
        cursor.executemany(sql, rows)
        written = cursor.rowcount
    if written == len(checks):
        return
    keys = [state.key for _, state, _ in checks]  # a row the console removed: made again
    found = set(WatchMonitor.objects.filter(key__in=keys).values_list("key", flat=True))
    for monitor, state, _ in checks:
        if state.key not in found:
            WatchMonitor.objects.create(key=state.key, **_definition(monitor), **_state_fields(state))


def _apply(monitor: Monitor, action: AlertAction) -> None:
    if isinstance(action, OpenAlert):
        _open(
            monitor,
            action.alert,
            action.problem,
            action.severity,
            action.values,
            action.cause if action.groupable else "",
            action.at,
            "opened",
        )
    elif isinstance(action, MarkFlapping):
        if action.opened:
            _open(
                monitor, action.alert, "flapping", action.severity, action.values, "", action.at, "flapping"
            )
        else:
            alert = WatchAlert.objects.filter(key=action.alert).first()
            if alert is not None:
                WatchAlertEntry.objects.create(
                    alert=alert, kind="flapping", at=action.at, detail=dict(action.values)
                )
                _event(
                    EventKind.ALERT_FLAPPING,
                    alert,
                    monitor.agency,
                    {"values": dict(action.values)},
                    ":flapping",
                )
    elif isinstance(action, JoinAlert):
        _join(monitor, action)
    else:
        _recover(monitor, action)


def _open(
    monitor: Monitor,
    key: str,
    problem: str,
    severity: str,
    values: Mapping[str, Any],
    cause: str,
    at: datetime,
    entry: str,
) -> None:
    alert, created = WatchAlert.objects.get_or_create(
        key=key,
        defaults={
            "problem": problem,
            "severity": severity,
            "monitor_key": monitor.key,
            "agency_code": monitor.agency,
            "cause": cause[:100],
            "values": dict(values),
            "opened_at": at,
        },
    )
    if not created:
        return  # the same check again after a crash: nothing twice
    WatchAlertMember.objects.create(
        alert=alert, monitor_key=monitor.key, agency_code=monitor.agency, joined_at=at
    )
    WatchAlertEntry.objects.create(alert=alert, kind=entry, at=at, detail={"monitor": monitor.key, **values})
    kind = EventKind.ALERT_FLAPPING if entry == "flapping" else EventKind.ALERT_OPENED
    _event(
        kind,
        alert,
        monitor.agency,
        {"monitor": monitor.key, "target": monitor.target, "values": dict(values)},
    )


def _join(monitor: Monitor, action: JoinAlert) -> None:
    alert = WatchAlert.objects.filter(key=action.alert).first()
    if alert is None:
        return
    WatchAlertMember.objects.update_or_create(
        alert=alert,
        monitor_key=monitor.key,
        defaults={"agency_code": monitor.agency, "down": True, "joined_at": action.at, "recovered_at": None},
    )
    WatchAlertEntry.objects.create(
        alert=alert,
        kind="grouped",
        at=action.at,
        detail={"monitor": monitor.key, "problem": action.problem, **action.values},
    )
    _event(
        EventKind.ALERT_GROUPED,
        alert,
        monitor.agency,
        {"monitor": monitor.key, "target": monitor.target},
        f":{monitor.key}:{action.at.isoformat()}",
    )


def _recover(monitor: Monitor, action: RecoverAlert) -> None:
    alert = WatchAlert.objects.filter(key=action.alert).first()
    if alert is None or alert.status != OPEN:
        return
    WatchAlertMember.objects.filter(alert=alert, monitor_key=monitor.key).update(
        down=False, recovered_at=action.at
    )
    if WatchAlertMember.objects.filter(alert=alert, down=True).exists():
        WatchAlertEntry.objects.create(
            alert=alert, kind="member_recovered", at=action.at, detail={"monitor": monitor.key}
        )
        return
    alert.status, alert.recovered_at = RECOVERED, action.at
    alert.save(update_fields=["status", "recovered_at"])
    WatchAlertEntry.objects.create(
        alert=alert, kind="recovered", at=action.at, detail={"monitor": monitor.key}
    )
    _event(
        EventKind.ALERT_RECOVERED,
        alert,
        alert.agency_code,
        {"monitor": monitor.key, "target": monitor.target},
        ":recovered",
    )


class Acknowledgement(NamedTuple):
    alert: WatchAlert
    changed: bool  # False: acknowledged before (by someone else, or a concurrent request)


def acknowledge(
    alert_id: int,
    *,
    actor: str,
    channel: str,
    note: str = "",
    now: datetime | None = None,
    via: str = "",
    address: str = "",
) -> Acknowledgement:
    """Acknowledge an alert: the one path for the CLI, the console, the API and the signed link.

    Decided under the alert's row lock, so it happens once: the timeline's ``acknowledged`` step,
    the ``alert.acknowledged`` event and one ``watch.alert_acknowledged`` entry in the security
    log are written together by the request that made it; a later one changes and logs nothing.
    ``channel`` says where it came from (cli, console, api, link:email…), ``via`` how the caller
    authenticated (session, token:ID; "" for the CLI and a link, the link being the proof).
    """
    from canhgac.console.store.account_models import SecurityEventKind
    from canhgac.console.store.accounts import record_event

    at = now or timezone.now()
    with transaction.atomic():
        alert = WatchAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise AlertNotFoundError(alert_id)
        if alert.acknowledged_at is not None:
            return Acknowledgement(alert, False)
        alert.acknowledged_at, alert.acknowledged_by = at, actor[:150]
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        WatchAlertEntry.objects.create(
            alert=alert,
            kind="acknowledged",
            at=at,
            actor=actor[:150],
            detail={"note": note[:500], "channel": channel} if note else {"channel": channel},
        )
        logged: dict[str, Any] = {
            "alert": alert.pk, "agency": alert.agency_code, "problem": alert.problem, "channel": channel
        }
        if via:
            logged["via"] = via
        record_event(SecurityEventKind.WATCH_ALERT_ACKNOWLEDGED, actor=actor, address=address, detail=logged)
        _event(
            EventKind.ALERT_ACKNOWLEDGED,
            alert,
            alert.agency_code,
            {"by": actor[:150], "channel": channel},
            ":acknowledged",
        )
    return Acknowledgement(alert, True)


def add_maintenance(
    *, start: datetime, end: datetime, agency: str = "", monitor: str = "", reason: str = "", actor: str = ""
) -> WatchMaintenance:
    if end <= start:
        raise ValueError("a maintenance window must end after it starts")
    return WatchMaintenance.objects.create(
        agency_code=agency,
        monitor=monitor,
        start=start,
        end=end,
        reason=reason[:300],
        created_by=actor[:150],
        created_at=timezone.now(),
    )
