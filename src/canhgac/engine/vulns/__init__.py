"""Offline vulnerability data: advisories, version ordering, OSV/NVD importers, the SQLite index.

The engine reads it through :func:`open_scan_index`; ``canhgac vulns`` writes it. No network:
feeds are files the CSIRT downloads and imports.
"""

from canhgac.engine.vulns.bundled import bundled_advisories, bundled_version
from canhgac.engine.vulns.feeds import FeedError, FeedProblem, FeedResult
from canhgac.engine.vulns.importer import create_index, load_feed, open_scan_index
from canhgac.engine.vulns.index import VulnIndex, VulnIndexError, VulnMatch
from canhgac.engine.vulns.models import Advisory, Affected, Level, Severity, VersionRange
from canhgac.engine.vulns.version import ComponentVersion, VersionError, parse_version

__all__ = [
    "Advisory",
    "Affected",
    "ComponentVersion",
    "FeedError",
    "FeedProblem",
    "FeedResult",
    "Level",
    "Severity",
    "VersionError",
    "VersionRange",
    "VulnIndex",
    "VulnIndexError",
    "VulnMatch",
    "bundled_advisories",
    "bundled_version",
    "create_index",
    "load_feed",
    "open_scan_index",
    "parse_version",
]
