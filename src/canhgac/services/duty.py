"""The duty roster for the CLI and the console: import the department's CSV (a file, or one
uploaded to the console or the API: the same parser and rules, nothing stored when a line is
wrong), say who is on duty at a moment. A facade over ``canhgac.watch.roster`` (parsing, pure)
and ``console.store.duty_store`` (writes). Import after the store is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.console.store.roles import works_for_csirt
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.watch.roster import ROLES, RosterError, Shift, parse_roster

if TYPE_CHECKING:
    from canhgac.console.store.queries.viewers import Viewer

__all__ = [
    "MAX_UPLOAD",
    "ROLES",
    "DutyRow",
    "RosterError",
    "RosterForbiddenError",
    "import_roster",
    "import_uploaded",
    "on_duty_rows",
]

MAX_UPLOAD = 2_000_000  # bytes: 10,000 shifts of a long line each


class RosterForbiddenError(PermissionError):
    """The viewer's role may not import a roster (the CSIRT's administrators and analysts may)."""


@dataclass(frozen=True, slots=True)
class DutyRow:
    role: str
    person: str
    start: datetime
    end: datetime
    contacts: str  # e-mail, Telegram, webhook and phone, as one line


def import_roster(path: Path, *, actor: str, append: bool = False) -> int:
    """Store the shifts of the CSV at ``path`` (replacing those imported from the same file name
    unless ``append``); :class:`RosterError` names the line that is wrong."""
    from canhgac.console.store import duty_store

    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = _("cannot be read: {error}").format(error=exc.strerror or exc)
        raise RosterError(f"{path}: {problem}") from None
    shifts = _shifts_of(str(path), data)
    return duty_store.import_shifts(shifts, source=path.name, actor=actor, replace=not append)


def _shifts_of(name: str, data: bytes) -> list[Shift]:
    """The shifts of a roster file's bytes; :class:`RosterError` starts with ``name``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{name}: " + _("is not UTF-8 text")) from None
    try:
        return parse_roster(text)
    except RosterError as exc:
        raise RosterError(f"{name}: {exc}") from None


def upload_name(raw: str) -> str:
    """An uploaded file's name as the roster keeps it (its last path part; ``roster.csv`` if none)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:300] or "roster.csv"


def import_uploaded(
    viewer: Viewer, raw_name: str, data: bytes, *, append: bool, address: str, via: str = "session"
) -> tuple[str, int]:
    """Store the shifts of a CSV uploaded to the console or the API, as ``canhgac duty import``
    does (replacing the shifts of the same file name unless ``append``), with its entry in the
    security log in the same transaction; the file's name and how many shifts were stored.
    :class:`RosterForbiddenError` for a role other than the CSIRT's, :class:`RosterError` (the
    line that is wrong) when the file cannot be imported: then nothing is stored."""
    from django.db import transaction

    from canhgac.console.store import duty_store
    from canhgac.console.store.account_models import SecurityEventKind
    from canhgac.console.store.accounts import record_event

    if not works_for_csirt(viewer.role) or not viewer.scope.is_everything:
        raise RosterForbiddenError(_("only the CSIRT (administrators and analysts) imports the duty roster"))
    name = upload_name(raw_name)
    if len(data) > MAX_UPLOAD:
        raise RosterError(
            f"{name}: "
            + _("larger than {size} bytes: split the roster").format(size=format_number(MAX_UPLOAD))
        )
    shifts = _shifts_of(name, data)
    with transaction.atomic():
        count = duty_store.import_shifts(shifts, source=name, actor=viewer.username, replace=not append)
        record_event(
            SecurityEventKind.WATCH_ROSTER_IMPORTED,
            actor=viewer.username,
            address=address,
            detail={"file": name, "shifts": count, "append": append, "via": via},
        )
    return name, count


def on_duty_rows(at: datetime) -> list[DutyRow]:
    """Who holds each role at ``at``, in the escalation's order."""
    from canhgac.console.store import queries

    rows = queries.duty_shifts(queries.ViewerScope.everything(), at=at)
    out = []
    for r in rows:
        contacts = (r.email, f"telegram {r.telegram}" if r.telegram else "", r.webhook, r.phone)
        out.append(DutyRow(r.role, r.person, r.start, r.end, " · ".join(c for c in contacts if c)))
    order = {role: n for n, role in enumerate(ROLES)}
    return sorted(out, key=lambda d: (order.get(d.role, 9), d.start, d.person))
