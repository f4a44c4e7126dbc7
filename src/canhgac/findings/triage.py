"""When a triage decision still holds: an accepted risk lapses after its date.

Pure: the caller gives today's date (Vietnam's calendar). Reports, the dashboard, the findings
list and its filter all ask this one rule, so a lapsed acceptance is "untriaged" everywhere.
"""

from __future__ import annotations

from datetime import date

ACCEPTED_RISK = "accepted_risk"
UNTRIAGED = "untriaged"


def effective_triage(state: str, accepted_until: date | None, today: date) -> str:
    """``state``, or untriaged for an accepted risk whose last day was before ``today``."""
    if state == ACCEPTED_RISK and accepted_until is not None and accepted_until < today:
        return UNTRIAGED
    return state
