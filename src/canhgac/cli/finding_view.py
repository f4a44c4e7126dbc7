"""How ``findings list`` and ``findings show`` look on a terminal (the JSON and CSV come from
``services.findings``). Stored text (evidence, notes, targets) can come from hostile servers or
people: it is escaped, never read as Rich markup."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.markup import escape
from rich.table import Table

from canhgac.cli.common import console
from canhgac.i18n import gettext as _
from canhgac.services.findings import FindingDetail, FindingRow, HistoryEntry

EMPTY = "—"


def when(value: datetime | None) -> str:
    """A stored time as the history shows it: UTC, to the second."""
    if value is None:
        return EMPTY
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def findings_table(rows: Sequence[FindingRow]) -> Table:
    table = Table(title=_("Findings"), caption=_("{n} findings").format(n=len(rows)))
    for col in (_("Fingerprint"), _("Agency"), _("Check"), _("Severity"), _("Target"), _("State"),
                _("Triage"), _("Assignee"), _("Last seen")):
        table.add_column(col)
    for r in rows:
        table.add_row(r.fingerprint[:10], escape(r.agency), escape(r.check), r.severity or "?",
                      escape(r.target), r.lifecycle, r.triage, escape(r.assignee),
                      r.last_seen.strftime("%Y-%m-%d"))
    return table


def _field(label: str, value: str) -> None:
    console.print(f"[bold]{label}:[/] {escape(value)}", highlight=False, soft_wrap=True)


def _quoted(value: str) -> str:
    return f"“{value}”" if value else EMPTY


def change_text(entry: HistoryEntry) -> str:
    """What one history entry changed, in words."""
    if entry.kind == "lifecycle":
        if not entry.before:
            return _("opened: {state}").format(state=entry.after)
        return _("lifecycle: {before} → {after}").format(before=entry.before, after=entry.after)
    labels = {"triage": _("triage"), "assignee": _("assignee"), "note": _("note")}
    field = labels.get(entry.field, entry.field)
    before, after = entry.before, entry.after
    if entry.field == "note":
        before, after = _quoted(before), _quoted(after)
    elif entry.field == "assignee":
        before, after = before or EMPTY, after or EMPTY
    if entry.before == entry.after:
        return _("{field}: {value} (confirmed, unchanged)").format(field=field, value=after)
    return _("{field}: {before} → {after}").format(field=field, before=before, after=after)


def _by(entry: HistoryEntry) -> str:
    if entry.run is not None:
        return _("run #{run}").format(run=entry.run)
    return entry.actor


def print_detail(detail: FindingDetail) -> None:
    r = detail.row
    console.print(f"[bold]{r.fingerprint}[/] — {escape(r.title)}", highlight=False)
    _field(_("Check"), f"{r.check} ({r.severity or '?'})")
    _field(_("Agency"), f"{r.agency} — {r.agency_name}")
    _field(_("Target"), r.target)
    _field(_("State"), r.lifecycle)
    _field(_("Triage"), r.triage)
    if r.triaged_at is not None:
        _field(_("Last triaged"), _("{time} by {actor}").format(time=when(r.triaged_at), actor=r.triaged_by))
    _field(_("Assignee"), r.assignee or EMPTY)
    _field(_("Note"), r.note or EMPTY)
    if r.clauses:
        _field(_("Evidence for"), ", ".join(r.clauses))
    _field(_("Last result"), f"{r.status}: {r.message}")
    _field(_("Remediation"), r.remediation or EMPTY)
    if detail.evidence:
        _field(_("Evidence"), json.dumps(dict(detail.evidence), ensure_ascii=False, sort_keys=True,
                                          default=str))
    console.print()
    console.print(f"[bold]{_('History')}[/]")
    _field(_("First seen"), _("{time} (run #{run})").format(time=when(r.first_seen), run=r.first_seen_run))
    _field(_("Last seen"), _("{time} (run #{run})").format(time=when(r.last_seen), run=r.last_seen_run))
    if r.fixed_in_run is not None:
        _field(_("Fixed in"), _("run #{run}").format(run=r.fixed_in_run))
    table = Table()
    for col in (_("Time"), _("Change"), _("By")):
        table.add_column(col, overflow="fold")
    for entry in detail.history:
        table.add_row(when(entry.at), escape(change_text(entry)), escape(_by(entry)))
    if r.triaged_at is None:
        table.caption = _("Not triaged yet.")
    console.print(table)
