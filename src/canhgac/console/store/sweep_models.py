"""Tables of the host sweep's results (issue 17, docs/sweep.md): each swept computer with the
public key its results are signed with (pinned by its first import), and each imported run.

A computer is identified by its agency and its host name. A run row keeps what the coverage
pages and the compliance item need (times, the pack used, counts, what was skipped and why, the
host's facts) and the hits without file contents; the hits' findings live in the findings
tables, through the run of ``sweep.host`` checks the import recorded (``scan_run``).
"""

from __future__ import annotations

from django.db import models


class SweepHost(models.Model):
    # declared, so that type checking does not depend on which checkout the Django plugin loads
    objects: models.Manager[SweepHost] = models.Manager()

    agency_code = models.CharField(max_length=64)
    name = models.CharField(max_length=255)  # the host name, lower-cased
    public_key = models.CharField(max_length=64, blank=True)  # base64 Ed25519; "" = pins the next one
    pinned_at = models.DateTimeField(null=True, blank=True)
    unpinned_by = models.CharField(max_length=150, blank=True)  # who cleared the key for a re-pin
    facts = models.JSONField(default=dict)  # the last result's host facts (OS, addresses)
    last_swept_at = models.DateTimeField(null=True, blank=True)  # the newest sweep's end

    class Meta:
        constraints = (models.UniqueConstraint(fields=["agency_code", "name"], name="store_sweep_host_uniq"),)


class SweepRun(models.Model):
    objects: models.Manager[SweepRun] = models.Manager()

    host = models.ForeignKey(SweepHost, on_delete=models.CASCADE, related_name="runs")
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the signed body: one import
    public_key = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150)  # "cli:<user>", or the console user's name
    via = models.CharField(max_length=16)  # cli, api
    pack_version = models.CharField(max_length=100, blank=True)  # the newest signed pack's, else starter's
    packs = models.JSONField(default=list)
    host_facts = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    skipped = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    hits = models.JSONField(default=list)  # check, where, indicator, note, pack, hashes: no contents
    hit_count = models.PositiveIntegerField(default=0)
    interrupted = models.BooleanField(default=False)
    complete = models.BooleanField(default=True)
    system = models.BooleanField(default=True)  # processes, connections, persistence were swept
    scan_run = models.ForeignKey(
        "store.ScanRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = (models.Index(fields=["host", "ended_at"], name="store_sweep_run_host_idx"),)
