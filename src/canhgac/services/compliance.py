"""The directive's compliance for the CLI (and later the console): every agency's status on every
item, computed from what the store holds, and the self-assessment writes.

Automated items read the clause verdicts the dashboard and the report compute
(``reports.grading.grade_report`` on ``reporting.report_input``'s current state, the same call
the dashboard makes), never a second judgement of the results; the watch's monitors and open
alerts and the officers' answers come from the scoped ``console.store.compliance_queries``.
Import after the store is open (``canhgac.services.store.open_store``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from canhgac.catalog import Catalog
from canhgac.compliance import (
    AgencyFacts,
    Answer,
    Compliance,
    Directive,
    DirectiveError,
    ItemKind,
    clause_of,
    compute,
    load_directive,
)
from canhgac.console.store import compliance_queries as cq
from canhgac.console.store import queries
from canhgac.console.store.campaign_queries import closure_counts
from canhgac.console.store.compliance_files import MAX_BYTES, EvidenceError, check_file
from canhgac.console.store.compliance_store import (
    ComplianceActor,
    ComplianceError,
    record_answer,
    record_review,
)
from canhgac.console.store.leak_queries import breach_data_imported
from canhgac.console.store.queries import ViewerScope
from canhgac.console.store.queries.viewers import scope_for
from canhgac.console.store.roles import Role, works_for_csirt
from canhgac.console.store.sweep_queries import sweep_facts
from canhgac.i18n import gettext as _
from canhgac.reports.grading import grade_report
from canhgac.reports.model import Language
from canhgac.services.dashboard import console_catalog, console_scoring
from canhgac.services.reporting import NoRunError, report_input

__all__ = [
    "MAX_BYTES",
    "ComplianceActor",
    "ComplianceError",
    "DirectiveError",
    "EvidenceError",
    "Viewer",
    "answer",
    "answer_view",
    "compliance_status",
    "directive",
    "review",
    "viewer",
]

FILE_ENV = "CANHGAC_COMPLIANCE_FILE"  # a province's own copy of the tasks file


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who acts: their name for the records, their role and what they may see."""

    actor: ComplianceActor
    role: Role
    scope: ViewerScope


def viewer(cli_name: str, as_user: str | None = None, agency: str | None = None) -> Viewer:
    """The CLI's viewer: the CSIRT (every agency, ``cli_name`` in the records), or the console
    user ``as_user`` with their own role and agencies; narrowed to ``agency`` when given."""
    narrow = [agency] if agency else None
    if as_user is None:
        return Viewer(
            ComplianceActor(cli_name), Role.CSIRT_ANALYST, ViewerScope.everything().narrowed(narrow)
        )
    found = cq.user_role(as_user)
    if found is None:
        raise ComplianceError(_("there is no active console user {name}").format(name=as_user))
    role, codes = found
    scope = scope_for(role, codes).narrowed(narrow)
    return Viewer(ComplianceActor(f"{as_user} ({cli_name})"), role, scope)


@cache
def _directive(path: str | None) -> Directive:
    return load_directive(console_catalog(), Path(path) if path else None)


def directive() -> Directive:
    """The tasks file the province uses (``CANHGAC_COMPLIANCE_FILE``, or the packaged one)."""
    return _directive(os.environ.get(FILE_ENV) or None)


def clause_checks(catalog: Catalog, keys: Sequence[str]) -> dict[str, frozenset[str]]:
    """The automated checks of each clause key ("CV430:3")."""
    found: dict[str, frozenset[str]] = {}
    for key in keys:
        ref = clause_of(catalog, key)
        if ref is None:
            continue
        clause = next(c for c in catalog.frameworks[ref[0]].clauses if c.id == ref[1])
        found[key] = frozenset(clause.checks)
    return found


