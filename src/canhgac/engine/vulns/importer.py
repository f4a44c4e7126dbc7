"""Loading feed files of either format, and building or opening the index a scan uses."""

from __future__ import annotations

from pathlib import Path

from canhgac.engine.vulns.bundled import ORIGIN, bundled_advisories, bundled_version
from canhgac.engine.vulns.feeds import FeedError, FeedResult, detect_format, read_json
from canhgac.engine.vulns.index import VulnIndex
from canhgac.engine.vulns.nvd import load_nvd
from canhgac.engine.vulns.osv import load_osv
from canhgac.i18n import gettext as _

FORMATS = ("auto", "osv", "nvd")


def load_feed(path: Path, fmt: str = "auto") -> FeedResult:
    """Read one OSV or NVD file (``fmt`` "auto" looks at its shape); FeedError if unusable."""
    if fmt not in FORMATS:
        raise FeedError(_("{path}: unknown format '{format}' (expected one of {formats})").format(
            path=path, format=fmt, formats=", ".join(FORMATS)))
    data = read_json(path)
    chosen = detect_format(data) if fmt == "auto" else fmt
    if chosen is None:
        text = _("{path}: neither an OSV nor an NVD CVE API 2.0 file (use --format)")
        raise FeedError(text.format(path=path))
    return load_nvd(path, data) if chosen == "nvd" else load_osv(path, data)


def create_index(path: Path) -> VulnIndex:
    """Open (creating if needed) a workspace index; a new one is seeded with the bundled set."""
    index = VulnIndex.open(path, create=True)
    if index.meta("bundled") is None:
        index.add(bundled_advisories(), ORIGIN)
        index.set_meta("bundled", bundled_version())
    return index


def open_scan_index(path: str | None) -> VulnIndex:
    """The index a scan reads: the file at ``path`` (read-only), else the bundled set in memory."""
    if path:
        return VulnIndex.open(path)
    return VulnIndex.in_memory(bundled_advisories(), label=f"bundled {bundled_version()}", origin=ORIGIN)
