"""The watch's delivery outbox and duty roster (issue 14). A delivery is one row per (alert
event or incident reminder, channel, address): the message as it was rendered for that person, and where its
delivery stands; a shift is one line of the roster.

A row is ``pending`` (due at ``next_attempt_at``), ``sending`` (leased to ``lease_owner`` until
``lease_until``), ``sent`` or ``failed`` (given up). The unique (event, channel, address) makes
queueing idempotent; ``token`` is the nonce of the row's signed acknowledgement link, which
``link_used_at`` spends (the link works once). ``uncertain`` counts attempts whose lease expired
mid-send (the process died): the message may have left, and was sent again (docs/watch.md).
"""

from __future__ import annotations

from django.db import models

from canhgac.console.store.watch_models import WatchAlert


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENDING = "sending", "sending"
    SENT = "sent", "sent"
    FAILED = "failed", "given up"


class WatchDelivery(models.Model):
    event = models.ForeignKey("store.Event", on_delete=models.CASCADE, related_name="deliveries")
    # what the message is about: a watch alert, or an incident (its initial-report reminders)
    alert = models.ForeignKey(WatchAlert, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="deliveries")
    incident = models.ForeignKey("store.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="deliveries")
    kind = models.CharField(max_length=64)  # the event's kind (alert.opened...)
    channel = models.CharField(max_length=16)  # email, telegram, webhook
    recipient = models.CharField(max_length=150)  # the person's name
    address = models.CharField(max_length=600)  # e-mail address, chat id, URL
    language = models.CharField(max_length=8, default="vi")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    data = models.JSONField(default=dict)  # the webhook's JSON fields
    token = models.CharField(max_length=32, unique=True)  # the acknowledgement link's nonce
    status = models.CharField(max_length=16, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    uncertain = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["event", "channel", "address"], name="store_delivery_once_uniq"),
        )
        indexes = (models.Index(fields=["status", "id"], name="store_delivery_status_idx"),)

    def __str__(self) -> str:
        return f"delivery {self.pk} {self.kind} {self.channel}:{self.address} {self.status}"


class DutyShift(models.Model):
    """One shift of the duty roster (imported from the department's CSV): who holds which role
    (on-duty, backup, lead, head) from ``start`` to ``end``, and how to reach them."""

    person = models.CharField(max_length=150)
    role = models.CharField(max_length=16)
    start = models.DateTimeField()
    end = models.DateTimeField()
    email = models.CharField(max_length=300, blank=True)
    telegram = models.CharField(max_length=64, blank=True)
    webhook = models.CharField(max_length=600, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, default="vi")
    source = models.CharField(max_length=300, blank=True)  # the CSV's file name
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = (models.Index(fields=["start", "end"], name="store_dutyshift_span_idx"),)

    def __str__(self) -> str:
        return f"{self.person} {self.role} {self.start:%Y-%m-%d %H:%M}-{self.end:%Y-%m-%d %H:%M}"