def _scan_facts(
    scope: ViewerScope, lang: Language, catalog: Catalog
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, tuple[str, ...]]]]:
    """Per agency: its clause verdicts ("CV430:3" -> "met"...) and its open findings by check
    (fingerprints, false positives left out as the clause verdict leaves them out)."""
    try:
        report = report_input(None, lang, scope=scope)
    except NoRunError:
        return {}, {}
    grades = grade_report(report, catalog, console_scoring())
    clauses: dict[str, dict[str, str]] = {}
    findings: dict[str, dict[str, tuple[str, ...]]] = {}
    for grade in grades.agencies:
        clauses[grade.agency] = {f"{v.framework}:{v.clause}": v.status.value for v in grade.clauses}
        by_check: dict[str, list[str]] = defaultdict(list)
        for d in (*grade.deductions, *grade.excluded):
            if d.triage.value != "false_positive":
                by_check[d.check_id].append(d.fingerprint)
        findings[grade.agency] = {c: tuple(sorted(fps)) for c, fps in by_check.items()}
    return clauses, findings


def compliance_status(
    scope: ViewerScope, *, lang: Language = "vi", today: dt.date, holiday: dt.date | None = None
) -> Compliance:
    """Every active agency of ``scope`` on every item of the directive."""
    plan = directive()
    catalog = console_catalog()
    codes = queries.active_agency_codes(scope)
    clauses, findings = _scan_facts(scope, lang, catalog)
    monitors = cq.watched_monitors(scope)
    alerts = cq.open_alerts(scope)
    answers = cq.answer_facts(scope)
    breach_data = breach_data_imported(scope)
    cases = closure_counts(scope)
    swept = sweep_facts(scope)
    facts = [
        AgencyFacts(
            code=code,
            clauses=clauses.get(code, {}),
            findings=findings.get(code, {}),
            monitors=monitors.get(code, 0),
            open_alerts=alerts.get(code, ()),
            answers=answers.get(code, {}),
            breach_data=breach_data,
            cases=cases.get(code, (0, 0)),
            swept_hosts=swept[code].hosts if code in swept else 0,
            sweep_hits=swept[code].open_hits if code in swept else (),
        )
        for code in codes
    ]
    keys = [item.clause for item in plan.items if item.kind is ItemKind.CLAUSE]
    return compute(plan, clause_checks(catalog, keys), facts, today=today, holiday=holiday)


def _item(item_id: str) -> ItemKind:
    try:
        return directive().item(item_id).kind
    except KeyError:
        raise ComplianceError(
            _("unknown item {item}; the items: {items}").format(
                item=item_id, items=", ".join(i.id for i in directive().items)
            )
        ) from None


def answer(
    who: Viewer,
    *,
    agency: str,
    item_id: str,
    answer_value: str,
    note: str,
    files: Sequence[tuple[str, bytes]],
    workspace: Path,
    now: dt.datetime,
) -> int:
    """Record ``who``'s answer (yes, partly, no) for ``agency``; files are (name, bytes)."""
    if who.role not in (Role.AGENCY_OFFICER, Role.CSIRT_ADMIN, Role.CSIRT_ANALYST):
        raise ComplianceError(_("your role may not answer the directive's items"))
    _item(item_id)
    try:
        value = Answer(answer_value.strip().lower())
    except ValueError:
        raise ComplianceError(
            _("unknown answer {value}: use yes, partly or no").format(value=answer_value)
        ) from None
    checked = [check_file(name, data) for name, data in files]
    return record_answer(
        who.scope,
        who.actor,
        agency=agency,
        item=directive().item(item_id),
        answer=value,
        note=note.strip(),
        files=checked,
        workspace=workspace,
        now=now,
    )


def review(who: Viewer, *, agency: str, item_id: str, approve: bool, reason: str, now: dt.datetime) -> int:
    """The CSIRT approves or rejects ``agency``'s answer to ``item_id``."""
    if not works_for_csirt(who.role):
        raise ComplianceError(_("only the CSIRT approves or rejects answers"))
    _item(item_id)
    return record_review(
        who.scope, who.actor, agency=agency, item=item_id, approve=approve, reason=reason, now=now
    )


def answer_view(scope: ViewerScope, agency: str, item_id: str) -> cq.AnswerView | None:
    """One agency's answer to an item with its files and history, if ``scope`` may see it."""
    return cq.answer_view(scope, agency, item_id)
