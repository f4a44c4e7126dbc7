"""What the console's test-client case modules share: the two agencies, a user of each role,
result builders and a logged-in client. Imported after ``setup_django`` (each case module
configures Django for its own store first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.test import Client

from canhgac.console.store import accounts, services
from canhgac.console.store.models import RunStatus, ScanRun
from canhgac.console.store.roles import Role
from canhgac.engine.results import CheckResult, Outcome, Provenance, failed
from canhgac.engine.targets import Target, TargetKind
from canhgac.inventory.loader import loads_inventory

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


def seed_two_agencies() -> ScanRun:
    """Agencies A and B (A is B's parent), one finished run with two findings of A's domain and
    one of B's, and a user of each role: the store the console and API cases start from."""
    services.sync_agencies([
        {"code": A, "name": A_NAME, "domains": ["alpha.gov.vn"]},
        {"code": B, "name": B_NAME, "domains": ["beta.gov.vn"], "parent": A},
    ])
    domain = {code: Target(kind=TargetKind.DOMAIN, name=f"{name}.gov.vn", agency=code)
              for code, name in ((A, "alpha"), (B, "beta"))}
    run = services.start_run(provenance=PROVENANCE, filters=services.RunFilters(
        extra={"province": {"code": "P", "name": "Tỉnh Thử"}}))
    services.record_results(run, [
        result("mail.spf.present", domain[A], failed("missing", {"txt": ["google-site-verification=a1"]})),
        result("mail.dmarc.policy", domain[A], failed("none", source="_dmarc.alpha.gov.vn")),
        result("mail.spf.present", domain[B], failed("missing")),
    ])
    services.finish_run(run, RunStatus.FINISHED)
    create_users()
    return run


@cache
def two_agencies_inventory() -> Any:
    """The inventory of agencies A and B, parsed once."""
    return loads_inventory(f"""version: 1
province: {{code: PT, name: "Tỉnh Thử"}}
agencies:
  - code: {A}
    name: "{A_NAME}"
    kind: department
    domains: [alpha.gov.vn]
  - code: {B}
    name: "{B_NAME}"
    kind: department
    parent: {A}
    domains: [beta.gov.vn]
""")


@dataclass(frozen=True)
class StoredInventory:
    """What ``services.inventory_store.current_inventory`` gives: the two agencies' inventory."""

    inventory: Any = field(default_factory=two_agencies_inventory)
    sha256: str = "0" * 64
    applied_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    applied_by: str = "test"
    source: str = "inventory.yaml"
