"""The run's vulnerability index, opened once and shared by the collectors that match versions.

Both the portal components and the host services collectors read it.
"""

from __future__ import annotations

from canhgac.engine.context import CollectContext
from canhgac.engine.vulns import VulnIndex, VulnIndexError, open_scan_index

_INDEX_KEY = "vuln-index"


def scan_index(ctx: CollectContext) -> VulnIndex | str:
    """The run's vulnerability index (opened once), or why it could not be opened."""
    key = (_INDEX_KEY, ctx.vuln_db_path)
    found = ctx.run_cache.get(key)
    if found is None:
        try:
            found = open_scan_index(ctx.vuln_db_path)
        except VulnIndexError as exc:
            found = str(exc)
        ctx.run_cache[key] = found
    return found if isinstance(found, VulnIndex | str) else "vulnerability index cache damaged"

