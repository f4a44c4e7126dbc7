"""Tables of the findings store: inventory mirror, runs, their results, findings, changes.

Results are an append-only log of what each run observed; a finding is the lifecycle of one
fingerprint across runs (one state field, ``lifecycle``) plus its triage, which rescans never
touch. ``FindingChange`` records every lifecycle transition so that "what changed between two
runs" is a query, not a replay; ``TriageChange`` is the append-only audit log of triage.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

# the console's accounts live in their own module; imported here so that Django registers them
from canhgac.console.store.account_models import (  # noqa: F401
    ConsoleAccount,
    SecurityEvent,
    SecurityEventKind,
    UserAgency,
)
from canhgac.console.store.api_token_models import ApiToken  # noqa: F401
from canhgac.console.store.campaign_models import CampaignLetter, CampaignRecord  # noqa: F401
from canhgac.console.store.compliance_models import (  # noqa: F401
    ComplianceAnswer,
    ComplianceEvidence,
    ComplianceHistory,
)
from canhgac.console.store.delivery_models import DutyShift, WatchDelivery  # noqa: F401
from canhgac.console.store.incident_models import (  # noqa: F401
    Incident,
    IncidentEntry,
    IncidentLink,
    IncidentNotification,
)
from canhgac.console.store.indicator_models import IndicatorPack, PackIndicator  # noqa: F401
from canhgac.console.store.inventory_models import InventoryDocument, InventorySource  # noqa: F401
from canhgac.console.store.launch_models import ScanLaunch  # noqa: F401
from canhgac.console.store.leak_models import BreachImport, LeakedAccount  # noqa: F401
from canhgac.console.store.shard_models import ScanShard  # noqa: F401
from canhgac.console.store.sweep_models import SweepHost, SweepRun  # noqa: F401
from canhgac.console.store.watch_lease_models import WatchHolder, WatchLease  # noqa: F401
from canhgac.console.store.watch_models import (  # noqa: F401
    WatchAlert,
    WatchAlertEntry,
    WatchAlertMember,
    WatchMaintenance,
    WatchMonitor,
)
from canhgac.console.store.watch_scan_models import WatchScanSlot  # noqa: F401
from canhgac.findings.reconcile import Lifecycle


class TargetKind(models.TextChoices):
    """Mirror of ``canhgac.engine.targets.TargetKind`` (a test keeps them equal).

    Not used as database choices: target kinds are stored as text and validated in Python
    (the engine's enum), so a new kind (a swept host, a log source) needs no migration.
    """

    DOMAIN = "domain", "domain"
    MAIL_HOST = "mail_host", "mail host"
    URL = "url", "URL"
    RANGE = "range", "address range"
    SERVICE = "service", "service"
    HOST = "host", "host"
    ACCOUNT = "account", "account"
    ENDPOINT = "endpoint", "swept computer"
    LOG = "log", "agency's logs"


class RunStatus(models.TextChoices):
    RUNNING = "running", "running"
    FINISHED = "finished", "finished"
    FAILED = "failed", "failed"
    INTERRUPTED = "interrupted", "interrupted"


class ResultStatus(models.TextChoices):
    """Mirror of ``canhgac.engine.results.Status``."""

    PASS = "pass", "pass"
    FAIL = "fail", "fail"
    ERROR = "error", "error"
    NOT_APPLICABLE = "not_applicable", "not applicable"


# The findings lifecycle's own enum, not a copy: its values are the stored choices.
LIFECYCLE_CHOICES = [(state.value, state.value) for state in Lifecycle]


class ChangeKind(models.TextChoices):
    """Mirror of ``canhgac.findings.reconcile.ChangeKind`` minus ``unchanged`` (never stored)."""

    NEW = "new", "new"
    STILL_OPEN = "still_open", "still open"
    FIXED = "fixed", "fixed"
    REOPENED = "reopened", "reopened"


class Triage(models.TextChoices):
    UNTRIAGED = "untriaged", "untriaged"
    CONFIRMED = "confirmed", "confirmed"
    ACCEPTED_RISK = "accepted_risk", "accepted risk"
    FALSE_POSITIVE = "false_positive", "false positive"


class Agency(models.Model):
    """A state agency of the inventory; kept (inactive) when it leaves the inventory."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetOrigin(models.TextChoices):
    DECLARED = "declared", "declared in the inventory"
    DISCOVERED = "discovered", "discovered by a scan"


class Asset(models.Model):
    """Something an agency declares for scanning, or a host a scan found in its declared ranges;
    one owner per kind and value. Discovered hosts say when they were first and last seen."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=16)  # a TargetKind value, validated in Python
    value = models.CharField(max_length=512)
    origin = models.CharField(max_length=16, choices=AssetOrigin.choices, default=AssetOrigin.DECLARED)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(
        "ScanRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the latest run that scanned this host: its services seen in that run are open now

    class Meta:
        constraints = (models.UniqueConstraint(fields=["kind", "value"], name="store_asset_kind_value_uniq"),)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ScanRun(models.Model):
    """One scan: what ran, with which versions, parameters and filters, and how it ended."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    provenance = models.JSONField(default=dict)
    parameters = models.JSONField(default=dict)
    filters = models.JSONField(default=dict)
    target_count = models.PositiveIntegerField(default=0)
    result_count = models.PositiveIntegerField(default=0)
    resolver = models.CharField(max_length=300, blank=True)
    # what the operator should know about the run's own set-up, one line each (e.g. a DNS
    # blocklist that failed its liveness test and was left out), in the scan's language
    warnings = models.JSONField(default=list)
    # who runs it: a run left ``running`` by a process that is gone is closed as interrupted
    owner_host = models.CharField(max_length=255, blank=True)
    owner_pid = models.PositiveIntegerField(null=True, blank=True)
    owner_started = models.CharField(max_length=80, blank=True)  # boot id and start tick of the process

    class Meta:
        indexes = (models.Index(fields=["status", "finished_at"], name="store_run_status_fin_idx"),)

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class Result(models.Model):
    """One check on one target in one run, as observed; never edited afterwards."""

    run = models.ForeignKey(ScanRun, on_delete=models.CASCADE, related_name="results")
    check_id = models.CharField(max_length=128)
    target_key = models.CharField(max_length=600)
    target_kind = models.CharField(max_length=16)  # a TargetKind value, validated in Python
    agency_code = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    message_key = models.CharField(max_length=128)
    message_values = models.JSONField(default=dict)
    evidence = models.JSONField(default=dict)
    error_reason = models.CharField(max_length=32, blank=True)
    discriminator = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=32, db_index=True)
    observed_at = models.DateTimeField()
    duration_ms = models.FloatField(default=0.0)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["run", "fingerprint"], name="store_result_run_fp_uniq"),
        )
        indexes = (
            models.Index(fields=["run", "agency_code", "status"], name="store_result_run_ag_idx"),
            models.Index(fields=["run", "status"], name="store_result_run_status_idx"),
            models.Index(fields=["run", "check_id"], name="store_result_run_check_idx"),
        )

    def __str__(self) -> str:
        return f"{self.check_id} {self.target_key}: {self.status}"


