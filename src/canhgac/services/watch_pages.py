"""What the console's watch pages, the watch API and the CLI show: the live board (every
monitor's state, the open alerts with their members, maintenance windows), the alert history with
its filters, one alert with its timeline, one monitor with its definition. The one place a
stored monitor, alert or maintenance window becomes what a reader is shown (``monitor_view``,
``alert_view``, ``window_views``): ``services.watch`` (the CLI) and the API build on them.

Reads go through the scoped queries. A grouped alert may list monitors of several agencies: an
agency officer sees only their own members, the problem said about one of them, and the
timeline without the steps of the other agencies' monitors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from canhgac.i18n.formats import display_zone
from canhgac.watch.edits import acceptable
from canhgac.watch.labels import label
from canhgac.watch.problems import describe

HISTORY_PAGE = 50
EARLIEST, LATEST = date(2000, 1, 1), date(9000, 1, 1)  # beyond: no bound (and no date overflow)
# the history's status filter: what each choice keeps
STATUS_FILTERS = ("", "open", "recovered", "acknowledged", "unacknowledged")
HEALTHS = ("down", "flapping", "unknown", "up")


@dataclass(frozen=True, slots=True)
class MonitorView:
    id: int
    key: str
    kind: str
    target: str
    port: int | None
    agency: str
    health: str
    since: datetime | None
    down_since: datetime | None
    checked_at: datetime | None
    problem_code: str
    problem: str  # said in the current language ("" when the last check passed)
    latency: float | None
    checks: int
    enabled: bool
    watched: bool
    interval: float
    holiday_interval: float | None
    holiday_start: datetime | None
    holiday_end: datetime | None
    edited_by: str
    edited_at: datetime | None
    alert_id: int | None  # the open alert about it
    acceptable: tuple[str, ...]  # baseline keys accepting its state would forget (() nothing)


@dataclass(frozen=True, slots=True)
class MemberView:
    monitor_key: str
    monitor_id: int | None
    kind: str
    target: str
    agency: str
    down: bool
    joined_at: datetime
    recovered_at: datetime | None


@dataclass(frozen=True, slots=True)
class StepView:
    kind: str
    at: datetime
    actor: str
    monitor: str  # the monitor's target it is about ("" none, or not the viewer's)
    text: str
    detail: Mapping[str, Any]  # the step as stored (machine formats: the CLI's JSON)


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    problem_code: str
    problem: str
    severity: str
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    recovered_at: datetime | None
    members: tuple[MemberView, ...]
    agencies: tuple[str, ...]
    timeline: tuple[StepView, ...]


@dataclass(frozen=True, slots=True)
class WindowView:
    id: int
    agency: str
    monitor: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
    ended_by: str
    active: bool
    planned: bool  # starts later


@dataclass(frozen=True, slots=True)
class Board:
    monitors: tuple[MonitorView, ...]
    counts: dict[str, int]
    alerts: tuple[AlertView, ...]
    windows: tuple[WindowView, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    agency: str = ""
    status: str = ""
    since: date | None = None  # opened on or after this day (Vietnam's clock)
    until: date | None = None  # opened on or before this day


@dataclass(frozen=True, slots=True)
class HistoryPage:
    alerts: tuple[AlertView, ...]
    page: int
    pages: int
    total: int


def _target_of(key: str) -> str:
    kind, _, rest = key.partition(":")
    return rest if kind in ("http", "tls_cert", "dns", "smtp", "blocklist", "findings", "logs") else key


def monitor_view(m: Any, alert_ids: Mapping[str, int]) -> MonitorView:
    return MonitorView(
        m.pk,
        m.key,
        m.kind,
        m.target,
        m.port,
        m.agency_code,
        m.health,
        m.since,
        m.down_since,
        m.checked_at,
        m.problem,
        describe(m.problem, m.values or {}) if m.problem else "",
        m.latency,
        m.checks,
        m.enabled,
        m.watched,
        m.interval,
        m.holiday_interval,
        m.holiday_start,
        m.holiday_end,
        m.edited_by,
        m.edited_at,
        alert_ids.get(m.alert_key) if m.alert_key else None,
        acceptable(m.problem, m.values or {}) if m.last_ok is False else (),
    )


CSIRT_STEPS = frozenset({"duty_notified", "escalated", "notified", "delivery_failed"})


def _step_text(kind: str, detail: Mapping[str, Any]) -> str:
    if kind == "acknowledged":
        return str(detail.get("note") or "")
    if kind == "baseline_accepted":
        return ", ".join(str(k) for k in detail.get("keys") or ())
    if kind == "flapping":
        return describe("flapping", detail)
    if kind == "grouped" and detail.get("problem"):
        return describe(str(detail["problem"]), detail)
    if kind in ("escalated", "duty_notified"):
        return ", ".join(str(p) for p in detail.get("persons") or ())
    if kind == "notified":
        return str(detail.get("channel") or "")
    if kind == "delivery_failed":
        return f"{detail.get('channel') or ''}: {detail.get('reason') or ''}"
    return ""


def alert_view(a: Any, scope: Any, *, whole: bool = False) -> AlertView:
    """An alert as ``scope`` may read it (its members prefetched under that scope). ``whole``: as
    stored, for the CLI, whose user sees everything and may only narrow the list to an agency:
    the problem as the alert opened, every step of its timeline."""
    from canhgac.console.store import queries

    members = list(a.members.all())
    keys = [m.monitor_key for m in members]
    found = queries.monitor_keys_of(scope, keys)
    shown = set(keys)
    values = dict(a.values or {})
    timeline = list(a.timeline.all())
    if not whole and not scope.allows(a.agency_code) and members:
        # said about the viewer's own member, as it joined
        own = members[0].monitor_key
        joined: dict[str, Any] = next(
            (dict(t.detail) for t in timeline if t.kind == "grouped" and t.detail.get("monitor") == own), {}
        )
        values = {
            "reason": "",
            **{k: v for k, v in joined.items() if k != "monitor"},
            "target": _target_of(own),
        }
    steps = []
    for t in timeline:
        if t.kind in CSIRT_STEPS and not scope.is_everything and not whole:
            continue  # the CSIRT's people and channels: as the roster and the deliveries, not an agency's
        detail = dict(t.detail or {})
        monitor = str(detail.get("monitor") or "")
        if monitor and monitor not in shown and not whole:
            if t.kind in ("grouped", "member_recovered"):
                continue  # another agency's monitor joined or recovered
            monitor = ""
        steps.append(
            StepView(
                t.kind,
                t.at,
                t.actor,
                _target_of(monitor) if monitor else "",
                _step_text(t.kind, detail),
                detail,
            )
        )
    return AlertView(
        a.pk,
        a.problem,
        describe(a.problem, values),
        a.severity,
        a.status,
        a.opened_at,
        a.acknowledged_at,
        a.acknowledged_by,
        a.recovered_at,
        tuple(
            MemberView(
                m.monitor_key,
                found[m.monitor_key].pk if m.monitor_key in found else None,
                found[m.monitor_key].kind if m.monitor_key in found else m.monitor_key.partition(":")[0],
                _target_of(m.monitor_key),
                m.agency_code,
                m.down,
                m.joined_at,
                m.recovered_at,
            )
            for m in members
        ),
        tuple(sorted({m.agency_code for m in members})),
        tuple(steps),
    )


def open_alert_ids(scope: Any) -> dict[str, int]:
    """The open alerts' ids by key (a monitor's ``alert_id``)."""
    from canhgac.console.store import queries

    return dict(queries.watch_alerts(scope, open_only=True).values_list("key", "pk"))


def window_views(rows: Iterable[Any], now: datetime) -> tuple[WindowView, ...]:
    return tuple(
        WindowView(
            w.pk,
            w.agency_code,
            w.monitor,
            w.start,
            w.end,
            w.reason,
            w.created_by,
            w.ended_by,
            w.start <= now < w.end,
            now < w.start,
        )
        for w in rows
    )


def monitor_list(scope: Any) -> list[MonitorView]:
    """Every monitor watched, enabled first, worst first, then by agency and target."""
    from canhgac.console.store import queries

    ids = open_alert_ids(scope)
    monitors = [monitor_view(m, ids) for m in queries.watch_monitors(scope)]
    order = {h: i for i, h in enumerate(HEALTHS)}
    monitors.sort(key=lambda m: (not m.enabled, order.get(m.health, 9), m.agency, m.kind, m.target))
    return monitors


def board(scope: Any, now: datetime, *, agency: str = "", problems_only: bool = False) -> Board:
    """Every monitor watched now, worst first (of one agency; only those not up and checked);
    the open alerts; windows not yet over. The counts are of every monitor shown or not."""
    from canhgac.console.store import queries

    scope = scope.narrowed([agency]) if agency else scope
    monitors = monitor_list(scope)
    counts = {h: sum(1 for m in monitors if m.health == h and m.enabled) for h in HEALTHS}
    counts["disabled"] = sum(1 for m in monitors if not m.enabled)
    if problems_only:
        monitors = [m for m in monitors if m.enabled and m.health in ("down", "flapping")]
    alerts = tuple(alert_view(a, scope) for a in queries.watch_alerts(scope, open_only=True))
    windows = window_views(queries.maintenance_windows(scope).filter(end__gt=now), now)
    return Board(tuple(monitors), counts, alerts, windows, now)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=display_zone())


def history(scope: Any, chosen: HistoryFilter, page: int) -> HistoryPage:
    """One page of the alerts the filter keeps, newest first."""
    from canhgac.console.store import queries

    since = chosen.since if chosen.since and chosen.since >= EARLIEST else None
    until = chosen.until if chosen.until and chosen.until < LATEST else None
    status = chosen.status if chosen.status in ("open", "recovered") else None
    acked = {"acknowledged": True, "unacknowledged": False}.get(chosen.status)
    rows = queries.alert_history(
        scope,
        agency=chosen.agency or None,
        status=status,
        opened_from=_day_start(since) if since else None,
        opened_before=_day_start(until + timedelta(days=1)) if until else None,
        acknowledged=acked,
    )
    total = rows.count()
    pages = max(1, -(-total // HISTORY_PAGE))
    page = min(max(page, 1), pages)
    chosen_rows = rows[(page - 1) * HISTORY_PAGE : page * HISTORY_PAGE]
    return HistoryPage(tuple(alert_view(a, scope) for a in chosen_rows), page, pages, total)


def alert_detail(scope: Any, alert_id: int) -> AlertView | None:
    from canhgac.console.store import queries

    if not -(2**63) <= alert_id < 2**63:
        return None
    found = queries.watch_alert(scope, alert_id)
    return alert_view(found, scope) if found is not None else None


def monitor_detail(
    scope: Any, monitor_id: int
) -> tuple[MonitorView, tuple[AlertView, ...], tuple[WindowView, ...]] | None:
    """A monitor, its latest alerts and the maintenance windows that name it or its agency."""
    from django.db.models import Q

    from canhgac.console.store import queries

    m = queries.watch_monitor(scope, monitor_id)
    if m is None:
        return None
    view = monitor_view(m, open_alert_ids(scope))
    alerts = queries.watch_alerts(scope).filter(members__monitor_key=m.key).distinct()[:20]
    windows = (
        queries.maintenance_windows(scope)
        .filter(Q(monitor__in=("", m.key, m.target)) & Q(agency_code__in=("", m.agency_code)))
        .order_by("-start")[:20]
    )
    from django.utils import timezone

    return view, tuple(alert_view(a, scope) for a in alerts), window_views(windows, timezone.now())


def maintenance_list(scope: Any, now: datetime, limit: int = 200) -> tuple[WindowView, ...]:
    """The windows the viewer may see, latest start first."""
    from canhgac.console.store import queries

    return window_views(queries.maintenance_windows(scope).order_by("-start")[:limit], now)


def agency_choices(scope: Any) -> list[tuple[str, str]]:
    """(code, name) of the agencies the viewer may see, for the filters and forms."""
    from canhgac.console.store import queries

    return [(a.code, a.name) for a in queries.agencies(scope)]


def watch_label(group: str, value: str, lang: str | None = None) -> str:
    """A stored word of the watch (health, status, step, kind) said in ``lang``."""
    return label(group, value, lang)
