"""Each value type's members keep their own label, though members of two types may share a value
(``Channel.EMAIL`` and ``IndicatorType.EMAIL`` are both "email")."""

from __future__ import annotations

from canhgac.incidents.model import (
    Channel,
    EntryKind,
    IndicatorType,
    LinkKind,
    Party,
    Source,
    State,
)


def test_members_sharing_a_value_keep_their_own_label() -> None:
    assert Channel.EMAIL.label("en") == "e-mail"
    assert IndicatorType.EMAIL.label("en") == "e-mail address"
    assert Source.PHONE.label("en") == "phone call"
    assert Channel.PHONE.label("en") == "phone"


def test_every_member_has_a_label_in_both_languages() -> None:
    for kind in (State, Source, EntryKind, Party, Channel, LinkKind, IndicatorType):
        for member in kind:
            assert member.label("en") and member.label("vi"), member
