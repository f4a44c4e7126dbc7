"""The holiday watch's tables (issue 14): monitors with their state and baseline, alerts with
their members and timeline, maintenance windows.

A monitor's definition (kind, target, agency, interval, holiday window, enabled) and its state
(health, counters, the baseline it is judged against, the open alert) share one row, written
after each check in the same transaction as the alerts that check caused. Kinds, problems,
health and timeline entries are text validated in Python (``canhgac.watch``): a new one needs no
migration. An alert's ``key`` is its idempotency key (the monitor and the start of its failing
run): a check repeated after a crash finds it and opens nothing twice.
"""

from __future__ import annotations

from django.db import models


class WatchMonitor(models.Model):
    key = models.CharField(max_length=700, unique=True)
    kind = models.CharField(max_length=32)
    target = models.CharField(max_length=600)
    port = models.PositiveIntegerField(null=True, blank=True)
    agency_code = models.CharField(max_length=64, blank=True)
    interval = models.FloatField(default=60.0)
    holiday_interval = models.FloatField(null=True, blank=True)
    holiday_start = models.DateTimeField(null=True, blank=True)
    holiday_end = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    watched = models.BooleanField(default=True)  # among the monitors of the last daemon start
    # the console's edits: once edited, the definition (enabled, intervals, holiday window) is the
    # console's and a daemon start from the inventory keeps it; ``revision`` tells a running
    # daemon there is something to read, ``forget`` the baseline keys its last edit accepted anew
    revision = models.PositiveIntegerField(default=0)
    edited_by = models.CharField(max_length=150, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    forget = models.JSONField(default=dict)  # {"revision": n, "keys": [...]} of the last acceptance
    # state, written after each check
    health = models.CharField(max_length=16, default="unknown")
    failures = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)
    last_ok = models.BooleanField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    down_since = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=32, blank=True)
    values = models.JSONField(default=dict)
    cause = models.CharField(max_length=100, blank=True)
    flips = models.JSONField(default=list)
    alert_key = models.CharField(max_length=800, blank=True)
    checks = models.PositiveBigIntegerField(default=0)
    latency = models.FloatField(null=True, blank=True)
    baseline = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["agency_code", "key"], name="store_watchmon_agency_idx"),)

    def __str__(self) -> str:
        return f"monitor {self.key} {self.health}"


class WatchAlert(models.Model):
    key = models.CharField(max_length=800, unique=True)
    problem = models.CharField(max_length=32)
    severity = models.CharField(max_length=16)
    monitor_key = models.CharField(max_length=700)  # the monitor that opened it
    agency_code = models.CharField(max_length=64, blank=True)  # the opener's agency
    cause = models.CharField(max_length=100, blank=True)  # what grouped members share ("" none)
    values = models.JSONField(default=dict)
    status = models.CharField(max_length=16, default="open")  # open, recovered
    opened_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["status", "id"], name="store_watchalert_status_idx"),)

    def __str__(self) -> str:
        return f"alert {self.pk} {self.problem} {self.status}"


class WatchAlertMember(models.Model):
    """A monitor an alert lists (the opener, and each failure grouped into it)."""

    alert = models.ForeignKey(WatchAlert, on_delete=models.CASCADE, related_name="members")
    monitor_key = models.CharField(max_length=700)
    agency_code = models.CharField(max_length=64, blank=True)
    down = models.BooleanField(default=True)
    joined_at = models.DateTimeField()
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["alert", "monitor_key"], name="store_watchmember_uniq"),
        )
        indexes = (models.Index(fields=["agency_code", "alert"], name="store_watchmember_agency_idx"),)


class WatchAlertEntry(models.Model):
    """One step of an alert's timeline: opened, grouped, flapping, acknowledged, escalated,
    member_recovered, recovered."""

    alert = models.ForeignKey(WatchAlert, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=32)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ("at", "id")


class WatchMaintenance(models.Model):
    """No alert opens for the agency (or the one monitor) between ``start`` and ``end``."""

    agency_code = models.CharField(max_length=64, blank=True)  # "" every agency
    monitor = models.CharField(max_length=700, blank=True)  # a monitor key or target; "" all
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    ended_by = models.CharField(max_length=150, blank=True)  # who ended it early ("" nobody)
    ended_at = models.DateTimeField(null=True, blank=True)
