"""The incident lifecycle's moves, the form-05 types and the value types' labels."""

from __future__ import annotations

import pytest

from canhgac.i18n import translate
from canhgac.incidents.categories import BY_CODE, CATEGORIES, category
from canhgac.incidents.lifecycle import ORDER, TransitionError, check_move, is_handled
from canhgac.incidents.model import Channel, EntryKind, IndicatorType, LinkKind, Party, Source, State

S = State


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        (S.NEW, S.TRIAGE, ""),
        (S.TRIAGE, S.CONTAINMENT, ""),
        (S.CONTAINMENT, S.ERADICATION, ""),
        (S.ERADICATION, S.RECOVERY, ""),
        (S.RECOVERY, S.CLOSED, ""),
        (S.TRIAGE, S.RECOVERY, ""),  # a jump forward
        (S.CONTAINMENT, S.CLOSED, ""),
        (S.NEW, S.CLOSED, "false alarm"),
        (S.TRIAGE, S.CLOSED, "duplicate of #3"),
        (S.RECOVERY, S.CONTAINMENT, "reinfected"),
        (S.CLOSED, S.TRIAGE, "came back"),
        (S.CLOSED, S.CONTAINMENT, "came back"),
    ],
)
def test_allowed_moves(current: State, target: State, reason: str) -> None:
    check_move(current, target, reason)


@pytest.mark.parametrize(
    ("current", "target", "reason", "says"),
    [
        (S.TRIAGE, S.TRIAGE, "", "already"),
        (S.TRIAGE, S.NEW, "x", "back to new"),
        (S.CLOSED, S.NEW, "x", "back to new"),
        (S.RECOVERY, S.CONTAINMENT, "", "reason"),
        (S.CLOSED, S.TRIAGE, "  ", "reason"),
        (S.NEW, S.CLOSED, "", "reason"),
        (S.TRIAGE, S.CLOSED, "", "reason"),
    ],
)
def test_refused_moves_say_why(current: State, target: State, reason: str, says: str) -> None:
    from canhgac.i18n import language

    with language("en"), pytest.raises(TransitionError, match=says):
        check_move(current, target, reason)


def test_every_state_pair_is_decided_without_an_unexpected_error() -> None:
    for current in ORDER:
        for target in ORDER:
            try:
                check_move(current, target, "r")
            except TransitionError:
                assert target in (current, S.NEW)


def test_handled_means_recovery_or_closed() -> None:
    assert [s for s in ORDER if is_handled(s)] == [S.RECOVERY, S.CLOSED]


def test_form_05_has_its_ten_types_in_row_order_with_both_languages() -> None:
    assert [c.row for c in CATEGORIES] == list(range(1, 11))
    assert len(BY_CODE) == 10
    assert category("Unauthorised-Access") is BY_CODE["unauthorised_access"]
    assert category("defacement").label("en") == "Defacement"
    assert category("defacement").label("vi") == "Thay đổi giao diện"
    with pytest.raises(ValueError):
        category("ddos")


def test_every_value_has_a_label_in_both_languages_and_parses_with_dashes() -> None:
    for kind in (State, Source, EntryKind, Party, Channel, LinkKind, IndicatorType):
        for member in kind:
            assert member.label("en") and member.label("vi")
            assert translate(member.msgid(), "en") == member.label("en")
    assert Party.parse("national-coordinator") is Party.NATIONAL_COORDINATOR
    with pytest.raises(ValueError):
        Party.parse("police")
