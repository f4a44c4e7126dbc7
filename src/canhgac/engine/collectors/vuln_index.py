"""The run's vulnerability index, opened once and shared by the collectors that match versions.

Both the portal components and the host services collectors read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.engine.context import CollectContext
from canhgac.engine.vulns import VulnIndex, VulnIndexError, open_scan_index


def scan_index(ctx: CollectContext) -> VulnIndex | str:
    """The run's vulnerability index (opened once), or why it could not be opened."""
    return ctx.resources.get(_RunIndex, lambda: _RunIndex.open(ctx.settings.vuln_db_path)).index


@dataclass(frozen=True)
class _RunIndex:
    index: VulnIndex | str  # the index, or why it could not be opened

    @classmethod
    def open(cls, path: str | None) -> _RunIndex:
        try:
            return cls(open_scan_index(path))
        except VulnIndexError as exc:
            return cls(str(exc))
