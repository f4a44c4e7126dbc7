"""Tables of the console's accounts: a user's role and language, their agencies, the security log.

Users and passwords are Django's (``django.contrib.auth``: hashed, validated); this adds what
canhgac needs around them. A role is stored as text and validated in Python (``roles.Role``),
as is a security event's kind, so a new one needs no migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ConsoleAccount(models.Model):
    """What the console knows of a Django user: role, language, whether TOTP is required."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="console_account")
    role = models.CharField(max_length=32)  # a ``roles.Role`` value, validated in Python
    language = models.CharField(max_length=8, default="vi")
    totp_required = models.BooleanField(default=False)  # set by an admin: no page before enrolment

    def __str__(self) -> str:
        return f"{self.user_id} {self.role}"


class UserAgency(models.Model):
    """An agency officer's binding to one agency: they see and act on bound agencies only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="agency_bindings")
    agency = models.ForeignKey("store.Agency", on_delete=models.CASCADE, related_name="officers")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["user", "agency"], name="store_useragency_uniq"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.agency_id}"


class SecurityEventKind(models.TextChoices):
    """What the security log records; stored as text (a new kind needs no migration)."""

    LOGIN = "login", "login"
    LOGIN_FAILED = "login.failed", "login failed"
    LOCKED_OUT = "login.locked_out", "locked out"
    TOTP_FAILED = "totp.failed", "TOTP code refused"
    TOTP_ENROLLED = "totp.enrolled", "TOTP enrolled"
    LOGOUT = "logout", "logout"
    USER_CREATED = "user.created", "user created"
    ROLE_CHANGED = "user.role_changed", "role changed"
    USER_DISABLED = "user.disabled", "user disabled"
    USER_ENABLED = "user.enabled", "user enabled"
    TOTP_REQUIRED = "user.totp_required", "TOTP requirement changed"
    PASSWORD_CHANGED = "password.changed", "password changed"
    PASSWORD_LINK_CREATED = "password.link_created", "set-password link created"
    PASSWORD_SET_BY_LINK = "password.set_by_link", "password set through a link"
    EXPORT = "export", "export"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    API_TRIAGE = "api.triage", "finding triaged through the API"
    INVENTORY_APPLIED = "inventory.applied", "inventory applied"
    SCAN_LAUNCHED = "scan.launched", "scan launched"
    RETEST_LAUNCHED = "retest.launched", "retest launched"
    WATCH_ALERT_ACKNOWLEDGED = "watch.alert_acknowledged", "watch alert acknowledged"
    WATCH_MONITOR_EDITED = "watch.monitor_edited", "watch monitor edited"
    INCIDENT_OPENED = "incident.opened", "incident opened"
    INCIDENT_CHANGED = "incident.changed", "incident changed (state, capacity, details)"
    INCIDENT_WRITTEN = "incident.written", "incident timeline entry written"
    INCIDENT_LINKED = "incident.linked", "incident linked"
    INCIDENT_NOTIFIED = "incident.notified", "incident notification recorded"
    WATCH_BASELINE_ACCEPTED = "watch.baseline_accepted", "watch baseline accepted"
    WATCH_MAINTENANCE_ADDED = "watch.maintenance_added", "maintenance window planned"
    WATCH_MAINTENANCE_ENDED = "watch.maintenance_ended", "maintenance window ended"
    WATCH_ROSTER_IMPORTED = "watch.roster_imported", "duty roster imported"
    WATCH_DELIVERY_REQUEUED = "watch.delivery_requeued", "alert message queued again"
    INDICATORS_IMPORTED = "indicators.imported", "indicator pack imported"
    INDICATORS_EXPORTED = "indicators.exported", "incident indicators exported"
    COMPLIANCE_ANSWERED = "compliance.answered", "directive item answered"
    COMPLIANCE_REVIEWED = "compliance.reviewed", "directive answer approved or rejected"
    COMPLIANCE_REFUSED = "compliance.refused", "directive item refused (out of scope, bad file)"
    CAMPAIGN_STEP = "campaign.step", "campaign step recorded"
    CAMPAIGN_REOPENED = "campaign.reopened", "campaign case reopened"
    CAMPAIGN_LETTER = "campaign.letter", "campaign letter generated or sent"
    CAMPAIGN_REFUSED = "campaign.refused", "campaign action refused (out of scope, role)"


class SecurityEvent(models.Model):
    """One security-relevant act: who (``actor``) did what (``kind``) to which account, from where."""

    created_at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    username = models.CharField(max_length=150, blank=True)  # the account concerned, as typed
    actor = models.CharField(max_length=150, blank=True)  # who did it: a user, or cli:<os user>
    address = models.CharField(max_length=64, blank=True)  # the client's address, for web acts
    detail = models.JSONField(default=dict)

    class Meta:
        indexes = (
            models.Index(fields=["created_at"], name="store_secevent_time_idx"),
            models.Index(fields=["kind", "created_at"], name="store_secevent_kind_idx"),
            models.Index(fields=["username", "created_at"], name="store_secevent_user_idx"),
        )

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
