"""The duty roster and escalation, pure: shifts read from the CSV a department writes for the Tết
days, who is on duty at a moment, and who must have been told about an alert by then.

    person,role,start,end,email,telegram,phone
    Nguyễn Văn An,on-duty,2027-02-05 08:00,2027-02-05 20:00,an@stttt.gov.vn,123456789,0912345678
    Trần Thị Bình,backup,2027-02-05 08:00,2027-02-06 08:00,binh@stttt.gov.vn,,

Headers in English or Vietnamese (``họ tên``, ``vai trò``, ``bắt đầu``, ``kết thúc``, ``điện thoại``);
roles ``on-duty``, ``backup``, ``lead``, ``head`` (or ``trực chính``, ``dự phòng``, ``trưởng nhóm``,
``lãnh đạo``); a time without a zone is Vietnam's (+07:00). A bad line is refused with its
number, never half-imported.

Escalation: an alert goes to whoever is on duty when it opens; while it stays open and
unacknowledged, every ``minutes`` one more role is added (backup, then the team lead, then the
CSIRT head), always the people holding that role *at that moment*, so a shift change hands an
unacknowledged alert to the incoming person too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from canhgac.i18n import gettext as _

ROLES = ("on-duty", "backup", "lead", "head")  # the escalation's order
VIETNAM = timezone(timedelta(hours=7))
_HEADERS = {
    "person": "person", "name": "person", "họ tên": "person", "ho ten": "person", "cán bộ": "person",
    "role": "role", "vai trò": "role", "vai tro": "role",
    "start": "start", "bắt đầu": "start", "bat dau": "start", "từ": "start",
    "end": "end", "kết thúc": "end", "ket thuc": "end", "đến": "end",
    "email": "email", "e-mail": "email", "thư điện tử": "email",
    "telegram": "telegram",
    "webhook": "webhook",
    "phone": "phone", "điện thoại": "phone", "dien thoai": "phone",
    "language": "language", "ngôn ngữ": "language",
}
_ROLES = {
    "on-duty": "on-duty", "trực chính": "on-duty", "truc chinh": "on-duty", "trực": "on-duty",
    "backup": "backup", "dự phòng": "backup", "du phong": "backup", "trực phụ": "backup",
    "lead": "lead", "team lead": "lead", "trưởng nhóm": "lead", "truong nhom": "lead",
    "head": "head", "csirt head": "head", "lãnh đạo": "head", "lanh dao": "head",
}
MAX_SHIFTS = 10_000


class RosterError(ValueError):
    """The CSV cannot be imported; the message names the line."""


@dataclass(frozen=True, slots=True)
class Shift:
    person: str
    role: str  # one of ROLES
    start: datetime
    end: datetime
    email: str = ""
    telegram: str = ""
    webhook: str = ""
    phone: str = ""
    language: str = "vi"

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("/", "-"))
    return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM)


def parse_roster(text: str) -> list[Shift]:
    """The shifts of a roster CSV (UTF-8, comma or semicolon separated), or :class:`RosterError`."""
    text = text.lstrip("\ufeff")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    header = next(rows, None)
    if not header:
        raise RosterError(_("the roster is empty: expected a header line person,role,start,end,email,…"))
    columns = [_HEADERS.get(h.strip().lower(), "") for h in header]
    missing = [c for c in ("person", "role", "start", "end") if c not in columns]
    if missing:
        raise RosterError(_("line 1: missing column(s) {columns}").format(columns=", ".join(missing)))
    shifts: list[Shift] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(shifts) >= MAX_SHIFTS:
            raise RosterError(_("more than {n} shifts: split the roster").format(n=MAX_SHIFTS))
        shifts.append(_shift(number, {c: v.strip() for c, v in zip(columns, row, strict=False) if c}))
    if not shifts:
        raise RosterError(_("the roster has a header but no shift"))
    return shifts


def _shift(number: int, cells: dict[str, str]) -> Shift:
    where = _("line {n}").format(n=number)
    role = _ROLES.get(cells.get("role", "").lower())
    if role is None:
        raise RosterError(f"{where}: " + _("unknown role {role!r} (on-duty, backup, lead, head)").format(
            role=cells.get("role", "")))
    if not cells.get("person"):
        raise RosterError(f"{where}: " + _("the person's name is missing"))
    try:
        start, end = _time(cells.get("start", "")), _time(cells.get("end", ""))
    except ValueError:
        problem = _("start and end take a date and time, like 2027-02-05 08:00")
        raise RosterError(f"{where}: {problem}") from None
    if end <= start:
        raise RosterError(f"{where}: " + _("the shift must end after it starts"))
    if not (cells.get("email") or cells.get("telegram") or cells.get("webhook")):
        problem = _("{person} has no e-mail, Telegram or webhook to be reached at")
        raise RosterError(f"{where}: " + problem.format(person=cells["person"]))
    if cells.get("email") and "@" not in cells["email"]:
        raise RosterError(f"{where}: " + _("not an e-mail address"))
    language = cells.get("language") or "vi"
    if language not in ("vi", "en"):
        raise RosterError(f"{where}: " + _("language is vi or en"))
    return Shift(cells["person"][:150], role, start, end, cells.get("email", ""), cells.get("telegram", ""),
                 cells.get("webhook", ""), cells.get("phone", ""), language)


def on_duty(shifts: Iterable[Shift], at: datetime) -> dict[str, list[Shift]]:
    """Who holds each role at ``at`` (a role may have several people, or none)."""
    out: dict[str, list[Shift]] = {role: [] for role in ROLES}
    for shift in shifts:
        if shift.covers(at):
            out[shift.role].append(shift)
    return out


def due_step(opened: datetime, now: datetime, minutes: float, steps: int = len(ROLES)) -> int:
    """The escalation step an unacknowledged alert has reached: 0 (on duty) at once, 1 (backup)
    after ``minutes``, 2 (lead) after twice that, 3 (head) after three times."""
    if now <= opened:
        return 0
    return min(steps - 1, int((now - opened).total_seconds() // (minutes * 60)))


def to_tell(shifts: Sequence[Shift], opened: datetime, now: datetime, minutes: float,
            told: set[str]) -> tuple[int, list[Shift]]:
    """The step reached and the people who must know by ``now`` and have not been told (one
    shift per person: the one of the earliest role)."""
    step = due_step(opened, now, minutes)
    duty = on_duty(shifts, now)
    wanted: list[Shift] = []
    seen = set(told)
    for role in ROLES[: step + 1]:
        for shift in duty[role]:
            if shift.person not in seen:
                seen.add(shift.person)
                wanted.append(shift)
    return step, wanted
