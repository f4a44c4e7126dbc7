"""The incidents' tables (issue 15): an incident with the fields forms 03, 04 and 05 need, its
timeline, its links (alerts, findings, assets, indicators) and who was told when.

States, sources, kinds, parties and channels are text validated in Python
(``canhgac.incidents.model``): a new one needs no migration. ``report_due_at`` is the
initial report's deadline computed when the incident is written (``canhgac.incidents.clock``),
so lists sort and filter on it; ``reported_at`` stops the clock. The timeline is append-only.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class TimelineAppendOnlyError(Exception):
    """An incident's timeline entry updated or deleted: the timeline is append-only."""


class Incident(models.Model):
    agency_code = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)  # form 03 "mô tả sơ bộ"
    source = models.CharField(max_length=16)  # alert, finding, phone, email, other
    source_detail = models.CharField(max_length=600, blank=True)  # the caller, the mail's sender...
    category = models.CharField(max_length=32, blank=True)  # a form-05 type code ("" not yet)
    severity = models.CharField(max_length=16, default="medium")
    state = models.CharField(max_length=16, default="new")
    detected_at = models.DateTimeField()
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # the reporting clock
    beyond_capacity = models.BooleanField(default=False)
    beyond_capacity_at = models.DateTimeField(null=True, blank=True)
    report_due_at = models.DateTimeField()
    report_due_immediate = models.BooleanField(default=False)
    reported_at = models.DateTimeField(null=True, blank=True)  # the initial report went to every party
    due_warned_for = models.DateTimeField(null=True, blank=True)  # the deadline a due warning was sent for
    overdue_warned_for = models.DateTimeField(null=True, blank=True)
    # form 03 / 04 / 05 details (keys documented in docs/incidents.md)
    contact = models.JSONField(default=dict)  # name, position, phone, email
    system = models.JSONField(default=dict)  # name, level, operator, owner_agency, os, services...
    detection_methods = models.JSONField(default=list)  # ids, logs, notified, other
    attachments = models.JSONField(default=list)
    confidential = models.BooleanField(default=False)
    support_request = models.TextField(blank=True)
    initial_report_ref = models.CharField(max_length=100, blank=True)  # the form 03's number
    result = models.TextField(blank=True)  # form 04's "kết quả xử lý"
    handled_by = models.CharField(max_length=32, blank=True)  # in_house, domestic_help, foreign_help
    support_from_coordinator = models.BooleanField(default=False)
    helpers = models.JSONField(default=list)  # organisations that helped
    estimated_damage = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = (
            models.Index(fields=["agency_code", "id"], name="store_incident_agency_idx"),
            models.Index(fields=["state", "report_due_at"], name="store_incident_due_idx"),
        )

    def __str__(self) -> str:
        return f"incident {self.pk} {self.agency_code} {self.state}: {self.title}"


class _AppendOnly(models.QuerySet["IncidentEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TimelineAppendOnlyError("the incident timeline is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TimelineAppendOnlyError("the incident timeline is append-only")


class IncidentEntry(models.Model):
    """One line of the timeline: opened, progress, plan, request, note, state, notification,
    link, capacity, reminder; ``author`` and ``at`` say who wrote it when."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=16)
    at = models.DateTimeField()
    author = models.CharField(max_length=150, blank=True)
    text = models.TextField(blank=True)
    detail = models.JSONField(default=dict)

    objects = _AppendOnly.as_manager()

    class Meta:
        ordering = ("at", "id")
        indexes = (models.Index(fields=["incident", "at"], name="store_incentry_time_idx"),)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TimelineAppendOnlyError("the incident timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TimelineAppendOnlyError("the incident timeline is append-only")


class IncidentLink(models.Model):
    """What the incident is about: a watch alert (its id), a finding (its fingerprint), an asset
    (``kind:value``) or an indicator (``type:value``, with a note)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=16)
    ref = models.CharField(max_length=700)
    note = models.CharField(max_length=500, blank=True)
    added_at = models.DateTimeField()
    added_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["incident", "kind", "ref"], name="store_inclink_uniq"),
        )
        indexes = (models.Index(fields=["kind", "ref"], name="store_inclink_ref_idx"),)


class IncidentNotification(models.Model):
    """Someone told of the incident: the party (owner agency, response unit, national
    coordinator, other), who exactly, how, when; ``initial_report`` when it carried the initial
    report (form 03)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    party = models.CharField(max_length=32)
    recipient = models.CharField(max_length=300)
    channel = models.CharField(max_length=16)
    sent_at = models.DateTimeField()
    reference = models.CharField(max_length=100, blank=True)  # the letter's number, a message id
    initial_report = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("sent_at", "id")
