"""Tables of the directive's self-assessment: an agency's current answer to an item, the evidence
files behind it, and the append-only history of answers and the CSIRT's decisions.

Item ids, answers and reviews are stored as text and validated in Python
(``canhgac.compliance``), so a new item in the tasks file needs no migration. Evidence files live
in the workspace (``compliance/<agency>/<sha256>``); the row keeps their name, size, content type
and digest.
"""

from __future__ import annotations

from django.db import models


class ComplianceAnswer(models.Model):
    """An agency's current answer to one item, and where the CSIRT's review of it stands."""

    agency_code = models.CharField(max_length=64)
    item = models.CharField(max_length=64)
    answer = models.CharField(max_length=16)  # compliance.Answer
    note = models.TextField(blank=True)
    review = models.CharField(max_length=16, default="submitted")  # compliance.Review
    review_reason = models.TextField(blank=True)
    answered_by = models.CharField(max_length=150)
    answered_at = models.DateTimeField()
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["agency_code", "item"], name="store_compliance_answer_uniq"),
        )
        indexes = (models.Index(fields=["review", "agency_code"], name="store_compliance_review_idx"),)

    def __str__(self) -> str:
        return f"{self.agency_code} {self.item} {self.answer} {self.review}"


class ComplianceEvidence(models.Model):
    """One file behind an answer (a plan, a signed notice, a restore record, an attestation)."""

    answer = models.ForeignKey(ComplianceAnswer, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)  # as uploaded, for display only
    stored_as = models.CharField(max_length=300)  # path under the workspace
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.sha256[:12]}"


class ComplianceHistory(models.Model):
    """What happened to an agency's item, in order: answered, approved, rejected."""

    agency_code = models.CharField(max_length=64)
    item = models.CharField(max_length=64)
    action = models.CharField(max_length=16)  # answered, approved, rejected
    answer = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)  # the officer's note, or the reason of a decision
    files = models.JSONField(default=list)  # the sha256 of the files at that moment
    actor = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["agency_code", "item", "at"], name="store_compliance_hist_idx"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.agency_code} {self.item} {self.action}"