class Finding(models.Model):
    """The lifecycle and triage of one fingerprint (check + target + discriminator)."""

    fingerprint = models.CharField(max_length=32, unique=True)
    check_id = models.CharField(max_length=128)
    target_key = models.CharField(max_length=600)
    agency_code = models.CharField(max_length=64)
    lifecycle = models.CharField(max_length=16, choices=LIFECYCLE_CHOICES)
    first_seen_run = models.ForeignKey(ScanRun, on_delete=models.PROTECT, related_name="+")
    last_seen_run = models.ForeignKey(ScanRun, on_delete=models.PROTECT, related_name="+")
    fixed_in_run = models.ForeignKey(
        ScanRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="+")
    triage = models.CharField(max_length=16, choices=Triage.choices, default=Triage.UNTRIAGED)
    assignee = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = (
            models.Index(fields=["agency_code", "lifecycle"], name="store_finding_ag_life_idx"),
            models.Index(fields=["lifecycle", "triage"], name="store_finding_life_tri_idx"),
            # the lists' keys: their filters' lifecycles, the tie-breakers of every order and the
            # check (counted per severity), read from the index alone, not from the table's rows
            models.Index(fields=["lifecycle", "agency_code", "check_id", "target_key", "fingerprint"],
                         name="store_finding_list_keys_idx"),
            # the newest write of any finding, read by ``queries.state_stamp``
            models.Index(fields=["updated_at"], name="store_finding_updated_idx"),
            # findings counted per check (``queries.findings_window``): a filter's checks sought
            # in the index, not every finding of the lifecycles scanned and grouped
            models.Index(fields=["lifecycle", "check_id"], name="store_finding_life_check_idx"),
            # every finding in the lists' agency order (a list of every lifecycle filters nothing):
            # a deep page is read along the index, not sorted whole
            models.Index(fields=["agency_code", "check_id", "target_key", "fingerprint"],
                         name="store_finding_order_idx"),
        )

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]} {self.check_id} {self.target_key}: {self.lifecycle}"

    @property
    def accepted_until(self) -> date | None:
        """The last day its accepted risk holds (``RiskAcceptance``); None: none, or no end."""
        try:
            return self.acceptance.until  # type: ignore[no-any-return]
        except ObjectDoesNotExist:
            return None


class RiskAcceptance(models.Model):
    """The last day a finding's accepted risk holds (Vietnam's calendar); after it the finding
    counts as untriaged (``findings.triage.effective_triage``). Present only while the triage is
    ``accepted_risk`` with an end; kept beside the finding so its table is unchanged."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="acceptance")
    until = models.DateField()

    def __str__(self) -> str:
        return f"{self.finding_id} accepted until {self.until}"


class FindingChange(models.Model):
    """One lifecycle transition of a finding, made by the reconciliation of one run."""

    run = models.ForeignKey(ScanRun, on_delete=models.PROTECT, related_name="changes")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    before = models.CharField(max_length=16, choices=LIFECYCLE_CHOICES, blank=True)
    after = models.CharField(max_length=16, choices=LIFECYCLE_CHOICES)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["run", "finding"], name="store_change_run_finding_uniq"),
        )

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.kind}"


class TriageField(models.TextChoices):
    """What a triage decision can change on a finding."""

    TRIAGE = "triage", "triage"
    ASSIGNEE = "assignee", "assignee"
    NOTE = "note", "note"
    ACCEPTED_UNTIL = "accepted_until", "accepted until"


class AppendOnlyError(Exception):
    """An audit row was to be edited or deleted: the log only grows."""


class AppendOnlyQuerySet(models.QuerySet["TriageChange"]):
    """Rows are inserted and read; a bulk update or delete is refused like a single one."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the audit log is append-only: its rows cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only: its rows cannot be deleted")


