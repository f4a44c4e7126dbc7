"""The duty roster for the CLI (and the console to come): import the department's CSV, say who
is on duty at a moment. A facade over ``canhgac.watch.roster`` (parsing, pure) and
``console.store.duty_store`` (writes). Import after the store is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from canhgac.i18n import gettext as _
from canhgac.watch.roster import ROLES, RosterError, parse_roster

__all__ = ["ROLES", "DutyRow", "RosterError", "import_roster", "on_duty_rows"]


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
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problem = _("cannot be read: {error}").format(error=exc.strerror or exc)
        raise RosterError(f"{path}: {problem}") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: " + _("is not UTF-8 text")) from None
    try:
        shifts = parse_roster(text)
    except RosterError as exc:
        raise RosterError(f"{path}: {exc}") from None
    return duty_store.import_shifts(shifts, source=path.name, actor=actor, replace=not append)


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
