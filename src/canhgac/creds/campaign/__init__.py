"""The account-hygiene campaign (issue 16, item 4): pure rules, no I/O, no Django.

Each leaked account of an agency is a case tracked to closure over three steps — the password
changed, the sessions revoked, the second factor turned on — each recorded with evidence (a note
and/or a file's name and SHA-256) or the agency officer's attestation. A case is closed when all
three steps are done; the CSIRT may reopen it (every step undone, the reason kept).

Nothing here knows a password or a hash: the letters name an account by its address and its
breaches only (``masked_address`` when an address must be shortened).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from canhgac.i18n import N_, translate


class Step(StrEnum):
    PASSWORD = "password"  # noqa: S105 - the step: the password was changed
    SESSIONS = "sessions"  # every open session (webmail, IMAP, mobile) was revoked
    SECOND_FACTOR = "second-factor"  # a second factor is on for the account


STEPS: tuple[Step, ...] = (Step.PASSWORD, Step.SESSIONS, Step.SECOND_FACTOR)

STEP_LABELS: dict[Step, str] = {
    Step.PASSWORD: N_("password changed"),
    Step.SESSIONS: N_("sessions revoked"),
    Step.SECOND_FACTOR: N_("second factor on"),
}


class How(StrEnum):
    EVIDENCE = "evidence"  # a note and/or a file, recorded by whoever holds it
    ATTESTATION = "attestation"  # the agency officer's signed word
    REOPENED = "reopened"  # the CSIRT undid the step


HOW_LABELS: dict[How, str] = {
    How.EVIDENCE: N_("evidence"),
    How.ATTESTATION: N_("attestation"),
    How.REOPENED: N_("reopened"),
}


class LetterKind(StrEnum):
    USER = "user"  # to the person whose account leaked
    HEAD = "head"  # to the agency's head, listing the agency's accounts


class LetterChannel(StrEnum):
    DOCX = "docx"  # the Word letter, generated
    EML = "eml"  # the e-mail, built and downloaded (no mail path configured, or by choice)
    EMAIL = "email"  # the e-mail, sent through the watch's configured SMTP relay


def step_label(step: Step, lang: str | None = None) -> str:
    return translate(STEP_LABELS[step], lang)


def how_label(how: How, lang: str | None = None) -> str:
    return translate(HOW_LABELS[how], lang)


def parse_step(text: str) -> Step | None:
    """A step from its name ("password", "sessions", "second-factor"; "2fa", "mfa" too)."""
    value = text.strip().lower().replace("_", "-")
    if value in ("2fa", "mfa", "totp", "second-factor", "secondfactor"):
        return Step.SECOND_FACTOR
    try:
        return Step(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class StepState:
    """Where one step of a case stands: the latest record of it (None: never recorded)."""

    how: How | None = None

    @property
    def done(self) -> bool:
        return self.how in (How.EVIDENCE, How.ATTESTATION)


def is_closed(steps: Mapping[Step, StepState]) -> bool:
    """A case is closed when every step is done."""
    return all(steps.get(s, StepState()).done for s in STEPS)


def share_closed(affected: int, closed: int) -> float:
    """The share of an agency's affected accounts whose case is closed (1.0 with none affected)."""
    return 1.0 if affected <= 0 else closed / affected


def percent(affected: int, closed: int) -> int:
    """The share closed as a whole percent, rounded down (100 only when every case is closed)."""
    return 100 if affected <= 0 else (100 * closed) // affected


def masked_address(address: str) -> str:
    """``nguyen.van.a@so.gov.vn`` -> ``ng…@so.gov.vn``: for lists others may read."""
    local, at, domain = address.partition("@")
    if not at:
        return address[:2] + "…"
    return f"{local[:2]}…@{domain}"


__all__ = [
    "HOW_LABELS",
    "STEPS",
    "STEP_LABELS",
    "How",
    "LetterChannel",
    "LetterKind",
    "Step",
    "StepState",
    "how_label",
    "is_closed",
    "masked_address",
    "parse_step",
    "percent",
    "share_closed",
    "step_label",
]
