"""The vulnerability index for the CLI: build it from a feed, open it, look components up.

A facade, so that front ends depend on services only; the index lives in ``canhgac.engine.vulns``.
"""

from __future__ import annotations

from canhgac.engine.vulns import (
    FeedError,
    FeedResult,
    VersionError,
    VulnIndex,
    VulnIndexError,
    create_index,
    load_feed,
    open_scan_index,
    parse_version,
)
from canhgac.engine.vulns.components import normalise, similar

__all__ = [
    "FeedError",
    "FeedResult",
    "VersionError",
    "VulnIndex",
    "VulnIndexError",
    "create_index",
    "load_feed",
    "normalise",
    "open_scan_index",
    "parse_version",
    "similar",
]
