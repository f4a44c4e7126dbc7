"""The watch's rows for the console's and the API's cases: monitors of agencies A and B, an
alert of each, one grouped alert listing a monitor of each (opened by A's), a DNS monitor of B
whose MX changed (a possible hijack, with its open alert), and a maintenance window of A.
Imported after ``setup_django``; the callers roll back or commit as their fixtures do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from web_store_support import A, B

from canhgac.console.store.watch_models import (
    WatchAlert,
    WatchAlertEntry,
    WatchAlertMember,
    WatchMaintenance,
    WatchMonitor,
)

AT = datetime(2026, 2, 5, 1, 0, tzinfo=UTC)  # Tết 2026: before any test's now
A_PORTAL = "https://www.alpha.gov.vn/"
B_PORTAL = "https://www.beta.gov.vn/"
B_MAIL = "https://mail.beta.gov.vn/"
B_DOMAIN = "beta.gov.vn"
DNS_BASELINE = {"NS": ["ns1.beta.gov.vn."], "MX": ["10 mx.beta.gov.vn."], "A": ["192.0.2.7"]}


@dataclass(frozen=True)
class WatchRows:
    monitors: dict[str, int]  # target -> monitor id
    alert_a: int  # A's portal down, open
    alert_b: int  # B's webmail down, recovered, acknowledged
    grouped: int  # opened by A's portal, B's portal joined: open
    hijack: int  # B's MX changed: open
    window_a: int  # a maintenance window of A, in effect until far ahead


def _monitor(kind: str, target: str, agency: str, **state: object) -> WatchMonitor:
    key = f"{kind}:{target}" + (f":{state['port']}" if state.get("port") else "")
    return WatchMonitor.objects.create(key=key, kind=kind, target=target, agency_code=agency, **state)  # type: ignore[arg-type]


def _alert(
    monitor: WatchMonitor,
    problem: str,
    severity: str,
    values: dict[str, object],
    *,
    at: datetime,
    cause: str = "",
) -> WatchAlert:
    alert = WatchAlert.objects.create(
        key=f"{monitor.key}@{at.isoformat()}",
        problem=problem,
        severity=severity,
        monitor_key=monitor.key,
        agency_code=monitor.agency_code,
        cause=cause,
        values=values,
        opened_at=at,
    )
    WatchAlertMember.objects.create(
        alert=alert, monitor_key=monitor.key, agency_code=monitor.agency_code, joined_at=at
    )
    WatchAlertEntry.objects.create(
        alert=alert, kind="opened", at=at, detail={"monitor": monitor.key, **values}
    )
    monitor.alert_key = alert.key
    monitor.save(update_fields=["alert_key"])
    return alert


def seed_watch() -> WatchRows:
    down = {
        "health": "down",
        "last_ok": False,
        "since": AT,
        "down_since": AT,
        "checked_at": AT,
        "failures": 3,
        "checks": 40,
        "latency": 5.0,
        "problem": "down",
    }
    a_portal = _monitor(
        "http",
        A_PORTAL,
        A,
        values={"target": A_PORTAL, "reason": "refused: 192.0.2.10"},
        cause="net:192.0.2.0/24",
        **down,
    )
    b_portal = _monitor(
        "http",
        B_PORTAL,
        B,
        values={"target": B_PORTAL, "reason": "refused: 192.0.2.11"},
        cause="net:192.0.2.0/24",
        **down,
    )
    b_mail = _monitor(
        "http", B_MAIL, B, health="up", last_ok=True, since=AT, checked_at=AT, checks=41, latency=0.042
    )
    b_dns = _monitor(
        "dns",
        B_DOMAIN,
        B,
        health="down",
        last_ok=False,
        since=AT,
        down_since=AT,
        checked_at=AT,
        failures=2,
        checks=12,
        latency=0.01,
        problem="dns_hijack",
        values={
            "target": B_DOMAIN,
            "record": "MX",
            "before": "10 mx.beta.gov.vn.",
            "after": "10 mx.evil.example.",
        },
        baseline=DNS_BASELINE,
    )
    _monitor("smtp", "mx.alpha.gov.vn", A, health="unknown", port=25)
    grouped = _alert(a_portal, "down", "high", dict(a_portal.values), at=AT, cause="net:192.0.2.0/24")
    WatchAlertMember.objects.create(
        alert=grouped, monitor_key=b_portal.key, agency_code=B, joined_at=AT + timedelta(minutes=1)
    )
    WatchAlertEntry.objects.create(
        alert=grouped,
        kind="grouped",
        at=AT + timedelta(minutes=1),
        detail={"monitor": b_portal.key, "problem": "down", **b_portal.values},
    )
    b_portal.alert_key = grouped.key
    b_portal.save(update_fields=["alert_key"])
    earlier = AT - timedelta(days=3)
    alert_a = _alert(a_portal, "slow", "medium", {"target": A_PORTAL, "latency": 12.5}, at=earlier)
    alert_a.status, alert_a.recovered_at = "recovered", earlier + timedelta(hours=1)
    alert_a.save()
    a_portal.alert_key = grouped.key
    a_portal.save(update_fields=["alert_key"])
    alert_b = _alert(b_mail, "down", "high", {"target": B_MAIL, "reason": "HTTP 503"}, at=earlier)
    WatchAlert.objects.filter(pk=alert_b.pk).update(
        status="recovered",
        recovered_at=earlier + timedelta(hours=2),
        acknowledged_at=earlier + timedelta(minutes=5),
        acknowledged_by="analyst",
    )
    WatchAlertEntry.objects.create(
        alert=alert_b,
        kind="acknowledged",
        at=earlier + timedelta(minutes=5),
        actor="analyst",
        detail={"note": "đã gọi nhà cung cấp"},
    )
    WatchAlertEntry.objects.create(
        alert=alert_b, kind="recovered", at=earlier + timedelta(hours=2), detail={"monitor": b_mail.key}
    )
    b_mail.alert_key = ""
    b_mail.save(update_fields=["alert_key"])
    hijack = _alert(b_dns, "dns_hijack", "critical", dict(b_dns.values), at=AT)
    window = WatchMaintenance.objects.create(
        agency_code=A,
        start=datetime.now(UTC) - timedelta(hours=1),
        end=AT + timedelta(days=3650),
        reason="nâng cấp",
        created_by="admin",
        created_at=AT,
    )
    ids = dict(WatchMonitor.objects.values_list("target", "pk"))
    return WatchRows(ids, alert_a.pk, alert_b.pk, grouped.pk, hijack.pk, window.pk)
