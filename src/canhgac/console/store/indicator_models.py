"""The indicator packs' tables (issue 15 item 4, for the host sweep of issue 17): a pack is what
one import brought (a STIX bundle, a MISP event, a plain list) under a name, with its TLP level,
its source, who imported it and when; its indicators are unique per pack (type and value), so
importing the same file again, or another into the same pack, merges rather than duplicates.

A pack is not an agency's data: who may read it is decided by its TLP level
(``canhgac.indicators.tlp.visible``; reads in ``indicator_queries``)."""

from __future__ import annotations

from django.db import models


class IndicatorPack(models.Model):
    name = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=300, blank=True)  # the file's name, the sharing CSIRT
    format = models.CharField(max_length=16)  # stix, misp, csv, text
    tlp = models.CharField(max_length=16)  # clear, green, amber, amber+strict, red
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField()
    digests = models.JSONField(default=list)  # SHA-256 of every file imported into it
    skipped = models.JSONField(default=list)  # the last import's first reasons ({where, reason})
    skipped_count = models.IntegerField(default=0)  # the last import's exact count

    class Meta:
        indexes = (models.Index(fields=["tlp", "name"], name="store_indpack_tlp_idx"),)

    def __str__(self) -> str:
        return f"indicator pack {self.name} ({self.tlp})"


class PackIndicator(models.Model):
    """One indicator of a pack; ``value_key`` (SHA-256 of the value) keeps it unique and indexed
    whatever its length (a YARA rule is long)."""

    pack = models.ForeignKey(IndicatorPack, on_delete=models.CASCADE, related_name="indicators")
    kind = models.CharField(max_length=16)
    value = models.TextField()
    value_key = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    internal = models.BooleanField(default=False)
    added_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["pack", "kind", "value_key"], name="store_packind_uniq"),
        )
        indexes = (models.Index(fields=["kind", "value_key"], name="store_packind_value_idx"),)