class TriageChange(models.Model):
    """One field of one finding changed by one triage decision: who, when, old and new value.

    Written in the transaction of the decision (``services.triage``); a decision that changes
    nothing is one ``triage`` row with equal values (the re-confirmation is itself recorded).
    Rows are never edited or deleted (``save`` of a stored row and ``delete`` refuse), and the
    finding they describe cannot be deleted while they exist (PROTECT).
    """

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="triage_changes")
    actor = models.CharField(max_length=150)
    at = models.DateTimeField()
    field = models.CharField(max_length=16, choices=TriageField.choices)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = (models.Index(fields=["finding", "at"], name="store_triagechange_fd_at_idx"),)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"triage change {self.pk} is stored: the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"triage change {self.pk}: the audit log is append-only")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.field}: {self.before!r} -> {self.after!r} by {self.actor}"


class EventKind(models.TextChoices):
    """What happened, as the outbox's consumers (alerts, live pages) react to it.

    Stored as plain text without database choices: a new kind needs no migration; the outbox
    refuses an unknown kind when it writes (``outbox.write``).
    """

    FINDING_OPENED = "finding.opened", "finding opened"
    FINDING_FIXED = "finding.fixed", "finding fixed"
    FINDING_REOPENED = "finding.reopened", "finding reopened"
    FINDING_SEVERITY_CHANGED = "finding.severity_changed", "finding severity changed"
    SCAN_FINISHED = "scan.finished", "scan finished"
    SCAN_FAILED = "scan.failed", "scan failed"
    SCAN_INTERRUPTED = "scan.interrupted", "scan interrupted"
    TARGET_UNREACHABLE = "target.unreachable", "target unreachable"
    ALERT_OPENED = "alert.opened", "alert opened"
    ALERT_GROUPED = "alert.grouped", "monitor added to an alert"
    ALERT_FLAPPING = "alert.flapping", "alert flapping"
    ALERT_ACKNOWLEDGED = "alert.acknowledged", "alert acknowledged"
    ALERT_RECOVERED = "alert.recovered", "alert recovered"
    ALERT_ESCALATED = "alert.escalated", "alert sent to the people on duty (escalation, hand-over)"
    INCIDENT_OPENED = "incident.opened", "incident opened"
    INCIDENT_REPORT_DUE = "incident.report_due", "incident's initial report due (soon, or at once)"
    INCIDENT_REPORT_OVERDUE = "incident.report_overdue", "incident's initial report overdue"
    INCIDENT_SUMMARY_DUE = "incident.summary_due", "the half-year or annual summary (form 05) due soon"


class Event(models.Model):
    """One state change others react to, written once in the transaction that made it (outbox).

    ``subject`` names what the event is about within its run (a fingerprint, a target key, or
    empty for the run itself); (kind, run, subject) is unique, so writing a run's events again
    writes nothing twice.
    """

    kind = models.CharField(max_length=64)
    run = models.ForeignKey(ScanRun, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    subject = models.CharField(max_length=600, blank=True)
    agency_code = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["kind", "run", "subject"], name="store_event_once_uniq"),
        )
        indexes = (
            models.Index(fields=["agency_code", "id"], name="store_event_agency_idx"),
            models.Index(fields=["kind", "id"], name="store_event_kind_idx"),
        )

    def __str__(self) -> str:
        return f"event {self.pk} {self.kind} {self.subject}"


class EventCursor(models.Model):
    """How far one consumer of the outbox has got: the id of the last event it handled."""

    consumer = models.CharField(max_length=100, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.consumer} at event {self.last_event_id}"


class Service(models.Model):
    """An open port of a discovered host and what answers there, with when it was seen.

    Open now when ``last_run`` is its host's ``last_run``; otherwise it was open when last seen.
    """

    host = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="services")
    protocol = models.CharField(max_length=8, default="tcp")
    port = models.PositiveIntegerField()
    service = models.CharField(max_length=40, blank=True)
    product = models.CharField(max_length=120, blank=True)
    version = models.CharField(max_length=120, blank=True)
    tls = models.CharField(max_length=16, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    first_run = models.ForeignKey(ScanRun, null=True, on_delete=models.SET_NULL, related_name="+")
    last_run = models.ForeignKey(ScanRun, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["host", "protocol", "port"], name="store_service_host_port_uniq"),
        )

    def __str__(self) -> str:
        return f"{self.host.value}:{self.port}/{self.protocol} {self.service}"
