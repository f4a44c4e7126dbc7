"""The inventory documents the store has been given: the one applied last is the inventory the
console scans.

A province's inventory is the CSIRT's file. Until the console could launch scans, the store only
mirrored the agencies of the latest scan; a scan started from the browser needs the file itself.
Every document applied (``canhgac scan FILE``, the console's Inventory page, the API) is kept
whole, as YAML, with who applied it, so the previous one can be read back and the history of the
inventory is auditable. A CSV upload is kept as the YAML it was turned into (one format to load).

A document checked in the console but not yet applied is kept too (``applied_at`` empty), so that
what is applied is exactly what was checked and compared; it names the document it was compared
with (``base_sha256``) so that an apply after someone else changed the inventory is refused.
"""

from __future__ import annotations

from django.db import models


class InventorySource(models.TextChoices):
    CLI = "cli", "canhgac scan"
    CONSOLE = "console", "the console"
    API = "api", "the REST API"


class InventoryDocument(models.Model):
    """One inventory, as YAML text, checked (``applied_at`` empty) or applied."""

    content = models.TextField()
    sha256 = models.CharField(max_length=64)  # of ``content``, UTF-8
    name = models.CharField(max_length=200)  # the file's name as given (no folder)
    province_code = models.CharField(max_length=64, blank=True)
    province_name = models.CharField(max_length=300, blank=True)
    agency_count = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=InventorySource.choices)
    checked_by = models.CharField(max_length=150, blank=True)  # a user, or cli:<os user>
    checked_at = models.DateTimeField()
    base_sha256 = models.CharField(max_length=64, blank=True)  # the applied document it was compared with
    applied_by = models.CharField(max_length=150, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["applied_at"], name="store_invdoc_applied_idx"),)

    def __str__(self) -> str:
        return f"inventory {self.pk} {self.name} ({self.sha256[:12]})"
