"""The table of per-user API tokens: only a token's SHA-256 digest is stored.

A token is ``cg_<id>_<secret>``; ``key_id`` (the public id, shown in lists) finds the row and
the digest of the whole token proves it. The secret is 256 random bits, so a plain SHA-256 is
enough (no slow hash is needed against guessing), and the plaintext is shown once, at creation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A token a user calls the REST API with; it carries its user's role and scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_id = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)  # hex SHA-256 of the whole token
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.key_id}"
