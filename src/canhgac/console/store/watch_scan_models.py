"""The watch's scheduled scans: one row per agency and night whose slot came, launched (with
the launch it queued) or skipped (the schedule's first start). Unique by agency and day, so a
restarted daemon never launches a night twice (``canhgac.watch.scan_schedule``)."""

from __future__ import annotations

from django.db import models


class WatchScanSlot(models.Model):
    agency_code = models.CharField(max_length=64)
    day = models.DateField()  # the local day of the slot's nominal time (the agency's time zone)
    due = models.DateTimeField()  # when the slot started (inside the agency's window)
    recorded_at = models.DateTimeField()  # when the watch launched it (or skipped it)
    launch = models.ForeignKey("store.ScanLaunch", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    skipped = models.BooleanField(default=False)  # the first start: recorded, not launched

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["agency_code", "day"], name="store_watchscan_once_uniq"),
        )

    def __str__(self) -> str:
        return f"scheduled scan {self.agency_code} {self.day}"
