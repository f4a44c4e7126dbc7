"""Which log detections the watch alerts on, and the monitor that holds them: pure.

A detection stored (``services.log_store``) whose severity is at least the threshold (``medium``
by default) makes its agency's **logs monitor** of that rule fail (``logs:SO-A/logs.web.sqli``):
one alert per agency and rule, opened at the first such detection and delivered to the people on
duty by the watch's delivery loop like every alert. The monitor keeps failing while the rule's
detections are **active** — stored or seen again within ``quiet`` (30 minutes by default), still
open and not triaged away (false positive, accepted risk) — and recovers once the attack has
been quiet that long, so a later attack opens a new alert instead of vanishing into an old one.
New detections of the same rule while its alert is open join it (the board's values name them)
without a second message: the on-duty person is already told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from canhgac.catalog.schema import Severity
from canhgac.watch.judge import Verdict
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.problems import Problem

DEFAULT_MIN_SEVERITY = Severity.MEDIUM
QUIET = timedelta(minutes=30)  # an attack quiet this long has ended: its alert recovers
LOGS_INTERVAL = 60.0  # seconds between two reads of the store for the logs monitors not settled
SHOWN = 10  # detections named in an alert's text (the count says how many there are)


@dataclass(frozen=True, slots=True)
class LogAlertRule:
    min_severity: Severity = DEFAULT_MIN_SEVERITY
    quiet: timedelta = QUIET

    def worth(self, severity: str) -> bool:
        """Whether a detection of this severity raises an alert (an unknown severity does)."""
        try:
            return Severity(severity).rank >= self.min_severity.rank
        except ValueError:
            return True


@dataclass(frozen=True, slots=True)
class ActiveDetection:
    """A stored detection of the monitor's agency and rule, as it stands now."""

    fingerprint: str
    group: str  # ``client=203.0.113.9``...
    severity: str
    count: int
    last_seen: datetime  # the window's last line (log time)
    stored_at: datetime  # when the store last took a new window of it
    closed: bool = False  # fixed, or triaged away


def logs_monitor(agency: str, rule_id: str, interval: float = LOGS_INTERVAL) -> Monitor:
    return Monitor(MonitorKind.LOGS, f"{agency}/{rule_id}", agency, interval)


def monitor_parts(target: str) -> tuple[str, str]:
    """(agency, rule id) of a logs monitor's target."""
    agency, _, rule = target.partition("/")
    return agency, rule


def worst(severities: Sequence[str], fallback: str) -> str:
    known = [Severity(s) for s in severities if s in Severity.__members__.values()]
    return max(known, key=lambda s: s.rank).value if known else fallback


def judge_logs(
    agency: str, rule_id: str, detections: Sequence[ActiveDetection], now: datetime, rule: LogAlertRule
) -> Verdict:
    """Failing while a detection worth an alert is active (the module's rule); the values name
    the detections, newest first."""
    active = [
        d
        for d in detections
        if not d.closed and rule.worth(d.severity) and now - d.stored_at <= rule.quiet
    ]
    if not active:
        return Verdict(True)
    active.sort(key=lambda d: (d.last_seen, d.fingerprint), reverse=True)
    return Verdict.failed(
        Problem.LOG_DETECTIONS,
        None,
        target=agency,
        agency=agency,
        rule=rule_id,
        count=len(active),
        last_seen=active[0].last_seen.isoformat(timespec="seconds"),
        detections=[f"{d.group} ({d.count})" for d in active[:SHOWN]],
        fingerprints=[d.fingerprint for d in active],
        severities=sorted({d.severity for d in active if d.severity}),
    )
