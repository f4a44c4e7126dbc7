"""The duty roster, pure: the department's CSV (English or Vietnamese headers and roles, local
times), its mistakes refused by line, who is on duty, and who must be told by when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from canhgac.i18n import language
from canhgac.watch.roster import RosterError, Shift, due_step, on_duty, parse_roster, to_tell

VIETNAMESE = """Họ tên;Vai trò;Bắt đầu;Kết thúc;Email;Telegram;Điện thoại
Nguyễn Văn An;trực chính;2027-02-05 08:00;2027-02-05 20:00;an@stttt.test;111;0912345678
Trần Thị Bình;dự phòng;2027-02-05 08:00;2027-02-06 08:00;binh@stttt.test;;
Lê Lan;trưởng nhóm;2027-02-05 00:00;2027-02-10 00:00;;333;
"""


def test_a_vietnamese_roster_with_local_times() -> None:
    an, binh, lan = parse_roster("\ufeff" + VIETNAMESE)
    assert (an.person, an.role, an.email, an.telegram, an.phone) == (
        "Nguyễn Văn An", "on-duty", "an@stttt.test", "111", "0912345678")
    assert an.start == datetime(2027, 2, 5, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    assert (binh.role, lan.role, lan.telegram) == ("backup", "lead", "333")


def test_an_english_roster_with_zoned_times() -> None:
    (head,) = parse_roster(
        "person,role,start,end,email\nHùng,head,2027-02-05T00:00Z,2027-02-06T00:00Z,h@x.test\n")
    assert head.role == "head" and head.start == datetime(2027, 2, 5, tzinfo=UTC)


HEAD = "person,role,start,end,email\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "empty"),
        ("person,start,end\n", "missing column(s) role"),
        (HEAD + "A,chef,2027-02-05 08:00,2027-02-05 09:00,a@x.test\n", "line 2: unknown role"),
        (HEAD + "A,backup,tomorrow,2027-02-05 09:00,a@x.test\n", "line 2: start and end"),
        (HEAD + "\nA,backup,2027-02-05 09:00,2027-02-05 08:00,a@x.test\n", "line 3: the shift"),
        (HEAD + "A,backup,2027-02-05 08:00,2027-02-05 09:00,\n", "no e-mail, Telegram"),
        (HEAD + "", "no shift"),
    ],
)
def test_mistakes_are_refused_with_their_line(text: str, said: str) -> None:
    with language("en"), pytest.raises(RosterError) as err:
        parse_roster(text)
    assert said in str(err.value)


T0 = datetime(2027, 2, 5, tzinfo=UTC)


def _shift(person: str, role: str, start: float, end: float) -> Shift:
    span = (T0 + timedelta(hours=start), T0 + timedelta(hours=end))
    return Shift(person, role, *span, email=f"{person}@x.test")


def test_on_duty_at_a_moment_and_the_hand_over() -> None:
    shifts = [_shift("an", "on-duty", 0, 8), _shift("cuong", "on-duty", 8, 16),
              _shift("binh", "backup", 0, 24)]
    before = on_duty(shifts, T0 + timedelta(hours=7, minutes=59))
    after = on_duty(shifts, T0 + timedelta(hours=8))
    assert [s.person for s in before["on-duty"]] == ["an"]
    assert [s.person for s in after["on-duty"]] == ["cuong"]
    assert before["lead"] == [] and [s.person for s in after["backup"]] == ["binh"]


def test_steps_and_who_to_tell() -> None:
    steps = [due_step(T0, T0 + timedelta(minutes=m), 15) for m in (0, 14, 15, 29, 30, 45, 600)]
    assert steps == [0, 0, 1, 1, 2, 3, 3]
    shifts = [_shift("an", "on-duty", 0, 8), _shift("binh", "backup", 0, 24), _shift("an", "lead", 0, 24)]
    step, wanted = to_tell(shifts, T0, T0 + timedelta(minutes=31), 15, {"an"})
    assert step == 2 and [s.person for s in wanted] == ["binh"]  # An, also the lead, is told once
