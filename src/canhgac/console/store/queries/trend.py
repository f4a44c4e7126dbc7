"""The state after each of several runs: failed results per agency and severity, in one query.

"Open after run N" is what the store knew once run N ended: for every (target, check), the
results of the latest ended run up to N that ran it — the current state
(``results.current_results``) as it stood then. A narrow run (one agency, one family) or an
interrupted one changes only what it observed; everything else carries over from the runs before.

One SQL statement for all the runs: the viewer's results are grouped per (target, check, run),
each group learns by a window (``LEAD``) which later run tested the same (target, check) next,
and a group counts at run N when its run ended at or before N and the next one after N. The
sums are per run, agency and severity (the catalog's, passed in), so the page receives a few
hundred rows however many findings the store holds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from canhgac.console.store.models import Finding, Result, RiskAcceptance, ScanRun
from canhgac.console.store.queries.runs import REPORTABLE
from canhgac.console.store.queries.scope import ViewerScope

ACCEPTED_RISK = "accepted_risk"


@dataclass(frozen=True, slots=True)
class StateCount:
    """Failed results of one agency and severity in the state after one run."""

    run_id: int
    agency: str
    severity: str  # the catalog severity of the checks, "" for a check the catalog lacks
    failed: int  # every failed result
    counted: int  # of them, those whose finding's triage does not exclude it from the score
    tested: int  # (target, check) pairs of the agency with a result of this severity's checks


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _placeholders(values: Collection[object]) -> str:
    return ", ".join(["%s"] * len(values))


def state_after_runs(
    scope: ViewerScope,
    runs: Sequence[ScanRun],
    severities: Mapping[str, str],
    excluded_triage: Collection[str],
    today: date,
) -> list[StateCount]:
    """For each of ``runs`` (ended runs), the viewer's failed results in the state after it.

    ``severities`` maps check ids to severity values; ``excluded_triage`` names the triage
    states the score leaves out (an accepted risk only until its last day, as
    ``findings.triage.effective_triage`` says, judged on ``today``). Runs outside the viewer's
    scope count nothing: only rows of the scope's agencies are read.
    """
    if not runs or (scope.codes is not None and not scope.codes):
        return []
    result, run, finding, acceptance = (_table(m) for m in (Result, ScanRun, Finding, RiskAcceptance))
    params: list[Any] = []
    by_severity: dict[str, list[str]] = {}
    for check_id, severity in sorted(severities.items()):
        by_severity.setdefault(severity, []).append(check_id)
    cases = []
    for severity, checks in sorted(by_severity.items()):
        cases.append(f"WHEN check_id IN ({_placeholders(checks)}) THEN %s")
        params += [*checks, severity]
    severity_sql = f"CASE {' '.join(cases)} ELSE '' END" if cases else "''"

    excluded = sorted(excluded_triage)
    triage = "COALESCE(f.triage, 'untriaged')"
    if excluded:
        excluded_sql = (f"({triage} IN ({_placeholders(excluded)}) AND NOT ({triage} = %s"
                        " AND a.until IS NOT NULL AND a.until < %s))")
        excluded_params: list[Any] = [*excluded, ACCEPTED_RISK, today]
    else:
        excluded_sql, excluded_params = "1 = 0", []
    where = [f"rn.status IN ({_placeholders(REPORTABLE)})", "rn.finished_at IS NOT NULL",
             "rn.finished_at <= %s"]
    last = max(r.finished_at for r in runs if r.finished_at is not None)
    where_params: list[Any] = [*(str(s) for s in REPORTABLE), last]
    if scope.codes is not None:
        where.append(f"r.agency_code IN ({_placeholders(scope.codes)})")
        where_params += sorted(scope.codes)
    ids: list[Any] = [r.pk for r in runs]
    # only table names and placeholders are interpolated; every value is a parameter
    sql = f"""
WITH tested AS (
  SELECT r.agency_code AS agency, r.target_key AS target, r.check_id AS check_id,
         r.run_id AS run_id, rn.finished_at AS fin,
         SUM(CASE WHEN r.status = 'fail' THEN 1 ELSE 0 END) AS failed,
         SUM(CASE WHEN r.status = 'fail' AND NOT {excluded_sql} THEN 1 ELSE 0 END) AS counted
  FROM {result} r
  JOIN {run} rn ON rn.id = r.run_id
  LEFT JOIN {finding} f ON f.fingerprint = r.fingerprint
  LEFT JOIN {acceptance} a ON a.finding_id = f.id
  WHERE {' AND '.join(where)}
  GROUP BY r.agency_code, r.target_key, r.check_id, r.run_id, rn.finished_at
), spans AS (
  SELECT agency, {severity_sql} AS severity, run_id, fin, failed, counted,
         LEAD(fin) OVER w AS next_fin, LEAD(run_id) OVER w AS next_run
  FROM tested
  WINDOW w AS (PARTITION BY target, check_id ORDER BY fin, run_id)
)
SELECT p.id, s.agency, s.severity, SUM(s.failed), SUM(s.counted), COUNT(*)
FROM spans s
JOIN {run} p ON p.id IN ({_placeholders(ids)})
 AND (s.fin < p.finished_at OR (s.fin = p.finished_at AND s.run_id <= p.id))
 AND (s.next_fin IS NULL OR s.next_fin > p.finished_at
      OR (s.next_fin = p.finished_at AND s.next_run > p.id))
GROUP BY p.id, s.agency, s.severity
"""  # noqa: S608
    # placeholders in the order they appear: the CASE of ``counted``, WHERE, severities, run ids
    with connection.cursor() as cursor:
        cursor.execute(sql, [*excluded_params, *where_params, *params, *ids])
        rows = cursor.fetchall()
    return [StateCount(int(run), str(agency), str(severity), int(failed or 0), int(counted or 0), int(tested))
            for run, agency, severity, failed, counted, tested in rows]
