"""Tables of the breach import (issue 16, docs/credentials.md): the accounts found and each
file's checkpoint.

A leaked account row holds the address, its agency, the breach (name, date, service) and, for
its password, only an HMAC-SHA256 under the installation's key (reuse detection) and the first
five hex digits of its SHA-1 (the pwned store's k-anonymity prefix). No plaintext column
exists. The checkpoint row is written in the transaction of the rows it accounts for.
"""

from __future__ import annotations

from django.db import models


class LeakedAccount(models.Model):
    address = models.CharField(max_length=320)
    agency_code = models.CharField(max_length=64)
    breach = models.CharField(max_length=200)
    breach_date = models.DateField()
    service = models.CharField(max_length=200, blank=True)
    secret_kind = models.CharField(max_length=16)  # creds.breach.SecretKind
    secret_hmac = models.CharField(max_length=64, blank=True)
    sha1_prefix = models.CharField(max_length=5, blank=True)
    still_works = models.BooleanField(null=True)  # the agency's answer, when given
    imported_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["address", "breach", "secret_hmac"], name="store_leak_account_uniq"
            ),
        )
        indexes = (
            models.Index(fields=["agency_code", "address"], name="store_leak_agency_idx"),
            models.Index(fields=["secret_hmac"], name="store_leak_secret_idx"),
        )


class BreachImport(models.Model):
    """One file's import: where it stands (byte offset of the last committed chunk) and its counts."""

    identity = models.CharField(max_length=100)  # size:sha256 of the first 64 KiB
    source = models.CharField(max_length=200)
    breach_date = models.DateField()
    service = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict)
    layout = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["identity", "source", "breach_date", "service"], name="store_breach_import_uniq"
            ),
        )
