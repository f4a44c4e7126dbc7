"""An accepted risk lapses after its last day; nothing else does."""

from __future__ import annotations

from datetime import date

import pytest

from canhgac.findings.triage import effective_triage

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(("state", "until", "held"), [
    ("accepted_risk", None, "accepted_risk"),  # no end: holds until someone changes it
    ("accepted_risk", date(2026, 12, 8), "accepted_risk"),
    ("accepted_risk", TODAY, "accepted_risk"),  # the last day itself still holds
    ("accepted_risk", date(2026, 12, 6), "untriaged"),
    ("confirmed", date(2026, 12, 6), "confirmed"),  # a date means nothing to other states
    ("false_positive", date(2000, 1, 1), "false_positive"),
    ("untriaged", None, "untriaged"),
])
def test_effective_triage(state: str, until: date | None, held: str) -> None:
    assert effective_triage(state, until, TODAY) == held
