"""What the REST API (``web/api/``) reads and writes, as the pages get theirs from ``services``:
a page of findings, a scoped triage with its security event, a report's JSON, token log-in.

The web layer imports no store module but the scoped queries, so the API's writes and its
report building live here; reads still go through ``console/store/queries`` with the caller's
scope. The store is imported inside the functions, as in the other services, so importing this
module loads no Django model; the enums the API's schemas name are re-exported from here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from canhgac.catalog import Catalog, Severity
from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.model import TriageState
from canhgac.services.finding_filters import FindingQuery, resolve
from canhgac.services.finding_triage import TriageRefusedError, triage_decision, triage_findings
from canhgac.services.findings import FindingRow, finding_row

if TYPE_CHECKING:
    from canhgac.console.store.queries.viewers import Viewer


class ReportNotReadyError(LookupError):
    """The run asked for has not ended: its report comes once it has."""


def finding_page(query: FindingQuery, catalog: Catalog, lang: str, scope: Any, offset: int,
                 limit: int) -> tuple[int, list[FindingRow]]:
    """How many findings ``query`` matches for ``scope``, and the rows of one page of them
    (counted and sliced in the database); ``finding_filters.FilterError`` for a bad value."""
    from canhgac.console.store import queries

    viewer, wanted = resolve(query, catalog, scope)
    names = queries.agency_names(viewer)
    window = queries.findings_window(viewer, wanted, offset, limit)
    return window.total, [finding_row(f, catalog, lang, names) for f in window.rows]


def triage_as(viewer: Viewer, fingerprint: str, *, status: str, assignee: str | None, note: str | None,
              accepted_until: date | None, address: str, via: str) -> None:
    """Record a triage decision by ``viewer`` on a finding of their scope, checked by the pages'
    rules (``finding_triage``: a false positive's reason, an accepted risk's last day;
    ``TriageRefusedError``), with its audit rows (``TriageChange``) and an ``api.triage``
    security event in one transaction; LookupError when the viewer may not see the finding.
    ``assignee`` and ``note`` left out (or empty) keep the finding's own."""
    from django.db import transaction
    from django.utils import timezone

    from canhgac.console.store.account_models import SecurityEventKind
    from canhgac.console.store.accounts import record_event

    form = {"status": status, "assignee": assignee or "", "note": note or "",
            "accepted_until": accepted_until.isoformat() if accepted_until else ""}
    decision = triage_decision(form, blank_keeps=True, today=timezone.localdate())
    with transaction.atomic():
        triage_findings(viewer.scope, [fingerprint], decision, viewer.username)
        record_event(SecurityEventKind.API_TRIAGE, username=viewer.username, actor=viewer.username,
                     address=address, detail={"fingerprint": fingerprint, "triage": status, "via": via})


def report_json(scope: Any, *, agency: str | None, run: int | None, lang: str) -> str:
    """The report's JSON export (``canhgac report --format json``) for ``scope``: the current
    state, or one run; ``reporting.NoRunError``, ``reporting.UnknownAgencyError`` or
    :class:`ReportNotReadyError` when there is none to give."""
    from canhgac.console.store.errors import RunNotFinishedError
    from canhgac.i18n import gettext as _
    from canhgac.reports.exports import to_json
    from canhgac.services.dashboard import console_catalog, console_scoring
    from canhgac.services.reporting import report_input

    try:
        report = report_input(run, "en" if lang == "en" else "vi", agency=agency, scope=scope)
    except RunNotFinishedError as exc:
        raise ReportNotReadyError(_(
            "run #{run} is still {status}: its report comes once it has ended"
        ).format(run=exc.run_id, status=exc.status)) from None
    return to_json(report, console_catalog(), console_scoring())


def token_viewer(plaintext: str) -> tuple[Viewer, str] | None:
    """The viewer a presented API token stands for, and the token's id; None when it is unknown,
    revoked, or its user is disabled or has no console role. Its use is noted."""
    from canhgac.console.store.api_tokens import note_use
    from canhgac.console.store.queries.api_tokens import token_of
    from canhgac.console.store.queries.viewers import viewer_of

    found = token_of(plaintext)
    if found is None:
        return None
    viewer = viewer_of(found.user_id)
    if viewer is None:
        return None
    note_use(found)
    return viewer, found.key_id


__all__ = [
    "Lifecycle",
    "ReportNotReadyError",
    "Severity",
    "TriageRefusedError",
    "TriageState",
    "finding_page",
    "report_json",
    "token_viewer",
    "triage_as",
]
