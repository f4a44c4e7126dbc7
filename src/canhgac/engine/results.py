"""Typed results: one status enum, evidence attached, error reasons typed.

A check never raises and never passes silently: what could not be tested is an
``error`` result with a reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from canhgac.engine.targets import Target
from canhgac.i18n import N_, translate


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"

    def label(self, lang: str | None = None) -> str:
        """The status as a reader says it (``Đạt``/``Pass``); JSON and CSV keep the raw value."""
        return translate(_STATUS_LABELS[self], lang)


_STATUS_LABELS = {
    Status.PASS: N_("Pass"),
    Status.FAIL: N_("Fail"),
    Status.ERROR: N_("Error"),
    Status.NOT_APPLICABLE: N_("Not applicable"),
}


class ErrorReason(StrEnum):
    """Why a check could not be tested."""

    TIMEOUT = "timeout"
    DNS_SERVFAIL = "dns_servfail"
    DNS_REFUSED = "dns_refused"
    DNS_MALFORMED = "dns_malformed"
    CONNECTION = "connection"
    PROTOCOL = "protocol"
    OUT_OF_SCOPE = "out_of_scope"
    POLICY = "policy"
    INTERNAL = "internal"


class Message(BaseModel):
    """A message id from the check's catalog entry plus the values to fill in.

    Text lives in the catalog in both languages; checks only emit keys and values.
    """

    model_config = ConfigDict(frozen=True)

    key: str
    values: Mapping[str, str | int | float] = Field(default_factory=dict)


class Outcome(BaseModel):
    """What a check function returns; the runner turns it into a ``CheckResult``."""

    model_config = ConfigDict(frozen=True)

    status: Status
    message: Message
    evidence: Mapping[str, JsonValue] = Field(default_factory=dict)
    error_reason: ErrorReason | None = None
    discriminator: str = ""


def _outcome(
    status: Status,
    key: str,
    evidence: Mapping[str, Any] | None,
    values: Mapping[str, str | int | float],
    reason: ErrorReason | None = None,
    discriminator: str = "",
) -> Outcome:
    return Outcome(
        status=status,
        message=Message(key=key, values=dict(values)),
        evidence=dict(evidence or {}),
        error_reason=reason,
        discriminator=discriminator,
    )


def passed(
    key: str, evidence: Mapping[str, Any] | None = None, **values: str | int | float
) -> Outcome:
    return _outcome(Status.PASS, key, evidence, values)


def failed(
    key: str, evidence: Mapping[str, Any] | None = None, **values: str | int | float
) -> Outcome:
    return _outcome(Status.FAIL, key, evidence, values)


def not_applicable(
    key: str, evidence: Mapping[str, Any] | None = None, **values: str | int | float
) -> Outcome:
    return _outcome(Status.NOT_APPLICABLE, key, evidence, values)


def not_judged(
    reason: ErrorReason, key: str, evidence: Mapping[str, Any] | None = None, **values: str | int | float
) -> Outcome:
    """Not applicable because the check could not judge this run (e.g. no blocklist zone
    answered its liveness test), said once for the run rather than as an error per target.

    Unlike a plain not-applicable result it carries ``reason``, and reconciliation leaves an
    open finding open: nothing was observed that could fix it.
    """
    return _outcome(Status.NOT_APPLICABLE, key, evidence, values, reason)


def errored(
    reason: ErrorReason,
    detail: str,
    evidence: Mapping[str, Any] | None = None,
) -> Outcome:
    """An untestable check. ``detail`` is technical text (not translated)."""
    return _outcome(Status.ERROR, "error", evidence, {"detail": detail}, reason)


class Provenance(BaseModel):
    """What produced a verdict, so that a disputed result can be reproduced."""

    model_config = ConfigDict(frozen=True)

    canhgac_version: str
    catalog_version: str
    reference_data: Mapping[str, str] = Field(default_factory=dict)


class CheckResult(BaseModel):
    """The result of one check on one target in one run."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    target: Target
    status: Status
    message: Message
    evidence: Mapping[str, JsonValue] = Field(default_factory=dict)
    error_reason: ErrorReason | None = None
    discriminator: str = ""
    observed_at: datetime
    duration_ms: float = 0.0

    @property
    def agency(self) -> str:
        return self.target.agency

    @property
    def fingerprint(self) -> str:
        """Stable identity across runs: check id + target + discriminator."""
        return fingerprint(self.check_id, self.target.key, self.discriminator)


def fingerprint(check_id: str, target_key: str, discriminator: str = "") -> str:
    raw = "\x1f".join((check_id, target_key, discriminator)).encode()
    return hashlib.sha256(raw).hexdigest()[:32]
