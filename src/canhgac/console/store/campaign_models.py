"""Tables of the account-hygiene campaign (issue 16, item 4; docs/credentials.md, "Campaign").

``CampaignRecord`` is the append-only log of the three steps of each leaked account's case (the
password changed, the sessions revoked, the second factor on): who recorded which step how
(evidence: a note and/or a file's name and SHA-256, the file kept in the workspace; or the agency
officer's attestation with its statement), and the CSIRT's reopenings. A step's state is its
latest record; a case is closed when all three steps are done (``canhgac.creds.campaign``).

``CampaignLetter`` records each notification letter generated or sent: to one account's holder
or to the agency's head, in which language, as a Word file, a downloaded e-mail or a sent one.
Steps, ways and channels are stored as text and validated in Python. No column holds a password
or a hash.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class CampaignRecord(models.Model):
    objects: ClassVar[models.Manager[CampaignRecord]] = models.Manager()  # declared: typed without the plugin
    agency_code = models.CharField(max_length=64)
    address = models.CharField(max_length=320)
    step = models.CharField(max_length=16)  # creds.campaign.Step
    how = models.CharField(max_length=16)  # creds.campaign.How
    note = models.TextField(blank=True)  # the evidence's note, or the reason of a reopening
    statement = models.TextField(blank=True)  # the officer's attestation
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    stored_as = models.CharField(max_length=300, blank=True)  # path under the workspace
    actor = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["agency_code", "address", "step"], name="store_campaign_rec_idx"),)

    def __str__(self) -> str:
        return f"{self.agency_code} {self.address} {self.step} {self.how}"


class CampaignLetter(models.Model):
    objects: ClassVar[models.Manager[CampaignLetter]] = models.Manager()
    agency_code = models.CharField(max_length=64)
    kind = models.CharField(max_length=8)  # creds.campaign.LetterKind
    address = models.CharField(max_length=320, blank=True)  # the account (a user's letter)
    language = models.CharField(max_length=8, default="vi")
    channel = models.CharField(max_length=8)  # creds.campaign.LetterChannel
    recipient = models.CharField(max_length=320, blank=True)  # where an e-mail went
    actor = models.CharField(max_length=150)
    at = models.DateTimeField()
    sent = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = (models.Index(fields=["agency_code", "at"], name="store_campaign_letter_idx"),)

    def __str__(self) -> str:
        return f"{self.agency_code} {self.kind} {self.channel} {self.address}"
