"""Open findings after each of several runs, per agency and severity, in one aggregate query.

A finding is open after run N when its lifecycle was open once run N was reconciled: the same
rule as the findings list and the dashboard's tiles. Reconciliation stores every transition of
every finding with the run that made it (``FindingChange``), derived from that run's results: a
failed result opens (``new``) or reopens a finding, a passed one fixes it, and what a run did not
observe (a narrow or interrupted run's remainder, a check that errored) stays as it was. So the
findings open after run N are the openings up to N minus the fixes up to N: one ``GROUP BY`` over
the transitions (never over every result, which a store of 300 agencies counts in hundreds of
thousands), summed by the caller run after run.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, CharField, Count, F, IntegerField, Q, Value, When

from canhgac.console.store.models import ChangeKind, FindingChange, ScanRun
from canhgac.console.store.queries.runs import REPORTABLE
from canhgac.console.store.queries.scope import ViewerScope

ACCEPTED_RISK = "accepted_risk"
OPENING = (ChangeKind.NEW, ChangeKind.REOPENED)
BEFORE = 0  # the ``run_id`` of the transitions of every run before the first one asked for


@dataclass(frozen=True, slots=True)
class TransitionCount:
    """How many findings of one agency and severity one run opened (``delta`` > 0) or fixed
    (``delta`` < 0), and whether their triage leaves them out of the score today."""

    run_id: int  # one of the runs asked for, or ``BEFORE``
    agency: str
    severity: str  # the catalog severity of the finding's check, "" for a check it lacks
    excluded: bool
    delta: int


def finding_transitions(
    scope: ViewerScope,
    runs: Sequence[ScanRun],
    severities: Mapping[str, str],
    excluded_triage: Collection[str],
    today: date,
) -> list[TransitionCount]:
    """Openings and fixes of the viewer's findings by the ended runs up to the last of ``runs``,
    per run of ``runs`` (earlier runs together as ``BEFORE``), agency, severity and triage.

    ``severities`` maps check ids to severity values; ``excluded_triage`` names the triage
    states the score leaves out (an accepted risk only until its last day, as
    ``findings.triage.effective_triage`` judges on ``today``).
    """
    ended = [r for r in runs if r.finished_at is not None]
    if not ended:
        return []
    last = max(r.finished_at for r in ended if r.finished_at is not None)
    by_severity: dict[str, list[str]] = {}
    for check_id, value in severities.items():
        by_severity.setdefault(value, []).append(check_id)
    severity = Case(*(When(finding__check_id__in=sorted(ids), then=Value(sev))
                      for sev, ids in sorted(by_severity.items())),
                    default=Value(""), output_field=CharField())
    lapsed = Q(finding__triage=ACCEPTED_RISK, finding__acceptance__until__lt=today)
    excluded = Case(When(lapsed, then=Value(False)),
                    When(finding__triage__in=sorted(excluded_triage), then=Value(True)),
                    default=Value(False), output_field=BooleanField())
    bucket = Case(When(run_id__in=[r.pk for r in ended], then=F("run_id")), default=Value(BEFORE),
                  output_field=IntegerField())
    opening = Case(When(kind__in=[k.value for k in OPENING], then=Value(1)), default=Value(-1),
                   output_field=IntegerField())
    changes = scope.filter(FindingChange.objects.filter(
        kind__in=[*(k.value for k in OPENING), ChangeKind.FIXED.value],
        run__status__in=REPORTABLE, run__finished_at__lte=last,
    ), "finding__agency_code")
    rows = (changes.annotate(bucket=bucket, agency=F("finding__agency_code"), severity=severity,
                             excluded=excluded, sign=opening)
            .values("bucket", "agency", "severity", "excluded", "sign")
            .annotate(n=Count("id")).order_by())
    return [TransitionCount(int(row["bucket"]), str(row["agency"]), str(row["severity"]),
                            bool(row["excluded"]), int(row["sign"]) * int(row["n"])) for row in rows]
