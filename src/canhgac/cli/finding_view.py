"""How ``findings list`` and ``findings show`` look on a terminal (the JSON and CSV come from
``services.findings``). Stored text (evidence, notes, targets) can come from hostile servers or
people: it is escaped, never read as Rich markup."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from rich.markup import escape
from rich.table import Table

from canhgac.catalog import Severity
from canhgac.cli.common import console
from canhgac.engine.results import Status
from canhgac.findings.reconcile import Lifecycle
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_date, format_datetime, format_number
from canhgac.reports.model import TriageState
from canhgac.services.findings import FindingDetail, FindingRow, HistoryEntry

EMPTY = "—"


def when(value: datetime | None) -> str:
    """A stored time as the history shows it: to the second, on Vietnam's clock, in the
    reader's form (``i18n.formats``)."""
    return EMPTY if value is None else format_datetime(value, seconds=True)


def severity_label(value: str) -> str:
    return Severity(value).label() if value in Severity._value2member_map_ else (value or "?")


def lifecycle_label(value: str) -> str:
    return Lifecycle(value).label() if value in Lifecycle._value2member_map_ else value


def triage_label(value: str) -> str:
    return TriageState(value).label() if value in TriageState._value2member_map_ else value


def status_label(value: str) -> str:
    return Status(value).label() if value in Status._value2member_map_ else value


def findings_table(rows: Sequence[FindingRow]) -> Table:
    table = Table(title=_("Findings"), caption=_("{n} findings").format(n=format_number(len(rows))))
    for col in (_("Fingerprint"), _("Agency"), _("Check"), _("Severity"), _("Target"), _("State"),
                _("Triage"), _("Assignee"), _("Last seen")):
        table.add_column(col)
    for r in rows:
        table.add_row(r.fingerprint[:10], escape(r.agency), escape(r.check), severity_label(r.severity),
                      escape(r.target), lifecycle_label(r.lifecycle), triage_label(r.triage),
                      escape(r.assignee), format_date(r.last_seen))
    return table


def _field(label: str, value: str) -> None:
    console.print(f"[bold]{label}:[/] {escape(value)}", highlight=False, soft_wrap=True)


def _quoted(value: str) -> str:
    return f"“{value}”" if value else EMPTY


def change_text(entry: HistoryEntry) -> str:
    """What one history entry changed, in words."""
    if entry.kind == "lifecycle":
        if not entry.before:
            return _("opened: {state}").format(state=lifecycle_label(entry.after))
        return _("lifecycle: {before} → {after}").format(before=lifecycle_label(entry.before),
                                                         after=lifecycle_label(entry.after))
    labels = {"triage": _("triage"), "assignee": _("assignee"), "note": _("note"),
              "accepted_until": _("accepted until")}
    field = labels.get(entry.field, entry.field)
    before, after = entry.before, entry.after
    if entry.field == "note":
        before, after = _quoted(before), _quoted(after)
    elif entry.field in ("assignee", "accepted_until"):
        before, after = before or EMPTY, after or EMPTY
    elif entry.field == "triage":
        before, after = triage_label(before), triage_label(after)
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
    _field(_("Check"), f"{r.check} ({severity_label(r.severity)})")
    _field(_("Agency"), f"{r.agency} — {r.agency_name}")
    _field(_("Target"), r.target)
    _field(_("State"), lifecycle_label(r.lifecycle))
    _field(_("Triage"), triage_label(r.triage))
    if r.accepted_until is not None:
        _field(_("Accepted until"), r.accepted_until.isoformat())
    if r.triaged_at is not None:
        _field(_("Last triaged"), _("{time} by {actor}").format(time=when(r.triaged_at), actor=r.triaged_by))
    _field(_("Assignee"), r.assignee or EMPTY)
    _field(_("Note"), r.note or EMPTY)
    if r.clauses:
        _field(_("Evidence for"), ", ".join(r.clauses))
    _field(_("Last result"), f"{status_label(r.status)}: {r.message}")
    _field(_("Remediation"), r.remediation or EMPTY)
    if detail.evidence:
        _field(_("Evidence"), json.dumps(dict(detail.evidence), ensure_ascii=False, sort_keys=True,
                                          default=str))
    console.print()
    console.print(_("History"), style="bold")
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
