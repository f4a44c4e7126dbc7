"""What the console's test-client case modules share: the two agencies, a user of each role,
result builders and a logged-in client. Imported after ``setup_django`` (each case module
configures Django for its own store first)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.test import Client

from canhgac.console.store import accounts
from canhgac.console.store.roles import Role
from canhgac.engine.results import CheckResult, Outcome, Provenance
from canhgac.engine.targets import Target

# Hashing at Django's production cost (a million PBKDF2 rounds) for every login here would take
# minutes; the CLI's end-to-end test checks the real hasher.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
A, B = "SO-A", "SO-B"
A_NAME, B_NAME = "Sở Alpha", "Sở Beta"
PASSWORD = "lúa chín vàng đồng 2025"
USERS = {"admin": Role.CSIRT_ADMIN, "analyst": Role.CSIRT_ANALYST, "leader": Role.LEADER,
         "officer_b": Role.AGENCY_OFFICER}


def result(check_id: str, target: Target, outcome: Outcome, day: int = 2) -> CheckResult:
    """A result observed on 2025-01-``day``."""
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, day, tzinfo=UTC))


def create_users() -> None:
    """One account of each role (``USERS``); the officer is bound to agency B."""
    for name, role in USERS.items():
        accounts.create_account(name, PASSWORD, role, [B] if role is Role.AGENCY_OFFICER else [],
                                actor="test")


def logged_in(username: str | None = None, **kwargs: object) -> Client:
    """A test client (from a documentation address), logged in as ``username`` when given."""
    client = Client(**{"REMOTE_ADDR": "192.0.2.10", **kwargs})  # type: ignore[arg-type]
    if username is not None:
        answer = client.post("/login/", {"username": username, "password": PASSWORD})
        assert answer.status_code == 302, answer.content[:500]
    return client
