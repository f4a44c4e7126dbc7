"""The watch's delivery outbox (issue 14): one row per (alert event, channel, address), the
message as it was rendered for that person, and where its delivery stands.

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
    alert = models.ForeignKey(WatchAlert, on_delete=models.CASCADE, related_name="deliveries")
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
