"""The host sweep's coverage for the console's pages and API: per agency (computers swept, the
last sweep, the pack it used, open hits, computers not swept for ``STALE_DAYS``), an agency's
computers, one computer with its runs. Reads only, always within the viewer's scope
(``console.store.sweep_queries``)."""

from __future__ import annotations

from datetime import datetime

from canhgac.console.store import sweep_queries as q
from canhgac.console.store.queries.scope import ViewerScope

STALE_DAYS = 30  # a computer whose last sweep is older is flagged on the coverage page

AgencyCoverage = q.AgencyCoverage
HostRow = q.HostRow
HostDetail = q.HostDetail

__all__ = ["STALE_DAYS", "AgencyCoverage", "HostDetail", "HostRow", "coverage", "host_detail"]


def coverage(scope: ViewerScope, *, stale_before: datetime) -> list[q.AgencyCoverage]:
    return q.coverage(scope, stale_before=stale_before)


def host_detail(scope: ViewerScope, host_id: int) -> q.HostDetail | None:
    return q.host_detail(scope, host_id)
