"""The table of scans launched from the console (or its API): who asked for what, and how far
the launch has got.

A launch is queued, then run by the console's one scan worker (``services/scan_worker.py``),
which writes its progress here about once a second and links the ``ScanRun`` it produced. A
launch left queued or running by a console process that has died is closed as interrupted when
the next one starts (``launches.close_abandoned_launches``), as runs are.
"""

from __future__ import annotations

from django.db import models


class LaunchKind(models.TextChoices):
    SCAN = "scan", "scan"  # every agency, one agency, or one family of checks
    RETEST = "retest", "retest"  # one finding's check on its target


class LaunchState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    FINISHED = "finished", "finished"
    FAILED = "failed", "failed"
    INTERRUPTED = "interrupted", "interrupted"


OPEN_STATES = (LaunchState.QUEUED, LaunchState.RUNNING)


class LaunchPhase(models.TextChoices):
    WAITING = "waiting", "waiting"  # queued, or preparing
    DISCOVERY = "discovery", "discovery"  # range port scan, MX lookups
    CHECKS = "checks", "checks"  # the plan's targets
    DONE = "done", "done"


class ScanLaunch(models.Model):
    """One scan or retest asked for in the console: what, by whom, its state and progress."""

    created_at = models.DateTimeField()
    requested_by = models.CharField(max_length=150)  # the console user's name
    address = models.CharField(max_length=64, blank=True)  # the client's address
    kind = models.CharField(max_length=16, choices=LaunchKind.choices)
    agency = models.CharField(max_length=64, blank=True)  # a scan of one agency; a retest's finding's
    family = models.CharField(max_length=128, blank=True)  # a scan of one check family
    fingerprint = models.CharField(max_length=32, blank=True)  # a retest's finding
    state = models.CharField(max_length=16, choices=LaunchState.choices, default=LaunchState.QUEUED)
    run = models.ForeignKey("store.ScanRun", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="launches")
    phase = models.CharField(max_length=16, choices=LaunchPhase.choices, default=LaunchPhase.WAITING)
    done = models.PositiveIntegerField(default=0)  # of the phase's units (probes, domains, targets)
    total = models.PositiveIntegerField(null=True, blank=True)  # None: not known yet
    results = models.PositiveIntegerField(default=0)  # results the scan has produced so far
    error = models.CharField(max_length=500, blank=True)  # why it failed, one line
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # the console process that queued it: a launch of a process that is gone is interrupted
    owner_host = models.CharField(max_length=255, blank=True)
    owner_pid = models.PositiveIntegerField(null=True, blank=True)
    owner_started = models.CharField(max_length=80, blank=True)

    class Meta:
        indexes = (models.Index(fields=["state", "created_at"], name="store_launch_state_idx"),)

    def __str__(self) -> str:
        return f"launch {self.pk} ({self.kind}, {self.state})"

    @property
    def ended(self) -> bool:
        return self.state not in OPEN_STATES
