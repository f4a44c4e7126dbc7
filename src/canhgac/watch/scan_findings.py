"""Which findings of a scheduled scan the watch alerts on, and the monitor that holds them: pure.

After a scheduled scan, each finding it opened (or reopened: a port closed and open again is
newly exposed again) is worth an alert when its check is an exposed-services check (the catalog
family ``net`` and those under it: a database, SMB, RDP, a new port…) or its severity is at
least the threshold (``critical`` by default). The findings one scan opened for one agency are
one **findings monitor** (``findings:SO-A@run:42``): its check reads the store instead of the
network (:class:`~canhgac.watch.facts.FindingsFacts`), it fails while one of them is still open
and passes once every one is fixed or triaged away, so its alert is level-triggered like any
other: one alert listing the scan's findings, recovered when they are closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.catalog.loader import Catalog
from canhgac.catalog.schema import Severity
from canhgac.watch.monitors import Monitor, MonitorKind

EXPOSED_FAMILIES = ("net",)
FINDINGS_INTERVAL = 60.0  # seconds between two reads of the store for the findings monitors


@dataclass(frozen=True, slots=True)
class FindingsRule:
    min_severity: Severity = Severity.CRITICAL
    exposed_families: tuple[str, ...] = EXPOSED_FAMILIES

    def severity(self, catalog: Catalog | None, check_id: str) -> str:
        entry = catalog.checks.get(check_id) if catalog is not None else None
        return str(entry.severity) if entry is not None else ""

    def reason(self, catalog: Catalog | None, check_id: str) -> str:
        """``exposed``, ``severity`` or "" (not worth an alert)."""
        entry = catalog.checks.get(check_id) if catalog is not None else None
        family = entry.family if entry is not None else check_id.rpartition(".")[0]
        if any(family == f or family.startswith(f + ".") for f in self.exposed_families):
            return "exposed"
        if entry is not None and entry.severity.rank >= self.min_severity.rank:
            return "severity"
        return ""


def findings_monitor(agency: str, run: int, interval: float = FINDINGS_INTERVAL) -> Monitor:
    return Monitor(MonitorKind.FINDINGS, f"{agency}@run:{run}", agency, interval)


def worst(severities: list[str], fallback: str) -> str:
    """The worst of the findings' severities: the alert's (``fallback``, the problem's own,
    when the catalog knows none of their checks)."""
    known = [Severity(s) for s in severities if s in Severity.__members__.values()]
    return max(known, key=lambda s: s.rank).value if known else fallback
